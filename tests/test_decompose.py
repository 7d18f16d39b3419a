"""Structured solves (:mod:`siting.decompose`) against the single model and enumeration;
each exact reduction against the unreduced model; the constructive starts checked."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from siting.benchmarks import benchmark_scenario, cap_problem, pmed_problem, reference_optimum
from siting.decompose import (
    FacilityView,
    facility_view,
    fix_by_reduced_cost,
    reduce_dominated_pairs,
    reduce_single_site,
    solve_structured,
)
from siting.heuristics import interchange, round_and_repair
from siting.model import build_model
from siting.solve import Solver

DATA = Path(__file__).parent / "data"


def _cap_instance(seed: int, n: int = 14, m: int = 6, sparse: bool = False):
    rng = np.random.default_rng(seed)
    demand = rng.integers(5, 30, n).astype(float)
    caps = rng.integers(40, 120, m).astype(float)
    if caps.sum() < demand.sum() * 1.2:
        caps *= 1.2 * demand.sum() / caps.sum()
    caps = np.ceil(caps)
    fixed = rng.integers(100, 600, m).astype(float)
    pos_z, pos_s = rng.uniform(0, 10, (n, 2)), rng.uniform(0, 10, (m, 2))
    dist = np.linalg.norm(pos_z[:, None] - pos_s[None], axis=2)
    cost = np.round(dist * demand[:, None], 2)
    reach = None
    if sparse:
        reach = dist <= np.sort(dist, axis=1)[:, [2]]  # each customer: its 3 nearest sites
        reach[0] = False
        reach[0, 0] = True  # customer C1 can go to W1 only
    return cap_problem(caps, fixed, demand, cost, reach), (caps, fixed, demand, cost, reach)


def _solve(data, objective="min_cost", p=None, method="auto", reduce=True, limit=60):
    scen = benchmark_scenario(objective, p, limit)
    built = build_model(data, scen.model)
    solver = Solver()
    res = solve_structured(built, scen.solver, solver=solver, method=method, reduce=reduce)
    return res, built, solver


def _enumerate_cap(caps, fixed, demand, cost, reach):
    """Optimum by enumerating every opening and solving its transportation LP."""
    from scipy.optimize import linprog

    n, m = cost.shape
    reach = np.ones((n, m), bool) if reach is None else reach
    best = np.inf
    for open_ in itertools.product([0, 1], repeat=m):
        y = np.array(open_, bool)
        if caps[y].sum() < demand.sum():
            continue
        pairs = [(i, j) for i in range(n) for j in range(m) if reach[i, j] and y[j]]
        c = [cost[i, j] / demand[i] for i, j in pairs]
        a_eq = np.zeros((n, len(pairs)))
        a_ub = np.zeros((m, len(pairs)))
        for k, (i, j) in enumerate(pairs):
            a_eq[i, k] = 1
            a_ub[j, k] = 1
        r = linprog(c, A_ub=a_ub, b_ub=caps, A_eq=a_eq, b_eq=demand, method="highs")
        if r.status == 0:
            best = min(best, r.fun + fixed[y].sum())
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_benders_equals_enumeration_and_single_model(seed):
    data, arrays = _cap_instance(seed, sparse=seed == 2)
    res, built, solver = _solve(data, method="benders")
    assert res.status == "optimal" and "benders" in res.termination
    assert res.objective == pytest.approx(_enumerate_cap(*arrays), rel=1e-7)
    single, built2, _ = _solve(data, method="single")
    assert res.objective == pytest.approx(single.objective, rel=1e-7)
    assert not built.violations()  # the plan written back holds every Pyomo row and bound
    assert res.bound <= res.objective + 1e-6


def test_single_site_customer_is_forced_open_and_reduction_keeps_the_optimum():
    data, arrays = _cap_instance(2, sparse=True)
    scen = benchmark_scenario("min_cost", None, 60)
    built = build_model(data, scen.model)
    solver = Solver()
    solver.prepare(built)
    view = facility_view(built, solver)
    assert isinstance(view, FacilityView)
    assert reduce_single_site(view) >= 1 and view.y_lo[view.sites.index("W1")] == 1
    with_r, _, _ = _solve(data, method="benders", reduce=True)
    without, _, _ = _solve(data, method="benders", reduce=False)
    assert with_r.objective == pytest.approx(without.objective, rel=1e-9)


def test_fix_by_reduced_cost_fixes_only_what_the_bound_proves():
    y = np.array([0.0, 1.0, 0.0, 0.4])
    rc = np.array([5.0, -7.0, 0.5, 0.0])
    lo, hi = np.zeros(4), np.ones(4)
    assert fix_by_reduced_cost(y, rc, 100.0, 103.0, lo, hi) == 2
    assert list(hi) == [0, 1, 1, 1] and list(lo) == [0, 1, 0, 0]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_radius_formulation_equals_enumeration(seed):
    rng = np.random.default_rng(seed)
    n, p = 9, 1 + seed % 3
    pts = rng.uniform(0, 100, (n, 2))
    d = np.round(np.linalg.norm(pts[:, None] - pts[None], axis=2))
    if seed == 3:  # a sparse graph: far pairs missing
        d[d > 60] = np.inf
        np.fill_diagonal(d, 0)
    data = pmed_problem(d)
    best = min((np.min(d[:, list(c)], axis=1).sum() for c in
                itertools.combinations(range(n), p)), default=np.inf)
    for reduce in (True, False):  # the truncated levels against the full formulation
        res, built, _ = _solve(data, "min_distance", p, method="radius", reduce=reduce)
        assert res.status == "optimal" and "radius" in res.termination
        assert res.objective == pytest.approx(best, abs=1e-6)
        assert not built.violations()
    single, _, _ = _solve(data, "min_distance", p, method="single")
    assert single.objective == pytest.approx(best, abs=1e-6)


def test_dominated_pairs_reduction_keeps_the_optimum():
    rng = np.random.default_rng(5)
    n = 10
    pts = rng.uniform(0, 100, (n, 2))
    d = np.round(np.linalg.norm(pts[:, None] - pts[None], axis=2))
    d[3, :] = np.inf
    d[3, 3] = 0.0  # vertex 4 can only be served by itself: forced open
    data = pmed_problem(d)
    scen = benchmark_scenario("min_distance", 3, 60)
    built = build_model(data, scen.model)
    solver = Solver()
    solver.prepare(built)
    view = facility_view(built, solver)
    assert reduce_single_site(view) == 1
    assert reduce_dominated_pairs(view) > 0
    a, _, _ = _solve(data, "min_distance", 3, method="radius", reduce=True)
    b, _, _ = _solve(data, "min_distance", 3, method="radius", reduce=False)
    assert a.objective == pytest.approx(b.objective, abs=1e-9)


def test_unknown_rows_fall_back_to_the_single_model():
    data, _ = _cap_instance(0)
    scen = benchmark_scenario("min_cost", None, 60, single_source=True)
    built = build_model(data, scen.model)
    res = solve_structured(built, scen.solver)
    assert "single model: single sourcing" in res.termination
    scen = benchmark_scenario("min_cost", None, 60)
    built = build_model(data, scen.model)
    import pyomo.environ as pyo

    built.model.extra_row = pyo.Constraint(expr=built.model.build["W1", "open"] <= 0)
    solver = Solver()
    res = solve_structured(built, scen.solver, solver=solver)
    assert "rows the decomposition does not know (extra_row)" in res.termination
    assert built.model.build["W1", "open"].value < 0.5


def test_interchange_finds_the_pmedian_optimum_of_pmed1():
    from siting.benchmarks import read_orlib_pmed

    data, p = read_orlib_pmed(DATA / "orlib-pmed" / "pmed1.txt")
    scen = benchmark_scenario("min_distance", p, 60)
    built = build_model(data, scen.model)
    solver = Solver()
    solver.prepare(built)
    view = facility_view(built, solver)
    from siting.decompose import _cost_matrix

    open_, val = interchange(_cost_matrix(view), view.fixed, p=p)
    assert open_.sum() == p
    ref = reference_optimum(DATA / "orlib-pmed" / "pmed1.txt", "pmed1")
    assert ref <= val <= ref * 1.01
    x = view.plan(open_.astype(float), _nearest_flows(view, open_))
    assert solver.feasible(x)  # the start holds every row of the single model


def _nearest_flows(view, open_):
    flows = np.zeros(len(view.pair_i))
    for i in range(len(view.demand)):
        ps = np.flatnonzero((view.pair_i == i) & open_[view.pair_j])
        flows[ps[np.argmin(view.pair_cost[ps])]] = view.demand[i]
    return flows


def test_round_and_repair_meets_capacity_counts_and_covers():
    y = np.array([0.9, 0.2, 0.6, 0.1])
    cap = np.array([10.0, 10.0, 10.0, 10.0])
    got = round_and_repair(y, cap, 25.0, np.ones(4), covers=[np.array([3])])
    assert got is not None and cap[got].sum() >= 25 and got[3]
    assert list(round_and_repair(y, cap, 15.0, np.ones(4), p=2)) == [True, False, True, False]
    assert round_and_repair(y, cap, 45.0, np.ones(4)) is None


def test_capa_14000_proven_at_the_published_optimum():
    """OR-Library capa (100 x 1,000) at capacity 14,000: the single model did not finish
    its root LP in 60 s; the Benders outer loop proves the published optimum."""
    path = DATA / "orlib-capa" / "capa.txt"
    from siting.benchmarks import solve_benchmark

    r = solve_benchmark("orlib-cap", path, capacity=14000, time_limit=120)
    assert r["status"] == "optimal" and "benders" in r["termination"]
    assert r["objective"] == pytest.approx(
        reference_optimum(path, "capa-14000"), rel=1e-9)  # published to 3 decimals


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_exclusion_keeps_an_optimum(seed):
    from siting.decompose import exclude_by_lagrangian

    rng = np.random.default_rng(seed)
    n, p = 12, 2 + seed % 3
    pts = rng.uniform(0, 100, (n, 2))
    cost = np.round(np.linalg.norm(pts[:, None] - pts[None], axis=2))
    if seed % 2:
        cost = cost + rng.uniform(0, 1, cost.shape)  # not integral: the strict test
    val = {c: np.min(cost[:, list(c)], axis=1).sum()
           for c in itertools.combinations(range(n), p)}
    best = min(val.values())
    inc = np.zeros(n)
    inc[list(min(val, key=val.get))] = 1
    hi = np.ones(n)
    closed, bound = exclude_by_lagrangian(cost, np.zeros(n), p, np.zeros(n), hi, best, inc)
    assert bound <= best + 1e-9
    kept = [c for c, v in val.items() if all(hi[j] > 0.5 for j in c)]
    assert min(val[c] for c in kept) == pytest.approx(best)
    assert closed == int((hi < 0.5).sum())


def test_a_solve_stopped_by_the_guard_does_not_stop_the_next(monkeypatch):
    """HiGHS kept the interrupt flag set: every later solve of the same instance stopped at
    once with no bound (a ladder's runs after one stopped by the limit)."""
    import siting.solve as S

    data, _ = _cap_instance(1)
    scen = benchmark_scenario("min_cost", None, 60)
    built = build_model(data, scen.model)
    solver = Solver()
    monkeypatch.setattr(S, "GRACE_S", -1e9)  # the guard fires at the first callback
    first = solver.solve(built, scen.solver)
    assert first.status == "time_limit"
    monkeypatch.setattr(S, "GRACE_S", 2.0)
    again = solver.solve(built, scen.solver)
    assert again.status == "optimal" and again.mip_gap is not None


def test_ctrl_c_stops_benders_with_its_best_plan(monkeypatch):
    """A Ctrl-C / SIGTERM request (siting.interrupt) in the middle of the Benders loop (after 6
    subproblem solves: deterministic) stops it with the best plan so far, reported
    'interrupted' with its gap, long before its time limit (capa-14000 takes 10-60 s
    to prove)."""
    import time

    from siting import decompose, interrupt
    from siting.benchmarks import read_orlib_cap

    path = DATA / "orlib-capa" / "capa.txt"
    scen = benchmark_scenario("min_cost", None, 120)
    built = build_model(read_orlib_cap(path, 14000), scen.model)
    real, calls = decompose.Transport.solve, []

    def counted(self, y):
        calls.append(1)
        if len(calls) == 6:
            interrupt._requested = True  # what the deferred signal handler sets
        return real(self, y)

    monkeypatch.setattr(decompose.Transport, "solve", counted)
    t0 = time.perf_counter()
    try:
        res = decompose.solve_structured(built, scen.solver, solver=Solver())
    finally:
        interrupt.reset()
    assert res.status == "interrupted" and res.has_solution, res.termination
    assert len(calls) <= 8  # stopped where it was asked to
    assert time.perf_counter() - t0 < 60
    assert res.mip_gap is not None and res.mip_gap > 0
    assert res.objective >= reference_optimum(path, "capa-14000") - 1e-6
    assert "benders" in res.termination and "interrupted" in res.termination
