"""The arrival process: Poisson counts that follow the profile, inside the ticket hours,
sorted, and the same for the same seed; profiles from a day's total or a file; replays."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.hall_config import load_hall_config
from layso.simulate.arrivals import poisson_arrivals, replay_arrivals
from layso.simulate.profile import (
    HOURS,
    ArrivalProfile,
    ProfileError,
    daily_capacity,
    hour_overlap,
    issue_windows,
    load_profile,
    profile_per_day,
)
from tests.simulate.halls import hall_with_hours

DEMO = load_hall_config("config/demo.toml")
PROVINCIAL = load_hall_config("config/provincial.toml")
MONDAY = date(2026, 11, 23)

# Opening hours a technician might write: one or two sessions, a cut-off.
sessions = st.one_of(
    st.just([["00:00", "24:00"]]),
    st.tuples(st.integers(6, 9), st.integers(10, 12), st.integers(13, 14),
              st.integers(15, 19)).map(lambda h: [[f"{h[0]:02d}:30", f"{h[1]:02d}:00"],
                                                  [f"{h[2]:02d}:00", f"{h[3]:02d}:15"]]),
    st.tuples(st.integers(0, 11), st.integers(1, 12)).map(
        lambda h: [[f"{h[0]:02d}:00", f"{min(23, h[0] + h[1]):02d}:45"]]),
)
rates = st.lists(st.floats(0, 120), min_size=HOURS, max_size=HOURS)


def _two_service_profile(a: list[float], b: list[float]) -> ArrivalProfile:
    codes = [s.code for s in DEMO.services]
    table = {code: (0.0,) * HOURS for code in codes}
    table[codes[0]], table[codes[1]] = tuple(a), tuple(b)
    return ArrivalProfile(table, priority_share=0.1)


@settings(max_examples=40, deadline=None)
@given(hours=sessions, cutoff=st.integers(0, 30), a=rates, b=rates,
       seed=st.integers(0, 2**32))
def test_arrivals_sorted_inside_ticket_hours_and_repeatable(hours, cutoff, a, b, seed):
    cfg = hall_with_hours(DEMO, hours, cutoff)
    profile = _two_service_profile(a, b)
    got = poisson_arrivals(profile, cfg, MONDAY, seed)
    assert got == poisson_arrivals(profile, cfg, MONDAY, seed)  # same seed, same citizens
    assert [x.t for x in got] == sorted(x.t for x in got)
    windows = issue_windows(cfg, MONDAY)
    for x in got:
        assert any(w.start <= x.t < w.end for w in windows), (x, windows)
        assert profile.rate(x.service, x.t) > 0  # nobody comes in an hour of rate 0
        assert x.priority is None or cfg.priority_group(x.priority) is not None
    for code in {x.service for x in got}:  # each service's citizens numbered 0, 1, …
        assert [x.k for x in got if x.service == code] == list(range(
            sum(1 for x in got if x.service == code)))


@settings(max_examples=30, deadline=None)
@given(hours=sessions, cutoff=st.integers(0, 30), a=rates, seed=st.integers(0, 2**32))
def test_counts_per_hour_follow_the_rates(hours, cutoff, a, seed):
    """Each hour's count is Poisson with mean rate × (hours open in it): within 6 standard
    deviations (plus a little for small means) — loose enough never to fail by chance, tight
    enough to catch a wrong rate, a lost hour or a doubled one."""
    cfg = hall_with_hours(DEMO, hours, cutoff)
    profile = _two_service_profile(a, [0.0] * HOURS)
    code = DEMO.services[0].code
    got = Counter(int(x.t // 3600) for x in poisson_arrivals(profile, cfg, MONDAY, seed)
                  if x.service == code)
    overlap = hour_overlap(issue_windows(cfg, MONDAY))
    for h in range(HOURS):
        mean = a[h] * overlap[h]
        assert abs(got[h] - mean) <= 6 * math.sqrt(mean) + 4, (h, got[h], mean)
    total = sum(r * o for r, o in zip(a, overlap, strict=True))
    assert abs(sum(got.values()) - total) <= 6 * math.sqrt(total) + 4


def test_hourly_shape_over_many_days_matches_the_profile():
    """With a fixed seed and 200 provincial days, each hour's share of arrivals is within 3%
    (absolute) of the profile's share."""
    profile = profile_per_day(PROVINCIAL, MONDAY, 400)
    per_hour: Counter = Counter()
    for i in range(200):
        per_hour.update(int(x.t // 3600) for x in poisson_arrivals(profile, PROVINCIAL, MONDAY,
                                                                   f"shape-{i}"))
    expected = profile.expected(PROVINCIAL, MONDAY)
    overlap = hour_overlap(issue_windows(PROVINCIAL, MONDAY))
    total = sum(per_hour.values())
    assert abs(total - 200 * sum(expected.values())) < 0.02 * total
    for h in range(HOURS):
        want = sum(profile.rates[c][h] for c in profile.rates) * overlap[h] / 400
        assert abs(per_hour[h] / total - want) < 0.03, h
    assert per_hour[12] == 0 and per_hour[7] > 0  # lunch, and the 07:30 opening


def test_priority_share_and_groups():
    profile = profile_per_day(DEMO, MONDAY, 5000, priority_share=0.2)
    got = poisson_arrivals(profile, DEMO, MONDAY, 7)
    share = sum(1 for x in got if x.priority) / len(got)
    assert 0.17 < share < 0.23
    assert {x.priority for x in got if x.priority} == {p.code for p in DEMO.priority_groups}


def test_a_service_keeps_its_citizens_when_another_changes():
    """Planner runs compare counters on the same citizens: one service's demand does not move
    another's arrivals."""
    base = profile_per_day(DEMO, MONDAY, 200)
    busier = ArrivalProfile({**base.rates, "DD": tuple(3 * r for r in base.rates["DD"])},
                            base.priority_share)
    ht = [x for x in poisson_arrivals(base, DEMO, MONDAY, 3) if x.service == "HT"]
    assert ht == [x for x in poisson_arrivals(busier, DEMO, MONDAY, 3) if x.service == "HT"]
    assert poisson_arrivals(base, DEMO, MONDAY, 3) != poisson_arrivals(base, DEMO, MONDAY, 4)


@settings(max_examples=30, deadline=None)
# A day's demand is nought or at least a hundredth of a citizen: below that the shares
# underflow to zero (5e-324 × a share is 0.0), which says nothing about the planner.
@given(total=st.one_of(st.just(0.0), st.floats(0.01, 50_000)), hours=sessions,
       cutoff=st.integers(0, 60))
def test_profile_per_day_expects_the_total(total, hours, cutoff):
    cfg = hall_with_hours(PROVINCIAL, hours, cutoff)
    profile = profile_per_day(cfg, MONDAY, total)
    assert math.isclose(sum(profile.expected(cfg, MONDAY).values()), total, rel_tol=1e-9,
                        abs_tol=1e-6)
    # shared in proportion to each service's counters' capacity
    share = {s.code: 0.0 for s in cfg.services}
    for c in cfg.counters:
        for code in c.services:
            share[code] += 1 / len(c.services) / cfg.service(code).avg_service_s
    if total > 0:
        expected = profile.expected(cfg, MONDAY)
        for code, w in share.items():
            assert math.isclose(expected[code] / total, w / sum(share.values()), rel_tol=1e-6)


def test_closed_day_refuses_a_demand():
    saturday = MONDAY + timedelta(days=5)
    with pytest.raises(ProfileError, match="no tickets"):
        profile_per_day(PROVINCIAL, saturday, 100)
    assert daily_capacity(PROVINCIAL, saturday) == 0
    # 60 counters, 8 h, means of 120–600 s: a few thousand citizens a day
    assert 2000 < daily_capacity(PROVINCIAL, MONDAY) < 8000


def test_profile_file(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('priority_share = 0\nshape = { 9 = 1 }\n[services.HT]\nper_day = 50\n'
                    '[services.CT]\nper_hour = { 8 = 12, 14 = 6 }\n', encoding="utf-8")
    profile = load_profile(path, PROVINCIAL, MONDAY)
    assert profile.rates["HT"][9] == pytest.approx(50)  # the whole day in the 9 o'clock hour
    assert sum(profile.rates["HT"]) == pytest.approx(50)
    assert profile.rates["CT"][8] == 12 and profile.rates["CT"][14] == 6
    assert sum(profile.rates["DD"]) == 0  # left out: nobody comes
    assert profile.priority_share == 0


@pytest.mark.parametrize(("text", "message"), [
    ('[services.XX]\nper_day = 5\n', "XX are not in the hall"),
    ('[services.HT]\nper_hour = { 25 = 3 }\n', "not an hour of the day"),
    ('[services.HT]\nper_day = 5\nper_hour = { 8 = 3 }\n', "per_day or per_hour"),
    ('[services.HT]\nper_day = -5\n', "greater than or equal to 0"),
    ('[services.HT\n', "not a TOML file"),
    ('[services.HT]\nper_dya = 5\n', "per_dya"),
])
def test_profile_file_errors_say_what_to_fix(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=message) as err:
        load_profile(path, PROVINCIAL, MONDAY)
    assert str(path) in str(err.value)


def test_missing_profile_file(tmp_path):
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "nope.toml", PROVINCIAL, MONDAY)


def test_replay_moves_a_past_day_and_drops_what_does_not_fit():
    past = [(8 * 3600.0, "HT", None), (7 * 3600.0, "HT", "elderly"),  # before opening
            (9 * 3600.0, "GONE", None), (16 * 3600.0 + 50 * 60, "CT", None),  # after cut-off
            (14 * 3600.0, "CT", "nobody"), (8.5 * 3600, "HT", "merit")]
    got = replay_arrivals(past, PROVINCIAL, MONDAY)
    assert [(a.t, a.service, a.k) for a in got.arrivals] == [
        (8 * 3600.0, "HT", 0), (8.5 * 3600, "HT", 1), (14 * 3600.0, "CT", 0)]
    assert got.arrivals[2].priority is None  # an unknown group is ordinary
    assert (got.dropped_service, got.dropped_hours) == (1, 2)
