"""`layso say NUMBER COUNTER`: speak a call, write it to a WAV file, or print its words.

    layso say 1023 5A --text            # Mời công dân có số thứ tự một nghìn … đến quầy số năm A
    layso say 1023 5A --text --lang en  # Ticket number one zero two three, please go to counter …
    layso say 1023 5A --out call.wav    # the announcement as the hall would hear it
    layso say 1023 5A                   # play it on this machine's speaker
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from display.voice.options import add_voice_options, speech_options
from display.voice.speech import Language, SpeechError, call_text

_LANGS: dict[str, tuple[Language, ...]] = {"vi": ("vi",), "en": ("en",), "both": ("vi", "en")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (parser.description or "") + (
        ": a ticket number and a counter label (5, 5A) → the announcement")
    parser.add_argument("number", help="the ticket number as printed, e.g. 1023 or A001")
    parser.add_argument("counter", help="the counter label as shown, e.g. 5 or 5A")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--out", type=Path, metavar="FILE.wav", help="write the announcement")
    what.add_argument("--text", action="store_true",
                      help="print the words it would speak, one line, and play nothing")
    parser.add_argument("--recall", action="store_true",
                        help="the words of a recall (Mời lại công dân …)")
    parser.add_argument("--lang", choices=tuple(_LANGS), default="vi",
                        help="vi (default), en, or both (Vietnamese then English)")
    add_voice_options(parser)


def run(args: argparse.Namespace) -> int:
    languages = _LANGS[args.lang]
    try:
        options = speech_options(args, languages)
        if args.text:
            for language in languages:
                print(call_text(args.number, args.counter, language, options,
                                recall=args.recall))
            return 0
        return _speak(args, options)
    except SpeechError as exc:
        print(f"layso say: {exc}", file=sys.stderr)
        return 2


def _speak(args: argparse.Namespace, options) -> int:
    from display.voice.announcer import Call, render_call
    from display.voice.audio import AudioError
    from display.voice.pack import VoicePack, VoicePackError
    from display.voice.vocabulary import required_clips

    try:
        pack = VoicePack.load(args.pack, overlay=args.clips,
                              required=required_clips(options.languages, options.vi))
    except VoicePackError as exc:
        print(f"layso say: {exc}", file=sys.stderr)
        return 1
    audio = render_call(Call(args.number, 0, args.counter, args.recall), pack, options)
    if args.out:
        try:
            audio.write(args.out)
        except (OSError, AudioError) as exc:
            print(f"layso say: cannot write {args.out}: {exc}", file=sys.stderr)
            return 1
        print(f"{args.out}: {audio.duration_s:.2f} s, {audio.format.describe()}")
        return 0
    from display.voice.players import PlayerError, PygamePlayer

    try:
        player = PygamePlayer(pack.format)
    except PlayerError as exc:
        print(f"layso say: {exc}", file=sys.stderr)
        return 1
    player.play(audio, threading.Event())
    player.close()
    return 0
