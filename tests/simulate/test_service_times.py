"""Service times (positive, the right mean, the same for the same seed) and the people's
plans drawn from them (no-shows, transfers, ratings, breaks)."""

from __future__ import annotations

import math
import random
import statistics
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.hall_config import load_hall_config
from layso.simulate.arrivals import Arrival
from layso.simulate.officers import (
    Behaviour,
    absent_counters,
    dossier_code,
    plan_breaks,
    plan_citizen,
    rating_weights,
)
from layso.simulate.profile import open_sessions
from layso.simulate.service_times import EmpiricalTimes, LognormalTimes

DEMO = load_hall_config("config/demo.toml")
PROVINCIAL = load_hall_config("config/provincial.toml")
MONDAY = date(2026, 11, 23)

means = st.floats(10, 3600)
cvs = st.floats(0, 1.2)


@settings(max_examples=60, deadline=None)
@given(mean=means, cv=cvs, seed=st.integers(0, 2**32))
def test_lognormal_positive_and_seed_deterministic(mean, cv, seed):
    times = LognormalTimes({"HT": mean}, cv)
    a = [times.sample("HT", random.Random(seed)) for _ in range(3)]
    draws = random.Random(seed)
    b = [times.sample("HT", draws) for _ in range(50)]
    again = random.Random(seed)
    assert b == [times.sample("HT", again) for _ in range(50)]
    assert all(x > 0 and math.isfinite(x) for x in a + b)
    assert a[0] == b[0]


@settings(max_examples=15, deadline=None)
@given(mean=means, cv=cvs, seed=st.integers(0, 2**32))
def test_lognormal_mean_and_spread_close_to_target(mean, cv, seed):
    """Over 20,000 draws the mean is within 6 standard errors of the target, and the
    coefficient of variation within 25% of the one asked for."""
    n = 20_000
    times = LognormalTimes({"HT": mean}, cv)
    rng = random.Random(seed)
    xs = [times.sample("HT", rng) for _ in range(n)]
    got = statistics.fmean(xs)
    assert abs(got - mean) <= 6 * mean * cv / math.sqrt(n) + 1e-9 * mean
    if cv == 0:
        assert set(xs) == {mean}
    else:
        assert abs(statistics.pstdev(xs) / got - cv) <= 0.25 * cv + 0.01


def test_lognormal_from_the_hall_file_and_bad_values():
    times = LognormalTimes.from_config(DEMO, 0.5)
    assert times.mean("DD") == 600 and times.mean("TKQ") == 120
    with pytest.raises(ValueError, match="coefficient"):
        LognormalTimes({"HT": 300}, -1)
    with pytest.raises(ValueError, match="positive"):
        LognormalTimes({"HT": 0})


def test_learned_times_resample_the_past_and_fall_back():
    past = {"HT": [100.0, 200.0, 300.0, 400.0, 500.0], "CT": [50.0, 60.0], "DD": [0.0] * 9}
    fallback = LognormalTimes.from_config(DEMO)
    times = EmpiricalTimes.learn(past, fallback)
    assert times.learned == {"HT"}  # CT has too few visits, DD none that took time
    rng = random.Random(1)
    draws = [times.sample("HT", rng) for _ in range(500)]
    assert set(draws) == set(past["HT"])
    assert times.mean("HT") == 300
    assert times.mean("CT") == fallback.mean("CT")
    assert times.sample("CT", random.Random(2)) == fallback.sample("CT", random.Random(2))


@settings(max_examples=50, deadline=None)
@given(k=st.integers(0, 10_000), code=st.sampled_from([s.code for s in DEMO.services]),
       seed=st.integers(0, 1000))
def test_citizen_plans_are_valid_and_repeatable(k, code, seed):
    behaviour = Behaviour(no_show_p=0.3, transfer_p=0.3, rating_p=0.5)
    times = LognormalTimes.from_config(DEMO)
    arrival = Arrival(9 * 3600.0, code, k)
    plan = plan_citizen(arrival, DEMO, times, behaviour, seed)
    assert plan == plan_citizen(arrival, DEMO, times, behaviour, seed)
    assert plan.service_s > 0 and behaviour.walk_s[0] <= plan.walk_s <= behaviour.walk_s[1]
    assert plan.transfer_to is None or (plan.transfer_to != code
                                         and DEMO.service(plan.transfer_to) is not None)
    assert (plan.second_service_s > 0) == (plan.transfer_to is not None)
    assert 0 < plan.transfer_after_s < plan.service_s
    assert plan.rating is None or 1 <= plan.rating <= len(DEMO.rating.levels)
    assert 0 < plan.rating_delay_s < DEMO.rating.window_s
    final = plan.transfer_to or code
    assert (plan.outcome == "returned") == (final == DEMO.dossier.result_service)


def test_citizen_behaviour_rates_over_many_citizens():
    behaviour = Behaviour(no_show_p=0.1, transfer_p=0.05, rating_p=0.6)
    times = LognormalTimes.from_config(DEMO)
    plans = [plan_citizen(Arrival(0, "HT", k), DEMO, times, behaviour, 9) for k in range(4000)]
    assert 0.08 < sum(p.no_show for p in plans) / 4000 < 0.12
    assert 0.035 < sum(p.transfer_to is not None for p in plans) / 4000 < 0.065
    rated = [p.rating for p in plans if p.rating is not None]
    assert 0.57 < len(rated) / 4000 < 0.63
    assert statistics.mode(rated) == len(DEMO.rating.levels)  # most press the top key


@pytest.mark.parametrize("levels", [1, 2, 3, 5])
def test_rating_weights_sum_to_one(levels):
    weights = rating_weights(levels)
    assert len(weights) == levels and math.isclose(sum(weights), 1.0)
    assert weights[-1] == max(weights)


@settings(max_examples=30, deadline=None)
@given(per_day=st.floats(0, 6), length=st.floats(0, 3600), seed=st.integers(0, 1000))
def test_breaks_inside_sessions_and_repeatable(per_day, length, seed):
    behaviour = Behaviour(breaks_per_day=per_day, break_s=length)
    breaks = plan_breaks(PROVINCIAL, MONDAY, behaviour, seed)
    assert breaks == plan_breaks(PROVINCIAL, MONDAY, behaviour, seed)
    assert set(breaks) == {c.number for c in PROVINCIAL.counters}
    sessions = open_sessions(PROVINCIAL, MONDAY)
    for items in breaks.values():
        assert math.floor(per_day) <= len(items) <= math.ceil(per_day)
        assert items == sorted(items)
        for start, dur in items:
            assert any(w.start <= start <= w.end for w in sessions)
            assert 0.5 * length <= dur <= 1.5 * length


def test_absent_officers_and_bad_behaviour():
    assert absent_counters(PROVINCIAL, Behaviour(absent_p=0), 1) == set()
    assert absent_counters(PROVINCIAL, Behaviour(absent_p=1), 1) == {
        c.number for c in PROVINCIAL.counters}
    some = absent_counters(PROVINCIAL, Behaviour(absent_p=0.3), 1)
    assert 5 <= len(some) <= 35 and some == absent_counters(PROVINCIAL,
                                                            Behaviour(absent_p=0.3), 1)
    with pytest.raises(ValueError, match="probability"):
        Behaviour(no_show_p=1.5)
    with pytest.raises(ValueError, match="walk_s"):
        Behaviour(walk_s=(30, 10))


def test_dossier_codes_fit_the_hall_pattern():
    import re

    code = dossier_code(PROVINCIAL, MONDAY, 42)
    assert code == "000.00.31.H12-261123-0042"
    assert re.fullmatch(PROVINCIAL.dossier.pattern, code)
    odd = PROVINCIAL.model_copy(update={"dossier": PROVINCIAL.dossier.model_copy(
        update={"pattern": r"^HS-[A-Z]+$", "example": "HS-ABC"})})
    assert dossier_code(odd, MONDAY, 1) is None  # no number to vary: send none
