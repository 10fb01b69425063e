// The officer's call panel: sign in to a counter, call and serve citizens, finish with the
// dossier code and outcome, follow the hall live. Every state shown comes from the server
// (GET after each action and after each relevant event), so a reload, a lost network or a
// server restart always comes back to the true state.

import {
  $, Api, HallSocket, applyI18n, dateField, dateValue, dossierRegex, el, fmtDate, fmtDuration,
  getLang, normaliseCode, onLang, pick, secondsSince, setDateValue, setLang, syncClock, t, toast,
} from "./common.js";

const SESSION_KEY = "layso.panel.session";
const LAST_COUNTER_KEY = "layso.panel.counter";
const REFRESH_DEBOUNCE_MS = 120;

const S = {
  session: null, // {token, username, counter}
  config: null, // GET /api/v1/hall/config-public
  counter: null, // CounterOut of this counter
  visit: null, // VisitOut at the counter, or null
  queue: null, // GET …/queue
  stats: null, // GET …/stats
  busy: false,
  shownVisitId: null,
  focusWanted: false,
  regex: null,
  socket: null,
};

const api = new Api(() => S.session && S.session.token, () => sessionLost());

// ---- session ---------------------------------------------------------------------------

function loadSession() {
  try { return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null"); } catch { return null; }
}

function saveSession(session) {
  S.session = session;
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

function sessionLost() {
  if (!S.session) return;
  stopWork();
  saveSession(null);
  showLogin(t("session_over"));
}

function stopWork() {
  if (S.socket) S.socket.stop();
  S.socket = null;
  S.counter = S.visit = S.queue = S.stats = null;
  S.shownVisitId = null;
}

// ---- sign in ---------------------------------------------------------------------------

function showLogin(message) {
  $("#work-view").hidden = true;
  $("#who").hidden = $("#btn-logout").hidden = $("#conn").hidden = $("#btn-help").hidden = true;
  $("#login-view").hidden = false;
  const params = new URLSearchParams(location.search);
  const counter = params.get("counter") || localStorage.getItem(LAST_COUNTER_KEY) || "";
  if (!$("#login-counter").value) $("#login-counter").value = counter;
  showError($("#login-error"), message || "");
  document.title = t("app");
  ($("#login-user").value ? $("#login-pass") : $("#login-user")).focus();
}

async function submitLogin(ev) {
  ev.preventDefault();
  const username = $("#login-user").value.trim();
  const password = $("#login-pass").value;
  const counter = parseInt($("#login-counter").value, 10);
  if (!username || !password) {
    showError($("#login-error"), `${t("username")} / ${t("password")}?`);
    return;
  }
  if (!Number.isInteger(counter) || counter < 1) {
    showError($("#login-error"), t("need_counter"));
    $("#login-counter").focus();
    return;
  }
  const button = $("#btn-login");
  button.disabled = true;
  try {
    const { data } = await api.post("/api/v1/auth/login", { username, password, counter },
      { auth: false });
    if (data.role !== "officer" || data.counter !== counter) {
      fetch("/api/v1/auth/logout", { method: "POST",
        headers: { Authorization: `Bearer ${data.token}` } }).catch(() => {});
      showError($("#login-error"), t("not_officer", { user: data.username, role: data.role }));
      return;
    }
    localStorage.setItem(LAST_COUNTER_KEY, String(counter));
    $("#login-pass").value = "";
    saveSession({ token: data.token, username: data.username, counter });
    await enterWork();
  } catch (err) {
    showError($("#login-error"), err.message);
  } finally {
    button.disabled = false;
  }
}

async function logout() {
  const token = S.session && S.session.token;
  stopWork();
  saveSession(null);
  if (token) {
    fetch("/api/v1/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${token}` } })
      .catch(() => {});
  }
  showLogin();
}

// ---- the work view ---------------------------------------------------------------------

async function enterWork() {
  try {
    const { data } = await api.get("/api/v1/hall/config-public");
    S.config = data;
    syncClock(data.now);
  } catch (err) {
    if (err.status === 401) return; // sessionLost() already showed the sign-in form
    showLogin(err.message);
    return;
  }
  S.regex = dossierRegex(S.config.dossier.pattern);
  $("#login-view").hidden = true;
  $("#work-view").hidden = false;
  $("#who").hidden = $("#btn-logout").hidden = $("#conn").hidden = $("#btn-help").hidden = false;
  buildStatic();
  renderAll();
  S.socket = new HallSocket({
    token: S.session.token,
    onSnapshot: (snap) => {
      const mine = snap.counters.find((c) => c.number === S.session.counter);
      if (mine) S.counter = mine;
      scheduleRefresh(["counter", "queue", "stats"]);
    },
    onEvent,
    onStatus: setConn,
    onUnauthorized: sessionLost,
  });
  S.socket.start();
  await refresh(["counter", "queue", "stats"]);
  focusDossier();
}

function counterCfg() {
  return S.config.counters.find((c) => c.number === S.session.counter) ||
    { number: S.session.counter, label: String(S.session.counter), services: [] };
}

function serviceCfg(code) {
  return S.config.services.find((s) => s.code === code);
}

function setConn(state) {
  const box = $("#conn");
  box.dataset.state = state;
  $("#conn-text").textContent = t(`conn_${state}`);
}

// ---- reading the true state ------------------------------------------------------------

const generation = { counter: 0, queue: 0, stats: 0 };
let pending = new Set();
let pendingTimer = null;

function scheduleRefresh(kinds) {
  for (const k of kinds) pending.add(k);
  clearTimeout(pendingTimer);
  pendingTimer = setTimeout(() => {
    const now = [...pending];
    pending = new Set();
    refresh(now);
  }, REFRESH_DEBOUNCE_MS);
}

/** Fetch the given parts; an answer older than one already applied is dropped. */
async function refresh(kinds) {
  if (!S.session) return;
  const n = S.session.counter;
  const jobs = [];
  if (kinds.includes("counter")) {
    const gen = ++generation.counter;
    jobs.push(Promise.all([api.get("/api/v1/counters"), api.get(`/api/v1/counters/${n}/current`)])
      .then(([list, cur]) => {
        if (gen !== generation.counter) return;
        S.counter = list.data.find((c) => c.number === n) || S.counter;
        S.visit = cur.status === 204 ? null : cur.data;
        if (S.visit && S.counter && S.counter.visit_id !== S.visit.visit_id) {
          scheduleRefresh(["counter"]); // the two reads straddled a change: read again
        }
      }));
  }
  if (kinds.includes("queue")) {
    const gen = ++generation.queue;
    jobs.push(api.get(`/api/v1/counters/${n}/queue`).then(({ data }) => {
      if (gen !== generation.queue) return;
      syncClock(data.now);
      S.queue = data;
    }));
  }
  if (kinds.includes("stats")) {
    const gen = ++generation.stats;
    jobs.push(api.get(`/api/v1/counters/${n}/stats`).then(({ data }) => {
      if (gen === generation.stats) S.stats = data;
    }));
  }
  const results = await Promise.allSettled(jobs);
  if (!S.session) return;
  renderAll();
  const failed = results.find((r) => r.status === "rejected");
  if (failed && failed.reason.status !== 401) setConn("offline");
}

// Every other event refreshes what it touches (this counter, its services, the day); these
// change nothing on the panel (tests/trust/test_event_contract.py).
const EVENTS_IGNORED = ["ticket_reprinted", "notice"];

function onEvent(ev) {
  if (EVENTS_IGNORED.includes(ev.type)) return;
  const me = S.session.counter;
  const services = counterCfg().services;
  const mine = ev.counter === me || ev.from_counter === me || ev.to_counter === me;
  const serviceHit = services.includes(ev.service) || services.includes(ev.to_service);
  if (ev.type === "transferred" && ev.from_counter !== me &&
      (ev.to_counter === me || (ev.to_counter == null && services.includes(ev.to_service)))) {
    announceTransfer(ev);
  }
  if (mine) scheduleRefresh(["counter", "queue", "stats"]);
  else if (serviceHit || ev.type.startsWith("day_")) scheduleRefresh(["queue"]);
}

function announceTransfer(ev) {
  const from = S.config.counters.find((c) => c.number === ev.from_counter);
  const target = ev.to_counter != null ? `${t("counter")} ${counterCfg().label}` :
    pick(serviceCfg(ev.to_service)) || ev.to_service;
  toast(t("incoming_transfer", {
    number: ev.number, target, from: from ? from.label : ev.from_counter,
    reason: ev.reason ? ` — ${ev.reason}` : "",
  }), "info", 8000);
}

// ---- rendering -------------------------------------------------------------------------

function buildStatic() {
  const cfg = counterCfg();
  $("#hall-name").textContent = pick(S.config.hall) || S.config.hall.name;
  $("#counter-label").textContent = cfg.label;
  $("#officer-name").textContent = S.session.username;
  document.title = `${t("counter")} ${cfg.label} — Layso`;

  const outcomes = $("#outcomes");
  const was = document.querySelector("input[name=outcome]:checked");
  outcomes.replaceChildren(...S.config.outcomes.map((o) => el("label", { class: "chip" },
    el("input", { type: "radio", name: "outcome", value: o.value,
      checked: !!was && was.value === o.value }),
    el("span", { dataset: { outcome: o.value } }, pick(o),
      // the official form handed over with this outcome (Circular 01/2018/TT-VPCP)
      o.form ? el("small", { class: "outcome-form" }, pick(o, "form")) : null))));

  const reasons = $("#pause-reasons");
  reasons.replaceChildren(...S.config.pause_reasons.map((r, i) => el("label", { class: "chip" },
    el("input", { type: "radio", name: "pause", value: r.name, checked: i === 0 }),
    el("span", { dataset: { reason: r.value } }, pick(r)))));

  // The transfer targets as a list of radio rows (a styled list, not a bare list box); a
  // rebuild (language switch) keeps the row chosen.
  const picked = new Set([...document.querySelectorAll(".pick input:checked")]
    .map((r) => `${r.name}=${r.value}`));
  const row = (name, value, head, text) => el("label", { class: "pick" },
    el("input", { type: "radio", name, value, checked: picked.has(`${name}=${value}`) }),
    el("b", { class: "pick-head" }, head), el("span", { class: "pick-text" }, text));
  $("#transfer-service").replaceChildren(...S.config.services.map((s) =>
    row("transfer-service", s.code, s.code, pick(s))));
  $("#transfer-counter").replaceChildren(...S.config.counters
    .filter((c) => c.number !== cfg.number)
    .map((c) => row("transfer-counter", String(c.number), `${t("counter")} ${c.label}`,
      c.services.map((code) => pick(serviceCfg(code)) || code).join(" · "))));
  $("#transfer-reasons").replaceChildren(...S.config.transfer_reasons.map((r) =>
    el("option", { value: r.name })));
  $("#transfer-reason-chips").replaceChildren(...S.config.transfer_reasons.map((r) =>
    el("button", { type: "button", class: "chip-btn",
      onclick: () => { $("#transfer-reason").value = r.name; } }, pick(r))));
}

function state() {
  return (S.counter && S.counter.state) || "idle";
}

function renderAll() {
  if (!S.session || !S.config) return;
  renderCurrent();
  renderButtons();
  renderQueue();
  renderStats();
  tick();
  if (S.focusWanted) { // after renderButtons: the field is enabled only for a visit
    S.focusWanted = false;
    focusDossier();
  }
}

function renderCurrent() {
  const st = state();
  const card = $("#current");
  card.dataset.state = st;
  $("#cur-state").textContent = t(`state_${st}`);
  const ticket = S.counter && S.counter.ticket;
  const visitId = S.counter && S.counter.visit_id;
  const tags = [];
  if (ticket && (st === "called" || st === "serving")) {
    $("#cur-number").textContent = ticket.number;
    const svc = serviceCfg(ticket.service);
    $("#cur-service").textContent = svc ? pick(svc) : ticket.service;
    if (ticket.priority) {
      const g = S.config.priority_groups.find((p) => p.code === ticket.priority);
      tags.push(el("span", { class: "tag priority" }, `★ ${g ? pick(g) : ticket.priority}`));
    }
    const recalls = S.visit && S.visit.visit_id === visitId ? S.visit.recalls : 0;
    $("#cur-hint").textContent = recalls ?
      t("recalls", { n: recalls, max: S.config.max_recalls }) : "";
  } else {
    $("#cur-number").textContent = "—";
    $("#cur-service").textContent = "";
    $("#cur-hint").textContent = st === "paused" ?
      t("paused_hint", { reason: (S.counter && S.counter.pause_reason) || t("none") }) :
      t("idle_hint");
  }
  $("#cur-tags").replaceChildren(...tags);
  if (visitId !== S.shownVisitId) { // a new citizen at the counter: a clean finish form
    S.shownVisitId = visitId;
    resetFinishForm();
    const info = $("#action-msg");
    if (visitId && info.dataset.kind === "info") showError(info, ""); // "nobody waiting" is over
    S.focusWanted = Boolean(visitId);
  }
}

const ENABLED = {
  next: ["idle"], call: ["idle"], pause: ["idle"], resume: ["paused"],
  recall: ["called"], start: ["called"], skip: ["called"],
  transfer: ["called", "serving"], finish: ["called", "serving"],
};

function renderButtons() {
  const st = state();
  for (const button of document.querySelectorAll("[data-action]")) {
    const allowed = ENABLED[button.dataset.action] || [];
    button.disabled = S.busy || !allowed.includes(st);
  }
  $("#btn-pause").hidden = st === "paused";
  $("#btn-resume").hidden = st !== "paused";
  const working = st === "called" || st === "serving";
  for (const input of $("#finish-form").querySelectorAll("input")) input.disabled = !working;
  $("#finish-form").classList.toggle("inactive", !working);
  for (const b of document.querySelectorAll(".queue-call")) b.disabled = S.busy || st !== "idle";
}

function renderQueue() {
  const list = $("#queue-list");
  if (!S.queue) { list.replaceChildren(); return; }
  $("#queue-count").textContent = t("waiting_count", { n: S.queue.total, p: S.queue.priority });
  if (!S.queue.items.length) {
    list.replaceChildren(el("li", { class: "empty muted" }, t("waiting_empty")));
    return;
  }
  const idle = state() === "idle";
  list.replaceChildren(...S.queue.items.map((item) => {
    const tags = [];
    if (item.priority) {
      tags.push(el("span", { class: "tag priority" },
        `★ ${pick({ name: item.priority_name, name_en: item.priority_name_en })}`));
    }
    if (item.to_this_counter) tags.push(el("span", { class: "tag here" }, t("transferred_here")));
    else if (item.transferred) tags.push(el("span", { class: "tag moved" }, t("transferred_tag")));
    return el("li", {
      class: `q-item${item.priority ? " is-priority" : ""}${item.to_this_counter ? " is-here" : ""}`,
      dataset: { number: item.number },
    },
    el("span", { class: "q-number" }, item.number),
    el("span", { class: "q-main" },
      el("span", { class: "q-service" },
        pick({ name: item.service_name, name_en: item.service_name_en })),
      el("span", { class: "q-tags" }, tags)),
    el("span", { class: "q-wait muted", dataset: { since: item.queued_at } }, ""),
    el("button", {
      type: "button", class: "queue-call ghost small", disabled: S.busy || !idle,
      title: `${t("call")} ${item.number}`,
      onclick: () => callNumber(item.number, $("#action-msg")),
    }, t("call")));
  }));
}

function renderStats() {
  const s = S.stats;
  if (!s) return;
  $("#stats-date").textContent = fmtDate(s.date);
  $("#st-served").textContent = s.served;
  $("#st-noshow").textContent = s.no_show;
  $("#st-transferred").textContent = s.transferred;
  $("#st-dossiers").textContent = s.dossiers;
  const brief = (x) => fmtDuration(x, getLang(), { seconds: false }); // narrow cells
  $("#st-avg").textContent = brief(s.avg_service_s);
  $("#st-wait").textContent = brief(s.avg_wait_s);
  const rated = Object.values(s.ratings).reduce((a, b) => a + b, 0);
  $("#st-satisfaction").textContent = s.satisfaction_rate === null ? "" :
    `${t("satisfaction")} ${Math.round(s.satisfaction_rate * 100)}%`;
  const levels = [...s.rating_levels].sort((a, b) => b.score - a.score);
  $("#st-ratings").replaceChildren(...levels.map((lv) => {
    const n = s.ratings[String(lv.score)] || 0;
    const pct = rated ? Math.round((n / rated) * 100) : 0;
    return el("li", { class: `bar level-${lv.score}${lv.low ? " low" : ""}`,
      dataset: { score: lv.score } },
    el("span", { class: "bar-label" }, pick(lv)),
    el("span", { class: "bar-track" }, el("span", { class: "bar-fill", style: `width:${pct}%` })),
    el("b", { class: "bar-count" }, String(n)));
  }));
}

/** Once a second: the visit timer and the waiting times. */
function tick() {
  if (!S.session || !S.counter) return;
  const st = state();
  let since = null;
  if (st === "called" || st === "serving") {
    since = S.visit && S.visit.visit_id === S.counter.visit_id ?
      (S.visit.started_at || S.visit.called_at) : S.counter.since;
  } else if (st === "paused") {
    since = S.counter.since;
  }
  $("#cur-timer").textContent = since ? fmtDuration(secondsSince(since)) : "";
  for (const node of document.querySelectorAll(".q-wait[data-since]")) {
    node.textContent = t("waited",
      { d: fmtDuration(secondsSince(node.dataset.since), getLang(), { seconds: false }) });
  }
}

// ---- actions ---------------------------------------------------------------------------

function showError(node, message, kind = "error") {
  node.textContent = message || "";
  node.hidden = !message;
  node.dataset.kind = kind;
  delete node.dataset.key;
}

/**
 * Run one counter action: every button is disabled while it is in flight (a double click
 * calls once), a refusal shows the server's message at `msgNode`, and the state shown is
 * re-read from the server afterwards whatever happened.
 */
async function act(name, run, { msgNode = $("#action-msg"), onOk, onError } = {}) {
  if (S.busy || !S.session) return null;
  S.busy = true;
  document.body.dataset.busy = "1";
  renderButtons();
  for (const b of document.querySelectorAll(".refused")) b.classList.remove("refused");
  showError(msgNode, "");
  let result = null;
  try {
    result = await run();
    if (onOk) onOk(result);
  } catch (err) {
    if (err.status !== 401) {
      showError(msgNode, err.message);
      // The button is outlined when the refusal is shown beside it, not inside a dialog
      // (which says it itself, and leaves nothing behind it when closed).
      const button = document.querySelector(`[data-action="${name}"]`);
      if (button && !msgNode.closest("dialog")) button.classList.add("refused");
      if (err.status === 0) setConn("offline");
      if (onError) onError(err);
    }
    result = null;
  } finally {
    try {
      await refresh(["counter", "queue", "stats"]);
    } finally {
      S.busy = false;
      document.body.dataset.busy = "0";
      renderButtons();
    }
  }
  return result;
}

const base = () => `/api/v1/counters/${S.session.counter}`;

/** An informative line under the actions, kept as a catalogue key so that a language
 * switch translates it and a newly called citizen clears it (it was about the empty queue). */
function showInfo(key) {
  const node = $("#action-msg");
  showError(node, t(key), "info");
  node.dataset.key = key;
}

function next() {
  return act("next", () => api.post(`${base()}/next`), {
    onOk: ({ status, data }) => {
      if (status === 204) showInfo("nobody_waiting");
      else toast(t("called_ok", { number: data.ticket.number }), "ok", 2500);
    },
  });
}

function simple(name, okKey) {
  return act(name, () => api.post(`${base()}/${name}`), {
    onOk: ({ data }) => toast(t(okKey, { number: data.ticket ? data.ticket.number : "" }),
      "ok", 2500),
  });
}

function callNumber(number, msgNode, dialog, confirm = false) {
  const body = confirm ? { number, confirm: true } : { number };
  return act("call", () => api.post(`${base()}/call`, body), {
    msgNode,
    onOk: ({ data }) => {
      if (dialog) dialog.close();
      toast(t("called_ok", { number: data.ticket.number }), "ok", 2500);
    },
    onError: (err) => { if (err.code === "call_needs_confirm") askToConfirmCall(number, err); },
  });
}

/**
 * The server refused a number Next would not give this counter (another service, or sent to
 * another counter) and said why: show that in the call dialog with "Call anyway", which sends
 * the same number again with `confirm: true` (the hall's event log then records the override).
 */
function askToConfirmCall(number, err) {
  const dialog = $("#dlg-call");
  if (!dialog.open) {
    showError($("#action-msg"), "");
    openDialog("#dlg-call");
  }
  $("#call-number").value = number;
  showError(dialog.querySelector(".error"), err.message, "warn");
  const anyway = $("#call-anyway");
  anyway.dataset.number = number;
  anyway.hidden = false;
  setTimeout(() => anyway.focus(), 0);
}

function callAnyway() {
  const dialog = $("#dlg-call");
  const number = $("#call-anyway").dataset.number;
  $("#call-anyway").hidden = true;
  if (number) callNumber(number, dialog.querySelector(".error"), dialog, true);
}

function resume() {
  return act("resume", () => api.post(`${base()}/resume`), {
    onOk: () => toast(t("resumed_ok"), "ok", 2500),
  });
}

// ---- finish with the dossier code ------------------------------------------------------

function resetFinishForm() {
  $("#dossier").value = "";
  setDateValue($("#due-date"), "");
  for (const r of document.querySelectorAll("input[name=outcome]")) r.checked = false;
  showError($("#finish-msg"), "");
  $("#dossier").classList.remove("invalid", "valid");
  dossierHint();
}

function dossierHint() {
  if (!S.config) return;
  const code = normaliseCode($("#dossier").value);
  const hint = $("#dossier-hint");
  const input = $("#dossier");
  if (!code || !S.regex) {
    input.classList.remove("invalid", "valid");
    hint.textContent = t("dossier_hint", { example: S.config.dossier.example });
    return;
  }
  const ok = S.regex.test(code);
  input.classList.toggle("valid", ok);
  input.classList.toggle("invalid", false);
  hint.textContent = ok ? `✓ ${t("dossier_ok")}` :
    t("dossier_hint", { example: S.config.dossier.example });
}

/** Codes are upper-case: show them so as they are typed or scanned, keeping the caret. */
function upperCaseInPlace(input) {
  const upper = input.value.toUpperCase();
  if (upper === input.value) return;
  const { selectionStart: a, selectionEnd: b } = input;
  input.value = upper;
  input.setSelectionRange(a, b);
}

function focusDossier() {
  const input = $("#dossier");
  if (document.querySelector("dialog[open]") || input.disabled) return;
  input.focus();
  input.select();
}

function refuseCode(message) {
  const input = $("#dossier");
  input.classList.add("invalid");
  input.classList.remove("valid");
  showError($("#finish-msg"), message);
  input.focus();
  input.select(); // the next scan replaces the bad code
}

function finish() {
  const msg = $("#finish-msg");
  const code = normaliseCode($("#dossier").value);
  $("#dossier").value = code;
  const chosen = document.querySelector("input[name=outcome]:checked");
  const outcome = chosen ? chosen.value : null;
  // The officer is shown the hall's example, never the regular expression.
  const example = t("dossier_example", { example: S.config.dossier.example });
  if (code && S.regex && !S.regex.test(code)) {
    refuseCode(`${t("dossier_bad", { code })} ${example}`);
    return null;
  }
  if (!outcome) {
    showError(msg, t("outcome_needed"));
    const first = document.querySelector("input[name=outcome]");
    if (first) first.focus();
    return null;
  }
  if (!code && (outcome === "received" || outcome === "returned")) {
    const o = S.config.outcomes.find((x) => x.value === outcome);
    refuseCode(t("dossier_needed", { outcome: pick(o) }));
    return null;
  }
  const body = { outcome };
  if (code) body.dossier_code = code;
  const due = $("#due-date");
  if (due.value.trim()) { // dd/mm/yyyy whatever the browser's locale
    const iso = dateValue(due);
    if (!iso) {
      showError(msg, t("due_bad", { text: due.value.trim() }));
      due.focus();
      return null;
    }
    body.due_date = iso;
  }
  const number = S.counter && S.counter.ticket ? S.counter.ticket.number : "";
  return act("finish", async () => {
    try {
      return await api.post(`${base()}/finish`, body);
    } catch (err) {
      if (err.code === "bad_dossier_code") { // the server's message names the example
        $("#dossier").classList.add("invalid");
      }
      throw err;
    }
  }, {
    msgNode: msg,
    onOk: () => toast(t("finished_ok", { number }), "ok", 4000),
  });
}

// ---- dialogs ---------------------------------------------------------------------------

function openDialog(id, setup) {
  const dialog = $(id);
  if (dialog.open) return;
  for (const e of dialog.querySelectorAll(".error")) showError(e, "");
  if (setup) setup(dialog);
  dialog.showModal();
}

function openCall() {
  if ($("#btn-call").disabled) return;
  openDialog("#dlg-call", () => {
    $("#call-number").value = "";
    $("#call-anyway").hidden = true;
    setTimeout(() => $("#call-number").focus(), 0);
  });
}

function openTransfer() {
  if ($("#btn-transfer").disabled) return;
  openDialog("#dlg-transfer", (dialog) => {
    const ticket = S.counter.ticket;
    $("#transfer-ticket").textContent = ticket ?
      `${ticket.number} · ${pick(serviceCfg(ticket.service)) || ticket.service}` : "";
    $("#transfer-reason").value = "";
    for (const r of dialog.querySelectorAll(".pick input")) r.checked = false;
    const first = dialog.querySelector(".pick-list:not([hidden]) input");
    if (first) setTimeout(() => first.focus(), 0);
  });
}

function openPause() {
  if ($("#btn-pause").disabled) return;
  openDialog("#dlg-pause", () => {
    $("#pause-note").value = "";
    const first = document.querySelector("input[name=pause]");
    if (first) { first.checked = true; setTimeout(() => first.focus(), 0); }
  });
}

function transferKind() {
  return document.querySelector("#transfer-form input[name=kind]:checked").value;
}

function submitTransfer(ev) {
  ev.preventDefault();
  const dialog = $("#dlg-transfer");
  const msg = dialog.querySelector(".error");
  const kind = transferKind();
  const body = {};
  const chosen = dialog.querySelector(`input[name=transfer-${kind}]:checked`);
  if (chosen && kind === "service") body.service = chosen.value;
  else if (chosen) body.counter = parseInt(chosen.value, 10);
  if (!body.service && !body.counter) { showError(msg, t("pick_target")); return; }
  const reason = $("#transfer-reason").value.trim();
  if (reason) body.reason = reason;
  const number = S.counter && S.counter.ticket ? S.counter.ticket.number : "";
  const target = body.service ? pick(serviceCfg(body.service)) :
    `${t("counter")} ${S.config.counters.find((c) => c.number === body.counter).label}`;
  act("transfer", () => api.post(`${base()}/transfer`, body), {
    msgNode: msg,
    onOk: () => { dialog.close(); toast(t("transferred_ok", { number, target }), "ok", 3500); },
  });
}

function submitPause(ev) {
  ev.preventDefault();
  const dialog = $("#dlg-pause");
  const chosen = document.querySelector("input[name=pause]:checked");
  const note = $("#pause-note").value.trim();
  const reason = [chosen ? chosen.value : "", note].filter(Boolean).join(": ") || null;
  act("pause", () => api.post(`${base()}/pause`, { reason }), {
    msgNode: dialog.querySelector(".error"),
    onOk: () => { dialog.close(); toast(t("paused_ok"), "ok", 2500); },
  });
}

function submitCall(ev) {
  ev.preventDefault();
  const dialog = $("#dlg-call");
  const msg = dialog.querySelector(".error");
  const number = normaliseCode($("#call-number").value);
  if (!number) { showError(msg, t("number_needed")); return; }
  callNumber(number, msg, dialog);
}

// ---- keyboard --------------------------------------------------------------------------

const FKEYS = { F1: "help", F2: "next", F3: "recall", F4: "start", F8: "skip", F9: "finish" };
const ALTKEYS = {
  KeyN: "next", KeyR: "recall", KeyA: "start", KeyK: "skip", KeyH: "finish", KeyG: "call",
  KeyT: "transfer", KeyP: "pause-resume", KeyM: "focus", KeyL: "lang", Slash: "help",
};

const COMMANDS = {
  next: () => clickIfEnabled("#btn-next"),
  recall: () => clickIfEnabled("#btn-recall"),
  start: () => clickIfEnabled("#btn-start"),
  skip: () => clickIfEnabled("#btn-skip"),
  finish: () => { if (!$("#btn-finish").disabled) finish(); else nudge($("#btn-finish")); },
  call: openCall,
  transfer: openTransfer,
  "pause-resume": () => (state() === "paused" ? clickIfEnabled("#btn-resume") : openPause()),
  focus: focusDossier,
  lang: () => setLang(getLang() === "vi" ? "en" : "vi"),
  help: () => openDialog("#dlg-help"),
};

function clickIfEnabled(sel) {
  const b = $(sel);
  if (b.disabled) nudge(b);
  else b.click();
}

function nudge(button) {
  button.classList.remove("nudge");
  void button.offsetWidth; // restart the animation
  button.classList.add("nudge");
}

function onKey(ev) {
  let command = null;
  if (ev.altKey && !ev.ctrlKey && !ev.metaKey) command = ALTKEYS[ev.code];
  else if (!ev.altKey && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey) command = FKEYS[ev.key];
  if (!command) return;
  ev.preventDefault();
  if (command === "lang") { COMMANDS.lang(); return; }
  if (!S.session || $("#work-view").hidden || document.querySelector("dialog[open]")) return;
  COMMANDS[command]();
}

// ---- wiring ----------------------------------------------------------------------------

function wire() {
  dateField($("#due-date"));
  $("#login-form").addEventListener("submit", submitLogin);
  $("#btn-logout").addEventListener("click", logout);
  $("#btn-lang").addEventListener("click", () => setLang(getLang() === "vi" ? "en" : "vi"));
  $("#btn-help").addEventListener("click", () => openDialog("#dlg-help"));
  $("#btn-next").addEventListener("click", next);
  $("#btn-recall").addEventListener("click", () => simple("recall", "recalled_ok"));
  $("#btn-start").addEventListener("click", () => simple("start", "started_ok"));
  $("#btn-skip").addEventListener("click", () => simple("skip", "skipped_ok"));
  $("#btn-call").addEventListener("click", openCall);
  $("#btn-transfer").addEventListener("click", openTransfer);
  $("#btn-pause").addEventListener("click", openPause);
  $("#btn-resume").addEventListener("click", resume);
  $("#finish-form").addEventListener("submit", (ev) => { ev.preventDefault(); finish(); });
  $("#dossier").addEventListener("input", () => { upperCaseInPlace($("#dossier")); dossierHint(); });
  $("#call-number").addEventListener("input", () => upperCaseInPlace($("#call-number")));
  $("#outcomes").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { ev.preventDefault(); finish(); }
  });
  $("#outcomes").addEventListener("change", () => showError($("#finish-msg"), ""));
  $("#call-form").addEventListener("submit", submitCall);
  $("#call-anyway").addEventListener("click", callAnyway);
  $("#call-number").addEventListener("input", () => { $("#call-anyway").hidden = true; });
  $("#transfer-form").addEventListener("submit", submitTransfer);
  $("#pause-form").addEventListener("submit", submitPause);
  for (const radio of document.querySelectorAll("#transfer-form input[name=kind]")) {
    radio.addEventListener("change", () => {
      const toService = transferKind() === "service";
      $("#transfer-service").hidden = !toService;
      $("#transfer-counter").hidden = toService;
    });
  }
  for (const b of document.querySelectorAll("dialog [data-close]")) {
    b.addEventListener("click", () => b.closest("dialog").close());
  }
  for (const d of document.querySelectorAll("dialog")) {
    d.addEventListener("close", () => {
      for (const b of document.querySelectorAll(".refused")) b.classList.remove("refused");
      setTimeout(focusDossier, 0);
    });
  }
  document.addEventListener("keydown", onKey);
  onLang(() => {
    $("#btn-lang").textContent = t("lang_other");
    if (S.config && S.session && !$("#work-view").hidden) { buildStatic(); renderAll(); dossierHint(); }
    const info = $("#action-msg");
    if (info.dataset.key) showInfo(info.dataset.key);
    if (S.socket) setConn($("#conn").dataset.state);
  });
  setInterval(tick, 1000);
}

function boot() {
  applyI18n(document);
  $("#btn-lang").textContent = t("lang_other");
  wire();
  const session = loadSession();
  if (session && session.token) {
    S.session = session;
    enterWork();
  } else {
    showLogin();
  }
}

boot();
