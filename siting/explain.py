"""What each site is worth: ``siting explain DIR`` (site values by re-solving).

For every site of a plan, the best plan *without* it is solved again; for the unchosen
candidates that come closest, the best plan *with* it. Each re-solve re-uses the model that
made the plan: the space's bounds are changed in the HiGHS model the
:class:`~siting.solve.Solver` holds (``build`` bounded to 0 to close it, the row
``siting_one_channel`` given the lower bound 1 to force it), nothing is rebuilt, and HiGHS is
warm-started from the plan repaired for the change: the closed site removed (its money
re-spent greedily, max coverage) or the forced site opened at its cheapest channel and, if the
budget no longer holds, the sites serving least per yuan dropped
(:func:`siting.model.warmstart.greedy_start`).

How a re-solve is proven: the LP relaxation of the changed model (a second HiGHS instance
that keeps its basis from change to change, so each takes a few hundred simplex iterations)
bounds it, and so does the base plan's own proven bound (closing or forcing a site only
restricts the problem); the plan is then re-optimised *locally* — every integer decision fixed
at its value in the plan except at the spaces within twice the largest walking limit of the
changed one, a small MIP —, and when that plan is within the gap asked for of the bound it is
proven optimal (``method: local+lp``). Otherwise the local plan is the value and keeps the
interval of its bounds (``method: local``, status ``feasible``, not exact); with ``--prove``
the whole model is re-solved from it up to ``--time-limit`` (``method: full``), exact if that
proves it. (Re-solving the whole model for 3 s by default, as before, improved one value in
23 on the demo and took a third of the time.)

Values are intervals: the plan's objective is only known within its gap, and so is each
re-solve's, so the loss from closing a site lies between (plan objective - re-solve bound)
and (plan bound - re-solve objective) for a maximisation. A value is called *exact* only when
the plan and the re-solve both stopped proven within the gap asked for (``status: optimal``).

Each row also gives the site's *own contribution* (the weighted coverage it serves in the
plan) beside the *re-optimised loss* (what the best plan without it loses: other sites take up
part of its demand, the money it frees is spent elsewhere), its capital cost per point of
weighted coverage, the served demand lost per function, and the standards' shortfalls that
appear without it (separately from lost coverage).
"""

from __future__ import annotations

import logging
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pyomo.environ as pyo

from siting.config import Scenario
from siting.decisions import decision_label, pinned_open, proposal_units
from siting.exceptions import DataError
from siting.model import BuiltModel, build_model
from siting.problem import ProblemData
from siting.solve import Solver, SolveResult, new_solver, relative_gap

log = logging.getLogger(__name__)

SITE_VALUES_FILE = "site_values.csv"
TOL = 1e-6
LOCAL_RADIUS_FACTOR = 2.0
"""The local re-solve frees the spaces within this many times the largest walking limit of
the changed space (the sites whose service areas can overlap with its neighbours')."""
QUICK_PROOF_S = 3.0
"""Seconds the whole model gets when the local re-solve found no plan at all (``--prove``:
the full re-solve time limit, also where the local plan is not proven)."""
LOCAL_TIME_LIMIT_S = 10.0
"""Seconds the local MIP gets (``--prove``: the re-solve time limit); its plan is kept with the
LP bound's interval if it is not proven."""
RESOLVE_TIME_LIMIT_S = 20.0
"""Default limit of one whole-model re-solve (when the local one is not proven)."""


@dataclass(frozen=True)
class Outcome:
    """One solve of the held model, measured."""

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    primary: float | None
    """Weighted coverage (share, as in ``summary.json``) for max coverage; the primary
    objective term otherwise (capital + pair cost, or walking distance)."""
    served: dict[str, float] = field(default_factory=dict)
    shortfalls: dict = field(default_factory=dict)
    capex: float | None = None
    sites: frozenset = frozenset()
    method: str = "full"
    """How the re-solve was proven: ``local+lp`` (the plan re-optimised near the space,
    within the gap of the LP relaxation's bound) or ``full`` (the whole model)."""


def primary_expression(built: BuiltModel):
    """The primary objective term, without the tie-break and the standards' penalties."""
    m, obj = built.model, built.options.objective
    pair_cost = m.component("pair_cost_total")  # None where no pair has a cost
    pair_cost = 0.0 if pair_cost is None else pair_cost
    if obj == "max_coverage":
        return m.coverage_score
    if obj == "min_cost":
        return m.capex + pair_cost
    if obj == "min_distance":
        return m.walk_total + pair_cost
    raise DataError(f"objective {obj!r}: site values and alternatives support max_coverage, "
                    "min_cost and min_distance")


def maximising(built: BuiltModel) -> bool:
    return built.model.objective.sense == pyo.maximize


def measure(built: BuiltModel, res: SolveResult, primary_scale: float = 1.0) -> Outcome:
    """Read the outcome of a solve from the model's variables."""
    if not res.has_solution:
        return Outcome(res.status, None, res.bound, None, res.runtime_s, None)
    m, idx = built.model, built.index
    served: dict[str, float] = {}
    for p, f in enumerate(idx.pair_function):
        served[f] = served.get(f, 0.0) + float(m.serve[p].value or 0.0)
    short = {}
    for name in ("shortfall", "target_shortfall"):
        var = m.component(name)
        if var is None:
            continue
        for k in var:
            v = float(var[k].value or 0.0)
            if v > TOL:
                short[k] = v
    sites = frozenset(o[0] for o in idx.options if (m.build[o].value or 0) > 0.5)
    return Outcome(res.status, res.objective, res.bound, res.mip_gap, res.runtime_s,
                   float(pyo.value(primary_expression(built))) / primary_scale, served, short,
                   float(pyo.value(m.capex)), sites)


class SiteFlipper:
    """Close or force one space in the HiGHS model a :class:`Solver` holds, and restore it.

    Bounds are changed on the Pyomo variables too (so the greedy repair sees them) and pushed
    to HiGHS with :meth:`Solver.sync_column_bounds`; forcing changes the lower bound of the
    row ``siting_one_channel[j]`` in HiGHS only (:meth:`Solver.set_row_bounds`)."""

    def __init__(self, built: BuiltModel, solver: Solver, options) -> None:
        self.built, self.solver, self.options = built, solver, options
        data = built.data
        dec = data.decisions if data is not None else None
        self.pinned = frozenset(j for j in pinned_open(dec) if j in built.index.options_of)
        self.props = frozenset(j for j in (proposal_units(data.spaces, data.functions.index)
                                           if data is not None else {})
                               if j in built.index.options_of)
        self.weight = (data.functions["weight"].astype(float).to_dict() if data is not None
                       else {})
        self.base: list = []
        self.lp: Solver | None = None

    def remember_base(self) -> None:
        """Keep the plan now on the model's variables, to start every re-solve from it."""
        self.base = [(v, v.value) for v in self.built.model.component_data_objects(pyo.Var)]

    @property
    def solvers(self) -> list[Solver]:
        return [self.solver] + ([self.lp] if self.lp is not None else [])

    @contextmanager
    def closed(self, j: str):
        """Space j out of the plan (its pin released if it has one), in every solver held."""
        m, idx = self.built.model, self.built.index
        vs = [m.build[o] for o in idx.options_of[j]]
        saved = [(v.lb, v.ub) for v in vs]
        con = m.decisions_open[j] if j in self.pinned and hasattr(m, "decisions_open") \
            else None
        rows = [(s, s.rows_of(con)) for s in self.solvers] if con is not None else []
        old_rows = [s.row_bounds(r) for s, r in rows]
        for v in vs:
            v.setlb(0)
            v.setub(0)
        for s in self.solvers:
            s.sync_column_bounds(vs)
        for s, r in rows:
            s.set_row_bounds(r, -math.inf, None)
        try:
            yield
        finally:
            for v, (lo, hi) in zip(vs, saved):
                v.setlb(lo)
                v.setub(hi)
            for s in self.solvers:
                s.sync_column_bounds(vs)
            for (s, r), old in zip(rows, old_rows):
                s.restore_row_bounds(r, old)

    @contextmanager
    def forced(self, j: str):
        """Space j in the plan, through any channel allowed, in every solver held."""
        m = self.built.model
        rows = [(s, s.rows_of(m.siting_one_channel[j])) for s in self.solvers]
        old = [s.row_bounds(r) for s, r in rows]
        for s, r in rows:
            s.set_row_bounds(r, 1.0, None)
        try:
            yield
        finally:
            for (s, r), o in zip(rows, old):
                s.restore_row_bounds(r, o)

    @contextmanager
    def local(self, j: str, radius_m: float):
        """The plan's integer decisions fixed at every space farther than ``radius_m`` from j
        (main solver only): a small MIP whose optimum is a good plan for the change. Yields
        the number of spaces fixed (0: the local MIP is the whole model)."""
        m, idx, data = self.built.model, self.built.index, self.built.data
        xy = data.spaces[["x", "y"]]
        x0, y0 = float(xy.at[j, "x"]), float(xy.at[j, "y"])
        far = [i for i in idx.spaces if i != j and (
            (float(xy.at[i, "x"]) - x0) ** 2 + (float(xy.at[i, "y"]) - y0) ** 2) > radius_m ** 2]
        vs = [m.build[o] for i in far for o in idx.options_of[i]]
        vs += [v for i in far for h in idx.hosts_of.get(i, []) for v in (m.host[h], m.units[h])]
        saved = [(v.lb, v.ub) for v in vs]
        for v in vs:
            x = round(float(v.value or 0.0))
            x = min(max(x, v.lb if v.lb is not None else x), v.ub if v.ub is not None else x)
            v.setlb(x)
            v.setub(x)
        self.solver.sync_column_bounds(vs)
        try:
            yield len(far)
        finally:
            for v, (lo, hi) in zip(vs, saved):
                v.setlb(lo)
                v.setub(hi)
            self.solver.sync_column_bounds(vs)

    def lp_bound(self) -> float | None:
        """The LP relaxation's optimum under the current change (a valid bound on the MIP),
        from a second HiGHS instance that keeps its basis between changes."""
        if self.lp is None:
            return None
        res = self.lp.solve(self.built, self.options.update(time_limit_s=60.0))
        return res.objective if res.status == "optimal" else None  # values: fractional

    def use_lp(self) -> None:
        """Hold the LP relaxation too (for :meth:`lp_bound`)."""
        if self.lp is None:
            self.lp = new_solver()
            self.lp.load(self.built)
            self.lp.highs.setOptionValue("solve_relaxation", True)

    # -- repaired starts -----------------------------------------------------------------
    def restore_base(self) -> None:
        for v, x in self.base:
            v.set_value(x, skip_validation=True)

    def _greedy(self, keep: frozenset, frozen: frozenset) -> bool:
        from siting.model.warmstart import greedy_start

        return greedy_start(self.built, self.weight, extend=True, keep=keep,
                            frozen=frozen) is not None

    def start_closed(self, j: str, integer_only: bool = True) -> None:
        """The plan without j: its values zeroed, the money re-spent greedily; with
        ``integer_only`` only the integer values are kept (HiGHS completes the flows)."""
        self.restore_base()
        _zero_space(self.built, j)
        self._greedy(self.pinned - {j}, self.props)
        if integer_only:
            self.solver.clear_continuous()  # HiGHS completes flows and areas by an LP

    def start_forced(self, j: str, integer_only: bool = True) -> None:
        """The plan with j opened at its cheapest channel (smallest area); if the budget no
        longer holds, the sites serving least per yuan are dropped (pins and j kept)."""
        self.restore_base()
        m, idx = self.built.model, self.built.index
        allowed = [o for o in idx.options_of[j] if m.build[o].ub != 0]
        if allowed:
            o = min(allowed, key=lambda x: idx.fixed_cost[x]
                    + idx.cost_per_m2[x] * idx.min_gross.get(x, 0.0))
            for x in idx.options_of[j]:
                m.build[x].set_value(1 if x == o else 0)
                m.gross[x].set_value(idx.min_gross.get(x, 0.0) if x == o else 0.0)
            if j in self.props:
                from siting.model.decisions import proposal_area

                mix = proposal_units(self.built.data.spaces.loc[[j]],
                                     self.built.data.functions.index)[j]
                m.gross[o].set_value(proposal_area(self.built.data, j))
                for f, u in mix.items():
                    if (j, f) in m.host:
                        m.units[j, f].set_value(u)
                        m.host[j, f].set_value(1)
        self._greedy(self.pinned | {j}, self.props)
        if integer_only:
            self.solver.clear_continuous()

    def solve(self, time_limit_s: float | None = None) -> SolveResult:
        opts = self.options if time_limit_s is None else self.options.update(
            time_limit_s=min(time_limit_s, self.options.time_limit_s))
        return self.solver.solve(self.built, opts, warm_start=True)


def _zero_space(built: BuiltModel, j: str) -> None:
    m, idx = built.model, built.index
    for o in idx.options_of.get(j, []):
        m.build[o].set_value(0)
        m.gross[o].set_value(0.0)
    for h in idx.hosts_of.get(j, []):
        m.units[h].set_value(0)
        m.host[h].set_value(0)
        for p in idx.pairs_of_host.get(h, []):
            m.serve[p].set_value(0.0, skip_validation=True)


def _interval(best0: float, bound0: float, other: Outcome, maximise: bool
              ) -> tuple[float | None, ...]:
    """(loss, low, high) of closing or forcing a site, positive = worse.

    ``best0`` is the best objective known for the unchanged scenario (the plan's, or a
    re-solve's if one found better: any plan of a restricted scenario is a plan of the
    unchanged one), ``bound0`` its proven bound. Closing or forcing a site only restricts the
    scenario, so the true loss is >= 0; it is at least ``best0 - bound_j`` and at most
    ``bound0 - objective_j`` (for a maximisation)."""
    if other.objective is None:
        return None, None, None
    b1 = other.bound if other.bound is not None else other.objective
    if maximise:
        loss, low, high = best0 - other.objective, best0 - b1, bound0 - other.objective
    else:
        loss, low, high = other.objective - best0, b1 - best0, other.objective - bound0
    return max(loss, 0.0), max(low, 0.0), max(high, 0.0)


def candidate_screen(built: BuiltModel, chosen: set[str], n: int) -> list[str]:
    """The ``n`` unchosen spaces that come closest: weighted demand left unserved within their
    reach (up to what they can hold) per yuan of opening them and fitting it out."""
    from siting.model.objective import coverage_weights

    m, idx, data = built.model, built.index, built.data
    cw = coverage_weights(idx, data.functions["weight"].astype(float).to_dict())
    served: dict = {}
    for p in range(idx.n_pairs):
        key = (idx.pair_zone[p], idx.pair_function[p])
        served[key] = served.get(key, 0.0) + float(m.serve[p].value or 0.0)
    residual = {k: max(d - served.get(k, 0.0), 0.0) for k, d in idx.demand.items()}
    scores = []
    for j in idx.spaces:
        allowed = [o for o in idx.options_of[j] if m.build[o].ub != 0]
        if j in chosen or not allowed:
            continue
        value = cost = 0.0
        for h in idx.hosts_of.get(j, []):
            if m.host[h].ub == 0:
                continue
            reach = sum(residual[(idx.pair_zone[p], h[1])] for p in idx.pairs_of_host.get(h, []))
            u = min(reach, idx.units_ub[h])
            value += cw.get(h[1], 0.0) * u
            cost += idx.fitout[h[1]] * u
        o = min(allowed, key=lambda x: idx.fixed_cost[x] + idx.cost_per_m2[x]
                * idx.min_gross.get(x, 0.0))
        cost += idx.fixed_cost[o] + idx.cost_per_m2[o] * idx.min_gross.get(o, 0.0)
        scores.append((-value / max(cost, 1.0), j))
    return [j for _, j in sorted(scores)[:n]]


def site_values(data: ProblemData, scenario: Scenario, candidates: int = 20,
                workers: int = 1, resolve_time_limit_s: float | None = None,
                sites: list[str] | int | None = None, progress=None, prove: bool = False
                ) -> tuple[pd.DataFrame, dict]:
    """Solve the scenario once, then close each chosen site (or each of ``sites``, or the
    first ``sites`` of them) and force
    each of the ``candidates`` closest unchosen ones, re-solving the held model each time.

    With ``workers`` > 1 the re-solves are shared among that many processes, each holding its
    own copy of the model (built once per process, started from the plan). Each re-solve uses
    the scenario's gap and ``resolve_time_limit_s`` (default: the scenario's time limit, at
    most :data:`RESOLVE_TIME_LIMIT_S`).

    Returns the table (one row per site and candidate) and a summary of the base solve and
    timings.
    """
    from siting.run import _greedy_start

    t0 = time.perf_counter()
    built = build_model(data, scenario.model, scenario.standards, scenario.phasing,
                        equity=scenario.equity)
    solver = new_solver()
    timings: dict = {}
    warm = False
    if scenario.solver.start == "greedy" and not scenario.phasing.enabled:
        warm = _greedy_start(built, data, timings)
    threads = 1 if workers > 1 else scenario.solver.threads
    res0 = solver.solve(built, scenario.solver.update(threads=threads), warm_start=warm)
    if not res0.has_solution:
        raise DataError(f"scenario {scenario.name!r}: the plan could not be solved again "
                        f"({res0.status}: {res0.termination})")
    wsum = _wsum(built)
    base = measure(built, res0, wsum)
    t_base = time.perf_counter() - t0
    m, idx = built.model, built.index
    chosen = sorted(base.sites)
    if isinstance(sites, int):
        chosen = chosen[:sites]
    elif sites is not None:
        chosen = [j for j in sites if j in base.sites]
    own = _own_contribution(built, wsum)
    site_capex = _site_capex(built)
    chan = {o[0]: o[1] for o in idx.options if (m.build[o].value or 0) > 0.5}
    cands = candidate_screen(built, set(base.sites), candidates)
    jobs = [(j, "chosen") for j in chosen] + [(j, "candidate") for j in cands]
    opts = scenario.solver.update(threads=threads, time_limit_s=resolve_time_limit_s or min(
        scenario.solver.time_limit_s, RESOLVE_TIME_LIMIT_S))
    t1 = time.perf_counter()
    values = [v.value for v in m.component_data_objects(pyo.Var)]
    if workers > 1 and len(jobs) > 1:
        outcomes = _run_parallel(data, scenario, opts, values, jobs, workers, built, solver,
                                 progress, prove, base.bound)
    else:
        outcomes = _run_jobs(built, solver, opts, jobs, progress, prove=prove,
                             base_bound=base.bound)
    t_resolve = time.perf_counter() - t1
    maximise = maximising(built)
    found = [o.objective for o, _, _ in outcomes.values() if o.objective is not None]
    best0 = (max if maximise else min)([base.objective, *found])
    bound0 = base.bound if base.bound is not None else base.objective
    rows = [_row(data, j, role, base, best0, bound0, *outcomes[(j, role)], maximise, own,
                 site_capex, chan) for j, role in jobs]
    table = pd.DataFrame(rows)
    meta = {"scenario": scenario.name, "objective_name": built.options.objective,
            "status": base.status, "objective": base.objective, "bound": base.bound,
            "gap": base.gap, "best_known_objective": best0,
            "weighted_coverage" if maximise else "primary": base.primary,
            "capex": base.capex, "n_sites": len(base.sites), "n_explained": len(chosen),
            "n_candidates": len(cands), "base_seconds": round(t_base, 3),
            "resolve_seconds": round(t_resolve, 3), "workers": workers,
            "resolve_time_limit_s": opts.time_limit_s, "prove": prove,
            "mip_rel_gap": scenario.solver.mip_rel_gap,
            "method": "re-solve of the held HiGHS model per site (bounds changed, warm start "
                      "repaired)"}
    return table, meta


def _wsum(built: BuiltModel) -> float:
    if built.options.objective != "max_coverage":
        return 1.0
    return float(built.data.functions["weight"].sum())


def _run_jobs(built: BuiltModel, solver: Solver, opts, jobs, progress=None,
              prove: bool = False, base_bound: float | None = None) -> dict:
    """Close or force each job's space in turn; {(space, role): (outcome, channel, s)}.

    Each job first bounds the change by the LP relaxation (warm, a second HiGHS instance) and
    by ``base_bound`` (the base plan's proven bound: closing or forcing a site only restricts
    the problem), then solves the small MIP with the plan fixed away from the space
    (``local``, at most :data:`LOCAL_TIME_LIMIT_S`). If that plan is within the gap of the
    bound it is proven (``local+lp``, exact); if the neighbourhood was the whole model, its
    own proof counts (``full``). Otherwise the local plan is the value, with the interval of
    the bound (``local``, status ``feasible``, not exact): measured on the demo, re-solving
    the whole model from it for 3 s improved 1 value of 23 and proved few, at a third of the
    time. With ``prove`` the whole model is re-solved from it up to the re-solve time limit
    and the value is exact only if that proves it."""
    flip = SiteFlipper(built, solver, opts)
    flip.remember_base()
    flip.use_lp()
    m, idx = built.model, built.index
    wsum = _wsum(built)
    radius = LOCAL_RADIUS_FACTOR * float(built.data.functions["walking_limit_m"].max())
    local_limit = None if prove else LOCAL_TIME_LIMIT_S
    out = {}
    maximise = maximising(built)

    def tighter(a: float | None, b: float | None) -> float | None:
        if a is None or b is None:
            return b if a is None else a
        return min(a, b) if maximise else max(a, b)

    for j, role in jobs:
        t1 = time.perf_counter()
        with flip.closed(j) if role == "chosen" else flip.forced(j):
            # closing or forcing a site restricts the plan problem: the base plan's bound
            # holds for it too (often tighter than the changed model's LP relaxation)
            lp = tighter(flip.lp_bound(), base_bound)
            (flip.start_closed if role == "chosen" else flip.start_forced)(j)
            with flip.local(j, radius) as fixed:
                res = flip.solve(None if fixed == 0 else local_limit)
            got = measure(built, res, wsum)
            if fixed == 0:  # the local MIP was the whole model: its own proof counts
                got = replace(got, bound=tighter(got.bound, lp))
            elif res.has_solution and lp is not None and _within(got.objective, lp, opts):
                got = replace(got, status="optimal", bound=lp,
                              gap=relative_gap(got.objective, lp), method="local+lp")
            elif prove or not res.has_solution:  # the whole model, from the local plan
                res = flip.solve(None if prove else QUICK_PROOF_S)
                got = measure(built, res, wsum)
                got = replace(got, bound=tighter(got.bound, lp))
            else:  # not proven: the local plan, with the bound of the LP relaxation
                got = replace(got, status="feasible" if got.status == "optimal"
                              else got.status, bound=lp,
                              gap=relative_gap(got.objective, lp), method="local")
            channel = next((o[1] for o in idx.options_of[j] if (m.build[o].value or 0) > 0.5),
                           "") if role == "candidate" and got.objective is not None else ""
        out[(j, role)] = (got, channel, time.perf_counter() - t1)
        if progress is not None:
            progress(len(out), len(jobs), j)
    flip.restore_base()  # leave the plan on the model
    return out


def _within(obj: float | None, bound: float, opts) -> bool:
    """Whether a plan is proven within the gap asked for by ``bound``."""
    if obj is None:
        return False
    return (abs(bound - obj) <= opts.mip_abs_gap
            or abs(bound - obj) / max(abs(obj), 1e-9) <= opts.mip_rel_gap)


def _worker(data: ProblemData, scenario: Scenario, opts, values: list, jobs,
            prove: bool = False, base_bound: float | None = None) -> dict:
    """One process's share: build the same model, put the plan on it, run the jobs."""
    built = build_model(data, scenario.model, scenario.standards, scenario.phasing,
                        equity=scenario.equity)
    for v, x in zip(built.model.component_data_objects(pyo.Var), values):
        v.set_value(x, skip_validation=True)
    solver = new_solver()
    solver.load(built)
    return _run_jobs(built, solver, opts, jobs, prove=prove, base_bound=base_bound)


def _run_parallel(data, scenario, opts, values, jobs, workers, built, solver, progress,
                  prove: bool = False, base_bound: float | None = None) -> dict:
    """Jobs shared round-robin among ``workers - 1`` spawned processes and this one."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    shares = [jobs[k::workers] for k in range(workers)]
    out: dict = {}
    ctx = mp.get_context("spawn")  # HiGHS holds threads: never fork a process using it
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=ctx) as pool:
        futures = [pool.submit(_worker, data, scenario, opts, values, share, prove,
                               base_bound) for share in shares[1:] if share]
        out.update(_run_jobs(built, solver, opts, shares[0], progress, prove=prove,
                             base_bound=base_bound))
        for f in futures:
            out.update(f.result())
    return out


def _own_contribution(built: BuiltModel, wsum: float) -> dict[str, float]:
    """Weighted coverage each space serves in the plan (share of the whole, summary scale)."""
    from siting.model.objective import coverage_weights

    m, idx = built.model, built.index
    cw = coverage_weights(idx, built.data.functions["weight"].astype(float).to_dict())
    out: dict[str, float] = {}
    for (j, f), ps in idx.pairs_of_host.items():
        out[j] = out.get(j, 0.0) + cw.get(f, 0.0) * sum(float(m.serve[p].value or 0.0)
                                                        for p in ps) / wsum
    return out


def _site_capex(built: BuiltModel) -> dict[str, float]:
    m, idx = built.model, built.index
    out: dict[str, float] = {}
    for o in idx.options:
        if (m.build[o].value or 0) > 0.5:
            out[o[0]] = (idx.fixed_cost[o] + idx.cost_per_m2[o] * float(m.gross[o].value or 0)
                         + sum(idx.fitout[h[1]] * float(m.units[h].value or 0)
                               for h in idx.hosts_of.get(o[0], [])))
    return out


def _row(data, j, role, base: Outcome, best0, bound0, out: Outcome, channel, seconds,
         maximise, own, capex, chan) -> dict:
    sp = data.spaces.loc[j]
    loss, low, high = _interval(best0, bound0, out, maximise)
    exact = base.status == "optimal" and out.status == "optimal"
    row = {"space_id": j, "space_name": sp.get("name", j), "street": sp.get("street", ""),
           "role": role, "decision": decision_label(data.decisions, j),
           "channel": chan.get(j, "") if role == "chosen" else channel,
           "capex": round(capex.get(j, 0.0), 2) if role == "chosen" else None,
           "own_weighted_coverage": round(own.get(j, 0.0), 6) if role == "chosen" else None}
    if maximise:
        o = own.get(j, 0.0)
        row["capex_per_point"] = (round(capex.get(j, 0.0) / (100 * o), 2)
                                  if role == "chosen" and o > 0 else None)
    row.update({"objective_loss": _r(loss), "objective_loss_low": _r(low),
                "objective_loss_high": _r(high)})
    key = "weighted_coverage_loss" if maximise else "primary_loss"
    row[key] = (_r((base.primary - out.primary) * (1 if maximise else -1))
                if out.primary is not None and base.primary is not None else None)
    for f in data.functions.index:
        row[f"served_loss_{f}"] = (_r(base.served.get(f, 0.0) - out.served.get(f, 0.0))
                                   if out.objective is not None else None)
    new = {k: v - base.shortfalls.get(k, 0.0) for k, v in out.shortfalls.items()
           if v > base.shortfalls.get(k, 0.0) + TOL}
    row["new_shortfalls"] = len(new) if out.objective is not None else None
    row["new_shortfall_detail"] = "; ".join(f"{k} +{v:.3g}" for k, v in sorted(new.items()))
    row["capex_after"] = _r(out.capex)
    row["sites_changed"] = (len(base.sites ^ out.sites) if out.objective is not None else None)
    row.update({"status": out.status, "gap": out.gap, "exact": exact, "method": out.method,
                "seconds": round(seconds, 3)})
    return row


def _r(x):
    return None if x is None else round(float(x), 9)


def explain_folder(folder: str | Path, candidates: int = 20, workers: int = 1,
                   resolve_time_limit_s: float | None = None, progress=None,
                   prove: bool = False) -> tuple[pd.DataFrame, dict, Path]:
    """Re-read the plan in ``folder`` (its scenario and inputs), compute the site values and
    write ``site_values.csv`` (and ``site_values.json``) into it."""
    import json

    from siting.data import file_sha256, load_inputs
    from siting.exports import write_csv, write_json
    from siting.problem import prepare

    folder = Path(folder)
    sfile = folder / "summary.json"
    if not sfile.is_file():
        raise DataError(f"{folder}: not a plan folder written by 'siting run' (no "
                        "summary.json)")
    try:
        summary = json.loads(sfile.read_text(encoding="utf-8"))
        scenario = Scenario.model_validate(summary["resolved_scenario"])
    except (ValueError, KeyError) as exc:
        raise DataError(f"{sfile}: cannot read the plan's scenario ({exc})") from None
    changed = [k for k, d in summary.get("inputs", {}).items()
               if d.get("sha256") and (not Path(d["path"]).is_file()
                                       or file_sha256(d["path"]) != d["sha256"])]
    if changed:
        raise DataError(f"{folder}: input files changed or missing since the plan was made "
                        f"({', '.join(changed)}); run the scenario again first")
    data = prepare(load_inputs(scenario), scenario)
    table, meta = site_values(data, scenario, candidates, workers=workers,
                              resolve_time_limit_s=resolve_time_limit_s, progress=progress,
                              prove=prove)
    plan_obj = summary.get("objective")
    if plan_obj is not None and meta["objective"] is not None and abs(
            plan_obj - meta["objective"]) > max(scenario.solver.mip_rel_gap, 1e-6) * max(
            abs(plan_obj), 1.0):
        meta["warning"] = (f"the re-solved plan's objective {meta['objective']:.6g} differs "
                           f"from the folder's {plan_obj:.6g} (within the solver's gap the "
                           "two plans may differ; values are relative to the re-solved one)")
    tmp = folder / (SITE_VALUES_FILE + ".tmp")
    write_csv(table, tmp)
    tmp.replace(folder / SITE_VALUES_FILE)
    tmpj = folder / "site_values.json.tmp"
    write_json(meta, tmpj)
    tmpj.replace(folder / "site_values.json")
    return table, meta, folder / SITE_VALUES_FILE


def print_site_values(table: pd.DataFrame, meta: dict, top: int = 10) -> list[str]:
    """Lines summarising the site values (for the command line)."""
    lines = []
    cov = meta.get("weighted_coverage")
    head = (f"plan: {meta['n_sites']} sites, status {meta['status']}, objective "
            f"{meta['objective']:.6g} (bound {meta['bound']:.6g})"
            + (f", weighted coverage {100 * cov:.2f} %" if cov is not None else ""))
    lines.append(head)
    if meta.get("warning"):
        lines.append(f"warning: {meta['warning']}")
    loss_col = "weighted_coverage_loss" if "weighted_coverage_loss" in table else "primary_loss"
    scale, unit = (100.0, " pts") if loss_col == "weighted_coverage_loss" else (1.0, "")
    for role, title, asc in (("chosen", "sites whose loss hurts most (closed, re-solved)", False),
                             ("candidate", "candidates that cost least to force in", True)):
        part = table[table["role"] == role].sort_values("objective_loss", ascending=asc)
        if not len(part):
            continue
        lines.append(f"{title}:")
        for _, r in part.head(top).iterrows():
            loss = r.get(loss_col)
            val = "n/a" if loss is None or pd.isna(loss) else f"{scale * loss:+.3f}{unit}"
            own = r.get("own_weighted_coverage")
            own_s = "" if own is None or pd.isna(own) else f" own {100 * own:.3f} pts,"
            iv = ("" if pd.isna(r["objective_loss_low"]) else
                  f" [{r['objective_loss_low']:.4g}, {r['objective_loss_high']:.4g}]")
            sf = f", {int(r['new_shortfalls'])} new shortfall(s)" if r.get(
                "new_shortfalls") else ""
            lines.append(f"  {r['space_id']:<8} {str(r['street'])[:10]:<10} {r['channel']:<9}"
                         f"{own_s} loss {val}, objective{iv}"
                         f"{'' if r['exact'] else ' (not proven: ' + r['status'] + ')'}{sf}")
    return lines
