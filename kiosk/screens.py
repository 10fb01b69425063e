"""Draw the screen the state machine says is visible. One function per screen.

Everything a citizen reads comes from the translation catalogue (kiosk/i18n.py) or the
server's own words; nothing here changes state. `draw_frame` fills `Canvas.buttons`, which the
app uses to turn a touch into a `Press`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pygame

from contracts.api import TicketOut
from kiosk import icons
from kiosk import machine as m
from kiosk.draw import (
    BG,
    BUSY,
    CLOSED,
    GOLD,
    HEADER,
    INK,
    MUTED,
    OFFLINE,
    OUTLINE,
    PAPER,
    PRIORITY,
    REFUSED,
    SCAN,
    SERVICE,
    SERVICE_INFO,
    WHITE,
    Canvas,
    Color,
    Layout,
)
from kiosk.hall import ServiceInfo
from kiosk.i18n import format_date, minutes, pick, t

if TYPE_CHECKING:
    from PIL import Image

Preview = Callable[[TicketOut], "Image.Image | None"]

MARGIN = 40
GAP = 28
FOOTER_H = 140
PAGER_H = 90
PROMPT_H = 90
NOTICE_H = 76
BAR_H = 130  # the row of "Xong" / "In lại" at the foot of a screen
REPRINT_W = 420
WAITING: Color = (229, 231, 235)  # a button that waits: MUTED text on it is above 7:1


@dataclass
class Frame:
    """What one frame needs besides the state machine."""

    now: float
    wall: datetime
    pressed: str | None = None
    preview: Preview | None = None


def header_height(layout: Layout) -> int:
    return layout.px(250 if layout.portrait else 150)


# ---- the start screen's grid, shared with the app for paging -------------------------------


def _grid_top(layout: Layout, notice: bool) -> int:
    top = header_height(layout) + layout.px(24) + layout.px(PROMPT_H) + layout.px(16)
    if notice:
        top += layout.px(NOTICE_H) + layout.px(12)
    return top


def _grid_bottom(layout: Layout, pager: bool) -> int:
    bottom = layout.height - layout.px(MARGIN) - layout.px(FOOTER_H) - layout.px(GAP)
    if pager:
        bottom -= layout.px(PAGER_H) + layout.px(GAP) // 2
    return bottom


def _columns(layout: Layout) -> int:
    return 1 if layout.portrait else 2


def _capacity(layout: Layout, notice: bool, pager: bool) -> int:
    height = _grid_bottom(layout, pager) - _grid_top(layout, notice)
    rows = max(1, (height + layout.px(GAP)) // (layout.px(140) + layout.px(GAP)))
    return int(rows) * _columns(layout)


def services_per_page(layout: Layout, count: int, notice: bool) -> int:
    """How many service buttons one page holds (fewer once page buttons take a row)."""
    single = _capacity(layout, notice, pager=False)
    return single if count <= single else _capacity(layout, notice, pager=True)


# ---- the frame -----------------------------------------------------------------------------


def on_screen_notice_key(printer: str) -> str:
    """The home screen's notice while numbers go on screen. Only an empty roll is "out of
    paper": a printer that does not answer, or has its cover open, has a fault, and telling
    citizens to wait for paper would be untrue."""
    return "home.on_screen_notice" if printer == "paper_out" else "home.on_screen_notice_fault"


def draw_frame(canvas: Canvas, kiosk: m.Kiosk, frame: Frame) -> None:
    canvas.buttons.clear()
    canvas.surface.fill(BG)
    screen = kiosk.visible(frame.now)
    _header(canvas, kiosk, frame)
    if isinstance(screen, m.Home):
        _home(canvas, kiosk, screen, frame)
    elif isinstance(screen, m.ChoosePriority):
        _priority(canvas, kiosk, frame)
    elif isinstance(screen, m.Scan):
        _scan(canvas, kiosk, frame)
    elif isinstance(screen, m.Issuing):
        _issuing(canvas, kiosk, screen, frame)
    elif isinstance(screen, m.Reprinting):
        _reprinting(canvas, kiosk, screen)
    elif isinstance(screen, m.ShowTicket):
        _ticket(canvas, kiosk, screen, frame)
    else:
        _message(canvas, kiosk, screen, frame)


def _body_top(canvas: Canvas) -> int:
    return header_height(canvas.layout) + canvas.px(24)


def _header(canvas: Canvas, kiosk: m.Kiosk, frame: Frame) -> None:
    lang = kiosk.lang
    lay = canvas.layout
    hh = header_height(lay)
    pygame.draw.rect(canvas.surface, HEADER, (0, 0, canvas.w, hh))
    pygame.draw.rect(canvas.surface, GOLD, (0, hh - canvas.px(6), canvas.w, canvas.px(6)))
    icons.star(canvas.surface, (canvas.px(80), canvas.px(72)), canvas.px(44), GOLD)
    name = pick(lang, kiosk.hall.name, kiosk.hall.name_en)
    lang_w, lang_h = canvas.px(260), canvas.px(84)
    if lay.portrait:
        name_rect = pygame.Rect(canvas.px(150), canvas.px(18), canvas.w - canvas.px(190),
                                canvas.px(110))
        canvas.block(name, "Bold", 44, WHITE, name_rect, max_lines=2, align="left",
                     min_size=26)
        row_y = canvas.px(134)
        canvas.text(t("header.subtitle", lang), "Medium", 32, GOLD, x=canvas.px(150),
                    y=row_y + canvas.px(24))
        lang_rect = pygame.Rect(canvas.w - canvas.px(MARGIN) - lang_w, row_y + canvas.px(12),
                                lang_w, lang_h)
        clock_right = lang_rect.left - canvas.px(36)
        clock_top = row_y - canvas.px(4)
    else:
        lang_rect = pygame.Rect(canvas.w - canvas.px(MARGIN) - lang_w, canvas.px(30),
                                lang_w, lang_h)
        clock_right = lang_rect.left - canvas.px(40)
        clock_top = canvas.px(16)
        name_w = clock_right - canvas.px(300) - canvas.px(150)
        name_rect = pygame.Rect(canvas.px(150), canvas.px(18), name_w, canvas.px(66))
        canvas.block(name, "Bold", 42, WHITE, name_rect, max_lines=1, align="left",
                     min_size=26)
        canvas.text(t("header.subtitle", lang), "Medium", 32, GOLD, x=canvas.px(150),
                    y=canvas.px(88))
    canvas.text(f"{frame.wall:%H:%M}", "Bold", 56, WHITE, x=clock_right, y=clock_top,
                anchor="topright")
    canvas.text(format_date(frame.wall, lang), "Medium", 26, WHITE, x=clock_right,
                y=clock_top + canvas.px(72), anchor="topright")
    canvas.button("lang", lang_rect, WHITE, pressed=frame.pressed == "lang", radius=42)
    canvas.block(t("lang.switch", lang), "Bold", 36, HEADER, lang_rect.inflate(-20, 0),
                 max_lines=1)


# ---- start screen --------------------------------------------------------------------------


def _service_info(s: ServiceInfo, lang: str, live: bool) -> str:
    if not s.open:
        return t("service.closed", lang)
    if not live:
        return ""
    wait = (t("service.wait", lang, m=minutes(s.estimated_wait_s)) if s.estimated_wait_s > 0
            else t("service.no_wait", lang))
    return f"{t('service.waiting', lang, n=s.waiting)}   •   {wait}"


def _home(canvas: Canvas, kiosk: m.Kiosk, screen: m.Home, frame: Frame) -> None:
    lang = kiosk.lang
    lay = canvas.layout
    top = _body_top(canvas)
    left, right = canvas.px(MARGIN), canvas.w - canvas.px(MARGIN)
    prompt = pygame.Rect(left, top, right - left, canvas.px(PROMPT_H))
    group = kiosk.hall.priority_group(screen.priority) if screen.priority else None
    if group is not None:
        canvas.panel(prompt, PRIORITY, radius=18, shadow=False)
        cancel = pygame.Rect(0, 0, canvas.px(260), prompt.height - canvas.px(16))
        cancel.midright = (prompt.right - canvas.px(8), prompt.centery)
        canvas.button("priority:cancel", cancel, WHITE, radius=16,
                      pressed=frame.pressed == "priority:cancel")
        canvas.block(t("home.priority_cancel", lang), "Bold", 30, PRIORITY, cancel, max_lines=1)
        text = t("home.priority_prompt", lang, group=pick(lang, group.name, group.name_en))
        area = pygame.Rect(prompt.left + canvas.px(24), prompt.top,
                           cancel.left - prompt.left - canvas.px(40), prompt.height)
        canvas.block(text, "Bold", 38, WHITE, area, max_lines=2, align="left", min_size=24)
    else:
        canvas.block(t("home.prompt", lang), "Bold", 46, INK, prompt, max_lines=1, min_size=28)
    notice = kiosk.paper_missing() and kiosk.settings.show_on_screen_when_no_paper
    if notice:
        band = pygame.Rect(left, prompt.bottom + canvas.px(16), right - left, canvas.px(NOTICE_H))
        canvas.panel(band, PAPER, radius=16, shadow=False)
        canvas.block(t(on_screen_notice_key(kiosk.printer), lang), "SemiBold", 32, WHITE,
                     band.inflate(-canvas.px(40), 0), max_lines=2, min_size=20)

    services = list(kiosk.hall.buttons)
    per_page = services_per_page(lay, len(services), notice)
    pages = max(1, -(-len(services) // per_page))
    page = min(screen.page, pages - 1)
    shown = services[page * per_page:(page + 1) * per_page]
    grid_top = _grid_top(lay, notice)
    grid_bottom = _grid_bottom(lay, pages > 1)
    cols = _columns(lay)
    gap = canvas.px(GAP)
    col_w = (right - left - gap * (cols - 1)) // cols
    rows = max(1, -(-len(shown) // cols)) if shown else 1
    row_h = min(canvas.px(260), (grid_bottom - grid_top - gap * (rows - 1)) // rows)
    if not shown:
        canvas.block(t("home.no_services", lang), "SemiBold", 44, MUTED,
                     pygame.Rect(left, grid_top, right - left, grid_bottom - grid_top))
    for i, service in enumerate(shown):
        r, c = divmod(i, cols)
        rect = pygame.Rect(left + c * (col_w + gap), grid_top + r * (row_h + gap), col_w, row_h)
        _service_button(canvas, service, rect, lang, kiosk.hall.loaded, frame)
    if pages > 1:
        _pager(canvas, page, pages, lang, grid_bottom + gap // 2, frame)
    _footer(canvas, kiosk, frame)


def _service_button(canvas: Canvas, service: ServiceInfo, rect: pygame.Rect, lang: str,
                    live: bool, frame: Frame) -> None:
    target = f"service:{service.code}"
    canvas.button(target, rect, SERVICE, enabled=service.open, pressed=frame.pressed == target)
    pad = canvas.px(36)
    info = _service_info(service, lang, live)
    info_h = canvas.px(48) if info else 0
    name_rect = pygame.Rect(rect.left + pad, rect.top + canvas.px(16),
                            rect.width - pad - canvas.px(110),
                            rect.height - canvas.px(32) - info_h)
    canvas.block(pick(lang, service.name, service.name_en), "Bold", 54, WHITE, name_rect,
                 max_lines=2, align="left", min_size=30)
    if info:
        info_rect = pygame.Rect(rect.left + pad, rect.bottom - canvas.px(20) - info_h,
                                rect.width - pad - canvas.px(110), info_h)
        canvas.block(info, "SemiBold", 34, SERVICE_INFO if service.open else WHITE, info_rect,
                     max_lines=1, align="left", min_size=20)
    canvas.chevron((rect.right - canvas.px(56), rect.centery), canvas.px(56), WHITE)


def _pager(canvas: Canvas, page: int, pages: int, lang: str, y: int, frame: Frame) -> None:
    left, right = canvas.px(MARGIN), canvas.w - canvas.px(MARGIN)
    w, h = canvas.px(380), canvas.px(PAGER_H)
    prev = pygame.Rect(left, y, w, h)
    nxt = pygame.Rect(right - w, y, w, h)
    canvas.text(t("page.of", lang, page=page + 1, pages=pages), "Bold", 38, INK,
                x=canvas.w // 2, y=prev.centery, anchor="center")
    for rect, target, key, direction, enabled in (
        (prev, "page:prev", "page.prev", "left", page > 0),
        (nxt, "page:next", "page.next", "right", page + 1 < pages),
    ):
        canvas.button(target, rect, WHITE, enabled=enabled, border=INK if enabled else None,
                      pressed=frame.pressed == target, radius=20)
        color = INK if enabled else WHITE
        arrow_x = rect.left + canvas.px(50) if direction == "left" else rect.right - canvas.px(50)
        canvas.chevron((arrow_x, rect.centery), canvas.px(40), color, direction=direction)
        text_rect = rect.inflate(-canvas.px(120), 0)
        canvas.block(t(key, lang), "Bold", 36, color, text_rect, max_lines=1, min_size=20)


def _footer(canvas: Canvas, kiosk: m.Kiosk, frame: Frame) -> None:
    lang = kiosk.lang
    left, right = canvas.px(MARGIN), canvas.w - canvas.px(MARGIN)
    y = canvas.h - canvas.px(MARGIN) - canvas.px(FOOTER_H)
    gap = canvas.px(GAP)
    buttons: list[tuple[str, Color, str, str]] = []
    if kiosk.hall.priority_groups:
        buttons.append(("priority", PRIORITY, "btn.priority", "btn.priority_sub"))
    sub = "btn.scan_sub_number" if kiosk.hall.result_service is not None else "btn.scan_sub"
    buttons.append(("scan", SCAN, "btn.scan", sub))
    w = (right - left - gap * (len(buttons) - 1)) // len(buttons)
    for i, (target, color, title, sub) in enumerate(buttons):
        rect = pygame.Rect(left + i * (w + gap), y, w, canvas.px(FOOTER_H))
        canvas.button(target, rect, color, pressed=frame.pressed == target)
        pad = canvas.px(36)
        inner = pygame.Rect(rect.left + pad, rect.top + canvas.px(14),
                            rect.width - pad - canvas.px(100), rect.height - canvas.px(28))
        head = pygame.Rect(inner.left, inner.top, inner.width, inner.height * 0.58)
        foot = pygame.Rect(inner.left, head.bottom, inner.width, inner.height - head.height)
        canvas.block(t(title, lang), "Bold", 46, WHITE, head, max_lines=1, align="left",
                     valign="bottom", min_size=26)
        canvas.block(t(sub, lang), "Medium", 30, WHITE, foot, max_lines=1, align="left",
                     valign="top", min_size=18)
        canvas.chevron((rect.right - canvas.px(52), rect.centery), canvas.px(50), WHITE)


def _back_button(canvas: Canvas, lang: str, frame: Frame, target: str = "back",
                 key: str = "btn.back") -> pygame.Rect:
    rect = pygame.Rect(canvas.px(MARGIN), canvas.h - canvas.px(MARGIN) - canvas.px(130),
                       canvas.px(380), canvas.px(130))
    canvas.button(target, rect, WHITE, border=INK, pressed=frame.pressed == target)
    canvas.chevron((rect.left + canvas.px(56), rect.centery), canvas.px(46), INK,
                   direction="left")
    canvas.block(t(key, lang), "Bold", 44, INK, rect.inflate(-canvas.px(110), 0).move(
        canvas.px(30), 0), max_lines=1, min_size=24)
    return rect


# ---- priority and scan ---------------------------------------------------------------------


def _titles(canvas: Canvas, title: str, note: str | None) -> int:
    top = _body_top(canvas) + canvas.px(10)
    left, right = canvas.px(MARGIN), canvas.w - canvas.px(MARGIN)
    used = canvas.block(title, "Bold", 60, INK, pygame.Rect(left, top, right - left,
                        canvas.px(84)), max_lines=1, min_size=32)
    bottom = used.bottom
    if note:
        used = canvas.block(note, "Medium", 36, MUTED,
                            pygame.Rect(left, bottom + canvas.px(10), right - left,
                                        canvas.px(100)), max_lines=2, valign="top",
                            min_size=22)
        bottom = used.bottom
    return bottom + canvas.px(30)


def _priority(canvas: Canvas, kiosk: m.Kiosk, frame: Frame) -> None:
    lang = kiosk.lang
    top = _titles(canvas, t("priority.title", lang), t("priority.note", lang))
    groups = kiosk.hall.priority_groups
    left, right = canvas.px(MARGIN), canvas.w - canvas.px(MARGIN)
    cols = _columns(canvas.layout)
    gap = canvas.px(GAP)
    col_w = (right - left - gap * (cols - 1)) // cols
    bottom = canvas.h - canvas.px(MARGIN) - canvas.px(130) - gap
    rows = max(1, -(-len(groups) // cols))
    row_h = min(canvas.px(200), (bottom - top - gap * (rows - 1)) // rows)
    for i, group in enumerate(groups):
        r, c = divmod(i, cols)
        rect = pygame.Rect(left + c * (col_w + gap), top + r * (row_h + gap), col_w, row_h)
        target = f"priority:{group.code}"
        canvas.button(target, rect, PRIORITY, pressed=frame.pressed == target)
        inner = pygame.Rect(rect.left + canvas.px(36), rect.top, rect.width - canvas.px(140),
                            rect.height)
        canvas.block(pick(lang, group.name, group.name_en), "Bold", 50, WHITE, inner,
                     max_lines=2, align="left", min_size=26)
        canvas.chevron((rect.right - canvas.px(56), rect.centery), canvas.px(56), WHITE)
    _back_button(canvas, lang, frame)


def _scan(canvas: Canvas, kiosk: m.Kiosk, frame: Frame) -> None:
    lang = kiosk.lang
    top = _titles(canvas, t("scan.title", lang), None)
    left, right = canvas.px(MARGIN), canvas.w - canvas.px(MARGIN)
    bottom = canvas.h - canvas.px(MARGIN) - canvas.px(130) - canvas.px(GAP)
    lay = canvas.layout
    if lay.portrait:
        art = pygame.Rect(left, top, right - left, (bottom - top) // 2)
        words = pygame.Rect(left, art.bottom + canvas.px(20), right - left,
                            bottom - art.bottom - canvas.px(20))
    else:
        art = pygame.Rect(left, top, (right - left) * 2 // 5, bottom - top)
        words = pygame.Rect(art.right + canvas.px(60), top, right - art.right - canvas.px(60),
                            bottom - top)
    # a receipt with its code, and an arrow to the scanner below the screen
    receipt = pygame.Rect(0, 0, min(art.width * 0.62, art.height * 0.62),
                          min(art.width * 0.62, art.height * 0.62) * 1.2)
    receipt.midtop = (art.centerx, art.top)
    canvas.panel(receipt, WHITE, radius=12, border=OUTLINE)
    qr_box = pygame.Rect(0, 0, receipt.width * 0.7, receipt.width * 0.7)
    qr_box.midtop = (receipt.centerx, receipt.top + receipt.width * 0.08)
    canvas.qr(kiosk.hall.dossier_example, qr_box)
    for k in range(3):
        y = qr_box.bottom + canvas.px(22) + k * canvas.px(22)
        width = receipt.width * (0.7 - 0.15 * k)
        pygame.draw.rect(canvas.surface, OUTLINE, (receipt.centerx - width / 2, y, width,
                                                   canvas.px(10)), border_radius=4)
    arrow = pygame.Rect(0, 0, canvas.px(120), min(canvas.px(150),
                                                  art.bottom - receipt.bottom - canvas.px(20)))
    arrow.midtop = (art.centerx, receipt.bottom + canvas.px(16))
    if arrow.height > canvas.px(40):
        icons.arrow_down(canvas.surface, arrow, SCAN)
    used = canvas.block(t("scan.prompt", lang), "Bold", 50, INK,
                        pygame.Rect(words.left, words.top, words.width, words.height // 2),
                        max_lines=4, align="left", min_size=28)
    y = used.bottom + canvas.px(36)
    used = canvas.block(t("scan.where", lang), "SemiBold", 38, SCAN,
                        pygame.Rect(words.left, y, words.width, canvas.px(60)), max_lines=2,
                        align="left", valign="top", min_size=24)
    canvas.block(t("scan.example", lang, example=kiosk.hall.dossier_example), "Medium", 32,
                 MUTED, pygame.Rect(words.left, used.bottom + canvas.px(30), words.width,
                                    canvas.px(100)), max_lines=2, align="left", valign="top",
                 min_size=20)
    back = _back_button(canvas, lang, frame)
    if kiosk.hall.result_service is not None:
        _no_receipt_button(canvas, kiosk, frame, back)


def _no_receipt_button(canvas: Canvas, kiosk: m.Kiosk, frame: Frame, back: pygame.Rect) -> None:
    """Beside "Quay lại": a plain number for the result counter, for a citizen without the
    receipt. The one way to collect a result is this screen; the home screen does not list the
    result service as well."""
    lang = kiosk.lang
    open_ = kiosk.hall.result_service is not None and kiosk.hall.result_service.open
    rect = pygame.Rect(back.right + canvas.px(GAP), back.top,
                       canvas.w - canvas.px(MARGIN) - back.right - canvas.px(GAP), back.height)
    target = "scan:number"
    canvas.button(target, rect, SCAN, enabled=open_, pressed=frame.pressed == target)
    inner = pygame.Rect(rect.left + canvas.px(36), rect.top + canvas.px(10),
                        rect.width - canvas.px(136), rect.height - canvas.px(20))
    head = pygame.Rect(inner.left, inner.top, inner.width, inner.height * 0.56)
    foot = pygame.Rect(inner.left, head.bottom, inner.width, inner.height - head.height)
    canvas.block(t("scan.number", lang), "Bold", 42, WHITE, head, max_lines=1, align="left",
                 valign="bottom", min_size=22)
    canvas.block(t("scan.number_sub", lang), "Medium", 28, WHITE, foot, max_lines=1,
                 align="left", valign="top", min_size=16)
    canvas.chevron((rect.right - canvas.px(52), rect.centery), canvas.px(46), WHITE)


# ---- a ticket on its way and the ticket ----------------------------------------------------


def _issuing(canvas: Canvas, kiosk: m.Kiosk, screen: m.Issuing, frame: Frame) -> None:
    lang = kiosk.lang
    request = screen.request
    service = kiosk.hall.service(request.service) if request.service else None
    if service is not None:
        line = pick(lang, service.name, service.name_en)
    elif request.dossier_code:
        line = t("issuing.collect", lang, code=request.dossier_code)
    else:
        line = ""
    if screen.ticket is not None:
        _number_printing(canvas, kiosk, screen.ticket.number, t("printing.title", lang), line)
        return
    top = _body_top(canvas)
    cx = canvas.w // 2
    area_h = canvas.h - top
    icons.spinner(canvas.surface, (cx, int(top + area_h * 0.3)), canvas.px(110), SERVICE,
                  OUTLINE, frame.now)
    _printing_words(canvas, t("issuing.title", lang), line)


def _reprinting(canvas: Canvas, kiosk: m.Kiosk, screen: m.Reprinting) -> None:
    """"In lại" was touched: the same number, printing again."""
    lang = kiosk.lang
    view = screen.ticket.view
    _number_printing(canvas, kiosk, screen.ticket.number, t("reprint.printing", lang),
                     pick(lang, view.service_name, view.service_name_en))


def _number_printing(canvas: Canvas, kiosk: m.Kiosk, number: str, title: str,
                     line: str) -> None:
    top = _body_top(canvas)
    cx = canvas.w // 2
    area_h = canvas.h - top
    canvas.text(t("ticket.title", kiosk.lang), "SemiBold", 44, MUTED, x=cx,
                y=top + area_h * 0.12, anchor="center")
    canvas.text(number, "ExtraBold", 240, SERVICE, x=cx, y=top + area_h * 0.36,
                anchor="center")
    _printing_words(canvas, title, line)


def _printing_words(canvas: Canvas, title: str, line: str) -> None:
    top = _body_top(canvas)
    cx = canvas.w // 2
    area_h = canvas.h - top
    canvas.text(title, "Bold", 64, INK, x=cx, y=top + area_h * 0.6, anchor="center")
    if line:
        canvas.block(line, "Medium", 42, MUTED,
                     pygame.Rect(canvas.px(MARGIN), int(top + area_h * 0.68),
                                 canvas.w - 2 * canvas.px(MARGIN), canvas.px(120)),
                     max_lines=2, valign="top", min_size=24)


def _ticket(canvas: Canvas, kiosk: m.Kiosk, screen: m.ShowTicket, frame: Frame) -> None:
    lang = kiosk.lang
    lay = canvas.layout
    ticket = screen.ticket
    view = ticket.view
    top = _body_top(canvas)
    left, right = canvas.px(MARGIN), canvas.w - canvas.px(MARGIN)
    bottom_bar = _ticket_bar(canvas, kiosk, screen, frame)
    y = top
    if not screen.printed:
        band = pygame.Rect(left, y, right - left, canvas.px(NOTICE_H))
        canvas.panel(band, PAPER, radius=16, shadow=False)
        canvas.block(t("ticket.on_screen", lang), "SemiBold", 34, WHITE,
                     band.inflate(-canvas.px(40), 0), max_lines=2, min_size=20)
        y = band.bottom + canvas.px(20)
    gap = canvas.px(GAP)
    if lay.portrait:
        card = pygame.Rect(left, y, right - left, (bottom_bar - gap - y) * 50 // 100)
        side = pygame.Rect(left, card.bottom + gap, right - left, bottom_bar - gap * 2
                           - card.bottom)
    else:
        card = pygame.Rect(left, y, (right - left) * 60 // 100, bottom_bar - gap - y)
        side = pygame.Rect(card.right + gap, y, right - card.right - gap, card.height)
    canvas.panel(card, WHITE, border=OUTLINE)
    inner = card.inflate(-canvas.px(60), -canvas.px(40))
    lines: list[tuple[str, str, Color]] = []
    if view.priority:  # "Diện ưu tiên": that it is one, never the group
        lines.append((pick(lang, view.priority, view.priority_en or view.priority), "Bold",
                      PRIORITY))
    lines.append((t("ticket.ahead", lang, n=view.waiting_ahead), "SemiBold", INK))
    if view.estimated_wait_s > 0:
        lines.append((t("ticket.wait", lang, m=view.estimated_wait_min), "SemiBold", INK))
    else:
        lines.append((t("ticket.no_wait", lang), "SemiBold", INK))
    if view.counters:
        lines.append((t("ticket.counters", lang, counters=", ".join(view.counters)), "Medium",
                      MUTED))
    # from the bottom up: the facts keep their size, the number takes what is left
    step = canvas.px(58)
    title_h, service_h, rule_h = canvas.px(60), canvas.px(110), canvas.px(30)
    number_h = max(canvas.px(100),
                   inner.height - title_h - service_h - rule_h - step * len(lines))
    used = canvas.block(t("ticket.title", lang), "SemiBold", 44, MUTED,
                        pygame.Rect(inner.left, inner.top, inner.width, title_h), max_lines=1)
    used = canvas.block(ticket.number, "ExtraBold", 250, SERVICE,
                        pygame.Rect(inner.left, used.bottom, inner.width, number_h),
                        max_lines=1, min_size=80)
    service = pick(lang, view.service_name, view.service_name_en)
    canvas.block(service, "Bold", 50, INK,
                 pygame.Rect(inner.left, inner.top + title_h + number_h, inner.width,
                             service_h), max_lines=2, min_size=28)
    y = inner.top + title_h + number_h + service_h + rule_h // 2
    pygame.draw.line(canvas.surface, OUTLINE, (inner.left, y), (inner.right, y),
                     max(2, canvas.px(3)))
    y += rule_h // 2
    for text, weight, color in lines:
        canvas.block(text, weight, 40, color, pygame.Rect(inner.left, y, inner.width, step),
                     max_lines=1, min_size=22)
        y += step
    if screen.printed:
        _paper_side(canvas, kiosk, ticket, side, frame)
    else:
        _qr_side(canvas, kiosk, ticket, side)


def _ticket_bar(canvas: Canvas, kiosk: m.Kiosk, screen: m.ShowTicket, frame: Frame) -> int:
    """The foot of the ticket screen: the countdown and "Xong"; for a ticket that did not
    print, also "In lại" and a line saying when it works. Returns the top of what it drew,
    where the ticket above must end."""
    lang = kiosk.lang
    left, right = canvas.px(MARGIN), canvas.w - canvas.px(MARGIN)
    gap = canvas.px(GAP)
    bar = pygame.Rect(left, canvas.h - canvas.px(MARGIN) - canvas.px(BAR_H), right - left,
                      canvas.px(BAR_H))
    done = pygame.Rect(right - canvas.px(340), bar.top, canvas.px(340), bar.height)
    canvas.button("done", done, SERVICE, pressed=frame.pressed == "done")
    canvas.block(t("btn.done", lang), "Bold", 48, WHITE, done, max_lines=1)
    remaining = max(0, int(screen.until - frame.now + 0.999))
    countdown = t("ticket.back_in", lang, s=remaining)
    ticket = m.unprinted_ticket(screen)
    if ticket is None:
        canvas.text(countdown, "Medium", 32, MUTED, x=left, y=bar.centery, anchor="midleft")
        return bar.top
    enabled = kiosk.can_reprint(frame.now)
    hint, color, weight = _reprint_hint(kiosk, ticket, screen.note, frame.now)
    if not canvas.layout.portrait:  # landscape: the words beside the buttons
        width = canvas.px(REPRINT_W)
        if done.left - gap - width - gap - left < canvas.px(700):
            width = canvas.px(300)  # a narrower screen: more room for the words
        reprint = pygame.Rect(done.left - gap - width, bar.top, width, bar.height)
        words_w = reprint.left - gap - left
        canvas.block(hint, weight, 36, color, pygame.Rect(left, bar.top, words_w,
                                                          bar.height * 62 // 100),
                     max_lines=2, align="left", valign="bottom", min_size=22)
        canvas.text(countdown, "Medium", 32, MUTED, x=left,
                    y=bar.top + bar.height * 80 // 100, anchor="midleft")
        top = bar.top
    else:  # portrait: the words above, "In lại" as wide as there is room (height is plenty)
        reprint = pygame.Rect(left, bar.top, done.left - gap - left, bar.height)
        words = pygame.Rect(left, bar.top - gap // 2 - canvas.px(120), right - left,
                            canvas.px(120))
        canvas.block(hint, weight, 36, color, pygame.Rect(words.left, words.top, words.width,
                                                          words.height * 62 // 100),
                     max_lines=2, align="left", valign="bottom", min_size=22)
        canvas.text(countdown, "Medium", 32, MUTED, x=left,
                    y=words.top + words.height * 82 // 100, anchor="midleft")
        top = words.top
    _reprint_button(canvas, lang, reprint, frame, enabled=enabled)
    return top


def _reprint_hint(kiosk: m.Kiosk, ticket: TicketOut, note: str | None,
                  now: float) -> tuple[str, Color, str]:
    """The line beside "In lại": the server's words after a refused reprint, else whether
    the button works now and, if not, what it waits for. (text, colour, weight)"""
    lang = kiosk.lang
    if note:
        return note, REFUSED, "SemiBold"
    if kiosk.can_reprint(now):
        return t("reprint.ready", lang, number=ticket.number), PRIORITY, "Bold"
    if not kiosk.paper_missing() and kiosk.is_offline(now):
        return t("reprint.offline", lang), MUTED, "SemiBold"
    return t("reprint.wait", lang), MUTED, "SemiBold"


def _reprint_button(canvas: Canvas, lang: str, rect: pygame.Rect, frame: Frame, *,
                    enabled: bool) -> None:
    """ "In lại": deep green when it works; greyed (and not a touch target) while it waits."""
    if enabled:
        canvas.button("reprint", rect, PRIORITY, pressed=frame.pressed == "reprint")
        canvas.block(t("btn.reprint", lang), "Bold", 48, WHITE,
                     rect.inflate(-canvas.px(24), 0), max_lines=1, min_size=28)
    else:
        canvas.panel(rect, WAITING, shadow=False, border=OUTLINE)
        canvas.block(t("btn.reprint", lang), "Bold", 48, MUTED,
                     rect.inflate(-canvas.px(24), 0), max_lines=1, min_size=28)


def _paper_side(canvas: Canvas, kiosk: m.Kiosk, ticket: TicketOut, side: pygame.Rect,
                frame: Frame) -> None:
    lang = kiosk.lang
    arrow_h = canvas.px(110)
    caption = canvas.block(t("ticket.take", lang), "Bold", 44, INK,
                           pygame.Rect(side.left, side.bottom - arrow_h - canvas.px(70),
                                       side.width, canvas.px(64)), max_lines=1, min_size=24)
    arrow = pygame.Rect(0, 0, canvas.px(90), arrow_h - canvas.px(10))
    arrow.midtop = (side.centerx, caption.bottom + canvas.px(8))
    icons.arrow_down(canvas.surface, arrow, SERVICE)
    image = frame.preview(ticket) if frame.preview else None
    paper_area = pygame.Rect(side.left, side.top, side.width,
                             caption.top - side.top - canvas.px(16))
    if image is not None and paper_area.height > canvas.px(100):
        pad = canvas.px(14)
        fitted = paper_area.inflate(-2 * pad, -2 * pad)
        scale = min(fitted.width / image.width, fitted.height / image.height)
        sheet = pygame.Rect(0, 0, image.width * scale + 2 * pad, image.height * scale + 2 * pad)
        sheet.midtop = paper_area.midtop
        canvas.panel(sheet, WHITE, radius=6, border=OUTLINE)
        canvas.picture(image, sheet.inflate(-2 * pad, -2 * pad))
    else:
        _qr_side(canvas, kiosk, ticket, paper_area)


def _qr_side(canvas: Canvas, kiosk: m.Kiosk, ticket: TicketOut, side: pygame.Rect) -> None:
    lang = kiosk.lang
    canvas.panel(side, WHITE, border=OUTLINE)
    caption_h = canvas.px(70)
    box = side.inflate(-canvas.px(60), -canvas.px(60))
    box.height -= caption_h
    qr = canvas.qr(ticket.view.qr_url or ticket.number, box)
    canvas.block(t("ticket.qr", lang), "Bold", 40, INK,
                 pygame.Rect(side.left, qr.bottom + canvas.px(10), side.width, caption_h),
                 max_lines=1, min_size=22)


# ---- screens that explain why no number is given -------------------------------------------


@dataclass
class _Message:
    color: Color
    icon: str
    title: str
    lines: list[str]
    highlight: str = ""
    detail: str = ""
    until: float | None = None
    spinner: bool = False
    reprint: bool | None = None  # "In lại" beside "Xong": live (True), waiting (False)


def _opens_text(opens_at: datetime, wall: datetime, lang: str) -> str:
    local = opens_at.astimezone(wall.tzinfo) if wall.tzinfo else opens_at
    if local.date() == wall.date():
        day = t("closed.today", lang)
    elif local.date() == (wall + timedelta(days=1)).date():
        day = t("closed.tomorrow", lang)
    else:
        day = format_date(local, lang)
    return t("closed.opens", lang, time=f"{local:%H:%M}", day=day)


def _describe(kiosk: m.Kiosk, screen: m.Screen, frame: Frame) -> _Message:
    lang = kiosk.lang
    if isinstance(screen, m.PrinterScreen):
        ticket = m.unprinted_ticket(screen)
        if ticket is not None:
            return _describe_unprinted(kiosk, screen, ticket, frame)
        key = f"printer.{screen.kind}" if screen.kind in m.PRINTER_TROUBLE else "printer.offline"
        msg = _Message(PAPER, "printer", t(key, lang), [t("printer.body", lang)],
                       detail=kiosk.printer_detail, until=screen.until)
        if screen.number:
            msg.highlight = t("printer.unprinted", lang, number=screen.number)
        else:
            msg.lines.append(t("printer.back", lang))
        return msg
    if isinstance(screen, m.OfflineScreen):
        return _Message(OFFLINE, "offline", t("offline.title", lang),
                        [t("offline.body", lang), t("offline.help", lang)],
                        highlight=t("offline.retrying", lang), detail=screen.detail,
                        spinner=True)
    if isinstance(screen, m.ClosedScreen):
        lines = [screen.detail] if screen.detail else []
        highlight = _opens_text(screen.opens_at, frame.wall, lang) if screen.opens_at else ""
        lines.append(t("closed.body", lang))
        return _Message(CLOSED, "clock", t("closed.title", lang), lines, highlight=highlight)
    if isinstance(screen, m.Refusal):
        words = screen.detail or t(screen.key or "refused.server_error", lang)
        return _Message(REFUSED, "warning", t("refused.title", lang), [words],
                        until=screen.until)
    if isinstance(screen, m.Busy):
        seconds = max(1, int(screen.until - frame.now + 0.999))
        return _Message(BUSY, "hourglass", t("busy.title", lang),
                        [t("busy.body", lang, s=seconds)], until=screen.until)
    return _Message(OFFLINE, "warning", t("refused.title", lang), [])


def _describe_unprinted(kiosk: m.Kiosk, screen: m.PrinterScreen, ticket: TicketOut,
                        frame: Frame) -> _Message:
    """The printer screen naming a ticket that did not print (the hall keeps numbers off
    screen otherwise): amber while the printer cannot print, green once "In lại" works."""
    lang = kiosk.lang
    if kiosk.can_reprint(frame.now):
        return _Message(PRIORITY, "printer_ready", t("printer.ready", lang),
                        [screen.note] if screen.note else [],
                        highlight=t("reprint.touch", lang, number=ticket.number),
                        until=screen.until, reprint=True)
    if kiosk.paper_missing():
        kind = kiosk.printer
        lines = [t("printer.body", lang)]
        title = t(f"printer.{kind}" if kind in m.PRINTER_TROUBLE else "printer.offline", lang)
    else:
        lines = [t("reprint.offline", lang)] if kiosk.is_offline(frame.now) else []
        title = t("printer.ready", lang)
    if screen.note:
        lines.append(screen.note)
    return _Message(PAPER, "printer", title, lines,
                    highlight=t("printer.unprinted", lang, number=ticket.number),
                    detail=kiosk.printer_detail, until=screen.until, reprint=False)


def _message(canvas: Canvas, kiosk: m.Kiosk, screen: m.Screen, frame: Frame) -> None:
    lang = kiosk.lang
    msg = _describe(kiosk, screen, frame)
    lay = canvas.layout
    top = _body_top(canvas) + canvas.px(10)
    left, right = canvas.px(MARGIN), canvas.w - canvas.px(MARGIN)
    bottom = canvas.h - canvas.px(MARGIN)
    done = pygame.Rect(right - canvas.px(340), bottom - canvas.px(BAR_H), canvas.px(340),
                       canvas.px(BAR_H))
    reprint = pygame.Rect(0, done.top, canvas.px(REPRINT_W), done.height)
    reprint.right = done.left - canvas.px(GAP)
    countdown_y = done.centery
    if msg.until is not None:
        bottom -= canvas.px(BAR_H) + canvas.px(GAP)
        if msg.reprint is not None and reprint.left - left < canvas.px(500):
            # narrow: "In lại" takes the rest of the row, the countdown goes above it
            reprint = pygame.Rect(left, done.top, done.left - canvas.px(GAP) - left,
                                  done.height)
            countdown_y = bottom - canvas.px(30)
            bottom -= canvas.px(60)
    panel = pygame.Rect(left, top, right - left, bottom - top)
    canvas.panel(panel, msg.color)
    pad = canvas.px(60)
    icon_side = canvas.px(300 if not lay.portrait else 260)
    if lay.portrait:
        icon_rect = pygame.Rect(0, 0, icon_side, icon_side)
        icon_rect.midtop = (panel.centerx, panel.top + pad)
        text = pygame.Rect(panel.left + pad, icon_rect.bottom + pad, panel.width - 2 * pad,
                           panel.bottom - icon_rect.bottom - 2 * pad)
        align = "center"
    else:
        icon_rect = pygame.Rect(0, 0, icon_side, icon_side)
        icon_rect.midleft = (panel.left + pad + canvas.px(20), panel.centery)
        text = pygame.Rect(icon_rect.right + pad + canvas.px(20), panel.top + pad,
                           panel.right - icon_rect.right - 2 * pad - canvas.px(20),
                           panel.height - 2 * pad)
        align = "left"
    _icon(canvas, msg, icon_rect, frame)
    blocks: list[tuple[str, str, float, Color, int]] = [(msg.title, "Bold", 68, WHITE, 2)]
    blocks += [(line, "Medium", 42, WHITE, 4) for line in msg.lines]
    if msg.highlight:
        blocks.append((msg.highlight, "Bold", 46, GOLD, 3))
    # measure, then centre the whole text column vertically
    spacing = canvas.px(30)
    heights = []
    for body, weight, size, _, max_lines in blocks:
        font, lines = canvas.fit(body, weight, size, text.width, max_lines, size * 0.55)
        heights.append(font.get_linesize() * (len(lines) - 1) + font.get_height())
    total = sum(heights) + spacing * (len(blocks) - 1)
    y = text.top + max(0, (text.height - total) // 2)
    for (body, weight, size, color, max_lines), height in zip(blocks, heights, strict=True):
        canvas.block(body, weight, size, color, pygame.Rect(text.left, y, text.width, height),
                     max_lines=max_lines, align=align, valign="top", min_size=size * 0.55)
        y += height + spacing
    if msg.detail:
        canvas.block(msg.detail, "Regular", 22, (226, 232, 240),
                     pygame.Rect(panel.left + pad, panel.bottom - canvas.px(50),
                                 panel.width - 2 * pad, canvas.px(36)),
                     max_lines=1, align="left", min_size=14)
    if msg.until is not None:
        remaining = max(0, int(msg.until - frame.now + 0.999))
        canvas.text(t("ticket.back_in", lang, s=remaining), "Medium", 32, MUTED,
                    x=left, y=countdown_y, anchor="midleft")
        # beside "In lại" (green), "Xong" is blue as on the ticket screen
        done_color = msg.color if msg.reprint is None else SERVICE
        canvas.button("done", done, done_color, pressed=frame.pressed == "done")
        canvas.block(t("btn.done", lang), "Bold", 48, WHITE, done, max_lines=1)
        if msg.reprint is not None:
            _reprint_button(canvas, lang, reprint, frame, enabled=msg.reprint)


def _icon(canvas: Canvas, msg: _Message, rect: pygame.Rect, frame: Frame) -> None:
    surface = canvas.surface
    if msg.icon == "printer":
        icons.printer(surface, rect, WHITE, msg.color)
    elif msg.icon == "printer_ready":
        icons.printer(surface, rect, WHITE, msg.color, warning=False)
    elif msg.icon == "offline":
        icons.no_signal(surface, rect, WHITE)
    elif msg.icon == "clock":
        icons.clock(surface, rect, WHITE)
    elif msg.icon == "hourglass":
        icons.hourglass(surface, rect.inflate(-rect.width // 5, 0), WHITE)
    else:
        icons.warning(surface, rect, WHITE, msg.color)
    if msg.spinner:
        icons.spinner(surface, (rect.centerx, rect.bottom + canvas.px(70)), canvas.px(34),
                      WHITE, (120, 134, 156), frame.now)
