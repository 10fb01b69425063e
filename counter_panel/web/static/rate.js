// The citizen's rating tablet at one counter (`/rate/COUNTER`). It shows the number served
// there; after a `finished` event it offers the hall's rating scale until the visit's rating
// window closes; a low level asks for a reason from the hall's short list. It never shows
// anything personal: only numbers, the counter and the hall. Both languages at once.

import {
  $, Api, HallSocket, el, pick, syncClock, t,
} from "./common.js";

const TOKEN_KEY = "layso.rating.token";
const THANKS_MS = 5000;
const AUTO_SUBMIT_S = 1; // a low rating still waiting for its reason is sent before the end
const POLL_MS = 1000; // while a visit may be rated, the server is asked how long is left

// ---- the hall's clock ------------------------------------------------------------------
// The rating window is in the hall's time, and the hall's clock need not be a watch: a demo
// runs a fast fake clock (a tablet that set its clock once at start showed "620 s" for a
// 60 s window). So the page keeps no clock of its own for it: the server says how many of
// the hall's seconds are left (`left_s`, asked every POLL_MS while a visit may be rated; a
// `finished` event gives `rating_until - at`), and the countdown runs from the last answer.
// On a real clock that is a smooth countdown; on a fast one it follows the hall, a poll late.
const JITTER_MS = 400; // answers differ by their travel time: only a real change moves it

function setLeft(prompt, leftS) {
  const deadline = performance.now() + Math.max(0, leftS) * 1000;
  if (prompt.deadline === undefined || Math.abs(deadline - prompt.deadline) > JITTER_MS) {
    prompt.deadline = deadline;
  }
}

function secondsLeft(prompt) {
  return Math.max(0, Math.ceil((prompt.deadline - performance.now()) / 1000));
}

const counterNo = parseInt(location.pathname.split("/").filter(Boolean).pop(), 10);

const S = {
  token: null,
  config: null,
  levels: [],
  counter: null, // CounterOut from the snapshot, updated by events
  prompt: null, // {visitId, number, deadline (performance.now() ms), score?}
  pollTimer: null,
  sending: false,
  socket: null,
  thanksTimer: null,
  errorTimer: null,
};

const api = new Api(() => S.token, () => setup(t("setup_rejected") + " / " +
  t("setup_rejected", {}, "en")));

// ---- both languages at once ------------------------------------------------------------

function bi(key, params = {}) {
  return [el("span", { class: "vi" }, t(key, params, "vi")),
    el("span", { class: "en" }, t(key, params, "en"))];
}

function setBi(node, key, params) { node.replaceChildren(...bi(key, params)); }

function show(view) {
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== `view-${view}`;
  document.body.dataset.view = view;
}

function flashError(message) {
  const box = $("#rate-error");
  box.textContent = message;
  box.hidden = !message;
  clearTimeout(S.errorTimer);
  if (message) S.errorTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

// ---- the device token ------------------------------------------------------------------

function takeToken() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get("token");
  if (fromUrl) {
    localStorage.setItem(TOKEN_KEY, fromUrl.trim());
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : ""));
  }
  return localStorage.getItem(TOKEN_KEY);
}

function setup(message) {
  if (S.socket) { S.socket.stop(); S.socket = null; }
  S.prompt = null;
  $("#setup-title").textContent = `${t("setup_title", {}, "vi")} · ${t("setup_title", {}, "en")}`;
  $("#setup-hint").textContent = t("setup_hint", { counter: counterNo }, "vi");
  $("#setup-label").textContent = `${t("setup_token", {}, "vi")} / ${t("setup_token", {}, "en")}`;
  $("#setup-save").textContent = `${t("setup_save", {}, "vi")} / ${t("setup_save", {}, "en")}`;
  $("#setup-token").value = "";
  const err = $("#setup-error");
  err.textContent = message || "";
  err.hidden = !message;
  show("setup");
  $("#setup-token").focus();
}

async function saveToken(ev) {
  ev.preventDefault();
  const token = $("#setup-token").value.trim();
  if (!token) return;
  localStorage.setItem(TOKEN_KEY, token);
  await start();
}

/** Checks the token is this counter's rating device (or its officer) before using it. */
async function checkToken() {
  const { data } = await api.get("/api/v1/auth/me");
  if (data.role !== "rating" && data.role !== "officer") {
    return t("setup_wrong_kind", { role: data.role });
  }
  if (data.counter !== counterNo) {
    return t("setup_wrong_counter", { counter: data.counter ?? "—", want: counterNo });
  }
  return null;
}

// ---- start -----------------------------------------------------------------------------

async function start() {
  S.token = localStorage.getItem(TOKEN_KEY);
  if (!Number.isInteger(counterNo)) { setup("?"); return; }
  if (!S.token) { setup(); return; }
  try {
    const problem = await checkToken();
    if (problem) { setup(problem); return; }
    const { data } = await api.get("/api/v1/hall/config-public");
    S.config = data;
    S.levels = data.rating.levels;
    syncClock(data.now);
  } catch (err) {
    if (err.status === 401) return; // setup() is already on screen
    flashError(err.message);
    setTimeout(start, 3000); // the server may be restarting
    return;
  }
  const cfg = S.config.counters.find((c) => c.number === counterNo);
  if (!cfg) { setup(t("setup_wrong_counter", { counter: "—", want: counterNo })); return; }
  $("#hall-name").textContent = S.config.hall.name;
  $("#counter-name").replaceChildren(...bi("rate_counter", { label: cfg.label }));
  document.title = `${t("rate_counter", { label: cfg.label })} — Layso`;
  renderIdle();
  show("idle");
  S.socket = new HallSocket({
    token: S.token,
    onSnapshot,
    onEvent,
    onStatus: (state) => { $("#conn").dataset.state = state; },
    onUnauthorized: () => setup(t("setup_rejected")),
  });
  S.socket.start();
}

// ---- the hall, live --------------------------------------------------------------------

function onSnapshot(snap) {
  if (snap.rating_levels && snap.rating_levels.length) S.levels = snap.rating_levels;
  S.counter = snap.counters.find((c) => c.number === counterNo) || null;
  renderIdle();
  // After a reload or a reconnect: a visit finished meanwhile may still be rated.
  checkWindow();
}

/** Asks the server whether a visit of this counter may be rated, and how long is left in the
 * hall's time: offers it (after a reload), keeps the countdown on the hall's clock, and ends
 * the question when the server says the window closed (or it was rated elsewhere). */
function checkWindow() {
  api.get(`/api/v1/counters/${counterNo}/rating-open`).then(({ status, data }) => {
    if (status === 200) {
      const left = data.left_s ?? (Date.parse(data.rating_until) - Date.parse(data.now)) / 1000;
      if (!S.prompt || S.prompt.visitId !== data.visit_id) {
        ask({ visitId: data.visit_id, number: data.number }, left);
      } else {
        setLeft(S.prompt, left);
        countdown();
      }
    } else if (status === 204 && S.prompt && !S.sending) {
      idle();
    }
  }).catch(() => {});
}

function poll() {
  clearTimeout(S.pollTimer);
  if (!S.prompt) return;
  S.pollTimer = setTimeout(() => { if (S.prompt) { checkWindow(); poll(); } }, POLL_MS);
}

// Event types this tablet leaves on purpose; it folds every other one below
// (tests/trust/test_event_contract.py holds the list to contracts/events.py).
const EVENTS_IGNORED = ["ticket_issued", "cancelled", "returned", "ticket_reprinted",
  "day_opened", "day_closed", "notice"];

function onEvent(ev) {
  if (EVENTS_IGNORED.includes(ev.type)) return;
  if (ev.type === "finished" && ev.counter === counterNo) {
    setCounter("idle", null);
    // both stamps are the hall's: the window's length in its time, whatever this clock says
    ask({ visitId: ev.visit_id, number: ev.number },
      (Date.parse(ev.rating_until) - Date.parse(ev.at)) / 1000);
    return;
  }
  if (ev.type === "rated" && S.prompt && ev.visit_id === S.prompt.visitId && !S.sending) {
    thanks(); // rated elsewhere (the officer, or a rating box): nothing left to ask
    return;
  }
  if (ev.counter === counterNo || ev.from_counter === counterNo) {
    if (ev.type === "called" || ev.type === "recalled") setCounter("called", ev.number);
    else if (ev.type === "started") setCounter("serving", ev.number);
    else if (ev.type === "skipped" || ev.type === "transferred") setCounter("idle", null);
    else if (ev.type === "counter_paused") setCounter("paused", null);
    else if (ev.type === "counter_resumed") setCounter("idle", null);
  }
}

function setCounter(state, number) {
  S.counter = { ...(S.counter || {}), state,
    ticket: number ? { number } : null };
  renderIdle();
}

function renderIdle() {
  const st = S.counter ? S.counter.state : "idle";
  const number = S.counter && S.counter.ticket ? S.counter.ticket.number : null;
  const label = $("#idle-label");
  if (number && (st === "called" || st === "serving")) {
    setBi(label, "rate_serving");
    $("#idle-number").textContent = number;
    $("#view-idle").dataset.state = "serving";
  } else {
    setBi(label, st === "paused" ? "rate_paused" : "rate_idle");
    $("#idle-number").textContent = "";
    $("#view-idle").dataset.state = st === "paused" ? "paused" : "idle";
  }
}

function idle() {
  S.prompt = null;
  S.sending = false;
  clearTimeout(S.thanksTimer);
  renderIdle();
  show("idle");
}

// ---- asking ----------------------------------------------------------------------------

const FACES = {
  top: "M8 14c1.2 2 3.6 3.2 6 3.2s4.8-1.2 6-3.2",
  mid: "M9 15.5c1.4 1 3.2 1.5 5 1.5s3.6-.5 5-1.5",
  low: "M9 18c1.4-1.6 3.2-2.4 5-2.4s3.6.8 5 2.4",
};

function face(kind) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 28 28");
  svg.setAttribute("class", "face");
  svg.setAttribute("aria-hidden", "true");
  const parts = [["circle", { cx: 14, cy: 14, r: 12.5, fill: "none", "stroke-width": 2 }],
    ["circle", { cx: 10, cy: 11, r: 1.6, stroke: "none", fill: "currentColor" }],
    ["circle", { cx: 18, cy: 11, r: 1.6, stroke: "none", fill: "currentColor" }],
    ["path", { d: FACES[kind], fill: "none", "stroke-width": 2, "stroke-linecap": "round" }]];
  for (const [tag, attrs] of parts) {
    const node = document.createElementNS(ns, tag);
    node.setAttribute("stroke", "currentColor");
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    svg.append(node);
  }
  return svg;
}

function ask(prompt, leftS) {
  if (!Number.isFinite(leftS)) { checkWindow(); return; } // no stamp: ask the server
  setLeft(prompt, leftS);
  if (!(secondsLeft(prompt) > 0)) return;
  clearTimeout(S.thanksTimer);
  S.prompt = prompt;
  S.sending = false;
  $("#ask-ticket").replaceChildren(...bi("rate_ticket", { number: prompt.number }));
  setBi($("#ask-question"), "rate_question");
  const levels = [...S.levels].sort((a, b) => b.score - a.score); // best first, left to right
  const top = levels[0] ? levels[0].score : 0;
  $("#levels").replaceChildren(...levels.map((lv) => {
    const kind = lv.low ? "low" : (lv.score === top ? "top" : "mid");
    return el("button", {
      type: "button", class: `level level-${kind}`, dataset: { score: lv.score },
      onclick: () => choose(lv),
    }, face(kind), el("span", { class: "vi" }, pick(lv, "name", "vi")),
    el("span", { class: "en" }, pick(lv, "name", "en")));
  }));
  show("ask");
  countdown();
  poll();
}

function choose(level) {
  if (!S.prompt || S.sending) return;
  const reasons = (S.config && S.config.rating.low_reasons) || [];
  if (level.low && reasons.length) {
    S.prompt.score = level.score;
    setBi($("#reason-question"), "rate_reason");
    $("#reasons").replaceChildren(
      ...reasons.map((r) => el("button", { type: "button", class: "reason-btn",
        onclick: () => send(level.score, r) }, r)),
      el("button", { type: "button", class: "reason-btn skip",
        onclick: () => send(level.score, null) }, ...bi("rate_skip_reason")));
    show("reason");
    return;
  }
  send(level.score, null);
}

async function send(score, reason) {
  if (!S.prompt || S.sending) return;
  S.sending = true;
  for (const b of document.querySelectorAll(".level, .reason-btn")) b.disabled = true;
  const body = { score };
  if (reason) body.reason = reason;
  try {
    await api.post(`/api/v1/visits/${S.prompt.visitId}/rating`, body);
    thanks();
  } catch (err) {
    if (err.code === "already_rated") { thanks(); return; }
    if (err.status === 0) { // keep the choice on screen: the citizen may tap again
      S.sending = false;
      for (const b of document.querySelectorAll(".level, .reason-btn")) b.disabled = false;
      flashError(err.message);
      return;
    }
    flashError(err.message);
    idle();
  }
}

function thanks() {
  S.prompt = null;
  S.sending = false;
  setBi($("#thanks-title"), "rate_thanks");
  setBi($("#thanks-sub"), "rate_thanks_sub");
  show("thanks");
  clearTimeout(S.thanksTimer);
  S.thanksTimer = setTimeout(idle, THANKS_MS);
}

function countdown() {
  if (!S.prompt) return;
  const left = secondsLeft(S.prompt);
  const total = (S.config && S.config.rating.window_s) || 60;
  const pct = `${Math.max(0, Math.min(100, (left / total) * 100))}%`;
  $("#countdown-bar").style.width = pct;
  $("#reason-bar").style.width = pct;
  $("#countdown-text").textContent =
    `${t("rate_left", { s: left }, "vi")} · ${t("rate_left", { s: left }, "en")}`;
  const onReason = !$("#view-reason").hidden;
  if (onReason && left <= AUTO_SUBMIT_S && !S.sending && S.prompt.score) {
    send(S.prompt.score, null); // the level counts even if no reason was picked in time
  } else if (left <= 0 && !S.sending) {
    idle();
  }
}

// ---- technician's corner: five taps top-left reopen the set-up --------------------------

let taps = [];

function cornerTap() {
  const now = Date.now();
  taps = taps.filter((x) => now - x < 3000);
  taps.push(now);
  if (taps.length >= 5) { taps = []; setup(); }
}

// ---- keep the tablet awake where the browser allows it ----------------------------------

async function keepAwake() {
  try {
    if ("wakeLock" in navigator && document.visibilityState === "visible") {
      await navigator.wakeLock.request("screen");
    }
  } catch { /* not allowed here: the tablet's own settings must keep the screen on */ }
}

function boot() {
  takeToken();
  $("#setup-form").addEventListener("submit", saveToken);
  $("#corner").addEventListener("click", cornerTap);
  document.addEventListener("visibilitychange", keepAwake);
  document.addEventListener("pointerdown", keepAwake, { once: true });
  setInterval(countdown, 250);
  start();
}

boot();
