"""Who may read staff free text.

Pause and transfer reasons are typed by officers and may name a citizen ("gọi lại cho chị
Bình 0903…"). Staff pages (panel, manager) need them; devices (boards, kiosks, rating boxes,
keypads) do not, and their screens are public, so a device gets every event and every
counter with the reason blanked. Events are serialised once for everyone; only the rare
event that carries a reason is serialised again for devices.
"""

from __future__ import annotations

import json
from typing import Any

from contracts.api import CounterOut
from contracts.events import Snapshot
from server.auth import Principal

STAFF_ONLY = ("reason", "pause_reason")


def reads_staff_text(p: Principal) -> bool:
    return p.kind == "user"


def event_text_for(p: Principal, ev: dict[str, Any], text: str) -> str:
    """The event's JSON as `p` may read it."""
    if reads_staff_text(p) or not any(ev.get(k) for k in STAFF_ONLY):
        return text
    return json.dumps({**ev, **{k: None for k in STAFF_ONLY if k in ev}},
                      ensure_ascii=False, default=str)


def counters_for(p: Principal, counters: list[CounterOut]) -> list[CounterOut]:
    if reads_staff_text(p):
        return counters
    return [c.model_copy(update={"pause_reason": None}) if c.pause_reason else c
            for c in counters]


def snapshot_for(p: Principal, snap: Snapshot) -> Snapshot:
    if reads_staff_text(p):
        return snap
    return snap.model_copy(update={"counters": counters_for(p, snap.counters)})
