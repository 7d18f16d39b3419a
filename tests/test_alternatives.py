"""Near-optimal alternatives on a tiny instance: each within the slack (recomputed by the
verifier), pairwise different, each among the enumerated plans within the slack; slack 0 on a
unique optimum gives no different alternative, and says so."""

from __future__ import annotations

import pytest
from helpers import tiny_problem
from test_decisions import BUDGET, enumerate_plans, instance

from siting.alternatives import run_alternatives, summary_text
from siting.config import ModelOptions, Scenario


def rich_instance():
    """Four spaces, two of them (S0, S3) community rooms reaching about the same people, so
    near-optimal plans exist that differ in where they put service."""
    spaces = [
        {"space_id": "S0", "kind": "community_room", "ownership": "collective",
         "floor_area_m2": 40.0},
        {"space_id": "S1", "kind": "office", "ownership": "state", "floor_area_m2": 45.0},
        {"space_id": "S2", "kind": "shop_front", "ownership": "private", "floor_area_m2": 30.0},
        {"space_id": "S3", "kind": "community_room", "ownership": "state",
         "floor_area_m2": 35.0},
    ]
    zones = {"Z0": {"f0": 3.0, "f1": 2.0}, "Z1": {"f0": 2.0, "f1": 2.0}, "Z2": {"f0": 2.0}}
    dist = {("Z0", "S0"): 100, ("Z1", "S0"): 450, ("Z1", "S1"): 200, ("Z2", "S1"): 300,
            ("Z2", "S2"): 150, ("Z0", "S2"): 480, ("Z0", "S3"): 200, ("Z1", "S3"): 300}
    funcs = {"f0": {"area_per_unit_m2": 10.0, "max_units": 2, "fitout_cost_per_unit": 4000.0,
                    "weight": 2.0},
             "f1": {"area_per_unit_m2": 8.0, "max_units": 2, "fitout_cost_per_unit": 1000.0}}
    return tiny_problem(spaces, zones, dist, funcs)

pytestmark = pytest.mark.requires_highs


def scenario(budget=BUDGET) -> Scenario:
    return Scenario.model_validate({
        "name": "t", "data": {"zones": "z", "spaces": "s", "functions": "f", "channels": "c"},
        "model": {"budget": budget},
        "solver": {"mip_rel_gap": 0, "mip_abs_gap": 0, "time_limit_s": 30}})


def as_plan(p) -> dict:
    """An exported plan as {space: (channel, {function: units})}."""
    fns = [c[len("units_"):] for c in p.sites.columns if c.startswith("units_")]
    return {r["space_id"]: (r["channel"], {f: int(round(r[f"units_{f}"])) for f in fns})
            for _, r in p.sites.iterrows()}


def test_alternatives_within_slack_different_and_enumerated():
    data = rich_instance()
    slack = 0.15
    res = run_alternatives(data, scenario(), count=3, slack=slack, measure="sites",
                           radius_m=0)
    plans = enumerate_plans(data, ModelOptions(budget=BUDGET))
    best = max(c for c, _, _ in plans)
    within = [p for c, _, p in plans if c >= (1 - slack) * best - 1e-9]
    assert len(res.plans) >= 2
    sigs = []
    for plan in res.plans:
        got = as_plan(plan)
        assert got in within, got
        sig = frozenset((j, c) for j, (c, _) in got.items())
        assert sig not in sigs  # pairwise different
        sigs.append(sig)
        alt = plan.summary["alternative"]
        assert alt["threshold"] == pytest.approx((1 - slack) * best, rel=1e-7)
    # necessity: a site in every plan is necessary only if the re-solve proves it
    nec = res.necessity.set_index("space_id")
    for j, r in nec.iterrows():
        if r["necessary"] == "yes":
            assert not any(j not in p for p in within)
        if r["category"] != "every":
            assert r["necessary"] == "no"


def test_slack_zero_unique_optimum_says_no_alternative():
    data = instance()
    plans = enumerate_plans(data, ModelOptions(budget=BUDGET))
    best = max(c for c, _, _ in plans)
    top = {frozenset((j, c) for j, (c, _) in p.items()) for c, _, p in plans
           if c >= best - 1e-9}
    assert len(top) == 1  # the optimum's sites and channels are unique
    res = run_alternatives(data, scenario(), count=2, slack=0.0, measure="sites",
                           radius_m=0)
    assert res.meta["found"] == 0 and res.meta["stopped_early"]
    assert "No different alternative" in summary_text(res)


def test_pins_hold_in_every_alternative():
    from dataclasses import replace

    from siting.config import Decisions

    data = replace(rich_instance(), decisions=Decisions(open=["S1"], close=["S2"]))
    res = run_alternatives(data, scenario(), count=2, slack=0.15, measure="sites", radius_m=0)
    assert len(res.plans) >= 2
    for plan in res.plans:
        ids = set(plan.sites["space_id"])
        assert "S1" in ids and "S2" not in ids
