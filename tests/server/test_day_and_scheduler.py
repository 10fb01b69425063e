"""The day's clockwork with a fake clock: midnight, a holiday, numbering reset, expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from contracts.hall_config import load_hall_config
from server.db.models import Event, Ticket
from server.engine.errors import HallClosed
from server.queue import counters as ct
from server.queue import tickets
from tests.server.hall_fixture import make_hall

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _issue(hall, service="HT"):
    return hall.write(lambda tx: tickets.issue(tx, service, None, "vi", None, None))


def test_demo_hall_midnight_expires_and_resets_numbering(tmp_path):
    hall = make_hall(datetime(2026, 11, 23, 23, 50, tzinfo=VN), folder=tmp_path)
    a, b = _issue(hall), _issue(hall)
    hall.write(lambda tx: ct.next_ticket(tx, 2, None))
    assert (a.number, b.number) == ("1001", "1002")
    hall.clock.set(datetime(2026, 11, 24, 0, 0, 5, tzinfo=VN))
    hall.housekeeping()
    states = hall.read(lambda tx: [t.state for t in tx.s.exec(select(Ticket))])
    assert states == ["expired", "expired"]
    assert _issue(hall).number == "1001"  # a new day starts from the first number
    types = hall.read(lambda tx: [e.type for e in tx.s.exec(select(Event))])
    assert "day_closed" in types
    # the counter was freed by the expiry
    assert hall.write(lambda tx: ct.next_ticket(tx, 2, None))[1].number == "1001"
    hall.housekeeping()  # idempotent
    assert hall.read(lambda tx: [e.type for e in tx.s.exec(select(Event))]).count(
        "day_closed") == 1


def test_provincial_hall_closing_and_holiday(tmp_path):
    cfg = load_hall_config("config/provincial.toml")
    hall = make_hall(datetime(2026, 8, 28, 16, 0, tzinfo=VN), cfg=cfg, folder=tmp_path)
    hall.housekeeping()
    t = _issue(hall, "HT")
    hall.clock.set(datetime(2026, 8, 28, 17, 0, 1, tzinfo=VN))  # closing: 17:00
    hall.housekeeping()
    assert hall.read(lambda tx: tx.s.get(Ticket, t.id).state) == "expired"
    hall.clock.set(datetime(2026, 9, 1, 9, 0, tzinfo=VN))  # Quốc khánh, 29/8–2/9: closed
    with pytest.raises(HallClosed) as closed:
        _issue(hall, "HT")
    assert "03/09/2026" in closed.value.message
    hall.clock.set(datetime(2026, 9, 3, 7, 31, tzinfo=VN))
    hall.housekeeping()
    assert _issue(hall, "HT").number == "A001"
    opened = hall.read(lambda tx: [e.payload for e in tx.s.exec(
        select(Event).where(Event.type == "day_opened"))])
    assert any("2026-09-03" in p for p in opened)


def test_scheduler_runs_housekeeping_in_the_hall_zone(tmp_path):
    import asyncio

    from server.scheduler import start_scheduler

    hall = make_hall(datetime.now(VN) - timedelta(days=1), folder=tmp_path)
    _issue(hall)

    async def run():
        sched = start_scheduler(hall)
        job = sched.get_job("housekeeping")
        assert str(job.trigger.timezone) == "Asia/Ho_Chi_Minh"
        hall.clock.set(datetime.now(VN))
        job.modify(next_run_time=datetime.now(VN))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if hall.read(lambda tx: tx.s.exec(select(Ticket)).first().state) == "expired":
                break
        sched.shutdown(wait=False)

    asyncio.run(run())
    assert hall.read(lambda tx: tx.s.exec(select(Ticket)).first().state) == "expired"
