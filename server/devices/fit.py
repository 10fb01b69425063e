"""Fit a ticket number and a counter label into what an LED display can show.

Panels show digits, A-Z, space and '-' (docs/serial-bus.md), a fixed number of characters;
Modbus displays show a plain number. The hall file may hold labels such as "Đ1" or numbers
longer than a 4-digit panel: rather than refuse (and leave the panel dark), show the part
that fits and let the caller log why once.
"""

from __future__ import annotations

import unicodedata

from drivers.bus.protocol import TEXT_CHARS

IDLE = ""
"""A counter with nobody called: digits blank, its label still lit so citizens can find it."""
PAUSED = "----"
"""A paused counter: dashes, the usual sign of a closed window."""


def _ascii_upper(text: str) -> str:
    """"Đ1" -> "D1", "5a" -> "5A": drop tone marks and anything a panel has no segment for."""
    text = unicodedata.normalize("NFC", text).replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in plain.upper() if c in TEXT_CHARS)


def fit_number(number: str, width: int) -> tuple[str, str | None]:
    """(text to show, a warning or None). Too long: the last `width` characters, which keep the
    running number; the service prefix is what is lost."""
    text = _ascii_upper(number)
    warning = None
    if text != number.upper():
        warning = f"number {number!r} has characters the display lacks; showing {text!r}"
    if len(text) > width:
        warning = (f"number {number!r} is longer than the display's {width} characters; "
                   f"showing {text[-width:]!r} (set `digits` on the device entry)")
        text = text[-width:]
    return text, warning


def fit_label(label: str, counter: int, width: int) -> tuple[str, str | None]:
    """The counter's label if it fits, else its number, else nothing (with a warning)."""
    if width <= 0:
        return "", None
    text = _ascii_upper(label)
    if text and len(text) <= width:
        return text, None
    number = str(counter)
    if len(number) <= width:
        return number, (f"counter label {label!r} does not fit {width} characters; "
                        f"showing the counter number {number}")
    return "", f"neither the label {label!r} nor the number {counter} fits {width} characters"


def modbus_number(number: str | None, digits: int) -> tuple[int, str | None]:
    """What a Modbus number display shows: the ticket's digits (0 when idle or paused)."""
    if not number:
        return 0, None
    only = "".join(c for c in number if c.isascii() and c.isdigit())
    warning = None
    if only != number:
        warning = f"number {number!r} is not all digits; showing {only or '0'!r}"
    if len(only) > digits:
        warning = (f"number {number!r} is longer than the display's {digits} digits; "
                   f"showing {only[-digits:]!r}")
        only = only[-digits:]
    return int(only or 0), warning
