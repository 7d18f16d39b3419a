"""Objectives: a primary goal chosen by the user and a small secondary tie-break.

Let :math:`C` be the capital cost (:func:`siting.model.siting.capex_expression`),
:math:`D_f=\\sum_i d_{if}` the total demand for f, :math:`w_f` its priority weight,
:math:`\\ell_p` the walking distance and :math:`\\kappa_p` the cost per unit of a pair.

* ``max_coverage`` (default) — maximise the priority-weighted share of demand served:

  .. math:: \\max\\ \\sum_{p=(i,j,f)} \\frac{w_f}{D_f}\\,\\mathrm{serve}_p
            \\;-\\; \\tau\\,W\\,\\frac{C}{\\bar C}

* ``min_cost`` — serve all demand at least capital plus pair cost:

  .. math:: \\min\\ C + \\sum_p \\kappa_p\\,\\mathrm{serve}_p
            \\;+\\; \\tau\\,\\bar C\\,\\frac{\\sum_p \\ell_p\\,\\mathrm{serve}_p}{\\bar L}

* ``min_distance`` — serve all demand at least demand-weighted walking distance
  (the p-median objective when ``n_spaces`` is set):

  .. math:: \\min\\ \\sum_p \\ell_p\\,\\mathrm{serve}_p \\;+\\; \\tau\\,\\bar L\\,
            \\frac{C}{\\bar C}

* ``max_min_coverage`` — maximise the smallest weighted coverage of any street or community
  over its reachable demand, then the city's weighted coverage: a lexicographic pair of
  solves (:mod:`siting.maxmin`) of :math:`a\\,z + b\\,\\mathrm{score}/W - \\tau
  \\frac{C}{\\bar C}`, an objective in [0, 1] (:mod:`siting.model.equity`); standards'
  penalties use the scale 1.

Scales: :math:`W=\\sum_f w_f` (the largest possible coverage score), :math:`\\bar C` the cost of
taking every space at its largest with every unit (independent of the budget, so changing the
budget changes no objective coefficient), :math:`\\bar L=\\sum_{i,f} d_{if}\\,
\\ell^{max}_f`. The secondary term ranges over at most :math:`\\tau` times the primary's scale,
so the plan's primary value is within a relative :math:`\\tau` (``tie_break``, default 1e-4 —
the default MIP gap) of the lexicographic optimum, while no money (or walking) is spent for
nothing. Set ``tie_break: 0`` for a pure primary objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from siting.config import ModelOptions
from siting.model.rows import LinearSum
from siting.model.sets import ModelIndex


def coverage_weights(idx: ModelIndex, weight: dict[str, float]) -> dict[str, float]:
    """Objective coefficient per unit served of each function: :math:`w_f / D_f`."""
    total: dict[str, float] = {}
    for (_, f), d in idx.demand.items():
        total[f] = total.get(f, 0.0) + d
    return {f: weight[f] / total[f] for f in total if total[f] > 0}


@dataclass(frozen=True)
class Scales:
    """Reference magnitudes: :math:`W`, :math:`\bar C`, :math:`\bar L`, and the primary's."""

    wsum: float
    cbar: float
    lbar: float

    def primary(self, objective: str) -> float:
        return {"max_coverage": self.wsum, "min_cost": self.cbar,
                "min_lifecycle_cost": self.cbar,
                "max_min_coverage": 1.0}.get(objective, self.lbar)


def objective_scales(idx: ModelIndex, opts: ModelOptions, weight: dict[str, float],
                     walking_limit: dict[str, float]) -> Scales:
    """The scales used by the tie-break and by standards' shortfall penalties."""
    cw = coverage_weights(idx, weight)
    wsum = sum(weight[f] for f in cw) or 1.0
    cbar = idx.max_capex  # not the budget: a budget sweep must not change the objective
    far: dict[str, float] = {}  # each function's longest pair (on arrays: 3.1 M pairs)
    if idx.n_pairs:
        code, funcs = pd.factorize(pd.Series(idx.pair_function, dtype=object), sort=False)
        longest = np.zeros(len(funcs))
        np.maximum.at(longest, code, np.asarray(idx.pair_distance, dtype=float))
        far = dict(zip(funcs.tolist(), longest.tolist()))
    lbar = sum(d * min(walking_limit[f], far.get(f, 0.0)) for (_, f), d in idx.demand.items())
    return Scales(wsum=wsum, cbar=max(cbar, 1.0), lbar=lbar or 1.0)


def add_objective(m: pyo.ConcreteModel, idx: ModelIndex, opts: ModelOptions,
                  serve: list | None = None) -> list[LinearSum]:
    """Add ``m.objective`` and the expression ``m.coverage_score`` (max_coverage) or
    ``m.walk_total`` (the other objectives), and ``m.pair_cost_total`` where pairs have costs.

    The weights :math:`w_f/D_f` and the tie-break's coefficient are parameters
    (``m.coverage_weight``, ``m.tie_break``; :mod:`siting.model.parameters`), so a change
    of demand re-weights the objective without rebuilding it. Standards contribute
    ``m.standards_penalty`` (shortfalls, always against the primary) and
    ``m.standards_bonus`` (preferred complexes), built by :mod:`siting.model.standards`.

    The sums over pairs are built as ``LinearExpression`` objects from lists (no chain of
    additions) and returned as :class:`siting.model.rows.LinearSum` for the solver to
    compile from arrays (5,000 x 1,000 x 3: 2.1 s to build as a sum, about 7 s to compile).
    ``serve``: the list of ``m.serve``'s variables the blocks share.
    """
    tau = opts.tie_break
    serve = list(m.serve.values()) if serve is None else serve
    pf = np.asarray(idx.pair_function, dtype=object)
    pd_ = np.asarray(idx.pair_distance, dtype=float)
    pc = np.asarray(idx.pair_cost, dtype=float)
    sums: list[LinearSum] = []

    def linear(name: str, coef: np.ndarray, coefficients=None, params=None) -> None:
        nz = np.flatnonzero(coef) if params is None else np.arange(len(coef))
        vs = [serve[p] for p in nz.tolist()]
        cs = coef[nz].tolist() if params is None else [params[p] for p in nz.tolist()]
        m.add_component(name, pyo.Expression(expr=LinearExpression(
            constant=0.0, linear_coefs=cs, linear_vars=vs)))
        sums.append(LinearSum(name, m.component(name), (serve,), nz, coef[nz].astype(float),
                              coefficients))

    if opts.objective in ("max_coverage", "max_min_coverage"):
        funcs = sorted(set(pf.tolist()))
        code = np.searchsorted(np.asarray(funcs, dtype=object), pf) if len(pf) else pf
        weights = [m.coverage_weight[f] for f in funcs]

        def coverage() -> np.ndarray:
            w = np.array([pyo.value(q) for q in weights], dtype=float)
            return w[code] if len(code) else np.zeros(0)

        per_pair = [weights[k] for k in code.tolist()] if len(code) else []
        linear("coverage_score", coverage(), coverage, per_pair)
    else:
        linear("walk_total", pd_)
    if np.any(pc):
        linear("pair_cost_total", pc)
        pair_cost = m.pair_cost_total
    else:
        pair_cost = 0.0
    extra = (m.standards_penalty + m.phasing_penalty + m.money_penalty
             - m.standards_bonus)  # to be minimised
    if opts.objective == "max_coverage":
        extra = extra - m.phasing_early
        expr = m.coverage_score - m.tie_break * m.capex if tau else m.coverage_score
        m.objective = pyo.Objective(expr=expr - extra, sense=pyo.maximize)
    elif opts.objective == "max_min_coverage":  # objective in [0, 1]: siting.model.equity
        from siting.model.equity import stage_objective

        total: dict[str, float] = {}
        for (_, f), d in idx.demand.items():
            total[f] = total.get(f, 0.0) + d
        # sum of w_f = W, so that C / W is the city's weighted coverage, in [0, 1]
        wsum = sum(pyo.value(m.coverage_weight[f]) * d for f, d in total.items()) or 1.0
        expr = stage_objective(m, wsum)
        if tau:
            expr = expr - m.tie_break * m.capex
        m.objective = pyo.Objective(expr=expr - extra, sense=pyo.maximize)
    elif opts.objective in ("min_cost", "min_lifecycle_cost"):
        expr = m.capex + pair_cost
        if opts.objective == "min_lifecycle_cost":  # siting.model.operating
            expr = expr + m.lifecycle_factor * (m.opex_year + m.rent_year)
        if tau:
            expr = expr + m.tie_break * m.walk_total
        m.objective = pyo.Objective(expr=expr + extra, sense=pyo.minimize)
    else:  # min_distance
        expr = m.walk_total + pair_cost
        if tau:
            expr = expr + m.tie_break * m.capex
        m.objective = pyo.Objective(expr=expr + extra, sense=pyo.minimize)
    return sums
