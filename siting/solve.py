"""Solve a built model with HiGHS (through Pyomo's APPSI ``Highs`` interface, which uses
highspy and accepts a starting solution).

The solver is chosen here and only here. :func:`solve` never raises for an infeasible or
stopped solve: it returns a :class:`SolveResult` saying what happened, and loads variable
values only when a feasible solution exists.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass
from typing import Literal

from pyomo.contrib.appsi.base import TerminationCondition
from pyomo.contrib.appsi.solvers.highs import Highs

from siting.config import SolverOptions
from siting.exceptions import SolverError
from siting.model import BuiltModel

log = logging.getLogger(__name__)

Status = Literal["optimal", "time_limit", "infeasible", "unbounded", "error"]


@dataclass(frozen=True)
class SolveResult:
    """What the solver did (modelled on linopy's ``Result``/``SolverReport``)."""

    status: Status
    """``optimal`` (within the gap asked for), ``time_limit`` (stopped; see ``mip_gap``),
    ``infeasible``, ``unbounded`` or ``error``."""
    has_solution: bool
    objective: float | None
    bound: float | None
    mip_gap: float | None
    """Relative gap |objective - bound| / max(|objective|, 1e-9) between the plan and the best
    bound proven, as HiGHS defines it."""
    runtime_s: float
    termination: str
    solver: str

    def to_dict(self) -> dict:
        return asdict(self)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """HiGHS's relative gap, or ``None`` if either value is missing."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def new_solver() -> Highs:
    """A HiGHS interface object; keep one to re-solve a model after changing parameters."""
    return Highs()


def solve(built: BuiltModel, options: SolverOptions, warm_start: bool = False,
          solver: Highs | None = None) -> SolveResult:
    """Solve with HiGHS; load the incumbent plan into the model when there is one.

    With ``warm_start`` the variables' current values are handed to HiGHS as a starting
    solution (a constructive plan, or the previous solve's), so a plan exists from the start.
    Passing the same ``solver`` again re-solves persistently: only changed parameters (e.g.
    ``m.budget_limit``) are handed over, not the whole model.
    """
    opt = solver if solver is not None else Highs()
    if not opt.available():
        raise SolverError("HiGHS is not available: install highspy (pip install highspy)")
    opt.config.time_limit = options.time_limit_s
    opt.config.mip_gap = options.mip_rel_gap
    opt.config.load_solution = False
    opt.config.warmstart = warm_start
    opt.config.stream_solver = options.verbose
    opt.highs_options = {"random_seed": options.seed, "mip_abs_gap": options.mip_abs_gap}
    if options.threads:
        opt.highs_options["threads"] = options.threads
    t0 = time.perf_counter()
    try:
        res = opt.solve(built.model)
    except Exception as exc:  # noqa: BLE001 - report any solver failure as a result
        log.exception("HiGHS failed")
        return SolveResult("error", False, None, None, None, time.perf_counter() - t0,
                           f"exception: {exc}", "highs")
    runtime = time.perf_counter() - t0
    tc = res.termination_condition
    obj = res.best_feasible_objective
    has_sol = obj is not None and math.isfinite(obj)
    if tc == TerminationCondition.optimal:
        status: Status = "optimal"
    elif tc in (TerminationCondition.maxTimeLimit, TerminationCondition.maxIterations,
                TerminationCondition.interrupted, TerminationCondition.objectiveLimit):
        status = "time_limit"
    elif tc in (TerminationCondition.infeasible, TerminationCondition.infeasibleOrUnbounded):
        status = "infeasible"
    elif tc == TerminationCondition.unbounded:
        status = "unbounded"
    else:
        status = "error"
    if has_sol:
        res.solution_loader.load_vars()
    bound = res.best_objective_bound
    bound = float(bound) if bound is not None and math.isfinite(bound) else None
    gap = relative_gap(obj, bound) if has_sol else None
    if status == "optimal" and gap is None:
        gap = 0.0
    v = opt.version()
    return SolveResult(status, has_sol, float(obj) if has_sol else None, bound, gap, runtime,
                       tc.name, f"highs {'.'.join(map(str, v))}")
