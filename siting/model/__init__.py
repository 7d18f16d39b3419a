"""The mixed-integer model, built in one readable order.

:func:`build_model` adds sets, the parameters a sweep may change
(:mod:`~siting.model.parameters`: demand, unit bounds, weights, standards' requirements),
variables, expressions, each constraint family (one module each:
:mod:`~siting.model.siting`, :mod:`~siting.model.capacity`, :mod:`~siting.model.service`,
:mod:`~siting.model.standards`, :mod:`~siting.model.phasing`) and the objective
(:mod:`~siting.model.objective`). The order matters: families use the parameters and the
capital-cost expression, the objective uses the families' sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from siting.config import Equity, ModelOptions, Phasing, Standards
from siting.model.capacity import add_capacity_constraints
from siting.model.decisions import add_decisions
from siting.model.equity import add_equity, add_floor_shortfalls, merge_level, needs_rows
from siting.model.money import Money, add_money
from siting.model.objective import add_objective, coverage_weights
from siting.model.parameters import add_parameters
from siting.model.phasing import add_phasing
from siting.model.rows import LinearSum, MatrixRows
from siting.model.service import SERVE_ALL_OBJECTIVES, add_service_constraints
from siting.model.sets import ModelIndex, build_index
from siting.model.siting import (
    add_budget_constraint,
    add_count_constraints,
    add_siting_constraints,
    capex_expression,
)
from siting.model.standards import (
    StandardsIndex,
    add_standard_constraints,
    add_standard_variables,
    standards_index,
)
from siting.model.variables import add_sets, add_variables
from siting.problem import ProblemData

__all__ = ["BuiltModel", "build_model", "SERVE_ALL_OBJECTIVES"]


@dataclass(frozen=True)
class BuiltModel:
    """A Pyomo model together with the index data it was built from."""

    model: pyo.ConcreteModel
    index: ModelIndex
    options: ModelOptions
    standards: Standards = field(default_factory=Standards)
    standards_index: StandardsIndex = field(default_factory=StandardsIndex)
    phasing: Phasing = field(default_factory=Phasing)
    matrix_rows: tuple[MatrixRows, ...] = ()
    """Valid inequalities handed to the solver as sparse blocks (:mod:`siting.model.rows`)."""
    money: Money = field(default_factory=Money)
    """Area budgets and quotas, funding sources, running costs (:mod:`siting.model.money`)."""
    data: ProblemData | None = None
    """The data the parameters' values come from (:func:`siting.model.parameters.update_data`
    re-targets the model at other data)."""
    equity: Equity | None = None
    """Coverage floors (:mod:`siting.model.equity`)."""
    linear_sums: tuple[LinearSum, ...] = ()
    """Named sums over the pairs (``m.walk_total``, ``m.coverage_score``, ...) that the
    solver compiles from arrays (:class:`siting.model.rows.LinearSum`)."""
    serve: list | None = None
    """``m.serve``'s variables in pair order: the one list the blocks and the linear sums
    share, whose held columns the solver caches (:meth:`siting.solve.Solver.pair_columns`)."""

    def violations(self, tol: float = 1e-6) -> list[str]:
        """Every Pyomo constraint, variable bound and matrix row that the variables' current
        values violate (a check of a plan held by the model; unset variables are skipped)."""
        m, out = self.model, []
        for c in m.component_data_objects(pyo.Constraint, active=True):
            body = pyo.value(c.body, exception=False)
            if body is None:  # an unset variable
                continue
            lo = None if c.lower is None else pyo.value(c.lower)
            hi = None if c.upper is None else pyo.value(c.upper)
            if (lo is not None and body < lo - tol) or (hi is not None and body > hi + tol):
                out.append(f"{c.name}: {lo} <= {body} <= {hi}")
        for v in m.component_data_objects(pyo.Var, active=True):
            if v.value is None:
                continue
            if (v.lb is not None and v.value < v.lb - tol) or (v.ub is not None
                                                               and v.value > v.ub + tol):
                out.append(f"{v.name}={v.value} outside [{v.lb}, {v.ub}]")
        for block in self.matrix_rows:
            out += block.violations(tol)
        return out


def can_aggregate(opts: ModelOptions, std: Standards, ph: Phasing,
                  money: Money | None = None, eq: Equity | None = None) -> bool | str:
    """Whether merging zones with the same reachable sites is exact for this model: the
    objective must not see distances or pair costs, flows must be splittable (no single
    sourcing), and nothing may count service per community (phasing targets, 'served'
    minimums below city level, area quotas or utilisation floors, equity rows per
    community). ``True``: merge across the city; ``"street"``: only within a street (every
    equity row is a street's sum, :func:`siting.model.equity.merge_level`); ``False``: no
    merging."""
    if money is not None and (money.quotas.active or money.min_utilisation):
        return False
    if (not opts.aggregate_zones or opts.single_source or ph.enabled
            or any(fm.count == "served" for fm in std.function_minimums)):
        return False
    if needs_rows(opts, eq):
        return merge_level(opts, eq) or False
    return opts.objective == "max_coverage"


def build_model(data: ProblemData, opts: ModelOptions, standards: Standards | None = None,
                phasing: Phasing | None = None, money: Money | None = None,
                equity: Equity | None = None) -> BuiltModel:
    """Build the siting MIP for ``data`` under ``opts``, planning ``standards``,
    ``phasing`` (a plan over several years) and ``money`` (area budgets and quotas, funding
    sources, running costs: :meth:`Money.of` a scenario) and ``equity`` (coverage floors).

    Python's cyclic garbage collector is paused meanwhile (Pyomo's ``PauseGC``, as its own
    writers do): the build creates hundreds of thousands of objects and no garbage, and the
    collector's passes over them took 45 % of the build (4.3 s -> 2.4 s on 5,000 x 1,000).
    """
    with PauseGC():
        return _build(data, opts, standards, phasing, money or Money(), equity)


def _build(data: ProblemData, opts: ModelOptions, standards: Standards | None,
           phasing: Phasing | None, money: Money, equity: Equity | None = None) -> BuiltModel:
    std = standards or Standards()
    ph = phasing or Phasing()
    if opts.objective == "max_min_coverage" and ph.enabled:
        from siting.exceptions import DataError

        raise DataError("objective max_min_coverage does not plan by years yet: switch "
                        "phasing off, or use max_coverage with equity.min_coverage floors")
    idx = build_index(data, opts, std, aggregate=can_aggregate(opts, std, ph, money, equity))
    m = pyo.ConcreteModel(name="siting")
    weight = data.functions["weight"].astype(float).to_dict()
    info = standards_index(idx, data, std)
    floor_rows = add_floor_shortfalls(info, idx, data, equity)
    # 1. sets, parameters and variables
    add_sets(m, idx)
    add_parameters(m, idx, info, data, opts)
    add_variables(m, idx, opts)
    add_standard_variables(m, idx, std, info)
    # 2. expressions used by several families
    m.capex = pyo.Expression(expr=capex_expression(m, idx))
    # 3. constraint families
    add_siting_constraints(m, idx, opts)
    add_count_constraints(m, idx, opts)
    add_capacity_constraints(m, idx, opts)
    serve = list(m.serve.values())  # one list, shared by the blocks and the linear sums
    matrix_rows = add_service_constraints(m, idx, opts, serve)
    add_budget_constraint(m, idx, opts)
    scale = pyo.value(m.primary_scale)
    add_standard_constraints(m, idx, data, opts, std, info)
    add_phasing(m, idx, data, opts, ph, info, scale, std.penalty,
                coverage_weights(idx, weight), hard=std.mode == "hard")
    add_decisions(m, idx, data, opts, std, ph)  # pins and proposals: bounds and rows
    add_money(m, idx, data, money, ph, info, scale, std.penalty, opts.tie_break)
    add_equity(m, idx, data, opts, equity, info, floor_rows, hard=std.mode == "hard",
               serve=serve)
    # 4. objective
    linear_sums = add_objective(m, idx, opts, serve)
    return BuiltModel(model=m, index=idx, options=opts, standards=std, standards_index=info,
                      phasing=ph, matrix_rows=tuple(matrix_rows), money=money, data=data,
                      equity=equity, linear_sums=tuple(linear_sums), serve=serve)
