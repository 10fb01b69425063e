"""The kiosk's screens and their rules, with no I/O: events in, effects out.

The app (kiosk/app.py) feeds it touches, scans, clock ticks and what the server and the
printer answered; it returns effects (issue a ticket, reload the hall…) for the I/O side to
carry out. The screen a citizen sees is `Kiosk.visible(now)`: a choice screen gives way to the
offline, closed or printer screen while that cause lasts, and comes back by itself after.

Guards live here: one ticket per touch (touches are ignored while a ticket is on its way and
for a moment after any screen change), a per-kiosk limit of tickets a minute, and refusals
shown as the server words them.

A ticket that did not print stays on screen with an "In lại" (print again) button, live only
while the printer can print and the server is reachable. It asks the server for the same
ticket (`POST /tickets/{id}/reprint`): a reprint never issues a new number, it belongs to that
one screen, and that screen's time is bounded so the next citizen at the kiosk cannot print
someone else's number long after they left.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from contracts.api import TicketOut
from kiosk.hall import COUNT_EVENTS, HallData
from kiosk.ratelimit import RateLimiter

PRINTER_TROUBLE = frozenset({"paper_out", "cover_open", "offline"})


@dataclass(frozen=True)
class Settings:
    per_minute: int = 30
    show_on_screen_when_no_paper: bool = True
    ticket_s: float = 8.0  # the ticket screen, printed ticket
    # An unprinted ticket (its number on screen, or the printer screen naming it) stays this
    # long while the printer cannot print: time for staff to load paper while the citizen
    # waits to press "In lại".
    ticket_on_screen_s: float = 90.0
    # Once the printer can print again, the unprinted ticket and its "In lại" button stay at
    # most this long (a citizen who left should not leave a live reprint button for the next
    # one); never more than ticket_on_screen_s + reprint_offer_s after the screen appeared.
    reprint_offer_s: float = 30.0
    message_s: float = 10.0  # refusals, limits, printer trouble after a failed print
    idle_s: float = 40.0  # a choice screen, a later page or English go back to the start
    touch_guard_s: float = 0.6  # touches ignored after a screen change (double taps)
    offline_grace_s: float = 3.0  # a short WebSocket reconnect does not flash the offline page
    closed_reload_s: float = 30.0  # while closed, reload the hall this often
    issue_timeout_s: float = 90.0  # a safety net: the I/O side always answers before this
    same_scan_s: float = 5.0  # a scanner repeating the same code is one scan


@dataclass(frozen=True)
class IssueRequest:
    service: str | None
    priority: str | None = None
    lang: str = "vi"
    dossier_code: str | None = None

    def body(self) -> dict[str, Any]:
        """The `POST /api/v1/tickets` body (contracts.api.TicketIn)."""
        out: dict[str, Any] = {"lang": self.lang}
        if self.service:
            out["service"] = self.service
        if self.priority:
            out["priority"] = self.priority
        if self.dossier_code:
            out["dossier_code"] = self.dossier_code
        return out


# ---- screens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Home:
    page: int = 0
    priority: str | None = None


@dataclass(frozen=True)
class ChoosePriority:
    pass


@dataclass(frozen=True)
class Scan:
    pass


@dataclass(frozen=True)
class Issuing:
    request: IssueRequest
    started: float
    print_ticket: bool = True  # decided at the touch: False while the printer cannot print
    ticket: TicketOut | None = None  # set once the server answered: printing


@dataclass(frozen=True)
class ShowTicket:
    ticket: TicketOut
    printed: bool
    until: float
    problem: str | None = None  # printer condition when not printed
    since: float = 0.0  # unprinted: when this ticket's screen appeared (bounds its time)
    note: str | None = None  # unprinted: the server's words when a reprint was refused


@dataclass(frozen=True)
class Refusal:
    until: float
    detail: str | None = None  # the server's words, shown as they are
    key: str | None = None  # or a catalogue key for the kiosk's own message
    error: str = ""


@dataclass(frozen=True)
class Busy:
    until: float


@dataclass(frozen=True)
class PrinterScreen:
    kind: str
    number: str | None = None  # a ticket issued but not printed (hall keeps numbers off screen)
    until: float | None = None
    ticket: TicketOut | None = None  # that ticket, for "In lại"
    since: float = 0.0  # when this ticket's screen appeared (bounds its time)
    note: str | None = None  # the server's words when a reprint was refused


@dataclass(frozen=True)
class Reprinting:
    """"In lại" was touched: the server is asked for the same ticket, then it prints.

    `back` is the unprinted screen to return to if it fails, so the number never leaves the
    screen before it is on paper or the screen's time is up.
    """

    ticket: TicketOut
    started: float
    back: ShowTicket | PrinterScreen

    @property
    def problem(self) -> str:
        """Why the ticket did not print the first time."""
        back = self.back
        return (back.kind if isinstance(back, PrinterScreen) else back.problem) or "offline"


@dataclass(frozen=True)
class OfflineScreen:
    detail: str = ""


@dataclass(frozen=True)
class ClosedScreen:
    detail: str | None = None
    opens_at: datetime | None = None


Screen = (
    Home | ChoosePriority | Scan | Issuing | ShowTicket | Refusal | Busy | PrinterScreen
    | Reprinting | OfflineScreen | ClosedScreen
)
CHOICE_SCREENS = (Home, ChoosePriority, Scan)


def unprinted_ticket(screen: Screen) -> TicketOut | None:
    """The ticket a screen shows as issued but not printed: the one "In lại" would print."""
    if isinstance(screen, ShowTicket) and not screen.printed:
        return screen.ticket
    if isinstance(screen, PrinterScreen) and screen.until is not None:
        return screen.ticket
    return None

# ---- events --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    target: str  # "service:HT", "page:next", "lang", "priority", "priority:elderly", …


@dataclass(frozen=True)
class Scanned:
    text: str


@dataclass(frozen=True)
class Tick:
    wall: datetime | None = None


@dataclass(frozen=True)
class LinkUp:
    snapshot: dict[str, Any]


@dataclass(frozen=True)
class LinkDown:
    detail: str = ""


@dataclass(frozen=True)
class HallReloaded:
    snapshot: dict[str, Any]


@dataclass(frozen=True)
class ServicesLoaded:
    services: list[dict[str, Any]]


@dataclass(frozen=True)
class HallEvent:
    event: dict[str, Any]


@dataclass(frozen=True)
class PrinterState:
    condition: str  # ok, near_end, paper_out, cover_open, offline, unknown
    detail: str = ""


@dataclass(frozen=True)
class Issued:
    ticket: TicketOut


@dataclass(frozen=True)
class Printed:
    ticket_id: int


@dataclass(frozen=True)
class PrintFailed:
    ticket_id: int
    condition: str
    detail: str = ""


@dataclass(frozen=True)
class ReprintAnswered:
    """The server's answer to a reprint: the same ticket, with today's figures."""

    ticket: TicketOut


@dataclass(frozen=True)
class Refused:
    status: int
    error: str
    detail: str
    opens_at: datetime | None = None


@dataclass(frozen=True)
class Unreachable:
    detail: str = ""


Event = (
    Press | Scanned | Tick | LinkUp | LinkDown | HallReloaded | ServicesLoaded | HallEvent
    | PrinterState | Issued | Printed | PrintFailed | ReprintAnswered | Refused | Unreachable
)

# ---- effects -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """Ask the server for a ticket; then print it (when `print_ticket`) or report it unprinted.

    The I/O side reports every issued ticket as printed or print-failed to the server.
    """

    request: IssueRequest
    print_ticket: bool
    reason_unprinted: str = ""


@dataclass(frozen=True)
class Reprint:
    """Ask the server for ticket `ticket_id` again (`POST /tickets/{id}/reprint`: the same
    number), print it, and report printed / print-failed as for any ticket.

    `number` is the one on screen: the I/O side prints the answer only if it carries it, so a
    reprint can never put a different number on paper.
    """

    ticket_id: int
    number: str


@dataclass(frozen=True)
class ReloadHall:
    pass


@dataclass(frozen=True)
class RefreshServices:
    pass


@dataclass(frozen=True)
class Reconnect:
    pass


Effect = Issue | Reprint | ReloadHall | RefreshServices | Reconnect


def _until(screen: Screen) -> float | None:
    """When a passing screen (ticket, refusal, limit, failed print) goes back to the start."""
    if isinstance(screen, ShowTicket | Refusal | Busy | PrinterScreen):
        return screen.until
    return None


@dataclass
class Kiosk:
    """The whole state of one kiosk; `handle` is the only way it changes."""

    hall: HallData
    settings: Settings = field(default_factory=Settings)
    now: float = 0.0
    screen: Screen = field(default_factory=Home)
    lang: str = "vi"
    per_page: int = 6
    online: bool = False
    offline_since: float | None = None
    offline_detail: str = ""
    forced_offline: bool = False  # a request failed: offline until the server answers again
    printer: str = "unknown"
    printer_detail: str = ""
    closed_detail: str | None = None
    changed_at: float = -1e9
    next_reload: float = 0.0
    last_reload: float = -1e9
    last_scan: tuple[str, float] = ("", -1e9)
    pending: Issue | Reprint | None = None  # the ticket request on its way (one at a time)
    pending_since: float = 0.0
    rate: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.rate = RateLimiter(self.settings.per_minute)
        if self.offline_since is None and not self.online:
            self.offline_since = self.now

    # ---- what is shown -------------------------------------------------------------------

    def is_offline(self, now: float) -> bool:
        if self.forced_offline:
            return True
        if self.online:
            return False
        since = self.offline_since if self.offline_since is not None else now
        return now - since >= self.settings.offline_grace_s

    def printer_blocks(self) -> bool:
        return self.printer in PRINTER_TROUBLE and not self.settings.show_on_screen_when_no_paper

    def is_closed(self) -> bool:
        return self.hall.loaded and not self.hall.open

    def visible(self, now: float | None = None) -> Screen:
        """The screen to draw: a choice screen gives way to a cause that blocks tickets."""
        now = self.now if now is None else now
        if isinstance(self.screen, CHOICE_SCREENS):
            if self.is_offline(now):
                return OfflineScreen(self.offline_detail)
            if self.is_closed():
                return ClosedScreen(self.closed_detail, self.hall.opens_at)
            if self.printer_blocks():
                return PrinterScreen(self.printer)
        return self.screen

    def pages(self) -> int:
        return max(1, -(-len(self.hall.buttons) // max(1, self.per_page)))

    def paper_missing(self) -> bool:
        """The printer cannot print; numbers go on screen (when the hall allows it)."""
        return self.printer in PRINTER_TROUBLE

    def can_reprint(self, now: float | None = None) -> bool:
        """Whether "In lại" is live on the screen shown now.

        Only on the screen of a ticket that did not print, when a new ticket would be printed
        (the printer is not known to be unable to print), the server is reachable and no other
        request is on its way.
        """
        now = self.now if now is None else now
        return (
            unprinted_ticket(self.visible(now)) is not None
            and self.pending is None
            and not self.paper_missing()
            and not self.is_offline(now)
        )

    # ---- transitions ---------------------------------------------------------------------

    def _go(self, screen: Screen) -> None:
        self.screen = screen
        self.changed_at = self.now

    def _home(self) -> None:
        """Back to the start for the next citizen: first page, Vietnamese, no priority."""
        self.lang = "vi"
        self._go(Home())

    def handle(self, event: Event, now: float) -> list[Effect]:
        self.now = now
        method = getattr(self, f"_on_{type(event).__name__}")
        return method(event) or []

    def _on_Press(self, event: Press) -> list[Effect] | None:
        if self.now - self.changed_at < self.settings.touch_guard_s:
            return None
        shown = self.visible()
        target = event.target
        if target == "lang":
            self.lang = "en" if self.lang == "vi" else "vi"
            self.changed_at = self.now
            return None
        if isinstance(shown, Home):
            return self._press_home(shown, target)
        if isinstance(shown, ChoosePriority):
            if target.startswith("priority:") and self.hall.priority_group(target[9:]):
                self._go(Home(priority=target[9:]))
            elif target == "back":
                self._go(Home())
        elif isinstance(shown, Scan):
            if target == "back":
                self._go(Home())
            elif target == "scan:number" and self.hall.result_service is not None:
                # no receipt at hand: a plain number for the result counter
                result = self.hall.result_service
                if result.open:
                    return self._start_issue(IssueRequest(result.code, None, self.lang))
        elif target == "reprint":
            return self._start_reprint(shown)
        elif _until(shown) is not None and target in ("done", "back"):
            self._home()
        return None

    def _start_reprint(self, shown: Screen) -> list[Effect]:
        """"In lại": the ticket of the screen being looked at, and only it, printed again.

        No rate limit applies (no new number is taken) but the one-request-at-a-time guard
        does, so a double tap prints one copy.
        """
        ticket = unprinted_ticket(shown)
        if ticket is None or not self.can_reprint():
            return []
        assert isinstance(shown, ShowTicket | PrinterScreen)
        effect = Reprint(ticket.id, ticket.number)
        self._go(Reprinting(ticket, started=self.now, back=shown))
        self.pending, self.pending_since = effect, self.now
        return [effect]

    def _press_home(self, shown: Home, target: str) -> list[Effect] | None:
        if target.startswith("service:"):
            service = self.hall.service(target[8:])
            if service is None or not service.open or service.result:
                return None
            return self._start_issue(IssueRequest(service.code, shown.priority, self.lang))
        if target == "page:next" and shown.page + 1 < self.pages():
            self._go(replace(shown, page=shown.page + 1))
        elif target == "page:prev" and shown.page > 0:
            self._go(replace(shown, page=shown.page - 1))
        elif target == "priority" and self.hall.priority_groups:
            self._go(ChoosePriority())
        elif target == "priority:cancel":
            self._go(Home(page=shown.page))
        elif target == "scan":
            self._go(Scan())
        return None

    def blocked(self) -> bool:
        """A cause that stops tickets: no server, a closed hall, a printer the hall needs."""
        return self.is_offline(self.now) or self.is_closed() or self.printer_blocks()

    def _start_issue(self, request: IssueRequest) -> list[Effect]:
        if self.pending is not None:
            return []
        if self.blocked():
            self._go(Home())  # which shows the cause
            return []
        if not self.rate.allow(self.now):
            self._go(Busy(until=self.rate.free_at(self.now)))
            return []
        printing = not self.paper_missing()
        self._go(Issuing(request, started=self.now, print_ticket=printing))
        if printing:
            issue = Issue(request, print_ticket=True)
        else:
            issue = Issue(request, print_ticket=False, reason_unprinted=self.printer)
        self.pending, self.pending_since = issue, self.now
        return [issue]

    def _on_Scanned(self, event: Scanned) -> list[Effect] | None:
        shown = self.visible()
        if not isinstance(shown, Home | ChoosePriority | Scan | ShowTicket | Refusal):
            return None
        code = self.hall.dossier_code(event.text)
        if code is None:
            self._go(Refusal(until=self.now + self.settings.message_s, key="scan.invalid"))
            return None
        last_code, last_at = self.last_scan
        if code == last_code and self.now - last_at < self.settings.same_scan_s:
            return None
        self.last_scan = (code, self.now)
        priority = shown.priority if isinstance(shown, Home) else None
        return self._start_issue(IssueRequest(None, priority, self.lang, dossier_code=code))

    def _on_Tick(self, event: Tick) -> list[Effect] | None:
        now = self.now
        if self.pending is not None and now - self.pending_since >= self.settings.issue_timeout_s:
            # The I/O side answers well before this; if it has not, do not wait for ever.
            self.pending = None
            if isinstance(self.screen, Issuing):
                self._go(Refusal(until=now + self.settings.message_s,
                                 key="refused.server_error"))
            elif isinstance(self.screen, Reprinting):
                self._show_unprinted(self.screen.ticket, self.screen.problem)
        s = self.screen
        until = _until(s)
        passing_done = until is not None and now >= until
        idle = (
            isinstance(s, ChoosePriority | Scan)
            or (isinstance(s, Home) and (s.page or s.priority or self.lang != "vi"))
        ) and now - self.changed_at >= self.settings.idle_s
        if passing_done or idle:
            self._home()
        if self.is_closed():
            opens_at = self.hall.opens_at
            opened = (
                opens_at is not None and event.wall is not None and event.wall >= opens_at
                and now - self.last_reload >= 5.0
            )
            if now >= self.next_reload or opened:
                self.last_reload = now
                self.next_reload = now + self.settings.closed_reload_s
                return [ReloadHall()]
        return None

    def _fresh_hall(self, snapshot: dict[str, Any]) -> None:
        self.hall = self.hall.with_snapshot(snapshot)
        self.online = True
        self.offline_since = None
        self.forced_offline = False
        self.offline_detail = ""
        if self.hall.open:
            self.closed_detail = None
        if isinstance(self.screen, Home) and self.screen.page >= self.pages():
            self._go(Home())

    def _on_LinkUp(self, event: LinkUp) -> None:
        self._fresh_hall(event.snapshot)

    def _on_HallReloaded(self, event: HallReloaded) -> None:
        self._fresh_hall(event.snapshot)

    def _on_LinkDown(self, event: LinkDown) -> None:
        if self.online or self.offline_since is None:
            self.offline_since = self.now
        self.online = False
        self.offline_detail = event.detail

    def _on_ServicesLoaded(self, event: ServicesLoaded) -> None:
        self.hall = self.hall.with_services(event.services)

    def _on_HallEvent(self, event: HallEvent) -> list[Effect] | None:
        self.hall = self.hall.with_event(event.event)
        if self.hall.open:
            self.closed_detail = None
        if event.event.get("type") in COUNT_EVENTS:
            return [RefreshServices()]
        return None

    def _on_PrinterState(self, event: PrinterState) -> None:
        could_print = not self.paper_missing()
        self.printer = event.condition
        self.printer_detail = event.detail
        if not could_print and not self.paper_missing():
            self._offer_reprint()

    def _offer_reprint(self) -> None:
        """The printer can print again: the unprinted ticket's screen (and its "In lại")
        now stays `reprint_offer_s`, within its overall bound."""
        s = self.screen
        if unprinted_ticket(s) is None:
            return
        assert isinstance(s, ShowTicket | PrinterScreen)
        bound = s.since + self.settings.ticket_on_screen_s + self.settings.reprint_offer_s
        self._go(replace(s, until=min(self.now + self.settings.reprint_offer_s, bound)))

    def _on_Issued(self, event: Issued) -> None:
        if isinstance(self.pending, Issue) and not self.pending.print_ticket:
            self.pending = None
        s = self.screen
        if not isinstance(s, Issuing):
            return
        if not s.print_ticket:
            self._show_unprinted(event.ticket, self.printer)
        else:
            self._go(replace(s, ticket=event.ticket))

    def _printing(self) -> TicketOut | None:
        """The ticket being printed on the current screen (a new one, or a reprint)."""
        s = self.screen
        if isinstance(s, Issuing | Reprinting):
            return s.ticket
        return None

    def _on_Printed(self, event: Printed) -> None:
        self.pending = None
        if self.printer in PRINTER_TROUBLE or self.printer == "unknown":
            self.printer = "ok"
        ticket = self._printing()
        if ticket is not None and ticket.id == event.ticket_id:
            self._go(ShowTicket(ticket, printed=True, until=self.now + self.settings.ticket_s))

    def _on_PrintFailed(self, event: PrintFailed) -> None:
        self.pending = None
        self.printer = event.condition if event.condition in PRINTER_TROUBLE else "offline"
        self.printer_detail = event.detail
        ticket = self._printing()
        if ticket is not None and ticket.id == event.ticket_id:
            self._show_unprinted(ticket, self.printer)

    def _show_unprinted(self, ticket: TicketOut, problem: str, note: str | None = None) -> None:
        """The number of a ticket that did not print, with "In lại", for a bounded time:
        long while the printer cannot print, shorter once it can. After a failed reprint the
        time starts again: someone just touched "In lại", so the citizen is there."""
        wait = (self.settings.reprint_offer_s if not self.paper_missing()
                else self.settings.ticket_on_screen_s)
        until = self.now + wait
        if self.settings.show_on_screen_when_no_paper:
            self._go(ShowTicket(ticket, printed=False, until=until, problem=problem,
                                since=self.now, note=note))
        else:
            self._go(PrinterScreen(problem, number=ticket.number, until=until, ticket=ticket,
                                   since=self.now, note=note))

    def _on_ReprintAnswered(self, event: ReprintAnswered) -> None:
        s = self.screen
        if (isinstance(s, Reprinting) and s.ticket.id == event.ticket.id
                and s.ticket.number == event.ticket.number):
            # today's figures (people ahead, wait); the number is the one on screen
            self._go(replace(s, ticket=event.ticket))

    def _on_Refused(self, event: Refused) -> None:
        self.pending = None
        if isinstance(self.screen, Reprinting):
            # the number stays on screen with the server's words; it is still the citizen's
            self._show_unprinted(self.screen.ticket, self.screen.problem, event.detail or None)
            return
        if not isinstance(self.screen, Issuing):
            return
        if event.error == "hall_closed":
            self.hall = replace(self.hall, open=False, loaded=True,
                                opens_at=event.opens_at or self.hall.opens_at)
            self.closed_detail = event.detail
            self.next_reload = self.now + self.settings.closed_reload_s
            self._home()
            return
        detail = event.detail or None
        key = None if detail else "refused.server_error"
        self._go(Refusal(self.now + self.settings.message_s, detail, key, event.error))

    def _on_Unreachable(self, event: Unreachable) -> list[Effect]:
        self.pending = None
        self.forced_offline = True
        self.online = False
        self.offline_since = self.now
        self.offline_detail = event.detail
        if isinstance(self.screen, Issuing):
            self._home()
        elif isinstance(self.screen, Reprinting):
            self._show_unprinted(self.screen.ticket, self.screen.problem)
        return [Reconnect()]
