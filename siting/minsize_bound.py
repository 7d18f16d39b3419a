r"""A Lagrangian bound of ``min_distance`` that keeps the minimum sizes: above the LP's.

The LP relaxation (:func:`siting.decompose._relax_with_cuts`) runs a function below its
minimum size wherever ``host`` is fractional; its cover rows (:mod:`siting.covers`) forbid
only the sets of functions whose minimum sizes cannot fit together. This bound keeps every
minimum size whole.

**Relaxation.** As in :mod:`siting.serve_bound`, the demand rows move into the objective
with multipliers :math:`\lambda_{if}` and what is left separates by space; here, unlike
there, each hosted function takes its minimum size. For a space :math:`j`, a channel
:math:`o` of usable area :math:`A_o` and a set :math:`S` of the functions it hosts (each
:math:`f\in S` with :math:`u^{min}_f \le \mathrm{units}_f \le U_{jf}`, area :math:`a_f` per
unit), with :math:`\kappa_p = (\lambda_{if} - c_p)/a_f` the value per m² of serving pair
:math:`p=(i,j,f)`:

.. math:: g_{oS}(\lambda) = \max\Big\{\sum_p a_f\kappa_p x_p :
          \sum_{p\in(j,f)} x_p \le \mathrm{units}_f,\
          \sum_{f\in S} a_f\,\mathrm{units}_f \le A_o,\ 0\le x_p\le d_{if}\Big\}

Per function the best flows take pairs by decreasing :math:`\kappa` (positive only), up to
:math:`U_{jf}`; the first :math:`u^{min}_f` units of them are paid for by the minimum size,
whose area is taken whether used or not; the area left, :math:`A_o - \sum_{f\in S} a_f
u^{min}_f`, takes the other pieces by decreasing :math:`\kappa` (a concave knapsack: exact
with units continuous). So

.. math:: L(\lambda) = \sum_{if}\lambda_{if}d_{if} - \sum_j \max\big(0,
          \max_{o,S} g_{oS}(\lambda)\big)

is a lower bound for every :math:`\lambda` (units continuous only relaxes further), and its
maximum over :math:`\lambda` is at least the LP's with every ``serve <= demand x host`` row
and every cover row (both hold in each space's set). Subgradient steps from the LP's
duals raise it (:meth:`MinSizeBound.improve`).

Measured with a per-space prototype (2026-12-08): on a 300 x 100 x 3 city (LP with the
rows 436,682; HiGHS alone, 900 s: plan 449,560, bound 444,226) it reached 440,904 in 280
steps; at 5,000 x 1,000 x 3 (LP 8.32669e6) 8.36577e6 after 30 steps, still rising.

Applies where :mod:`siting.serve_bound` does, with at most :data:`MAX_FUNCTIONS` functions
(the sets are enumerated); :func:`minsize_view` says why not otherwise.
"""

from __future__ import annotations

import math

import numpy as np

from siting.model import BuiltModel
from siting.serve_bound import lagrangian_view, polyak_ascent

__all__ = ["MinSizeBound", "minsize_view"]

MAX_FUNCTIONS = 4
"""Functions a space may host for the sets to be enumerated (2^4 - 1 = 15 per space)."""
STEP = 1.0
PATIENCE = 20
"""The subgradient schedule (Polyak steps ``STEP`` of the way to the plan's value, halved
after ``PATIENCE`` steps without a better bound). Gain over the LP from its duals in 300
steps (about what a 60 s solve gives it at 5,000 x 1,000; 2026-12-08,
``benchmarks/city_scale.py``'s cities), 5,000 x 1,000 x 3 / 1,000 x 300 x 3: 0.1/10 +1.31 /
+0.80 %, 0.3/30 +1.30 / +0.86 %, 0.5/20 +1.36 / +0.87 %, 1.0/20 +1.37 / +0.89 %, 1.0/50
+1.18 / +0.80 %. Given more steps 1.0/50 goes on longer (1,000 x 300: +0.93 % after 1,500
steps, where 1.0/20 stops at +0.91 % after 774)."""


class MinSizeBound:
    """The relaxation's arrays (module text) and the best bound found."""

    def __init__(self, view, units_min: np.ndarray, host_function: np.ndarray,
                 host_space: np.ndarray, n_functions: int) -> None:
        self.v = view
        self.m = units_min  # per host
        self.fbit = host_function  # per host: the function's bit
        n_sp = view.n_spaces
        # each host's minimum area, by space and function (inf: the space cannot host it)
        a_host = np.zeros(len(units_min))
        a_host[view.pair_host] = view.area
        self.host_fit = np.zeros(len(units_min))  # fit-out per unit of each host
        self.host_fit[view.pair_host] = view.fit
        self.min_fit = np.zeros((n_sp, n_functions))  # the minimum size's fit-out, negated
        self.min_fit[host_space, host_function] = -self.host_fit * units_min
        self.min_area = np.full((n_sp, n_functions), np.inf)
        self.min_area[host_space, host_function] = a_host * units_min
        # options by space (CSR)
        order = np.argsort(view.opt_space, kind="stable")
        self.opt_order = order
        self.opt_cut = np.searchsorted(view.opt_space[order], np.arange(n_sp + 1))
        self.n_opts = np.diff(self.opt_cut)
        sets = np.arange(1, 2 ** n_functions)  # every non-empty set, as bits
        bits = (sets[:, None] >> np.arange(n_functions)[None, :]) & 1
        self.bits = bits.astype(bool)
        # the minimum area of each set in each space: inf where a member cannot be hosted
        self.need = np.where(bits[None, :, :], self.min_area[:, None, :], 0.0).sum(axis=2)
        self.best = -math.inf
        self.lam: np.ndarray | None = None
        self.iterations = 0

    def value(self, lam: np.ndarray) -> tuple[float, np.ndarray]:
        """:math:`L(\\lambda)` and the demand served in the relaxation's optimum per row.

        With the objective's small costs on capital (``min_distance`` breaks ties by it):
        a unit's fit-out, the area's cost per m² :math:`\\theta_o` and the channel's fixed
        cost :math:`F_o` are charged as in :mod:`siting.serve_bound`, the minimum size's
        units and area whether used or not."""
        v = self.v
        w_all = lam[v.pair_row] - v.pair_cost  # value of a unit served, before its fit-out
        pos = np.flatnonzero(w_all > 1e-12)
        n_rows = len(v.demand)
        total = float(lam @ v.demand) + v.offset
        n_sp = v.n_spaces
        if not len(pos):
            return total, np.zeros(n_rows)
        w = w_all[pos]
        host = v.pair_host[pos]
        order = np.lexsort((-w, host))
        pos, w, host = pos[order], w[order], host[order]
        d = v.demand[v.pair_row[pos]]
        n = len(pos)
        first = np.ones(n, dtype=bool)
        first[1:] = host[1:] != host[:-1]
        cum = np.cumsum(d)
        start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        before = cum - d - np.where(start > 0, cum[start - 1], 0.0)
        xcap = np.clip(v.host_cap[host] - before, 0.0, d)
        xf = np.clip(self.m[host] - before, 0.0, xcap)  # within the minimum size
        xp = xcap - xf
        area = v.area[pos]
        space = v.pair_space[pos]
        fb = self.fbit[host]
        kap = (w - self.host_fit[host]) / area  # per m², fit-out paid, beyond the minimum
        free_val = self.min_fit.copy()  # the minimum size's fit-out, paid in any case
        np.add.at(free_val, (space, fb), w * xf)
        # the pieces beyond the minimum sizes, by space and decreasing value
        q = np.flatnonzero((xp > 1e-12) & (kap > 0))
        q = q[np.lexsort((-kap[q], space[q]))]
        sq, kq, fq = space[q], kap[q], fb[q]
        axq = area[q] * xp[q]
        firsts = np.ones(len(q), dtype=bool)
        firsts[1:] = sq[1:] != sq[:-1]
        s0 = np.maximum.accumulate(np.where(firsts, np.arange(len(q)), 0))
        # each piece once per option of its space
        reps = self.n_opts[sq]
        piece = np.repeat(np.arange(len(q)), reps)
        k_in = np.arange(len(piece)) - np.repeat(np.cumsum(reps) - reps, reps)
        opt = self.opt_order[self.opt_cut[sq][piece] + k_in]
        area_o, theta = v.opt_area[opt], v.opt_theta[opt]
        worth = np.maximum(kq[piece] - theta, 0.0)
        n_opt = len(v.opt_space)
        best = np.zeros(n_sp)
        best_set = np.full(n_sp, -1)
        best_opt = np.full(n_sp, -1)
        free_by_set = np.where(self.bits[None, :, :], free_val[:, None, :], 0.0).sum(axis=2)
        for k, bits in enumerate(self.bits):
            member = bits[fq]
            ax = np.where(member, axq, 0.0)
            prev = _area_before(ax, s0)
            room = area_o - self.need[sq[piece], k]
            take = np.clip(room - prev[piece], 0.0, ax[piece])
            gain = np.bincount(opt, take * worth, minlength=n_opt)
            need = self.need[v.opt_space, k]
            ok = v.opt_area >= need - 1e-9
            val = np.where(ok, gain + free_by_set[v.opt_space, k]
                           - v.opt_theta * np.where(ok, need, 0.0) - v.opt_fixed, -np.inf)
            by_space = np.full(n_sp, -np.inf)
            np.maximum.at(by_space, v.opt_space, val)
            better = by_space > best + 1e-12
            if better.any():
                best = np.where(better, by_space, best)
                best_set[better] = k
                hit = np.flatnonzero((val >= by_space[v.opt_space] - 1e-12)
                                     & better[v.opt_space])
                chosen = np.full(n_sp, -1)
                chosen[v.opt_space[hit[::-1]]] = hit[::-1]  # the first of equal options
                best_opt[better] = chosen[better]
        total -= float(best.sum())
        # the demand served by each space's best (set, option)
        served = np.zeros(n_rows)
        has = best_set[space] >= 0
        in_set = np.zeros(n, dtype=bool)
        in_set[has] = self.bits[best_set[space[has]], fb[has]]
        np.add.at(served, v.pair_row[pos[in_set]], xf[in_set])
        bq = best_set[sq]
        mq = np.zeros(len(q), dtype=bool)
        mq[bq >= 0] = self.bits[bq[bq >= 0], fq[bq >= 0]]
        o = best_opt[sq]
        mq &= (o >= 0) & (kq > v.opt_theta[np.maximum(o, 0)])
        ax = np.where(mq, axq, 0.0)
        prev = _area_before(ax, s0)
        room = np.where(o >= 0, v.opt_area[np.maximum(o, 0)]
                        - self.need[sq, np.maximum(bq, 0)], 0.0)
        take = np.clip(room - prev, 0.0, ax)
        np.add.at(served, v.pair_row[pos[q]], take / area[q])
        return total, served

    def improve(self, upper: float, lam: np.ndarray, time_limit: float,
                iterations: int = 100_000) -> float:
        """Subgradient steps from ``lam`` towards ``upper`` (a plan's value) for
        ``time_limit`` seconds (three steps at least); the best bound (kept in ``best``)."""
        v = self.v
        best, lam_best, steps = polyak_ascent(self.value, v.demand, v.pair_row, v.area, upper,
                                              lam, time_limit, iterations, upper, STEP,
                                              PATIENCE, self.best)
        self.iterations += steps
        if lam_best is not None:
            self.best, self.lam = best, lam_best
        return self.best


def _area_before(ax: np.ndarray, start: np.ndarray) -> np.ndarray:
    """For pieces in space order (``start``: the position of each piece's space's first),
    the area ``ax`` of the better pieces of the same space before each."""
    cum = np.cumsum(ax)
    return cum - np.where(start > 0, cum[start - 1], 0.0) - ax


def minsize_view(built: BuiltModel, solver) -> MinSizeBound | str:
    """The relaxation of ``built`` (held by ``solver``), or why it does not apply."""
    idx = built.index
    hosts = list(idx.hosts)
    functions = sorted({f for _, f in hosts})
    if len(functions) > MAX_FUNCTIONS:
        return f"more than {MAX_FUNCTIONS} functions"
    view = lagrangian_view(built, solver)
    if isinstance(view, str):
        return view
    f_no = {f: k for k, f in enumerate(functions)}
    space_no = {j: k for k, j in enumerate(idx.spaces)}
    return MinSizeBound(view, np.array([float(idx.units_lb[h]) for h in hosts]),
                        np.array([f_no[f] for _, f in hosts], dtype=np.int64),
                        np.array([space_no[j] for j, _ in hosts], dtype=np.int64),
                        len(functions))
