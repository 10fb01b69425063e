"""The citizen's public API on a real server: a code through the gateway, a number in the
kiosk's queue, the limits, and no phone number in any public answer."""

from __future__ import annotations

import httpx
import pytest

from server.citizens.phones import normalise_phone
from server.engine.errors import BadInput

PHONE = "0912345678"


def ask_code(live, sim, phone: str = PHONE) -> str:
    before = len(sim.delivered)
    r = httpx.post(f"{live.url}/api/v1/public/otp", json={"phone": phone})
    assert r.status_code == 202, r.text
    return sim.next_code(normalise_phone(phone), before).code


def take(live, service: str, code: str, phone: str = PHONE) -> httpx.Response:
    return httpx.post(f"{live.url}/api/v1/public/remote-tickets",
                      json={"service": service, "phone": phone, "otp": code})


@pytest.mark.parametrize("raw", ["0912345678", "+84912345678", "84912345678",
                                 "091 234 5678", "+84 91.234.5678"])
def test_phones_are_kept_as_e164(raw):
    assert normalise_phone(raw) == "+84912345678"


@pytest.mark.parametrize("raw", ["12345", "0212345678", "+1 555 123 4567", "091234567",
                                 "٠٩١٢٣٤٥٦٧٨", "0912345678x"])
def test_other_numbers_are_refused(raw):
    with pytest.raises(BadInput):
        normalise_phone(raw)


def test_services_say_what_a_phone_may_do(citizen_hall):
    r = httpx.get(f"{citizen_hall.url}/api/v1/public/services")
    assert r.status_code == 200
    rows = {s["code"]: s for s in r.json()}
    assert set(rows["HT"]) == {"code", "name", "name_en", "waiting", "estimated_wait_s",
                               "remote", "booking"}
    assert rows["HT"]["remote"] is True and rows["TKQ"]["remote"] is False
    assert rows["HT"]["booking"] is False and rows["HT"]["name"] == "Hộ tịch"


def test_a_remote_number_joins_the_kiosks_queue_and_is_confirmed(citizen_hall, sim):
    live = citizen_hall
    kiosk = live.client(live.device_token("kiosk-1"))
    first = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
    code = ask_code(live, sim, "+84912345678")
    assert code is not None and len(code) == 6
    r = take(live, "HT", code, "84912345678")
    assert r.status_code == 201, r.text
    t = r.json()
    assert set(t) == {"id", "number", "service", "issued_at", "waiting_ahead",
                      "estimated_wait_s", "follow_url"}
    assert t["service"] == "HT" and t["waiting_ahead"] == 1
    assert int(t["number"]) == int(first["number"]) + 1  # the kiosk's numbering, next in line
    assert t["follow_url"].endswith(f"/q/{t['id']}")
    after = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
    assert after["waiting_ahead"] == 2  # the remote ticket waits like a walk-in
    confirm = sim.wait_for(2)[-1]
    assert confirm.kind == "booking" and t["number"] in confirm.text and \
        confirm.to == "+84912345678" and confirm.key == f"remote:{t['id']}"
    page = httpx.get(f"{live.url}/q/{t['id']}").text
    assert t["number"] in page and "912345678" not in page
    officer = live.client(live.login("an", counter=1))
    officer.post("/api/v1/counters/1/next").raise_for_status()
    assert officer.post("/api/v1/counters/1/finish").status_code == 200
    nxt = officer.post("/api/v1/counters/1/next").json()
    assert nxt["ticket"]["number"] == t["number"]  # called in issue order


def test_a_code_is_spent_once_and_wrong_codes_lock_the_phone(citizen_hall, sim):
    live = citizen_hall
    code = ask_code(live, sim)
    assert take(live, "HT", code).status_code == 201
    again = take(live, "CT", code)
    assert again.status_code == 401, again.text  # spent
    code = ask_code(live, sim)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [take(live, "CT", wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    assert answers[0].json()["tries_left"] == 4
    locked = take(live, "CT", code)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert httpx.post(f"{live.url}/api/v1/public/otp",
                      json={"phone": PHONE}).status_code == 429


def test_a_code_expires(citizen_hall, sim, clock):
    code = ask_code(citizen_hall, sim)
    clock.advance(minutes=5, seconds=1)
    assert take(citizen_hall, "HT", code).status_code == 401


def test_one_number_per_service_and_two_a_day_per_phone(citizen_hall, sim, clock):
    live = citizen_hall
    assert take(live, "HT", ask_code(live, sim)).status_code == 201
    same = take(live, "HT", ask_code(live, sim))
    assert same.status_code == 409 and same.json()["error"] == "phone_limit"
    assert "resets_at" in same.json()
    assert take(live, "DD", ask_code(live, sim)).status_code == 201
    third = take(live, "CT", ask_code(live, sim))
    assert third.status_code == 409 and third.json()["error"] == "phone_limit"
    other = take(live, "CT", ask_code(live, sim, "0987654321"), "0987654321")
    assert other.status_code == 201


def test_a_service_without_remote_numbers_refuses(citizen_hall, sim):
    r = take(citizen_hall, "TKQ", ask_code(citizen_hall, sim))
    assert r.status_code == 409 and r.json()["error"] == "remote_closed"


def test_codes_per_phone_are_limited(start_hall, sim):
    live = start_hall()  # the default: 3 codes per phone per 15 minutes
    for _ in range(3):
        ask_code(live, sim)
    r = httpx.post(f"{live.url}/api/v1/public/otp", json={"phone": PHONE})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_a_dead_gateway_does_not_hold_a_code_request(citizen_hall, sim):
    """The gateway holds every request: the code is still accepted at once (202) and sent
    when the gateway answers again."""
    sim.hang()
    r = httpx.post(f"{citizen_hall.url}/api/v1/public/otp", json={"phone": PHONE},
                   timeout=30)
    assert r.status_code == 202
    kiosk = citizen_hall.client(citizen_hall.device_token("kiosk-1"))
    assert kiosk.post("/api/v1/tickets", json={"service": "HT"}).status_code == 201
    sim.heal()


def test_only_the_scheduler_s_process_sends(tmp_path, sim):
    """A process started without the scheduler (a `--workers` sibling) keeps its sender idle:
    one sender per deployment."""
    from tests.citizens.conftest import hall_cfg
    from tests.support.live import LiveServer

    live = LiveServer.start(f"sqlite:///{tmp_path / 'h.sqlite3'}", cfg=hall_cfg(sim),
                            scheduler=False)
    try:
        assert live.app.state.outbox.active() is False
        assert httpx.post(f"{live.url}/api/v1/public/otp",
                          json={"phone": PHONE}).status_code == 202
        rows = live.app.state.outbox.store.rows()
        assert len(rows) == 1 and rows[0]["attempts"] == 0  # written, left for the sender
    finally:
        live.stop()
