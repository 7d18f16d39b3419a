r"""Facility-location solves of the serve-all objectives: Benders and the radius formulation.

The single model (:mod:`siting.model`, solved whole by :mod:`siting.solve`) stalls on the
classic location structure: OR-Library's capa (100 sites, 1,000 customers) does not even
finish its root LP in 60 s, and p-median with few medians stops 5–12 % above the optimum.
When a built model *is* that structure, this module solves it by its structure and writes
the plan back onto the model's variables, checked against every row of the single model.

**The structure** (:func:`facility_view`): objective ``min_cost`` or ``min_distance``, one
function, one channel per space, no existing facilities, no single sourcing, no phasing,
no standards rows, no costs on area, hosting or units (the objective is fixed costs of
opening plus per-unit pair costs, read from the compiled objective), and no row outside the
known families (``siting_*``, ``capacity_*``, ``service_demand``, ``service_capacity``,
``service_if_hosted``). Rows other helpers add (pins, funding, coverage floors) make the
view refuse, and the single model is solved instead; the reason is logged and reported in
``SolveResult.termination``. Variable bounds on ``build`` (pinned sites) are kept.

**Exactness.** For an opening vector :math:`y` the single model's best completion is the
transportation LP :math:`z(y)=\min\{\sum_p c_p x_p : \sum_{p\in i} x_p = d_i,\
\sum_{p\in j} x_p \le U_j y_j,\ 0\le x_p\le d_i y_j\}`: area, hosting and units cost
nothing, so ``gross`` = its largest value, ``host`` = :math:`y_j` and ``units`` = the load
(rounded up; :math:`U_j` is an integer within the area) satisfy every row, and conversely
every plan of the model gives such an :math:`x` (serve ≤ units ≤ U·host ≤ U·build, serve ≤
d·host). So the model's optimum is :math:`\min_y F^\top y + z(y)` over the count and budget
rows, and every bound below is a bound of the single model.

* **Benders** (capacitated, :func:`benders`): HiGHS has no lazy-constraint callback, so
  an outer loop. Master: :math:`y`, :math:`\theta`, the aggregate capacity row
  :math:`\sum_j U_j y_j \ge \sum_i d_i`, one cover row per distinct set of sites a demand
  can reach, the count/budget rows. Subproblem: :math:`z(y)` (warm-started dual simplex,
  bounds changed only); its duals give the optimality cut
  :math:`\theta \ge z(\bar y) + g^\top (y-\bar y)`, :math:`g_j = U_j\mu_j +
  \sum_{p\in j} d_i \pi_p` (capacity-row and column-bound duals: a subgradient of the
  convex :math:`z`). Unserved demand is a penalised slack, so the subproblem is always
  feasible and its cuts stay valid lower bounds. Phase 1 solves the master LP with
  in-out stabilisation (Ben-Ameur & Neto 2007) and rounds its solution into plans
  (:func:`siting.heuristics.round_and_repair`); then sites are fixed by reduced costs
  (:func:`fix_by_reduced_cost`); phase 2 solves the master MIP, evaluates its plan, adds
  the cut, until the gap asked for is proven or the time is up.
* **Radius formulation** (uncapacitated: every site can hold all demand that reaches it;
  the p-median, :func:`radius_solve`), Elloumi (2010); García, Labbé & Marín (2011): per
  demand row, sorted distinct costs :math:`D^0<\dots<D^K` and :math:`z^k=1` iff no site
  cheaper than :math:`D^k` is open; :math:`z^k \ge z^{k-1} - \sum_{j: c_{ij}=D^{k-1}} y_j`
  with :math:`z^0=1`, cost :math:`D^0+\sum_k (D^k-D^{k-1}) z^k`. Far fewer non-zeros than
  the assignment formulation (pmed16: 0.2 M against 0.5 M), started from
  :func:`siting.heuristics.interchange` (Teitz–Bart), with the sites a Lagrangian bound
  excludes closed first (:func:`exclude_by_lagrangian`: 336 of pmed16's 400, which HiGHS
  then proves in under a minute, where it had not in 120 s).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace

import highspy
import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.gc_manager import PauseGC

from siting import interrupt
from siting.config import SolverOptions
from siting.covers import AreaCovers
from siting.heuristics import greedy_open, interchange, round_and_repair
from siting.model import SERVE_ALL_OBJECTIVES, BuiltModel
from siting.solve import (
    Solver,
    SolveResult,
    _use_threads,
    _version,
    quiet_highs,
    relative_gap,
    within_gap,
)

log = logging.getLogger(__name__)

KNOWN_ROWS = frozenset({"siting_one_channel", "siting_area_if_built", "capacity_area",
                        "capacity_units_max", "capacity_units_min", "capacity_host_if_open"})
MASTER_ROWS = ("siting_count_exact", "siting_count_max", "siting_budget")
KNOWN_BLOCKS = frozenset({"service_demand", "service_capacity", "service_if_hosted"})
BIG_MODEL_COLUMNS = 200_000
BIG_MODEL_SECONDS = 120.0
"""A serve-all model with several functions and more columns than ``BIG_MODEL_COLUMNS`` is
not handed to HiGHS when less than ``BIG_MODEL_SECONDS`` per million columns (this at
least) are left after its start and bound (see :func:`_solve_whole`, :func:`highs_seconds`)."""
LP_SHARE = 0.7
"""Share of the time left a ``min_distance`` solve gives its LP relaxation (its bound and
rounded plan; the Lagrangian, never above it, has the rest only if it is not solved). At
5,000 x 1,000 x 3 the LP took 26.9 s and was not solved in half of the 54 s left."""
BIG_MODEL_RESERVE = 2.0
"""Seconds kept back from the Lagrangian bound of such a model for storing its plan."""
_INF = highspy.kHighsInf


@dataclass
class FacilityView:
    """The single model as a facility-location problem on arrays (see the module text).

    Sites are the model's spaces (one channel each); demand rows its (zone, function)
    demands; pairs its ``serve`` columns. ``*_col`` are column numbers in the
    :class:`~siting.solve.Solver` holding the model (-1: none)."""

    n_cols: int
    sites: list
    build_col: np.ndarray
    host_col: np.ndarray
    units_col: np.ndarray
    gross_col: np.ndarray
    gross_open: np.ndarray
    fixed: np.ndarray
    capacity: np.ndarray
    units_lb: np.ndarray
    y_lo: np.ndarray
    y_hi: np.ndarray
    demand: np.ndarray
    pair_i: np.ndarray
    pair_j: np.ndarray
    pair_cost: np.ndarray
    serve_col: np.ndarray
    master: list = field(default_factory=list)
    """Rows over the sites only: (coefficients, lower, upper, name)."""
    offset: float = 0.0
    integer_units: bool = False

    transport: object = None
    """The :class:`Transport` LP of the last Benders solve (to polish its plan)."""

    @property
    def n_sites(self) -> int:
        return len(self.sites)

    @property
    def count(self) -> int | None:
        """The exact number of open sites, if a count row fixes it."""
        for coef, lo, hi, name in self.master:
            if name == "siting_count_exact" and np.all(coef == 1) and lo == hi:
                return int(round(lo))
        return None

    @property
    def max_count(self) -> int | None:
        out = None
        for coef, _lo, hi, name in self.master:
            if name == "siting_count_max" and np.all(coef == 1):
                out = int(math.floor(hi + 1e-9))
        return out

    @property
    def uncapacitated(self) -> bool:
        """Every site can hold all the demand that can reach it."""
        reach = np.bincount(self.pair_j, self.demand[self.pair_i], minlength=self.n_sites)
        return bool(np.all(self.capacity >= reach - 1e-9))

    def covers(self) -> list[np.ndarray]:
        """The distinct sets of sites some demand row can reach (one cover row each)."""
        order = np.lexsort((self.pair_j, self.pair_i))
        pi, pj = self.pair_i[order], self.pair_j[order]
        cut = np.flatnonzero(np.diff(pi)) + 1
        seen, out = set(), []
        for grp in np.split(pj, cut):
            key = grp.tobytes()
            if key not in seen:
                seen.add(key)
                out.append(grp)
        return out

    def plan(self, y: np.ndarray, flows: np.ndarray) -> np.ndarray:
        """The single model's column vector of opening ``y`` and pair ``flows``."""
        x = np.zeros(self.n_cols)
        y = np.round(y)
        has = self.build_col >= 0
        x[self.build_col[has]] = y[has]
        g = self.gross_col >= 0
        x[self.gross_col[g]] = self.gross_open[g] * y[g]
        load = np.bincount(self.pair_j, flows, minlength=self.n_sites)
        units = np.ceil(load - 1e-7) if self.integer_units else load
        units = np.minimum(np.maximum(units, self.units_lb), self.capacity) * y
        h = self.host_col >= 0
        x[self.host_col[h]] = y[h]
        x[self.units_col[h]] = units[h]
        x[self.serve_col] = flows
        return x


def facility_view(built: BuiltModel, solver: Solver) -> FacilityView | str:
    """The view of ``built`` (held by ``solver``), or the reason it does not apply."""
    opts, idx, m = built.options, built.index, built.model
    if opts.objective not in SERVE_ALL_OBJECTIVES:
        return f"objective {opts.objective}"
    if opts.single_source:
        return "single sourcing (binary assignment: the transportation LP is not exact)"
    if built.phasing.enabled:
        return "phasing (service per year)"
    if idx.existing_capacity or idx.pairs_of_existing:
        return "existing facilities"
    if len({f for _, f in idx.hosts}) > 1:
        return "more than one function (floor area shared between functions)"
    if any(len(os) != 1 for os in idx.options_of.values()):
        return "a space with more than one channel"
    if idx.min_gross or idx.shared:
        return "minimum facility sizes or shared floor area (standards)"
    for c in m.component_objects(pyo.Constraint, active=True):
        if len(c) and c.name not in KNOWN_ROWS and c.name not in MASTER_ROWS:
            return f"rows the decomposition does not know ({c.name})"
    for b in built.matrix_rows:
        if b.n_rows and b.name not in KNOWN_BLOCKS:
            return f"rows the decomposition does not know ({b.name})"
    col_of, cost = solver._col_of, solver._cost
    lo, hi = solver._col_bounds
    n_cols = len(solver._columns)

    def col(v) -> int:
        return col_of.get(id(v), -1)

    sites = list(idx.spaces)
    site_no = {j: k for k, j in enumerate(sites)}
    ns = len(sites)
    build_col = np.full(ns, -1)
    gross_col = np.full(ns, -1)
    host_col = np.full(ns, -1)
    units_col = np.full(ns, -1)
    capacity = np.zeros(ns)
    units_lb = np.zeros(ns)
    for k, j in enumerate(sites):
        o = idx.options_of[j][0]
        build_col[k], gross_col[k] = col(m.build[o]), col(m.gross[o])
        for h in idx.hosts_of.get(j, []):
            host_col[k], units_col[k] = col(m.host[h]), col(m.units[h])
            capacity[k] = float(idx.units_ub[h])
            units_lb[k] = float(idx.units_lb[h])
    keys = sorted(idx.pairs_of_demand)
    key_no = {key: n for n, key in enumerate(keys)}
    demand = np.array([idx.demand[key] for key in keys], dtype=float)
    pair_i = np.array([key_no[k] for k in zip(idx.pair_zone, idx.pair_function)], dtype=int)
    pair_j = np.array([site_no[j] for j in idx.pair_site], dtype=int)
    serve_col = solver.pair_columns(built)
    mapped = np.concatenate([build_col, gross_col, host_col, units_col, serve_col])
    mapped = mapped[mapped >= 0]
    if len(np.unique(mapped)) != n_cols or (serve_col < 0).any():
        return "columns the decomposition does not know"
    for cols, what in ((gross_col, "floor area"), (host_col, "hosting"), (units_col, "units")):
        c = cols[cols >= 0]
        if len(c) and np.any(cost[c] != 0):
            return f"costs on {what} (fit-out or per-m² costs in the objective)"
    if np.any(cost[serve_col] < 0) or np.any(cost[build_col[build_col >= 0]] < 0):
        return "negative costs"
    if (demand <= 0).any():
        return "a demand row without demand"
    ok = units_col >= 0
    capacity[ok] = np.minimum(capacity[ok], hi[units_col[ok]])
    y_lo = np.where(build_col >= 0, lo[np.maximum(build_col, 0)], 0.0)
    y_hi = np.where(build_col >= 0, hi[np.maximum(build_col, 0)], 0.0)
    gross_open = np.where(gross_col >= 0, hi[np.maximum(gross_col, 0)], 0.0)
    if not np.all(np.isfinite(gross_open[gross_col >= 0])):
        return "unbounded floor area"
    master = []
    mat = solver._matrix
    rlo, rhi = solver._row_bounds
    site_of_col = {int(c): k for k, c in enumerate(build_col) if c >= 0}
    row_of = {}
    for r, (cid, _) in enumerate(solver._rows):
        row_of.setdefault(cid, []).append(r)
    for name in MASTER_ROWS:
        comp = m.component(name)
        if comp is None:
            continue
        for data in comp.values():
            for r in row_of.get(id(data), []):
                row = mat[[r], :].tocoo()
                coef = np.zeros(ns)
                for c, v in zip(row.col.tolist(), row.data.tolist()):
                    if c not in site_of_col:
                        return f"{name} touches more than the opening of sites"
                    coef[site_of_col[c]] += v
                master.append((coef, float(rlo[r]), float(rhi[r]), name))
    return FacilityView(
        n_cols=n_cols, sites=sites, build_col=build_col, host_col=host_col,
        units_col=units_col, gross_col=gross_col, gross_open=gross_open,
        fixed=np.where(build_col >= 0, cost[np.maximum(build_col, 0)], 0.0),
        capacity=capacity, units_lb=units_lb, y_lo=y_lo, y_hi=y_hi, demand=demand,
        pair_i=pair_i, pair_j=pair_j, pair_cost=cost[serve_col].astype(float),
        serve_col=serve_col, master=master, offset=float(solver._offset),
        integer_units=bool(solver._integer[units_col[ok]].any()) if ok.any() else False)


# --------------------------------------------------------------------------------------------
# Exact reductions


def reduce_single_site(view: FacilityView) -> int:
    """Open every site that is the only one some demand row can reach; return how many
    were newly forced open.

    Proof: the serve-all objectives require :math:`\\sum_{p\\in i} x_p = d_i > 0`; if
    row i has pairs with site j only, :math:`x_p > 0` for its pair, so
    :math:`0 < x_p \\le d_i y_j` forces :math:`y_j = 1` in every feasible plan (the bound
    ``y_lo`` is raised; no feasible plan is cut off).
    """
    cnt = np.bincount(view.pair_i, minlength=len(view.demand))
    only = np.flatnonzero(cnt == 1)
    j = np.unique(view.pair_j[np.isin(view.pair_i, only)])
    new = j[view.y_lo[j] < 0.5]
    view.y_lo[new] = 1.0
    return len(new)


def reduce_dominated_pairs(view: FacilityView) -> int:
    """Drop pairs no optimum uses, in the uncapacitated case; return how many.

    Proof: with every site able to hold all demand that reaches it, and site k forced
    open (``y_lo = 1``), moving the flow of a pair (i, j) with :math:`c_{ij} > c_{ik}` to
    (i, k) keeps every row (k's capacity exceeds all demand reaching it) and lowers the cost
    strictly, so no optimal plan uses (i, j); removing it keeps every optimum. Only valid
    when :attr:`FacilityView.uncapacitated`; the caller checks.
    """
    forced = view.y_lo > 0.5
    if not forced.any():
        return 0
    best = np.full(len(view.demand), np.inf)
    f = forced[view.pair_j]
    np.minimum.at(best, view.pair_i[f], view.pair_cost[f])
    keep = view.pair_cost <= best[view.pair_i]
    n = int((~keep).sum())
    if n:
        view.pair_i, view.pair_j = view.pair_i[keep], view.pair_j[keep]
        view.pair_cost, view.serve_col = view.pair_cost[keep], view.serve_col[keep]
    return n


def fix_by_reduced_cost(y: np.ndarray, rc: np.ndarray, lower: float, upper: float,
                        lo: np.ndarray, hi: np.ndarray) -> int:
    r"""Fix sites whose reduced cost proves them out of (or in) every better plan.

    ``y``, ``rc`` are a relaxation's optimal opening and reduced costs, ``lower`` its value
    (a lower bound), ``upper`` the cost of a known plan. Proof: by LP duality, every
    solution of the relaxation with :math:`y_j = 1` (resp. 0) for a site at 0 (resp. 1)
    costs at least :math:`L + |rc_j|`; if that exceeds :math:`U`, no plan cheaper than the
    known one has that value, so fixing :math:`y_j` keeps an optimum (the known plan, or a
    cheaper one). Changes ``lo``/``hi`` in place; returns how many sites were fixed.
    """
    free = hi > lo + 0.5
    slack = upper - lower
    at0 = free & (y < 1e-6) & (rc > slack + 1e-9 * abs(upper))
    at1 = free & (y > 1 - 1e-6) & (-rc > slack + 1e-9 * abs(upper))
    hi[at0] = 0.0
    lo[at1] = 1.0
    return int(at0.sum() + at1.sum())


def exclude_by_lagrangian(cost: np.ndarray, fixed: np.ndarray, p: int | None,
                          lo: np.ndarray, hi: np.ndarray, upper: float,
                          incumbent: np.ndarray | None = None, time_limit: float = 2.0,
                          iterations: int = 300) -> tuple[int, float]:
    r"""Close sites no plan cheaper than ``upper`` can open (uncapacitated case).

    Lagrangian relaxation of "each demand row is served once" with multipliers
    :math:`\lambda_i`: :math:`L(\lambda) = \sum_i \lambda_i + \min_y \sum_j \rho_j y_j`,
    :math:`\rho_j = F_j + \sum_i \min(0, c_{ij} - \lambda_i)`, over the count row
    (the p smallest :math:`\rho_j`, forced sites first) — a lower bound for every
    :math:`\lambda` (weak duality), improved by subgradient steps. Forcing a site j outside
    the chosen set into it gives the bound :math:`L + \rho_j - \rho_{(p)}` (it replaces the
    dearest chosen free site; with a free count, :math:`L + \rho_j`). Proof: that is the
    relaxation's optimum with :math:`y_j = 1` added, so every plan with j open costs at
    least that; if it exceeds ``upper`` (or, all costs being integers, exceeds
    ``upper - 1``), no plan better than the known one opens j, and ``hi[j] = 0`` keeps an
    optimum — provided the known plan stays feasible: the sites of ``incumbent`` (the plan
    of cost ``upper``) are never closed (with the integral test, a site of an optimal plan
    may have a bound above ``upper - 1``). Changes ``hi`` in place; returns (sites closed,
    best bound).
    """
    keep = np.zeros(len(fixed), dtype=bool) if incumbent is None else incumbent > 0.5
    if incumbent is None and np.all(np.round(cost[np.isfinite(cost)]) == cost[np.isfinite(
            cost)]):
        raise ValueError("exclude_by_lagrangian: the integral test needs the incumbent")
    t0 = time.perf_counter()
    n, m = cost.shape
    finite = np.isfinite(cost)
    c = np.where(finite, cost, 0.0)
    integral = bool(np.all(c == np.round(c)) and np.all(fixed == np.round(fixed)))
    limit = upper - 1 + 1e-6 if integral else upper + 1e-9 * abs(upper)
    lam = np.where(finite, cost, np.inf).min(axis=1)
    best, step, stall, closed = -math.inf, 1.0, 0, 0
    for _ in range(iterations):
        if time.perf_counter() - t0 > time_limit:
            break
        red = np.where(finite, np.minimum(c - lam[:, None], 0.0), 0.0)
        rho = fixed + red.sum(axis=0)
        free = (hi > 0.5) & (lo < 0.5)
        forced = lo > 0.5
        y = forced.copy()
        if p is not None:
            k = p - int(forced.sum())
            cand = np.flatnonzero(free)
            if k < 0 or k > len(cand):
                return closed, best
            pick = cand[np.argsort(rho[cand], kind="stable")[:k]]
            y[pick] = True
            last = rho[pick].max() if k else math.inf
            extra = np.where(free & ~y, rho - (last if k else math.inf), math.inf)
        else:
            y |= free & (rho < 0)
            extra = np.where(free & ~y, rho, math.inf)
        val = float(lam.sum() + rho[y].sum())
        if val > best:
            best, stall = val, 0
        else:
            stall += 1
            if stall >= 10:
                step, stall = step / 2, 0
        out = free & ~y & ~keep & (val + extra > limit)
        if out.any():
            hi[out] = 0.0
            closed += int(out.sum())
        served = (finite & (c < lam[:, None]))[:, y].sum(axis=1)
        g = 1.0 - served
        gg = float(g @ g)
        if gg < 1e-12 or step < 1e-5 or best >= limit:
            break
        lam = lam + step * (upper - val) / gg * g
    return closed, best


# --------------------------------------------------------------------------------------------
# Benders


class Transport:
    """:math:`z(y)`: the transportation LP of a view, held by one HiGHS model whose column
    and row bounds are changed for each opening (dual simplex warm-starts from the last
    basis). Unserved demand is a slack at ``penalty`` per unit."""

    def __init__(self, view: FacilityView) -> None:
        n, ns, npairs = len(view.demand), view.n_sites, len(view.pair_i)
        self.view, self.n, self.ns, self.np = view, n, ns, npairs
        spread = float(view.pair_cost.max(initial=0.0)) + float(
            (view.fixed / np.maximum(view.capacity, 1.0)).max(initial=0.0))
        self.penalty = 10.0 * spread + 1.0
        rows = np.concatenate([view.pair_i, n + view.pair_j, np.arange(n)])
        cols = np.concatenate([np.arange(npairs), np.arange(npairs), npairs + np.arange(n)])
        a = sp.csc_array((np.ones(len(rows)), (rows, cols)), shape=(n + ns, npairs + n))
        a.sort_indices()
        h = quiet_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", 0)
        self.col_ub = view.demand[view.pair_i]
        h.passModel(npairs + n, n + ns, a.nnz, int(highspy.MatrixFormat.kColwise),
                    int(highspy.ObjSense.kMinimize), 0.0,
                    np.concatenate([view.pair_cost, np.full(n, self.penalty)]),
                    np.zeros(npairs + n), np.concatenate([self.col_ub, np.full(n, _INF)]),
                    np.concatenate([view.demand, np.full(ns, -_INF)]),
                    np.concatenate([view.demand, view.capacity]),
                    a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data,
                    np.zeros(npairs + n, dtype=np.int32))
        self.h = h
        self._cols = np.arange(npairs, dtype=np.int32)
        self._rows = np.arange(n, n + ns, dtype=np.int32)

    def solve(self, y: np.ndarray) -> tuple[float, np.ndarray, float, np.ndarray]:
        """(z(y), subgradient g, unserved demand, flows)."""
        v, h = self.view, self.h
        h.changeColsBounds(self.np, self._cols, np.zeros(self.np), self.col_ub * y[v.pair_j])
        h.changeRowsBounds(self.ns, self._rows, np.full(self.ns, -_INF), v.capacity * y)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            h.clearSolver()  # start the next solve from scratch
            h.run()
        sol = h.getSolution()
        x = np.asarray(sol.col_value)
        rc = np.asarray(sol.col_dual)[:self.np]
        mu = np.minimum(np.asarray(sol.row_dual)[self.n:], 0.0)
        g = v.capacity * mu + np.bincount(v.pair_j, self.col_ub * np.minimum(rc, 0.0),
                                          minlength=self.ns)
        return float(h.getInfo().objective_function_value), g, float(x[self.np:].sum()), \
            x[:self.np].copy()

    def polish(self, y: np.ndarray) -> np.ndarray | None:
        """Flows of opening ``y`` with no unserved demand at all (slacks fixed at 0), or
        ``None`` if there are none."""
        h, n = self.h, self.n
        slack = np.arange(self.np, self.np + n, dtype=np.int32)
        h.changeColsBounds(n, slack, np.zeros(n), np.zeros(n))
        try:
            self.solve(y)
            ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
            return np.asarray(h.getSolution().col_value)[:self.np].copy() if ok else None
        finally:
            h.changeColsBounds(n, slack, np.zeros(n), np.full(n, _INF))


@dataclass
class Outcome:
    """What a structured solve found: the plan (opening, flows), its cost, a proven
    bound, and the (seconds, plan cost, bound) history."""

    y: np.ndarray | None
    flows: np.ndarray | None
    upper: float
    lower: float
    optimal: bool
    method: str
    first_plan_s: float | None = None
    history: list = field(default_factory=list)
    iterations: int = 0
    fixed_sites: int = 0


def _add_rows(h: highspy.Highs, view: FacilityView, covers: list) -> None:
    ns = view.n_sites
    allc = np.arange(ns, dtype=np.int32)
    total = float(view.demand.sum())
    h.addRow(total, _INF, ns, allc, view.capacity.astype(float))
    for c in covers:
        h.addRow(1.0, _INF, len(c), c.astype(np.int32), np.ones(len(c)))
    for coef, lo, hi, _ in view.master:
        nz = np.flatnonzero(coef)
        h.addRow(lo, hi, len(nz), nz.astype(np.int32), coef[nz])


def benders(view: FacilityView, time_limit: float, rel_gap: float, abs_gap: float,
            start: np.ndarray | None = None, lp_share: float = 0.5, threads: int = 0,
            reduce: bool = True) -> Outcome | None:
    """The Benders outer loop of the module text; ``None`` if even every site open cannot
    serve all demand (the single model then explains the infeasibility)."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    ns = view.n_sites
    trans = view.transport = Transport(view)
    total = float(view.demand.sum())
    tol = 1e-6 * max(total, 1.0)  # the final plan is polished: no unserved demand at all
    out = Outcome(None, None, math.inf, -math.inf, False, "benders")
    lo, hi = view.y_lo.copy(), view.y_hi.copy()

    def record() -> None:
        out.history.append((time.perf_counter() - t0, out.upper, out.lower))

    def evaluate(y: np.ndarray) -> tuple[float, np.ndarray]:
        z, g, unserved, x = trans.solve(y)
        val = float(view.fixed @ y) + z
        whole = bool(np.all(np.abs(y - np.round(y)) <= 1e-9))  # a plan, not a point
        if whole and unserved <= tol and val < out.upper - 1e-9 * abs(val):
            out.y, out.flows, out.upper = y.copy(), x, val
            if out.first_plan_s is None:
                out.first_plan_s = time.perf_counter() - t0
            record()
        return z, g

    if start is None:  # the constructive plan first: the first plan a user gets
        start = greedy_open(view.fixed, view.capacity, view.demand, view.pair_i, view.pair_j,
                            view.pair_cost, lo, hi)
    z_start, g_start = evaluate(start.astype(float))
    z_all, g_all = evaluate(hi.copy())  # every allowed site open: can demand be served?
    if out.y is None:
        return None
    covers = view.covers()
    master = quiet_highs()
    master.setOptionValue("output_flag", False)
    master.setOptionValue("random_seed", 0)
    _use_threads(master, threads)
    theta_lo = float(_cheapest(view) @ view.demand)  # every unit at its cheapest pair
    master.addVars(ns + 1, np.concatenate([lo, [theta_lo]]), np.concatenate([hi, [_INF]]))
    master.changeColsCost(ns + 1, np.arange(ns + 1, dtype=np.int32),
                          np.concatenate([view.fixed, [1.0]]))
    _add_rows(master, view, covers)
    cols = np.arange(ns + 1, dtype=np.int32)

    def cut(z: float, g: np.ndarray, ybar: np.ndarray) -> None:
        master.addRow(z - float(g @ ybar), _INF, ns + 1, cols, np.concatenate([-g, [1.0]]))

    cut(z_start, g_start, start.astype(float))
    cut(z_all, g_all, hi.copy())
    # phase 1: the master LP, in-out stabilised, its solutions rounded into plans
    core = hi.copy()
    alpha, lp_bounds = 0.5, []
    count, max_count = view.count, view.max_count
    rc = np.zeros(ns)
    ym = hi.copy()
    while time.perf_counter() < t0 + lp_share * time_limit and not interrupt.requested():
        master.run()
        if master.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        sol = master.getSolution()
        xm = np.asarray(sol.col_value)
        ym, rc = xm[:ns], np.asarray(sol.col_dual)[:ns]
        out.lower = max(out.lower, float(master.getInfo().objective_function_value))
        lp_bounds.append(out.lower)
        record()
        if _closed(out, rel_gap, abs_gap):
            break
        ysep = alpha * ym + (1 - alpha) * core
        z, g = evaluate(ysep)
        cut(z, g, ysep)
        if alpha < 1 and z + view.fixed @ ysep - (view.fixed @ ym + xm[ns]) < 1e-5 * abs(
                out.lower) + 1e-9:
            alpha = 1.0  # the separation point is no better than the master's: plain Kelley
        core = 0.5 * core + 0.5 * ym
        if len(lp_bounds) % 5 == 1:
            yr = round_and_repair(ym, view.capacity, total, view.fixed, covers, count,
                                  max_count, lo, hi)
            if yr is not None:
                z, g = evaluate(yr.astype(float))
                cut(z, g, yr.astype(float))
        if len(lp_bounds) > 10 and lp_bounds[-1] - lp_bounds[-11] < 5e-4 * abs(lp_bounds[-1]):
            break  # the LP bound has stalled: branching closes the rest
    out.iterations = len(lp_bounds)
    if reduce and not _closed(out, rel_gap, abs_gap) and len(lp_bounds):
        out.fixed_sites = fix_by_reduced_cost(ym, rc, lp_bounds[-1], out.upper, lo, hi)
        if out.fixed_sites:
            master.changeColsBounds(ns, cols[:ns], lo, hi)
    # phase 2: the master MIP
    master.changeColsIntegrality(ns, cols[:ns], np.ones(ns, dtype=np.uint8))
    master.setOptionValue("mip_rel_gap", max(rel_gap / 4, 1e-9))
    master.setOptionValue("mip_abs_gap", max(abs_gap / 4, 1e-9))
    seen: set[bytes] = set()

    def on_interrupt(e):  # Ctrl-C / SIGTERM (siting.interrupt): stop with the best plan
        if interrupt.requested():
            e.interrupt()

    master.cbMipInterrupt.subscribe(on_interrupt)
    while not _closed(out, rel_gap, abs_gap):
        left = deadline - time.perf_counter()
        if left <= 0.05 or interrupt.requested():
            break
        master.setOptionValue("time_limit", left)
        if out.y is not None:
            master.setSolution(ns + 1, cols, np.concatenate(
                [out.y, [max(out.upper - float(view.fixed @ out.y), theta_lo)]]))
        master.run()
        out.iterations += 1
        status = master.getModelStatus()  # read before a cut is added (that resets it)
        info = master.getInfo()
        if math.isfinite(info.mip_dual_bound):
            out.lower = max(out.lower, float(info.mip_dual_bound))
        if info.primal_solution_status != 2:
            log.info("benders master: %s, no plan", master.modelStatusToString(status))
            record()
            break
        y = np.round(np.asarray(master.getSolution().col_value)[:ns])
        key = y.astype(np.int8).tobytes()
        z, g = evaluate(y)
        cut(z, g, y)
        record()
        if status != highspy.HighsModelStatus.kOptimal:
            log.info("benders master: %s", master.modelStatusToString(status))
            break  # the master stopped at the time limit
        if key in seen:  # the master's optimum is a plan already priced exactly
            out.lower = max(out.lower, min(out.upper, float(info.objective_function_value)))
            record()
        seen.add(key)
    master.cbMipInterrupt.unsubscribe(on_interrupt)
    out.optimal = _closed(out, rel_gap, abs_gap)
    return out


def _cheapest(view: FacilityView) -> np.ndarray:
    best = np.full(len(view.demand), np.inf)
    np.minimum.at(best, view.pair_i, view.pair_cost)
    return np.where(np.isfinite(best), best, 0.0)


def _closed(out: Outcome, rel_gap: float, abs_gap: float) -> bool:
    if not math.isfinite(out.upper):
        return False
    diff = out.upper - out.lower
    return diff <= abs_gap or diff <= rel_gap * max(abs(out.upper), 1e-9)


# --------------------------------------------------------------------------------------------
# Radius formulation


def _cost_matrix(view: FacilityView) -> np.ndarray:
    """Cost of serving each demand row entirely from each site (``inf``: unreachable)."""
    c = np.full((len(view.demand), view.n_sites), np.inf)
    np.minimum.at(c, (view.pair_i, view.pair_j), view.pair_cost * view.demand[view.pair_i])
    return c


def radius_model(view: FacilityView, cost: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 truncate: bool = True) -> highspy.Highs:
    """The radius formulation (module text) as a HiGHS MIP: columns y (sites) then z.

    Reduction (exact) with exactly p sites open among the q allowed: each demand row's
    nearest open site is among its q - p + 1 nearest allowed ones (at most q - p are
    closed), so the levels beyond are dropped (their z are 0 in every plan)."""
    n, ns = cost.shape
    p = view.count
    allowed = hi > 0.5
    q = int(allowed.sum())
    rows_y, cols_y, zcost = [], [], []
    z_rows, z_cols, z_vals, row_lo = [], [], [], []
    const, r = 0.0, 0
    for i in range(n):
        ci = np.where(allowed, cost[i], np.inf)
        order = np.argsort(ci, kind="stable")
        dist = ci[order]
        finite = int(np.isfinite(dist).sum())
        order, dist = order[:finite], dist[:finite]
        lev, start = np.unique(dist, return_index=True)
        kk = len(lev)
        const += lev[0]
        ends = np.append(start[1:], finite)
        kmax = kk - 1
        if p is not None and truncate:
            enough = np.flatnonzero(ends >= q - p + 1)
            if len(enough):
                kmax = min(kmax, int(enough[0]))
        z0 = len(zcost)
        zcost.extend((lev[1:kmax + 1] - lev[:kmax]).tolist())
        for k in range(1, kmax + 2):
            sites = order[start[k - 1]:ends[k - 1]]
            rows_y.append(np.full(len(sites), r))
            cols_y.append(sites)
            if k <= kmax:
                z_rows.append(r)
                z_cols.append(z0 + k - 1)
                z_vals.append(1.0)
            if k >= 2:
                z_rows.append(r)
                z_cols.append(z0 + k - 2)
                z_vals.append(-1.0)
            row_lo.append(1.0 if k == 1 else 0.0)
            r += 1
    nz = len(zcost)
    ry = np.concatenate(rows_y) if rows_y else np.zeros(0, int)
    rows = np.concatenate([ry, np.asarray(z_rows, dtype=int)])
    cols = np.concatenate([np.concatenate(cols_y) if cols_y else np.zeros(0, int),
                           ns + np.asarray(z_cols, dtype=int)])
    vals = np.concatenate([np.ones(len(ry)), np.asarray(z_vals)])
    a = sp.csc_array((vals, (rows, cols)), shape=(r, ns + nz))
    a.sort_indices()
    h = quiet_highs()
    h.setOptionValue("output_flag", False)
    h.passModel(ns + nz, r, a.nnz, int(highspy.MatrixFormat.kColwise),
                int(highspy.ObjSense.kMinimize), const,
                np.concatenate([view.fixed, np.asarray(zcost, dtype=float)]),
                np.concatenate([lo, np.zeros(nz)]), np.concatenate([hi, np.full(nz, _INF)]),
                np.asarray(row_lo, dtype=float), np.full(r, _INF),
                a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data.astype(float),
                np.concatenate([np.ones(ns), np.zeros(nz)]).astype(np.int32))
    for coef, rlo, rhi, _ in view.master:
        k = np.flatnonzero(coef)
        h.addRow(rlo, rhi, len(k), k.astype(np.int32), coef[k])
    return h


def radius_solve(view: FacilityView, options: SolverOptions, time_limit: float,
                 reduce: bool = True) -> Outcome | None:
    """Teitz–Bart start, Lagrangian site exclusion, then the radius formulation solved by
    HiGHS (uncapacitated)."""
    t0 = time.perf_counter()
    lo, hi = view.y_lo.copy(), view.y_hi.copy()
    cost = _cost_matrix(view)
    out = Outcome(None, None, math.inf, -math.inf, False, "radius")
    open_, val = interchange(cost, view.fixed, view.count, view.max_count, lo > 0.5, hi > 0.5,
                             time_limit=0.2 * time_limit)
    budget_ok = all(lo_ - 1e-6 <= coef @ open_ <= hi_ + 1e-6
                    for coef, lo_, hi_, _ in view.master)
    if math.isfinite(val) and budget_ok:
        out.y, out.upper, out.first_plan_s = open_.astype(float), val, time.perf_counter() - t0
        out.history.append((out.first_plan_s, out.upper, out.lower))
    if reduce and out.y is not None:
        out.fixed_sites, _ = exclude_by_lagrangian(cost, view.fixed, view.count, lo, hi,
                                                   out.upper, out.y,
                                                   time_limit=0.1 * time_limit)
    h = radius_model(view, cost, lo, hi, truncate=reduce)
    h.setOptionValue("time_limit", max(0.1, time_limit - (time.perf_counter() - t0)))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    h.setOptionValue("mip_abs_gap", float(options.mip_abs_gap))
    h.setOptionValue("random_seed", int(options.seed))
    h.setOptionValue("output_flag", bool(options.verbose))
    _use_threads(h, options.threads or 0)
    ns = view.n_sites
    if out.y is not None:
        h.setSolution(ns, np.arange(ns, dtype=np.int32), out.y)
    deadline = t0 + time_limit + 1.0

    def on_interrupt(e):
        if time.perf_counter() > deadline or interrupt.requested():
            e.interrupt()

    def on_improving(e):
        val = float(e.data_out.objective_function_value)
        if val < out.upper:
            out.history.append((time.perf_counter() - t0, val, out.lower))

    h.cbMipInterrupt.subscribe(on_interrupt)
    h.cbMipImprovingSolution.subscribe(on_improving)
    try:
        h.run()
    finally:
        h.cbMipInterrupt.unsubscribe(on_interrupt)
        h.cbMipImprovingSolution.unsubscribe(on_improving)
    info = h.getInfo()
    if math.isfinite(info.mip_dual_bound):
        out.lower = float(info.mip_dual_bound)
    if info.primal_solution_status == 2 and info.objective_function_value < out.upper + 1e-9:
        out.y = np.round(np.asarray(h.getSolution().col_value)[:ns])
        out.upper = float(info.objective_function_value)
    elif h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        return None
    if out.y is None:
        return out
    out.history.append((time.perf_counter() - t0, out.upper, out.lower))
    out.optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    # flows: all of each row's demand to its cheapest open site
    on = out.y[view.pair_j] > 0.5
    key = np.where(on, view.pair_cost, np.inf)
    order = np.lexsort((key, view.pair_i))
    first = np.ones(len(order), dtype=bool)
    first[1:] = view.pair_i[order][1:] != view.pair_i[order][:-1]
    flows = np.zeros(len(view.pair_i))
    pick = order[first & on[order]]
    flows[pick] = view.demand[view.pair_i[pick]]
    out.flows = flows
    return out


# --------------------------------------------------------------------------------------------
# Entry point


def solve_structured(built: BuiltModel, options: SolverOptions, solver: Solver | None = None,
                     warm_start: bool = False, method: str = "auto", reduce: bool = True
                     ) -> SolveResult:
    """Solve ``built`` by its facility-location structure where it has it, else whole.

    ``method``: ``auto`` (radius formulation if uncapacitated, Benders if capacitated),
    ``benders``, ``radius``, or ``single`` (always the single model). The plan found is
    written onto the model's variables (through ``solver``), after a check against every
    row and bound of the single model; a plan failing it (never seen) is handed to the
    single model as a start instead. The reason for falling back is in the log and in
    ``termination``.
    """
    solver = solver if solver is not None else Solver()
    if method == "single":
        return solver.solve(built, options, warm_start=warm_start)
    t0 = time.perf_counter()
    handover = solver.prepare(built)
    view = facility_view(built, solver) if solver.highs is not None else "infeasible rows"
    if isinstance(view, str):
        log.info("single model (no decomposition: %s)", view)
        return _solve_whole(built, options, solver, warm_start, view, t0)
    forced = reduce_single_site(view) if reduce else 0
    kind = method
    if kind == "auto":
        kind = "radius" if view.uncapacitated else "benders"
    dropped = reduce_dominated_pairs(view) if reduce and view.uncapacitated else 0
    limit = max(options.time_limit_s - (time.perf_counter() - t0), 0.1)
    if kind == "radius" and not view.uncapacitated:
        kind = "benders"
    with interrupt.deferred():  # a first Ctrl-C stops the loops with the best plan so far
        out = (radius_solve(view, options, limit, reduce=reduce) if kind == "radius" else
               benders(view, limit, options.mip_rel_gap, options.mip_abs_gap,
                       threads=options.threads or 0, reduce=reduce))
    stopped = interrupt.requested()
    if stopped and (out is None or out.y is None):
        return SolveResult("interrupted", False, None, None, None,
                           time.perf_counter() - t0, f"interrupted ({kind}, no plan yet)",
                           _version(), handover)
    if out is None or out.y is None:
        log.info("%s found no plan: the single model decides", kind)
        res = solver.solve(built, options.update(
            time_limit_s=max(options.time_limit_s - (time.perf_counter() - t0), 1.0)))
        return _with_note(res, f"single model after {kind} found no plan")
    if view.transport is not None:  # flows with no unserved demand, not even 1e-9
        flows = view.transport.polish(out.y)
        out.flows = out.flows if flows is None else flows
    x = view.plan(out.y, out.flows)
    runtime = time.perf_counter() - t0
    if not solver.feasible(x):
        log.warning("%s plan fails a row of the single model (%s): handing it over as a "
                    "start", kind, "; ".join(solver.violated(x)[:3]))
        solver.set_values(x)
        res = solver.solve(built, options.update(time_limit_s=max(
            options.time_limit_s - runtime, 1.0)), warm_start=True)
        return _with_note(res, f"single model from the {kind} plan")
    obj = solver.store(x)
    bound = out.lower + view.offset if math.isfinite(out.lower) else None
    if bound is not None:
        bound = min(bound, obj)
    gap = relative_gap(obj, bound)
    status = "optimal" if out.optimal else "interrupted" if stopped else "time_limit"
    if status == "optimal" and gap is None:
        gap = 0.0
    note = (f"{kind}: {out.iterations} iterations, {out.fixed_sites} sites fixed by a bound, "
            f"{forced} forced open, {dropped} dominated pairs dropped")
    res = SolveResult(status, True, obj, bound, gap, runtime,
                      {"optimal": "optimal", "interrupted": "interrupted"}.get(
                          status, "time limit") + f" ({note})",
                      _version(), handover, out.first_plan_s)
    solver.history = [(t, u + view.offset, lb + view.offset) for t, u, lb in out.history]
    return res


def _solve_whole(built: BuiltModel, options: SolverOptions, solver: Solver, warm_start: bool,
                 reason: str, t0: float) -> SolveResult:
    """The single model, from a plan serving all demand and with a bound of its own.

    The plan is the held one (``warm_start``) if it satisfies every row, else
    :func:`siting.model.serve_start.serve_all_plan`'s (the first plan), improved for
    ``min_cost`` by its drop search (kept if no worse); it is a column vector of the held
    model until it is stored or handed to HiGHS. For ``min_distance`` the LP
    relaxation is then solved (``LP_SHARE`` of the time left): its value is the bound and
    its flows, rounded, a second plan, kept if better (:func:`_rounded_from_lp`). Otherwise
    the bound is :mod:`siting.serve_bound`'s, improved for what is left of a quarter of the
    time limit (a fifth at least; all the time left but ``BIG_MODEL_RESERVE`` when HiGHS
    will not run after it, :func:`highs_seconds`; never past the limit). If the plan is
    within the gap asked of that bound it is the result (HiGHS does not run); otherwise
    HiGHS solves the single model from it with the time left (unless the model is too big
    for that time: :func:`highs_seconds`), and the better of its bound and ours is
    reported. Without a checked plan, HiGHS alone."""
    from siting.model.serve_start import serve_all_plan
    from siting.serve_bound import initial_multipliers, lagrangian_view

    if solver.highs is None or solver._model is not built.model:
        # rows that cannot hold (found when compiling): HiGHS's own path says infeasible
        res = solver.solve(built, options, warm_start=warm_start)
        return _with_note(res, f"single model: {reason}")
    # from here on the plan is the column vector x; the variables get it when it is stored
    # or handed to HiGHS (at 20,000 x 3,000 x 3, 3.1 M flows set and read back cost ~4 s)
    started = warm_start and solver.values_feasible()
    how = "the plan held"
    rejected = ""
    plan = info = None
    x = _rounded(solver, solver.held_values()) if started else None
    if not started:
        plan, info = serve_all_plan(built) or (None, None)
        if plan is not None:
            x = _plan_vector(plan, solver)
            started = solver.feasible(x)
            fill = info["order"] == "fill"
            how = f"a constructive plan ({info['method']}{', demand by demand' if fill else ''})"
            if not started:
                bad = solver.violated(x)[:1]
                rejected = f"; constructive start rejected ({bad[0] if bad else 'unset values'})"
    if not started:
        if x is not None:  # a rejected plan: HiGHS repairs it when it takes a start
            solver.set_values(x)
        res = solver.solve(built, options, warm_start=warm_start)
        return _with_note(res, f"single model: {reason}{rejected}")
    first_s = time.perf_counter() - t0
    how += f" at {first_s:.1f} s"
    if plan is not None and info["method"] == "greedy" and options.time_limit_s > 0:
        t1 = time.perf_counter()  # the local search, once the first plan is counted
        with PauseGC():
            closed = plan.improve(min(5.0, 0.1 * options.time_limit_s))
            x1 = _plan_vector(plan, solver) if closed else None
        if x1 is not None and solver.feasible(x1) and solver._cost @ x1 <= solver._cost @ x:
            x = x1
            how += (f", {closed} spaces closed by a local search "
                    f"({time.perf_counter() - t1:.1f} s)")
    plan = None  # the construction's lists (about 150 MB at 5,000 x 1,000 x 3) go
    lp_bound = lp = None
    search = built.options.objective == "min_distance" and options.time_limit_s > 0
    if search:
        lp_bound, rounded, lp, x, duals = _rounded_from_lp(built, solver, LP_SHARE * (
            options.time_limit_s - (time.perf_counter() - t0)), x)
        if rounded:
            how += f"; {rounded}"
        if duals is not None:
            seconds = min(MINSIZE_SHARE * options.time_limit_s,
                          0.5 * (options.time_limit_s - (time.perf_counter() - t0)))
            lp_bound, text = _minsize_bound(built, solver, duals, lp_bound,
                                            float(solver._cost @ x + solver._offset), seconds)
            how += f"; {text}"
    if options.time_limit_s > 0 and not search:  # the search re-plans flows too
        t1 = time.perf_counter()
        x, polished = _polish_flows(built, solver, 0.1 * options.time_limit_s, x)
        if polished:
            how += f", flows re-optimised ({polished}; {time.perf_counter() - t1:.1f} s)"
    if search:
        x, searched = _search(built, solver, x, options.time_limit_s
                              - (time.perf_counter() - t0), lp, lp_bound)
        if searched:
            how += f"; {searched}"
    upper = float(solver._cost @ x + solver._offset)
    lower = None if lp_bound is None else min(lp_bound, upper)
    note = f"single model from {how}: {reason}"
    target = upper - max(options.mip_rel_gap * abs(upper), options.mip_abs_gap)
    if lp_bound is None:  # the Lagrangian (never above the LP, when that is solved)
        view = lagrangian_view(built, solver)
        if not isinstance(view, str):
            share = _bound_share(time.perf_counter() - t0, options.time_limit_s,
                                 len(solver._columns))
            t1 = time.perf_counter()
            lower = view.improve(upper, initial_multipliers(view, upper), share,
                                 target=target, iterations=100_000)  # the clock decides
            if not math.isfinite(lower):
                lower = None
            note += (f"; Lagrangian bound {lower:.6g} after {view.iterations} steps "
                     f"({time.perf_counter() - t1:.1f} s)"
                     if lower is not None else "; no finite Lagrangian bound")
        else:
            note += f"; no Lagrangian bound ({view})"
    if lower is not None and lower >= target:
        solver.store(x)
        runtime = time.perf_counter() - t0
        solver.history = [(first_s, upper, lower)]
        return SolveResult("optimal", True, upper, lower, relative_gap(upper, lower),
                           runtime, f"Optimal (the plan is within the gap of the "
                           f"{'LP ' if lp_bound is not None else ''}bound; {note})",
                           _version(), 0.0, first_s)
    left = options.time_limit_s - (time.perf_counter() - t0)
    if left < highs_seconds(len(solver._columns)):
        # HiGHS would only overrun the limit: at 0.37 M columns neither simplex nor
        # interior point solved the root LP in 150 s, and at 1.2 M columns a solve given
        # 30 s stopped after 60 s (its presolve does not watch the clock)
        solver.store(x)
        runtime = time.perf_counter() - t0
        solver.history = [(first_s, upper, math.nan if lower is None else lower)]
        return SolveResult("time_limit", True, upper, lower, relative_gap(upper, lower),
                           runtime, f"Time limit (HiGHS not run: {left:.0f} s left for "
                           f"{len(solver._columns):,} columns; {note})", _version(), 0.0,
                           first_s)
    solver.set_values(x)  # HiGHS's start
    res = solver.solve(built, options.update(time_limit_s=max(left, 1.0)), warm_start=True)
    if res.has_solution and lower is not None and (res.bound is None or lower > res.bound):
        gap = relative_gap(res.objective, lower)
        status = res.status
        if status == "time_limit" and within_gap(res.objective, lower, options):
            status = "optimal"
        res = replace(res, bound=lower, mip_gap=gap, status=status)
    return replace(_with_note(res, note), runtime_s=time.perf_counter() - t0,
                   first_plan_s=first_s)


def highs_seconds(n_columns: int) -> float:
    """Seconds a serve-all model of ``n_columns`` must have left for HiGHS to run on it
    (0 if it is small enough to run always, ``BIG_MODEL_COLUMNS``). HiGHS's presolve
    does not watch the clock, and its overrun grows with the model: at 1.2 M columns a
    solve given 30 s stopped after 60 s; at 3.1 M columns (20,000 x 3,000 x 3 ``min_cost``)
    one given 186 s stopped after about 386 s, the run 200 s over its 300 s limit."""
    if n_columns <= BIG_MODEL_COLUMNS:
        return 0.0
    return BIG_MODEL_SECONDS * max(1.0, n_columns / 1e6)


def _rounded(solver: Solver, x: np.ndarray) -> np.ndarray:
    """``x`` with its integer columns rounded (in place)."""
    x[solver._integer] = np.round(x[solver._integer])
    return x


def _at(x: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``x`` at the columns ``cols``, 0 where a column is -1 (none)."""
    return np.where(cols >= 0, x[np.maximum(cols, 0)], 0.0) if len(cols) else np.zeros(0)


def _plan_vector(plan, solver: Solver) -> np.ndarray:
    """A constructive plan (:class:`siting.model.serve_start._Plan`) as a column vector,
    integers rounded: from its values where its families hold every column, else set on
    the variables and read back (a column it does not decide then holds the variable's
    value, 0 if unset; the checks against every row decide)."""
    got = plan.vector(solver)
    if got is None:
        plan.write()
        return _rounded(solver, solver.held_values())
    return _rounded(solver, got[0])


def _rounded_from_lp(built: BuiltModel, solver: Solver, time_limit: float, x: np.ndarray
                     ) -> tuple[float | None, str, np.ndarray | None, np.ndarray,
                                np.ndarray | None]:
    """For ``min_distance``: the LP relaxation (dual simplex, one thread, within
    ``time_limit``), its value a bound, and its flows rounded to a plan
    (:func:`siting.model.serve_start.rounded_plan`), kept if it is feasible and walks
    less than the plan ``x``. Returns (the LP bound or ``None``, what was done or "", the
    LP's column values or ``None``, the better plan, the LP's duals of the rows
    ``service_demand`` in their order or ``None``).

    Measured on ``benchmarks/city_scale.py``'s 1,000 x 300 x 3 ``min_distance`` (0.37 M
    columns): the LP in 3.9 s at 1.55129e6, where 360 subgradient steps of the Lagrangian
    (41.6 s) reached 1.53131e6 (the Lagrangian's subproblem drops rows the LP keeps, so the
    LP is never below it); the rounded plan 1.94405e6 against the nearest-first plan's
    2.22429e6 (HiGHS from it, 150 s more, improved nothing: bound 1.57645e6). At 5,000 x
    1,000 (1.16 M columns) the LP took 26.9 s by dual simplex (interior point had not
    finished after 8 minutes) and raised the peak memory from 2.9 to 4.7 GB, HiGHS's own
    working memory (solving on the held instance instead of a copy saved 0.08 GB)."""
    from siting.model.serve_start import rounded_plan

    if time_limit < 1.0:
        return None, "", None, x, None
    before = float(solver._cost @ x + solver._offset)
    t0 = time.perf_counter()
    got = _relax_with_cuts(built, solver, time_limit)
    if got is None:
        return None, f"LP relaxation not solved in {time_limit:.0f} s", None, x, None
    bound, lp, highs = got
    duals = np.asarray(highs.getSolution().row_dual, dtype=float)[
        solver.block_rows("service_demand")]
    lp_s = time.perf_counter() - t0
    cols = solver.pair_columns(built)

    def plan_of(flows: np.ndarray | None) -> tuple[float, np.ndarray | None]:
        plan = None if flows is None else rounded_plan(built, flows)
        if plan is not None:
            x1 = _plan_vector(plan, solver)
            if solver.feasible(x1):
                return float(solver._cost @ x1 + solver._offset), x1
        return math.inf, None

    after, x1 = plan_of(_at(lp, cols))
    text = (f"LP relaxation {bound:.6g} in {lp_s:.1f} s, rounded plan "
            f"{'not feasible' if math.isinf(after) else f'{after:.6g}'}")
    t1 = time.perf_counter()
    fixed, x2 = plan_of(_fixed_hosts_flows(built, solver, lp, t0 + time_limit, highs))
    highs = None
    text += (f", with its hosts fixed first {fixed:.6g} ({time.perf_counter() - t1:.1f} s)"
             if x2 is not None else ", with its hosts fixed first: none")
    if fixed < after:
        after, x1 = fixed, x2
    if after < before:
        return bound, f"{text}: {before:.6g} -> {after:.6g}", lp, x1, duals
    return bound, f"{text}, kept out", lp, x, duals


CUT_ROUNDS = 2
""":func:`_relax_with_cuts`: rounds of rows added to the LP (it stops earlier when the LP
breaks none). 5,000 x 1,000 x 3 ``min_distance``: 17,432 rows and 8.29463e6 after the first
round, 1,819 and 8.32669e6 after the second, 1,575 and 1,579 more for 8.32725e6 after the
third and fourth (0.007 %, 1.3 s)."""


def _relax_with_cuts(built: BuiltModel, solver: Solver, time_limit: float
                     ) -> tuple[float, np.ndarray, highspy.Highs] | None:
    r"""The held model's LP relaxation by dual simplex within ``time_limit`` (as
    :meth:`Solver.relax`), then valid rows added where the LP breaks them and the LP
    solved again from the last basis, ``CUT_ROUNDS`` times at most:

    * when the model was built without the rows ``service_if_hosted``
      (:func:`siting.model.service.strong_rows`), those rows for each host the LP opens
      fractionally, one :math:`\mathrm{serve}_p \le U_p\,\mathrm{host}_{jf}` per pair it
      serves (:math:`U_p` the flow's upper bound, its demand: valid, as a flow needs its
      host open);
    * the cover rows on minimum sizes of :mod:`siting.covers` (a space cannot host
      functions whose minimum sizes do not fit its area together).

    Returns (the LP's value, a bound of the MIP; its column values; the HiGHS instance
    holding it, rows added, for :func:`_fixed_hosts_flows` to go on from) or ``None`` if
    the first LP is not solved.

    Measured on ``benchmarks/city_scale.py --objective min_distance``: 5,000 x 1,000 x 3
    7.93438e6 in 8.9 s without either; the first rows alone gave 8.13263e6 in 2.6 s more
    (the LP with all 1.16 M rows: 8.13278e6 in about 20 s), both 8.32725e6 (12.5-13.6 s in
    all); 1,000 x 300 x 3 1.53341e6 in 1.8 s, the first rows alone 1.55119e6 in 0.5 s
    more, both (see the README)."""
    t0 = time.perf_counter()
    solver.prepare(built)
    if solver._model is None:
        return None
    r = _lp_highs(solver, max(time_limit, 1.0))
    upper = solver._col_bounds[1]
    out = _far_pair_columns(built, solver)  # held at 0 until their reduced cost pays
    if len(out):
        r.changeColsBounds(len(out), out, np.zeros(len(out)), np.zeros(len(out)))
    out = _run_held(r, out, upper, max(t0 + time_limit - time.perf_counter(), 1.0),
                    t0 + time_limit)  # the time left after the set-up
    if r.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    value, x, out, priced = _priced(r, out, upper)
    idx, m = built.index, built.model
    covers = AreaCovers(built, solver)
    pair_cuts = not len(solver.block_rows("service_if_hosted")) and built.serve is not None
    hosts = [h for h in idx.hosts if h in idx.pairs_of_host] if pair_cuts else []
    hc = solver.family_columns([m.host[h] for h in hosts])
    pc = solver.pair_columns(built)
    rounds = 0
    while priced or rounds < CUT_ROUNDS:
        left = t0 + time_limit - time.perf_counter()
        if left < 0.5:
            break
        added = priced
        if rounds < CUT_ROUNDS:
            rounds += 1
            if pair_cuts:
                added += _add_pair_cuts(r, idx, hosts, hc, pc, upper, x)
            starts, index, coef = covers.separate(x)
            if len(starts):
                k = len(starts)
                r.addRows(k, np.full(k, -_INF), np.zeros(k), len(index), starts, index, coef)
                added += k
        if not added:
            break
        out = _run_held(r, out, upper, left, t0 + time_limit)
        if r.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break  # the last LP solved stays the bound (the rows only tighten)
        value, x, out, priced = _priced(r, out, upper)
    return (value, x, r) if math.isfinite(value) else None


NEAREST_PAIRS = 8
""":func:`_relax_with_cuts` starts the LP with each demand's flows to its ``NEAREST_PAIRS``
cheapest sites only, the others held at 0 until their reduced cost says they pay (5,000 x
1,000 x 3 ``min_distance``: 118,755 of 1,118,163 flows, the LP 7.94247e6 in 2.7 s, then 243
flows priced in, 7.93438e6 = the whole LP's value in 3.7 s in all, against 10.3 s)."""


def _demand_block(built: BuiltModel):
    """The model's matrix block ``service_demand`` (:mod:`siting.model.rows`), or ``None``."""
    return next((b for b in built.matrix_rows if b.name == "service_demand"), None)


def _far_pair_columns(built: BuiltModel, solver: Solver) -> np.ndarray:
    """The flow columns of each demand beyond its :data:`NEAREST_PAIRS` cheapest (by the
    objective's cost) whose lower bound is 0, as int32 column numbers; none for a
    maximisation (the pricing of :func:`_priced` is written for a minimisation)."""
    block = _demand_block(built)
    pc = solver.pair_columns(built)
    if solver._sense < 0 or block is None or len(block.var_no) != len(pc):
        return np.zeros(0, dtype=np.int32)
    row = np.empty(len(pc), dtype=np.int64)
    row[block.var_no] = block.row
    cost = np.where(pc >= 0, solver._cost[np.maximum(pc, 0)], np.inf)
    order = np.lexsort((np.arange(len(pc)), cost, row))
    first = np.ones(len(order), dtype=bool)
    first[1:] = row[order][1:] != row[order][:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - start
    far = pc[(rank >= NEAREST_PAIRS) & (pc >= 0)]
    return far[solver._col_bounds[0][far] == 0].astype(np.int32)  # none that must flow


def _run_held(r: highspy.Highs, out: np.ndarray, upper: np.ndarray, seconds: float,
              deadline: float) -> np.ndarray:
    """Solve ``r`` (for ``seconds``) with the columns ``out`` held at 0; if that is
    infeasible (the nearest sites cannot hold the demand, or not once cover rows closed
    some of them: a 6-space test city with the 2 nearest), every held column back and
    the whole LP solved, until ``deadline``. Returns the columns still held."""
    _run_for(r, seconds)
    if len(out) and r.getModelStatus() in (highspy.HighsModelStatus.kInfeasible,
                                           highspy.HighsModelStatus.kUnboundedOrInfeasible):
        r.changeColsBounds(len(out), out, np.zeros(len(out)), upper[out])
        out = out[:0]
        _run_for(r, max(deadline - time.perf_counter(), 1.0))
    return out


def _priced(r: highspy.Highs, out: np.ndarray, upper: np.ndarray
            ) -> tuple[float, np.ndarray, np.ndarray, int]:
    r"""After an optimal solve of ``r`` with the columns ``out`` held at 0: (a lower bound of
    the LP with every column free, the column values, the columns still held, how many were
    freed). The bound is the LP's value plus :math:`\sum_{j\in out}\min(0, d_j)\,u_j`
    (:math:`d_j` the reduced cost, :math:`u_j` the upper bound): the duals, unchanged, are
    feasible for the whole LP once those columns are counted at their best bound (weak
    duality), so it is the whole LP's value exactly when no held column has a negative
    reduced cost. Those that do are freed (their bounds back) for the next solve."""
    value = float(r.getInfo().objective_function_value)
    x = np.asarray(r.getSolution().col_value, dtype=float)
    if not len(out):
        return value, x, out, 0
    rc = np.asarray(r.getSolution().col_dual, dtype=float)[out]
    pays = rc < -1e-9
    if pays.any():
        u = upper[out[pays]]
        value += float(rc[pays] @ u) if np.isfinite(u).all() else -math.inf
        freed = out[pays]
        r.changeColsBounds(len(freed), freed, np.zeros(len(freed)), u)  # lower bounds 0
    return value, x, out[~pays], int(pays.sum())


def _add_pair_cuts(r: highspy.Highs, idx, hosts: list, hc: np.ndarray, pc: np.ndarray,
                   upper: np.ndarray, x: np.ndarray) -> int:
    """:func:`_relax_with_cuts`'s rows ``serve <= U x host`` for the pairs that the hosts the
    LP ``x`` opens fractionally serve, added to ``r``; how many."""
    hv = _at(x, hc)
    frac = np.flatnonzero((hc >= 0) & (hv > 1e-6) & (hv < 1 - 1e-6))
    if not len(frac):
        return 0
    pairs = np.concatenate([np.asarray(idx.pairs_of_host[hosts[k]], dtype=np.int64)
                            for k in frac.tolist()])
    owner = np.repeat(hc[frac], [len(idx.pairs_of_host[hosts[k]]) for k in frac.tolist()])
    keep = (pc[pairs] >= 0) & (_at(x, pc[pairs]) > 1e-9)
    cols, owner = pc[pairs[keep]], owner[keep]
    k = len(cols)
    if not k:
        return 0
    index = np.empty(2 * k, dtype=np.int32)
    index[0::2], index[1::2] = cols, owner
    coef = np.empty(2 * k)
    coef[0::2], coef[1::2] = 1.0, -upper[cols]
    r.addRows(k, np.full(k, -_INF), np.zeros(k), 2 * k,
              np.arange(0, 2 * k, 2, dtype=np.int32), index, coef)
    return k


SQUEEZE_PASSES = 2
""":func:`_fixed_hosts_flows`: how many times the LP with the hosts fixed is solved again
after closing the hosts that took the area of demand it left unserved."""
HOST_SHARE = 0.5
""":func:`_fixed_hosts_flows`: a host the LP relaxation runs at this share of its minimum
size or more is kept. Measured on ``benchmarks/city_scale.py``'s ``min_distance`` cities,
the plan after the LPs and the rounding: with the LP of session 15 (no cover rows), 1,000 x
300 x 3, shares 0, 0.1, 0.2, 0.3, 0.5 gave 1.64242e6, 1.63852e6, 1.62829e6, 1.63316e6,
1.73577e6; with the cover rows (2026-12-08), shares 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0 gave
at 5,000 x 1,000 x 3 8.85479e6, 8.81276e6, 8.75390e6, 8.74085e6, 8.75465e6, 8.84819e6,
9.43862e6, and 0.2, 0.35, 0.5, 0.65, 0.8 at 1,000 x 300 1.62271e6, 1.61114e6, 1.61084e6,
1.61100e6, 1.62298e6 (the covers keep the LP from opening hosts it barely uses)."""


def _fixed_hosts_flows(built: BuiltModel, solver: Solver, lp: np.ndarray, deadline: float,
                       highs: highspy.Highs | None = None) -> np.ndarray | None:
    """For ``min_distance``: flows from the LP relaxation ``lp`` with the integer decisions
    taken first, for :func:`siting.model.serve_start.rounded_plan` to make a plan of.

    The LP lets a function run below its minimum size (``units >= min x host`` with
    ``host`` fractional) and spreads small fractions of many hosts, so rounding its flows
    directly opens hosts it barely used and closes the area others needed: at 1,000 x 300 x
    3 the rounded plan was 28 % above the LP (1.96548e6 against 1.53341e6). Here, per space,
    the LP's channel (its largest ``build``) and the hosts it runs at ``HOST_SHARE`` of their
    minimum size or more, by units run, while their minimum sizes fit that channel's usable
    area, are fixed open, every other host closed; the LP is solved again (the fixed hosts at
    their minimum size at least), each host's units rounded up where the space's area
    allows (else down, to its minimum at least), and the LP solved a third time for the
    flows alone. Demand rows get an elastic column at 20 x the largest cost per unit in
    both LPs, so a space squeezed by the minimum sizes leaves demand unserved for the
    rounding's repair instead of making the LP infeasible (5,000 x 1,000 x 3: 21 units);
    the hosts opened above the LP's use in the spaces such demand reaches are then closed
    and the LP solved again (``SQUEEZE_PASSES``). Measured (``benchmarks/city_scale.py
    --objective min_distance``): 1,000 x 300 x 3 the plan 1.62829e6 (2.8 s after the LP),
    where the rounded LP gave 1.96548e6 and 55 s of neighbourhood search from it
    1.62142e6; 5,000 x 1,000 x 3 1.00654e7 (21.5 s; without the passes 1.11122e7 in
    17.1 s) against 1.24384e7; 8.88233e6 once the repair priced the walk
    (:data:`siting.model.serve_start.WALK_WEIGHT`). ``None`` if an
    LP is not solved by ``deadline`` (``time.perf_counter()``) or the model is not a
    minimisation."""
    if solver._sense < 0 or solver.highs is None:
        return None
    idx, m = built.index, built.model
    hosts, options = list(idx.hosts), list(idx.options)
    host_no = {h: k for k, h in enumerate(hosts)}
    opt_no = {o: k for k, o in enumerate(options)}
    hc = solver.family_columns([m.host[h] for h in hosts])
    uc = solver.family_columns([m.units[h] for h in hosts])
    bc = solver.family_columns([m.build[o] for o in options])
    if (hc < 0).any() or (uc < 0).any() or (bc < 0).any():
        return None  # a fixed or unused decision: not this model's case
    units, built_on = lp[uc], lp[bc]
    lb = np.array([float(idx.units_lb[h]) for h in hosts])
    area = np.array([float(idx.area_per_unit[f]) for _, f in hosts])
    lo, hi = solver._col_bounds
    lo, hi = lo.copy(), hi.copy()
    pinned_host, pinned_build = lo[hc] > 0.5, lo[bc] > 0.5  # pins: kept open
    on = pinned_host.astype(float)
    build = np.full(len(options), -1.0)  # -1: left as it is (a space with no host fixed)
    room = np.zeros(len(hosts))  # the usable area of each host's space, chosen channel
    for j, hs in idx.hosts_of.items():
        ks = [host_no[h] for h in hs]
        ours = idx.options_of[j]
        pinned = [o for o in ours if pinned_build[opt_no[o]]]
        o = pinned[0] if pinned else max(ours, key=lambda o: (built_on[opt_no[o]], -opt_no[o]))
        cap = idx.service_share * idx.usable[o] * idx.max_gross[o]
        room[ks] = cap
        used = float(area[ks] @ (on[ks] * lb[ks]))
        for k in sorted(ks, key=lambda k: (-units[k], k)):
            if on[k] == 0 and units[k] > 1e-6 and units[k] >= HOST_SHARE * lb[k] \
                    and used + area[k] * lb[k] <= cap + 1e-9:
                on[k] = 1.0
                used += area[k] * lb[k]
        if on[ks].any():
            for q in ours:
                build[opt_no[q]] = 1.0 if q == o else 0.0
    fix = build >= 0
    lo[hc], hi[hc] = np.clip(on, lo[hc], hi[hc]), np.clip(on, lo[hc], hi[hc])
    lo[bc[fix]] = hi[bc[fix]] = np.clip(build[fix], lo[bc[fix]], hi[bc[fix]])
    rows = solver.block_rows("service_demand")
    block = _demand_block(built)
    keys = list(block.keys) if block is not None and block.keys is not None else []
    if len(keys) != len(rows):
        return None
    elastic = _ElasticLP(solver, rows, highs)
    squeezing = (on > 0) & (units < lb - 1e-9) & ~pinned_host  # opened over the LP's use
    for n_pass in range(SQUEEZE_PASSES + 1):
        got = elastic.solve(lo, hi, deadline)
        if got is None:
            return None
        got, short = got
        if n_pass == SQUEEZE_PASSES:
            break
        # demand the fixed hosts left unserved: close the hosts opened over the LP's use
        # in the spaces it reaches, which took the area it needed
        spaces = {idx.pair_site[p] for r in np.flatnonzero(short > 1e-7).tolist()
                  for p in idx.pairs_of_demand[keys[r]]}
        close = [host_no[h] for j in spaces for h in idx.hosts_of.get(j, ())
                 if squeezing[host_no[h]]]
        if not close:
            break
        on[close], squeezing[close] = 0.0, False
        lo[hc[close]] = hi[hc[close]] = 0.0
    u = got[uc]
    fixed = np.where(on > 0, np.maximum(np.ceil(u - 1e-6), lb), 0.0)
    fixed = np.minimum(fixed, hi[uc])
    for hs in idx.hosts_of.values():
        ks = [host_no[h] for h in hs if on[host_no[h]] > 0]
        # the smallest fractions give way first, down to the minimum size
        for k in sorted(ks, key=lambda k: (u[k] - math.floor(u[k] + 1e-6), k)):
            if float(area[ks] @ fixed[ks]) <= room[k] + 1e-9:
                break
            fixed[k] = max(math.floor(u[k] + 1e-6), lb[k])
    fixed = np.clip(fixed, lo[uc], hi[uc])
    lo[uc], hi[uc] = fixed, fixed
    got = elastic.solve(lo, hi, deadline)
    return None if got is None else _at(got[0], solver.pair_columns(built))


def _run_for(r: highspy.Highs, seconds: float) -> None:
    """Run ``r`` for at most ``seconds`` more. HiGHS's time limit counts every run of an
    instance (its ``getRunTime``): an LP solved again with the time left as its limit
    stopped at once (highspy 1.16, 1,000 x 300: 0.1 s of a 1.9 s limit after a 2.1 s
    first run)."""
    r.setOptionValue("time_limit", float(r.getRunTime() + max(seconds, 0.0)))
    r.run()


def _lp_highs(solver: Solver, seconds: float) -> highspy.Highs:
    """A new HiGHS instance holding the held model's LP relaxation, set to solve it by dual
    simplex within ``seconds``."""
    lp = solver.highs.getLp()
    lp.integrality_ = [highspy.HighsVarType.kContinuous] * lp.num_col_
    r = quiet_highs()
    r.setOptionValue("output_flag", False)
    r.setOptionValue("solver", "simplex")
    r.setOptionValue("time_limit", float(seconds))
    r.passModel(lp)
    return r


class _ElasticLP:
    """The held model's LP relaxation with an elastic column (cost 20 x the largest cost
    per unit) on each of ``rows``, solved by dual simplex for column bounds given in turn
    (:meth:`solve`). On ``highs`` if given (an instance holding that LP, with valid rows
    added: :func:`_relax_with_cuts`'s), else on a new one; each solve starts from the last
    basis. 5,000 x 1,000 x 3 ``min_distance``: three solves took 6.4-6.6 s each on new
    instances, 0.65-1.6 s each on the cut LP's (the plan from :func:`_fixed_hosts_flows`
    the same, 8.81526e6, in 5.5 s instead of 21.1 s)."""

    def __init__(self, solver: Solver, rows: np.ndarray, highs: highspy.Highs | None = None
                 ) -> None:
        self.r = highs if highs is not None else _lp_highs(solver, 1.0)
        self.n = len(solver._columns)
        k = len(rows)
        if k:
            penalty = 20.0 * max(float(np.abs(solver._cost).max()), 1e-9)
            self.r.addCols(k, np.full(k, penalty), np.zeros(k), np.full(k, _INF), k,
                           np.arange(k, dtype=np.int32), np.asarray(rows, dtype=np.int32),
                           np.ones(k))
        self.k = k

    def solve(self, lower: np.ndarray, upper: np.ndarray, deadline: float
              ) -> tuple[np.ndarray, np.ndarray] | None:
        """(the model's column values, each elastic column's value) with the model's
        columns within ``lower``, ``upper``, or ``None`` if not solved by ``deadline``
        (``time.perf_counter()``)."""
        left = deadline - time.perf_counter()
        if left < 0.5:
            return None
        r = self.r
        r.changeColsBounds(self.n, np.arange(self.n, dtype=np.int32), lower, upper)
        _run_for(r, left)
        if r.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        values = np.asarray(r.getSolution().col_value, dtype=float)
        return values[:self.n], values[self.n:self.n + self.k]


MINSIZE_SHARE = 0.1
"""Share of a ``min_distance`` solve's time limit given to the Lagrangian bound that keeps
minimum sizes (:mod:`siting.minsize_bound`; half the time left at most). 5,000 x 1,000 x 3
from the LP's duals (LP 8.32669e6): 8.43884e6 in 10.2 s (634 steps, +1.35 %), 8.44229e6 in
20 s."""


def _minsize_bound(built: BuiltModel, solver: Solver, duals: np.ndarray, bound: float,
                   upper: float, seconds: float) -> tuple[float, str]:
    """The better of ``bound`` (the LP's) and :mod:`siting.minsize_bound`'s Lagrangian from
    the LP's ``duals`` of the demand rows towards ``upper`` (a plan's value) for
    ``seconds``; and what was done."""
    from siting.minsize_bound import minsize_view

    if seconds < 0.5:
        return bound, "no time for the bound with minimum sizes"
    t0 = time.perf_counter()
    view = minsize_view(built, solver)
    if isinstance(view, str):
        return bound, f"no bound with minimum sizes ({view})"
    at = {k: n for n, k in enumerate(_demand_block(built).keys)}
    lam = np.array([duals[at[k]] for k in sorted(built.index.pairs_of_demand)])
    got = view.improve(upper, lam, seconds - (time.perf_counter() - t0))
    text = (f"Lagrangian bound with minimum sizes {got:.6g} after {view.iterations} steps "
            f"({time.perf_counter() - t0:.1f} s)")
    return (max(bound, got) if math.isfinite(got) else bound), text


def _search(built: BuiltModel, solver: Solver, x: np.ndarray, left: float,
            lp: np.ndarray | None = None, bound: float | None = None
            ) -> tuple[np.ndarray, str]:
    """For ``min_distance``: :func:`siting.neighbourhood.improve` on the plan ``x`` with the
    time ``left`` (but ``BIG_MODEL_RESERVE``; half of it if HiGHS is to run after it, which
    it does only on models of at most ``BIG_MODEL_COLUMNS`` columns); the plan and what was
    done ("" if nothing).

    Measured (``benchmarks/city_scale.py --objective min_distance --time-limit 60``): the
    LP's bound was within 3 % of the plan this search reached in 300 s at 1,000 x 300 x 3,
    where HiGHS from the rounded plan improved nothing in 150 s: the gap was the plan's."""
    from siting.neighbourhood import improve

    n = len(solver._columns)
    share = left - max(BIG_MODEL_RESERVE, 0.05 * left)
    if highs_seconds(n) == 0.0:  # HiGHS runs after it
        share = 0.5 * left
    if share < 1.0:
        return x, ""
    x, got = improve(built, solver, x, share, reference=lp, bound=bound)
    return x, got.text()


def _bound_share(elapsed: float, limit: float, n_columns: int) -> float:
    """Seconds for the Lagrangian bound of :func:`_solve_whole`: what is left of a quarter of
    ``limit``, a fifth at least (HiGHS alone proves nothing at city scale); if HiGHS will not
    run after it (under :func:`highs_seconds` left), all that
    is left but a reserve for storing the plan (5,000 x 1,000 x 3 ``min_cost`` at 60 s: 12 s
    gave a 1.38 % gap and left 17 s unused)."""
    share = max(0.25 * limit - elapsed, 0.2 * limit)
    reserve = max(BIG_MODEL_RESERVE, 0.05 * limit)
    if limit - elapsed - share < highs_seconds(n_columns):
        share = max(share, limit - elapsed - reserve)
    # never past the limit (a min_distance LP not solved in its share came before)
    return max(min(share, limit - elapsed - reserve), 0.0)


def _polish_flows(built: BuiltModel, solver: Solver, time_limit: float, x: np.ndarray
                  ) -> tuple[np.ndarray, str]:
    """Re-optimise the flows of the plan ``x``, units fixed: one transportation LP per
    function (demand rows equal, each host's flows within its units, the compiled
    objective's cost per pair), then each host's units trimmed to what it serves (at least
    its minimum; a host serving nobody closes, a space hosting nothing too) and gross area to
    what the units take. Returns the plan (the new one only if it satisfies every row and
    costs less) and what was done ("" if nothing)."""
    m, idx = built.model, built.index
    before = float(solver._cost @ x + solver._offset)
    cost = solver._cost
    pc = solver.pair_columns(built)
    uc, hc = solver.family_columns(m.units), solver.family_columns(m.host)
    bc, gc = solver.family_columns(m.build), solver.family_columns(m.gross)
    host_no = {h: k for k, h in enumerate(idx.hosts)}
    opt_no = {o: k for k, o in enumerate(idx.options)}
    units = {h: int(round(x[uc[k]])) if uc[k] >= 0 else 0 for h, k in host_no.items()}
    y = x.copy()
    t0 = time.perf_counter()
    solved = 0
    for f in sorted({f for _, f in idx.hosts}):
        pairs = [p for h, ps in idx.pairs_of_host.items() if h[1] == f and units[h] > 0
                 for p in ps if pc[p] >= 0]
        left = time_limit - (time.perf_counter() - t0)
        if not pairs or left <= 0.05:
            continue
        keys = sorted({(idx.pair_zone[p], f) for p in pairs})
        key_no = {k: n for n, k in enumerate(keys)}
        hosts = sorted({(idx.pair_site[p], f) for p in pairs})
        h_no = {h: n for n, h in enumerate(hosts)}
        n, nk = len(pairs), len(keys)
        rows = np.concatenate([[key_no[(idx.pair_zone[p], f)] for p in pairs],
                               [nk + h_no[(idx.pair_site[p], f)] for p in pairs]])
        a = sp.csc_array((np.ones(2 * n), (rows, np.tile(np.arange(n), 2))),
                         shape=(nk + len(hosts), n))
        a.sort_indices()
        d = np.array([idx.demand[k] for k in keys])
        cap = np.array([units[h] for h in hosts], dtype=float)
        cols = pc[pairs]
        bound = np.array([idx.pair_demand[p] for p in pairs], dtype=float)
        h = quiet_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(left))
        h.passModel(n, a.shape[0], a.nnz, int(highspy.MatrixFormat.kColwise),
                    int(highspy.ObjSense.kMinimize), 0.0, cost[cols], np.zeros(n), bound,
                    np.concatenate([d, np.full(len(hosts), -_INF)]),
                    np.concatenate([d, cap]), a.indptr.astype(np.int32),
                    a.indices.astype(np.int32), a.data.astype(float),
                    np.zeros(n, dtype=np.int32))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            continue
        flow = np.clip(np.asarray(h.getSolution().col_value), 0.0, None)
        y[cols] = np.minimum(flow, bound)
        solved += 1
    if not solved:
        return x, ""
    # units to what each host serves, gross to what the units take
    flows = _at(y, pc).tolist()
    load = dict.fromkeys(idx.hosts, 0.0)
    for h, ps in idx.pairs_of_host.items():
        load[h] = sum(flows[p] for p in ps)

    def put(cols: np.ndarray, k: int, value: float) -> None:
        if cols[k] >= 0:
            y[cols[k]] = value

    for j in idx.spaces:
        opts = [o for o in idx.options_of[j] if bc[opt_no[o]] >= 0 and y[bc[opt_no[o]]] > 0.5]
        if not opts:
            continue
        o, used = opts[0], 0.0
        for hh in idx.hosts_of.get(j, []):
            u = units[hh]
            if u and load[hh] <= 1e-9:
                u = 0
            elif u:
                u = min(u, max(int(idx.units_lb[hh]), math.ceil(load[hh] - 1e-7)))
            put(uc, host_no[hh], u)
            put(hc, host_no[hh], 1 if u > 0 else 0)
            used += idx.area_per_unit[hh[1]] * u
        if used <= 0 and (m.build[o].lb or 0) < 0.5:
            put(bc, opt_no[o], 0)
            put(gc, opt_no[o], 0.0)
            continue
        need = used / (idx.service_share * idx.usable[o])
        put(gc, opt_no[o], min(max(need, idx.min_gross.get(o, 0.0)), idx.max_gross[o]))
    after = float(solver._cost @ y + solver._offset)
    if not solver.feasible(y) or after >= before - 1e-9 * abs(before):
        return x, ""
    return y, f"{solved} transportation LPs, objective {before:.6g} -> {after:.6g}"


def _with_note(res: SolveResult, note: str) -> SolveResult:
    return replace(res, termination=f"{res.termination} ({note})")
