/* CrafyCaptcha challenge iframe, checkbox rung: the "I am human" box and the interaction trail the server judges.
   The engine puts this script in the page only on the checkbox rung, so the invisible pass does not carry it.
   challenge.js calls CrafyCheckbox(host) (host: submit(), say(text), solved(), lang) and asks trail(), busy(on), solved(),
   as it asks a puzzle. */
window.CrafyCheckbox = function (host) {
  "use strict";
  var check = document.getElementById("check"), box = document.getElementById("box");
  var LABELS = { es: "Soy humano", fr: "Je suis humain", pt: "Sou humano", de: "Ich bin ein Mensch", it: "Sono umano", ru: "Я человек", zh: "我是人类", ja: "私は人間です", hi: "मैं इंसान हूँ", ar: "أنا إنسان", he: "אני אדם" };
  var lang = host.lang;
  if (LABELS[lang]) { document.getElementById("label").textContent = LABELS[lang]; document.documentElement.lang = lang; }
  if (lang === "ar" || lang === "he") { document.documentElement.dir = "rtl"; }

  // The interaction trail (a bare "ticked" flag is refused): [code, ms since the step was shown, x, y] with codes
  // 0 move, 1 pointer down, 2 pointer up, 3 key down, 4 key up, 5 focus (a key reaches the box only after it).
  var shownAt = performance.now(), moves = [], presses = [], kind = "pointer", keyHeld = false, waitingForKeyUp = null;
  function stamp() { return Math.round((performance.now() - shownAt) * 10) / 10; }
  function at(code, e) { return [code, stamp(), Math.round(e.clientX * 10) / 10, Math.round(e.clientY * 10) / 10]; }
  document.addEventListener("pointermove", function (e) {
    if (!e.isTrusted) { return; }
    moves.push(at(0, e));
    if (moves.length > 150) { moves.shift(); }
  }, { passive: true });
  document.addEventListener("pointerdown", function (e) {
    if (!e.isTrusted) { return; }
    kind = e.pointerType === "touch" ? "touch" : "pointer";
    presses.push(at(1, e));
  }, { passive: true });
  document.addEventListener("pointerup", function (e) { if (e.isTrusted) { presses.push(at(2, e)); } }, { passive: true });
  check.addEventListener("focus", function (e) { if (e.isTrusted) { presses.push([5, stamp(), 0, 0]); } });
  check.addEventListener("keydown", function (e) {
    if (!e.isTrusted || (e.key !== " " && e.key !== "Enter") || keyHeld) { return; }
    keyHeld = true;
    kind = "keyboard";
    presses.push([3, stamp(), 0, 0]);
  });
  check.addEventListener("keyup", function (e) {
    if (!e.isTrusted || (e.key !== " " && e.key !== "Enter")) { return; }
    keyHeld = false;
    presses.push([4, stamp(), 0, 0]);
    if (waitingForKeyUp) { var go = waitingForKeyUp; waitingForKeyUp = null; go(); }
  });

  function busy(on) { box.classList.toggle("busy", on); }
  check.addEventListener("click", function () {
    check.disabled = true;
    busy(true);
    host.say(host.solved() ? "" : "Verifying…");
    // Enter clicks on key down: the trail gets its key up first (or after a second, whichever comes first).
    if (keyHeld) {
      waitingForKeyUp = host.submit;
      setTimeout(function () { if (waitingForKeyUp) { waitingForKeyUp = null; host.submit(); } }, 1000);
      return;
    }
    host.submit();
  });
  host.say("Tick the box to continue.");

  return {
    trail: function () {
      var events = moves.concat(presses).sort(function (a, b) { return a[1] - b[1]; });
      return { kind: kind, events: events.slice(-200) };
    },
    busy: busy,
    checking: "Checking…",
    solved: function () { box.classList.add("done"); check.disabled = true; }
  };
};
