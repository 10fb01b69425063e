"""docs/config.md documents every key of the hall file, with the default the schema has.

The test walks the pydantic models of `contracts/hall_config.py` (sections, the entries of
`[[services]]` and the like, nested lists such as `rating.levels`) and reads the tables of the
page: a row is `| `section.key` | type | `default` | meaning |`. A key the schema gains without
a row, or a default changed in one place and not the other, fails here.
"""

from __future__ import annotations

import json
import re
import tomllib
import typing
from datetime import date, time
from pathlib import Path

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from contracts.hall_config import HallConfig, Interval, parse_hall_config

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "config.md"
REQUIRED = "*required*"
_ROW = re.compile(r"^\|\s*`([a-z_.]+)`\s*\|[^|]*\|\s*(`(?:[^`]|`(?!\s*\|))*`|\*required\*|—)\s*\|")


def documented() -> dict[str, str]:
    """key -> the default cell as written (without its backticks), from the page's tables."""
    rows: dict[str, str] = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if m:
            key, cell = m.groups()
            assert key not in rows, f"docs/config.md documents {key} twice"
            rows[key] = cell[1:-1] if cell.startswith("`") else cell
    return rows


def toml_literal(value: object) -> str:
    """A default as the page writes it: a TOML literal, `none` for "not set"."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return f"'{value}'" if "\\" in value else json.dumps(value, ensure_ascii=False)
    if isinstance(value, time):
        return json.dumps("24:00" if value == time.max else f"{value:%H:%M}")
    if isinstance(value, Interval):  # an opening session is written as a pair
        return toml_literal([value.start, value.end])
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return toml_literal(value.model_dump())
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    raise TypeError(f"no TOML literal for {value!r}")


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model a field holds, directly or as the items of a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return _model_in(item)
    return None


def schema_keys() -> dict[str, str]:
    """Every key of the hall file (dotted, without list indices) -> its default as a literal.
    The top level's fields are sections (a heading each, no row); deeper, every field is a
    row, and a list of tables (`rating.levels`) is walked into as well. An opening session is
    a pair of times, not a table, so `Interval` is not walked into."""
    keys: dict[str, str] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            key = f"{prefix}.{name}" if prefix else name
            inner = _model_in(field.annotation)
            if prefix:
                if field.is_required():
                    keys[key] = REQUIRED
                elif field.default_factory is not None:
                    keys[key] = toml_literal(field.default_factory())
                else:
                    assert field.default is not PydanticUndefined
                    keys[key] = toml_literal(field.default)
            if inner is not None and inner is not Interval:
                walk(inner, key)

    walk(HallConfig, "")
    return keys


def test_the_walk_sees_the_whole_schema():
    keys = schema_keys()
    # a few keys from every depth, so a broken walk cannot pass the test below vacuously
    for key in ("hall.name", "services.prefix", "counters.services", "hours.mon",
                "rating.levels.low", "dossier.pattern", "queue.kiosk_per_minute",
                "devices.baud", "priority_groups.rank"):
        assert key in keys
    assert keys["hall.name"] == REQUIRED and keys["queue.max_recalls"] == "3"
    assert len(keys) >= 50


@pytest.mark.parametrize("key", sorted(schema_keys()))
def test_every_key_is_documented_with_its_default(key):
    rows = documented()
    assert key in rows, f"docs/config.md has no row for `{key}`"
    assert rows[key] == schema_keys()[key], (
        f"docs/config.md gives `{key}` the default {rows[key]!r}; the schema's is "
        f"{schema_keys()[key]!r}")


def test_no_row_documents_a_key_the_schema_lacks():
    """Besides the schema's keys, only the hours shorthands and the devices' driver options
    (which the schema lets through) may have rows."""
    extra = set(documented()) - set(schema_keys())
    assert extra == {"hours.every_day", "hours.weekdays", "devices.digits", "devices.lines",
                     "devices.levels", "devices.label_chars"}


def test_the_pages_example_is_a_valid_hall():
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.S)
    assert block, "docs/config.md has no example hall"
    cfg = parse_hall_config(tomllib.loads(block.group(1)), "docs/config.md")
    assert cfg.counter(2).label == "2A" and cfg.dossier.result_service == "TKQ"


def test_the_demo_hall_points_at_this_page():
    assert "docs/config.md" in (ROOT / "config" / "demo.toml").read_text(encoding="utf-8")
