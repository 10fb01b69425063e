"""Sample hall data for screenshots and demos: a plausible snapshot built from a hall's TOML,
with no server. Seeded, so the same config always gives the same picture."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from contracts.api import CounterOut, CounterState, ServiceOut, TicketBrief, TicketState
from contracts.events import HallInfo, RecentCall, Snapshot
from contracts.hall_config import HallConfig


def sample_snapshot(config: HallConfig, now: datetime, *, seed: int = 7, seq: int = 480,
                    recent: int = 20) -> Snapshot:
    """A mid-morning hall: most counters serving, a few calling, one paused, queues waiting."""
    rng = random.Random(seed)
    issued = {s.code: rng.randint(12, 60) for s in config.services}
    served = {code: max(1, n - rng.randint(0, 12)) for code, n in issued.items()}
    counters: list[CounterOut] = []
    calls: list[RecentCall] = []
    ticket_id = 1000
    for i, counter in enumerate(config.counters):
        roll = rng.random()
        code = counter.services[i % len(counter.services)]
        service = config.service(code)
        assert service is not None
        if roll < 0.08:
            counters.append(CounterOut(number=counter.number, label=counter.label,
                                       name=counter.name, services=list(counter.services),
                                       state=CounterState.paused, pause_reason="Nghỉ giữa ca"))
            continue
        if roll < 0.18:
            counters.append(CounterOut(number=counter.number, label=counter.label,
                                       name=counter.name, services=list(counter.services),
                                       state=CounterState.idle))
            continue
        served[code] = max(served[code] - 1, 1)
        number = service.format_number(served[code])
        ticket_id += 1
        state = CounterState.called if roll > 0.8 else CounterState.serving
        at = now - timedelta(seconds=rng.randint(20, 900))
        counters.append(CounterOut(
            number=counter.number, label=counter.label, name=counter.name,
            services=list(counter.services), state=state, visit_id=ticket_id, since=at,
            ticket=TicketBrief(id=ticket_id, number=number, service=code,
                               state=TicketState(state.value), issued_at=at - timedelta(
                                   minutes=rng.randint(5, 40))),
        ))
        calls.append(RecentCall(number=number, counter=counter.number,
                                counter_label=counter.label, service=code, at=at))
    calls.sort(key=lambda c: c.at, reverse=True)
    services = [
        ServiceOut(code=s.code, name=s.name, name_en=s.name_en, prefix=s.prefix,
                   waiting=max(0, issued[s.code] - served[s.code] - rng.randint(0, 3)),
                   estimated_wait_s=s.avg_service_s * 3, counters=[
                       c.number for c in config.counters_for(s.code)])
        for s in config.services
    ]
    return Snapshot(
        seq=seq,
        hall=HallInfo(code=config.hall.code, name=config.hall.name,
                      name_en=config.hall.name_en or config.hall.name,
                      timezone=config.hall.timezone),
        now=now, open=True, services=services, counters=counters,
        recent_calls=calls[:recent], notices=list(config.hall.notices) or [
            "Công dân vui lòng giữ phiếu số thứ tự và chú ý màn hình, loa gọi số.",
            "Tra cứu hồ sơ trực tuyến tại Cổng Dịch vụ công quốc gia.",
        ],
    )


def sample_call(config: HallConfig, snapshot: Snapshot, at: datetime,
                counter_number: int | None = None, seq: int | None = None) -> dict:
    """A `called` event (as the server sends it) for a counter of the hall."""
    counter = config.counter(counter_number) if counter_number else config.counters[-1]
    assert counter is not None
    service = config.service(counter.services[0])
    assert service is not None
    in_use = [c.ticket.number for c in snapshot.counters if c.ticket] + [
        r.number for r in snapshot.recent_calls]
    taken = [int(n[len(service.prefix):]) for n in in_use
             if n.startswith(service.prefix) and n[len(service.prefix):].isdigit()]
    number = service.format_number(max(taken, default=22) + 1)
    return {
        "seq": (snapshot.seq + 1) if seq is None else seq, "type": "called",
        "at": at.isoformat(), "number": number, "counter": counter.number,
        "counter_label": counter.label, "service": service.code, "ticket_id": 9001,
        "visit_id": 9001,
    }
