"""Printer URLs: one string names a printer and how to reach it.

    tcp://HOST[:PORT]                  network printer (raw port 9100 by default)
    serial:///dev/ttyUSB0?baud=19200   serial or USB-serial printer (8N1; baud 9600 by default)
    usb://VID:PID                      USB printer by vendor and product id, in hex (04b8:0e15)
    file:///PATH                       a device node such as /dev/usb/lp0, or a capture file

Every form takes `?profile=NAME` (a python-escpos printer profile such as TM-T20II or POS-5890)
and `timeout=SECONDS` (how long to wait for a status reply). A technician types these, so a
bad one gets a message that names it and shows the forms above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from drivers.printer.errors import PrinterURLError

SCHEMES = ("tcp", "serial", "usb", "file")
DEFAULT_TCP_PORT = 9100
DEFAULT_BAUD = 9600
BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)
EXPECTED = (
    "expected tcp://HOST:9100, serial:///dev/ttyUSB0?baud=19200, usb://VID:PID (hex, e.g. "
    "usb://04b8:0e15) or file:///PATH"
)
_COMMON_KEYS = {"profile", "timeout"}
_KEYS = {
    "tcp": _COMMON_KEYS,
    "serial": _COMMON_KEYS | {"baud", "xonxoff"},
    "usb": _COMMON_KEYS | {"in_ep", "out_ep"},
    "file": _COMMON_KEYS,
}


@dataclass(frozen=True)
class PrinterURL:
    """A parsed printer URL; `str()` gives back a canonical form for messages."""

    scheme: str
    host: str = ""
    port: int = DEFAULT_TCP_PORT
    path: str = ""
    baud: int = DEFAULT_BAUD
    xonxoff: bool = False
    vendor_id: int = 0
    product_id: int = 0
    in_ep: int | None = None
    out_ep: int | None = None
    profile: str | None = None
    timeout: float | None = None
    options: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def can_read_status(self) -> bool:
        """A file or device node is write-only: status is always unknown there."""
        return self.scheme != "file"

    def __str__(self) -> str:
        if self.scheme == "tcp":
            host = f"[{self.host}]" if ":" in self.host else self.host
            base = f"tcp://{host}:{self.port}"
        elif self.scheme == "serial":
            base = f"serial://{self.path}?baud={self.baud}"
        elif self.scheme == "usb":
            base = f"usb://{self.vendor_id:04x}:{self.product_id:04x}"
        else:
            base = f"file://{self.path}"
        return base


def _fail(url: str, why: str) -> PrinterURLError:
    return PrinterURLError(f"printer URL {url!r}: {why}; {EXPECTED}")


def _hint(url: str) -> str:
    if url.startswith("/dev/tty"):
        return f"a serial port is written serial://{url}"
    if url.startswith("/"):
        return f"a path is written file://{url}"
    if re.fullmatch(r"[\w.-]+:\d+", url):
        return f"a network printer is written tcp://{url}"
    return "no scheme"


def parse_printer_url(url: str) -> PrinterURL:
    """Parse `url` or raise `PrinterURLError` saying what is wrong and what is expected."""
    if not isinstance(url, str) or not url.strip():
        raise _fail(str(url), "empty")
    url = url.strip()
    if "://" not in url:
        raise _fail(url, _hint(url))
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise _fail(url, str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise _fail(url, f"unknown scheme {parts.scheme!r}")
    try:
        query = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False))
    except ValueError as exc:
        raise _fail(url, f"bad query: {exc}") from None
    unknown = sorted(set(query) - _KEYS[scheme])
    if unknown:
        raise _fail(url, f"unknown option {', '.join(unknown)} for {scheme} (known: "
                         f"{', '.join(sorted(_KEYS[scheme]))})")
    common = _common(url, query)
    if scheme == "tcp":
        return _tcp(url, parts.netloc, parts.path, common, query)
    if scheme == "serial":
        return _serial(url, parts.netloc, parts.path, common, query)
    if scheme == "usb":
        return _usb(url, parts.netloc, parts.path, common, query)
    return _file(url, parts.netloc, parts.path, common, query)


def _common(url: str, query: dict[str, str]) -> dict:
    out: dict = {"options": query}
    if "profile" in query:
        from escpos.capabilities import CAPABILITIES

        name = query["profile"]
        if name not in CAPABILITIES["profiles"]:
            raise _fail(url, f"unknown printer profile {name!r} (python-escpos knows "
                             f"{', '.join(sorted(CAPABILITIES['profiles']))})")
        out["profile"] = name
    if "timeout" in query:
        try:
            timeout = float(query["timeout"])
        except ValueError:
            timeout = -1.0
        if not 0 < timeout <= 60:
            raise _fail(url, f"timeout={query['timeout']!r} is not a number of seconds "
                             "between 0 and 60")
        out["timeout"] = timeout
    return out


def _tcp(url: str, netloc: str, path: str, common: dict, query: dict[str, str]) -> PrinterURL:
    if path not in ("", "/"):
        raise _fail(url, f"a network printer URL has no path (got {path!r})")
    m = re.fullmatch(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:/\[\]@]+))(?::(?P<port>\d*))?",
                     netloc)
    if not m:
        raise _fail(url, "missing or malformed host")
    host = m.group("v6") or m.group("host")
    port_text = m.group("port")
    port = DEFAULT_TCP_PORT
    if port_text:
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise _fail(url, f"port {port} is out of range 1..65535")
    elif port_text == "":
        raise _fail(url, "empty port after ':'")
    return PrinterURL(scheme="tcp", host=host, port=port, **common)


def _serial(url: str, netloc: str, path: str, common: dict, query: dict[str, str]) -> PrinterURL:
    if netloc:
        raise _fail(url, f"a serial URL has three slashes then the device path "
                         f"(serial:///dev/{netloc}{path}?)")
    if not path.startswith("/") or path == "/":
        raise _fail(url, "missing device path")
    baud = DEFAULT_BAUD
    if "baud" in query:
        if not query["baud"].isdigit() or int(query["baud"]) not in BAUDS:
            raise _fail(url, f"baud={query['baud']!r} is not one of "
                             f"{', '.join(map(str, BAUDS))}")
        baud = int(query["baud"])
    xonxoff = query.get("xonxoff", "0").lower() in ("1", "true", "yes", "on")
    return PrinterURL(scheme="serial", path=path, baud=baud, xonxoff=xonxoff, **common)


def _hex_id(url: str, text: str, what: str) -> int:
    text = text.lower().removeprefix("0x")
    if not re.fullmatch(r"[0-9a-f]{1,4}", text):
        raise _fail(url, f"{what} {text!r} is not a 4-digit hex number")
    return int(text, 16)


def _usb(url: str, netloc: str, path: str, common: dict, query: dict[str, str]) -> PrinterURL:
    if path not in ("", "/") or netloc.count(":") != 1:
        raise _fail(url, "a USB printer is given by vendor and product id, like usb://04b8:0e15")
    vid_text, pid_text = netloc.split(":")
    vid = _hex_id(url, vid_text, "vendor id")
    pid = _hex_id(url, pid_text, "product id")
    eps: dict[str, int] = {}
    for key in ("in_ep", "out_ep"):
        if key in query:
            try:
                eps[key] = int(query[key], 0)
            except ValueError:
                raise _fail(url, f"{key}={query[key]!r} is not an endpoint number") from None
    return PrinterURL(scheme="usb", vendor_id=vid, product_id=pid, **eps, **common)


def _file(url: str, netloc: str, path: str, common: dict, query: dict[str, str]) -> PrinterURL:
    if netloc:
        raise _fail(url, f"a file URL has three slashes then the path (file:///{netloc}{path})")
    if not path.startswith("/") or path == "/":
        raise _fail(url, "missing file path")
    return PrinterURL(scheme="file", path=path, **common)


def url_from_config(port: str, baud: int = DEFAULT_BAUD) -> PrinterURL:
    """A printer from a hall file's device entry (`port`, `baud`), where a bare path is usual.

    `/dev/ttyUSB0` becomes serial:///dev/ttyUSB0?baud=BAUD, another absolute path a file://
    device node (e.g. /dev/usb/lp0), `HOST:PORT` a tcp:// printer; URLs pass through.
    """
    text = port.strip()
    if "://" not in text:
        if text.startswith(("/dev/tty", "/dev/serial/", "/dev/rfcomm")):
            text = f"serial://{text}?baud={baud}"
        elif text.startswith("/"):
            text = f"file://{text}"
        elif re.fullmatch(r"[\w.-]+:\d+", text):
            text = f"tcp://{text}"
    elif text.startswith("serial://") and "baud=" not in text:
        text += ("&" if "?" in text else "?") + f"baud={baud}"
    return parse_printer_url(text)
