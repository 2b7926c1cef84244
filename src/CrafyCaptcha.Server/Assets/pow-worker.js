/* CrafyCaptcha proof-of-work: find n in [0, maxnumber] with SHA-256(salt + n) == challenge (ALTCHA's scheme).
   Several workers can share one search: worker `start` of `step` tries start, start + step, … Digests are asked in
   batches (one await per batch, not per candidate): the browser hashes them back to back. With "progress" set (the
   puzzles' accessible path), it also reports {progress: 0..1} every 64 batches. */
self.onmessage = async function (e) {
  "use strict";
  var c = e.data, encoder = new TextEncoder(), started = Date.now(), subtle = self.crypto && self.crypto.subtle;
  var start = c.start | 0, step = Math.max(1, c.step | 0), batch = 64, target = new Uint8Array(32), i, n;
  if (!subtle || !/^[0-9a-f]{64}$/.test(c.challenge)) { self.postMessage({ number: -1, error: subtle ? "challenge" : "crypto" }); return; }
  for (i = 0; i < 32; i++) { target[i] = parseInt(c.challenge.substr(i * 2, 2), 16); }
  function matches(buffer) {
    var d = new Uint8Array(buffer);
    for (var k = 0; k < 32; k++) { if (d[k] !== target[k]) { return false; } }
    return true;
  }
  try {
    for (n = start; n <= c.maxnumber; n += step * batch) {
      var pending = [], numbers = [];
      for (i = 0; i < batch && n + i * step <= c.maxnumber; i++) {
        numbers.push(n + i * step);
        pending.push(subtle.digest("SHA-256", encoder.encode(c.salt + (n + i * step))));
      }
      var digests = await Promise.all(pending);
      for (i = 0; i < digests.length; i++) {
        if (matches(digests[i])) { self.postMessage({ number: numbers[i], took: Date.now() - started }); return; }
      }
      if (c.progress && ((n - start) / (step * batch)) % 64 === 0) { self.postMessage({ progress: n / c.maxnumber }); }
    }
  } catch (err) {
    self.postMessage({ number: -1, error: "crypto" });
    return;
  }
  self.postMessage({ number: -1 });
};
