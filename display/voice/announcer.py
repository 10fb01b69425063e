"""The call queue: one speaker, one call at a time, in order, never cut off.

`announce()` returns at once; a worker thread speaks the queue. Rules:
- a call being spoken is never interrupted by a newer one;
- a recall is a new announcement (the number is spoken again);
- while a call still waits its turn, a newer call (or recall) from the *same counter* takes
  its place: the counter has moved on, and sending a citizen to a counter that now expects
  someone else does harm (so a recall of a call not yet spoken is spoken once).
The pack is checked against every clip the chosen options can need when the announcer is
built, so a missing clip stops the board at start, not at the first call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from display.voice.audio import Audio
from display.voice.compose import compose
from display.voice.pack import VoicePack
from display.voice.players import Player
from display.voice.speech import SpeechOptions, call_script
from display.voice.vocabulary import required_clips

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Call:
    """One announcement to make."""

    number: str
    counter: int
    counter_label: str
    recall: bool = False


def render_call(call: Call, pack: VoicePack, options: SpeechOptions) -> Audio:
    """The audio of one call (chime, Vietnamese, then English when enabled)."""
    audio, _ = compose(call_script(call.number, call.counter_label, options,
                                   recall=call.recall), pack)
    return audio


class Announcer:
    def __init__(self, pack: VoicePack, player: Player, options: SpeechOptions | None = None,
                 *, on_spoken: Callable[[Call], None] | None = None) -> None:
        self.options = options or SpeechOptions()
        pack.check(required_clips(self.options.languages, self.options.vi))
        self.pack = pack
        self.player = player
        self._on_spoken = on_spoken
        self._pending: list[tuple[Call, Audio]] = []
        self._speaking: Call | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
        self._thread.start()

    def announce(self, call: Call) -> None:
        """Queue `call`; raises `SpeechError` at once if it cannot be spoken."""
        audio = render_call(call, self.pack, self.options)
        with self._cond:
            if self._closed:
                return
            for i, (waiting, _) in enumerate(self._pending):
                if waiting.counter == call.counter:
                    log.info("call %s at counter %s replaces %s, not yet spoken",
                             call.number, call.counter_label, waiting.number)
                    self._pending[i] = (call, audio)
                    break
            else:
                self._pending.append((call, audio))
            self._cond.notify_all()

    def pending(self) -> list[Call]:
        with self._cond:
            return [c for c, _ in self._pending]

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or being spoken; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and self._speaking is None,
                                       timeout)

    def close(self, timeout: float = 2.0) -> None:
        """Stop speaking (cutting the current call short) and end the worker."""
        with self._cond:
            self._closed = True
            self._pending.clear()
            self._cond.notify_all()
        self._stop.set()
        self._thread.join(timeout)
        self.player.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._closed)
                if self._closed:
                    return
                call, audio = self._pending.pop(0)
                self._speaking = call
            log.info("speaking %s → %s%s (%.1f s)", call.number, call.counter_label,
                     ", again" if call.recall else "", audio.duration_s)
            try:
                self.player.play(audio, self._stop)
            except Exception:  # a sound fault must not silence every later call
                log.exception("could not play the call of %s", call.number)
            if self._on_spoken:
                self._on_spoken(call)
            with self._cond:
                self._speaking = None
                self._cond.notify_all()
