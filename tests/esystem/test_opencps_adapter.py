"""The OpenCPS adapter against the simulator over a real socket, and against recorded
answers: each status, unknown codes, dates in the hall's zone, every fault."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.esystem import ESystemUnavailable, make_esystem
from server.esystem.opencps import dossier_from, map_status
from tests.esystem.conftest import hall_for

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def lookup(url: str, code: str, **esystem: object):
    async def go():
        es = make_esystem(hall_for(url, **esystem))
        try:
            return await es.lookup(code)
        finally:
            await es.aclose()
    return asyncio.run(go())


EXPECTED = {"new": "processing", "receiving": "processing", "processing": "processing",
            "paying": "processing", "waiting": "supplement", "unresolved": "denied",
            "denied": "denied", "releasing": "ready", "posting": "ready",
            "cancelled": "cancelled"}


def test_each_status_maps_as_designed(sim):
    """One dossier of every OpenCPS status (and `done` both handed over and not)."""
    picked = {}
    for row in sim.rows():
        picked.setdefault((row["dossierStatus"], bool(row["finishDate"])), row)
    assert {status for status, _ in picked} == set(EXPECTED) | {"done"}
    assert ("done", True) in picked and ("done", False) in picked
    for (raw, finished), row in picked.items():
        found = lookup(sim.url, row["dossierNo"])
        assert found is not None and found.code == row["dossierNo"]
        want = EXPECTED.get(raw) or ("returned" if finished else "ready")
        assert found.status == want, (raw, found)
        assert found.ready == (want == "ready")
        assert found.procedure == row["serviceName"] and found.agency == row["govAgencyName"]


def test_dates_are_read_in_the_hall_zone(sim):
    row = next(r for r in sim.rows() if r["dossierStatus"] == "done" and r["finishDate"])
    found = lookup(sim.url, row["dossierNo"])
    assert found.received_at == datetime.strptime(row["receiveDate"], "%d/%m/%Y %H:%M:%S"
                                                  ).replace(tzinfo=ZONE)
    assert found.due_at.tzinfo == ZONE and found.released_at is not None
    assert found.status == "returned" and not found.ready


def test_unknown_code_is_none(sim):
    assert lookup(sim.url, "000.00.31.H12-990101-9999") is None


def test_wrong_group_finds_nothing(sim):
    row = sim.rows()[0]
    assert lookup(sim.url, row["dossierNo"], group_id="1") is None


@pytest.mark.parametrize(("fault", "reason"), [("down", "http_503"), ("500", "http_500"),
                                               ("garbage", "garbage"),
                                               ("wrong-password", "auth"),
                                               ("huge", "too_large")])
def test_faults_are_unavailable(sim, fault, reason):
    sim.fault(fault)
    with pytest.raises(ESystemUnavailable) as exc:
        lookup(sim.url, sim.rows()[0]["dossierNo"])
    assert exc.value.reason == reason


def test_a_wrong_password_is_auth(sim):
    with pytest.raises(ESystemUnavailable) as exc:
        lookup(sim.url, sim.rows()[0]["dossierNo"], password="not-it")
    assert exc.value.reason == "auth"


def test_slow_is_cut_at_the_timeout(sim):
    """The simulator would wait 60 s; the adapter gives up at its timeout (here 0.5 s)."""
    sim.fault("slow", seconds=60)
    with pytest.raises(ESystemUnavailable) as exc:
        lookup(sim.url, sim.rows()[0]["dossierNo"], timeout_s=0.5)
    assert exc.value.reason == "timeout"


def test_nothing_listening_is_down():
    from layso.servers import free_port

    with pytest.raises(ESystemUnavailable) as exc:
        lookup(f"http://127.0.0.1:{free_port()}", "000.00.31.H12-250701-0001")
    assert exc.value.reason == "down"


# Recorded answers: shapes OpenCPS sends that the simulator does not.
@pytest.mark.parametrize("row", [
    {"dossierNo": "X", "dossierStatus": 3},
    {"dossierNo": "X", "dossierStatus": "done", "dueDate": "2025-07-01T08:00:00"},
    {"dossierNo": "X", "dossierStatus": "done", "receiveDate": 1751331600000},
    {"dossierNo": "X"},
])
def test_malformed_rows_are_garbage(row):
    with pytest.raises(ESystemUnavailable):
        dossier_from(row, ZONE)


def test_a_recorded_answer_reads_without_personal_fields():
    row = {"dossierId": 1, "dossierNo": "000.00.31.H12-250701-0001", "dossierStatus":
           "releasing", "dossierStatusText": "Chờ trả kết quả", "serviceName":
           "Đăng ký khai sinh", "govAgencyName": "UBND phường Bến Thành",
           "applicantName": "Nguyễn Văn Planted", "applicantIdNo": "079123456789",
           "receiveDate": "01/07/2025 08:15:00", "dueDate": "02/07/2025 16:30:00",
           "releaseDate": "02/07/2025 10:00:00", "finishDate": ""}
    found = dossier_from(row, ZONE)
    assert found.status == "ready" and found.ready
    assert found.due_at == datetime(2025, 7, 2, 16, 30, tzinfo=ZONE)
    assert "Planted" not in repr(found) and "079123456789" not in repr(found)
    assert map_status("DONE", finished=False) == "ready" and map_status("??", False) == "unknown"


def test_no_credential_in_the_log(sim, caplog):
    """A fault is logged once, with the address but never the password, even one written
    into the URL."""
    host = sim.url.removeprefix("http://")
    sim.fault("500")
    with caplog.at_level("WARNING", logger="layso.esystem"), pytest.raises(ESystemUnavailable):
        lookup(f"http://layso:url-s3cret@{host}", sim.rows()[0]["dossierNo"],
               password="cfg-s3cret")
    assert "unavailable: http_500" in caplog.text and host in caplog.text
    assert "s3cret" not in caplog.text


def test_the_catalog_is_fetched_once_for_many_kiosks_and_kept(sim):
    """Twenty searches at once cost the e-system one `/serviceinfos`; when it then fails,
    the catalog already fetched is still served."""
    async def go():
        es = make_esystem(hall_for(sim.url))
        try:
            before = sim.state.catalog_fetches
            results = await asyncio.gather(*(es.procedures() for _ in range(20)))
            fetched = sim.state.catalog_fetches - before
            es._catalog_at = -1e9  # as if the 10 minutes were over
            sim.fault("500")
            stale = await es.procedures()
            return results, fetched, stale
        finally:
            await es.aclose()
    results, fetched, stale = asyncio.run(go())
    assert fetched == 1
    assert all(len(r) == 12 for r in results) and len(stale) == 12
