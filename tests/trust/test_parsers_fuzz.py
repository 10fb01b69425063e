"""Every parser fed arbitrary input returns a value or its own clear error, and never hangs.

What tests/bus and tests/printer already fuzz (the frame stream decoders, CRC, DLE EOT
status bytes) is not repeated here; this adds the payload parsers, the master's handling of
well-framed but nonsensical replies, the hall file, the kiosk's scanner input and the dossier
code check. Each example has a deadline far above its normal cost (a hang fails it) and
pytest-timeout bounds each test.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.hall_config import (
    DEFAULT_CONFIG,
    DEFAULT_DOSSIER_PATTERN,
    HallConfig,
    HallConfigError,
    load_hall_config,
    parse_hall_config,
)
from drivers.bus import protocol as bp
from drivers.bus.frame import MAX_PAYLOAD, Frame
from drivers.bus.master import BusMaster, DeviceSpec
from drivers.modbus import rtu
from drivers.modbus.display import DisplaySpec, ModbusDisplayMaster
from drivers.printer.status import QUERIES, PrinterState, parse_status, status_byte
from kiosk.hall import HallData
from kiosk.scanner import MAX_CODE, KeyboardWedge, split_lines
from server.engine.errors import BadDossierCode
from server.queue.tickets import check_dossier_code

pytestmark = pytest.mark.timeout(120)
# Deterministic by default; LAYSO_FUZZ_RANDOM=1 LAYSO_FUZZ_EXAMPLES=N explores anew.
FUZZ = settings(max_examples=int(os.environ.get("LAYSO_FUZZ_EXAMPLES", "300")),
                deadline=timedelta(seconds=5),
                derandomize=os.environ.get("LAYSO_FUZZ_RANDOM") != "1",
                suppress_health_check=[HealthCheck.too_slow], database=None)
CONFIG_DIR = Path(DEFAULT_CONFIG).parent
DEMO = tomllib.loads(Path(DEFAULT_CONFIG).read_text(encoding="utf-8"))
COUNTS: dict[str, int] = {}


def _count(name: str) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + 1


# ---- the RS-485 bus: payloads of well-framed messages ---------------------------------------

PAYLOAD_PARSERS = {
    "SHOW": bp.parse_show, "BLINK": bp.parse_blink, "BRIGHTNESS": bp.parse_brightness,
    "ARM": bp.parse_arm, "POLL": bp.parse_poll, "EVENT": bp.EventPayload.parse,
    "PING reply": bp.DeviceInfo.parse,
}


@FUZZ
@given(st.sampled_from(sorted(PAYLOAD_PARSERS)), st.binary(max_size=MAX_PAYLOAD))
def test_bus_payload_parsers_return_a_value_or_a_protocol_error(name, payload):
    _count("bus payloads")
    try:
        value = PAYLOAD_PARSERS[name](payload)
    except bp.ProtocolError as exc:
        assert str(exc), name  # a message a technician can act on
        return
    if name == "SHOW":  # what a device accepts, it would show exactly as sent
        assert bp.show_payload(value) == payload


def _bus_devices() -> list:
    master = BusMaster("/dev/null", [
        DeviceSpec(1, bp.DeviceKind.LED_PANEL, counter=1),
        DeviceSpec(2, bp.DeviceKind.LED_BOARD),
        DeviceSpec(3, bp.DeviceKind.KEYPAD, counter=1),
        DeviceSpec(4, bp.DeviceKind.RATING_BOX, counter=1),
    ])
    return [master.endpoint(a) for a in (1, 2, 3, 4)]


@FUZZ
@given(st.integers(0, 3), st.sampled_from(["ping", "poll", "write"]), st.integers(0, 2),
       st.integers(0, 255), st.binary(max_size=MAX_PAYLOAD))
def test_bus_master_takes_any_well_framed_reply(index, kind, which, command, payload):
    """A device that answers with a valid CRC but nonsense (a wrong length, an unknown key,
    a reply to another command) is reported, never crashes the line's task: `on_reply` may
    only return a message or raise ValueError, which the engine logs as a malformed reply."""
    _count("bus replies")
    device = _bus_devices()[index]
    if kind == "ping":
        request = device.ping_request()
    elif kind == "poll" or not device.slots:
        request = device.poll_request()
    else:
        slot = device.slots[which % len(device.slots)]
        slot.settle(_slot_value(device, slot))
        slot.resend()
        request = device.write_request(slot, now=0.0)
        assert request is not None
    try:
        said = device.on_reply(request, Frame(device.address, 0, command, payload))
    except ValueError as exc:
        assert str(exc)
        return
    assert said is None or isinstance(said, str)


def _slot_value(device, slot):
    """A value the master would send in `slot` (a panel's number, a blink, a brightness,
    a rating box's armed LED)."""
    from drivers.bus.master import _Blink, _Led

    return {id(device.text): [bp.Line("1023", "5")],
            id(device.blink): _Blink(bp.BlinkMode(1), 3, None),
            id(device.bright): 8,
            id(device.led): _Led(True, 60, 7, None)}[id(slot)]


@FUZZ
@given(st.sampled_from(["ping", "write"]), st.integers(0, 255), st.binary(max_size=260))
def test_modbus_display_takes_any_well_framed_reply(kind, function, data):
    _count("modbus replies")
    master = ModbusDisplayMaster("/dev/null", [DisplaySpec(1, counter=1)])
    display = master.endpoint(1)
    if kind == "ping":
        request = display.ping_request()
    else:
        slot = display.slots[0]
        slot.settle(1023)
        slot.resend()
        request = display.write_request(slot, now=0.0)
    try:
        said = display.on_reply(request, rtu.RtuFrame(1, function, data))
    except ValueError as exc:
        assert str(exc)
        return
    assert said is None or isinstance(said, str)


@FUZZ
@given(st.binary(max_size=300))
def test_modbus_decode_and_register_values(raw):
    _count("modbus frames")
    try:
        frame = rtu.decode(raw)
    except rtu.RtuError as exc:
        assert str(exc)
        return
    try:
        values = rtu.register_values(frame)
    except rtu.RtuError:
        return
    assert all(0 <= v <= 0xFFFF for v in values)


# ---- ESC/POS status replies ----------------------------------------------------------------

@FUZZ
@given(st.dictionaries(st.sampled_from(QUERIES), st.one_of(st.none(), st.binary(max_size=16))))
def test_garbage_never_reads_as_a_ready_printer(replies):
    """The kiosk prints only on OK or near-end: noise on the status line must not look like
    a ready printer unless both the online and the paper queries got a status-shaped byte."""
    _count("printer status")
    status = parse_status(replies)
    if status.state in (PrinterState.OK, PrinterState.PAPER_NEAR_END):
        assert status_byte(replies.get(1)) is not None
        assert status_byte(replies.get(4)) is not None
    assert status.describe()


# ---- the hall file -------------------------------------------------------------------------

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                      st.text(max_size=30), st.dates(), st.times())
json_like = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=25)


def _parse_or_clear_error(data) -> HallConfig | None:
    try:
        return parse_hall_config(data, "fuzz.toml")
    except HallConfigError as exc:
        assert str(exc).startswith("fuzz.toml") and exc.problems
        return None


@FUZZ
@given(json_like)
def test_any_value_as_a_hall_file(data):
    _count("config values")
    _parse_or_clear_error(data)


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


DEMO_PATHS = sorted(_paths(DEMO), key=repr)


def _replace(value, path, new):
    if not path:
        return new
    head, *rest = path
    if not isinstance(value, list | dict):
        raise KeyError(head)  # an earlier edit put a plain value where this path went on
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[head] = _replace(value[head], rest, new)
    return copy


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(DEMO_PATHS), json_like), min_size=1, max_size=3))
def test_the_demo_hall_with_values_changed_anywhere(edits):
    """The demo hall with one to three values swapped for anything: the checks that matter
    (cross references, hours, scales, zones) see real structure around the bad value."""
    _count("config mutations")
    data = DEMO
    for path, new in edits:
        try:
            data = _replace(data, path, new)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed the path
    _parse_or_clear_error(data)


toml_text = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(Path(DEFAULT_CONFIG).read_text(encoding="utf-8").splitlines()),
             max_size=60).map("\n".join),
)


@FUZZ
@given(st.one_of(toml_text.map(lambda t: t.encode("utf-8")), st.binary(max_size=200)))
def test_any_file_as_a_hall_file(tmp_path_factory, raw):
    _count("config files")
    path = tmp_path_factory.getbasetemp() / "fuzz-hall.toml"
    path.write_bytes(raw)
    try:
        load_hall_config(path)
    except HallConfigError as exc:
        assert str(path) in str(exc) and exc.problems


# ---- the kiosk's scanner -------------------------------------------------------------------

@FUZZ
@given(st.binary(max_size=600), st.integers(1, 40))
def test_serial_scanner_lines_split_anywhere(stream, step):
    """However the port cuts the bytes, the same codes come out, none holding CR or LF, and
    the leftover never grows past one code's length."""
    _count("scanner streams")
    whole, _ = split_lines(stream)
    got, rest = [], b""
    for i in range(0, len(stream), step):
        codes, rest = split_lines(rest + stream[i:i + step])
        got += codes
        assert len(rest) <= MAX_CODE + step
    for code in got:
        assert "\r" not in code and "\n" not in code and code == code.strip()
    if not any(len(chunk) > MAX_CODE for chunk in re.split(rb"[\r\n]", stream)):
        assert got == whole


@FUZZ
@given(st.lists(st.tuples(st.text(max_size=20), st.floats(0, 3)), max_size=40))
def test_keyboard_wedge_takes_any_typing(keys):
    _count("wedge typing")
    wedge, now = KeyboardWedge(stale_s=1.0), 0.0
    for text, gap in keys:
        now += gap
        wedge.feed(text, now)
        code = wedge.end(now) if gap > 2.5 else None
        assert code is None or (code == code.strip() and code)
    code = wedge.end(now)
    assert code is None or len(code) <= MAX_CODE + 20


scanned = st.one_of(
    st.text(max_size=300),
    st.from_regex(DEFAULT_DOSSIER_PATTERN, fullmatch=True),
    st.builds(lambda a, code, b: a + code + b, st.text(max_size=40),
              st.from_regex(DEFAULT_DOSSIER_PATTERN, fullmatch=True), st.text(max_size=40)),
    st.from_regex(DEFAULT_DOSSIER_PATTERN, fullmatch=True).map(
        lambda c: f"https://dichvucong.gov.vn/tra-cuu?ma={c}&x=1"),
)


@FUZZ
@given(scanned)
def test_scanned_text_gives_a_code_or_nothing(text):
    """The kiosk sends the server a printable code of at most 64 characters (the API's
    limit), or nothing; a receipt's code is found inside a web address."""
    _count("scanner codes")
    code = HallData(name="x", name_en="x").dossier_code(text)
    if code is None:
        return
    assert code and code.isprintable() and len(code) <= MAX_CODE
    if re.search(DEFAULT_DOSSIER_PATTERN.strip("^$"), text):
        assert re.fullmatch(DEFAULT_DOSSIER_PATTERN, code)


# ---- the dossier code check on the server ---------------------------------------------------

HALLS = {p.name: load_hall_config(p) for p in sorted(CONFIG_DIR.glob("*.toml"))}


@FUZZ
@given(st.sampled_from(sorted(HALLS)), st.one_of(
    st.text(max_size=64),
    st.text(alphabet=string.digits + string.ascii_letters + ".-", max_size=64),
    st.from_regex(DEFAULT_DOSSIER_PATTERN, fullmatch=True),
    st.from_regex(DEFAULT_DOSSIER_PATTERN, fullmatch=True).map(str.lower)))
def test_dossier_code_check(hall, text):
    """Every hall's pattern answers any 64-character input quickly (no catastrophic
    backtracking): a normalised code, or a 422 that shows the pattern and an example."""
    _count("dossier codes")
    cfg = HALLS[hall]
    tx = SimpleNamespace(cfg=cfg)  # the check reads only the hall file
    try:
        code = check_dossier_code(tx, text)
    except BadDossierCode as exc:
        assert exc.status == 422 and cfg.dossier.example in exc.message
        return
    assert code == text.strip().upper() and re.fullmatch(cfg.dossier.pattern, code)


def test_every_hall_example_passes_its_own_check():
    for name, cfg in HALLS.items():
        tx = SimpleNamespace(cfg=cfg)
        assert check_dossier_code(tx, cfg.dossier.example) == cfg.dossier.example, name


def test_fuzz_figures():
    """Runs last in this module: how many examples each parser took, for the report."""
    assert COUNTS and all(n > 0 for n in COUNTS.values())
    print("\nparser fuzz examples:", sum(COUNTS.values()), COUNTS)
