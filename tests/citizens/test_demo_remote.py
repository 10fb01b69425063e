"""The demo's citizens from phones: codes through the log gateway (read back from its file, as a
person would), numbers for today in the kiosk's queue."""

from __future__ import annotations

from contracts.citizens_config import Notify
from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from layso.demo_remote import DEMO_PHONES, take_remote_numbers
from tests.support.live import LiveServer


def test_the_demo_takes_remote_numbers_through_the_log_gateway(tmp_path):
    log_file = tmp_path / "var" / "messages.log"
    cfg = load_hall_config(DEFAULT_CONFIG)
    cfg = cfg.model_copy(update={"notify": Notify(log_file=str(log_file))})
    live = LiveServer.start(f"sqlite:///{tmp_path / 'hall.sqlite3'}", cfg=cfg)
    try:
        got = take_remote_numbers(live.url, log_file, ["HT", "CT"])
        assert [t["service"] for t in got] == ["HT", "CT", "HT"]
        assert [t["number"] for t in got] == ["1001", "3001", "1002"]
        kiosk = live.client(live.device_token("kiosk-1"))
        assert kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()["number"] == "1003"
    finally:
        live.stop()
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert sum("\totp\t" in line for line in lines) == len(DEMO_PHONES)
