// The modnas dashboard page: follows the server's event stream and fetches only what is new.
// Every string from a run reaches the page through textContent, never as markup.
"use strict";

const runs = [];          // per run: { id, status, trials: [], curve: [], alphas: [] }
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
  const run = runs[change.id] || (runs[change.id] = { id: change.id, trials: [], curve: [], alphas: [] });
  const base = `/api/runs/${change.id}`;
  const [status, page, curve] = await Promise.all([
    getJson(`${base}/status`), getJson(`${base}/trials?since=${run.trials.length}`), getJson(`${base}/curve`)]);
  if (page.since < run.trials.length) run.trials.length = page.since;
  run.trials.push(...page.trials);
  run.status = status;
  run.curve = curve;
  if (change.alphas !== run.alphas.length) run.alphas = await getJson(`${base}/alphas`);
}

function renderRuns() {
  const box = document.getElementById("runs");
  box.replaceChildren(...runs.filter(Boolean).map((r) => {
    const s = r.status;
    const budget = s.budget ? `${s.done} / ${s.budget}` : `${s.done}`;
    const rows = [["estimator", s.estimator], ["optimizer", s.optimizer], ["trials", budget],
      ["failed", s.failed], [`best ${s.objective}`, fmt(s.best)], ["elapsed", secs(s.elapsed_seconds)],
      ["remaining", secs(s.remaining_seconds)]];
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
  const byTime = document.getElementById("curve-x").value === "seconds";
  const live = runs.filter((r) => r && r.curve.length);
  if (!live.length) return;
  const xs = [...new Set(live.flatMap((r) => r.curve.map((p) => (byTime ? p.seconds : p.trial))))].sort((a, b) => a - b);
  const series = live.map((r) => {
    const at = new Map(r.curve.map((p) => [byTime ? p.seconds : p.trial, p.best]));
    let last = null;
    return xs.map((x) => (at.has(x) ? (last = at.get(x)) : last));
  });
  const colors = ["#5b8ff9", "#e8684a", "#5ad8a6", "#9270ca", "#f6bd16", "#6dc8ec"];
  chart("curve", { scales: { x: { time: false } }, axes: [{ label: byTime ? "seconds" : "trial" }, {}],
    series: [{}, ...live.map((r, i) => ({ label: r.status.name, stroke: colors[i % colors.length], width: 2 }))] },
  [xs, ...series], "curve");
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
  const lo = Math.min(...all), hi = Math.max(...all);
  const table = el("table", {}, el("thead", {}, el("tr", {}, el("th", { class: "arch" }, "parameter"),
    el("th", { class: "arch" }, "value"), el("th", {}, "trials"), el("th", {}, `mean ${key}`), el("th", {}, `best ${key}`), el("th", { class: "arch" }, "spread"))));
  const body = el("tbody");
  for (const [p, values] of byParam) {
    for (const [label, vs] of values) {
      const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
      const best = run.status.maximize ? Math.max(...vs) : Math.min(...vs);
      const width = hi > lo ? (100 * (mean - lo)) / (hi - lo) : 50;
      body.append(el("tr", {}, el("td", { class: "arch" }, p), el("td", { class: "arch" }, label), el("td", {}, vs.length),
        el("td", {}, fmt(mean)), el("td", {}, fmt(best)), el("td", { class: "arch" }, el("span", { class: "bar", style: `width:${width.toFixed(0)}px` }))));
    }
  }
  table.append(body);
  box.replaceChildren(table);
}

function renderAlphas(run) {
  const panel = document.getElementById("alpha-panel");
  panel.hidden = !run.alphas.length;
  if (!run.alphas.length) return;
  const slider = document.getElementById("alpha-epoch");
  const atEnd = Number(slider.value) >= Number(slider.max);
  slider.max = run.alphas.length - 1;
  if (atEnd) slider.value = slider.max;
  const snap = run.alphas[Number(slider.value)];
  document.getElementById("alpha-epoch-label").textContent = `${snap.epoch}`;
  const table = el("table", { class: "heat" });
  for (const [edge, weights] of Object.entries(snap.params)) {
    const row = el("tr", {}, el("td", { class: "arch" }, edge));
    for (const [op, w] of Object.entries(weights)) {
      const cell = el("td", { title: `${op}: ${w.toFixed(3)}` }, `${op} ${w.toFixed(2)}`);
      cell.style.background = `rgba(91,143,249,${Math.min(1, w).toFixed(2)})`;
      row.append(cell);
    }
    table.append(row);
  }
  document.getElementById("alphas").replaceChildren(table);
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
  renderCurve();
  const run = runs[Number(document.getElementById("trial-run").value)] || runs.find(Boolean);
  if (!run) return;
  renderScatter(run);
  renderImportance(run);
  renderAlphas(run);
  renderTrials(run);
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.addEventListener("runs", async (e) => {
    live.textContent = "live"; live.className = "on";
    try { await Promise.all(JSON.parse(e.data).map(update)); render(); } catch (err) { console.error(err); }
  });
  source.onerror = () => { live.textContent = "reconnecting…"; live.className = "off"; };
}

for (const id of ["curve-x", "scatter-x", "scatter-y", "trial-run", "filter", "alpha-epoch"]) {
  document.getElementById(id).addEventListener("input", render);
}
connect();
