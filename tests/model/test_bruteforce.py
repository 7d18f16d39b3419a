"""Tiny random instances (2-4 spaces): the model's optimum equals exhaustive enumeration."""

from __future__ import annotations

import pytest
from helpers import brute_force, rng, solve_tiny, tiny_problem

from siting.config import ModelOptions
from siting.model import build_model

pytestmark = pytest.mark.requires_highs

KINDS = [("community_room", "collective"), ("office", "state"), ("shop_front", "private"),
         ("vacant_parcel", "state")]


def random_instance(seed: int, n_spaces: int, n_zones: int, n_funcs: int):
    g = rng(seed)
    spaces = []
    for j in range(n_spaces):
        kind, own = KINDS[g.integers(len(KINDS))]
        sp = {"space_id": f"S{j}", "kind": kind, "ownership": own,
              "floor_area_m2": float(g.integers(15, 60)) if kind != "vacant_parcel" else 0.0}
        if kind == "vacant_parcel":
            sp["buildable_area_m2"] = float(g.integers(20, 80))
        spaces.append(sp)
    funcs = {}
    for k in range(n_funcs):
        funcs[f"f{k}"] = {"area_per_unit_m2": float(g.integers(3, 12)),
                          "min_units": int(g.integers(0, 2)), "max_units": int(g.integers(2, 4)),
                          "fitout_cost_per_unit": float(g.integers(0, 5000)),
                          "walking_limit_m": float(g.choice([300, 500, 1000])),
                          "weight": float(g.integers(1, 4))}
    zones = {f"Z{i}": {f: float(g.integers(1, 5)) for f in funcs if g.random() < 0.8}
             for i in range(n_zones)}
    zones = {z: d for z, d in zones.items() if d}
    dist = {(z, f"S{j}"): float(g.integers(50, 1100)) for z in zones for j in range(n_spaces)
            if g.random() < 0.8}
    return tiny_problem(spaces, zones, dist, funcs)


@pytest.mark.parametrize(("seed", "n_spaces", "n_zones", "n_funcs", "budget"), [
    (1, 2, 3, 1, None), (2, 3, 3, 2, 250_000), (3, 3, 4, 2, 180_000), (4, 4, 3, 1, 300_000),
    (5, 2, 4, 2, 120_000), (6, 3, 2, 2, 400_000), (7, 4, 4, 1, 150_000),
])
def test_model_matches_enumeration(seed, n_spaces, n_zones, n_funcs, budget):
    data = random_instance(seed, n_spaces, n_zones, n_funcs)
    best_cov, best_capex = brute_force(data, ModelOptions(budget=budget))
    built, res = solve_tiny(data, budget=budget, tie_break=0)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best_cov, rel=1e-7, abs=1e-9)
    # With the tie-break on, the plan keeps the best coverage and spends the least for it.
    # (Coverage moves in steps of w_f / D_f per unit, far above tie_break x sum(w), so the
    # weighted optimum is the lexicographic one.)
    built2, res2 = solve_tiny(data, budget=budget, tie_break=1e-4)
    import pyomo.environ as pyo

    assert pyo.value(built2.model.coverage_score) == pytest.approx(best_cov, rel=1e-5, abs=1e-7)
    assert pyo.value(built2.model.capex) == pytest.approx(best_capex, rel=1e-5, abs=1e-3)


@pytest.mark.parametrize("seed", [21, 22, 23, 24, 25, 26])
def test_merging_zones_keeps_the_optimum_and_the_split_keeps_every_zone_within_demand(seed):
    """Zones reaching the same sites are merged; the optimum and the LP bound do not move,
    and the plan split back per zone serves no zone beyond its demand, from no site beyond
    its walking limit."""
    g = rng(seed)
    data = random_instance(seed, 3, 6, 2)
    zones = sorted(data.zones.index)
    budget = float(g.integers(100_000, 300_000))
    built, res = solve_tiny(data, budget=budget, tie_break=0)
    plain, res_plain = solve_tiny(data, budget=budget, tie_break=0, aggregate_zones=False)
    assert built.index.zone_groups, "the instance must merge something to test merging"
    assert built.index.n_pairs < plain.index.n_pairs
    assert res.objective == pytest.approx(res_plain.objective, rel=1e-9, abs=1e-9)
    assert res.bound == pytest.approx(res_plain.bound, rel=1e-9, abs=1e-9)
    best, _ = brute_force(data, ModelOptions(budget=budget))
    assert res.objective == pytest.approx(best, rel=1e-7, abs=1e-9)
    import pyomo.environ as pyo

    flows = built.index.pair_flows([pyo.value(built.model.serve[p])
                                    for p in range(built.index.n_pairs)])
    per_zone = flows.groupby(["zone_id", "function"])["served"].sum()
    for (z, f), v in per_zone.items():
        assert z in zones
        assert v <= data.demand[(z, f)] + 1e-7
    limits = data.functions["walking_limit_m"]
    reach = data.pairs.set_index(["zone_id", "site_id", "function"])["distance_m"]
    for z, j, f, d in zip(flows["zone_id"], flows["site_id"], flows["function"],
                          flows["distance_m"]):
        assert reach[(z, j, f)] == pytest.approx(d)
        assert d <= limits[f]


@pytest.mark.parametrize(("seed", "budget"), [(2, 250_000), (3, 180_000), (7, 150_000)])
def test_without_the_per_pair_rows_the_optimum_is_the_enumerated_one(seed, budget,
                                                                      monkeypatch):
    """Above ``STRONG_ROWS_MAX_PAIRS`` pairs max coverage is built without the rows
    ``service_if_hosted`` (valid inequalities, not needed for the optimum); min_cost keeps
    them at any size; ``strong_assignment`` set by hand wins either way."""
    from siting.model import service

    data = random_instance(seed, 3 if seed != 7 else 4, 4, 2 if seed != 7 else 1)
    names = lambda built: {b.name for b in built.matrix_rows}  # noqa: E731
    assert "service_if_hosted" in names(build_model(data, ModelOptions(budget=budget)))
    monkeypatch.setattr(service, "STRONG_ROWS_MAX_PAIRS", 0)
    best_cov, _ = brute_force(data, ModelOptions(budget=budget))
    built, res = solve_tiny(data, budget=budget, tie_break=0)
    assert "service_if_hosted" not in names(built)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best_cov, rel=1e-7, abs=1e-9)
    assert "service_if_hosted" in names(build_model(data, ModelOptions(
        budget=budget, strong_assignment=True)))
    assert "service_if_hosted" in names(build_model(data, ModelOptions(objective="min_cost")))
    monkeypatch.setattr(service, "STRONG_ROWS_MAX_PAIRS", 10**9)
    assert "service_if_hosted" not in names(build_model(data, ModelOptions(
        budget=budget, strong_assignment=False)))
