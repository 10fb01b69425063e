// The citizen's page /dat-lich: choose a field, prove the phone with a code, take a number
// for today, then follow it on /q/{id}. Plain DOM, no framework (cheap phones, 3G); the
// server's CSP allows no inline script, so everything lives here.

const $ = (id) => document.getElementById(id);
let chosen = null;

function show(id, on = true) { $(id).hidden = !on; }

function error(text) {
  const el = $("error");
  el.textContent = text || "";
  el.hidden = !text;
}

function minutes(seconds) { return Math.ceil((seconds || 0) / 60); }

async function call(method, path, body) {
  let r;
  try {
    r = await fetch(path, {
      method, headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new Error("Không kết nối được máy chủ; hãy thử lại. / Cannot reach the server; try again.");
  }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    const detail = typeof data.detail === "string" ? data.detail
      : "Không thực hiện được; hãy thử lại. / That did not work; try again.";
    throw new Error(detail);
  }
  return data;
}

function serviceButton(s) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "service";
  b.setAttribute("role", "radio");
  b.setAttribute("aria-checked", "false");
  b.dataset.code = s.code;
  const name = document.createElement("div");
  name.className = "name";
  name.textContent = s.name;
  const en = document.createElement("span");
  en.className = "en";
  en.textContent = s.name_en;
  name.appendChild(en);
  const queue = document.createElement("div");
  queue.className = "queue";
  queue.textContent = s.remote
    ? `Đang chờ ${s.waiting} người · khoảng ${minutes(s.estimated_wait_s)} phút / ` +
      `${s.waiting} waiting · about ${minutes(s.estimated_wait_s)} min`
    : "Chỉ lấy số tại ki-ốt / Kiosk only";
  b.append(name, queue);
  b.disabled = !s.remote;
  b.addEventListener("click", () => choose(s, b));
  return b;
}

function choose(s, button) {
  chosen = s;
  for (const b of document.querySelectorAll(".service")) {
    b.setAttribute("aria-checked", b === button ? "true" : "false");
  }
  error("");
  show("step-phone");
  $("phone").focus();
}

async function loadServices() {
  try {
    const list = await call("GET", "/api/v1/public/services");
    const box = $("services");
    box.replaceChildren(...list.map(serviceButton));
    show("services-loading", false);
  } catch (e) {
    $("services-loading").textContent = e.message;
  }
}

async function sendCode(ev) {
  ev.preventDefault();
  error("");
  const button = $("send-code");
  button.disabled = true;
  try {
    const out = await call("POST", "/api/v1/public/otp", { phone: $("phone").value });
    $("code-sent").textContent =
      `Mã đã được gửi, có hiệu lực ${minutes(out.expires_in_s)} phút. / ` +
      `Code sent; valid ${minutes(out.expires_in_s)} min.`;
    show("step-code");
    $("code").focus();
  } catch (e) {
    error(e.message);
  } finally {
    button.disabled = false;
  }
}

async function take(ev) {
  ev.preventDefault();
  error("");
  if (!chosen) { error("Hãy chọn lĩnh vực. / Choose a field."); return; }
  const button = $("take");
  button.disabled = true;
  try {
    const t = await call("POST", "/api/v1/public/remote-tickets", {
      service: chosen.code, phone: $("phone").value, otp: $("code").value.trim(),
    });
    $("number").textContent = t.number;
    $("done-service").textContent = `${chosen.name} / ${chosen.name_en}`;
    $("done-wait").textContent =
      `Trước Ông/Bà còn ${t.waiting_ahead} người, khoảng ${minutes(t.estimated_wait_s)} phút. / ` +
      `${t.waiting_ahead} ahead of you, about ${minutes(t.estimated_wait_s)} min.`;
    $("follow").href = `/q/${t.id}`;
    for (const id of ["step-service", "step-phone", "step-code"]) show(id, false);
    show("step-done");
  } catch (e) {
    error(e.message);
  } finally {
    button.disabled = false;
  }
}

$("phone-form").addEventListener("submit", sendCode);
$("code-form").addEventListener("submit", take);
loadServices();
