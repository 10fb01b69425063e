"""Whatever a crowd does to the kiosk, in any order: at most one ticket request is on its way
at a time, one touch or scan asks for at most one ticket, the per-minute limit holds, and no
ticket is asked for while the printer is out and the hall keeps numbers off screen."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from contracts.api import TicketOut
from contracts.ticket_view import sample_ticket_view
from kiosk import machine as m
from kiosk.hall import hall_from_config
from tests.kiosk.test_machine import CFG, snapshot

TARGETS = ["service:HT", "service:DD", "service:CT", "service:TKQ", "page:next", "page:prev",
           "lang", "priority", "priority:elderly", "priority:merit", "priority:cancel", "scan",
           "back", "done", "nothing"]
CONDITIONS = ["ok", "near_end", "paper_out", "cover_open", "offline", "unknown"]


class KioskCrowd(RuleBasedStateMachine):
    @initialize(per_minute=st.integers(1, 5), on_screen=st.booleans())
    def start(self, per_minute: int, on_screen: bool) -> None:
        self.settings = m.Settings(per_minute=per_minute, show_on_screen_when_no_paper=on_screen)
        self.k = m.Kiosk(hall=hall_from_config(CFG), settings=self.settings, now=0.0)
        self.now = 0.0
        self.k.handle(m.LinkUp(snapshot()), self.now)
        self.in_flight: list[m.Issue] = []
        self.in_flight_since = 0.0
        self.printing: int | None = None
        self.issued_at: deque[float] = deque()
        self.next_id = 1

    def _apply(self, event: m.Event) -> list[m.Effect]:
        if self.in_flight and self.now - self.in_flight_since >= self.settings.issue_timeout_s:
            # the I/O side always answers well before this; past it, the kiosk stops waiting
            self.in_flight.clear()
            self.printing = None
        effects = self.k.handle(event, self.now)
        issues = [e for e in effects if isinstance(e, m.Issue)]
        assert len(issues) <= 1, "one event asked for more than one ticket"
        if issues:
            assert isinstance(event, m.Press | m.Scanned), f"{event} asked for a ticket"
            assert not self.in_flight, "a second ticket while one is on its way"
            if self.k.printer in m.PRINTER_TROUBLE:
                assert self.settings.show_on_screen_when_no_paper
                assert not issues[0].print_ticket
            self.in_flight.extend(issues)
            self.in_flight_since = self.now
            self.issued_at.append(self.now)
        return effects

    @rule(button=st.sampled_from(TARGETS), dt=st.floats(0, 3))
    def touch(self, button: str, dt: float) -> None:
        self.now += dt
        self._apply(m.Press(button))

    @rule(code=st.sampled_from(["000.00.31.H12-250701-0001", "x", "",
                                "000.00.31.H12-250701-0002"]), dt=st.floats(0, 3))
    def scan(self, code: str, dt: float) -> None:
        self.now += dt
        self._apply(m.Scanned(code))

    @rule(dt=st.floats(0, 120))
    def wait(self, dt: float) -> None:
        self.now += dt
        self._apply(m.Tick())

    @rule(condition=st.sampled_from(CONDITIONS))
    def printer(self, condition: str) -> None:
        self._apply(m.PrinterState(condition))

    @rule(up=st.booleans())
    def link(self, up: bool) -> None:
        self._apply(m.LinkUp(snapshot()) if up else m.LinkDown("gone"))

    @precondition(lambda self: bool(self.in_flight))
    @rule(outcome=st.sampled_from(["issued", "refused", "closed", "unreachable"]))
    def server_answers(self, outcome: str) -> None:
        effect = self.in_flight.pop()
        self.now += 0.05
        if outcome == "issued":
            view = sample_ticket_view()
            ticket = TicketOut(id=self.next_id, number=str(1000 + self.next_id), service="HT",
                               issued_at=datetime.now(UTC), waiting_ahead=0,
                               estimated_wait_s=0, view=view)
            self.next_id += 1
            self._apply(m.Issued(ticket))
            if effect.print_ticket:
                self.printing = ticket.id
        elif outcome == "refused":
            self._apply(m.Refused(409, "service_full", "Hết số."))
        elif outcome == "closed":
            self._apply(m.Refused(409, "hall_closed", "Ngoài giờ."))
        else:
            self._apply(m.Unreachable("down"))

    @precondition(lambda self: self.printing is not None)
    @rule(ok=st.booleans())
    def printer_answers(self, ok: bool) -> None:
        ticket_id, self.printing = self.printing, None
        self.now += 0.3
        self._apply(m.Printed(ticket_id) if ok else m.PrintFailed(ticket_id, "paper_out"))

    @invariant()
    def within_the_limit(self) -> None:
        if not hasattr(self, "k"):
            return
        recent = [t for t in self.issued_at if self.now - t < 60]
        assert len(recent) <= self.settings.per_minute

    @invariant()
    def a_screen_is_always_shown(self) -> None:
        if hasattr(self, "k"):
            assert self.k.visible(self.now) is not None


KioskCrowd.TestCase.settings = settings(max_examples=100, stateful_step_count=40,
                                        deadline=None)
TestKioskCrowd = KioskCrowd.TestCase
