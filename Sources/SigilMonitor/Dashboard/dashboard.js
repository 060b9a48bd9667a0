// Sigil's live dashboard: reads the bot's server-sent events (/api/stream) and draws them.
// Everything the bot says is put into the page as text (textContent), never as markup.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const keepOutputs = 200, keepAlerts = 100, chartsShown = 6;
  const state = { status: null, alerts: [], outputs: [], prices: new Map(), equity: [], updates: 0, received: 0 };
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, text) {
    const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  const fmt = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : "–");
  const short = (a) => (typeof a === "string" && a.length > 14 ? a.slice(0, 8) + "…" + a.slice(-4) : String(a));
  function num(v) {
    if (!isFinite(v)) return "–";
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e7) ? v.toExponential(3) : v.toPrecision(5);
  }
  function merge(series, part) {
    if (!part || !Array.isArray(part.points)) return series;
    return part.reset ? part.points.slice() : series.concat(part.points);
  }

  function onUpdate(msg) {
    const u = JSON.parse(msg.data);
    for (const o of u.outputs || []) (o.alert ? state.alerts : state.outputs).push(o);
    state.received += (u.outputs || []).length;
    if (state.outputs.length > keepOutputs) state.outputs.splice(0, state.outputs.length - keepOutputs);
    if (state.alerts.length > keepAlerts) state.alerts.splice(0, state.alerts.length - keepAlerts);
    for (const p of u.prices || []) state.prices.set(p.pool, merge(state.prices.get(p.pool) || [], p.series));
    state.equity = merge(state.equity, u.equity);
    state.updates += 1;
    document.body.dataset.updates = String(state.updates);
    document.body.dataset.outputs = String(state.received);
    schedule();
  }
  function onStatus(msg) {
    state.status = JSON.parse(msg.data);
    document.body.dataset.statuses = String(Number(document.body.dataset.statuses) + 1);
    schedule();
  }

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    setTimeout(() => { pending = false; render(); }, 50);
  }

  function render() {
    renderStatus();
    renderPrices();
    renderEquity();
    renderOutputs();
  }

  function renderStatus() {
    const s = state.status;
    if (!s) return;
    const signals = s.signals || {}, alerts = s.alerts || {};
    $("events").textContent = fmt(s.events);
    $("last-block").textContent = fmt(s.lastBlock);
    $("signals").textContent = fmt(signals.buy || 0) + " / " + fmt(signals.sell || 0);
    $("vetoed").textContent = fmt(s.vetoed);
    $("alerts").textContent = fmt(Object.values(alerts).reduce((a, b) => a + b, 0));
    $("alerts").title = Object.entries(alerts).map(([k, v]) => v + " " + k).join(", ");
    $("equity").textContent = s.portfolio ? s.portfolio.equity.toFixed(2) : "–";
    $("portfolio").textContent = s.portfolio
      ? s.portfolio.fills + " fills, PnL " + (s.portfolio.pnl >= 0 ? "+" : "") + s.portfolio.pnl.toFixed(2) : "";
    $("uptime").textContent = "running " + Math.round(s.takenAt - s.startedAt) + " s, since "
      + new Date(s.startedAt * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
    const feeds = $("feeds").tBodies[0];
    feeds.replaceChildren(...(s.feeds || []).map((f) => {
      const rejected = Object.values(f.rejected || {}).reduce((a, b) => a + b, 0);
      const tr = el("tr");
      for (const v of [f.name, f.state, fmt(f.head), fmt(f.closed), fmt(f.lag), f.reconnects, f.rewinds, fmt(f.delivered), rejected, f.slowdowns])
        tr.append(el("td", {}, v));
      if (f.lastError) tr.title = "last error: " + f.lastError;
      return tr;
    }));
    const rejected = Object.entries(s.rejected || {}).map(([k, v]) => v + " " + k).join(", ");
    $("feeds-note").textContent = (s.feeds || []).length ? (rejected ? "rejected frames: " + rejected : "")
      : "a replay: no live feed (the recording is read from its file)" + (rejected ? "; rejected frames: " + rejected : "");
    const models = $("models").tBodies[0];
    models.replaceChildren(...(s.models || []).map((m) => {
      const tr = el("tr");
      tr.append(el("td", {}, m.id), el("td", {}, m.version), el("td", { class: "hash" }, m.sha256));
      return tr;
    }));
  }

  // A line chart of [block, value] points with markers: {block, cls, label}.
  function chart(points, markers, lineClass) {
    const W = 600, H = 180, L = 64, R = 8, T = 8, B = 20;
    const svg = el("svg:svg", { viewBox: "0 0 " + W + " " + H, preserveAspectRatio: "none", role: "img" });
    const x0 = points[0][0], x1 = Math.max(points[points.length - 1][0], x0 + 1);
    let lo = Infinity, hi = -Infinity;
    for (const [, v] of points) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (hi - lo < Math.abs(hi) * 1e-9 || hi === lo) { hi += Math.abs(hi) * 0.01 || 1; lo -= Math.abs(lo) * 0.01 || 1; }
    const X = (b) => L + (W - L - R) * (b - x0) / (x1 - x0);
    const Y = (v) => T + (H - T - B) * (hi - v) / (hi - lo);
    for (const v of [lo, (lo + hi) / 2, hi]) {
      svg.append(el("svg:line", { class: "grid", x1: L, x2: W - R, y1: Y(v), y2: Y(v) }));
      svg.append(el("svg:text", { class: "axis", x: 2, y: Y(v) + 3 }, num(v)));
    }
    svg.append(el("svg:text", { class: "axis", x: L, y: H - 4 }, "block " + x0));
    svg.append(el("svg:text", { class: "axis", x: W - R - 80, y: H - 4 }, "block " + x1));
    svg.append(el("svg:polyline", { class: lineClass, points: points.map(([b, v]) => X(b).toFixed(1) + "," + Y(v).toFixed(1)).join(" ") }));
    let drawn = 0;
    for (const m of markers) {
      if (m.block < x0 || m.block > x1) continue;
      const v = valueAt(points, m.block), x = X(m.block), y = Y(v);
      const shape = m.cls === "buy" ? el("svg:path", { d: "M" + x + "," + (y - 7) + "l5,8h-10z" })
        : m.cls === "sell" ? el("svg:path", { d: "M" + x + "," + (y + 7) + "l5,-8h-10z" })
        : m.cls === "vetoed" ? el("svg:path", { d: "M" + x + "," + (y - 5) + "l5,5l-5,5l-5,-5z" })
        : el("svg:circle", { cx: x, cy: y, r: 4 });
      shape.setAttribute("class", "marker " + m.cls);
      shape.append(el("svg:title", {}, m.label));
      svg.append(shape);
      drawn += 1;
    }
    return { svg, drawn };
  }
  function valueAt(points, block) {
    let lo = 0, hi = points.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (points[mid][0] <= block) lo = mid; else hi = mid - 1; }
    return points[lo][1];
  }

  function marker(o) {
    const block = o.event && o.event.blockNumber;
    if (o.alert) return { pool: o.alert.pool, block, cls: "alert", label: o.alert.severity + " alert: " + o.alert.name };
    if (o.signal) return { pool: o.signal.pool, block, cls: o.signal.vetoed ? "vetoed" : o.signal.side,
      label: (o.signal.vetoed ? "vetoed " : "") + o.signal.side + " (" + o.strategy + ", confidence " + num(o.signal.confidence) + ")" };
    return null;
  }

  function renderPrices() {
    const box = $("prices");
    if (state.prices.size === 0) return;
    const marks = new Map();
    for (const o of state.alerts.concat(state.outputs)) {
      const m = marker(o);
      if (m) { if (!marks.has(m.pool)) marks.set(m.pool, []); marks.get(m.pool).push(m); }
    }
    const pools = [...state.prices.entries()].filter(([, pts]) => pts.length > 0)
      .sort((a, b) => (marks.get(b[0]) || []).length - (marks.get(a[0]) || []).length || b[1].length - a[1].length)
      .slice(0, chartsShown);
    let drawn = 0;
    box.replaceChildren(...pools.map(([pool, pts]) => {
      const div = el("div", { class: "chart" });
      const c = chart(pts, marks.get(pool) || [], "line");
      drawn += c.drawn;
      div.append(el("h3", {}, "pool " + pool + " · " + pts.length + " blocks · last " + num(pts[pts.length - 1][1])), c.svg);
      return div;
    }));
    document.body.dataset.markers = String(drawn);
  }

  function renderEquity() {
    if (state.equity.length === 0) return;
    $("equity-chart").replaceChildren(chart(state.equity, [], "equity").svg);
  }

  function renderOutputs() {
    const showFills = $("show-fills").checked;
    renderList($("alert-list"), state.alerts.slice().reverse());
    renderList($("outputs"), state.outputs.filter((o) => showFills || o.type !== "fill").slice(-100).reverse());
  }

  // Rows that open onto their evidence; rows open before stay open.
  function renderList(box, rows) {
    if (rows.length === 0) return;
    const open = new Set([...box.querySelectorAll("details[open]")].map((d) => d.dataset.key));
    box.replaceChildren(...rows.map((o) => {
      const d = el("details");
      d.dataset.key = o.key;
      if (open.has(o.key)) d.open = true;
      const s = el("summary");
      let kind, what, evidence = [];
      if (o.alert) {
        kind = "alert"; what = o.alert.severity + " · " + o.alert.name + " · pool " + short(o.alert.pool);
        evidence = [["alert", o.alert.alertId], ["description", o.alert.description], ["type", o.alert.type],
          ["addresses", (o.alert.addresses || []).join(" ")]];
        for (const [k, v] of Object.entries(o.alert.metadata || {})) evidence.push([k, v]);
        for (const l of o.alert.labels || []) evidence.push(["label", l.label + " " + l.entity + " (" + num(l.confidence) + ")"]);
      } else if (o.signal) {
        kind = o.signal.vetoed ? "vetoed" : o.signal.side;
        what = (o.signal.vetoed ? "vetoed " : "") + o.signal.side + " · confidence " + num(o.signal.confidence) + " · pool " + short(o.signal.pool);
        if (o.signal.model) evidence.push(["model", o.signal.model.id + " v" + o.signal.model.version + " " + o.signal.model.weightsHash]);
        for (const [k, v] of Object.entries(o.signal.metadata || {})) evidence.push([k, v]);
      } else if (o.fill) {
        kind = "fill"; what = "paper " + o.fill.side + " · " + num(o.fill.amountIn) + " → " + num(o.fill.amountOut) + " · pool " + short(o.fill.pool);
        evidence = [["token in", o.fill.tokenIn], ["token out", o.fill.tokenOut]];
      } else { kind = String(o.type); what = ""; }
      const label = o.alert ? String(o.alert.severity) : kind;
      s.append(el("span", { class: "kind " + kind + (o.alert ? " sev-" + label : "") }, label), el("span", { class: "block" }, "block " + (o.event ? o.event.blockNumber : "?")),
        el("span", {}, o.strategy + " (" + o.plugin + ")"), el("span", {}, what));
      const dl = el("dl");
      evidence.push(["transaction", o.event ? o.event.transactionHash : ""], ["log", o.event ? o.event.logIndex : ""]);
      for (const [k, v] of evidence) dl.append(el("dt", {}, k), el("dd", {}, v));
      d.append(s, dl);
      return d;
    }));
  }

  function connect() {
    const conn = $("connection");
    const es = new EventSource("/api/stream");
    es.addEventListener("open", () => { conn.textContent = "connected"; conn.className = "pill live"; });
    es.addEventListener("error", () => { conn.textContent = "reconnecting"; conn.className = "pill lost"; });
    es.addEventListener("status", onStatus);
    es.addEventListener("update", onUpdate);
  }
  document.addEventListener("DOMContentLoaded", () => {
    $("show-fills").addEventListener("change", renderOutputs);
    connect();
  });
})();
