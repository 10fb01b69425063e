"""Who may read staff free text and a ticket's priority group.

Pause and transfer reasons are typed by officers and may name a citizen ("gọi lại cho chị
Bình 0903…"); a ticket's priority group (người khuyết tật, phụ nữ mang thai) is health data
(Law 91/2025/QH15, Decree 356/2025). Staff pages (panel, manager) need both; devices (boards,
kiosks, rating boxes, keypads) do not, and their screens are public, so a device gets every
event and every counter with them blanked. Events are serialised once for everyone; only an
event that carries one of them is serialised again for devices.
"""

from __future__ import annotations

import json
from typing import Any

from contracts.api import CounterOut, TicketOut, VisitOut
from contracts.events import Snapshot
from server.auth import Principal

STAFF_ONLY = ("reason", "pause_reason", "priority")


def reads_staff_text(p: Principal) -> bool:
    return p.kind == "user"


def event_text_for(p: Principal, ev: dict[str, Any], text: str) -> str:
    """The event's JSON as `p` may read it."""
    if reads_staff_text(p) or not any(ev.get(k) for k in STAFF_ONLY):
        return text
    return json.dumps({**ev, **{k: None for k in STAFF_ONLY if k in ev}},
                      ensure_ascii=False, default=str)


def _public_counter(c: CounterOut) -> CounterOut:
    if not c.pause_reason and not (c.ticket and c.ticket.priority):
        return c
    ticket = c.ticket.model_copy(update={"priority": None}) if c.ticket else None
    return c.model_copy(update={"pause_reason": None, "ticket": ticket})


def counters_for(p: Principal, counters: list[CounterOut]) -> list[CounterOut]:
    if reads_staff_text(p):
        return counters
    return [_public_counter(c) for c in counters]


def ticket_for(p: Principal, out: TicketOut) -> TicketOut:
    """A kiosk's ticket answer: its view says "Diện ưu tiên" at most; the group stays here."""
    if reads_staff_text(p) or out.priority is None:
        return out
    return out.model_copy(update={"priority": None})


def snapshot_for(p: Principal, snap: Snapshot) -> Snapshot:
    if reads_staff_text(p):
        return snap
    return snap.model_copy(update={"counters": counters_for(p, snap.counters)})


def visit_for(p: Principal, v: VisitOut) -> VisitOut:
    """The visit at a counter as a device (a rating tablet) may read it: no priority group."""
    if reads_staff_text(p) or v.ticket.priority is None:
        return v
    return v.model_copy(update={"ticket": v.ticket.model_copy(update={"priority": None})})
