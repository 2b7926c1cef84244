/* CrafyCaptcha proof-of-work: find n in [0, maxnumber] with SHA-256(salt + n) == challenge (ALTCHA's scheme).
   The hash is fast-sha256's (vendor/fast-sha256.js, served in front of this file as one script): no promise per
   candidate, no secure context needed. The salt is the same for every candidate: its whole 64-byte blocks are absorbed
   once and each candidate restores that state (the library's _saveState/_restoreState, which its own HMAC uses), then
   adds the salt's last bytes and n's digits: one compression less per candidate for a ~120-byte salt, nothing
   allocated in the loop. Several workers can share one search: worker `start` of `step` tries start, start + step, …
   With "progress" set (the puzzles' accessible path), it also reports {progress: 0..1} every 4,096 candidates.
   algorithm "ARGON2ID" (ALTCHA PoW v2, the challenge is its parameters as JSON): counters start, start + step, … up to
   maxnumber, each key = Argon2id(nonce + counter as a big-endian uint32, salt) by hash-wasm's WebAssembly (served in
   front of this file in pow-worker-argon2id.js), until one starts with keyPrefix: {number, derivedKey (hex)}. */
function crafyHex(text) {
  "use strict";
  var out = new Uint8Array(text.length / 2), i;
  for (i = 0; i < out.length; i++) { out[i] = parseInt(text.substr(i * 2, 2), 16); }
  return out;
}
function crafyArgon2id(c, started) {
  "use strict";
  var hw = self.hashwasm, p = null, start = c.start | 0, step = Math.max(1, c.step | 0), max = +c.maxnumber, n = start;
  try { p = JSON.parse(c.challenge); } catch (x) { /* p stays null */ }
  if (!hw || typeof hw.argon2id !== "function" || !p || !/^[0-9a-f]{32,}$/.test(p.nonce) || !/^[0-9a-f]{32,}$/.test(p.salt) || !/^([0-9a-f]{2})+$/.test(p.keyPrefix)) {
    self.postMessage({ number: -1, error: hw ? "challenge" : "hash" });
    return;
  }
  var nonce = crafyHex(p.nonce), salt = crafyHex(p.salt), prefix = crafyHex(p.keyPrefix), password = new Uint8Array(nonce.length + 4);
  var view = new DataView(password.buffer);
  password.set(nonce);
  function next() {
    if (n > max) { self.postMessage({ number: -1, took: Date.now() - started }); return; }
    view.setUint32(nonce.length, n, false);
    hw.argon2id({ password: password, salt: salt, parallelism: p.parallelism || 1, iterations: p.cost, memorySize: p.memoryCost, hashLength: p.keyLength, outputType: "binary" }).then(function (key) {
      var k, hex = "";
      for (k = 0; k < prefix.length && key[k] === prefix[k]; k++) { /* compare */ }
      if (k === prefix.length) {
        for (k = 0; k < key.length; k++) { hex += (key[k] < 16 ? "0" : "") + key[k].toString(16); }
        self.postMessage({ number: n, derivedKey: hex, took: Date.now() - started });
        return;
      }
      if (c.progress) { self.postMessage({ progress: Math.min(1, n / Math.max(1, max)) }); }
      n += step;
      next();
    }, function () { self.postMessage({ number: -1, error: "hash" }); });
  }
  next();
}
self.onmessage = function (e) {
  "use strict";
  var c = e.data, sha256 = self.sha256, started = Date.now();
  if (c.algorithm === "ARGON2ID") { crafyArgon2id(c, started); return; }
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
