// The attacker's side of the instrumentation tests: runs each program it is given (one JSON line on stdin,
// {"mode": "jsdom" | "shim", "script": "..."}) in a toy DOM and writes what the program dispatched (one JSON line on
// stdout). "jsdom" is jsdom from npm as it is (no layout engine, no canvas). "shim" is jsdom with a hand-written box
// model over it, the strongest toy DOM a script writer gets cheaply: widths and heights from inline styles (px,
// box-sizing, padding, border, margins, auto widths, stacked heights), offsets from the parent's content box and the
// previous siblings, a Range's rectangle from its node, and a 2D canvas that paints nothing.
"use strict";
const { JSDOM, VirtualConsole } = require("jsdom");
const readline = require("readline");

const PAGE = "<!DOCTYPE html><html><head></head><body></body></html>";

function px(value) {
  const m = /^(-?\d+(?:\.\d+)?)px$/.exec(String(value || "").trim());
  return m ? Number(m[1]) : 0;
}

function installBoxModel(window) {
  const { HTMLElement, Element, Range, HTMLCanvasElement } = window;
  const edges = (s, name) => ({
    top: px(s[name + "Top"]), right: px(s[name + "Right"]), bottom: px(s[name + "Bottom"]), left: px(s[name + "Left"]),
  });
  const border = s => ({
    top: px(s.borderTopWidth), right: px(s.borderRightWidth), bottom: px(s.borderBottomWidth), left: px(s.borderLeftWidth),
  });
  function layout(el) {
    const s = el.style;
    const margin = edges(s, "margin"), padding = edges(s, "padding"), b = border(s);
    const parent = el.parentElement;
    const p = parent && parent !== el.ownerDocument.body && parent !== el.ownerDocument.documentElement ? layout(parent) : null;
    const available = p ? p.contentWidth : 1280;
    const borderBox = s.boxSizing === "border-box";
    let width;
    if (/px$/.test(s.width)) {
      width = px(s.width) + (borderBox ? 0 : padding.left + padding.right + b.left + b.right);
    } else {
      width = available - margin.left - margin.right;
    }
    const contentWidth = width - padding.left - padding.right - b.left - b.right;
    let left, top;
    if (p) {
      left = p.contentLeft + margin.left;
      let y = p.contentTop;
      for (let sib = parent.firstElementChild; sib && sib !== el; sib = sib.nextElementSibling) {
        y += outerHeight(sib);
      }
      top = y + margin.top;
    } else {
      left = px(s.left) + margin.left;
      top = px(s.top) + margin.top;
    }
    return {
      left, top, width, contentWidth,
      contentLeft: left + b.left + padding.left,
      contentTop: top + b.top + padding.top,
      height: height(el),
    };
  }
  function height(el) {
    const s = el.style;
    const padding = edges(s, "padding"), b = border(s);
    const extra = padding.top + padding.bottom + b.top + b.bottom;
    if (/px$/.test(s.height)) {
      return px(s.height) + (s.boxSizing === "border-box" ? 0 : extra);
    }
    let sum = 0;
    for (let c = el.firstElementChild; c; c = c.nextElementSibling) {
      sum += outerHeight(c);
    }
    return sum + extra;
  }
  function outerHeight(el) {
    const m = edges(el.style, "margin");
    return height(el) + m.top + m.bottom;
  }
  const rect = el => {
    const l = layout(el);
    return new window.DOMRect(l.left, l.top, l.width, l.height);
  };
  Object.defineProperty(HTMLElement.prototype, "offsetWidth", { get() { return Math.round(layout(this).width); }, configurable: true });
  Object.defineProperty(HTMLElement.prototype, "offsetHeight", { get() { return Math.round(layout(this).height); }, configurable: true });
  Element.prototype.getBoundingClientRect = function () { return rect(this); };
  Range.prototype.getBoundingClientRect = function () {
    const node = this.startContainer.childNodes[this.startOffset] || this.startContainer;
    return node.nodeType === 1 ? rect(node) : new window.DOMRect(0, 0, 0, 0);
  };
  HTMLCanvasElement.prototype.getContext = function () {
    const canvas = this;
    return {
      globalCompositeOperation: "source-over",
      fillStyle: "#000",
      fillRect() {},
      getImageData(x, y, w, h) { return { width: w, height: h, data: new window.Uint8ClampedArray(w * h * 4) }; },
      canvas,
    };
  };
}

function run(mode, script) {
  return new Promise(resolve => {
    const dom = new JSDOM(PAGE, { runScripts: "outside-only", pretendToBeVisual: true, virtualConsole: new VirtualConsole() });
    const { window } = dom;
    if (mode === "shim") {
      installBoxModel(window);
    }
    const timer = setTimeout(() => { resolve({ timeout: true }); window.close(); }, 2000);
    window.document.addEventListener("crafy-program", e => {
      clearTimeout(timer);
      resolve(JSON.parse(JSON.stringify(e.detail)));
      setTimeout(() => window.close(), 0);
    }, { once: true });
    try {
      window.eval(script);
    } catch (e) {
      clearTimeout(timer);
      resolve({ thrown: String(e && e.name) });
    }
  });
}

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", line => {
  const { mode, script } = JSON.parse(line);
  queue = queue.then(() => run(mode, script)).then(result => process.stdout.write(JSON.stringify(result) + "\n"));
});
