"""Scanner input and the HTTP client's reading of the server's answers."""

from __future__ import annotations

import httpx
import pytest

from kiosk.client import check_server_url, refusal_from, websocket_url
from kiosk.ratelimit import RateLimiter
from kiosk.scanner import KeyboardWedge, split_lines


def test_keyboard_wedge_collects_until_enter():
    wedge = KeyboardWedge()
    for i, ch in enumerate("000.00.31.H12-250701-0001"):
        wedge.feed(ch, 10 + i * 0.01)
    assert wedge.end(10.3) == "000.00.31.H12-250701-0001"
    assert wedge.end(10.4) is None  # Enter alone gives nothing


def test_keyboard_wedge_drops_a_stale_fragment():
    wedge = KeyboardWedge(stale_s=1.0)
    wedge.feed("12", 0.0)
    wedge.feed("AB", 5.0)  # a new scan long after: the fragment is gone
    assert wedge.end(5.1) == "AB"
    wedge.feed("zz", 6.0)
    assert wedge.end(9.0) is None  # Enter long after the typing: not a scan


def test_serial_lines_split_on_cr_and_lf():
    codes, rest = split_lines(b"AAA\r\nBBB\rCCC\nDD")
    assert codes == ["AAA", "BBB", "CCC"] and rest == b"DD"
    codes, rest = split_lines(rest + b"D\r")
    assert codes == ["DDD"] and rest == b""
    codes, rest = split_lines(b"\xff\xfeX\n")
    assert codes == ["\ufffd\ufffdX"]
    assert split_lines(b"x" * 300) == ([], b"")


def test_rate_limiter_window():
    limiter = RateLimiter(2, 60)
    assert limiter.allow(0) and limiter.allow(1)
    assert not limiter.allow(2)
    assert limiter.free_at(2) == 60
    assert limiter.allow(60)
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_server_urls():
    assert check_server_url("http://10.0.0.2:8000/") == "http://10.0.0.2:8000"
    with pytest.raises(ValueError, match="expected http"):
        check_server_url("10.0.0.2:8000")
    assert websocket_url("https://hall.example/layso", "a-b_c") == \
        "wss://hall.example/layso/ws/hall?token=a-b_c"
    assert websocket_url("http://127.0.0.1:8000", "t") == "ws://127.0.0.1:8000/ws/hall?token=t"


def _response(status: int, **kw) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("POST", "http://x/"), **kw)


def test_refusals_keep_the_server_words():
    r = refusal_from(_response(409, json={
        "detail": "Ngoài giờ tiếp nhận. (The hall is closed.)", "error": "hall_closed",
        "opens_at": "2026-11-24T07:30:00+07:00"}))
    assert (r.status, r.error, r.detail) == (409, "hall_closed",
                                             "Ngoài giờ tiếp nhận. (The hall is closed.)")
    assert r.opens_at is not None and r.opens_at.hour == 7
    odd = refusal_from(_response(502, text="<html>Bad gateway</html>"))
    assert (odd.error, odd.detail, odd.opens_at) == ("http_502", "", None)
    listed = refusal_from(_response(422, json={"detail": [{"msg": "service: too long"}]}))
    assert listed.detail == "service: too long"
