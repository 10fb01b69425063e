"""Tickets printed through the real driver (python-escpos) into the simulator, over TCP and a pty.

Raster mode: the simulator's decoded raster equals the driver's own rendering pixel for
pixel. Text mode: for each code page the decoded text is the expected Vietnamese, with every
tone mark.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PIL import ImageChops

from contracts.ticket_view import TicketView
from drivers.printer.printer import TicketPrinter
from drivers.printer.render import render_ticket_image
from drivers.printer.status import PrinterState
from tests.printer.conftest import STATUS_TIMEOUT, VISCII_TABLE

# Every tone (huyền, sắc, hỏi, ngã, nặng) and the shaped vowels, in both cases.
HALL = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH ĐẮK LẮK"
SERVICE = "Hộ tịch, đất đai, nhà ở — hỗ trợ người dân: ẵ Ẵ ẫ Ẫ ỷ Ỷ ỹ Ỹ ỵ Ỵ ẳ Ẳ"


def tone_view() -> TicketView:
    return TicketView(
        hall_name=HALL,
        hall_name_en="Provincial public administration centre",
        service_code="HT",
        service_name=SERVICE,
        service_name_en="Civil status, land, housing",
        number="2047",
        issued_at=datetime(2026, 11, 23, 14, 5, tzinfo=timezone(timedelta(hours=7))),
        waiting_ahead=12,
        estimated_wait_s=1500,
        counters=["3", "5A"],
        priority="Diện ưu tiên",
        priority_en="Priority",
        qr_url="http://127.0.0.1:8000/q/2047",
    )


def printer_for(url: str, width_mm: int, **kwargs) -> TicketPrinter:
    return TicketPrinter(url, width_mm=width_mm, status_timeout=STATUS_TIMEOUT, **kwargs)


def test_raster_ticket_is_pixel_for_pixel_the_rendering(line_sim, width_mm: int) -> None:
    sim, url = line_sim
    view = tone_view()
    with printer_for(url, width_mm) as printer:
        result = printer.print_ticket(view)
    assert result.confirmed and result.mode == "raster"
    (receipt,) = sim.wait_for_receipts(1)
    printed = receipt.raster_image()
    expected = render_ticket_image(view, sim.dots)
    assert printed is not None and printed.size == expected.size
    assert ImageChops.difference(printed.convert("L"), expected.convert("L")).getbbox() is None
    assert receipt.lines() == [""] * len(receipt.lines())  # nothing but the picture (and feeds)
    page = receipt.render()
    assert page.width == sim.dots
    assert page.crop((0, 0, *expected.size)).tobytes() == expected.tobytes()
    assert result.bytes_sent == sim.decoder.bytes_in - 9 * 2  # all but the 2x3 DLE EOT queries


EXPECTED_TEXT = {"cp1258": SERVICE, "tcvn3": SERVICE.replace("—", "-"),
                 "viscii": SERVICE.replace("—", "-")}


@pytest.mark.parametrize("codepage", ["tcvn3", "cp1258", "viscii"])
def test_text_ticket_reads_back_in_vietnamese(line_sim, width_mm: int, codepage: str) -> None:
    sim, url = line_sim
    tables = (VISCII_TABLE,) if codepage == "viscii" else None
    with printer_for(url, width_mm, mode="text", codepage=codepage,
                     codepage_tables=tables) as printer:
        result = printer.print_ticket(tone_view())
    assert result.confirmed and result.mode == "text"
    (receipt,) = sim.wait_for_receipts(1)
    lines = receipt.lines()
    dump = receipt.text()
    assert "\ufffd" not in dump
    number_line = next(el for el in receipt.elements if getattr(el, "text", "") == "2047")
    assert number_line.runs[0][1].width >= 4 and number_line.runs[0][1].bold  # GS ! large
    # The service name wraps over several double-size lines; rejoined it is exact.
    start = next(i for i, line in enumerate(lines) if line.startswith("Hộ tịch"))
    end = next(i for i, line in enumerate(lines) if line.startswith("Civil status"))
    assert " ".join(lines[start:end]) == EXPECTED_TEXT[codepage]
    hall_end = next(i for i, line in enumerate(lines) if line.startswith("Provincial"))
    assert " ".join(lines[:hall_end]) == HALL
    joined = " ".join(lines)  # CP1258's split tone marks take cells: lines may wrap sooner
    assert "Diện ưu tiên / Priority" in joined
    assert "Quầy / Counters: 3, 5A" in joined
    assert "Số người chờ trước / Ahead: 12" in joined
    assert "[QR module=" in dump and ": http://127.0.0.1:8000/q/2047]" in dump
    assert len(result.after.replies) == 3


def test_paper_out_before_printing_raises_and_prints_nothing(tcp_sim, width_mm: int) -> None:
    from drivers.printer.errors import PaperOut

    sim, server = tcp_sim
    sim.set_fault("paper_out")
    with printer_for(server.url, width_mm) as printer, pytest.raises(PaperOut) as info:
        printer.print_ticket(tone_view())
    assert server.url in str(info.value) and "nothing was sent" in str(info.value)
    assert sim.decoder.bytes_in == 9  # DLE EOT 1, 2, 4 and not one byte more
    assert sim.receipts == [] and sim.current.elements == []


@pytest.mark.parametrize(("fault", "error"), [("cover_open", "CoverOpen"),
                                              ("offline", "PrinterOffline")])
def test_cover_open_and_offline(pty_sim, width_mm: int, fault: str, error: str) -> None:
    from drivers.printer import errors

    sim, server = pty_sim
    sim.set_fault(fault)
    with printer_for(server.url, width_mm) as printer:
        assert printer.status().state.value == fault
        with pytest.raises(getattr(errors, error)) as info:
            printer.print_ticket(tone_view())
    assert server.path in str(info.value)
    assert sim.receipts == []


def test_no_answer_is_unknown_not_fine(line_sim, width_mm: int) -> None:
    from drivers.printer.errors import PrinterNotAnswering

    sim, url = line_sim
    sim.set_fault("no_answer")
    with printer_for(url, width_mm) as printer:
        status = printer.status()
        assert status.state is PrinterState.UNKNOWN and not status.answered
        result = printer.print_ticket(tone_view())  # sent anyway, but not confirmed
    assert not result.confirmed
    assert len(sim.wait_for_receipts(1)) == 1
    with printer_for(url, width_mm, require_status=True) as strict, \
            pytest.raises(PrinterNotAnswering):
        strict.print_ticket(tone_view())
    assert len(sim.receipts) == 1


def test_near_end_prints_and_says_so(tcp_sim, width_mm: int) -> None:
    sim, server = tcp_sim
    sim.set_fault("near_end")
    with printer_for(server.url, width_mm) as printer:
        result = printer.print_ticket(tone_view())
    assert result.confirmed and result.paper_near_end
    assert len(sim.wait_for_receipts(1)) == 1


def test_paper_running_out_mid_ticket_is_reported(tcp_sim, width_mm: int) -> None:
    from drivers.printer.errors import PaperOut

    sim, server = tcp_sim
    sim.load_paper(300)  # 300 dots (about 4 cm) left on the roll
    with printer_for(server.url, width_mm) as printer, pytest.raises(PaperOut) as info:
        printer.print_ticket(tone_view())
    assert "may be incomplete" in str(info.value)
    assert sim.receipts == []  # the cut waits in the printer until a new roll goes in
    sim.load_paper()
    assert len(sim.wait_for_receipts(1)) == 1


def test_unreachable_printer_names_the_url() -> None:
    import socket

    from drivers.printer.errors import PrinterUnreachable

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"tcp://127.0.0.1:{port}"
    with pytest.raises(PrinterUnreachable) as info:
        TicketPrinter(url).print_ticket(tone_view())
    assert url in str(info.value) and "refused" in str(info.value)


def test_link_is_rebuilt_after_the_printer_comes_back(width_mm: int) -> None:
    """A held connection dies with the printer; the next job opens a new one by itself."""
    from drivers.printer.errors import PrinterUnreachable
    from simulators.printer.server import TcpPrinterServer
    from tests.printer.conftest import make_sim

    sim = make_sim(width_mm)
    first = TcpPrinterServer(sim, port=0).start()
    port = first.port
    printer = printer_for(first.url, width_mm, keep_open=True)
    try:
        printer.print_ticket(tone_view())
        first.stop()  # power off: the held socket is now dead
        with pytest.raises(PrinterUnreachable):
            printer.print_ticket(tone_view())
        with TcpPrinterServer(sim, port=port):  # power on, same address
            result = printer.print_ticket(tone_view())
        assert result.confirmed
        assert len(sim.wait_for_receipts(2)) == 2
    finally:
        printer.close()


def test_vanished_serial_port_is_unreachable_then_recovers(width_mm: int) -> None:
    from drivers.printer.errors import PrinterUnreachable
    from simulators.printer.server import PtyPrinterServer
    from tests.printer.conftest import make_sim

    sim = make_sim(width_mm)
    server = PtyPrinterServer(sim).start()
    printer = printer_for(server.url, width_mm, mode="text")
    try:
        printer.print_ticket(tone_view())
        server.stop()  # the USB-serial adapter is pulled out
        with pytest.raises(PrinterUnreachable) as info:
            printer.print_ticket(tone_view())
        assert server.path in str(info.value)
        with PtyPrinterServer(sim) as again:  # plugged back in (a new device path)
            printer = printer_for(again.url, width_mm, mode="text")
            assert printer.print_ticket(tone_view()).confirmed
            printer.close()
    finally:
        printer.close()
