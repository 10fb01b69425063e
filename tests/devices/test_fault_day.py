"""Each bus fault injected during a working day: it is reported in the device list, the
rest of the hall carries on, and the device is brought back to the current state after."""

from __future__ import annotations

import re

import pytest

from drivers.bus.protocol import Line
from tests.devices.rig import wait_for

FAULTS = {
    "no_reply": lambda f: setattr(f, "no_reply", True),
    "bad_crc": lambda f: setattr(f, "bad_crc", True),
    "garbage": lambda f: setattr(f, "garbage", 7),
    "slow_reply": lambda f: setattr(f, "slow_reply_s", 1.5),
    "duplicate_reply": lambda f: setattr(f, "duplicate_reply", True),
}

# Noise around a good reply (garbage before it, the reply twice) is dropped by the stream
# decoder and counted on the line; the device itself answers, so it stays "ok".
LINE_NOISE = {"garbage", "duplicate_reply"}


def _health(client) -> dict[str, dict]:
    return {d["name"]: d for d in client.get("/api/v1/devices").json()}


def _trouble(detail: str) -> int:
    """Timeouts, corrupt replies and refusals the detail counts."""
    return sum(int(n) for n in re.findall(r"(\d+) (?:timeouts|corrupt replies|refusals)",
                                          detail))


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_is_reported_the_hall_goes_on_and_the_device_catches_up(hall, rig, fault):
    kiosk = hall.client(hall.device_token("kiosk-1"))
    officer1 = hall.client(hall.login("an", counter=1))
    officer5 = hall.client(hall.login("binh", counter=5))
    manager = hall.client(hall.login("boss", role="manager"))
    wait_for(lambda: _health(manager)["panel-1"]["status"] == "ok", what="panel 1 ok")
    before = _trouble(_health(manager)["panel-1"]["detail"])

    FAULTS[fault](rig.panel1.faults)
    # the day goes on: tickets, calls at counter 1 (whose panel is faulty) and counter 5
    for service in ("HT", "TKQ", "HT"):
        assert kiosk.post("/api/v1/tickets", json={"service": service}).status_code == 201
    call1 = officer1.post("/api/v1/counters/1/next")
    assert call1.status_code == 200
    call5 = officer5.post("/api/v1/counters/5/next")
    assert call5.status_code == 200
    n5 = call5.json()["ticket"]["number"]
    wait_for(lambda: rig.panel5.lines == [Line(n5, "5A")], what="the healthy panel shows")
    if fault in LINE_NOISE:  # the decoder resyncs past it: the device keeps working
        wait_for(lambda: rig.panel1.lines == [Line(call1.json()["ticket"]["number"], "1")],
                 what=f"the panel shows its call through {fault}")
    else:
        wait_for(lambda: (h := _health(manager)["panel-1"])["online"] is False
                 or _trouble(h["detail"]) > before, what=f"{fault} reported")

    officer1.post("/api/v1/counters/1/finish").raise_for_status()
    current = officer1.post("/api/v1/counters/1/next").json()["ticket"]["number"]
    rig.panel1.faults.clear()
    wait_for(lambda: rig.panel1.lines == [Line(current, "1")],
             what="after the fault the panel shows the current number")
    wait_for(lambda: _health(manager)["panel-1"]["status"] == "ok", what="panel 1 ok again")
