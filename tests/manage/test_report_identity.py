"""The fast reports (server/reports/) give exactly what the reports computed before issue 7
gave (tests/manage/report_reference.py), on varied data (tests/manage/varied.py): the same
JSON text, every figure and every row in the same order, hence the same CSV, Excel file,
charts and contract daily report. On SQLite and, when it runs here, on PostgreSQL.

One thing was not reproducible and is now fixed: the rows of services no longer in the hall
file used to come in the order of whatever index SQLite chose to read the tickets by
(`ix_ticket_day_number` or `ix_ticket_target`, which orders by state); they now follow the
hall's services by code. The comparison puts the old report's such rows in that order. (So do
officers whose account is gone, by id, where two of them used to come in the order they were
met; accounts are never deleted, so the data has one such officer.)"""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from contracts.hall_config import load_hall_config
from server.db.database import Database
from server.hall import Hall
from server.reports import summary
from server.reports.chart import CHARTS, report_chart, to_svg
from server.reports.daily import from_summary
from server.reports.export_csv import to_csv
from server.reports.export_xlsx import to_xlsx
from server.reports.period import Period, make_period
from tests.manage import report_reference as reference
from tests.manage.conftest import HALL
from tests.manage.varied import generate

FIRST, DAYS = date(2026, 4, 20), 12  # Monday 20 April 2026, over the 30 April holidays


def periods() -> list[Period]:
    last = FIRST + timedelta(days=DAYS - 1)
    return [make_period("day", on=FIRST), make_period("day", on=FIRST + timedelta(days=5)),
            make_period("day", on=date(2026, 4, 30)),  # a holiday, with data all the same
            make_period("week", on=FIRST + timedelta(days=8)),
            make_period("month", on=FIRST),
            make_period("range", start=FIRST - timedelta(days=3), end=last + timedelta(days=3)),
            make_period("range", start=FIRST + timedelta(days=2), end=last - timedelta(days=2)),
            make_period("day", on=date(2027, 1, 5))]  # nothing at all


def _dump(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=1)


def _removed_by_code(report: dict[str, Any], hall: Hall) -> dict[str, Any]:
    """The old report with the rows of services not in the hall file ordered by code."""
    n = len(hall.cfg.services)
    for rows in (report["by_service"], report["dossiers"]["by_service"]):
        rows[n:] = sorted(rows[n:], key=lambda r: r["service"])
    return report


def _cells(xlsx: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(xlsx))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def assert_same_reports(hall: Hall) -> None:
    levels = [lv.model_dump() for lv in hall.cfg.rating.levels]
    non_empty = 0
    for period in periods():
        old, new = hall.read(lambda tx, p=period: (reference.build(tx, p),
                                                   summary.build(tx, p)))
        old = _removed_by_code(old, hall)
        assert _dump(new) == _dump(old), period
        assert to_csv(new) == to_csv(old)
        assert from_summary(new, period.start, levels) == from_summary(old, period.start,
                                                                       levels)
        for kind in CHARTS:
            assert to_svg(report_chart(new, kind)) == to_svg(report_chart(old, kind))
        non_empty += not new["empty"]
    assert non_empty == len(periods()) - 1
    # The Excel file of the whole range, cell by cell (its zip has timestamps of its own).
    whole = periods()[5]
    old, new = hall.read(lambda tx: (reference.build(tx, whole), summary.build(tx, whole)))
    old = _removed_by_code(old, hall)
    assert _cells(to_xlsx(new)) == _cells(to_xlsx(old))
    # The data has what it is meant to exercise.
    t = new["totals"]
    assert t["issued"] > 1000 and t["waiting"] and t["expired"] and t["transferred"]
    assert [s["service"] for s in new["by_service"]] == ["HT", "CT", "TKQ", "GONE", "OLD1",
                                                         "OLD2", "RATEDONLY"]
    assert {o["officer_id"] for o in new["by_officer"]} >= {None, 998}
    counters = {c["counter"]: c for c in new["by_counter"]}
    assert 9 in counters and counters[10]["wait"] == {"count": 1, "mean_s": 0.0, "median_s": 0.0,
                                                      "p90_s": 0.0, "max_s": 0.0}
    d = new["dossiers"]
    assert d["early"] and d["on_time"] and d["late"] and d["no_due_date"]
    assert new["totals"]["paused_s"] > 0
    assert new["satisfaction"]["rated"] > sum(lv["count"] for lv in new["satisfaction"]["levels"])


@pytest.fixture(scope="module")
def sqlite_hall(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("identity") / "hall.sqlite3"
    hall = Hall(load_hall_config(HALL), Database(f"sqlite:///{db}"))
    hall.setup()
    generate(hall, FIRST, DAYS, per_day=110, seed=7)
    try:
        yield hall
    finally:
        hall.db.dispose()


def test_the_fast_reports_are_the_old_reports(sqlite_hall: Hall) -> None:
    assert_same_reports(sqlite_hall)


def test_the_old_unixepoch_free_sql_gives_the_same(sqlite_hall: Hall, monkeypatch) -> None:
    """SQLite before 3.38 has no unixepoch(): the strftime form must give the same."""
    from server.reports import rows

    plain = rows.Dialect("sqlite", unixepoch=False)
    monkeypatch.setattr(rows, "dialect_of", lambda s: plain)
    with_unixepoch = rows.Dialect("sqlite", unixepoch=True)
    period = periods()[5]

    def both(tx):
        a = (rows.tickets(tx.s, period.start, period.end),
             rows.visits(tx.s, period.start, period.end, "TKQ"))
        monkeypatch.setattr(rows, "dialect_of", lambda s: with_unixepoch)
        b = (rows.tickets(tx.s, period.start, period.end),
             rows.visits(tx.s, period.start, period.end, "TKQ"))
        return a, b

    a, b = sqlite_hall.read(both)
    assert a == b and len(a[0]) > 1000


@pytest.mark.postgres
def test_the_same_on_postgresql(pg_url: str) -> None:
    hall = Hall(load_hall_config(HALL), Database(pg_url))
    try:
        hall.setup()
        generate(hall, FIRST, DAYS, per_day=110, seed=7)
        assert_same_reports(hall)
    finally:
        hall.db.dispose()
