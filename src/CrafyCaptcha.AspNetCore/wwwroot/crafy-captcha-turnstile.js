/*! CrafyCaptcha for .NET — the widget's Cloudflare Turnstile bridge. The widget (crafy-captcha.js) loads it from beside
    itself only when the engine's signed HANDSHAKE names a Turnstile site key, so the common pass carries none of it. */
/* The Turnstile script is loaded once into this page; Turnstile runs here (appearance interaction-only, under the box)
   and its token goes to the iframe, which polls REQUEST_TURNSTILE_STATUS until it has one. Each reset asks Turnstile
   for a fresh token. */
(function (w, d) {
  "use strict";
  var CrafyCAPTCHA = w.CrafyCAPTCHA;
  if (!CrafyCAPTCHA) { return; }
  // Cloudflare's API only when it is one: markup such as <img name="turnstile"> also answers to window.turnstile.
  function api() { var t = w.turnstile; return t && typeof t.render === "function" ? t : null; }
  function loadTurnstile(src, nonce) {
    return CrafyCAPTCHA._loadScript(src, nonce, api, "crafy-turnstile-script");
  }

  CrafyCAPTCHA.prototype._turnstileStart = function (siteKey, script) {
    var self = this;
    if (this._ts) { return; }
    var ts = this._ts = { token: null, error: false, id: null };
    // Through Document's prototype: markup such as <img name="createElement"> stands in for document's own methods.
    var host = Document.prototype.createElement.call(d, "div");
    host.className = "crafy-turnstile";
    if (!Document.prototype.getElementById.call(d, "crafy-turnstile-hidden")) { host.id = "crafy-turnstile-hidden"; }
    this.container.appendChild(host);
    function failed() { ts.error = true; self._toFrame({ action: "TURNSTILE_ERROR", message: "Turnstile error" }); }
    loadTurnstile(script || "https://challenges.cloudflare.com/turnstile/v0/api.js", this.options.cspNonce).then(function (turnstile) {
      if (self._ts !== ts) { return; } // destroyed (or reset to another run) while Cloudflare's script was loading
      try {
        ts.id = turnstile.render(host, {
          sitekey: siteKey,
          appearance: "interaction-only",
          callback: function (token) { ts.token = token; ts.error = false; self._toFrame({ action: "TURNSTILE_SOLVED", token: token }); },
          "error-callback": failed,
          "expired-callback": function () { ts.token = null; }
        });
      } catch (err) { self._log(err.message); failed(); }
    }, function (err) { self._log(err.message); failed(); });
  };

  CrafyCAPTCHA.prototype._turnstileStatus = function () {
    var ts = this._ts;
    if (ts && ts.token) { this._toFrame({ action: "TURNSTILE_SOLVED", token: ts.token }); } else if (ts && ts.error) { this._toFrame({ action: "TURNSTILE_ERROR", message: "Turnstile error" }); } else if (!this.flowToken) { this._toFrame({ action: "REQUEST_HANDSHAKE_RETRY" }); }
  };

  CrafyCAPTCHA.prototype._turnstileReset = function () {
    var ts = this._ts;
    if (!ts) { return; }
    ts.token = null;
    ts.error = false;
    if (ts.id != null && api()) { api().reset(ts.id); }
  };

  CrafyCAPTCHA.prototype._turnstileRemove = function () {
    if (this._ts && this._ts.id != null && api()) { try { api().remove(this._ts.id); } catch (err) { /* already gone */ } }
    this._ts = null;
  };
})(window, document);
