r"""A Lagrangian upper bound for ``max_min_coverage`` at city scale, on arrays.

At 5,000 communities x 1,000 spaces the max-min model's LP relaxation is the slow part of a
solve (interior point, 20 s on a quiet machine, twice max coverage's whole solve); the bound
here takes a fraction of a second per step, so a bound exists long before the LP would.

**Relaxation.** Stage 1 of :mod:`siting.maxmin` maximises
:math:`a\,z + \sum_p \nu^0_p x_p - \text{(tie-break, penalties)}` subject to
:math:`z \le c_u = \sum_{p\in u} e_p x_p` for every unit u (``equity_min_rows``), the demand
rows :math:`\sum_j x_{ijf} \le d_{if}`, the budget :math:`C \le B` and the space rows. Move the
unit rows into the objective with :math:`\lambda_u \ge 0` and the hold row :math:`z \ge h`
of stage 2 with :math:`\rho = \sum_u\lambda_u - a \ge 0` (so z drops out, and
:math:`-\rho h` joins the bound), the demand rows with :math:`\mu_{if} \ge 0` and the budget with
:math:`\beta > 0`; drop every other row outside a space, the tie-break and the penalties
(terms :math:`\le 0`), make units continuous and drop minimum sizes — each only enlarges the
feasible set or the objective, so for every such :math:`(\lambda, \mu, \beta)`

.. math:: U(\lambda,\mu,\beta) = \beta B + \sum_{if}\mu_{if} d_{if} - \rho h
          + \sum_j \max\Big(0, \max_o \big[\textstyle\sum_p (\nu_p - \mu_{if}
          - \beta c^{fit}_f)\,x_p - \beta(c_o g_o + F_o)\big]\Big),
          \qquad \nu_p = \nu^0_p + \lambda_{u(p)} e_p

bounds the stage's optimum from above (weak duality). The inner maximum per space is the
serve-all bound's (:class:`siting.serve_bound.LagrangianBound`, the budget row's prices as
costs and :math:`(\nu_p-\mu)/\beta` as the value of a unit), solved exactly on arrays.
:math:`U` is convex in :math:`(\lambda,\mu,\beta)`; it is lowered by projected subgradient
steps (Polyak steps towards the start's value, in coordinates scaled by each multiplier's
natural size, halved after :data:`PATIENCE` steps without progress), with a line search on
:math:`\beta` first. The subgradients are :math:`c_u(x^*) - h` for :math:`\lambda`
(projected on :math:`\{\lambda \ge 0, \sum\lambda \ge a\}`),
:math:`d - \mathrm{served}(x^*)` for :math:`\mu` and :math:`B - C(x^*)` for :math:`\beta`.
The spaces the relaxation takes often near its best bound are the candidates of the kernel
search in :func:`siting.maxmin.solve_guided`.

Applies where the serve-all bound's structure does (no shared floor area, no existing
facilities, no phasing), with the objective's only positive terms on flows and z and every
flow's unit coefficient the same within its demand row; otherwise :func:`max_min_view`
returns the reason.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from siting.model import BuiltModel
from siting.serve_bound import LagrangianBound, space_view

__all__ = ["MaxMinBound", "max_min_view"]

STEP = 3.0
PATIENCE = 20
LAM_SCALE = 3.0
"""Subgradient schedule (module text): the first Polyak step's factor, the steps without a
better bound before it is halved, and the natural size of the unit multipliers relative to
z's weight per unit. When the step has shrunk to 1e-4 the steps restart from the best
multipliers at half the previous first step (at least 1/64 of STEP). Measured against the
LP's value (quiet machine), with the first, broken line search: 5,000 x 1,000 x 3 (LP
0.009496 in 20.5 s by interior point): 3 / 20 / scale 1:
within 5 % after 4.1 s, 1 % never in 20 s; 3 / 20 / 3: 1 % after 9.8 s; 3 / 40 / 3 and
2 / 30 / 3: 2 % after 12 s; 5 / 20: diverged; steps towards a moving level (the best bound
less a shrinking share of its distance to the plan) instead of Polyak's: 1,000 x 300 never
within 5 %. 300 x 90 x 2: without restarts 3 / 20 / 3 stopped 10 % above the LP after 362
steps. With restarts (and the golden-section line search on beta, at the start over four
decades and at each restart over one): 300 x 90 x 2 2.1 % above the LP when it stalls after
7 s (3 / 40: 0.02 % after 4 s, but 5,000 x 1,000 then reaches 2 % only after 13 s);
1,000 x 300 within 1 % after 2.2 s; 5,000 x 1,000 within 2 % after 6.7 s, 1.0 % at 15 s."""
STALL_S, STALL_REL = 5.0, 1e-3
"""Stop when the bound improved by less than this share in the last this many seconds (at
5,000 x 1,000 given 225 s, the steps went on for 101 s to gain the last 1 %)."""
SUPPORT_NEAR = 0.01
"""A space is in the support if the relaxation takes it at a step whose bound is within
this of the best so far (steps oscillate between optima of the relaxation)."""


@dataclass
class MaxMinBound:
    """The relaxation's arrays and the best bound found."""

    space: LagrangianBound  # prices: the budget row's; values set per step
    nu0: np.ndarray  # objective coefficient per pair
    unit_of_row: np.ndarray  # unit of each demand row (-1: in no unit row)
    e_row: np.ndarray  # coefficient of each demand row's flows in its unit's row
    n_units: int
    a: float  # objective coefficient of z
    hold: float  # the held minimum h of z >= h (stage 2 of siting.maxmin; 0 in stage 1)
    budget: float
    offset: float  # the objective's constant
    best: float = math.inf
    best_x: tuple | None = None
    iterations: int = 0
    history: list = field(default_factory=list)  # (seconds, bound) at each better bound
    # of the last call to improve
    support: np.ndarray | None = None  # per space: steps near the best bound taking it
    near_steps: int = 0

    def value(self, lam: np.ndarray, mu: np.ndarray, beta: float
              ) -> tuple[float, np.ndarray, float, np.ndarray]:
        """:math:`U(\\lambda,\\mu,\\beta)`, the demand served per row, the spend and the
        spaces taken in the relaxation's optimum."""
        sv = self.space
        lam_row = np.where(self.unit_of_row >= 0, lam[np.maximum(self.unit_of_row, 0)], 0.0)
        nu = self.nu0 + (lam_row * self.e_row)[sv.pair_row]
        # kappa = ((nu - mu)/beta - fit)/area: lam' = -mu/beta, pair cost -nu/beta
        sv.pair_cost = -nu / beta  # this bound's own copy of the arrays
        val, served, spend = sv.solve_spaces(-mu / beta)
        bound = (beta * (self.budget - val) + self.offset
                 - (float(lam.sum()) - self.a) * self.hold)
        return bound, served, spend, sv.last_open

    def improve(self, lower: float, time_limit: float, target: float | None = None
                ) -> float:
        """Subgradient steps (module text) towards ``lower`` (a plan's value) for at most
        ``time_limit`` seconds or until the bound reaches ``target``; returns the best."""
        t0 = time.perf_counter()
        sv = self.space
        n_rows = len(sv.demand)
        self.history = []  # this call's
        if self.support is None:
            self.support = np.zeros(sv.n_spaces)
        if self.best_x is None:
            lam = np.full(self.n_units, self.a / max(self.n_units, 1))
            mu = np.zeros(n_rows)
            # a plan's value per yuan, or (no plan) a hundredth of z's weight per yuan; the
            # line search then looks four decades either side
            scale = max(lower - self.offset, 0.01 * self.a, 1e-12)
            beta = self._line_search(lam, mu, scale / max(self.budget, 1e-9))
        else:
            lam, mu, beta = (v.copy() if isinstance(v, np.ndarray) else v
                             for v in self.best_x)
        # natural sizes: the value of a unit of each row, z's weight per unit, beta itself
        nu_row = np.zeros(n_rows)
        np.maximum.at(nu_row, sv.pair_row, self.nu0)
        per_unit = max(self.a, 1.0) / max(self.n_units, 1)  # the objective is in [0, 1]
        s_mu = nu_row + self.e_row * per_unit
        s_lam = LAM_SCALE * per_unit
        step, stall, restart = STEP, 0, STEP
        while True:
            elapsed = time.perf_counter() - t0
            if self.iterations and elapsed > time_limit:
                break
            if elapsed > STALL_S and self._stalled(elapsed):
                break
            ub, served, spend, opened = self.value(lam, mu, beta)
            self.iterations += 1
            if ub <= self.best + SUPPORT_NEAR * abs(self.best):
                self.support += opened
                self.near_steps += 1
            if ub < self.best - 1e-12 * abs(self.best if math.isfinite(self.best) else 1):
                self.best, self.best_x, stall = ub, (lam.copy(), mu.copy(), beta), 0
                self.history.append((time.perf_counter() - t0, ub))
            else:
                stall += 1
                if stall >= PATIENCE:
                    step, stall = step / 2, 0
            if target is not None and self.best <= target:
                break
            if step < 1e-4:  # restart from the best multipliers with a smaller first step
                restart = max(restart / 2, STEP / 64)  # (the clock or a stall ends it)
                lam, mu, beta = (v.copy() if isinstance(v, np.ndarray) else v
                                 for v in self.best_x)
                beta = self._line_search(lam, mu, beta, decades=1)
                step, stall = restart, 0
                continue
            g_mu = sv.demand - served
            g_beta = self.budget - spend
            cov = np.bincount(self.unit_of_row[self.unit_of_row >= 0],
                              (served * self.e_row)[self.unit_of_row >= 0],
                              minlength=self.n_units) - self.hold
            g_mu = np.where((mu <= 0) & (g_mu > 0), 0.0, g_mu)  # projected: mu >= 0
            norm = (float((s_mu * g_mu) @ (s_mu * g_mu)) + (beta * g_beta) ** 2
                    + s_lam ** 2 * float(cov @ cov))
            if norm <= 1e-30:
                break
            t = step * max(ub - lower, 1e-9 * abs(ub)) / norm
            mu = np.maximum(mu - t * s_mu ** 2 * g_mu, 0.0)
            beta = max(beta * math.exp(-t * beta * g_beta), 1e-300)  # stays positive
            lam = _project_at_least(lam - t * s_lam ** 2 * cov, self.a)
        return self.best

    def _stalled(self, elapsed: float) -> bool:
        """Whether the best bound fell by less than :data:`STALL_REL` in the last
        :data:`STALL_S` seconds of this call (``history`` holds its improvements)."""
        before = [b for t, b in self.history if t <= elapsed - STALL_S]
        return bool(before) and self.best > before[-1] * (1 - STALL_REL)

    def _line_search(self, lam: np.ndarray, mu: np.ndarray, guess: float,
                     decades: float = 4) -> float:
        """The best :math:`\\beta` for these multipliers, by golden section on its log over
        ``decades`` either side of ``guess`` (U is convex in beta)."""
        w = decades * math.log(10)
        lo, hi = math.log(guess) - w, math.log(guess) + w
        r = (math.sqrt(5) - 1) / 2
        f = {}

        def ev(x: float) -> float:
            if x not in f:
                f[x] = self.value(lam, mu, math.exp(x))[0]
                self.iterations += 1
            return f[x]

        a, b = hi - r * (hi - lo), lo + r * (hi - lo)
        for _ in range(16):
            if ev(a) < ev(b):  # the minimum lies in [lo, b]
                hi, b = b, a
                a = hi - r * (hi - lo)
            else:  # in [a, hi]
                lo, a = a, b
                b = lo + r * (hi - lo)
        x = min(f, key=f.get)
        if f[x] < self.best:  # every evaluation is a valid bound
            self.best, self.best_x = f[x], (lam.copy(), mu.copy(), math.exp(x))
        return math.exp(x)


def _project_at_least(v: np.ndarray, total: float) -> np.ndarray:
    """Euclidean projection of ``v`` on :math:`\\{x \\ge 0, \\sum x \\ge \\text{total}\\}`:
    the orthant's if that sum is large enough, else the simplex's (the constraint active)."""
    c = np.maximum(v, 0.0)
    return c if c.sum() >= total else _project_simplex(v, total)


def _project_simplex(v: np.ndarray, total: float) -> np.ndarray:
    """Euclidean projection of ``v`` on :math:`\\{x \\ge 0, \\sum x = \\text{total}\\}`."""
    if total <= 0:
        return np.zeros_like(v)
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - total
    k = np.arange(1, len(v) + 1)
    rho = np.nonzero(u - css / k > 0)[0][-1]
    return np.maximum(v - css[rho] / (rho + 1), 0.0)


def max_min_view(built: BuiltModel, solver) -> MaxMinBound | str:
    """The relaxation of ``built``'s current stage (held by ``solver``), or the reason it
    does not apply."""
    m = built.model
    if not hasattr(m, "equity_min_rows") or not hasattr(m, "siting_budget"):
        return "no max-min rows or no budget"
    if solver._sense > 0:
        return "not a maximisation"
    b_rows = solver.rows_of(m.siting_budget)
    if len(b_rows) != 1:
        return "budget row missing or ranged"
    (b_row,) = b_rows
    mat = solver._matrix
    n_cols = mat.shape[1]
    prices = np.zeros(n_cols)
    row = mat.getrow(b_row) if hasattr(mat, "getrow") else mat[[b_row], :]
    row = row.tocoo()
    prices[row.col] = row.data
    budget = float(solver._row_bounds[1][b_row])
    if math.isfinite(float(solver._row_bounds[0][b_row])) or np.any(row.data < 0):
        return "budget row with a lower bound or negative prices"
    if not math.isfinite(budget):
        return "no finite budget"
    sv = space_view(built, solver, prices, 0.0)
    if isinstance(sv, str):
        return sv
    cost = solver._cost
    z = solver.column(m.equity_min)
    if z is None:
        return "z is not a held column"
    lo = solver._col_bounds[0]
    others = np.ones(n_cols, dtype=bool)
    others[sv.pair_col] = False
    others[z] = False
    if np.any(cost[others] > 1e-15):
        return "positive objective terms outside flows and z"
    if np.any((cost[others] < 0) & (lo[others] < 0)):
        return "negative bounds on penalised columns"
    # unit rows: the coefficient of each flow; one unit and one coefficient per demand row
    u_rows = [solver.rows_of(m.equity_min_rows[u]) for u in m.EQUITY_UNITS]
    if any(len(r) != 1 for r in u_rows):
        return "ranged unit rows"
    sub = mat[[r[0] for r in u_rows], :].tocsr()
    zc = sub[:, [z]].toarray().ravel()
    rlo, rhi = solver._row_bounds
    r_idx = [r[0] for r in u_rows]
    flip = (zc > 0) & np.isfinite(rhi[r_idx]) & (rhi[r_idx] == 0)  # z - c_u <= 0
    if not np.all((zc < 0) & (rlo[r_idx] == 0) | flip):
        return "unit rows not of the form c_u - z >= 0"
    sub = (sp.diags(np.where(flip, -1.0, 1.0) / np.abs(zc)) @ sub).tocsr()  # c_u - z >= 0
    unit_of_col = np.full(n_cols, -1)
    e_col = np.zeros(n_cols)
    coo = sub.tocoo()
    keep = (coo.col != z) & (coo.data != 0)
    is_flow = np.zeros(n_cols, dtype=bool)
    is_flow[sv.pair_col] = True
    if np.any(np.bincount(coo.col[keep], minlength=n_cols) > 1):
        return "a column in two unit rows"
    if not np.all(is_flow[coo.col[keep]]):
        return "unit rows with columns other than flows and z"
    unit_of_col[coo.col[keep]] = coo.row[keep]
    e_col[coo.col[keep]] = coo.data[keep]
    pu, pe = unit_of_col[sv.pair_col], e_col[sv.pair_col]
    n_rows = len(sv.demand)
    unit_of_row = np.full(n_rows, -1)
    e_row = np.zeros(n_rows)
    unit_of_row[sv.pair_row] = pu
    e_row[sv.pair_row] = pe
    if np.any(unit_of_row[sv.pair_row] != pu) or np.any(
            np.abs(e_row[sv.pair_row] - pe) > 1e-12 * np.maximum(np.abs(pe), 1e-300)):
        return "flows of one demand row in different unit rows or with different coefficients"
    # the held minimum as HiGHS holds it: z's lower bound, or the row z >= h
    hold = float(lo[z])
    for r in solver.rows_of(m.equity_hold) if hasattr(m, "equity_hold") else []:
        a_z = float(mat[[r], :].toarray().ravel()[z])
        if a_z > 0 and math.isfinite(float(rlo[r])) and mat[[r], :].nnz == 1:
            hold = max(hold, float(rlo[r]) / a_z)
    return MaxMinBound(space=sv, nu0=cost[sv.pair_col], unit_of_row=unit_of_row,
                       e_row=e_row, n_units=len(u_rows), a=float(cost[z]),
                       hold=max(hold, 0.0), budget=budget,
                       offset=float(solver._offset))
