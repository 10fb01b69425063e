// Shared by the officer's panel and the rating tablet: the string catalogue (Vietnamese first,
// English second), the API client, the hall WebSocket with sequence checks and reconnects,
// the server clock, and small DOM helpers. Plain ES module, no build step.

export const STRINGS = {
  vi: {
    app: "Layso — Quầy",
    lang_other: "EN",
    lang_name: "Tiếng Việt",
    // connection
    conn_online: "Trực tuyến",
    conn_connecting: "Đang kết nối…",
    conn_offline: "Mất kết nối — đang thử lại",
    network: "Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.",
    server_error: "Máy chủ trả lỗi {status}.",
    session_over: "Phiên làm việc đã hết hạn hoặc bị thu hồi. Hãy đăng nhập lại.",
    // login
    login_title: "Đăng nhập quầy",
    login_hint: "Cán bộ đăng nhập bằng tài khoản được cấp và chọn quầy làm việc.",
    username: "Tên đăng nhập",
    password: "Mật khẩu",
    counter_no: "Quầy số",
    login: "Đăng nhập",
    logout: "Đăng xuất",
    not_officer: "Trang này dành cho cán bộ tại quầy; tài khoản {user} có vai trò {role}.",
    need_counter: "Hãy nhập số quầy làm việc.",
    // work view
    counter: "Quầy",
    now_serving: "Đang phục vụ",
    state_idle: "Sẵn sàng",
    state_called: "Đang gọi",
    state_serving: "Đang phục vụ",
    state_paused: "Tạm dừng",
    idle_hint: "Nhấn Gọi tiếp (F2) để mời công dân kế tiếp.",
    paused_hint: "Quầy đang tạm dừng: {reason}. Nhấn Tiếp tục (Alt+P) để làm việc lại.",
    recalls: "Đã gọi lại {n}/{max} lần",
    priority: "Ưu tiên",
    transferred_tag: "Chuyển đến",
    transferred_here: "Chuyển đến quầy này",
    // actions
    next: "Gọi tiếp",
    recall: "Gọi lại",
    start: "Công dân đã đến",
    skip: "Vắng mặt",
    call_number: "Gọi số…",
    transfer: "Chuyển…",
    pause: "Tạm dừng…",
    pause_do: "Tạm dừng",
    transfer_do: "Chuyển",
    resume: "Tiếp tục",
    finish: "Kết thúc",
    call: "Gọi",
    cancel: "Hủy",
    close: "Đóng",
    shortcuts: "Phím tắt",
    nobody_waiting: "Không còn ai chờ ở quầy này.",
    called_ok: "Đã gọi số {number}.",
    recalled_ok: "Đã gọi lại số {number}.",
    started_ok: "Bắt đầu phục vụ số {number}.",
    skipped_ok: "Số {number} vắng mặt.",
    finished_ok: "Đã kết thúc số {number}. Mời công dân đánh giá trên máy tính bảng.",
    transferred_ok: "Đã chuyển số {number} đến {target}.",
    paused_ok: "Quầy tạm dừng.",
    resumed_ok: "Quầy làm việc trở lại.",
    incoming_transfer: "Số {number} được chuyển đến {target} (từ quầy {from}){reason}.",
    // finish form
    finish_title: "Kết thúc lượt phục vụ",
    dossier_code: "Mã hồ sơ",
    dossier_hint: "Gõ hoặc quét mã; mẫu: {example}",
    dossier_bad: "Mã hồ sơ “{code}” không đúng mẫu.",
    dossier_example: "Ví dụ: {example}",
    dossier_ok: "Mã hợp lệ",
    dossier_needed: "Kết quả “{outcome}” cần có mã hồ sơ.",
    outcome: "Kết quả",
    outcome_needed: "Hãy chọn kết quả của lượt phục vụ.",
    due_date: "Hẹn trả (tùy chọn)",
    due_bad: "Ngày hẹn trả “{text}” không hợp lệ; nhập theo dạng ngày/tháng/năm, ví dụ 05/01/2026.",
    // dialogs
    call_title: "Gọi một số cụ thể",
    call_hint: "Dùng cho công dân vắng mặt quay lại hoặc gọi ngoài lượt.",
    call_anyway: "Vẫn gọi",
    ticket_number: "Số thứ tự",
    number_needed: "Hãy nhập số thứ tự.",
    transfer_title: "Chuyển công dân",
    to_service: "Đến lĩnh vực",
    to_counter: "Đến quầy",
    reason: "Lý do",
    reason_optional: "Lý do (tùy chọn)",
    pause_title: "Tạm dừng quầy",
    pause_other: "Ghi chú thêm (tùy chọn)",
    pick_target: "Hãy chọn nơi chuyển đến.",
    // side panels
    waiting: "Danh sách chờ",
    waiting_count: "{n} người chờ · {p} ưu tiên",
    waiting_empty: "Chưa có ai chờ.",
    waited: "chờ {d}",
    today: "Hôm nay tại quầy",
    served: "Đã phục vụ",
    no_show: "Vắng mặt",
    transferred: "Đã chuyển",
    dossiers: "Hồ sơ",
    avg_service: "TB phục vụ",
    avg_wait: "TB chờ",
    ratings: "Đánh giá",
    satisfaction: "Hài lòng",
    none: "—",
    // shortcut help
    help_title: "Phím tắt",
    help_in_field: "Enter trong ô mã hồ sơ: Kết thúc (máy quét mã vạch cũng gửi Enter).",
    help_focus: "Về ô mã hồ sơ",
    help_lang: "Đổi ngôn ngữ",
    help_help: "Bảng phím tắt",
    // rating tablet
    rate_title: "Đánh giá mức độ hài lòng",
    rate_question: "Ông/Bà có hài lòng với lượt phục vụ vừa rồi?",
    rate_counter: "Quầy {label}",
    rate_serving: "Đang phục vụ số",
    rate_idle: "Vui lòng chờ đến lượt",
    rate_paused: "Quầy tạm dừng",
    rate_left: "Còn {s} giây",
    rate_reason: "Xin cho biết lý do chưa hài lòng",
    rate_skip_reason: "Bỏ qua",
    rate_thanks: "Cảm ơn Ông/Bà!",
    rate_thanks_sub: "Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn.",
    rate_ticket: "Số {number}",
    setup_title: "Cài đặt máy đánh giá",
    setup_hint: "Nhập mã thiết bị (token) do kỹ thuật viên tạo bằng lệnh: layso device add TÊN --kind rating --counter {counter}",
    setup_token: "Mã thiết bị",
    setup_save: "Lưu",
    setup_wrong_counter: "Mã này thuộc quầy {counter}, không phải quầy {want}.",
    setup_wrong_kind: "Mã này không phải của máy đánh giá (vai trò: {role}).",
    setup_rejected: "Máy chủ không nhận mã này.",
  },
  en: {
    app: "Layso — Counter",
    lang_other: "VI",
    lang_name: "English",
    conn_online: "Online",
    conn_connecting: "Connecting…",
    conn_offline: "Offline — retrying",
    network: "Cannot reach the server. Check the network and try again.",
    server_error: "The server answered {status}.",
    session_over: "Your session expired or was revoked. Please log in again.",
    login_title: "Counter login",
    login_hint: "Officers log in with their account and choose the counter they work at.",
    username: "Username",
    password: "Password",
    counter_no: "Counter no.",
    login: "Log in",
    logout: "Log out",
    not_officer: "This page is for counter officers; {user} is a {role}.",
    need_counter: "Enter the counter you work at.",
    counter: "Counter",
    now_serving: "Now serving",
    state_idle: "Ready",
    state_called: "Calling",
    state_serving: "Serving",
    state_paused: "Paused",
    idle_hint: "Press Next (F2) to call the next citizen.",
    paused_hint: "The counter is paused: {reason}. Press Resume (Alt+P) to work again.",
    recalls: "Recalled {n} of {max} times",
    priority: "Priority",
    transferred_tag: "Transferred",
    transferred_here: "Sent to this counter",
    next: "Next",
    recall: "Recall",
    start: "Citizen arrived",
    skip: "No-show",
    call_number: "Call number…",
    transfer: "Transfer…",
    pause: "Pause…",
    pause_do: "Pause",
    transfer_do: "Transfer",
    resume: "Resume",
    finish: "Finish",
    call: "Call",
    cancel: "Cancel",
    close: "Close",
    shortcuts: "Shortcuts",
    nobody_waiting: "Nobody is waiting for this counter.",
    called_ok: "Called {number}.",
    recalled_ok: "Called {number} again.",
    started_ok: "Serving {number}.",
    skipped_ok: "{number} marked as a no-show.",
    finished_ok: "Finished {number}. The citizen may now rate the visit on the tablet.",
    transferred_ok: "Sent {number} to {target}.",
    paused_ok: "Counter paused.",
    resumed_ok: "Counter back at work.",
    incoming_transfer: "{number} was sent to {target} (from counter {from}){reason}.",
    finish_title: "Finish the visit",
    dossier_code: "Dossier code",
    dossier_hint: "Type or scan the code; e.g. {example}",
    dossier_bad: "Dossier code “{code}” does not fit the hall's pattern.",
    dossier_example: "E.g. {example}",
    dossier_ok: "Valid code",
    dossier_needed: "The outcome “{outcome}” needs a dossier code.",
    outcome: "Outcome",
    outcome_needed: "Choose the outcome of the visit.",
    due_date: "Result due (optional)",
    due_bad: "The due date “{text}” is not a date; type it as day/month/year, e.g. 05/01/2026.",
    call_title: "Call a given number",
    call_hint: "For a no-show who came back, or a call out of turn.",
    call_anyway: "Call anyway",
    ticket_number: "Ticket number",
    number_needed: "Enter a ticket number.",
    transfer_title: "Transfer the citizen",
    to_service: "To a service",
    to_counter: "To a counter",
    reason: "Reason",
    reason_optional: "Reason (optional)",
    pause_title: "Pause the counter",
    pause_other: "Note (optional)",
    pick_target: "Choose where to send the citizen.",
    waiting: "Waiting list",
    waiting_count: "{n} waiting · {p} priority",
    waiting_empty: "Nobody is waiting.",
    waited: "waited {d}",
    today: "Today at this counter",
    served: "Served",
    no_show: "No-shows",
    transferred: "Transferred",
    dossiers: "Dossiers",
    avg_service: "Avg. service",
    avg_wait: "Avg. wait",
    ratings: "Ratings",
    satisfaction: "Satisfied",
    none: "—",
    help_title: "Keyboard shortcuts",
    help_in_field: "Enter in the dossier code field: Finish (a barcode scanner sends Enter too).",
    help_focus: "Back to the dossier code field",
    help_lang: "Switch language",
    help_help: "This list",
    rate_title: "How satisfied are you?",
    rate_question: "Were you satisfied with the service you just received?",
    rate_counter: "Counter {label}",
    rate_serving: "Now serving",
    rate_idle: "Please wait for your number",
    rate_paused: "Counter paused",
    rate_left: "{s} s left",
    rate_reason: "Please tell us what was wrong",
    rate_skip_reason: "Skip",
    rate_thanks: "Thank you!",
    rate_thanks_sub: "Your opinion helps us serve you better.",
    rate_ticket: "Number {number}",
    setup_title: "Rating tablet set-up",
    setup_hint: "Enter the device token the technician made with: layso device add NAME --kind rating --counter {counter}",
    setup_token: "Device token",
    setup_save: "Save",
    setup_wrong_counter: "This token belongs to counter {counter}, not counter {want}.",
    setup_wrong_kind: "This is not a rating device's token (role: {role}).",
    setup_rejected: "The server does not accept this token.",
  },
};

// ---- language --------------------------------------------------------------------------

const LANG_KEY = "layso.lang";
let lang = localStorage.getItem(LANG_KEY) === "en" ? "en" : "vi";
const langListeners = [];

export function getLang() { return lang; }

export function setLang(next) {
  lang = next === "en" ? "en" : "vi";
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
  applyI18n(document);
  for (const fn of langListeners) fn(lang);
}

export function onLang(fn) { langListeners.push(fn); }

/** The catalogue string `key` in the current (or given) language, with {name} filled in. */
export function t(key, params = {}, inLang = lang) {
  const raw = STRINGS[inLang][key] ?? STRINGS.vi[key] ?? key;
  return raw.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** obj.name in Vietnamese, obj.name_en in English (falling back to the Vietnamese name). */
export function pick(obj, field = "name", inLang = lang) {
  if (!obj) return "";
  return inLang === "en" ? (obj[`${field}_en`] || obj[field] || "") : (obj[field] || "");
}

export function applyI18n(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of root.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  document.documentElement.lang = lang;
}

// ---- the server's clock ----------------------------------------------------------------

let clockOffsetMs = 0;

/** Align with the server's `now` (ISO string) so timers and rating windows use its clock. */
export function syncClock(isoNow) {
  const server = Date.parse(isoNow);
  if (!Number.isNaN(server)) clockOffsetMs = server - Date.now();
}

export function serverNow() { return Date.now() + clockOffsetMs; }

export function secondsSince(iso) {
  return Math.max(0, Math.floor((serverNow() - Date.parse(iso)) / 1000));
}

export function secondsUntil(iso) {
  return Math.max(0, Math.ceil((Date.parse(iso) - serverNow()) / 1000));
}

const UNITS = { vi: { h: "giờ", m: "phút", s: "giây" }, en: { h: "h", m: "min", s: "s" } };

/**
 * A duration that cannot be misread ("0:12" could be minutes or hours): "45 giây",
 * "3 phút 05 giây", "12 phút", "1 giờ 05 phút" / "45 s", "3 min 05 s", "12 min", "1 h 05 min".
 * Seconds are shown below ten minutes only, where they still tell something; with
 * `{ seconds: false }` (averages, tables: narrow cells) a minute or more is whole minutes.
 */
export function fmtDuration(total, inLang = lang, { seconds = true } = {}) {
  if (total === null || total === undefined) return STRINGS[inLang].none;
  const u = UNITS[inLang] || UNITS.vi;
  let s = Math.max(0, Math.round(total));
  if (!seconds && s >= 60) s = Math.round(s / 60) * 60;
  if (!seconds && s >= 60 && s < 600) return `${s / 60} ${u.m}`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n) => String(n).padStart(2, "0");
  if (h) return m ? `${h} ${u.h} ${two(m)} ${u.m}` : `${h} ${u.h}`;
  if (s >= 600) return `${m} ${u.m}`;
  if (m) return `${m} ${u.m} ${two(s % 60)} ${u.s}`;
  return `${s} ${u.s}`;
}

// ---- dates as dd/mm/yyyy ---------------------------------------------------------------

/** An ISO date (YYYY-MM-DD) as dd/mm/yyyy, the way Vietnamese papers write it. */
export function fmtDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  return m ? `${m[3]}/${m[2]}/${m[1]}` : "";
}

/** dd/mm/yyyy (also d/m/yyyy, with "." or "-") as an ISO date; null if it is no real date. */
export function parseDate(text) {
  const m = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$/.exec(text || "");
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    return null; // 31/02 and the like
  }
  return `${String(y).padStart(4, "0")}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/**
 * A text field for a date in dd/mm/yyyy whatever the browser's locale (`<input type=date>`
 * follows it: mm/dd/yyyy in an en-US browser). Typing digits inserts the slashes; the field
 * is marked invalid (and `dataset.iso` emptied) while it holds no real date.
 * `dateValue(input)` reads the ISO date, `setDateValue(input, iso)` writes one.
 */
export function dateField(input) {
  input.type = "text";
  input.inputMode = "numeric";
  input.placeholder = "dd/mm/yyyy";
  input.maxLength = 10;
  input.autocomplete = "off";
  input.addEventListener("input", (ev) => {
    if (ev.inputType && ev.inputType.startsWith("delete")) { check(input); return; }
    const digits = input.value.replace(/\D/g, "").slice(0, 8);
    const parts = [digits.slice(0, 2), digits.slice(2, 4), digits.slice(4)].filter(Boolean);
    let text = parts.join("/");
    if (digits.length === 2 || digits.length === 4) text += "/";
    if (/^[\d/]*$/.test(input.value)) input.value = text;
    check(input);
  });
  input.addEventListener("blur", () => check(input, true));
  check(input);
}

function check(input, final = false) {
  const iso = parseDate(input.value);
  input.dataset.iso = iso || "";
  const bad = input.value.trim() !== "" && !iso && (final || input.value.length >= 10);
  input.classList.toggle("invalid-date", bad);
  input.setAttribute("aria-invalid", String(bad));
}

export function dateValue(input) {
  return parseDate(input.value);
}

export function setDateValue(input, iso) {
  input.value = iso ? fmtDate(iso) : "";
  check(input);
}

// ---- HTTP ------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, body) {
    const detail = (body && body.detail) || (status === 0 ? t("network") :
      t("server_error", { status }));
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
    this.code = (body && body.error) || (status === 0 ? "network" : "error");
    this.body = body || {};
  }
}

/** JSON over fetch with the bearer token; throws ApiError with the server's own message. */
export class Api {
  constructor(getToken, onUnauthorized) {
    this.getToken = getToken;
    this.onUnauthorized = onUnauthorized;
  }

  async request(method, path, body, { timeoutMs = 10000, auth = true } = {}) {
    const headers = { Accept: "application/json" };
    const token = auth ? this.getToken() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    let resp;
    try {
      resp = await fetch(path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: ctl.signal, cache: "no-store",
      });
    } catch (err) {
      throw new ApiError(0, null);
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    if (resp.status !== 204) {
      const text = await resp.text();
      try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
    }
    if (!resp.ok) {
      const err = new ApiError(resp.status, data);
      if (resp.status === 401 && auth && this.onUnauthorized) this.onUnauthorized(err);
      throw err;
    }
    return { status: resp.status, data };
  }

  get(path, opts) { return this.request("GET", path, undefined, opts); }
  post(path, body, opts) { return this.request("POST", path, body, opts); }
}

// ---- the hall WebSocket ----------------------------------------------------------------

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 10000];

/**
 * `WS /ws/hall`: the snapshot first, then events in `seq` order. A close or a failed liveness
 * probe reconnects (with backoff), which brings a fresh snapshot. A gap in `seq` follows the
 * one gap policy of the kiosk and the board (common/hall_link.py): `GET /api/v1/hall` while
 * the socket's events wait in a buffer, then those after the snapshot's `seq`, in order; a
 * reload that fails reconnects.
 */
export class HallSocket {
  constructor({ token, onSnapshot, onEvent, onPassing, onStatus, onUnauthorized,
                probeMs = 15000 }) {
    Object.assign(this, { token, onSnapshot, onEvent, onPassing, onStatus, onUnauthorized,
                          probeMs });
    this.ws = null;
    this.seq = null;
    this.attempt = 0;
    this.stopped = false;
    this.retryTimer = null;
    this.probeTimer = null;
    this.lastMessage = 0;
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}/ws/hall?token=${encodeURIComponent(this.token)}`;
  }

  start() {
    this.stopped = false;
    this.connect();
    window.addEventListener("online", this.onOnline = () => this.reconnectNow());
    window.addEventListener("offline", this.onOffline = () => this.onStatus?.("offline"));
    this.probeTimer = setInterval(() => this.probe(), this.probeMs);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.probeTimer);
    if (this.onOnline) window.removeEventListener("online", this.onOnline);
    if (this.onOffline) window.removeEventListener("offline", this.onOffline);
    if (this.ws) { this.ws.onclose = null; this.ws.close(1000); this.ws = null; }
  }

  connect() {
    if (this.stopped) return;
    this.onStatus?.("connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    this.seq = null;
    this.reloading = 0; // the id of the reload under way, 0 when none
    this.buffer = [];
    ws.onmessage = (msg) => this.receive(msg.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (ev.code === 4401) {
        this.stopped = true;
        this.onStatus?.("offline");
        this.onUnauthorized?.();
        return;
      }
      this.scheduleRetry();
    };
  }

  receive(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    this.lastMessage = Date.now();
    if (msg.type === "snapshot") {
      this.attempt = 0;
      this.seq = msg.seq;
      if (msg.now) syncClock(msg.now);
      this.onStatus?.("online");
      this.onSnapshot?.(msg);
      return;
    }
    // A passing state (device health) has no seq: it is not a queue fact, never a gap.
    if (msg.seq === undefined || msg.seq === null) { this.onPassing?.(msg); return; }
    if (this.reloading) { this.buffer.push(msg); return; }
    this.take(msg);
  }

  take(msg) {
    if (this.seq === null || typeof msg.seq !== "number" || msg.seq <= this.seq) return;
    if (msg.seq !== this.seq + 1) { // events were lost: the snapshot again, over HTTP
      this.reload(msg);
      return;
    }
    this.seq = msg.seq;
    this.onEvent?.(msg);
  }

  async reload(first) {
    const ws = this.ws;
    const id = (this.reloadIds = (this.reloadIds || 0) + 1);
    this.reloading = id;
    this.buffer = [first];
    let snap = null;
    try {
      const r = await fetch("/api/v1/hall", { cache: "no-store", headers: {
        Accept: "application/json", Authorization: `Bearer ${this.token}` } });
      if (r.ok) snap = await r.json();
    } catch { snap = null; }
    if (this.ws !== ws || this.reloading !== id || this.stopped) return; // reconnected meanwhile
    const buffered = this.buffer;
    this.reloading = 0;
    this.buffer = [];
    if (!snap || typeof snap.seq !== "number") { this.reconnectNow(); return; }
    this.seq = snap.seq;
    if (snap.now) syncClock(snap.now);
    this.onSnapshot?.(snap);
    buffered.forEach((msg, i) => {
      if (this.reloading) { this.buffer.push(msg); return; } // a new gap: wait for its reload
      if (i === 0 && msg.seq > this.seq + 1) { // a snapshot behind its event: fold on
        this.seq = msg.seq;
        this.onEvent?.(msg);
        return;
      }
      this.take(msg);
    });
  }

  scheduleRetry() {
    if (this.stopped) return;
    this.onStatus?.("offline");
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    const delay = base / 2 + Math.random() * base / 2;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    if (this.ws) {
      const old = this.ws;
      this.ws = null;
      old.onclose = null;
      old.close(4000);
    }
    this.connect();
  }

  /** A lost network can leave a socket looking open for minutes: ask the server directly. */
  async probe() {
    if (this.stopped || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 5000);
    try {
      const r = await fetch("/healthz", { cache: "no-store", signal: ctl.signal });
      if (!r.ok) throw new Error(String(r.status));
    } catch {
      this.reconnectNow();
    } finally {
      clearTimeout(timer);
    }
  }
}

// ---- DOM helpers -----------------------------------------------------------------------

/** el("button", {class: "x", onclick: f}, "text", child) — text is always set as text. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (v === true) node.setAttribute(k, "");
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function $(sel, root = document) { return root.querySelector(sel); }

let toastTimer = null;

/** A short message at the bottom of the screen (kind: info, ok, warn, error). */
export function toast(message, kind = "info", ms = 4500) {
  let box = $("#toast");
  if (!box) {
    box = el("div", { id: "toast", role: "status", "aria-live": "polite" });
    document.body.append(box);
  }
  box.textContent = message;
  box.dataset.kind = kind;
  box.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.classList.remove("show"), ms);
}

/**
 * The hall's dossier pattern as a JavaScript RegExp matching the whole code (Python's
 * `re.fullmatch`), or null when the pattern uses syntax JavaScript lacks: then only the
 * server checks, and its 422 message is shown.
 */
export function dossierRegex(pattern) {
  if (!pattern) return null;
  const js = pattern.replace(/\(\?P</g, "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>")
    .replace(/\\Z/g, "$").replace(/\\A/g, "^");
  try {
    return new RegExp(`^(?:${js})$`, "u");
  } catch {
    try { return new RegExp(`^(?:${js})$`); } catch { return null; }
  }
}

/** A decimal digit of any script as its ASCII digit. Unicode encodes decimal digits only in
 * runs 0…9 from a zero, so a digit's value is its distance from its run's start, mod 10. */
function asciiDigit(ch) {
  if (ch < "\u0080" || !/\p{Nd}/u.test(ch)) return ch;
  const cp = ch.codePointAt(0);
  let start = cp;
  while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start -= 1;
  return String((cp - start) % 10);
}

/** As the server does before matching (contracts/dossier_code.py): NFKC (full-width and
 * mathematical forms), other scripts' digits as ASCII, trim (zero-width marks too), upper case. */
export function normaliseCode(raw) {
  const text = Array.from((raw || "").normalize("NFKC"), asciiDigit).join("");
  return text.replace(/^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$/g, "")
    .toUpperCase();
}
