"""Key presses on the simulated keypad and rating box become queue actions for their counter."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import websockets.sync.client as wsc

from drivers.bus.protocol import BlinkMode, Line
from tests.devices.rig import wait_for


def _counter(client, number: int) -> dict:
    return next(c for c in client.get("/api/v1/counters").json() if c["number"] == number)


def _keypad(client) -> dict:
    return next(d for d in client.get("/api/v1/devices").json() if d["name"] == "keypad-1")


def test_keypad_next_calls_and_next_while_serving_blinks_error(hall, rig, caplog):
    caplog.set_level(logging.INFO, logger="layso.devices")
    kiosk = hall.client(hall.device_token("kiosk-1"))
    manager = hall.client(hall.login("boss", role="manager"))
    display = hall.device_token("board-app", "display")
    t1 = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
    t2 = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
    with wsc.connect(f"{hall.ws_url}?token={display}", open_timeout=5) as ws:
        snap = json.loads(ws.recv(timeout=5))
        assert rig.keypad.press("next")
        called = json.loads(ws.recv(timeout=30))
        assert called["type"] == "called" and called["seq"] == snap["seq"] + 1
        assert (called["number"], called["counter"]) == (t1["number"], 1)
        wait_for(lambda: rig.panel1.lines == [Line(t1["number"], "1")], what="panel 1")
        assert _counter(manager, 1)["ticket"]["number"] == t1["number"]

        # NEXT while 1001 is still called: refused, logged, the panel blinks ERROR
        assert rig.keypad.press("next")
        wait_for(lambda: rig.panel1.blink is BlinkMode.ERROR, what="error blink")
        wait_for(lambda: "last refused NEXT" in _keypad(manager)["detail"], what="refusal")
        assert t1["number"] in _keypad(manager)["detail"]
        assert any("NEXT refused, not applied" in r.getMessage() for r in caplog.records)
        counter = _counter(manager, 1)
        assert counter["ticket"]["number"] == t1["number"] and counter["state"] == "called"
        waiting = {s["code"]: s["waiting"] for s in manager.get("/api/v1/services").json()}
        assert waiting["HT"] == 1  # t2 still waits
        # TRANSFER has no target on a keypad: refused the same way
        assert rig.keypad.press("transfer")
        wait_for(lambda: "last refused TRANSFER" in _keypad(manager)["detail"],
                 what="transfer refused")

        # FINISH, then NEXT calls t2; nothing was applied in between (the seqs run on)
        assert rig.keypad.press("finish")
        assert rig.keypad.press("next")
        seen = [json.loads(ws.recv(timeout=30)) for _ in range(2)]
        assert [e["type"] for e in seen] == ["finished", "called"]
        assert [e["seq"] for e in seen] == [called["seq"] + 1, called["seq"] + 2]
        assert seen[1]["number"] == t2["number"]
    wait_for(lambda: rig.panel1.lines == [Line(t2["number"], "1")], what="panel shows t2")


def test_keypad_pause_toggles_and_panel_shows_dashes(hall, rig):
    manager = hall.client(hall.login("boss", role="manager"))
    wait_for(lambda: rig.panel1.lines == [Line("", "1")], what="idle panel")
    assert rig.keypad.press("pause")
    wait_for(lambda: _counter(manager, 1)["state"] == "paused", what="paused")
    wait_for(lambda: rig.panel1.lines == [Line("----", "1")], what="dashes")
    # NEXT while paused is refused with the API's message
    assert rig.keypad.press("next")
    wait_for(lambda: rig.panel1.blink is BlinkMode.ERROR, what="error blink")
    wait_for(lambda: "paused" in _keypad(manager)["detail"], what="paused refusal")
    assert rig.keypad.press("pause")
    wait_for(lambda: _counter(manager, 1)["state"] == "idle", what="resumed")
    wait_for(lambda: rig.panel1.lines == [Line("", "1")], what="idle again")


def test_rating_press_is_stored_against_the_visit(hall, rig):
    kiosk = hall.client(hall.device_token("kiosk-1"))
    officer = hall.client(hall.login("an", counter=1))
    manager = hall.client(hall.login("boss", role="manager"))
    t = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
    assert not rig.rating.press(3)  # nothing to rate yet: the LED is off, the press ignored
    officer.post("/api/v1/counters/1/next").raise_for_status()
    fin = officer.post("/api/v1/counters/1/finish", json={}).json()
    wait_for(lambda: rig.rating.armed, what="rating box armed")
    assert rig.rating.press(3)
    day = datetime.fromisoformat(t["issued_at"]).astimezone(hall.cfg.zone).date().isoformat()

    def ratings() -> dict:
        return manager.get("/api/v1/reports/daily", params={"date": day}).json()["ratings"]

    wait_for(lambda: ratings()["3"] == 1, what="rating stored")
    assert ratings() == {"1": 0, "2": 0, "3": 1}
    # the same visit cannot be rated twice, through the API either
    again = hall.client(hall.device_token("rate-1", "rating", counter=1)).post(
        f"/api/v1/visits/{fin['visit_id']}/rating", json={"score": 1})
    assert again.status_code == 409 and again.json()["error"] == "already_rated"
    assert not rig.rating.armed


def test_rating_through_the_web_page_disarms_the_box(hall, rig):
    kiosk = hall.client(hall.device_token("kiosk-1"))
    officer = hall.client(hall.login("an", counter=1))
    kiosk.post("/api/v1/tickets", json={"service": "HT"}).raise_for_status()
    officer.post("/api/v1/counters/1/next").raise_for_status()
    fin = officer.post("/api/v1/counters/1/finish", json={}).json()
    wait_for(lambda: rig.rating.armed, what="armed")
    rate = hall.client(hall.device_token("rate-1", "rating", counter=1))
    assert rate.post(f"/api/v1/visits/{fin['visit_id']}/rating",
                     json={"score": 2}).status_code == 201
    wait_for(lambda: not rig.rating.armed, what="disarmed after the web rating")
