"""The read endpoints of the counter pages, over HTTP against a real server on a loopback port."""

from __future__ import annotations

import re

import pytest

from contracts.api import Outcome

CODE = "000.00.31.H12-250701-0001"


def issue(live, service: str, priority: str | None = None) -> dict:
    with live.client(live.device_token("kiosk-1")) as kiosk:
        r = kiosk.post("/api/v1/tickets", json={"service": service, "priority": priority})
        assert r.status_code == 201, r.text
        return r.json()


def test_the_waiting_list_is_what_next_would_call_in_that_order(live):
    for service, priority in [("HT", None), ("DD", None), ("HT", "elderly"), ("CT", None),
                              ("DD", None), ("HT", None), ("DD", "disabled")]:
        issue(live, service, priority)
    one = live.client(live.login("an", counter=1))
    three = live.client(live.login("binh", counter=3))
    sent = one.post("/api/v1/counters/1/next").json()["ticket"]["number"]
    one.post("/api/v1/counters/1/transfer",
             json={"counter": 3, "reason": "Cần quầy chuyên môn"}).raise_for_status()

    q = three.get("/api/v1/counters/3/queue")
    assert q.status_code == 200, q.text
    body = q.json()
    numbers = [i["number"] for i in body["items"]]
    assert body["total"] == len(numbers) == 6  # counter 3 serves DD and HT, not CT
    assert not any(i["service"] == "CT" for i in body["items"])
    here = [i for i in body["items"] if i["to_this_counter"]]
    assert [i["number"] for i in here] == [sent] and here[0]["transferred"]
    assert body["priority"] == sum(1 for i in body["items"] if i["priority"])
    elderly = next(i for i in body["items"] if i["priority"] == "elderly")
    assert (elderly["priority_name"], elderly["priority_name_en"]) == (
        "Người cao tuổi", "Elderly person")
    assert {i["service_name"] for i in body["items"]} == {"Hộ tịch", "Đất đai — Xây dựng"}

    called = []
    while (r := three.post("/api/v1/counters/3/next")).status_code == 200:
        called.append(r.json()["ticket"]["number"])
        three.post("/api/v1/counters/3/skip").raise_for_status()
    assert r.status_code == 204
    assert called == numbers
    assert three.get("/api/v1/counters/3/queue").json() | {"now": None} == {
        "counter": 3, "now": None, "total": 0, "priority": 0, "items": []}


def test_todays_figures_of_one_counter(live):
    for _ in range(4):
        issue(live, "HT")
    officer = live.client(live.login("an", counter=1))
    rating = live.client(live.device_token("rate-1", "rating", counter=1))

    def call() -> None:
        assert officer.post("/api/v1/counters/1/next").status_code == 200

    call()
    officer.post("/api/v1/counters/1/start").raise_for_status()
    first = officer.post("/api/v1/counters/1/finish", json={
        "dossier_code": CODE.lower(), "outcome": "received", "due_date": "2030-01-15"})
    assert first.status_code == 200, first.text
    call()
    officer.post("/api/v1/counters/1/skip").raise_for_status()
    call()
    officer.post("/api/v1/counters/1/transfer", json={"service": "CT"}).raise_for_status()
    call()
    second = officer.post("/api/v1/counters/1/finish", json={"outcome": "guidance"})
    for visit, score in ((first, 3), (second, 1)):
        r = rating.post(f"/api/v1/visits/{visit.json()['visit_id']}/rating",
                        json={"score": score, "reason": "Chờ quá lâu" if score == 1 else None})
        assert r.status_code == 201, r.text

    s = officer.get("/api/v1/counters/1/stats").json()
    assert (s["called"], s["served"], s["no_show"], s["transferred"], s["dossiers"]) == (
        4, 2, 1, 1, 1)
    assert s["outcomes"] == {"received": 1, "returned": 0, "guidance": 1, "supplement": 0,
                             "refused": 0}
    assert s["ratings"] == {"1": 1, "2": 0, "3": 1}
    assert s["satisfaction_rate"] == 0.5
    assert s["avg_service_s"] is not None and s["avg_service_s"] >= 0
    assert s["avg_wait_s"] is not None and s["avg_wait_s"] >= 0
    assert [lv["name"] for lv in s["rating_levels"]] == ["Không hài lòng", "Hài lòng",
                                                         "Rất hài lòng"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", s["date"])

    other = officer.get("/api/v1/counters/2/stats").json()  # people may read any counter
    assert (other["called"], other["served"], other["ratings"]) == (
        0, 0, {"1": 0, "2": 0, "3": 0})
    assert other["avg_service_s"] is None and other["satisfaction_rate"] is None


def test_the_open_rating_window_for_a_reloaded_tablet(live):
    issue(live, "HT")
    officer = live.client(live.login("an", counter=1))
    tablet = live.client(live.device_token("rate-1", "rating", counter=1))
    assert tablet.get("/api/v1/counters/1/rating-open").status_code == 204
    officer.post("/api/v1/counters/1/next").raise_for_status()
    assert tablet.get("/api/v1/counters/1/rating-open").status_code == 204  # not finished yet
    fin = officer.post("/api/v1/counters/1/finish", json={"outcome": "guidance"}).json()
    r = tablet.get("/api/v1/counters/1/rating-open")
    assert r.status_code == 200
    body = r.json()
    assert (body["visit_id"], body["number"], body["counter"]) == (fin["visit_id"], "1001", 1)
    assert body["rating_until"] == fin["rating_open_until"]
    assert "name" not in body  # nothing personal
    tablet.post(f"/api/v1/visits/{fin['visit_id']}/rating", json={"score": 2}).raise_for_status()
    assert tablet.get("/api/v1/counters/1/rating-open").status_code == 204


@pytest.mark.parametrize("path", ["queue", "stats", "rating-open"])
def test_devices_read_only_their_own_counter(live, path):
    other_tablet = live.client(live.device_token("rate-2", "rating", counter=2))
    kiosk = live.client(live.device_token("kiosk-1"))
    for client in (other_tablet, kiosk):
        r = client.get(f"/api/v1/counters/1/{path}")
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
        assert "quầy 1" in r.json()["detail"]
    r = other_tablet.get(f"/api/v1/counters/99/{path}")
    assert r.status_code == 404 and r.json()["error"] == "unknown_counter"
    assert live.client().get(f"/api/v1/counters/1/{path}").status_code == 401


def test_public_config_has_what_the_pages_show_and_nothing_more(live):
    tablet = live.client(live.device_token("rate-1", "rating", counter=1))
    assert live.client().get("/api/v1/hall/config-public").status_code == 401
    c = tablet.get("/api/v1/hall/config-public").json()
    cfg = live.cfg
    assert c["rating"]["low_reasons"] == cfg.rating.low_reasons
    assert c["rating"]["window_s"] == cfg.rating.window_s
    assert [lv["low"] for lv in c["rating"]["levels"]] == [True, False, False]
    assert c["dossier"] == {"pattern": cfg.dossier.pattern, "example": cfg.dossier.example}
    assert re.fullmatch(c["dossier"]["pattern"], c["dossier"]["example"])
    assert [o["value"] for o in c["outcomes"]] == [
        o.value for o in Outcome if o is not Outcome.transferred]
    assert {o["name"] for o in c["outcomes"]} >= {"Tiếp nhận hồ sơ", "Trả kết quả",
                                                  "Yêu cầu bổ sung"}
    # the forms of Circular 01/2018/TT-VPCP (Mẫu 01–03) by their official names
    assert {o["value"]: o["form"] for o in c["outcomes"]} == {
        "received": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "returned": None,
        "guidance": None, "supplement": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
        "refused": "Phiếu từ chối tiếp nhận giải quyết hồ sơ"}
    assert [s["code"] for s in c["services"]] == [s.code for s in cfg.services]
    assert [(x["number"], x["label"]) for x in c["counters"]] == [
        (x.number, x.label) for x in cfg.counters]
    assert c["hall"]["name"] == "Trung tâm Phục vụ hành chính công phường Bến Thành"
    assert set(c) == {"hall", "now", "rating", "dossier", "outcomes", "pause_reasons",
                      "transfer_reasons", "services", "counters", "priority_groups",
                      "max_recalls"}
