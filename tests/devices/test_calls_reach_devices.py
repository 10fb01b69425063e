"""A call from the API reaches the counter's panel, the hall board and the Modbus display."""

from __future__ import annotations

from drivers.bus.protocol import BlinkMode, Line
from server.devices.state import visit_tag
from tests.devices.rig import wait_for


def test_api_call_shows_on_panel_board_and_modbus_display(hall, rig):
    kiosk = hall.client(hall.device_token("kiosk-1"))
    officer1 = hall.client(hall.login("an", counter=1))
    officer5 = hall.client(hall.login("binh", counter=5))
    # idle panels show their counter's label and no number
    wait_for(lambda: rig.panel5.lines == [Line("", "5A")], what="panel 5A idle")
    t1 = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
    t2 = kiosk.post("/api/v1/tickets", json={"service": "TKQ"}).json()

    officer1.post("/api/v1/counters/1/next").raise_for_status()
    wait_for(lambda: rig.panel1.lines == [Line(t1["number"], "1")], what="panel 1 shows 1001")
    wait_for(lambda: rig.panel1.blink is BlinkMode.CALL, what="panel 1 blinks the call")
    wait_for(lambda: rig.board.lines == [Line(t1["number"], "1")], what="board line")

    officer5.post("/api/v1/counters/5/next").raise_for_status()
    wait_for(lambda: rig.panel5.lines == [Line(t2["number"], "5A")], what="panel 5A")
    wait_for(lambda: rig.board.lines == [Line(t2["number"], "5A"), Line(t1["number"], "1")],
             what="board, newest first")
    wait_for(lambda: rig.display5.number == int(t2["number"]), what="Modbus display")
    assert rig.panel1.lines == [Line(t1["number"], "1")]  # the other counter is untouched

    # a recall moves the number to the top of the board instead of listing it twice
    officer1.post("/api/v1/counters/1/recall").raise_for_status()
    wait_for(lambda: rig.board.lines == [Line(t1["number"], "1"), Line(t2["number"], "5A")],
             what="recalled number back on top")

    # finishing clears the panel and lights the rating box for that visit
    fin = officer1.post("/api/v1/counters/1/finish", json={}).json()
    wait_for(lambda: rig.panel1.lines == [Line("", "1")], what="panel 1 idle after finish")
    wait_for(lambda: rig.rating.armed, what="rating box armed")
    assert rig.rating.tag == visit_tag(fin["visit_id"])
    assert rig.board.lines[0] == Line(t1["number"], "1")  # the board keeps its history
