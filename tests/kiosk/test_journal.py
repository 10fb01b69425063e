"""The kiosk's journal of tickets in flight (kiosk/journal.py): every step is on disk before
the call returns, an acknowledgement drops only its own entry, a kill never leaves a file
that cannot be read, and a file that cannot be read is set aside and reported, never a
crash."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.journal import (
    FILE,
    RESTARTED_WHILE_PRINTING,
    Journal,
    JournalBusy,
    default_state_dir,
    parse,
)
from layso.cli import main

ROOT = Path(__file__).resolve().parents[2]


def on_disk(folder: Path):
    """What a kiosk started now would read (the journal file, parsed on its own)."""
    return parse((folder / FILE).read_text(encoding="utf-8"))


@pytest.fixture
def journal(tmp_path):
    j = Journal.open(tmp_path / "state")
    yield j
    j.close()


def test_each_step_is_on_disk_before_the_call_returns(journal):
    folder = journal.folder
    journal.requested("k1", "HT")
    tickets, requests = on_disk(folder)
    assert tickets == {} and list(requests) == ["k1"] and requests["k1"].service == "HT"

    journal.printing(7, "1007", gen=1, key="k1")  # the answer came: the request is done
    tickets, requests = on_disk(folder)
    assert requests == {} and tickets[7].state == "printing" and tickets[7].number == "1007"
    assert tickets[7].failure == RESTARTED_WHILE_PRINTING

    journal.outcome(7, "1007", "paper_out", gen=2)
    tickets, _ = on_disk(folder)
    assert (tickets[7].state, tickets[7].reason, tickets[7].failure) == \
        ("failed", "paper_out", "paper_out")

    journal.outcome(7, None, None, gen=3)  # a reprint printed: the number is kept
    tickets, _ = on_disk(folder)
    assert (tickets[7].state, tickets[7].number, tickets[7].failure) == ("printed", "1007", None)

    journal.delivered(7, gen=3)
    assert on_disk(folder) == ({}, {})
    assert not list(folder.glob("*.tmp"))


def test_an_acknowledgement_drops_only_its_own_outcome(journal):
    journal.outcome(7, "1007", "paper_out", gen=1)
    journal.printing(7, "1007", gen=2)  # "In lại" while the first report is still unsent
    journal.delivered(7, gen=1)  # the first report is taken now
    tickets, _ = on_disk(journal.folder)
    assert tickets[7].state == "printing", "the reprint's entry must survive the late ack"
    journal.delivered(7, gen=2)
    assert on_disk(journal.folder) == ({}, {})


def test_a_refused_request_is_forgotten_and_drop_forgets_any_entry(journal):
    journal.requested("k1", None)
    journal.forget_request("k1")
    journal.outcome(9, "2001", None, gen=4)
    journal.drop(9)
    assert on_disk(journal.folder) == ({}, {}) and len(journal) == 0


def test_the_next_start_finds_what_the_last_run_left(tmp_path):
    first = Journal.open(tmp_path)
    first.printing(3, "1003", gen=1)
    first.outcome(4, "1004", None, gen=2)
    first.outcome(5, "1005", "cover_open", gen=3)
    first.requested("k9", "CT")
    first.close()

    again = Journal.open(tmp_path)
    try:
        tickets, requests = again.recovered()
        assert [(e.id, e.state, e.failure) for e in tickets] == [
            (3, "printing", RESTARTED_WHILE_PRINTING), (4, "printed", None),
            (5, "failed", "cover_open")]
        assert [r.key for r in requests] == ["k9"]
        assert again.max_gen() == 3 and again.healthy and again.set_aside is None
    finally:
        again.close()


def test_two_kiosks_cannot_share_a_folder(tmp_path):
    first = Journal.open(tmp_path)
    with pytest.raises(JournalBusy, match="--state-dir"):
        Journal.open(tmp_path)
    first.close()
    Journal.open(tmp_path).close()  # free again


CORRUPT = {
    "empty": b"",
    "cut short": b'{"layso_kiosk_journal": 1, "tickets": [{"id": 3, "num',
    "not utf-8": b"\xff\xfe\x00garbage",
    "a list": b"[1, 2, 3]",
    "another format": b'{"layso_kiosk_journal": 99, "tickets": []}',
    "an entry without a number": b'{"layso_kiosk_journal": 1, "tickets": [{"id": 3, '
                                 b'"state": "printing"}]}',
    "an unknown state": b'{"layso_kiosk_journal": 1, "tickets": [{"id": 3, "number": "1003",'
                        b' "state": "lost"}]}',
    "an id that is text": b'{"layso_kiosk_journal": 1, "tickets": [{"id": "3", '
                          b'"number": "1003", "state": "printing"}]}',
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_journal_that_cannot_be_read_is_set_aside_and_reported(tmp_path, caplog, content):
    (tmp_path / FILE).write_bytes(content)
    with caplog.at_level(logging.ERROR, logger="kiosk.journal"):
        journal = Journal.open(tmp_path)
    try:
        assert journal.recovered() == ([], [])
        assert journal.set_aside is not None and journal.set_aside.read_bytes() == content
        assert journal.set_aside.name.startswith(f"{FILE}.corrupt-")
        assert "could not be read" in caplog.text and str(journal.set_aside) in caplog.text
        journal.printing(1, "1001", gen=1)  # and the kiosk goes on with a new journal
        assert on_disk(tmp_path)[0][1].number == "1001"
    finally:
        journal.close()


def test_a_half_written_temporary_file_from_a_kill_is_ignored(tmp_path):
    first = Journal.open(tmp_path)
    first.outcome(4, "1004", None, gen=1)
    first.close()
    (tmp_path / f"{FILE}.tmp").write_bytes(b'{"layso_kiosk_journal": 1, "tick')
    again = Journal.open(tmp_path)
    try:
        assert [e.id for e in again.recovered()[0]] == [4] and again.set_aside is None
        again.delivered(4, gen=1)
        assert on_disk(tmp_path) == ({}, {}) and not (tmp_path / f"{FILE}.tmp").exists()
    finally:
        again.close()


def test_a_folder_that_cannot_be_made_leaves_a_journal_in_memory(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.ERROR, logger="kiosk.journal"):
        journal = Journal.open(blocker / "state")
        journal.printing(1, "1001", gen=1)  # does not raise
        journal.outcome(1, "1001", None, gen=2)
    assert not journal.healthy and "in memory only" in caplog.text
    assert [e.state for e in journal.recovered()[0]] == ["printed"]
    assert caplog.text.count("in memory only") <= 2, "a broken disk must not flood the log"


def test_a_write_that_fails_is_logged_and_the_next_one_recovers(journal, caplog):
    tmp = journal.folder / f"{FILE}.tmp"
    tmp.mkdir()  # the temporary file cannot be written
    with caplog.at_level(logging.WARNING, logger="kiosk.journal"):
        journal.printing(1, "1001", gen=1)
        assert not journal.healthy
        tmp.rmdir()
        journal.outcome(1, "1001", None, gen=2)
    assert journal.healthy and "writable again" in caplog.text
    assert on_disk(journal.folder)[0][1].state == "printed"


def test_the_default_folder_is_one_per_token_and_does_not_show_it():
    a, b = default_state_dir("secret-token-a"), default_state_dir("secret-token-b")
    assert a != b and a == default_state_dir("secret-token-a")
    assert a.parent == Path("var/kiosk") and "secret" not in str(a)


WRITER = """
import sys
from kiosk.journal import Journal
j = Journal.open(sys.argv[1])
tickets, requests = j.recovered()  # what the kiosk does at start: report, then forget
for r in requests:
    j.forget_request(r.key)
for e in tickets:
    j.drop(e.id)
print("ready", flush=True)
gen = 0
n = 0
while True:
    n += 1
    gen += 1
    j.requested(f"k{n}", "HT")
    j.printing(n, f"{1000 + n}", gen, key=f"k{n}")
    gen += 1
    j.outcome(n, f"{1000 + n}", None if n % 3 else "paper_out", gen)
    if n % 2:
        j.delivered(n, gen)
"""


def test_a_kill_at_any_moment_leaves_a_journal_that_reads(tmp_path):
    """SIGKILL a process that rewrites its journal as fast as it can, at random moments:
    the journal always reads (the old version or the new one), and the lock is free again."""
    rnd = random.Random(5)
    folder = tmp_path / "state"
    kills = 0
    for _ in range(8):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(folder)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(rnd.uniform(0.01, 0.15))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
        kills += 1
        tickets, requests = on_disk(folder)  # never raises
        assert len(requests) <= 1 and all(e.state in ("printing", "printed", "failed")
                                          for e in tickets.values())
        reopened = Journal.open(folder)  # the dead writer's lock is gone with it
        assert reopened.set_aside is None
        reopened.close()
    assert kills == 8
    assert json.loads((folder / FILE).read_text())["layso_kiosk_journal"] == 1


def test_layso_kiosk_refuses_a_state_folder_another_kiosk_holds(tmp_path, capsys):
    holder = Journal.open(tmp_path / "state")
    try:
        code = main(["kiosk", "--server", "http://127.0.0.1:9", "--token", "t", "--printer",
                     "tcp://127.0.0.1:9", "--state-dir", str(tmp_path / "state")])
    finally:
        holder.close()
    assert code == 2
    assert "another kiosk is running with the state folder" in capsys.readouterr().err
