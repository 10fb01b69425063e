"""The answers of the counter pages' read endpoints: the counter's waiting list, its figures
for today and the rating window still open (`GET /api/v1/counters/{n}/queue`, `…/stats`,
`…/rating-open`). The server builds them in server/queue/counter_reads.py; the officer's
panel and the rating tablet read them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

QUEUE_LIMIT = 200


class QueueItem(BaseModel):
    id: int
    number: str
    service: str
    service_name: str
    service_name_en: str
    priority: str | None = None
    priority_name: str | None = None
    priority_name_en: str | None = None
    transferred: bool = False
    to_this_counter: bool = Field(description="transferred to this very counter")
    issued_at: datetime
    queued_at: datetime


class CounterQueueOut(BaseModel):
    counter: int
    now: datetime
    total: int = Field(description="all tickets this counter could call now")
    priority: int = Field(description="of which in a priority group")
    items: list[QueueItem] = Field(description=f"in call order, at most {QUEUE_LIMIT}")


class CounterStatsOut(BaseModel):
    counter: int
    date: str = Field(description="the hall's local date")
    called: int
    served: int
    no_show: int
    transferred: int
    dossiers: int = Field(description="finished visits that recorded a dossier code")
    outcomes: dict[str, int]
    avg_service_s: int | None = Field(description="finished visits, from arrival (or call) "
                                      "to finish")
    avg_wait_s: int | None = Field(description="from queueing to the call, for visits here")
    ratings: dict[str, int] = Field(description="count per score, every level present")
    rating_levels: list[dict]
    satisfaction_rate: float | None = Field(description="share of the two top levels")


class RateableOut(BaseModel):
    visit_id: int
    counter: int
    number: str
    service: str
    rating_until: datetime
    now: datetime | None = Field(default=None, description="the hall's time of this answer")
    left_s: float | None = Field(default=None, description="seconds of the hall's clock "
                                 "left to rate (a demo's fast clock runs faster than a watch)")
