"""The demo's simulated kiosks print each ticket on the printer simulator, over real TCP."""

from __future__ import annotations

from contracts.ticket_view import sample_ticket_view
from layso.demo_receipts import DemoReceipts
from simulators.printer.device import Fault, PrinterSimulator
from simulators.printer.server import TcpPrinterServer


def _ticket(number: str) -> dict:
    view = sample_ticket_view().model_copy(update={"number": number})
    return {"id": int(number), "number": number, "view": view.model_dump(mode="json")}


def test_each_ticket_becomes_a_saved_receipt_in_issue_order(tmp_path):
    sim = PrinterSimulator(80, out_dir=tmp_path)
    with TcpPrinterServer(sim, port=0) as server:
        receipts = DemoReceipts(server.url)
        for n in ("1001", "1002", "1003"):
            receipts.submit(_ticket(n))
        assert receipts.close() == 0
    assert receipts.printed == 3 and receipts.failed == 0
    assert [p.name for p in sorted(tmp_path.glob("*.png"))] == [
        "receipt-0001.png", "receipt-0002.png", "receipt-0003.png"]
    assert all(r.cut for r in sim.receipts)


def test_a_printer_fault_is_counted_and_the_rest_still_print(tmp_path):
    sim = PrinterSimulator(80, out_dir=tmp_path)
    with TcpPrinterServer(sim, port=0) as server:
        sim.set_fault(Fault.PAPER_OUT)
        receipts = DemoReceipts(server.url)
        receipts.submit(_ticket("1001"))
        receipts.submit({**_ticket("1002"), "view": {"broken": True}})  # not a ticket view
        assert receipts.close() == 0
        assert receipts.printed == 0 and receipts.failed == 2
        assert receipts.first_error.startswith("ticket 1001: ")
        sim.clear_fault()
        again = DemoReceipts(server.url)
        again.submit(_ticket("1003"))
        assert again.close() == 0
    assert again.printed == 1 and len(list(tmp_path.glob("*.png"))) == 1
