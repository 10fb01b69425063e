"""`layso kiosk`: run the citizen touchscreen kiosk, or render its screens with `--shots`.

pygame is imported only in `run`, so `layso --help` stays instant.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from common.device_token import TokenError, add_token_options, resolve_token
from contracts.hall_config import DEFAULT_CONFIG, HallConfig, HallConfigError, load_hall_config

if TYPE_CHECKING:
    from kiosk.journal import Journal

log = logging.getLogger("kiosk")
TOKEN_ENV = "LAYSO_KIOSK_TOKEN"


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected WIDTHxHEIGHT, e.g. 1920x1080") from None
    if not (320 <= w <= 8192 and 320 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"{text!r}: each side must be 320..8192 pixels")
    return w, h


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", help="the queue server, e.g. http://10.0.0.2:8000")
    # the token (made by `layso device add NAME --kind kiosk`): env LAYSO_KIOSK_TOKEN,
    # --token-file, or --token (warned: `ps` shows it)
    add_token_options(parser, TOKEN_ENV, "kiosk")
    parser.add_argument("--printer", help="ticket printer URL: tcp://HOST:9100, "
                        "serial:///dev/ttyUSB0?baud=19200, usb://VID:PID or file:///PATH")
    parser.add_argument("--config", type=Path,
                        default=Path(os.environ.get("LAYSO_CONFIG") or DEFAULT_CONFIG),
                        help="the hall's TOML file: kiosk limits, priority groups, dossier "
                        "code pattern (env LAYSO_CONFIG; default: the demo hall)")
    parser.add_argument("--fullscreen", action="store_true",
                        help="take the whole screen and hide the pointer (production)")
    parser.add_argument("--width", type=int, choices=(58, 80), default=80,
                        help="paper width in mm (default 80)")
    parser.add_argument("--print-mode", choices=("raster", "text"), default="raster",
                        help="raster prints the ticket as a picture (any printer, the same "
                        "as the screen); text sends characters in a Vietnamese code page "
                        "(fewer bytes on a slow serial line)")
    parser.add_argument("--size", type=_size, default=None,
                        help="window size WIDTHxHEIGHT (default 1920x1080; full screen uses "
                        "the display's own size)")
    parser.add_argument("--scanner", help="a serial receipt scanner: device path or pyserial "
                        "URL (USB scanners that type like a keyboard need no option)")
    parser.add_argument("--scanner-baud", type=int, default=9600)
    parser.add_argument("--shots", type=Path, metavar="DIR",
                        help="render every screen to PNG files in DIR and exit (no server or "
                        "printer needed)")
    parser.add_argument("--state-dir", type=Path, metavar="DIR",
                        default=os.environ.get("LAYSO_KIOSK_STATE_DIR") or None,
                        help="where the kiosk keeps its journal of tickets in flight, so a "
                        "kiosk killed mid-print reports them when it starts again (env "
                        "LAYSO_KIOSK_STATE_DIR; default var/kiosk/<hash of the token>/)")
    parser.add_argument("--live-shots", type=Path, metavar="DIR",
                        help="run live and save the screen to DIR/kiosk.png every few seconds "
                        "(for a machine with no screen)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log I/O details")


def _load_config(path: Path) -> HallConfig:
    return load_hall_config(path)


def _fail(message: str) -> int:
    print(f"layso kiosk: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.verbose:  # the kiosk's own I/O; python-escpos logs every connection at INFO
        logging.getLogger("kiosk").setLevel(logging.INFO)
    try:
        config = _load_config(args.config)
    except HallConfigError as exc:
        return _fail(str(exc))
    if args.shots:
        from kiosk.shots import render_shots

        written = render_shots(args.shots, config, args.size or (1920, 1080), args.width)
        for path in written:
            print(path)
        return 0
    try:
        args.token = resolve_token(args, TOKEN_ENV, "layso kiosk")
    except TokenError as exc:
        return _fail(str(exc))
    missing = [flag for flag, value in (("--server", args.server),
                                        (f"--token-file (or {TOKEN_ENV})", args.token),
                                        ("--printer", args.printer)) if not value]
    if missing:
        return _fail(f"missing {', '.join(missing)} (or use --shots DIR to render the screens)")
    return _run_kiosk(args, config)


def _run_kiosk(args: argparse.Namespace, config: HallConfig) -> int:
    from kiosk.client import check_server_url

    try:
        server = check_server_url(args.server)
    except ValueError as exc:
        return _fail(str(exc))
    try:
        from drivers.printer.url import parse_printer_url

        parse_printer_url(args.printer)
    except ValueError as exc:
        return _fail(str(exc))

    from kiosk.journal import Journal, JournalBusy, default_state_dir

    state_dir = args.state_dir or default_state_dir(args.token)
    try:
        journal = Journal.open(state_dir)
    except JournalBusy as exc:
        return _fail(str(exc))
    log.info("journal in %s: %d entr%s from the last run", state_dir, len(journal),
             "y" if len(journal) == 1 else "ies")
    try:
        return _run_app(args, config, server, journal)
    finally:
        journal.close()


def _run_app(args: argparse.Namespace, config: HallConfig, server: str,
             journal: Journal) -> int:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from kiosk import machine as m
    from kiosk.app import KioskApp
    from kiosk.hall import hall_from_config
    from kiosk.printing import DriverPrinter
    from kiosk.scanner import SerialScanner
    from kiosk.worker import KioskIO

    pygame.display.init()
    pygame.font.init()
    if args.fullscreen:
        surface = pygame.display.set_mode(args.size or (0, 0), pygame.FULLSCREEN)
        pygame.mouse.set_visible(False)
    else:
        surface = pygame.display.set_mode(args.size or (1920, 1080), pygame.RESIZABLE)
    pygame.display.set_caption(f"Layso — {config.hall.name}")
    settings = m.Settings(per_minute=config.queue.kiosk_per_minute,
                          show_on_screen_when_no_paper=config.queue.show_on_screen_when_no_paper)
    kiosk = m.Kiosk(hall=hall_from_config(config), settings=settings, now=0.0)
    app = KioskApp(kiosk, surface, zone=config.zone, width_mm=args.width,
                   allow_escape=not args.fullscreen)
    kiosk.now = app.clock()
    kiosk.offline_since = kiosk.now
    printer = DriverPrinter(args.printer, args.width, args.print_mode)
    io = KioskIO(server, args.token, printer, app.post, journal=journal)
    app.effects = io.submit
    if args.live_shots:
        from common.live_shots import PeriodicShots

        app.shots = PeriodicShots(args.live_shots, "kiosk")
    scanner = None
    if args.scanner:
        scanner = SerialScanner(args.scanner, lambda code: app.post(m.Scanned(code)),
                                baud=args.scanner_baud)
    io.start()
    if scanner:
        scanner.start()
    # systemd and friends stop a kiosk with SIGTERM: finish the frame and close cleanly
    signal.signal(signal.SIGTERM, lambda *_: app.stop())
    try:
        return app.run()
    finally:
        if scanner:
            scanner.stop()
        io.stop()
        printer.close()
        pygame.quit()
