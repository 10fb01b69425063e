"""The link to one printer: a python-escpos object built from a URL, plus honest status reads.

python-escpos reads status with a fixed 16-byte read that waits its whole timeout on serial
lines and reports a silent printer as fine; here a query drains stale bytes, sends DLE EOT n,
and returns the reply or None when nothing came in time. Any failure of the link surfaces as
`LinkError`, and the caller throws the object away and builds a new one (a power-cycled USB
printer or a re-plugged serial adapter is a new device).
"""

from __future__ import annotations

import copy
import socket
import time
from typing import Any

from drivers.printer.status import DLE_EOT
from drivers.printer.url import PrinterURL

CONNECT_TIMEOUT_S = 5.0
DEFAULT_STATUS_TIMEOUT_S = 1.0


class LinkError(Exception):
    """The printer could not be opened, written or read; `str()` says why."""


def make_profile(name: str | None, width_dots: int) -> Any:
    """A private copy of a python-escpos profile that knows the paper's width in dots.

    Profiles are shared class data in python-escpos; editing one in place would leak into
    every other printer of the process.
    """
    from escpos.capabilities import get_profile

    profile = get_profile(name or "default")
    data = copy.deepcopy(profile.profile_data)
    data.setdefault("media", {}).setdefault("width", {})["pixels"] = width_dots
    profile.profile_data = data
    return profile


def _link_errors() -> tuple[type[BaseException], ...]:
    import termios  # a pty or adapter that vanished fails in termios calls, not with OSError

    errors: list[type[BaseException]] = [OSError, AssertionError, termios.error]
    try:
        from escpos.exceptions import DeviceNotFoundError

        errors.append(DeviceNotFoundError)
    except ImportError:  # pragma: no cover - python-escpos is a dependency
        pass
    try:
        import serial

        errors.append(serial.SerialException)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


LINK_ERRORS = _link_errors()


class Link:
    """One open connection to a printer (python-escpos object underneath)."""

    def __init__(self, url: PrinterURL, width_dots: int,
                 status_timeout: float = DEFAULT_STATUS_TIMEOUT_S) -> None:
        self.url = url
        self.status_timeout = url.timeout or status_timeout
        self.escpos = self._build(width_dots)
        try:
            self.escpos.open()
        except LINK_ERRORS as exc:
            raise LinkError(_reason(exc)) from exc
        except RuntimeError as exc:  # python-escpos: a missing optional dependency
            raise LinkError(str(exc).strip()) from exc

    def _build(self, width_dots: int) -> Any:
        url = self.url
        if url.scheme == "tcp":
            from escpos.printer import Network

            esc = Network(host=url.host, port=url.port, timeout=CONNECT_TIMEOUT_S)
        elif url.scheme == "serial":
            from escpos.printer import Serial

            esc = Serial(devfile=url.path, baudrate=url.baud, timeout=self.status_timeout,
                         xonxoff=url.xonxoff)
        elif url.scheme == "usb":
            from escpos.printer import Usb

            if not Usb.is_usable():
                raise LinkError("USB printing needs pyusb and libusb: "
                                "pip install 'python-escpos[usb]' and apt install libusb-1.0-0")
            kwargs: dict[str, Any] = {"timeout": int(max(self.status_timeout, 1) * 1000)}
            if url.in_ep is not None:
                kwargs["in_ep"] = url.in_ep
            if url.out_ep is not None:
                kwargs["out_ep"] = url.out_ep
            esc = Usb(url.vendor_id, url.product_id, **kwargs)
        else:
            from escpos.printer import File

            esc = File(devfile=url.path)
        esc.profile = make_profile(url.profile, width_dots)
        return esc

    def send(self, data: bytes) -> None:
        """Write `data` whole; slow serial lines get a deadline from their baud rate."""
        try:
            if self.url.scheme == "serial":
                line_time = len(data) * 10 / self.url.baud
                self.escpos.device.write_timeout = line_time * 1.5 + 5
            elif self.url.scheme == "tcp":
                self.escpos.device.settimeout(max(CONNECT_TIMEOUT_S, len(data) / 20_000))
            self.escpos._raw(data)
            if self.url.scheme == "serial":
                self.escpos.device.flush()
        except LINK_ERRORS as exc:
            raise LinkError(_reason(exc)) from exc

    def query(self, n: int) -> bytes | None:
        """Send DLE EOT n and return what came back within the status timeout, or None."""
        scheme = self.url.scheme
        if scheme == "file":
            return None
        try:
            if scheme == "tcp":
                return self._query_socket(n)
            if scheme == "serial":
                return self._query_serial(n)
            return self._query_generic(n)
        except TimeoutError:
            return None
        except LINK_ERRORS as exc:
            raise LinkError(_reason(exc)) from exc

    def _query_socket(self, n: int) -> bytes | None:
        sock: socket.socket = self.escpos.device
        sock.setblocking(False)
        try:
            while True:  # drop late replies to an earlier query
                stale = sock.recv(64)
                if not stale:
                    raise ConnectionResetError("the printer closed the connection")
        except BlockingIOError:
            pass
        finally:
            sock.setblocking(True)
        sock.settimeout(self.status_timeout)
        sock.sendall(DLE_EOT + bytes([n]))
        reply = sock.recv(16)
        if not reply:
            raise ConnectionResetError("the printer closed the connection")
        return reply

    def _query_serial(self, n: int) -> bytes | None:
        port = self.escpos.device
        port.reset_input_buffer()
        port.timeout = self.status_timeout
        port.write(DLE_EOT + bytes([n]))
        port.flush()
        first = port.read(1)
        if not first:
            return None
        time.sleep(0.005)  # a multi-byte answer arrives within a few character times
        return first + port.read(port.in_waiting)

    def _query_generic(self, n: int) -> bytes | None:
        self.escpos._raw(DLE_EOT + bytes([n]))
        try:
            reply = bytes(self.escpos._read())
        except NotImplementedError:
            return None
        return reply or None

    def close(self) -> None:
        """Close, ignoring errors: the link is being dropped because it failed or is done."""
        try:
            self.escpos.close()
        except Exception:  # noqa: BLE001 - closing a broken link must not raise
            pass
        finally:
            # python-escpos closes again when the object is collected; a dead port would
            # raise there, far from here, so mark it closed.
            self.escpos._device = False


def _reason(exc: BaseException) -> str:
    inner = exc.__cause__ or exc.__context__
    if type(exc).__name__ == "DeviceNotFoundError" and inner is not None:
        return _reason(inner)  # python-escpos wraps the real cause in a vaguer message
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
