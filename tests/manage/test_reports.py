"""The scripted day (tests/manage/day.py) gives exactly the figures worked out by hand, in
every report: the JSON, the contract's daily report, the CSV, the Excel file read back with
openpyxl, the charts, the CLI, and again after a restart of the server."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from layso.cli import main as layso_main
from server.reports.export_csv import BOM, read_sections
from tests.manage.conftest import HALL
from tests.manage.day import CODES, DAY, ScriptedDay
from tests.support.live import ROOT, LiveServer

# Waits (first call − issue), in seconds, worked out from the script:
#   HT: 1001 1200, 1002 1620, 1003 660   CT: 3001 600, 3002 1260   TKQ: 300, 300, 600, 0
# Service times (finish − start): HT 600 · CT 900, 600 (1002 after its transfer), 480 ·
#   TKQ 240, 180, 540, 300 (no start: from the call)
WAIT_ALL = {"count": 9, "mean_s": 726.7, "median_s": 600.0, "p90_s": 1332.0, "max_s": 1620.0}
SERVICE_ALL = {"count": 8, "mean_s": 480.0, "median_s": 510.0, "p90_s": 690.0, "max_s": 900.0}


def stats(count: int, mean: float, median: float, p90: float, top: float) -> dict[str, Any]:
    return {"count": count, "mean_s": mean, "median_s": median, "p90_s": p90, "max_s": top}


def get(day: ScriptedDay, path: str, **params: Any):
    r = day.manager().get(path, params=params)
    assert r.status_code == 200, r.text
    return r


def summary(day: ScriptedDay, **params: Any) -> dict[str, Any]:
    return get(day, "/api/v1/reports/summary", **params).json()


def by(rows: list[dict], key: str) -> dict[Any, dict]:
    return {r[key]: r for r in rows}


def test_totals_of_the_day(day: ScriptedDay) -> None:
    r = summary(day, date=DAY.isoformat())
    assert r["empty"] is False and r["message"] is None
    assert r["period"] == {"kind": "day", "from": "2026-04-28", "to": "2026-04-28", "days": 1,
                           "label": "ngày 28/04/2026", "label_en": "2026-04-28"}
    t = r["totals"]
    assert {k: t[k] for k in ("issued", "served", "no_show", "cancelled", "expired", "waiting",
                              "transferred", "calls", "visits_served", "paused_s")} == {
        "issued": 11, "served": 8, "no_show": 1, "cancelled": 1, "expired": 1, "waiting": 0,
        "transferred": 1, "calls": 10, "visits_served": 8, "paused_s": 1800}
    assert t["wait"] == WAIT_ALL
    assert t["service_time"] == SERVICE_ALL


def test_by_service_adds_up_to_the_totals(day: ScriptedDay) -> None:
    r = summary(day, date=DAY.isoformat())
    s = by(r["by_service"], "service")
    assert list(s) == ["HT", "CT", "TKQ"]
    assert {k: s["HT"][k] for k in ("issued", "served", "no_show", "expired", "transferred")} \
        == {"issued": 4, "served": 2, "no_show": 1, "expired": 1, "transferred": 1}
    assert (s["CT"]["issued"], s["CT"]["served"], s["CT"]["cancelled"]) == (3, 2, 1)
    assert (s["TKQ"]["issued"], s["TKQ"]["served"]) == (4, 4)
    assert s["HT"]["wait"] == stats(3, 1160.0, 1200.0, 1536.0, 1620.0)
    assert s["CT"]["wait"] == stats(2, 930.0, 930.0, 1194.0, 1260.0)
    assert s["TKQ"]["wait"] == stats(4, 300.0, 300.0, 510.0, 600.0)
    assert s["HT"]["service_time"] == stats(1, 600.0, 600.0, 600.0, 600.0)
    assert s["CT"]["service_time"] == stats(3, 660.0, 600.0, 840.0, 900.0)
    assert s["TKQ"]["service_time"] == stats(4, 315.0, 270.0, 468.0, 540.0)
    assert (s["HT"]["over_target"], s["CT"]["over_target"], s["TKQ"]["over_target"]) == (2, 1, 0)
    for key in ("issued", "served", "no_show", "cancelled", "expired", "transferred"):
        assert sum(row[key] for row in r["by_service"]) == r["totals"][key], key
    assert sum(row["wait"]["count"] for row in r["by_service"]) == WAIT_ALL["count"]
    assert sum(row["service_time"]["count"] for row in r["by_service"]) == SERVICE_ALL["count"]
    assert sum(row["rated"] for row in r["by_service"]) == r["satisfaction"]["rated"]


def test_by_counter_and_officer(day: ScriptedDay) -> None:
    r = summary(day, date=DAY.isoformat())
    c = by(r["by_counter"], "counter")
    assert [(c[n]["label"], c[n]["calls"], c[n]["served"], c[n]["no_show"], c[n]["transferred"])
            for n in (1, 2, 3)] == [("1", 3, 1, 1, 1), ("2", 3, 3, 0, 0), ("3A", 4, 4, 0, 0)]
    assert c[1]["paused_s"] == 1800 and c[2]["paused_s"] == 0
    assert c[1]["wait"] == stats(3, 1160.0, 1200.0, 1536.0, 1620.0)
    assert c[2]["wait"] == stats(2, 930.0, 930.0, 1194.0, 1260.0)  # 1002's wait was at 1
    assert c[2]["service_time"] == stats(3, 660.0, 600.0, 840.0, 900.0)
    assert (c[1]["ratings"], c[2]["ratings"], c[3]["ratings"]) == (
        {"1": 0, "2": 0, "3": 1}, {"1": 1, "2": 1, "3": 0}, {"1": 0, "2": 1, "3": 2})
    assert (c[1]["satisfaction_rate"], c[2]["satisfaction_rate"], c[3]["satisfaction_rate"]) \
        == (1.0, 0.5, 1.0)
    o = by(r["by_officer"], "username")
    assert list(o) == ["an", "binh", "chi"]
    assert [(o[u]["calls"], o[u]["served"], o[u]["no_show"]) for u in o] == [
        (3, 1, 1), (3, 3, 0), (4, 4, 0)]
    assert sum(x["calls"] for x in r["by_counter"]) == r["totals"]["calls"]
    assert sum(x["served"] for x in r["by_officer"]) == r["totals"]["served"]


def test_hours_satisfaction_and_dossiers(day: ScriptedDay) -> None:
    r = summary(day, date=DAY.isoformat())
    hours = {h["hour"]: h for h in r["by_hour"] if h["issued"] or h["served"]}
    assert {h: (x["issued"], x["served"], x["wait_mean_s"]) for h, x in hours.items()} == {
        7: (3, 0, 1140.0), 8: (4, 6, 630.0), 9: (1, 0, None), 10: (1, 0, None),
        13: (1, 1, 600.0), 14: (1, 1, 0.0)}
    sat = r["satisfaction"]
    assert [(lv["score"], lv["count"], lv["share"]) for lv in sat["levels"]] == [
        (1, 1, 0.1667), (2, 2, 0.3333), (3, 3, 0.5)]
    assert (sat["rated"], sat["not_rated"], sat["satisfaction_rate"]) == (6, 2, 0.8333)
    assert sat["reasons"] == [{"reason": "Chờ quá lâu", "count": 1}]
    d = r["dossiers"]
    assert {k: d[k] for k in ("received", "returned", "early", "on_time", "late",
                              "no_due_date", "on_time_rate")} == {
        "received": 2, "returned": 4, "early": 1, "on_time": 1, "late": 1, "no_due_date": 1,
        "on_time_rate": 0.6667}
    ds = by(d["by_service"], "service")
    assert (ds["CT"]["received"], ds["TKQ"]["returned"], ds["TKQ"]["late"]) == (2, 4, 1)
    # Dossier A was due Friday 24/4; Monday 27/4 was a holiday; returned Tuesday 08:10.
    assert d["late_list"] == [{
        "dossier_code": CODES["A"], "service": "TKQ", "counter": 3, "due_date": "2026-04-24",
        "returned_at": "2026-04-28T08:10:00+07:00", "late_working_hours": 0.67}]
    assert r["by_day"] == [{
        "date": "2026-04-28", "issued": 11, "served": 8, "no_show": 1, "cancelled": 1,
        "expired": 1, "waiting": 0, "transferred": 1, "wait_mean_s": 726.7, "rated": 6,
        "satisfaction_rate": 0.8333, "dossiers_received": 2, "dossiers_returned": 4}]


def test_the_contract_daily_report_agrees(day: ScriptedDay) -> None:
    daily = get(day, "/api/v1/reports/daily", date=DAY.isoformat()).json()
    assert (daily["issued"], daily["served"], daily["no_show"]) == (11, 8, 1)
    assert daily["ratings"] == {"1": 1, "2": 2, "3": 3}
    assert daily["satisfaction_rate"] == 0.8333 and daily["dossiers"] == 6
    csv_text = get(day, "/api/v1/reports/daily", date=DAY.isoformat(), format="csv").text
    assert "2026-04-28,HT,4,2,1,0,1,1" in csv_text
    assert "2026-04-28,TOTAL,11,8,1,1,1,1" in csv_text
    assert "3,Rất hài lòng,3" in csv_text


def test_week_month_and_range_agree_with_the_days(day: ScriptedDay) -> None:
    one = summary(day, date=DAY.isoformat())
    week = summary(day, period="week", date="2026-04-30")
    assert (week["period"]["from"], week["period"]["to"]) == ("2026-04-27", "2026-05-03")
    assert week["totals"] == one["totals"] and week["satisfaction"] == one["satisfaction"]
    assert len(week["by_day"]) == 7
    span = summary(day, **{"from": "2026-04-20", "to": "2026-04-28"})
    month = summary(day, period="month", date="2026-04-09")
    assert month["period"]["days"] == 30
    for r in (span, month):
        assert (r["totals"]["issued"], r["totals"]["served"]) == (13, 10)
        assert r["dossiers"]["received"] == 4
        assert sum(d["issued"] for d in r["by_day"]) == 13
        assert sum(s["issued"] for s in r["by_service"]) == 13
        assert r["totals"]["wait"]["count"] == 11


def test_a_day_without_data_says_so(day: ScriptedDay) -> None:
    r = summary(day, date="2026-04-29")
    assert r["empty"] is True
    assert r["message"] == {"vi": "Không có dữ liệu ngày 29/04/2026.",
                            "en": "No data for 2026-04-29."}
    assert r["totals"]["issued"] == 0 and r["totals"]["wait"]["mean_s"] is None
    assert r["satisfaction"]["satisfaction_rate"] is None
    csv_text = get(day, "/api/v1/reports/summary", date="2026-04-29", format="csv").text
    assert "Không có dữ liệu ngày 29/04/2026." in csv_text
    wb = load_workbook(io.BytesIO(get(day, "/api/v1/reports/summary", date="2026-04-29",
                                      format="xlsx").content))
    cells = [c.value for row in wb["Tổng hợp"].iter_rows() for c in row]
    assert "Không có dữ liệu ngày 29/04/2026." in cells


def test_bad_periods_get_a_message(day: ScriptedDay) -> None:
    m = day.manager()
    r = m.get("/api/v1/reports/summary", params={"from": "2026-04-28", "to": "2026-04-01"})
    assert r.status_code == 422 and "trước ngày bắt đầu" in r.json()["detail"]
    r = m.get("/api/v1/reports/summary", params={"from": "2024-01-01", "to": "2026-01-01"})
    assert r.status_code == 422 and "366" in r.json()["detail"]
    r = m.get("/api/v1/reports/summary", params={"date": "28/04/2026"})
    assert r.status_code == 422
    r = m.get("/api/v1/reports/chart", params={"date": "2026-04-28", "kind": "pie"})
    assert r.status_code == 422 and "hours" in r.json()["detail"]
    officer = day.officer(1)
    assert officer.get("/api/v1/reports/summary", params={"date": "2026-04-28"}).status_code \
        == 403


def test_csv_has_the_same_figures(day: ScriptedDay) -> None:
    r = get(day, "/api/v1/reports/summary", date=DAY.isoformat(), format="csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="layso-phuong-2026-04-28.csv"' in r.headers["content-disposition"]
    raw = r.content.decode("utf-8")
    assert raw.startswith(BOM)
    sections = read_sections(raw)
    kpi = {row["figure"]: row["value"] for row in sections["Summary"]}
    assert (kpi["totals_issued"], kpi["totals_served"], kpi["totals_no_show"]) == ("11", "8", "1")
    assert kpi["totals_wait_mean_s"] == "726.7" and kpi["totals_wait_p90_s"] == "1332"
    assert kpi["satisfaction_satisfaction_rate"] == "0.8333"
    assert kpi["dossiers_on_time_rate"] == "0.6667"
    services = by(sections["By service"], "service")
    assert (services["HT"]["issued"], services["HT"]["wait_median_s"]) == ("4", "1200")
    assert services["CT"]["service_time_p90_s"] == "840"
    counters = by(sections["By counter"], "label")
    assert (counters["3A"]["calls"], counters["1"]["paused_s"]) == ("4", "1800")
    assert [h["hour"] for h in sections["By hour of the day"]] == [str(h) for h in range(7, 15)]
    levels = by(sections["Satisfaction"], "score")
    assert (levels["2"]["name"], levels["2"]["count"], levels["2"]["share"]) == (
        "Hài lòng", "2", "0.3333")
    late = sections["Dossiers returned late"]
    assert [(x["dossier_code"], x["late_working_hours"]) for x in late] == [(CODES["A"], "0.67")]


def _sheet_rows(ws) -> dict[str, list[Any]]:
    """Data rows (below the two header rows) keyed by their first cell."""
    return {str(row[0]): list(row) for row in ws.iter_rows(min_row=6, values_only=True)
            if row[0] is not None}


def test_excel_has_the_same_figures(day: ScriptedDay) -> None:
    r = get(day, "/api/v1/reports/summary", date=DAY.isoformat(), format="xlsx")
    assert r.content[:2] == b"PK"
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Tổng hợp", "Theo lĩnh vực", "Theo quầy", "Theo cán bộ", "Theo giờ",
                             "Theo ngày", "Hài lòng", "Lý do chưa hài lòng", "Hồ sơ",
                             "Hồ sơ quá hạn"]
    summary_rows = _sheet_rows(wb["Tổng hợp"])
    assert summary_rows["Số phiếu cấp"][2] == 11
    assert summary_rows["Đã phục vụ"][2] == 8
    assert summary_rows["Thời gian chờ TB"][2] == pytest.approx(726.7 / 60)
    rate = summary_rows["Tỷ lệ hài lòng và rất hài lòng (đánh giá tại quầy)"][2]
    assert rate == pytest.approx(0.8333)
    assert summary_rows["Tỷ lệ đúng và trước hạn"][2] == pytest.approx(0.6667)
    ws = wb["Tổng hợp"]
    wait_row = next(c.row for c in ws["A"] if c.value == "Thời gian chờ TB")
    assert ws.cell(wait_row, 3).number_format == "0.0"  # minutes, one decimal shown
    assert ws.cell(wait_row, 4).value == "phút (min)"
    services = _sheet_rows(wb["Theo lĩnh vực"])
    assert services["HT"][:9] == ["HT", "Hộ tịch", 4, 2, 1, 1, 0, 1, 0]
    assert services["CT"][9] == pytest.approx(930 / 60)
    officers = _sheet_rows(wb["Theo cán bộ"])
    assert [officers[u][2:5] for u in ("an", "binh", "chi")] == [[3, 1, 1], [3, 3, 0], [4, 4, 0]]
    dossiers = _sheet_rows(wb["Hồ sơ"])
    assert dossiers["TKQ"][1:8] == [0, 4, 1, 1, 1, 1, pytest.approx(0.6667)]
    assert _sheet_rows(wb["Hồ sơ quá hạn"])[CODES["A"]][5] == pytest.approx(0.67)
    hours = _sheet_rows(wb["Theo giờ"])
    assert [(h, hours[h][1], hours[h][2]) for h in ("7", "8", "13")] == [
        ("7", 3, 0), ("8", 4, 6), ("13", 1, 1)]
    assert len(wb["Theo giờ"]._charts) == 1


def test_charts_are_drawn_by_the_server(day: ScriptedDay) -> None:
    svg = get(day, "/api/v1/reports/chart", date=DAY.isoformat(), kind="hours").text
    assert svg.startswith("<svg") and "Lượt theo giờ trong ngày" in svg
    assert ">07h<" in svg and ">14h<" in svg
    sat = get(day, "/api/v1/reports/chart", date=DAY.isoformat(), kind="satisfaction",
              lang="en").text
    assert "Satisfaction rate (top two levels): 83.3%" in sat and "Very satisfied" in sat
    png = get(day, "/api/v1/reports/chart", date=DAY.isoformat(), kind="days", format="png")
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    assert Image.open(io.BytesIO(png.content)).size == (1800, 640)
    with_charts = summary(day, date=DAY.isoformat(), charts="true", lang="en")
    assert sorted(with_charts["charts"]) == ["days", "hours", "satisfaction"]
    assert "Visits by hour of the day" in with_charts["charts"]["hours"]
    assert "charts" not in summary(day, date=DAY.isoformat())


def test_live_view_has_targets_and_alerts(day: ScriptedDay) -> None:
    live = get(day, "/api/v1/manage/live").json()
    assert [(s["code"], s["target_wait_s"]) for s in live["services"]] == [
        ("HT", 900), ("CT", 600), ("TKQ", None)]
    assert live["today"]["issued"] == 11 and live["today"]["satisfaction_rate"] == 0.8333
    assert live["alerts"] == []  # closing time: nobody waits
    assert [c["state"] for c in live["counters"]] == ["idle", "idle", "idle"]


def test_cli_report_prints_the_same_figures(day: ScriptedDay, tmp_path, capsys) -> None:
    db = ["--config", str(HALL), "--db", day.live.db_url]
    assert layso_main(["report", "--date", "2026-04-28", "--format", "json", *db]) == 0
    out = json.loads(capsys.readouterr().out)
    api = summary(day, date=DAY.isoformat())
    assert out["totals"] == api["totals"] and out["dossiers"] == api["dossiers"]
    xlsx = tmp_path / "tuan.xlsx"
    assert layso_main(["report", "--date", "2026-04-28", "--period", "week", "--format", "xlsx",
                       "--out", str(xlsx), *db]) == 0
    assert "11 tickets issued" in capsys.readouterr().err
    wb = load_workbook(xlsx)
    assert _sheet_rows(wb["Tổng hợp"])["Số phiếu cấp"][2] == 11
    # The real command line, in its own process.
    run = subprocess.run([sys.executable, "-m", "layso", "report", "--date", "2026-04-20",
                          "--to", "2026-04-28", "--format", "csv", *db],
                         cwd=ROOT, capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    sections = read_sections(run.stdout.decode("utf-8"))
    kpi = {row["figure"]: row["value"] for row in sections["Summary"]}
    assert (kpi["totals_issued"], kpi["dossiers_received"]) == ("13", "4")


def test_cli_report_errors_are_clear(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        layso_main(["report", "--date", "28/04/2026"])
    assert exc.value.code == 2
    assert "is not a date like 2026-04-28" in capsys.readouterr().err
    missing = tmp_path / "none.sqlite3"
    assert layso_main(["report", "--date", "2026-04-28", "--config", str(HALL),
                       "--db", f"sqlite:///{missing}"]) == 1
    assert f"no database at {missing}" in capsys.readouterr().err
    assert layso_main(["report", "--date", "2026-04-28", "--to", "2026-04-01",
                       "--config", str(HALL), "--db", f"sqlite:///{missing}"]) == 2
    assert "The range ends before it starts" in capsys.readouterr().err


def test_reports_survive_a_restart(day: ScriptedDay) -> None:
    before = summary(day, period="week", date=DAY.isoformat())
    day.live.stop()
    day.live = LiveServer.start(db_url=day.live.db_url, config=HALL, clock=day.clock)
    after = summary(day, period="week", date=DAY.isoformat())
    before.pop("generated_at")
    after.pop("generated_at")
    assert after == before
    assert after["totals"]["issued"] == 11
    assert date.fromisoformat(after["period"]["from"]).weekday() == 0


def test_report_queries_use_indexes(day: ScriptedDay) -> None:
    """No full scan of the big tables: a year of data must not slow a day's report down."""
    from server.db.database import Database, Sql
    from server.reports import rows

    db = Database(day.live.db_url)
    try:
        def plans(s) -> list[str]:
            d = rows.dialect_of(s)
            params = {"start": DAY, "end": DAY, "result": "TKQ", "t0": "2026-04-28",
                      "t1": "2026-04-29"}
            out = []
            for sql in (rows.tickets_sql(d), rows.visits_sql(d, True), rows.visits_sql(d, False),
                        rows.pauses_sql(d)):
                out += [r[3] for r in Sql(f"EXPLAIN QUERY PLAN {sql}").run(s, params)]
            return out

        steps = db.read(plans)
    finally:
        db.dispose()
    assert steps, "no query plan"
    for step in steps:
        if step.startswith("SCAN"):
            raise AssertionError(f"a full scan in a report query: {step} (all: {steps})")
    for index in ("ix_visit_ticket", "ix_visit_dossier", "ix_event_type_at"):
        assert any(index in s for s in steps), (index, steps)
