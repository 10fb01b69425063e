"""A number for today taken from a phone: the kiosk's issue path, in the kiosk's queue.

One transaction: the code is checked and spent, the hall's limits are counted, the ticket is
issued (`server/queue/tickets.py`, as a kiosk's, ranked by its issue time like a walk-in), the
phone is noted in `remote_ticket` and the confirmation is written to the outbox. Any refusal
but a wrong code rolls all of it back, the code included (it can be used again).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import select

from contracts.api import TicketOut
from server.citizens import otp
from server.db.models import RemoteTicket
from server.engine.errors import EngineError, ServiceFull
from server.outbox import enqueue
from server.queue import tickets as tk
from server.queue.context import Tx
from server.queue.lookups import service_cfg


class RemoteClosed(EngineError):
    code = "remote_closed"


class PhoneLimit(EngineError):
    code = "phone_limit"


def _count(tx: Tx, *where) -> int:
    q = select(func.count()).select_from(RemoteTicket).where(RemoteTicket.day == tx.today,
                                                             *where)
    return int(tx.s.exec(q).one())


def _tomorrow(tx: Tx) -> tuple[datetime, int]:
    local = tx.now.astimezone(tx.cfg.zone)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight, int((midnight - local).total_seconds())


def take(tx: Tx, service: str, phone: str, code: str) -> TicketOut | otp.CodeRejected:
    svc = service_cfg(tx, service)
    if not svc.remote:
        raise RemoteClosed(f"Dịch vụ {svc.name} không cấp số từ xa; mời đến lấy số tại ki-ốt. "
                           f"(Service {svc.name_en} takes no remote numbers; take one at the "
                           "kiosk.)", service=svc.code)
    refused = otp.check(tx, phone, code)
    if refused is not None:
        return refused
    c = tx.cfg.citizens
    midnight, wait = _tomorrow(tx)
    resets = midnight.isoformat()
    if _count(tx, RemoteTicket.phone == phone, RemoteTicket.service == svc.code) \
            >= c.per_phone_per_service:
        raise PhoneLimit(f"Số điện thoại này đã lấy số {svc.name} hôm nay; mỗi ngày "
                         f"{c.per_phone_per_service} số. (This phone already has a number for "
                         f"{svc.name_en} today.)", resets_at=resets, retry_after=wait)
    if _count(tx, RemoteTicket.phone == phone) >= c.per_phone_per_day:
        raise PhoneLimit(f"Mỗi số điện thoại lấy được {c.per_phone_per_day} số một ngày. (A "
                         f"phone may take {c.per_phone_per_day} numbers a day.)",
                         resets_at=resets, retry_after=wait)
    if svc.remote_daily_cap and _count(tx, RemoteTicket.service == svc.code) \
            >= svc.remote_daily_cap:
        raise ServiceFull(f"Dịch vụ {svc.name} đã hết số lấy từ xa hôm nay; mời đến lấy số tại "
                          f"ki-ốt. (Service {svc.name_en} has given out all its remote numbers "
                          "today; take one at the kiosk.)", service=svc.code, resets_at=resets)
    out = tk.issue_out(tx, svc.code, None, "vi", None, None)
    tx.s.add(RemoteTicket(ticket_id=out.id, day=tx.today, service=svc.code, phone=phone,
                          created_at=tx.now))
    minutes = -(-out.estimated_wait_s // 60)
    enqueue(tx, "booking", phone,
            f"{tx.cfg.hall.name}: số thứ tự của Ông/Bà là {out.number} ({svc.name}). Trước "
            f"Ông/Bà còn {out.waiting_ahead} người, khoảng {minutes} phút. Theo dõi: "
            f"{follow_url(tx, out.id)} / Your number is {out.number} ({svc.name_en}); "
            f"{out.waiting_ahead} ahead, about {minutes} min.",
            f"remote:{out.id}")
    return out


def follow_url(tx: Tx, ticket_id: int) -> str:
    return f"{tx.cfg.hall.public_url.rstrip('/')}/q/{ticket_id}"


def erase_phones(tx: Tx) -> int:
    """Erase the phones of remote tickets whose day ended `keep_phone_days` days ago or more
    (the default 1: kept through the next day, for a question at the desk)."""
    keep = tx.cfg.citizens.keep_phone_days
    cutoff = tx.today - timedelta(days=keep)
    result = tx.s.execute(update(RemoteTicket).where(RemoteTicket.day < cutoff,
                                                  RemoteTicket.phone.is_not(None))
                       .values(phone=None))
    return result.rowcount or 0


def upkeep(tx: Tx) -> None:
    """What the citizens' tables must not keep: run by the outbox's sender (one per
    deployment) every ten minutes."""
    erase_phones(tx)
    otp.prune(tx)
