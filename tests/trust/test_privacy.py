"""Public screens never carry a citizen's personal data (Law 91/2025/QH15 on personal data).

The data model holds no citizen's name or ID number at all, and a phone only where a number
taken from a phone needs it (`remote_ticket`, `otp_code`, `outbox`: never read by a public
answer, erased after `citizens.keep_phone_days`); this test runs a busy hall
through every path that could leak something citizen-linked (a scanned dossier code, a
dossier code recorded at finish, free-text reasons) and reads everything a public screen or a
QR code can reach: the snapshot, the WebSocket feed, the ticket reads and the /q page.

Decision (docs/security.md): officers are staff at a public post, so a counter may show the
officer's username, as a name badge does; every other `name` is the name of a thing from the
hall file (hall, service, counter, priority group, rating level) or a registered device.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import httpx
import websockets.sync.client as wsc

from contracts.api import Role
from contracts.citizens_config import Notify
from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from server import auth
from server.api.counter_views import OUTCOME_NAMES, PAUSE_REASONS, TRANSFER_REASONS
from server.db.database import Database
from simulators.notify import WebhookSim
from tests.support.live import PASSWORD, LiveServer
from tests.trust.roles import headers

DOSSIER_SCANNED = "000.00.31.H12-261120-0042"  # a receipt scanned at the kiosk
DOSSIER_RECEIVED = "000.00.31.H12-261123-0777"  # recorded by the officer at finish
CITIZEN_WORDS = ("Nguyễn Văn Bình", "0903123456", "079201001234")  # typed where free text goes
PERSONAL_KEYS = {
    "full_name", "citizen", "citizen_name", "phone", "phone_number", "mobile", "email",
    "id_number", "identity", "citizen_id", "cccd", "cmnd", "passport", "birth", "birthday",
    "date_of_birth", "dob", "address", "dossier_code", "password", "password_hash", "token",
    "token_hash",
}


def _walk(value, path="$"):
    """(path, key, value) for every key of every object inside `value`."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield path, k, v
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")


def _thing_names(live: LiveServer, devices: set[str]) -> set[str]:
    cfg = live.cfg
    names = {cfg.hall.name, cfg.hall.name_en}
    for group in (cfg.services, cfg.counters, cfg.priority_groups, cfg.rating.levels):
        for item in group:
            names |= {getattr(item, "name", ""), getattr(item, "name_en", "")}
    # the fixed words of the counter pages (outcomes, pause and transfer reasons)
    for vi, en in OUTCOME_NAMES.values():
        names |= {vi, en}
    names |= {w for _, vi, en in PAUSE_REASONS for w in (vi, en)}
    names |= {w for pair in TRANSFER_REASONS for w in pair}
    return names | devices


def test_public_screens_carry_no_personal_data(tmp_path):
    sim = WebhookSim().start()  # the hall's notification gateway: a citizen's phone
    cfg = load_hall_config(DEFAULT_CONFIG)
    cfg = cfg.model_copy(update={"notify": Notify(kind="webhook", url=sim.url)})
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'h.sqlite3'}", cfg=cfg)
    db = Database(live.db_url)
    try:
        db.write(lambda s: auth.add_user(s, "lan", Role.officer, PASSWORD, datetime.now(UTC),
                                         full_name="Nguyễn Thị Lan"))
    finally:
        db.dispose()
    board = live.device_token("board-1", "display")
    kiosk = live.client(live.device_token("kiosk-1"))
    rating = live.client(live.device_token("rate-1", "rating", counter=4))
    officer = live.client(live.login("lan", counter=4))

    feed: list[dict] = []
    opened = threading.Event()
    stop = threading.Event()

    def listen() -> None:
        with wsc.connect(f"{live.ws_url}?token={board}", open_timeout=5) as ws:
            opened.set()
            while not stop.is_set():
                try:
                    feed.append(json.loads(ws.recv(timeout=0.2)))
                except TimeoutError:
                    continue

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    try:
        assert opened.wait(5)
        tickets = [
            kiosk.post("/api/v1/tickets", json={"dossier_code": DOSSIER_SCANNED}).json(),
            kiosk.post("/api/v1/tickets", json={"service": "CT", "priority": "pregnant"}).json(),
            kiosk.post("/api/v1/tickets", json={"service": "CT"}).json(),
        ]
        assert all("id" in t for t in tickets), tickets
        # a number taken from a phone: the phone is in the database, never on a screen
        phone = CITIZEN_WORDS[1]
        assert httpx.post(f"{live.url}/api/v1/public/otp",
                          json={"phone": phone}).status_code == 202
        code = sim.next_code("+84" + phone[1:], 0).code
        remote = httpx.post(f"{live.url}/api/v1/public/remote-tickets",
                            json={"service": "CT", "phone": phone, "otp": code})
        assert remote.status_code == 201, remote.text
        tickets.append(remote.json())
        officer.post("/api/v1/counters/4/next").raise_for_status()
        officer.post("/api/v1/counters/4/start").raise_for_status()
        fin = officer.post("/api/v1/counters/4/finish",
                           json={"dossier_code": DOSSIER_RECEIVED, "outcome": "received"})
        assert fin.status_code == 200, fin.text
        r = rating.post(f"/api/v1/visits/{fin.json()['visit_id']}/rating",
                        json={"score": 1, "reason": f"{CITIZEN_WORDS[0]} chờ lâu"})
        assert r.status_code == 201, r.text
        officer.post("/api/v1/counters/4/next").raise_for_status()
        officer.post("/api/v1/counters/4/finish", json={"dossier_code": DOSSIER_SCANNED,
                                                        "outcome": "returned"})
        # staff free text may name a citizen: staff read it, devices never do
        officer.post("/api/v1/counters/4/next").raise_for_status()
        officer.post("/api/v1/counters/4/transfer", json={
            "service": "HT", "reason": f"anh {CITIZEN_WORDS[0]} cần hộ tịch"}).raise_for_status()
        officer.post("/api/v1/counters/4/pause",
                     json={"reason": f"gọi lại {CITIZEN_WORDS[1]}"}).raise_for_status()
        while_paused = {
            "snapshot_paused": httpx.get(f"{live.url}/api/v1/hall", headers=headers(board)).json(),
            "counters_paused": httpx.get(f"{live.url}/api/v1/counters",
                                         headers=headers(board)).json(),
        }
        staff_view = officer.get("/api/v1/counters").json()
        assert any(c["pause_reason"] == f"gọi lại {CITIZEN_WORDS[1]}" for c in staff_view)
        officer.post("/api/v1/counters/4/resume").raise_for_status()
        # a priority ticket at the counter while the public reads: the group is health data
        tickets.append(kiosk.post("/api/v1/tickets",
                                  json={"service": "CT", "priority": "disabled"}).json())
        called = officer.post("/api/v1/counters/4/next")
        assert called.status_code == 200, called.text
        staff_counters = officer.get("/api/v1/counters").json()
        assert any((c.get("ticket") or {}).get("priority") == "disabled"
                   for c in staff_counters), "staff still see the group"
        last_seq = httpx.get(f"{live.url}/api/v1/hall", headers=headers(board)).json()["seq"]
        for _ in range(50):
            if feed and feed[-1].get("seq") == last_seq:
                break
            stop.wait(0.1)
    finally:
        stop.set()
        listener.join(timeout=5)

    board_c = live.client(board)
    public = {
        "snapshot": board_c.get("/api/v1/hall").json(),
        "services": board_c.get("/api/v1/services").json(),
        "public_services": httpx.get(f"{live.url}/api/v1/public/services").json(),
        "remote_ticket": remote.json(),
        "counters": board_c.get("/api/v1/counters").json(),
        "config": board_c.get("/api/v1/hall/config-public").json(),
        "tickets": [board_c.get(f"/api/v1/tickets/{t['id']}").json() for t in tickets],
        "current": [board_c.get(f"/api/v1/counters/{n}/current").text for n in range(1, 6)],
        "feed": feed,
        **while_paused,
    }
    pages = [httpx.get(f"{live.url}/q/{t['id']}").text for t in tickets]
    booking_page = httpx.get(f"{live.url}/dat-lich").text
    live.stop()
    sim.stop()

    assert feed and feed[0]["type"] == "snapshot" and feed[-1]["seq"] == last_seq
    kinds = {e["type"] for e in feed}
    assert {"ticket_issued", "called", "finished", "rated", "counter_paused",
            "transferred"} <= kinds
    names = _thing_names(live, {"board-1", "kiosk-1", "rate-1"})
    leaks = []
    for where, data in public.items():
        for path, key, value in _walk(data, where):
            if key.lower() in PERSONAL_KEYS:
                leaks.append(f"{path}.{key}")
            if key in ("name", "name_en") and isinstance(value, str) and value not in names:
                leaks.append(f"{path}.{key} = {value!r} is not the name of a thing")
    text = json.dumps(public, ensure_ascii=False) + "".join(pages) + booking_page
    for secret in (DOSSIER_SCANNED, DOSSIER_RECEIVED, *CITIZEN_WORDS, "903123456",
                   "Nguyễn Thị Lan"):
        if secret in text:
            leaks.append(f"{secret!r} appears on a public screen")
    # a ticket's priority group: that a ticket is a priority one may show, never which group
    for where, data in public.items():
        for path, key, value in _walk(data, where):
            if key == "priority" and value not in (None, "Diện ưu tiên"):
                leaks.append(f"{path}.priority = {value!r}: a priority group reached the public")
    groups_listed = {"config": None}  # the kiosk's list of groups to choose from is no leak
    shown = {k: v for k, v in public.items() if k not in groups_listed}
    shown_text = json.dumps(shown, ensure_ascii=False).replace(
        json.dumps(public["snapshot"].get("priority_groups"), ensure_ascii=False), "")
    for key in ("snapshot_paused",):
        shown_text = shown_text.replace(json.dumps(
            public[key].get("priority_groups"), ensure_ascii=False), "")
    for event in feed:
        if event.get("type") == "snapshot":
            shown_text = shown_text.replace(json.dumps(
                event.get("priority_groups"), ensure_ascii=False), "")
    for group in live.cfg.priority_groups:
        for word in (group.name, group.name_en):
            if word in shown_text or word in "".join(pages):
                leaks.append(f"priority group {word!r} appears on a public screen")
    for t in tickets:
        if t.get("view", {}).get("priority") is not None:
            assert (t["view"]["priority"], t["view"]["priority_en"]) == ("Diện ưu tiên",
                                                                         "Priority")
    assert not leaks, "\n".join(leaks)
    # the officer's username is on the counter (a name badge), by decision
    assert any(c.get("officer") == "lan" for c in public["snapshot"]["counters"])
    # the QR page shows the number and where it stands, and nothing else of the ticket
    for page, t in zip(pages, tickets, strict=True):
        assert f">{t['number']}</h1>" in page  # server/follow_page.py: the number's heading
