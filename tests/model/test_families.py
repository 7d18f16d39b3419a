"""One micro-model per constraint family, each worked out by hand, where the family binds
and changes the answer (shown by changing its parameter or deactivating it)."""

from __future__ import annotations

import pytest
from helpers import solve_tiny, tiny_problem, value

from siting.config import SolverOptions
from siting.solve import solve

pytestmark = pytest.mark.requires_highs

ROOM = {"space_id": "S1", "kind": "community_room", "ownership": "collective",
        "floor_area_m2": 100.0}
OFFICE = {"space_id": "S1", "kind": "office", "ownership": "state", "floor_area_m2": 100.0}


def served_total(built) -> float:
    return sum(value(built, "serve", p) for p in range(built.index.n_pairs))


def resolve_without(built, *families: str, lift_units: float | None = None) -> float:
    """Deactivate constraint families (and optionally lift the unit bounds), re-solve, and
    return the total served."""
    for name in families:
        getattr(built.model, name).deactivate()
    if lift_units is not None:
        for h in built.index.hosts:
            built.model.units[h].setub(lift_units)
        built.model.capacity_units_max.deactivate()
    solve(built, SolverOptions(mip_rel_gap=0))
    return served_total(built)


def test_one_channel_binds():
    # A state office may be converted (usable 0.75) or transferred (0.85), not both: the best
    # single channel gives 85 m2 usable -> 8 units of 10 m2. Taking both would give 16.
    data = tiny_problem([OFFICE], {"Z1": {"f": 20}}, {("Z1", "S1"): 100},
                        {"f": {"max_units": 50}})
    built, res = solve_tiny(data, tie_break=0)
    assert res.status == "optimal"
    assert served_total(built) == pytest.approx(8)
    assert sum(value(built, "build", o) for o in built.index.options) == pytest.approx(1)
    # The unit bound U (from the largest single-channel area) encodes the same rule; lift it
    # too, and two channels on one space double the area.
    assert resolve_without(built, "siting_one_channel", lift_units=50) == pytest.approx(16)


def test_area_growth_and_usable_factor_bind():
    # Renovation may grow 100 m2 by 20 %: 120 m2 gross x 0.8 usable = 96 m2 -> 9 units.
    data = tiny_problem([ROOM], {"Z1": {"f": 20}}, {("Z1", "S1"): 100},
                        {"f": {"max_units": 50}})
    built, res = solve_tiny(data, tie_break=0)
    assert served_total(built) == pytest.approx(9)
    assert value(built, "gross", ("S1", "renovate")) >= 90 / 0.8 - 1e-6
    assert resolve_without(built, "capacity_area", lift_units=50) == pytest.approx(20)


def test_max_units_binds():
    data = tiny_problem([ROOM], {"Z1": {"f": 20}}, {("Z1", "S1"): 100},
                        {"f": {"max_units": 4, "area_per_unit_m2": 1.0}})
    built, _ = solve_tiny(data, tie_break=0)
    assert served_total(built) == pytest.approx(4)


def test_min_units_binds_with_budget():
    # Demand 6, minimum size 10 units. Opening: 100k fixed + 2000/m2 x (10 m2/0.8) + fit-out.
    # 6 units would cost 100k + 15k + 6k = 121k; 10 units 100k + 25k + 10k = 135k.
    # With a 130k budget the minimum size makes the function unaffordable.
    fn = {"f": {"min_units": 10, "max_units": 20, "area_per_unit_m2": 1.0}}
    data = tiny_problem([ROOM], {"Z1": {"f": 6}}, {("Z1", "S1"): 100}, fn)
    built, _ = solve_tiny(data, budget=130_000, tie_break=0)
    assert served_total(built) == pytest.approx(0)
    assert resolve_without(built, "capacity_units_min") == pytest.approx(6)
    built2, _ = solve_tiny(data, budget=135_000, tie_break=0)
    assert served_total(built2) == pytest.approx(6)
    assert value(built2, "units", ("S1", "f")) == pytest.approx(10)


def test_walking_limit_excludes_far_space():
    fn = {"f": {"walking_limit_m": 500}}
    near = tiny_problem([ROOM], {"Z1": {"f": 5}}, {("Z1", "S1"): 499}, fn)
    far = tiny_problem([ROOM], {"Z1": {"f": 5}}, {("Z1", "S1"): 501}, fn)
    assert served_total(solve_tiny(near, tie_break=0)[0]) == pytest.approx(5)
    built, res = solve_tiny(far, tie_break=0)
    assert built.index.n_pairs == 0
    assert res.has_solution


def test_existing_capacity_binds():
    ex = [{"facility_id": "E1", "function": "f", "capacity": 3.0}]
    data = tiny_problem([ROOM], {"Z1": {"f": 8}}, {("Z1", "E1"): 50, ("Z1", "S1"): 100},
                        {"f": {}}, existing=ex)
    built, _ = solve_tiny(data, budget=0, tie_break=0)
    assert served_total(built) == pytest.approx(3)
    built2, _ = solve_tiny(data, budget=1e7, tie_break=0)
    assert served_total(built2) == pytest.approx(8)


def test_demand_caps_service_and_capacity_caps_demand():
    # Two zones share one space of 5 units: total served = 5 (capacity), not 4 + 4.
    data = tiny_problem([ROOM], {"Z1": {"f": 4}, "Z2": {"f": 4}},
                        {("Z1", "S1"): 100, ("Z2", "S1"): 100},
                        {"f": {"max_units": 5, "area_per_unit_m2": 1.0}})
    built, _ = solve_tiny(data, tie_break=0, aggregate_zones=False)  # one row per zone
    assert served_total(built) == pytest.approx(5)
    for p in range(built.index.n_pairs):
        assert value(built, "serve", p) <= 4 + 1e-9
    # merged (both zones reach only S1): one demand of 8, split back 2.5 + 2.5
    merged, _ = solve_tiny(data, tie_break=0)
    assert merged.index.n_pairs == 1 and merged.index.n_pairs_unaggregated == 2
    assert served_total(merged) == pytest.approx(5)
    flows = merged.index.pair_flows([value(merged, "serve", 0)])
    assert sorted(flows["zone_id"]) == ["Z1", "Z2"]
    assert flows["served"].tolist() == pytest.approx([2.5, 2.5])


def test_budget_binds():
    # renovate: 100k fixed + 2000/m2 x gross (units x 1 m2 / 0.8) + 1000 fit-out per unit
    # = 100k + 3500 per unit. Budget 135k -> 10 units.
    fn = {"f": {"max_units": 50, "area_per_unit_m2": 1.0}}
    data = tiny_problem([ROOM], {"Z1": {"f": 30}}, {("Z1", "S1"): 100}, fn)
    built, _ = solve_tiny(data, budget=135_000, tie_break=0)
    assert served_total(built) == pytest.approx(10)
    assert value(built, "capex") <= 135_000 + 1e-6


def test_space_count_binds():
    spaces = [dict(ROOM, space_id="S1"), dict(ROOM, space_id="S2")]
    fn = {"f": {"max_units": 5, "area_per_unit_m2": 1.0}}
    data = tiny_problem(spaces, {"Z1": {"f": 10}}, {("Z1", "S1"): 10, ("Z1", "S2"): 20}, fn)
    assert served_total(solve_tiny(data, tie_break=0)[0]) == pytest.approx(10)
    assert served_total(solve_tiny(data, max_spaces=1, tie_break=0)[0]) == pytest.approx(5)


def test_tie_break_spends_no_money_for_nothing():
    # Demand 5; opening more area or units than needed costs money and serves nobody.
    fn = {"f": {"max_units": 50, "area_per_unit_m2": 1.0}}
    data = tiny_problem([ROOM], {"Z1": {"f": 5}}, {("Z1", "S1"): 100}, fn)
    built, _ = solve_tiny(data, budget=10_000_000)
    assert served_total(built) == pytest.approx(5)
    assert value(built, "units", ("S1", "f")) == pytest.approx(5)
    assert value(built, "capex") == pytest.approx(100_000 + 2000 * 5 / 0.8 + 5 * 1000)


def test_min_distance_picks_nearest_and_min_cost_cheapest():
    spaces = [dict(ROOM, space_id="S1"),
              {"space_id": "S2", "kind": "office", "ownership": "state", "floor_area_m2": 100.0}]
    fn = {"f": {"max_units": 20, "area_per_unit_m2": 1.0}}
    dist = {("Z1", "S1"): 400, ("Z1", "S2"): 100}
    data = tiny_problem(spaces, {"Z1": {"f": 5}}, dist, fn)
    b, _ = solve_tiny(data, objective="min_distance")
    assert value(b, "walk_total") == pytest.approx(500)  # 5 units x 100 m, at S2
    # min_cost: S2 via transfer costs 50k + 1500 x 5/0.85 + 5k < S1 renovate 100k + ...
    b2, _ = solve_tiny(data, objective="min_cost")
    assert value(b2, "capex") == pytest.approx(50_000 + 1500 * 5 / 0.85 + 5_000)


def test_single_source_binds():
    # One community needs 4 places; two rooms of 2 places each. Split, both serve it (4);
    # single-source, its whole demand must go to one room, which no room can take (0).
    spaces = [dict(ROOM, space_id="S1"), dict(ROOM, space_id="S2")]
    fn = {"f": {"max_units": 2, "area_per_unit_m2": 1.0}}
    data = tiny_problem(spaces, {"Z1": {"f": 4}}, {("Z1", "S1"): 10, ("Z1", "S2"): 20}, fn)
    assert served_total(solve_tiny(data, tie_break=0)[0]) == pytest.approx(4)
    built, _ = solve_tiny(data, tie_break=0, single_source=True)
    assert served_total(built) == pytest.approx(0)
