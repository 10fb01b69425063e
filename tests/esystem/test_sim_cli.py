"""`layso sim esystem` as a technician runs it: its own process, the address printed first,
OpenCPS's shape on the wire, a fault chosen on the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from layso.servers import free_port, wait_http

ROOT = Path(__file__).resolve().parents[2]


def _spawn(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "layso", "sim", "esystem", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = proc.stdout.readline()
    assert first.startswith("url: "), first
    url = first.split()[1]
    wait_http(url, 30, proc=proc)
    return proc, url


def test_the_command_serves_opencps_dossiers():
    proc, url = _spawn("--port", str(free_port()), "--dossiers", "40")
    try:
        rows = httpx.get(f"{url}/_sim/dossiers", timeout=10).json()
        assert len(rows) == 40
        code = rows[0]["dossierNo"]
        assert code.startswith("000.00.31.H12-") and len(code.rsplit("-", 1)[1]) == 4
        r = httpx.get(f"{url}/o/rest/v2/dossiers", params={"dossierNo": code},
                      headers={"groupId": "35402"}, auth=("layso", "layso-sim"), timeout=10)
        assert r.json()["total"] == 1 and r.json()["data"][0]["dossierNo"] == code
        assert httpx.get(f"{url}/o/rest/v2/dossiers", params={"dossierNo": code},
                         headers={"groupId": "35402"}, timeout=10).status_code == 401
        infos = httpx.get(f"{url}/o/rest/v2/serviceinfos", timeout=10).json()
        assert any(i["serviceName"] == "Đăng ký khai sinh" for i in infos["data"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_fault_from_the_command_line():
    proc, url = _spawn("--port", "0", "--fault", "500")
    try:
        r = httpx.get(f"{url}/o/rest/v2/dossiers", params={"dossierNo": "x"}, timeout=10)
        assert r.status_code == 500
    finally:
        proc.terminate()
        proc.wait(timeout=10)
