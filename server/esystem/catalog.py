"""The procedure catalog: read from a file (CSV or JSON export of the national procedure
database) and searched the way a citizen types, without tone marks or case.

A file row may use Layso's names (`code, name, field, duration_text, fee_text, papers_text`)
or OpenCPS's (`serviceCode, serviceName, domainName, durationText, feeText, dossierText`), so
an export from either loads as it is.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path

from server.esystem.base import Procedure

_ALIASES = {
    "code": ("code", "serviceCode", "MaTTHC"),
    "name": ("name", "serviceName", "TenTTHC"),
    "field": ("field", "domainName", "LinhVuc"),
    "duration_text": ("duration_text", "durationText"),
    "fee_text": ("fee_text", "feeText"),
    "papers_text": ("papers_text", "dossierText"),
}


def fold(text: str) -> str:
    """Lower case without tone marks: "Đăng ký khai sinh" → "dang ky khai sinh". `đ` has no
    decomposition in Unicode, so it is mapped by hand."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def procedure_from(row: dict) -> Procedure | None:
    """A catalog row in either naming; None when it has no code or name."""
    values = {}
    for key, names in _ALIASES.items():
        values[key] = next((str(row[n]).strip() for n in names if row.get(n) not in (None, "")),
                           "")
    if not values["code"] or not values["name"]:
        return None
    return Procedure(**values)


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message names the file and why."""


def load_catalog(path: str | Path) -> list[Procedure]:
    """The procedures of a `.json` (a list, or OpenCPS's `{total, data}`) or `.csv` file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CatalogError(f"esystem.catalog: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CatalogError(f"esystem.catalog: {path} is not UTF-8 text") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CatalogError(f"esystem.catalog: {path} is not valid JSON: {exc}") from None
        rows = data.get("data", []) if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise CatalogError(f"esystem.catalog: {path} holds no list of procedures")
    else:
        rows = list(csv.DictReader(text.splitlines()))
    found = [p for p in (procedure_from(r) for r in rows if isinstance(r, dict)) if p]
    if rows and not found:
        raise CatalogError(f"esystem.catalog: no row of {path} has a code and a name (columns "
                           "code/serviceCode and name/serviceName)")
    return found


def search(catalog: list[Procedure], q: str, limit: int = 50) -> list[Procedure]:
    """Procedures whose name, field or code holds every word of `q`, tone marks and case
    ignored; names that start with the query first."""
    words = fold(q).split()
    if not words:
        return catalog[:limit]
    hits = []
    for p in catalog:
        hay = fold(f"{p.name} {p.field} {p.code}")
        if all(w in hay for w in words):
            hits.append((0 if fold(p.name).startswith(" ".join(words)) else 1, fold(p.name), p))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [p for _, _, p in hits[:limit]]
