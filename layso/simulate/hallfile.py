"""Hall files the simulator writes for its own servers: the planner's variants (N counters per
service) and the copy a simulation runs on (no serial devices, no real-time kiosk limit)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomli_w

from contracts.hall_config import HallConfig, load_hall_config, parse_hall_config

# The kiosk limit counts real seconds; a simulated day passes hours in seconds, so the
# simulator's own server lifts it (a real hall keeps its limit).
UNLIMITED_KIOSK = 1_000_000


def _plain(value: Any) -> Any:
    """TOML has no null: leave out what is None (the schema's default)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _hhmm(value: str) -> str:
    return "24:00" if value.startswith("23:59:59.9") else value[:5]


def to_toml(cfg: HallConfig) -> str:
    data = _plain(cfg.model_dump(mode="json"))
    hours = data["hours"]
    for key, sessions in list(hours.items()):
        if isinstance(sessions, list) and sessions and isinstance(sessions[0], dict):
            hours[key] = [[_hhmm(s["start"]), _hhmm(s["end"])] for s in sessions]
    return "# Written by `layso simulate`.\n" + tomli_w.dumps(data)


def write_hall_file(cfg: HallConfig, path: Path) -> Path:
    """Write `cfg` as a hall file and check that it reads back to the same hall."""
    path.write_text(to_toml(cfg), encoding="utf-8")
    if load_hall_config(path) != cfg:
        raise RuntimeError(f"{path}: the written hall file does not read back the same")
    return path


def for_simulation(cfg: HallConfig, *, wide_numbers: bool = False) -> HallConfig:
    """The hall as the simulator's own server runs it: devices wired to a real server's serial
    ports left out, the real-time kiosk limit lifted, and (for load runs) number ranges wide
    enough for any day."""
    data = cfg.model_dump()
    data["devices"] = []
    data["queue"]["kiosk_per_minute"] = UNLIMITED_KIOSK
    if wide_numbers:
        for svc in data["services"]:
            svc["last"] = max(svc["last"], 999_999)
            svc["daily_cap"] = None
    return parse_hall_config(data)


def dedicated_hall(cfg: HallConfig, counts: dict[str, int]) -> HallConfig:
    """The hall with `counts[code]` counters serving only that service (at least one each, as
    a hall file requires). Counter numbers are `100·(service's place) + k`, so the k-th counter
    of a service keeps its number (and its officer's breaks) between variants."""
    counters = []
    for i, svc in enumerate(cfg.services, start=1):
        for k in range(1, max(1, counts.get(svc.code, 0)) + 1):
            counters.append({"number": 100 * i + k, "services": [svc.code]})
    data = cfg.model_dump()
    data["counters"] = counters
    data["devices"] = []
    return parse_hall_config(data)
