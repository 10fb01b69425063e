"""Hall files the simulator writes read back as the same hall."""

from __future__ import annotations

import pytest

from contracts.hall_config import load_hall_config, parse_hall_config
from layso.simulate.hallfile import (
    UNLIMITED_KIOSK,
    dedicated_hall,
    for_simulation,
    to_toml,
    write_hall_file,
)


@pytest.mark.parametrize("name", ["demo", "provincial"])
def test_round_trip_keeps_the_hall_and_its_vietnamese(tmp_path, name):
    cfg = load_hall_config(f"config/{name}.toml")
    path = write_hall_file(cfg, tmp_path / "hall.toml")
    assert load_hall_config(path) == cfg
    text = path.read_text(encoding="utf-8")
    assert cfg.hall.name in text  # UTF-8 as written, tone marks and all
    assert '"24:00"' in text or name != "demo"  # midnight written the way people write it


def test_simulation_copy_drops_serial_devices_and_the_kiosk_limit():
    cfg = load_hall_config("config/demo.toml")
    data = cfg.model_dump()
    data["devices"] = [{"name": "panel-1", "kind": "led_panel", "port": "/dev/ttyUSB0",
                        "counter": 1}]
    wired = parse_hall_config(data)
    sim = for_simulation(wired, wide_numbers=True)
    assert sim.devices == [] and sim.queue.kiosk_per_minute == UNLIMITED_KIOSK
    assert all(s.last >= 999_999 and s.daily_cap is None for s in sim.services)
    assert for_simulation(cfg).services == cfg.services  # numbering untouched by default


def test_dedicated_hall_numbers_counters_by_service():
    cfg = load_hall_config("config/demo.toml")
    hall = dedicated_hall(cfg, {"HT": 3, "DD": 0, "CT": 1})
    assert [(c.number, c.services) for c in hall.counters] == [
        (101, ["HT"]), (102, ["HT"]), (103, ["HT"]), (201, ["DD"]), (301, ["CT"]),
        (401, ["TKQ"])]
    assert "[[counters]]" in to_toml(hall)
