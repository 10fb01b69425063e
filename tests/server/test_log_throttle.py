"""A fault that refuses every request is logged once a minute with a count, not once per
request (a full disk once grew the log by 79 MB in 20 s)."""

from __future__ import annotations

import logging

from server.db.faults import LogThrottle


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_the_same_line_once_a_minute_with_the_count_of_those_held_back(caplog):
    clock = Clock()
    throttle = LogThrottle(logging.getLogger("layso.test"), 60, clock)
    with caplog.at_level(logging.ERROR, "layso.test"):
        for _ in range(500):
            throttle.log("disk_full", logging.ERROR, "database %s", "disk_full")
            clock.t += 0.01  # 500 requests in 5 s
        assert [r.getMessage() for r in caplog.records] == ["database disk_full"]
        clock.t += 56.0  # past the minute
        throttle.log("disk_full", logging.ERROR, "database %s", "disk_full")
        throttle.log("other", logging.ERROR, "something else")  # its own line at once
        assert [r.getMessage() for r in caplog.records] == [
            "database disk_full",
            "database disk_full (499 more time(s) since the last such line)",
            "something else"]
        assert throttle.flush("disk_full") == 0
        throttle.log("disk_full", logging.ERROR, "database %s", "disk_full")  # a new spell
        assert len(caplog.records) == 4
