"""`layso simulate --counters` on a tiny hall: each candidate hall on its own fresh server,
and the answer is the smallest count that met the target with one fewer failing."""

from __future__ import annotations

import json
import math

from layso.cli import main as layso_main
from layso.simulate.hallfile import write_hall_file
from tests.simulate.halls import tiny_hall

# Certification (3 min a visit): 30 citizens an hour is 1.5 counters' work, so one counter
# cannot keep up and the answer is at least 2. Civil status (7 min): 3 an hour, one counter.
PROFILE = """
priority_share = 0
[services.CT]
per_hour = { 8 = 30, 9 = 30 }
[services.HT]
per_hour = { 8 = 3, 9 = 3 }
"""
TARGET_MIN = 10


def test_counters_needed_for_a_p90_target(tmp_path, capsys):
    hall = write_hall_file(tiny_hall(), tmp_path / "tiny.toml")
    profile = tmp_path / "profile.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    out = tmp_path / "plan.json"
    code = layso_main(["simulate", "--config", str(hall), "--profile", str(profile),
                       "--date", "2026-11-23", "--seed", "3", "--counters", "--target-p90",
                       str(TARGET_MIN), "--max-runs", "4", "--json", str(out), "--quiet"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["converged"] and 1 <= len(plan["runs"]) <= 4
    needed = {row["service"]: row for row in plan["services"]}
    assert needed["CT"]["needed"] >= 2  # more than the offered load of 1.5 counters
    assert needed["HT"]["needed"] >= 1
    assert needed["CT"]["counters_now"] == needed["HT"]["counters_now"] == 1
    for code_, row in needed.items():
        target = row["target_p90_s"]
        assert target == TARGET_MIN * 60
        assert row["p90_s_at_needed"] <= target, code_
        # the count below was tried and failed (or the answer is a single counter)
        assert row["needed"] == 1 or row["p90_s_one_fewer"] > target, code_
        tried = {r["counts"][code_]: r["p90_s"][code_] for r in plan["runs"]}
        assert tried[row["needed"]] == row["p90_s_at_needed"]
        for n, p90 in tried.items():  # every count tried agrees with the answer
            assert (p90 <= target) == (n >= row["needed"]), (code_, n, p90)
    assert "Quầy cần" in printed.out and "needed" in printed.out
    assert math.isfinite(plan["runs"][0]["wall_s"])


def test_counters_without_a_target_says_what_to_give(tmp_path, capsys):
    hall = write_hall_file(tiny_hall(), tmp_path / "tiny.toml")
    code = layso_main(["simulate", "--config", str(hall), "--counters", "--quiet"])
    assert code == 2
    assert "--target-p90" in capsys.readouterr().err
