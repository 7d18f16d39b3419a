r"""A Lagrangian lower bound for serve-all models with several functions.

HiGHS does not finish the LP relaxation of a city's ``min_cost`` model (1,000 communities x
300 spaces x 3 functions, 0.37 M columns: not in 150 s by interior point or simplex), so it
never proves a gap. This bound is computed on arrays, in a fraction of a second per step.

**Relaxation.** The demand rows :math:`\sum_j x_{ijf} = d_{if}` move into the objective with
multipliers :math:`\lambda_{if}` (free: they are equalities), the count, budget and every
other row outside a space are dropped, units are continuous and the minimum sizes
(``units_lb``, ``min_gross``) are dropped. What is left separates by space: for a space j
taking option o (or nothing), with :math:`\theta_o = c_o / (\phi_o\,s)` the per-m² cost of
one m² of usable service area (gross cost :math:`c_o`, usable factor :math:`\phi_o`, service
share s) and :math:`\kappa_p = (\lambda_{if} - c^{fit}_f)/a_f` the value per m² of serving
pair p = (i, j, f),

.. math:: g_o(\lambda) = \max\Big\{\sum_p a_f(\kappa_p - \theta_o)\,x_p :
          \sum_{p\in(j,f)} x_p \le U_{jf},\ \sum_p a_f x_p \le A_o,\ 0\le x_p\le d_{if}\Big\}
          - F_o

(:math:`A_o` the usable area at the largest gross, :math:`F_o` the fixed cost; the area
cost :math:`c_o g_o` is at least :math:`\theta_o` times the area the units take, and the rows
``serve <= units <= U host``, ``host <= build``, ``gross <= G build`` give the rest). Within a
function the best x takes pairs by decreasing :math:`\kappa` up to :math:`U_{jf}`; across
functions the problem is a separable concave knapsack in area, solved exactly by taking the
pieces in decreasing :math:`\kappa` until the area is full. So

.. math:: L(\lambda) = \sum_{if}\lambda_{if}d_{if} - \sum_j \max\big(0, \max_o g_o(\lambda)\big)

is a lower bound of the model's optimum for every :math:`\lambda` (weak duality; every
other column's cost is non-negative and dropped, which only lowers it), improved
by subgradient steps (Held, Wolfe & Crowder 1974) towards the value of a known plan.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.model import BuiltModel
from siting.model.service import SERVE_ALL_OBJECTIVES

log = logging.getLogger(__name__)

__all__ = ["LagrangianBound", "lagrangian_view"]

STEP = 0.1
PATIENCE = 10
"""Subgradient schedule: the first Polyak step's factor, and the steps without a better
bound before it is halved. Measured on ``benchmarks/city_scale.py``'s 5,000 x 1,000 x 3
``min_cost`` (a plan 1.23827e10, about 1 s a step with the lexsort then used): factor 1.0
halved after 20 stalls stayed at 1.2209e10 (gap 1.40 %) from step 20 to step 71; 1.0 / 5:
1.2221e10 after 43 steps; 0.2 / 5: 1.2233e10 after 41; 0.05 / 5: 1.2239e10 after 72;
0.1 / 10: 1.2244e10 after 74 (gap 1.12 %), still rising."""


@dataclass
class LagrangianBound:
    """The relaxation's arrays (module text) and the best bound found."""

    demand: np.ndarray  # per demand row
    pair_row: np.ndarray  # demand row of each pair
    pair_space: np.ndarray  # space number of each pair
    pair_host: np.ndarray  # host number of each pair
    host_cap: np.ndarray  # U per host
    area: np.ndarray  # a_f per pair
    fit: np.ndarray  # fit-out per unit per pair
    pair_cost: np.ndarray  # objective cost per unit served of each pair (walk, pair costs)
    opt_space: np.ndarray  # space of each option
    opt_theta: np.ndarray
    opt_area: np.ndarray  # A_o
    opt_fixed: np.ndarray
    n_spaces: int
    offset: float
    pair_col: np.ndarray | None = None  # held column of each pair's flow
    last_open: np.ndarray | None = None  # spaces taken by the last solve_spaces
    best: float = -math.inf
    lam: np.ndarray | None = None
    iterations: int = 0

    def value(self, lam: np.ndarray) -> tuple[float, np.ndarray]:
        """:math:`L(\\lambda)` and the demand served in the relaxation's optimum per row."""
        val, served, _ = self.solve_spaces(lam)
        return val, served

    def solve_spaces(self, lam: np.ndarray) -> tuple[float, np.ndarray, float]:
        """:meth:`value`, and the cost (fixed, area at :math:`\\theta`, fit-out) of the
        options the relaxation's optimum takes."""
        n = len(self.pair_row)
        kappa = (lam[self.pair_row] - self.fit - self.pair_cost) / self.area
        # space order: by space, then decreasing value per m² (two argsorts, the second
        # stable on integers, for one lexsort: a step at 1.1 M pairs 0.93-1.0 s -> 0.65-0.70
        # s side by side on a busy machine, the same value and subgradient)
        order = np.argsort(-kappa)
        space_key, host_key = self._sort_keys
        order = order[np.argsort(space_key[order], kind="stable")]
        # per host, in that order: the units up to U (a prefix, as kappa decreases)
        by_host = order[np.argsort(host_key[order], kind="stable")]
        d = self.demand[self.pair_row[by_host]]
        cum = np.cumsum(d)
        hs = self.pair_host[by_host]
        first = np.ones(n, dtype=bool)
        first[1:] = hs[1:] != hs[:-1]
        start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        before = cum - d - np.where(start > 0, cum[start - 1], 0.0)
        x1 = np.empty(n)
        x1[by_host] = np.clip(self.host_cap[hs] - before, 0.0, d)
        # in space order: cumulative area per space
        k = kappa[order]
        ax = self.area[order] * x1[order]
        sp_o = self.pair_space[order]
        cum_a = np.cumsum(ax)
        firsts = np.ones(n, dtype=bool)
        firsts[1:] = sp_o[1:] != sp_o[:-1]
        s0 = np.maximum.accumulate(np.where(firsts, np.arange(n), 0))
        base = np.where(s0 > 0, cum_a[s0 - 1], 0.0)
        cum_a = cum_a - base  # within the space, including the element
        prev_a = cum_a - ax
        # each option over its space's elements (positions into the space order)
        pos, opt = self._expanded
        ok = k[pos] > self.opt_theta[opt]
        A = self.opt_area[opt]
        full = ok & (cum_a[pos] <= A + 1e-9)
        part = ok & ~full & (prev_a[pos] < A)
        take = np.where(full, ax[pos], np.where(part, A - prev_a[pos], 0.0))
        gain = np.bincount(opt, take * (k[pos] - self.opt_theta[opt]),
                           minlength=len(self.opt_space)) - self.opt_fixed
        best_gain = np.zeros(self.n_spaces)
        np.maximum.at(best_gain, self.opt_space, gain)
        val = float(lam @ self.demand - best_gain.sum())
        # the chosen option of each space with a positive gain
        chosen = np.full(self.n_spaces, -1)
        pos_gain = gain > 1e-12
        o_sorted = np.lexsort((-gain, self.opt_space))
        o_sorted = o_sorted[pos_gain[o_sorted]]
        sp = self.opt_space[o_sorted]
        keep = np.ones(len(sp), dtype=bool)
        keep[1:] = sp[1:] != sp[:-1]
        chosen[sp[keep]] = o_sorted[keep]
        self.last_open = chosen >= 0  # the spaces the relaxation's optimum takes
        sel = chosen[self.opt_space[opt]] == opt
        served_units = np.where(sel, take / self.area[order][pos], 0.0)
        served = np.bincount(self.pair_row[order][pos], served_units,
                             minlength=len(self.demand))
        spend = float(np.where(sel, take * self.opt_theta[opt], 0.0).sum()
                      + self.opt_fixed[chosen[chosen >= 0]].sum()
                      + (served_units * self.fit[order][pos]).sum())
        return val + self.offset, served, spend

    @property
    def _sort_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """Each pair's space and host number as the stable sorts' keys: 16-bit where they
        fit, which numpy sorts by radix (the same permutation, as every stable sort gives;
        1.18 M pairs: 0.029 s a sort against 0.136 s on 64-bit keys)."""
        if getattr(self, "_keys", None) is None:
            def key(a: np.ndarray) -> np.ndarray:
                return a.astype(np.uint16) if len(a) and 0 <= a.min() and a.max() < 2 ** 16 \
                    else a
            self._keys = (key(self.pair_space), key(self.pair_host))
        return self._keys

    @property
    def _expanded(self) -> tuple[np.ndarray, np.ndarray]:
        if getattr(self, "_exp", None) is None:
            counts = np.bincount(self.pair_space, minlength=self.n_spaces)
            starts = np.concatenate([[0], np.cumsum(counts)])
            pos, opt = [], []
            for o, j in enumerate(self.opt_space.tolist()):
                pos.append(np.arange(starts[j], starts[j + 1]))
                opt.append(np.full(counts[j], o))
            self._exp = (np.concatenate(pos).astype(np.int64) if pos else np.zeros(0, int),
                         np.concatenate(opt).astype(np.int64) if opt else np.zeros(0, int))
        return self._exp

    def improve(self, upper: float, lam: np.ndarray, time_limit: float,
                iterations: int = 300, target: float | None = None) -> float:
        """Subgradient steps from ``lam`` towards ``upper`` (the value of a known plan):
        Polyak steps scaled by :data:`STEP` (halved after :data:`PATIENCE` steps without a
        better bound); stops at ``time_limit`` seconds (after three steps at least), after
        ``iterations``, or when the bound reaches
        ``target``. Returns the best bound (also kept in ``best`` with its ``lam``)."""
        best, lam_best, steps = polyak_ascent(
            self.value, self.demand, self.pair_row, self.area, upper, lam, time_limit,
            iterations, target, STEP, PATIENCE, self.best)
        self.iterations += steps
        if lam_best is not None:
            self.best, self.lam = best, lam_best
        return self.best


def polyak_ascent(value, demand: np.ndarray, pair_row: np.ndarray, area: np.ndarray,
                  upper: float, lam: np.ndarray, time_limit: float, iterations: int,
                  target: float | None, step: float, patience: int, best: float
                  ) -> tuple[float, np.ndarray | None, int]:
    """Subgradient ascent of a Lagrangian ``value(lam) -> (L, served per demand row)``
    from ``lam`` towards ``upper`` (a plan's value): Polyak steps scaled by ``step``
    (halved after ``patience`` steps without a bound above ``best``); stops at
    ``time_limit`` seconds (after three steps at least), after ``iterations``, or when the
    bound reaches ``target``. Returns (the best bound, its multipliers or ``None`` if none
    beat ``best``, the steps taken)."""
    t0 = time.perf_counter()
    stall, lam_best = 0, None
    # steps in value per m² (kappa): the subgradient in lambda scaled by each row's
    # area per unit (on 200 x 60 cities, 300 steps: gap 2.10 % unscaled, 1.94 %)
    a = np.zeros(len(demand))
    np.maximum.at(a, pair_row, area)
    steps = 0
    for it in range(iterations):
        if it >= 3 and time.perf_counter() - t0 > time_limit:
            break  # at least three steps: a bound at all matters more than its time
        val, served = value(lam)
        steps += 1
        if val > best:
            best, lam_best, stall = val, lam.copy(), 0
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2, 0
        if target is not None and best >= target:
            break
        g = demand - served
        gg = float((g * np.sqrt(a)) @ (g * np.sqrt(a)))
        if gg < 1e-12 or step < 1e-4:
            break
        lam = lam + step * max(upper - val, 1e-9 * abs(upper)) / gg * (g * a)
    return best, lam_best, steps


def lagrangian_view(built: BuiltModel, solver) -> LagrangianBound | str:
    """The relaxation of ``built`` (held by ``solver``, for the compiled costs), or the
    reason it does not apply."""
    opts = built.options
    if opts.objective not in SERVE_ALL_OBJECTIVES or solver._sense < 0:
        return f"objective {opts.objective}"
    return space_view(built, solver, solver._cost, float(solver._offset))


def space_view(built: BuiltModel, solver, cost: np.ndarray, offset: float
               ) -> LagrangianBound | str:
    """The relaxation's arrays with ``cost`` (one entry per held column) as the cost of
    opening, area, units and flows, or the reason the structure does not apply: the
    objective's costs for :func:`lagrangian_view`, the budget row's for
    :mod:`siting.maxmin_bound`."""
    idx, m = built.index, built.model
    if idx.shared:
        return "floor area shared between functions (standards)"
    if idx.existing_capacity or idx.pairs_of_existing:
        return "existing facilities"
    if built.phasing.enabled:
        return "phasing"
    col_of = solver._col_of
    lo, hi = solver._col_bounds

    def col(v) -> int:
        return col_of.get(id(v), -1)

    spaces = list(idx.spaces)
    space_no = {j: n for n, j in enumerate(spaces)}
    keys = sorted(idx.pairs_of_demand)
    demand = np.array([idx.demand[k] for k in keys], dtype=float)
    hosts = list(idx.hosts)
    units_col = np.array([col(m.units[h]) for h in hosts], dtype=np.int64)
    host_col = np.array([col(m.host[h]) for h in hosts], dtype=np.int64)
    host_cap = np.where(units_col >= 0, hi[np.maximum(units_col, 0)], 0.0)
    host_cap = np.where(host_col >= 0, np.where(hi[np.maximum(host_col, 0)] > 0.5, host_cap,
                                                0.0), host_cap)
    fit_h = np.where(units_col >= 0, cost[np.maximum(units_col, 0)], 0.0)
    serve_col = solver.pair_columns(built)
    options = list(idx.options)
    build_col = np.array([col(m.build[o]) for o in options], dtype=np.int64)
    gross_col = np.array([col(m.gross[o]) for o in options], dtype=np.int64)
    # the columns of none of these families (a mask: a set of 3.1 M columns and
    # setdiff1d took about 5 s at 20,000 x 3,000 x 3)
    used = np.zeros(len(cost), dtype=bool)
    for c in (units_col, host_col, serve_col, build_col, gross_col):
        used[c[c >= 0]] = True
    others = np.flatnonzero(~used)
    if np.any(cost[others] < 0) or np.any(lo[others] < 0):
        return "other columns with negative costs or bounds"
    for c in (serve_col, host_col, units_col, build_col, gross_col):
        c = c[c >= 0]
        if np.any(cost[c] < 0) or np.any(lo[c] < 0):
            return "negative costs or bounds"
    # pairs with a host (pairs to a site that cannot host the function serve nobody)
    by_site_f = pd.MultiIndex.from_arrays([idx.pair_site, idx.pair_function])
    ph = pd.MultiIndex.from_tuples(hosts).get_indexer(by_site_f) if hosts else np.full(
        idx.n_pairs, -1)
    keep = (ph >= 0) & (serve_col >= 0)
    ph = ph[keep]
    if np.any(serve_col[~keep] >= 0) and np.any(hi[serve_col[(~keep) & (serve_col >= 0)]] > 0):
        return "pairs to sites without a host"
    pair_row = pd.MultiIndex.from_tuples(keys).get_indexer(
        pd.MultiIndex.from_arrays([idx.pair_zone, idx.pair_function]))[keep]
    pair_space = pd.Index(spaces).get_indexer(idx.pair_site)[keep]
    area = pd.Series(idx.area_per_unit, dtype=float).reindex(
        idx.pair_function).to_numpy()[keep]
    if np.any(area <= 0):
        return "a function without area per unit"
    share = idx.service_share
    ok = (build_col >= 0) & (hi[np.maximum(build_col, 0)] > 0.5)
    usable = np.array([idx.usable[o] for o in options])
    gcost = np.where(gross_col >= 0, cost[np.maximum(gross_col, 0)], 0.0)
    gmax = np.where(gross_col >= 0, hi[np.maximum(gross_col, 0)], 0.0)
    sel = np.flatnonzero(ok)
    return LagrangianBound(
        demand=demand, pair_row=pair_row, pair_space=pair_space, pair_host=ph,
        host_cap=host_cap, area=area, fit=fit_h[ph], pair_cost=cost[serve_col[keep]],
        pair_col=serve_col[keep],
        opt_space=np.array([space_no[o[0]] for o in options])[sel],
        opt_theta=(gcost / (usable * share))[sel], opt_area=(share * usable * gmax)[sel],
        opt_fixed=np.where(build_col >= 0, cost[np.maximum(build_col, 0)], 0.0)[sel],
        n_spaces=len(spaces), offset=offset)


def initial_multipliers(view: LagrangianBound, upper: float) -> np.ndarray:
    """The better of two guesses: each unit at its fit-out plus its area at the plan's cost
    per m² of usable area (what it takes beyond fit-out: ``min_cost``), or at its cheapest
    pair's cost plus the cheapest full use of a space it reaches (``min_distance``)."""
    a = _plan_average(view, upper)
    full = view.opt_theta + view.opt_fixed / np.maximum(view.opt_area, 1e-9)
    best = np.full(view.n_spaces, np.inf)
    np.minimum.at(best, view.opt_space, full)
    per_pair = view.fit + view.pair_cost + view.area * best[view.pair_space]
    b = np.full(len(view.demand), np.inf)
    np.minimum.at(b, view.pair_row, per_pair)
    b = np.where(np.isfinite(b), b, a)
    return a if view.value(a)[0] >= view.value(b)[0] else b


def _plan_average(view: LagrangianBound, upper: float) -> np.ndarray:
    per_row_fit = np.zeros(len(view.demand))
    per_row_area = np.zeros(len(view.demand))
    np.maximum.at(per_row_fit, view.pair_row, view.fit)
    np.maximum.at(per_row_area, view.pair_row, view.area)
    fit_cost = float(per_row_fit @ view.demand)
    area_need = float(per_row_area @ view.demand)
    rho = max(upper - view.offset - fit_cost, 0.0) / max(area_need, 1e-9)
    return per_row_fit + per_row_area * rho
