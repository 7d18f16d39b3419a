"""Solve a built model with HiGHS (highspy), handing it over as one sparse matrix.

The model is written in Pyomo; :class:`Solver` compiles it once with Pyomo's linear
standard-form compiler (``LinearStandardFormCompiler``, a vectorised pass over the model) and
passes the matrix to ``highspy`` in a single call. This replaces Pyomo's per-constraint
persistent interface, which spent 7.7 s handing a 195 k-variable model to HiGHS against 2 s
for the compiler (see ``benchmarks/city_scale.py``).

A :class:`Solver` keeps its HiGHS model: solving the same built model again only re-reads the
bounds of rows that depend on mutable parameters (the budget, ``m.budget_limit``), and can be
warm-started from the previous plan or from any values set on the model's variables (a
constructive plan). Integer values alone are enough: HiGHS fixes them and solves an LP for the
continuous variables.

The solver is chosen here and only here. :func:`solve` never raises for an infeasible or
stopped solve: it returns a :class:`SolveResult` saying what happened, and loads variable
values only when a feasible solution exists. HiGHS may overrun its own time limit on large
models, so the wall clock is also guarded here (an interrupt callback).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass
from typing import Literal

import highspy
import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.common.gc_manager import PauseGC
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from siting.config import SolverOptions
from siting.exceptions import SolverError
from siting.model import BuiltModel

log = logging.getLogger(__name__)

Status = Literal["optimal", "time_limit", "infeasible", "unbounded", "error"]
_MS = highspy.HighsModelStatus
_STATUS: dict = {
    _MS.kOptimal: "optimal", _MS.kModelEmpty: "optimal",
    _MS.kTimeLimit: "time_limit", _MS.kIterationLimit: "time_limit",
    _MS.kInterrupt: "time_limit", _MS.kHighsInterrupt: "time_limit",
    _MS.kSolutionLimit: "time_limit", _MS.kObjectiveBound: "time_limit",
    _MS.kObjectiveTarget: "time_limit",
    _MS.kInfeasible: "infeasible", _MS.kUnboundedOrInfeasible: "infeasible",
    _MS.kUnbounded: "unbounded",
}
#: Extra wall time allowed past ``time_limit_s`` before the solve is interrupted from here.
GRACE_S = 2.0


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
    handover_s: float = 0.0
    """Seconds spent compiling the model and passing it to HiGHS (0 on a re-solve)."""
    first_plan_s: float | None = None
    """Seconds from the start of the solve to the first feasible plan HiGHS held (0 when the
    start given was feasible); ``None`` if none was found."""

    def to_dict(self) -> dict:
        return asdict(self)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """HiGHS's relative gap, or ``None`` if either value is missing."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def _bounds(values: list, default: float) -> np.ndarray:
    return np.array([default if v is None else v for v in values], dtype=float)


class Solver:
    """HiGHS holding one compiled model; :meth:`solve` re-solves it after parameter changes."""

    def __init__(self) -> None:
        self.highs: highspy.Highs | None = None
        self._model: pyo.ConcreteModel | None = None
        self._columns: list = []
        self._integer: np.ndarray = np.zeros(0, dtype=bool)
        self._unused: list = []
        self._param_rows: list[tuple[int, object, int, float]] = []
        self._sense = 1
        self._infeasible: str | None = None
        self._matrix = None
        self._col_bounds = self._row_bounds = (np.zeros(0), np.zeros(0))
        self._cost, self._offset = np.zeros(0), 0.0
        self._start: np.ndarray | None = None
        self.last_solution: np.ndarray | None = None
        self.timings: dict[str, float] = {}
        """Seconds of the last hand-over: Pyomo's compiler, and passing the matrix to HiGHS
        (the cost of building the same matrix directly in highspy)."""

    # -- hand-over ------------------------------------------------------------------------
    def load(self, built: BuiltModel) -> float:
        """Compile the built model, pass it to a new HiGHS instance, append its matrix-row
        blocks (:class:`siting.model.rows.MatrixRows`); return the seconds spent."""
        with PauseGC():  # no garbage is made here; the collector would only slow it down
            return self._load(built)

    def _load(self, built: BuiltModel) -> float:
        model, extra_rows = built.model, built.matrix_rows
        t0 = time.perf_counter()
        self._model, self._infeasible, self.last_solution = model, None, None
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        try:
            sf = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
        except InfeasibleConstraintException as exc:  # a constant row that cannot hold
            self._infeasible = str(exc)
            return time.perf_counter() - t0
        cols = sf.columns
        self._columns = cols
        n, m = len(cols), len(sf.rows)
        lower = _bounds([v.lb for v in cols], -highspy.kHighsInf)
        upper = _bounds([v.ub for v in cols], highspy.kHighsInf)
        self._integer = np.array([not v.is_continuous() for v in cols], dtype=bool)
        kinds = np.array([r.bound_type for r in sf.rows], dtype=np.int8)
        rhs = np.asarray(sf.rhs, dtype=float)
        row_lower = np.where(kinds <= 0, rhs, -highspy.kHighsInf)
        row_upper = np.where(kinds >= 0, rhs, highspy.kHighsInf)
        obj = sf.objectives[0] if sf.objectives else None
        self._sense = -1 if obj is not None and obj.sense == pyo.maximize else 1
        cost = (np.asarray(sf.c.todense()).ravel()[:n] if sf.c.shape[0] else np.zeros(n))
        offset = float(sf.c_offset[0]) if len(sf.c_offset) else 0.0
        a = sf.A.tocsc()
        a.sort_indices()
        t_pass = time.perf_counter()
        sense = highspy.ObjSense.kMaximize if self._sense < 0 else highspy.ObjSense.kMinimize
        status = self.highs.passModel(
            n, m, a.nnz, int(highspy.MatrixFormat.kColwise), int(sense), offset,
            cost.astype(float), lower, upper, row_lower, row_upper,
            a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data.astype(float),
            self._integer.astype(np.int32))
        if status == highspy.HighsStatus.kError:
            raise SolverError("HiGHS refused the compiled model")
        self.timings = {"compile": t_pass - t0, "pass_to_highs": time.perf_counter() - t_pass}
        # rows whose bounds depend on mutable parameters (e.g. the budget): re-read on re-solve
        self._param_rows = []
        for r, row in enumerate(sf.rows):
            con = row.constraint
            if con.parent_component() is not con:
                continue  # indexed families hold no mutable parameters in their bounds
            bound = con.upper if row.bound_type >= 0 else con.lower
            if bound is not None and not _is_number(bound):
                self._param_rows.append((r, con, row.bound_type, pyo.value(bound) - rhs[r]))
        col_of = {id(v): k for k, v in enumerate(cols)}
        self._unused = [v for v in model.component_data_objects(pyo.Var, descend_into=True)
                        if not v.fixed and id(v) not in col_of]
        if extra_rows:
            t_rows = time.perf_counter()
            a, row_lower, row_upper = self._append_rows(extra_rows, col_of, len(cols), a,
                                                        row_lower, row_upper)
            self.timings["matrix_rows"] = time.perf_counter() - t_rows
        self._matrix = a.tocsr()
        self._col_bounds = (lower, upper)
        self._row_bounds = (row_lower, row_upper)
        self._cost, self._offset = cost, offset
        del sf
        return time.perf_counter() - t0

    def _append_rows(self, blocks, col_of, n_cols, a, row_lower, row_upper):
        """Add each block's rows to HiGHS and to the checking matrix."""
        mats, los, his = [a], [row_lower], [row_upper]
        for b in blocks:
            if not b.n_rows:
                continue
            try:
                c = np.fromiter((col_of[id(v)] for v in b.var), dtype=np.int64,
                                count=len(b.var))
            except KeyError as exc:
                raise SolverError(f"{b.name}: a variable of the block is in no model row"
                                  ) from exc
            blk = sp.csr_array((b.coef, (b.row, c)), shape=(b.n_rows, n_cols))
            blk.sum_duplicates()
            blk.sort_indices()
            status = self.highs.addRows(
                b.n_rows, b.lower.astype(float), b.upper.astype(float), blk.nnz,
                blk.indptr[:-1].astype(np.int32), blk.indices.astype(np.int32),
                blk.data.astype(float))
            if status == highspy.HighsStatus.kError:
                raise SolverError(f"HiGHS refused the rows of {b.name}")
            mats.append(blk)
            los.append(b.lower)
            his.append(b.upper)
        return (sp.vstack(mats, format="csc"), np.concatenate(los).astype(float),
                np.concatenate(his).astype(float))

    def _refresh_parameters(self) -> None:
        for r, con, kind, offset in self._param_rows:
            bound = pyo.value(con.upper if kind >= 0 else con.lower) - offset
            lo = bound if kind <= 0 else -highspy.kHighsInf
            hi = bound if kind >= 0 else highspy.kHighsInf
            self.highs.changeRowBounds(r, lo, hi)
            self._row_bounds[0][r], self._row_bounds[1][r] = lo, hi

    # -- solve ----------------------------------------------------------------------------
    def solve(self, built: BuiltModel, options: SolverOptions, warm_start: bool = False
              ) -> SolveResult:
        handover = 0.0
        if self._model is not built.model:
            handover = self.load(built)
        else:
            self._refresh_parameters()
        version = _version()
        if self._infeasible is not None:
            return SolveResult("infeasible", False, None, None, None, 0.0,
                               self._infeasible, version, handover)
        h = self.highs
        h.setOptionValue("output_flag", bool(options.verbose))
        h.setOptionValue("time_limit", float(options.time_limit_s))
        h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
        h.setOptionValue("mip_abs_gap", float(options.mip_abs_gap))
        h.setOptionValue("random_seed", int(options.seed))
        _use_threads(h, options.threads or 0)
        self._start = self._set_start() if warm_start else None
        t0 = time.perf_counter()
        deadline = t0 + options.time_limit_s + GRACE_S
        first: list[float] = []

        def on_interrupt(e):
            if time.perf_counter() > deadline:
                e.interrupt()

        def on_improving(e):
            if not first:
                first.append(time.perf_counter() - t0)

        h.cbMipInterrupt.subscribe(on_interrupt)
        h.cbMipImprovingSolution.subscribe(on_improving)
        try:
            h.run()
        except Exception as exc:  # noqa: BLE001 - report any solver failure as a result
            log.exception("HiGHS failed")
            return SolveResult("error", False, None, None, None, time.perf_counter() - t0,
                               f"exception: {exc}", version, handover)
        finally:
            h.cbMipInterrupt.unsubscribe(on_interrupt)
            h.cbMipImprovingSolution.unsubscribe(on_improving)
        runtime = time.perf_counter() - t0
        ms = h.getModelStatus()
        status: Status = _STATUS.get(ms, "error")
        info = h.getInfo()
        has_sol = info.primal_solution_status == 2 or (
            ms == _MS.kModelEmpty or (status == "optimal" and not self._integer.any()))
        obj = float(info.objective_function_value) if has_sol else None
        if self._integer.any():
            bound = float(info.mip_dual_bound)
            bound = bound if math.isfinite(bound) else None
        else:
            bound = obj if status == "optimal" else None
        termination = h.modelStatusToString(ms)
        if has_sol:
            x = np.asarray(h.getSolution().col_value, dtype=float)
            self._store(x)
        elif self._start is not None and status == "time_limit":
            # stopped before HiGHS took the start in: the start is still a checked plan
            has_sol, x = True, self._start
            obj = float(self._cost @ x + self._offset)
            termination += " (plan: the starting solution)"
            self._store(x)
        gap = relative_gap(obj, bound) if has_sol else None
        if status == "optimal" and gap is None:
            gap = 0.0
        first_s = 0.0 if self._start is not None else (first[0] if first else None)
        return SolveResult(status, has_sol, obj, bound, gap, runtime, termination,
                           version, handover, first_s if has_sol else None)

    def _set_start(self) -> np.ndarray | None:
        """Hand HiGHS a starting solution: the variables' current values (a constructive
        plan) or, on a re-solve, the previous solution, whichever is feasible now and
        better; the current values alone, even partial, if neither is checked feasible
        (HiGHS then fixes the integers and completes the rest with an LP).

        Returns the start if it sets every column and satisfies every row and bound (checked
        here on the matrix), so it counts as a plan even if HiGHS is stopped before using it.
        """
        cols = self._columns
        vals = [v.value for v in cols]
        idx = np.array([k for k, x in enumerate(vals) if x is not None], dtype=np.int32)
        x = np.array([vals[k] for k in idx], dtype=float)
        integer = self._integer[idx]
        x[integer] = np.round(x[integer])
        candidates = []
        if len(idx) == len(cols) and self._feasible(x):
            candidates.append(x)
        if self.last_solution is not None:
            prev = self.last_solution.copy()
            prev[self._integer] = np.round(prev[self._integer])
            if self._feasible(prev):
                candidates.append(prev)
        if candidates:
            best = max(candidates, key=lambda c: -self._sense * float(self._cost @ c))
            self.highs.setSolution(len(best), np.arange(len(best), dtype=np.int32), best)
            return best
        if len(idx):
            self.highs.setSolution(len(idx), idx, x)
        return None

    def _feasible(self, x: np.ndarray, tol: float = 1e-6) -> bool:
        lo, hi = self._col_bounds
        if not (np.all(x >= lo - tol) and np.all(x <= hi + tol)):
            return False
        act = self._matrix @ x
        rlo, rhi = self._row_bounds
        # absolute tolerance plus a relative one small enough that a budget row of 5e7 CNY
        # allows 0.05 CNY, not 50
        return bool(np.all(act >= rlo - tol - 1e-9 * np.abs(rlo))
                    and np.all(act <= rhi + tol + 1e-9 * np.abs(rhi)))

    def _store(self, x: np.ndarray) -> None:
        self.last_solution = x
        ints = self._integer
        x = x.copy()
        x[ints] = np.round(x[ints])
        for v, val in zip(self._columns, x.tolist()):
            v.set_value(val, skip_validation=True)
        for v in self._unused:  # in no row and not in the objective: any value in bounds
            lb, ub = v.bounds
            lo = -math.inf if lb is None else lb
            hi = math.inf if ub is None else ub
            v.set_value(min(max(0.0, lo), hi), skip_validation=True)


_SCHEDULER_THREADS: int | None = None


def _use_threads(h: highspy.Highs, threads: int) -> None:
    """HiGHS keeps one thread pool per process, sized by the first solve; a later solve asking
    for another size fails ("Not Set") unless the pool is reset first."""
    global _SCHEDULER_THREADS
    if _SCHEDULER_THREADS is not None and _SCHEDULER_THREADS != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _SCHEDULER_THREADS = threads
    h.setOptionValue("threads", int(threads))


def _is_number(x) -> bool:
    return isinstance(x, (int, float))


_VERSION: str | None = None


def _version() -> str:
    global _VERSION
    if _VERSION is None:
        h = highspy.Highs()
        _VERSION = f"highs {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
    return _VERSION


def new_solver() -> Solver:
    """A HiGHS solver; keep one to re-solve a model after changing its parameters."""
    return Solver()


def solve(built: BuiltModel, options: SolverOptions, warm_start: bool = False,
          solver: Solver | None = None) -> SolveResult:
    """Solve with HiGHS; load the incumbent plan into the model when there is one.

    With ``warm_start`` the variables' current values are handed to HiGHS as a starting
    solution (a constructive plan, or the previous solve's), so a plan exists from the start.
    Passing the same ``solver`` again re-solves persistently: only rows whose bounds hold
    mutable parameters (e.g. ``m.budget_limit``) are updated, not the whole model.
    """
    return (solver if solver is not None else Solver()).solve(built, options, warm_start)
