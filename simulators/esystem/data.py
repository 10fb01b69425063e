"""The simulator's dossiers and procedures, generated from a seed so a test can rely on them.

Every OpenCPS status appears; each dossier carries an applicant name and an ID number like
the real system's answers do, so privacy tests can prove the hall never passes them on.
Codes follow the national pattern `000.00.31.H12-YYMMDD-NNNN` (agency, date received, daily
sequence).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

AGENCY_CODE = "000.00.31.H12"
AGENCY_NAME = "UBND phường Bến Thành"
STATUSES = ("new", "receiving", "processing", "waiting", "paying", "unresolved", "releasing",
            "posting", "done", "cancelled", "denied")
STATUS_TEXT = {
    "new": "Mới", "receiving": "Đang tiếp nhận", "processing": "Đang xử lý",
    "waiting": "Chờ bổ sung", "paying": "Chờ thanh toán", "unresolved": "Không giải quyết",
    "releasing": "Chờ trả kết quả", "posting": "Chuyển phát", "done": "Hoàn thành",
    "cancelled": "Đã hủy", "denied": "Từ chối",
}
PROCEDURES = [
    # serviceCode, serviceName, domainName, days, feeText, dossierText
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch", 1, "Miễn lệ phí",
     "Tờ khai đăng ký khai sinh; Giấy chứng sinh"),
    ("1.000894", "Đăng ký kết hôn", "Hộ tịch", 1, "Miễn lệ phí",
     "Tờ khai đăng ký kết hôn; Giấy xác nhận tình trạng hôn nhân"),
    ("1.000656", "Đăng ký khai tử", "Hộ tịch", 1, "Miễn lệ phí",
     "Tờ khai đăng ký khai tử; Giấy báo tử"),
    ("2.000635", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", 1, "8.000 đồng/bản",
     "Tờ khai cấp bản sao trích lục"),
    ("1.004227", "Xác nhận tình trạng hôn nhân", "Hộ tịch", 3, "Miễn lệ phí",
     "Tờ khai xác nhận tình trạng hôn nhân"),
    ("2.000815", "Chứng thực bản sao từ bản chính", "Chứng thực", 1, "2.000 đồng/trang",
     "Bản chính giấy tờ; Bản sao cần chứng thực"),
    ("2.000884", "Chứng thực chữ ký", "Chứng thực", 1, "10.000 đồng/trường hợp",
     "Giấy tờ cần chứng thực chữ ký"),
    ("1.003003", "Đăng ký biến động quyền sử dụng đất", "Đất đai", 10, "Theo quy định",
     "Đơn đăng ký biến động; Giấy chứng nhận đã cấp"),
    ("1.009994", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng", 15, "75.000 đồng",
     "Đơn đề nghị; Bản vẽ thiết kế; Giấy tờ về quyền sử dụng đất"),
    ("2.001159", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh",
     3, "100.000 đồng", "Giấy đề nghị đăng ký hộ kinh doanh"),
    ("1.001612", "Đăng ký thường trú", "Đăng ký, quản lý cư trú", 7, "20.000 đồng",
     "Tờ khai thay đổi thông tin cư trú"),
    ("1.005388", "Hưởng trợ cấp xã hội hằng tháng", "Bảo trợ xã hội", 20, "Không",
     "Tờ khai đề nghị trợ giúp xã hội"),
]
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
_MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh")
_GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Mai", "Nam", "Phúc",
          "Quyên", "Sơn", "Thảo", "Uyên", "Vy")


@dataclass(frozen=True)
class SimDossier:
    row: dict  # the OpenCPS JSON shape, applicant fields included


def _fmt(at: datetime | None) -> str:
    return at.strftime("%d/%m/%Y %H:%M:%S") if at else ""


def generate(count: int = 330, today: date | None = None, seed: int = 15) -> list[SimDossier]:
    """`count` dossiers received over the 30 days before `today`, statuses in turn."""
    rng = random.Random(seed)
    today = today or date.today()
    per_day: dict[date, int] = {}
    out = []
    for i in range(count):
        received_day = today - timedelta(days=rng.randrange(0, 30))
        seq = per_day[received_day] = per_day.get(received_day, 0) + 1
        received = datetime.combine(received_day, time(7, 30)) + timedelta(
            minutes=rng.randrange(0, 540))
        code_, name, field, days, _fee, _papers = PROCEDURES[rng.randrange(len(PROCEDURES))]
        due = received + timedelta(days=days + 1)
        status = STATUSES[i % len(STATUSES)]
        released = finished = None
        if status in ("releasing", "posting", "done"):
            released = min(due, received + timedelta(days=max(1, days)))
        if status == "done" and i % 2 == 0:  # half handed over, half waiting at the counter
            finished = released + timedelta(hours=2)
        row = {
            "dossierId": 10_000 + i,
            "dossierNo": f"{AGENCY_CODE}-{received_day:%y%m%d}-{seq:04d}",
            "dossierStatus": status, "dossierStatusText": STATUS_TEXT[status],
            "serviceCode": code_, "serviceName": name, "domainName": field,
            "govAgencyCode": AGENCY_CODE, "govAgencyName": AGENCY_NAME,
            "applicantName": f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}",
            "applicantIdNo": f"0{rng.randrange(10**10, 10**11)}",
            "contactTelNo": f"09{rng.randrange(10**7, 10**8)}",
            "address": f"{rng.randrange(1, 300)} Lê Lợi, phường Bến Thành",
            "receiveDate": _fmt(received), "dueDate": _fmt(due),
            "releaseDate": _fmt(released), "finishDate": _fmt(finished),
        }
        out.append(SimDossier(row))
    return out


def service_infos() -> list[dict]:
    return [{"serviceInfoId": 500 + i, "serviceCode": c, "serviceName": n, "domainName": f,
             "durationText": f"{d} ngày làm việc", "feeText": fee, "dossierText": papers}
            for i, (c, n, f, d, fee, papers) in enumerate(PROCEDURES)]
