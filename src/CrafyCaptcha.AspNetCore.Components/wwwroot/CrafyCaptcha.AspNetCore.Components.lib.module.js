/*! CrafyCaptcha for .NET — Blazor glue for the <CrafyCaptcha> component. No dependencies.
 * A JS initializer (Blazor loads it on its own): statically rendered widgets start when the page starts and again after
 * every enhanced navigation or enhanced form post (the "enhancedload" event), since Blazor patches the DOM then and runs
 * no inline script. Interactive components import this module and call init/reset/dispose through JS interop. */
// Document's methods through its prototype: markup on the page (<img name="createElement">) stands in for them on document.
const DOC = Document.prototype;
const docGet = (name) => Object.getOwnPropertyDescriptor(DOC, name).get.call(document);
const widgets = new Map(); // container element -> { widget (CrafyCAPTCHA instance, once created), ready (promise) }
let scriptLoad = null;

// The widget script: only one on this site's origin is loaded (a second line of defence behind configOf below).
function loadScript(src) {
  // A function only: markup such as <img name="CrafyCAPTCHA"> also answers to window.CrafyCAPTCHA (DOM clobbering).
  if (typeof window.CrafyCAPTCHA === "function") { return Promise.resolve(window.CrafyCAPTCHA); }
  let origin = null;
  try { origin = new URL(src, location.href).origin; } catch { origin = null; }
  if (origin !== location.origin) { return Promise.reject(new Error("the widget script must come from this site's origin: " + src)); }
  if (!scriptLoad) {
    scriptLoad = new Promise((resolve, reject) => {
      window.addEventListener("CrafyCAPTCHALoaded", () => resolve(window.CrafyCAPTCHA), { once: true });
      const script = DOC.createElement.call(document, "script");
      script.src = src;
      script.async = true;
      script.onerror = () => { scriptLoad = null; reject(new Error("could not load " + src)); };
      docGet("head").appendChild(script);
    });
  }
  return scriptLoad;
}

// A widget whose container left the document, or whose drawing a DOM patch wiped out, is destroyed (it frees its input name).
function sweep() {
  for (const [container, entry] of widgets) {
    const wiped = entry.widget && entry.widget.isDetached();
    if (!container.isConnected || wiped) {
      if (entry.widget) { entry.widget.destroy(); }
      widgets.delete(container);
    }
  }
}

// A container's settings come only from the <script type="application/json" data-crafy-config> child the component
// renders (sanitizers strip <script>: markup an attacker gets into a page cannot pass for a widget's container).
function configOf(container) {
  for (const child of container.children) {
    if (child.tagName === "SCRIPT" && child.hasAttribute("data-crafy-config")) {
      try { return JSON.parse(child.getAttribute("data-crafy-config")); } catch { return null; }
    }
  }
  return null;
}

function start(container, callbacks) {
  const existing = widgets.get(container);
  if (existing) { return existing.ready; }
  const config = configOf(container);
  if (!config) { return Promise.reject(new Error("no widget settings in this container")); }
  const entry = { widget: null, ready: null };
  widgets.set(container, entry);
  entry.ready = loadScript(config.scriptUrl).then((CrafyCAPTCHA) => {
    if (widgets.get(container) !== entry) { return null; } // swept while the script was loading
    const widget = new CrafyCAPTCHA();
    entry.widget = widget;
    if (config.autoLoad === false) { widget.setAutoLoad(false); }
    const options = Object.assign({}, config.options);
    if (callbacks) {
      options.onSuccess = (token) => callbacks.invokeMethodAsync("Success", token);
      options.onError = (error) => callbacks.invokeMethodAsync("Error", String(error && error.message || error));
      options.onExpire = () => callbacks.invokeMethodAsync("Expire");
    }
    // Started, not awaited: init's promise settles when the widget has its first eo, which may take long (the options
    // endpoint down: the widget shows it and retries by itself). An interactive component's JS interop call must not
    // wait for that (it would time out and take the circuit down); it waits only for the script and the box.
    widget.init(container, config.publicKey, config.publicToken, config.signingPublicKey, options, config.internalOptions)
      .catch((e) => console.error("[CrafyCAPTCHA]", e));
    return widget;
  });
  // A script that could not load (an ad blocker, a CSP, the network) is forgotten, so that the next start tries again.
  entry.ready.catch(() => { if (widgets.get(container) === entry) { widgets.delete(container); } });
  return entry.ready;
}

function scan() {
  sweep();
  DOC.querySelectorAll.call(document, "script[data-crafy-config]").forEach((settings) => {
    const container = settings.parentElement;
    if (container && !container.hasAttribute("data-crafy-interactive") && !widgets.has(container)) {
      start(container, null).catch((e) => console.error("[CrafyCAPTCHA]", e));
    }
  });
}

// Never throws into Blazor's initializer: a page's markup must not stop Blazor itself.
function safeScan() {
  try { scan(); } catch (e) { console.error("[CrafyCAPTCHA]", e); }
}

export function afterWebStarted(blazor) {
  safeScan();
  blazor.addEventListener("enhancedload", safeScan);
}

export function init(container, callbacks) {
  sweep();
  return start(container, callbacks).then(() => undefined);
}

export function reset(container) {
  const entry = widgets.get(container);
  return entry && entry.widget ? entry.widget.reset() : Promise.resolve();
}

export function dispose(container) {
  const entry = widgets.get(container);
  if (entry) {
    if (entry.widget) { entry.widget.destroy(); }
    widgets.delete(container);
  }
}
