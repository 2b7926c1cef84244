/*! CrafyCaptcha for .NET — the refusal page's only script: tells the widget why the challenge was refused. */
(function () {
  "use strict";
  var body = document.body, data = body.dataset, text = document.getElementById("crafy-error");
  if (!data.parentOrigin || window.parent === window) { return; }
  window.parent.postMessage({
    action: "CHALLENGE_REFUSED",
    payload: { status: parseInt(data.status, 10) || 0, reason: text ? text.textContent : "" }
  }, data.parentOrigin);
})();
