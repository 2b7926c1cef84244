/*! CrafyCaptcha for .NET — browser widget (public API of the official CrafyCAPTCHA.js). No dependencies. */
(function (w, d) {
  "use strict";
  // Loaded twice on one page (a layout's tag and the tag helper's, or two language builds): the first copy stays the
  // only one, so every widget shares one registry (inputName checks, CrafyCAPTCHA.get) and one prototype, which the
  // Turnstile bridge extends.
  if (typeof w.CrafyCAPTCHA === "function" && w.CrafyCAPTCHA._loadScript) { return; }
  // The document's and the form's methods through their prototypes: markup on the page (<img name="createElement">, or
  // in the form <input name="addEventListener">, which sanitizers keep) stands in for them on the objects themselves.
  var DOC = Document.prototype, FORM = HTMLFormElement.prototype;
  function create(tag) { return DOC.createElement.call(d, tag); }
  function createNS(ns, tag) { return DOC.createElementNS.call(d, ns, tag); }
  function byId(id) { return DOC.getElementById.call(d, id); }
  function docGet(name) { return Object.getOwnPropertyDescriptor(DOC, name).get.call(d); }
  var DEFAULT_IFRAME = "https://captcha.crafy.net/challenge/";
  // Upper bound only: an eo that was never solved is renewed after this (the SDK's flow lifetime is 20 minutes). A
  // solved flow's token expires when the engine says (expires_at in the signed CHALLENGE_COMPLETE payload).
  var EXPIRY_MS = 19 * 60 * 1000;
  var MIN_RENEW_MS = 5000;
  // errorColor and expiredColor keep a 4.5:1 contrast on the box's background (WCAG AA for 14 px text).
  var PALETTES = {
    light: { background: "#f9fafb", backgroundHover: "#f3f4f6", color: "#374151", borderColor: "#d1d5db", primary: "#2563eb", footerColor: "#4b5563", errorColor: "#c2410c", expiredColor: "#b91c1c" },
    dark: { background: "#1f2937", backgroundHover: "#374151", color: "#e5e7eb", borderColor: "#4b5563", primary: "#2563eb", footerColor: "#9ca3af", errorColor: "#fb923c", expiredColor: "#f87171" }
  };
  // After this many REQUEST_RELOADs in a row without a token, the widget stops reloading and shows its error state.
  var MAX_RELOADS = 3;
  // [verify, new challenge, connection error, expired, verified, verifying, temporarily unavailable]. The first language is the fallback. Each
  // crafy-captcha.{lang}.min.js is this script with only that language's row (the tag helper picks it from the request's
  // Accept-Language, which browsers derive from the same setting as navigator.languages).
  var TEXT = {
    es: ["Verificar que soy humano", "Nuevo desafío", "Error de conexión", "Sesión expirada", "Verificado", "Verificando…", "No disponible por el momento. Reintentar"],
    en: ["Verify you are human", "New challenge", "Connection error", "Session expired", "Verified", "Verifying…", "Temporarily unavailable. Try again"],
    fr: ["Vérifiez que vous êtes humain", "Nouveau défi", "Erreur de connexion", "Session expirée", "Vérifié", "Vérification…", "Momentanément indisponible. Réessayer"],
    pt: ["Verifique que você é humano", "Novo desafio", "Erro de conexão", "Sessão expirada", "Verificado", "Verificando…", "Temporariamente indisponível. Tentar novamente"],
    de: ["Bestätigen Sie, dass Sie ein Mensch sind", "Neue Aufgabe", "Verbindungsfehler", "Sitzung abgelaufen", "Bestätigt", "Wird geprüft…", "Vorübergehend nicht verfügbar. Erneut versuchen"],
    it: ["Verifica di essere umano", "Nuova sfida", "Errore di connessione", "Sessione scaduta", "Verificato", "Verifica in corso…", "Temporaneamente non disponibile. Riprova"],
    ru: ["Подтвердите, что вы человек", "Новая проверка", "Ошибка соединения", "Сеанс истёк", "Проверено", "Проверка…", "Временно недоступно. Повторить"],
    zh: ["验证您是人类", "新的挑战", "连接错误", "会话已过期", "已验证", "正在验证…", "暂时不可用，请重试"],
    ja: ["人間であることを確認", "新しいチャレンジ", "接続エラー", "セッションの有効期限切れ", "確認済み", "確認中…", "一時的に利用できません。再試行"],
    hi: ["सत्यापित करें कि आप मानव हैं", "नई चुनौती", "कनेक्शन त्रुटि", "सत्र समाप्त", "सत्यापित", "सत्यापन हो रहा है…", "अस्थायी रूप से अनुपलब्ध। फिर से प्रयास करें"],
    ar: ["تحقّق من أنك إنسان", "تحدٍّ جديد", "خطأ في الاتصال", "انتهت الجلسة", "تم التحقق", "جارٍ التحقق…", "غير متاح مؤقتًا. أعد المحاولة"],
    he: ["אמתו שאתם בני אדם", "אתגר חדש", "שגיאת חיבור", "פג תוקף ההפעלה", "אומת", "מאמת…", "לא זמין זמנית. נסו שוב"]
  };
  var RTL = { ar: true, he: true };
  var SVG_NS = "http://www.w3.org/2000/svg";
  var BOX_MAX_WIDTH = 360;
  // Listened to, never read: a browser fires a MediaQueryList's change event only if that list's `matches` was not
  // read since the change, so a read while painting (a state change in the moment before the browser's next rendering
  // update) would lose the event and leave the box in the old colours. Reads go through media(), a new list each time.
  var darkQuery = w.matchMedia ? w.matchMedia("(prefers-color-scheme: dark)") : null;
  function media(q) { return !!(w.matchMedia && w.matchMedia(q).matches); }
  var usedInputs = {};
  var instances = [];
  var globalAutoLoad = true;
  // Where this script was loaded from (its Turnstile bridge sits beside it). Read through Document's own getter and only
  // from a <script>: markup the page shows (e.g. <img name="currentScript" src="https://evil/…">) can shadow
  // document.currentScript, and would otherwise choose the bridge's address.
  var current = null;
  try { current = docGet("currentScript"); } catch (e) { current = null; }
  var SCRIPT = current && current.tagName === "SCRIPT" && typeof current.src === "string" ? current.src : null;

  function language() {
    var l = (navigator.languages && navigator.languages[0]) || navigator.language || "es";
    l = String(l).split(/[-_]/)[0].toLowerCase();
    return TEXT[l] ? l : Object.keys(TEXT)[0];
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

  // The Ed25519 check of a signed message: true, false, or UNVERIFIABLE when this browser has no WebCrypto Ed25519
  // (no crypto.subtle outside a secure context; Chromium before 137, Safari before 17, older Firefox). Then the message
  // is trusted for what the browser itself guarantees (event.origin is the engine's, event.source our iframe) and the
  // site's server remains the judge: it verifies the token's server_sign and consumes its nonce once.
  var UNVERIFIABLE = "unverifiable";
  function verifySignature(keyB64, payload, signatureB64) {
    var key = b64ToBytes(keyB64), sig = b64ToBytes(signatureB64);
    if (typeof payload !== "string" || !key || key.length !== 32 || !sig || sig.length !== 64) {
      return Promise.resolve(false);
    }
    var subtle = w.crypto && w.crypto.subtle;
    if (!subtle) { return Promise.resolve(UNVERIFIABLE); }
    // A raw 32-byte key only fails to import where the algorithm is unknown.
    return subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]).then(function (k) {
      return subtle.verify({ name: "Ed25519" }, k, sig, new TextEncoder().encode(payload)).catch(function () { return false; });
    }, function () { return UNVERIFIABLE; });
  }

  function CrafyCAPTCHA() {
    this.isSolved = false;
    this.flowToken = null;
    this.lang = language();
    this.autoLoad = globalAutoLoad;
    this._loadRequested = false;
    this._pendingSubmit = false;
    this._reloads = 0;
    this._queue = [];
  }

  CrafyCAPTCHA.prototype.setAutoLoad = function (value) { this.autoLoad = !!value; return this; };
  CrafyCAPTCHA.prototype.setDebug = function (value) { this.debug = !!value; return this; };
  CrafyCAPTCHA.prototype._log = function () {
    if (this.debug && w.console) { w.console.log.apply(w.console, ["[CrafyCAPTCHA JS SDK]"].concat([].slice.call(arguments))); }
  };

  CrafyCAPTCHA.prototype._fetchOptions = function () {
    var self = this, o = this.options;
    // The page's own first eo (the tag helper renders one with the page): used once, without a round trip.
    if (o.encryptedOptions && o.optionsUrl && !this._pageEoUsed) { this._pageEoUsed = true; return Promise.resolve(o.encryptedOptions); }
    // Without an optionsUrl the fixed eo is all there is; once the page's own eo is spent, never it again.
    var fallback = this._pageEoUsed ? "" : o.encryptedOptions || "";
    if (!o.optionsUrl) { return Promise.resolve(fallback); }
    var body = {}, extra = this.internalOptions.fetchOptionsParameters || {};
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { body[k] = extra[k]; } }
    body.action = "get_options";
    var headers = { "Content-Type": "application/json" };
    if (extra.__RequestVerificationToken) { headers.RequestVerificationToken = extra.__RequestVerificationToken; }
    var request = function () {
      return fetch(o.optionsUrl, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin" }).then(function (r) {
        return r.json().catch(function () { return null; }).then(function (j) {
          if (r.ok && j && typeof j.eo === "string" && j.eo) { return j.eo; }
          var error = new Error("options endpoint: HTTP " + r.status + (j && j.code ? " " + j.code : ""));
          error.detail = j && typeof j.detail === "string" ? j.detail : "";
          error.status = r.status;
          error.retryAfter = Number(r.headers.get("Retry-After")) || 0;
          throw error;
        });
      });
    };
    this._fetching = true; // a load asked for meanwhile waits for the eo (_loadWanted)
    return request().then(null, function (e) { return self._optionsRetry(request, e, 0); }).then(function (eo) {
      self._fetching = false;
      return eo;
    });
  };

  // No eo from the options endpoint (503: its store is down; 429: rate-limited; the network): not a key problem, so the
  // iframe is not loaded with nothing. The box says it is temporarily unavailable and the widget asks again by itself:
  // after 2 s doubling to 30 s (±25 %, so that pages that failed together do not come back together), or the server's
  // Retry-After up to a minute; never while the tab is hidden. A click (or reset) asks sooner, but never twice within
  // 2 s. Another 4xx (antiforgery, an unknown policy) is not temporary: the connection error, and only a click retries.
  // The promise resolves with the eo once it comes, and the widget goes on from there.
  var MIN_OPTIONS_GAP_MS = 2000;
  CrafyCAPTCHA.prototype._optionsRetry = function (request, error, attempt) {
    var self = this, status = error.status || 0;
    if (this._destroyed) { return Promise.resolve(""); }
    var transient = !status || status === 429 || status >= 500;
    this._log("options fetch failed", error);
    this._setError(error, TEXT[this.lang][transient ? 6 : 2]);
    var failedAt = Date.now();
    return new Promise(function (resolve) {
      var timer = 0, done = false;
      function fire() {
        clearTimeout(timer);
        if (done || self._destroyed) { return; }
        if (docGet("hidden")) { EventTarget.prototype.addEventListener.call(d, "visibilitychange", fire, { once: true }); return; }
        done = true;
        self._retryOptions = null;
        self._show("loading");
        request().then(function (eo) {
          if (!self._destroyed) { self._show(self.autoLoad ? "loading" : "ready"); }
          resolve(eo);
        }, function (e) { resolve(self._optionsRetry(request, e, attempt + 1)); });
      }
      self._retryOptions = function () {
        clearTimeout(timer);
        timer = setTimeout(fire, Math.max(0, failedAt + MIN_OPTIONS_GAP_MS - Date.now()));
      };
      if (transient) {
        var backoff = Math.min(30000, 2000 * Math.pow(2, attempt)) * (0.75 + Math.random() / 2);
        timer = setTimeout(fire, Math.max(backoff, Math.min(60000, (error.retryAfter || 0) * 1000)));
      }
    });
  };

  CrafyCAPTCHA.prototype.init = function (containerRef, publicKey, publicToken, signingPublicKey, options, internalOptions) {
    var self = this;
    this.publicKey = publicKey;
    this.publicToken = publicToken;
    this.signingPublicKey = signingPublicKey;
    this.options = options || {};
    this.internalOptions = internalOptions || {};
    var lang = String(this.options.lang || "").toLowerCase().split(/[-_]/)[0];
    if (TEXT[lang]) { this.lang = lang; }
    this.inputName = this.options.inputName || "CrafyCAPTCHA_token";
    var iframeUrl = this.options.iframeUrl || DEFAULT_IFRAME;
    this.iframeUrl = /\/$/.test(iframeUrl) ? iframeUrl : iframeUrl + "/";
    this.iframeOrigin = new URL(this.iframeUrl, w.location.href).origin;
    // "auto" (the default) follows the page's prefers-color-scheme, also while the page is open; "dark" forces the
    // dark palette, any other value the light one (as the official widget).
    this.theme = this.options.theme || "auto";
    this._resolveColors();
    if (usedInputs[this.inputName]) {
      if (w.console) { w.console.error("[CrafyCAPTCHA JS SDK] Two widgets use the inputName '" + this.inputName + "': give each widget its own inputName."); }
      return Promise.resolve(this);
    }
    usedInputs[this.inputName] = true;
    instances.push(this);
    // The box and its iframe first, while the eo is fetched (creating the iframe's browsing context and the first layout
    // cost tens of milliseconds that would otherwise sit between the eo and the challenge's POST). A container that is
    // not in the document yet is looked up again when the eo is here.
    var claimed = this._claim(containerRef);
    if (claimed === false) { return Promise.resolve(this); }
    // The server could not get the credential's public token (the hosted API is down or rate-limited): the page
    // rendered at once anyway; the widget says so instead of loading a challenge that cannot work.
    if (claimed && this._serverError()) { return Promise.resolve(this); }
    return this._fetchOptions().then(function (eo) {
      if (self._destroyed) { return self; } // destroyed while its eo was on its way: nothing starts
      self.eo = eo;
      self._startExpiry(EXPIRY_MS);
      if (!claimed && (!self._claim(containerRef) || self._serverError())) { return self; }
      self._onMessage = function (e) { self._message(e); };
      w.addEventListener("message", self._onMessage);
      self.form = self.container.closest("form");
      if (self.form) {
        EventTarget.prototype.addEventListener.call(self.form, "submit", function (e) { self._submit(e); });
      }
      // At once (no idle wait): most people take the invisible path, and its proof-of-work is what they wait for.
      if (self.autoLoad || self._loadWanted) { self._loadWanted = false; self._load(); }
      return self;
    });
  };

  // Finds the container and renders the box into it: true when rendered, false when another widget has it already,
  // null when it is not in the document (yet).
  CrafyCAPTCHA.prototype._claim = function (containerRef) {
    var container = typeof containerRef === "string" ? byId(containerRef) : containerRef;
    if (!container) { return null; }
    if (container.getAttribute("data-crafy-initialized")) { this._log("container already initialised"); return false; }
    this.container = container;
    container.setAttribute("data-crafy-initialized", "true");
    this._render();
    // As the official widget: disabled and spinning until the challenge has been requested.
    this._show(this.autoLoad ? "loading" : "ready");
    this._layout();
    return true;
  };

  CrafyCAPTCHA.prototype._serverError = function () {
    var serverError = this.container.getAttribute("data-crafy-error");
    if (!serverError && this.publicToken) { return false; }
    this._setError(new Error(serverError || "public_token_unavailable"));
    return true;
  };

  // The colours, and the scheme they are for (_colorScheme: the box and its iframe always agree).
  CrafyCAPTCHA.prototype._resolveColors = function () {
    this._colorScheme = this.theme === "auto" ? (media("(prefers-color-scheme: dark)") ? "dark" : "light") : this.theme === "dark" ? "dark" : "light";
    var palette = PALETTES[this._colorScheme], style = this.options.style || {};
    this.colors = {};
    for (var c in palette) { this.colors[c] = style[c] || palette[c]; }
  };

  function css(el, text) { el.style.cssText = text; return el; }

  // One box: a state row (checkbox-style indicator + state text), the challenge iframe in the same box at the box's
  // width (its interactive step replaces the row while it is shown), and a footer. The iframe page draws no box and
  // no state text of its own: state lives here.
  CrafyCAPTCHA.prototype._render = function () {
    var self = this, t = TEXT[this.lang];
    var box = css(create("div"), "box-sizing:border-box;width:100%;max-width:" + BOX_MAX_WIDTH + "px;margin:12px 0;padding:10px 12px 6px;border:1px solid;border-radius:8px;font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;text-align:start;transition:background-color .15s");
    box.className = "crafy-box";
    box.lang = this.lang;
    box.dir = RTL[this.lang] ? "rtl" : "ltr";
    var start = css(create("button"), "display:flex;align-items:center;gap:10px;box-sizing:border-box;width:100%;min-height:32px;margin:0;padding:4px 3px;border:0;border-radius:4px;background:transparent;color:inherit;font:inherit;text-align:start;cursor:pointer");
    start.type = "button";
    start.className = "crafy-start";
    var check = css(create("span"), "box-sizing:border-box;flex:none;display:inline-flex;align-items:center;justify-content:center;width:22px;height:22px;border:2px solid;border-radius:4px");
    check.className = "crafy-check";
    check.setAttribute("aria-hidden", "true");
    var mark = createNS(SVG_NS, "svg");
    mark.setAttribute("viewBox", "0 0 16 16");
    mark.setAttribute("width", "14");
    mark.setAttribute("height", "14");
    var path = createNS(SVG_NS, "path");
    path.setAttribute("d", "M3 8.5l3.2 3.2L13 4.8");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "#fff");
    path.setAttribute("stroke-width", "2.4");
    path.setAttribute("stroke-linecap", "round");
    path.setAttribute("stroke-linejoin", "round");
    mark.appendChild(path);
    check.appendChild(mark);
    var label = create("span");
    label.id = this.container.id + "-status";
    label.className = "crafy-status";
    label.setAttribute("role", "status");
    label.setAttribute("aria-live", "polite");
    label.textContent = t[0];
    start.appendChild(check);
    start.appendChild(label);
    start.addEventListener("click", function () { self._reveal(); });
    start.addEventListener("mouseenter", function () { if (!start.disabled) { box.style.background = self.colors.backgroundHover; } });
    start.addEventListener("mouseleave", function () { box.style.background = self.colors.background; });
    var slot = css(create("div"), "position:relative;width:100%");
    slot.className = "crafy-frame";
    var footer = css(create("div"), "display:flex;justify-content:space-between;align-items:center;gap:8px;margin-top:4px;font-size:11px");
    var brand = create("span");
    brand.textContent = "Protected by CrafyCAPTCHA";
    var again = css(create("button"), "margin:0;padding:0;border:0;background:transparent;color:inherit;font:inherit;cursor:pointer;text-decoration:underline");
    again.type = "button";
    again.textContent = t[1];
    again.addEventListener("click", function () { self.reset(); });
    footer.appendChild(brand);
    footer.appendChild(again);
    var iframe = create("iframe");
    iframe.name = "crafy_iframe_" + Math.random().toString(36).slice(2) + Date.now();
    iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-forms");
    iframe.title = t[0];
    iframe.setAttribute("aria-label", "CrafyCAPTCHA Security Check");
    iframe.addEventListener("load", function () { self._loaded(); });
    var form = create("form");
    form.method = "POST";
    form.action = this.iframeUrl;
    form.target = iframe.name;
    form.style.display = "none";
    slot.appendChild(iframe);
    box.appendChild(start);
    box.appendChild(slot);
    box.appendChild(footer);
    this.container.appendChild(box);
    docGet("body").appendChild(form); // outside the page's own form: forms must not nest
    this.ui = { box: box, start: start, check: check, mark: mark, label: label, slot: slot, footer: footer };
    this.iframe = iframe;
    this.postForm = form;
    this._frameHeight = 0;
    this._revealed = false;
    if (this.theme === "auto" && darkQuery) {
      this._onScheme = function () { self._resolveColors(); self._paint(); };
      if (darkQuery.addEventListener) { darkQuery.addEventListener("change", this._onScheme); } else if (darkQuery.addListener) { darkQuery.addListener(this._onScheme); }
    }
  };

  // Colours of the box for the current scheme (also after the page's scheme changes while it is open).
  CrafyCAPTCHA.prototype._paint = function () {
    this._show(this._state, this._stateText, this._stateColour);
    this._layout();
  };

  // States: loading (challenge not requested yet), ready, verifying, verified, error (also "temporarily unavailable"), expired.
  CrafyCAPTCHA.prototype._show = function (state, text, colour) {
    var ui = this.ui, c = this.colors, t = TEXT[this.lang];
    if (!ui) { return; }
    this._state = state;
    this._stateText = text;
    this._stateColour = colour;
    var spinning = state === "loading" || state === "verifying", done = state === "verified";
    ui.label.textContent = text || (state === "verifying" ? t[5] : done ? t[4] : t[0]);
    ui.label.style.color = colour ? c[colour] || "" : "";
    // Forced colours (Windows high contrast): the indicator in the person's system colours, so the check mark stays
    // visible; elsewhere the palette.
    var forced = media("(forced-colors: active)"), check = ui.check.style;
    check.forcedColorAdjust = forced ? "none" : "";
    check.borderColor = forced ? (spinning ? "GrayText" : "CanvasText") : spinning ? c.borderColor : c.primary;
    check.borderTopColor = forced ? "Highlight" : c.primary;
    check.borderRadius = spinning ? "50%" : "4px";
    check.background = done ? (forced ? "Highlight" : c.primary) : "transparent";
    ui.mark.firstChild.setAttribute("stroke", forced ? "HighlightText" : "#fff");
    ui.mark.style.display = done ? "" : "none";
    // Reduced motion: the ring stands still (the text says what is happening).
    if (spinning && !this._spin && ui.check.animate && !media("(prefers-reduced-motion: reduce)")) {
      this._spin = ui.check.animate([{ transform: "rotate(0deg)" }, { transform: "rotate(360deg)" }], { duration: 900, iterations: Infinity });
    } else if (!spinning && this._spin) {
      this._spin.cancel();
      this._spin = null;
    }
    ui.start.disabled = spinning || done;
    ui.start.style.cursor = ui.start.disabled ? "default" : "pointer";
    ui.box.style.background = c.background;
    ui.box.style.color = c.color;
    ui.box.style.borderColor = c.borderColor;
    ui.box.style.colorScheme = this._colorScheme;
    ui.footer.style.color = c.footerColor;
    // The iframe's canvas stays transparent only when its color-scheme matches the iframe page's: set it to the scheme
    // the page was asked for (theme=auto follows prefers-color-scheme there too), not the host page's own color-scheme.
    this.iframe.style.colorScheme = this._colorScheme;
  };

  // Where the iframe is: in the box at the box's width, with the height it reported (RESIZE), while it has an
  // interactive step to show; otherwise rendered off-screen at the same width (so its RESIZE heights are right).
  CrafyCAPTCHA.prototype._layout = function () {
    var ui = this.ui, iframe = this.iframe;
    if (!ui) { return; }
    var height = this._silent ? 120 : this._frameHeight;
    var shown = this._revealed && !this.isSolved && height > 0;
    var scheme = "color-scheme:" + this._colorScheme + ";";
    if (shown) {
      css(iframe, scheme + "display:block;position:relative;width:100%;height:" + height + "px;border:0;margin:0;background:transparent");
      iframe.removeAttribute("aria-hidden");
      iframe.tabIndex = 0;
      ui.start.style.display = "none";
    } else {
      // The slot's width by CSS (it is the containing block): reading it would force the page's first layout before
      // the challenge's POST leaves.
      css(iframe, scheme + "position:absolute;left:-9999px;top:-9999px;width:100%;height:1px;border:0;margin:0;background:transparent;pointer-events:none");
      iframe.setAttribute("aria-hidden", "true");
      iframe.tabIndex = -1;
      ui.start.style.display = "flex";
      if (this._revealed && !this.isSolved && this._state !== "error" && this._state !== "expired") { this._show("verifying"); }
    }
  };

  // A challenge page that never spoke (no HANDSHAKE/RESIZE: the engine's error page, e.g. a domain that is not allowed)
  // is an error; when the person asks for the challenge, the page is shown as it is so its message can be read.
  CrafyCAPTCHA.prototype._loaded = function () {
    var self = this, attempt = this._attempt;
    if (!this._loadRequested || this.isSolved) { return; }
    setTimeout(function () {
      if (attempt !== self._attempt || self._spoke || self.isSolved) { return; }
      self._silent = true;
      self._setError(new Error("the challenge page did not answer"));
      self._layout();
    }, 3000);
  };

  // The error state, with the sentence the person reads (default: "Connection error"); onError and the container's
  // crafy:error event get the technical reason.
  CrafyCAPTCHA.prototype._setError = function (error, text) {
    error = error || new Error("connection error");
    // The Development environment's pages set devHints (never sent elsewhere): the reason goes to the console too.
    if (this.options.devHints && w.console) { w.console.warn("[CrafyCAPTCHA] error: " + error.message + (error.detail ? " (" + error.detail + ")" : "")); }
    this._show("error", text || TEXT[this.lang][2], "errorColor");
    if (this.container) { this.container.dispatchEvent(new CustomEvent("crafy:error", { detail: error.message })); }
    if (typeof this.options.onError === "function") { this.options.onError(error); }
  };

  CrafyCAPTCHA.prototype._cdweo = function () {
    var nav = w.navigator || {};
    return JSON.stringify({
      eo: this.eo,
      telemetry: {
        webdriver: !!nav.webdriver,
        languages: (nav.languages || []).slice(0, 5),
        // The offset, not the zone name: Intl.DateTimeFormat() loads ICU data first (20-45 ms on the way to the POST).
        utc_offset_minutes: new Date().getTimezoneOffset(),
        screen: [w.screen ? w.screen.width : 0, w.screen ? w.screen.height : 0],
        elapsed_ms: Math.round(w.performance ? w.performance.now() : 0),
        touch: "ontouchstart" in w
      }
    });
  };

  CrafyCAPTCHA.prototype._load = function () {
    if (!this.postForm || this._loadRequested) { return; }
    if (this._fetching) { this._loadWanted = true; return; } // a fresh eo is on its way: load when it is here
    this._loadRequested = true;
    this._attempt = (this._attempt || 0) + 1;
    this._spoke = false;
    this._silent = false;
    var f = this.postForm, c = this.colors;
    while (f.firstChild) { f.removeChild(f.firstChild); }
    var fields = [["pt", this.publicToken], ["cdweo", this._cdweo()], ["theme", this.theme],
      ["bg", c.background], ["text", c.color], ["primary", c.primary], ["border", c.borderColor], ["parent_origin", w.location.origin]];
    for (var i = 0; i < fields.length; i++) {
      var input = create("input");
      input.type = "hidden";
      input.name = fields[i][0];
      input.value = fields[i][1] == null ? "" : String(fields[i][1]);
      f.appendChild(input);
    }
    f.submit();
    if (!this.isSolved && this._state === "loading") { this._show("ready"); }
  };

  CrafyCAPTCHA.prototype.loadIframe = function () { this._load(); };

  // Whether the box this widget drew has left its container (a framework's DOM patch wiped it): the Blazor glue then
  // destroys the widget, which frees its input name. False before it drew anything.
  CrafyCAPTCHA.prototype.isDetached = function () { return !!(this.ui && this.container && !this.container.contains(this.ui.box)); };

  CrafyCAPTCHA.prototype._reveal = function () {
    if (this._retryOptions) { this._retryOptions(); return; } // the options endpoint failed: the click asks again now
    if (!this.iframe || this.isSolved) { return; }
    this._load();
    this._revealed = true;
    this._layout();
  };

  CrafyCAPTCHA.prototype._message = function (e) {
    var self = this;
    if (e.origin !== this.iframeOrigin || !this.iframe || e.source !== this.iframe.contentWindow) { return; }
    var m = e.data || {};
    this._spoke = true;
    if (this._silent) {
      // It did answer, only late (a slow machine): not an error after all.
      this._silent = false;
      if (this._state === "error") { this._show("ready"); }
    }
    if (m.action === "RESIZE" && m.payload && typeof m.payload.height === "number" && isFinite(m.payload.height)) {
      // The loaded challenge is shown at once: with an interactive step (height > 0) in the box in place of the state
      // row (one click, on the step itself; no second box); without one (height 0: invisible proof-of-work) the row
      // says it is verifying. The height is remembered even while the iframe is off-screen.
      this._frameHeight = Math.max(0, Math.min(Math.ceil(m.payload.height), 2000));
      if (this._loadRequested && !this.isSolved) { this._revealed = true; }
      this._layout();
    } else if (m.action === "REQUEST_RELOAD") {
      // A challenge that keeps failing is not reloaded for ever: after MAX_RELOADS in a row, the error state.
      if (++this._reloads > MAX_RELOADS) {
        this._reloads = 0;
        this._setError(new Error("the challenge failed " + MAX_RELOADS + " times in a row"));
        return;
      }
      if (typeof this.options.onError === "function") { this.options.onError(new Error("challenge failed; reloading")); }
      this.reset();
    } else if (m.action === "CHALLENGE_REFUSED" && m.payload) {
      this._refused(Number(m.payload.status) || 0, typeof m.payload.reason === "string" ? m.payload.reason.slice(0, 300) : "");
    } else if (m.action === "HANDSHAKE") {
      verifySignature(this.signingPublicKey, m.payload, m.signature).then(function (ok) {
        if (!ok) { self._log("bad HANDSHAKE signature"); return; }
        var signed = null;
        try { signed = JSON.parse(m.payload).payload; } catch (err) { signed = null; }
        self.flowToken = (signed && signed.flow_token) || null;
        if (signed && typeof signed.site_key === "string" && signed.site_key) { self._turnstile(signed.site_key, signed.turnstile_script); }
      });
    } else if (m.action === "REQUEST_TURNSTILE_STATUS") {
      if (this._turnstileStatus) { this._turnstileStatus(); } else if (!this.flowToken) { this._toFrame({ action: "REQUEST_HANDSHAKE_RETRY" }); }
    } else if (m.action === "CHALLENGE_COMPLETE") {
      verifySignature(this.signingPublicKey, m.payload, m.signature).then(function (ok) {
        if (ok === UNVERIFIABLE) { self._log("no WebCrypto Ed25519 here: CHALLENGE_COMPLETE trusted for its origin and source"); }
        if (ok) { self._success(m.payload, m.server_sign); } else { self._log("bad CHALLENGE_COMPLETE signature"); }
      });
    }
  };

  // The token's input is the widget's own: a hidden input among its container's children (the Blazor component renders
  // one there), else one it adds there, and then always that one. Never another on the page or in the form (markup a
  // comment brings, even inside the form, must not receive the token or keep it from being posted).
  CrafyCAPTCHA.prototype._input = function () {
    var found = this._tokenInput && this.container.contains(this._tokenInput) ? this._tokenInput : null, kids = this.container.children;
    for (var i = 0; !found && i < kids.length; i++) {
      if (kids[i].tagName === "INPUT" && kids[i].type === "hidden" && kids[i].name === this.inputName) { found = kids[i]; }
    }
    if (!found) {
      found = create("input");
      found.type = "hidden";
      found.name = this.inputName;
      this.container.appendChild(found);
    }
    return (this._tokenInput = found);
  };

  // Other hidden inputs of the token's name in the form (a page's own, re-filled with a spent token after a failed post)
  // are emptied: the server takes a field's one non-empty value, and the widget's is the one.
  var formElements = Object.getOwnPropertyDescriptor(FORM, "elements").get;
  CrafyCAPTCHA.prototype._clearTwins = function (own) {
    var controls = this.form ? formElements.call(this.form) : [];
    for (var i = 0; i < controls.length; i++) {
      var c = controls[i];
      if (c !== own && c.tagName === "INPUT" && c.type === "hidden" && c.name === this.inputName) { c.value = ""; }
    }
  };

  CrafyCAPTCHA.prototype._success = function (payload, serverSign) {
    if (this._destroyed) { return; }
    var envelope = { payload: payload };
    if (serverSign !== undefined) { envelope.server_sign = serverSign; }
    var token = utf8ToB64(JSON.stringify(envelope));
    this.isSolved = true;
    this._retried = false;
    this._reloads = 0;
    this._interactive = this._frameHeight > 0;
    this._startExpiry(renewDelay(payload));
    if (this._turnstileReset) { this._turnstileReset(); } // its token is spent: a fresh one for the next challenge
    var own = this._input();
    own.value = token;
    this._clearTwins(own);
    this._revealed = false;
    this._show("verified");
    this._layout();
    this.container.dispatchEvent(new CustomEvent("crafy:success", { detail: token }));
    if (typeof this.options.onSuccess === "function") { this.options.onSuccess(token); }
    if (this._pendingSubmit && this.form) {
      this._pendingSubmit = false;
      var next = firstUnsolved(this.form);
      if (next) { next._pendingSubmit = true; next._reveal(); } else if (FORM.requestSubmit) { FORM.requestSubmit.call(this.form); } else { FORM.submit.call(this.form); }
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

  // A new challenge: never the spent eo again. With an optionsUrl a fresh eo is fetched before the iframe is loaded;
  // a widget initialised with a fixed encryptedOptions reuses it (the engine refuses it once spent: CHALLENGE_REFUSED).
  CrafyCAPTCHA.prototype.reset = function () {
    if (!this.postForm) { return Promise.resolve(); }
    if (this._retryOptions) { this._retryOptions(); return Promise.resolve(); } // an eo is being asked for already
    this.isSolved = false;
    var input = this._input();
    input.value = "";
    this._revealed = false;
    this._frameHeight = 0;
    this._show("loading");
    this._layout();
    this._loadRequested = false;
    if (this._turnstileReset) { this._turnstileReset(); }
    var self = this;
    return this._freshEo().then(function () { self._load(); });
  };

  // Fetches a fresh eo (only with an optionsUrl); while it is on its way _load waits for it.
  CrafyCAPTCHA.prototype._freshEo = function () {
    var self = this;
    if (!this.options.optionsUrl) { return Promise.resolve(this.eo); }
    return this._fetchOptions().then(function (eo) {
      if (self._destroyed) { return eo; } // destroyed while its eo was on its way: nothing starts
      self.eo = eo;
      self._startExpiry(EXPIRY_MS);
      if (self._loadWanted) { self._loadWanted = false; self._load(); }
      return eo;
    });
  };

  // When the engine's token (or a never-solved eo) expires. A token no longer valid is never left in the form under
  // "Verified": the input is cleared at once. Invisible flow (and an optionsUrl): a fresh eo is solved again silently
  // ("verifying" meanwhile; a submit meanwhile is held and sent when the new token arrives). Interactive flow: the
  // expired state, a fresh eo, and the person is asked again (a click or a submit loads the new challenge).
  CrafyCAPTCHA.prototype._expire = function () {
    var self = this, solved = this.isSolved;
    this.isSolved = false;
    if (!this.postForm) { return; }
    this._input().value = "";
    if (typeof this.options.onExpire === "function") { this.options.onExpire(); }
    if (!this.options.optionsUrl) {
      // A fixed encryptedOptions: a solved one is spent (the page must be reloaded); an unsolved one is loaded again.
      if (!solved) { this.reset(); }
      this._show("expired", TEXT[this.lang][3], "expiredColor");
      return;
    }
    if (solved && !this._interactive) {
      this._frameHeight = 0;
      this._loadRequested = false;
      this._revealed = true; // off-screen (height 0): the row says "verifying"
      this._show("verifying");
      this._freshEo().then(function () { self._load(); });
      return;
    }
    if (!solved && !this._loadRequested) { this._freshEo(); return; } // nothing loaded yet: only the eo is renewed
    this._frameHeight = 0;
    this._loadRequested = false;
    this._revealed = false;
    this._layout();
    this._show("expired", TEXT[this.lang][3], "expiredColor");
    this._freshEo();
  };

  CrafyCAPTCHA.prototype._startExpiry = function (ms) {
    var self = this;
    clearTimeout(this._expiry);
    this._expiry = setTimeout(function () { self._expire(); }, ms);
  };

  // The engine refused the flow (its refusal page posts CHALLENGE_REFUSED). A spent eo (410) or one loaded too many
  // times (429) is replaced by a fresh one once; anything else is shown with the engine's sentence.
  CrafyCAPTCHA.prototype._refused = function (status, reason) {
    var retry = status === 410 || (status === 429 && /loaded too many times/i.test(reason));
    if (retry && !this._retried && this.options.optionsUrl) {
      this._retried = true;
      this._log("challenge refused (" + status + "); retrying with a fresh eo");
      this.reset();
      return;
    }
    this._setError(new Error(reason || "challenge refused (" + status + ")"), reason);
  };

  // When to renew a solved token: from the engine's expires_at (ISO 8601 UTC), a margin (10%, at most 20 s) before;
  // never later than EXPIRY_MS, never sooner than MIN_RENEW_MS (a wrong browser clock must not renew in a loop).
  function renewDelay(payload) {
    var at = NaN;
    try { at = Date.parse(JSON.parse(payload).expires_at); } catch (err) { at = NaN; }
    if (!isFinite(at)) { return EXPIRY_MS; }
    var left = at - Date.now();
    return Math.max(MIN_RENEW_MS, Math.min(EXPIRY_MS, left - Math.min(20000, left * 0.1)));
  }

  CrafyCAPTCHA.prototype._toFrame = function (message) {
    if (this.iframe && this.iframe.contentWindow) { this.iframe.contentWindow.postMessage(message, this.iframeOrigin); }
  };

  // Cloudflare Turnstile, only for a credential with it: the engine's signed HANDSHAKE names the site key, and its bridge
  // (crafy-captcha-turnstile.js, beside this script) is loaded then, so the common pass carries none of it. It adds
  // _turnstileStart/_turnstileStatus/_turnstileReset/_turnstileRemove to the prototype. Until it is here, the iframe's
  // REQUEST_TURNSTILE_STATUS polls get the handshake again if it was missed, and nothing else.
  var BRIDGE = SCRIPT && SCRIPT.replace(/crafy-captcha(\.[a-z]{2})?(\.min)?\.js(\?.*)?$/, "crafy-captcha-turnstile$2.js$3");

  // Loads a script into the page once (by src) and resolves with ready() (which must be truthy, or it is an error);
  // a failed load is tried again next time. Used for the bridge and, by the bridge, for Cloudflare's script.
  var loads = {};
  CrafyCAPTCHA._loadScript = function (src, nonce, ready, id) {
    if (!loads[src]) {
      loads[src] = new Promise(function (resolve, reject) {
        if (ready()) { resolve(ready()); return; }
        var s = create("script");
        if (id) { s.id = id; }
        s.src = src;
        s.async = true;
        s.defer = true;
        if (nonce) { s.nonce = nonce; }
        s.onload = function () { if (ready()) { resolve(ready()); } else { reject(new Error(src + " did not load")); } };
        s.onerror = function () { reject(new Error(src + " did not load")); };
        docGet("head").appendChild(s);
      });
      loads[src].catch(function () { delete loads[src]; });
    }
    return loads[src];
  };

  // The turnstileBridgeUrl option (the tag helper and the Blazor component give it when the widget script is not the
  // package's own file, e.g. bundled or fingerprinted) says where the bridge is; otherwise beside this script. The bridge
  // gets the page's CSP nonce, so only an address on the page's own (http or https) origin is taken, as the URL it parsed to.
  function ownOrigin(url) {
    try {
      var u = new URL(url, w.location.href);
      return /^https?:$/.test(u.protocol) && u.origin === w.location.origin ? u.href : null;
    } catch (e) { return null; }
  }
  CrafyCAPTCHA.prototype._turnstile = function (siteKey, script) {
    var self = this, src = (this.options.turnstileBridgeUrl && ownOrigin(String(this.options.turnstileBridgeUrl))) || (BRIDGE !== SCRIPT && BRIDGE);
    var bridge = src
      ? CrafyCAPTCHA._loadScript(src, this.options.cspNonce, function () { return CrafyCAPTCHA.prototype._turnstileStart; })
      : Promise.reject(new Error("Turnstile bridge not found"));
    bridge.then(function () { if (self.iframe) { self._turnstileStart(siteKey, script); } }, function (err) {
      self._log(err.message);
      self._toFrame({ action: "TURNSTILE_ERROR", message: "Turnstile error" });
    });
  };

  // Only what this widget registered is undone: a widget that never registered (its inputName was taken) or one already
  // destroyed leaves the other widgets, their inputNames and their containers alone.
  CrafyCAPTCHA.prototype.destroy = function () {
    var at = instances.indexOf(this);
    if (at < 0) { return; }
    instances.splice(at, 1);
    delete usedInputs[this.inputName];
    this._destroyed = true;
    if (this._onMessage) { w.removeEventListener("message", this._onMessage); }
    if (this._onScheme && darkQuery) {
      if (darkQuery.removeEventListener) { darkQuery.removeEventListener("change", this._onScheme); } else if (darkQuery.removeListener) { darkQuery.removeListener(this._onScheme); }
    }
    if (this._spin) { this._spin.cancel(); this._spin = null; }
    if (this._turnstileRemove) { this._turnstileRemove(); }
    clearTimeout(this._expiry);
    // Only the box it drew leaves the container: what the page put there (the Blazor component's settings) stays.
    var box = this.ui && this.ui.box;
    if (box && box.parentNode) { box.parentNode.removeChild(box); }
    this.iframe = null;
    this.ui = null;
    if (this.postForm && this.postForm.parentNode) { this.postForm.parentNode.removeChild(this.postForm); }
    if (this.container) {
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
  // The widget drawn in a container (element or id), e.g. one the tag helper initialised: CrafyCAPTCHA.get("id").reset().
  CrafyCAPTCHA.get = function (container) {
    var el = typeof container === "string" ? byId(container) : container;
    for (var i = 0; i < instances.length; i++) { if (instances[i].container === el) { return instances[i]; } }
    return null;
  };
  CrafyCAPTCHA.reset = function () { return CrafyCAPTCHA._instance ? CrafyCAPTCHA._instance.reset() : Promise.resolve(); };

  w.CrafyCAPTCHA = CrafyCAPTCHA;
  w.dispatchEvent(new CustomEvent("CrafyCAPTCHALoaded", { detail: { CrafyCAPTCHA: CrafyCAPTCHA } }));
})(window, document);
