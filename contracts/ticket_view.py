"""The ticket as a citizen sees it: rendered by the kiosk screen and by the paper ticket.

Both render this one model, so screen and paper always agree. It never carries a
citizen's name, phone or ID number (public screens and printed tickets must not).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

PRIORITY_MARK = ("Diện ưu tiên", "Priority")
"""What a priority ticket says of its priority, on paper, on the kiosk and to any device: that
it is one, never which group (disability or pregnancy is health data)."""


class TicketView(BaseModel):
    hall_name: str
    hall_name_en: str = ""
    service_code: str
    service_name: str
    service_name_en: str = ""
    number: str
    issued_at: datetime = Field(description="aware datetime in the hall's time zone")
    waiting_ahead: int = 0
    estimated_wait_s: int = 0
    counters: list[str] = Field(default_factory=list, description="labels of serving counters")
    priority: str | None = Field(default=None, description='"Diện ưu tiên" on a priority '
                                   "ticket: never the group (a health fact, Decree 356/2025)")
    priority_en: str | None = None
    qr_url: str | None = Field(default=None, description="where to follow the queue")
    footer: str = "Phiếu chỉ có giá trị trong ngày."
    footer_en: str = "Valid today only."
    lang: str = "vi"

    @property
    def estimated_wait_min(self) -> int:
        """Whole minutes, rounded up: a citizen would rather wait less than promised."""
        return -(-self.estimated_wait_s // 60)


def sample_ticket_view() -> TicketView:
    """A realistic ticket for screenshots, printer tests and `layso printer test`."""
    from datetime import timedelta, timezone

    return TicketView(
        hall_name="Trung tâm Phục vụ hành chính công phường Bến Thành",
        hall_name_en="Public Administration Service Centre, Ben Thanh ward",
        service_code="HT",
        service_name="Hộ tịch — đăng ký khai sinh, kết hôn",
        service_name_en="Civil status — births, marriages",
        number="1023",
        issued_at=datetime(2026, 11, 23, 9, 41, tzinfo=timezone(timedelta(hours=7))),
        waiting_ahead=7,
        estimated_wait_s=1260,
        counters=["1", "2", "5A"],
        priority=None,
        qr_url="http://127.0.0.1:8000/q/1",
    )
