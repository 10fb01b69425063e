"""The kiosk's state machine on its own: events in, effects out, with a clock the test moves."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts.api import TicketOut
from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from contracts.ticket_view import sample_ticket_view
from kiosk import machine as m
from kiosk.hall import hall_from_config

CFG = load_hall_config(DEFAULT_CONFIG)


def snapshot(open_: bool = True, seq: int = 1, opens_at: str | None = None,
             waiting: int = 0) -> dict[str, Any]:
    return {
        "type": "snapshot", "seq": seq, "now": "2026-11-23T02:41:00Z", "open": open_,
        "opens_at": opens_at,
        "hall": {"code": "demo", "name": CFG.hall.name, "name_en": CFG.hall.name_en,
                 "timezone": CFG.hall.timezone},
        "services": [
            {"code": s.code, "name": s.name, "name_en": s.name_en, "prefix": s.prefix,
             "waiting": waiting, "estimated_wait_s": waiting * 300, "counters": [1]}
            for s in CFG.services
        ],
        "counters": [], "recent_calls": [],
    }


def ticket(n: int = 1, number: str = "1001") -> TicketOut:
    view = sample_ticket_view().model_copy(update={"number": number})
    return TicketOut(id=n, number=number, service="HT", issued_at=datetime.now(UTC),
                     waiting_ahead=0, estimated_wait_s=0, view=view)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0


@pytest.fixture
def k() -> m.Kiosk:
    kiosk = m.Kiosk(hall=hall_from_config(CFG), settings=m.Settings(), now=1000.0)
    kiosk.handle(m.LinkUp(snapshot()), 1000.0)
    kiosk.handle(m.PrinterState("ok"), 1000.0)
    return kiosk


def press(k: m.Kiosk, target: str, after: float = 1.0) -> list[m.Effect]:
    return k.handle(m.Press(target), k.now + after)


def issue_done(k: m.Kiosk, t: TicketOut | None = None, printed: bool = True) -> None:
    t = t or ticket()
    k.handle(m.Issued(t), k.now + 0.05)
    if printed:
        k.handle(m.Printed(t.id), k.now + 0.2)


def test_a_touch_on_a_service_asks_for_one_printed_ticket(k):
    effects = press(k, "service:HT")
    assert effects == [m.Issue(m.IssueRequest("HT", None, "vi"), print_ticket=True)]
    assert isinstance(k.visible(), m.Issuing)
    issue_done(k)
    shown = k.visible()
    assert isinstance(shown, m.ShowTicket) and shown.printed


def test_touches_while_issuing_or_printing_are_ignored(k):
    assert len(press(k, "service:HT")) == 1
    assert press(k, "service:HT", 0.01) == []
    assert press(k, "service:HT", 2.0) == []  # a slow server
    k.handle(m.Issued(ticket()), k.now + 0.1)
    assert press(k, "service:HT", 5.0) == []  # a slow printer
    assert press(k, "lang", 0.5) == []


def test_a_touch_just_after_a_screen_change_is_ignored(k):
    press(k, "service:HT")
    issue_done(k)
    # the second tap of a double tap lands on the ticket screen's Done
    press(k, "done", 0.1)
    assert isinstance(k.visible(), m.ShowTicket)
    press(k, "done", 1.0)
    assert k.visible() == m.Home()


def test_ticket_screen_goes_back_to_the_start_in_vietnamese(k):
    press(k, "lang")
    assert k.lang == "en"
    press(k, "service:CT")
    issue_done(k)
    k.handle(m.Tick(), k.now + k.settings.ticket_s - 0.5)
    assert isinstance(k.visible(), m.ShowTicket)
    k.handle(m.Tick(), k.now + 1.0)
    assert k.visible() == m.Home() and k.lang == "vi"


def test_choice_screens_time_out(k):
    press(k, "priority")
    assert k.visible() == m.ChoosePriority()
    k.handle(m.Tick(), k.now + k.settings.idle_s + 1)
    assert k.visible() == m.Home()


def test_priority_flow_sends_the_group(k):
    press(k, "priority")
    press(k, "priority:pregnant")
    assert k.visible() == m.Home(priority="pregnant")
    effects = press(k, "service:DD")
    assert effects[0].request == m.IssueRequest("DD", "pregnant", "vi")
    assert press(k, "priority:nonexistent") == []


def test_priority_cancel_and_unknown_group(k):
    press(k, "priority")
    press(k, "priority:nobody")  # not a group of this hall
    assert k.visible() == m.ChoosePriority()
    press(k, "priority:elderly")
    press(k, "priority:cancel")
    assert k.visible() == m.Home()


def test_paging(k):
    k.per_page = 3
    assert k.pages() == 2
    press(k, "page:next")
    assert k.visible() == m.Home(page=1)
    press(k, "page:next")
    assert k.visible() == m.Home(page=1)
    press(k, "page:prev")
    assert k.visible() == m.Home(page=0)


def test_closed_service_cannot_be_touched(k):
    data = snapshot()
    data["services"][0]["open"] = False
    k.handle(m.HallReloaded(data), k.now)
    assert press(k, "service:HT") == []
    assert press(k, "service:unknown") == []


def test_per_minute_limit(k):
    k.settings = replace(k.settings, per_minute=2)
    k.rate = m.RateLimiter(2)
    for _ in range(2):
        assert press(k, "service:HT")
        issue_done(k)
        press(k, "done")
    assert press(k, "service:HT") == []
    busy = k.visible()
    assert isinstance(busy, m.Busy)
    k.handle(m.Tick(), busy.until + 0.1)
    assert k.visible() == m.Home()
    assert press(k, "service:HT")


def test_paper_out_with_numbers_on_screen(k):
    k.handle(m.PrinterState("paper_out", "no paper"), k.now)
    assert k.visible() == m.Home()
    effects = press(k, "service:HT")
    assert effects == [m.Issue(m.IssueRequest("HT"), print_ticket=False,
                               reason_unprinted="paper_out")]
    k.handle(m.Issued(ticket()), k.now + 0.1)
    shown = k.visible()
    assert isinstance(shown, m.ShowTicket) and not shown.printed
    assert shown.until - k.now == pytest.approx(k.settings.ticket_on_screen_s)


def test_paper_out_without_numbers_on_screen_blocks_and_recovers(k):
    k.settings = replace(k.settings, show_on_screen_when_no_paper=False)
    k.handle(m.PrinterState("paper_out"), k.now)
    assert k.visible() == m.PrinterScreen("paper_out")
    assert press(k, "service:HT") == []
    k.handle(m.PrinterState("ok"), k.now + 5)
    assert k.visible() == m.Home()


def test_print_failure_after_issue(k):
    press(k, "service:HT")
    t = ticket(7, "1007")
    k.handle(m.Issued(t), k.now + 0.1)
    k.handle(m.PrintFailed(7, "paper_out", "ran out"), k.now + 0.5)
    shown = k.visible()
    assert isinstance(shown, m.ShowTicket) and not shown.printed and shown.problem == "paper_out"
    assert k.printer == "paper_out"


def test_print_failure_with_numbers_kept_off_screen_still_tells_the_number(k):
    k.settings = replace(k.settings, show_on_screen_when_no_paper=False)
    press(k, "service:HT")
    t = ticket(7, "1007")
    k.handle(m.Issued(t), k.now + 0.1)
    k.handle(m.PrintFailed(7, "cover_open"), k.now + 0.5)
    shown = k.visible()
    assert shown == m.PrinterScreen("cover_open", number="1007", until=shown.until,
                                    ticket=t, since=k.now)
    assert shown.until - k.now == pytest.approx(k.settings.ticket_on_screen_s)
    k.handle(m.Tick(), shown.until + 0.1)
    k.handle(m.PrinterState("ok"), k.now)
    assert k.visible() == m.Home()


def test_offline_after_a_grace_and_back(k):
    k.handle(m.LinkDown("refused"), k.now + 1)
    assert k.visible() == m.Home()
    assert k.visible(k.now + k.settings.offline_grace_s + 0.1) == m.OfflineScreen("refused")
    k.handle(m.Tick(), k.now + 10)
    assert press(k, "service:HT") == []
    k.handle(m.LinkUp(snapshot()), k.now + 1)
    assert k.visible() == m.Home()


def test_unreachable_at_issue_goes_offline_and_reconnects(k):
    press(k, "service:HT")
    effects = k.handle(m.Unreachable("timed out"), k.now + 10)
    assert effects == [m.Reconnect()]
    assert k.visible() == m.OfflineScreen("timed out")
    k.handle(m.HallReloaded(snapshot()), k.now + 2)
    assert k.visible() == m.Home()


def test_hall_closed_refusal_shows_the_server_words_and_reloads(k):
    press(k, "service:HT")
    opens = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
    k.handle(m.Refused(409, "hall_closed", "Ngoài giờ tiếp nhận.", opens), k.now + 0.1)
    assert k.visible() == m.ClosedScreen("Ngoài giờ tiếp nhận.", opens)
    effects = k.handle(m.Tick(), k.now + k.settings.closed_reload_s + 0.1)
    assert effects == [m.ReloadHall()]
    assert k.handle(m.Tick(), k.now + 1) == []
    # the opening time has come: reload at once
    effects = k.handle(m.Tick(wall=opens + timedelta(seconds=1)), k.now + 6)
    assert effects == [m.ReloadHall()]
    k.handle(m.HallReloaded(snapshot(open_=True)), k.now + 0.1)
    assert k.visible() == m.Home()


def test_day_events_open_and_close_the_hall(k):
    k.handle(m.HallEvent({"seq": 2, "type": "day_closed", "at": "x"}), k.now)
    assert isinstance(k.visible(), m.ClosedScreen)
    effects = k.handle(m.HallEvent({"seq": 3, "type": "day_opened", "at": "x"}), k.now)
    assert k.visible() == m.Home()
    assert effects == [m.RefreshServices()]


def test_counts_refresh_on_queue_events(k):
    assert k.handle(m.HallEvent({"seq": 2, "type": "called"}), k.now) == [m.RefreshServices()]
    assert k.handle(m.HallEvent({"seq": 3, "type": "notice"}), k.now) == []
    k.handle(m.ServicesLoaded(snapshot(waiting=4)["services"]), k.now)
    assert k.hall.service("HT").waiting == 4


@pytest.mark.parametrize("error", ["service_full", "after_cutoff", "rate_limited",
                                   "dossier_not_found", "unknown_service"])
def test_other_refusals_show_the_server_words(k, error):
    press(k, "service:HT")
    words = "Lĩnh vực Hộ tịch đã hết số hôm nay. (Civil status is full today.)"
    k.handle(m.Refused(409, error, words), k.now + 0.1)
    shown = k.visible()
    assert isinstance(shown, m.Refusal) and shown.detail == words and shown.error == error
    k.handle(m.Tick(), shown.until + 0.01)
    assert k.visible() == m.Home()


def test_refusal_without_words_gets_the_kiosk_own(k):
    press(k, "service:HT")
    k.handle(m.Refused(502, "http_502", ""), k.now + 0.1)
    assert k.visible().key == "refused.server_error"


def test_a_scan_takes_a_result_ticket(k):
    effects = k.handle(m.Scanned("000.00.31.H12-250701-0001"), k.now + 1)
    assert effects == [m.Issue(m.IssueRequest(None, None, "vi", "000.00.31.H12-250701-0001"),
                               print_ticket=True)]
    issue_done(k)
    # the scanner repeating itself is one scan, a new citizen later is another
    assert k.handle(m.Scanned("000.00.31.H12-250701-0001"), k.now + 1) == []
    k.handle(m.Tick(), k.now + 30)
    assert k.handle(m.Scanned("000.00.31.H12-250701-0001"), k.now + 1)


def test_an_unreadable_scan_says_so(k):
    assert k.handle(m.Scanned("   "), k.now + 1) == []
    assert k.handle(m.Scanned("this is not a code at all " * 5), k.now + 1) == []
    assert k.visible().key == "scan.invalid"


def test_scans_are_ignored_while_a_ticket_is_on_its_way(k):
    press(k, "service:HT")
    assert k.handle(m.Scanned("000.00.31.H12-250701-0001"), k.now + 0.1) == []


def test_issue_that_never_answers_gives_up(k):
    press(k, "service:HT")
    k.handle(m.Tick(), k.now + k.settings.issue_timeout_s + 1)
    assert k.visible().key == "refused.server_error"


# ---- "In lại": the same ticket again, on that screen only ----------------------------------


def unprinted(k: m.Kiosk, t: TicketOut | None = None, problem: str = "paper_out") -> TicketOut:
    """A touch whose ticket ran out of paper: its number on screen, not printed."""
    t = t or ticket(7, "1007")
    press(k, "service:HT")
    k.handle(m.Issued(t), k.now + 0.05)
    k.handle(m.PrintFailed(t.id, problem, "ran out"), k.now + 0.3)
    return t


def test_print_again_waits_for_the_printer_then_prints_the_same_number(k):
    t = unprinted(k)
    shown = k.visible()
    assert m.unprinted_ticket(shown) == t
    assert not k.can_reprint()  # the printer still has no paper
    assert press(k, "reprint") == []
    assert k.visible() == shown
    k.handle(m.PrinterState("ok"), k.now + 20)  # a new roll
    assert k.can_reprint()
    effects = press(k, "reprint")
    assert effects == [m.Reprint(7, "1007")]  # the same ticket: never a new Issue
    screen = k.visible()
    assert isinstance(screen, m.Reprinting) and screen.ticket.number == "1007"
    assert press(k, "reprint", 0.01) == [] and press(k, "service:HT", 2.0) == []  # one at a time
    fresh = t.model_copy(update={"waiting_ahead": 3})  # today's figures
    k.handle(m.ReprintAnswered(fresh), k.now + 0.05)
    assert k.visible().ticket == fresh
    k.handle(m.Printed(7), k.now + 0.3)
    done = k.visible()
    assert isinstance(done, m.ShowTicket) and done.printed and done.ticket.number == "1007"
    assert done.until - k.now == pytest.approx(k.settings.ticket_s)
    assert not k.can_reprint() and press(k, "reprint", 1.0) == []  # printed: no second copy


def test_a_reprint_that_fails_again_keeps_the_number_on_screen(k):
    t = unprinted(k)
    k.handle(m.PrinterState("ok"), k.now + 5)
    press(k, "reprint")
    k.handle(m.ReprintAnswered(t), k.now + 0.05)
    k.handle(m.PrintFailed(7, "cover_open"), k.now + 0.3)
    shown = k.visible()
    assert isinstance(shown, m.ShowTicket) and not shown.printed
    assert shown.ticket.number == "1007" and shown.problem == "cover_open"
    assert shown.until - k.now == pytest.approx(k.settings.ticket_on_screen_s)
    assert not k.can_reprint()
    k.handle(m.PrinterState("ok"), k.now + 5)
    assert press(k, "reprint") == [m.Reprint(7, "1007")]


def test_a_refused_reprint_shows_the_server_words_beside_the_number(k):
    unprinted(k)
    k.handle(m.PrinterState("ok"), k.now + 5)
    press(k, "reprint")
    k.handle(m.Refused(404, "not_found", "Không có vé 7."), k.now + 0.05)
    shown = k.visible()
    assert isinstance(shown, m.ShowTicket) and shown.ticket.number == "1007"
    assert shown.note == "Không có vé 7." and k.pending is None


def test_no_server_no_reprint_until_it_is_back(k):
    unprinted(k)
    k.handle(m.PrinterState("ok"), k.now + 5)
    press(k, "reprint")
    assert k.handle(m.Unreachable("gone"), k.now + 0.05) == [m.Reconnect()]
    shown = k.visible()
    assert isinstance(shown, m.ShowTicket) and shown.ticket.number == "1007"  # still shown
    assert not k.can_reprint() and press(k, "reprint") == []
    k.handle(m.LinkUp(snapshot()), k.now + 1)
    assert k.can_reprint()


def test_the_unprinted_screen_waits_long_for_paper_then_goes(k):
    unprinted(k)
    shown = k.visible()
    assert shown.until - shown.since == pytest.approx(k.settings.ticket_on_screen_s)
    assert shown.until - shown.since > k.settings.ticket_s
    k.handle(m.Tick(), shown.until - 1)
    assert k.visible() == shown
    k.handle(m.Tick(), shown.until + 0.1)
    assert k.visible() == m.Home()
    assert press(k, "reprint") == []  # the next citizen cannot print it


def test_paper_back_shortens_the_screen_and_nothing_stretches_it_past_its_bound(k):
    s = k.settings
    unprinted(k)
    since = k.visible().since
    k.handle(m.PrinterState("ok"), k.now + 5)
    assert k.visible().until == pytest.approx(k.now + s.reprint_offer_s)  # shorter than 90 s
    # the printer flapping out and back does not keep a forgotten screen up
    while isinstance(k.visible(), m.ShowTicket):
        k.handle(m.PrinterState("paper_out"), k.now + 10)
        k.handle(m.PrinterState("ok"), k.now + 10)
        k.handle(m.Tick(), k.now)
        assert k.now <= since + s.ticket_on_screen_s + s.reprint_offer_s + 20
    assert k.visible() == m.Home()


def test_paper_back_late_still_gives_time_to_touch(k):
    s = k.settings
    unprinted(k)
    shown = k.visible()
    k.handle(m.PrinterState("ok"), shown.until - 2)
    assert k.visible().until == pytest.approx(k.now + s.reprint_offer_s)
    assert k.visible().until <= shown.since + s.ticket_on_screen_s + s.reprint_offer_s


def test_done_ends_the_offer(k):
    unprinted(k)
    k.handle(m.PrinterState("ok"), k.now + 5)
    press(k, "done")
    assert k.visible() == m.Home()
    assert press(k, "reprint") == []


def test_a_number_shown_while_the_paper_was_out_can_be_printed_when_it_is_back(k):
    k.handle(m.PrinterState("paper_out"), k.now)
    press(k, "service:HT")
    t = ticket(9, "1009")
    k.handle(m.Issued(t), k.now + 0.1)
    assert not k.can_reprint()
    k.handle(m.PrinterState("ok"), k.now + 30)
    assert press(k, "reprint") == [m.Reprint(9, "1009")]


def test_print_again_in_a_hall_that_keeps_numbers_off_screen(k):
    k.settings = replace(k.settings, show_on_screen_when_no_paper=False)
    unprinted(k)
    shown = k.visible()
    assert isinstance(shown, m.PrinterScreen) and shown.number == "1007"
    assert not k.can_reprint()
    k.handle(m.PrinterState("ok"), k.now + 5)
    assert k.visible().until == pytest.approx(k.now + k.settings.reprint_offer_s)
    assert press(k, "reprint") == [m.Reprint(7, "1007")]
    k.handle(m.Printed(7), k.now + 0.5)
    assert k.visible().printed
    # the blocking printer screen (no number) never offers a reprint
    k.handle(m.PrinterState("paper_out"), k.now + 1)
    k.handle(m.Tick(), k.now + 60)
    assert k.visible() == m.PrinterScreen("paper_out") and not k.can_reprint()


def test_an_answer_for_another_number_is_not_taken(k):
    t = unprinted(k)
    k.handle(m.PrinterState("ok"), k.now + 5)
    press(k, "reprint")
    k.handle(m.ReprintAnswered(t.model_copy(update={"number": "1099"})), k.now + 0.05)
    assert k.visible().ticket.number == "1007"


def test_a_reprint_that_never_answers_gives_the_number_back(k):
    unprinted(k)
    k.handle(m.PrinterState("ok"), k.now + 5)
    press(k, "reprint")
    k.handle(m.Tick(), k.now + k.settings.issue_timeout_s + 1)
    shown = k.visible()
    assert isinstance(shown, m.ShowTicket) and shown.ticket.number == "1007"
    assert k.pending is None and k.can_reprint()


def test_the_result_service_is_reached_only_through_the_result_button() -> None:
    """One way to a result: with the server marking TKQ `result`, a press on it as a service
    does nothing (no button shows it); the scan screen's "scan:number" takes a plain number."""
    snap = snapshot()
    for s in snap["services"]:
        s["result"] = s["code"] == CFG.dossier.result_service
    kiosk = m.Kiosk(hall=hall_from_config(CFG), settings=m.Settings(), now=1000.0)
    kiosk.handle(m.LinkUp(snap), 1000.0)
    kiosk.handle(m.PrinterState("ok"), 1000.0)
    assert [s.code for s in kiosk.hall.buttons] == ["HT", "DD", "CT"]
    assert kiosk.hall.result_service is not None and kiosk.hall.result_service.code == "TKQ"
    assert press(kiosk, "service:TKQ") == [] and isinstance(kiosk.visible(), m.Home)
    press(kiosk, "scan")
    [effect] = press(kiosk, "scan:number")
    assert isinstance(effect, m.Issue)
    assert (effect.request.service, effect.request.dossier_code) == ("TKQ", None)


def test_without_a_result_service_the_scan_screen_only_scans(k: m.Kiosk) -> None:
    assert k.hall.result_service is None  # this snapshot marks none
    press(k, "scan")
    assert press(k, "scan:number") == [] and isinstance(k.visible(), m.Scan)
