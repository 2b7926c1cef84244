/* CrafyCaptcha challenge iframe: handshake, proof-of-work in a Web Worker, optional checkbox, signed completion. */
(function () {
  "use strict";
  var body = document.body, data = body.dataset;
  var parentOrigin = data.parentOrigin, flowToken = data.flowToken, pow = JSON.parse(data.pow);
  var needsCheckbox = data.checkbox === "true";
  var status = document.getElementById("status"), check = document.getElementById("check"), spin = document.getElementById("spin");
  var solution = null, clicked = !needsCheckbox, sent = false;

  function post(message) { window.parent.postMessage(message, parentOrigin); }
  function handshake() { post({ action: "HANDSHAKE", payload: data.handshakePayload, signature: data.handshakeSignature }); }
  function resize() { post({ action: "RESIZE", payload: { height: Math.ceil(document.body.getBoundingClientRect().height) + 4 } }); }
  function say(text, colour) { status.textContent = text; status.style.color = colour || ""; resize(); }

  window.addEventListener("message", function (e) {
    if (e.origin !== parentOrigin || e.source !== window.parent) { return; }
    var m = e.data || {};
    if (m.action === "REQUEST_HANDSHAKE_RETRY") { handshake(); }
  });

  function submit() {
    if (sent || !solution || !clicked) { return; }
    sent = true;
    say(needsCheckbox ? "Checking…" : "");
    fetch(data.verifyUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        flow_token: flowToken,
        pow: { algorithm: pow.algorithm, challenge: pow.challenge, number: solution.number, salt: pow.salt, signature: pow.signature },
        checkbox: needsCheckbox && clicked
      })
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, json: j }; });
    }).then(function (result) {
      spin.style.display = "none";
      if (result.ok) {
        document.getElementById("box").className = "box done";
        check.disabled = true;
        say("Verified");
        post({ action: "CHALLENGE_COMPLETE", payload: result.json.payload, signature: result.json.signature, server_sign: result.json.server_sign });
      } else {
        say("Verification failed (" + (result.json && result.json.error) + "). Loading a new challenge…", "#b91c1c");
        post({ action: "REQUEST_RELOAD" });
      }
    }).catch(function () {
      spin.style.display = "none";
      say("Connection error", "#ea580c");
      post({ action: "REQUEST_RELOAD" });
    });
  }

  check.addEventListener("click", function () {
    if (!needsCheckbox) { return; }
    clicked = true;
    check.disabled = true;
    say(solution ? "" : "Verifying…");
    submit();
  });

  say(needsCheckbox ? "Tick the box to continue." : "Verifying…");
  var worker = new Worker(data.workerUrl);
  worker.onmessage = function (e) {
    if (!e.data || e.data.number < 0) { say("Could not solve the challenge.", "#b91c1c"); post({ action: "REQUEST_RELOAD" }); return; }
    solution = e.data;
    if (!needsCheckbox) { spin.style.display = "none"; }
    submit();
  };
  worker.postMessage({ challenge: pow.challenge, salt: pow.salt, maxnumber: pow.maxnumber });
  handshake();
  if (window.ResizeObserver) { new ResizeObserver(resize).observe(document.body); }
  window.addEventListener("load", resize);
})();
