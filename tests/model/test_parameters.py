"""A built model re-targeted at new demand (:mod:`siting.model.parameters`) solves to the
optimum of the new data, and the solver's updated HiGHS model is the one a fresh hand-over
of the same model gives."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyomo.environ as pyo
import pytest
from helpers import brute_force, rng
from test_bruteforce import random_instance

from siting.config import ModelOptions, SolverOptions, Standards
from siting.model import build_model
from siting.model.parameters import update_data
from siting.model.warmstart import greedy_start
from siting.solve import Solver

pytestmark = pytest.mark.requires_highs

EXACT = SolverOptions(mip_rel_gap=0.0, mip_abs_gap=0.0, time_limit_s=60)


def rescaled(data, factors: dict[str, float]):
    """The same problem with each function's demand multiplied by its factor."""
    f = data.demand.index.get_level_values("function").map(factors).to_numpy(float)
    return dataclasses.replace(data, demand=data.demand * f)


def highs_arrays(solver: Solver) -> dict:
    lp = solver.highs.getLp()
    a = lp.a_matrix_
    return {"cost": np.array(lp.col_cost_), "col_lower": np.array(lp.col_lower_),
            "col_upper": np.array(lp.col_upper_), "row_lower": np.array(lp.row_lower_),
            "row_upper": np.array(lp.row_upper_), "offset": np.array([lp.offset_]),
            "start": np.array(a.start_), "index": np.array(a.index_),
            "value": np.array(a.value_)}


def assert_resolve_optimal(solver: Solver, built, data, budget: float):
    """Re-solve with the solver held; the plan is optimal (up to the tie-break) and HiGHS
    holds what a fresh hand-over of the model gives."""
    res = solver.solve(built, EXACT, warm_start=True)
    best = brute_force(data, ModelOptions(budget=budget, tie_break=1e-4))[0]
    assert res.objective == pytest.approx(best, rel=1e-3)
    assert_same_highs_model(solver, built)
    return res


def assert_same_highs_model(updated: Solver, built) -> None:
    fresh = Solver()
    fresh.load(built)
    a, b = highs_arrays(updated), highs_arrays(fresh)
    for k in a:
        assert a[k].shape == b[k].shape, k
        assert np.allclose(a[k], b[k], rtol=1e-12, atol=0), k


@pytest.mark.parametrize(("seed", "budget", "factors"), [
    (31, 200_000, {"f0": 1.7, "f1": 0.45}),
    (32, 150_000, {"f0": 0.3, "f1": 2.5}),
    (33, 260_000, {"f0": 1.31, "f1": 1.0}),
    (34, None, {"f0": 0.5, "f1": 0.5}),
])
def test_resolve_after_a_demand_change_matches_enumeration(seed, budget, factors):
    data = random_instance(seed, 3, 5, 2)
    opts = ModelOptions(budget=budget, tie_break=0)
    built = build_model(data, opts)
    solver = Solver()
    first = solver.solve(built, EXACT)
    assert first.objective == pytest.approx(brute_force(data, opts)[0], rel=1e-7, abs=1e-9)

    new = rescaled(data, factors)
    updated = update_data(built, new)
    assert updated is not None and updated.model is built.model
    res = solver.solve(updated, EXACT, warm_start=True)
    assert res.status == "optimal" and res.handover_s > 0  # coefficients updated, not rebuilt
    assert res.objective == pytest.approx(brute_force(new, opts)[0], rel=1e-7, abs=1e-9)
    assert_same_highs_model(solver, updated)
    assert updated.violations() == []
    # and back: the first optimum again
    back = update_data(updated, data)
    assert solver.solve(back, EXACT, warm_start=True).objective == pytest.approx(
        first.objective, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize(("seed", "channel", "fitout"), [(51, 1.3, 0.6), (52, 0.7, 1.5),
                                                         (53, 1.0, 0.0)])
def test_resolve_after_a_price_change_matches_enumeration(seed, channel, fitout):
    """Channel prices (a cost overrun) and fit-out costs are parameters too."""
    data = random_instance(seed, 3, 5, 2)
    opts = ModelOptions(budget=220_000, tie_break=0)
    built = build_model(data, opts)
    solver = Solver()
    solver.solve(built, EXACT)
    options = data.options.assign(cost_per_m2=data.options["cost_per_m2"] * channel,
                                  fixed_cost=data.options["fixed_cost"] * channel)
    functions = data.functions.assign(
        fitout_cost_per_unit=data.functions["fitout_cost_per_unit"] * fitout)
    new = dataclasses.replace(data, options=options, functions=functions)
    updated = update_data(built, new)
    assert updated is not None
    res = solver.solve(updated, EXACT, warm_start=True)
    assert res.objective == pytest.approx(brute_force(new, opts)[0], rel=1e-7, abs=1e-9)
    assert_same_highs_model(solver, updated)


@pytest.mark.parametrize("seed", [41, 42, 43])
def test_min_cost_single_source_after_a_demand_change_equals_a_fresh_build(seed):
    """Demand is a coefficient here (serve = d x assign) and scales the tie-break."""
    data = random_instance(seed, 4, 4, 1)
    opts = ModelOptions(objective="min_cost", single_source=True)
    built = build_model(data, opts)
    solver = Solver()
    solver.solve(built, EXACT)
    g = rng(seed)
    new = rescaled(data, {"f0": float(g.uniform(0.3, 1.0))})
    updated = update_data(built, new)
    assert updated is not None
    res = solver.solve(updated, EXACT, warm_start=True)
    fresh = Solver().solve(build_model(new, opts), EXACT)
    assert res.status == fresh.status
    if fresh.has_solution:
        assert res.objective == pytest.approx(fresh.objective, rel=1e-7)
    assert_same_highs_model(solver, updated)


def test_a_budget_change_only_rereads_the_budget_row_and_leaves_the_same_model():
    data = random_instance(36, 3, 5, 2)
    built = build_model(data, ModelOptions(budget=200_000))
    solver = Solver()
    solver.solve(built, EXACT)
    built.model.budget_limit.set_value(120_000)
    assert assert_resolve_optimal(solver, built, data, 120_000).handover_s == 0.0


def test_update_refuses_a_new_structure_and_leaves_the_model_alone():
    data = random_instance(31, 3, 5, 2)
    built = build_model(data, ModelOptions(budget=200_000))
    before = {k: pyo.value(v) for k, v in built.model.demand.items()}
    gone = dataclasses.replace(data, demand=data.demand.iloc[1:])  # a demand vanishes
    assert update_data(built, gone) is None
    pairs = data.pairs.assign(distance_m=data.pairs["distance_m"] + 1)  # other distances
    assert update_data(built, dataclasses.replace(data, pairs=pairs)) is None
    assert {k: pyo.value(v) for k, v in built.model.demand.items()} == before


def test_standards_requirements_follow_demand_growth(demo_scenario, demo_data):
    """A function minimum per population group grows with that group: its requirement,
    shortfall bound and penalty weight change; the updated HiGHS model equals a fresh
    hand-over, and the requirement equals a fresh build's."""
    from siting.data import load_inputs
    from siting.problem import prepare

    std = Standards.model_validate({"function_minimums": [
        {"function": "respite_beds", "amount": 3, "per": 1000, "base": "pop_60_plus",
         "level": "street"}]})
    s1 = demo_scenario.update(standards=std)
    s2 = s1.update(demand_growth={"pop_60_plus": 1.3})
    inputs = load_inputs(s1)
    d1, d2 = prepare(inputs, s1), prepare(inputs, s2)
    built = build_model(d1, s1.model, s1.standards)
    solver = Solver()
    solver.load(built)
    old = {k: pyo.value(v) for k, v in built.model.requirement.items()}
    updated = update_data(built, d2)
    assert updated is not None
    fresh = build_model(d2, s2.model, s2.standards)
    req = {k: pyo.value(v) for k, v in updated.model.requirement.items()}
    assert req == pytest.approx({k: pyo.value(v) for k, v in fresh.model.requirement.items()})
    assert req and all(req[k] == pytest.approx(1.3 * old[k]) for k in req)
    solver._refresh(updated)
    assert_same_highs_model(solver, updated)


def test_greedy_start_carried_over_a_demand_fall_is_feasible():
    data = random_instance(35, 4, 6, 2)
    built = build_model(data, ModelOptions(budget=300_000))
    solver = Solver()
    assert solver.solve(built, EXACT).has_solution
    updated = update_data(built, rescaled(data, {"f0": 0.35, "f1": 0.5}))
    weight = data.functions["weight"].astype(float).to_dict()
    assert greedy_start(updated, weight, extend=True) is not None
    assert updated.violations() == []


@pytest.mark.parametrize("fmt", ["csc", "csr"])
def test_changed_coefficients_reach_highs_also_when_the_sparsity_changes(fmt):
    import highspy
    import scipy.sparse as sp

    from siting.solve import _change_coefficients

    old = sp.csc_array(np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 4.0]])).asformat(fmt)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    c = old.tocsc()
    h.passModel(3, 2, c.nnz, int(highspy.MatrixFormat.kColwise),
                int(highspy.ObjSense.kMinimize), 0.0, np.zeros(3), np.zeros(3), np.ones(3),
                np.zeros(2), np.ones(2), c.indptr.astype(np.int32), c.indices.astype(np.int32),
                c.data, np.zeros(3, dtype=np.int32))
    same_pattern = sp.csc_array(np.array([[1.0, 0.0, 5.0], [0.0, 3.0, 4.0]])).asformat(fmt)
    assert _change_coefficients(h, old, same_pattern, 0) == 1
    other = sp.csc_array(np.array([[0.0, 7.0, 5.0], [0.0, 3.0, 4.5]])).asformat(fmt)
    assert _change_coefficients(h, same_pattern, other, 0) == 3
    lp = h.getLp()
    got = sp.csc_array((np.array(lp.a_matrix_.value_), np.array(lp.a_matrix_.index_),
                        np.array(lp.a_matrix_.start_)), shape=(2, 3)).toarray()
    assert np.array_equal(got, other.toarray())


def test_one_solver_for_two_models_then_a_demand_update():
    """A solver keeps nothing of a previous model (its matrix-row blocks included)."""
    data = random_instance(37, 3, 5, 2)
    first = build_model(data, ModelOptions(budget=200_000, strong_assignment=True))
    second = build_model(data, ModelOptions(budget=200_000, strong_assignment=False))
    names = [{b.name for b in built.matrix_rows} for built in (first, second)]
    assert names[0] - names[1] == {"service_if_hosted"}
    solver = Solver()
    solver.solve(first, EXACT)
    solver.solve(second, EXACT)
    new = rescaled(data, {"f0": 1.4, "f1": 0.7})
    assert_resolve_optimal(solver, update_data(second, new), new, 200_000)


def test_greedy_counts_the_cost_of_the_trimmed_plan():
    data = random_instance(35, 4, 6, 2)
    built = build_model(data, ModelOptions(budget=300_000))
    Solver().solve(built, EXACT)
    updated = update_data(built, rescaled(data, {"f0": 0.35, "f1": 0.5}))
    got = greedy_start(updated, data.functions["weight"].astype(float).to_dict(), extend=True)
    assert got["capex"] == pytest.approx(pyo.value(updated.model.capex), rel=1e-9)


@pytest.mark.parametrize("how", ["prices rise", "budget falls"])
def test_greedy_start_closes_spaces_until_the_carried_plan_is_affordable(how):
    data = random_instance(38, 4, 6, 2)
    built = build_model(data, ModelOptions(budget=300_000))
    Solver().solve(built, EXACT)
    spent = pyo.value(built.model.capex)
    if how == "prices rise":
        options = data.options.assign(cost_per_m2=data.options["cost_per_m2"] * 2.5,
                                      fixed_cost=data.options["fixed_cost"] * 2.5)
        built = update_data(built, dataclasses.replace(data, options=options))
        assert pyo.value(built.model.capex) > 300_000  # the carried plan no longer fits
    else:
        built.model.budget_limit.set_value(0.5 * spent)
    got = greedy_start(built, data.functions["weight"].astype(float).to_dict(), extend=True)
    assert 0 < got["coverage_score"] and got["capex"] == pytest.approx(
        pyo.value(built.model.capex), rel=1e-9)
    assert built.violations() == []


def test_carried_plan_with_complexes_and_shared_area_stays_a_plan_after_closing_spaces():
    """A space closed (or closed and opened again) to fit the budget is no complex and shares
    no area any more; the start passes every row and the solver takes it as a plan."""
    std = Standards.model_validate({
        "complexes": {"enabled": True, "min_m2": 10, "min_functions": 2,
                      "core_groups": {"a": ["f0"], "b": ["f1"]}, "min_core_groups": 1,
                      "bonus": 0.01},
        "shared_use": [{"functions": ["f0", "f1"], "factor": 1.0}]})
    data = random_instance(35, 4, 6, 2)
    built = build_model(data, ModelOptions(budget=300_000), std)
    solver = Solver()
    solver.solve(built, EXACT)
    assert sum(v.value > 0.5 for v in built.model.complex.values()) >= 2
    for mult in (2.5, 0.6, 1.8):
        options = data.options.assign(cost_per_m2=data.options["cost_per_m2"] * mult,
                                      fixed_cost=data.options["fixed_cost"] * mult)
        built = update_data(built, dataclasses.replace(data, options=options))
        greedy_start(built, data.functions["weight"].astype(float).to_dict(), extend=True)
        assert built.violations() == []
        assert solver.solve(built, EXACT, warm_start=True).first_plan_s == 0.0


def test_with_parameters_equals_prepare_for_a_parameter_change(demo_scenario):
    """Sweeps re-derive demand and prices without recomputing distances: the result is the
    data ``prepare`` gives for the new scenario."""
    from siting.config import Scenario
    from siting.data import load_inputs
    from siting.problem import prepare, with_parameters

    raw = demo_scenario.model_dump(mode="json")
    raw["functions"] = {"childcare": {"demand_rate": 5.5, "weight": 4.0},
                        "day_care": {"fitout_cost_per_unit": 9000.0}}
    raw["channels"] = {"convert": {"cost_multiplier": 1.3}}
    raw["demand_growth"] = {"pop_60_plus": 1.2}
    changed = Scenario.model_validate(raw)
    inputs = load_inputs(demo_scenario)
    got = with_parameters(prepare(inputs, demo_scenario), inputs, changed)
    want = prepare(inputs, changed)
    for name in ("zones", "spaces", "existing", "functions", "channels", "options", "demand",
                 "pairs", "reach"):
        assert getattr(got, name).equals(getattr(want, name)), name
    assert got.meta == want.meta
    assert not got.demand.equals(prepare(inputs, demo_scenario).demand)
