"""The callers the trust tests play: every role of DESIGN.md, with a real token each.

`officer_here` is the officer signed in at counter 1 (the counter the tests act on);
`officer_other` is signed in at counter 2. The rating and keypad devices belong to counter 1.
"""

from __future__ import annotations

from datetime import datetime

from server import auth
from server.db.database import Database
from tests.support.live import PASSWORD, LiveServer

HERE = 1  # the counter under test
OTHER = 2

ROLES: tuple[str, ...] = ("none", "kiosk", "display", "rating", "keypad", "officer_here",
                          "officer_other", "manager", "admin")
USERS = {"officer_here": ("lan", "officer", HERE), "officer_other": ("minh", "officer", OTHER),
         "manager": ("quanly", "manager", None), "admin": ("quantri", "admin", None)}
DEVICES = {"kiosk": ("kiosk-1", "kiosk", None), "display": ("board-1", "display", None),
           "rating": ("rate-1", "rating", HERE), "keypad": ("keypad-1", "keypad", HERE)}


def tokens(live: LiveServer) -> dict[str, str | None]:
    """A token per role, made the way a hall makes them (devices added, users signed in)."""
    out: dict[str, str | None] = {"none": None}
    for role, (name, kind, counter) in DEVICES.items():
        out[role] = live.device_token(name, kind, counter)
    for role, (name, user_role, counter) in USERS.items():
        out[role] = live.login(name, counter=counter, role=user_role)
    return out


def mint_login(db_url: str, username: str, counter: int | None, now: datetime) -> str:
    """A fresh login token straight from the database: for tests that must not spend the
    per-address login limit (the schema fuzz logs out, and fuzzes the login route itself)."""
    db = Database(db_url)
    try:
        return db.write(lambda s: auth.login(s, username, PASSWORD, counter, now)[1])
    finally:
        db.dispose()


def headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}

