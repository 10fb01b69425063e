// The manager's view: the hall live (WS /ws/hall: snapshot first, then events; a gap in seq
// reloads the snapshot) and the reports (GET /api/v1/reports/summary, charts drawn by the
// server as SVG, CSV/Excel/PNG downloads). Vietnamese first, English second.

import {
  $, Api, HallSocket, dateField, dateValue, el, fmtDate, fmtDuration, getLang, onLang, serverNow,
  setDateValue, setLang, syncClock, toast,
} from "/static/common.js";

const STR = {
  vi: {
    title: "Layso — Quản lý",
    tab_live: "Trực tiếp", tab_reports: "Báo cáo",
    login_title: "Đăng nhập quản lý",
    login_hint: "Dành cho lãnh đạo và quản lý Trung tâm.",
    username: "Tên đăng nhập", password: "Mật khẩu", login: "Đăng nhập", logout: "Đăng xuất",
    not_manager: "Tài khoản {user} có vai trò {role}; trang này dành cho quản lý.",
    fill_in: "Hãy nhập tên đăng nhập và mật khẩu.",
    session_over: "Phiên làm việc đã hết hạn. Hãy đăng nhập lại.",
    conn_online: "Trực tuyến", conn_connecting: "Đang kết nối…",
    conn_offline: "Mất kết nối — đang thử lại",
    counters: "Quầy", queues: "Hàng chờ theo lĩnh vực", devices: "Thiết bị",
    service: "Lĩnh vực", waiting: "Đang chờ", longest_wait: "Chờ lâu nhất", target: "Chỉ tiêu",
    estimate: "Ước tính",
    open: "Đang mở cửa", closed: "Ngoài giờ",
    st_idle: "Sẵn sàng", st_called: "Đang gọi", st_serving: "Đang phục vụ", st_paused: "Tạm dừng",
    no_reason: "không ghi lý do", officer: "Cán bộ", nobody: "Chưa có cán bộ",
    release: "Giải phóng", release_title: "Giải phóng quầy: đăng xuất cán bộ đang giữ quầy",
    release_confirm: "Đăng xuất {officer} khỏi quầy {counter}? Dùng khi cán bộ đã rời quầy mà chưa đăng xuất.",
    released: "Quầy {counter} đã được giải phóng ({sessions} phiên đăng nhập kết thúc).",
    since: "{t}", counters_summary: "{serving} phục vụ · {called} đang gọi · {paused} tạm dừng · {idle} sẵn sàng",
    k_waiting: "Đang chờ", k_longest: "Chờ lâu nhất", k_issued: "Đã cấp hôm nay",
    k_served: "Đã phục vụ", k_no_show: "Vắng mặt", k_wait_mean: "Chờ trung bình",
    k_satisfaction: "Hài lòng hôm nay", k_of_rated: "{n} lượt đánh giá tại quầy",
    no_alerts: "Không có cảnh báo.", alert_wait: "Vượt chỉ tiêu chờ", alert_device: "Thiết bị lỗi",
    alert_store: "Không lưu được dữ liệu", store_since: "từ {t}, đã từ chối {n} yêu cầu",
    dev_ok: "Bình thường", dev_unknown: "Chưa rõ",
    p_day: "Ngày", p_week: "Tuần", p_month: "Tháng", p_range: "Khoảng", date: "Ngày",
    date_from: "Từ ngày", to: "Đến ngày", show_report: "Xem báo cáo", chart_png: "Biểu đồ PNG",
    chart: "Biểu đồ", c_hours: "Theo giờ", c_days: "Theo ngày", c_satisfaction: "Hài lòng",
    report_heading: "Báo cáo hoạt động", generated: "lập lúc {t}",
    by_service: "Theo lĩnh vực", by_counter: "Theo quầy", by_officer: "Theo cán bộ",
    satisfaction: "Mức độ hài lòng (đánh giá tại quầy)", dossiers: "Hồ sơ",
    r_issued: "Số phiếu cấp", r_served: "Đã phục vụ", r_no_show: "Vắng mặt",
    r_transferred: "Chuyển tiếp", r_wait: "Thời gian chờ TB", r_service: "Thời gian phục vụ TB",
    r_satisfaction: "Tỷ lệ hài lòng", r_ontime: "Đúng và trước hạn",
    r_median_p90: "trung vị {m} · P90 {p}", r_rated: "{n} lượt đánh giá tại quầy",
    r_judged: "{n} hồ sơ trả có hẹn", r_of_issued: "{p} số phiếu",
    col_code: "Mã", col_service: "Lĩnh vực", col_issued: "Cấp", col_served: "Phục vụ",
    col_no_show: "Vắng", col_transferred: "Chuyển", col_cancelled: "Hủy", col_expired: "Hết hạn",
    col_wait_mean: "Chờ TB", col_wait_median: "Chờ trung vị", col_wait_p90: "Chờ P90",
    col_service_mean: "Phục vụ TB", col_satisfaction: "Hài lòng", col_counter: "Quầy",
    col_calls: "Lượt gọi", col_paused: "Tạm dừng", col_officer: "Cán bộ",
    col_received: "Tiếp nhận", col_returned: "Trả KQ", col_early: "Trước hạn",
    col_on_time: "Đúng hạn", col_late: "Quá hạn", col_no_due: "Không hẹn",
    col_rate: "Tỷ lệ", total: "Tổng cộng", unknown_officer: "(không rõ)",
    late_title: "Hồ sơ trả quá hạn", late_hours: "{h} giờ làm việc",
    reasons: "Lý do chưa hài lòng", sat_rate: "Hài lòng và rất hài lòng: {p}",
    ontime_rate: "Đúng và trước hạn: {p}", none: "—",
    loading: "Đang tải…", downloaded: "Đã tải {name}.",
    need_date: "Hãy nhập ngày theo dạng ngày/tháng/năm, ví dụ 28/04/2026.",
  },
  en: {
    title: "Layso — Manager",
    tab_live: "Live", tab_reports: "Reports",
    login_title: "Manager sign-in",
    login_hint: "For the centre's managers.",
    username: "Username", password: "Password", login: "Sign in", logout: "Sign out",
    not_manager: "{user} is a {role}; this page is for managers.",
    fill_in: "Enter your username and password.",
    session_over: "Your session has ended. Please sign in again.",
    conn_online: "Online", conn_connecting: "Connecting…", conn_offline: "Offline — retrying",
    counters: "Counters", queues: "Queues by service", devices: "Devices",
    service: "Service", waiting: "Waiting", longest_wait: "Longest wait", target: "Target",
    estimate: "Estimate",
    open: "Open", closed: "Closed",
    st_idle: "Ready", st_called: "Calling", st_serving: "Serving", st_paused: "Paused",
    no_reason: "no reason given", officer: "Officer", nobody: "No officer",
    release: "Release", release_title: "Release the counter: sign its officer out",
    release_confirm: "Sign {officer} out of counter {counter}? For an officer who left without signing out.",
    released: "Counter {counter} released ({sessions} session(s) ended).",
    since: "{t}", counters_summary: "{serving} serving · {called} calling · {paused} paused · {idle} ready",
    k_waiting: "Waiting", k_longest: "Longest wait", k_issued: "Issued today",
    k_served: "Served", k_no_show: "No-show", k_wait_mean: "Mean wait",
    k_satisfaction: "Satisfaction today", k_of_rated: "{n} counter ratings",
    no_alerts: "No alerts.", alert_wait: "Wait over target", alert_device: "Device fault",
    alert_store: "Nothing can be saved", store_since: "since {t}, {n} requests refused",
    dev_ok: "OK", dev_unknown: "Unknown",
    p_day: "Day", p_week: "Week", p_month: "Month", p_range: "Range", date: "Date",
    date_from: "From", to: "To", show_report: "Show report", chart_png: "Chart PNG",
    chart: "Chart", c_hours: "By hour", c_days: "By day", c_satisfaction: "Satisfaction",
    report_heading: "Activity report", generated: "generated {t}",
    by_service: "By service", by_counter: "By counter", by_officer: "By officer",
    satisfaction: "Satisfaction (counter ratings)", dossiers: "Dossiers",
    r_issued: "Tickets issued", r_served: "Served", r_no_show: "No-show",
    r_transferred: "Transferred", r_wait: "Mean wait", r_service: "Mean service time",
    r_satisfaction: "Satisfaction rate", r_ontime: "On-time rate",
    r_median_p90: "median {m} · 90th pct {p}", r_rated: "{n} counter ratings",
    r_judged: "{n} returned with a due date", r_of_issued: "{p} of issued",
    col_code: "Code", col_service: "Service", col_issued: "Issued", col_served: "Served",
    col_no_show: "No-show", col_transferred: "Transf.", col_cancelled: "Cancelled",
    col_expired: "Expired", col_wait_mean: "Mean wait", col_wait_median: "Median wait",
    col_wait_p90: "P90 wait", col_service_mean: "Mean service", col_satisfaction: "Satisfied",
    col_counter: "Counter", col_calls: "Calls", col_paused: "Paused", col_officer: "Officer",
    col_received: "Received", col_returned: "Returned", col_early: "Early",
    col_on_time: "On time", col_late: "Late", col_no_due: "No due date",
    col_rate: "Rate", total: "Total", unknown_officer: "(unknown)",
    late_title: "Dossiers returned late", late_hours: "{h} working hours",
    reasons: "Reasons for low ratings", sat_rate: "Satisfied or very satisfied: {p}",
    ontime_rate: "On time or early: {p}", none: "—",
    loading: "Loading…", downloaded: "Downloaded {name}.",
    need_date: "Type the date as day/month/year, e.g. 28/04/2026.",
  },
};

function tr(key, params = {}) {
  const raw = STR[getLang()][key] ?? STR.vi[key] ?? key;
  return raw.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

function named(obj, field = "name") {
  if (!obj) return "";
  return getLang() === "en" ? (obj[`${field}_en`] || obj[field] || "") : (obj[field] || "");
}

function applyStrings(root = document) {
  for (const node of root.querySelectorAll("[data-m]")) node.textContent = tr(node.dataset.m);
  document.title = tr("title");
  $("#btn-lang").textContent = getLang() === "vi" ? "EN" : "VI";
}

// ---- formatting ------------------------------------------------------------------------

const locale = () => (getLang() === "vi" ? "vi-VN" : "en-GB");
const fmtInt = (n) => (n === null || n === undefined ? tr("none") :
  new Intl.NumberFormat(locale()).format(n));
const fmtPct = (x) => (x === null || x === undefined ? tr("none") :
  new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(x));

/** Waits and service times with their units ("12 phút", "1 giờ 05 phút"), never "0:12";
 * whole minutes from a minute on (narrow cells). Timers that tick show seconds: fmtTimer. */
const fmtDur = (total) => fmtDuration(total, getLang(), { seconds: false });
const fmtTimer = (total) => fmtDuration(total, getLang());

const fmtMin = (seconds) => fmtInt(Math.floor(seconds / 60));

let hallZone = "Asia/Ho_Chi_Minh";

function hallTime(ms) {
  return new Intl.DateTimeFormat(locale(), {
    timeZone: hallZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  }).format(new Date(ms));
}

/** The hall's local date (YYYY-MM-DD) at the server's clock. */
function hallToday() {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: hallZone, year: "numeric", month: "2-digit", day: "2-digit",
  }).formatToParts(new Date(serverNow()));
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

// ---- session ---------------------------------------------------------------------------

const TOKEN_KEY = "layso.manage.token";
const USER_KEY = "layso.manage.user";
let token = sessionStorage.getItem(TOKEN_KEY);
const api = new Api(() => token, () => signOut(tr("session_over")));
let socket = null;
let timers = [];

function showView(name) {
  for (const v of ["login", "live", "reports"]) $(`#${v}-view`).hidden = v !== name;
  for (const b of document.querySelectorAll(".tab")) {
    b.setAttribute("aria-selected", String(b.dataset.tab === name));
    b.classList.toggle("active", b.dataset.tab === name);
  }
}

async function signIn(ev) {
  ev.preventDefault();
  const username = $("#login-user").value.trim();
  const password = $("#login-pass").value;
  const err = $("#login-error");
  err.hidden = true;
  if (!username || !password) { err.textContent = tr("fill_in"); err.hidden = false; return; }
  $("#btn-login").disabled = true;
  try {
    const { data } = await api.post("/api/v1/auth/login", { username, password }, { auth: false });
    if (!["manager", "admin"].includes(data.role)) {
      token = data.token;
      api.post("/api/v1/auth/logout").catch(() => {});
      token = null;
      err.textContent = tr("not_manager", { user: data.username, role: data.role });
      err.hidden = false;
      return;
    }
    token = data.token;
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, data.username);
    $("#login-pass").value = "";
    start();
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
  } finally {
    $("#btn-login").disabled = false;
  }
}

function signOut(message) {
  if (token) api.post("/api/v1/auth/logout").catch(() => {});
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  socket?.stop();
  socket = null;
  for (const t of timers) clearInterval(t);
  timers = [];
  for (const id of ["#tabs", "#conn", "#clock", "#who", "#btn-logout"]) $(id).hidden = true;
  showView("login");
  if (message) { $("#login-error").textContent = message; $("#login-error").hidden = false; }
}

function start() {
  for (const id of ["#tabs", "#conn", "#clock", "#who", "#btn-logout"]) $(id).hidden = false;
  $("#who").textContent = sessionStorage.getItem(USER_KEY) || "";
  showView("live");
  socket = new HallSocket({
    token,
    onSnapshot: onSnapshot,
    onEvent: onEvent,
    onPassing: (msg) => { if (msg.type === "device_health") onDevice(msg); },
    onStatus: (s) => {
      $("#conn").dataset.state = s;
      $("#conn-text").textContent = tr(`conn_${s}`);
    },
    onUnauthorized: () => signOut(tr("session_over")),
  });
  socket.start();
  timers.push(setInterval(tick, 1000));
  timers.push(setInterval(refreshLive, 20000));
  tick();
}

let dateTouched = false;

/** The report's date follows the hall's today (server clock) until the manager picks one. */
function defaultDate() {
  if (!dateTouched) setDateValue($("#r-date"), hallToday());
}

// ---- the hall, live --------------------------------------------------------------------

const live = { counters: [], services: [], devices: [], today: null, open: true, at: 0,
  store: null };
let refreshTimer = null;

function onSnapshot(snap) {
  hallZone = snap.hall.timezone || hallZone;
  $("#hall-name").textContent = named(snap.hall);
  live.counters = snap.counters;
  live.devices = snap.devices || [];
  live.services = snap.services.map((s) => ({ ...s, ...(findService(s.code) || {}), ...s }));
  live.at = serverNow();
  live.open = snap.open;
  defaultDate();
  renderLive();
  tick();
  refreshLive();
}

function findService(code) { return live.services.find((s) => s.code === code); }

// Every event refreshes the live view; none is left out (tests/trust/test_event_contract.py).
const EVENTS_IGNORED = [];

function onEvent(ev) {
  if (EVENTS_IGNORED.includes(ev.type)) return;
  const c = live.counters.find((x) => x.number === (ev.counter ?? ev.from_counter));
  if (c) {
    if (ev.type === "called" || ev.type === "recalled") {
      Object.assign(c, { state: "called", since: ev.at, visit_id: ev.visit_id,
        ticket: { number: ev.number, service: ev.service, priority: ev.priority } });
    } else if (ev.type === "started") {
      Object.assign(c, { state: "serving", since: ev.at });
    } else if (["finished", "skipped", "transferred"].includes(ev.type)) {
      Object.assign(c, { state: "idle", since: null, ticket: null });
    } else if (ev.type === "counter_paused") {
      Object.assign(c, { state: "paused", since: ev.at, pause_reason: ev.reason || null });
    } else if (ev.type === "counter_resumed") {
      Object.assign(c, { state: "idle", since: null, pause_reason: null });
    }
    renderCounters();
  }
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshLive, 250);
}

function onDevice(ev) {
  const i = live.devices.findIndex((d) => d.name === ev.name);
  const d = { name: ev.name, kind: ev.kind, counter: ev.counter, online: ev.online,
    status: ev.status, detail: ev.detail, since: ev.since };
  if (i >= 0) live.devices[i] = d; else live.devices.push(d);
  renderLive();
}

/** Signs out whoever holds a counter (an officer who closed the tab still holds it for the
 * rest of the session's 12 hours): POST /api/v1/counters/{n}/release, then a fresh live view. */
async function releaseCounter(c) {
  if (!window.confirm(tr("release_confirm", { officer: c.officer, counter: c.label }))) return;
  try {
    const { data } = await api.post(`/api/v1/counters/${c.number}/release`);
    toast(tr("released", { counter: data.label, sessions: data.sessions }), "ok");
  } catch (e) {
    if (e.status !== 401) toast(e.message, "error");
  }
  await refreshLive();
}

async function refreshLive() {
  if (!token) return;
  try {
    const { data } = await api.get("/api/v1/manage/live");
    syncClock(data.now);
    hallZone = data.hall.timezone || hallZone;
    $("#hall-name").textContent = named(data.hall);
    Object.assign(live, { counters: data.counters, services: data.services,
      devices: data.devices.length ? data.devices : live.devices, today: data.today,
      open: data.open, store: data.store || null, at: serverNow() });
    defaultDate();
    renderLive();
  } catch (e) {
    if (e.status !== 401) toast(e.message, "error");
  }
}

/** Longest wait of a service now: the server's figure plus the time since it was read. */
function longestNow(s) {
  if (!s.waiting) return 0;
  return (s.longest_wait_s || 0) + Math.max(0, (serverNow() - live.at) / 1000);
}

function secondsSinceIso(iso) { return Math.max(0, (serverNow() - Date.parse(iso)) / 1000); }

function tick() {
  $("#clock").textContent = hallTime(serverNow());
  for (const node of document.querySelectorAll("[data-since]")) {
    node.textContent = fmtTimer(secondsSinceIso(node.dataset.since));
  }
  renderQueues();
  renderAlerts();
  renderLiveKpis();
}

function renderLive() {
  renderLiveKpis();
  renderAlerts();
  renderCounters();
  renderQueues();
  renderDevices();
  $("#hall-open").textContent = tr(live.open ? "open" : "closed");
  $("#hall-open").dataset.kind = live.open ? "ok" : "muted";
}

function kpi(label, value, sub = "", kind = "") {
  return el("div", { class: `kpi ${kind}` }, el("span", { class: "kpi-label" }, label),
    el("strong", { class: "kpi-value" }, value), sub ? el("span", { class: "kpi-sub" }, sub) : null);
}

function renderLiveKpis() {
  const waiting = live.services.reduce((n, s) => n + (s.waiting || 0), 0);
  let worst = null;
  for (const s of live.services) if (s.waiting && (!worst || longestNow(s) > longestNow(worst))) worst = s;
  const over = worst && worst.target_wait_s && longestNow(worst) > worst.target_wait_s;
  const t = live.today || {};
  $("#kpis-live").replaceChildren(
    kpi(tr("k_waiting"), fmtInt(waiting)),
    kpi(tr("k_longest"), worst ? fmtDur(longestNow(worst)) : tr("none"),
      worst ? named(worst) : "", over ? "bad" : ""),
    kpi(tr("k_issued"), fmtInt(t.issued ?? 0)),
    kpi(tr("k_served"), fmtInt(t.served ?? 0)),
    kpi(tr("k_no_show"), fmtInt(t.no_show ?? 0)),
    kpi(tr("k_wait_mean"), fmtDur(t.wait_mean_s)),
    kpi(tr("k_satisfaction"), fmtPct(t.satisfaction_rate), tr("k_of_rated", { n: fmtInt(t.rated ?? 0) })),
  );
}

function alertsNow() {
  const out = [];
  if (live.store) {  // the database refuses writes (disk full, connection lost)
    const s = live.store;
    const since = tr("store_since", { t: hallTime(Date.parse(s.since)), n: fmtInt(s.refused) });
    out.push({ kind: "store", title: tr("alert_store"),
      text: `${getLang() === "vi" ? s.vi : s.en} (${since})` });
  }
  for (const s of live.services) {
    const wait = longestNow(s);
    if (s.target_wait_s && s.waiting && wait > s.target_wait_s) {
      out.push({ kind: "wait", title: tr("alert_wait"),
        text: getLang() === "vi"
          ? `${named(s)}: có công dân đã chờ ${fmtMin(wait)} phút (chỉ tiêu ${fmtMin(s.target_wait_s)} phút); ${s.waiting} người đang chờ.`
          : `${named(s)}: a citizen has waited ${fmtMin(wait)} min (target ${fmtMin(s.target_wait_s)} min); ${s.waiting} waiting.` });
    }
  }
  for (const d of live.devices) {
    if (d.online === false || !["ok", "unknown"].includes(d.status)) {
      const where = d.counter ? ` — ${tr("col_counter")} ${counterLabel(d.counter)}` : "";
      out.push({ kind: "device", title: tr("alert_device"),
        text: `${d.name}${where}: ${d.status}${d.detail ? ` (${d.detail})` : ""}` });
    }
  }
  return out;
}

function renderAlerts() {
  const items = alertsNow();
  const box = $("#alerts");
  box.replaceChildren(...items.map((a) => el("div", { class: `alert ${a.kind}`, role: "alert" },
    el("b", {}, a.title), el("span", {}, a.text))));
  box.hidden = items.length === 0;
}

function counterLabel(n) {
  const c = live.counters.find((x) => x.number === n);
  return c ? c.label : String(n);
}

function renderCounters() {
  const counts = { serving: 0, called: 0, paused: 0, idle: 0 };
  const faults = new Map();
  for (const d of live.devices) {
    if (d.counter && (d.online === false || !["ok", "unknown"].includes(d.status))) {
      faults.set(d.counter, [...(faults.get(d.counter) || []), d]);
    }
  }
  const cards = live.counters.map((c) => {
    counts[c.state] = (counts[c.state] || 0) + 1;
    const svc = c.ticket ? findService(c.ticket.service) : null;
    const body = [];
    if (c.state === "called" || c.state === "serving") {
      body.push(el("div", { class: "c-number" }, c.ticket ? c.ticket.number : "—"));
      body.push(el("div", { class: "c-service" }, svc ? named(svc) : (c.ticket?.service || "")));
    } else if (c.state === "paused") {
      body.push(el("div", { class: "c-reason" }, c.pause_reason || tr("no_reason")));
    } else {
      body.push(el("div", { class: "c-idle" }, "—"));
    }
    const foot = [el("span", { class: "c-officer" }, c.officer || tr("nobody"))];
    if (c.officer) {
      foot.push(el("button", { type: "button", class: "c-release", title: tr("release_title"),
        "data-release": c.number, onclick: () => releaseCounter(c) }, tr("release")));
    }
    if (c.since && c.state !== "idle") {
      foot.push(el("span", { class: "c-timer", "data-since": c.since }, fmtTimer(secondsSinceIso(c.since))));
    }
    const devs = (faults.get(c.number) || []).map((d) => el("span", { class: "c-fault" }, `⚠ ${d.name}: ${d.status}`));
    return el("article", { class: "counter", "data-state": c.state, "data-counter": c.number },
      el("header", {}, el("span", { class: "c-label" }, `${tr("col_counter")} ${c.label}`),
        el("span", { class: "state-pill" }, tr(`st_${c.state}`))),
      ...body, ...devs, el("footer", {}, ...foot));
  });
  $("#counters").replaceChildren(...cards);
  $("#counters-summary").textContent = tr("counters_summary", counts);
}

function renderQueues() {
  const rows = live.services.map((s) => {
    const wait = longestNow(s);
    const over = s.target_wait_s && s.waiting && wait > s.target_wait_s;
    const share = s.target_wait_s ? Math.min(1, wait / s.target_wait_s) : 0;
    return el("tr", { class: over ? "over" : "", "data-service": s.code },
      el("td", {}, el("b", {}, s.code), " ", named(s)),
      el("td", { class: "num" }, fmtInt(s.waiting)),
      el("td", { class: "num" }, el("span", { class: "wait" }, s.waiting ? fmtDur(wait) : tr("none")),
        s.target_wait_s ? el("span", { class: "bar" }, el("i", { style: `width:${(share * 100).toFixed(0)}%` })) : null),
      el("td", { class: "num muted" }, s.target_wait_s ? fmtDur(s.target_wait_s) : tr("none")),
      el("td", { class: "num muted" }, s.waiting ? fmtDur(s.estimated_wait_s) : tr("none")));
  });
  $("#queues tbody").replaceChildren(...rows);
}

function renderDevices() {
  $("#devices-card").hidden = live.devices.length === 0;
  $("#devices").replaceChildren(...live.devices.map((d) => {
    const bad = d.online === false || !["ok", "unknown"].includes(d.status);
    const status = d.status === "ok" ? tr("dev_ok") : d.status === "unknown" ? tr("dev_unknown") : d.status;
    return el("li", { class: bad ? "bad" : "" }, el("span", { class: "dot" }),
      el("b", {}, d.name), el("span", { class: "muted" }, d.counter ? ` ${tr("col_counter")} ${counterLabel(d.counter)}` : ""),
      el("span", { class: "dev-status" }, status + (d.detail && bad ? ` — ${d.detail}` : "")));
  }));
}

// ---- reports ---------------------------------------------------------------------------

let report = null;

function periodParams() {
  const kind = document.querySelector("input[name=kind]:checked").value;
  const d = dateValue($("#r-date")); // dd/mm/yyyy in the field, whatever the browser's locale
  if (!d) return null;
  if (kind === "range") {
    if ($("#r-to").value.trim() && !dateValue($("#r-to"))) return null;
    return { from: d, to: dateValue($("#r-to")) || d };
  }
  return { period: kind, date: d };
}

function query(params) {
  return new URLSearchParams(params).toString();
}

async function loadReport(ev) {
  ev?.preventDefault();
  const params = periodParams();
  const err = $("#report-error");
  err.hidden = true;
  if (!params) { err.textContent = tr("need_date"); err.hidden = false; return; }
  $("#btn-report").disabled = true;
  $("#btn-report").textContent = tr("loading");
  try {
    const { data } = await api.get(
      `/api/v1/reports/summary?${query({ ...params, charts: "true", lang: getLang() })}`,
      { timeoutMs: 120000 });
    report = { data, params, charts: data.charts, chartsLang: getLang() };
    renderReport();
    await loadChart();
    for (const id of ["#dl-csv", "#dl-xlsx", "#dl-png"]) $(id).disabled = false;
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
  } finally {
    $("#btn-report").disabled = false;
    $("#btn-report").textContent = tr("show_report");
  }
}

async function loadChart() {
  if (!report) return;
  const kind = document.querySelector("input[name=chart]:checked").value;
  if (report.charts && report.chartsLang === getLang() && report.charts[kind]) {
    // Drawn by the server with the report (it escapes every text in it).
    $("#chart").innerHTML = report.charts[kind];
    return;
  }
  const qs = query({ ...report.params, kind, lang: getLang() });
  const resp = await fetch(`/api/v1/reports/chart?${qs}`, {
    headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  if (!resp.ok) { $("#chart").textContent = `${resp.status}`; return; }
  // The server draws the SVG and escapes every text in it.
  $("#chart").innerHTML = await resp.text();
}

async function download(path, params) {
  const resp = await fetch(`${path}?${query(params)}`, {
    headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  if (!resp.ok) {
    let detail = `${resp.status}`;
    try { detail = (await resp.json()).detail || detail; } catch { /* keep the status */ }
    toast(detail, "error");
    return;
  }
  const blob = await resp.blob();
  const cd = resp.headers.get("content-disposition") || "";
  const name = (cd.match(/filename="([^"]+)"/) || [])[1] || "layso-report";
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
  toast(tr("downloaded", { name }), "ok", 2500);
}

function statsLine(st) {
  return st && st.count ? tr("r_median_p90", { m: fmtDur(st.median_s), p: fmtDur(st.p90_s) }) : "";
}

function renderReport() {
  const r = report.data;
  $("#report").hidden = false;
  $("#report-heading").textContent = `${tr("report_heading")} — ${named(r.hall)}`;
  const p = r.period;
  const span = p.from === p.to ? fmtDate(p.from) : `${fmtDate(p.from)} – ${fmtDate(p.to)}`;
  const at = new Date(r.generated_at);
  $("#report-period").textContent = `${span} · ${tr("generated", { t: hallTime(at.getTime()) })}`;
  $("#report-empty").hidden = !r.empty;
  $("#report-empty").textContent = r.empty ? (getLang() === "en" ? r.message.en : r.message.vi) : "";
  const t = r.totals;
  const d = r.dossiers;
  const judged = d.early + d.on_time + d.late;
  $("#kpis-report").replaceChildren(
    kpi(tr("r_issued"), fmtInt(t.issued)),
    kpi(tr("r_served"), fmtInt(t.served), t.issued ? tr("r_of_issued", { p: fmtPct(t.served / t.issued) }) : ""),
    kpi(tr("r_no_show"), fmtInt(t.no_show)),
    kpi(tr("r_transferred"), fmtInt(t.transferred)),
    kpi(tr("r_wait"), fmtDur(t.wait.mean_s), statsLine(t.wait)),
    kpi(tr("r_service"), fmtDur(t.service_time.mean_s), statsLine(t.service_time)),
    kpi(tr("r_satisfaction"), fmtPct(r.satisfaction.satisfaction_rate), tr("r_rated", { n: fmtInt(r.satisfaction.rated) })),
    kpi(tr("r_ontime"), fmtPct(d.on_time_rate), tr("r_judged", { n: fmtInt(judged) })),
  );
  table("#t-services", r.by_service, [
    ["col_code", (x) => x.service], ["col_service", (x) => named(x)],
    ["col_issued", (x) => fmtInt(x.issued), "num"], ["col_served", (x) => fmtInt(x.served), "num"],
    ["col_no_show", (x) => fmtInt(x.no_show), "num"], ["col_transferred", (x) => fmtInt(x.transferred), "num"],
    ["col_cancelled", (x) => fmtInt(x.cancelled), "num"], ["col_expired", (x) => fmtInt(x.expired), "num"],
    ["col_wait_mean", (x) => fmtDur(x.wait.mean_s), "num"], ["col_wait_median", (x) => fmtDur(x.wait.median_s), "num"],
    ["col_wait_p90", (x) => fmtDur(x.wait.p90_s), "num"], ["col_service_mean", (x) => fmtDur(x.service_time.mean_s), "num"],
    ["col_satisfaction", (x) => fmtPct(x.satisfaction_rate), "num"],
  ], { service: tr("total"), name: "", name_en: "", ...t, satisfaction_rate: r.satisfaction.satisfaction_rate });
  table("#t-counters", r.by_counter, [
    ["col_counter", (x) => x.label], ["col_calls", (x) => fmtInt(x.calls), "num"],
    ["col_served", (x) => fmtInt(x.served), "num"], ["col_no_show", (x) => fmtInt(x.no_show), "num"],
    ["col_wait_mean", (x) => fmtDur(x.wait.mean_s), "num"], ["col_service_mean", (x) => fmtDur(x.service_time.mean_s), "num"],
    ["col_satisfaction", (x) => fmtPct(x.satisfaction_rate), "num"], ["col_paused", (x) => fmtDur(x.paused_s), "num"],
  ]);
  table("#t-officers", r.by_officer, [
    ["col_officer", (x) => x.full_name || x.username || tr("unknown_officer")],
    ["col_calls", (x) => fmtInt(x.calls), "num"], ["col_served", (x) => fmtInt(x.served), "num"],
    ["col_service_mean", (x) => fmtDur(x.service_time.mean_s), "num"],
    ["col_satisfaction", (x) => fmtPct(x.satisfaction_rate), "num"],
  ]);
  renderSatisfaction(r.satisfaction);
  $("#ontime-rate").textContent = tr("ontime_rate", { p: fmtPct(d.on_time_rate) });
  const svcName = (code) => named(r.by_service.find((s) => s.service === code)) || code;
  table("#t-dossiers", d.by_service.filter((x) => x.received || x.returned), [
    ["col_service", (x) => svcName(x.service)], ["col_received", (x) => fmtInt(x.received), "num"],
    ["col_returned", (x) => fmtInt(x.returned), "num"], ["col_early", (x) => fmtInt(x.early), "num"],
    ["col_on_time", (x) => fmtInt(x.on_time), "num"], ["col_late", (x) => fmtInt(x.late), "num"],
    ["col_rate", (x) => fmtPct(x.on_time_rate), "num"],
  ], { service: tr("total"), ...d });
  const late = d.late_list || [];
  $("#late-list").replaceChildren(...(late.length ? [
    el("h3", {}, tr("late_title")),
    el("ul", { class: "late" }, ...late.slice(0, 20).map((x) => el("li", {},
      el("code", {}, x.dossier_code), ` ${svcName(x.service)} · ${fmtDate(x.due_date)} → `,
      el("b", {}, tr("late_hours", { h: new Intl.NumberFormat(locale()).format(x.late_working_hours) }))))),
  ] : []));
}

function table(sel, rows, cols, totals = null) {
  const head = el("tr", {}, ...cols.map(([k, , cls]) => el("th", { class: cls || "" }, tr(k))));
  const body = rows.map((x) => el("tr", {}, ...cols.map(([, f, cls]) => el("td", { class: cls || "" }, f(x)))));
  const parts = [el("thead", {}, head), el("tbody", {}, ...body)];
  if (totals && rows.length > 1) {
    parts.push(el("tfoot", {}, el("tr", {}, ...cols.map(([, f, cls], i) => el("td", { class: cls || "" },
      i === 0 ? tr("total") : (() => { try { return f(totals); } catch { return ""; } })())))));
  }
  $(sel).replaceChildren(...parts);
}

function renderSatisfaction(sat) {
  $("#sat-rate").textContent = tr("sat_rate", { p: fmtPct(sat.satisfaction_rate) });
  const levels = [...sat.levels].reverse();
  $("#sat-levels").replaceChildren(...levels.map((lv, i) => el("div", { class: "level" },
    el("span", { class: "lv-name" }, named(lv)),
    el("span", { class: "lv-bar" }, el("i", { class: `lv${levels.length - i}`, style: `width:${((lv.share || 0) * 100).toFixed(1)}%` })),
    el("span", { class: "lv-count" }, `${fmtInt(lv.count)} · ${fmtPct(lv.share)}`))));
  const reasons = sat.reasons || [];
  $("#sat-reasons").replaceChildren(...(reasons.length ? [el("h3", {}, tr("reasons")),
    el("ul", { class: "reasons" }, ...reasons.map((x) => el("li", {}, x.reason, el("b", {}, fmtInt(x.count)))))] : []));
}

function syncPeriodInputs() {
  const kind = document.querySelector("input[name=kind]:checked").value;
  $("#to-wrap").hidden = kind !== "range";
  $("#date-label").textContent = tr(kind === "range" ? "date_from" : "date");
}

// ---- wiring ----------------------------------------------------------------------------

function init() {
  applyStrings();
  onLang(() => {
    applyStrings();
    $("#conn-text").textContent = tr(`conn_${$("#conn").dataset.state}`);
    syncPeriodInputs();
    if (token) renderLive();
    if (report) { renderReport(); loadChart(); }
  });
  $("#btn-lang").addEventListener("click", () => setLang(getLang() === "vi" ? "en" : "vi"));
  $("#login-form").addEventListener("submit", signIn);
  $("#btn-logout").addEventListener("click", () => signOut());
  for (const b of document.querySelectorAll(".tab")) {
    b.addEventListener("click", () => {
      showView(b.dataset.tab);
      if (b.dataset.tab === "reports" && !report && dateValue($("#r-date"))) loadReport();
    });
  }
  dateField($("#r-date"));
  dateField($("#r-to"));
  $("#report-form").addEventListener("submit", loadReport);
  $("#period-kind").addEventListener("change", syncPeriodInputs);
  for (const id of ["#r-date", "#r-to"]) $(id).addEventListener("input", () => { dateTouched = true; });
  $("#chart-kind").addEventListener("change", () => loadChart());
  $("#dl-csv").addEventListener("click", () => report && download("/api/v1/reports/summary", { ...report.params, format: "csv" }));
  $("#dl-xlsx").addEventListener("click", () => report && download("/api/v1/reports/summary", { ...report.params, format: "xlsx" }));
  $("#dl-png").addEventListener("click", () => report && download("/api/v1/reports/chart", {
    ...report.params, kind: document.querySelector("input[name=chart]:checked").value,
    format: "png", lang: getLang(), download: "true" }));
  syncPeriodInputs();
  if (token) start(); else showView("login");
}

init();
