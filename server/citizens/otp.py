"""One-time codes: 6 digits, sent through the outbox, stored hashed, expiring, few tries.

The code is stored as SHA-256 over a salt of its own, the phone and the code: a copy of the
database does not show codes at a glance (a 6-digit code could still be searched for, which
is why it lives 5 minutes and allows 5 tries). A wrong answer counts in the same transaction
that refuses it, so it is not rolled back with the refusal: `check` returns the verdict and
the caller raises.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete

from server.db.models import OtpCode
from server.engine.errors import EngineError
from server.outbox import enqueue
from server.queue.context import Tx


class CodeRejected(EngineError):
    code = "otp_invalid"
    status = 401


class PhoneLocked(EngineError):
    code = "phone_locked"
    status = 429


def _hash(salt: str, phone: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{phone}:{code}".encode()).hexdigest()


def _locked(row: OtpCode | None, now: datetime) -> PhoneLocked | None:
    if row is None or row.locked_until is None or row.locked_until <= now:
        return None
    wait = max(1, math.ceil((row.locked_until - now).total_seconds()))
    return PhoneLocked(f"Nhập sai mã quá nhiều lần; số điện thoại bị khoá {-(-wait // 60)} "
                       f"phút. (Too many wrong codes; this phone is locked for {wait} s.)",
                       retry_after=wait)


def send_code(tx: Tx, phone: str) -> int:
    """A new code for `phone` (the previous one no longer works), as a message of kind `otp`
    in this transaction; the seconds it lives. A locked phone gets none (429)."""
    row = tx.s.get(OtpCode, phone)
    if (err := _locked(row, tx.now)) is not None:
        raise err
    ttl = tx.cfg.citizens.otp_ttl_s
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(16)
    if row is None:
        row = OtpCode(phone=phone, salt=salt, expires_at=tx.now)
    row.salt, row.code_hash = salt, _hash(salt, phone, code)
    row.expires_at, row.tries, row.locked_until = tx.now + timedelta(seconds=ttl), 0, None
    tx.s.add(row)
    minutes = ttl // 60
    hall, hall_en = tx.cfg.hall.name, tx.cfg.hall.name_en or tx.cfg.hall.name
    enqueue(tx, "otp", phone,
            f"{code} là mã xác nhận lấy số tại {hall}, có hiệu lực {minutes} phút. Không đưa "
            f"mã cho người khác. / {code} is your code for {hall_en}, valid {minutes} min.",
            f"otp:{uuid.uuid4().hex}", expires_at=row.expires_at)
    return ttl


def check(tx: Tx, phone: str, code: str) -> CodeRejected | None:
    """Use the phone's code: None when `code` is right (it is spent), else the refusal to
    raise after this transaction commits (a wrong try counts; the last one locks)."""
    row = tx.s.get(OtpCode, phone)
    if (err := _locked(row, tx.now)) is not None:
        raise err  # nothing to change: refused before any try
    c = tx.cfg.citizens
    if row is None or row.code_hash is None or row.expires_at <= tx.now:
        return CodeRejected("Mã xác nhận đã hết hạn hoặc chưa được gửi; hãy lấy mã mới. (The "
                            "code has expired or was never sent; ask for a new one.)")
    if hmac.compare_digest(row.code_hash, _hash(row.salt, phone, (code or "").strip())):
        tx.s.delete(row)
        return None
    row.tries += 1
    left = c.otp_max_tries - row.tries
    if left <= 0:
        row.code_hash = None
        row.locked_until = tx.now + timedelta(seconds=c.otp_lock_s)
        tx.s.add(row)
        return PhoneLocked(f"Nhập sai mã {c.otp_max_tries} lần; số điện thoại bị khoá "
                           f"{c.otp_lock_s // 60} phút. (Wrong code {c.otp_max_tries} times; "
                           f"this phone is locked for {c.otp_lock_s} s.)",
                           retry_after=c.otp_lock_s)
    tx.s.add(row)
    return CodeRejected(f"Mã xác nhận không đúng; còn {left} lần thử. (Wrong code; {left} "
                        f"tries left.)", tries_left=left)


def prune(tx: Tx) -> int:
    """Codes long expired and locks long over (a phone number is not kept for nothing)."""
    old = tx.now - timedelta(seconds=tx.cfg.citizens.otp_lock_s)
    result = tx.s.execute(delete(OtpCode).where(OtpCode.expires_at < old)
                       .where((OtpCode.locked_until.is_(None)) | (OtpCode.locked_until < old)))
    return result.rowcount or 0
