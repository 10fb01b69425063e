"""Every word the kiosk shows, in Vietnamese (first) and English.

One catalogue, so a translator edits one place and a test can check that every entry has
both languages, the same placeholders, and only letters the kiosk's font can draw.
"""

from __future__ import annotations

import string
import unicodedata
from datetime import datetime

LANGS = ("vi", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    # header and start screen
    "header.subtitle": {"vi": "Lấy số thứ tự", "en": "Take a queue number"},
    "lang.switch": {"vi": "English", "en": "Tiếng Việt"},
    "home.prompt": {
        "vi": "Chạm vào lĩnh vực cần giải quyết để lấy số",
        "en": "Touch the service you need to take a number",
    },
    "home.priority_prompt": {
        "vi": "Ưu tiên: {group}. Chạm vào lĩnh vực để lấy số",
        "en": "Priority: {group}. Touch a service to take a number",
    },
    "home.priority_cancel": {"vi": "Bỏ ưu tiên", "en": "Cancel priority"},
    "home.no_services": {
        "vi": "Chưa có lĩnh vực nào nhận số lúc này",
        "en": "No service is taking numbers right now",
    },
    "home.on_screen_notice": {
        "vi": "Máy in tạm hết giấy: số thứ tự sẽ hiện trên màn hình kèm mã QR",
        "en": "The printer is out of paper: your number will be shown on screen with a QR code",
    },
    "home.on_screen_notice_fault": {  # unreachable, cover open, any fault but an empty roll
        "vi": "Máy in đang gặp sự cố: số thứ tự sẽ hiện trên màn hình kèm mã QR",
        "en": "The printer has a fault: your number will be shown on screen with a QR code",
    },
    "service.waiting": {"vi": "Đang chờ: {n}", "en": "Waiting: {n}"},
    "service.wait": {"vi": "Chờ khoảng {m} phút", "en": "About {m} min"},
    "service.no_wait": {"vi": "Không phải chờ", "en": "No wait"},
    "service.closed": {"vi": "Tạm ngừng nhận số", "en": "Not taking numbers now"},
    "page.of": {"vi": "Trang {page}/{pages}", "en": "Page {page} of {pages}"},
    "page.prev": {"vi": "Trang trước", "en": "Previous"},
    "page.next": {"vi": "Trang sau", "en": "Next"},
    "btn.priority": {"vi": "Diện ưu tiên", "en": "Priority"},
    "btn.priority_sub": {
        "vi": "Người cao tuổi, khuyết tật, mang thai…",
        "en": "Elderly, disabled, pregnant…",
    },
    "btn.scan": {"vi": "Nhận kết quả hồ sơ", "en": "Collect a result"},
    "btn.scan_sub": {
        "vi": "Quét mã trên giấy hẹn trả kết quả",
        "en": "Scan the code on your receipt",
    },
    "btn.scan_sub_number": {  # the hall has a result counter: a plain number is there too
        "vi": "Quét mã giấy hẹn, hoặc lấy số",
        "en": "Scan your receipt, or take a number",
    },
    "btn.back": {"vi": "Quay lại", "en": "Back"},
    "btn.done": {"vi": "Xong", "en": "Done"},
    # priority choice
    "priority.title": {
        "vi": "Ông/Bà thuộc diện ưu tiên nào?",
        "en": "Which priority group are you in?",
    },
    "priority.note": {
        "vi": "Cán bộ sẽ kiểm tra giấy tờ tại quầy. Sau đó chọn lĩnh vực.",
        "en": "An officer checks this at the counter. Next, choose a service.",
    },
    # result collection
    "scan.title": {"vi": "Nhận kết quả hồ sơ", "en": "Collect a dossier result"},
    "scan.prompt": {
        "vi": "Đưa mã QR hoặc mã vạch trên giấy hẹn trả kết quả vào máy quét",
        "en": "Hold the QR code or barcode of your receipt under the scanner",
    },
    "scan.example": {
        "vi": "Mã hồ sơ có dạng {example}",
        "en": "A dossier code looks like {example}",
    },
    "scan.where": {
        "vi": "Máy quét ở phía dưới màn hình",
        "en": "The scanner is below the screen",
    },
    "scan.number": {"vi": "Không mang giấy hẹn?", "en": "No receipt with you?"},
    "scan.number_sub": {
        "vi": "Lấy số thứ tự đến quầy trả kết quả",
        "en": "Take a number for the results counter",
    },
    "scan.invalid": {
        "vi": "Mã vừa quét không đọc được. Vui lòng quét lại mã trên giấy hẹn.",
        "en": "That code could not be read. Please scan the code on your receipt again.",
    },
    # issuing and the ticket
    "issuing.title": {"vi": "Đang lấy số…", "en": "Getting your number…"},
    "issuing.collect": {"vi": "Nhận kết quả hồ sơ {code}", "en": "Result of dossier {code}"},
    "printing.title": {"vi": "Đang in phiếu…", "en": "Printing your ticket…"},
    "ticket.title": {"vi": "Số thứ tự của Ông/Bà", "en": "Your number"},
    "ticket.ahead": {"vi": "Người chờ trước Ông/Bà: {n}", "en": "People ahead of you: {n}"},
    "ticket.wait": {"vi": "Chờ dự kiến: khoảng {m} phút", "en": "Estimated wait: about {m} min"},
    "ticket.no_wait": {"vi": "Chờ dự kiến: không phải chờ", "en": "Estimated wait: none"},
    "ticket.counters": {"vi": "Quầy phục vụ: {counters}", "en": "Served at counters: {counters}"},
    "ticket.take": {"vi": "Mời nhận phiếu bên dưới", "en": "Please take your ticket below"},
    "ticket.watch": {
        "vi": "Chú ý màn hình và loa gọi số",
        "en": "Watch the screens and listen for your number",
    },
    "ticket.on_screen": {
        "vi": "Máy in không in được phiếu: hãy ghi nhớ số này hoặc chụp mã QR",
        "en": "The ticket could not be printed: remember this number or photograph the QR code",
    },
    "ticket.qr": {"vi": "Theo dõi lượt của Ông/Bà", "en": "Follow your turn"},
    "ticket.back_in": {
        "vi": "Tự động quay lại sau {s} giây",
        "en": "Back to the start in {s} s",
    },
    "ticket.preview": {"vi": "Phiếu in", "en": "Printed ticket"},
    # printer trouble
    "printer.paper_out": {"vi": "Máy in hết giấy", "en": "The printer is out of paper"},
    "printer.cover_open": {"vi": "Nắp máy in đang mở", "en": "The printer cover is open"},
    "printer.offline": {"vi": "Máy in không hoạt động", "en": "The printer is not working"},
    "printer.body": {
        "vi": "Cán bộ đã được báo để xử lý. Vui lòng chờ trong giây lát "
        "hoặc liên hệ quầy hướng dẫn.",
        "en": "The staff have been told. Please wait a moment or ask at the information desk.",
    },
    "printer.unprinted": {
        "vi": "Số thứ tự {number} của Ông/Bà chưa in được. Khi máy in sẵn sàng, "
        "chạm “In lại” để in phiếu.",
        "en": "Your number {number} could not be printed. When the printer is ready, "
        "touch “Print again” to print it.",
    },
    "printer.ready": {"vi": "Máy in đã sẵn sàng", "en": "The printer is ready"},
    # printing an unprinted ticket again (the same number)
    "btn.reprint": {"vi": "In lại", "en": "Print again"},
    "reprint.wait": {
        "vi": "Khi máy in sẵn sàng, chạm “In lại” để in phiếu này",
        "en": "When the printer is ready, touch “Print again” to print this ticket",
    },
    "reprint.ready": {
        "vi": "Máy in đã sẵn sàng: chạm “In lại” để in phiếu số {number}",
        "en": "The printer is ready: touch “Print again” to print ticket {number}",
    },
    "reprint.touch": {
        "vi": "Chạm “In lại” để in phiếu số {number} của Ông/Bà",
        "en": "Touch “Print again” to print your ticket {number}",
    },
    "reprint.offline": {
        "vi": "Đang kết nối lại hệ thống: chờ giây lát rồi chạm “In lại”",
        "en": "Reconnecting to the queue system: wait a moment, then touch “Print again”",
    },
    "reprint.printing": {"vi": "Đang in lại phiếu…", "en": "Printing your ticket again…"},
    "printer.back": {
        "vi": "Máy sẽ tự hoạt động lại khi máy in sẵn sàng.",
        "en": "The kiosk comes back by itself when the printer is ready.",
    },
    # server trouble
    "offline.title": {
        "vi": "Tạm thời chưa kết nối được hệ thống",
        "en": "Cannot reach the queue system",
    },
    "offline.body": {
        "vi": "Vui lòng chờ trong giây lát: máy sẽ tự hoạt động lại.",
        "en": "Please wait a moment: the kiosk will come back by itself.",
    },
    "offline.help": {
        "vi": "Nếu cần gấp, vui lòng liên hệ quầy hướng dẫn.",
        "en": "If you are in a hurry, please ask at the information desk.",
    },
    "offline.retrying": {"vi": "Đang kết nối lại…", "en": "Reconnecting…"},
    # closed hall
    "closed.title": {"vi": "Ngoài giờ cấp số", "en": "Numbers are not being issued now"},
    "closed.opens": {
        "vi": "Mời quay lại lúc {time}, {day}",
        "en": "Please come back at {time}, {day}",
    },
    "closed.today": {"vi": "hôm nay", "en": "today"},
    "closed.tomorrow": {"vi": "ngày mai", "en": "tomorrow"},
    "closed.body": {
        "vi": "Xin cảm ơn Ông/Bà đã đến.",
        "en": "Thank you for coming.",
    },
    # refusals and limits
    "refused.title": {"vi": "Chưa lấy được số", "en": "No number was issued"},
    "refused.server_error": {
        "vi": "Hệ thống gặp lỗi. Vui lòng thử lại sau giây lát.",
        "en": "The system had a problem. Please try again in a moment.",
    },
    "busy.title": {"vi": "Vui lòng chờ giây lát", "en": "Please wait a moment"},
    "busy.body": {
        "vi": "Máy vừa cấp nhiều số liên tiếp. Ông/Bà có thể lấy số sau {s} giây.",
        "en": "Many numbers were just issued. You can take one in {s} s.",
    },
    # the clock
    "weekday.0": {"vi": "Thứ Hai", "en": "Monday"},
    "weekday.1": {"vi": "Thứ Ba", "en": "Tuesday"},
    "weekday.2": {"vi": "Thứ Tư", "en": "Wednesday"},
    "weekday.3": {"vi": "Thứ Năm", "en": "Thursday"},
    "weekday.4": {"vi": "Thứ Sáu", "en": "Friday"},
    "weekday.5": {"vi": "Thứ Bảy", "en": "Saturday"},
    "weekday.6": {"vi": "Chủ nhật", "en": "Sunday"},
}


def nfc(text: str) -> str:
    """Precomposed form: the font's character map holds "ờ", not "o" + horn + grave."""
    return unicodedata.normalize("NFC", text)


def t(key: str, lang: str = "vi", **values: object) -> str:
    """The text of `key` in `lang` (Vietnamese when the language is unknown), filled in."""
    entry = CATALOGUE[key]
    text = entry.get(lang) or entry["vi"]
    return nfc(text.format(**values) if values else text)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def pick(lang: str, vi: str, en: str | None) -> str:
    """A name from the hall's data in `lang`; Vietnamese when no English name is given."""
    return nfc(en if lang == "en" and en else vi)


def format_date(moment: datetime, lang: str) -> str:
    """"Thứ Hai, 23/11/2026" or "Monday 23/11/2026": day first, as Vietnam writes dates."""
    day = t(f"weekday.{moment.weekday()}", lang)
    sep = ", " if lang == "vi" else " "
    return f"{day}{sep}{moment:%d/%m/%Y}"


def minutes(seconds: int) -> int:
    """Whole minutes, rounded up, as the ticket shows them."""
    return -(-max(0, seconds) // 60)
