"""A discrete-event simulation of a hall day that drives the real server through its API.

Every event (a citizen takes a ticket, reaches a counter, finishes, rates; an officer calls,
recalls, skips, transfers, pauses) happens at a simulated time. Time moves in steps of `tick`
seconds; at each step with events the driver moves the server's fake clock to that time, then
makes the step's calls:

1. what does not depend on the queue, all at once: tickets (one service's tickets in arrival
   order, so numbers follow arrivals), starts, recalls, skips, finishes, transfers, ratings,
   resumes;
2. then free counters call `next`. The driver keeps a mirror of how many tickets wait per
   service (it made every ticket and every call), so only a counter that can get someone calls;
   a 204 corrects the mirror. Counters that share a service call one after another, in the
   order they became free; counters that share nothing call at the same time.

Waiting times are the server's own stamps: `issued_at` of the ticket, `called_at` of its
first visit. Nothing here decides who is called: the server does.

People can join in (the demo): with `watch_s`, the driver looks at who holds each counter
(`GET /counters`, every `watch_s` real seconds and before every round of `next` calls). A
counter a person has signed in at is theirs: its simulated officer stops acting there (the
citizen it had called is left to the person) until the person signs out, then works it again.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from enum import IntEnum
from typing import Any

from contracts.hall_config import HallConfig
from layso.simulate.api import HallAPI, Reply, ServerError
from layso.simulate.arrivals import Arrival
from layso.simulate.officers import (
    Behaviour,
    CitizenPlan,
    absent_counters,
    dossier_code,
    plan_breaks,
    plan_citizen,
)
from layso.simulate.profile import issue_windows, open_sessions
from layso.simulate.service_times import ServiceTimes

PAUSE_REASON = "Nghỉ giải lao"
STALE_WAIT_S = 75.0  # the server's housekeeping runs every minute
TRANSFER_REASON = "Chuyển sang lĩnh vực phù hợp"


class Ev(IntEnum):
    SESSION_START = 0
    SESSION_END = 1
    ARRIVE = 2
    START = 3
    RECALL = 4
    FINISH = 5
    TRANSFER = 6
    RATE = 7
    BREAK = 8
    RESUME = 9
    POLL = 10


@dataclass(frozen=True)
class DayPlan:
    """Everything decided before the day: the hall, the citizens and how people behave."""

    cfg: HallConfig
    day: date
    arrivals: list[Arrival]
    times: ServiceTimes
    behaviour: Behaviour = field(default_factory=Behaviour)
    seed: int | str = 0


@dataclass(frozen=True)
class Pacing:
    """`speed=None`: as fast as the server answers; `speed=60`: a simulated minute each real
    second. `tick_s` is the simulated time step (default: 1 s paced, 10 s fast)."""

    speed: float | None = None
    tick_s: float | None = None

    def __post_init__(self) -> None:
        if self.speed is not None and not self.speed > 0:
            raise ValueError("speed must be positive (or None for as fast as possible)")
        if self.tick_s is not None and not 0 < self.tick_s <= 60:
            raise ValueError("the time step must be between 0 and 60 seconds")

    @property
    def tick(self) -> float:
        return self.tick_s if self.tick_s is not None else (10.0 if self.speed is None else 1.0)


@dataclass
class Citizen:
    """One arrival and what became of its ticket. Times are epoch seconds, stamped by the
    server."""

    arrival: Arrival
    plan: CitizenPlan
    ticket_id: int | None = None
    number: str | None = None
    issued_at: float | None = None
    first_called_at: float | None = None
    # waiting, at_counter, served, no_show, refused, not_issued, handed_over (left to a
    # person who took the counter over)
    outcome: str = "not_issued"
    refused: str | None = None  # the server's error code when no ticket was given
    transfers: int = 0
    rated: bool = False


@dataclass
class _Visit:
    visit_id: int
    citizen: Citizen
    recalls_left: int


@dataclass
class _Agent:
    number: int
    services: tuple[str, ...]
    component: int
    absent: bool = False
    on_duty: bool = False
    state: str = "idle"  # idle, busy, paused, held (a person took the counter over)
    visit: _Visit | None = None
    free_since: float = 0.0
    breaks_due: deque = field(default_factory=deque)
    poll: bool = False
    stalled_at: float | None = None  # a refused `next` in this step: wait for the next one
    held_by: str | None = None  # the person signed in at the counter
    epoch: int = 0  # bumped at each hand-over: events scheduled before it are dropped


@dataclass(frozen=True)
class Progress:
    """Where the day is, for a progress line or the demo's status."""

    at: datetime
    issued: int
    served: int
    waiting: int
    busy_counters: int
    requests: int
    wall_s: float
    lag_s: float


@dataclass
class DayResult:
    cfg: HallConfig
    day: date
    begin: datetime
    end: datetime
    reached: datetime  # the end, or where the day was stopped
    citizens: list[Citizen]
    wall_s: float
    requests: int
    steps: int
    errors: Counter
    error_samples: list[tuple[str, int, str]]
    ratings: int
    stopped: bool
    lag_s: float
    kiosk_throttled: int
    server_report: dict[str, Any] | None = None
    left_at_counters: int = 0


TicketHook = Callable[[dict[str, Any]], None]  # a ticket the server issued (TicketOut JSON)
HandoverHook = Callable[[int, str | None], None]  # counter, the person (None: handed back)


def components(cfg: HallConfig) -> dict[int, int]:
    """Counters grouped by shared services (connected components): counters in one group may
    compete for the same ticket, so their calls are made one after another."""
    parent = {c.number: c.number for c in cfg.counters}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[str, int] = {}
    for c in cfg.counters:
        for code in c.services:
            if code in first:
                parent[find(c.number)] = find(first[code])
            else:
                first[code] = c.number
    return {c.number: find(c.number) for c in cfg.counters}


def _epoch(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


class _Day:
    def __init__(self, plan: DayPlan, api: HallAPI, pacing: Pacing, *, begin_s: float | None,
                 movable_clock: bool, poll_s: float | None,
                 on_progress: Callable[[Progress], Awaitable[None] | None] | None,
                 progress_every_s: float, stop: asyncio.Event | None,
                 watch_s: float | None = None, on_ticket: TicketHook | None = None,
                 on_handover: HandoverHook | None = None) -> None:
        self.watch_s = watch_s
        self.on_ticket = on_ticket
        self.on_handover = on_handover
        self._watched_at = -math.inf
        self.plan, self.cfg, self.api, self.pacing = plan, plan.cfg, api, pacing
        self.b = plan.behaviour
        self.tick = pacing.tick
        self.movable = movable_clock
        self.poll_s = poll_s
        self.on_progress = on_progress
        self.progress_every_s = progress_every_s
        self.stop = stop or asyncio.Event()
        self.midnight = datetime.combine(plan.day, dtime.min, self.cfg.zone)
        sessions = open_sessions(self.cfg, plan.day)
        if not sessions:
            raise ValueError(f"the hall is closed on {plan.day}: pick a day it opens")
        self.end = sessions[-1].end
        self.windows = issue_windows(self.cfg, plan.day)
        # on the step grid, never before the server's clock (it cannot go back)
        self.begin = math.ceil(max(sessions[0].start, begin_s or 0.0) / self.tick) * self.tick
        if self.begin >= self.end:
            raise ValueError(f"the hall's day {plan.day} is already over at the start time")
        self.now = self.begin
        self.heap: list[tuple[float, int, Ev, tuple]] = []
        self.seq = itertools.count()
        self.waiting: Counter = Counter()  # the mirror: tickets waiting per service
        self.by_ticket: dict[int, Citizen] = {}
        self.citizens: list[Citizen] = []
        self.errors: Counter = Counter()
        self.error_samples: list[tuple[str, int, str]] = []
        self.ratings = 0
        self.recalls_cap = min(self.b.recalls, self.cfg.queue.max_recalls)
        self.dossiers = itertools.count(1)
        comp = components(self.cfg)
        absent = absent_counters(self.cfg, self.b, plan.seed)
        self.agents = {c.number: _Agent(c.number, tuple(c.services), comp[c.number],
                                        absent=c.number in absent, free_since=self.begin)
                       for c in self.cfg.counters}
        self._schedule_day(sessions, plan)

    # Time.

    def _grid(self, t: float) -> float:
        return round(t / self.tick) * self.tick

    def _later(self, dt: float) -> float:
        return max(self.now + self.tick, self._grid(self.now + dt))

    def _at(self, t: float) -> datetime:
        return self.midnight + timedelta(seconds=t)

    def _arrival_time(self, t: float) -> float:
        """The step a citizen takes the ticket: the nearest one that is still inside the
        ticket window the arrival fell in (the kiosk refuses tickets after the cut-off)."""
        window = next((w for w in self.windows if w.start <= t < w.end), None)
        for q in (self._grid(t), math.floor(t / self.tick) * self.tick,
                  math.ceil(t / self.tick) * self.tick):
            if window is None or window.start <= q < window.end:
                return q
        return self._grid(t)

    def _push(self, t: float, kind: Ev, *args: Any) -> None:
        heapq.heappush(self.heap, (t, next(self.seq), kind, args))

    def _push_agent(self, t: float, kind: Ev, agent: _Agent) -> None:
        """An event of the counter's simulated officer, valid until the counter changes hands."""
        self._push(t, kind, agent.number, agent.epoch)

    def _schedule_day(self, sessions: list, plan: DayPlan) -> None:
        for i, w in enumerate(sessions):
            if w.end <= self.begin:
                continue
            self._push(self._grid(max(w.start, self.begin)), Ev.SESSION_START, i)
            if not self.b.drain and i < len(sessions) - 1:
                self._push(self._grid(w.end), Ev.SESSION_END, i)
        for a in plan.arrivals:
            c = Citizen(a, plan_citizen(a, self.cfg, plan.times, self.b, plan.seed))
            self.citizens.append(c)
            t = self._arrival_time(a.t)
            if t < self.begin:
                c.outcome = "before_start"
                continue
            self._push(t, Ev.ARRIVE, c)
        for number, breaks in plan_breaks(self.cfg, plan.day, self.b, plan.seed).items():
            for start, length in breaks:
                if start >= self.begin:
                    self._push(self._grid(start), Ev.BREAK, number, length)
        if self.poll_s:
            for number in self.agents:
                self._push(self.begin + self.tick, Ev.POLL, number)

    # The day.

    async def _prepare(self) -> None:
        """Take the counters over as they are: a counter paused from before is resumed (the
        officer starts the shift), a citizen already at a counter today is served. Tickets
        still at counters from an earlier day are the server's to expire: its housekeeping
        runs every minute (or at start), so wait for it a little."""
        midnight = self.midnight.timestamp()
        deadline = time.monotonic() + STALE_WAIT_S
        while True:
            r = await self.api.counters()
            if not r.ok:
                raise ServerError(f"reading the counters failed ({r.status}): {r.detail}")
            stale = [c["number"] for c in r.body if c.get("ticket")
                     and c["state"] in ("called", "serving")
                     and _epoch(c["ticket"]["issued_at"]) < midnight]
            if not stale or time.monotonic() > deadline:
                break
            await asyncio.sleep(1.0)
        if stale:
            raise ServerError(f"counters {', '.join(map(str, stale))} still hold tickets of an "
                              "earlier day that the server has not expired; restart it (its "
                              "housekeeping at start closes past days) and run again")
        for c in r.body:
            agent = self.agents.get(c["number"])
            if agent is None or agent.absent or agent.held_by is not None:
                continue
            if c["state"] == "paused":
                await self._resume(agent)
            elif c["state"] in ("called", "serving"):
                await self._adopt(agent)

    async def _adopt(self, agent: _Agent) -> None:
        """Serve the citizen someone else called to this counter."""
        r = await self.api.current(agent.number)
        if r.status == 200:
            self._called(agent, r.body, started=r.body.get("started_at") is not None)

    async def run(self) -> DayResult:
        if self.watch_s is not None:
            await self._watch()  # counters people hold already are not the simulator's
        await self._prepare()
        wall0 = time.perf_counter()
        real0 = time.monotonic()
        lag = 0.0
        steps = 0
        next_progress = self.begin + self.progress_every_s
        stopped = False
        while self.heap:
            t = self.heap[0][0]
            if t >= self.end:
                break
            if self.stop.is_set():
                stopped = True
                break
            if self.pacing.speed is not None:
                delay = real0 + (t - self.begin) / self.pacing.speed - time.monotonic()
                if delay > 0:
                    try:
                        await asyncio.wait_for(self.stop.wait(), delay)
                        stopped = True
                        break
                    except TimeoutError:
                        pass
                else:
                    lag = max(lag, -delay)
            batch = []
            while self.heap and self.heap[0][0] == t:
                batch.append(heapq.heappop(self.heap))
            self.now = t
            if self.watch_s is not None and \
                    time.monotonic() - self._watched_at >= self.watch_s:
                await self._watch()
            if self.movable:
                r = await self.api.set_clock(self._at(t))
                if not r.ok:
                    hint = (" (the admin's login expired on the simulated clock: use a login "
                            "the simulator can renew)") if r.status == 401 else ""
                    raise ServerError(f"moving the server's clock to {self._at(t)} failed "
                                      f"({r.status}): {r.detail}{hint}")
            await self._step(batch)
            await self._dispatch()
            steps += 1
            if t >= next_progress:
                next_progress = t + self.progress_every_s
                await self._progress(wall0, lag)
        self.now = max(self.now, self.end) if not stopped else self.now
        await self._progress(wall0, lag)
        wall = time.perf_counter() - wall0
        report = None
        r = await self.api.daily_report(self.plan.day)
        if r.ok and isinstance(r.body, dict):
            report = r.body
        return DayResult(
            cfg=self.cfg, day=self.plan.day, begin=self._at(self.begin), end=self._at(self.end),
            reached=self._at(self.now),
            citizens=self.citizens, wall_s=wall, requests=self.api.requests, steps=steps,
            errors=self.errors, error_samples=self.error_samples, ratings=self.ratings,
            stopped=stopped, lag_s=lag, kiosk_throttled=self.api.kiosk_throttled,
            server_report=report,
            left_at_counters=sum(1 for a in self.agents.values() if a.visit is not None))

    async def _progress(self, wall0: float, lag: float) -> None:
        if self.on_progress is None:
            return
        issued = sum(1 for c in self.citizens if c.ticket_id is not None)
        served = sum(1 for c in self.citizens if c.outcome == "served")
        p = Progress(self._at(self.now), issued, served, sum(self.waiting.values()),
                     sum(1 for a in self.agents.values() if a.state == "busy"),
                     self.api.requests, time.perf_counter() - wall0, lag)
        result = self.on_progress(p)
        if asyncio.iscoroutine(result):
            await result

    def _error(self, action: str, r: Reply) -> None:
        self.errors[(action, r.error)] += 1
        if len(self.error_samples) < 10:
            self.error_samples.append((action, r.status, r.detail[:300]))

    # Step 1: what does not depend on the queue.

    async def _step(self, batch: list) -> None:
        issues: dict[str, list[Citizen]] = defaultdict(list)
        calls: list[Awaitable[None]] = []
        for _, _, kind, args in batch:
            if kind is Ev.ARRIVE:
                issues[args[0].arrival.service].append(args[0])
            elif kind is Ev.SESSION_START:
                for a in self.agents.values():
                    a.on_duty = not a.absent
            elif kind is Ev.SESSION_END:
                for a in self.agents.values():
                    a.on_duty = False
            elif kind is Ev.BREAK:
                self.agents[args[0]].breaks_due.append(args[1])
            elif kind is Ev.POLL:
                agent = self.agents[args[0]]
                agent.poll = True
                self._push(self._later(self.poll_s or 60.0), Ev.POLL, agent.number)
            elif kind is Ev.RATE:
                calls.append(self._rate(*args))
            else:
                agent = self.agents[args[0]]
                if args[1] != agent.epoch or agent.held_by is not None:
                    continue  # scheduled before the counter changed hands
                handler = {Ev.START: self._start, Ev.RECALL: self._recall,
                           Ev.FINISH: self._finish, Ev.TRANSFER: self._transfer,
                           Ev.RESUME: self._resume}[kind]
                calls.append(handler(agent))
        calls.extend(self._issue_in_order(group) for group in issues.values())
        if calls:
            await asyncio.gather(*calls)

    async def _issue_in_order(self, citizens: list[Citizen]) -> None:
        for c in citizens:
            r = await self.api.issue(c.arrival.service, c.arrival.priority)
            if r.status == 201:
                body = r.body
                c.ticket_id, c.number = int(body["id"]), str(body["number"])
                c.issued_at = _epoch(body["issued_at"])
                c.outcome = "waiting"
                self.by_ticket[c.ticket_id] = c
                self.waiting[body["service"]] += 1
                if self.on_ticket is not None:
                    self.on_ticket(body)
            else:
                c.outcome, c.refused = "refused", r.error
                if r.status not in (409, 422):  # closed, cut-off, full: the hall said no
                    self._error("issue", r)

    def _free(self, agent: _Agent) -> None:
        agent.visit = None
        agent.state = "idle"
        agent.free_since = self.now

    def _lost(self, agent: _Agent, action: str, r: Reply) -> None:
        """The server refused a move on the counter's visit (someone else acted on it)."""
        self._error(action, r)
        if agent.visit is not None and agent.visit.citizen.outcome == "at_counter":
            agent.visit.citizen.outcome = "lost"
        self._free(agent)

    async def _start(self, agent: _Agent) -> None:
        v = agent.visit
        if v is None:
            return
        r = await self.api.act(agent.number, "start")
        if not r.ok:
            return self._lost(agent, "start", r)
        c = v.citizen
        if c.plan.transfer_to and c.transfers == 0:
            self._push_agent(self._later(c.plan.transfer_after_s), Ev.TRANSFER, agent)
        else:
            length = c.plan.service_s if c.transfers == 0 else c.plan.second_service_s
            self._push_agent(self._later(length), Ev.FINISH, agent)

    async def _recall(self, agent: _Agent) -> None:
        v = agent.visit
        if v is None:
            return
        if v.recalls_left > 0:
            v.recalls_left -= 1
            r = await self.api.act(agent.number, "recall")
            if not r.ok:
                return self._lost(agent, "recall", r)
            self._push_agent(self._later(self.b.recall_after_s), Ev.RECALL, agent)
            return
        r = await self.api.act(agent.number, "skip")
        if not r.ok:
            return self._lost(agent, "skip", r)
        v.citizen.outcome = "no_show"
        self._free(agent)

    async def _finish(self, agent: _Agent) -> None:
        v = agent.visit
        if v is None:
            return
        c = v.citizen
        body: dict[str, Any] = {"outcome": c.plan.outcome}
        if c.plan.outcome in ("received", "returned"):
            code = dossier_code(self.cfg, self.plan.day, next(self.dossiers))
            if code:
                body["dossier_code"] = code
        r = await self.api.act(agent.number, "finish", body)
        if not r.ok:
            return self._lost(agent, "finish", r)
        c.outcome = "served"
        if c.plan.rating is not None:
            at = self._later(c.plan.rating_delay_s)
            if at - self.now < self.cfg.rating.window_s:  # the window is open until then
                self._push(at, Ev.RATE, agent.number, int(r.body["visit_id"]), c.plan.rating, c)
        self._free(agent)

    async def _transfer(self, agent: _Agent) -> None:
        v = agent.visit
        if v is None:
            return
        c = v.citizen
        r = await self.api.act(agent.number, "transfer",
                               {"service": c.plan.transfer_to, "reason": TRANSFER_REASON})
        if not r.ok:
            return self._lost(agent, "transfer", r)
        c.transfers += 1
        c.outcome = "waiting"
        self.waiting[c.plan.transfer_to] += 1
        self._free(agent)

    async def _rate(self, counter: int, visit_id: int, score: int, c: Citizen) -> None:
        r = await self.api.rate(counter, visit_id, score)
        if r.status == 201:
            self.ratings += 1
            c.rated = True
        else:
            self._error("rating", r)

    async def _resume(self, agent: _Agent) -> None:
        r = await self.api.act(agent.number, "resume")
        if not r.ok:
            self._error("resume", r)
        agent.state = "idle"
        agent.free_since = self.now

    async def _pause(self, agent: _Agent) -> None:
        length = agent.breaks_due.popleft()
        r = await self.api.act(agent.number, "pause", {"reason": PAUSE_REASON})
        if not r.ok:
            return self._error("pause", r)
        agent.state = "paused"
        self._push_agent(self._later(length), Ev.RESUME, agent)

    # People who take a counter over.

    async def _watch(self) -> None:
        """Look at who holds each counter: a person signed in there takes it from its
        simulated officer; when they sign out, the simulated officer works it again."""
        self._watched_at = time.monotonic()
        r = await self.api.counters()
        if not r.ok:
            return self._error("counters", r)
        for c in r.body:
            agent = self.agents.get(c["number"])
            if agent is None:
                continue
            person = c.get("officer")
            if person and agent.held_by is None:
                self._stand_aside(agent, person)
            elif not person and agent.held_by is not None:
                await self._step_back_in(agent, c)

    def _stand_aside(self, agent: _Agent, person: str) -> None:
        if agent.visit is not None and agent.visit.citizen.outcome == "at_counter":
            agent.visit.citizen.outcome = "handed_over"
        agent.visit = None
        agent.state = "held"
        agent.held_by = person
        agent.epoch += 1
        if self.on_handover is not None:
            self.on_handover(agent.number, person)

    async def _step_back_in(self, agent: _Agent, counter: dict[str, Any]) -> None:
        person, agent.held_by = agent.held_by, None
        agent.epoch += 1
        agent.state = "idle"
        agent.free_since = self.now
        agent.stalled_at = None
        if self.on_handover is not None:
            self.on_handover(agent.number, None)
        if agent.absent or person is None:
            return
        if counter["state"] == "paused":
            await self._resume(agent)
        elif counter["state"] in ("called", "serving"):
            await self._adopt(agent)

    # Step 2: free counters call.

    async def _dispatch(self) -> None:
        for _ in range(len(self.agents) + 1):
            free = [a for a in self.agents.values()
                    if a.state == "idle" and a.on_duty and a.stalled_at != self.now]
            pausing = [a for a in free if a.breaks_due]
            if pausing:
                await asyncio.gather(*(self._pause(a) for a in pausing))
                free = [a for a in free if a.state == "idle"]
            avail = Counter({s: n for s, n in self.waiting.items() if n > 0})
            chosen = []
            for a in sorted(free, key=lambda a: (a.free_since, a.number)):
                if a.poll:
                    a.poll = False
                    chosen.append(a)
                    continue
                code = next((s for s in a.services if avail[s] > 0), None)
                if code is not None:
                    avail[code] -= 1
                    chosen.append(a)
            if chosen and self.watch_s is not None:
                await self._watch()  # a person may have signed in since the last look
                chosen = [a for a in chosen if a.held_by is None]
            if not chosen:
                return
            groups: dict[int, list[_Agent]] = defaultdict(list)
            for a in chosen:
                groups[a.component].append(a)
            await asyncio.gather(*(self._call_in_order(g) for g in groups.values()))

    async def _call_in_order(self, agents: list[_Agent]) -> None:
        for a in agents:
            r = await self.api.act(a.number, "next")
            if r.status == 204:
                for code in a.services:  # the server has nobody for this counter
                    self.waiting[code] = 0
                a.stalled_at = self.now
                continue
            if r.status != 200:
                self._error("next", r)
                a.stalled_at = self.now
                if r.error == "counter_busy":  # someone else called here: serve that citizen
                    await self._adopt(a)
                continue
            self._called(a, r.body)

    def _called(self, agent: _Agent, body: dict[str, Any], started: bool = False) -> None:
        ticket = body["ticket"]
        c = self.by_ticket.get(int(ticket["id"]))
        if c is None:  # someone else's ticket (a shared server): serve it all the same
            arrival = Arrival(self.now, ticket["service"], -int(ticket["id"]))
            c = Citizen(arrival, plan_citizen(arrival, self.cfg, self.plan.times, self.b,
                                              self.plan.seed),
                        ticket_id=int(ticket["id"]), number=ticket["number"],
                        issued_at=_epoch(ticket["issued_at"]), outcome="waiting")
            self.by_ticket[c.ticket_id] = c
            self.citizens.append(c)
        else:
            self.waiting[ticket["service"]] = max(0, self.waiting[ticket["service"]] - 1)
        if c.first_called_at is None:
            c.first_called_at = _epoch(body["called_at"])
        c.outcome = "at_counter"
        agent.visit = _Visit(int(body["visit_id"]), c, self.recalls_cap)
        agent.state = "busy"
        agent.stalled_at = None
        if started:
            length = c.plan.service_s if c.transfers == 0 else c.plan.second_service_s
            self._push_agent(self._later(length), Ev.FINISH, agent)
        elif c.plan.no_show and c.transfers == 0:
            self._push_agent(self._later(self.b.recall_after_s), Ev.RECALL, agent)
        else:
            self._push_agent(self._later(c.plan.walk_s), Ev.START, agent)


async def drive(plan: DayPlan, api: HallAPI, pacing: Pacing | None = None, *,
                begin_s: float | None = None, movable_clock: bool = True,
                poll_s: float | None = None,
                on_progress: Callable[[Progress], Awaitable[None] | None] | None = None,
                progress_every_s: float = 3600.0, stop: asyncio.Event | None = None,
                close_day: bool = True, watch_s: float | None = None,
                on_ticket: TicketHook | None = None,
                on_handover: HandoverHook | None = None) -> DayResult:
    """Run `plan` against the server behind `api` and return what happened.

    `begin_s`: start this many seconds after the day's midnight (default: at opening).
    `movable_clock`: the server runs with --fake-clock and the driver moves it; with a real
    clock, run with `Pacing(speed=1)` from the server's present time.
    `poll_s`: idle counters also call `next` this often (for a server other people use too).
    `stop`: set it to end the day early (Ctrl+C in the demo).
    `close_day`: move the clock past closing at the end, so the server expires what is left.
    `watch_s`: let people take counters over (see the module's docstring).
    `on_ticket`: called with each ticket the server issued (the demo prints it).
    `on_handover`: called when a person takes a counter over or hands it back.
    """
    day = _Day(plan, api, pacing or Pacing(), begin_s=begin_s, movable_clock=movable_clock,
               poll_s=poll_s, on_progress=on_progress, progress_every_s=progress_every_s,
               stop=stop, watch_s=watch_s, on_ticket=on_ticket, on_handover=on_handover)
    result = await day.run()
    if close_day and movable_clock and not result.stopped:
        r = await api.set_clock(result.end + timedelta(seconds=61))
        if not r.ok:
            raise ServerError(f"moving the clock past closing failed ({r.status}): {r.detail}")
    return result
