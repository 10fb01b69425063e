"""Command-line options of the voice, shared by `layso say` and `layso display`."""

from __future__ import annotations

import argparse
import os
import unicodedata
from pathlib import Path

from display.voice.numbers import ViOptions
from display.voice.pack import DEFAULT_PACK
from display.voice.speech import Language, SpeechOptions

# ASCII spellings a technician can type on any keyboard
_ALIASES = {"bon": "bốn", "tu": "tư", "linh": "linh", "le": "lẻ", "nghin": "nghìn",
            "ngan": "ngàn"}


def _variant(*allowed: str):
    def parse(text: str) -> str:
        value = unicodedata.normalize("NFC", text.strip().lower())
        value = _ALIASES.get(value, value)
        if value not in allowed:
            raise argparse.ArgumentTypeError(f"choose {' or '.join(allowed)} "
                                             f"(ASCII spellings work too), not {text!r}")
        return value
    return parse


def add_voice_options(parser: argparse.ArgumentParser, *, pack: bool = True) -> None:
    """The voice's options; `pack=False` when the command names the pack its own way."""
    group = parser.add_argument_group("voice")
    if pack:
        group.add_argument("--pack", default=os.environ.get("LAYSO_VOICE_PACK")
                           or DEFAULT_PACK, metavar="PACK",
                           help="voice pack: a shipped pack's name or a folder with "
                           "manifest.json (env LAYSO_VOICE_PACK; default: %(default)s)")
    group.add_argument("--voice-clips", dest="clips", type=Path, metavar="DIR",
                       default=os.environ.get("LAYSO_VOICE_CLIPS") or None,
                       help="a folder of the hall's own recorded clips laid over the pack "
                       "(env LAYSO_VOICE_CLIPS); see docs/voice.md")
    group.add_argument("--four", type=_variant("bốn", "tư"), default="bốn",
                       help="4 after mươi: bốn (default, hai mươi bốn) or tư (hai mươi tư)")
    group.add_argument("--empty-tens", type=_variant("linh", "lẻ"), default="linh",
                       help="empty tens place: linh (default, một trăm linh năm) or lẻ")
    group.add_argument("--thousand", type=_variant("nghìn", "ngàn"), default="nghìn",
                       help="thousands: nghìn (default) or ngàn")
    group.add_argument("--number-style", choices=("whole", "digits"), default="whole",
                       help="Vietnamese ticket numbers as a whole number (default: một nghìn "
                       "không trăm hai mươi ba) or digit by digit (một không hai ba)")
    group.add_argument("--en-number-style", choices=("digits", "whole"), default="digits",
                       help="English ticket numbers digit by digit (default: one zero two "
                       "three) or whole (one thousand and twenty-three)")
    group.add_argument("--no-chime", action="store_true", help="no chime before a call")


def speech_options(args: argparse.Namespace, languages: tuple[Language, ...]) -> SpeechOptions:
    return SpeechOptions(
        vi=ViOptions(four_after_tens=args.four, empty_tens=args.empty_tens,
                     thousand=args.thousand),
        vi_number_style=args.number_style,
        en_number_style=args.en_number_style,
        languages=languages,
        chime=not args.no_chime,
    )
