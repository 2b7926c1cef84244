/*! CrafyCaptcha for .NET — the refusal page's only script: tells the widget why the challenge was refused. */
(function () {
  "use strict";
  var body = document.body, data = body.dataset, text = document.getElementById("crafy-error");
  // The Development environment's reason (the engine sends data-dev-hint nowhere else), for the browser console.
  if (data.devHint && window.console) { window.console.warn("[CrafyCAPTCHA engine] " + data.devHint); }
  if (!data.parentOrigin || window.parent === window) { return; }
  window.parent.postMessage({
    action: "CHALLENGE_REFUSED",
    payload: { status: parseInt(data.status, 10) || 0, reason: text ? text.textContent : "" }
  }, data.parentOrigin);
})();
