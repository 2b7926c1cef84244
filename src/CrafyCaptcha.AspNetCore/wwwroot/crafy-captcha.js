/*! CrafyCaptcha for .NET — browser widget (public API of the official CrafyCAPTCHA.js). No dependencies. */
(function (w, d) {
  "use strict";
  var DEFAULT_IFRAME = "https://captcha.crafy.net/challenge/";
  var EXPIRY_MS = 19 * 60 * 1000;
  var PALETTES = {
    light: { background: "#f9fafb", backgroundHover: "#f3f4f6", color: "#374151", borderColor: "#d1d5db", primary: "#2563eb", footerColor: "#6b7280" },
    dark: { background: "#1f2937", backgroundHover: "#374151", color: "#e5e7eb", borderColor: "#4b5563", primary: "#2563eb", footerColor: "#9ca3af" }
  };
  var TEXT = {
    es: ["Verificar que soy humano", "Nuevo desafío", "Error de conexión", "Sesión expirada", "Verificado"],
    en: ["Verify you are human", "New challenge", "Connection error", "Session expired", "Verified"],
    fr: ["Vérifiez que vous êtes humain", "Nouveau défi", "Erreur de connexion", "Session expirée", "Vérifié"],
    pt: ["Verifique que você é humano", "Novo desafio", "Erro de conexão", "Sessão expirada", "Verificado"],
    de: ["Bestätigen Sie, dass Sie ein Mensch sind", "Neue Aufgabe", "Verbindungsfehler", "Sitzung abgelaufen", "Bestätigt"],
    it: ["Verifica di essere umano", "Nuova sfida", "Errore di connessione", "Sessione scaduta", "Verificato"],
    ru: ["Подтвердите, что вы человек", "Новая проверка", "Ошибка соединения", "Сеанс истёк", "Проверено"],
    zh: ["验证您是人类", "新的挑战", "连接错误", "会话已过期", "已验证"],
    ja: ["人間であることを確認", "新しいチャレンジ", "接続エラー", "セッションの有効期限切れ", "確認済み"],
    hi: ["सत्यापित करें कि आप मानव हैं", "नई चुनौती", "कनेक्शन त्रुटि", "सत्र समाप्त", "सत्यापित"]
  };
  var usedInputs = {};
  var instances = [];
  var globalAutoLoad = true;

  function language() {
    var l = (navigator.languages && navigator.languages[0]) || navigator.language || "es";
    l = String(l).split(/[-_]/)[0].toLowerCase();
    return TEXT[l] ? l : "es";
  }

  function b64ToBytes(s) {
    if (typeof s !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) { return null; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function utf8ToB64(text) {
    var bytes = new TextEncoder().encode(text), bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin);
  }

  function verifySignature(keyB64, payload, signatureB64) {
    var key = b64ToBytes(keyB64), sig = b64ToBytes(signatureB64);
    if (typeof payload !== "string" || !key || key.length !== 32 || !sig || sig.length !== 64 || !w.crypto || !w.crypto.subtle) {
      return Promise.resolve(false);
    }
    return w.crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"])
      .then(function (k) { return w.crypto.subtle.verify({ name: "Ed25519" }, k, sig, new TextEncoder().encode(payload)); })
      .catch(function () { return false; });
  }

  function CrafyCAPTCHA() {
    this.isSolved = false;
    this.flowToken = null;
    this.lang = language();
    this.autoLoad = globalAutoLoad;
    this._loadRequested = false;
    this._pendingSubmit = false;
    this._queue = [];
  }

  CrafyCAPTCHA.prototype.setAutoLoad = function (value) { this.autoLoad = !!value; return this; };
  CrafyCAPTCHA.prototype.setDebug = function (value) { this.debug = !!value; return this; };
  CrafyCAPTCHA.prototype._log = function () {
    if (this.debug && w.console) { w.console.log.apply(w.console, ["[CrafyCAPTCHA JS SDK]"].concat([].slice.call(arguments))); }
  };

  CrafyCAPTCHA.prototype._fetchOptions = function () {
    var self = this, o = this.options;
    if (!o.optionsUrl) { return Promise.resolve(o.encryptedOptions || ""); }
    var body = {}, extra = this.internalOptions.fetchOptionsParameters || {};
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { body[k] = extra[k]; } }
    body.action = "get_options";
    var headers = { "Content-Type": "application/json" };
    if (extra.__RequestVerificationToken) { headers.RequestVerificationToken = extra.__RequestVerificationToken; }
    return fetch(o.optionsUrl, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) { return (j && j.eo) || o.encryptedOptions || ""; })
      .catch(function (e) { self._log("options fetch failed", e); self._setError(e); return o.encryptedOptions || ""; });
  };

  CrafyCAPTCHA.prototype.init = function (containerRef, publicKey, publicToken, signingPublicKey, options, internalOptions) {
    var self = this;
    this.publicKey = publicKey;
    this.publicToken = publicToken;
    this.signingPublicKey = signingPublicKey;
    this.options = options || {};
    this.internalOptions = internalOptions || {};
    this.inputName = this.options.inputName || "CrafyCAPTCHA_token";
    var iframeUrl = this.options.iframeUrl || DEFAULT_IFRAME;
    this.iframeUrl = /\/$/.test(iframeUrl) ? iframeUrl : iframeUrl + "/";
    this.iframeOrigin = new URL(this.iframeUrl, w.location.href).origin;
    var palette = PALETTES[this.options.theme === "dark" ? "dark" : "light"], style = this.options.style || {};
    this.colors = {};
    for (var c in palette) { this.colors[c] = style[c] || palette[c]; }
    if (usedInputs[this.inputName]) {
      if (w.console) { w.console.error("[CrafyCAPTCHA JS SDK] Two widgets use the inputName '" + this.inputName + "': give each widget its own inputName."); }
      return Promise.resolve(this);
    }
    usedInputs[this.inputName] = true;
    instances.push(this);
    return this._fetchOptions().then(function (eo) {
      self.eo = eo;
      self._startExpiry();
      self.container = typeof containerRef === "string" ? d.getElementById(containerRef) : containerRef;
      if (!self.container) { return self; }
      if (self.container.getAttribute("data-crafy-initialized")) { self._log("container already initialised"); return self; }
      self.container.setAttribute("data-crafy-initialized", "true");
      self._render();
      self._onMessage = function (e) { self._message(e); };
      w.addEventListener("message", self._onMessage);
      self.form = self.container.closest("form");
      if (self.form) {
        self.form.addEventListener("submit", function (e) { self._submit(e); });
      }
      if (self.autoLoad) {
        (w.requestIdleCallback || function (f) { return setTimeout(f, 500); })(function () { self._load(); }, { timeout: 2000 });
      }
      return self;
    });
  };

  CrafyCAPTCHA.prototype._render = function () {
    var self = this, t = TEXT[this.lang], c = this.colors;
    var box = d.createElement("div");
    box.className = "crafy-box";
    box.style.cssText = "max-width:350px;border:1px solid " + c.borderColor + ";border-radius:8px;background:" + c.background + ";color:" + c.color + ";font:14px system-ui,sans-serif;padding:8px";
    var start = d.createElement("button");
    start.type = "button";
    start.className = "crafy-start";
    start.setAttribute("aria-describedby", this.container.id + "-status");
    start.style.cssText = "display:flex;align-items:center;gap:8px;width:100%;padding:8px;border:0;background:transparent;color:inherit;font:inherit;cursor:pointer;text-align:left";
    var check = d.createElement("span");
    check.setAttribute("aria-hidden", "true");
    check.style.cssText = "width:20px;height:20px;border:2px solid " + c.primary + ";border-radius:4px;display:inline-block";
    var label = d.createElement("span");
    label.textContent = t[0];
    start.appendChild(check);
    start.appendChild(label);
    start.addEventListener("click", function () { self._reveal(); });
    var status = d.createElement("div");
    status.id = this.container.id + "-status";
    status.className = "crafy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.style.cssText = "font-size:12px;min-height:1em";
    var footer = d.createElement("div");
    footer.style.cssText = "display:flex;justify-content:space-between;font-size:11px;color:" + c.footerColor;
    var brand = d.createElement("span");
    brand.textContent = "Protected by CrafyCAPTCHA";
    var again = d.createElement("button");
    again.type = "button";
    again.textContent = t[1];
    again.style.cssText = "border:0;background:transparent;color:inherit;font:inherit;cursor:pointer;text-decoration:underline";
    again.addEventListener("click", function () { self.reset(); });
    footer.appendChild(brand);
    footer.appendChild(again);
    var iframe = d.createElement("iframe");
    iframe.name = "crafy_iframe_" + Math.random().toString(36).slice(2) + Date.now();
    iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-forms");
    iframe.title = t[0];
    iframe.setAttribute("aria-label", "CrafyCAPTCHA Security Check");
    iframe.setAttribute("aria-hidden", "true");
    iframe.tabIndex = -1;
    iframe.style.cssText = "position:absolute;left:-9999px;top:-9999px;width:1px;height:1px;border:0;pointer-events:none";
    var form = d.createElement("form");
    form.method = "POST";
    form.action = this.iframeUrl;
    form.target = iframe.name;
    form.style.display = "none";
    box.appendChild(start);
    box.appendChild(status);
    box.appendChild(footer);
    this.container.appendChild(box);
    this.container.appendChild(iframe);
    d.body.appendChild(form); // outside the page's own form: forms must not nest
    this.ui = { box: box, start: start, check: check, label: label, status: status, footer: footer };
    this.iframe = iframe;
    this.postForm = form;
    if (this.autoLoad) {
      // As the official widget: disabled and spinning until the challenge has been requested.
      start.disabled = true;
      check.style.borderStyle = "dotted";
    }
  };

  CrafyCAPTCHA.prototype._setStatus = function (text, color) {
    if (!this.ui) { return; }
    this.ui.status.textContent = text;
    this.ui.status.style.color = color || "";
  };

  CrafyCAPTCHA.prototype._setError = function (error) {
    this._setStatus(TEXT[this.lang][2], "#ea580c");
    if (typeof this.options.onError === "function") { this.options.onError(error || new Error("connection error")); }
  };

  CrafyCAPTCHA.prototype._cdweo = function () {
    var nav = w.navigator || {};
    return JSON.stringify({
      eo: this.eo,
      telemetry: {
        webdriver: !!nav.webdriver,
        languages: (nav.languages || []).slice(0, 5),
        timezone: (Intl.DateTimeFormat().resolvedOptions() || {}).timeZone || null,
        screen: [w.screen ? w.screen.width : 0, w.screen ? w.screen.height : 0],
        elapsed_ms: Math.round(w.performance ? w.performance.now() : 0),
        touch: "ontouchstart" in w
      }
    });
  };

  CrafyCAPTCHA.prototype._load = function () {
    if (!this.postForm || this._loadRequested) { return; }
    this._loadRequested = true;
    var f = this.postForm, c = this.colors;
    while (f.firstChild) { f.removeChild(f.firstChild); }
    var fields = [["pt", this.publicToken], ["cdweo", this._cdweo()], ["theme", this.options.theme || "light"],
      ["bg", c.background], ["text", c.color], ["primary", c.primary], ["border", c.borderColor], ["parent_origin", w.location.origin]];
    for (var i = 0; i < fields.length; i++) {
      var input = d.createElement("input");
      input.type = "hidden";
      input.name = fields[i][0];
      input.value = fields[i][1] == null ? "" : String(fields[i][1]);
      f.appendChild(input);
    }
    f.submit();
    if (!this.isSolved) {
      this.ui.start.disabled = false;
      this.ui.check.style.borderStyle = "";
    }
  };

  CrafyCAPTCHA.prototype.loadIframe = function () { this._load(); };

  CrafyCAPTCHA.prototype._reveal = function () {
    if (!this.iframe) { return; }
    this._load();
    this.ui.start.style.display = "none";
    this.iframe.removeAttribute("aria-hidden");
    this.iframe.tabIndex = 0;
    this.iframe.style.cssText = "position:relative;width:100%;height:420px;border:0;z-index:1000";
  };

  CrafyCAPTCHA.prototype._message = function (e) {
    var self = this;
    if (e.origin !== this.iframeOrigin || !this.iframe || e.source !== this.iframe.contentWindow) { return; }
    var m = e.data || {};
    if (m.action === "RESIZE" && m.payload && typeof m.payload.height === "number" && this.iframe.getAttribute("aria-hidden") === null) {
      this.iframe.style.height = Math.max(0, Math.min(m.payload.height, 2000)) + "px";
    } else if (m.action === "REQUEST_RELOAD") {
      if (typeof this.options.onError === "function") { this.options.onError(new Error("challenge failed; reloading")); }
      this.reset();
    } else if (m.action === "HANDSHAKE") {
      verifySignature(this.signingPublicKey, m.payload, m.signature).then(function (ok) {
        if (!ok) { self._log("bad HANDSHAKE signature"); return; }
        try { self.flowToken = JSON.parse(m.payload).payload.flow_token || null; } catch (err) { self.flowToken = null; }
      });
    } else if (m.action === "CHALLENGE_COMPLETE") {
      verifySignature(this.signingPublicKey, m.payload, m.signature).then(function (ok) {
        if (ok) { self._success(m.payload, m.server_sign); } else { self._log("bad CHALLENGE_COMPLETE signature"); }
      });
    }
  };

  CrafyCAPTCHA.prototype._input = function () {
    var root = this.form || this.container, found = null, inputs = d.getElementsByName(this.inputName);
    for (var i = 0; i < inputs.length; i++) { if (inputs[i].tagName === "INPUT") { found = inputs[i]; break; } }
    if (!found) {
      found = d.createElement("input");
      found.type = "hidden";
      found.name = this.inputName;
      root.appendChild(found);
    }
    return found;
  };

  CrafyCAPTCHA.prototype._success = function (payload, serverSign) {
    var envelope = { payload: payload };
    if (serverSign !== undefined) { envelope.server_sign = serverSign; }
    var token = utf8ToB64(JSON.stringify(envelope));
    this.isSolved = true;
    this._input().value = token;
    this.ui.check.style.background = this.colors.primary;
    this.ui.start.style.display = "";
    this.ui.start.disabled = true;
    this._setStatus(TEXT[this.lang][4], "");
    this.container.dispatchEvent(new CustomEvent("crafy:success", { detail: token }));
    if (typeof this.options.onSuccess === "function") { this.options.onSuccess(token); }
    if (this._pendingSubmit && this.form) {
      this._pendingSubmit = false;
      var next = firstUnsolved(this.form);
      if (next) { next._reveal(); } else if (this.form.requestSubmit) { this.form.requestSubmit(); } else { this.form.submit(); }
    }
  };

  function firstUnsolved(form) {
    for (var i = 0; i < instances.length; i++) {
      if (instances[i].form === form && !instances[i].isSolved) { return instances[i]; }
    }
    return null;
  }

  CrafyCAPTCHA.prototype._submit = function (e) {
    var first = firstUnsolved(this.form);
    if (!first) { return; }
    e.preventDefault();
    if (first === this) {
      this._pendingSubmit = true;
      this._reveal();
    }
  };

  CrafyCAPTCHA.prototype.reset = function () {
    if (!this.postForm) { return Promise.resolve(); }
    this.isSolved = false;
    var input = this._input();
    input.value = "";
    this.ui.start.disabled = false;
    this.ui.check.style.background = "";
    this.ui.label.textContent = TEXT[this.lang][0];
    this._setStatus("", "");
    this._loadRequested = false;
    this._load();
    return Promise.resolve();
  };

  CrafyCAPTCHA.prototype._startExpiry = function () {
    var self = this;
    clearTimeout(this._expiry);
    this._expiry = setTimeout(function () {
      self.isSolved = false;
      if (self.postForm) { self._input().value = ""; }
      if (self.options.optionsUrl) {
        self._fetchOptions().then(function (eo) { self.eo = eo; self.reset(); self._startExpiry(); });
      } else {
        self.reset();
        self._setStatus(TEXT[self.lang][3], "#dc2626");
      }
      if (typeof self.options.onExpire === "function") { self.options.onExpire(); }
    }, EXPIRY_MS);
  };

  CrafyCAPTCHA.prototype.destroy = function () {
    if (this._onMessage) { w.removeEventListener("message", this._onMessage); }
    clearTimeout(this._expiry);
    delete usedInputs[this.inputName];
    instances.splice(instances.indexOf(this), 1);
    if (this.postForm && this.postForm.parentNode) { this.postForm.parentNode.removeChild(this.postForm); }
    if (this.container) {
      while (this.container.firstChild) { this.container.removeChild(this.container.firstChild); }
      this.container.removeAttribute("data-crafy-initialized");
    }
  };

  // Static API: one lazily created default instance, as the official widget; `new CrafyCAPTCHA()` for several widgets.
  CrafyCAPTCHA._instance = null;
  function instance() { return CrafyCAPTCHA._instance || (CrafyCAPTCHA._instance = new CrafyCAPTCHA()); }
  CrafyCAPTCHA.init = function () { var i = instance(); i.init.apply(i, arguments); return i; };
  CrafyCAPTCHA.setAutoLoad = function (v) { globalAutoLoad = !!v; instance().setAutoLoad(v); };
  CrafyCAPTCHA.setDebug = function (v) { instance().setDebug(v); };
  CrafyCAPTCHA.loadIframe = function () { if (CrafyCAPTCHA._instance) { CrafyCAPTCHA._instance.loadIframe(); } };
  CrafyCAPTCHA.reset = function () { return CrafyCAPTCHA._instance ? CrafyCAPTCHA._instance.reset() : Promise.resolve(); };

  w.CrafyCAPTCHA = CrafyCAPTCHA;
  w.dispatchEvent(new CustomEvent("CrafyCAPTCHALoaded", { detail: { CrafyCAPTCHA: CrafyCAPTCHA } }));
})(window, document);
