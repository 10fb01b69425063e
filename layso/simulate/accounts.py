"""The tokens the simulated people use: kiosks issue tickets, each counter's call keypad
calls and finishes, each counter's rating box rates, an admin moves the server's clock.

Counters act through call keypads (device tokens bound to the counter), not officer logins:
an officer's login costs an Argon2 check and the server allows 30 logins a minute from one
address, which a 60-counter hall would spend in the first minute. Officer logins work too
(`Login` entries are signed in again when their token expires on the simulated clock).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from contracts.hall_config import HallConfig


class AccountsError(Exception):
    """Accounts missing or unreadable; `str()` says which and how to make them."""


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    counter: int | None = None


@dataclass
class Accounts:
    admin: str  # moves the clock, reads the daily report, issues when kiosks are throttled
    kiosks: list[str]
    counters: dict[int, str]  # call keypad (or officer) token per counter
    ratings: dict[int, str] = field(default_factory=dict)  # rating box token per counter
    logins: dict[str, Login] = field(default_factory=dict)  # token role -> how to sign in again

    def check(self, cfg: HallConfig) -> None:
        missing = [c.number for c in cfg.counters if c.number not in self.counters]
        if missing:
            raise AccountsError(
                f"no token for counters {', '.join(map(str, missing))}: register a call keypad "
                "per counter (`layso device add kp1 --kind keypad --counter 1`) and list the "
                "tokens in the accounts file, or give --server-db so the simulator registers "
                "its own")

    @classmethod
    def load(cls, path: Path | str) -> Accounts:
        """From JSON: {"admin": T, "kiosks": [T…], "counters": {"1": T…}, "ratings": {…}}."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(admin=str(data["admin"]), kiosks=[str(t) for t in data.get("kiosks", [])],
                       counters={int(k): str(v) for k, v in data["counters"].items()},
                       ratings={int(k): str(v) for k, v in data.get("ratings", {}).items()})
        except OSError as exc:
            raise AccountsError(f"{path}: cannot read the accounts file: {exc.strerror}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AccountsError(f"{path}: not an accounts file ({exc!r}); expected JSON like "
                                '{"admin": "…", "kiosks": ["…"], "counters": {"1": "…"}, '
                                '"ratings": {"1": "…"}}') from None


def device_plan(cfg: HallConfig, prefix: str, kiosks: int) -> list[tuple[str, str, int | None]]:
    """(name, kind, counter) for the simulator's kiosks, call keypads and rating boxes."""
    plan: list[tuple[str, str, int | None]] = [(f"{prefix}-kiosk-{i}", "kiosk", None)
                                               for i in range(1, kiosks + 1)]
    for c in cfg.counters:
        plan.append((f"{prefix}-keypad-{c.number}", "keypad", c.number))
        plan.append((f"{prefix}-rating-{c.number}", "rating", c.number))
    return plan


def register(db_url: str, config: Path, cfg: HallConfig, *, kiosks: int = 4,
             admin: bool = True) -> tuple[dict[str, str], Login | None]:
    """Register the simulator's devices (and an admin user) in the hall's database, as
    `layso device add` and `layso user add` do; names carry a random suffix so that several
    runs on one database do not collide. Returns the device tokens and the admin's login."""
    from layso.servers import make_accounts

    prefix = f"sim-{secrets.token_hex(3)}"
    login = Login(f"{prefix}-admin", secrets.token_urlsafe(18)) if admin else None
    users = [(login.username, "admin", login.password)] if login else []
    tokens = make_accounts(db_url, config, devices=device_plan(cfg, prefix, kiosks), users=users)
    return tokens, login


def accounts_from_tokens(cfg: HallConfig, tokens: dict[str, str], admin_token: str,
                         kiosks: int = 4) -> Accounts:
    prefix = next(name for name in tokens if name.endswith("-kiosk-1"))[: -len("-kiosk-1")]
    return Accounts(
        admin=admin_token,
        kiosks=[tokens[f"{prefix}-kiosk-{i}"] for i in range(1, kiosks + 1)],
        counters={c.number: tokens[f"{prefix}-keypad-{c.number}"] for c in cfg.counters},
        ratings={c.number: tokens[f"{prefix}-rating-{c.number}"] for c in cfg.counters},
    )


def prepare_accounts(db_url: str, config: Path, cfg: HallConfig, *,
                     kiosks: int = 4) -> Accounts:
    """Everything the simulator needs on a hall's database (a running server picks new
    devices and users up at once): its kiosks, a call keypad and a rating box per counter,
    and an admin it signs in as on first use (and again when the login expires)."""
    tokens, admin = register(db_url, config, cfg, kiosks=kiosks)
    accounts = accounts_from_tokens(cfg, tokens, "", kiosks)
    assert admin is not None
    accounts.logins["admin"] = admin
    return accounts
