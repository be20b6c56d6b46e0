"use strict";
// The dashboard reads and changes everything through the admin API (/v1)
// with the token the operator enters, kept in the tab's sessionStorage.
// Everything it shows is written with textContent, never as HTML: messages
// and dead letters hold arbitrary text. The charts are SVG drawn here.
const TOKEN_KEY = "gateway-worker.admin-token";
const ZONE_KEY = "gateway-worker.zone";
const REFRESH_MS = 2000;
const SLOW_EVERY = 5;   // the Redis panel and the charts: every 5th refresh
const PAGE = 50;        // topics and messages per page
const SPARK = 30;       // minutes of each topic's sparkline
const CHART = 60;       // minutes of the history charts
const COUNTS = ["pending", "delayed", "in_flight", "dead", "consumers", "processed", "failed", "retried", "dead_total"];
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

// The view: what the operator chose to see. It is kept in the URL's
// fragment (see "the view in the URL" below), so a reload keeps it and a
// link opens it.
const view = {
  q: "", sort: "name", offset: 0,           // the overview
  topic: null, tab: "pending", tabOffset: 0, // the topic page
  detail: null,                              // the id of the open topic's message shown in the message panel
};
let topicStats = null;  // the open topic's counts
let breakers = {};      // routed topic -> breaker state, from /metrics
let last = {};          // last rendered answers by panel, to redraw only on change
let busy = false, again = false;
let paused = false;     // after a 401 or 403, until the token changes
let ticks = 0;
let reveal = false;     // scroll to the topic's panel and focus it once it is drawn
let filtering = false;  // an edit of the filter is under way (see the wiring)
// The ETags of the answers drawn in the tab and the message panel, and
// what they are of: a refresh reads them again only when they changed.
let tabTag = { key: "", etag: "" }, detailTag = { key: "", etag: "" };
// epoch counts the changes sent; a refresh that read the API before the
// last change is not drawn (it would show, for a moment, a topic paused
// that is resumed, and a click then would act on the old state).
let epoch = 0;

class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

// api sends a request and returns its answer. With a tag ({etag}), a read
// sends the ETag of the answer drawn as If-None-Match and returns null
// when the answer is the same (304): the open message, up to a megabyte,
// is not downloaded again at every refresh. The new answer's ETag goes to
// tag.next; the caller makes it tag.etag once it has drawn the answer (an
// answer read and then not drawn must be read again).
async function api(method, path, body, tag) {
  const headers = { "Accept": "application/json" };
  if (token()) headers["Authorization"] = "Bearer " + token();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (tag && tag.etag) headers["If-None-Match"] = tag.etag;
  let res;
  try {
    res = await fetch(path, { method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new APIError(0, "Cannot reach the service (" + e.message + ").");
  }
  if (tag && res.status === 304) return null;
  if (tag) tag.next = res.ok ? res.headers.get("ETag") || "" : "";
  let doc = null;
  try { doc = await res.json(); } catch (e) { /* not JSON: use the status text */ }
  if (!res.ok) throw new APIError(res.status, doc && doc.error ? doc.error : res.statusText);
  return doc;
}

function explain(err) {
  switch (err.status) {
    case 401: return "401 Unauthorized: the admin token is missing or wrong. Enter it above.";
    case 403: return "403 Forbidden: " + err.message;
    case 503: return "503 Service Unavailable: " + err.message;
    case 0: return err.message;
    default: return err.status + ": " + err.message;
  }
}

function showError(err) {
  const el = $("error");
  setText(el, explain(err));
  el.dataset.status = String(err.status);
  el.hidden = false;
  $("status").textContent = "Error at " + clock(new Date());
}

function clearError() { $("error").hidden = true; $("error").textContent = ""; }

let noticeTimer = null;
function notice(text) {
  setText($("notice"), text);
  $("notice").hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { $("notice").hidden = true; }, 5000);
}

// --- elements -------------------------------------------------------------

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) appendText(e, String(text));
  return e;
}

// Invisible characters: format characters (the bidirectional controls
// U+202A–U+202E and U+2066–U+2069, the marks U+200E and U+200F, zero-width
// ones), line and paragraph separators and control characters but tab and
// newline. Shown as they are, they make a text read other than it is
// stored (U+202E reverses what follows).
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;
const INVISIBLES = new RegExp(INVISIBLE.source, "gu");

// appendText appends text to e, each invisible character as its visible
// escape (\u202e) in a marked span.
function appendText(e, text) {
  if (!INVISIBLE.test(text)) { if (text) e.append(text); return e; }
  let start = 0;
  for (const m of text.matchAll(INVISIBLES)) {
    if (m.index > start) e.append(text.slice(start, m.index));
    const hex = m[0].codePointAt(0).toString(16).padStart(4, "0");
    const esc = document.createElement("span");
    esc.className = "esc";
    esc.textContent = hex.length > 4 ? "\\u{" + hex + "}" : "\\u" + hex;
    esc.title = "Invisible character U+" + hex.toUpperCase() + ", shown escaped";
    e.appendChild(esc);
    start = m.index + m[0].length;
  }
  if (start < text.length) e.append(text.slice(start));
  return e;
}

// setText sets e's text as appendText shows it.
function setText(e, text) {
  e.replaceChildren();
  return appendText(e, text);
}

function cell(tr, text, cls, field) {
  const td = el("td", cls, text);
  if (field) td.dataset.field = field;
  tr.appendChild(td);
  return td;
}

function button(text, cls, onclick) {
  const b = el("button", cls, text);
  b.type = "button";
  b.addEventListener("click", onclick);
  return b;
}

const fmt = (n) => Number(n || 0).toLocaleString("en-US");

function bytes(n) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  for (n = Number(n); n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return (i ? n.toFixed(1) : String(n)) + " " + units[i];
}

// entryText fills e with an entry's text, with a line-break opportunity
// after each comma, colon and opening bracket outside strings: a long entry
// wraps at its JSON boundaries, not inside words.
function entryText(e, entry) {
  let start = 0, inString = false;
  for (let i = 0; i < entry.length; i++) {
    const c = entry[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "," || c === ":" || c === "{" || c === "[") {
      appendText(e, entry.slice(start, i + 1));
      e.appendChild(document.createElement("wbr"));
      start = i + 1;
    }
  }
  appendText(e, entry.slice(start));
  return e;
}

// entryCell shows the start of an entry (the API lists a preview of a big
// one); the detail panel has all of it.
function entryCell(tr, m) {
  const td = cell(tr, "", "entry", "entry");
  entryText(td, m.entry.length > 300 || m.truncated ? m.entry.slice(0, 300) + "…" : m.entry);
  if (m.truncated) td.appendChild(el("span", "muted", " (" + bytes(m.size) + ")"));
}

// --- times ----------------------------------------------------------------

function zone() { return localStorage.getItem(ZONE_KEY) || "local"; }

const pad = (n) => String(n).padStart(2, "0");

// clock is a time of day in the chosen zone, with the zone.
function clock(d) {
  return zone() === "utc"
    ? pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds()) + " UTC"
    : pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + " " + localZone(d);
}

function localZone(d) {
  const off = -d.getTimezoneOffset();
  return "UTC" + (off < 0 ? "−" : "+") + pad(Math.floor(Math.abs(off) / 60)) + ":" + pad(Math.abs(off) % 60);
}

// stamp is a full date and time in the chosen zone, with the zone.
function stamp(d) {
  const utc = zone() === "utc";
  const y = utc ? d.getUTCFullYear() : d.getFullYear();
  const mo = utc ? d.getUTCMonth() : d.getMonth();
  const day = utc ? d.getUTCDate() : d.getDate();
  return y + "-" + pad(mo + 1) + "-" + pad(day) + " " + clock(d);
}

// ago says how long before (or after) now d is, roughly.
function ago(d) {
  const s = Math.round((Date.now() - d.getTime()) / 1000);
  const a = Math.abs(s);
  let text;
  if (a < 5) return "now";
  if (a < 60) text = a + " s";
  else if (a < 3600) text = Math.round(a / 60) + " min";
  else if (a < 172800) text = Math.round(a / 3600) + " h";
  else text = Math.round(a / 86400) + " days";
  return s >= 0 ? text + " ago" : "in " + text;
}

// timeEl shows an RFC 3339 time in the chosen zone and relative to now.
function timeEl(iso) {
  const span = el("span", "time");
  if (!iso) return span;
  const d = new Date(iso);
  const t = el("time");
  t.dateTime = iso;
  t.textContent = stamp(d);
  span.append(t, el("span", "ago", " · " + ago(d)));
  return span;
}

function timeCell(tr, iso, field) {
  cell(tr, "", "", field).appendChild(timeEl(iso));
}

// --- charts ---------------------------------------------------------------

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

// spark draws a topic's processed count per minute as a line.
function spark(counts) {
  const w = 90, h = 22;
  const max = Math.max(1, ...counts);
  const total = counts.reduce((a, b) => a + b, 0);
  const s = svg("svg", { class: "spark", width: w, height: h, viewBox: "0 0 " + w + " " + h, role: "img",
    "aria-label": fmt(total) + " processed in the last " + counts.length + " minutes" });
  const step = counts.length > 1 ? w / (counts.length - 1) : w;
  const points = counts.map((c, i) => (i * step).toFixed(1) + "," + (h - 1 - (c / max) * (h - 2)).toFixed(1));
  s.appendChild(svg("polyline", { points: points.join(" ") }));
  return s;
}

// chart draws processed and failed per minute as bars, each minute's with
// a tooltip, and the window's totals as text.
function chart(box, summary, h) {
  const n = h.processed.length, w = Math.max(200, box.clientWidth || 600), ht = 160, top = 14, bottom = 18;
  const max = Math.max(1, ...h.processed, ...h.failed);
  const start = new Date(h.start);
  const sumP = h.processed.reduce((a, b) => a + b, 0), sumF = h.failed.reduce((a, b) => a + b, 0);
  const s = svg("svg", { class: "chart", viewBox: "0 0 " + w + " " + ht, role: "img",
    "aria-label": "Processed and failed per minute, the last " + n + " minutes: " + fmt(sumP) + " processed, " + fmt(sumF) + " failed" });
  s.appendChild(svg("line", { x1: 0, y1: ht - bottom, x2: w, y2: ht - bottom }));
  const slot = w / n, bar = Math.max(1, slot / 2 - 0.5), scale = (ht - top - bottom) / max;
  for (let i = 0; i < n; i++) {
    const minute = new Date(start.getTime() + i * 60000);
    const g = svg("g", { "data-minute": minute.toISOString(), "data-processed": h.processed[i], "data-failed": h.failed[i] });
    const title = svg("title");
    title.textContent = stamp(minute).replace(/:00 /, " ") + ": " + fmt(h.processed[i]) + " processed, " + fmt(h.failed[i]) + " failed";
    g.appendChild(title);
    const x = i * slot;
    g.appendChild(svg("rect", { class: "p", x: x.toFixed(1), width: bar.toFixed(1), y: (ht - bottom - h.processed[i] * scale).toFixed(1), height: (h.processed[i] * scale).toFixed(1) }));
    g.appendChild(svg("rect", { class: "f", x: (x + bar).toFixed(1), width: bar.toFixed(1), y: (ht - bottom - h.failed[i] * scale).toFixed(1), height: (h.failed[i] * scale).toFixed(1) }));
    s.appendChild(g);
  }
  const label = (x, text, anchor) => { const t = svg("text", { x, y: ht - 4, "text-anchor": anchor }); t.textContent = text; s.appendChild(t); };
  label(2, clock(start).slice(0, 5), "start");
  label(w - 2, "now", "end");
  const peak = svg("text", { x: 2, y: 11 });
  peak.textContent = sumP + sumF === 0 ? "no activity" : "peak " + fmt(max) + "/min";
  s.appendChild(peak);
  box.replaceChildren(s);
  const lastP = h.processed[n - 1], lastF = h.failed[n - 1];
  summary.textContent = "This minute: " + fmt(lastP) + " processed, " + fmt(lastF) + " failed · last " + n + " min: " +
    fmt(sumP) + " processed, " + fmt(sumF) + " failed";
  summary.dataset.minuteProcessed = String(lastP);
  summary.dataset.minuteFailed = String(lastF);
}

// facts empties a <dl> and returns a function that adds a name and its
// value (text or an element) to it, and returns the value's <dd>.
function facts(dl) {
  dl.replaceChildren();
  return (name, value, field) => {
    const dd = el("dd");
    if (value instanceof Node) dd.appendChild(value); else appendText(dd, String(value));
    dd.dataset.field = field;
    dl.append(el("dt", "", name), dd);
    return dd;
  };
}

// --- the Redis panel ------------------------------------------------------

function renderRedis(r) {
  const fact = facts($("redis-facts"));
  fact("Version", r.version, "version");
  fact("Mode", r.mode, "mode");
  const ul = el("ul", "nodes");
  for (const n of r.nodes) ul.appendChild(el("li", "", n.addr + " · " + n.role));
  fact("Nodes", ul, "nodes");
  fact("Memory", bytes(r.used_memory) + " of " + (r.maxmemory ? bytes(r.maxmemory) : "no limit (maxmemory 0)"), "memory");
  const policy = fact("Eviction", r.maxmemory_policy || "unknown", "policy");
  if (r.evicts_queue_keys) {
    policy.append(" ", el("span", "warn", "⚠ can evict queue keys: set maxmemory-policy noeviction"));
  }
  fact("Clients", fmt(r.connected_clients), "clients");
  const started = new Date(Date.now() - r.uptime_seconds * 1000);
  fact("Up since", timeEl(started.toISOString()), "uptime");
}

// --- the overview ---------------------------------------------------------

function topicsQuery() {
  return "v1/topics?limit=" + PAGE + "&offset=" + view.offset + "&sort=" + encodeURIComponent(view.sort) +
    "&spark=" + SPARK + (view.q ? "&q=" + encodeURIComponent(view.q) : "");
}

function renderTopics(doc) {
  const json = JSON.stringify([doc, view.topic, view.sort, view.q, breakers, zone()]);
  if (json === last.topics) return;
  last.topics = json;
  const body = $("topic-rows");
  body.replaceChildren();
  for (const t of doc.topics) {
    const tr = el("tr", t.topic === view.topic ? "open" : "");
    tr.dataset.topic = t.topic;
    const name = cell(tr, "", "topic", "topic");
    // A link to the topic's view: open in a new tab and copy link work; a
    // plain click opens it here.
    const open = el("a", "link open-topic", t.topic);
    open.href = viewHash(Object.assign({}, view, { topic: t.topic, tab: "pending", tabOffset: 0, detail: null })) || "#";
    open.addEventListener("click", (e) => {
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      openTopic(t.topic, "pending");
    });
    open.dataset.topic = t.topic;
    name.appendChild(open);
    if (t.pending > 0 && t.consumers === 0) { // a backlog nobody consumes
      const w = el("span", "warn", "⚠ no consumers");
      w.dataset.field = "warning";
      w.title = "Messages are waiting and no consumer holds a lease";
      name.append(" ", w);
    }
    const breaker = breakers[t.topic];
    if (breaker) { // a routed topic: its circuit breaker in this process
      const span = el("span", breaker === "closed" ? "muted" : "hot", " · breaker " + breaker.replace("_", "-"));
      span.dataset.field = "breaker";
      name.appendChild(span);
    }
    if (t.error) name.appendChild(el("div", "hot", t.error));
    cell(tr, "", "", "spark").appendChild(spark(t.spark || []));
    for (const f of COUNTS) cell(tr, fmt(t[f]), f === "dead" && t.dead > 0 ? "num hot" : "num", f);
    const flow = cell(tr, "", "flow", "flow");
    for (const [text, cls, title] of flowParts(t)) {
      const b = el("span", cls, text);
      b.title = title;
      flow.append(flow.firstChild ? " " : "", b);
    }
    const flip = button(t.paused ? "Resume" : "Pause", "pause", () => setPaused(t.topic, !t.paused));
    flip.dataset.topic = t.topic;
    cell(tr, "").appendChild(flip);
    body.appendChild(tr);
  }
  $("no-topics").hidden = doc.topics.length > 0;
  $("no-topics").textContent = view.q ? "No topic's name contains “" + view.q + "”." :
    "No topics yet: a topic shows here after its first publish or subscribe.";
  const shown = doc.topics.length;
  $("topics-range").textContent = shown ? (view.offset + 1) + "–" + (view.offset + shown) + " of " + fmt(doc.total) : fmt(doc.total) + " topics";
  $("topics-range").dataset.total = String(doc.total);
  $("topics-prev").disabled = view.offset === 0;
  $("topics-next").disabled = view.offset + shown >= doc.total;
  for (const th of document.querySelectorAll("#topic-head th[data-sort]")) {
    const s = th.dataset.sort;
    if (view.sort === s) th.setAttribute("aria-sort", "ascending");
    else if (view.sort === "-" + s) th.setAttribute("aria-sort", "descending");
    else th.removeAttribute("aria-sort");
  }
}

// flowParts says whether a topic is paused and which limits it is consumed
// with (GET /v1/topics gives them for this service's topics), as
// [text, class, title] of short badges that wrap in a narrow Flow column.
function flowParts(t) {
  const parts = [];
  if (t.paused) parts.push(["Paused", "badge hot", "Its consumers start no messages until it is resumed"]);
  if (t.limits && t.limits.rate_limit) parts.push([t.limits.rate_limit, "badge", "Rate limit, across all consumers"]);
  if (t.limits && t.limits.global_concurrency) {
    parts.push(["≤ " + t.limits.global_concurrency + " at once", "badge", "Messages in flight at once, across all consumers"]);
  }
  return parts;
}

// flowText is flowParts as one line of text.
function flowText(t) {
  return flowParts(t).map((p) => p[0]).join(" · ");
}

// --- the topic page -------------------------------------------------------

// The tabs: what each lists, its columns and its row actions.
const TABS = {
  pending: { path: "/messages?state=pending", list: "messages", time: ["published_at", "Published"], empty: "No pending messages.", actions: pendingActions },
  delayed: { path: "/messages?state=delayed", list: "messages", time: ["due_at", "Due"], empty: "No delayed messages.", actions: delayedActions },
  in_flight: { path: "/messages?state=in_flight", list: "messages", time: ["lease_expiry", "Lease until"], empty: "No messages in flight.", actions: () => [] },
  dead: { path: "/dead?", list: "dead_letters", time: ["failed_at", "Failed at"], empty: "No dead letters.", actions: deadActions },
};

// Ids are the publisher's and may repeat: the row actions act on every
// message of the topic with the row's id in that state, and say so.

// count is n things, "1 delayed message", "2 delayed messages".
function count(n, thing) { return fmt(n) + " " + thing + (n === 1 ? "" : "s"); }

// withID names the messages of a row's action.
function withID(id, topic) { return " with id " + id + " of " + topic; }

function pendingActions(topic, m) {
  return [button("Delete", "delete-pending danger", () => {
    if (confirm("Delete every pending message" + withID(m.id, topic) + "? They will never be delivered.")) {
      change(topic, "messages:delete", { state: "pending", ids: [m.id] }, (d) => "Deleted " + count(d.deleted, "pending message") + withID(m.id, topic) + ".");
    }
  })];
}

function delayedActions(topic, m) {
  return [
    button("Run now", "run-now", () => change(topic, "delayed:run", { ids: [m.id] },
      (d) => "Moved " + count(d.moved, "delayed message") + withID(m.id, topic) + " to pending.")),
    button("Cancel", "cancel-delayed danger", () => {
      if (confirm("Delete every delayed message" + withID(m.id, topic) + "? They will never be delivered.")) {
        change(topic, "messages:delete", { state: "delayed", ids: [m.id] }, (d) => "Cancelled " + count(d.deleted, "delayed message") + withID(m.id, topic) + ".");
      }
    }),
  ];
}

function deadActions(topic, m) {
  return [button("Requeue", "requeue", () => requeue(topic, { ids: [m.id] }, " with id " + m.id))];
}

function renderTopic(stats) {
  topicStats = stats;
  $("topic-name").textContent = stats.topic;
  const limits = flowText(Object.assign({}, stats, { paused: false }));
  $("topic-flow").textContent = [stats.paused ? "Paused" : "Running", fmt(stats.consumers) + (stats.consumers === 1 ? " consumer" : " consumers"), limits].filter(Boolean).join(" · ");
  $("topic-pause").textContent = stats.paused ? "Resume" : "Pause";
  for (const c of document.querySelectorAll("[data-count]")) c.textContent = "(" + fmt(stats[c.dataset.count]) + ")";
}

function renderTab(doc) {
  const json = JSON.stringify([doc, view.detail, zone()]);
  if (json === last.tab) return;
  last.tab = json;
  const tab = TABS[view.tab], topic = view.topic;
  for (const b of document.querySelectorAll("button.tab")) b.setAttribute("aria-selected", String(b.dataset.tab === view.tab));
  $("dead-actions").hidden = view.tab !== "dead";
  $("requeue-all").disabled = $("purge").disabled = doc.total === 0;
  const head = $("tab-head");
  head.replaceChildren();
  const cols = ["ID", tab.time[1], "Failures", view.tab === "dead" ? "Reason" : "Last error", "Entry"];
  if (view.tab === "in_flight") cols.splice(1, 0, "Consumer");
  for (const c of cols) {
    const th = head.appendChild(el("th", c === "Failures" ? "num" : "", c));
    if (c === "Failures") th.title = "Failed deliveries so far (the API's attempt)";
  }
  head.appendChild(el("th")).appendChild(el("span", "visually-hidden", "Actions"));
  const body = document.querySelector("#tab-panel tbody");
  body.id = view.tab.replace("_", "") + "-rows"; // #pending-rows, #delayed-rows, #inflight-rows, #dead-rows
  body.dataset.tab = view.tab;
  body.replaceChildren();
  for (const m of doc[tab.list]) {
    const tr = el("tr", m.id && view.detail === m.id ? "open" : "");
    tr.dataset.id = m.id || "";
    const idTd = cell(tr, "", "", "id");
    if (m.id) {
      const b = button(m.id, "link code show", () => openDetail(m.id));
      b.dataset.id = m.id;
      idTd.appendChild(b);
    } else {
      idTd.appendChild(el("code", "", "(none)"));
    }
    if (view.tab === "in_flight") cell(tr, m.consumer, "", "consumer");
    timeCell(tr, m[tab.time[0]], tab.time[0]);
    cell(tr, String(m.attempt), "num", "attempt");
    const reason = cell(tr, m.reason || m.last_error || m.invalid || "", "reason", view.tab === "dead" ? "reason" : "last_error");
    if (m.attempts && m.attempts.length) reason.appendChild(attemptsList(m.attempts));
    entryCell(tr, m);
    const td = cell(tr, "");
    for (const b of tab.actions(topic, m)) {
      if (!m.id) { b.disabled = true; b.title = "No id"; }
      td.appendChild(b);
    }
    // On a phone the cells stack, each after its column's name.
    cols.forEach((c, i) => { tr.children[i].dataset.label = c; });
    body.appendChild(tr);
  }
  const shown = doc[tab.list].length;
  $("no-messages").hidden = shown > 0;
  $("no-messages").textContent = tab.empty;
  $("tab-range").textContent = shown ? (doc.offset + 1) + "–" + (doc.offset + shown) + " of " + fmt(doc.total) : fmt(doc.total) + " in total";
  $("tab-prev").disabled = doc.offset === 0;
  $("tab-next").disabled = doc.offset + shown >= doc.total;
}

// attemptsList shows a routed message's last delivery attempts.
function attemptsList(attempts) {
  const ol = el("ol", "attempts muted");
  ol.dataset.field = "attempts";
  for (const a of attempts) {
    const li = el("li", "", stamp(new Date(a.at)) + " · " + (a.status ? "HTTP " + a.status : "no response") + " · " +
      a.duration_ms.toFixed(1) + " ms · " + (a.body ? a.body.slice(0, 200) : a.error));
    li.value = a.attempt;
    ol.appendChild(li);
  }
  return ol;
}

// --- the message panel ----------------------------------------------------

const STATE_NAMES = { pending: "Pending", delayed: "Delayed", in_flight: "In flight", dead: "Dead letter" };

function renderDetail(doc) {
  const json = JSON.stringify([doc, zone()]);
  if (json === last.detail) return;
  last.detail = json;
  const m = doc.message, topic = doc.topic;
  $("detail").hidden = false;
  $("detail-body").hidden = false;
  setText($("detail-id"), m.id);
  let entry = null;
  try { entry = JSON.parse(m.entry); } catch (e) { /* not JSON: shown as stored */ }
  const fact = facts($("detail-facts"));
  fact("Topic", topic, "topic");
  fact("State", STATE_NAMES[doc.state], "state");
  fact("Attempt", attemptText(doc.state, m.attempt), "attempt");
  const published = m.published_at || (entry && entry.ts ? new Date(entry.ts).toISOString() : "");
  if (published) fact("Published", timeEl(published), "published_at");
  if (m.due_at) fact("Due", timeEl(m.due_at), "due_at");
  if (m.consumer) fact("Consumer", m.consumer, "consumer");
  if (m.lease_expiry) fact("Lease until", timeEl(m.lease_expiry), "lease_expiry");
  if (m.failed_at) fact("Failed", timeEl(m.failed_at), "failed_at");
  const lastError = m.reason || m.last_error || (entry && entry.error) || "";
  if (lastError) fact(doc.state === "dead" ? "Reason" : "Last error", lastError, "last_error");
  if (m.invalid) fact("Invalid", m.invalid, "invalid");

  const data = m.data !== undefined ? m.data : entry && entry.data;
  setText($("detail-data"), data === undefined ? "(none)" : JSON.stringify(data, null, 2));
  const headers = m.headers || (entry && entry.headers) || {};
  const hbox = $("detail-headers");
  hbox.replaceChildren();
  if (Object.keys(headers).length === 0) {
    hbox.appendChild(el("p", "muted", "None."));
  } else {
    const hdl = el("dl", "facts");
    for (const [k, v] of Object.entries(headers)) hdl.append(el("dt", "", k), el("dd", "", v));
    hbox.appendChild(hdl);
  }
  $("detail-attempts-box").hidden = !(doc.attempts && doc.attempts.length);
  $("detail-attempts").replaceChildren();
  if (doc.attempts && doc.attempts.length) $("detail-attempts").appendChild(attemptsList(doc.attempts));
  $("detail-entry-title").textContent = entry ? "Entry, decoded" : "Entry as stored";
  setText($("detail-entry"), entry ? JSON.stringify(entry, null, 2) : m.entry);

  const actions = $("detail-actions");
  actions.replaceChildren();
  const buttons = { pending: pendingActions, delayed: delayedActions, dead: deadActions }[doc.state];
  if (buttons) for (const b of buttons(topic, m)) actions.appendChild(b);
}

// attemptText says where a message stands in its deliveries. The API's
// attempt counts failed deliveries so far: a waiting message's next
// delivery is attempt + 1, an in-flight one (held by a consumer: running,
// or prefetched to run next) is on attempt + 1 now, and a dead letter's
// deliveries all failed.
function attemptText(state, failed) {
  const n = fmt(failed);
  switch (state) {
    case "in_flight": return "attempt " + fmt(failed + 1) + ", in flight (running or prefetched)" + (failed ? " after " + n + " failed" : "");
    case "dead": return failed === 0 ? "never delivered" : failed === 1 ? "1 delivery, failed" : n + " deliveries, all failed";
    default: return (failed === 0 ? "not delivered yet" : n + " failed") + " · attempt " + fmt(failed + 1) + " is next";
  }
}

// detailMissing says the message is gone (processed, deleted) or was
// never there.
function detailMissing(why) {
  $("detail").hidden = false;
  setText($("detail-id"), view.detail);
  const dd = el("dd", "hot", why);
  dd.dataset.field = "state";
  $("detail-facts").replaceChildren(el("dt", "", "State"), dd);
  for (const id of ["detail-actions", "detail-headers", "detail-attempts"]) $(id).replaceChildren();
  $("detail-data").textContent = $("detail-entry").textContent = "";
  $("detail-attempts-box").hidden = true;
  $("detail-body").hidden = true;
  last.detail = "";
}

function openDetail(id) {
  go(() => { view.detail = id; last.detail = ""; });
}

// --- changes --------------------------------------------------------------

// act sends one change to the API, shows what say makes of the answer (or
// the error), and redraws.
async function act(method, path, body, say) {
  epoch++;
  try {
    notice(say(await api(method, path, body)));
  } catch (err) {
    showError(err);
  }
  refresh();
}

const topicPath = (t) => "v1/topics/" + encodeURIComponent(t);

function change(topic, action, body, say) {
  return act("POST", topicPath(topic) + "/" + action, body, say);
}

function setPaused(topic, pause) {
  return act("POST", topicPath(topic) + (pause ? "/pause" : "/resume"), undefined,
    (doc) => (doc.paused ? "Paused " : "Resumed ") + doc.topic + ": its consumers " + (doc.paused ? "start no messages." : "start messages again."));
}

// requeue says how many dead letters it requeued, and which (which is
// " with id X" for a row's, "" for all).
function requeue(topic, body, which) {
  return act("POST", topicPath(topic) + "/dead/requeue", body,
    (doc) => "Requeued " + count(doc.requeued, "dead letter") + which + " of " + topic + "." +
      (doc.not_requeued ? " " + doc.reason : ""));
}

// --- refresh --------------------------------------------------------------

// routeBreakers reads each route's breaker state from the JSON /metrics,
// which needs no token; {} when there are no routes.
async function routeBreakers() {
  try {
    const res = await fetch("metrics", { cache: "no-store" });
    const doc = await res.json();
    const out = {};
    for (const [topic, r] of Object.entries(doc.dispatch || {})) out[topic] = r.breaker;
    return out;
  } catch {
    return {};
  }
}

// refresh redraws every panel shown; a call while one runs runs again after
// it, so a change is always shown.
async function refresh() {
  if (busy) { again = true; return; }
  if (!token()) { // nothing to ask without a token: the API would only refuse
    paused = true;
    forgetData();
    clearError();
    $("status").textContent = "Enter the admin token to see the queues";
    return;
  }
  busy = true;
  const slow = ticks++ % SLOW_EVERY === 0 || last.slow !== view.topic;
  const seen = epoch;
  try {
    const [doc, br] = await Promise.all([api("GET", topicsQuery()), routeBreakers()]);
    if (seen !== epoch) { again = true; return; } // a change was sent meanwhile: read again
    if (doc.topics.length === 0 && doc.total > 0 && view.offset > 0) { // past the end (a link, or topics gone): the last page
      view.offset = lastPage(doc.total);
      history.replaceState(null, "", location.pathname + location.search + viewHash());
      again = true;
      return;
    }
    breakers = br;
    renderTopics(doc);
    if (slow) {
      last.slow = view.topic;
      const [redis, hist] = await Promise.all([api("GET", "v1/redis"), api("GET", "v1/history?minutes=" + CHART)]);
      renderRedis(redis);
      chart($("history-chart"), $("history-summary"), hist);
    }
    if (view.topic !== null) {
      const t = view.topic;
      const tab = TABS[view.tab];
      const key = JSON.stringify([t, view.tab, view.tabOffset, view.detail, zone()]);
      if (tabTag.key !== key || !last.tab) tabTag = { key, etag: "" };
      const [one, list] = await Promise.all([
        api("GET", topicPath(t)),
        api("GET", topicPath(t) + tab.path + "&offset=" + view.tabOffset + "&limit=" + PAGE, undefined, tabTag),
      ]);
      if (seen !== epoch) { again = true; return; }
      if (list && list[tab.list].length === 0 && list.total > 0 && view.tabOffset > 0 && t === view.topic) {
        view.tabOffset = lastPage(list.total); // past the end: the last page
        history.replaceState(null, "", location.pathname + location.search + viewHash());
        again = true;
        return;
      }
      if (t === view.topic) {
        $("topic").hidden = false;
        renderTopic(one.stats);
        if (list) { renderTab(list); tabTag.etag = tabTag.next; } // null: as drawn
        if (reveal) { // opened by the operator: the panel may be far below, under the topics
          reveal = false;
          $("topic-title").scrollIntoView({ block: "start" });
          $("topic-title").focus({ preventScroll: true });
        }
        if (slow) chart($("topic-chart"), $("topic-summary"), await api("GET", topicPath(t) + "/history?minutes=" + CHART));
      }
    }
    $("topic").hidden = view.topic === null;
    if (view.topic !== null && view.detail !== null) {
      const [t, id] = [view.topic, view.detail];
      // The id goes in the query: a path cannot carry ".", ".." or "a/b"
      // (the browser resolves them before sending).
      const key = JSON.stringify([t, id]);
      if (detailTag.key !== key || !last.detail) detailTag = { key, etag: "" };
      try {
        const doc = await api("GET", topicPath(t) + "/messages:lookup?id=" + encodeURIComponent(id), undefined, detailTag);
        if (doc && t === view.topic && id === view.detail) { renderDetail(doc); detailTag.etag = detailTag.next; }
      } catch (err) {
        if (err.status !== 404 && err.status !== 400) throw err;
        if (t === view.topic && id === view.detail) detailMissing(err.message);
      }
    }
    $("detail").hidden = view.topic === null || view.detail === null;
    clearError();
    $("status").textContent = "Updated " + clock(new Date()) + " · every " + REFRESH_MS / 1000 + " s";
  } catch (err) {
    showError(err);
    if (err.status === 401 || err.status === 403) {
      paused = true;
      forgetData();
      $("status").textContent = err.status === 401 ? "Token refused: enter the admin token" :
        "Refused (403): stopped until a token is entered again";
    }
  } finally {
    busy = false;
    if (again) { again = false; refresh(); }
  }
}

function resume() { paused = false; ticks = 0; refresh(); }

// forgetData empties every panel a token filled, and hides the topic and
// the message: after Forget or a refused token nothing it read stays on
// screen. The view stays (it is the URL's): with a token again, the same
// topic and message show.
function forgetData() {
  topicStats = null;
  last = {};
  for (const id of ["topic-rows", "redis-facts", "history-chart", "topic-chart", "tab-head", "detail-facts", "detail-actions", "detail-headers", "detail-attempts"]) $(id).replaceChildren();
  document.querySelector("#tab-panel tbody").replaceChildren();
  for (const id of ["topics-range", "history-summary", "topic-summary", "topic-name", "topic-flow", "tab-range", "detail-id", "detail-data", "detail-entry"]) $(id).textContent = "";
  for (const c of document.querySelectorAll("[data-count]")) c.textContent = "";
  $("no-topics").hidden = true;
  $("topic").hidden = $("detail").hidden = true;
}

function openTopic(topic, tab) {
  reveal = true;
  go(() => {
    view.topic = topic;
    view.tab = tab;
    view.tabOffset = 0;
    view.detail = null;
    last.tab = "";
    last.slow = undefined;
  });
}

// --- the view in the URL --------------------------------------------------

// The view is kept in the URL's fragment, which is never sent to a server:
// #q=orders&sort=-pending&page=2&topic=orders.created&tab=dead&tpage=1&msg=bad-1,
// each left out at its default. Every change the operator makes is a new
// history entry (an edit of the filter is one, see below), so Back and
// Forward step through the views, and a reload or a link shows the same.
const SORTS = [...document.querySelectorAll("#topic-head th[data-sort]")].flatMap((th) => [th.dataset.sort, "-" + th.dataset.sort]);
const TOPIC_NAME = /^(?!\.+$)[A-Za-z0-9._:-]{1,200}$/; // as the API's: not dots only
const MAX_PAGE = 1000000;

function viewHash(v = view) {
  const p = new URLSearchParams();
  if (v.q) p.set("q", v.q);
  if (v.sort !== "name") p.set("sort", v.sort);
  if (v.offset) p.set("page", String(v.offset / PAGE + 1));
  if (v.topic !== null) {
    p.set("topic", v.topic);
    if (v.tab !== "pending") p.set("tab", v.tab);
    if (v.tabOffset) p.set("tpage", String(v.tabOffset / PAGE + 1));
    if (v.detail !== null) p.set("msg", v.detail);
  }
  const s = p.toString();
  return s ? "#" + s : "";
}

// lastPage is the offset of the last page of total entries.
function lastPage(total) { return Math.floor((total - 1) / PAGE) * PAGE; }

// pageOffset is the offset of the page a parameter names, 0 when it names
// none.
function pageOffset(p, name) {
  const n = Number(p.get(name));
  return Number.isInteger(n) && n >= 1 && n <= MAX_PAGE ? (n - 1) * PAGE : 0;
}

// restoreView sets the view from the URL, what it cannot use left at its
// default, and shows it.
function restoreView() {
  const p = new URLSearchParams(location.hash.slice(1));
  const topic = p.get("topic"), tab = p.get("tab"), msg = p.get("msg");
  view.q = (p.get("q") || "").trim().slice(0, 200);
  view.sort = SORTS.includes(p.get("sort")) ? p.get("sort") : "name";
  view.offset = pageOffset(p, "page");
  view.topic = topic !== null && TOPIC_NAME.test(topic) ? topic : null;
  view.tab = Object.hasOwn(TABS, tab || "") ? tab : "pending";
  view.tabOffset = view.topic === null ? 0 : pageOffset(p, "tpage");
  view.detail = view.topic !== null && msg ? msg : null;
  $("filter").value = view.q;
  last = {};
  history.replaceState(null, "", location.pathname + location.search + viewHash());
}

// go makes the change of the view the operator asked for, records it in
// the URL (in place of the current entry when replace is set) and redraws.
function go(change, replace) {
  applyFilter();
  filtering = false;
  change();
  const url = location.pathname + location.search + viewHash();
  if (url !== location.pathname + location.search + location.hash) {
    if (replace) history.replaceState(null, "", url); else history.pushState(null, "", url);
  }
  refresh();
}

window.addEventListener("popstate", () => { filtering = false; clearTimeout(filterTimer); filterTimer = null; restoreView(); refresh(); });

// --- wiring ---------------------------------------------------------------

for (const th of document.querySelectorAll("#topic-head th[data-sort]")) {
  th.querySelector("button").addEventListener("click", () => {
    const s = th.dataset.sort;
    // Names sort up first, counts largest first.
    go(() => {
      view.sort = view.sort === s ? "-" + s : view.sort === "-" + s ? s : s === "name" ? s : "-" + s;
      view.offset = 0;
    });
  });
}

// An edit of the filter is one history entry: its first change pushes
// one, the next ones (while typing goes on) replace it. Any other change
// of the view, Back or Forward, or leaving the field ends the edit.
let filterTimer = null;
$("filter").addEventListener("input", () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    filterTimer = null;
    const editing = filtering, before = location.hash;
    go(() => { view.q = $("filter").value.trim(); view.offset = 0; }, editing);
    filtering = editing || location.hash !== before; // an edit that changed nothing starts none

  }, 200);
});

// applyFilter applies a filter typed less than 200 ms before another
// change of the view (a sort, the next page), so that the change comes
// after it: the waiting edit would otherwise apply later and undo it
// (back to the first page).
function applyFilter() {
  if (filterTimer === null) return;
  clearTimeout(filterTimer);
  filterTimer = null;
  const q = $("filter").value.trim();
  if (q !== view.q) { view.q = q; view.offset = 0; }
}
$("filter").addEventListener("change", () => { filtering = false; });

$("topics-prev").addEventListener("click", () => go(() => { view.offset = Math.max(0, view.offset - PAGE); }));
$("topics-next").addEventListener("click", () => go(() => { view.offset += PAGE; }));
$("tab-prev").addEventListener("click", () => go(() => { view.tabOffset = Math.max(0, view.tabOffset - PAGE); }));
$("tab-next").addEventListener("click", () => go(() => { view.tabOffset += PAGE; }));

for (const b of document.querySelectorAll("button.tab")) {
  b.addEventListener("click", () => go(() => { view.tab = b.dataset.tab; view.tabOffset = 0; last.tab = ""; }));
}

$("topic-pause").addEventListener("click", () => { if (topicStats) setPaused(topicStats.topic, !topicStats.paused); });
// A message belongs to its topic's page: closing the page closes it too.
$("close-topic").addEventListener("click", () => go(() => { view.topic = view.detail = null; $("topic").hidden = $("detail").hidden = true; }));
$("close-detail").addEventListener("click", () => go(() => { view.detail = null; $("detail").hidden = true; }));

$("lookup-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const id = $("lookup-id").value.trim();
  if (id && view.topic !== null) openDetail(id);
});

$("requeue-all").addEventListener("click", () => {
  const topic = view.topic;
  if (confirm("Requeue all " + fmt(topicStats && topicStats.dead) + " dead letters of " + topic + "? They are delivered again.")) {
    requeue(topic, { all: true }, "");
  }
});

$("purge").addEventListener("click", () => {
  const topic = view.topic;
  if (!confirm("Delete all " + fmt(topicStats && topicStats.dead) + " dead letters of " + topic + "? This cannot be undone.")) return;
  act("DELETE", topicPath(topic) + "/dead", undefined, (doc) => "Purged " + doc.purged + " dead letters of " + topic + ".");
});

// The charts are drawn to their box's width: redraw them at the next
// refresh when it changes.
window.addEventListener("resize", () => { last.slow = undefined; });

$("zone").value = zone();
$("zone").addEventListener("change", () => {
  localStorage.setItem(ZONE_KEY, $("zone").value);
  last = {};
  resume();
});

$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const t = $("token").value.trim();
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  $("token").value = "";
  $("token").placeholder = t || token() ? "Token saved for this tab" : "Admin token";
  resume();
});

$("forget-token").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  $("token").placeholder = "Admin token";
  forgetData();
  resume();
});

if (token()) $("token").placeholder = "Token saved for this tab";
restoreView();
refresh();
setInterval(() => { if (!paused) refresh(); }, REFRESH_MS);
