"""Unplugged panels, pulled adapters, bad hall-file entries: reported, retried, survived."""

from __future__ import annotations

from drivers.bus.protocol import Line
from tests.devices.rig import wait_for
from tests.support.live import LiveServer


def _health(client) -> dict[str, dict]:
    r = client.get("/api/v1/devices")
    r.raise_for_status()
    return {d["name"]: d for d in r.json()}


def test_panel_unplugged_and_plugged_back_gets_the_current_number(hall, rig):
    kiosk = hall.client(hall.device_token("kiosk-1"))
    officer = hall.client(hall.login("an", counter=1))
    manager = hall.client(hall.login("boss", role="manager"))
    events: list[dict] = []
    broadcast: list[dict] = []
    hall.app.state.devices.on_health_change(events.append)
    hall.app.state.hall.bus.broadcast = broadcast.append  # the EventBus method we ask for
    t = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
    officer.post("/api/v1/counters/1/next").raise_for_status()
    wait_for(lambda: rig.panel1.number == t["number"], what="panel shows the call")
    wait_for(lambda: _health(manager)["panel-1"]["status"] == "ok", what="panel ok")

    rig.panel1.unplug()
    offline = wait_for(lambda: (h := _health(manager)["panel-1"])["online"] is False and h,
                       what="panel reported offline")
    assert offline["status"] == "offline" and "no reply" in offline["detail"]
    assert _health(manager)["panel-5A"]["online"] is True  # its neighbours carry on
    assert any(e["name"] == "panel-1" and e["status"] == "offline" and "seq" not in e
               for e in events)

    rig.panel1.replug()  # powers up blank, as real hardware does
    assert rig.panel1.lines == []
    wait_for(lambda: rig.panel1.lines == [Line(t["number"], "1")], what="number sent again")
    back = wait_for(lambda: (h := _health(manager)["panel-1"])["online"] and h, what="online")
    assert back["status"] == "ok" and "re-sends" in back["detail"]
    assert events[-1]["name"] == "panel-1" and events[-1]["status"] == "ok"
    assert broadcast == events and all(e["type"] == "device_health" for e in events)
    # health is not a queue fact: nothing of it in the event log
    logged = hall.app.state.hall.events_since(0)
    assert logged and not any(e["type"] == "device_health" for e in logged)


def test_adapter_pulled_is_reported_and_the_server_keeps_serving(hall, rig):
    kiosk = hall.client(hall.device_token("kiosk-1"))
    officer = hall.client(hall.login("an", counter=1))
    manager = hall.client(hall.login("boss", role="manager"))
    wait_for(lambda: _health(manager)["board"]["status"] == "ok", what="board ok")

    rig.bus.unplug()  # the USB adapter is pulled: the pty and its path are gone
    on_line = ["panel-1", "panel-5A", "board", "keypad-1", "rating-1"]
    health = wait_for(lambda: (h := _health(manager)) and all(
        h[n]["online"] is False for n in on_line) and h, what="all devices on the line offline")
    assert all(health[n]["status"] == "offline" for n in on_line)
    assert rig.bus.url in health["board"]["detail"]
    assert health["modbus-5A"]["online"] is True  # the other line is fine
    assert health["printer-kiosk"]["online"] is None

    # the API keeps answering: tickets, calls, the snapshot with the devices' health
    t = kiosk.post("/api/v1/tickets", json={"service": "HT"})
    assert t.status_code == 201
    assert officer.post("/api/v1/counters/1/next").status_code == 200
    snap = manager.get("/api/v1/hall").json()
    assert {d["name"]: d["online"] for d in snap["devices"]}["panel-1"] is False

    rig.bus.replug()  # plugged back: a new pty behind the same path
    number = t.json()["number"]
    wait_for(lambda: rig.panel1.lines == [Line(number, "1")], what="call made while pulled")
    wait_for(lambda: rig.board.lines == [Line(number, "1")], what="board caught up")
    wait_for(lambda: all(_health(manager)[n]["status"] == "ok" for n in on_line),
             what="all back")


def test_restarted_server_shows_the_numbers_from_the_database(rig, fast_lines, tmp_path):
    db = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    first = LiveServer.start(db_url=db, cfg=rig.config(), scheduler=False)
    try:
        kiosk = first.client(first.device_token("kiosk-1"))
        officer = first.client(first.login("an", counter=5))
        t1 = kiosk.post("/api/v1/tickets", json={"service": "TKQ"}).json()
        t2 = kiosk.post("/api/v1/tickets", json={"service": "TKQ"}).json()
        officer.post("/api/v1/counters/5/next").raise_for_status()
        officer.post("/api/v1/counters/5/finish", json={}).raise_for_status()
        officer.post("/api/v1/counters/5/next").raise_for_status()
        wait_for(lambda: rig.panel5.number == t2["number"], what="panel 5A")
    finally:
        first.stop()
    for dev in (rig.panel5, rig.board, rig.display5):  # a power cut while the server was down
        dev.unplug()
        dev.replug()
    assert rig.panel5.lines == [] and rig.display5.number == 0
    second = LiveServer.start(db_url=db, cfg=rig.config(), scheduler=False)
    try:
        wait_for(lambda: rig.panel5.lines == [Line(t2["number"], "5A")], what="panel 5A")
        wait_for(lambda: rig.board.lines == [Line(t2["number"], "5A"),
                                             Line(t1["number"], "5A")], what="board")
        wait_for(lambda: rig.display5.number == int(t2["number"]), what="Modbus display")
        assert rig.panel1.lines == [Line("", "1")]
    finally:
        second.stop()


def test_a_line_the_hall_file_gets_wrong_is_reported_and_the_rest_works(
        rig, fast_lines, tmp_path):
    rig.extra_devices = [
        {"name": "panel-2", "kind": "led_panel", "port": "/dev/ttyLAYSO-absent", "address": 1,
         "counter": 2, "baud": 9600},
        {"name": "board-2", "kind": "led_board", "port": "/dev/ttyLAYSO-absent", "address": 2,
         "baud": 19200},
    ]
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'h.sqlite3'}", cfg=rig.config(),
                            scheduler=False)
    try:
        manager = live.client(live.login("boss", role="manager"))
        health = _health(manager)
        for name in ("panel-2", "board-2"):
            assert health[name]["status"] == "config_error"
            assert "different baud rates" in health[name]["detail"]
        kiosk = live.client(live.device_token("kiosk-1"))
        officer = live.client(live.login("an", counter=1))
        t = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
        officer.post("/api/v1/counters/1/next").raise_for_status()
        wait_for(lambda: rig.panel1.number == t["number"], what="good line still driven")
    finally:
        live.stop()


def test_an_adapter_missing_at_start_is_retried_and_reported(rig, fast_lines, tmp_path):
    port = "/dev/ttyLAYSO-absent"
    rig.extra_devices = [{"name": "panel-2", "kind": "led_panel", "port": port, "address": 1,
                          "counter": 2, "baud": 9600}]
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'h.sqlite3'}", cfg=rig.config(),
                            scheduler=False)
    try:
        manager = live.client(live.login("boss", role="manager"))
        h = wait_for(lambda: (d := _health(manager)["panel-2"])["online"] is False and d,
                     what="missing adapter reported")
        assert h["status"] == "offline"
        assert f"cannot open serial line {port}: No such file or directory" in h["detail"]
        assert live.client().get("/healthz").json()["ok"] is True
    finally:
        live.stop()
