"""The national portal adapter (`kind = "dvcqg"`) against the simulator's exchange over a
real socket: session login, each national status, an expired session, every fault."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.esystem import ESystemUnavailable, make_esystem
from server.esystem.dvcqg import dossier_from
from tests.esystem.conftest import hall_for

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
EXPECTED = {"new": "processing", "receiving": "processing", "processing": "processing",
            "paying": "processing", "waiting": "supplement", "unresolved": "denied",
            "denied": "denied", "releasing": "ready", "posting": "ready",
            "cancelled": "cancelled"}


def run(sim, codes: list[str], before=None, **esystem: object) -> list:
    async def go():
        es = make_esystem(hall_for(sim.url, kind="dvcqg", agency_code="000.00.31.H12",
                                   group_id="", **esystem))
        try:
            out = []
            for code in codes:
                if before is not None:
                    before()
                out.append(await es.lookup(code))
            return out
        finally:
            await es.aclose()
    return asyncio.run(go())


def test_each_status_and_one_login_for_many_lookups(sim):
    picked = {}
    for row in sim.rows():
        picked.setdefault((row["dossierStatus"], bool(row["finishDate"])), row)
    logins = sim.state.logins
    found = run(sim, [r["dossierNo"] for r in picked.values()])
    assert sim.state.logins == logins + 1  # the session is kept
    for ((raw, finished), row), got in zip(picked.items(), found, strict=True):
        want = EXPECTED.get(raw) or ("returned" if finished else "ready")
        assert got is not None and got.status == want, (raw, got)
        assert got.code == row["dossierNo"] and got.procedure == row["serviceName"]
        assert got.received_at == datetime.strptime(row["receiveDate"], "%d/%m/%Y %H:%M:%S"
                                                    ).replace(tzinfo=ZONE)


def test_an_expired_session_logs_in_again(sim):
    codes = [r["dossierNo"] for r in sim.rows()[:3]]
    logins = sim.state.logins
    found = run(sim, codes, before=sim.state.sessions.clear)
    assert all(f is not None for f in found)
    assert sim.state.logins == logins + 3


def test_unknown_is_none(sim):
    assert run(sim, ["000.00.31.H12-990101-9999"]) == [None]


@pytest.mark.parametrize(("fault", "reason"), [("down", "http_503"), ("500", "http_500"),
                                               ("garbage", "garbage"),
                                               ("wrong-password", "auth"),
                                               ("huge", "too_large")])
def test_faults_are_unavailable(sim, fault, reason):
    sim.fault(fault)
    with pytest.raises(ESystemUnavailable) as exc:
        run(sim, [sim.rows()[0]["dossierNo"]])
    assert exc.value.reason == reason


def test_slow_is_cut_at_the_timeout(sim):
    sim.fault("slow", seconds=60)
    with pytest.raises(ESystemUnavailable) as exc:
        run(sim, [sim.rows()[0]["dossierNo"]], timeout_s=0.5)
    assert exc.value.reason == "timeout"


def test_a_recorded_answer_without_personal_fields():
    row = {"MaHoSo": "000.00.31.H12-250701-0001", "MaTTHC": "1.001193",
           "TenTTHC": "Đăng ký khai sinh", "ChuHoSo": "Trần Thị Planted",
           "SoCMND": "079123456789", "NgayTiepNhan": "20250701081500",
           "NgayHenTra": "20250702163000", "NgayTra": "", "TrangThaiHoSo": 9}
    found = dossier_from(row, ZONE)
    assert found.status == "ready" and found.ready and found.released_at is None
    assert found.due_at == datetime(2025, 7, 2, 16, 30, tzinfo=ZONE)
    assert "Planted" not in repr(found) and "079123456789" not in repr(found)
    with pytest.raises(ESystemUnavailable):
        dossier_from({**row, "NgayHenTra": "02/07/2025"}, ZONE)
