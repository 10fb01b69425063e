"""A report as an Excel workbook (openpyxl): a summary sheet and one sheet per table, with
Vietnamese headers over English ones, numbers kept as numbers (durations in minutes, rates as
percentages) and a native Excel chart of the hours of the day. Text from the data goes through
`server.reports.cells.safe_cell`: a reason beginning with `=` is written as text, not a
formula."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from server.reports.cells import safe_cell
from server.reports.tables import HOURS, KPIS, TABLES, Column, Table

SHEETS = {"services": "Theo lĩnh vực", "counters": "Theo quầy", "officers": "Theo cán bộ",
          "hours": "Theo giờ", "days": "Theo ngày", "satisfaction": "Hài lòng",
          "reasons": "Lý do chưa hài lòng", "dossiers": "Hồ sơ", "late": "Hồ sơ quá hạn"}
SUMMARY = "Tổng hợp"
HEADER_ROW = 4  # Vietnamese headers; English below; data from HEADER_ROW + 2

_HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_EN_FONT = Font(italic=True, color="595959")
_TITLE_FONT = Font(bold=True, size=14, color="1F4E79")
_FORMATS = {"int": "#,##0", "seconds": "0.0", "rate": "0.0%", "number": "0.00"}


def _value(col: Column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        # Control characters (a reason typed with one) are not allowed in an XLSX cell:
        # openpyxl would refuse the whole workbook.
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    if col.kind == "seconds":
        return value / 60
    return value


def _header(col: Column, lang: str) -> str:
    text = col.vi if lang == "vi" else col.en
    if col.kind == "seconds":
        text += " (phút)" if lang == "vi" else " (min)"
    return text


def _heading(ws: Worksheet, report: dict[str, Any], title_vi: str, title_en: str) -> None:
    ws["A1"] = f"{title_vi} — {report['hall']['name']}"
    ws["A1"].font = _TITLE_FONT
    p = report["period"]
    ws["A2"] = f"{title_en} · {p['label']} ({p['label_en']})"
    ws["A2"].font = _EN_FONT


def _table(ws: Worksheet, report: dict[str, Any], table: Table) -> int:
    _heading(ws, report, table.vi, table.en)
    for j, col in enumerate(table.columns, start=1):
        vi = ws.cell(HEADER_ROW, j, _header(col, "vi"))
        vi.font, vi.fill = _HEAD_FONT, _HEAD_FILL
        vi.alignment = Alignment(wrap_text=True, vertical="center")
        en = ws.cell(HEADER_ROW + 1, j, _header(col, "en"))
        en.font = _EN_FONT
        width = max(len(_header(col, "vi")), len(_header(col, "en")), 8)
        ws.column_dimensions[get_column_letter(j)].width = min(width + 2, 40)
    rows = table.rows(report)
    for i, row in enumerate(rows, start=HEADER_ROW + 2):
        for j, col in enumerate(table.columns, start=1):
            cell = ws.cell(i, j, _value(col, col.value(row)))
            if col.kind in _FORMATS:
                cell.number_format = _FORMATS[col.kind]
    if not rows:
        ws.cell(HEADER_ROW + 2, 1, "Không có dữ liệu (no data)").font = _EN_FONT
    ws.freeze_panes = ws.cell(HEADER_ROW + 2, 1)
    ws.row_dimensions[HEADER_ROW].height = 32
    return len(rows)


def _summary(ws: Worksheet, report: dict[str, Any]) -> None:
    _heading(ws, report, "Báo cáo tổng hợp", "Summary report")
    at = datetime.fromisoformat(report["generated_at"])
    ws["A3"] = f"Lập lúc (generated) {at:%Y-%m-%d %H:%M} UTC"
    ws["A3"].font = _EN_FONT
    for j, (vi, en) in enumerate((("Chỉ tiêu", "Figure"), ("", ""), ("Giá trị", "Value"),
                                  ("Đơn vị", "Unit")), start=1):
        c = ws.cell(HEADER_ROW, j, vi)
        c.font, c.fill = _HEAD_FONT, _HEAD_FILL
        ws.cell(HEADER_ROW + 1, j, en).font = _EN_FONT
    row = HEADER_ROW + 2
    if report["empty"]:
        ws.cell(row, 1, safe_cell(report["message"]["vi"])).font = Font(bold=True, color="C00000")
        ws.cell(row, 2, safe_cell(report["message"]["en"])).font = _EN_FONT
        row += 1
    units = {"seconds": "phút (min)", "rate": "%", "int": "", "number": ""}
    for col in KPIS:
        ws.cell(row, 1, col.vi)
        ws.cell(row, 2, col.en).font = _EN_FONT
        cell = ws.cell(row, 3, _value(col, col.value(report)))
        if col.kind in _FORMATS:
            cell.number_format = _FORMATS[col.kind]
        ws.cell(row, 4, units.get(col.kind, ""))
        row += 1
    for letter, width in zip("ABCD", (38, 36, 14, 12), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(HEADER_ROW + 2, 1)


def _hours_chart(ws: Worksheet, n: int) -> None:
    if n == 0:
        return
    first, last = HEADER_ROW + 2, HEADER_ROW + 1 + n
    chart = BarChart()
    chart.type = "col"
    chart.title = "Lượt theo giờ (visits by hour)"
    chart.y_axis.title = "Số lượt"
    chart.x_axis.title = "Giờ"
    data = Reference(ws, min_col=2, max_col=3, min_row=HEADER_ROW, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.height, chart.width = 8, 18
    ws.add_chart(chart, f"F{HEADER_ROW}")


def to_xlsx(report: dict[str, Any]) -> bytes:
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY
    _summary(summary, report)
    for table in TABLES:
        ws = wb.create_sheet(SHEETS[table.name])
        n = _table(ws, report, table)
        if table is HOURS:
            _hours_chart(ws, n)
    wb.properties.title = f"Layso — {report['hall']['name']} — {report['period']['label']}"
    wb.properties.creator = "Layso"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
