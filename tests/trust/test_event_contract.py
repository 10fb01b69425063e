"""The live feed has a contract: one model per event type (contracts/events.py), checked before
an event is stored, published as a JSON Schema, and every type folded or deliberately ignored by
each reader: the board, the kiosk, the device manager and the three pages."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from pydantic import ValidationError

from contracts.events import (
    HALL_EVENTS,
    SEQUENCED_TYPES,
    EventType,
    HallEvent,
    check_event,
    events_schema,
)
from display.model import HANDLED_EVENTS as BOARD_HANDLED
from display.model import IGNORED_EVENTS as BOARD_IGNORED
from display.model import BoardState, fold
from kiosk.hall import COUNT_EVENTS as KIOSK_HANDLED
from kiosk.hall import IGNORED_EVENTS as KIOSK_IGNORED
from server.devices.state import HallShow
from tests.display.test_display_model import snapshot

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-11-23T02:00:00+00:00"
ON_COUNTER = {"number": "1001", "counter": 1, "counter_label": "1", "ticket_id": 7,
              "visit_id": 3, "service": "HT"}
SAMPLES: dict[str, dict[str, Any]] = {
    "ticket_issued": {"ticket_id": 7, "number": "1001", "service": "HT", "priority": None,
                      "waiting": 1},
    "called": {**ON_COUNTER, "priority": None, "recalls": 0, "waiting": {"HT": 0}},
    "recalled": {**ON_COUNTER, "priority": None, "recalls": 1},
    "started": ON_COUNTER,
    "finished": {**ON_COUNTER, "outcome": "received", "rating_until": AT},
    "rated": {"visit_id": 3, "counter": 1, "score": 3},
    "ticket_reprinted": {"ticket_id": 8, "number": "1002", "service": "HT"},
    "cancelled": {"ticket_id": 8, "number": "1002", "service": "HT", "waiting": {"HT": 0}},
    "returned": {"ticket_id": 8, "number": "1002", "service": "HT", "waiting": {"HT": 1}},
    "skipped": {**ON_COUNTER, "ticket_id": 8, "visit_id": 4, "number": "1002"},
    "transferred": {"number": "1003", "ticket_id": 9, "visit_id": 5, "from_counter": 1,
                    "to_service": "DD", "to_counter": None, "reason": None,
                    "waiting": {"DD": 1}},
    "counter_paused": {"counter": 1, "counter_label": "1", "reason": None},
    "counter_resumed": {"counter": 1, "counter_label": "1"},
    "notice": {"text": "Hôm nay quầy 3 nghỉ"},
    "day_closed": {"days": ["2026-11-23"], "expired": 0},
    "day_opened": {"day": "2026-11-24"},
}


def _event(kind: str, seq: int) -> dict[str, Any]:
    return {"seq": seq, "type": kind, "at": AT, **SAMPLES[kind]}


def test_the_union_is_every_event_type_and_each_has_a_sample() -> None:
    models = get_args(get_args(HallEvent)[0])
    literals = {get_args(m.model_fields["type"].annotation)[0] for m in models}
    assert literals == SEQUENCED_TYPES == set(SAMPLES)
    assert {t.value for t in EventType} - {"snapshot", "device_health"} == SEQUENCED_TYPES
    for kind in SAMPLES:
        check_event(_event(kind, 1))


def test_a_wrong_shape_is_refused_before_it_is_stored() -> None:
    missing = _event("called", 1)
    del missing["counter_label"]
    typo = {**_event("finished", 1), "outcom": "received"}
    wrong = {**_event("rated", 1), "score": "very"}
    unknown = {"seq": 1, "type": "finish", "at": AT}
    for bad in (missing, typo, wrong, unknown):
        with pytest.raises(ValidationError):
            check_event(bad)


def _emitted_types() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "server").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "emit" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def test_the_server_emits_only_types_of_the_contract() -> None:
    emitted = _emitted_types()
    assert emitted <= SEQUENCED_TYPES
    # `notice` is the contract's for a hall's notices; nothing in the server sends one yet
    assert SEQUENCED_TYPES - emitted == {"notice"}


@pytest.mark.parametrize("reader,handled,ignored", [
    ("board", BOARD_HANDLED, BOARD_IGNORED),
    ("kiosk", KIOSK_HANDLED, KIOSK_IGNORED),
    ("device manager", HallShow.HANDLED_EVENTS, HallShow.IGNORED_EVENTS),
])
def test_every_type_is_folded_or_ignored_on_purpose(reader, handled, ignored) -> None:
    assert not handled & ignored, f"{reader}: both folded and ignored: {handled & ignored}"
    assert handled | ignored == SEQUENCED_TYPES, (
        f"{reader} says nothing of {sorted(SEQUENCED_TYPES - handled - ignored)}; "
        f"unknown: {sorted((handled | ignored) - SEQUENCED_TYPES)}")


def test_the_board_and_the_device_manager_fold_every_sample_without_a_reload() -> None:
    state = fold(BoardState(), snapshot(seq=100), 0.0).state
    show = HallShow({1: "1", 2: "2"}, seq=100)
    order = [k for k in SAMPLES if k not in ("day_closed", "day_opened")] + [
        "day_closed", "day_opened"]
    for i, kind in enumerate(order, start=101):
        folded = fold(state, _event(kind, i), float(i))
        assert not folded.reload, (kind, folded.problem)
        state = folded.state
        assert state.seq == i
        change = show.apply(_event(kind, i))
        assert not change.reload or kind in ("day_opened", "day_closed"), kind


PAGES = ["panel.js", "manage.js", "rate.js"]


def _ignored_in(page: str) -> tuple[set[str], str]:
    text = (ROOT / "counter_panel/web/static" / page).read_text(encoding="utf-8")
    found = re.search(r"const EVENTS_IGNORED = \[(.*?)\];", text, re.S)
    assert found, f"{page} declares no EVENTS_IGNORED"
    return set(re.findall(r'"(\w+)"', found.group(1))), text[found.end():]


@pytest.mark.parametrize("page", PAGES)
def test_each_page_names_only_real_types_and_folds_the_rest(page) -> None:
    ignored, rest = _ignored_in(page)
    assert ignored <= SEQUENCED_TYPES, f"{page}: unknown types {ignored - SEQUENCED_TYPES}"
    compared = set(re.findall(r'ev\.type === "(\w+)"', rest)) | {
        t for group in re.findall(r"\[([^\]]*)\]\.includes\(ev\.type\)", rest)
        for t in re.findall(r'"(\w+)"', group)}
    assert compared <= SEQUENCED_TYPES, f"{page} compares with {compared - SEQUENCED_TYPES}"
    assert not compared & ignored, f"{page}: ignores what it folds: {compared & ignored}"
    if page == "rate.js":  # folds type by type: every type not ignored is compared
        assert compared | ignored == SEQUENCED_TYPES, SEQUENCED_TYPES - compared - ignored


def test_the_schema_is_published_and_names_every_type(tmp_path) -> None:
    from tests.support.live import LiveServer

    schema = events_schema()
    mapping = schema["discriminator"]["mapping"] if "discriminator" in schema else {}
    names = set(mapping) or {d["properties"]["type"]["const"]
                             for d in schema["$defs"].values() if "type" in d["properties"]}
    assert SEQUENCED_TYPES | {"device_health"} <= names
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'h.sqlite3'}")
    try:
        got = httpx.get(f"{live.url}/api/v1/schema/events", timeout=10)
    finally:
        live.stop()
    assert got.status_code == 200 and got.json() == json.loads(json.dumps(schema))
    assert HALL_EVENTS.validate_python(_event("called", 5)).type == "called"
