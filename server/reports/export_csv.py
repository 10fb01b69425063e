"""A report as one CSV file: a heading block, the headline figures, then each table as a
section (a title line, a header line of stable English keys, the rows).

Durations are seconds and rates are fractions, as in the JSON. The file starts with a UTF-8
byte order mark so that Excel shows Vietnamese correctly when a manager double-clicks it.
Every cell goes through `server.reports.cells.safe_cell`, so text a spreadsheet would run as a
formula stays text.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from server.reports.cells import SafeWriter
from server.reports.tables import KPIS, TABLES, Column

BOM = "\ufeff"


def _cell(col: Column, value: Any) -> Any:
    if value is None:
        return ""
    if col.kind == "seconds" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    buf.write(BOM)
    w = SafeWriter(csv.writer(buf, lineterminator="\r\n"))
    hall, period = report["hall"], report["period"]
    w.writerow(["# Báo cáo / Report", hall["name"]])
    w.writerow(["from", period["from"]])
    w.writerow(["to", period["to"]])
    w.writerow(["generated_at", report["generated_at"]])
    if report["empty"]:
        w.writerow(["message", report["message"]["vi"], report["message"]["en"]])
    w.writerow([])
    w.writerow(["# Tổng hợp / Summary"])
    w.writerow(["figure", "tên", "name", "value"])
    for col in KPIS:
        w.writerow([col.csv_name, col.vi, col.en, _cell(col, col.value(report))])
    for table in TABLES:
        w.writerow([])
        w.writerow([f"# {table.vi} / {table.en}"])
        w.writerow([c.csv_name for c in table.columns])
        for row in table.rows(report):
            w.writerow([_cell(c, c.value(row)) for c in table.columns])
    return buf.getvalue()


def read_sections(text: str) -> dict[str, list[dict[str, str]]]:
    """Parse a file written by `to_csv` back into {section title: rows} (for tools and tests).
    The summary section is keyed "Summary"; others by their English title."""
    out: dict[str, list[dict[str, str]]] = {}
    lines = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
    i = 0
    while i < len(lines):
        line = lines[i]
        if line and line[0].startswith("# ") and "/" in line[0] and i + 1 < len(lines) \
                and not line[0].startswith("# Báo cáo"):
            title = line[0].split("/", 1)[1].strip()
            header = lines[i + 1]
            rows = []
            i += 2
            while i < len(lines) and lines[i]:
                rows.append(dict(zip(header, lines[i], strict=False)))
                i += 1
            out[title] = rows
        else:
            i += 1
    return out
