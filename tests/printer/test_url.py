"""Printer URLs: the four forms parse; anything else gets a message naming it and the forms."""

from __future__ import annotations

import pytest

from drivers.printer.errors import PrinterURLError
from drivers.printer.url import parse_printer_url, url_from_config


def test_tcp() -> None:
    url = parse_printer_url("tcp://192.0.2.10:9100")
    assert (url.scheme, url.host, url.port) == ("tcp", "192.0.2.10", 9100)
    assert parse_printer_url("tcp://printer.local").port == 9100
    assert parse_printer_url("tcp://[::1]:9101").host == "::1"
    assert str(parse_printer_url("tcp://h:9100?timeout=2.5")) == "tcp://h:9100"
    assert parse_printer_url("tcp://h:9100?timeout=2.5").timeout == 2.5


def test_serial() -> None:
    url = parse_printer_url("serial:///dev/ttyUSB0?baud=19200")
    assert (url.scheme, url.path, url.baud) == ("serial", "/dev/ttyUSB0", 19200)
    assert parse_printer_url("serial:///dev/ttyS0").baud == 9600
    assert parse_printer_url("serial:///dev/ttyS0?xonxoff=1").xonxoff


def test_usb_and_file() -> None:
    url = parse_printer_url("usb://04b8:0e15")
    assert (url.vendor_id, url.product_id) == (0x04B8, 0x0E15)
    assert parse_printer_url("usb://0x0416:0x5011?out_ep=0x03").out_ep == 3
    url = parse_printer_url("file:///dev/usb/lp0?profile=TM-T20II")
    assert (url.path, url.profile, url.can_read_status) == ("/dev/usb/lp0", "TM-T20II", False)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("/dev/ttyUSB0", "serial:///dev/ttyUSB0"),
        ("192.168.1.50:9100", "tcp://192.168.1.50:9100"),
        ("/tmp/ticket.bin", "file:///tmp/ticket.bin"),
        ("http://printer/", "unknown scheme"),
        ("tcp://", "host"),
        ("tcp://h:99999", "out of range"),
        ("tcp://h:", "empty port"),
        ("tcp://h:9100/x", "no path"),
        ("serial://dev/ttyUSB0", "three slashes"),
        ("serial:///dev/ttyUSB0?baud=1234", "baud"),
        ("serial:///dev/ttyUSB0?speed=9600", "unknown option speed"),
        ("usb://04b8", "vendor and product"),
        ("usb://zz:0e15", "hex"),
        ("file://", "missing file path"),
        ("tcp://h?profile=NoSuchPrinter", "unknown printer profile"),
        ("tcp://h?timeout=abc", "timeout"),
    ],
)
def test_bad_urls_say_what_is_wrong_and_what_is_expected(text: str, why: str) -> None:
    with pytest.raises(PrinterURLError) as info:
        parse_printer_url(text)
    message = str(info.value)
    assert repr(text) in message
    assert why in message
    assert "tcp://HOST:9100" in message and "usb://VID:PID" in message


def test_url_from_a_hall_file_device_entry() -> None:
    assert str(url_from_config("/dev/ttyUSB0", 19200)) == "serial:///dev/ttyUSB0?baud=19200"
    assert url_from_config("serial:///dev/ttyS1", 38400).baud == 38400
    assert url_from_config("serial:///dev/ttyS1?baud=9600", 38400).baud == 9600
    assert url_from_config("/dev/usb/lp0").scheme == "file"
    assert str(url_from_config("10.0.0.5:9100")) == "tcp://10.0.0.5:9100"
    with pytest.raises(PrinterURLError, match="'COM3'"):
        url_from_config("COM3")
