"""An infeasible scenario is explained: which community, which function, how much, why."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import tiny_problem

from siting.config import ModelOptions, Scenario, Standards
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


def test_standard_shortfalls_name_community_amount_and_cause():
    # Z1 (1,000 households) needs 300 m2 of service space within 500 m; its only room gives
    # 120 m2 -> 180 m2 missing for lack of space. Z2 has no space within 500 m at all.
    fn = {"f": {"area_per_unit_m2": 1.0, "max_units": 10}}
    data = tiny_problem([ROOM], {"Z1": {"f": 5}, "Z2": {"f": 5}},
                        {("Z1", "S1"): 100, ("Z2", "S1"): 800}, fn,
                        zone_attrs={"Z1": {"households": 1000.0, "name": "东园社区"},
                                    "Z2": {"households": 500.0, "name": "西园社区"}})
    std = {"community_space": {"enabled": True, "walking_limit_m": 500}}
    s = scenario(budget=1e7).model_copy(update={"standards": Standards.model_validate(std)})
    plan = plan_problem(data, s)
    short = {x["group"]: x for x in plan.summary["shortfalls"]}
    assert short["Z1"]["missing"] == pytest.approx(180)
    assert short["Z1"]["group_name"] == "东园社区"
    assert "floor area" in short["Z1"]["cause"]
    assert short["Z2"]["missing"] == pytest.approx(150)
    assert "no eligible candidate space within 500 m" in short["Z2"]["cause"]
    # the same with too little money: the cause becomes the budget
    s2 = scenario(budget=120_000).model_copy(update={"standards": Standards.model_validate(std)})
    z1 = next(x for x in plan_problem(data, s2).summary["shortfalls"] if x["group"] == "Z1")
    assert z1["cause"].startswith("not enough budget")
    # hard mode refuses the scenario with the same list
    hard = Standards.model_validate({**std, "mode": "hard"})
    with pytest.raises(InfeasibleError) as exc:
        plan_problem(data, scenario(budget=1e7).model_copy(update={"standards": hard}))
    assert {x["group"] for x in exc.value.shortfalls} == {"Z1", "Z2"}
    assert "东园社区" in str(exc.value)


def test_shortfalls_exported(tmp_path):
    import pyogrio

    from siting.report import write_plan

    fn = {"f": {"area_per_unit_m2": 1.0, "max_units": 10}}
    data = tiny_problem([ROOM], {"Z1": {"f": 5}}, {("Z1", "S1"): 100}, fn,
                        zone_attrs={"Z1": {"households": 1000.0, "name": "东园社区",
                                           "lon": 120.1, "lat": 30.2}})
    std = Standards.model_validate({"community_space": {"enabled": True}})
    plan = plan_problem(data, scenario(budget=1e7).model_copy(update={"standards": std}))
    write_plan(plan, tmp_path)
    sf = pd.read_csv(tmp_path / "shortfalls.csv", encoding="utf-8-sig")
    assert list(sf["group_name"]) == ["东园社区"]
    assert sf["missing"].iloc[0] == pytest.approx(180)
    assert "shortfalls" in {n for n, _ in pyogrio.list_layers(tmp_path / "plan.gpkg")}
    with pd.ExcelFile(tmp_path / "plan.xlsx") as xl:
        assert "未达标" in xl.sheet_names
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "东园社区" in page and "section-error" not in page  # shortfall named, all drew
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["shortfalls"][0]["standard"] == "community_space"
