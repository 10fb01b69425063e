"""The report's tables as columns and rows, once, for every export (CSV, Excel, the page).

A column has a key into the report's JSON (dots go into nested objects), a Vietnamese and an
English header, and a kind that says how to write it: a count, a duration in seconds, a rate
(a fraction), or text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["text", "int", "seconds", "rate", "number"]


@dataclass(frozen=True)
class Column:
    key: str
    vi: str
    en: str
    kind: Kind = "int"

    @property
    def csv_name(self) -> str:
        return self.key.replace(".", "_")

    def value(self, row: dict[str, Any]) -> Any:
        value: Any = row
        for part in self.key.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value


@dataclass(frozen=True)
class Table:
    name: str  # also the CSV section and the Excel sheet's key
    vi: str
    en: str
    columns: tuple[Column, ...]
    source: str  # where the rows are in the report

    def rows(self, report: dict[str, Any]) -> list[dict[str, Any]]:
        value: Any = report
        for part in self.source.split("."):
            value = value[part]
        if self.name == "hours":
            value = active_hours(value)
        return list(value)


def _times(prefix: str, vi: str, en: str) -> tuple[Column, ...]:
    return (Column(f"{prefix}.mean_s", f"{vi} TB", f"Mean {en}", "seconds"),
            Column(f"{prefix}.median_s", f"{vi} trung vị", f"Median {en}", "seconds"),
            Column(f"{prefix}.p90_s", f"{vi} P90", f"90th pct {en}", "seconds"))


_TICKETS = (
    Column("issued", "Số phiếu cấp", "Issued"),
    Column("served", "Đã phục vụ", "Served"),
    Column("no_show", "Vắng mặt", "No-show"),
    Column("transferred", "Chuyển tiếp", "Transferred"),
    Column("cancelled", "Đã hủy", "Cancelled"),
    Column("expired", "Hết hạn", "Expired"),
    Column("waiting", "Còn chờ", "Still waiting"),
)
_VISITS = (
    Column("calls", "Lượt gọi", "Calls"),
    Column("served", "Đã phục vụ", "Served"),
    Column("no_show", "Vắng mặt", "No-show"),
    Column("transferred", "Chuyển tiếp", "Transferred"),
)
# Every rating Layso records is given on the counter's tablet: the labels say so ("đánh giá
# tại quầy"), apart from the online ratings of the national portal (issue 13).
_SATISFACTION = (
    Column("rated", "Lượt đánh giá tại quầy", "Counter ratings"),
    Column("satisfaction_rate", "Tỷ lệ hài lòng (đánh giá tại quầy)",
           "Satisfaction rate (counter ratings)", "rate"),
)
_WAIT = _times("wait", "Chờ", "wait")
_SERVICE = _times("service_time", "Phục vụ", "service")

SERVICES = Table("services", "Theo lĩnh vực", "By service", (
    Column("service", "Mã", "Code", "text"), Column("name", "Lĩnh vực", "Service", "text"),
    *_TICKETS, *_WAIT, *_SERVICE, *_SATISFACTION,
    Column("over_target", "Chờ quá chỉ tiêu", "Waits over target"),
), "by_service")
COUNTERS = Table("counters", "Theo quầy", "By counter", (
    Column("label", "Quầy", "Counter", "text"), Column("name", "Tên quầy", "Name", "text"),
    *_VISITS, *_WAIT, *_SERVICE, *_SATISFACTION,
    Column("paused_s", "Thời gian tạm dừng", "Paused", "seconds"),
), "by_counter")
OFFICERS = Table("officers", "Theo cán bộ", "By officer", (
    Column("username", "Tài khoản", "Username", "text"),
    Column("full_name", "Họ tên", "Full name", "text"),
    *_VISITS, *_WAIT, *_SERVICE, *_SATISFACTION,
), "by_officer")
HOURS = Table("hours", "Theo giờ trong ngày", "By hour of the day", (
    Column("hour", "Giờ", "Hour"), Column("issued", "Số phiếu cấp", "Issued"),
    Column("served", "Đã phục vụ", "Served"),
    Column("wait_mean_s", "Chờ TB", "Mean wait", "seconds"),
), "by_hour")
DAYS = Table("days", "Theo ngày", "By day", (
    Column("date", "Ngày", "Date", "text"), *_TICKETS[:4],
    Column("wait_mean_s", "Chờ TB", "Mean wait", "seconds"), *_SATISFACTION,
    Column("dossiers_received", "Hồ sơ tiếp nhận", "Dossiers received"),
    Column("dossiers_returned", "Hồ sơ trả kết quả", "Dossiers returned"),
), "by_day")
# A table's English name is its CSV section's name (a contract): it stays.
LEVELS = Table("satisfaction", "Mức độ hài lòng (đánh giá tại quầy)", "Satisfaction", (
    Column("score", "Điểm", "Score"), Column("name", "Mức", "Level", "text"),
    Column("name_en", "Mức (EN)", "Level (EN)", "text"), Column("count", "Số lượt", "Count"),
    Column("share", "Tỷ lệ", "Share", "rate"),
), "satisfaction.levels")
REASONS = Table("reasons", "Lý do chưa hài lòng (đánh giá tại quầy)", "Reasons given", (
    Column("reason", "Lý do", "Reason", "text"), Column("count", "Số lượt", "Count"),
), "satisfaction.reasons")
_DOSSIER_FIGURES = (
    Column("received", "Tiếp nhận", "Received"), Column("returned", "Trả kết quả", "Returned"),
    Column("early", "Trước hạn", "Early"), Column("on_time", "Đúng hạn", "On time"),
    Column("late", "Quá hạn", "Late"), Column("no_due_date", "Không có hẹn trả", "No due date"),
    Column("on_time_rate", "Tỷ lệ đúng và trước hạn", "On-time rate", "rate"),
)
DOSSIERS = Table("dossiers", "Hồ sơ theo lĩnh vực", "Dossiers by service", (
    Column("service", "Lĩnh vực", "Service", "text"), *_DOSSIER_FIGURES,
), "dossiers.by_service")
LATE = Table("late", "Hồ sơ trả quá hạn", "Dossiers returned late", (
    Column("dossier_code", "Mã hồ sơ", "Dossier code", "text"),
    Column("service", "Lĩnh vực", "Service", "text"), Column("counter", "Quầy", "Counter"),
    Column("due_date", "Hẹn trả", "Due", "text"),
    Column("returned_at", "Ngày trả", "Returned", "text"),
    Column("late_working_hours", "Quá hạn (giờ làm việc)", "Late (working hours)", "number"),
), "dossiers.late_list")

TABLES: tuple[Table, ...] = (SERVICES, COUNTERS, OFFICERS, HOURS, DAYS, LEVELS, REASONS,
                             DOSSIERS, LATE)

# The headline figures, in the order a manager reads them.
KPIS: tuple[Column, ...] = (
    Column("totals.issued", "Số phiếu cấp", "Tickets issued"),
    Column("totals.served", "Đã phục vụ", "Served"),
    Column("totals.no_show", "Vắng mặt", "No-show"),
    Column("totals.transferred", "Chuyển tiếp", "Transferred"),
    Column("totals.cancelled", "Đã hủy", "Cancelled"),
    Column("totals.expired", "Hết hạn cuối ngày", "Expired at closing"),
    Column("totals.waiting", "Còn chờ", "Still waiting"),
    *_times("totals.wait", "Thời gian chờ", "wait"),
    *_times("totals.service_time", "Thời gian phục vụ", "service time"),
    Column("satisfaction.rated", "Lượt đánh giá tại quầy", "Counter ratings given"),
    Column("satisfaction.satisfaction_rate",
           "Tỷ lệ hài lòng và rất hài lòng (đánh giá tại quầy)",
           "Satisfaction rate (top two levels, counter ratings)", "rate"),
    Column("dossiers.received", "Hồ sơ tiếp nhận", "Dossiers received"),
    Column("dossiers.returned", "Hồ sơ trả kết quả", "Dossiers returned"),
    Column("dossiers.early", "Trả trước hạn", "Returned early"),
    Column("dossiers.on_time", "Trả đúng hạn", "Returned on time"),
    Column("dossiers.late", "Trả quá hạn", "Returned late"),
    Column("dossiers.on_time_rate", "Tỷ lệ đúng và trước hạn", "On-time rate", "rate"),
    Column("totals.paused_s", "Tổng thời gian quầy tạm dừng", "Counters paused (total)",
           "seconds"),
)


def active_hours(by_hour: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The hours from the first to the last with any activity (all of them if none)."""
    busy = [r["hour"] for r in by_hour if r["issued"] or r["served"]]
    if not busy:
        return by_hour
    return [r for r in by_hour if min(busy) <= r["hour"] <= max(busy)]
