"""An infeasible scenario is explained: which community, which function, how much, why."""

from __future__ import annotations

import pytest
from helpers import tiny_problem

from siting.config import ModelOptions, Scenario
from siting.exceptions import InfeasibleError
from siting.run import plan_problem

pytestmark = pytest.mark.requires_highs

ROOM = {"space_id": "S1", "kind": "community_room", "ownership": "collective",
        "floor_area_m2": 100.0}


def scenario(**model) -> Scenario:
    return Scenario(name="t", data={"zones": "-", "spaces": "-", "functions": "-",
                                    "channels": "-"},
                    model=ModelOptions(**model), solver={"mip_rel_gap": 0.0})


def test_unreachable_community_named():
    fn = {"f": {"walking_limit_m": 500, "area_per_unit_m2": 1.0}}
    data = tiny_problem([ROOM], {"Z1": {"f": 4}, "Z2": {"f": 3}},
                        {("Z1", "S1"): 100, ("Z2", "S1"): 900}, fn)
    with pytest.raises(InfeasibleError) as exc:
        plan_problem(data, scenario(objective="min_cost"))
    (s,) = exc.value.shortfalls
    assert (s["zone_id"], s["function"], s["missing"]) == ("Z2", "f", 3)
    assert "within 500 m" in s["cause"]
    assert "Z2" in str(exc.value)


def test_budget_shortfall_amount_and_cause():
    # Serving Z1's 30 units costs 100k + 2000 x 30/0.8 + 1000 x 30 = 205k; the budget of
    # 135k buys 10 units (100k + 3.5k per unit), so 20 are missing, for lack of money.
    fn = {"f": {"area_per_unit_m2": 1.0, "max_units": 50}}
    data = tiny_problem([ROOM], {"Z1": {"f": 30}}, {("Z1", "S1"): 100}, fn)
    with pytest.raises(InfeasibleError) as exc:
        plan_problem(data, scenario(objective="min_cost", budget=135_000))
    (s,) = exc.value.shortfalls
    assert s["zone_id"] == "Z1" and s["missing"] == pytest.approx(20)
    assert "budget" in s["cause"]


def test_floor_area_shortfall_cause():
    # 100 m2 x 1.2 growth x 0.8 usable = 96 units at most; demand 120 -> 24 missing.
    fn = {"f": {"area_per_unit_m2": 1.0, "max_units": 500}}
    data = tiny_problem([ROOM], {"Z1": {"f": 120}}, {("Z1", "S1"): 100}, fn)
    with pytest.raises(InfeasibleError) as exc:
        plan_problem(data, scenario(objective="min_distance"))
    (s,) = exc.value.shortfalls
    assert s["missing"] == pytest.approx(24)
    assert "floor area" in s["cause"]
