"""Pinned decisions: each kind binds, changes the plan and equals enumeration under the pin;
each contradiction is refused with its reason; the verifier checks every pin."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pandas as pd
import pyomo.environ as pyo
import pytest
from helpers import _max_flow, solve_tiny, space_choices, tiny_problem

from siting.config import Decisions, ModelOptions, Phasing, Scenario, Standards
from siting.decisions import resolve_decisions
from siting.exceptions import DataError, InfeasibleError
from siting.model import build_model

pytestmark = pytest.mark.requires_highs

BUDGET = 330_000.0


def instance():
    """Three spaces (S1 may be converted or transferred), two functions, three zones; the
    budget buys about two small facilities."""
    spaces = [
        {"space_id": "S0", "kind": "community_room", "ownership": "collective",
         "floor_area_m2": 40.0},
        {"space_id": "S1", "kind": "office", "ownership": "state", "floor_area_m2": 45.0},
        {"space_id": "S2", "kind": "shop_front", "ownership": "private", "floor_area_m2": 30.0},
    ]
    zones = {"Z0": {"f0": 3.0, "f1": 2.0}, "Z1": {"f0": 2.0, "f1": 3.0}, "Z2": {"f0": 2.0}}
    dist = {("Z0", "S0"): 100, ("Z1", "S0"): 450, ("Z1", "S1"): 200, ("Z2", "S1"): 300,
            ("Z2", "S2"): 150, ("Z0", "S2"): 480}
    funcs = {"f0": {"area_per_unit_m2": 10.0, "max_units": 3, "fitout_cost_per_unit": 4000.0,
                    "weight": 2.0},
             "f1": {"area_per_unit_m2": 8.0, "max_units": 3, "fitout_cost_per_unit": 1000.0}}
    return tiny_problem(spaces, zones, dist, funcs)


def enumerate_plans(data, opts: ModelOptions) -> list[tuple[float, float, dict]]:
    """Every feasible plan: (weighted coverage, capex, {space: (channel, units)})."""
    fn = data.functions
    funcs = list(fn.index)
    total = data.demand.groupby(level=1).sum()
    w = {f: fn.at[f, "weight"] / total[f] for f in funcs}
    arcs = {f: {} for f in funcs}
    for z, s, f in zip(data.pairs["zone_id"], data.pairs["site_id"], data.pairs["function"]):
        arcs[f].setdefault(z, set()).add(s)
    dem = {f: {z: d for (z, ff), d in data.demand.items() if ff == f} for f in funcs}
    choices = space_choices(data)
    out = []
    for combo in itertools.product(*[c for _, c in choices]):
        plan = {sid: (c[0], dict(zip(funcs, c[1]))) for (sid, _), c in zip(choices, combo)
                if c[0] is not None}
        capex = sum(c[2] for c in combo)
        if opts.budget is not None and capex > opts.budget + 1e-6:
            continue
        if opts.max_spaces is not None and len(plan) > opts.max_spaces:
            continue
        cov = sum(w[f] * _max_flow(dem[f], {j: u[f] for j, (_, u) in plan.items()}, arcs[f])
                  for f in funcs)
        out.append((cov, capex, plan))
    return out


@pytest.fixture(scope="module")
def plans():
    return enumerate_plans(instance(), ModelOptions(budget=BUDGET))


def solved_plan(built) -> dict:
    m, idx = built.model, built.index
    out = {}
    for j, k in idx.options:
        if pyo.value(m.build[j, k]) > 0.5:
            out[j] = (k, {f: round(pyo.value(m.units[h])) for h in idx.hosts_of.get(j, [])
                          for f in [h[1]]})
    return out


def holds(pin: Decisions, plan: dict) -> bool:
    """Whether an enumerated plan meets the pins (independent of the model code)."""
    for j in pin.close:
        if j in plan:
            return False
    for j in [*pin.open, *pin.channel, *pin.units]:
        if j not in plan:
            return False
    for j, k in pin.channel.items():
        if plan[j][0] != k:
            return False
    for j, mix in pin.units.items():
        if any(plan[j][1].get(f, 0) != u for f, u in mix.items()):
            return False
    for j, fs in pin.forbid_functions.items():
        if j in plan and any(plan[j][1].get(f, 0) > 0 for f in fs):
            return False
    return True


def test_each_pin_binds_and_equals_enumeration(plans):
    data = instance()
    built, res = solve_tiny(data, budget=BUDGET, tie_break=0)
    best = max(c for c, _, _ in plans)
    assert res.objective == pytest.approx(best, abs=1e-9)
    free = solved_plan(built)
    chosen = sorted(free)
    unchosen = [j for j in ("S0", "S1", "S2") if j not in free]
    assert chosen and unchosen, free
    j1 = "S1"  # the only space with two channels
    other = "transfer" if free.get(j1, ("convert",))[0] == "convert" else "convert"
    host_j, host_f = next((j, f) for j in chosen for f, u in free[j][1].items() if u > 0)
    u_now = free[host_j][1][host_f]
    pins = {
        "close": Decisions(close=[chosen[0]]),
        "open": Decisions(open=[unchosen[0]]),
        "channel": Decisions(channel={j1: other}),
        "units": Decisions(units={host_j: {host_f: 1 if u_now != 1 else 2}}),
        "forbid": Decisions(forbid_functions={host_j: [host_f]}),
    }
    for kind, pin in pins.items():
        b, r = solve_tiny(replace(data, decisions=pin), budget=BUDGET, tie_break=0)
        assert r.status == "optimal", kind
        got = solved_plan(b)
        assert holds(pin, got), (kind, got)
        assert got != free, f"pin {kind} did not change the plan"
        expected = max(c for c, _, p in plans if holds(pin, p))
        assert r.objective == pytest.approx(expected, abs=1e-9), kind


def _refused(data, match: str, **opts):
    with pytest.raises(DataError, match=match):
        build_model(data, ModelOptions(**opts))


def test_contradictions_are_refused_with_their_reason():
    data = instance()
    cases = [
        (Decisions(open=["S9"]), "unknown space id 'S9'"),
        (Decisions(open=["S0"], close=["S0"]), "both closed and opened"),
        (Decisions(channel={"S0": "transfer"}), "cannot use channel 'transfer'"),
        (Decisions(channel={"S1": "teleport"}), "unknown or disabled"),
        (Decisions(units={"S0": {"f0": 9}}), r"outside the function's size in one space"),
        (Decisions(units={"S2": {"f0": 3, "f1": 3}}), "need 54 m² of service area"),
        (Decisions(units={"S0": {"f9": 1}}), "unknown or disabled function 'f9'"),
        (Decisions(units={"S0": {"f0": 1}}, forbid_functions={"S0": ["f0"]}),
         "both forbidden"),
        (Decisions(start_year={"S0": 2025}), "phasing is off"),
    ]
    for pin, match in cases:
        _refused(replace(data, decisions=pin), match, budget=BUDGET)
    _refused(replace(data, decisions=Decisions(open=["S0", "S1", "S2"])), "above the budget",
             budget=150_000)
    _refused(replace(data, decisions=Decisions(open=["S0", "S1"])), "max_spaces is 1",
             budget=BUDGET, max_spaces=1)
    # already paid: the same pins fit (their cost is outside the budget)
    paid = replace(data, decisions=Decisions(open=["S0", "S1", "S2"], already_paid=True))
    b, r = solve_tiny(paid, budget=150_000, tie_break=0)
    assert r.status == "optimal" and len(solved_plan(b)) == 3
    assert pyo.value(b.model.capex) > 150_000


def test_pins_that_make_a_hard_standard_impossible_name_the_rows():
    from siting.run import plan_problem

    data = instance()
    # every community served >= 1 unit of f0: Z0 reaches only S0 and S2 (480 m)
    std = {"mode": "hard", "function_minimums": [
        {"function": "f0", "amount": 1, "per": 1, "base": "households", "level": "community"}]}
    scen = Scenario.model_validate({
        "name": "t", "data": {"zones": "z.csv", "spaces": "s.csv", "functions": "f.csv",
                              "channels": "c.csv"},
        "model": {"budget": BUDGET}, "standards": std,
        "solver": {"mip_rel_gap": 0, "start": "none"}})
    plan = plan_problem(data, scen)  # feasible without pins
    assert plan.summary["status"] == "optimal"
    pinned = replace(data, decisions=Decisions(close=["S0", "S2"]))
    with pytest.raises(InfeasibleError, match="pinned decisions make 1 hard standard") as e:
        plan_problem(pinned, scen)
    assert "Z0" in str(e.value) and "row " in str(e.value)


def test_file_decisions_and_scenario_wins():
    spaces = pd.DataFrame({"decision": ["open", "close", "transfer", ""]},
                          index=pd.Index(["A", "B", "C", "D"], name="space_id"))
    scen = Scenario.model_validate({
        "name": "t", "data": {"zones": "z", "spaces": "s", "functions": "f", "channels": "c"},
        "decisions": {"close": ["A"]}})
    d = resolve_decisions(spaces, scen)
    assert d.close == ["A", "B"] and d.open == [] and d.channel == {"C": "transfer"}


def test_verifier_checks_every_pin():
    from siting.verify import Violation
    from siting.verify.decisions import check_pins

    spaces = pd.DataFrame({"kind": ["office"] * 3, "floor_area_m2": [40.0] * 3,
                           "decision": ["", "close", ""]},
                          index=pd.Index(["A", "B", "C"], name="space_id"))
    scen = Scenario.model_validate({
        "name": "t", "data": {"zones": "z", "spaces": "s", "functions": "f", "channels": "c"},
        "decisions": {"open": ["A"], "channel": {"C": "transfer"},
                      "units": {"C": {"f0": 2}}, "forbid_functions": {"C": ["f1"]}}})
    good = pd.DataFrame({"space_id": ["A", "C"], "channel": ["convert", "transfer"],
                         "units_f0": [0.0, 2.0], "units_f1": [1.0, 0.0],
                         "floor_area_m2": [40.0, 40.0]})
    assert check_pins(scen, good, spaces, ["f0", "f1"], Violation) == []
    bad = pd.DataFrame({"space_id": ["B", "C"], "channel": ["convert", "convert"],
                        "units_f0": [0.0, 1.0], "units_f1": [0.0, 2.0],
                        "floor_area_m2": [40.0, 40.0]})
    msgs = " | ".join(str(v) for v in check_pins(scen, bad, spaces, ["f0", "f1"], Violation))
    for part in ("space A: pinned into the plan but absent", "space B: pinned closed",
                 "pinned to channel transfer", "f0: pinned at 2 units", "f1 is forbidden"):
        assert part in msgs, msgs


def test_phased_start_year_pin_and_paid_years():
    data = instance()
    ph = Phasing(enabled=True, years=[2025, 2026], budget_per_year={2025: 150_000,
                                                                    2026: 150_000})
    pin = Decisions(start_year={"S0": 2026}, already_paid=[2026])
    built = build_model(replace(data, decisions=pin), ModelOptions(tie_break=0), Standards(),
                        ph)
    from siting.config import SolverOptions
    from siting.solve import solve

    res = solve(built, SolverOptions(mip_rel_gap=0, time_limit_s=30))
    m = built.model
    assert res.status == "optimal"
    assert sum(pyo.value(m.open_in[k]) for k in m.OPEN_IN if k[0] == "S0" and k[2] == 2026) \
        == pytest.approx(1)
    # S0's 2026 money is outside the 2026 budget row
    paid = pyo.value(m.decisions_paid_in[2026])
    assert paid > 0
    assert pyo.value(m.phasing_spend[2025] + m.phasing_spend[2026]) - paid <= 300_000 + 1e-6
