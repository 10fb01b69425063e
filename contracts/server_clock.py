"""The hall's time as the server keeps it, for the screens that show a clock.

Boards and kiosks show the time on screen and the kiosk decides "open / closed" by it; the
server stamps every snapshot (`now`) and event (`at`). Following those stamps makes every
screen agree with the panels and the tickets, even on a PC whose clock drifted, or in a demo
whose server runs a fast fake clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

# Events are stamped at their commit, a few ms before they arrive: only a real difference
# moves the clock, so the seconds on screen do not stutter.
FOLLOW_ABOVE_S = 1.0


class ServerClock:
    def __init__(self) -> None:
        self.offset_s = 0.0  # the server's clock minus this machine's

    def follow(self, message: Mapping[str, Any]) -> None:
        """Takes the stamp of a snapshot or of a numbered event; ignores anything else."""
        if message.get("type") == "snapshot":
            stamp = message.get("now")
        elif message.get("seq") is not None:
            stamp = message.get("at")
        else:
            return  # a passing state (device health) or garbage: not a clock
        if not isinstance(stamp, str):
            return
        try:
            server = datetime.fromisoformat(stamp)
        except ValueError:
            return
        if server.tzinfo is None:
            return
        offset = (server - datetime.now(UTC)).total_seconds()
        if abs(offset - self.offset_s) > FOLLOW_ABOVE_S:
            self.offset_s = offset

    def now(self, zone: tzinfo = UTC) -> datetime:
        return (datetime.now(UTC) + timedelta(seconds=self.offset_s)).astimezone(zone)
