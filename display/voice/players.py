"""Where announcements are heard: pygame.mixer on this machine, WAV files, or nowhere.

The announcer only needs `play(audio, stop)` that returns when the audio has been heard (or
`stop` was set), so a hall can play the voice on the board's machine, on the server's machine
(run `layso display --audio-only` there), or through anything else that implements it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol

from display.voice.audio import Audio, AudioFormat, convert


class PlayerError(RuntimeError):
    """The sound output cannot be used; the message says what to do."""


class Player(Protocol):
    def play(self, audio: Audio, stop: threading.Event) -> None:
        """Play `audio` to the end, or until `stop` is set; block meanwhile."""

    def close(self) -> None: ...


class PygamePlayer:
    """pygame.mixer on a channel of its own; create it before `pygame.init()` so the mixer
    opens in the pack's format rather than pygame's 44.1 kHz stereo default."""

    def __init__(self, fmt: AudioFormat, *, poll_s: float = 0.01) -> None:
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        import pygame

        self._pygame = pygame
        self._poll_s = poll_s
        if not pygame.mixer.get_init():
            pygame.mixer.pre_init(fmt.rate, -8 * fmt.sample_width, fmt.channels, 1024)
            try:
                pygame.mixer.init()
            except pygame.error as exc:
                raise PlayerError(
                    f"no sound output ({exc}); check the speaker cable and ALSA/PulseAudio, "
                    "or run with --voice off (SDL_AUDIODRIVER=dummy plays into the void)"
                ) from None
        rate, size, channels = pygame.mixer.get_init()
        if abs(size) != 16:
            raise PlayerError(f"the mixer opened with {abs(size)}-bit samples; 16-bit is needed")
        self.format = AudioFormat(rate, channels, 2)
        pygame.mixer.set_reserved(1)
        self._channel = pygame.mixer.Channel(0)

    def play(self, audio: Audio, stop: threading.Event) -> None:
        sound = self._pygame.mixer.Sound(buffer=convert(audio, self.format).frames)
        self._channel.play(sound)
        while self._channel.get_busy():
            if stop.wait(self._poll_s):
                self._channel.stop()
                return

    def close(self) -> None:
        self._channel.stop()


class WavDirPlayer:
    """Writes each announcement to DIR/0001.wav, 0002.wav…: for a technician checking what a
    board would say, and for tests."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def play(self, audio: Audio, stop: threading.Event) -> None:
        self.count += 1
        audio.write(self.folder / f"{self.count:04d}.wav")

    def close(self) -> None:
        pass


class SilentPlayer:
    """Plays nothing, taking no time: `--voice off`."""

    def play(self, audio: Audio, stop: threading.Event) -> None:
        pass

    def close(self) -> None:
        pass
