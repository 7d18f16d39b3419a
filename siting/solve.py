"""Solve a built model with HiGHS (highspy), handing it over as one sparse matrix.

The model is written in Pyomo; :class:`Solver` compiles it once with Pyomo's linear
standard-form compiler (``LinearStandardFormCompiler``, a vectorised pass over the model) and
passes the matrix to ``highspy`` in a single call. This replaces Pyomo's per-constraint
persistent interface, which spent 7.7 s handing a 195 k-variable model to HiGHS against 2 s
for the compiler (see ``benchmarks/city_scale.py``).

A :class:`Solver` keeps its HiGHS model. Solving the same built model again after a budget
change only re-reads the bounds of the rows holding it (``m.budget_limit``); after any other
parameter changed (demand, weights: :mod:`siting.model.parameters`) the model is compiled
again and only the matrix entries, costs and bounds that differ are changed in HiGHS. A
re-solve can be warm-started from the previous plan or from any values set on the model's
variables (a constructive plan). Integer values alone are enough: HiGHS fixes them and
solves an LP for the continuous variables.

The solver is chosen here and only here. :func:`solve` never raises for an infeasible or
stopped solve: it returns a :class:`SolveResult` saying what happened, and loads variable
values only when a feasible solution exists. HiGHS may overrun its own time limit on large
models, so the wall clock is also guarded here (an interrupt callback).
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from dataclasses import asdict, dataclass, replace
from typing import Literal

import highspy
import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.visitor import identify_mutable_parameters
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from siting import interrupt, progress
from siting.config import SolverOptions
from siting.exceptions import SolverError
from siting.model import BuiltModel

log = logging.getLogger(__name__)

Status = Literal["optimal", "time_limit", "interrupted", "infeasible", "unbounded", "error"]
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
GUIDED_COLUMNS = 50_000
"""Models up to this many columns get the MIP over the LP relaxation's support before the
whole MIP (:meth:`Solver._lp_guided`); the demo has 6,942."""
GUIDED_SHARE = 0.25
"""Share of the time left the MIP over the relaxation's support may take."""
SUPPORT_TOL = 1e-6
"""An LP value above this opens an option or host for that MIP."""


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
    """Seconds spent compiling the model and passing it to HiGHS; on a re-solve, updating
    the coefficients that changed (0 when only the budget changed)."""
    first_plan_s: float | None = None
    """Seconds from the start of the solve to the first feasible plan HiGHS held (0 when the
    start given was feasible); ``None`` if none was found."""

    def to_dict(self) -> dict:
        return asdict(self)


def within_gap(objective: float | None, bound: float | None, options: SolverOptions) -> bool:
    """Whether a plan is within the relative or absolute gap asked for (HiGHS's test)."""
    gap = relative_gap(objective, bound)
    if gap is None:
        return False
    return gap <= options.mip_rel_gap or abs(objective - bound) <= options.mip_abs_gap


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """HiGHS's relative gap, or ``None`` if either value is missing."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def quiet_highs() -> highspy.Highs:
    """A new HiGHS instance without the banner it prints on creation (it would break
    progress bars and piped output; ``solver.verbose`` still turns HiGHS's log on)."""
    import ctypes
    import os
    import sys

    try:
        sys.stdout.flush()
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):  # no file descriptor 1 to silence
        return _in_pool(highspy.Highs())
    os.dup2(null, 1)
    try:
        h = highspy.Highs()
        try:
            ctypes.CDLL(None).fflush(None)
        except (OSError, AttributeError):
            pass
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    return _in_pool(h)


def _in_pool(h: highspy.Highs) -> highspy.Highs:
    """Give a new instance the size of the process's thread pool (:func:`_use_threads`), so
    a later solve that asks for another size resets the pool first: an LP solved with the
    default size before a sweep's one-thread MIP otherwise made that MIP fail at once
    ("Not Set": the scheduler already had 2 threads)."""
    global _SCHEDULER_THREADS
    if _SCHEDULER_THREADS is None:
        _SCHEDULER_THREADS = 0  # HiGHS's default size, made by this instance's first run
    else:
        h.setOptionValue("threads", int(_SCHEDULER_THREADS))
    return h


def _report(e, seconds: float, what: str = "solving") -> None:
    d = e.data_out
    primal, dual = float(d.mip_primal_bound), float(d.mip_dual_bound)
    gap = float(d.mip_gap)
    progress.solver_status(seconds, primal if math.isfinite(primal) else None,
                           dual if math.isfinite(dual) else None,
                           gap if math.isfinite(gap) and gap < 1e30 else None,
                           int(d.mip_node_count), what)


_PLACEHOLDER = "_siting_linear_sums"
"""The model component holding the linear sums' placeholders while Pyomo compiles."""


def _bounds(values: list, default: float) -> np.ndarray:
    return np.array([default if v is None else v for v in values], dtype=float)


def _var_arrays(vs: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper bounds (infinite where none) and integrality of the variables ``vs``:
    what ``v.lb``, ``v.ub`` and ``v.is_continuous()`` give, with each domain looked at once
    and each variable's own bounds read as plain numbers (the 1.16 M variables of a 5,000 x
    1,000 x 3 serve-all model: 0.95 s through the properties, 0.4 s here). A bound that is
    not a plain number (an expression of parameters) and a Pyomo whose variables keep their
    bounds elsewhere take the properties."""
    n = len(vs)
    try:
        raw_lo = [v._lb for v in vs]
        raw_hi = [v._ub for v in vs]
        doms = [v._domain for v in vs]
    except AttributeError:
        return _var_arrays_slow(vs)
    plain = (float, int)
    if not all(x is None or x.__class__ in plain for x in raw_lo) or not all(
            x is None or x.__class__ in plain for x in raw_hi):
        return _var_arrays_slow(vs)
    inf = highspy.kHighsInf
    lo = np.array(raw_lo, dtype=float)  # None -> nan
    hi = np.array(raw_hi, dtype=float)
    dom_id = np.fromiter(map(id, doms), dtype=np.int64, count=n)
    _, first, inv = np.unique(dom_id, return_index=True, return_inverse=True)
    dlo, dhi, cont = [], [], []
    for i in first.tolist():
        a, b = doms[i].bounds()
        dlo.append(-inf if a is None else float(a))
        dhi.append(inf if b is None else float(b))
        cont.append(vs[i].is_continuous())
    dlo, dhi = np.array(dlo)[inv], np.array(dhi)[inv]
    lo = np.where(np.isnan(lo), dlo, np.maximum(lo, dlo))
    hi = np.where(np.isnan(hi), dhi, np.minimum(hi, dhi))
    return (np.where(lo <= -inf, -inf, lo), np.where(hi >= inf, inf, hi),
            ~np.array(cont, dtype=bool)[inv] if n else np.zeros(0, dtype=bool))


def _var_arrays_slow(vs: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (_bounds([v.lb for v in vs], -highspy.kHighsInf),
            _bounds([v.ub for v in vs], highspy.kHighsInf),
            np.array([not v.is_continuous() for v in vs], dtype=bool))


class Solver:
    """HiGHS holding one compiled model; :meth:`solve` re-solves it after parameter changes."""

    def __init__(self) -> None:
        self.highs: highspy.Highs | None = None
        self._model: pyo.ConcreteModel | None = None
        self._columns: list = []
        self._integer: np.ndarray = np.zeros(0, dtype=bool)
        self._unused: list | None = None
        self._built: BuiltModel | None = None
        self._rows: list = []
        self._param_rows: list[tuple[int, object, int, float]] = []
        self._params: list = []
        self._param_values = np.zeros(0)
        self._bound_params = np.zeros(0, dtype=bool)
        self._col_of = ColumnIndex(np.zeros(0, dtype=np.int64))
        self._n_compiled = 0
        self._compiled_a = None
        self._blocks: list = []
        self._group_cols: dict = {}
        self._relax_basis = None
        self._sense = 1
        self._infeasible: str | None = None
        self._matrix = None
        self._col_bounds = self._row_bounds = (np.zeros(0), np.zeros(0))
        self._cost, self._offset = np.zeros(0), 0.0
        self._start: np.ndarray | None = None
        self.last_solution: np.ndarray | None = None
        self.history: list[tuple[float, float, float]] = []
        """(seconds, plan value, bound) of the last structured solve
        (:mod:`siting.decompose`); empty after a single-model solve."""
        self.timings: dict[str, float] = {}
        """Seconds of the last hand-over: Pyomo's compiler, and passing the matrix to HiGHS
        (the cost of building the same matrix directly in highspy)."""

    # -- hand-over ------------------------------------------------------------------------
    def load(self, built: BuiltModel) -> float:
        """Compile the built model, pass it to a new HiGHS instance, append its matrix-row
        blocks (:class:`siting.model.rows.MatrixRows`); return the seconds spent."""
        with PauseGC():  # no garbage is made here; the collector would only slow it down
            return self._load(built)

    def _compile(self, model: pyo.ConcreteModel) -> _Compiled | None:
        """The model in standard form (``None``, and ``self._infeasible`` set, if a constant
        row cannot hold)."""
        try:
            sf = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
        except InfeasibleConstraintException as exc:
            self._infeasible = str(exc)
            return None
        cols = sf.columns
        n = len(cols)
        kinds = np.array([r.bound_type for r in sf.rows], dtype=np.int8)
        rhs = np.asarray(sf.rhs, dtype=float)
        obj = sf.objectives[0] if sf.objectives else None
        a = sf.A.tocsc()
        a.sort_indices()
        lower, upper, integer = _var_arrays(cols)
        return _Compiled(
            columns=cols, rows=[(id(r.constraint), r.bound_type) for r in sf.rows],
            lower=lower, upper=upper, integer=integer,
            row_lower=np.where(kinds <= 0, rhs, -highspy.kHighsInf),
            row_upper=np.where(kinds >= 0, rhs, highspy.kHighsInf),
            sense=-1 if obj is not None and obj.sense == pyo.maximize else 1,
            cost=np.asarray(sf.c.todense()).ravel()[:n] if sf.c.shape[0] else np.zeros(n),
            offset=float(sf.c_offset[0]) if len(sf.c_offset) else 0.0,
            a=a, sf_rows=sf.rows, rhs=rhs)

    def _compile_built(self, built: BuiltModel) -> _Compiled | None:
        r""":meth:`_compile` of the Pyomo model with its linear sums substituted and a column
        for every variable of the blocks and sums.

        Each :class:`siting.model.rows.LinearSum` is a placeholder variable :math:`z` while
        Pyomo compiles; then :math:`z`'s column (its cost and its coefficient in each row)
        is spread over the sum's terms, :math:`c \mathrel{+}= c_z a`, :math:`A \mathrel{+}=
        A_{\cdot z} a^\top`, and dropped — exact, as the sum is linear without a constant.
        The variables of the blocks and sums that the compiled rows do not hold come first (no
        cost, their own bounds; in the blocks' and sums' order), so the columns are the same
        on every compile whatever coefficients are zero. First, because that is where Pyomo
        put the flows when it compiled the sums itself (the objective first): HiGHS's
        branch and bound depends on the order, and on the demo at 114.3 M CNY, 1 % gap, the
        flows last took 15.8 s against 3.8 s."""
        m, sums = built.model, built.linear_sums
        holder = None
        if sums:
            for q in sums:
                q.refresh()
            holder = pyo.Var(range(len(sums)))
            m.add_component(_PLACEHOLDER, holder)
            saved = [q.expression.expr for q in sums]
            try:
                for k, q in enumerate(sums):
                    q.expression.set_value(holder[k])
                c = self._compile(m)
            finally:
                for q, e in zip(sums, saved):
                    q.expression.set_value(e)
                m.del_component(holder)
        else:
            c = self._compile(m)
        if c is None or not (built.matrix_rows or sums):
            return c
        ph = {id(holder[k]): k for k in range(len(sums))} if sums else {}
        place = [(j, ph[id(v)]) for j, v in enumerate(c.columns) if id(v) in ph]
        keep = np.ones(len(c.columns), dtype=bool)
        keep[[j for j, _ in place]] = False
        cols = [v for v, k in zip(c.columns, keep.tolist()) if k]
        # the groups' variables not compiled, each once, fixed ones left out, in the groups'
        # order (a group shared by several owners is looked at once); on arrays of ids
        glist, groups = [], set()
        for owner in (*built.matrix_rows, *sums):
            for g in owner.groups:
                if id(g) not in groups:
                    groups.add(id(g))
                    glist.append(g)
        allv = list(itertools.chain.from_iterable(glist))
        ids = np.fromiter(map(id, allv), dtype=np.int64, count=len(allv))
        take = np.zeros(len(allv), dtype=bool)
        take[np.unique(ids, return_index=True)[1]] = True  # first occurrences
        take &= ~np.fromiter((v.fixed for v in allv), dtype=bool, count=len(allv))
        cols_ids = np.fromiter(map(id, cols), dtype=np.int64, count=len(cols))
        take &= ~np.isin(ids, cols_ids)
        extra = [allv[i] for i in np.flatnonzero(take).tolist()]
        columns = extra + cols  # first, as when Pyomo compiled the sums (the objective first)
        k = len(extra)
        a = sp.hstack([sp.csc_array((c.a.shape[0], k)), c.a[:, keep]], format="csc")
        cost = np.concatenate([np.zeros(k), c.cost[keep]])
        col_of = ColumnIndex(np.concatenate([ids[take], cols_ids]))
        if len(columns):  # each group's columns, for _group_columns (no lookup per variable)
            found = col_of.lookup(ids)
            for g, got in zip(glist, np.split(found, np.cumsum([len(g) for g in glist])[:-1])):
                self._group_cols[id(g)] = (g, col_of, got)
        adds = []
        for j, which in place:
            q = sums[which]
            vc = np.concatenate([self._group_columns(g, col_of) for g in q.groups])[q.var_no]
            if (vc < 0).any():
                raise SolverError(f"{q.name}: a variable of the sum is fixed")
            np.add.at(cost, vc, c.cost[j] * q.coef)
            az = c.a[:, [j]].tocoo()
            if az.nnz:  # the sum appears in rows: A += A_z a^T
                adds.append(sp.coo_array(
                    (np.outer(az.data, q.coef).ravel(),
                     (np.repeat(az.row, len(vc)), np.tile(vc, az.nnz))), shape=a.shape))
        for x in adds:
            a = (a + x.tocsc()).tocsc()
        a.sum_duplicates()
        a.sort_indices()
        lower, upper, integer = _var_arrays(extra)
        return replace(
            c, columns=columns, lower=np.concatenate([lower, c.lower[keep]]),
            upper=np.concatenate([upper, c.upper[keep]]),
            integer=np.concatenate([integer, c.integer[keep]]).astype(bool),
            cost=cost, a=a, col_of=col_of)

    def _load(self, built: BuiltModel) -> float:
        model, extra_rows = built.model, built.matrix_rows
        t0 = time.perf_counter()
        self._model, self._built, self._infeasible = model, built, None
        self._group_cols, self._relax_basis = {}, None
        self.last_solution = None
        self.highs = quiet_highs()
        self.highs.setOptionValue("output_flag", False)
        c = self._compile_built(built)
        if c is None:
            self._model = None  # nothing held: the next solve compiles again
            return time.perf_counter() - t0
        cols = c.columns
        self._columns, self._integer, self._sense = cols, c.integer, c.sense
        self._rows = c.rows
        n, m = len(cols), len(c.rows)
        t_pass = time.perf_counter()
        sense = highspy.ObjSense.kMaximize if self._sense < 0 else highspy.ObjSense.kMinimize
        status = self.highs.passModel(
            n, m, c.a.nnz, int(highspy.MatrixFormat.kColwise), int(sense), c.offset,
            c.cost.astype(float), c.lower, c.upper, c.row_lower, c.row_upper,
            c.a.indptr.astype(np.int32), c.a.indices.astype(np.int32), c.a.data.astype(float),
            self._integer.astype(np.int32))
        if status == highspy.HighsStatus.kError:
            raise SolverError("HiGHS refused the compiled model")
        self.timings = {"compile": t_pass - t0, "pass_to_highs": time.perf_counter() - t_pass}
        # rows whose bounds depend on mutable parameters (e.g. the budget): re-read on re-solve
        self._param_rows, bound_params = [], set()
        for r, row in enumerate(c.sf_rows):
            con = row.constraint
            if con.parent_component() is not con:
                continue  # indexed families hold no mutable parameters in their bounds
            bound = con.upper if row.bound_type >= 0 else con.lower
            if bound is not None and not _is_number(bound):
                self._param_rows.append((r, con, row.bound_type, pyo.value(bound) - c.rhs[r]))
                bound_params.update(id(q) for q in identify_mutable_parameters(bound))
        self._params = [q for q in model.component_data_objects(pyo.Param)
                        if q.parent_component().mutable]
        self._param_values = _values(self._params)
        self._bound_params = np.array([id(q) in bound_params for q in self._params], dtype=bool)
        col_of = (c.col_of if c.col_of is not None
                  else ColumnIndex(np.fromiter(map(id, cols), dtype=np.int64, count=len(cols))))
        self._col_of = col_of
        self._unused = None  # listed when a plan is first stored (:meth:`_unused_variables`)
        self._n_compiled = m
        a, row_lower, row_upper = c.a, c.row_lower, c.row_upper
        self._blocks = []
        if extra_rows:
            t_rows = time.perf_counter()
            a, row_lower, row_upper = self._append_rows(extra_rows, col_of, n, a,
                                                        row_lower, row_upper)
            self.timings["matrix_rows"] = time.perf_counter() - t_rows
        self._compiled_a = c.a
        self._matrix = a.tocsr()
        self._col_bounds = (c.lower, c.upper)
        self._row_bounds = (row_lower, row_upper)
        self._cost, self._offset = c.cost, c.offset
        return time.perf_counter() - t0

    def _unused_variables(self) -> list:
        """The model's variables in no held column and not fixed (in no row and not in the
        objective), listed once per hand-over, when a plan is first stored: only
        :meth:`_store` needs them, and at 20,000 x 3,000 x 3 listing them took about 2 s
        of the hand-over (each family's values, not ``component_data_objects``)."""
        if self._unused is None:
            col_of, built = self._col_of, self._built
            # the flows, all held when the blocks' list is (3.1 M at 20,000 x 3,000 x 3)
            held = (built.model.serve if built is not None and built.serve is not None
                    and (self.pair_columns(built) >= 0).all() else None)
            free = [v for var in self._model.component_objects(pyo.Var, descend_into=True)
                    if var is not held for v in var.values() if not v.fixed]
            self._unused = [v for v, k in zip(free, col_of.of(free).tolist()) if k < 0]
        return self._unused

    def family_columns(self, variables) -> np.ndarray:
        """The held column of each of ``variables`` (an indexed Pyomo variable, in the order
        of its values, or a list of variables); -1 for one in no column (fixed, or in no row
        and not in the objective)."""
        vs = variables.values() if hasattr(variables, "values") else variables
        return self._col_of.of(vs)

    def block_rows(self, name: str) -> np.ndarray:
        """The held rows of the matrix block ``name`` (:mod:`siting.model.rows`), in the
        block's order; empty if the model has no such block."""
        offset = self._n_compiled
        for b, _ in self._blocks:
            if b.name == name:
                return offset + np.arange(b.n_rows)
            offset += b.n_rows
        return np.zeros(0, dtype=np.int64)

    def pair_columns(self, built: BuiltModel) -> np.ndarray:
        """The held column of each pair's flow ``m.serve[p]`` (-1 where none), from the
        list the blocks share (:attr:`BuiltModel.serve`), whose columns the hand-over
        cached: no lookup per variable (3.1 M at 20,000 x 3,000 x 3)."""
        if built.serve is not None and len(built.serve) == built.index.n_pairs:
            return self._group_columns(built.serve, self._col_of)
        return self.family_columns(built.model.serve)

    def _group_columns(self, group: list, col_of: ColumnIndex) -> np.ndarray:
        """The held column of each variable of a block's group (cached per hand-over: the
        blocks share their groups, e.g. all of ``m.serve``)."""
        got = self._group_cols.get(id(group))
        if got is not None and got[0] is group and got[1] is col_of:
            return got[2]
        cols = col_of.of(group)
        self._group_cols[id(group)] = (group, col_of, cols)
        return cols

    def _block_matrix(self, b, col_of, n_cols) -> sp.csr_array:
        c = np.concatenate([self._group_columns(g, col_of) for g in b.groups])[b.var_no]
        if (c < 0).any():  # a fixed variable: the blocks' variables are never fixed
            raise SolverError(f"{b.name}: a variable of the block is fixed or in no column")
        blk = sp.csr_array((b.coef.copy(), (b.row, c)), shape=(b.n_rows, n_cols))
        blk.sum_duplicates()
        blk.sort_indices()
        return blk

    def _append_rows(self, blocks, col_of, n_cols, a, row_lower, row_upper):
        """Add each block's rows to HiGHS and to the checking matrix."""
        mats, los, his = [a], [row_lower], [row_upper]
        for b in blocks:
            if not b.n_rows:
                continue
            blk = self._block_matrix(b, col_of, n_cols)
            status = self.highs.addRows(
                b.n_rows, b.lower.astype(float), b.upper.astype(float), blk.nnz,
                blk.indptr[:-1].astype(np.int32), blk.indices.astype(np.int32),
                blk.data.astype(float))
            if status == highspy.HighsStatus.kError:
                raise SolverError(f"HiGHS refused the rows of {b.name}")
            self._blocks.append((b, blk))
            mats.append(blk)
            los.append(b.lower)
            his.append(b.upper)
        # row-wise, as the checks multiply by it (a column-wise stack converted after cost
        # 0.4 s more at 5,000 x 1,000 x 3)
        return (sp.vstack(mats, format="csr"), np.concatenate(los).astype(float),
                np.concatenate(his).astype(float))

    def _refresh(self, built: BuiltModel) -> float:
        """Bring the HiGHS model up to date with the Pyomo model it was loaded from.

        Only the budget-like parameters changed (they appear only in the bounds of single
        rows): re-read those bounds. Any other parameter changed, or ``built`` is a new view
        of the same model (:func:`siting.model.parameters.update_data`): compile again and
        pass HiGHS only the matrix entries, costs and bounds that differ. Returns seconds."""
        t0 = time.perf_counter()
        self._infeasible = None
        values = _values(self._params)
        changed = values != self._param_values
        if built is self._built and not changed[~self._bound_params].any():
            if changed.any():
                self._refresh_bounds()
            self._param_values = values
            return 0.0
        try:
            with PauseGC():
                ok = self._update(built)
        except Exception:
            self._model = None  # HiGHS may hold part of the update: reload next time
            raise
        if not ok:  # another structure after all: hand the model over again
            return self.load(built)
        self._built, self._param_values = built, values
        return time.perf_counter() - t0

    def _refresh_bounds(self) -> None:
        for r, con, kind, offset in self._param_rows:
            bound = pyo.value(con.upper if kind >= 0 else con.lower) - offset
            lo = bound if kind <= 0 else -highspy.kHighsInf
            hi = bound if kind >= 0 else highspy.kHighsInf
            self.highs.changeRowBounds(r, lo, hi)
            self._row_bounds[0][r], self._row_bounds[1][r] = lo, hi

    def _update(self, built: BuiltModel) -> bool:
        """Compile again and change what differs in HiGHS; ``False`` if the rows or columns
        are not the ones held (a structural change)."""
        c = self._compile_built(built)
        if c is None:  # a constant row cannot hold: solve() reports it; reload next time
            self._model = None
            return True
        if (len(c.columns) != len(self._columns)
                or any(x is not y for x, y in zip(c.columns, self._columns))
                or c.rows != self._rows):
            return False
        h = self.highs
        if c.col_of is not None:  # the same columns: the blocks' lookups are cached on it
            self._col_of = c.col_of
        cols = np.arange(len(c.columns), dtype=np.int32)
        d = np.flatnonzero(c.cost != self._cost)
        if len(d):
            h.changeColsCost(len(d), cols[d], c.cost[d])
        if c.offset != self._offset:
            h.changeObjectiveOffset(c.offset)
        lo, hi = self._col_bounds
        d = np.flatnonzero((c.lower != lo) | (c.upper != hi))
        if len(d):
            h.changeColsBounds(len(d), cols[d], c.lower[d], c.upper[d])
        m = self._n_compiled
        rlo, rhi = self._row_bounds
        d = np.flatnonzero((c.row_lower != rlo[:m]) | (c.row_upper != rhi[:m]))
        if len(d):
            h.changeRowsBounds(len(d), d.astype(np.int32), c.row_lower[d], c.row_upper[d])
        mats = [c.a]
        _change_coefficients(h, self._compiled_a, c.a, 0)
        offset = m
        blocks = []
        los, his = [c.row_lower], [c.row_upper]
        for b, old in self._blocks:
            new = self._block_matrix(b, self._col_of, len(c.columns))
            _change_coefficients(h, old, new, offset)
            lo_b, hi_b = b.lower.astype(float), b.upper.astype(float)
            d = np.flatnonzero((lo_b != rlo[offset:offset + b.n_rows])
                               | (hi_b != rhi[offset:offset + b.n_rows]))
            if len(d):  # bounds that follow parameters (e.g. demand)
                h.changeRowsBounds(len(d), (d + offset).astype(np.int32), lo_b[d], hi_b[d])
            los.append(lo_b)
            his.append(hi_b)
            offset += b.n_rows
            blocks.append((b, new))
            mats.append(new)
        self._blocks = blocks
        self._compiled_a = c.a
        self._matrix = sp.vstack(mats, format="csr")
        self._col_bounds = (c.lower, c.upper)
        self._row_bounds = (np.concatenate(los), np.concatenate(his))
        self._cost, self._offset = c.cost, c.offset
        self._rows = c.rows
        return True

    # -- bounds changed in place (analyses: siting.explain, siting.alternatives) -----------
    def rows_of(self, con) -> list[int]:
        """The HiGHS rows holding the Pyomo constraint ``con`` (a ranged row has two)."""
        if getattr(self, "_row_index_of", None) is not self._rows:
            index: dict[int, list[int]] = {}
            for r, (cid, _) in enumerate(self._rows):
                index.setdefault(cid, []).append(r)
            self._row_index, self._row_index_of = index, self._rows
        return list(self._row_index.get(id(con), []))

    def row_bounds(self, rows: list[int]) -> list[tuple[float, float]]:
        lo, hi = self._row_bounds
        return [(float(lo[r]), float(hi[r])) for r in rows]

    def set_row_bounds(self, rows: list[int], lower: float | None = None,
                       upper: float | None = None) -> None:
        """Change the bounds of held rows in HiGHS (``None`` keeps a bound; ±inf frees it).
        Only for rows of pure sums of variables (no constant term in the Pyomo body)."""
        lo, hi = self._row_bounds
        for r in rows:
            new_lo = lo[r] if lower is None else max(lower, -highspy.kHighsInf)
            new_hi = hi[r] if upper is None else min(upper, highspy.kHighsInf)
            self.highs.changeRowBounds(r, float(new_lo), float(new_hi))
            lo[r], hi[r] = new_lo, new_hi

    def restore_row_bounds(self, rows: list[int], saved: list[tuple[float, float]]) -> None:
        for r, (a, b) in zip(rows, saved):
            self.set_row_bounds([r], a, b)

    def sync_column_bounds(self, variables: list) -> None:
        """Pass the current Pyomo bounds of ``variables`` (held columns) to HiGHS."""
        lo, hi = self._col_bounds
        variables = list(variables)
        for v, k in zip(variables, self._col_of.of(variables).tolist()):
            if k < 0:
                continue
            a = -highspy.kHighsInf if v.lb is None else float(v.lb)
            b = highspy.kHighsInf if v.ub is None else float(v.ub)
            self.highs.changeColBounds(k, a, b)
            lo[k], hi[k] = a, b

    def clear_continuous(self) -> None:
        """Unset the continuous held columns, so a warm start hands HiGHS the integer values
        only and HiGHS completes the rest (flows, areas, shortfalls) optimally by an LP."""
        for v, integer in zip(self._columns, self._integer.tolist()):
            if not integer:
                v.set_value(None, skip_validation=True)

    def complete(self, built: BuiltModel, time_limit_s: float) -> bool:
        """Set the continuous held columns to the best completion of the integer columns'
        current values: the held model (brought up to date first) with the integers fixed,
        solved as an LP. Return whether it found one (else nothing is changed).

        HiGHS completes a partial start itself, but its sub-solve reads the instance's
        run clock, not the run's: on a re-solve after a long first solve it stopped at once
        ("Presolve ... Timeout") and the second stage of :mod:`siting.maxmin` at 1,000 x 300
        ran with no start at all."""
        self.prepare(built)
        if self._model is None:
            return False
        x0 = [v.value for v, i in zip(self._columns, self._integer.tolist()) if i]
        if any(x is None for x in x0):
            return False
        lp = self.highs.getLp()
        lo, hi = np.array(lp.col_lower_, dtype=float), np.array(lp.col_upper_, dtype=float)
        ints = np.flatnonzero(self._integer)
        lo[ints] = hi[ints] = np.round(np.asarray(x0, dtype=float))
        lp.col_lower_, lp.col_upper_ = lo.tolist(), hi.tolist()
        got = _solve_lp(lp, time_limit_s, "choose")
        if got is None:
            return False
        x = got[1]
        x[ints] = lo[ints]
        self.set_values(x)
        return True

    def relax_with_fixed(self, built: BuiltModel, fixed: list, time_limit_s: float
                         ) -> np.ndarray | None:
        """The column values of the held model's LP relaxation with the columns of the
        variables ``fixed`` held at their current values (rounded if integer) — a partial
        completion, e.g. of unit counts with the spaces fixed (:mod:`siting.maxmin`);
        ``None`` if not solved to optimality in the limit or a value is unset."""
        self.prepare(built)
        if self._model is None:
            return None
        lp = self.highs.getLp()
        lo, hi = np.array(lp.col_lower_, dtype=float), np.array(lp.col_upper_, dtype=float)
        fixed = list(fixed)
        for v, k in zip(fixed, self._col_of.of(fixed).tolist()):
            if k < 0:
                continue
            if v.value is None:
                return None
            val = round(v.value) if self._integer[k] else float(v.value)
            lo[k] = hi[k] = min(max(val, lo[k]), hi[k])
        lp.col_lower_, lp.col_upper_ = lo.tolist(), hi.tolist()
        got = _solve_lp(lp, time_limit_s, "choose")
        return None if got is None else got[1]

    def relax(self, built: BuiltModel, time_limit_s: float, method: str = "ipm"
              ) -> tuple[float, np.ndarray] | None:
        """The held model's LP relaxation (brought up to date first), solved by ``method``
        (HiGHS's ``solver`` option; interior point with crossover by default, so the
        solution is a vertex): its objective, a bound of the MIP, and its column values;
        ``None`` if it did not solve to optimality within the limit."""
        self.prepare(built)
        if self._model is None:
            return None
        return _solve_lp(self.highs.getLp(), time_limit_s, method)

    def column(self, v) -> int | None:
        """The held column of Pyomo variable ``v`` (``None`` if it is in no row)."""
        return self._col_of.get(id(v))

    def values_feasible(self) -> bool:
        """Whether the variables' current values set every held column and satisfy every
        row and bound (integers rounded), as a start would be checked."""
        vals = [v.value for v in self._columns]
        if any(x is None for x in vals):
            return False
        x = np.array(vals, dtype=float)
        x[self._integer] = np.round(x[self._integer])
        return self._feasible(x)

    # -- solve ----------------------------------------------------------------------------
    def prepare(self, built: BuiltModel) -> float:
        """Hold ``built`` in HiGHS: hand it over, or update what changed since the last
        solve; return the seconds spent."""
        if self._model is not built.model:
            return self.load(built)
        return self._refresh(built)

    def feasible(self, x: np.ndarray) -> bool:
        """Whether the column vector ``x`` satisfies every row and bound of the held model
        (integers within 1e-6 of a whole number)."""
        ints = self._integer
        return bool(np.all(np.abs(x[ints] - np.round(x[ints])) <= 1e-6)) and self._feasible(x)

    def violated(self, x: np.ndarray, tol: float = 1e-6) -> list[str]:
        """The columns and rows of the held model that ``x`` violates (names)."""
        lo, hi = self._col_bounds
        out = [f"{self._columns[k].name}={x[k]:g} outside [{lo[k]:g}, {hi[k]:g}]"
               for k in np.flatnonzero((x < lo - tol) | (x > hi + tol))]
        act = self._matrix @ x
        rlo, rhi = self._row_bounds
        bad = (act < rlo - tol - 1e-9 * np.abs(rlo)) | (act > rhi + tol + 1e-9 * np.abs(rhi))
        names = {id(c): c.name for c in self._model.component_data_objects(pyo.Constraint)}
        n = len(self._rows)
        starts = np.cumsum([n] + [b.n_rows for b, _ in self._blocks])
        for r in np.flatnonzero(bad):
            if r < n:
                what = names.get(self._rows[r][0], "?")
            else:
                k = int(np.searchsorted(starts, r, side="right")) - 1
                what = (self._blocks[k][0].label(int(r - starts[k]))
                        if k < len(self._blocks) else f"row {r}")
            out.append(f"{what}: {rlo[r]:g} <= {act[r]:g} <= {rhi[r]:g}")
        return out

    def held_values(self) -> np.ndarray:
        """The column vector of the held variables' current values (unset: 0)."""
        return np.array([float(v.value or 0.0) for v in self._columns], dtype=float)

    def set_values(self, x: np.ndarray) -> None:
        """Set ``x`` on the model's variables (e.g. as a start for :meth:`solve`)."""
        for v, val in zip(self._columns, x.tolist()):
            v.set_value(val, skip_validation=True)

    def store(self, x: np.ndarray) -> float:
        """Keep ``x`` as the solution (on the model's variables and as the next re-solve's
        start); return its objective value."""
        self._store(x)
        return float(self._cost @ x + self._offset)

    def solve(self, built: BuiltModel, options: SolverOptions, warm_start: bool = False,
              guided: bool = True) -> SolveResult:
        """Solve the held (or newly loaded) ``built``; see :func:`solve`. ``guided=False``
        skips the LP-guided first step (:meth:`_lp_guided`): for callers that restrict the
        model and bound it themselves (:mod:`siting.maxmin`)."""
        handover = self.prepare(built)
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
        resolve = warm_start and self.last_solution is not None  # before _set_start
        self._start = self._set_start() if warm_start else None
        t0 = time.perf_counter()
        deadline = t0 + options.time_limit_s + GRACE_S
        if guided and self._start is not None and self._integer.any() and (
                resolve or len(self._columns) <= GUIDED_COLUMNS):
            done = self._lp_guided(options, t0, deadline, version, handover)
            if done is not None:
                return done
            h.setOptionValue("time_limit", max(deadline - GRACE_S - time.perf_counter(), 0.1))
        first: list[float] = []

        last_report = [t0]

        def on_interrupt(e):
            now = time.perf_counter()
            if now > deadline or interrupt.requested():
                e.interrupt()
            elif progress.listening() and now - last_report[0] >= progress.interval_s:
                last_report[0] = now
                _report(e, now - t0)

        def on_lp_interrupt(e):
            if time.perf_counter() > deadline or interrupt.requested():
                e.interrupt()

        self.history = []

        def on_improving(e):
            now = time.perf_counter() - t0
            if not first:
                first.append(now)
            out = e.data_out
            self.history.append((now, float(out.objective_function_value),
                                 float(out.mip_dual_bound)))
            if progress.listening():
                _report(e, now, "new incumbent")

        # HiGHS keeps the interrupt flag of a guarded solve set, so every later run on this
        # instance stopped at once ("Interrupted by user"; a budget ladder's runs after one
        # stopped by the limit came back with no bound). Setting the callback again clears it
        # (HiGHS issue #1761).
        h.disableCallbacks()
        h.enableCallbacks()
        # the guard also watches pure LPs (continuous models: simplex and interior point)
        subs = [(h.cbMipInterrupt, on_interrupt), (h.cbMipImprovingSolution, on_improving),
                (h.cbSimplexInterrupt, on_lp_interrupt), (h.cbIpmInterrupt, on_lp_interrupt)]
        for cb, fn in subs:
            cb.subscribe(fn)
        try:
            with interrupt.deferred():
                h.run()
        except Exception as exc:  # noqa: BLE001 - report any solver failure as a result
            log.exception("HiGHS failed")
            return SolveResult("error", False, None, None, None, time.perf_counter() - t0,
                               f"exception: {exc}", version, handover)
        finally:
            for cb, fn in subs:
                cb.unsubscribe(fn)
        runtime = time.perf_counter() - t0
        ms = h.getModelStatus()
        status: Status = _STATUS.get(ms, "error")
        if interrupt.requested() and status in ("time_limit", "error"):
            status = "interrupted"
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
        elif self._start is not None and status in ("time_limit", "interrupted"):
            # stopped before HiGHS took the start in: the start is still a checked plan
            has_sol, x = True, self._start
            obj = float(self._cost @ x + self._offset)
            termination += " (plan: the starting solution)"
            self._store(x)
        gap = relative_gap(obj, bound) if has_sol else None
        if status == "optimal" and gap is None:
            gap = 0.0
        if has_sol:
            self.history.append((runtime, obj, math.nan if bound is None else bound))
        if status == "time_limit" and within_gap(obj, bound, options):
            # HiGHS can stop on its clock in the same step that closes the gap (an incumbent
            # found by the last dive or heuristic): the plan is within the gap asked for
            status = "optimal"
            termination += (f"; the plan is within the gap asked ({100 * gap:.3f} % <= "
                            f"{100 * options.mip_rel_gap:g} %)")
        first_s = 0.0 if self._start is not None else (first[0] if first else None)
        return SolveResult(status, has_sol, obj, bound, gap, runtime, termination,
                           version, handover, first_s if has_sol else None)

    def _lp_guided(self, options: SolverOptions, t0: float, deadline: float, version: str,
                   handover: float) -> SolveResult | None:
        """Before the MIP: the start's gap to the LP relaxation's bound, then a MIP over the
        relaxation's support. Returns the result if either closes the gap asked for (status
        ``optimal``, bound = the LP bound: any LP bound is a valid bound of the MIP, so the
        gap reported is honest); else ``None``, with the restricted plan, if better, as
        HiGHS's start.

        1. The relaxation is the held model with integrality dropped, warm-started from the
           last relaxation's basis (a budget step costs a few dual simplex iterations, where
           the MIP would presolve and solve its root LP from scratch: 1.3 s of a 2 s
           re-solve on the demo). If the start is within the gap of its bound, it is the
           result and no MIP runs.
           A first Ctrl-C or the deadline stops it (no result: the MIP then stops at once
           with the start).
        2. Otherwise (models of at most :data:`GUIDED_COLUMNS` columns), the MIP with every
           space option and hosted function closed that neither the relaxation (above
           :data:`SUPPORT_TOL`) nor the start opens (Danna, Rothberg & Le Pape's relaxation
           induced neighbourhood, taken whole), given :data:`GUIDED_SHARE` of the time
           limit. Its plan is feasible for the whole model (only upper bounds were
           lowered). On the demo HiGHS spends most of a hard budget's solve in the root's
           cut loop before its own sub-MIP finds such a plan: at 114 M CNY the whole MIP took
           12.7 s to 1 % (plan 5.1920), the restricted one 2.5 s (plan 5.2039, 0.25 % from
           the LP bound) over 66 of 1,000 options. The support is read off a relaxation
           solved from scratch (0.36 s on the demo, against 0.007 s warm): a warm-started
           one ends at a vertex that depends on what was solved before, and with it the
           plan (from the same start, 5.2037 after a solve at 100 M CNY, 5.1977 from a fresh
           solver: ``test_the_support_does_not_depend_on_what_the_solver_solved_before``)."""
        lp = self.highs.getLp()
        n = lp.num_col_
        integrality = list(lp.integrality_)
        r = quiet_highs()
        r.setOptionValue("output_flag", False)
        _use_threads(r, options.threads or 0)
        r.setOptionValue("time_limit", max(deadline - GRACE_S - time.perf_counter(), 0.1))
        lp.integrality_ = [highspy.HighsVarType.kContinuous] * n
        r.passModel(lp)
        basis = self._relax_basis
        warm = basis is not None and len(basis.col_status) == n
        if warm:
            r.setBasis(basis)
        if not _run_lp(r, deadline):
            return None
        self._relax_basis = r.getBasis()
        bound = float(r.getInfo().objective_function_value)
        x = self._start
        obj = float(self._cost @ x + self._offset)
        how = "the start is within the gap of the LP relaxation's bound"
        if not within_gap(obj, bound, options) and len(self._columns) <= GUIDED_COLUMNS:
            if warm:  # the support from a cold solve: the vertex must not depend on history
                r = quiet_highs()
                r.setOptionValue("output_flag", False)
                _use_threads(r, options.threads or 0)
                r.setOptionValue("time_limit",
                                 max(deadline - GRACE_S - time.perf_counter(), 0.1))
                r.passModel(lp)
                if not _run_lp(r, deadline):
                    return None
            x_lp = np.asarray(r.getSolution().col_value, dtype=float)
            lp.integrality_ = integrality
            got = self._support_mip(lp, x_lp, options, deadline)
            if got is not None and -self._sense * float(self._cost @ got) > -self._sense * (
                    obj - self._offset) + 1e-12:
                x = got
                obj = float(self._cost @ x + self._offset)
                self._start = x
                self.highs.setSolution(n, np.arange(n, dtype=np.int32), x)
                how = ("a MIP over the LP relaxation's support reached the gap of the "
                       "relaxation's bound")
        gap = relative_gap(obj, bound)
        if not within_gap(obj, bound, options):
            return None
        self.history = [(time.perf_counter() - t0, obj, bound)]
        self._store(x)
        return SolveResult("optimal", True, obj, bound, gap, time.perf_counter() - t0,
                           f"Optimal ({how})", version, handover, 0.0)

    def _support_mip(self, lp, x_lp: np.ndarray, options: SolverOptions, deadline: float
                     ) -> np.ndarray | None:
        """The MIP ``lp`` with the options and hosts neither ``x_lp`` nor the start opens
        closed, from the start: its plan if checked feasible for the whole model."""
        m = self._built.model
        upper = np.array(lp.col_upper_, dtype=float)
        closed = 0
        for comp in (m.build, m.host):
            for k in self._col_of.of(comp.values()).tolist():
                if (k < 0 or upper[k] == 0 or self._col_bounds[0][k] > 0
                        or x_lp[k] > SUPPORT_TOL or self._start[k] > 0.5):
                    continue
                upper[k] = 0.0
                closed += 1
        if not closed:
            return None
        lp.col_upper_ = upper
        left = deadline - GRACE_S - time.perf_counter()
        if left <= 0.5:
            return None
        r = quiet_highs()
        r.setOptionValue("output_flag", False)
        _use_threads(r, options.threads or 0)
        r.setOptionValue("time_limit", max(GUIDED_SHARE * left, 0.5))
        r.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
        r.setOptionValue("mip_abs_gap", float(options.mip_abs_gap))
        r.setOptionValue("random_seed", int(options.seed))
        r.passModel(lp)
        r.setSolution(len(self._start), np.arange(len(self._start), dtype=np.int32),
                      self._start)

        def on_interrupt(e):
            if time.perf_counter() > deadline or interrupt.requested():
                e.interrupt()

        r.cbMipInterrupt.subscribe(on_interrupt)
        try:
            with interrupt.deferred():
                r.run()
        finally:
            r.cbMipInterrupt.unsubscribe(on_interrupt)
        if r.getInfo().primal_solution_status != 2:
            return None
        x = np.asarray(r.getSolution().col_value, dtype=float)
        x[self._integer] = np.round(x[self._integer])
        return x if self._feasible(x) else None

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
        for v in self._unused_variables():  # in no row, not in the objective: any value in bounds
            lb, ub = v.bounds
            lo = -math.inf if lb is None else lb
            hi = math.inf if ub is None else ub
            v.set_value(min(max(0.0, lo), hi), skip_validation=True)


def _run_lp(h: highspy.Highs, deadline: float) -> bool:
    """Run the LP held by ``h``, stopped by a first Ctrl-C (:mod:`siting.interrupt`) or at
    ``deadline``; whether it was solved to optimality."""
    def on_interrupt(e):
        if time.perf_counter() > deadline or interrupt.requested():
            e.interrupt()

    h.cbSimplexInterrupt.subscribe(on_interrupt)
    h.cbIpmInterrupt.subscribe(on_interrupt)
    try:
        with interrupt.deferred():
            h.run()
    finally:
        h.cbSimplexInterrupt.unsubscribe(on_interrupt)
        h.cbIpmInterrupt.unsubscribe(on_interrupt)
    return h.getModelStatus() == _MS.kOptimal


def _solve_lp(lp, time_limit_s: float, method: str) -> tuple[float, np.ndarray] | None:
    """``lp`` (a HighsLp) with integrality dropped, by HiGHS's ``solver`` ``method`` in a
    fresh instance: (objective, column values), or ``None`` if not optimal in the limit."""
    lp.integrality_ = [highspy.HighsVarType.kContinuous] * lp.num_col_
    r = quiet_highs()
    r.setOptionValue("output_flag", False)
    r.setOptionValue("solver", method)
    r.setOptionValue("time_limit", float(max(time_limit_s, 1.0)))
    r.passModel(lp)
    r.run()
    if r.getModelStatus() != _MS.kOptimal:
        return None
    return (float(r.getInfo().objective_function_value),
            np.asarray(r.getSolution().col_value, dtype=float))


@dataclass
class _Compiled:
    """One pass of Pyomo's standard-form compiler, as arrays for HiGHS."""

    columns: list
    rows: list
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    sense: int
    cost: np.ndarray
    offset: float
    a: sp.csc_array
    sf_rows: list
    rhs: np.ndarray
    col_of: ColumnIndex | None = None
    """``id(variable)`` -> column, where already made."""


class ColumnIndex:
    """Each held variable's column by ``id(variable)``: two sorted arrays, looked up by
    binary search, in place of a dict (at 5,000 x 1,000 x 10 functions a dict of the
    518 k columns held 52 MB of Python integers; the arrays hold 8 MB). A whole list of
    variables is looked up at once (:meth:`of`), one variable by :meth:`get`."""

    __slots__ = ("_ids", "_cols")

    def __init__(self, ids: np.ndarray) -> None:
        """``ids[k]``: the ``id`` of column ``k``'s variable (each once)."""
        ids = np.asarray(ids, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        self._ids, self._cols = ids[order], order.astype(np.int64)

    def __len__(self) -> int:
        return len(self._ids)

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """The column of each ``id`` in ``ids``, -1 for one in no column."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(self._ids) or not len(ids):
            return np.full(len(ids), -1, dtype=np.int64)
        at = np.searchsorted(self._ids, ids).clip(max=len(self._ids) - 1)
        return np.where(self._ids[at] == ids, self._cols[at], -1)

    def of(self, variables) -> np.ndarray:
        """The column of each of ``variables`` (any iterable of Pyomo variables), -1 for
        one in no column."""
        return self.lookup(np.fromiter(map(id, variables), dtype=np.int64))

    def get(self, key: int, default=None):
        """The column of the variable whose ``id`` is ``key``, or ``default``."""
        k = int(self.lookup(np.array([key], dtype=np.int64))[0])
        return default if k < 0 else k

    def __contains__(self, key: int) -> bool:
        return self.get(key) is not None


def _values(params: list) -> np.ndarray:
    return np.fromiter((q.value for q in params), dtype=float, count=len(params))


def _change_coefficients(h: highspy.Highs, old, new, row0: int) -> int:
    """Set in HiGHS the entries of ``new`` that differ from ``old`` (same shape; rows
    counted from ``row0``); return how many."""
    fmt = old.format
    new = new.asformat(fmt)
    if (old.indptr.shape == new.indptr.shape and np.array_equal(old.indptr, new.indptr)
            and np.array_equal(old.indices, new.indices)):
        k = np.flatnonzero(old.data != new.data)
        outer = np.repeat(np.arange(len(old.indptr) - 1), np.diff(old.indptr))[k]
        inner, vals = old.indices[k], new.data[k]
        r, c = (outer, inner) if fmt == "csr" else (inner, outer)
    else:  # the sparsity changed (a coefficient became zero or non-zero)
        d = (old != new).tocoo()
        r, c = d.row, d.col
        vals = np.asarray(new.tocsr()[r, c]).ravel()
    for i, j, v in zip(r.tolist(), c.tolist(), vals.tolist()):
        h.changeCoeff(row0 + i, j, v)
    return len(vals)


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
        h = quiet_highs()
        _VERSION = f"highs {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
    return _VERSION


def new_solver() -> Solver:
    """A HiGHS solver; keep one to re-solve a model after changing its parameters."""
    return Solver()


def solve(built: BuiltModel, options: SolverOptions, warm_start: bool = False,
          solver: Solver | None = None, guided: bool = True) -> SolveResult:
    """Solve with HiGHS; load the incumbent plan into the model when there is one.

    With ``warm_start`` the variables' current values are handed to HiGHS as a starting
    solution (a constructive plan, or the previous solve's), so a plan exists from the start.
    Passing the same ``solver`` again re-solves persistently: only what changed since the
    last solve (parameters, or a re-targeted model of :func:`siting.model.parameters.
    update_data`) is updated in HiGHS, not the whole model.
    """
    return (solver if solver is not None else Solver()).solve(built, options, warm_start,
                                                              guided)
