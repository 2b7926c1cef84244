/* CrafyCaptcha challenge iframe: handshake, proof-of-work in a Web Worker, optional checkbox or puzzle (puzzle.js), signed completion.
   The page draws only its interactive step (no box, no visible state text: the widget around it shows the state);
   RESIZE tells the widget its height, 0 when there is nothing to interact with. */
(function () {
  "use strict";
  var body = document.body, data = body.dataset;
  var parentOrigin = data.parentOrigin, flowToken = data.flowToken, pow = JSON.parse(data.pow);
  var needsCheckbox = data.checkbox === "true";
  var status = document.getElementById("status"), check = document.getElementById("check"), box = document.getElementById("box");
  var LABELS = { es: "Soy humano", fr: "Je suis humain", pt: "Sou humano", de: "Ich bin ein Mensch", it: "Sono umano", ru: "Я человек", zh: "我是人类", ja: "私は人間です", hi: "मैं इंसान हूँ", ar: "أنا إنسان", he: "אני אדם" };
  var lang = String((navigator.languages && navigator.languages[0]) || navigator.language || "en").split(/[-_]/)[0].toLowerCase();
  if (LABELS[lang]) { document.getElementById("label").textContent = LABELS[lang]; document.documentElement.lang = lang; }
  if (lang === "ar" || lang === "he") { document.documentElement.dir = "rtl"; }
  var puzzle = data.puzzle && window.CrafyPuzzle ? window.CrafyPuzzle(data, {
    submit: function () { clicked = true; submit(); }, reload: function () { post({ action: "REQUEST_RELOAD" }); }
  }) : null;
  var solution = null, clicked = !needsCheckbox && !puzzle, sent = false;
  // The flow's one-time instrumentation program (if the engine sent one): loaded beside the proof-of-work worker, it
  // hands its result over as the "crafy-program" event; the answer waits for both.
  var programUrl = data.programUrl, program = null;
  // Turnstile (only for a credential with it): the widget runs it in the embedding page; this page polls
  // REQUEST_TURNSTILE_STATUS until a TURNSTILE_SOLVED arrives (a later one replaces it) and sends the token with the answer.
  var turnstile = data.turnstile === "true" ? { token: null } : null;

  // The interaction trail of an interactive step, for the server to judge (a bare "ticked" flag is refused):
  // [code, ms since the step was shown, x, y] with codes 0 move, 1 pointer down, 2 pointer up, 3 key down, 4 key up.
  var shownAt = performance.now(), moves = [], presses = [], kind = "pointer", keyHeld = false, waitingForKeyUp = null;
  function stamp() { return Math.round((performance.now() - shownAt) * 10) / 10; }
  if (needsCheckbox) {
    document.addEventListener("pointermove", function (e) {
      if (!e.isTrusted) { return; }
      moves.push([0, stamp(), Math.round(e.clientX * 10) / 10, Math.round(e.clientY * 10) / 10]);
      if (moves.length > 150) { moves.shift(); }
    }, { passive: true });
    document.addEventListener("pointerdown", function (e) {
      if (!e.isTrusted) { return; }
      kind = e.pointerType === "touch" ? "touch" : "pointer";
      presses.push([1, stamp(), Math.round(e.clientX * 10) / 10, Math.round(e.clientY * 10) / 10]);
    }, { passive: true });
    document.addEventListener("pointerup", function (e) {
      if (!e.isTrusted) { return; }
      presses.push([2, stamp(), Math.round(e.clientX * 10) / 10, Math.round(e.clientY * 10) / 10]);
    }, { passive: true });
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
  }
  function trail() {
    var events = moves.concat(presses).sort(function (a, b) { return a[1] - b[1]; });
    return { kind: kind, events: events.slice(-200) };
  }

  function post(message) { window.parent.postMessage(message, parentOrigin); }
  function handshake() { post({ action: "HANDSHAKE", payload: data.handshakePayload, signature: data.handshakeSignature }); }
  function resize() { post({ action: "RESIZE", payload: { height: Math.ceil(document.body.getBoundingClientRect().height) } }); }
  // For screen readers only (visually hidden): the widget's box shows the state.
  function say(text) { status.textContent = text; }
  function busy(on) { box.classList.toggle("busy", on); }

  window.addEventListener("message", function (e) {
    if (e.origin !== parentOrigin || e.source !== window.parent) { return; }
    var m = e.data || {};
    if (m.action === "REQUEST_HANDSHAKE_RETRY") { handshake(); }
    if (turnstile && m.action === "TURNSTILE_SOLVED" && typeof m.token === "string" && m.token && m.token !== "skipped") { turnstile.token = m.token; submit(); }
    if (turnstile && m.action === "TURNSTILE_ERROR" && !sent) { sent = true; say("Turnstile error. Loading a new challenge…"); post({ action: "REQUEST_RELOAD" }); }
  });

  function submit() {
    var alt = puzzle && puzzle.solution(), p = alt ? alt.pow : pow, number = alt ? alt.number : solution && solution.number;
    if (sent || !solution || !clicked || (programUrl && !program) || (turnstile && !turnstile.token)) { return; }
    sent = true;
    say(needsCheckbox ? "Checking…" : "");
    busy(true);
    fetch(data.verifyUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        flow_token: flowToken,
        pow: { algorithm: p.algorithm, challenge: p.challenge, number: number, salt: p.salt, signature: p.signature },
        pow_parts: alt ? undefined : parts.slice(1).map(function (q, i) {
          return { algorithm: q.algorithm, challenge: q.challenge, number: solution.parts[i], salt: q.salt, signature: q.signature };
        }),
        interaction: puzzle ? puzzle.trail() : needsCheckbox ? trail() : undefined,
        program: program || undefined,
        puzzle: puzzle ? puzzle.answer() : undefined,
        turnstile: turnstile ? turnstile.token : undefined
      })
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, json: j }; });
    }).then(function (result) {
      busy(false);
      if (result.ok) {
        box.classList.add("done");
        check.disabled = true;
        say("");
        if (puzzle) { puzzle.solved(); }
        post({ action: "CHALLENGE_COMPLETE", payload: result.json.payload, signature: result.json.signature, server_sign: result.json.server_sign });
      } else if (puzzle && puzzle.refused(result.json)) {
        sent = false;
        clicked = false;
      } else {
        say("Verification failed (" + (result.json && result.json.error) + "). Loading a new challenge…");
        post({ action: "REQUEST_RELOAD" });
      }
    }).catch(function () {
      busy(false);
      say("Connection error");
      post({ action: "REQUEST_RELOAD" });
    });
  }

  check.addEventListener("click", function () {
    if (!needsCheckbox) { return; }
    clicked = true;
    check.disabled = true;
    busy(true);
    say(solution ? "" : "Verifying…");
    // Enter clicks on key down: the trail gets its key up first (or after a second, whichever comes first).
    if (keyHeld) {
      waitingForKeyUp = submit;
      setTimeout(function () { if (waitingForKeyUp) { waitingForKeyUp = null; submit(); } }, 1000);
      return;
    }
    submit();
  });

  say(needsCheckbox ? "Tick the box to continue." : puzzle ? "" : "Verifying…");
  // The proof-of-work: the challenge and its parts (independent challenges, all to be answered). Workers, one per
  // core (at most 4), each take the next unsolved part; a single challenge is split between them instead (worker k
  // tries k, k + W, …, the first to find it wins). It fails when a part was searched in full without an answer, or a
  // worker fails to load.
  var parts = [pow].concat(pow.parts || []), numbers = [], misses = [], left = parts.length, tasks = [], next = 0;
  var workers = [], count = Math.max(1, Math.min(4, (navigator.hardwareConcurrency | 0 || 2) - 1)), k;
  if (parts.length === 1) {
    for (k = 0; k < count; k++) { tasks.push({ part: 0, start: k, step: count }); }
  } else {
    for (k = 0; k < parts.length; k++) { tasks.push({ part: k, start: 0, step: 1 }); }
    count = Math.min(count, parts.length);
  }
  function stopWorkers() { for (var i = 0; i < workers.length; i++) { workers[i].terminate(); } workers = []; }
  function give(worker) {
    while (next < tasks.length && numbers[tasks[next].part] !== undefined) { next++; }
    if (next === tasks.length) { return; }
    var task = tasks[next++], p = parts[task.part];
    worker.part = task.part;
    worker.postMessage({ challenge: p.challenge, salt: p.salt, maxnumber: p.maxnumber, start: task.start, step: task.step });
  }
  function fail() { stopWorkers(); say("Could not solve the challenge."); post({ action: "REQUEST_RELOAD" }); }
  function found(worker, m) {
    if (solution || !workers.length) { return; }
    if (m.error) { fail(); return; }
    if (m.number >= 0) {
      if (numbers[worker.part] === undefined) { numbers[worker.part] = m.number; left--; }
    } else if ((misses[worker.part] = (misses[worker.part] || 0) + 1) === (parts.length === 1 ? count : 1)) {
      fail();
      return;
    }
    if (left === 0) { stopWorkers(); solution = { number: numbers[0], parts: numbers.slice(1) }; submit(); return; }
    give(worker);
  }
  // The worker's script comes with the page (a blob: URL of its text; the asset URL where blobs are unavailable).
  var workerText = document.getElementById("pow-worker"), workerUrl = data.workerUrl;
  try { if (workerText && window.Blob && URL.createObjectURL) { workerUrl = URL.createObjectURL(new Blob([workerText.textContent], { type: "text/javascript" })); } } catch (e) { /* the asset URL */ }
  for (k = 0; k < count; k++) {
    (function (worker) {
      worker.onmessage = function (e) { found(worker, e.data || {}); };
      worker.onerror = function () { found(worker, { error: "worker" }); };
      workers.push(worker);
      give(worker);
    })(new Worker(workerUrl));
  }
  if (programUrl) {
    document.addEventListener("crafy-program", function (e) { program = e.detail || {}; submit(); }, { once: true });
    var script = document.createElement("script");
    script.src = programUrl;
    script.onerror = function () { program = {}; submit(); }; // the engine refuses the answer; the widget reloads
    document.body.appendChild(script);
  }
  handshake();
  if (turnstile) {
    var poll = setInterval(function () { if (turnstile.token || sent) { clearInterval(poll); } else { post({ action: "REQUEST_TURNSTILE_STATUS" }); } }, 250);
  }
  if (window.ResizeObserver) { new ResizeObserver(resize).observe(document.body); }
  window.addEventListener("load", resize);
  window.addEventListener("resize", resize);
})();
