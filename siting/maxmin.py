"""``max_min_coverage``: maximise the smallest weighted coverage, then the total, in two solves.

Lexicographic rather than one solve with a scaled tie-break: with a tie-break the total
could buy a lower minimum whenever its coefficient times the total's gain exceeds the
minimum's loss, and no coefficient is small enough for every instance yet large enough for
HiGHS's gap to see it. Two solves of the same HiGHS model (:mod:`siting.model.equity`):

1. maximise :math:`z + \\delta\\,T` — :math:`z` the smallest coverage over reachable
   demand of any street or community, :math:`T` the city's weighted coverage (both in
   [0, 1]), :math:`\\delta` = :data:`GUIDE` — with standards' shortfalls penalised as usual
   (penalty scale 1, the objective's range) and a capital-cost tie-break
   :math:`\\tau C/\\bar C`. The small :math:`\\delta T` is not a tie-break that decides
   the answer: it makes the flat max-min objective see the flows of the other units, which
   halved stage 1 on the demo (48 -> 24 s), and costs at most :math:`\\delta` times the
   spread of totals among near-optimal plans (about 1e-5 here), far below the MIP gap;
2. hold :math:`z \\ge z^* - \\varepsilon` with :math:`z^*` the first stage's plan (proven
   optimal within ``solver.mip_rel_gap``, or the best found at the time limit, which the
   summary then says), keep every shortfall at most its first-stage value, and maximise
   :math:`T` (in [0, 1] too, so the same penalty and tie-break scales hold), to
   ``model.equity_total_gap`` (default 2 %; the secondary objective's tolerance, as
   hierarchical multi-objective solvers have one per objective; 0 for the exact
   lexicographic plan).

Stage 2 starts from stage 1's integer decisions with the flows re-solved by an LP for the
stage-2 objective (the most coverage those sites give; :meth:`siting.solve.Solver.complete`),
always feasible, so it only improves. A warm start is first improved by two LPs
(:func:`improve_start`). Each stage is guided by a relaxation (:func:`solve_guided`): the LP
by interior point, then a MIP restricted to the spaces the LP opens; from
:data:`LAGRANGIAN_COLUMNS` columns the Lagrangian of :mod:`siting.maxmin_bound`, then a
kernel search over the spaces it takes; then the whole MIP from the best plan if the
relaxation's bound does not already prove it. Both stages share
``solver.time_limit_s``: stage 2 gets what stage 1 left, at least a tenth (so a solve may
overrun the limit by that much); guided, stage 1 takes at most :data:`STAGE1_SHARE`.
Measured by ``benchmarks/maxmin_scale.py`` (README).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import pyomo.environ as pyo

from siting.config import SolverOptions
from siting.model import BuiltModel
from siting.solve import Solver, SolveResult, new_solver, relative_gap, solve, within_gap

EPS = 1e-6
"""Slack of the held minimum (coverage is a share in [0, 1])."""
GUIDE = 1e-3
"""Weight of the total coverage in stage 1 (see the module docstring)."""


LP_SHARE = 0.9
"""Share of a stage's time its LP relaxation may take (5,000 x 1,000: 48 s by interior point
on a quiet machine of 2026-12-02's morning, 20.5 s on that evening's faster one, 96 s under
load; the MIP's own root had not finished after 300 s)."""
STAGE1_SHARE = 0.75
"""Share of ``solver.time_limit_s`` stage 1 may take; stage 2 gets what it leaves. At
5,000 x 1,000 with three times max coverage's time (95 s), 0.6 left stage 1's LP 2 s short
of finishing, so the plan was the start with no bound."""
LAGRANGIAN_COLUMNS = 100_000
"""From this many held columns a stage takes its bound and support from the Lagrangian of
:mod:`siting.maxmin_bound` instead of the LP relaxation (5,000 x 1,000, 147 k columns: within
1 % of the LP's value in 10 s, where interior point took 20.5 s, on a quiet machine; below
it the LP is quick enough and gives a vertex to restrict to: 1,000 x 300, 41 k columns, LP
5.6 s, where the Lagrangian was within 1 % after 1.6 s)."""
LAGRANGIAN_SHARE = 0.45
"""Share of a stage's time the Lagrangian may take (it stops earlier when its bound stalls,
:data:`siting.maxmin_bound.STALL_S`). 0.3 at 5,000 x 1,000 within 3 x max coverage's time:
bound 0.0098, the kernel search 11.3 s and the same plan (0.0084), gap 15.0 % against
13.6-14.4 % with 0.45."""
SUPPORT_FREQUENCY = 0.2
"""A space the Lagrangian takes in at least this share of its steps near the best bound is
a candidate of the kernel search (5,000 x 1,000: 160-190 of 1,000 spaces, 48 outside the
start; the steps oscillate between optima of the relaxation, so a single step's choice is no
support; all 190 at once in one restricted MIP found nothing better than the start in 6 s,
20 at a time improved it)."""
START_SHARE = 0.1
"""Share of ``solver.time_limit_s`` the start's improvement may take (:func:`improve_start`)."""
SUPPORT_MAX = 20
"""Spaces per bucket of the kernel search (:func:`lagrangian_support`)."""
KERNEL_LEFT = 0.1
"""The kernel search's restricted MIPs stop when less than this share of the stage's time is
left; the whole MIP gets the rest (at 5,000 x 1,000 its root is not solved in minutes)."""
KERNEL_PASSES = 3
"""Passes of the kernel search over its buckets (the kernel grows as plans improve); it
stops after a pass that improved nothing."""
SUPPORT_TOL = 1e-6
"""An LP value above this opens a space or a function in the LP-guided restriction."""


def solve_guided(built: BuiltModel, options: SolverOptions, solver: Solver,
                 warm_start: bool) -> tuple[SolveResult, dict]:
    """One stage, guided by its LP relaxation (a RENS-type restriction, Berthold 2014):

    1. the LP relaxation by interior point with crossover (a vertex): its value bounds the
       stage's optimum; from :data:`LAGRANGIAN_COLUMNS` columns the Lagrangian bound of
       :mod:`siting.maxmin_bound` and the spaces it takes instead
       (:func:`lagrangian_support`). At 5,000 x 1,000 the MIP's own root (dual simplex) had not
       finished after 300 s, interior point took 96 s; at 1,000 x 300 the LP opens 19 of
       381 (space, channel) options;
    2. a MIP restricted to the spaces and functions the LP opens, or the start opens (so the
       start stays feasible and the restricted plan is never worse), from the start, for up
       to half the time left: at 1,000 x 300 it found in 13 s the plan the whole MIP had
       after 200 s. With the Lagrangian, a kernel search instead: first the start's spaces
       alone, then the plan's spaces with each bucket of the Lagrangian's in turn, each
       restricted MIP from the best plan so far, until :data:`KERNEL_LEFT` of the time is
       left (5,000 x 1,000 in 3 x max coverage's time: 0.0078 -> 0.0083 -> 0.0085);
    3. the bounds restored, the plan is feasible for the whole model; if it is within the
       gap asked of the LP bound it is the result (proven: the LP bound is a bound of the
       whole MIP), else the whole MIP goes on from it for the time left, and the bound
       reported is the better of the LP's and the MIP's.

    Restricting never cuts the optimum from what is reported: the restricted plan is only a
    start, the bound is the whole model's. Returns the result and what each step did."""
    t0 = time.perf_counter()
    note: dict = {}
    relax = None
    solver.prepare(built)
    if solver.highs.getNumCol() >= LAGRANGIAN_COLUMNS:
        relax = lagrangian_support(built, solver, LAGRANGIAN_SHARE * options.time_limit_s,
                                   warm_start, note)
    if relax is None:
        relax = solver.relax(built, LP_SHARE * options.time_limit_s)
        note["lp_s"] = round(time.perf_counter() - t0, 3)
    note["bound_s"] = round(time.perf_counter() - t0, 3)

    def left() -> float:
        return max(options.time_limit_s - (time.perf_counter() - t0), 1.0)

    if relax is None:
        note["lp"] = "not solved in its share of the time: the whole MIP was solved"
        return _with_bound(solve(built, options.update(time_limit_s=left()), warm_start,
                                 solver, guided=False), None, options, t0), note
    lp_bound, x = relax
    note["lp_bound"] = lp_bound
    # the restrictions, smallest first: with the Lagrangian's support, first the start's own
    # spaces alone (its unit counts and flows made optimal: 5,000 x 1,000, 1.4 s, minimum
    # 0.0078 -> 0.0083), then the plan's spaces with each bucket added in turn (the plan,
    # and so the kernel, grows as the restricted MIPs improve it)
    kernel = isinstance(x, list)  # the Lagrangian's buckets: a kernel search
    if kernel:
        n_cols = solver.highs.getNumCol()
        passes = [[np.zeros(n_cols)]] if warm_start else []
        passes += [x] * KERNEL_PASSES if x else ([] if warm_start else [[np.zeros(n_cols)]])
        supports = [(n, xs) for n, group in enumerate(passes) for xs in group]
    else:
        supports = [(0, x)]
    improved_in: set[int] = set()
    r, have, first_plan = None, warm_start, None
    note["restricted"] = []
    best_x = solver.held_values() if warm_start else None
    best_v = (float(solver._cost @ best_x + solver._offset) if warm_start
              and solver.values_feasible() else -math.inf)
    for n_pass, xs in supports:
        if n_pass >= 2 and n_pass - 1 not in improved_in:
            break  # a whole pass over the buckets improved nothing
        remaining = options.time_limit_s - (time.perf_counter() - t0)
        if not kernel:
            limit = left() / 2
        elif remaining < KERNEL_LEFT * options.time_limit_s + 1.0:
            break  # the rest is the whole MIP's
        else:
            limit = min(remaining / 4, remaining - KERNEL_LEFT * options.time_limit_s)
        r_n = _restricted(built, solver, xs, options.update(time_limit_s=max(limit, 1.0)),
                          have, note)
        if r_n.has_solution and best_x is not None and r_n.objective < best_v - 1e-12:
            solver.set_values(best_x)  # HiGHS lost the start: keep the better plan
            solver.last_solution = None  # (a kept certificate would be the worse plan's)
            continue
        if r_n.has_solution:
            # a restricted MIP's own dual bound and status speak only of the restriction:
            # the plan is proven only within the gap of the relaxation's bound
            r_n = replace(r_n, bound=None, mip_gap=None, status="time_limit")
            if r_n.objective > best_v + 1e-12 * max(abs(best_v), 1.0):
                improved_in.add(n_pass)
            r, have, best_x, best_v = r_n, True, solver.held_values(), r_n.objective
            first_plan = first_plan if first_plan is not None else r_n.first_plan_s
            solver.last_solution = None  # the plan is on the variables; no certificate
            if within_gap(r.objective, lp_bound, options):
                return _with_bound(r, lp_bound, options, t0, first_plan_s=first_plan,
                                   termination=(
                    f"restricted to the relaxation's support: {r.termination}; within the "
                    "gap of the relaxation's bound")), note
    r2 = solve(built, options.update(time_limit_s=left()), have, solver, guided=False)
    if not r2.has_solution and r is not None:
        return _with_bound(r, lp_bound, options, t0, first_plan_s=first_plan), note
    return _with_bound(r2, lp_bound, options, t0, first_plan_s=(
        first_plan if first_plan is not None else r2.first_plan_s), termination=(
        f"from the plan restricted to the relaxation's support: {r2.termination}")), note


def _restricted(built: BuiltModel, solver: Solver, x: np.ndarray, options: SolverOptions,
                warm_start: bool, note: dict) -> SolveResult:
    """The MIP with every space and function closed that neither ``x`` (above
    :data:`SUPPORT_TOL`) nor the start on the variables opens; the bounds restored after."""
    m = built.model
    closed = []
    for comp in (m.build, m.host):
        for v in comp.values():
            k = solver.column(v)
            if (k is None or v.fixed or (v.lb or 0) > 0 or v.ub == 0 or x[k] > SUPPORT_TOL
                    or (warm_start and (v.value or 0) > 0.5)):
                continue
            closed.append((v, v.ub))
            v.setub(0)
    options_open = sum(1 for v in m.build.values() if v.ub != 0)
    note.setdefault("support_options", options_open)
    solver.sync_column_bounds([v for v, _ in closed])
    try:
        r = solve(built, options, warm_start, solver, guided=False)  # bounded here
    finally:
        for v, ub in closed:
            v.setub(ub)
        solver.sync_column_bounds([v for v, _ in closed])
    note["restricted"].append({"options": options_open, "status": r.status,
                               "objective": r.objective, "seconds": round(r.runtime_s, 3)})
    return r


def improve_start(built: BuiltModel, solver: Solver, time_limit_s: float) -> dict:
    """Improve the start on the variables by two LPs, each kept only if the plan stays
    feasible and its stage objective does not fall:

    1. its flows re-solved for its spaces and units (:meth:`Solver.complete`): the
       constructive start serves the nearest demand first, which is not what lifts the worst
       street most;
    2. its unit counts: spaces, channels and hosted functions fixed, units continuous
       (:meth:`Solver.relax_with_fixed`), rounded down (a plan with fewer units is within
       the budget and every area), and the flows re-solved again.

    Measured on ``benchmarks/city_scale.py``'s 5,000 x 1,000 (quiet machine): the
    water-filling start's smallest street coverage 0.0045 -> 0.0060 (flows, 0.9 s) ->
    0.0078 (units, 1.1 s), against a bound of 0.0097-0.0098. Returns the stage objective after
    each step."""
    t0 = time.perf_counter()
    m = built.model
    solver.prepare(built)

    def value() -> float:
        return float(solver._cost @ solver.held_values() + solver._offset)

    def left() -> float:
        return max(time_limit_s - (time.perf_counter() - t0), 1.0)

    if not solver.values_feasible():
        return {"note": "start not feasible: not improved"}
    best, v_best = solver.held_values(), value()
    out = {"start": v_best}

    def keep(step: str) -> None:
        nonlocal best, v_best
        if solver.values_feasible() and value() >= v_best - 1e-12:
            best, v_best = solver.held_values(), value()
        else:
            solver.set_values(best)
        out[step] = v_best

    if solver.complete(built, left() / 2):
        keep("flows_by_lp")
    fixed = list(m.build.values()) + list(m.host.values())
    spent = time.perf_counter() - t0
    x = (solver.relax_with_fixed(built, fixed, left()) if spent < time_limit_s / 2
         else None)  # the flows took half the share: keep the rest for the solve
    if x is not None:
        cols = [k for k in (solver.column(v) for v in m.units.values()) if k is not None]
        x[cols] = np.floor(x[cols] + 1e-6)
        solver.set_values(x)
        if solver.complete(built, left()):
            keep("units_by_lp")
        else:
            solver.set_values(best)
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out


def lagrangian_support(built: BuiltModel, solver: Solver, time_limit_s: float,
                       warm_start: bool, note: dict) -> tuple[float, list] | None:
    """The stage's bound from :mod:`siting.maxmin_bound` and, in place of the LP's
    solution, the buckets of a kernel search (Angelelli, Mansini & Speranza 2010): the
    spaces outside the start that the relaxation takes in at least
    :data:`SUPPORT_FREQUENCY` of its steps near the best bound, most frequent first, in
    groups of :data:`SUPPORT_MAX`, each as a column vector at 1 on their opening and
    hosting columns (``None``, with the reason in ``note``, where it does not apply)."""
    from siting.maxmin_bound import max_min_view

    t0 = time.perf_counter()
    view = max_min_view(built, solver)
    if isinstance(view, str):
        note["lagrangian"] = f"not applicable: {view}"
        return None
    lower = float(solver._cost @ solver.held_values() + solver._offset) if warm_start else 0.0
    bound = view.improve(max(lower, 0.0), time_limit_s)
    freq = view.support / max(view.near_steps, 1)
    spaces = list(built.index.spaces)
    m = built.model
    in_plan = {o[0] for o in built.index.options
               if warm_start and (m.build[o].value or 0) > 0.5}
    ranked = [spaces[j] for j in np.argsort(-freq, kind="stable")
              if freq[j] >= SUPPORT_FREQUENCY and spaces[j] not in in_plan]
    cols: dict[str, list[int]] = {}
    for o in built.index.options:
        cols.setdefault(o[0], []).append(solver.column(m.build[o]))
    for h in built.index.hosts:
        cols.setdefault(h[0], []).append(solver.column(m.host[h]))
    buckets = []
    for b in range(0, len(ranked), SUPPORT_MAX):
        x = np.zeros(solver.highs.getNumCol())
        for j in ranked[b:b + SUPPORT_MAX]:
            x[[k for k in cols.get(j, []) if k is not None]] = 1.0
        buckets.append(x)
    note["lagrangian"] = {"bound": bound, "steps": view.iterations,
                          "support_spaces": len(ranked),
                          "seconds": round(time.perf_counter() - t0, 3)}
    note["lp_bound_source"] = "lagrangian"
    return bound, buckets


def _with_bound(r: SolveResult, lp_bound: float | None, options: SolverOptions, t0: float,
                **kw) -> SolveResult:
    """``r`` with the better of its bound and the LP's (a maximisation), its gap and status
    from that bound, and the time since ``t0``."""
    bound = r.bound if lp_bound is None else (lp_bound if r.bound is None
                                               else min(lp_bound, r.bound))
    gap = relative_gap(r.objective, bound) if r.has_solution else None
    status = ("optimal" if r.has_solution and within_gap(r.objective, bound, options)
              else r.status)
    return replace(r, bound=bound, mip_gap=gap, status=status,
                   runtime_s=time.perf_counter() - t0, **kw)


def reset(built: BuiltModel) -> None:
    """Back to stage 1 (a re-solve of the same model in a sweep)."""
    m = built.model
    m.equity_stage_min.set_value(1.0)
    m.equity_stage_total.set_value(0.0)
    m.equity_hold_level.set_value(0.0)
    for k, meta in built.standards_index.shortfalls.items():
        if not m.shortfall[k].fixed:
            m.shortfall[k].setub(meta["required"])


def solve_lexicographic(built: BuiltModel, options: SolverOptions, warm_start: bool = False,
                        solver=None, *, slack: float | None = None, guide: float = GUIDE,
                        reflow: bool = True, guided: bool = True
                        ) -> tuple[SolveResult, dict]:
    """Solve both stages; return the final result and what each stage did (for the
    summary's ``equity.max_min``)."""
    from siting.model.equity import complete_start

    m = built.model
    solver = solver if solver is not None else new_solver()
    reset(built)
    m.equity_stage_total.set_value(guide)
    if warm_start:
        complete_start(built)
    t0 = time.perf_counter()
    g1 = g2 = None
    start_note = None
    if warm_start:
        start_note = improve_start(built, solver, START_SHARE * options.time_limit_s)
    if guided:
        solver.last_solution = None  # the start is on the variables (see solve_guided)
        r1, g1 = solve_guided(built, options.update(
            time_limit_s=STAGE1_SHARE * options.time_limit_s), solver, warm_start)
    else:
        r1 = solve(built, options, warm_start=warm_start, solver=solver)
    info = {"method": f"lexicographic: max z (+ {guide:g} x total), then max total coverage "
                      f"holding z >= z* - {EPS:g} and stage 1's shortfalls",
            "stage2_gap_asked": max(options.mip_rel_gap, built.options.equity_total_gap),
            "level": built.options.equity_level,
            "stage1": _stage(r1, g1)}
    if start_note is not None:
        info["start"] = start_note
    if not r1.has_solution:
        return r1, info
    z1 = float(pyo.value(m.equity_min))
    info["min_coverage"] = round(z1, 6)
    zb = None if r1.bound is None else _z_bound(built, r1)
    info["min_coverage_bound"] = None if zb is None else round(zb, 6)
    info["proven"] = r1.status == "optimal"
    eps = EPS if slack is None else slack * z1
    m.equity_hold_level.set_value(max(0.0, z1 - eps))
    m.equity_stage_min.set_value(0.0)
    m.equity_stage_total.set_value(1.0)
    for k in built.standards_index.shortfalls:
        v = m.shortfall[k]
        if not v.fixed:
            v.setub(min(v.ub, max(0.0, float(v.value or 0.0)) + 1e-7))
    plan1 = None if solver.last_solution is None else solver.last_solution.copy()
    left = options.time_limit_s - (time.perf_counter() - t0)
    if reflow:
        # start stage 2 from stage 1's integers with the flows re-solved by an LP for the
        # stage-2 objective, i.e. the most coverage those sites give (stage 1 had no reason
        # to serve more than the minimum needed; it dominates stage 1's plan, which is the
        # start if the LP fails). No previous solution is kept: a re-solve with one would
        # first solve the whole LP relaxation to certify it (minutes at city scale)
        t_flow = time.perf_counter()
        done = solver.complete(built, max(left, options.time_limit_s / 10))
        if not done and plan1 is not None:
            solver.set_values(plan1)
        solver.last_solution = None
        info["stage2_start"] = {"flows_by_lp": done,
                                "seconds": round(time.perf_counter() - t_flow, 3)}
        left = options.time_limit_s - (time.perf_counter() - t0)
    opts2 = options.update(time_limit_s=max(left, options.time_limit_s / 10),  # guided: >= 25 %
                           mip_rel_gap=max(options.mip_rel_gap,
                                           built.options.equity_total_gap))
    if guided:
        r2, g2 = solve_guided(built, opts2, solver, True)
    else:
        r2 = solve(built, opts2, warm_start=True, solver=solver)
    info["stage2"] = _stage(r2, g2)
    if not r2.has_solution:  # stopped before completing the start: keep stage 1's plan
        if plan1 is not None:
            solver._store(plan1)
        info["stage2"]["note"] = "no plan in the time left: stage 1's plan is kept"
        return replace(r1, status="time_limit" if r2.status == "time_limit" else r1.status,
                       runtime_s=r1.runtime_s + r2.runtime_s), info
    info["min_coverage_final"] = round(float(pyo.value(m.equity_min)), 6)
    status = r2.status if r1.status == "optimal" else r1.status
    result = replace(r2, status=status, runtime_s=r1.runtime_s + r2.runtime_s,
                     handover_s=r1.handover_s + r2.handover_s,
                     first_plan_s=r1.first_plan_s,
                     termination=f"stage 1: {r1.termination}; stage 2: {r2.termination}")
    return result, info


def _z_bound(built: BuiltModel, r: SolveResult) -> float:
    """An upper bound on z from stage 1's bound: the objective is z minus the tie-break (at
    most tau) minus penalties, so without soft shortfalls its bound plus tau bounds z."""
    m = built.model
    if any(not m.shortfall[k].fixed for k in m.SHORTFALLS):
        return None
    return min(1.0, float(r.bound) + float(pyo.value(built.model.tie_break))
               * float(built.index.max_capex))


def _stage(r: SolveResult, guided: dict | None = None) -> dict:
    out = {"status": r.status, "objective": r.objective, "bound": r.bound,
           "mip_gap": r.mip_gap, "seconds": round(r.runtime_s, 3),
           "handover_s": round(r.handover_s, 3)}
    if guided is not None:
        out["lp_guided"] = guided
    return out
