"""`layso bench`: one run of figures on this machine, printed as a table and saved as JSON.

Figures are for comparing (ratios against targets and against the physical limit of a serial
line); no test asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from layso.servers import ROOT, ServerProcess, login, make_accounts

BENCH_HALL = ROOT / "config" / "bench.toml"
PASSWORD = "bench-password-1"
TARGETS = {"issue_tps_32": 1000, "issue_p99_ms": 50, "board_p99_ms_500": 20,
           "busy_day_wall_s": 60, "rss_mb_500": 200, "led_ratio": 1.5,
           "history_ratio": 1.2}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", type=Path, default=Path("var/bench-results.json"))
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["postgres", "busy-day", "led", "board", "history", "esystem"],
                        help="leave out a part (board: the call → board figures; history: "
                        "ticket, next and snapshot after a year of history and with 5,000 "
                        "waiting; esystem: dossier lookups through the server with the "
                        "simulated e-system)")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw",
                        help="the kiosks' HTTP client for the issue figures: raw (a lean "
                        "HTTP/1.1 client, default) or httpx (costs the shared CPU more than the "
                        "server does; the figures before 2026-11-23 used it)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL server for the multi-process figures")


def _accounts(server: ServerProcess, kiosks: int) -> dict:
    devices = [(f"bench-kiosk-{i}", "kiosk", None) for i in range(kiosks)]
    devices.append(("bench-board", "display", None))
    tokens = make_accounts(server.db_url, server.config, devices=devices,
                           users=[("bench-officer", "officer", PASSWORD)])
    tokens["officer"] = login(server.url, "bench-officer", PASSWORD, counter=1)
    return tokens


def _run_async(coro):
    """The load generator's event loop: uvloop when installed (it is with uvicorn[standard]),
    so the generator takes less of the CPU the server shares."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


async def _server_figures(server: ServerProcess, quick: bool, label: str,
                          board: bool = True, client: str = "raw") -> dict:
    from layso.bench.boards import call_to_board
    from layso.bench.load import issue_load

    tokens = _accounts(server, 32)
    kiosks = [tokens[f"bench-kiosk-{i}"] for i in range(32)]
    out: dict = {"issue": [], "call_to_board": []}
    for c in (1, 8, 32):
        n = (300 if quick else 1500) * (1 if c == 1 else 2)
        r = await issue_load(server.url, kiosks[:c], n, client)
        print(f"  [{label}] issue, {c:>2} kiosks: {r['tickets_per_s']:>7} tickets/s, "
              f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms", flush=True)
        out["issue"].append(r)
    for clients in (1, 100, 500) if board else ():
        calls = 20 if quick else 60
        r = await call_to_board(server.url, server.ws_url, tokens["bench-board"], kiosks[0],
                                tokens["officer"], 1, clients, calls)
        r["server_rss_mb"] = round(server.rss_bytes() / 2**20, 1)
        print(f"  [{label}] call → board, {clients:>3} clients, from the request: p50 "
              f"{r['from_request']['p50_ms']} ms, p99 {r['from_request']['p99_ms']} ms "
              f"(from the answer: p99 {r['from_answer']['p99_ms']} ms), delivered "
              f"{r['delivered']}/{r['expected']}, RSS {r['server_rss_mb']} MB", flush=True)
        out["call_to_board"].append(r)
    return out


def _pg_database(base: str) -> str | None:
    import uuid

    try:
        import psycopg

        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            name = f"layso_bench_{uuid.uuid4().hex[:8]}"
            conn.execute(f'CREATE DATABASE "{name}"')
        return base.rsplit("/", 1)[0] + "/" + name
    except Exception as exc:
        print(f"  PostgreSQL not reachable ({exc}); skipping its figures")
        return None


def run(args: argparse.Namespace) -> int:
    results: dict = {"machine": _machine(), "targets": TARGETS}
    with tempfile.TemporaryDirectory(prefix="layso-bench-") as tmp:
        print("SQLite, 1 server process", flush=True)
        server = ServerProcess.spawn(f"sqlite:///{tmp}/bench.sqlite3", BENCH_HALL)
        try:
            results["sqlite"] = _run_async(_server_figures(
                server, args.quick, "sqlite", "board" not in args.skip, args.client))
        finally:
            server.stop()
        if "history" not in args.skip:
            results["history"] = _history(args.quick)
        if "esystem" not in args.skip:
            from layso.bench.esystem import run_esystem

            print("dossier lookups through the server, simulated OpenCPS e-system", flush=True)
            results["esystem"] = run_esystem(BENCH_HALL, args.quick)
        if "led" not in args.skip:
            results["call_to_led"] = _led(args.quick)
        if "busy-day" not in args.skip:
            results["busy_day"] = _busy_day(args.quick)
        if "postgres" not in args.skip:
            for workers in (1, 4):
                url = _pg_database(args.pg)
                if url is None:
                    break
                print(f"PostgreSQL, {workers} server process(es)", flush=True)
                extra = ["--workers", str(workers)] if workers > 1 else []
                server = ServerProcess.spawn(url, BENCH_HALL, extra=extra)
                try:
                    results[f"postgres_{workers}"] = _run_async(
                        _server_figures(server, args.quick, f"pg×{workers}",
                                        "board" not in args.skip, args.client))
                except Exception as exc:  # one part failing must not lose the others
                    print(f"  [pg×{workers}] failed: {exc!r}", flush=True)
                    results[f"postgres_{workers}"] = {"error": repr(exc)}
                finally:
                    server.stop()
    results["verdict"] = _verdict(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    _table(results)
    print(f"\nJSON: {args.json}")
    return 0


def _led(quick: bool) -> dict:
    try:
        from layso.bench.devices import measure_call_to_led
    except ImportError:
        return {"skipped": "the device manager's measurement is not installed"}
    print("call → LED panel (simulated RS-485 line at 9600 baud)", flush=True)
    r = measure_call_to_led(20 if quick else 50)
    print(f"  median {r['from_answer_median_ms']} ms, p99 {r['from_answer_p99_ms']} ms; frame "
          f"line time {r['frame_line_ms']} ms (ratio {r['from_answer_median_ratio']})",
          flush=True)
    return r


def _history(quick: bool) -> dict:
    from layso.bench.history import DAYS, run_history

    print(f"history: ticket, next, snapshot after {60 if quick else DAYS} days of a busy hall, "
          "and a ticket with 5,000 waiting (ratios to an empty database / 10 waiting)",
          flush=True)
    return run_history(BENCH_HALL, quick)


def _busy_day(quick: bool) -> dict:
    try:
        from layso.simulate import run_busy_day
    except ImportError:
        return {"skipped": "the hall-day simulator is not installed"}
    print("busy day of a large centre (60 counters)", flush=True)
    t0 = time.perf_counter()
    r = run_busy_day(ROOT / "config" / "provincial.toml", 1000 if quick else 10_000, 1)
    r.setdefault("wall_s", round(time.perf_counter() - t0, 1))
    print(f"  {r.get('wall_s')} s wall, {r.get('tickets_per_s')} tickets/s", flush=True)
    return r


def _verdict(res: dict) -> dict:
    v: dict = {}
    sq = res.get("sqlite")
    if sq:
        i32 = sq["issue"][-1]
        v["issue_tps_32_ratio"] = round(i32["tickets_per_s"] / TARGETS["issue_tps_32"], 2)
        v["issue_p99_ratio"] = round(i32["p99_ms"] / TARGETS["issue_p99_ms"], 2)
    if sq and sq["call_to_board"]:
        b500 = sq["call_to_board"][-1]
        # From the request being sent, not from its answer: the event reaches the boards
        # before the answer does, so "from the answer" is ~0 and would say nothing.
        v["board_p99_500_ratio"] = round(b500["from_request"]["p99_ms"] /
                                         TARGETS["board_p99_ms_500"], 2)
        v["rss_500_ratio"] = round(b500["server_rss_mb"] / TARGETS["rss_mb_500"], 2)
    bd = res.get("busy_day") or {}
    if "wall_s" in bd:
        v["busy_day_ratio"] = round(bd["wall_s"] / TARGETS["busy_day_wall_s"], 2)
    for name, r in (res.get("history") or {}).get("ratios", {}).items():
        v[f"history {name} ratio/1.2"] = round(r["cpu"] / TARGETS["history_ratio"], 2) \
            if r["cpu"] is not None else None
    led = res.get("call_to_led") or {}
    if "from_answer_median_ratio" in led:
        v["led_ratio_vs_limit"] = round(led["from_answer_median_ratio"] / TARGETS["led_ratio"],
                                        2)
    return v


def _table(res: dict) -> None:
    print("\n" + "=" * 78)
    print(f"{'figure':<46}{'value':>16}{'target':>16}")
    print("-" * 78)
    for key in ("sqlite", "postgres_1", "postgres_4"):
        part = res.get(key)
        if not part or "error" in part:
            continue
        for r in part["issue"]:
            print(f"{key + ' issue ' + str(r['kiosks']) + ' kiosks (tickets/s)':<46}"
                  f"{r['tickets_per_s']:>16}{'≥1000' if r['kiosks'] == 32 else '':>16}")
            lat = f"{r['p50_ms']} / {r['p99_ms']}"
            print(f"{'   latency p50 / p99 (ms)':<46}{lat:>16}"
                  f"{'p99 <50' if r['kiosks'] == 32 else '':>16}")
        for r in part["call_to_board"]:
            fa, fr = r["from_answer"], r["from_request"]
            print(f"{key + ' call→board ' + str(r['clients']) + ' clients p50/p99':<46}"
                  f"{str(fr['p50_ms']) + ' / ' + str(fr['p99_ms']):>16}"
                  f"{'p99 <20' if r['clients'] == 500 else '':>16}")
            print(f"{'   (from the answer) p50/p99':<46}"
                  f"{str(fa['p50_ms']) + ' / ' + str(fa['p99_ms']):>16}{'':>16}")
        if part["call_to_board"]:
            print(f"{key + ' RSS with 500 clients (MB)':<46}"
                  f"{part['call_to_board'][-1]['server_rss_mb']:>16}{'<200':>16}")
    led = res.get("call_to_led") or {}
    if "from_answer_median_ratio" in led:
        val = f"{led['from_answer_median_ms']} / {led['from_answer_median_ratio']}×"
        print(f"{'call→LED median (ms) / × frame line time':<46}{val:>16}{'≤1.5×+poll':>16}")
        val = f"{led['from_answer_p99_ms']} / {led['from_answer_p99_ratio']}×"
        print(f"{'call→LED p99 (ms) / × frame line time':<46}{val:>16}{'':>16}")
    hist = res.get("history") or {}
    for name, r in hist.get("ratios", {}).items():
        print(f"{name + ', CPU':<46}{str(r['cpu']) + '×':>16}{'≤1.2×':>16}")
    for r in (res.get("esystem") or {}).get("lookups", []):
        print(f"{'dossier lookups, ' + str(r['kiosks']) + ' kiosk(s) (/s)':<46}"
              f"{r['lookups_per_s']:>16}{'':>16}")
        print(f"{'   kiosk lookup time p50 / p99 (ms)':<46}"
              f"{str(r['p50_ms']) + ' / ' + str(r['p99_ms']):>16}{'<3000':>16}")
    bd = res.get("busy_day") or {}
    if "wall_s" in bd:
        print(f"{'busy day 10,000 tickets: wall (s)':<46}{bd['wall_s']:>16}{'<60':>16}")
        print(f"{'   tickets/s':<46}{bd.get('tickets_per_s', ''):>16}{'':>16}")
    print("-" * 78)
    for k, val in res.get("verdict", {}).items():
        print(f"{k + ' (value/target)':<46}{val:>16}")
    print("=" * 78)


def _machine() -> dict:
    import os
    import platform

    return {"python": sys.version.split()[0], "cpus": os.cpu_count(),
            "platform": platform.platform(), "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
