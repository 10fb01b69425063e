"""The pages' HallSocket follows the gap policy of the kiosk and the board (common/hall_link.py):
a gap in `seq` reloads `GET /api/v1/hall` on the same connection, it does not reconnect. The
real server never skips a number, so the test drops one event on its way to the page."""

from __future__ import annotations

import contextlib
import json

import pytest

from tests.panel.conftest import PASSWORD, PageErrors, issue, new_page
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


def test_a_gap_reloads_the_hall_over_http_on_the_same_socket(browser, tmp_path):
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    errors = PageErrors()
    try:
        with contextlib.suppress(Exception):
            live.add_user("lan")
        page = new_page(browser, errors)
        drop = {"armed": False, "dropped": None}
        sockets: list[object] = []
        page.on("websocket", lambda ws: sockets.append(ws))

        def relay(ws) -> None:
            server = ws.connect_to_server()

            def from_server(message) -> None:
                data = json.loads(message)
                if drop["armed"] and isinstance(data.get("seq"), int) \
                        and data.get("type") != "snapshot":
                    drop.update(armed=False, dropped=data["seq"])  # lost on the way: a gap
                    return
                ws.send(message)

            server.on_message(from_server)

        page.route_web_socket("**/ws/hall*", relay)
        page.goto(f"{live.url}/panel?counter=1")
        page.fill("#login-user", "lan")
        page.fill("#login-pass", PASSWORD)
        page.click("#btn-login")
        page.wait_for_selector("#conn[data-state=online]")
        drop["armed"] = True
        with page.expect_request(lambda r: r.url.split("?")[0].endswith("/api/v1/hall")):
            issue(live, "HT")  # its event is dropped
            issue(live, "HT")  # the next one shows the gap
        from playwright.sync_api import expect

        expect(page.locator("#conn")).to_have_attribute("data-state", "online")
        assert drop["dropped"] is not None
        assert len(sockets) == 1, "the page reconnected instead of reloading"
        assert not errors.errors
    finally:
        live.stop()
