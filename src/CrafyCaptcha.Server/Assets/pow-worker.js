/* CrafyCaptcha proof-of-work: find n in [0, maxnumber] with SHA-256(salt + n) == challenge (ALTCHA's scheme). */
self.onmessage = async function (e) {
  "use strict";
  var c = e.data, encoder = new TextEncoder(), started = Date.now();
  for (var n = 0; n <= c.maxnumber; n++) {
    var digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(c.salt + n)));
    var hex = "";
    for (var i = 0; i < digest.length; i++) { hex += (digest[i] < 16 ? "0" : "") + digest[i].toString(16); }
    if (hex === c.challenge) { self.postMessage({ number: n, took: Date.now() - started }); return; }
  }
  self.postMessage({ number: -1 });
};
