// The modnas dashboard page: follows the server's event stream and fetches only what is new.
// Every string from a run reaches the page through textContent, never as markup.
"use strict";

const runs = [];          // per run: { id, status, trials: [], epochs: [], curve: [], alphas: [], workers }
let batches = [];         // compare and pipeline directories, as /api/batches gives them
let sortKey = "index", sortDesc = false;
const charts = {};

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};
const getJson = (url) => fetch(url).then((r) => (r.ok ? r.json() : Promise.reject(new Error(url))));
const fmt = (v) => (v === null || v === undefined ? "–" : typeof v === "number" ? (Number.isInteger(v) ? v : v.toPrecision(5)) : v);
const secs = (s) => (s === null || s === undefined ? "–" : s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);
const archText = (arch) => Object.entries(arch || {}).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`).join(" ");

async function update(change) {
  const run = runs[change.id] || (runs[change.id] = { id: change.id, trials: [], epochs: [], curve: [], alphas: [] });
  const base = `/api/runs/${change.id}`;
  const [status, page, epochs, curve] = await Promise.all([
    getJson(`${base}/status`), getJson(`${base}/trials?since=${run.trials.length}`),
    getJson(`${base}/epochs?since=${run.epochs.length}`), getJson(`${base}/curve`)]);
  if (page.since < run.trials.length) run.trials.length = page.since;
  run.trials.push(...page.trials);
  if (epochs.since < run.epochs.length) run.epochs.length = epochs.since;
  run.epochs.push(...epochs.epochs);
  run.status = status;
  run.curve = curve;
  if (change.alphas !== run.alphas.length) run.alphas = await getJson(`${base}/alphas`);
  if (status.distributed) run.workers = await getJson(`${base}/workers`);
}

function renderRuns() {
  const box = document.getElementById("runs");
  box.replaceChildren(...runs.filter(Boolean).map((r) => {
    const s = r.status;
    const budget = s.budget ? `${s.done} / ${s.budget}` : `${s.done}`;
    const rows = [["estimator", s.estimator], ["optimizer", s.optimizer], ["space size", fmt(s.space_size)],
      ["trials", budget], ["failed", s.failed], [`best ${s.objective}`, fmt(s.best)], ["elapsed", secs(s.elapsed_seconds)],
      ["remaining", secs(s.remaining_seconds)]];
    if (s.in_flight != null) rows.splice(4, 0, ["in flight", s.in_flight]);
    rows.unshift(["state", s.running ? "running" : "stopped"]);
    if (s.malformed_lines) rows.push(["skipped lines", s.malformed_lines]);
    return el("div", { class: "run", "data-run": r.id }, el("span", { class: "name" }, s.name),
      el("dl", {}, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])));
  }));
  const select = document.getElementById("trial-run");
  if (select.options.length !== runs.filter(Boolean).length) {
    select.replaceChildren(...runs.filter(Boolean).map((r) => el("option", { value: r.id }, r.status.name)));
  }
}

function chart(name, opts, data, target) {
  const box = document.getElementById(target);
  const width = Math.max(300, box.clientWidth || 500);
  if (charts[name]) charts[name].destroy();
  charts[name] = new uPlot({ width, height: 260, ...opts }, data, box);
}

function renderCurve() {
  // Best so far against the trial, the trials' seconds, or the epochs trained (compute).
  const axis = document.getElementById("curve-x").value;
  const x = (p) => (axis === "seconds" ? p.seconds : axis === "epochs" ? p.epochs : p.trial);
  const live = runs.filter((r) => r && r.curve.length);
  if (!live.length) return;
  const xs = [...new Set(live.flatMap((r) => r.curve.map(x)))].sort((a, b) => a - b);
  const series = live.map((r) => {
    const at = new Map(r.curve.map((p) => [x(p), p.best]));
    let last = null;
    return xs.map((x) => (at.has(x) ? (last = at.get(x)) : last));
  });
  const colors = ["#5b8ff9", "#e8684a", "#5ad8a6", "#9270ca", "#f6bd16", "#6dc8ec"];
  const label = { seconds: "seconds", epochs: "epochs trained", trial: "trial" }[axis];
  chart("curve", { scales: { x: { time: false } }, axes: [{ label }, {}],
    series: [{}, ...live.map((r, i) => ({ label: r.status.name, stroke: colors[i % colors.length], width: 2 }))] },
  [xs, ...series], "curve");
}

// Each trial's learning curve from the epochs it reported, drawn while it trains: the
// objective where epochs were scored (a pruner asks for it), else the training loss. The
// latest 40 trials; one in training is drawn bold, a pruned one dashed, a failed one grey.
function renderLearning(run) {
  const panel = document.getElementById("learning-panel");
  panel.hidden = !run.epochs.length;
  if (!run.epochs.length) return;
  const objective = run.status.objective;
  const key = run.epochs.some((r) => r.metrics[objective] != null) ? objective : "train_loss";
  const byTrial = new Map();
  for (const r of run.epochs) {
    const v = r.metrics[key];
    if (v == null) continue;
    if (!byTrial.has(r.trial)) byTrial.set(r.trial, new Map());
    byTrial.get(r.trial).set(r.epoch, v);  // a re-trained epoch (resume) replaces its first report
  }
  const ids = [...byTrial.keys()].sort((a, b) => a - b).slice(-40);
  const xs = [...new Set(ids.flatMap((t) => [...byTrial.get(t).keys()]))].sort((a, b) => a - b);
  const recorded = new Map(run.trials.map((t) => [t.index, t]));
  const style = (t) => {
    const rec = recorded.get(t);
    if (!rec) return { label: `trial ${t}, training`, stroke: "#e8684a", width: 3 };
    if (rec.error) return { label: `trial ${t}, failed`, stroke: "#bbbbbb", width: 1 };
    if (rec.pruned) return { label: `trial ${t}, pruned at epoch ${rec.epochs}`, stroke: "#9270ca", width: 1, dash: [4, 4] };
    return { label: `trial ${t}`, stroke: "#5b8ff9", width: 1.5 };
  };
  const counts = ids.map((t) => (recorded.get(t) ? (recorded.get(t).pruned ? "pruned" : "done") : "training"));
  const n = (w) => counts.filter((c) => c === w).length;
  document.getElementById("learning-hint").textContent =
    `${key} per epoch of the latest ${ids.length} trials: ${n("training")} training (bold), ${n("pruned")} pruned (dashed), ${n("done")} finished.`;
  chart("learning", { scales: { x: { time: false } }, legend: { show: false },
    axes: [{ label: "epoch" }, { label: key }], series: [{}, ...ids.map(style)] },
  [xs, ...ids.map((t) => xs.map((x) => byTrial.get(t).get(x) ?? null))], "learning");
}

function metricKeys(run) {
  const keys = new Set();
  for (const t of run.trials) Object.keys(t.metrics || {}).forEach((k) => keys.add(k));
  return [...keys];
}

// The trials no other trial beats in both metrics (lower x better unless `xHigh`, likewise y).
function paretoFront(pts, kx, ky, xHigh, yHigh) {
  const better = (a, b, high) => (high ? a > b : a < b);
  return pts.filter((p) => !pts.some((q) => q !== p
    && !better(p.metrics[kx], q.metrics[kx], xHigh) && !better(p.metrics[ky], q.metrics[ky], yHigh)
    && (better(q.metrics[kx], p.metrics[kx], xHigh) || better(q.metrics[ky], p.metrics[ky], yHigh))));
}

function renderScatter(run) {
  const keys = metricKeys(run);
  for (const [id, pick] of [["scatter-x", 1], ["scatter-y", 0]]) {
    const s = document.getElementById(id);
    if (s.options.length !== keys.length) {
      s.replaceChildren(...keys.map((k) => el("option", { value: k }, k)));
      s.value = id === "scatter-y" && keys.includes(run.status.objective) ? run.status.objective : keys[Math.min(pick, keys.length - 1)] || "";
    }
  }
  const kx = document.getElementById("scatter-x").value, ky = document.getElementById("scatter-y").value;
  // The objective is better in the run's direction; every other metric (a cost) when lower.
  const high = (k) => (k === run.status.objective ? run.status.maximize : false);
  const pts = run.trials.filter((t) => !t.error && t.metrics[kx] != null && t.metrics[ky] != null)
    .sort((a, b) => a.metrics[kx] - b.metrics[kx]);
  if (!pts.length) return;
  const front = new Set(paretoFront(pts, kx, ky, high(kx), high(ky)));
  document.getElementById("scatter-front").textContent =
    `${front.size} of ${pts.length} trials on the front (${high(kx) ? "higher" : "lower"} ${kx}, ${high(ky) ? "higher" : "lower"} ${ky} better)`;
  chart("scatter", {
    scales: { x: { time: false } }, axes: [{ label: kx }, { label: ky }],
    series: [{}, { label: ky, stroke: "#5b8ff9", paths: () => null, points: { show: true, size: 6 } },
      { label: "front", stroke: "#e8684a", width: 2, spanGaps: true, points: { show: true, size: 8 } }],
    cursor: { dataIdx: (u, si, i) => i },
    hooks: { setCursor: [(u) => {
      const t = pts[u.cursor.idx];
      document.getElementById("scatter-hover").textContent = t ? `trial ${t.index}: ${archText(t.arch)}` : "";
    }] },
  }, [pts.map((t) => t.metrics[kx]), pts.map((t) => t.metrics[ky]), pts.map((t) => (front.has(t) ? t.metrics[ky] : null))], "scatter");
}

const SVG = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs = {}, text) => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
};
const quantile = (sorted, q) => {
  const i = (sorted.length - 1) * q, lo = Math.floor(i), hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
};

// One strip plot per searched parameter: every successful trial's objective by the value the
// parameter took, over a box from the first to the third quartile and a line at the median.
function renderImportance(run) {
  const key = run.status.objective, box = document.getElementById("importance");
  const byParam = new Map();
  for (const t of run.trials) {
    const v = t.metrics[key];
    if (t.error || v == null) continue;
    for (const [p, value] of Object.entries(t.arch || {})) {
      const label = typeof value === "object" ? JSON.stringify(value) : String(value);
      if (!byParam.has(p)) byParam.set(p, new Map());
      const m = byParam.get(p);
      if (!m.has(label)) m.set(label, []);
      m.get(label).push(v);
    }
  }
  const all = [...byParam.values()].flatMap((m) => [...m.values()].flat());
  const lo = Math.min(...all), hi = Math.max(...all), span = hi > lo ? hi - lo : 1;
  const [H, top, bottom, left, colW] = [160, 30, 34, 60, 56];
  const y = (v) => top + (H - top - bottom) * (1 - (v - lo) / span);
  box.replaceChildren(...[...byParam].map(([p, values]) => {
    const svg = svgEl("svg", { width: left + colW * values.size + 8, height: H, class: "strip", "data-param": p });
    svg.append(svgEl("text", { x: 0, y: 12, "font-weight": "bold" }, p));
    for (const v of [lo, hi]) svg.append(svgEl("text", { x: 0, y: y(v) + 4 }, fmt(v)));
    [...values].forEach(([label, vs], i) => {
      const cx = left + colW * i + colW / 2, sorted = [...vs].sort((a, b) => a - b);
      const [q1, med, q3] = [0.25, 0.5, 0.75].map((q) => quantile(sorted, q));
      const g = svgEl("g", { "data-value": label });
      g.append(svgEl("title", {}, `${p}=${label}: ${vs.length} trials, median ${fmt(med)}, best ${fmt(run.status.maximize ? sorted[sorted.length - 1] : sorted[0])}`));
      g.append(svgEl("rect", { x: cx - 14, y: y(q3), width: 28, height: Math.max(1, y(q1) - y(q3)), fill: "#dde7fd", stroke: "#5b8ff9" }));
      g.append(svgEl("line", { x1: cx - 14, x2: cx + 14, y1: y(med), y2: y(med), stroke: "#1d4ed8", "stroke-width": 2 }));
      vs.forEach((v, k) => g.append(svgEl("circle", { cx: cx - 10 + ((k * 7) % 21), cy: y(v), r: 2.5, fill: "#e8684a", "fill-opacity": 0.7 })));
      g.append(svgEl("text", { x: cx, y: H - 18, "text-anchor": "middle" }, label.length > 9 ? label.slice(0, 8) + "…" : label));
      g.append(svgEl("text", { x: cx, y: H - 5, "text-anchor": "middle" }, `n=${vs.length}`));
      svg.append(g);
    });
    return svg;
  }));
}

// softmax(α) as one heat-map per cell (the parameter name's part before the first dot): a row
// per edge and candidate, a column per epoch; and the expected cost the run recorded per epoch.
function renderAlphas(run) {
  const panel = document.getElementById("alpha-panel");
  panel.hidden = !run.alphas.length;
  if (!run.alphas.length) return;
  const cells = new Map();
  for (const param of Object.keys(run.alphas[run.alphas.length - 1].params)) {
    const dot = param.indexOf(".");
    const cell = dot > 0 ? param.slice(0, dot) : "edges";
    if (!cells.has(cell)) cells.set(cell, []);
    cells.get(cell).push(param);
  }
  document.getElementById("alphas").replaceChildren(...[...cells].map(([cell, params]) => {
    const head = el("tr", {}, el("td", { class: "label" }, "epoch →"),
      ...run.alphas.map((a) => el("td", { title: `epoch ${a.epoch}` }, "")));
    const rows = params.flatMap((param) => {
      const ops = Object.keys(run.alphas[run.alphas.length - 1].params[param]);
      return ops.map((op, k) => el("tr", { class: k === 0 ? "edge-start" : "", "data-edge": param },
        el("td", { class: "label" }, `${k === 0 ? param.slice(cell.length + 1) || param : ""} ${op}`),
        ...run.alphas.map((a) => {
          const w = (a.params[param] || {})[op];
          const td = el("td", { title: `${param} ${op}, epoch ${a.epoch}: ${w == null ? "–" : w.toFixed(3)}` }, "");
          if (w != null) td.style.background = `rgba(29,78,216,${Math.min(1, w).toFixed(3)})`;
          return td;
        })));
    });
    return el("div", { class: "alpha-cell" }, el("h3", {}, cell), el("table", { class: "alpha-map" }, head, ...rows));
  }));
  const costs = run.trials.filter((t) => t.metrics && t.metrics.expected_cost != null);
  document.getElementById("cost-hint").textContent = costs.length
    ? "Σ softmax(α)·cost over the mixed slots, as the run recorded it (MACs in millions, or milliseconds from its cost table)."
    : "This run records no expected cost: it is recorded when the search sets `cost_weight`.";
  if (costs.length) {
    chart("cost", { scales: { x: { time: false } }, axes: [{ label: "epoch" }, { label: "expected cost" }],
      series: [{}, { label: "expected cost", stroke: "#9270ca", width: 2 }] },
    [costs.map((t) => t.index), costs.map((t) => t.metrics.expected_cost)], "cost");
  }
}

// A comparison's efficiency (objective gained over the baseline per hour) as a heat-map of
// space × optimizer, and a pipeline's finished processes.
function renderBatches() {
  document.getElementById("batch-panel").hidden = !batches.length;
  document.getElementById("batches").replaceChildren(...batches.map((b) => {
    const title = el("h3", {}, `${b.name} (${b.kind}): ${b.runs.length} runs found, ${b.finished} finished`);
    if (b.kind !== "compare") {
      return el("div", { class: "batch" }, title, el("table", {}, el("tbody", {},
        ...b.processes.map((p) => el("tr", {}, el("td", { class: "arch" }, p.process), el("td", {}, secs(p.seconds)))))));
    }
    const spaces = [...new Set(b.cells.map((c) => c.space))], optims = [...new Set(b.cells.map((c) => c.optim))];
    const effs = b.cells.map((c) => c.efficiency).filter((e) => e != null);
    const [lo, hi] = [Math.min(...effs), Math.max(...effs)];
    const table = el("table", { class: "heat efficiency" }, el("thead", {}, el("tr", {}, el("th", { class: "arch" }, "space \\ optimizer"), ...optims.map((o) => el("th", {}, o)))));
    const body = el("tbody");
    for (const space of spaces) {
      body.append(el("tr", {}, el("td", { class: "arch" }, space), ...optims.map((o) => {
        const c = b.cells.find((x) => x.space === space && x.optim === o);
        if (!c) return el("td", {}, "–");
        const td = el("td", { title: `${c.runs} runs, best ${fmt(c.best)}, ${secs(c.wall_seconds)} per run` },
          `${fmt(c.efficiency)} /h`, el("br"), `best ${fmt(c.best)}`);
        if (c.efficiency != null) td.style.background = `rgba(90,216,166,${(hi > lo ? 0.15 + 0.85 * (c.efficiency - lo) / (hi - lo) : 0.5).toFixed(2)})`;
        return td;
      })));
    }
    table.append(body);
    return el("div", { class: "batch" }, title, table);
  }));
}

// A distributed run's workers: what each holds, how long since its heartbeat, what it finished.
function renderWorkers(run) {
  const panel = document.getElementById("worker-panel");
  panel.hidden = !run.workers;
  if (!run.workers) return;
  const w = run.workers;
  document.getElementById("worker-title").textContent = `Workers of ${run.status.name}`;
  document.getElementById("worker-counts").textContent = w.unreachable
    ? `${w.storage}, run ${w.run}: cannot be read now (${w.unreachable}); trying again`
    : `${w.storage}, run ${w.run}: ${w.pending} waiting, ${w.running} held, ${w.done} done, ${w.failed} given up; a held trial is taken back after ${w.heartbeat_timeout} s without a heartbeat${w.finished ? "; finished" : ""}`;
  document.querySelector("#workers tbody").replaceChildren(...w.workers.map((k) =>
    el("tr", { class: k.silent ? "silent" : "", "data-worker": k.name }, el("td", { class: "arch" }, k.name),
      el("td", { class: "arch" }, k.holding.join(", ") || "–"),
      el("td", {}, k.heartbeat_age == null ? "–" : `${k.heartbeat_age.toFixed(1)} s ago${k.silent ? " (silent)" : ""}`),
      el("td", {}, k.done))));
}

function matches(t, filter) {
  if (!filter) return true;
  const eq = filter.indexOf("=");
  if (eq > 0) {
    const [k, v] = [filter.slice(0, eq).trim(), filter.slice(eq + 1).trim()];
    const val = k in (t.metrics || {}) ? t.metrics[k] : (t.arch || {})[k];
    return val !== undefined && String(typeof val === "object" ? JSON.stringify(val) : val) === v;
  }
  return `${t.index} ${archText(t.arch)} ${JSON.stringify(t.metrics)} ${t.error || ""}`.includes(filter);
}

function renderTrials(run) {
  const keys = metricKeys(run);
  const cols = ["index", ...keys, "seconds", "arch"];
  const head = el("tr", {}, ...cols.map((c) => {
    const th = el("th", { class: c === "arch" ? "arch" : "", "data-key": c }, c + (c === sortKey ? (sortDesc ? " ▼" : " ▲") : ""));
    th.onclick = () => { sortDesc = sortKey === c ? !sortDesc : false; sortKey = c; renderTrials(run); };
    return th;
  }));
  const table = document.getElementById("trials");
  table.tHead.replaceChildren(head);
  const value = (t) => (sortKey === "index" || sortKey === "seconds" ? t[sortKey] : sortKey === "arch" ? archText(t.arch) : t.metrics[sortKey]);
  const filter = document.getElementById("filter").value.trim();
  const rows = run.trials.filter((t) => matches(t, filter)).sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    const order = x === y ? 0 : x === undefined || x === null ? 1 : y === undefined || y === null ? -1 : x < y ? -1 : 1;
    return sortDesc ? -order : order;
  });
  table.tBodies[0].replaceChildren(...rows.map((t) => {
    const tr = el("tr", { class: t.error ? "failed" : "", "data-trial": t.index },
      ...cols.map((c) => (c === "arch" ? el("td", { class: "arch" }, t.error ? `failed: ${t.error}` : archText(t.arch))
        : el("td", {}, fmt(c === "index" || c === "seconds" ? t[c] : t.metrics[c])))));
    tr.onclick = () => showTrial(run, run.trials.indexOf(t));
    return tr;
  }));
  document.getElementById("trial-count").textContent = `${rows.length} of ${run.trials.length} trials`;
}

async function showTrial(run, pos) {
  const t = run.trials[pos];
  document.getElementById("detail").hidden = false;
  document.getElementById("detail-title").textContent = `${run.status.name}: trial ${t.index}`;
  document.getElementById("detail-metrics").textContent = JSON.stringify({ metrics: t.metrics, seconds: t.seconds, error: t.error, arch: t.arch }, null, 2);
  const { graphs } = await getJson(`/api/runs/${run.id}/trials/${pos}/arch`);
  document.getElementById("detail-arch").replaceChildren(...graphs.map((name, k) =>
    el("figure", {}, el("img", { src: `/api/runs/${run.id}/trials/${pos}/arch/${k}`, alt: name }), el("figcaption", {}, name))));
}

function render() {
  renderRuns();
  renderBatches();
  renderCurve();
  const run = runs[Number(document.getElementById("trial-run").value)] || runs.find(Boolean);
  if (!run) return;
  renderScatter(run);
  renderImportance(run);
  renderAlphas(run);
  renderLearning(run);
  renderWorkers(run);
  renderTrials(run);
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.addEventListener("runs", async (e) => {
    live.textContent = "live"; live.className = "on";
    try {
      const fetched = Promise.all(JSON.parse(e.data).map(update));
      batches = await getJson("/api/batches");
      await fetched;
      render();
    } catch (err) { console.error(err); }
  });
  source.onerror = () => { live.textContent = "reconnecting…"; live.className = "off"; };
}

for (const id of ["curve-x", "scatter-x", "scatter-y", "trial-run", "filter"]) {
  document.getElementById(id).addEventListener("input", render);
}
connect();
// Heartbeats age between trial events: the shown run's workers are re-read every 2 s.
setInterval(async () => {
  const run = runs[Number(document.getElementById("trial-run").value)];
  if (!run || !run.status || !run.status.distributed || !run.status.running) return;
  try { run.workers = await getJson(`/api/runs/${run.id}/workers`); renderWorkers(run); } catch (err) { console.error(err); }
}, 2000);
