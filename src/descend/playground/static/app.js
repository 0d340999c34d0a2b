/* descend playground: the page. It draws what the server's engine sends; it computes no training.
   Plain JavaScript, no build step; charts by the vendored uPlot (MIT, see uPlot.LICENSE). */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const token = new URLSearchParams(location.search).get("token") || "";
  // what the tests and the curious read: window.pg
  const pg = window.pg = {
    frames: 0, framesDrawn: 0, errors: [], config: null, catalogue: null, data: null, frame: null,
    explain: null, diverged: null, exports: {}, playing: false, paused: null, selected: null,
    curve: { update: [], train: [], test: [] }, flowHist: { update: [], grad: [], weight: [] },
    compare: [], uploaded: null,
  };
  const CLIENT = { discretize: false, show_test: false, edges: "weights", hide: [], compare: "" };
  let client = Object.assign({}, CLIENT);
  const ORANGE = [245, 147, 34], BLUE = [8, 119, 189], GREEN = [46, 160, 67];
  const CLASS_COLORS = [ORANGE, BLUE, GREEN, [150, 70, 180], [200, 60, 60]];
  const SECTIONS = ["run", "optimizer", "batch", "schedule", "regularization", "clipping", "data", "features",
    "network", "init", "gradient", "chain", "lessons", "compare-builder", "export"];

  // ------------------------------------------------------------------ the connection
  function connect(onmessage) {
    const ws = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
    ws.onmessage = (ev) => onmessage(JSON.parse(ev.data), ws);
    ws.onclose = () => { if (ws === pg.ws) showError("The connection to the server is closed (was it stopped?)."); };
    return ws;
  }
  function send(msg, ws) {
    ws = ws || pg.ws;
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg));
  }
  function sendConfig(update) { hideError(); send({ type: "config", config: update }); }

  // ------------------------------------------------------------------ URL state
  function encodeValue(v) { return Array.isArray(v) ? v.join(",") : String(v); }
  function decodeValue(text, like) {
    if (Array.isArray(like)) {
      if (text === "") return [];
      return text.split(",").map((s) => (typeof like[0] === "number" || like.length === 0 && /^\d+$/.test(s)) ? Number(s) : s);
    }
    if (typeof like === "number") return Number(text);
    if (typeof like === "boolean") return text === "1" || text === "true";
    return text;
  }
  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const defaults = pg.catalogue.defaults, config = {}, cl = Object.assign({}, CLIENT, { hide: [] });
    for (const [k, v] of params) {
      if (k in defaults) config[k] = decodeValue(v, defaults[k]);
      else if (k in CLIENT) cl[k] = decodeValue(v, CLIENT[k]);
    }
    const full = Object.assign({}, defaults, config);
    if (config.layers && !config.activations) {   // a link that names the layers only: one activation for all
      const act = defaults.activations[0] || "tanh";
      full.activations = full.layers.map(() => act);
    }
    return { config: full, client: cl };
  }
  function writeHash() {
    if (!pg.catalogue || !pg.config) return;
    const params = new URLSearchParams(), defaults = pg.catalogue.defaults;
    for (const k of Object.keys(defaults)) {
      if (encodeValue(pg.config[k]) !== encodeValue(defaults[k])) params.set(k, encodeValue(pg.config[k]));
    }
    for (const k of Object.keys(CLIENT)) {
      if (encodeValue(client[k]) !== encodeValue(CLIENT[k])) params.set(k, encodeValue(client[k]));
    }
    history.replaceState(null, "", location.pathname + location.search + "#" + params.toString());
    $("classroom-link").href = location.href;
  }
  function applyHash() {
    const { config, client: cl } = readHash();
    client = cl;
    applyClient();
    if (client.compare) startCompare(client.compare, config);
    else stopCompare();
    sendConfig(config);
  }

  // ------------------------------------------------------------------ messages
  const handlers = {
    hello(msg) { pg.catalogue = msg.catalogue; pg.config = msg.config; buildControls(); applyHash(); },
    config(msg) { pg.config = msg.config; fillControls(); writeHash(); },
    data(msg) {
      pg.data = msg; pg.selected = null; pg.explain = null; $("weight-panel").classList.add("hidden");
      resetCharts(); layoutNetwork(); drawLrChart(msg.schedule);
    },
    schedule(msg) { drawLrChart(msg); },
    frame(msg) { pg.frame = msg; pg.frames += 1; pg.playing = msg.playing; pendingAcks += 1; record(msg); schedule(); },
    explain(msg) { pg.explain = msg; if (pg.selected) { $("chain").textContent = msg.text; $("weight-name").textContent = msg.name; } },
    diverged(msg) {
      pg.diverged = msg; pg.playing = false;
      $("alert-text").textContent = `Training diverged at update ${msg.update} (epoch ${msg.epoch})` +
        (msg.layer ? `, in layer ${msg.layer}` : "") + `: the loss became ${msg.loss}. The weights shown are those ` +
        `before that update. descend says: ${msg.message}`;
      $("alert").classList.remove("hidden");
    },
    stopped(msg) { pg.playing = false; showError("Stopped: " + msg.reason, "info"); updatePlay(); },
    paused(msg) { pg.paused = msg.update; pg.playing = false; updatePlay(); },
    snapshot(msg) { showError(`Snapshot taken at update ${msg.update}: rewind comes back here.`, "info"); },
    uploaded(msg) { pg.uploaded = msg.rows; showError(`Uploaded ${msg.rows} rows.`, "info"); },
    error(msg) { pg.errors.push(msg.message); showError(msg.message); },
    export(msg) { pg.exports[msg.what] = msg; download(msg); },
  };
  function onMessage(msg) { const h = handlers[msg.type]; if (h) h(msg); }

  let pendingAcks = 0, drawScheduled = false;
  function schedule() {
    if (drawScheduled) return;
    drawScheduled = true;
    requestAnimationFrame(() => {
      drawScheduled = false;
      draw();
      pg.framesDrawn += 1;
      for (; pendingAcks > 0; pendingAcks--) send({ type: "ack" });
    });
  }

  function showError(text, kind) {
    const el = $("error");
    el.textContent = text;
    el.classList.remove("hidden");
    el.style.background = kind === "info" ? "#e8f5e9" : "";
  }
  function hideError() { $("error").classList.add("hidden"); }

  // ------------------------------------------------------------------ controls
  function option(select, value, label) {
    const o = document.createElement("option");
    o.value = value; o.textContent = label || value; select.appendChild(o);
  }
  function buildControls() {
    const c = pg.catalogue;
    for (const o of c.optimizers) option($("optimizer"), o, { sgd: "SGD", nag: "NAG", rmsprop: "RMSprop", adagrad: "Adagrad",
      adadelta: "Adadelta", adam: "Adam", nadam: "Nadam", momentum: "Momentum" }[o]);
    for (const f of c.flavors) option($("flavor"), f);
    for (const s of Object.keys(c.schedules)) option($("schedule"), s, s === "staircase" ? "staircase exponential" : s);
    for (const s of c.clipping) option(document.querySelector('[data-key="clip"]'), s, s.replace("_", " "));
    for (const [k, v] of Object.entries(c.outputs)) option($("output"), k, v.split(" E =")[0]);
    for (const i of c.initializers) option($("init"), i, i.replace("_", " "));
    const names = { circle: "circle", xor: "xor", gauss: "gauss", spiral: "spiral", moons: "moons", blobs: "3 blobs",
      "reg-plane": "regression: plane", "reg-gauss": "regression: bumps", function: "f(x₁,x₂)", upload: "uploaded" };
    for (const d of c.datasets) {
      const b = document.createElement("button");
      b.textContent = names[d]; b.dataset.dataset = d; b.id = "ds-" + d;
      b.onclick = () => chooseDataset(d);
      $("datasets").appendChild(b);
    }
    const fnames = { x1: "x₁", x2: "x₂", x1sq: "x₁²", x2sq: "x₂²", x1x2: "x₁x₂", sinx1: "sin x₁", sinx2: "sin x₂",
      cosx1: "cos x₁", cosx2: "cos x₂" };
    for (const f of c.features) {
      const l = document.createElement("label"), cb = document.createElement("input");
      cb.type = "checkbox"; cb.value = f; cb.id = "feature-" + f;
      cb.onchange = () => sendConfig({ features: [...document.querySelectorAll("#features input:checked")].map((e) => e.value) });
      l.appendChild(cb); l.appendChild(document.createTextNode(" " + fnames[f])); $("features").appendChild(l);
    }
    for (const s of SECTIONS) {
      const l = document.createElement("label"), cb = document.createElement("input");
      cb.type = "checkbox"; cb.value = s; cb.onchange = () => {
        client.hide = [...document.querySelectorAll("#classroom input:checked")].map((e) => e.value);
        applyClient(); writeHash();
      };
      l.appendChild(cb); l.appendChild(document.createTextNode(" hide " + s)); $("classroom").appendChild(l);
    }
    for (const el of document.querySelectorAll("[data-key]")) {
      el.addEventListener("change", () => {
        const key = el.dataset.key;
        let v = el.value;
        if (el.type === "number" || el.type === "range") v = el.value === "" ? null : Number(el.value);
        sendConfig({ [key]: v });
      });
    }
    buildLessons();
    $("limits").textContent = `Limits: at most ${c.limits.hidden_layers} hidden layers of ${c.limits.units} neurons, ` +
      `${c.limits.points} points, ${c.limits.speed} updates per frame.`;
  }
  function chooseDataset(d) {
    if (d === "upload" && !pg.uploaded) { $("upload").click(); return; }
    const update = { dataset: d }, reg = pg.catalogue.regression.includes(d);
    if (reg) update.output = "linear";
    else if (d === "blobs") update.output = "softmax";
    else if (pg.config.output === "linear" || pg.config.dataset === "blobs") update.output = "sigmoid";
    sendConfig(update);
  }
  function fillControls() {
    const c = pg.config;
    for (const el of document.querySelectorAll("[data-key]")) {
      if (document.activeElement === el) continue;
      const v = c[el.dataset.key];
      if (v !== undefined) el.value = Array.isArray(v) ? v.join(",") : v;
    }
    for (const b of document.querySelectorAll("#datasets button")) b.classList.toggle("on", b.dataset.dataset === c.dataset);
    for (const cb of document.querySelectorAll("#features input")) cb.checked = c.features.includes(cb.value);
    $("function-row").classList.toggle("hidden", c.dataset !== "function");
    $("ratio-val").textContent = Math.round(c.train_ratio * 100) + "%";
    $("noise-val").textContent = c.noise;
    $("formula").textContent = pg.catalogue.formulas[c.optimizer] +
      (c.weight_decay ? `   with decay: w ← (1 − λ)w − Δ` : "");
    $("schedule-formula").textContent = pg.catalogue.schedules[c.schedule];
    $("gd").value = c.batch_size === 0 ? "batch" : c.batch_size === 1 ? "stochastic" : "mini-batch";
    $("batch_size").disabled = c.batch_size === 0;
    $("loss-name").textContent = pg.catalogue.outputs[c.output];
    const hyper = $("hyper");
    hyper.innerHTML = "";
    const labels = { momentum: "momentum γ", rho: "ρ", beta_1: "β₁", beta_2: "β₂", epsilon: "ε" };
    for (const h of pg.catalogue.hyperparameters[c.optimizer]) {
      const l = document.createElement("label"), i = document.createElement("input");
      i.type = "number"; i.step = "any"; i.className = "num"; i.value = c[h]; i.dataset.key = h; i.id = "hp-" + h;
      i.addEventListener("change", () => sendConfig({ [h]: i.value === "" ? null : Number(i.value) }));
      l.appendChild(document.createTextNode(labels[h] + " ")); l.appendChild(i); hyper.appendChild(l);
    }
    $("layer-count").textContent = c.layers.length;
    buildLayerControls();
  }
  function buildLayerControls() {
    const c = pg.config, box = $("layer-controls"), lim = pg.catalogue.limits;
    box.innerHTML = "";
    c.layers.forEach((units, k) => {
      const d = document.createElement("div");
      d.className = "layer";
      const plus = document.createElement("button"), minus = document.createElement("button"), sel = document.createElement("select");
      plus.textContent = "+"; minus.textContent = "−"; plus.id = `units-add-${k}`; minus.id = `units-remove-${k}`;
      plus.onclick = () => changeUnits(k, +1); minus.onclick = () => changeUnits(k, -1);
      for (const a of pg.catalogue.activations) option(sel, a, a.replace("_", " "));
      sel.value = c.activations[k]; sel.id = `activation-${k}`;
      sel.onchange = () => { const acts = c.activations.slice(); acts[k] = sel.value; sendConfig({ activations: acts }); };
      d.append(`layer ${k + 1}: `, minus, ` ${units} `, plus, " ", sel);
      box.appendChild(d);
    });
    $("layer-add").disabled = c.layers.length >= lim.hidden_layers;
  }
  function changeUnits(k, delta) {
    const layers = pg.config.layers.slice(), lim = pg.catalogue.limits.units;
    const n = layers[k] + delta;
    if (n > lim) { showError(`Limit reached: at most ${lim} neurons per layer.`); return; }
    if (n < 1) return;
    layers[k] = n;
    sendConfig({ layers });
  }
  function applyClient() {
    $("show-test").checked = client.show_test; $("discretize").checked = client.discretize; $("edges").value = client.edges;
    for (const el of document.querySelectorAll("[data-section]")) el.classList.toggle("class-hidden", client.hide.includes(el.dataset.section));
    for (const cb of document.querySelectorAll("#classroom input")) cb.checked = client.hide.includes(cb.value);
    if (pg.frame) schedule();
  }

  // ------------------------------------------------------------------ lessons
  const LESSONS = [
    ["Batch GD: one update per epoch", "dataset=circle&batch_size=0&lr=0.3"],
    ["Stochastic GD: one point per update", "dataset=circle&batch_size=1&lr=0.01"],
    ["Mini-batch GD", "dataset=circle&batch_size=10&lr=0.03"],
    ["The saddle point: tiny initial weights sit on a plateau", "dataset=xor&layers=4&activations=tanh&init=small&lr=0.01&batch_size=0&speed=20"],
    ["Vanishing gradients: a deep sigmoid net", "dataset=circle&layers=8,8,8,8,8,8&activations=sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid&init=normal"],
    ["… and the same depth with ReLU and He", "dataset=circle&layers=8,8,8,8,8,8&activations=relu,relu,relu,relu,relu,relu&init=he_normal"],
    ["Exploding: a deep ReLU net, ½Σ error and η = 1", "dataset=reg-plane&output=linear&layers=8,8,8,8&activations=relu,relu,relu,relu&init=he_normal&lr=1&batch_size=0"],
    ["… tamed by clipping the global norm", "dataset=reg-plane&output=linear&layers=8,8,8,8&activations=relu,relu,relu,relu&init=he_normal&lr=1&batch_size=0&clip=global_norm&clip_at=1"],
    ["Xavier vs He in a deep ReLU net", "dataset=spiral&layers=8,8,8,8&activations=relu,relu,relu,relu&compare=init:glorot_uniform,he_normal"],
    ["Sigmoid vs ReLU", "dataset=circle&layers=6,6,6&activations=tanh,tanh,tanh&compare=activations:sigmoid,relu"],
    ["Optimizer race: SGD, Momentum, NAG, Adam", "dataset=spiral&layers=8,8&activations=tanh,tanh&lr=0.01&compare=optimizer:sgd,momentum,nag,adam"],
    ["… Adagrad, RMSprop, Adadelta, Nadam", "dataset=spiral&layers=8,8&activations=tanh,tanh&lr=0.01&compare=optimizer:adagrad,rmsprop,adadelta,nadam"],
    ["Learning-rate decay: staircase η₀·δ^(t//T)", "dataset=spiral&layers=8,8&activations=tanh,tanh&optimizer=momentum&lr=0.05&schedule=staircase&decay_rate=0.5&decay_steps=500"],
  ];
  function buildLessons() {
    for (const o of pg.catalogue.optimizers) LESSONS.push([`${o} on the spiral`, `dataset=spiral&layers=8,8&activations=tanh,tanh&optimizer=${o}&lr=${o === "adadelta" ? 1 : 0.01}`]);
    for (const [title, hash] of LESSONS) {
      const a = document.createElement("a");
      a.href = "#" + hash; a.textContent = title;
      $("lessons").appendChild(a);
    }
  }

  // ------------------------------------------------------------------ colours and heatmaps
  function decode(b64) { const s = atob(b64), a = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; }
  function diverging(v) {          // v in [-1, 1]: orange ← white → blue
    const c = v < 0 ? ORANGE : BLUE, t = Math.min(1, Math.abs(v));
    return [255 + (c[0] - 255) * t, 255 + (c[1] - 255) * t, 255 + (c[2] - 255) * t];
  }
  function paint(ctx, side, colorAt, w, h) {
    const off = document.createElement("canvas");
    off.width = side; off.height = side;
    const octx = off.getContext("2d"), img = octx.createImageData(side, side);
    for (let k = 0; k < side * side; k++) {
      const [r, g, b] = colorAt(k);
      img.data[4 * k] = r; img.data[4 * k + 1] = g; img.data[4 * k + 2] = b; img.data[4 * k + 3] = 255;
    }
    octx.putImageData(img, 0, 0);
    return off;
  }
  function outputImage(out, side, discretize) {
    if (out.kind === "classes") {
      const cls = decode(out.classes), conf = decode(out.confidence);
      return (ctx) => paint(ctx, side, (k) => {
        const c = CLASS_COLORS[cls[k] % CLASS_COLORS.length], t = discretize ? 0.75 : 0.25 + 0.6 * conf[k] / 255;
        return [255 + (c[0] - 255) * t, 255 + (c[1] - 255) * t, 255 + (c[2] - 255) * t];
      });
    }
    const v = decode(out.values);
    return (ctx) => paint(ctx, side, (k) => {
      let x = v[k] / 255 * 2 - 1;
      if (discretize) x = x >= 0 ? 0.75 : -0.75;
      return diverging(x * 0.85);
    });
  }
  // the output map of a frame, painted once however many places show it
  function outputFor(f, side, discretize) {
    if (!f._img || f._disc !== discretize) { f._img = outputImage(f.output, side, discretize)(); f._disc = discretize; }
    return f._img;
  }
  function neuronImage(n, side) { const v = decode(n.values); return paint(null, side, (k) => diverging((v[k] / 255 * 2 - 1) * 0.9)); }
  const FEATURE_FN = { x1: (a, b) => a, x2: (a, b) => b, x1sq: (a, b) => a * a, x2sq: (a, b) => b * b, x1x2: (a, b) => a * b,
    sinx1: (a) => Math.sin(a), sinx2: (a, b) => Math.sin(b), cosx1: (a) => Math.cos(a), cosx2: (a, b) => Math.cos(b) };
  function featureImage(name, side, domain) {
    const vals = [];
    for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) {
      const x1 = ((c + 0.5) / side * 2 - 1) * domain, x2 = (1 - (r + 0.5) / side * 2) * domain;
      vals.push(FEATURE_FN[name](x1, x2));
    }
    const m = Math.max(...vals.map(Math.abs)) || 1;
    return paint(null, side, (k) => diverging(vals[k] / m * 0.9));
  }

  // ------------------------------------------------------------------ drawing
  function draw() {
    const f = pg.frame;
    if (!f || !pg.data) return;
    $("epoch-count").textContent = String(f.epoch).padStart(6, "0");
    $("update-count").textContent = f.update;
    $("lr-now").textContent = f.lr.toPrecision(3);
    $("train-loss").textContent = f.train_loss === null ? "NaN" : f.train_loss.toFixed(4);
    $("test-loss").textContent = f.test_loss === null ? "NaN" : f.test_loss.toFixed(4);
    updatePlay();
    drawHeatmap($("heatmap"), f, pg.data, client.discretize, client.show_test);
    drawNetwork(f);
    const now = performance.now();
    if (now - lastCharts > 100 || !f.playing) {       // charts at most ten times a second
      lastCharts = now;
      drawCharts(f);
      if (f.flow) drawVerdicts(f.flow);
    }
  }
  let lastCharts = 0;
  function updatePlay() { $("play").innerHTML = pg.playing ? "&#10074;&#10074;" : "&#9654;"; }
  function drawHeatmap(canvas, f, data, discretize, showTest) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    const img = outputFor(f, data.output_grid, discretize);
    ctx.imageSmoothingEnabled = !discretize;
    ctx.drawImage(img, 0, 0, W, H);
    const d = data.domain, n = data.y.length;
    for (let k = 0; k < n; k++) {
      const test = k >= data.n_train;
      if (test && !showTest) continue;
      const px = (data.x[2 * k] + d) / (2 * d) * W, py = (d - data.x[2 * k + 1]) / (2 * d) * H;
      let c;
      if (data.task === "regression") c = diverging(Math.max(-1, Math.min(1, data.y[k])));
      else c = data.classes > 2 ? CLASS_COLORS[data.y[k]] : (data.y[k] ? BLUE : ORANGE);
      ctx.beginPath(); ctx.arc(px, py, 3.2, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${c.map(Math.round).join(",")})`; ctx.fill();
      ctx.lineWidth = test ? 1.6 : 0.8; ctx.strokeStyle = test ? "#000" : "#fff"; ctx.stroke();
    }
    if (pg.selected && canvas.id === "heatmap") {
      const k = Number($("point").value) || 0;
      if (k < data.n_train) {
        const px = (data.x[2 * k] + d) / (2 * d) * W, py = (d - data.x[2 * k + 1]) / (2 * d) * H;
        ctx.beginPath(); ctx.arc(px, py, 7, 0, 2 * Math.PI); ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.stroke();
      }
    }
  }

  // the network: columns of nodes (features, hidden layers, output), edges between them
  let net = null;
  function layoutNetwork() {
    const canvas = $("network"), sizes = pg.data.layers, W = canvas.width;
    const maxN = Math.max(...sizes), H = Math.max(300, Math.min(900, maxN * 40 + 30));
    canvas.height = H;
    const gap = (H - 20) / maxN, node = Math.max(4, Math.min(34, gap * 0.78));
    const cols = sizes.map((n, c) => {
      const x = 50 + c * (W - 100) / (sizes.length - 1), top = (H - n * gap) / 2 + gap / 2;
      return Array.from({ length: n }, (_, i) => ({ x, y: top + i * gap }));
    });
    const featureImgs = pg.config.features.map((name) => featureImage(name, pg.data.neuron_grid, pg.data.domain));
    net = { cols, node, featureImgs, sizes };
  }
  // a point 30 % along an edge as drawn, in CSS pixels from the canvas's corner
  pg.edgePoint = (l, i, j) => {
    const c = $("network"), s = c.getBoundingClientRect().width / c.width, a = net.cols[l][i], b = net.cols[l + 1][j];
    const ax = a.x + net.node / 2, bx = b.x - net.node / 2, t = 0.3;
    return { x: (ax + t * (bx - ax)) * s, y: (a.y + t * (b.y - a.y)) * s };
  };
  // the centre of node j of column c (0: the features), in CSS pixels from the canvas's corner
  pg.nodePoint = (c, j) => {
    const cv = $("network"), s = cv.getBoundingClientRect().width / cv.width, p = net.cols[c][j];
    return { x: p.x * s, y: p.y * s };
  };
  function edgeValues(f) {
    if (client.edges === "gradients" && f.flow) return f.flow.grads;
    return f.weights;
  }
  function drawNetwork(f) {
    if (!net) return;
    const canvas = $("network"), ctx = canvas.getContext("2d"), { cols, node, sizes } = net;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const values = edgeValues(f);
    let maxAbs = 1e-12;
    for (let l = 0; l < sizes.length - 1; l++) for (const w of values[2 * l]) maxAbs = Math.max(maxAbs, Math.abs(w));
    for (let l = 0; l < sizes.length - 1; l++) {
      const kernel = values[2 * l], nOut = sizes[l + 1];
      for (let i = 0; i < sizes[l]; i++) for (let j = 0; j < nOut; j++) {
        const w = kernel[i * nOut + j], a = cols[l][i], b = cols[l + 1][j];
        const sel = pg.selected && pg.selected.param === 2 * l && pg.selected.index === i * nOut + j;
        ctx.beginPath(); ctx.moveTo(a.x + node / 2, a.y); ctx.lineTo(b.x - node / 2, b.y);
        const c = w < 0 ? ORANGE : BLUE;
        ctx.strokeStyle = sel ? "#000" : `rgba(${c.join(",")},${0.35 + 0.65 * Math.min(1, Math.abs(w) / maxAbs)})`;
        ctx.lineWidth = sel ? 4 : 0.4 + 5 * Math.min(1, Math.abs(w) / maxAbs);
        ctx.stroke();
      }
    }
    let neuron = 0;
    cols.forEach((col, c) => col.forEach((p, j) => {
      let img;
      if (c === 0) img = net.featureImgs[j];
      else if (c < cols.length - 1) img = neuronImage(f.neurons[neuron++], pg.data.neuron_grid);
      else img = outputFor(f, pg.data.output_grid, client.discretize);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(img, p.x - node / 2, p.y - node / 2, node, node);
      const sel = pg.selected && pg.selected.param === 2 * (c - 1) + 1 && pg.selected.index === j;
      ctx.strokeStyle = sel ? "#000" : "#666"; ctx.lineWidth = sel ? 3 : 1;
      ctx.strokeRect(p.x - node / 2, p.y - node / 2, node, node);
    }));
    ctx.fillStyle = "#555"; ctx.font = "11px sans-serif";
    const fl = { x1: "x₁", x2: "x₂", x1sq: "x₁²", x2sq: "x₂²", x1x2: "x₁x₂", sinx1: "sin x₁", sinx2: "sin x₂", cosx1: "cos x₁", cosx2: "cos x₂" };
    pg.config.features.forEach((name, i) => ctx.fillText(fl[name], 2, cols[0][i].y + 4));
    if (f.flow) f.flow.verdicts.forEach((v, l) => {
      ctx.fillStyle = { vanishing: "#7b1fa2", exploding: "#c62828", healthy: "#2e7d32" }[v.label];
      ctx.fillText(v.label, cols[l + 1][0].x - 24, 12);
    });
  }
  function hitNetwork(ev) {
    if (!net || !pg.frame) return null;
    const canvas = $("network"), r = canvas.getBoundingClientRect();
    const x = (ev.clientX - r.left) * canvas.width / r.width, y = (ev.clientY - r.top) * canvas.height / r.height;
    const { cols, node, sizes } = net;
    for (let c = 1; c < cols.length; c++) for (let j = 0; j < cols[c].length; j++) {
      const p = cols[c][j];
      if (Math.abs(x - p.x) <= node / 2 && Math.abs(y - p.y) <= node / 2) return { param: 2 * (c - 1) + 1, index: j, node: [c, j] };
    }
    for (let j = 0; j < cols[0].length; j++) {
      const p = cols[0][j];
      if (Math.abs(x - p.x) <= node / 2 && Math.abs(y - p.y) <= node / 2) return { feature: j, node: [0, j] };
    }
    let best = null, bestD = 6;
    for (let l = 0; l < sizes.length - 1; l++) for (let i = 0; i < sizes[l]; i++) for (let j = 0; j < sizes[l + 1]; j++) {
      const a = cols[l][i], b = cols[l + 1][j];
      const ax = a.x + node / 2, bx = b.x - node / 2, dx = bx - ax, dy = b.y - a.y;
      const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - a.y) * dy) / (dx * dx + dy * dy)));
      const d = Math.hypot(x - (ax + t * dx), y - (a.y + t * dy));
      if (d < bestD) { bestD = d; best = { param: 2 * l, index: i * sizes[l + 1] + j }; }
    }
    return best;
  }
  function selectWeight(sel) {
    pg.selected = sel;
    const f = pg.frame;
    $("weight-panel").classList.remove("hidden");
    $("weight-value").value = +f.weights[sel.param][sel.index].toPrecision(6);
    $("weight-name").textContent = "";
    $("chain").textContent = "…";
    requestExplain();
    schedule();
  }
  function requestExplain() {
    if (!pg.selected) return;
    const point = Math.max(0, Math.min(pg.data.n_train - 1, Number($("point").value) || 0));
    send({ type: "explain", param: pg.selected.param, index: pg.selected.index, point });
  }
  let lastExplained = -1;
  function maybeReexplain(f) {
    if (pg.selected && !f.playing && f.update !== lastExplained) { lastExplained = f.update; requestExplain(); }
  }

  // ------------------------------------------------------------------ charts (uPlot)
  let lossPlot = null, gradPlot = null, weightPlot = null, lrPlot = null, lrData = null;
  function resetCharts() {
    pg.curve = { update: [], train: [], test: [] };
    pg.flowHist = { update: [], grad: [], weight: [] };
    for (const p of [lossPlot, gradPlot, weightPlot]) if (p) p.destroy();
    lossPlot = gradPlot = weightPlot = null;
  }
  function record(f) {
    const c = pg.curve;
    if (c.update.length && f.update < c.update[c.update.length - 1]) resetCharts();
    if (!c.update.length || c.update[c.update.length - 1] !== f.update) {
      c.update.push(f.update); c.train.push(f.train_loss); c.test.push(f.test_loss);
      if (f.flow) { pg.flowHist.update.push(f.update); pg.flowHist.grad.push(f.flow.grad_norm); pg.flowHist.weight.push(f.flow.weight_norm); }
      if (c.update.length > 1500) {
        for (const k of ["update", "train", "test"]) c[k] = c[k].filter((_, i) => i % 2 === 0);
        for (const k of ["update", "grad", "weight"]) pg.flowHist[k] = pg.flowHist[k].filter((_, i) => i % 2 === 0);
      }
    }
    maybeReexplain(f);
  }
  function number(v) {
    if (v === null || v === undefined) return "";
    const a = Math.abs(v);
    return a !== 0 && (a >= 1e4 || a < 1e-3) ? v.toExponential(0) : String(+v.toPrecision(3));
  }
  const PALETTE = ["#0877bd", "#f59322", "#2e7d32", "#7b1fa2", "#c62828", "#00838f", "#6d4c41", "#455a64", "#ad1457", "#9e9d24", "#3949ab"];
  function plot(el, title, series, data, opts) {
    return new uPlot(Object.assign({
      title, width: 360, height: 150, legend: { show: true }, scales: { x: { time: false } },
      series: [{ label: "update" }].concat(series.map((s, i) => Object.assign({ stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true }, s))),
      axes: [{ size: 30 }, { size: 56, values: (u, vals) => vals.map(number) }],
    }, opts || {}), data, el);
  }
  function drawCharts() {
    const c = pg.curve;
    if (!lossPlot) lossPlot = plot($("loss-chart"), "loss", [{ label: "train" }, { label: "test", dash: [4, 3] }], [[], [], []]);
    lossPlot.setData([c.update, c.train, c.test]);
    const h = pg.flowHist;
    if (!h.update.length) return;
    const nl = h.grad[0].length;
    const layerSeries = Array.from({ length: nl }, (_, l) => ({ label: l === nl - 1 ? "output" : `layer ${l + 1}` }));
    const logy = { scales: { x: { time: false }, y: { distr: 3 } } };
    if (!gradPlot || gradPlot.series.length !== nl + 1) {
      if (gradPlot) gradPlot.destroy(); if (weightPlot) weightPlot.destroy();
      $("grad-chart").innerHTML = ""; $("weight-chart").innerHTML = "";
      gradPlot = plot($("grad-chart"), "‖∂E/∂W‖ per layer (log)", layerSeries, [[]].concat(layerSeries.map(() => [])), logy);
      weightPlot = plot($("weight-chart"), "‖W‖ per layer", layerSeries, [[]].concat(layerSeries.map(() => [])));
    }
    const pos = (v) => (v === null || v <= 0 ? null : v);
    gradPlot.setData([h.update].concat(layerSeries.map((_, l) => h.grad.map((g) => pos(g[l])))));
    weightPlot.setData([h.update].concat(layerSeries.map((_, l) => h.weight.map((g) => g[l]))));
    if (lrPlot && pg.frame) lrPlot.redraw(false, false);
  }
  function drawLrChart(s) {
    lrData = s;
    if (lrPlot) lrPlot.destroy();
    $("lr-chart").innerHTML = "";
    lrPlot = plot($("lr-chart"), "η_t (the line marks the current step t)", [{ label: "η" }], [s.steps, s.lr], {
      height: 120, hooks: { draw: [(u) => {
        if (!pg.frame) return;
        const x = u.valToPos(pg.frame.t, "x", true), ctx = u.ctx;
        ctx.save(); ctx.strokeStyle = "#c62828"; ctx.lineWidth = 2; ctx.beginPath();
        ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke(); ctx.restore();
      }] },
    });
  }
  function drawVerdicts(flow) {
    const ul = $("verdicts");
    ul.innerHTML = "";
    flow.verdicts.forEach((v, l) => {
      const li = document.createElement("li");
      li.className = v.label;
      li.textContent = `${l === flow.verdicts.length - 1 ? "output" : "layer " + (l + 1)}: ${v.label} — ${v.reason}`;
      ul.appendChild(li);
    });
  }

  // ------------------------------------------------------------------ comparison
  function startCompare(spec, base) {
    stopCompare();
    const [key, values] = spec.split(":");
    if (!key || !values) { showError(`compare: expected key:value1,value2, got ${spec}`); return; }
    const list = values.split(",").filter(Boolean).slice(0, 4);
    $("compare").classList.remove("hidden");
    list.forEach((value, k) => {
      const run = { label: `${key} = ${value}`, frame: null, data: null, curve: { update: [], train: [] } };
      const fig = document.createElement("figure"), cv = document.createElement("canvas"), cap = document.createElement("figcaption");
      cv.width = 220; cv.height = 220; cap.textContent = run.label; fig.append(cv, cap); $("compare-panels").appendChild(fig);
      run.canvas = cv; run.caption = cap;
      const update = {};
      const defaults = pg.catalogue.defaults;
      update[key] = key === "activations" ? base.layers.map(() => value) : decodeValue(value, defaults[key]);
      run.ws = connect((msg, ws) => {
        if (msg.type === "hello") send({ type: "config", config: Object.assign({}, base, update) }, ws);
        else if (msg.type === "data") { run.data = msg; run.curve = { update: [], train: [] }; }
        else if (msg.type === "frame") {
          run.frame = msg;
          if (!run.curve.update.length || run.curve.update[run.curve.update.length - 1] !== msg.update) {
            run.curve.update.push(msg.update); run.curve.train.push(msg.train_loss);
          }
          requestAnimationFrame(() => { drawCompare(run); send({ type: "ack" }, ws); });
        } else if (msg.type === "error") { cap.textContent = run.label + ": " + msg.message; pg.errors.push(msg.message); }
        else if (msg.type === "diverged") cap.textContent = `${run.label}: diverged at update ${msg.update}`;
      });
      pg.compare.push(run);
    });
  }
  let comparePlot = null;
  function drawCompare(run) {
    if (!run.frame || !run.data) return;
    drawHeatmap(run.canvas, run.frame, run.data, client.discretize, false);
    run.caption.textContent = `${run.label}: loss ${run.frame.train_loss === null ? "NaN" : run.frame.train_loss.toFixed(4)} (update ${run.frame.update})`;
    const xs = [...new Set(pg.compare.flatMap((r) => r.curve.update))].sort((a, b) => a - b);
    const series = pg.compare.map((r) => { const m = new Map(r.curve.update.map((u, i) => [u, r.curve.train[i]])); return xs.map((x) => (m.has(x) ? m.get(x) : null)); });
    if (!comparePlot) comparePlot = plot($("compare-chart"), "training loss, side by side", pg.compare.map((r) => ({ label: r.label })), [xs, ...series], { width: 700, height: 220 });
    comparePlot.setData([xs, ...series]);
    pg.compareFrames = (pg.compareFrames || 0) + 1;
  }
  function stopCompare() {
    for (const r of pg.compare) { const ws = r.ws; r.ws = null; ws.close(); }
    pg.compare = [];
    if (comparePlot) { comparePlot.destroy(); comparePlot = null; }
    $("compare-panels").innerHTML = ""; $("compare-chart").innerHTML = "";
    $("compare").classList.add("hidden");
  }

  // ------------------------------------------------------------------ export
  function download(msg) {
    let blob;
    if (msg.encoding === "base64") blob = new Blob([decode(msg.data)], { type: "application/octet-stream" });
    else blob = new Blob([msg.data], { type: "text/plain" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = msg.filename;
    document.body.appendChild(a); a.click(); a.remove();
  }

  // ------------------------------------------------------------------ wiring
  function wire() {
    $("play").onclick = () => { send({ type: pg.playing ? "pause" : "play" }); pg.playing = !pg.playing; updatePlay(); hideError(); };
    $("step").onclick = () => send({ type: "step" });
    $("epoch").onclick = () => send({ type: "epoch" });
    $("run").onclick = () => send({ type: "run", epochs: Number($("run-n").value) || 1 });
    $("reset").onclick = () => { send({ type: "reset", new_weights: false }); $("alert").classList.add("hidden"); };
    $("reset-new").onclick = () => { send({ type: "reset", new_weights: true }); $("alert").classList.add("hidden"); };
    $("snapshot").onclick = () => send({ type: "snapshot" });
    $("rewind").onclick = () => send({ type: "rewind" });
    $("regenerate").onclick = () => sendConfig({ data_seed: (pg.config.data_seed + 1) % 2147483647 });
    $("layer-add").onclick = () => {
      const c = pg.config, lim = pg.catalogue.limits.hidden_layers;
      if (c.layers.length >= lim) { showError(`Limit reached: at most ${lim} hidden layers.`); return; }
      sendConfig({ layers: c.layers.concat([4]), activations: c.activations.concat([c.activations[c.activations.length - 1] || "tanh"]) });
    };
    $("layer-remove").onclick = () => {
      const c = pg.config;
      if (c.layers.length) sendConfig({ layers: c.layers.slice(0, -1), activations: c.activations.slice(0, -1) });
    };
    $("gd").onchange = () => {
      const kind = $("gd").value;
      sendConfig({ batch_size: kind === "batch" ? 0 : kind === "stochastic" ? 1 : Math.max(2, pg.config.batch_size > 1 ? pg.config.batch_size : 10) });
    };
    $("upload").onchange = () => {
      const file = $("upload").files[0];
      if (!file) return;
      file.text().then((text) => send({ type: "upload", csv: text }));
      $("upload").value = "";
    };
    $("show-test").onchange = () => { client.show_test = $("show-test").checked; writeHash(); schedule(); };
    $("discretize").onchange = () => { client.discretize = $("discretize").checked; writeHash(); schedule(); };
    $("edges").onchange = () => { client.edges = $("edges").value; writeHash(); schedule(); };
    $("alert-close").onclick = () => $("alert").classList.add("hidden");
    // a fix, then the same initial weights again (those before the blow-up are often already too large)
    $("fix-clip").onclick = () => { $("alert").classList.add("hidden"); sendConfig({ clip: "global_norm", clip_at: 1.0 }); send({ type: "reset", new_weights: false }); };
    $("fix-lr").onclick = () => { $("alert").classList.add("hidden"); sendConfig({ lr: pg.config.lr / 2 }); send({ type: "reset", new_weights: false }); };
    $("network").addEventListener("click", (ev) => { const hit = hitNetwork(ev); if (hit && hit.param !== undefined) selectWeight(hit); });
    $("network").addEventListener("mousemove", (ev) => {
      const hit = hitNetwork(ev), zoom = $("zoom");
      if (!hit || !hit.node || !pg.frame) { zoom.classList.add("hidden"); return; }
      const [c, j] = hit.node, { cols } = net;
      let img;
      if (c === 0) img = net.featureImgs[j];
      else if (c < cols.length - 1) { let k = j; for (let l = 1; l < c; l++) k += cols[l].length; img = neuronImage(pg.frame.neurons[k], pg.data.neuron_grid); }
      else img = outputImage(pg.frame.output, pg.data.output_grid, client.discretize)();
      const zctx = zoom.getContext("2d");
      zctx.imageSmoothingEnabled = true; zctx.drawImage(img, 0, 0, zoom.width, zoom.height);
      const canvas = $("network"), r = canvas.getBoundingClientRect(), scale = r.width / canvas.width;
      zoom.style.left = (cols[c][j].x * scale + 24) + "px"; zoom.style.top = Math.max(0, cols[c][j].y * scale - 80) + "px";
      zoom.classList.remove("hidden");
    });
    $("network").addEventListener("mouseleave", () => $("zoom").classList.add("hidden"));
    $("weight-set").onclick = () => { if (pg.selected) send({ type: "set_weight", param: pg.selected.param, index: pg.selected.index, value: Number($("weight-value").value) }); };
    $("point").onchange = () => { requestExplain(); schedule(); };
    $("heatmap").addEventListener("click", (ev) => {
      if (!pg.data) return;
      const cv = $("heatmap"), r = cv.getBoundingClientRect(), d = pg.data.domain;
      const x1 = ((ev.clientX - r.left) / r.width * 2 - 1) * d, x2 = (1 - (ev.clientY - r.top) / r.height * 2) * d;
      let best = 0, bd = Infinity;
      for (let k = 0; k < pg.data.n_train; k++) { const dd = Math.hypot(pg.data.x[2 * k] - x1, pg.data.x[2 * k + 1] - x2); if (dd < bd) { bd = dd; best = k; } }
      $("point").value = best;
      requestExplain(); schedule();
    });
    for (const [id, what] of [["export-csv", "csv"], ["export-model", "model"], ["export-script", "script"]]) $(id).onclick = () => send({ type: "export", what });
    $("compare-start").onclick = () => { client.compare = `${$("vary").value}:${$("vary-values").value}`; writeHash(); startCompare(client.compare, pg.config); };
    $("compare-close").onclick = () => { client.compare = ""; writeHash(); stopCompare(); };
    $("compare-play").onclick = () => pg.compare.forEach((r) => send({ type: "play" }, r.ws));
    $("compare-pause").onclick = () => pg.compare.forEach((r) => send({ type: "pause" }, r.ws));
    $("compare-reset").onclick = () => pg.compare.forEach((r) => send({ type: "reset", new_weights: false }, r.ws));
    window.addEventListener("hashchange", () => { if (pg.catalogue) applyHash(); });
  }

  wire();
  pg.ws = connect(onMessage);
})();
