// The QR page keeps itself live: every few seconds it fetches its own URL and swaps the
// `#live` part (server/follow_page.py writes the words, once). No inline script, no eval
// (the pages' CSP); DOMParser only parses the server's own escaped HTML. It stops once the
// ticket is served, cancelled or expired, and asks at once when the phone wakes.

// A no-show is not final: an officer can call the number back when the citizen returns.
const FINAL = new Set(["served", "cancelled", "expired", "missing"]);
const body = document.body;
const pollMs = Math.max(2, Number(body.dataset.poll) || 5) * 1000;
let timer = null;
let inFlight = false;

function stamp() {
  const now = new Date();
  const hhmm = [now.getHours(), now.getMinutes(), now.getSeconds()]
    .map((n) => String(n).padStart(2, "0")).join(":");
  const node = document.getElementById("updated");
  node.textContent = `Cập nhật lúc ${hhmm} · Updated ${hhmm}`;
  node.hidden = false;
}

function stateOf(root) {
  const live = root.getElementById("live");
  return live ? live.dataset.state : "missing";
}

async function poll() {
  if (inFlight) return;
  inFlight = true;
  try {
    const resp = await fetch(location.pathname, { cache: "no-store",
      headers: { Accept: "text/html" } });
    const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
    const fresh = doc.getElementById("live");
    if (!fresh) throw new Error(`no #live in the answer (${resp.status})`);
    const old = document.getElementById("live");
    if (old.outerHTML !== fresh.outerHTML) old.replaceWith(document.adoptNode(fresh));
    document.title = doc.title;
    document.getElementById("offline").hidden = true;
    stamp();
  } catch {
    document.getElementById("offline").hidden = false;
  } finally {
    inFlight = false;
    schedule();
  }
}

function schedule() {
  clearTimeout(timer);
  if (FINAL.has(stateOf(document))) return;
  timer = setTimeout(poll, pollMs);
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && !FINAL.has(stateOf(document))) poll();
});
stamp();
schedule();
