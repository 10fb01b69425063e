"""What the kiosk knows about the hall: services with live waiting counts, priority groups,
open or closed. Folded from the server's snapshot and events, or built from the hall file
for screenshots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from contracts.api import ServiceOut
from contracts.dossier_code import fits_pattern, normalise_dossier_code
from contracts.events import Snapshot
from contracts.hall_config import DEFAULT_DOSSIER_EXAMPLE, DEFAULT_DOSSIER_PATTERN, HallConfig

# Events after which the waiting counts have changed; the kiosk then reloads the services.
# The others it leaves on purpose (tests/trust/test_event_contract.py checks both lists).
COUNT_EVENTS = frozenset({
    "ticket_issued", "called", "recalled", "started", "skipped", "returned", "transferred",
    "finished", "cancelled", "counter_paused", "counter_resumed", "day_opened", "day_closed",
})
IGNORED_EVENTS = frozenset({
    "rated",  # no count changes
    "ticket_reprinted",  # the same number again
    "notice",  # the kiosk shows no notices
})


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    name: str
    name_en: str
    waiting: int = 0
    estimated_wait_s: int = 0
    open: bool = True
    result: bool = False  # the hall's result service: behind "Nhận kết quả hồ sơ", no button

    @classmethod
    def from_api(cls, service: ServiceOut | dict[str, Any]) -> ServiceInfo:
        s = service if isinstance(service, ServiceOut) else ServiceOut.model_validate(service)
        return cls(s.code, s.name, s.name_en or s.name, s.waiting, s.estimated_wait_s, s.open,
                   s.result)


@dataclass(frozen=True)
class PriorityInfo:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class HallData:
    name: str = ""
    name_en: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    open: bool = True
    opens_at: datetime | None = None
    services: tuple[ServiceInfo, ...] = ()
    priority_groups: tuple[PriorityInfo, ...] = ()
    seq: int = 0
    dossier_pattern: str = DEFAULT_DOSSIER_PATTERN
    dossier_example: str = DEFAULT_DOSSIER_EXAMPLE
    loaded: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def service(self, code: str) -> ServiceInfo | None:
        return next((s for s in self.services if s.code == code), None)

    @property
    def buttons(self) -> tuple[ServiceInfo, ...]:
        """The services the home screen lists. Collecting a result has one way in, the
        "Nhận kết quả hồ sơ" button (scan the receipt, or take a plain number there), so the
        hall's result service is not listed beside it as a second way to the same counter."""
        return tuple(s for s in self.services if not s.result)

    @property
    def result_service(self) -> ServiceInfo | None:
        """The service a citizen without a receipt takes a number for, if the hall has one."""
        return next((s for s in self.services if s.result), None)

    def priority_group(self, code: str) -> PriorityInfo | None:
        return next((p for p in self.priority_groups if p.code == code), None)

    def with_snapshot(self, data: dict[str, Any]) -> HallData:
        """Fold a snapshot (`GET /api/v1/hall` or the first WebSocket message).

        Priority groups come from the snapshot when it carries them (`priority_groups`), and
        otherwise stay as the hall file gave them.
        """
        snap = Snapshot.model_validate(data)
        groups = self.priority_groups
        if isinstance(data.get("priority_groups"), list):
            groups = tuple(
                PriorityInfo(str(g["code"]), str(g["name"]), str(g.get("name_en") or g["name"]))
                for g in data["priority_groups"]
            )
        return replace(
            self,
            name=snap.hall.name,
            name_en=snap.hall.name_en,
            timezone=snap.hall.timezone,
            open=snap.open,
            opens_at=snap.opens_at,
            services=tuple(ServiceInfo.from_api(s) for s in snap.services),
            priority_groups=groups,
            seq=snap.seq,
            loaded=True,
        )

    def with_services(self, services: list[dict[str, Any]]) -> HallData:
        """Fold `GET /api/v1/services`: fresh waiting counts and estimates."""
        return replace(self, services=tuple(ServiceInfo.from_api(s) for s in services))

    def with_event(self, event: dict[str, Any]) -> HallData:
        """Fold what an event says outright (open/closed); counts are reloaded separately."""
        kind = event.get("type")
        hall = replace(self, seq=int(event.get("seq", self.seq)))
        if kind == "day_opened":
            hall = replace(hall, open=True, opens_at=None)
        elif kind == "day_closed":
            hall = replace(hall, open=False)
        if isinstance(event.get("open"), bool):
            hall = replace(hall, open=event["open"])
        return hall

    def dossier_code(self, scanned: str) -> str | None:
        """The dossier code in what a scanner typed, or None when there is nothing usable.

        Receipts carry the bare code or a web address containing it; the hall's pattern finds
        the code inside either. Anything else is sent as typed (the server has the last word)
        if it is short and printable. The code is read as the server reads it
        (contracts/dossier_code.py: NFKC, ASCII digits, upper case).
        """
        text = normalise_dossier_code("".join(ch for ch in scanned if ch.isprintable()))
        if not text:
            return None
        found = None
        try:
            if fits_pattern(self.dossier_pattern, text):
                return text
            inner = self.dossier_pattern.removeprefix("^").removesuffix("$")
            found = re.search(inner, text, re.ASCII)
        except re.error:
            pass
        if found:
            return found.group(0)
        if len(text) > 64 or " " in text:
            return None
        return text


def hall_from_config(config: HallConfig) -> HallData:
    """The hall as the file describes it: names, priority groups, the dossier pattern.

    Waiting counts are zero until the server sends them.
    """
    return HallData(
        name=config.hall.name,
        name_en=config.hall.name_en,
        timezone=config.hall.timezone,
        services=tuple(ServiceInfo(s.code, s.name, s.name_en,
                                   result=s.code == config.dossier.result_service)
                       for s in config.services),
        priority_groups=tuple(
            PriorityInfo(p.code, p.name, p.name_en)
            for p in sorted(config.priority_groups, key=lambda p: p.rank)
        ),
        dossier_pattern=config.dossier.pattern,
        dossier_example=config.dossier.example,
    )
