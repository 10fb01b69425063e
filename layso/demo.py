"""`layso demo`: the whole hall live on one machine, with no hardware.

The server runs on SQLite on a movable clock; every device of the hall is simulated (counter
LED panels, the hall LED board, call keypads and rating boxes on one RS-485 line over a real
pseudo-terminal; the kiosk's ticket printer on a TCP port); the board and the kiosk run as
their own processes (in windows where there is a screen, saving screenshots to a folder where
there is none); and the hall-day simulator plays citizens and officers at a chosen speed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from contracts.hall_config import DEFAULT_CONFIG, HallConfig, load_hall_config, parse_hall_config
from layso.demo_receipts import DemoReceipts
from layso.demo_summary import announce_handover as _announce_handover
from layso.demo_summary import day_summary
from layso.servers import ROOT, ServerProcess, login, make_accounts

PASSWORD = "layso-demo"
BOARD_ADDRESS = 100
WATCH_S = 0.5  # real seconds between looks at who holds the counters (a person took one over)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=Path(os.environ.get("LAYSO_CONFIG")
                                                            or DEFAULT_CONFIG),
                        help="the hall (default: the demo hall, open around the clock)")
    parser.add_argument("--port", type=int, default=8000, help="the server's port (0: any)")
    parser.add_argument("--speed", default="30",
                        help="simulated seconds per real second (default 30), or 'fast'")
    parser.add_argument("--citizens", type=int, default=300,
                        help="citizens expected over the simulated day (default 300)")
    parser.add_argument("--start", default="07:30", help="the simulated day starts at HH:MM")
    parser.add_argument("--folder", type=Path, default=Path("var/demo"),
                        help="database, screenshots, receipts and voice (wiped at start)")
    parser.add_argument("--no-apps", action="store_true", help="no board and kiosk processes")
    parser.add_argument("--exit-when-done", action="store_true",
                        help="stop when the simulated day ends (default: keep the hall up)")
    parser.add_argument("--seed", default="1")


@dataclass
class Hardware:
    """The simulated devices, and the hall file's entries that point the server at them."""

    line: object
    printer_server: object
    panels: dict[int, object]
    devices: list[dict] = field(default_factory=list)

    @classmethod
    def start(cls, cfg: HallConfig, receipts: Path) -> Hardware:
        from simulators.bus.devices import SimBoard, SimKeypad, SimPanel, SimRatingBox
        from simulators.bus.line import SimLine
        from simulators.printer.device import PrinterSimulator
        from simulators.printer.server import TcpPrinterServer

        sims: list = []
        panels: dict[int, object] = {}
        entries: list[dict] = []
        levels = len(cfg.rating.levels)
        for c in cfg.counters:
            panel = SimPanel(c.number, digits=4, name=f"panel-{c.label}")
            panels[c.number] = panel
            sims += [panel, SimKeypad(20 + c.number, name=f"keypad-{c.label}"),
                     SimRatingBox(40 + c.number, levels=levels, name=f"rating-{c.label}")]
            entries += [
                {"name": f"panel-{c.label}", "kind": "led_panel", "address": c.number,
                 "counter": c.number, "digits": 4},
                {"name": f"keypad-{c.label}", "kind": "keypad", "address": 20 + c.number,
                 "counter": c.number},
                {"name": f"rating-{c.label}", "kind": "rating_box", "address": 40 + c.number,
                 "counter": c.number, "levels": levels},
            ]
        sims.append(SimBoard(BOARD_ADDRESS, lines=4, name="hall-board"))
        entries.append({"name": "hall-board", "kind": "led_board", "address": BOARD_ADDRESS,
                        "lines": 4})
        line = SimLine(sims, baud=9600)
        port = line.start()
        for e in entries:
            e.update(port=port, baud=9600)
        printer = TcpPrinterServer(PrinterSimulator(80, out_dir=receipts), port=0).start()
        return cls(line, printer, panels, entries)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.printer_server.stop()
        with contextlib.suppress(Exception):
            self.line.stop()


def _demo_hall(cfg: HallConfig, devices: list[dict], url: str,
               esystem: dict | None = None, messages: Path | None = None) -> HallConfig:
    data = cfg.model_dump(mode="json")
    data["devices"] = devices
    if esystem is not None:  # the demo's simulated e-system (config/demo.toml keeps "none")
        data["esystem"] = esystem
    data["hall"]["public_url"] = url
    if messages is not None and data["notify"]["kind"] == "log":
        data["notify"]["log_file"] = str(messages)  # the codes citizens get, to read
    # Simulated citizens take tickets through the API at many times real speed: lift the
    # per-kiosk guard (the kiosk app keeps its own limit).
    data["queue"]["kiosk_per_minute"] = 1_000_000
    return parse_hall_config(data)


def _spawn_app(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    return subprocess.Popen([sys.executable, "-m", "layso", *args], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def run(args: argparse.Namespace) -> int:
    from layso.simulate.accounts import accounts_from_tokens, register
    from layso.simulate.driver import Pacing
    from layso.simulate.hallfile import write_hall_file
    from layso.simulate.session import Demand, build_plan, run_async, simulate_on

    try:
        speed = None if args.speed == "fast" else float(args.speed)
        hh, mm = (int(x) for x in args.start.split(":"))
    except ValueError:
        print("layso demo: --speed is a number or 'fast'; --start is HH:MM", file=sys.stderr)
        return 2
    base = load_hall_config(args.config)
    folder = args.folder
    shutil.rmtree(folder, ignore_errors=True)
    for sub in ("shots", "receipts", "voice", "logs"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    port = args.port or _free_port()
    url = f"http://127.0.0.1:{port}"

    hardware = Hardware.start(base, folder / "receipts")
    esystem = _start_esystem()
    procs: list[subprocess.Popen] = []
    server = None
    receipts = None
    try:
        cfg = _demo_hall(base, hardware.devices, url, _esystem_entry(esystem),
                         (folder / "messages.log").resolve())
        hall_file = write_hall_file(cfg, folder / "hall.toml")
        db = f"sqlite:///{(folder / 'hall.sqlite3').resolve()}"
        now = datetime.now(cfg.zone)
        start = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
        tokens = make_accounts(
            db, hall_file,
            devices=[("kiosk-1", "kiosk", None), ("hall-tv", "display", None),
                     *[(f"tablet-{c.number}", "rating", c.number) for c in cfg.counters]],
            users=[*[(f"canbo{c.number}", "officer", PASSWORD) for c in cfg.counters],
                   ("quanly", "manager", PASSWORD)])
        sim_tokens, admin = register(db, hall_file, cfg, kiosks=2)
        server = ServerProcess.spawn(db, hall_file, port=port,
                                     extra=["--fake-clock", start.isoformat()])
        accounts = accounts_from_tokens(cfg, sim_tokens, login(url, admin.username,
                                                               admin.password), 2)
        accounts.logins["admin"] = admin
        _welcome(cfg, url, tokens, folder, headless, speed, esystem)
        _remote_numbers(cfg, url)
        if not args.no_apps:
            shots = ["--live-shots", str(folder / "shots")] if headless else []
            voice = ["--voice-out", str(folder / "voice")] if headless else []
            from common.device_token import write_token_file

            # tokens in files at 0600, not on the command line, where `ps` shows them to all
            board_tf, kiosk_tf = (str(write_token_file(folder / "tokens" / f"{n}.token",
                                                       tokens[n])) for n in ("hall-tv", "kiosk-1"))
            procs.append(_spawn_app(["display", "--server", url, "--token-file", board_tf,
                                     *shots, *voice], folder / "logs" / "board.log"))
            procs.append(_spawn_app(["kiosk", "--server", url, "--token-file", kiosk_tf,
                                     "--printer", hardware.printer_server.url,
                                     "--config", str(hall_file),
                                     "--state-dir", str(folder / "kiosk-state"), *shots],
                                    folder / "logs" / "kiosk.log"))
        built = build_plan(cfg, start.date(), Demand(per_day=args.citizens), seed=args.seed)
        stop = asyncio.Event()
        receipts = DemoReceipts(hardware.printer_server.url)

        def progress(p) -> None:
            local = p.at.astimezone(cfg.zone)
            print(f"  {local:%H:%M}  issued {p.issued:>4}  served {p.served:>4}  waiting "
                  f"{p.waiting:>3}  counters busy {p.busy_counters}", flush=True)

        async def day() -> object:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGINT, stop.set)
            loop.add_signal_handler(signal.SIGTERM, stop.set)
            return await simulate_on(url, accounts, built.plan, Pacing(speed=speed),
                                     on_progress=progress, progress_every_s=1800, stop=stop,
                                     watch_s=WATCH_S, on_ticket=receipts.submit,
                                     on_handover=_announce_handover(cfg))

        result = run_async(day())
        print("\n" + day_summary(result), flush=True)
        if not result.stopped and not args.exit_when_done:
            print("The hall stays up for you to try; Ctrl+C stops it.", flush=True)
            _wait_for_ctrl_c()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        print("Stopping the hall…", flush=True)
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if server is not None:
            server.stop()
        if receipts is not None:
            left = receipts.close()
            print(f"Receipts: {receipts.printed} printed to {folder / 'receipts'}"
                  + (f", {left} not yet printed" if left else "")
                  + (f", {receipts.failed} failed (first: {receipts.first_error})"
                     if receipts.failed else ""), flush=True)
        hardware.stop()
        esystem.stop()
        print("Stopped.", flush=True)


def _start_esystem():  # -> SimThread
    """The simulated one-stop e-system (OpenCPS REST) the demo hall looks dossiers up in."""
    from simulators.esystem.app import SimThread, make_state

    return SimThread(make_state()).start()


def _esystem_entry(sim) -> dict:  # noqa: ANN001 - a SimThread
    st = sim.state
    return {"kind": "opencps", "url": sim.url, "group_id": st.group_id,
            "username": st.username, "password": st.password}


def _wait_for_ctrl_c() -> None:
    done = False

    def stop(*_: object) -> None:
        nonlocal done
        done = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not done:
        time.sleep(0.2)


def _free_port() -> int:
    from layso.servers import free_port

    return free_port()


def _remote_numbers(cfg: HallConfig, url: str) -> None:
    """A few citizens take their number from a phone before the day's walk-ins."""
    from layso.demo_remote import take_remote_numbers

    services = [s.code for s in cfg.services if s.remote]
    if not services or cfg.notify.kind != "log":
        return
    try:
        got = take_remote_numbers(url, Path(cfg.notify.log_file), services)
    except Exception as exc:  # the demo goes on without them
        print(f"  (remote numbers: {exc})", flush=True)
        return
    numbers = ", ".join(t["number"] for t in got)
    print(f"  from phones   {url}/dat-lich   took {numbers} (codes in "
          f"{cfg.notify.log_file})", flush=True)


def _welcome(cfg: HallConfig, url: str, tokens: dict[str, str], folder: Path, headless: bool,
             speed: float | None, esystem=None) -> None:  # noqa: ANN001 - a SimThread
    first = cfg.counters[0].number
    pace = "as fast as it can" if speed is None else f"{speed:g}× real time"
    lines = [
        f"Layso demo — {cfg.hall.name}",
        f"  server        {url}   (API docs: {url}/docs)",
        f"  officer panel {url}/panel      sign in as canbo{first} … canbo"
        f"{cfg.counters[-1].number} / {PASSWORD}",
        f"  manager       {url}/manage     sign in as quanly / {PASSWORD}",
        f"  rating tablet {url}/rate/{first}?token={tokens[f'tablet-{first}']}",
        "  simulated officers work every counter; to take one over, sign in at it on the "
        "panel:",
        "    its simulated officer stops there (the citizen it had called is yours) and works "
        "it again when you sign out",
        f"  a simulated day runs at {pace}; the devices are simulated on a pseudo-terminal",
        *([f"  e-system      {esystem.url}   (simulated OpenCPS, {len(esystem.state.dossiers)} "
           f"dossiers; try {url}/api/v1/dossiers/{esystem.sample()} signed in)"]
          if esystem is not None else []),
        f"  every ticket prints on the simulated printer: receipts in {folder / 'receipts'}",
    ]
    if headless:
        lines.append(f"  no screen here: the board and kiosk save screenshots to "
                     f"{folder / 'shots'}, the voice to {folder / 'voice'}")
    lines.append("  Ctrl+C stops everything.\n")
    print("\n".join(lines), flush=True)



