"""A scripted day at the ward office of tests/manage/hall.toml, through the real HTTP API,
with the fake clock moved to each step's time. The expected figures in test_reports.py are
worked out by hand from this script (see the comments there).

Monday 20 April 2026: two dossiers are received, with due dates 24 and 29 April.
Tuesday 28 April 2026 (after the 27th, a holiday), times local (UTC+7):

  07:40 HT 1001   07:45 HT 1002   07:50 CT 3001   08:00 TKQ 4001 (collects dossier A)
  08:05 TKQ 4002  08:10 HT 1003   08:15 CT 3002   09:00 CT 3003 (cancelled 09:30)
  10:00 HT 1004 (left waiting: expires at closing)  13:30 TKQ 4003  14:00 TKQ 4004

  counter 1 (an, HT):    08:00 call 1001, 08:02 start, 08:12 finish (guidance), rated 3;
                         08:12 call 1002, 08:13 start, 08:21 transfer to CT;
                         08:21 call 1003, 08:23 no-show; paused 08:23–08:53 "Họp giao ban"
  counter 2 (binh, CT):  08:00 call 3001, 08:01 start, 08:16 finish, receives dossier C due
                         30/4 (a holiday), rated 2; 08:25 call 1002 (transferred in),
                         08:26 start, 08:36 finish, receives dossier D, rated 1 "Chờ quá lâu";
                         08:36 call 3002, 08:37 start, 08:45 finish (guidance)
  counter 3A (chi, TKQ): 08:05 call 4001, 08:06 start, 08:10 return dossier A (due 24/4:
                         late), rated 3; 08:10 call 4002, 08:11 start, 08:14 return dossier B
                         (due 29/4: early), rated 3; 13:40 call 4003, 13:41 start, 13:50 return
                         dossier E with its own due date 28/4 (on time); 14:00 call 4004,
                         14:05 return dossier F without any due date (no start), rated 2
  17:05 housekeeping closes the day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from server.clock import FakeClock
from tests.support.live import LiveServer

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
RECEIVE_DAY = date(2026, 4, 20)
DAY = date(2026, 4, 28)
CODES = {k: f"000.00.31.H12-{d}-{n:04d}" for k, d, n in (
    ("A", "260420", 1), ("B", "260420", 2), ("C", "260428", 3), ("D", "260428", 4),
    ("E", "260401", 9), ("F", "260301", 10))}


def local(day: date, hhmm: str) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(h, m), ZONE)


@dataclass
class ScriptedDay:
    live: LiveServer
    clock: FakeClock
    tickets: dict[str, dict] = field(default_factory=dict)
    visits: dict[str, int] = field(default_factory=dict)
    _clients: dict[tuple, httpx.Client] = field(default_factory=dict)

    @classmethod
    def start(cls, db_url: str, config: Path) -> ScriptedDay:
        clock = FakeClock(local(RECEIVE_DAY, "07:30"))
        return cls(LiveServer.start(db_url=db_url, config=config, clock=clock), clock)

    # -- the people and devices (one keep-alive client each, per sign-in) ----------------
    def _client(self, token: str) -> httpx.Client:
        key = (self.live.url, token)
        if key not in self._clients:
            self._clients[key] = self.live.client(token)
        return self._clients[key]

    def kiosk(self) -> httpx.Client:
        return self._client(self.live.device_token("kiosk-1"))

    def officer(self, counter: int) -> httpx.Client:
        name = {1: "an", 2: "binh", 3: "chi"}[counter]
        return self._client(self.live.login(name, counter=counter))

    def rating(self, counter: int) -> httpx.Client:
        return self._client(self.live.device_token(f"rate-{counter}", "rating", counter))

    def manager(self) -> httpx.Client:
        return self._client(self.live.login("giamdoc", role="manager"))

    def close(self) -> None:
        for c in self._clients.values():
            c.close()
        self._clients.clear()

    # -- steps --------------------------------------------------------------------------
    def at(self, hhmm: str, day: date = DAY) -> None:
        when = local(day, hhmm)
        assert when >= self.clock.now(), f"the script goes back in time at {hhmm}"
        self.clock.set(when)

    def issue(self, service: str | None, name: str, dossier: str | None = None) -> dict:
        body: dict = {"service": service} if service else {"dossier_code": CODES[dossier]}
        r = self.kiosk().post("/api/v1/tickets", json=body)
        assert r.status_code == 201, r.text
        self.tickets[name] = r.json()
        return r.json()

    def act(self, counter: int, action: str, body: dict | None = None,
            expect: str | None = None) -> dict:
        r = self.officer(counter).post(f"/api/v1/counters/{counter}/{action}",
                                       json=body if body is not None else None)
        assert r.status_code == 200, f"{action} at {counter}: {r.status_code} {r.text}"
        data = r.json()
        if expect is not None:
            assert data["ticket"]["number"] == expect, data
        return data

    def finish(self, counter: int, name: str, outcome: str | None = None,
               dossier: str | None = None, due: date | None = None) -> int:
        body: dict = {}
        if outcome:
            body["outcome"] = outcome
        if dossier:
            body["dossier_code"] = CODES[dossier]
        if due:
            body["due_date"] = due.isoformat()
        visit = self.act(counter, "finish", body)["visit_id"]
        self.visits[name] = visit
        return visit

    def rate(self, counter: int, name: str, score: int, reason: str | None = None) -> None:
        body: dict = {"score": score}
        if reason:
            body["reason"] = reason
        r = self.rating(counter).post(f"/api/v1/visits/{self.visits[name]}/rating", json=body)
        assert r.status_code == 201, r.text

    def play(self) -> None:
        # Monday 20 April: dossiers A and B received.
        self.at("08:00", RECEIVE_DAY)
        self.issue("HT", "r1")
        self.act(1, "next", expect="1001")
        self.at("08:10", RECEIVE_DAY)
        self.finish(1, "r1", "received", "A", date(2026, 4, 24))
        self.issue("HT", "r2")
        self.act(1, "next", expect="1002")
        self.at("08:20", RECEIVE_DAY)
        self.finish(1, "r2", "received", "B", date(2026, 4, 29))
        self.at("17:05", RECEIVE_DAY)
        self.live.app.state.hall.housekeeping()
        # Sign-ins last 12 hours: a new day, new sign-ins.
        self.live._tokens = {k: v for k, v in self.live._tokens.items() if k[0] != "user"}

        # Tuesday 28 April.
        self.at("07:40")
        self.issue("HT", "T1")
        self.at("07:45")
        self.issue("HT", "T2")
        self.at("07:50")
        self.issue("CT", "T3")
        self.at("08:00")
        self.issue(None, "T4", dossier="A")
        self.act(1, "next", expect="1001")
        self.act(2, "next", expect="3001")
        self.at("08:01")
        self.act(2, "start")
        self.at("08:02")
        self.act(1, "start")
        self.at("08:05")
        self.issue("TKQ", "T5")
        self.act(3, "next", expect="4001")
        self.at("08:06")
        self.act(3, "start")
        self.at("08:10")
        self.issue("HT", "T6")
        self.finish(3, "T4", "returned", "A")
        self.rate(3, "T4", 3)
        self.act(3, "next", expect="4002")
        self.at("08:11")
        self.act(3, "start")
        self.at("08:12")
        self.finish(1, "T1", "guidance")
        self.rate(1, "T1", 3)
        self.act(1, "next", expect="1002")
        self.at("08:13")
        self.act(1, "start")
        self.at("08:14")
        self.finish(3, "T5", "returned", "B")
        self.rate(3, "T5", 3)
        self.at("08:15")
        self.issue("CT", "T7")
        self.at("08:16")
        self.finish(2, "T3", "received", "C", date(2026, 4, 30))
        self.rate(2, "T3", 2)
        self.at("08:21")
        self.act(1, "transfer", {"service": "CT", "reason": "Sai lĩnh vực"})
        self.act(1, "next", expect="1003")
        self.at("08:23")
        self.act(1, "skip")
        self.act(1, "pause", {"reason": "Họp giao ban"})
        self.at("08:25")
        self.act(2, "next", expect="1002")
        self.at("08:26")
        self.act(2, "start")
        self.at("08:36")
        self.finish(2, "T2", "received", "D", date(2026, 5, 5))
        self.rate(2, "T2", 1, "Chờ quá lâu")
        self.act(2, "next", expect="3002")
        self.at("08:37")
        self.act(2, "start")
        self.at("08:45")
        self.finish(2, "T7", "guidance")
        self.at("08:53")
        r = self.officer(1).post("/api/v1/counters/1/resume")
        assert r.status_code == 200, r.text
        self.at("09:00")
        self.issue("CT", "T8")
        self.at("09:30")
        r = self.officer(2).post(f"/api/v1/tickets/{self.tickets['T8']['id']}/cancel")
        assert r.status_code == 200, r.text
        self.at("10:00")
        self.issue("HT", "T9")
        self.at("13:30")
        self.issue("TKQ", "T10")
        self.at("13:40")
        self.act(3, "next", expect="4003")
        self.at("13:41")
        self.act(3, "start")
        self.at("13:50")
        self.finish(3, "T10", "returned", "E", date(2026, 4, 28))
        self.at("14:00")
        self.issue("TKQ", "T11")
        self.act(3, "next", expect="4004")
        self.at("14:05")
        self.finish(3, "T11", "returned", "F")
        self.rate(3, "T11", 2)
        self.at("17:05")
        self.live.app.state.hall.housekeeping()
