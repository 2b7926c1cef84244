/* CrafyCaptcha puzzles in the challenge iframe (slider, connect), drawn on a canvas from a one-time image.
   The page knows the puzzle's kind and (connect) the names of the symbols to link; where anything is exists only in
   the image's pixels. The picture fits the frame's width (it grows and shrinks with the widget); points are mapped
   back to the image's 300 × 160 pixels. The person selects points on the image: the slider's piece then its gap (a drag, or two
   clicks), the connect symbols in order (clicks, or a drag from one to the next); by keyboard a cursor moves over
   the image with the arrow keys (Shift: ten times faster) and Enter or Space selects. The answer is the selected
   points in image pixels; the server judges it. "I can't see the puzzle" swaps the picture for a longer
   proof-of-work with a progress bar. challenge.js calls CrafyPuzzle(data, host) and asks answer(), trail(),
   solution(), refused(json), solved(). */
(function () {
  "use strict";
  var W = 300, H = 160, STRIP_X = 300, PIECE_CX = 331, PIECE_CY = 80, STRIP_W = 62;
  var T = {
    en: { slider: "Move the puzzle piece into the gap that fits it: drag it, or click the piece and then the gap.", connect: "Link the symbols in this order: {list}. Click each one in turn, or drag from one to the next.", keys: "Keyboard: focus the picture, move the cursor with the arrow keys (Shift for bigger steps), press Enter to select, Escape to start over.", picture: "Puzzle picture", fresh: "New puzzle", cantSee: "I can't see the puzzle", wrong: "Not quite. Try again.", renewed: "That was not it. Here is a new puzzle.", checking: "Checking…", solved: "Solved", working: "Verifying without a picture: this takes a little longer.", failed: "The puzzle could not be loaded.", circle: "circle", square: "square", triangle: "triangle", star: "star", diamond: "diamond", cross: "cross", selected: "Selected {n} of {total}.", carried: "Piece picked up.", limited: "This way has been used too often from your connection. Please try the picture, or come back in an hour." },
    es: { slider: "Mueve la pieza del puzle al hueco donde encaja: arrástrala, o haz clic en la pieza y luego en el hueco.", connect: "Une los símbolos en este orden: {list}. Haz clic en cada uno, o arrastra de uno al siguiente.", keys: "Teclado: enfoca la imagen, mueve el cursor con las flechas (Mayús para pasos grandes), Intro para seleccionar, Escape para empezar de nuevo.", picture: "Imagen del puzle", fresh: "Nuevo puzle", cantSee: "No puedo ver el puzle", wrong: "No del todo. Inténtalo de nuevo.", renewed: "No era eso. Aquí tienes un puzle nuevo.", checking: "Comprobando…", solved: "Resuelto", working: "Verificando sin imagen: tarda un poco más.", failed: "No se pudo cargar el puzle.", circle: "círculo", square: "cuadrado", triangle: "triángulo", star: "estrella", diamond: "rombo", cross: "cruz", selected: "Seleccionados {n} de {total}.", carried: "Pieza tomada.", limited: "Esta opción se ha usado demasiadas veces desde tu conexión. Prueba con la imagen o vuelve dentro de una hora." },
    fr: { slider: "Placez la pièce dans l'encoche qui lui correspond : faites-la glisser, ou cliquez sur la pièce puis sur l'encoche.", connect: "Reliez les symboles dans cet ordre : {list}. Cliquez sur chacun, ou glissez de l'un au suivant.", keys: "Clavier : sélectionnez l'image, déplacez le curseur avec les flèches (Maj pour de grands pas), Entrée pour choisir, Échap pour recommencer.", picture: "Image du puzzle", fresh: "Nouveau puzzle", cantSee: "Je ne vois pas le puzzle", wrong: "Pas tout à fait. Réessayez.", renewed: "Ce n'était pas cela. Voici un nouveau puzzle.", checking: "Vérification…", solved: "Résolu", working: "Vérification sans image : cela prend un peu plus de temps.", failed: "Le puzzle n'a pas pu être chargé.", circle: "cercle", square: "carré", triangle: "triangle", star: "étoile", diamond: "losange", cross: "croix", selected: "{n} sur {total} choisis.", carried: "Pièce prise.", limited: "Cette option a été utilisée trop souvent depuis votre connexion. Essayez l'image, ou revenez dans une heure." },
    pt: { slider: "Mova a peça para o espaço onde ela encaixa: arraste-a, ou clique na peça e depois no espaço.", connect: "Ligue os símbolos nesta ordem: {list}. Clique em cada um, ou arraste de um para o próximo.", keys: "Teclado: foque a imagem, mova o cursor com as setas (Shift para passos maiores), Enter para selecionar, Escape para recomeçar.", picture: "Imagem do quebra-cabeça", fresh: "Novo quebra-cabeça", cantSee: "Não consigo ver o quebra-cabeça", wrong: "Quase. Tente de novo.", renewed: "Não era isso. Aqui está um novo quebra-cabeça.", checking: "Verificando…", solved: "Resolvido", working: "Verificando sem imagem: demora um pouco mais.", failed: "Não foi possível carregar o quebra-cabeça.", circle: "círculo", square: "quadrado", triangle: "triângulo", star: "estrela", diamond: "losango", cross: "cruz", selected: "{n} de {total} selecionados.", carried: "Peça pegada.", limited: "Esta opção foi usada vezes demais a partir da sua conexão. Tente a imagem ou volte daqui a uma hora." },
    de: { slider: "Setze das Puzzleteil in die passende Lücke: ziehe es, oder klicke auf das Teil und dann auf die Lücke.", connect: "Verbinde die Symbole in dieser Reihenfolge: {list}. Klicke sie nacheinander an, oder ziehe von einem zum nächsten.", keys: "Tastatur: Bild fokussieren, Cursor mit den Pfeiltasten bewegen (Umschalt für große Schritte), Eingabe zum Auswählen, Escape zum Neubeginn.", picture: "Puzzlebild", fresh: "Neues Puzzle", cantSee: "Ich kann das Puzzle nicht sehen", wrong: "Nicht ganz. Versuche es noch einmal.", renewed: "Das war es nicht. Hier ist ein neues Puzzle.", checking: "Wird geprüft…", solved: "Gelöst", working: "Prüfung ohne Bild: das dauert etwas länger.", failed: "Das Puzzle konnte nicht geladen werden.", circle: "Kreis", square: "Quadrat", triangle: "Dreieck", star: "Stern", diamond: "Raute", cross: "Kreuz", selected: "{n} von {total} ausgewählt.", carried: "Teil aufgenommen.", limited: "Dieser Weg wurde von deiner Verbindung aus zu oft genutzt. Versuche das Bild, oder komm in einer Stunde wieder." },
    it: { slider: "Sposta il pezzo nello spazio in cui si incastra: trascinalo, oppure fai clic sul pezzo e poi sullo spazio.", connect: "Collega i simboli in questo ordine: {list}. Fai clic su ciascuno, oppure trascina dall'uno al successivo.", keys: "Tastiera: metti a fuoco l'immagine, sposta il cursore con le frecce (Maiusc per passi grandi), Invio per selezionare, Esc per ricominciare.", picture: "Immagine del puzzle", fresh: "Nuovo puzzle", cantSee: "Non riesco a vedere il puzzle", wrong: "Non proprio. Riprova.", renewed: "Non era quello. Ecco un nuovo puzzle.", checking: "Verifica…", solved: "Risolto", working: "Verifica senza immagine: richiede un po' più di tempo.", failed: "Impossibile caricare il puzzle.", circle: "cerchio", square: "quadrato", triangle: "triangolo", star: "stella", diamond: "rombo", cross: "croce", selected: "{n} di {total} selezionati.", carried: "Pezzo preso.", limited: "Questa opzione è stata usata troppe volte dalla tua connessione. Prova con l'immagine, oppure torna tra un'ora." },
    ru: { slider: "Переместите фрагмент в подходящий вырез: перетащите его или нажмите на фрагмент, а затем на вырез.", connect: "Соедините символы в таком порядке: {list}. Нажимайте на них по очереди или тяните от одного к следующему.", keys: "Клавиатура: выберите изображение, двигайте курсор стрелками (Shift — большие шаги), Enter — выбрать, Escape — начать заново.", picture: "Изображение головоломки", fresh: "Новая головоломка", cantSee: "Я не вижу головоломку", wrong: "Не совсем. Попробуйте ещё раз.", renewed: "Не то. Вот новая головоломка.", checking: "Проверка…", solved: "Решено", working: "Проверка без изображения: это займёт немного больше времени.", failed: "Не удалось загрузить головоломку.", circle: "круг", square: "квадрат", triangle: "треугольник", star: "звезда", diamond: "ромб", cross: "крест", selected: "Выбрано {n} из {total}.", carried: "Фрагмент взят.", limited: "Этот способ слишком часто использовался с вашего подключения. Попробуйте изображение или вернитесь через час." },
    zh: { slider: "把拼图块移到与它吻合的缺口：拖动它，或先点击拼图块再点击缺口。", connect: "按此顺序连接符号：{list}。依次点击，或从一个拖到下一个。", keys: "键盘：聚焦图片，用方向键移动光标（按住 Shift 移动更快），按 Enter 选择，按 Esc 重新开始。", picture: "拼图图片", fresh: "换一个拼图", cantSee: "我看不到拼图", wrong: "不太对，请再试一次。", renewed: "不对。这是一个新拼图。", checking: "正在检查…", solved: "已解决", working: "无图片验证中：需要稍长时间。", failed: "无法加载拼图。", circle: "圆形", square: "正方形", triangle: "三角形", star: "星形", diamond: "菱形", cross: "十字", selected: "已选择 {n}/{total}。", carried: "已拿起拼图块。", limited: "您的网络连接已过多次使用此方式。请尝试图片，或一小时后再来。" },
    ja: { slider: "ピースを合うくぼみに移動してください：ドラッグするか、ピースをクリックしてからくぼみをクリックします。", connect: "次の順に記号をつないでください：{list}。順にクリックするか、次の記号へドラッグします。", keys: "キーボード：画像にフォーカスし、矢印キーでカーソルを移動（Shift で大きく移動）、Enter で選択、Esc でやり直し。", picture: "パズル画像", fresh: "新しいパズル", cantSee: "パズルが見えません", wrong: "惜しい。もう一度お試しください。", renewed: "違いました。新しいパズルです。", checking: "確認中…", solved: "解決しました", working: "画像なしで確認中：少し時間がかかります。", failed: "パズルを読み込めませんでした。", circle: "円", square: "四角", triangle: "三角", star: "星", diamond: "ひし形", cross: "十字", selected: "{total} 個中 {n} 個を選択。", carried: "ピースを持ちました。", limited: "この方法はお使いの接続から何度も使われています。画像をお試しいただくか、1 時間後にもう一度お越しください。" },
    hi: { slider: "पहेली के टुकड़े को उसकी सही खाली जगह में ले जाएँ: उसे खींचें, या टुकड़े पर और फिर खाली जगह पर क्लिक करें।", connect: "इन चिह्नों को इसी क्रम में जोड़ें: {list}। हर एक पर बारी-बारी क्लिक करें, या एक से अगले तक खींचें।", keys: "कीबोर्ड: चित्र पर फ़ोकस करें, तीर कुंजियों से कर्सर चलाएँ (बड़े कदमों के लिए Shift), चुनने के लिए Enter, फिर से शुरू करने के लिए Escape।", picture: "पहेली का चित्र", fresh: "नई पहेली", cantSee: "मुझे पहेली नहीं दिख रही", wrong: "पूरी तरह सही नहीं। फिर से कोशिश करें।", renewed: "यह नहीं था। यह रही नई पहेली।", checking: "जाँच हो रही है…", solved: "हल हो गया", working: "चित्र के बिना सत्यापन: इसमें थोड़ा अधिक समय लगता है।", failed: "पहेली लोड नहीं हो सकी।", circle: "वृत्त", square: "वर्ग", triangle: "त्रिभुज", star: "तारा", diamond: "हीरा", cross: "क्रॉस", selected: "{total} में से {n} चुने गए।", carried: "टुकड़ा उठा लिया।", limited: "आपके कनेक्शन से यह तरीका बहुत बार इस्तेमाल हो चुका है। कृपया चित्र आज़माएँ, या एक घंटे बाद वापस आएँ।" }
  };
  var CSS = "#puzzle{padding:2px 0 4px;background:var(--bg)}#puzzle p{margin:0 0 6px;font-size:13px}"
    + "#pz-canvas{display:block;width:100%;aspect-ratio:" + W + "/" + H + ";border-radius:6px;cursor:pointer;touch-action:none;background:var(--border)}"
    + "#pz-canvas:focus-visible{outline:3px solid var(--primary);outline-offset:2px}#pz-canvas.ok{outline:3px solid #16a34a}"
    + "#pz-row{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}"
    + "#pz-row button{display:inline-block;width:auto;min-height:24px;padding:2px 4px;border:0;border-radius:4px;background:transparent;color:inherit;font:inherit;font-size:13px;text-decoration:underline;text-underline-offset:2px;cursor:pointer}"
    + "#pz-row button:focus-visible{outline:2px solid var(--primary);outline-offset:2px}#pz-row button:disabled{opacity:.6;cursor:default}"
    + "#pz-msg{min-height:1.2em;font-weight:600}#pz-msg.bad{color:#b91c1c}@media (prefers-color-scheme:dark){#pz-msg.bad{color:#fca5a5}}"
    + "#pz-progress{display:block;width:100%;height:10px;accent-color:var(--primary)}"
    + "@media (prefers-reduced-motion:no-preference){#pz-msg.bad{animation:pz-in .25s ease-out}}@keyframes pz-in{from{opacity:.2;transform:translateX(-4px)}}";

  window.CrafyPuzzle = function (data, host) {
    var lang = host.lang;
    var t = T[lang] || T.en;
    document.documentElement.lang = T[lang] ? lang : "en"; // the language it is read in (screen readers' voice)
    var view = JSON.parse(data.puzzle), root = document.getElementById("puzzle");
    var style = document.createElement("style");
    style.textContent = CSS;
    document.head.appendChild(style);

    function el(tag, attrs, text) {
      var e = document.createElement(tag);
      for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
      if (text) { e.textContent = text; }
      return e;
    }
    var help = el("p", { id: "pz-help" }), keys = el("p", { id: "pz-keys" }, t.keys);
    var canvas = el("canvas", { id: "pz-canvas", width: String(W), height: String(H), tabindex: "0", role: "application", "aria-label": t.picture, "aria-describedby": "pz-help pz-keys" });
    var msg = el("p", { id: "pz-msg", role: "status", "aria-live": "polite" });
    var row = el("div", { id: "pz-row" });
    var freshButton = el("button", { type: "button", id: "pz-new" }, t.fresh), blindButton = el("button", { type: "button", id: "pz-blind" }, t.cantSee);
    row.appendChild(freshButton);
    row.appendChild(blindButton);
    [help, canvas, msg, row, keys].forEach(function (e) { root.appendChild(e); });
    var g = canvas.getContext("2d");

    var image = null, pending = false, points = [], cursor = { x: W / 2, y: H / 2 }, pointer = null, down = null, busy = false, done = false, accessible = null;
    var shownAt = performance.now(), events = [], kind = "pointer", lastFocus = null;
    function stamp() { return Math.round((performance.now() - shownAt) * 10) / 10; }
    function record(code, x, y) { events.push([code, stamp(), Math.round(x * 10) / 10, Math.round(y * 10) / 10]); if (events.length > 400) { events.splice(0, events.length - 400); } }
    function need() { return view.kind === "slider" ? 2 : view.prompt.length; }
    function say(text, bad) { msg.textContent = text; msg.className = bad ? "bad" : ""; }

    function describe() {
      if (view.kind === "slider") { help.textContent = t.slider; return; }
      help.textContent = t.connect.replace("{list}", view.prompt.map(function (n) { return t[n] || n; }).join(" → "));
    }

    function load() {
      image = null;
      points = [];
      draw();
      describe();
      return fetch(data.puzzleUrl + "/" + view.image, { cache: "no-store", credentials: "omit" })
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.blob(); })
        .then(function (b) { return createImageBitmap(b); })
        .then(function (bitmap) { image = bitmap; draw(); })
        .catch(function () { say(t.failed, true); });
    }

    function draw() {
      g.clearRect(0, 0, W, H);
      if (!image) { return; }
      g.drawImage(image, 0, 0, W, H, 0, 0, W, H);
      var primary = getComputedStyle(document.body).getPropertyValue("--primary").trim() || "#2563eb";
      if (view.kind === "slider") {
        if (points.length === 1) {
          var at = pointer || (kind === "keyboard" ? cursor : points[0]);
          g.drawImage(image, STRIP_X, 0, STRIP_W, H, at.x - (PIECE_CX - STRIP_X), at.y - PIECE_CY, STRIP_W, H);
        }
      } else {
        g.lineWidth = 3;
        g.strokeStyle = primary;
        g.fillStyle = primary;
        g.beginPath();
        points.forEach(function (p, i) { if (i) { g.lineTo(p.x, p.y); } else { g.moveTo(p.x, p.y); } });
        if (points.length && pointer && down) { g.lineTo(pointer.x, pointer.y); }
        g.stroke();
        points.forEach(function (p, i) {
          g.beginPath(); g.arc(p.x, p.y, 9, 0, Math.PI * 2); g.fill();
          g.fillStyle = "#fff"; g.font = "bold 11px system-ui,sans-serif"; g.textAlign = "center"; g.textBaseline = "middle";
          g.fillText(String(i + 1), p.x, p.y + 0.5); g.fillStyle = primary;
        });
      }
      if (document.activeElement === canvas && kind === "keyboard") {
        g.lineWidth = 2;
        g.strokeStyle = "#fff";
        g.beginPath(); g.arc(cursor.x, cursor.y, 7, 0, Math.PI * 2); g.stroke();
        g.strokeStyle = "#000";
        g.beginPath(); g.moveTo(cursor.x - 11, cursor.y); g.lineTo(cursor.x + 11, cursor.y); g.moveTo(cursor.x, cursor.y - 11); g.lineTo(cursor.x, cursor.y + 11); g.stroke();
      }
    }

    function select(p) {
      if (busy || done || !image || points.length >= need()) { return; }
      points.push({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 });
      if (points.length === need()) {
        busy = true;
        pending = true;
        say(t.checking);
        draw();
        setTimeout(complete, 800);
        return;
      }
      say(view.kind === "slider" ? t.carried : t.selected.replace("{n}", points.length).replace("{total}", need()));
      draw();
    }

    // The answer goes once the pointer or key that gave it is released (the trail then holds the whole press).
    function complete() { if (pending) { pending = false; host.submit(); } }

    function toImage(e) {
      var r = canvas.getBoundingClientRect();
      return { x: Math.max(0, Math.min(W, (e.clientX - r.left) * W / r.width)), y: Math.max(0, Math.min(H, (e.clientY - r.top) * H / r.height)) };
    }

    document.addEventListener("pointermove", function (e) {
      if (!e.isTrusted) { return; }
      var p = toImage(e);
      record(0, e.clientX, e.clientY);
      if (e.target === canvas || down) { pointer = p; if (points.length) { draw(); } }
    }, { passive: true });
    document.addEventListener("pointerdown", function (e) {
      if (!e.isTrusted) { return; }
      kind = e.pointerType === "touch" ? "touch" : "pointer";
      record(1, e.clientX, e.clientY);
    }, { passive: true });
    document.addEventListener("pointerup", function (e) { if (e.isTrusted) { record(2, e.clientX, e.clientY); setTimeout(complete, 0); } }, { passive: true });
    canvas.addEventListener("pointerdown", function (e) {
      if (!e.isTrusted) { return; }
      down = toImage(e);
      pointer = down;
      try { canvas.setPointerCapture(e.pointerId); } catch (ignored) { /* not capturable */ }
      select(down);
    });
    canvas.addEventListener("pointerup", function (e) {
      if (!e.isTrusted || !down) { return; }
      var up = toImage(e), moved = Math.abs(up.x - down.x) + Math.abs(up.y - down.y) > 8;
      down = null;
      // A drag ends where it was let go: the piece dropped, the line drawn to the next symbol.
      if (moved) { select(up); } else { draw(); }
    });
    canvas.addEventListener("focus", function (e) { if (e.isTrusted) { record(5, cursor.x, cursor.y); lastFocus = events[events.length - 1]; } draw(); });
    canvas.addEventListener("blur", draw);
    document.addEventListener("keydown", function (e) {
      if (!e.isTrusted || e.repeat && e.key !== "ArrowLeft" && e.key !== "ArrowRight" && e.key !== "ArrowUp" && e.key !== "ArrowDown") { return; }
      record(3, cursor.x, cursor.y);
      if (e.target !== canvas) { return; }
      var step = e.shiftKey ? 10 : 1, dx = 0, dy = 0;
      if (e.key === "ArrowLeft") { dx = -step; } else if (e.key === "ArrowRight") { dx = step; } else if (e.key === "ArrowUp") { dy = -step; } else if (e.key === "ArrowDown") { dy = step; }
      if (dx || dy) {
        e.preventDefault();
        kind = "keyboard";
        pointer = null;
        cursor = { x: Math.max(0, Math.min(W, cursor.x + dx)), y: Math.max(0, Math.min(H, cursor.y + dy)) };
        draw();
      } else if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        kind = "keyboard";
        select(cursor);
      } else if (e.key === "Escape" && !busy) {
        points = [];
        say("");
        draw();
      }
    });
    document.addEventListener("keyup", function (e) { if (e.isTrusted) { record(4, cursor.x, cursor.y); setTimeout(complete, 0); } });

    function act(action) {
      return fetch(data.puzzleUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ flow_token: data.flowToken, action: action }) })
        .then(function (r) { return r.json().then(function (j) { if (!r.ok) { throw new Error(j && j.error); } return j; }); });
    }
    freshButton.addEventListener("click", function () {
      if (busy || done) { return; }
      freshButton.disabled = true;
      act("new").then(function (j) { view = j.puzzle; say(""); return load(); })
        .catch(function () { host.reload(); })
        .then(function () { freshButton.disabled = false; });
    });
    blindButton.addEventListener("click", function () {
      if (busy || done) { return; }
      busy = true;
      freshButton.disabled = blindButton.disabled = true;
      act("accessible").then(function (j) {
        var progress = el("progress", { id: "pz-progress", max: "100", value: "0", "aria-label": t.working });
        canvas.replaceWith(progress);
        keys.remove();
        row.remove();
        help.textContent = t.working;
        var worker = new Worker(data.workerUrl);
        worker.onmessage = function (e) {
          if (e.data && typeof e.data.progress === "number") { progress.value = Math.round(e.data.progress * 100); return; }
          if (!e.data || e.data.number < 0) { host.reload(); return; }
          progress.value = 100;
          accessible = { pow: j.pow, number: e.data.number };
          say(t.checking);
          host.submit();
        };
        worker.postMessage({ challenge: j.pow.challenge, salt: j.pow.salt, maxnumber: j.pow.maxnumber, progress: true });
      }).catch(function (e) {
        // Used too often from this address or network: the picture is still there (or a wait); anything else reloads.
        if (!e || e.message !== "accessible_path_limited") { host.reload(); return; }
        busy = false;
        freshButton.disabled = false;
        say(t.limited, true);
      });
    });

    load();
    return {
      answer: function () { return accessible ? undefined : { points: points.map(function (p) { return [p.x, p.y]; }) }; },
      trail: function () {
        // The last 200 events, and the focus that let the keys in even when a long keyboard session pushed it out.
        var sent = events.slice(-200);
        if (lastFocus && sent.indexOf(lastFocus) < 0) { sent = [lastFocus].concat(sent.slice(1)); }
        return { kind: kind, events: sent };
      },
      solution: function () { return accessible; },
      refused: function (json) {
        var code = json && json.error;
        if (code !== "puzzle_wrong" && code !== "puzzle_new") { return false; }
        busy = false;
        points = [];
        if (code === "puzzle_new" && json.puzzle) { view = json.puzzle; load(); } else { draw(); }
        say(code === "puzzle_new" ? t.renewed : t.wrong, true);
        canvas.focus({ preventScroll: true });
        return true;
      },
      solved: function () {
        done = true;
        canvas.classList.add("ok");
        freshButton.disabled = blindButton.disabled = true;
        say(t.solved);
      }
    };
  };
})();
