"""Vietnamese mobile numbers in the spellings people type, kept as E.164 (`+84…`)."""

from __future__ import annotations

import re

from server.engine.errors import BadInput

_SEPARATORS = re.compile(r"[\s.\-()]")
# A mobile's national number: 9 digits after the 0 (or 84), starting 3, 5, 7, 8 or 9.
_NATIONAL = re.compile(r"^[35789][0-9]{8}$")


def normalise_phone(raw: str) -> str:
    """`0912345678`, `+84912345678`, `84912345678` (spaces, dots, dashes allowed) →
    `+84912345678`; anything else is refused (422) with the spellings accepted."""
    text = _SEPARATORS.sub("", raw or "")
    if text.startswith("+84"):
        national = text[3:]
    elif text.startswith("84") and len(text) == 11:
        national = text[2:]
    elif text.startswith("0"):
        national = text[1:]
    else:
        national = ""
    if not (national.isascii() and _NATIONAL.match(national)):
        raise BadInput("Số điện thoại di động không hợp lệ; hãy nhập dạng 0912345678. (Not a "
                       "Vietnamese mobile number; write it as 0912345678 or +84912345678.)",
                       field="phone")
    return "+84" + national


def masked(phone: str) -> str:
    """For logs and staff: the last three digits only."""
    return "•" * max(0, len(phone) - 3) + phone[-3:]
