"""The call-to-LED benchmark runs end to end (its figures are for `layso bench`, not asserted)."""

from __future__ import annotations

from drivers.bus.frame import line_time
from layso.bench.devices import measure_call_to_led


def test_measure_call_to_led_reports_figures_against_the_frame_line_time():
    out = measure_call_to_led(3, 19200, polled=False)
    # SHOW "1001" + US + "1": 6 payload bytes + 7 bytes of frame
    assert (out["n"], out["baud"], out["frame_bytes"]) == (3, 19200, 13)
    assert out["frame_line_ms"] == round(line_time(13, 19200) * 1000, 2)
    # the last byte cannot arrive sooner than the frame takes on the line after the request
    assert out["from_request_median_ms"] >= out["frame_line_ms"]
    assert out["from_request_median_ratio"] >= 1
