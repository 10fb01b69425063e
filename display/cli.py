"""`layso display`: the hall board (a pygame window or the full screen) and its voice.

    layso display --server http://192.168.1.10:8000 --token-file /etc/layso/board.token --fullscreen
    LAYSO_TOKEN=T layso display --server URL --layout portrait --counters 1-20 --english
    LAYSO_TOKEN=T layso display --server URL --audio-only  # the voice alone, e.g. on the server
    layso display --shots shots/                           # PNGs of every board state, no server
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from common.device_token import TokenError, add_token_options, resolve_token
from display.model import BoardFilter, parse_counters, parse_services
from display.voice.options import add_voice_options, speech_options

log = logging.getLogger("layso.display")
TOKEN_ENV = "LAYSO_TOKEN"


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1920x1080") from None
    if w < 320 or h < 240:
        raise argparse.ArgumentTypeError("the window must be at least 320x240")
    return w, h


def _counters(text: str) -> frozenset[int]:
    try:
        return parse_counters(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _services(text: str) -> frozenset[str]:
    try:
        return parse_services(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", default=os.environ.get("LAYSO_SERVER")
                        or "http://127.0.0.1:8000",
                        help="the queue server (env LAYSO_SERVER; default: %(default)s)")
    # the token from `layso device add NAME --kind display`: env LAYSO_TOKEN, --token-file,
    # or --token (warned: `ps` shows it)
    add_token_options(parser, TOKEN_ENV, "board")
    parser.add_argument("--layout", choices=("landscape", "portrait"),
                        help="16:9 or 9:16 (default: from the screen's shape)")
    parser.add_argument("--rotate", type=int, choices=(0, 90, 270), default=0,
                        help="turn the picture for a TV hung on its side whose output is not "
                        "rotated (degrees clockwise)")
    parser.add_argument("--size", type=_size, metavar="WxH",
                        help="window size when not full screen (default 1280x720, or 720x1280 "
                        "for portrait)")
    parser.add_argument("--fullscreen", action="store_true", help="use the whole screen")
    parser.add_argument("--counters", type=_counters, metavar="LIST",
                        help="show only these counters, e.g. 1-10,12 (a board per area)")
    parser.add_argument("--services", type=_services, metavar="CODES",
                        help="show only these services, e.g. HT,CT")
    parser.add_argument("--english", action="store_true",
                        help="English subtitles on the board and each call spoken in English "
                        "after Vietnamese")
    parser.add_argument("--voice", default=os.environ.get("LAYSO_VOICE_PACK") or "vi-espeak",
                        metavar="PACK|off",
                        help="voice pack name or folder, or off (env LAYSO_VOICE_PACK; "
                        "default: %(default)s)")
    parser.add_argument("--audio-only", action="store_true",
                        help="no window: follow the hall and speak its calls (for the "
                        "machine that has the hall's loudspeakers)")
    parser.add_argument("--voice-out", type=Path, metavar="DIR",
                        help="write each announcement to DIR/0001.wav, 0002.wav… instead of "
                        "playing it (to check what the board says)")
    parser.add_argument("--shots", type=Path, metavar="DIR",
                        help="render the board's states to PNG files in DIR from sample data "
                        "(no server needed) and exit")
    parser.add_argument("--live-shots", type=Path, metavar="DIR",
                        help="run live and save the screen to DIR/board.png every few seconds "
                        "(for a machine with no screen)")
    parser.add_argument("--config", type=Path, default=None,
                        help="hall TOML for --shots sample data (default: the demo hall)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log the link and voice")
    add_voice_options(parser, pack=False)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if args.shots:
        return _shots(args)
    try:
        args.token = resolve_token(args, TOKEN_ENV, "layso display")
    except TokenError as exc:
        print(f"layso display: {exc}", file=sys.stderr)
        return 2
    if not args.token:
        print(f"layso display: a device token is required: set {TOKEN_ENV} or use --token-file "
              "PATH (a display device token: `layso device add hall-tv --kind display`)",
              file=sys.stderr)
        return 2
    from display.client import HallClient

    try:
        client = HallClient(args.server, args.token)
    except ValueError as exc:
        print(f"layso display: {exc}", file=sys.stderr)
        return 2
    announcer = None
    if args.voice.lower() != "off":
        announcer = _announcer(args)
        if announcer is None:
            return 1
    from display.app import BoardApp, run_audio_only, run_window

    filt = BoardFilter(counters=args.counters, services=args.services)
    client.start()
    try:
        if args.audio_only:
            return run_audio_only(BoardApp(None, client=client, announcer=announcer, filt=filt))
        import pygame

        from display.render import Renderer

        pygame.init()
        portrait = args.layout == "portrait"
        size = args.size or ((720, 1280) if portrait and not args.rotate else (1280, 720))
        renderer = Renderer(size, orientation=args.layout, english=args.english)
        app = BoardApp(renderer, client=client, announcer=announcer, filt=filt)
        shots = None
        if args.live_shots:
            from common.live_shots import PeriodicShots

            shots = PeriodicShots(args.live_shots, "board")
        return run_window(app, size=size, fullscreen=args.fullscreen, rotate=args.rotate,
                          shots=shots)
    finally:
        client.stop()
        if announcer is not None:
            announcer.close()


def _announcer(args: argparse.Namespace):
    """The voice, with its pack checked now (a missing clip stops the board at start)."""
    from display.voice.announcer import Announcer
    from display.voice.pack import VoicePack, VoicePackError
    from display.voice.players import Player, PlayerError, PygamePlayer, WavDirPlayer
    from display.voice.vocabulary import required_clips

    options = speech_options(args, ("vi", "en") if args.english else ("vi",))
    try:
        pack = VoicePack.load(args.voice, overlay=args.clips,
                              required=required_clips(options.languages, options.vi))
        player: Player = (WavDirPlayer(args.voice_out) if args.voice_out
                          else PygamePlayer(pack.format))
    except (VoicePackError, PlayerError, OSError) as exc:
        print(f"layso display: {exc}\n(--voice off runs the board without sound)",
              file=sys.stderr)
        return None
    return Announcer(pack, player, options)


def _shots(args: argparse.Namespace) -> int:
    from contracts.hall_config import HallConfigError
    from display.shots import write_shots

    try:
        paths = write_shots(args.shots, config_path=args.config, english=args.english)
    except HallConfigError as exc:
        print(f"layso display: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0
