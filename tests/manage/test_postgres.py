"""The same report on PostgreSQL: its epoch and date expressions differ from SQLite's."""

from __future__ import annotations

import pytest

from server.clock import FakeClock
from tests.manage.conftest import HALL
from tests.manage.day import DAY, local
from tests.support.live import LiveServer

pytestmark = pytest.mark.postgres


def test_a_short_morning_on_postgresql(pg_url: str) -> None:
    clock = FakeClock(local(DAY, "07:40"))
    live = LiveServer.start(db_url=pg_url, config=HALL, clock=clock)
    try:
        kiosk = live.client(live.device_token("kiosk"))
        officer = live.client(live.login("an", counter=1))
        manager = live.client(live.login("giamdoc", role="manager"))
        kiosk.post("/api/v1/tickets", json={"service": "HT"}).raise_for_status()
        clock.set(local(DAY, "07:45"))
        kiosk.post("/api/v1/tickets", json={"service": "HT"}).raise_for_status()
        clock.set(local(DAY, "07:55"))
        officer.post("/api/v1/counters/1/next").raise_for_status()
        clock.set(local(DAY, "08:05"))
        officer.post("/api/v1/counters/1/finish", json={
            "outcome": "received", "dossier_code": "000.00.31.H12-260428-0001",
            "due_date": "2026-04-30"}).raise_for_status()
        officer.post("/api/v1/counters/1/next").raise_for_status()
        clock.set(local(DAY, "08:10"))
        officer.post("/api/v1/counters/1/skip").raise_for_status()
        r = manager.get("/api/v1/reports/summary", params={"date": DAY.isoformat()}).json()
        t = r["totals"]
        assert (t["issued"], t["served"], t["no_show"]) == (2, 1, 1)
        # 1001: 07:40 → 07:55 (900 s); 1002: 07:45 → 08:05 (1200 s)
        assert t["wait"] == {"count": 2, "mean_s": 1050.0, "median_s": 1050.0,
                             "p90_s": 1170.0, "max_s": 1200.0}
        assert t["service_time"]["mean_s"] == 600.0
        assert r["by_day"][0]["date"] == "2026-04-28"
        assert r["dossiers"]["received"] == 1
        assert [h["hour"] for h in r["by_hour"] if h["issued"]] == [7]
        xlsx = manager.get("/api/v1/reports/summary", params={"date": DAY.isoformat(),
                                                              "format": "xlsx"})
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    finally:
        live.stop()
