"""Citizens who take their number from a phone in the demo, through the public API (the page
`/dat-lich` does the same): a code is asked for, read back from the log gateway's file (where a
person reads it in the demo), and spent on a number for today."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

DEMO_PHONES = ("0912000001", "0987000002", "0356000003")


def read_code(log_file: Path, phone_e164: str, after: int, timeout_s: float = 30.0) -> str:
    """The code of the first `otp` line for `phone_e164` past byte `after` of the log file."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if log_file.exists():
            with log_file.open(encoding="utf-8") as f:
                f.seek(after)
                for line in f:
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) == 5 and parts[1] == "otp" and parts[2] == phone_e164:
                        return parts[4][:6]
        time.sleep(0.2)  # the sender runs on its own; this is a person's patience, not a sync
    raise TimeoutError(f"no code for {phone_e164} in {log_file} within {timeout_s} s")


def take_remote_numbers(url: str, log_file: Path, services: list[str],
                        phones: tuple[str, ...] = DEMO_PHONES) -> list[dict]:
    """One remote number per phone, on `services` in turn; the tickets as answered."""
    out = []
    with httpx.Client(base_url=url, timeout=30) as http:
        for i, phone in enumerate(phones):
            e164 = "+84" + phone[1:]
            after = log_file.stat().st_size if log_file.exists() else 0
            http.post("/api/v1/public/otp", json={"phone": phone}).raise_for_status()
            code = read_code(log_file, e164, after)
            r = http.post("/api/v1/public/remote-tickets", json={
                "service": services[i % len(services)], "phone": phone, "otp": code})
            r.raise_for_status()
            out.append(r.json())
    return out
