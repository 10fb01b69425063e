"""Dossier lookups through the server with the simulated e-system (issue 15's figures).

The simulator runs as its own process (`layso sim esystem`), the server as another, and the
kiosks here: `GET /api/v1/dossiers/{code}` for codes of every status, at 1 and 8 kiosks at
once: lookups a second, and the kiosk's lookup time at p50 and p99 (what the citizen waits
after a scan, the e-system's own time included).
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from contracts.hall_config import load_hall_config, parse_hall_config
from layso.bench.stats import summary_ms
from layso.servers import ROOT, ServerProcess, make_accounts, wait_http


def _spawn_sim() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "layso", "sim", "esystem", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = proc.stdout.readline().split()[1]
    wait_http(url, 30, proc=proc)
    return proc, url


async def _load(url: str, tokens: list[str], codes: list[str], n: int) -> dict:
    samples: list[float] = []
    statuses: dict[int, int] = {}
    todo = iter(range(n))

    async def kiosk(token: str) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=10,
                                     headers={"Authorization": f"Bearer {token}"}) as c:
            for i in todo:
                t0 = time.perf_counter()
                r = await c.get(f"/api/v1/dossiers/{codes[i % len(codes)]}")
                samples.append(time.perf_counter() - t0)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

    t0 = time.perf_counter()
    await asyncio.gather(*(kiosk(t) for t in tokens))
    wall = time.perf_counter() - t0
    return {"kiosks": len(tokens), "lookups_per_s": round(n / wall, 1), "statuses": statuses,
            **summary_ms(samples)}


def run_esystem(bench_hall: Path, quick: bool) -> dict:
    sim, sim_url = _spawn_sim()
    try:
        codes = [r["dossierNo"] for r in httpx.get(f"{sim_url}/_sim/dossiers").json()]
        random.Random(15).shuffle(codes)
        with tempfile.TemporaryDirectory(prefix="layso-bench-es-") as tmp:
            from layso.simulate.hallfile import write_hall_file

            data = load_hall_config(bench_hall).model_dump(mode="json")
            data["esystem"] = {"kind": "opencps", "url": sim_url, "group_id": "35402",
                               "username": "layso", "password": "layso-sim",
                               "kiosk_lookups_per_minute": 1_000_000}
            hall = write_hall_file(parse_hall_config(data), Path(tmp) / "hall.toml")
            server = ServerProcess.spawn(f"sqlite:///{tmp}/es.sqlite3", hall)
            try:
                tokens = make_accounts(server.db_url, hall, users=[], devices=[
                    (f"es-kiosk-{i}", "kiosk", None) for i in range(8)])
                kiosks = [tokens[f"es-kiosk-{i}"] for i in range(8)]
                out = []
                for c in (1, 8):
                    n = (200 if quick else 1000) * (1 if c == 1 else 2)
                    r = asyncio.run(_load(server.url, kiosks[:c], codes, n))
                    print(f"  dossier lookups, {c} kiosk(s): {r['lookups_per_s']} /s, p50 "
                          f"{r['p50_ms']} ms, p99 {r['p99_ms']} ms, answers {r['statuses']}",
                          flush=True)
                    out.append(r)
                return {"lookups": out}
            finally:
                server.stop()
    finally:
        sim.terminate()
        sim.wait(timeout=10)
