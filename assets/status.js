// status.js - the live status page: polls /v1/stats and /v1/events and draws what they say.
// Plain browser JavaScript; user data reaches the page through textContent only.
"use strict";

const STATS_EVERY_MS = 2000;
const EVENTS_EVERY_MS = 5000;
const MINUTES_EVERY_MS = 10000;
// Longer than the server's own MongoDB time limit (5 s): a slow count still
// comes back, as null, and the page shows the process counters instead.
const FETCH_TIMEOUT_MS = 10000;
const HISTORY_S = 300;
const NEWEST = 15;

// Where each figure lives in the /v1/stats answer (openapi/weir.yaml,
// schema Stats). events.stored counts MongoDB itself, so the rate drawn
// from it includes every processor, also when this weir is role=api.
const FIELDS = {
  stored: ["events.stored", "totals.events_stored"],
  duplicates: ["totals.duplicates_skipped"],
  deadLetters: ["totals.dead_letters"],
  deadReasons: ["totals.dead_letters_by_reason"],
  queueDepth: ["queue.depth"],
  consumers: ["queue.consumers"],
  rate: ["rates.events_stored_per_second"],
  rateMinute: ["rates.events_last_minute_per_second"],
  uptime: ["uptime_seconds"],
  version: ["version"],
};

const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const fmtRate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

// Samples of the stored-events counter: {t: ms, stored: n}, oldest first.
let history = [];
// Events per 1-minute window of event time, from /v1/aggregates: {t, count}.
let minutes = [];
const problems = { stats: null, events: null, aggregates: null };

function get(obj, path) {
  let v = obj;
  for (const k of path.split(".")) {
    if (v === null || typeof v !== "object" || !(k in v)) return undefined;
    v = v[k];
  }
  return v;
}

function pick(obj, name) {
  for (const path of FIELDS[name]) {
    const v = get(obj, path);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

function num(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function show(id, v, formatter = fmt) {
  $(id).textContent = num(v) === undefined ? "–" : formatter.format(v);
}

// Fetches JSON; throws an Error whose message says what went wrong.
async function getJSON(path) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), FETCH_TIMEOUT_MS);
  let res;
  try {
    res = await fetch(path, { signal: ctl.signal, headers: { accept: "application/json" }, cache: "no-store" });
  } catch (e) {
    throw new Error(`GET ${path}: no answer (${e.name === "AbortError" ? "timed out" : "network error"})`);
  } finally {
    clearTimeout(timer);
  }
  let body;
  try {
    body = await res.json();
  } catch (e) {
    body = undefined;
  }
  if (!res.ok) {
    const why = body && (body.detail || body.title) ? `: ${body.detail || body.title}` : "";
    throw new Error(`GET ${path} answered ${res.status} ${res.statusText}${why}`);
  }
  if (body === undefined) throw new Error(`GET ${path}: the answer is not JSON`);
  return body;
}

function setAvailability() {
  const msgs = Object.values(problems).filter(Boolean);
  const state = $("api-state");
  $("unavailable").hidden = msgs.length === 0;
  document.body.classList.toggle("stale", msgs.length > 0);
  if (msgs.length) {
    $("unavailable-detail").textContent = msgs.join("; ") + ".";
    state.dataset.state = "unavailable";
    state.textContent = "API unavailable";
  } else {
    state.dataset.state = "ok";
    state.textContent = "live";
  }
}

// Events per second between the newest sample and the one about `span`
// seconds older (or the oldest there is).
function rateOver(spanS) {
  if (history.length < 2) return undefined;
  const last = history[history.length - 1];
  let first = history[0];
  for (const s of history) {
    if (last.t - s.t <= spanS * 1000) { first = s; break; }
  }
  if (first === last) first = history[history.length - 2];
  const dt = (last.t - first.t) / 1000;
  return dt > 0 ? (last.stored - first.stored) / dt : undefined;
}

function record(stored) {
  const now = Date.now();
  const last = history[history.length - 1];
  // A smaller total means weir restarted: its counters start again.
  if (last && stored < last.stored) history = [];
  history.push({ t: now, stored });
  history = history.filter((s) => now - s.t <= (HISTORY_S + 10) * 1000);
}

// "reason n, reason n" from {reason: n}, largest first.
function reasonList(v) {
  if (!v || typeof v !== "object") return "";
  return Object.entries(v).filter(([, n]) => num(n) > 0).sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${fmt.format(n)}`).join(", ");
}

function duration(s) {
  if (num(s) === undefined) return "–";
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${String(m).padStart(2, "0")}m`;
  return `${m}m ${String(Math.floor(s % 60)).padStart(2, "0")}s`;
}

function renderStats(stats) {
  const stored = num(pick(stats, "stored"));
  if (stored === undefined) throw new Error("GET /v1/stats: the answer has no events-stored total");
  record(stored);
  // The page's own rate from successive totals; the server's until there
  // are two samples.
  const rate = rateOver(10);
  show("rate", rate !== undefined ? rate : num(pick(stats, "rate")), fmtRate);
  const minute = num(pick(stats, "rateMinute"));
  show("rate-minute", minute !== undefined ? minute : rateOver(60), fmtRate);
  show("stored", stored);
  show("duplicates", pick(stats, "duplicates"));
  show("queue-depth", pick(stats, "queueDepth"));
  show("consumers", pick(stats, "consumers"));
  const dead = num(pick(stats, "deadLetters"));
  show("dead-letters", dead);
  $("dead-reasons").textContent = reasonList(pick(stats, "deadReasons")) || (dead === 0 ? "none" : "–");
  const version = pick(stats, "version");
  $("version").textContent = version ? `weir ${version}` : "weir";
  $("uptime").textContent = duration(num(pick(stats, "uptime")));
  $("updated").textContent = new Date().toLocaleTimeString();
  drawChart();
}

function drawChart() {
  const canvas = $("chart");
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  const g = canvas.getContext("2d");
  g.scale(ratio, ratio);
  g.clearRect(0, 0, w, h);
  const css = getComputedStyle(document.documentElement);
  const now = Date.now();
  const bars = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1], b = history[i];
    const dt = (b.t - a.t) / 1000;
    if (dt > 0) bars.push({ t: b.t, dt, rate: (b.stored - a.stored) / dt });
  }
  const max = Math.max(1, ...bars.map((b) => b.rate), ...minutes.map((m) => m.count / 60));
  g.fillStyle = css.getPropertyValue("--muted");
  g.font = "12px system-ui, sans-serif";
  g.fillText(`${fmtRate.format(max)}/s`, 4, 12);
  g.fillText("5 min ago", 4, h - 4);
  g.textAlign = "right";
  g.fillText("now", w - 4, h - 4);
  const plotH = h - 34, x0 = w - 4, pxPerS = (w - 8) / HISTORY_S;
  // Shaded: the stored minutes, wide and pale, behind the live bars.
  g.fillStyle = css.getPropertyValue("--accent");
  g.globalAlpha = 0.25;
  for (const m of minutes) {
    const left = Math.max(4, x0 - ((now - m.t) / 1000) * pxPerS);
    const right = Math.min(x0, x0 - ((now - m.t - 60000) / 1000) * pxPerS);
    const height = (m.count / 60 / max) * plotH;
    if (right > left) g.fillRect(left, 18 + plotH - height, right - left - 1, height);
  }
  g.globalAlpha = 1;
  for (const b of bars) {
    const right = x0 - ((now - b.t) / 1000) * pxPerS;
    const width = Math.max(1, b.dt * pxPerS - 1);
    const height = (b.rate / max) * plotH;
    if (right - width < 4) continue;
    g.fillRect(right - width, 18 + plotH - height, width, height);
  }
}

// The list in an EventPage (openapi/weir.yaml).
function eventsOf(body) {
  if (Array.isArray(body && body.items)) return body.items;
  throw new Error("GET /v1/events: the answer holds no list of events");
}

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
}

function renderEvents(events) {
  const tbody = $("events").tBodies[0];
  const rows = [];
  for (const ev of events.slice(0, NEWEST)) {
    const tr = document.createElement("tr");
    const ts = ev.ts !== undefined ? new Date(ev.ts) : null;
    cell(tr, ts && !isNaN(ts) ? ts.toLocaleTimeString([], { hour12: false }) : String(ev.ts ?? "–"));
    cell(tr, String(ev.source ?? "–"));
    cell(tr, String(ev.type ?? "–"));
    cell(tr, num(ev.value) !== undefined ? fmtRate.format(ev.value) : "–", "num");
    cell(tr, String(ev.id ?? "–"), "id");
    tr.title = String(ev.id ?? "");
    rows.push(tr);
  }
  if (!rows.length) {
    const tr = document.createElement("tr");
    tr.className = "empty";
    const td = document.createElement("td");
    td.colSpan = 5;
    td.textContent = "no events yet";
    tr.appendChild(td);
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
}

// Sums the 1-minute windows of every source and type.
function renderMinutes(body) {
  if (!Array.isArray(body && body.items)) throw new Error("GET /v1/aggregates: the answer holds no list of windows");
  const sums = new Map();
  for (const row of body.items) {
    const t = Date.parse(row.window_start);
    if (!Number.isNaN(t) && num(row.count) !== undefined) sums.set(t, (sums.get(t) || 0) + row.count);
  }
  minutes = [...sums].map(([t, count]) => ({ t, count })).sort((a, b) => a.t - b.t);
  drawChart();
}

async function pollMinutes() {
  const from = Date.now() - HISTORY_S * 1000;
  try {
    renderMinutes(await getJSON(`/v1/aggregates?window=1m&from=${from}`));
    problems.aggregates = null;
  } catch (e) {
    problems.aggregates = e.message;
  }
  setAvailability();
  setTimeout(pollMinutes, MINUTES_EVERY_MS);
}

async function pollStats() {
  try {
    renderStats(await getJSON("/v1/stats"));
    problems.stats = null;
  } catch (e) {
    problems.stats = e.message;
  }
  setAvailability();
  setTimeout(pollStats, STATS_EVERY_MS);
}

async function pollEvents() {
  try {
    renderEvents(eventsOf(await getJSON(`/v1/events?limit=${NEWEST}`)));
    problems.events = null;
  } catch (e) {
    problems.events = e.message;
  }
  setAvailability();
  setTimeout(pollEvents, EVENTS_EVERY_MS);
}

window.addEventListener("resize", drawChart);
pollStats();
pollEvents();
pollMinutes();
