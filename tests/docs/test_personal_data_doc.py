"""docs/security.md says what personal data Layso keeps, for how long and why (Law
91/2025/QH15, Decree 356/2025/NĐ-CP). A table added to the schema must be placed on that list,
or named here as holding nothing personal; the retention the page states must be the code's.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import SQLModel

import server.db.models  # noqa: F401  (registers the tables)
from server.ratelimit import LimitStore

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
# tables with nothing about a person: the hall's sequence and day, the service list, number
# counters, the waiting counts, the devices (names of machines and token hashes)
NOTHING_PERSONAL = {"hall_state", "service", "number_seq", "queue_count", "device"}


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("### What Layso keeps, for how long, and why")
    return text[start:text.index("\n## ", start)]


def test_every_table_that_can_hold_personal_data_is_on_the_list() -> None:
    section = _section()
    rows = {line.split("|")[1].strip().strip("`") for line in section.splitlines()
            if line.startswith("| `")}
    tables = set(SQLModel.metadata.tables)
    assert tables - NOTHING_PERSONAL <= rows, sorted(tables - NOTHING_PERSONAL - rows)
    assert tables >= NOTHING_PERSONAL  # a renamed table is not silently off the list


def test_the_stated_retention_of_sign_in_addresses_is_the_codes() -> None:
    import inspect

    # "deleted an hour after its window opened": the prune's default age
    assert inspect.signature(LimitStore.prune).parameters["older_than_s"].default == 3600.0
    assert "**deleted an hour**" in _section()
