"""`layso kiosk --shots DIR`: every screen rendered to PNG, with no server and no printer.

The sample data come from the hall file (names, services, priority groups, dossier example)
with made-up waiting counts, and a fixed clock, so the pictures are the same on every run:
handy for documentation and for checking a translation or a new screen size by eye.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from contracts.api import TicketOut
from contracts.hall_config import HallConfig
from contracts.ticket_view import TicketView
from kiosk import machine as m
from kiosk.hall import HallData, hall_from_config

NOW = 1000.0


def sample_wall(config: HallConfig) -> datetime:
    return datetime(2026, 11, 23, 9, 41, tzinfo=config.zone)


def sample_hall(config: HallConfig) -> HallData:
    """The hall with plausible live counts, as the server's snapshot would give them."""
    hall = hall_from_config(config)
    services = []
    for i, service in enumerate(hall.services):
        counters = max(1, len(config.counters_for(service.code)))
        spec = config.service(service.code)
        waiting = (7, 12, 3, 0, 5, 9)[i % 6]
        avg = spec.avg_service_s if spec else 300
        services.append(replace(service, waiting=waiting,
                                estimated_wait_s=waiting * avg // counters))
    return replace(hall, services=tuple(services), loaded=True, open=True)


def sample_ticket(config: HallConfig, *, priority: str | None = None) -> TicketOut:
    """A ticket for the hall's first service, as `POST /api/v1/tickets` would return it."""
    hall = sample_hall(config)
    service = hall.services[0]
    spec = config.service(service.code)
    number = spec.format_number(23) if spec else "1023"
    group = config.priority_group(priority) if priority else None
    issued = sample_wall(config)
    view = TicketView(
        hall_name=config.hall.name,
        hall_name_en=config.hall.name_en,
        service_code=service.code,
        service_name=service.name,
        service_name_en=service.name_en,
        number=number,
        issued_at=issued,
        waiting_ahead=service.waiting,
        estimated_wait_s=service.estimated_wait_s,
        counters=[c.label for c in config.counters_for(service.code)],
        priority=group.name if group else None,
        priority_en=group.name_en if group else None,
        qr_url=f"{config.hall.public_url.rstrip('/')}/q/1",
    )
    return TicketOut(id=1, number=number, service=service.code, issued_at=issued,
                     waiting_ahead=service.waiting, estimated_wait_s=service.estimated_wait_s,
                     priority=priority, view=view)


def _kiosk(config: HallConfig, **settings: object) -> m.Kiosk:
    base = m.Settings(per_minute=config.queue.kiosk_per_minute,
                      show_on_screen_when_no_paper=config.queue.show_on_screen_when_no_paper)
    kiosk = m.Kiosk(hall=sample_hall(config), settings=replace(base, **settings), now=NOW)
    kiosk.online = True
    kiosk.offline_since = None
    kiosk.printer = "ok"
    return kiosk


def scenes(config: HallConfig) -> dict[str, Callable[[], m.Kiosk]]:
    """Name of each picture -> a kiosk in that state."""
    ticket = sample_ticket(config)
    first = config.services[0].code
    group = config.priority_groups[0].code if config.priority_groups else None

    def start() -> m.Kiosk:
        return _kiosk(config)

    def english() -> m.Kiosk:
        k = _kiosk(config)
        k.lang = "en"
        return k

    def priority() -> m.Kiosk:
        k = _kiosk(config)
        k.screen = m.ChoosePriority()
        return k

    def priority_services() -> m.Kiosk:
        k = _kiosk(config)
        k.screen = m.Home(priority=group)
        return k

    def issuing() -> m.Kiosk:
        k = _kiosk(config)
        k.screen = m.Issuing(m.IssueRequest(first), started=NOW - 0.4, ticket=ticket)
        return k

    def printed() -> m.Kiosk:
        k = _kiosk(config)
        k.screen = m.ShowTicket(ticket, printed=True, until=NOW + 7)
        return k

    def on_screen() -> m.Kiosk:
        k = _kiosk(config)
        k.printer = "paper_out"
        k.screen = m.ShowTicket(ticket, printed=False, until=NOW + 88, problem="paper_out",
                                since=NOW - 2)
        return k

    def print_again() -> m.Kiosk:
        """Paper loaded again while the citizen's unprinted number is on screen."""
        k = _kiosk(config)
        k.screen = m.ShowTicket(ticket, printed=False, until=NOW + 28, problem="paper_out",
                                since=NOW - 50)
        return k

    def printer_ready_print_again() -> m.Kiosk:
        """The same, in a hall that keeps numbers off screen: the printer screen names it."""
        k = _kiosk(config, show_on_screen_when_no_paper=False)
        k.screen = m.PrinterScreen("paper_out", number=ticket.number, until=NOW + 28,
                                   ticket=ticket, since=NOW - 50)
        return k

    def printing_again() -> m.Kiosk:
        k = _kiosk(config)
        back = m.ShowTicket(ticket, printed=False, until=NOW + 28, problem="paper_out",
                            since=NOW - 50)
        k.screen = m.Reprinting(ticket, started=NOW - 0.3, back=back)
        return k

    def paper_out() -> m.Kiosk:
        k = _kiosk(config, show_on_screen_when_no_paper=False)
        k.printer = "paper_out"
        k.printer_detail = "printer tcp://192.0.2.10:9100: out of paper"
        return k

    def start_no_paper() -> m.Kiosk:
        k = _kiosk(config, show_on_screen_when_no_paper=True)
        k.printer = "paper_out"
        return k

    def start_printer_fault() -> m.Kiosk:
        k = _kiosk(config, show_on_screen_when_no_paper=True)
        k.printer = "offline"
        k.printer_detail = "printer tcp://192.0.2.10:9100: [Errno 111] Connection refused"
        return k

    def offline() -> m.Kiosk:
        k = _kiosk(config)
        k.online = False
        k.offline_since = NOW - 60
        k.offline_detail = "ws://10.0.0.2:8000/ws/hall: connection refused"
        return k

    def closed() -> m.Kiosk:
        k = _kiosk(config)
        opens = (sample_wall(config) + timedelta(days=1)).replace(hour=7, minute=30)
        k.hall = replace(k.hall, open=False, opens_at=opens)
        k.closed_detail = ("Đã hết giờ cấp số hôm nay. / Ticket hours are over for today.")
        return k

    def scan() -> m.Kiosk:
        k = _kiosk(config)
        k.screen = m.Scan()
        return k

    def refused() -> m.Kiosk:
        k = _kiosk(config)
        name = config.services[min(1, len(config.services) - 1)]
        k.screen = m.Refusal(until=NOW + 9, error="service_full", detail=(
            f"Lĩnh vực {name.name} đã hết số trong ngày hôm nay. "
            f"/ {name.name_en}: today's numbers are all taken."))
        return k

    def busy() -> m.Kiosk:
        k = _kiosk(config)
        k.screen = m.Busy(until=NOW + 42)
        return k

    return {
        "01-start": start,
        "02-priority": priority,
        "03-priority-services": priority_services,
        "04-issuing": issuing,
        "05-ticket-printed": printed,
        "06-ticket-on-screen": on_screen,
        "07-printer-out-of-paper": paper_out,
        "08-start-no-paper": start_no_paper,
        "09-server-unreachable": offline,
        "10-hall-closed": closed,
        "11-result-collection": scan,
        "12-refused": refused,
        "13-busy": busy,
        "14-start-english": english,
        "15-ticket-print-again": print_again,
        "16-printer-ready-print-again": printer_ready_print_again,
        "17-printing-again": printing_again,
        "18-start-printer-fault": start_printer_fault,
    }


def render_shots(out_dir: Path, config: HallConfig, size: tuple[int, int] = (1920, 1080),
                 width_mm: int = 80) -> list[Path]:
    """Write one PNG per screen into `out_dir`; returns the files written."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from kiosk.draw import Canvas
    from kiosk.fonts import Fonts
    from kiosk.printing import ticket_image
    from kiosk.screens import Frame, draw_frame

    pygame.font.init()
    out_dir.mkdir(parents=True, exist_ok=True)
    fonts = Fonts()
    surface = pygame.Surface(size)
    wall = sample_wall(config)
    written = []
    for name, build in scenes(config).items():
        kiosk = build()
        canvas = Canvas(surface, fonts)
        frame = Frame(now=NOW, wall=wall,
                      preview=lambda ticket: ticket_image(ticket.view, width_mm))
        draw_frame(canvas, kiosk, frame)
        path = out_dir / f"{name}.png"
        pygame.image.save(surface, str(path))
        written.append(path)
    return written
