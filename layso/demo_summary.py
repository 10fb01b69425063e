"""What the demo prints about its simulated day, worded so that it cannot be misread.

"306 citizens, 65 served" after a stopped day read as 241 citizens left unserved, when only 73
had arrived: the 306 were the whole day's expected arrivals. Each figure now says what it
counts: expected (from the simulated start to closing), arrived so far, and of those served,
still waiting, and the other ends (no-show, refused, left to a person at their counter).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from contracts.hall_config import HallConfig
from layso.simulate.driver import DayResult

WAITING = ("waiting", "at_counter")
NOT_ARRIVED = ("not_issued", "before_start")


def day_summary(result: DayResult) -> str:
    """Two lines, Vietnamese then English, about the citizens of the simulated day."""
    zone = result.cfg.zone
    begin = f"{result.begin.astimezone(zone):%H:%M}"
    mine = [c for c in result.citizens if c.arrival.k >= 0]
    expected = [c for c in mine if c.outcome != "before_start"]
    arrived = [c for c in expected if c.outcome not in NOT_ARRIVED]
    n = Counter(c.outcome for c in arrived)
    waiting = sum(n[o] for o in WAITING)
    others = len(result.citizens) - len(mine)  # taken by people: at the kiosk, from a phone
    if result.stopped:
        vi_head = (f"Ngày mô phỏng đã dừng lúc {result.reached.astimezone(zone):%H:%M}: "
                   f"dự kiến {len(expected)} công dân từ {begin} đến giờ đóng cửa; đến nay "
                   f"{len(arrived)} đã đến")
        en_head = (f"The simulated day was stopped at {result.reached.astimezone(zone):%H:%M}: "
                   f"{len(expected)} citizens expected from {begin} to closing; "
                   f"{len(arrived)} arrived so far")
        vi_wait, en_wait = "đang chờ hoặc đang ở quầy", "waiting or at a counter"
    else:
        vi_head = (f"Ngày mô phỏng đã kết thúc: dự kiến {len(expected)} công dân từ {begin} "
                   f"đến giờ đóng cửa; {len(arrived)} đã đến")
        en_head = (f"The simulated day is over: {len(expected)} citizens expected from {begin} "
                   f"to closing; {len(arrived)} arrived")
        vi_wait, en_wait = "chưa được phục vụ khi đóng cửa", "not served by closing"
    vi = [f"{n['served']} đã được phục vụ", f"{waiting} {vi_wait}"]
    en = [f"{n['served']} served", f"{waiting} {en_wait}"]
    extra = (("no_show", "vắng mặt khi được gọi", "not there when called"),
             ("refused", "không được cấp số (hết giờ hoặc hết số)",
              "refused a ticket (closed or numbers used up)"),
             ("handed_over", "để lại cho người nhận quầy", "left to a person who took a counter"),
             ("lost", "do người khác xử lý", "handled by someone else"))
    for outcome, vi_text, en_text in extra:
        if n[outcome]:
            vi.append(f"{n[outcome]} {vi_text}")
            en.append(f"{n[outcome]} {en_text}")
    if others:
        vi.append(f"thêm {others} số do người lấy (ở ki-ốt hoặc từ điện thoại)")
        en.append(f"plus {others} tickets people took (at the kiosk or from a phone)")
    return f"{vi_head}: {', '.join(vi)}.\n{en_head}: {', '.join(en)}."


def announce_handover(cfg: HallConfig) -> Callable[[int, str | None], None]:
    """The line the demo prints when a person takes a counter over or hands it back."""
    labels = {c.number: c.label for c in cfg.counters}

    def announce(counter: int, person: str | None) -> None:
        label = labels.get(counter, str(counter))
        if person is not None:
            print(f"  Quầy {label}: {person} đã nhận quầy, cán bộ mô phỏng dừng tại đây. / "
                  f"Counter {label}: {person} took it over; its simulated officer stops "
                  "there.", flush=True)
        else:
            print(f"  Quầy {label}: người nhận quầy đã đăng xuất, cán bộ mô phỏng làm tiếp. / "
                  f"Counter {label}: the person signed out; its simulated officer works it "
                  "again.", flush=True)

    return announce
