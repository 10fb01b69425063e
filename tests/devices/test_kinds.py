"""Each kind of device in the hall file has its own small class (server/devices/kinds.py):
a new kind is given one, or is deliberately one that shows nothing."""

from __future__ import annotations

import typing

from contracts.hall_config import Device as DeviceEntry
from server.devices.kinds import KINDS, Board, Device, Panel, for_target
from server.devices.lines import Target
from server.devices.state import Change

SHOW_NOTHING = {"keypad", "printer"}  # keypads only press; printers belong to the kiosks


def test_every_kind_of_the_hall_file_has_its_class_or_shows_nothing() -> None:
    kinds = set(typing.get_args(DeviceEntry.model_fields["kind"].annotation))
    assert set(KINDS) | SHOW_NOTHING == kinds
    assert not set(KINDS) & SHOW_NOTHING


def test_which_changes_concern_which_device() -> None:
    def made(kind: str, counter: int | None) -> Device:
        entry = DeviceEntry(name=kind, kind=kind, port="socket://x:1", counter=counter)
        return for_target(Target(entry, None), driving=None, now=None)  # type: ignore[arg-type]

    panel, board, keypad = made("led_panel", 3), made("led_board", None), made("keypad", 3)
    assert (type(panel), type(board), type(keypad)) == (Panel, Board, Device)
    call = Change(panels={3}, calls={3}, board=True)
    assert panel.concerns(call) and panel.blinks(call)
    assert not panel.concerns(Change(panels={4}, board=True))
    assert board.concerns(call) and board.blinks(call) and board.after_panels
    assert not keypad.concerns(call)
    assert panel.push(None) == [] and keypad.push(None) == []  # type: ignore[arg-type]
