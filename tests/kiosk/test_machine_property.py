"""Whatever a crowd does to the kiosk, in any order: at most one ticket request is on its way
at a time, one touch or scan asks for at most one ticket, the per-minute limit holds, and no
ticket is asked for while the printer is out and the hall keeps numbers off screen.

"In lại" (print again) never asks for a new ticket: only a touch on the screen of a ticket
that did not print reprints, and only that ticket, with its number; only while the printer
can print and the server is there; never a ticket that already printed; and a screen holding
an unprinted number (and its button) lasts a bounded time."""

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
           "back", "done", "reprint", "reprint", "nothing"]
CONDITIONS = ["ok", "near_end", "paper_out", "cover_open", "offline", "unknown"]


class KioskCrowd(RuleBasedStateMachine):
    @initialize(per_minute=st.integers(1, 5), on_screen=st.booleans())
    def start(self, per_minute: int, on_screen: bool) -> None:
        self.settings = m.Settings(per_minute=per_minute, show_on_screen_when_no_paper=on_screen)
        self.k = m.Kiosk(hall=hall_from_config(CFG), settings=self.settings, now=0.0)
        self.now = 0.0
        self.k.handle(m.LinkUp(snapshot()), self.now)
        self.in_flight: list[m.Issue | m.Reprint] = []
        self.in_flight_since = 0.0
        self.printing: int | None = None
        self.issued_at: deque[float] = deque()
        self.next_id = 1
        self.tickets: dict[int, TicketOut] = {}
        self.printed: set[int] = set()  # tickets that are on paper
        self.reprints = 0

    def _apply(self, event: m.Event) -> list[m.Effect]:
        if self.in_flight and self.now - self.in_flight_since >= self.settings.issue_timeout_s:
            # the I/O side always answers well before this; past it, the kiosk stops waiting
            self.in_flight.clear()
            self.printing = None
        before = self.k.visible(self.now)
        could_reprint = self.k.can_reprint(self.now)
        effects = self.k.handle(event, self.now)
        reprints = [e for e in effects if isinstance(e, m.Reprint)]
        if reprints:
            [reprint] = reprints
            assert event == m.Press("reprint"), f"{event} asked for a reprint"
            assert not [e for e in effects if isinstance(e, m.Issue)], "a reprint issued one"
            assert not self.in_flight, "a reprint while a request is on its way"
            shown = m.unprinted_ticket(before)
            assert shown is not None, f"a reprint from {before}"
            assert (reprint.ticket_id, reprint.number) == (shown.id, shown.number)
            assert reprint.ticket_id not in self.printed, "a second copy of a printed ticket"
            assert could_reprint and self.k.printer not in m.PRINTER_TROUBLE
            self.in_flight.append(reprint)
            self.in_flight_since = self.now
            self.reprints += 1
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
        if isinstance(effect, m.Reprint):
            if outcome in ("issued", "closed"):  # the same ticket, today's figures
                again = self.tickets[effect.ticket_id].model_copy(
                    update={"waiting_ahead": self.next_id})
                self._apply(m.ReprintAnswered(again))
                self.printing = effect.ticket_id
            elif outcome == "refused":
                self._apply(m.Refused(404, "not_found", "Không có vé."))
            else:
                self._apply(m.Unreachable("down"))
            return
        if outcome == "issued":
            view = sample_ticket_view()
            ticket = TicketOut(id=self.next_id, number=str(1000 + self.next_id), service="HT",
                               issued_at=datetime.now(UTC), waiting_ahead=0,
                               estimated_wait_s=0, view=view)
            self.tickets[ticket.id] = ticket
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
        if ok:
            self.printed.add(ticket_id)
        self._apply(m.Printed(ticket_id) if ok else m.PrintFailed(ticket_id, "paper_out"))

    @precondition(lambda self: not self.in_flight and self.printing is None)
    @rule(condition=st.sampled_from(["paper_out", "cover_open", "offline"]))
    def a_ticket_does_not_print(self, condition: str) -> None:
        """A citizen touches a service and the roll runs out during their ticket (when the
        kiosk takes a ticket at all just now)."""
        self.now += self.settings.touch_guard_s
        self._apply(m.Press("service:HT"))
        if self.in_flight and isinstance(self.in_flight[-1], m.Issue):
            self.server_answers("issued")
            if self.printing is not None:
                ticket_id, self.printing = self.printing, None
                self.now += 0.3
                self._apply(m.PrintFailed(ticket_id, condition))

    @precondition(lambda self: m.unprinted_ticket(self.k.screen) is not None)
    @rule(ready=st.booleans(), dt=st.floats(0, 40))
    def citizen_waits_to_print_again(self, ready: bool, dt: float) -> None:
        """The citizen whose ticket did not print (or whoever stands there next) touches
        "In lại", perhaps after the paper was loaded, perhaps much later."""
        if ready:
            self._apply(m.PrinterState("ok"))
        self.now += dt
        self._apply(m.Tick())
        self._apply(m.Press("reprint"))

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

    @invariant()
    def an_unprinted_number_is_shown_for_a_bounded_time(self) -> None:
        if not hasattr(self, "k"):
            return
        screen = self.k.screen
        ticket = m.unprinted_ticket(screen)
        if ticket is None:
            return
        assert isinstance(screen, m.ShowTicket | m.PrinterScreen)
        assert ticket.id not in self.printed
        bound = self.settings.ticket_on_screen_s + self.settings.reprint_offer_s
        assert screen.since <= self.now and screen.until - screen.since <= bound + 1e-6
        if not self.k.paper_missing():
            assert screen.until - self.k.now <= self.settings.reprint_offer_s + 1e-6

    @invariant()
    def a_reprint_shows_the_number_it_prints(self) -> None:
        if hasattr(self, "k") and isinstance(self.k.screen, m.Reprinting):
            s = self.k.screen
            assert s.ticket.number == m.unprinted_ticket(s.back).number
            assert s.ticket.id == s.back.ticket.id


KioskCrowd.TestCase.settings = settings(max_examples=200, stateful_step_count=40,
                                        deadline=None)
TestKioskCrowd = KioskCrowd.TestCase
