"""Folding the server's snapshot and events, and finding a dossier code in a scan."""

from __future__ import annotations

import pytest

from kiosk.hall import hall_from_config
from tests.kiosk.test_machine import CFG, snapshot


def test_snapshot_folds_in_counts_and_keeps_groups_from_the_file():
    hall = hall_from_config(CFG)
    assert not hall.loaded and [p.code for p in hall.priority_groups][0] == "elderly"
    folded = hall.with_snapshot(snapshot(waiting=5))
    assert folded.loaded and folded.open and folded.seq == 1
    assert folded.service("DD").waiting == 5
    assert folded.service("DD").estimated_wait_s == 1500
    assert folded.priority_groups == hall.priority_groups


def test_snapshot_groups_win_when_the_server_sends_them():
    data = snapshot()
    data["priority_groups"] = [{"code": "veteran", "name": "Cựu chiến binh",
                                "name_en": "Veteran"}]
    folded = hall_from_config(CFG).with_snapshot(data)
    assert [p.code for p in folded.priority_groups] == ["veteran"]


def test_events_open_and_close():
    hall = hall_from_config(CFG).with_snapshot(snapshot())
    closed = hall.with_event({"seq": 2, "type": "day_closed"})
    assert not closed.open and closed.seq == 2
    assert closed.with_event({"seq": 3, "type": "day_opened"}).open


@pytest.mark.parametrize(("scanned", "code"), [
    ("000.00.31.H12-250701-0001", "000.00.31.H12-250701-0001"),
    ("  000.00.31.H12-250701-0001\t", "000.00.31.H12-250701-0001"),
    ("000.00.31.h12-250701-0001", "000.00.31.H12-250701-0001"),
    ("https://dichvucong.gov.vn/p/tracuu?ma=000.00.31.H12-250701-12345&x=1",
     "000.00.31.H12-250701-12345"),
    ("HS-2025-77", "HS-2025-77"),  # not the national form: the server decides
    ("", None),
    ("\x00\x1b", None),
    ("a code with spaces in it", None),
    ("X" * 65, None),
])
def test_dossier_code_in_a_scan(scanned, code):
    assert hall_from_config(CFG).dossier_code(scanned) == code
