"""The hall file's `[notify]` (the notification gateway) and `[citizens]` (what a citizen may
do from a phone): their own module so that the hall file's main schema stays readable.

Per service, `remote` and `remote_daily_cap` sit in `[[services]]` (contracts/hall_config.py).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Notify(_Strict):
    """Where messages to citizens go. `log`: appended to `log_file` (and the server log), for a
    demo or a hall without a gateway yet; `webhook`: `POST {url}` with JSON `{to, text, kind}`
    (DESIGN.md, "Citizens before the hall")."""

    kind: Literal["log", "webhook"] = "log"
    log_file: str = Field(default="var/messages.log", description="kind log: the file")
    url: str | None = Field(default=None, description="kind webhook: where to POST")
    token: str | None = Field(default=None, description="sent as Authorization: Bearer")
    token_env: str | None = Field(default=None, description="or the name of an environment "
                                  "variable that holds it")

    @model_validator(mode="after")
    def _needs_url(self) -> Notify:
        if self.kind == "webhook" and not (self.url or "").startswith(("http://", "https://")):
            raise ValueError("url: kind = \"webhook\" needs an http:// or https:// url")
        return self


class Citizens(_Strict):
    """Limits of the public endpoints (`/api/v1/public/*`), counted across all processes."""

    per_phone_per_service: int = Field(default=1, ge=1, le=10, description="remote numbers a "
                                       "day per phone and service")
    per_phone_per_day: int = Field(default=2, ge=1, le=20, description="remote numbers a day "
                                   "per phone")
    otp_ttl_s: int = Field(default=300, ge=60, le=1800)
    otp_max_tries: int = Field(default=5, ge=1, le=10)
    otp_lock_s: int = Field(default=900, ge=60, le=86400)
    otp_per_phone: int = Field(default=3, ge=1, le=20, description="codes sent to one phone "
                               "per otp_lock_s")
    per_address_per_minute: int = Field(default=20, ge=1, le=1000)
    keep_phone_days: int = Field(default=1, ge=0, le=30, description="a remote ticket's phone "
                                 "is erased after the end of this many days after its day")
