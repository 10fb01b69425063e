"""`layso printer test|status|measure` and the simulator's command, as a technician runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from layso.cli import main
from simulators.printer.device import PrinterSimulator
from simulators.printer.server import TcpPrinterServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sim80():
    sim = PrinterSimulator(80)
    with TcpPrinterServer(sim, port=0) as server:
        yield sim, server.url


def test_printer_test_prints_the_sample(sim80, capsys: pytest.CaptureFixture[str]) -> None:
    sim, url = sim80
    assert main(["printer", "test", url, "--mode", "text", "--codepage", "cp1258"]) == 0
    out = capsys.readouterr().out
    assert "printed the sample ticket 1023" in out and "printer ready" in out
    (receipt,) = sim.wait_for_receipts(1)
    joined = " ".join(receipt.lines())
    assert "1023" in receipt.lines()
    assert "Hộ tịch — đăng ký khai sinh, kết hôn" in joined
    assert "Trung tâm Phục vụ hành chính công phường Bến Thành" in joined


def test_printer_test_with_a_hall_file(sim80, capsys: pytest.CaptureFixture[str]) -> None:
    sim, url = sim80
    hall = ROOT / "config" / "demo.toml"
    assert main(["printer", "test", url, "--width", "80", "--mode", "text", "--hall",
                 str(hall)]) == 0
    receipt = sim.wait_for_receipts(1)[0]
    assert "Hộ tịch" in receipt.lines()
    assert "Quầy / Counters: 1, 2, 3" in receipt.lines()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["printer", "test", "/dev/ttyUSB0"], "serial:///dev/ttyUSB0"),
        (["printer", "test", "ftp://x"], "unknown scheme"),
        (["printer", "test", "file:///tmp/x", "--mode", "text", "--codepage", "viscii"],
         "--codepage-table"),
        (["printer", "test", "file:///tmp/x", "--codepage-table", "3x"], "30,31"),
        (["printer", "test", "file:///tmp/x", "--hall", "/nonexistent.toml"],
         "cannot read the file"),
        (["printer", "test", "serial:///dev/nonexistent-tty?baud=19200"],
         "cannot reach the printer"),
    ],
)
def test_failures_are_one_readable_line(argv: list[str], needle: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err
    assert err.startswith("layso printer: ")


def test_paper_out_and_status(sim80, capsys: pytest.CaptureFixture[str]) -> None:
    sim, url = sim80
    sim.set_fault("paper_out")
    assert main(["printer", "test", url]) == 1
    assert "out of paper" in capsys.readouterr().err
    assert main(["printer", "status", url]) == 1
    assert "out of paper" in capsys.readouterr().out
    sim.clear_fault()
    assert main(["printer", "status", url]) == 0
    assert capsys.readouterr().out.strip() == f"{url}: ready"


def test_file_printer_writes_the_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "ticket.bin"
    assert main(["printer", "test", f"file://{target}", "--width", "58"]) == 0
    data = target.read_bytes()
    assert data.startswith(b"\x1b@\x1dv0") and len(data) > 40_000
    assert "cannot report status" in capsys.readouterr().err


def test_measure_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["printer", "measure"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("| paper | mode | bytes |")
    raster = [r for r in rows if "| raster |" in r]
    text = [r for r in rows if "| text tcvn3 |" in r]
    assert len(raster) == 2 and len(text) == 2
    assert int(raster[0].split("|")[3]) > 20 * int(text[0].split("|")[3])


def _start_sim(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "simulators.printer", *args], cwd=ROOT,
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("port: "), proc.stderr.read() if proc.poll() is not None else line
    return proc, line.split()[-1]


@pytest.mark.parametrize("where", [["--tcp", "0"], ["--pty"]])
def test_simulator_command_with_faults_file(where: list[str], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    faults = tmp_path / "faults"
    out = tmp_path / "out"
    proc, url = _start_sim(*where, "--width", "58", "--faults-file", str(faults),
                           "--out", str(out), "--quiet")
    try:
        assert url.startswith("tcp://127.0.0.1:" if where[0] == "--tcp" else "serial:///dev/")
        assert main(["printer", "test", url, "--width", "58", "--mode", "text"]) == 0
        assert (out / "receipt-0001.txt").read_text(encoding="utf-8").count("1023") == 1
        assert (out / "receipt-0001.png").stat().st_size > 0
        faults.write_text("paper_out\n", encoding="utf-8")
        deadline = time.monotonic() + 5
        while main(["printer", "status", url, "--timeout", "0.3"]) == 0:
            assert time.monotonic() < deadline, "the faults file was not picked up"
            time.sleep(0.1)
        assert "out of paper" in capsys.readouterr().out
        assert main(["printer", "test", url, "--width", "58"]) == 1
        faults.write_text("", encoding="utf-8")
        deadline = time.monotonic() + 5
        while main(["printer", "status", url, "--timeout", "0.3"]) != 0:
            assert time.monotonic() < deadline, "clearing the faults file did not clear them"
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        proc.stdout.close()
        proc.stderr.close()


def test_simulator_command_refuses_a_bad_table(capsys: pytest.CaptureFixture[str]) -> None:
    from simulators.printer.__main__ import main as sim_main

    with pytest.raises(SystemExit):
        sim_main(["--table", "40=KLINGON"])
    assert "N=CODEPAGE" in capsys.readouterr().err
