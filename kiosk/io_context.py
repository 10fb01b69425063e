"""What the kiosk's I/O jobs share: the loop they run on, the way back to the state machine,
the server client and the journal's writer.

The server client is made on the I/O thread when it starts (its connections belong to that
loop), so the jobs, made earlier, reach it through `server()`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from kiosk import machine as m
from kiosk.client import ServerClient
from kiosk.journal_io import JournalWriter

Post = Callable[[m.Event], None]


@dataclass
class IOContext:
    loop: asyncio.AbstractEventLoop
    post: Post
    journal: JournalWriter
    client: ServerClient | None = None

    def server(self) -> ServerClient:
        assert self.client is not None, "the kiosk's I/O thread has not started"
        return self.client
