"""Site opening: one channel per space, area taken, number of spaces, capital budget."""

from __future__ import annotations

import pyomo.environ as pyo

from siting.config import ModelOptions
from siting.model.sets import ModelIndex


def capex_expression(m: pyo.ConcreteModel, idx: ModelIndex) -> pyo.Expression:
    r"""Capital cost: channel fixed and per-m² cost plus fit-out of every unit.

    .. math:: C = \sum_{o\in O} (F_o\,\mathrm{build}_o + c_o\,\mathrm{gross}_o)
                + \sum_{(j,f)\in H} c^{fit}_f\,\mathrm{units}_{jf}

    The prices are parameters (:mod:`siting.model.parameters`): a cost sweep re-prices a
    built model instead of rebuilding it.
    """
    return (sum(m.fixed_cost[o] * m.build[o] + m.cost_per_m2[o] * m.gross[o]
                for o in idx.options)
            + sum(m.fitout_cost[f] * m.units[j, f] for j, f in idx.hosts))


def add_siting_constraints(m: pyo.ConcreteModel, idx: ModelIndex, opts: ModelOptions) -> None:
    r"""At most one eligible channel per space; area only through the chosen channel.

    .. math::
        \sum_{k\in K_j} \mathrm{build}_{jk} \le 1 \quad \forall j\in S
        \qquad (\texttt{siting\_one\_channel})

        \mathrm{gross}_{jk} \le G_{jk}\,\mathrm{build}_{jk} \quad \forall (j,k)\in O
        \qquad (\texttt{siting\_area\_if\_built})

    :math:`G_{jk}` is the largest gross area channel k can give space j (the existing floor
    area, grown by the channel's ``max_area_growth`` — zero for conversions — or a parcel's
    buildable area). Only eligible (space, channel) pairs have a ``build`` variable at all.
    """
    m.siting_one_channel = pyo.Constraint(
        m.SPACES, rule=lambda m, j: sum(m.build[o] for o in idx.options_of[j]) <= 1)
    m.siting_area_if_built = pyo.Constraint(
        m.OPTIONS, rule=lambda m, j, k: m.gross[j, k] <= idx.max_gross[(j, k)] * m.build[j, k])


def add_count_constraints(m: pyo.ConcreteModel, idx: ModelIndex, opts: ModelOptions) -> None:
    r"""Number of spaces opened: exactly ``n_spaces`` and/or at most ``max_spaces``.

    .. math:: \sum_{o\in O} \mathrm{build}_o = p \quad (\texttt{siting\_count\_exact}),
              \qquad \sum_{o\in O} \mathrm{build}_o \le \bar p \quad (\texttt{siting\_count\_max})
    """
    total = sum(m.build[o] for o in idx.options)
    if opts.n_spaces is not None:
        m.siting_count_exact = pyo.Constraint(expr=total == opts.n_spaces)
    if opts.max_spaces is not None:
        m.siting_count_max = pyo.Constraint(expr=total <= opts.max_spaces)


def add_budget_constraint(m: pyo.ConcreteModel, idx: ModelIndex, opts: ModelOptions) -> None:
    r"""Capital budget :math:`C \le B` (``siting_budget``); skipped when no budget is set.

    B is a mutable parameter (``m.budget_limit``), so a budget sweep changes one number in a
    built model and re-solves it (:mod:`siting.sweep`) instead of rebuilding.
    """
    if opts.budget is None:
        return
    m.budget_limit = pyo.Param(mutable=True, initialize=float(opts.budget))
    m.siting_budget = pyo.Constraint(expr=m.capex <= m.budget_limit)
