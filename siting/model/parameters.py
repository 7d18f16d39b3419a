"""The numbers a sweep may change without rebuilding the model.

Demand (demand rates, demand growth), priority weights and construction prices reach the model
through a few numbers only; they are Pyomo mutable parameters, declared here and nowhere else:

* ``demand[i,f]`` — :math:`d_{if}` of every demand with pairs: the bound of the
  ``service_demand`` block, coefficient of ``service_single_source`` and of the
  ``service_if_hosted`` block;
* ``units_cap[j,f]`` — the unit bound :math:`U_{jf}`, which depends on the demand within
  reach (:func:`siting.model.sets.build_index`): coefficient of ``capacity_units_max``;
* ``coverage_weight[f]`` — :math:`w_f / D_f`, the objective's weight per unit served;
* ``tie_break`` — the secondary term's coefficient (its scales :math:`\\bar C`, :math:`\\bar L`
  depend on the demand) and ``primary_scale`` — the scale S of standards' penalties;
* ``requirement[s]`` — the amount :math:`r_s` each standard requires (function minimums grow
  with their population group);
* ``fixed_cost[j,k]``, ``cost_per_m2[j,k]``, ``fitout_cost[f]`` — the prices in the capital
  cost :math:`C` (:func:`siting.model.siting.capex_expression`; cost overruns, subsidies).

Variable bounds that depend on them (``serve`` ≤ d, ``units`` ≤ U, shortfall ≤ r) are set
on the variables. The budget is a parameter of its own (``budget_limit``,
:func:`siting.model.siting.add_budget_constraint`).

:func:`update_data` re-targets a built model at new data: it recomputes the index, checks
that nothing but these numbers changed (same spaces, channels, pairs, merged communities,
standards' groups), and sets the new values; the :class:`~siting.solve.Solver` holding the
model then updates only the matrix entries, bounds and costs that changed, and re-solves
from the previous plan. Anything else that differs means another model: ``update_data``
returns ``None`` and the caller rebuilds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd
import pyomo.environ as pyo

from siting.config import ModelOptions
from siting.model.objective import coverage_weights, objective_scales
from siting.model.sets import ModelIndex, build_index
from siting.model.standards import StandardsIndex, standards_index
from siting.problem import ProblemData

if TYPE_CHECKING:
    from siting.model import BuiltModel

#: ModelIndex fields that are values of the parameters above (may change on an update).
PARAMETER_FIELDS = ("demand", "pair_demand", "units_ub", "max_capex", "zone_groups",
                    "fixed_cost", "cost_per_m2", "fitout")
#: Columns of the options and channels tables that only change parameters (prices).
PRICE_COLUMNS = ("cost_per_m2", "fixed_cost", "cost_multiplier")


def parameter_values(idx: ModelIndex, info: StandardsIndex, data: ProblemData,
                     opts: ModelOptions) -> dict:
    """The value of every parameter for index ``idx`` of ``data``."""
    weight = data.functions["weight"].astype(float).to_dict()
    walking_limit = data.functions["walking_limit_m"].astype(float).to_dict()
    sc = objective_scales(idx, opts, weight, walking_limit)
    tau = opts.tie_break
    tie = {"max_coverage": tau * sc.wsum / sc.cbar, "min_cost": tau * sc.cbar / sc.lbar,
           "min_lifecycle_cost": tau * sc.cbar / sc.lbar,
           "max_min_coverage": tau / sc.cbar}.get(opts.objective,
                                                              tau * sc.lbar / sc.cbar)
    cw = coverage_weights(idx, weight)
    return {
        "demand": {k: idx.demand[k] for k in idx.pairs_of_demand},
        "units_cap": dict(idx.units_ub),
        "coverage_weight": {f: cw.get(f, 0.0) for f in data.functions.index},
        "tie_break": tie,
        "primary_scale": sc.primary(opts.objective),
        "requirement": {k: s["required"] for k, s in info.shortfalls.items()},
        "fixed_cost": dict(idx.fixed_cost),
        "cost_per_m2": dict(idx.cost_per_m2),
        "fitout_cost": {f: idx.fitout[f] for f in data.functions.index},
    }


def add_parameters(m: pyo.ConcreteModel, idx: ModelIndex, info: StandardsIndex,
                   data: ProblemData, opts: ModelOptions) -> None:
    """Declare the parameters (after the sets, before any row uses them)."""
    v = parameter_values(idx, info, data, opts)
    m.demand = pyo.Param(m.DEMANDS, mutable=True, initialize=v["demand"])
    m.units_cap = pyo.Param(m.HOSTS, mutable=True, initialize=v["units_cap"])
    m.FUNCTIONS = pyo.Set(initialize=list(data.functions.index), ordered=True)
    m.coverage_weight = pyo.Param(m.FUNCTIONS, mutable=True, initialize=v["coverage_weight"])
    m.tie_break = pyo.Param(mutable=True, initialize=v["tie_break"])
    m.primary_scale = pyo.Param(mutable=True, initialize=v["primary_scale"])
    m.requirement = pyo.Param(list(info.shortfalls), mutable=True,
                              initialize=v["requirement"])
    m.fixed_cost = pyo.Param(m.OPTIONS, mutable=True, initialize=v["fixed_cost"])
    m.cost_per_m2 = pyo.Param(m.OPTIONS, mutable=True, initialize=v["cost_per_m2"])
    m.fitout_cost = pyo.Param(m.FUNCTIONS, mutable=True, initialize=v["fitout_cost"])


def structure_difference(a: ModelIndex, b: ModelIndex) -> str | None:
    """The first index field in which ``a`` and ``b`` differ other than through the
    parameters' values, or ``None`` if one model serves both."""
    for name in a.__dataclass_fields__:
        if name in PARAMETER_FIELDS:
            continue
        x, y = getattr(a, name), getattr(b, name)
        same = x.equals(y) if isinstance(x, pd.Series) else x == y
        if not same:
            return name
    if a.demand.keys() != b.demand.keys() or a.units_ub.keys() != b.units_ub.keys():
        return "demand"
    ga = {k: [z for z, _ in ms] for k, ms in a.zone_groups.items()}
    gb = {k: [z for z, _ in ms] for k, ms in b.zone_groups.items()}
    return None if ga == gb else "zone_groups"


_SAME_FRAMES = ("zones", "spaces", "existing", "channels", "options", "pairs", "reach")


def _without_prices(df: pd.DataFrame | None) -> pd.DataFrame | None:
    return None if df is None else df.drop(columns=[c for c in PRICE_COLUMNS if c in df])


def update_data(built: BuiltModel, data: ProblemData) -> BuiltModel | None:
    """Re-target ``built`` at ``data`` by changing parameter values only.

    Returns the updated model (the same Pyomo model, with a new index), or ``None`` when
    ``data`` needs another model: different spaces, channels (other than their prices),
    distances or pairs, a demand that appears or vanishes, other merged communities or
    standards' groups, or a phased plan. The Pyomo model is changed in place only when the
    update succeeds.
    """
    if built.phasing.enabled or built.money.active:
        return None  # money rows hold demand and costs as numbers (siting.model.money)
    from siting.model.equity import needs_rows

    if needs_rows(built.options, built.equity):  # coefficients 1/R_uf are data: rebuild
        return None
    old = built.data
    if old is None:
        return None
    for name in _SAME_FRAMES:
        x, y = getattr(old, name), getattr(data, name)
        if name in ("channels", "options"):
            x, y = _without_prices(x), _without_prices(y)
        if (x is None) != (y is None) or (x is not None and not x.equals(y)):
            return None
    if (old.functions.index.tolist() != data.functions.index.tolist()
            or not old.demand.index.sort_values().equals(data.demand.index.sort_values())):
        return None  # another set of functions, or a demand appears or vanishes
    from siting.model import can_aggregate

    opts, std = built.options, built.standards
    idx = build_index(data, opts, std, aggregate=can_aggregate(opts, std, built.phasing,
                                                               built.money, built.equity))
    if structure_difference(built.index, idx) is not None:
        return None
    info = standards_index(idx, data, std)
    if info.structure() != built.standards_index.structure():
        return None
    m = built.model
    v = parameter_values(idx, info, data, opts)
    for name in ("demand", "units_cap", "coverage_weight", "requirement", "fixed_cost",
                 "cost_per_m2", "fitout_cost"):
        m.component(name).store_values(v[name])
    m.tie_break.set_value(v["tie_break"])
    m.primary_scale.set_value(v["primary_scale"])
    for p, d in enumerate(idx.pair_demand):
        m.serve[p].setub(d)
    for h, u in idx.units_ub.items():
        m.units[h].setub(u)
    for k, s in info.shortfalls.items():
        m.shortfall[k].setub(s["required"])
    for block in (*built.matrix_rows, *built.linear_sums):
        block.refresh()
    from siting.model.decisions import apply_bounds

    apply_bounds(m, idx, data)  # pinned units may exceed the bounds just reset
    return replace(built, index=idx, standards_index=info, data=data)
