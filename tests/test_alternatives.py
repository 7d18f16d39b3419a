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


def far_instance():
    """One function; every space reaches only its own zone (100 m), so a plan's service per
    site is min(units, demand). A1 (6 units) and A2 (2 units, a cheap transfer 2 km away) are
    the optimum; A1 alone keeps a 30 % slack. B1-B3, each 180 m from A1 (proximity 0.4 at
    R = 300 m) with room for 2 units, together serve as much as A1 (6): a plan disjoint from
    the optimum within the slack, which the budget (460 k) just affords."""
    room = {"kind": "community_room", "ownership": "collective"}
    spaces = [
        {"space_id": "A1", **room, "floor_area_m2": 65.0, "x": 0.0, "y": 0.0},
        {"space_id": "A2", "kind": "office", "ownership": "state", "floor_area_m2": 24.0,
         "x": 2000.0, "y": 0.0},
        {"space_id": "B1", **room, "floor_area_m2": 22.0, "x": 180.0, "y": 0.0},
        {"space_id": "B2", **room, "floor_area_m2": 22.0, "x": 0.0, "y": 180.0},
        {"space_id": "B3", **room, "floor_area_m2": 22.0, "x": -180.0, "y": 0.0},
    ]
    zones = {"ZA1": {"f0": 6.0}, "ZA2": {"f0": 2.0}, "ZB1": {"f0": 2.0}, "ZB2": {"f0": 2.0},
             "ZB3": {"f0": 2.0}}
    dist = {(f"Z{j}", j): 100 for j in ("A1", "A2", "B1", "B2", "B3")}
    funcs = {"f0": {"area_per_unit_m2": 10.0, "max_units": 6, "fitout_cost_per_unit": 1000.0}}
    return tiny_problem(spaces, zones, dist, funcs)


FAR_BUDGET = 460_000.0


def test_alternative_moves_service_instead_of_dropping_sites():
    """The old difference objective (sites shared, sum of proximity over the sites opened)
    is minimised by A1 alone, a subset of the optimum; the service-moved objective by the
    plan disjoint from it, B1-B3. Both checked on every enumerated plan within the slack;
    the command must return the latter."""
    from siting.alternatives import proximity

    data = far_instance()
    slack, radius = 0.3, 300.0
    plans = enumerate_plans(data, ModelOptions(budget=FAR_BUDGET))
    best = max(c for c, _, _ in plans)
    within = [(c, capex, p) for c, capex, p in plans if c >= (1 - slack) * best - 1e-9]
    optimum = max(plans, key=lambda t: (t[0], -t[1]))[2]
    assert set(optimum) == {"A1", "A2"}
    pi = proximity(data, [frozenset(optimum)], "distance", radius)
    assert pi["B1"] == pytest.approx(0.4) and pi["A2"] == 1.0
    demand = {j: float(data.demand[(f"Z{j}", "f0")]) for j in data.spaces.index}
    served_opt = sum(min(u["f0"], demand[j]) for j, (_, u) in optimum.items())

    def moved(p):
        return sum((1 - pi[j]) * min(u["f0"], demand[j]) for j, (_, u) in p.items()) / served_opt

    old_best = min(within, key=lambda t: (sum(pi[j] for j in t[2]), t[1]))[2]
    assert set(old_best) < set(optimum)  # the pitfall: dropping a site is "most different"
    top = max(moved(p) for _, _, p in within)
    far = [p for _, _, p in within if moved(p) >= top - 1e-9]
    assert len(far) == 1 and set(far[0]) == {"B1", "B2", "B3"}

    res = run_alternatives(data, scenario(FAR_BUDGET), count=1, slack=slack,
                           measure="distance", radius_m=radius)
    assert as_plan(res.plans[0]) == optimum
    got = as_plan(res.plans[1])
    assert got in [p for _, _, p in within]
    assert set(got) == {"B1", "B2", "B3"} and not set(got) & set(optimum)
    info = res.info[1]
    assert info["moved_share"] == pytest.approx(top, abs=1e-6)
    alt = res.plans[1].summary["alternative"]
    assert res.plans[1].summary["weighted_coverage"] >= alt["threshold"] - 1e-9
    assert res.table.set_index("id").loc["alt_1", "sites_shared_with_optimum"] == 0
