"""A short simulated day against the real server (`layso serve --fake-clock` in its own
process), then DESIGN.md's invariants checked over the whole day from the server's database
and API: numbers unique, one final state per ticket once the day is closed, issue order within
a service and priority class, one ticket per counter and one counter per ticket at a time,
one rating per visit inside its window."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from contracts.hall_config import load_hall_config
from layso.cli import main as layso_main
from layso.servers import login
from layso.simulate.accounts import prepare_accounts
from layso.simulate.driver import DayPlan, Pacing
from layso.simulate.history import load_past_day
from layso.simulate.officers import Behaviour
from layso.simulate.ownserver import own_server
from layso.simulate.report import summarise
from layso.simulate.session import Demand, build_plan, opening, run_async, simulate_on
from tests.simulate.halls import hall_with_hours

MONDAY = date(2026, 11, 23)
FINAL = {"served", "no_show", "cancelled", "expired"}
# About 70 citizens in two hours at the demo hall's five counters: queues form, the officers
# cannot serve everyone before 10:00, and what is left expires at closing.
PROFILE = """
priority_share = 0.15
[services.HT]
per_hour = { 8 = 14, 9 = 14 }
[services.DD]
per_hour = { 8 = 6, 9 = 6 }
[services.CT]
per_hour = { 8 = 10, 9 = 10 }
[services.TKQ]
per_hour = { 8 = 8, 9 = 8 }
"""
BEHAVIOUR = Behaviour(no_show_p=0.12, transfer_p=0.12, rating_p=0.7, breaks_per_day=1,
                      break_s=300)


@pytest.fixture(scope="module")
def lived(tmp_path_factory):
    """The day, simulated on the simulator's own server; then the server restarted after
    closing, whose housekeeping at start gives every ticket left its final state."""
    folder = tmp_path_factory.mktemp("simday")
    cfg = hall_with_hours(load_hall_config("config/demo.toml"), [["08:00", "10:00"]])
    profile = folder / "profile.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    built = build_plan(cfg, MONDAY, Demand(profile=profile), seed=11, behaviour=BEHAVIOUR)
    with own_server(cfg, opening(cfg, MONDAY), folder=folder) as own:
        plan = DayPlan(own.cfg, MONDAY, built.plan.arrivals, built.plan.times, BEHAVIOUR, 11)
        result = run_async(simulate_on(own.url, own.accounts, plan, Pacing(tick_s=5)))
        own.restart(result.end + timedelta(minutes=5))
        db = sqlite3.connect(own.db_url.removeprefix("sqlite:///"))
        db.row_factory = sqlite3.Row
        try:
            yield own, result, db
        finally:
            db.close()


def _t(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _tickets(db) -> list[sqlite3.Row]:
    return db.execute("SELECT * FROM ticket WHERE day = ? ORDER BY id",
                      (MONDAY.isoformat(),)).fetchall()


def _visits(db) -> list[sqlite3.Row]:
    return db.execute("SELECT v.* FROM visit v JOIN ticket t ON t.id = v.ticket_id "
                      "WHERE t.day = ? ORDER BY v.id", (MONDAY.isoformat(),)).fetchall()


def test_the_day_exercised_every_path(lived):
    """Not vacuous: the day had queues, priorities, no-shows, transfers, ratings, breaks and
    tickets left at closing, and the simulator saw no error from the server."""
    _, result, db = lived
    summary = summarise(result)
    t = summary["totals"]
    assert 50 <= t["issued"] <= 100
    assert t["served"] > 20 and t["no_show"] > 0 and t["transferred"] > 0
    assert t["unserved"] > 0 and t["wait_s"]["p90"] > 300  # a real queue
    assert summary["ratings"] > 10 and summary["errors"] == {}
    assert any(r["priority"] for r in _tickets(db))
    paused = db.execute("SELECT count(*) FROM event WHERE type = 'counter_paused'").fetchone()
    assert paused[0] > 0


def test_numbers_unique_per_service_and_day(lived):
    _, result, db = lived
    tickets = _tickets(db)
    keys = [(r["service_seq_key"], r["seq"]) for r in tickets]
    assert len(keys) == len(set(keys))
    assert len({r["number"] for r in tickets}) == len(tickets)
    mine = [c.number for c in result.citizens if c.number is not None]
    assert sorted(mine) == sorted(r["number"] for r in tickets)
    for code in {r["service_seq_key"] for r in tickets}:  # 1, 2, 3… with no gap
        seqs = sorted(r["seq"] for r in tickets if r["service_seq_key"] == code)
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_every_ticket_ends_in_exactly_one_final_state(lived):
    own, result, db = lived
    tickets = _tickets(db)
    visits: dict[int, list] = defaultdict(list)
    for v in _visits(db):
        visits[v["ticket_id"]].append(v)
    states = defaultdict(int)
    for t in tickets:
        assert t["state"] in FINAL, dict(t)
        assert t["closed_at"] is not None
        states[t["state"]] += 1
        last = visits[t["id"]][-1] if visits[t["id"]] else None
        if t["state"] == "served":
            assert last["status"] == "finished"
        elif t["state"] == "no_show":
            assert last["status"] == "skipped"
        else:  # expired: never called, or still at a counter at closing
            assert last is None or last["status"] in ("expired", "transferred")
        for v in visits[t["id"]]:
            assert v["status"] in ("finished", "skipped", "transferred", "expired")
    assert states["expired"] > 0  # the day closed with people still waiting
    r = httpx.get(f"{own.url}/api/v1/reports/daily", params={"date": MONDAY.isoformat()},
                  headers={"Authorization": f"Bearer {own.accounts.admin}"}, timeout=30)
    report = r.json()
    assert report["issued"] == len(tickets) == sum(states.values())
    assert (report["served"], report["no_show"], report["expired"], report["waiting"]) == (
        states["served"], states["no_show"], states["expired"], 0)
    # the simulator's own account of the day agrees with the server's
    t = summarise(result)["totals"]
    assert (t["issued"], t["served"], t["no_show"]) == (
        report["issued"], report["served"], report["no_show"])
    assert t["unserved"] == report["expired"]


def test_issue_order_within_service_and_priority_class(lived):
    """The first calls of one service and priority class come in issue order, and nobody
    was called while someone issued earlier in the same class still waited (the simulator
    makes no out-of-turn call)."""
    _, _, db = lived
    first_visit: dict[int, int] = {}
    for v in _visits(db):
        first_visit.setdefault(v["ticket_id"], v["id"])
    classes: dict[tuple, list] = defaultdict(list)
    for t in _tickets(db):
        classes[(t["service_seq_key"], t["priority_rank"])].append(t)
    checked = 0
    for group in classes.values():
        group.sort(key=lambda t: t["seq"])
        called = [first_visit.get(t["id"]) for t in group]
        seen_uncalled = False
        for vid in called:
            if vid is None:
                seen_uncalled = True
            else:
                assert not seen_uncalled, "a later ticket was called before an earlier one"
        ids = [v for v in called if v is not None]
        assert ids == sorted(ids)
        checked += len(ids)
    assert checked > 30


def test_one_ticket_per_counter_and_one_counter_per_ticket(lived):
    _, _, db = lived
    by_counter: dict[int, list] = defaultdict(list)
    by_ticket: dict[int, list] = defaultdict(list)
    for v in _visits(db):
        span = (_t(v["called_at"]), _t(v["finished_at"]), v["id"])
        assert span[1] is not None and span[0] <= span[1]  # every visit closed by day end
        by_counter[v["counter"]].append(span)
        by_ticket[v["ticket_id"]].append(span)
    assert len(by_counter) == 5
    for spans in [*by_counter.values(), *by_ticket.values()]:
        spans.sort(key=lambda s: s[2])
        for (_, end, _), (start, _, _) in zip(spans, spans[1:], strict=False):
            assert start >= end  # the next call only after the previous visit ended
    assert any(len(s) > 1 for s in by_ticket.values())  # transfers: a second counter


def test_ratings_once_per_visit_inside_the_window(lived):
    _, result, db = lived
    rows = db.execute("SELECT r.*, v.status, v.finished_at, v.rating_until, v.counter AS vc "
                      "FROM rating r JOIN visit v ON v.id = r.visit_id").fetchall()
    assert len(rows) == result.ratings > 10
    assert len({r["visit_id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["status"] == "finished" and r["counter"] == r["vc"]
        assert _t(r["finished_at"]) <= _t(r["at"]) <= _t(r["rating_until"])


def test_waiting_times_are_the_servers_own(lived):
    _, result, db = lived
    first_call: dict[int, datetime] = {}
    for v in _visits(db):
        first_call.setdefault(v["ticket_id"], _t(v["called_at"]))
    issued = {t["id"]: _t(t["issued_at"]) for t in _tickets(db)}
    compared = 0
    for c in result.citizens:
        if c.first_called_at is not None:
            want = (first_call[c.ticket_id] - issued[c.ticket_id]).total_seconds()
            assert c.first_called_at - c.issued_at == pytest.approx(want, abs=1e-3)
            compared += 1
    assert compared > 30


def test_replay_and_learned_times_from_the_day(lived):
    own, result, _ = lived
    cfg = own.cfg
    past = load_past_day(own.db_url, cfg, MONDAY)
    issued = [c for c in result.citizens if c.issued_at is not None]
    assert len(past.tickets) == len(issued)
    assert sorted(s for _, s, _ in past.tickets) == sorted(c.arrival.service for c in issued)
    built = build_plan(cfg, MONDAY + timedelta(days=1),
                       Demand(replay_db=own.db_url, replay_date=MONDAY), seed=1)
    assert len(built.plan.arrivals) == len(issued)  # the same hours every day
    assert "resampled" in built.notes[-1]
    learned = {code for code, v in past.service_times.items() if len(v) >= 5}
    assert learned and built.plan.times.learned == learned


def test_cli_runs_the_next_day_on_the_running_server(lived, tmp_path, capsys, monkeypatch):
    """`layso simulate --server …` on a server someone else started: the simulator registers
    its devices in the server's database, signs the admin in (again when the login expires on
    the simulated clock) and follows the server's clock into the next day."""
    own, _, db = lived
    out = tmp_path / "day.json"
    admin = own.accounts.logins["admin"]
    monkeypatch.setattr("sys.stdin", io.StringIO(admin.password + "\n"))
    code = layso_main(["simulate", "--config", str(own.hall_file), "--server", own.url,
                       "--admin", admin.username, "--password-stdin", "--server-db", own.db_url,
                       "--arrivals-per-day", "25", "--seed", "5", "--json", str(out),
                       "--quiet"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads(out.read_text(encoding="utf-8"))
    tuesday = (MONDAY + timedelta(days=1)).isoformat()
    assert summary["date"] == tuesday and summary["errors"] == {}
    issued = db.execute("SELECT count(*) FROM ticket WHERE day = ?", (tuesday,)).fetchone()[0]
    assert summary["totals"]["issued"] == issued > 5
    assert summary["server_report"]["issued"] == issued
    table = capsys.readouterr().out
    assert "Lĩnh vực" in table and "Tổng/all" in table
    # close Tuesday for good, as a server running for real would within a minute
    own.restart(datetime.fromisoformat(summary["end"]) + timedelta(minutes=5))


def test_cli_refuses_a_day_the_server_has_left_behind(lived, capsys):
    own, _, _ = lived
    admin = own.accounts.logins["admin"]
    token = login(own.url, admin.username, admin.password)
    code = layso_main(["simulate", "--config", str(own.hall_file), "--server", own.url,
                       "--admin-token", token, "--server-db", own.db_url,
                       "--date", MONDAY.isoformat(), "--quiet"])
    assert code == 1
    assert "cannot go back" in capsys.readouterr().err
    code = layso_main(["simulate", "--config", str(own.hall_file), "--server", own.url,
                       "--admin-token", "not-a-token", "--accounts", "/nonexistent.json"])
    assert code == 1
    assert "refused the admin token" in capsys.readouterr().err


def test_paced_day_keeps_to_its_speed_and_stops_on_request(lived):
    """The demo's way: a speed factor in real time, progress reports, and a stop (Ctrl+C)
    that ends the day early without closing it."""
    own, _, db = lived
    wednesday = MONDAY + timedelta(days=2)
    built = build_plan(own.cfg, wednesday, Demand(per_day=40), seed=2)
    accounts = prepare_accounts(own.db_url, own.hall_file, own.cfg)  # as the demo does
    assert accounts.admin == "" and "admin" in accounts.logins  # signs in on first use
    # Someone was busy before the simulator came: a citizen at counter 1, counter 2 paused.
    opens = datetime.combine(wednesday, datetime.min.time(), own.cfg.zone) + timedelta(hours=8)
    fresh = own.accounts.logins["admin"]  # the first login has expired on this clock
    with own.client_for(login(own.url, fresh.username, fresh.password)) as admin:
        admin.post("/api/v1/clock", json={"at": opens.isoformat()}).raise_for_status()
    with own.client_for(own.accounts.kiosks[0]) as kiosk:
        early = kiosk.post("/api/v1/tickets", json={"service": "CT"}).json()
    with own.client_for(own.accounts.counters[1]) as c1:
        c1.post("/api/v1/counters/1/next").raise_for_status()
    with own.client_for(own.accounts.counters[2]) as c2:
        c2.post("/api/v1/counters/2/pause", json={"reason": "họp"}).raise_for_status()
    seen: list = []

    async def go():
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(1.5, stop.set)
        t0 = time.monotonic()
        result = await simulate_on(own.url, accounts, built.plan, Pacing(speed=1200),
                                   on_progress=seen.append, progress_every_s=300, stop=stop)
        return result, time.monotonic() - t0

    result, wall = run_async(go())
    assert result.stopped and wall >= 1.5
    # 1.5 s at ×1200 is 30 simulated minutes: never further than that (and a step)
    assert result.begin < result.reached <= result.begin + timedelta(minutes=30, seconds=1)
    assert seen and seen[-1].at == result.reached
    assert [p.at for p in seen] == sorted(p.at for p in seen)
    assert accounts.admin and result.errors == {}
    # the simulated officers took over: the early citizen served, counter 2 back at work
    state = db.execute("SELECT state FROM ticket WHERE id = ?", (early["id"],)).fetchone()
    assert state[0] == "served"
    assert db.execute("SELECT paused FROM counter WHERE number = 2").fetchone()[0] == 0
