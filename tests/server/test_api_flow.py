"""A whole day through the HTTP API of a real server on a loopback port."""

from __future__ import annotations

import json
from datetime import datetime

import websockets.sync.client as wsc
from sqlalchemy import text

from contracts.hall_config import DEFAULT_CONFIG, load_hall_config

CFG = load_hall_config(DEFAULT_CONFIG)


def test_issue_call_finish_rate_and_report(live):
    kiosk = live.client(live.device_token("kiosk-1"))
    officer = live.client(live.login("an", counter=1))
    rating = live.client(live.device_token("rate-1", "rating", counter=1))
    manager = live.client(live.login("boss", role="manager"))

    r1 = kiosk.post("/api/v1/tickets", json={"service": "HT"})
    assert r1.status_code == 201, r1.text
    t1 = r1.json()
    assert t1["number"] == "1001" and t1["service"] == "HT" and t1["waiting_ahead"] == 0
    assert t1["view"]["service_name"] == "Hộ tịch" and t1["view"]["number"] == "1001"
    t2 = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
    assert t2["number"] == "1002" and t2["waiting_ahead"] == 1 and t2["estimated_wait_s"] > 0

    nxt = officer.post("/api/v1/counters/1/next")
    assert nxt.status_code == 200, nxt.text
    visit = nxt.json()
    assert visit["ticket"]["number"] == "1001" and visit["ticket"]["state"] == "called"
    busy = officer.post("/api/v1/counters/1/next")
    assert busy.status_code == 409 and "1001" in busy.json()["detail"]
    assert officer.post("/api/v1/counters/1/recall").json()["recalls"] == 1

    bad = officer.post("/api/v1/counters/1/finish", json={"dossier_code": "abc"})
    assert bad.status_code == 422
    assert CFG.dossier.pattern in bad.json()["pattern"]
    # the officer reads the hall's example, never the regular expression
    assert CFG.dossier.example in bad.json()["detail"]
    assert CFG.dossier.pattern not in bad.json()["detail"]
    fin = officer.post("/api/v1/counters/1/finish",
                       json={"dossier_code": "000.00.31.H12-250701-0001", "outcome": "received"})
    assert fin.status_code == 200, fin.text
    vid = fin.json()["visit_id"]

    assert rating.post(f"/api/v1/visits/{vid}/rating", json={"score": 3}).status_code == 201
    again = rating.post(f"/api/v1/visits/{vid}/rating", json={"score": 2})
    assert again.status_code == 409 and again.json()["error"] == "already_rated"

    day = datetime.fromisoformat(t1["issued_at"]).astimezone(CFG.zone).date().isoformat()
    rep = manager.get("/api/v1/reports/daily", params={"date": day})
    assert rep.status_code == 200, rep.text
    body = rep.json()
    assert (body["issued"], body["served"], body["no_show"]) == (2, 1, 0)
    assert body["ratings"] == {"1": 0, "2": 0, "3": 1}
    csv = manager.get("/api/v1/reports/daily", params={"date": day, "format": "csv"})
    assert csv.status_code == 200 and "HT,2,1,0" in csv.text


def test_websocket_snapshot_then_called(live):
    display = live.device_token("board", "display")
    kiosk = live.client(live.device_token("kiosk-1"))
    officer = live.client(live.login("binh", counter=5))
    with wsc.connect(f"{live.ws_url}?token={display}", open_timeout=5) as ws:
        snap = json.loads(ws.recv(timeout=5))
        assert snap["type"] == "snapshot" and snap["hall"]["code"] == "demo"
        t = kiosk.post("/api/v1/tickets", json={"service": "TKQ"}).json()
        issued = json.loads(ws.recv(timeout=5))
        assert issued["type"] == "ticket_issued" and issued["seq"] == snap["seq"] + 1
        officer.post("/api/v1/counters/5/next").raise_for_status()
        called = json.loads(ws.recv(timeout=5))
        assert called["type"] == "called" and called["seq"] == issued["seq"] + 1
        assert (called["number"], called["counter"], called["counter_label"]) == (
            t["number"], 5, "5A")


def test_errors_are_json_a_person_can_read(live):
    kiosk = live.client(live.device_token("kiosk-1"))
    r = kiosk.post("/api/v1/tickets", json={"service": "NOPE"})
    assert r.status_code == 404 and "NOPE" in r.json()["detail"]
    r = kiosk.post("/api/v1/tickets", content=b"{not json", headers={"content-type":
                                                                       "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "invalid"
    r = kiosk.post("/api/v1/tickets", json={"service": "HT", "priority": "vip"})
    assert r.status_code == 422 and "elderly" in r.json()["detail"]
    assert live.client().get("/api/v1/services").status_code == 401
    assert kiosk.post("/api/v1/counters/1/next").status_code == 403
    officer = live.client(live.login("chi", counter=2))
    assert officer.post("/api/v1/counters/3/next").status_code == 403
    assert officer.post("/api/v1/counters/99/next").status_code == 404
    assert officer.post("/api/v1/counters/2/next").status_code == 204


def _log(live) -> list[dict]:
    """The hall's stored event log."""
    from server.db.database import Database

    db = Database(live.db_url)
    try:
        return db.read(lambda s: [json.loads(p) for (p,) in s.exec(
            text("SELECT payload FROM event ORDER BY seq")).all()])
    finally:
        db.dispose()


def test_a_retried_request_gets_the_same_ticket_and_reprint(live):
    kiosk = live.client(live.device_token("kiosk-1"))
    key = {"Idempotency-Key": "touch-42"}
    a = kiosk.post("/api/v1/tickets", json={"service": "DD"}, headers=key).json()
    b = kiosk.post("/api/v1/tickets", json={"service": "DD"}, headers=key).json()
    c = kiosk.post("/api/v1/tickets", json={"service": "DD"}).json()
    assert a["id"] == b["id"] and a["number"] == b["number"] == "2001"
    assert c["number"] == "2002"
    kiosk.post(f"/api/v1/tickets/{a['id']}/print-failed", json={"reason": "paper out"})
    info = kiosk.get(f"/api/v1/tickets/{a['id']}").json()
    assert info["printed"] is False and info["print_error"] == "paper out"
    again = kiosk.post(f"/api/v1/tickets/{a['id']}/reprint").json()
    assert again["number"] == "2001" and again["view"]["number"] == "2001"
    # only the kiosk that issued it, or staff; and only while the ticket is live
    other = live.client(live.device_token("kiosk-2"))
    refused = other.post(f"/api/v1/tickets/{a['id']}/reprint")
    assert refused.status_code == 403 and "2001" in refused.json()["detail"]
    manager = live.client(live.login("quanly", role="manager"))
    assert manager.post(f"/api/v1/tickets/{a['id']}/reprint").json()["number"] == "2001"
    officer = live.client(live.login("an", counter=3))  # counter 3 serves DD
    assert officer.post("/api/v1/counters/3/next").json()["ticket"]["number"] == "2001"
    assert kiosk.post(f"/api/v1/tickets/{a['id']}/reprint").status_code == 200  # called
    officer.post("/api/v1/counters/3/finish", json={}).raise_for_status()
    over = kiosk.post(f"/api/v1/tickets/{a['id']}/reprint")
    assert over.status_code == 409 and "không còn trong hàng chờ" in over.json()["detail"]
    reprinted = [e for e in _log(live) if e["type"] == "ticket_reprinted"]
    assert [e["number"] for e in reprinted] == ["2001", "2001", "2001"]
    snap = kiosk.get("/api/v1/hall").json()
    assert [g["code"] for g in snap["priority_groups"]][:1] == ["elderly"]
