"""Money (issue 19): each rule binds on a tiny instance, changes the plan, and the model's
optimum equals exhaustive enumeration (tests/helpers.py: brute_force_money, whose funding,
service and quota checks are LPs of their own)."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from helpers import brute_force_money, tiny_problem

from siting.config import (
    AreaBudgets,
    AreaQuotas,
    FundingSource,
    ModelOptions,
    Operating,
    SolverOptions,
)
from siting.model import build_model
from siting.model.money import Money
from siting.solve import solve

pytestmark = pytest.mark.requires_highs

FN = {"a": {"area_per_unit_m2": 10.0, "max_units": 3, "fitout_cost_per_unit": 10_000.0,
            "opex_per_unit_year": 2_000.0, "weight": 2.0},
      "b": {"area_per_unit_m2": 10.0, "max_units": 2, "fitout_cost_per_unit": 5_000.0,
            "opex_per_unit_year": 1_000.0}}


def space(sid, kind, area, district):
    return {"space_id": sid, "kind": kind, "ownership": "collective", "floor_area_m2": area,
            "district": district}


def instance(fn=FN):
    """Three spaces in two districts (S2 a shop front: only 'convert'), two communities."""
    return tiny_problem(
        [space("S1", "community_room", 40.0, "D1"), space("S2", "shop_front", 50.0, "D2"),
         space("S3", "community_room", 30.0, "D2")],
        {"Z1": {"a": 2, "b": 1}, "Z2": {"a": 3, "b": 2}},
        {("Z1", "S1"): 100, ("Z2", "S2"): 100, ("Z2", "S3"): 200, ("Z1", "S3"): 300}, fn,
        zone_attrs={"Z1": {"district": "D1"}, "Z2": {"district": "D2"}})


def solve_money(data, budget=None, objective="max_coverage", **money):
    m = Money(**money)
    # tie-break 1e-2: its whole range (0.03) is below one unit's coverage step (>= 0.33
    # here), so the plan is still lexicographic, and its cost coefficients are large enough
    # for HiGHS's optimality tolerances to see
    built = build_model(data, ModelOptions(budget=budget, objective=objective, tie_break=1e-2),
                        money=m)
    res = solve(built, SolverOptions(mip_rel_gap=0.0, mip_abs_gap=0.0, time_limit_s=60))
    assert res.status == "optimal"
    assert built.violations() == []
    mm = built.model
    score = pyo.value(mm.coverage_score) if objective == "max_coverage" else \
        pyo.value(mm.capex) + m.operating.annuity * pyo.value(mm.opex_year + mm.rent_year)
    return built, score, pyo.value(mm.capex)


def sources(**kw):
    return {s: FundingSource(**d) for s, d in kw.items()}


CASES = {
    # name: (model money kwargs, brute-force kwargs, the same without the rule)
    "area_budget": (
        {"budgets": AreaBudgets(limits={"D2": 150_000.0})},
        {"area_budgets": {"D2": 150_000.0}}, {}),
    "funding_share_and_cap": (
        {"funding": sources(central={"amount": 200_000.0, "functions": ["a"],
                                     "per_unit_cap": {"a": 8_000.0}, "max_share": 0.5},
                            district={"amount": 150_000.0})},
        {"funding": {"central": {"amount": 200_000.0, "functions": ["a"],
                                 "per_unit_cap": {"a": 8_000.0}, "max_share": 0.5},
                     "district": {"amount": 150_000.0}}},
        {"budget": 350_000.0}),
    "funding_channels_and_min_project": (
        {"funding": sources(bonds={"amount": 400_000.0, "channels": ["convert"],
                                   "min_project": 330_000.0},
                            district={"amount": 120_000.0})},
        {"funding": {"bonds": {"amount": 400_000.0, "channels": ["convert"],
                               "min_project": 330_000.0},
                     "district": {"amount": 120_000.0}}},
        {"budget": 520_000.0}),
    "operating_and_rent": (
        {"operating": Operating(budget_per_year=6_000.0, rent_per_m2_year={"convert": 100.0})},
        {"opex_budget": 6_000.0, "rent": {"S2": 100.0}}, {}),
    "utilisation": (
        {"min_utilisation": {"a": 1.0, "b": 1.0}}, {"floors": {"a": 1.0, "b": 1.0}},
        {}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_rule_binds_and_equals_enumeration(name):
    money, brute, without = CASES[name]
    data = instance()
    budget = 400_000.0 if name in ("area_budget", "operating_and_rent", "utilisation") else None
    if name == "utilisation":  # demand that a full room cannot fill: 2.5 slots near S1
        data = tiny_problem(
            [space("S1", "community_room", 80.0, "D1")], {"Z1": {"a": 2.5, "b": 1.5}},
            {("Z1", "S1"): 100}, FN, zone_attrs={"Z1": {"district": "D1"}})
    built, cov, capex = solve_money(data, budget=budget, **money)
    want = brute_force_money(data, budget=budget, **brute)
    assert cov == pytest.approx(want[0], rel=1e-5, abs=1e-7)
    assert capex == pytest.approx(want[1], rel=1e-5, abs=1e-3)
    free = brute_force_money(data, budget=without.get("budget", budget))
    assert cov < free[0] - 1e-6  # the rule binds: the plan serves less than without it


def test_quota_hard_changes_the_plan_and_equals_enumeration():
    data = instance()
    q = AreaQuotas(communities={"D2": 1}, functions=["b"], mode="hard")
    built, cov, capex = solve_money(data, budget=200_000.0, quotas=q)
    want = brute_force_money(data, budget=200_000.0, quota=("D2", 1, ["b"], 1.0))
    assert cov == pytest.approx(want[0], rel=1e-5, abs=1e-7)
    assert capex == pytest.approx(want[1], rel=1e-5, abs=1e-3)
    assert cov < brute_force_money(data, budget=200_000.0)[0] - 1e-6


def test_soft_quota_reports_the_shortfall():
    from siting.results import read_shortfalls

    data = instance()
    q = AreaQuotas(communities={"D1": 1}, functions=["a", "b"])
    built, _, _ = solve_money(data, budget=50_000.0, quotas=q)  # too little to open anything
    (s,) = read_shortfalls(built)
    assert (s["standard"], s["group"], s["missing"]) == ("quota_communities", "D1", 1.0)


def test_lifecycle_cost_trades_capex_for_running_costs():
    # one community reachable from a renovated room (cheap to build, rented at 400/m2 a
    # year) or a converted shop front (dearer, owned): over 10 years the shop front is
    # cheaper, in min_cost the room
    fn = {"a": {"area_per_unit_m2": 10.0, "max_units": 3, "fitout_cost_per_unit": 1_000.0,
                "opex_per_unit_year": 500.0}}
    data = tiny_problem([space("S1", "community_room", 40.0, "D1"),
                         space("S2", "shop_front", 40.0, "D1")],
                        {"Z1": {"a": 3}}, {("Z1", "S1"): 100, ("Z1", "S2"): 100}, fn,
                        zone_attrs={"Z1": {"district": "D1"}})
    data.spaces.loc["S1", "rent_per_m2_year"] = 400.0
    op = Operating(years=10)
    cheap, _, _ = solve_money(data, objective="min_cost", operating=op)
    life, score, capex = solve_money(data, objective="min_lifecycle_cost", operating=op)
    assert pyo.value(cheap.model.build["S1", "renovate"]) == pytest.approx(1)
    assert pyo.value(life.model.build["S2", "convert"]) == pytest.approx(1)
    want = brute_force_money(data, rent={"S1": 400.0}, lifecycle_years=10)
    assert (score, capex) == pytest.approx(want, rel=1e-6)


def test_funding_split_draws_sources_in_listed_order():
    from siting.money import settle_split

    data = instance()
    m = {"funding": sources(central={"amount": 1e6, "functions": ["a"]},
                            district={"amount": 1e6})}
    built, _, _ = solve_money(data, budget=300_000.0, **m)
    assert settle_split(built, SolverOptions())
    mm = built.model
    central = 1e4 * sum(pyo.value(mm.fund["central", j]) for s, j in mm.FUND if s == "central")
    # central pays each project's childcare part in full: fit-out + area at the channel's
    # price per usable m2
    want = 0.0
    for j, k in built.index.options:
        if pyo.value(mm.build[j, k]) > 0.5 and (j, "a") in built.index.hosts:
            u = pyo.value(mm.units[j, "a"])
            want += u * (10_000 + built.index.cost_per_m2[(j, k)] * 10
                         / built.index.usable[(j, k)])
    assert central == pytest.approx(want, rel=1e-6) and want > 0
    assert built.violations() == []


def test_phased_funding_pays_each_year_within_each_release():
    # Two plan years; a renovation (9 months) opens the year it starts, a conversion (12)
    # too. The district releases 150,000 in 2025 and 200,000 in 2026 without carry-over:
    # the plan must spread its projects so that each year's spending is paid that year.
    from siting.config import Phasing

    data = instance()
    ph = Phasing(enabled=True, years=[2025, 2026],
                 budget_per_year={2025: 1e6, 2026: 1e6}, carry_over=False)
    money = Money(funding=sources(central={"amount": 40_000.0, "functions": ["a"]},
                                  district={"amount": {2025: 150_000.0, 2026: 200_000.0}}),
                  budgets=AreaBudgets(limits={"D2": {2025: 1e6, 2026: 180_000.0}}))
    built = build_model(data, ModelOptions(tie_break=1e-2), phasing=ph, money=money)
    res = solve(built, SolverOptions(mip_rel_gap=0.0, mip_abs_gap=0.0, time_limit_s=60))
    assert res.status == "optimal" and built.violations() == []
    m = built.model
    spend = {t: sum(pyo.value(m.project_spend[j, t]) for j in m.PROJECTS) for t in ph.years}
    paid = {t: 1e4 * sum(pyo.value(m.fund_in[s, j, t]) for s, j, tt in m.FUND_IN if tt == t)
            for t in ph.years}
    district = {t: 1e4 * sum(pyo.value(m.fund_in[s, j, t]) for s, j, tt in m.FUND_IN
                             if tt == t and s == "district") for t in ph.years}
    for t in ph.years:
        assert paid[t] == pytest.approx(spend[t], abs=0.01)
    assert district[2025] <= 150_000 + 0.01 and district[2026] <= 200_000 + 0.01
    d2 = sum(pyo.value(m.project_spend[j, 2026]) for j in ("S2", "S3"))
    assert d2 <= 180_000 + 0.01
    # both years spend: one year's money alone could not pay for the plan
    assert min(spend.values()) > 0
    # the same plan without phasing would have 390,000 to spend at once: more coverage
    flat = build_model(data, ModelOptions(tie_break=1e-2), money=Money(funding=sources(
        central={"amount": 40_000.0, "functions": ["a"]}, district={"amount": 350_000.0})))
    solve(flat, SolverOptions(mip_rel_gap=0.0, mip_abs_gap=0.0, time_limit_s=60))
    assert pyo.value(flat.model.coverage_score) >= pyo.value(m.coverage_score) - 1e-9


def test_greedy_start_keeps_each_areas_budget_and_spends_the_rest():
    """The constructive start with area caps: no area spends more than its money, and the
    money of a rich area is spent, not capped at the poorest area's (the start used to cap
    the whole plan at the smallest area budget)."""
    from siting.model.warmstart import greedy_start
    from siting.money import _area_caps

    data = instance()
    limits = {"D1": 60_000.0, "D2": 400_000.0}
    built = build_model(data, ModelOptions(budget=None),
                        money=Money(budgets=AreaBudgets(limits=limits)))
    weight = data.functions["weight"].astype(float).to_dict()
    caps = _area_caps(built)
    assert caps[0] == {"S1": "D1", "S2": "D2", "S3": "D2"}
    got = greedy_start(built, weight, budget=sum(limits.values()), area_caps=caps)
    m = built.model
    spend = {a: sum(pyo.value(m.project_capex[j]) for j, d in caps[0].items() if d == a)
             for a in limits}
    assert all(spend[a] <= limits[a] + 1e-6 for a in limits), spend
    assert spend["D2"] > limits["D1"]  # beyond what the poorest area holds
    assert got["capex"] == pytest.approx(sum(spend.values()))
    assert built.violations() == []
    # capped at the poorest area's money, as before: less coverage
    before = greedy_start(built, weight, budget=min(limits.values()))
    assert before["coverage_score"] < got["coverage_score"]
