"""The live view's alerts: a wait past its service's target, a device reporting a fault."""

from __future__ import annotations

from contracts.api import DeviceHealth
from server.reports.live import device_alerts, wait_alerts


def service(code: str, waiting: int, longest: int, target: int | None) -> dict:
    return {"code": code, "name": "Hộ tịch", "name_en": "Civil status", "waiting": waiting,
            "longest_wait_s": longest, "target_wait_s": target}


def test_a_wait_past_the_target_raises_an_alert() -> None:
    alerts = wait_alerts([service("HT", 3, 901, 900), service("CT", 2, 900, 900),
                          service("DD", 0, 5000, 600), service("TKQ", 4, 9000, None)])
    assert [a["service"] for a in alerts] == ["HT"]
    assert alerts[0]["vi"] == "Hộ tịch: có công dân đã chờ 16 phút (chỉ tiêu 15 phút)."
    assert alerts[0]["en"] == "Civil status: a citizen has waited 16 min (target 15 min)."


def test_a_device_fault_raises_an_alert() -> None:
    devices = [
        DeviceHealth(name="may-in-1", kind="printer", online=True, status="paper_out",
                     detail="hết giấy"),
        DeviceHealth(name="led-5", kind="led_panel", counter=5, online=False, status="offline"),
        DeviceHealth(name="led-1", kind="led_panel", counter=1, online=True, status="ok"),
        DeviceHealth(name="led-2", kind="led_panel", counter=2, online=None, status="unknown"),
    ]
    alerts = device_alerts(devices)
    assert [a["device"] for a in alerts] == ["may-in-1", "led-5"]
    assert alerts[0]["vi"] == "Thiết bị may-in-1 báo lỗi paper_out: hết giấy."
    assert alerts[1]["en"] == "Device led-5 (counter 5) reports offline."
