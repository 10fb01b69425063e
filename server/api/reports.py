"""Reports for managers: the contract's daily report, and the full report for a day, week,
month or range as JSON, CSV or Excel, with its charts as SVG or PNG. All are computed from
the stored rows and the event log on every request (nothing kept in memory)."""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import PlainTextResponse, Response

from server.api.deps import get_hall, read, require
from server.auth import Principal
from server.hall import Hall
from server.reports.cells import SafeWriter
from server.reports.chart import CHARTS, report_chart, to_png, to_svg
from server.reports.daily import daily_report
from server.reports.export_csv import to_csv as report_csv
from server.reports.export_xlsx import to_xlsx
from server.reports.period import Period, PeriodError, make_period
from server.reports.summary import build

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def check_day(day: date | None, name: str = "date") -> date | None:
    """A day a hall's report can be about. Days at the ends of the calendar (0001-01-01) would
    overflow when turned into UTC bounds, so they are refused with a message, not a 500."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        shown = f"{day.day:02d}/{day.month:02d}/{day.year:04d}"  # year 1 too, as dd/mm/yyyy
        raise HTTPException(422, f"`{name}`: ngày {shown} nằm ngoài {FIRST_DAY.year}–"
                            f"{LAST_DAY.year}. ({name}: {day.isoformat()} is outside "
                            f"{FIRST_DAY.year}–{LAST_DAY.year}.)")
    return day


manager = require("manager", "admin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
SVG = "image/svg+xml"
# What the non-JSON formats are, for the OpenAPI schema.
TEXT = {"schema": {"type": "string"}}
BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get("/daily", response_model=None, responses={200: {"content": {CSV: TEXT}}})
async def daily(date_: date = Query(alias="date", description="the hall's local date"),
                format_: str = Query("json", alias="format", pattern="^(json|csv)$"),
                hall: Hall = Depends(get_hall),
                _: Principal = Depends(manager)) -> dict | PlainTextResponse:
    check_day(date_)
    report = await read(hall, lambda tx: daily_report(tx, date_))
    if format_ == "csv":
        return PlainTextResponse(to_csv(report), media_type="text/csv; charset=utf-8")
    return report


def to_csv(report: dict) -> str:
    buf = io.StringIO()
    w = SafeWriter(csv.writer(buf))
    w.writerow(["date", "service", "issued", "served", "no_show", "cancelled", "expired",
                "transferred"])
    for row in report["by_service"]:
        w.writerow([report["date"], row["service"], row["issued"], row["served"],
                    row["no_show"], row["cancelled"], row["expired"], row["transferred"]])
    w.writerow([report["date"], "TOTAL", report["issued"], report["served"], report["no_show"],
                report["cancelled"], report["expired"], report["transferred"]])
    w.writerow([])
    w.writerow(["rating_score", "rating_label", "count"])
    for lv in report["rating_levels"]:
        w.writerow([lv["score"], lv["name"], report["ratings"][str(lv["score"])]])
    return buf.getvalue()


def period_query(
    period: str = Query("day", description="day, week (Monday–Sunday), month or range"),
    date_: date | None = Query(None, alias="date", description="a day in the period"),
    from_: date | None = Query(None, alias="from", description="first day of a range"),
    to: date | None = Query(None, description="last day of a range (inclusive)"),
) -> Period:
    for day, name in ((date_, "date"), (from_, "from"), (to, "to")):
        check_day(day, name)
    try:
        if from_ is not None:
            return make_period("range", start=from_, end=to)
        return make_period(period, on=date_)
    except PeriodError as exc:
        raise HTTPException(422, str(exc)) from None


def _download(body: bytes | str, media: str, name: str) -> Response:
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/summary", response_model=None,
            responses={200: {"content": {CSV: TEXT, XLSX: BINARY}}})
async def summary(p: Period = Depends(period_query),
                  format_: str = Query("json", alias="format", pattern="^(json|csv|xlsx)$"),
                  charts: bool = Query(False, description="JSON only: add the charts as SVG "
                                       "(`charts.hours`, `.days`, `.satisfaction`)"),
                  lang: str = Query("vi", pattern="^(vi|en)$", description="of the charts"),
                  hall: Hall = Depends(get_hall),
                  _: Principal = Depends(manager)) -> dict | Response:
    """The full report: totals, by service, counter, officer, hour and day, satisfaction,
    dossiers and their on-time rate."""
    report = await read(hall, lambda tx: build(tx, p))
    name = f"layso-{hall.code}-{p.slug()}"
    if format_ == "csv":
        return _download(report_csv(report), "text/csv; charset=utf-8", f"{name}.csv")
    if format_ == "xlsx":
        return _download(to_xlsx(report), XLSX, f"{name}.xlsx")
    if charts:  # one computation for the page: the report and its pictures together
        report["charts"] = {k: to_svg(report_chart(report, k, lang)) for k in CHARTS}
    return report


@router.get("/chart", response_model=None, response_class=Response,
            responses={200: {"content": {SVG: TEXT, "image/png": BINARY}}})
async def chart(p: Period = Depends(period_query),
                kind: str = Query("hours", description=", ".join(CHARTS)),
                format_: str = Query("svg", alias="format", pattern="^(svg|png)$"),
                lang: str = Query("vi", pattern="^(vi|en)$"),
                download: bool = False,
                hall: Hall = Depends(get_hall), _: Principal = Depends(manager)) -> Response:
    """A report's picture, drawn by the server."""
    if kind not in CHARTS:
        raise HTTPException(422, f"Không có biểu đồ {kind!r}; chọn {', '.join(CHARTS)}. "
                                 f"(Unknown chart {kind!r}; one of {', '.join(CHARTS)}.)")
    report = await read(hall, lambda tx: build(tx, p))
    picture = report_chart(report, kind, lang)
    name = f"layso-{hall.code}-{kind}-{p.slug()}.{format_}"
    if format_ == "png":
        body: bytes | str = to_png(picture)
        media = "image/png"
    else:
        body, media = to_svg(picture), "image/svg+xml; charset=utf-8"
    if download:
        return _download(body, media, name)
    return Response(body, media_type=media)
