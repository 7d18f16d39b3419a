"""Hypothesis-generated tiny cities: the optimum equals exhaustive enumeration, and the
optimum moves the right way when budget, walking limits or the candidate list change."""

from __future__ import annotations

import pytest
from helpers import brute_force_vectorised, n_combinations, solve_tiny, tiny_problem
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from siting.config import ModelOptions

pytestmark = pytest.mark.requires_highs

KINDS = st.sampled_from([("community_room", "collective"), ("office", "state"),
                         ("shop_front", "private"), ("vacant_parcel", "state"),
                         ("idle_factory", "state")])


@st.composite
def cities(draw, max_spaces=3, max_zones=5, max_funcs=2, max_units=3):
    n_s = draw(st.integers(1, max_spaces))
    n_z = draw(st.integers(1, max_zones))
    n_f = draw(st.integers(1, max_funcs))
    spaces = []
    for j in range(n_s):
        kind, own = draw(KINDS)
        area = float(draw(st.integers(10, 60)))
        sp = {"space_id": f"S{j}", "kind": kind, "ownership": own,
              "floor_area_m2": 0.0 if kind == "vacant_parcel" else area}
        if kind == "vacant_parcel":
            sp["buildable_area_m2"] = area
        spaces.append(sp)
    funcs = {f"f{k}": {"area_per_unit_m2": float(draw(st.integers(3, 15))),
                       "min_units": draw(st.integers(0, 2)),
                       "max_units": draw(st.integers(2, max_units)),
                       "fitout_cost_per_unit": float(draw(st.integers(0, 20)) * 500),
                       "walking_limit_m": float(draw(st.sampled_from([300, 500, 1000]))),
                       "weight": float(draw(st.integers(1, 3)))} for k in range(n_f)}
    zones = {}
    for i in range(n_z):
        d = {f: float(draw(st.integers(1, 4))) for f in funcs if draw(st.booleans())}
        if d:
            zones[f"Z{i}"] = d
    if not zones:
        zones = {"Z0": {"f0": 2.0}}
    dist = {(z, s["space_id"]): float(draw(st.integers(0, 1200)))
            for z in zones for s in spaces}
    budget = draw(st.one_of(st.none(), st.integers(50, 600).map(lambda k: k * 1000.0)))
    return spaces, zones, dist, funcs, budget


SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
MAX_PLANS = 300_000
"""Largest number of plans the enumeration scores (numpy, ~1 s); larger draws are skipped."""


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(cities(max_spaces=5, max_zones=6, max_funcs=3, max_units=3))
def test_optimum_equals_enumeration(city):
    spaces, zones, dist, funcs, budget = city
    data = tiny_problem(spaces, zones, dist, funcs)
    assume(n_combinations(data) <= MAX_PLANS)
    best_cov, _ = brute_force_vectorised(data, ModelOptions(budget=budget))
    built, res = solve_tiny(data, budget=budget, tie_break=0)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best_cov, rel=1e-7, abs=1e-9)


@SETTINGS
@given(cities(max_spaces=4, max_zones=6, max_funcs=3, max_units=6))
def test_more_budget_never_lowers_coverage(city):
    spaces, zones, dist, funcs, budget = city
    data = tiny_problem(spaces, zones, dist, funcs)
    b = budget or 200_000.0
    lo = solve_tiny(data, budget=b, tie_break=0)[1].objective
    hi = solve_tiny(data, budget=b * 1.5, tie_break=0)[1].objective
    assert hi >= lo - 1e-9


@SETTINGS
@given(cities(max_spaces=4, max_zones=6, max_funcs=3, max_units=6))
def test_longer_walk_never_lowers_coverage(city):
    spaces, zones, dist, funcs, budget = city
    short = tiny_problem(spaces, zones, dist, funcs)
    longer = {f: {**v, "walking_limit_m": v["walking_limit_m"] * 1.5} for f, v in funcs.items()}
    # same total demand per function, so coverage shares are comparable
    lo = solve_tiny(short, budget=budget, tie_break=0)[1].objective
    hi = solve_tiny(tiny_problem(spaces, zones, dist, longer), budget=budget,
                    tie_break=0)[1].objective
    assert hi >= lo - 1e-9


@SETTINGS
@given(cities(max_spaces=4, max_zones=6, max_funcs=3, max_units=6))
def test_removing_a_space_never_raises_coverage(city):
    spaces, zones, dist, funcs, budget = city
    full = solve_tiny(tiny_problem(spaces, zones, dist, funcs), budget=budget,
                      tie_break=0)[1].objective
    fewer = spaces[:-1]
    if not fewer:
        return
    d2 = {k: v for k, v in dist.items() if k[1] != spaces[-1]["space_id"]}
    less = solve_tiny(tiny_problem(fewer, zones, d2, funcs), budget=budget,
                      tie_break=0)[1].objective
    assert less <= full + 1e-9
