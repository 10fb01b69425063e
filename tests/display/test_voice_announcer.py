"""The call queue: calls never overlap and are never cut off, a recall is spoken again, a
counter's newer call replaces its older one still waiting. The player in the first tests is
gated by the test (no sleeps, no timing); the last test plays through pygame.mixer itself."""

from __future__ import annotations

import threading

import pytest

from display.voice.announcer import Announcer, Call, render_call
from display.voice.audio import Audio
from display.voice.pack import VoicePack
from display.voice.players import PygamePlayer, WavDirPlayer
from display.voice.speech import SpeechError, SpeechOptions

WAIT = 10  # seconds: a bound for a broken test, never a measurement


class GatedPlayer:
    """Records every start and end; each play waits until the test opens its gate."""

    def __init__(self) -> None:
        self.log: list[tuple[str, bytes]] = []
        self.active = 0
        self.max_active = 0
        self.started = threading.Semaphore(0)
        self.gates: list[threading.Event] = []
        self.stopped_early = 0
        self._lock = threading.Lock()

    def play(self, audio: Audio, stop: threading.Event) -> None:
        gate = threading.Event()
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.log.append(("start", audio.frames))
            self.gates.append(gate)
        self.started.release()
        while not gate.wait(0.01):
            if stop.is_set():
                self.stopped_early += 1
                break
        with self._lock:
            self.active -= 1
            self.log.append(("end", audio.frames))

    def release_next(self) -> None:
        assert self.started.acquire(timeout=WAIT), "the announcer did not start playing"
        with self._lock:
            gate = next(g for g in self.gates if not g.is_set())
        gate.set()

    def close(self) -> None:
        pass


OPTS = SpeechOptions(word_gap_ms=5, phrase_gap_ms=5, chime_gap_ms=5)


@pytest.fixture
def pack(synth_pack) -> VoicePack:
    return VoicePack.load(synth_pack)


def _audio(pack: VoicePack, call: Call) -> bytes:
    return render_call(call, pack, OPTS).frames


def test_a_new_call_waits_for_the_one_being_spoken(pack) -> None:
    player = GatedPlayer()
    announcer = Announcer(pack, player, OPTS)
    a, b, c = Call("1001", 1, "1"), Call("2002", 2, "2"), Call("3003", 3, "3")
    try:
        announcer.announce(a)
        assert player.started.acquire(timeout=WAIT)
        player.started.release()  # (release_next acquires it again)
        announcer.announce(b)
        announcer.announce(c)
        assert announcer.pending() == [b, c]  # a is still being spoken, b and c wait
        for _ in range(3):
            player.release_next()
        assert announcer.wait_idle(WAIT)
    finally:
        announcer.close()
    assert player.max_active == 1
    assert player.stopped_early == 0
    assert player.log == [
        ("start", _audio(pack, a)), ("end", _audio(pack, a)),
        ("start", _audio(pack, b)), ("end", _audio(pack, b)),
        ("start", _audio(pack, c)), ("end", _audio(pack, c)),
    ]


def test_a_recall_is_announced_again(pack) -> None:
    player = GatedPlayer()
    spoken: list[Call] = []
    announcer = Announcer(pack, player, OPTS, on_spoken=spoken.append)
    call = Call("1023", 5, "5A")
    try:
        announcer.announce(call)
        player.release_next()
        assert announcer.wait_idle(WAIT)
        announcer.announce(Call("1023", 5, "5A", recall=True))
        player.release_next()
        assert announcer.wait_idle(WAIT)
    finally:
        announcer.close()
    assert [c.recall for c in spoken] == [False, True]
    starts = [frames for kind, frames in player.log if kind == "start"]
    recall = Call("1023", 5, "5A", recall=True)
    assert starts == [_audio(pack, call), _audio(pack, recall)]  # "Mời lại công dân …"
    assert _audio(pack, recall) != _audio(pack, call)


def test_a_counters_newer_call_replaces_its_waiting_one(pack) -> None:
    player = GatedPlayer()
    announcer = Announcer(pack, player, OPTS)
    first = Call("1001", 1, "1")
    try:
        announcer.announce(first)
        assert player.started.acquire(timeout=WAIT)
        player.started.release()
        announcer.announce(Call("2001", 2, "2"))
        announcer.announce(Call("3001", 3, "3"))
        announcer.announce(Call("2002", 2, "2"))  # counter 2 moved on before being spoken
        assert announcer.pending() == [Call("2002", 2, "2"), Call("3001", 3, "3")]
        announcer.announce(Call("1002", 1, "1"))  # counter 1's first call is being spoken:
        assert announcer.pending()[-1] == Call("1002", 1, "1")  # the new one waits its turn
        for _ in range(4):
            player.release_next()
        assert announcer.wait_idle(WAIT)
    finally:
        announcer.close()
    assert player.max_active == 1


def test_closing_cuts_the_current_call_short_and_drops_the_queue(pack) -> None:
    player = GatedPlayer()
    announcer = Announcer(pack, player, OPTS)
    announcer.announce(Call("1", 1, "1"))
    assert player.started.acquire(timeout=WAIT)
    announcer.announce(Call("2", 2, "2"))
    announcer.close()
    assert player.stopped_early == 1
    assert [k for k, _ in player.log] == ["start", "end"]
    announcer.announce(Call("3", 3, "3"))  # after close: ignored, no error
    assert announcer.pending() == []


def test_an_unspeakable_call_is_refused_when_queued(pack) -> None:
    announcer = Announcer(pack, GatedPlayer(), OPTS)
    try:
        with pytest.raises(SpeechError):
            announcer.announce(Call("12#", 1, "1"))
        assert announcer.pending() == []
    finally:
        announcer.close()


def test_wav_dir_player_keeps_each_announcement(pack, tmp_path) -> None:
    announcer = Announcer(pack, WavDirPlayer(tmp_path / "out"), OPTS)
    try:
        announcer.announce(Call("15", 1, "1"))
        announcer.announce(Call("16", 2, "2"))
        assert announcer.wait_idle(WAIT)
    finally:
        announcer.close()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0001.wav", "0002.wav"]


class ObservedPygamePlayer(PygamePlayer):
    """The real mixer, watched: was its channel still busy when a new call began?"""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.busy_at_start: list[bool] = []
        self.finished_busy: list[bool] = []
        self.order: list[bytes] = []

    def play(self, audio: Audio, stop: threading.Event) -> None:
        self.busy_at_start.append(self._channel.get_busy())
        self.order.append(audio.frames)
        super().play(audio, stop)
        self.finished_busy.append(self._channel.get_busy())


def test_through_pygame_mixer_calls_play_one_after_another(pack) -> None:
    import pygame

    player = ObservedPygamePlayer(pack.format)
    assert pygame.mixer.get_init() is not None
    announcer = Announcer(pack, player, OPTS)
    calls = [Call("101", 1, "1"), Call("202", 2, "2"), Call("303", 3, "3A")]
    try:
        for call in calls:
            announcer.announce(call)
        assert announcer.wait_idle(WAIT)
    finally:
        announcer.close()
    assert player.busy_at_start == [False, False, False]  # nothing was cut off or overlaid
    assert player.finished_busy == [False, False, False]  # each played to its end
    assert player.order == [_audio(pack, c) for c in calls]
