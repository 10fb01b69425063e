"""Hall variants for the simulator's tests, built from the shipped hall files."""

from __future__ import annotations

from contracts.hall_config import HallConfig, load_hall_config, parse_hall_config


def hall_with_hours(cfg: HallConfig, sessions: list[list[str]], cutoff_min: int = 0,
                    **changes: object) -> HallConfig:
    """`cfg` open every day with `sessions` (pairs like ["08:00", "10:00"])."""
    data = cfg.model_dump()
    data["hours"] = {"every_day": sessions, "cutoff_min": cutoff_min}
    data.update(changes)
    return parse_hall_config(data)


def tiny_hall() -> HallConfig:
    """Two services of the demo hall, one counter each, open 08:00–10:00 every day."""
    demo = load_hall_config("config/demo.toml")
    services = [s.model_dump() for s in demo.services if s.code in ("HT", "CT")]
    counters = [{"number": 1, "services": ["HT"]}, {"number": 2, "services": ["CT"]}]
    return hall_with_hours(demo, [["08:00", "10:00"]], services=services, counters=counters,
                           dossier={})
