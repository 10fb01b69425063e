"""The demo's last lines: a stopped day of 306 expected citizens, 73 of whom had arrived and
65 been served, used to read "306 citizens, 65 served" — as if 241 were left unserved."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from layso.demo_summary import day_summary


def _result(outcomes: dict[str, int], stopped: bool, others: int = 0) -> SimpleNamespace:
    cfg = load_hall_config(DEFAULT_CONFIG)
    begin = datetime(2026, 12, 4, 7, 30, tzinfo=cfg.zone)
    citizens = [SimpleNamespace(arrival=SimpleNamespace(k=i), outcome=o)
                for i, o in enumerate(o for o, n in outcomes.items() for _ in range(n))]
    citizens += [SimpleNamespace(arrival=SimpleNamespace(k=-1 - i), outcome="served")
                 for i in range(others)]
    return SimpleNamespace(cfg=cfg, begin=begin, reached=begin + timedelta(hours=2, minutes=42),
                           stopped=stopped, citizens=citizens)


def test_a_stopped_day_says_how_many_had_arrived():
    text = day_summary(_result({"served": 65, "waiting": 5, "at_counter": 3,
                                "not_issued": 233, "before_start": 40}, stopped=True))
    vi, en = text.splitlines()
    assert en == ("The simulated day was stopped at 10:12: 306 citizens expected from 07:30 to "
                  "closing; 73 arrived so far: 65 served, 8 waiting or at a counter.")
    assert vi == ("Ngày mô phỏng đã dừng lúc 10:12: dự kiến 306 công dân từ 07:30 đến giờ đóng "
                  "cửa; đến nay 73 đã đến: 65 đã được phục vụ, 8 đang chờ hoặc đang ở quầy.")


def test_a_finished_day_names_every_other_end():
    text = day_summary(_result({"served": 280, "waiting": 6, "no_show": 12, "refused": 4,
                                "handed_over": 2, "lost": 1}, stopped=False, others=3))
    en = text.splitlines()[1]
    assert en == ("The simulated day is over: 305 citizens expected from 07:30 to closing; 305 "
                  "arrived: 280 served, 6 not served by closing, 12 not there when called, 4 "
                  "refused a ticket (closed or numbers used up), 2 left to a person who took a "
                  "counter, 1 handled by someone else, plus 3 tickets people took (at the "
                  "kiosk or from a phone).")
