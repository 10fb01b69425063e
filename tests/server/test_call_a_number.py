""""Call a number" keeps the rules Next keeps, unless the officer confirms: a ticket of a service
the counter does not serve, or one transferred to another counter, gets a 409 that says why;
`confirm: true` calls it and the `called` event in the event log records the override. Through
the real HTTP API of the demo hall (counter 2 serves HT only; counter 1 serves HT and CT)."""

from __future__ import annotations

import json

from sqlalchemy import text


def _called_events(live) -> list[dict]:
    with live._db().engine.connect() as conn:
        rows = conn.execute(text("SELECT payload FROM event WHERE type = 'called' "
                                 "ORDER BY seq")).scalars().all()
    return [json.loads(p) for p in rows]


def test_another_services_ticket_is_refused_then_called_when_confirmed(live) -> None:
    kiosk = live.client(live.device_token("kiosk-1"))
    officer = live.client(live.login("an", counter=2))
    ticket = kiosk.post("/api/v1/tickets", json={"service": "CT"}).json()

    r = officer.post("/api/v1/counters/2/call", json={"number": ticket["number"]})
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "call_needs_confirm" and body["reason"] == "other_service"
    assert body["service"] == "CT" and body["number"] == ticket["number"]
    assert f"Số {ticket['number']} thuộc lĩnh vực Chứng thực, quầy 2 không phục vụ" \
        in body["detail"]
    assert "which counter 2 does not serve" in body["detail"]
    assert officer.get("/api/v1/counters/2/current").status_code == 204  # nothing called
    assert _called_events(live) == []

    ok = officer.post("/api/v1/counters/2/call",
                      json={"number": ticket["number"], "confirm": True})
    assert ok.status_code == 200, ok.text
    assert ok.json()["ticket"]["number"] == ticket["number"]
    [event] = _called_events(live)
    assert (event["number"], event["counter"]) == (ticket["number"], 2)
    assert (event["confirmed"], event["override"]) == (True, "other_service")


def test_a_ticket_transferred_to_another_counter_is_refused_naming_it(live) -> None:
    kiosk = live.client(live.device_token("kiosk-1"))
    first = live.client(live.login("an", counter=1))
    second = live.client(live.login("binh", counter=2))
    ticket = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
    assert first.post("/api/v1/counters/1/next").json()["ticket"]["number"] == ticket["number"]
    assert first.post("/api/v1/counters/1/transfer", json={"counter": 5}).status_code == 200

    r = second.post("/api/v1/counters/2/call", json={"number": ticket["number"]})
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["reason"] == "other_counter" and body["counter"] == 5
    assert body["counter_label"] == "5A"
    assert f"Số {ticket['number']} đã được chuyển đến quầy 5A, không phải quầy 2" \
        in body["detail"]
    # The counter it was sent to may call it (although 5A does not serve HT).
    fifth = live.client(live.login("chi", counter=5))
    r5 = fifth.post("/api/v1/counters/5/call", json={"number": ticket["number"]})
    assert r5.status_code == 200, r5.text
    assert "confirmed" not in _called_events(live)[-1]


def test_a_confirmed_call_of_another_counters_ticket_is_recorded(live) -> None:
    kiosk = live.client(live.device_token("kiosk-1"))
    first = live.client(live.login("an", counter=1))
    second = live.client(live.login("binh", counter=2))
    ticket = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
    first.post("/api/v1/counters/1/next")
    first.post("/api/v1/counters/1/transfer", json={"counter": 5})
    ok = second.post("/api/v1/counters/2/call",
                     json={"number": ticket["number"], "confirm": True})
    assert ok.status_code == 200, ok.text
    event = _called_events(live)[-1]
    assert (event["counter"], event["confirmed"], event["override"]) == (2, True,
                                                                         "other_counter")


def test_own_service_needs_no_confirmation(live) -> None:
    kiosk = live.client(live.device_token("kiosk-1"))
    officer = live.client(live.login("an", counter=2))
    kiosk.post("/api/v1/tickets", json={"service": "HT"})
    late = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
    r = officer.post("/api/v1/counters/2/call", json={"number": late["number"]})
    assert r.status_code == 200, r.text
    assert "confirmed" not in _called_events(live)[-1]
