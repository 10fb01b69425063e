"""A whole ticket as ESC/POS bytes, built before anything is sent.

Building the job first (through python-escpos's `Dummy` printer) means a rendering problem
never leaves half a ticket in the printer, the job goes out in one write, and its size can be
measured: raster mode sends the picture (GS v 0), text mode sends characters in a Vietnamese
code page with the number in large type (GS !) and the QR code drawn by the printer (GS ( k).
"""

from __future__ import annotations

from typing import Literal

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from contracts.ticket_view import TicketView
from drivers.printer.codepages import CodePage
from drivers.printer.layout import QR, Block, Feed, Paper, Rule, Text, ticket_layout, wrap
from drivers.printer.render import render_blocks
from drivers.printer.transport import make_profile

Mode = Literal["raster", "text"]
MODES = ("raster", "text")
INIT = b"\x1b@"
LEAVE_KANJI = b"\x1c."  # FS . : some Chinese-market printers start in double-byte mode


def _dummy(profile: str | None, paper: Paper) -> Dummy:

    esc = Dummy()
    esc.profile = make_profile(profile, paper.dots)
    return esc


def raster_job(view: TicketView, paper: Paper, profile: str | None = None) -> bytes:
    esc = _dummy(profile, paper)
    esc._raw(INIT)
    esc.image(render_blocks(ticket_layout(view, paper), paper), impl="bitImageRaster")
    esc.cut()
    return esc.output


def _text_lines(block: Text, paper: Paper, codepage: CodePage) -> list[str]:
    columns = paper.small_columns if block.small else paper.columns // block.size
    return wrap(block.text, columns, lambda s: codepage.encode(s).cells)


def text_job(view: TicketView, paper: Paper, codepage: CodePage,
             profile: str | None = None) -> bytes:
    esc = _dummy(profile, paper)
    esc._raw(INIT + LEAVE_KANJI + codepage.select())
    blocks: list[Block] = ticket_layout(view, paper)
    for block in blocks:
        if isinstance(block, Text):
            esc.set(align=block.align, bold=block.bold, font="b" if block.small else "a",
                    custom_size=True, width=block.size, height=block.size)
            for line in _text_lines(block, paper, codepage):
                esc._raw(codepage.encode(line).data + b"\n")
        elif isinstance(block, Rule):
            esc.set(align="left", bold=False, font="a", custom_size=True, width=1, height=1)
            esc._raw(b"-" * paper.columns + b"\n")
        elif isinstance(block, QR):
            esc.set(align="center")
            esc.qr(block.data, size=block.module, native=True, ec=QR_ECLEVEL_M)
            esc._raw(b"\n")
        elif isinstance(block, Feed):
            esc._raw(b"\n" * block.lines)
    esc.set(align="left", bold=False, font="a", custom_size=True, width=1, height=1)
    esc.cut()
    return esc.output


def ticket_job(view: TicketView, paper: Paper, mode: Mode = "raster",
               codepage: CodePage | None = None, profile: str | None = None) -> bytes:
    """The bytes that print `view` on `paper` in `mode` (text mode needs a `codepage`)."""
    if mode == "raster":
        return raster_job(view, paper, profile)
    if mode == "text":
        if codepage is None:
            raise ValueError("text mode needs a code page (tcvn3, cp1258 or viscii)")
        return text_job(view, paper, codepage, profile)
    raise ValueError(f"unknown print mode {mode!r}: choose raster or text")
