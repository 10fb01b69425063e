"""The simulator's ESC/POS decoder: commands mean what they should, and byte soup never hurts."""

from __future__ import annotations

from escpos.printer import Dummy
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.ticket_view import sample_ticket_view
from drivers.printer.codepages import codepage_for
from drivers.printer.job import ticket_job
from drivers.printer.layout import Paper
from simulators.printer.device import PrinterSimulator
from simulators.printer.receipt import Barcode, QRCode, Raster


def sim_of(data: bytes, width_mm: int = 80) -> PrinterSimulator:
    sim = PrinterSimulator(width_mm)
    sim.receive(data)
    return sim


def test_styles_sizes_and_alignment() -> None:
    esc = Dummy()
    esc.hw("INIT")
    esc.set(align="center", bold=True, custom_size=True, width=4, height=4)
    esc._raw(b"1023\n")
    esc.set(align="right", bold=False, font="b", custom_size=True, width=1, height=1)
    esc._raw(b"small\n")
    esc._raw(b"\x1b!\x30big\n")  # ESC ! double width and height
    esc.cut()
    sim = sim_of(esc.output)
    (receipt,) = sim.receipts
    lines = [el for el in receipt.elements if hasattr(el, "runs")]
    assert [line.text for line in lines] == ["1023", "small", "big"]
    assert lines[0].align == 1 and lines[0].runs[0][1].width == 4 and lines[0].runs[0][1].bold
    assert lines[1].align == 2 and lines[1].runs[0][1].font_b
    assert lines[2].runs[0][1].width == 2 and lines[2].runs[0][1].height == 2


def test_native_qr_barcode_and_raster() -> None:
    esc = Dummy()
    esc.qr("http://127.0.0.1:8000/q/7", size=6, native=True)
    esc.barcode("1023", "CODE39", function_type="A", check=False)
    esc._raw(b"\x1dv0\x00\x01\x00\x02\x00\x80\x01")  # 8x2 dots: top-left and bottom-right
    esc.cut()
    receipt = sim_of(esc.output).receipts[0]
    qr = next(el for el in receipt.elements if isinstance(el, QRCode))
    assert qr.data == b"http://127.0.0.1:8000/q/7" and qr.module == 6
    assert any(isinstance(el, Barcode) and el.data == b"1023" for el in receipt.elements)
    raster = next(el for el in receipt.elements if isinstance(el, Raster)).image
    assert raster.size == (8, 2)
    assert raster.getpixel((0, 0)) == 0 and raster.getpixel((1, 0)) == 255  # 0 is black
    assert raster.getpixel((7, 1)) == 0
    assert "[QR module=6 ec=L: http://127.0.0.1:8000/q/7]" in receipt.text()
    assert receipt.render().width == 576


def test_chunked_input_decodes_like_one_piece() -> None:
    """A TCP or serial line delivers bytes in any pieces; the receipt must not change."""
    view = sample_ticket_view()
    paper = Paper.for_width(58)
    for data in (ticket_job(view, paper, "text", codepage_for("tcvn3")),
                 ticket_job(view, paper, "raster")):
        whole = sim_of(data, 58).receipts[0]
        sim = PrinterSimulator(58)
        for i in range(0, len(data), 7):
            sim.receive(data[i:i + 7])
        (pieces,) = sim.receipts
        assert pieces.text() == whole.text()
        assert pieces.render().tobytes() == whole.render().tobytes()


def test_status_queries_are_answered_in_line() -> None:
    sim = PrinterSimulator()
    assert sim.receive(b"\x10\x04\x01\x10\x04\x04") == b"\x12\x12"
    sim.set_fault("paper-out")
    assert sim.receive(b"\x10\x04\x01\x10\x04\x02\x10\x04\x04") == b"\x1a\x32\x72"
    sim.clear_fault()
    sim.set_fault("no answer")
    assert sim.receive(b"\x10\x04\x01") == b""
    assert sim.status_queries == [1, 4, 1, 2, 4, 1]


def test_absurd_raster_header_is_dropped_not_buffered() -> None:
    sim = PrinterSimulator()
    sim.receive(b"\x1dv0\x00\xff\xff\xff\xffhello\n")
    assert sim.decoder.pending() == 0
    assert sim.current.lines() == ["hello"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048), st.integers(min_value=1, max_value=64))
def test_byte_soup_never_crashes_or_hangs(soup: bytes, chunk: int) -> None:
    sim = PrinterSimulator(58)
    for i in range(0, len(soup), chunk):
        sim.receive(soup[i:i + chunk])
    sim.decoder.flush()
    assert sim.decoder.pending() <= len(soup)
    for receipt in [*sim.receipts, sim.current]:
        receipt.text()
        receipt.render()


commands = st.sampled_from([
    b"\x1b@", b"\x1bt\x1e", b"\x1bt\x1f", b"\x1bt\x34", b"\x1ba\x01", b"\x1bE\x01",
    b"\x1b!\x38", b"\x1d!\x33", b"\n", b"\x1dV\x00", b"\x1dVA\x03", b"\x10\x04\x04",
    b"\x1d(k\x03\x001C\x05", b"\x1d(k\x05\x001P0ab", b"\x1d(k\x03\x001Q0", b"\x1c.",
    b"\x1dv0\x00\x01\x00\x01\x00\xff", b"\x1dkE\x03ABC", b"\xe9\xb5", b"H",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(commands, st.binary(max_size=8)), max_size=60))
def test_command_soup_never_crashes(parts: list[bytes]) -> None:
    sim = PrinterSimulator(80)
    for part in parts:
        sim.receive(part)
    for receipt in [*sim.receipts, sim.current]:
        receipt.text()
        receipt.render()
