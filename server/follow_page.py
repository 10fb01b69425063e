"""The QR page `/q/{ticket}`: what a citizen's phone shows after scanning the ticket.

Mobile first, as the kiosk: the hall's name, the number in very large type, the service, the
people ahead and the estimate, and once called "Mời Ông/Bà đến quầy 5A" in a banner. Vietnamese
first, English second, on every line. Nothing personal: the number, the service and the queue
(docs/security.md). The page carries no inline script or style (the pages' CSP); the small
script /static/follow.js fetches this same page every few seconds and swaps its `#live` part,
so the words are written once, here. Without JavaScript a `<noscript>` refresh does the same.
"""

from __future__ import annotations

from html import escape
from typing import Any

from contracts.hall_config import HallConfig
from server.engine.words import STATE_VI

POLL_S = 5  # how often the page asks again (follow.js reads it from data-poll)

_STATES_EN = {"waiting": "Waiting", "transferred": "Waiting (transferred)", "called": "Called",
              "serving": "Being served", "served": "Served", "no_show": "Missed the call",
              "cancelled": "Cancelled", "expired": "Expired"}
# The Vietnamese names are the server's one definition (server/engine/words.py).
STATES: dict[str, tuple[str, str]] = {code: (STATE_VI[code], en)
                                      for code, en in _STATES_EN.items()}
# The page stops asking once nothing can change; a no-show can still be called back by
# number ("Gọi số…", for a citizen who returns), so that page keeps asking.
FINAL = {"served", "cancelled", "expired"}


def minutes_text(seconds: int) -> tuple[str, str]:
    """A wait that cannot be misread: "12 phút", "1 giờ 5 phút" / "12 min", "1 h 5 min"."""
    m = max(1, -(-int(seconds) // 60))  # whole minutes, rounded up: never "0 phút"
    h, m = divmod(m, 60)
    if not h:
        return f"{m} phút", f"{m} min"
    if not m:
        return f"{h} giờ", f"{h} h"
    return f"{h} giờ {m} phút", f"{h} h {m} min"


def _two(vi: str, en: str, cls: str = "") -> str:
    """A line in Vietnamese with its English below, smaller."""
    c = f" {cls}" if cls else ""
    return (f"<p class='line{c}'><span class=vi>{vi}</span>"
            f"<span class=en lang=en>{en}</span></p>")


def live_part(cfg: HallConfig, info: dict[str, Any] | None) -> str:
    """The part of the page that changes (`#live`); `data-state` tells follow.js to stop
    asking once the ticket's day is over for it."""
    if info is None:
        return ("<section id=live data-state=missing>"
                + _two("Không tìm thấy số thứ tự này.", "This ticket was not found.", "note")
                + "</section>")
    state = info["state"]
    svc = cfg.service(info["service"])
    name, name_en = (svc.name, svc.name_en) if svc else (info["service"], info["service"])
    vi_state, en_state = STATES.get(state, (state, state))
    parts = [
        f"<section id=live data-state='{escape(state)}'>",
        "<p class=label><span class=vi>Số thứ tự của Ông/Bà</span>"
        "<span class=en lang=en>Your number</span></p>",
        f"<h1 id=number class=number>{escape(info['number'])}</h1>",
        f"<p id=service class=service><span class=vi>{escape(name)}</span>"
        f"<span class=en lang=en>{escape(name_en)}</span></p>",
    ]
    counter = info.get("counter")
    if state == "called" and counter:
        c = escape(str(counter))
        parts.append("<div id=call class='banner call' role=alert>"
                     + _two(f"Mời Ông/Bà đến quầy <b>{c}</b>", f"Please go to counter <b>{c}</b>")
                     + "</div>")
    elif state == "serving" and counter:
        c = escape(str(counter))
        parts.append("<div id=call class='banner serving'>"
                     + _two(f"Đang được phục vụ tại quầy <b>{c}</b>",
                            f"Being served at counter <b>{c}</b>") + "</div>")
    elif state in ("waiting", "transferred"):
        ahead = int(info["ahead"])
        if ahead:
            wait_vi, wait_en = minutes_text(info["estimated_wait_s"])
            est = _two(f"Dự kiến chờ khoảng <b>{wait_vi}</b>", f"About <b>{wait_en}</b> to wait",
                       "estimate")
        else:
            est = _two("Ông/Bà là người kế tiếp", "You are next", "estimate")
        parts.append(
            "<div id=queue class=queue>"
            f"<div class=ahead><b id=ahead>{ahead}</b>"
            "<span><span class=vi>người đang chờ trước Ông/Bà</span>"
            "<span class=en lang=en>ahead of you</span></span></div>"
            f"{est}</div>")
    parts.append(f"<div id=state class='status {escape(state)}'>"
                 + _two(vi_state, en_state) + "</div>")
    if state in ("waiting", "transferred"):
        parts.append(_two("Vui lòng theo dõi màn hình và loa gọi số trong sảnh.",
                          "Watch the hall's screens and listen for your number.", "note"))
    elif state == "no_show":
        parts.append(_two("Nếu Ông/Bà vẫn ở sảnh, vui lòng báo cán bộ tại quầy để được gọi lại.",
                          "If you are still in the hall, tell an officer to be called again.",
                          "note"))
    parts.append("</section>")
    return "".join(parts)


def page(cfg: HallConfig, ticket_id: int, info: dict[str, Any] | None) -> str:
    """The whole page: the hall, the live part, the updating note."""
    hall = escape(cfg.hall.name)
    hall_en = escape(cfg.hall.name_en)
    final = info is None or info["state"] in FINAL
    refresh = "" if final else (f"<noscript><meta http-equiv=refresh content={POLL_S * 3}>"
                                "</noscript>")
    return (
        "<!doctype html><html lang=vi><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        "<link rel=icon href='data:,'>"
        f"<title>{escape(info['number']) + ' — ' if info else ''}{hall}</title>"
        "<link rel=stylesheet href='/static/follow.css'>"
        f"<script type=module src='/static/follow.js'></script>{refresh}</head>"
        f"<body class=follow data-ticket='{ticket_id}' data-poll='{POLL_S}'>"
        f"<header class=hall><span class=logo aria-hidden=true>L</span><div>"
        f"<p class=hall-name>{hall}</p>"
        + (f"<p class=hall-en lang=en>{hall_en}</p>" if hall_en else "")
        + "</div></header><main>"
        + live_part(cfg, info)
        + "<p id=updated class=updated hidden></p>"
        "<p id=offline class=offline hidden role=status>"
        "<span class=vi>Mất kết nối — đang thử lại…</span>"
        "<span class=en lang=en>Offline — retrying…</span></p>"
        "</main><footer class=foot><span class=vi>Trang này tự cập nhật. Không cần tải lại.</span>"
        "<span class=en lang=en>This page updates itself.</span></footer></body></html>"
    )
