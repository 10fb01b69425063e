"""Varied hall data for the report identity test: a few days of random tickets, visits,
ratings, dossiers and pauses, with the odd cases a real database collects over the years.

Written with SQLAlchemy Core into any database the project supports (SQLite or PostgreSQL),
so the same data exercises both dialects' SQL. The odd cases, each on purpose:

- every ticket state (served, no-show, cancelled, expired, still waiting, called, unknown),
  transferred tickets, tickets never called, tickets outside the period;
- several visits per ticket, the first call being the lowest id, not the earliest time;
- every visit status, a finish with no start, a finish before the start, a finished visit
  with no finish time, a call before the issue (negative waits, and -0.0 after rounding),
  waits and finishes exactly on a quarter hour, microsecond ties;
- no officer, an officer whose account is gone, a counter not in the hall file, services no
  longer in the hall file (numbering tickets, working visits only, rated visits only);
- ratings on skipped visits, a score outside the hall's scale, empty and real reasons;
- dossiers: every outcome, an empty code, codes with no outcome at the result service and
  elsewhere, returns with their own due date, with earlier ones (and later ones to ignore),
  with none at all, early, on time and late;
- pauses across the period's start, never resumed, with no counter, resumed twice.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert

from contracts.hall_config import HallConfig
from server.db.models import Event, Rating, Ticket, User, Visit
from server.hall import Hall

STATES = (["served"] * 30 + ["no_show"] * 4 + ["cancelled"] * 2 + ["expired"] * 2
          + ["waiting", "called", "transferred", "lost"])
STATUSES = ["finished"] * 12 + ["skipped", "transferred", "called", "serving", "expired"]
OUTCOMES = [None, None, "received", "received", "returned", "guidance", "other"]
REMOVED = ("OLD2", "OLD1")  # numbered tickets once; no longer in the hall file
ELSEWHERE = ("GONE", "RATEDONLY")  # visits only; ratings only


def generate(hall: Hall, first: date, days: int, per_day: int, seed: int) -> None:
    cfg: HallConfig = hall.cfg
    rng = random.Random(seed)
    zone = cfg.zone
    now = datetime.now(UTC)
    tickets: list[dict] = []
    visits: list[dict] = []
    ratings: list[dict] = []
    events: list[dict] = []
    users = []
    for i, c in enumerate(cfg.counters):
        users.append({"id": 101 + i, "username": f"canbo{c.number}", "full_name": f"Cán bộ {i}",
                      "role": "officer", "password_hash": "x", "created_at": now})
    users.append({"id": 200, "username": "aa_first", "full_name": "", "role": "officer",
                  "password_hash": "x", "created_at": now})
    officers = [u["id"] for u in users] + [None, 998]  # 998: an account gone
    services = [s.code for s in cfg.services]
    counters = [c.number for c in cfg.counters] + [9]
    result = cfg.dossier.result_service
    codes: list[str] = []  # dossier codes received so far
    ids = iter(rng.sample(range(1, 10 * days * per_day + 1000), 6 * days * per_day + 500))
    seq = 0

    def event(type_: str, at: datetime, **payload) -> None:
        nonlocal seq
        seq += 1
        events.append({"seq": seq, "hall": cfg.hall.code, "type": type_, "at": at,
                       "payload": json.dumps({"type": type_, **payload})})

    for n in range(-1, days + 1):  # a day before and after the period too
        day = first + timedelta(days=n)
        numbers: dict[str, int] = {}
        for k in range(per_day):
            svc = rng.choice(services + list(REMOVED[: 1 + (n % 2)]))
            numbers[svc] = numbers.get(svc, 0) + 1
            minute = rng.choice([450, 480, 540, 600, 690, 780, 840, 960, 1430])
            issued = datetime.combine(day, time(), zone) + timedelta(
                minutes=minute, microseconds=rng.choice([0, rng.randrange(60_000_000)]))
            state = rng.choice(STATES)
            tid = len(tickets) + 1
            tickets.append({
                "id": tid, "day": day, "service": svc, "service_seq_key": svc,
                "seq": numbers[svc], "number": f"{rng.randrange(1, 5)}{numbers[svc]:03d}",
                "state": state, "priority_rank": 99,
                "transferred": state == "transferred" or rng.random() < 0.05,
                "issued_at": issued, "queued_at": issued, "lang": "vi"})
            if state in ("cancelled", "expired", "waiting") and rng.random() < 0.8:
                continue
            called = issued + timedelta(microseconds=rng.choice([
                rng.randrange(-3_000_000, 3_000_000_000), 900_000_000 - issued.microsecond,
                12_345_500, -100, 0]))
            for j in range(rng.choice([1, 1, 1, 2, 3])):
                status = rng.choice(STATUSES)
                started = (None if rng.random() < 0.2 else
                           called + timedelta(microseconds=rng.randrange(-5_000_000, 90_000_000)))
                finished = (called + timedelta(microseconds=rng.randrange(1, 1_800_000_000))
                            if status in ("finished", "skipped", "transferred") else None)
                if status == "finished" and rng.random() < 0.03:
                    finished = None
                if finished is not None and rng.random() < 0.05:  # exactly on a quarter hour
                    finished = finished.replace(minute=finished.minute // 15 * 15, second=0,
                                                microsecond=0)
                where = svc if svc in services and j == 0 else rng.choice(
                    services + [ELSEWHERE[0]] if rng.random() < 0.1 else services)
                code = due = None
                outcome = rng.choice(OUTCOMES) if status == "finished" else None
                if outcome == "received" or (outcome is None and rng.random() < 0.4):
                    code = f"H12-{day:%y%m%d}-{k:04d}-{j}"
                    if rng.random() < 0.7:
                        due = day + timedelta(days=rng.choice([-3, 0, 1, 2, 5, 9]))
                    codes.append(code)
                elif outcome == "returned" and codes and rng.random() < 0.9:
                    code = rng.choice(codes)
                    if rng.random() < 0.2:
                        due = day + timedelta(days=rng.choice([-2, 0, 3]))
                if outcome is None and code is None and rng.random() < 0.1:
                    code = ""
                if outcome is None and code and rng.random() < 0.5:
                    where = result or where
                vid = next(ids)
                visits.append({
                    "id": vid, "ticket_id": tid,
                    "counter": rng.choice(counters), "service": where,
                    "officer_id": rng.choice(officers), "status": status,
                    "called_at": called, "started_at": started, "finished_at": finished,
                    "dossier_code": code, "outcome": outcome, "due_date": due})
                if rng.random() < 0.6 and (status == "finished" or rng.random() < 0.2):
                    score = rng.choice([1, 2, 3, 3, 3, 2, 4])
                    reason = rng.choice([None, None, "", "Chờ quá lâu", "Thái độ"])
                    ratings.append({"visit_id": vid, "counter": 1, "score": score,
                                    "reason": reason, "at": called})
                called = (finished or called) + timedelta(seconds=rng.randrange(0, 600))
        # a visit at a service rated only, and pauses
        for c in counters:
            for _ in range(rng.choice([0, 1, 2])):
                at = datetime.combine(day, time(), zone) + timedelta(
                    minutes=rng.randrange(420, 1020), microseconds=rng.randrange(10**6))
                event("counter_paused", at, counter=c, reason="Họp")
                if rng.random() < 0.85:
                    event("counter_resumed", at + timedelta(minutes=rng.randrange(1, 400)),
                          counter=c)
        event("counter_paused", datetime.combine(day, time(9), zone))  # no counter
        event("counter_resumed", datetime.combine(day, time(9, 5), zone), counter=counters[0])
        event("ticket_issued", datetime.combine(day, time(9), zone), ticket_id=1)
    # a skipped, rated visit at a service found nowhere else
    vid = next(ids)
    visits.append({"id": vid, "ticket_id": 3 * per_day // 2, "counter": 2,
                   "service": ELSEWHERE[1], "officer_id": None, "status": "skipped",
                   "called_at": tickets[3 * per_day // 2 - 1]["issued_at"]})
    ratings.append({"visit_id": vid, "counter": 2, "score": 1, "reason": "Khác",
                    "at": now})
    # the only call at counter 10, 100 µs before the issue: every statistic there is 0.0
    # (round gives -0.0, which must not show)
    issued = datetime.combine(first, time(8, 0, 0, 500_000), zone)
    tickets.append({**tickets[-1], "id": len(tickets) + 1, "day": first, "service": "HT",
                    "service_seq_key": "HT", "seq": 999, "number": "1999", "state": "no_show",
                    "transferred": False, "issued_at": issued, "queued_at": issued})
    visits.append({"id": next(ids), "ticket_id": len(tickets), "counter": 10, "service": "HT",
                   "officer_id": None, "status": "skipped",
                   "called_at": issued - timedelta(microseconds=100)})
    # more due dates recorded for returned codes, before the return and after it (ignored)
    for v in list(visits):
        if v.get("outcome") == "returned" and v.get("dossier_code") and rng.random() < 0.3:
            due = v["called_at"].date() + timedelta(days=rng.randrange(-9, 9))
            visits.append({**v, "id": next(ids), "status": "finished", "outcome": "received",
                           "due_date": due})
    hall.db.write(lambda s: _insert(s, users, tickets, visits, ratings, events))


def _insert(s, users, tickets, visits, ratings, events) -> None:
    conn = s.connection()
    conn.execute(insert(User), users)
    conn.execute(insert(Ticket), tickets)
    for v in visits:
        for k in ("started_at", "finished_at", "dossier_code", "outcome", "due_date"):
            v.setdefault(k, None)
        v["recalls"] = 0
    conn.execute(insert(Visit), sorted(visits, key=lambda v: v["id"]))
    conn.execute(insert(Rating), ratings)
    start = conn.exec_driver_sql("SELECT seq FROM hall_state").scalar() or 0
    conn.execute(insert(Event), [{**e, "seq": e["seq"] + start} for e in events])
