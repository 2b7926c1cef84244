/* CrafyCaptcha challenge iframe: handshake, proof-of-work in a Web Worker, the interactive step when there is one
   (checkbox.js or puzzle.js, put in the page only on their rungs), signed completion.
   The page draws only its interactive step (no box, no visible state text: the widget around it shows the state);
   RESIZE tells the widget its height, 0 when there is nothing to interact with. */
(function () {
  "use strict";
  var data = document.body.dataset;
  var parentOrigin = data.parentOrigin, flowToken = data.flowToken, pow = JSON.parse(data.pow);
  var status = document.getElementById("status");
  var solution = null, clicked = false, sent = false;
  // The interactive step (puzzle or checkbox): it calls submit() when the person is done and is asked for its trail,
  // answer and alternative proof-of-work (a puzzle's accessible path); the invisible pass has none and goes at once.
  var host = {
    submit: function () { clicked = true; submit(); }, reload: function () { post({ action: "REQUEST_RELOAD" }); },
    say: say, solved: function () { return !!solution; },
    // The person's language (the browser's first), for the step's own texts.
    lang: String((navigator.languages && navigator.languages[0]) || navigator.language || "en").split(/[-_]/)[0].toLowerCase()
  };
  var step = data.puzzle && window.CrafyPuzzle ? window.CrafyPuzzle(data, host) : data.checkbox === "true" && window.CrafyCheckbox ? window.CrafyCheckbox(host) : null;
  clicked = !step;
  // The flow's one-time instrumentation program (if the engine sent one): inline after this script, it runs once the
  // proof-of-work workers have started and hands its result over as the "crafy-program" event; the answer waits for both.
  var programSent = data.program === "true", program = null;
  // Turnstile (only for a credential with it): the widget runs it in the embedding page; this page polls
  // REQUEST_TURNSTILE_STATUS until a TURNSTILE_SOLVED arrives (a later one replaces it) and sends the token with the answer.
  var turnstile = data.turnstile === "true" ? { token: null } : null;
  // The checkbox rung's extra proof-of-work (when the engine sent one): a pass by keyboard or touch, the cheapest trails
  // to forge, pays it after the key press or tap; a pointer's pass does not.
  var surcharge = data.powSurcharge ? JSON.parse(data.powSurcharge) : null, extra = null, extraKey, extraStarted = false;

  function post(message) { window.parent.postMessage(message, parentOrigin); }
  // The Development environment's reason for this rung (the engine sends data-dev-hint nowhere else), for the browser
  // console: a warning when the flow was escalated past the invisible pass, else information.
  var devHint = data.devHint, con = window.console;
  function dev(level, text) { if (devHint !== undefined && con) { con[level]("[CrafyCAPTCHA engine] " + text); } }
  dev(data.checkbox === "true" || data.puzzle ? "warn" : "info", devHint);
  function handshake() { post({ action: "HANDSHAKE", payload: data.handshakePayload, signature: data.handshakeSignature }); }
  function resize() { post({ action: "RESIZE", payload: { height: Math.ceil(document.body.getBoundingClientRect().height) } }); }
  // For screen readers only (visually hidden): the widget's box shows the state. A puzzle announces its own (translated)
  // state, so this English line stays silent on that rung.
  function say(text) { if (!data.puzzle) { status.textContent = text; } }
  function busy(on) { if (step && step.busy) { step.busy(on); } }

  window.addEventListener("message", function (e) {
    if (e.origin !== parentOrigin || e.source !== window.parent) { return; }
    var m = e.data || {};
    if (m.action === "REQUEST_HANDSHAKE_RETRY") { handshake(); }
    if (turnstile && m.action === "TURNSTILE_SOLVED" && typeof m.token === "string" && m.token && m.token !== "skipped") { turnstile.token = m.token; submit(); }
    if (turnstile && m.action === "TURNSTILE_ERROR" && !sent) { sent = true; say("Turnstile error. Loading a new challenge…"); post({ action: "REQUEST_RELOAD" }); }
  });

  function submit() {
    var alt = step && step.solution && step.solution(), p = alt ? alt.pow : pow, number = alt ? alt.number : solution && solution.number;
    var key = alt ? alt.derivedKey : solution && solution.keys[0];
    if (sent || !solution || !clicked || (programSent && !program) || (turnstile && !turnstile.token)) { return; }
    var trail = step ? step.trail() : undefined;
    if (surcharge && extra === null && trail && trail.kind !== "pointer") { payExtra(); return; }
    sent = true;
    say((step && step.checking) || "");
    busy(true);
    fetch(data.verifyUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        flow_token: flowToken,
        pow: { algorithm: p.algorithm, challenge: p.challenge, number: number, salt: p.salt, signature: p.signature, derivedKey: key },
        pow_parts: alt ? undefined : parts.slice(1).map(function (q, i) {
          return { algorithm: q.algorithm, challenge: q.challenge, number: solution.parts[i], salt: q.salt, signature: q.signature, derivedKey: solution.keys[i + 1] };
        }),
        pow_surcharge: extra === null ? undefined : { algorithm: surcharge.algorithm, challenge: surcharge.challenge, number: extra, salt: surcharge.salt, signature: surcharge.signature, derivedKey: extraKey },
        interaction: trail,
        program: program || undefined,
        puzzle: step && step.answer ? step.answer() : undefined,
        turnstile: turnstile ? turnstile.token : undefined
      })
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, json: j }; });
    }).then(function (result) {
      busy(false);
      if (result.ok) {
        say("");
        if (step) { step.solved(); }
        post({ action: "CHALLENGE_COMPLETE", payload: result.json.payload, signature: result.json.signature, server_sign: result.json.server_sign });
      } else if (step && step.refused && step.refused(result.json)) {
        sent = false;
        clicked = false;
      } else {
        dev("warn", "answer refused: " + (result.json && result.json.error) + "; loading a new challenge");
        say("Verification failed (" + (result.json && result.json.error) + "). Loading a new challenge…");
        post({ action: "REQUEST_RELOAD" });
      }
    }).catch(function () {
      busy(false);
      say("Connection error");
      post({ action: "REQUEST_RELOAD" });
    });
  }

  if (!step) { say("Verifying…"); }
  // The proof-of-work: the challenge and its parts (independent challenges, all to be answered). Workers, one per
  // core (at most 4), each take the next unsolved part; a single challenge is split between them instead (worker k
  // tries k, k + W, …, the first to find it wins). It fails when a part was searched in full without an answer, or a
  // worker fails to load. An Argon2id (ALTCHA PoW v2) answer also carries each part's derived key.
  var parts = [pow].concat(pow.parts || []), numbers = [], keys = [], misses = [], left = parts.length, tasks = [], next = 0;
  var workers = [], count = Math.max(1, Math.min(4, (navigator.hardwareConcurrency | 0 || 2) - 1)), cores = count, k;
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
    worker.postMessage({ algorithm: p.algorithm, challenge: p.challenge, salt: p.salt, maxnumber: p.maxnumber, start: task.start, step: task.step });
  }
  // The extra challenge, split between the cores as a single one is; then the answer goes.
  function payExtra() {
    if (extraStarted) { return; }
    extraStarted = true;
    say((step && step.checking) || "");
    var pool = [], misses = 0, i;
    function stop() { for (var j = 0; j < pool.length; j++) { pool[j].terminate(); } pool = []; }
    function done(m) {
      if (extra !== null || !pool.length) { return; }
      if (m.error) { stop(); fail(); return; }
      if (m.number >= 0) { stop(); extra = m.number; extraKey = m.derivedKey; submit(); return; }
      if (++misses === cores) { stop(); fail(); }
    }
    for (i = 0; i < cores; i++) {
      (function (worker, start) {
        worker.onmessage = function (e) { done(e.data || {}); };
        worker.onerror = function () { done({ error: "worker" }); };
        pool.push(worker);
        worker.postMessage({ algorithm: surcharge.algorithm, challenge: surcharge.challenge, salt: surcharge.salt, maxnumber: surcharge.maxnumber, start: start, step: cores });
      })(new Worker(workerUrl), i);
    }
  }
  function fail() { stopWorkers(); say("Could not solve the challenge."); post({ action: "REQUEST_RELOAD" }); }
  function found(worker, m) {
    if (solution || !workers.length) { return; }
    if (m.error) { fail(); return; }
    if (m.number >= 0) {
      if (numbers[worker.part] === undefined) { numbers[worker.part] = m.number; keys[worker.part] = m.derivedKey; left--; }
    } else if ((misses[worker.part] = (misses[worker.part] || 0) + 1) === (parts.length === 1 ? count : 1)) {
      fail();
      return;
    }
    if (left === 0) { stopWorkers(); solution = { number: numbers[0], parts: numbers.slice(1), keys: keys }; submit(); return; }
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
  if (programSent) {
    document.addEventListener("crafy-program", function (e) { program = e.detail || {}; submit(); }, { once: true });
    // A program that did not run (blocked) has answered nothing by the page's load: the engine refuses the answer and
    // the widget reloads, instead of waiting for ever.
    window.addEventListener("load", function () { if (!program) { program = {}; submit(); } });
  }
  handshake();
  if (turnstile) {
    var poll = setInterval(function () { if (turnstile.token || sent) { clearInterval(poll); } else { post({ action: "REQUEST_TURNSTILE_STATUS" }); } }, 250);
  }
  if (window.ResizeObserver) { new ResizeObserver(resize).observe(document.body); }
  window.addEventListener("load", resize);
  window.addEventListener("resize", resize);
})();
