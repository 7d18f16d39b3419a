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
always feasible, so it only improves. Both stages share
``solver.time_limit_s``: stage 2 gets what stage 1 left, at least a tenth (so a solve may
overrun the limit by that much).
Measured by ``benchmarks/maxmin_scale.py`` (README).
"""

from __future__ import annotations

import time
from dataclasses import replace

import pyomo.environ as pyo

from siting.config import SolverOptions
from siting.model import BuiltModel
from siting.solve import SolveResult, new_solver, solve

EPS = 1e-6
"""Slack of the held minimum (coverage is a share in [0, 1])."""
GUIDE = 1e-3
"""Weight of the total coverage in stage 1 (see the module docstring)."""


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
                        reflow: bool = True) -> tuple[SolveResult, dict]:
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
    r1 = solve(built, options, warm_start=warm_start, solver=solver)
    info = {"method": f"lexicographic: max z (+ {guide:g} x total), then max total coverage "
                      f"holding z >= z* - {EPS:g} and stage 1's shortfalls",
            "stage2_gap_asked": max(options.mip_rel_gap, built.options.equity_total_gap),
            "level": built.options.equity_level,
            "stage1": _stage(r1)}
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
    opts2 = options.update(time_limit_s=max(left, options.time_limit_s / 10),
                           mip_rel_gap=max(options.mip_rel_gap,
                                           built.options.equity_total_gap))
    r2 = solve(built, opts2, warm_start=True, solver=solver)
    info["stage2"] = _stage(r2)
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


def _stage(r: SolveResult) -> dict:
    return {"status": r.status, "objective": r.objective, "bound": r.bound,
            "mip_gap": r.mip_gap, "seconds": round(r.runtime_s, 3),
            "handover_s": round(r.handover_s, 3)}
