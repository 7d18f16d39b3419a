"""The constructive start and the matrix hand-over to HiGHS.

* The greedy plan satisfies every row of the model (checked row by row on the Pyomo model,
  not through the solver) and never beats the exhaustive optimum;
* re-solving a loaded model after a budget change gives the same optimum as a fresh build;
* a solve stopped before HiGHS has used a checked start still returns that start as its plan,
  with its status saying the time limit stopped it.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from helpers import brute_force, solve_tiny
from model.test_bruteforce import random_instance

from siting.config import ModelOptions, SolverOptions
from siting.model import build_model
from siting.model.warmstart import greedy_start
from siting.solve import Solver, solve

pytestmark = pytest.mark.requires_highs


def violations(built) -> list[str]:
    """Every Pyomo row, bound and matrix row (the strong assignment block) violated."""
    return built.violations()


def weights(data) -> dict[str, float]:
    return data.functions["weight"].astype(float).to_dict()


@pytest.mark.parametrize(("seed", "n_spaces", "n_zones", "n_funcs", "budget"), [
    (2, 3, 3, 2, 250_000), (3, 3, 4, 2, 180_000), (4, 4, 3, 1, 300_000),
    (5, 2, 4, 2, 120_000), (7, 4, 4, 1, 150_000), (11, 4, 4, 2, 90_000),
])
def test_greedy_plan_is_feasible_and_not_better_than_the_optimum(seed, n_spaces, n_zones,
                                                                 n_funcs, budget):
    data = random_instance(seed, n_spaces, n_zones, n_funcs)
    built = build_model(data, ModelOptions(budget=budget, tie_break=0))
    got = greedy_start(built, weights(data))
    assert got is not None
    assert violations(built) == []
    assert got["capex"] <= budget + 1e-6
    assert pyo.value(built.model.capex) == pytest.approx(got["capex"], rel=1e-9, abs=1e-6)
    best, _ = brute_force(data, ModelOptions(budget=budget))
    assert pyo.value(built.model.coverage_score) <= best + 1e-9
    assert got["coverage_score"] == pytest.approx(pyo.value(built.model.coverage_score))


def test_greedy_start_on_the_demo_is_feasible_and_close(demo_scenario, demo_data):
    built = build_model(demo_data, demo_scenario.model, demo_scenario.standards)
    got = greedy_start(built, weights(demo_data))
    assert violations(built) == []
    res = Solver().solve(built, demo_scenario.solver, warm_start=True)
    assert res.has_solution and res.first_plan_s == 0.0  # the start was checked feasible
    assert got["coverage_score"] <= pyo.value(built.model.coverage_score) + 1e-9
    # a regression guard on quality: within 10 % of the optimum on the demo (3.4 % measured)
    assert got["coverage_score"] >= 0.9 * pyo.value(built.model.coverage_score)


def test_greedy_skips_models_it_does_not_apply_to():
    data = random_instance(3, 3, 4, 2)
    built = build_model(data, ModelOptions(objective="min_distance", n_spaces=1))
    assert greedy_start(built, weights(data)) is None


def test_resolve_after_budget_change_matches_a_fresh_build():
    data = random_instance(4, 4, 3, 1)
    built = build_model(data, ModelOptions(budget=300_000, tie_break=0))
    solver = Solver()
    opts = SolverOptions(mip_rel_gap=0, mip_abs_gap=0)
    first = solver.solve(built, opts)
    for budget in (150_000, 90_000, 400_000):
        built.model.budget_limit.set_value(budget)
        again = solver.solve(built, opts, warm_start=True)
        assert again.handover_s == 0.0  # not handed over again
        _, fresh = solve_tiny(data, budget=budget, tie_break=0)
        assert again.objective == pytest.approx(fresh.objective, rel=1e-9, abs=1e-9)
        best, _ = brute_force(data, ModelOptions(budget=budget))
        assert again.objective == pytest.approx(best, rel=1e-7, abs=1e-9)
    assert first.handover_s > 0


def test_complete_gives_the_best_flows_for_fixed_sites():
    """After a long first solve the start's flows are re-solved by an LP of our own (HiGHS's
    completion of a partial start reads the instance's clock and stopped at once)."""
    data = random_instance(5, 4, 4, 2)
    built = build_model(data, ModelOptions(budget=300_000, tie_break=0))
    solver = Solver()
    opt = solver.solve(built, SolverOptions(mip_rel_gap=0, mip_abs_gap=0))
    best = pyo.value(built.model.coverage_score)
    for v in built.model.serve.values():  # the optimal sites with no flows at all
        v.set_value(0.0)
    assert pyo.value(built.model.coverage_score) == 0
    assert solver.complete(built, 10.0)
    assert pyo.value(built.model.coverage_score) == pytest.approx(best, rel=1e-9)
    assert solver.values_feasible() and violations(built) == []
    built.model.build[next(iter(built.model.build))].set_value(None)
    assert not solver.complete(built, 10.0)  # an integer unset: nothing to complete
    assert opt.status == "optimal"


def test_stopped_solve_returns_the_checked_start(demo_scenario, demo_data):
    built = build_model(demo_data, demo_scenario.model, demo_scenario.standards)
    got = greedy_start(built, weights(demo_data))
    res = solve(built, SolverOptions(time_limit_s=1e-9), warm_start=True)
    assert res.status == "time_limit"
    assert res.has_solution  # HiGHS's copy of the start, or the start itself if HiGHS had none
    assert pyo.value(built.model.coverage_score) == pytest.approx(got["coverage_score"])
    assert violations(built) == []
    # without a start, nothing to return
    cold = build_model(demo_data, demo_scenario.model, demo_scenario.standards)
    res2 = solve(cold, SolverOptions(time_limit_s=1e-9))
    assert res2.status == "time_limit" and not res2.has_solution


def test_trivially_infeasible_row_is_reported_not_raised():
    data = random_instance(2, 3, 3, 2)
    built = build_model(data, ModelOptions(budget=100_000))
    built.model.impossible = pyo.Constraint(expr=pyo.Constraint.Infeasible)
    res = solve(built, SolverOptions())
    assert res.status == "infeasible" and not res.has_solution


def test_extending_the_previous_plan_never_loses_coverage(demo_scenario, demo_data):
    """On a budget ladder the start for the next budget continues the previous plan."""
    built = build_model(demo_data, demo_scenario.model.update(budget=30e6),
                        demo_scenario.standards)
    solver = Solver()
    opts = demo_scenario.solver.update(mip_rel_gap=0.01)
    solver.solve(built, opts)
    before = pyo.value(built.model.coverage_score)
    built.model.budget_limit.set_value(31e6)
    got = greedy_start(built, weights(demo_data), extend=True)
    assert violations(built) == []
    assert got["coverage_score"] >= before - 1e-9
    assert got["capex"] <= 31e6 + 1e-6
    # a lower budget than the plan's cost: built afresh instead, still feasible
    built.model.budget_limit.set_value(10e6)
    fresh = greedy_start(built, weights(demo_data), extend=True)
    assert violations(built) == [] and fresh["capex"] <= 10e6 + 1e-6


def test_thread_count_can_change_between_solves_in_one_process():
    """HiGHS sizes one thread pool per process; sweeps ask for one thread per run."""
    data = random_instance(4, 4, 3, 1)
    for threads in (None, 1, 2, None):
        built = build_model(data, ModelOptions(budget=300_000))
        res = solve(built, SolverOptions(threads=threads))
        assert res.status == "optimal", (threads, res.termination)


def test_phased_start_copies_a_plan_with_the_same_pairs(demo_data, root):
    """The phased model merges no zones; its start comes from a single-period model that must
    not merge them either, or values would be copied onto the wrong pairs."""
    from siting.config import load_scenario
    from siting.run import _phased_start

    sc = load_scenario(root / "scenarios" / "phased_2025_2027.yaml")
    sc = sc.update(solver=sc.solver.update(time_limit_s=15, mip_rel_gap=0.02))
    phased = build_model(demo_data, sc.model, sc.standards, sc.phasing)
    assert _phased_start(phased, demo_data, sc, {})
    assert phased.violations() == []
    merged = build_model(demo_data, sc.model.update(budget=1e7), sc.standards)
    from siting.model.warmstart import copy_values

    assert merged.index.n_pairs < phased.index.n_pairs  # the demo merges some zones
    with pytest.raises(ValueError, match="different pairs"):
        copy_values(merged.model, phased.model)


def test_column_bounds_read_in_bulk_equal_the_variables_own():
    """The hand-over reads bounds and integrality per domain (solve._var_arrays): the same
    numbers as each variable's lb, ub and is_continuous(), whatever mix of domains, own
    bounds (numbers, parameters, none, infinite) and fixed values."""
    from siting.solve import _var_arrays, _var_arrays_slow

    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=4.5, mutable=True)
    m.a = pyo.Var(range(4), domain=pyo.NonNegativeReals)
    m.a[1].setub(3)
    m.a[2].setlb(-2.0)  # below the domain's 0: the domain's bound holds
    m.a[3].setub(float("inf"))
    m.b = pyo.Var(range(3), domain=pyo.Binary)
    m.b[2].fix(1)
    m.c = pyo.Var(range(3), domain=pyo.Integers, bounds=(-5, 7))
    m.c[1].setub(2.0)
    m.d = pyo.Var(range(2), domain=pyo.Reals)
    m.e = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(None, 9))
    vs = [*m.a.values(), *m.b.values(), *m.c.values(), *m.d.values(), m.e]
    fast, slow = _var_arrays(vs), _var_arrays_slow(vs)
    for x, y in zip(fast, slow):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    assert slow[0][2] == 0.0 and slow[1][1] == 3.0 and slow[1][3] == np.inf
    assert slow[2].tolist() == [False] * 4 + [True] * 6 + [False] * 2 + [True]
    m.f = pyo.Var(range(2), domain=pyo.NonNegativeReals, bounds=(0, m.p))  # a parameter
    vs = list(m.f.values())
    assert _var_arrays(vs)[1].tolist() == [4.5, 4.5] == _var_arrays_slow(vs)[1].tolist()
    assert _var_arrays([])[0].shape == (0,)


def test_the_column_index_answers_as_a_dict_would():
    """:class:`siting.solve.ColumnIndex` (sorted arrays) against a dict of the same ids, for
    held ids, ids in no column and an empty index; and the held model's columns through it
    are those of the variables HiGHS holds, in order."""
    from siting.solve import ColumnIndex

    g = np.random.default_rng(5)
    ids = g.choice(10**12, 1_000, replace=False).astype(np.int64)
    index, as_dict = ColumnIndex(ids), {int(i): k for k, i in enumerate(ids)}
    probe = np.concatenate([ids[::7], g.integers(0, 10**12, 300), [0, 10**12 + 5]])
    assert index.lookup(probe).tolist() == [as_dict.get(int(i), -1) for i in probe]
    assert [index.get(int(i)) for i in probe[:50]] == [as_dict.get(int(i)) for i in probe[:50]]
    assert (int(ids[3]) in index) and (10**12 + 5 not in index) and len(index) == 1_000
    empty = ColumnIndex(np.zeros(0, dtype=np.int64))
    assert empty.lookup(probe).tolist() == [-1] * len(probe) and empty.get(1) is None
    built = build_model(random_instance(3, 3, 4, 2), ModelOptions(budget=180_000))
    solver = Solver()
    solver.load(built)
    assert solver.family_columns(solver._columns).tolist() == list(range(len(solver._columns)))
    cols = solver.family_columns(built.model.units)
    assert all(k < 0 or solver._columns[k] is v
               for v, k in zip(built.model.units.values(), cols.tolist()))
