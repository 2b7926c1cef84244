/* CrafyCaptcha proof-of-work: find n in [0, maxnumber] with SHA-256(salt + n) == challenge (ALTCHA's scheme).
   The hash is fast-sha256's (vendor/fast-sha256.js, served in front of this file as one script): no promise per
   candidate, no secure context needed. The salt is the same for every candidate: its whole 64-byte blocks are absorbed
   once and each candidate restores that state (the library's _saveState/_restoreState, which its own HMAC uses), then
   adds the salt's last bytes and n's digits: one compression less per candidate for a ~120-byte salt, nothing
   allocated in the loop. Several workers can share one search: worker `start` of `step` tries start, start + step, …
   With "progress" set (the puzzles' accessible path), it also reports {progress: 0..1} every 4,096 candidates. */
self.onmessage = function (e) {
  "use strict";
  var c = e.data, sha256 = self.sha256, started = Date.now();
  var start = c.start | 0, step = Math.max(1, c.step | 0), max = +c.maxnumber, target = new Uint8Array(32), i, n;
  if (!sha256 || typeof sha256.Hash !== "function" || !/^[0-9a-f]{64}$/.test(c.challenge)) { self.postMessage({ number: -1, error: sha256 ? "challenge" : "hash" }); return; }
  for (i = 0; i < 32; i++) { target[i] = parseInt(c.challenge.substr(i * 2, 2), 16); }
  // The salt's whole blocks once; per candidate: that state, the salt's tail, n's decimal digits, the digest into one buffer.
  var salt = new TextEncoder().encode(String(c.salt)), head = salt.length - salt.length % 64, tail = salt.subarray(head);
  var h = new sha256.Hash(), state = new Int32Array(8);
  h.update(salt.subarray(0, head));
  h._saveState(state);
  var digits = new Uint8Array(16), views = [], d = new Uint8Array(32), k, text;
  for (k = 0; k <= 16; k++) { views.push(digits.subarray(0, k)); } // one view per length: nothing allocated per candidate
  for (n = start, i = 0; n <= max; n += step, i++) {
    text = String(n);
    for (k = 0; k < text.length; k++) { digits[k] = text.charCodeAt(k); }
    h._restoreState(state, head);
    h.update(tail);
    h.update(views[text.length]);
    h.finish(d);
    for (k = 0; k < 32 && d[k] === target[k]; k++) { /* compare */ }
    if (k === 32) { self.postMessage({ number: n, took: Date.now() - started }); return; }
    if (c.progress && (i & 4095) === 4095) { self.postMessage({ progress: n / max }); }
  }
  self.postMessage({ number: -1, took: Date.now() - started });
};
