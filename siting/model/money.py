"""Money as a commission holds it: what a plan spends per project and year, and the families
that limit it (area budgets and quotas :mod:`~siting.model.areas`, funding sources
:mod:`~siting.model.funding`, running costs and use :mod:`~siting.model.operating`).

A *project* is one opened candidate space j with its channel and functions. Its capital cost
is the part of :math:`C` (:func:`siting.model.siting.capex_expression`) that belongs to j:

.. math:: C_j = \\sum_{o\\in K_j} (F_o\\,\\mathrm{build}_o + c_o\\,\\mathrm{gross}_o)
          + \\sum_{f:(j,f)\\in H} c^{fit}_f\\,\\mathrm{units}_{jf}

With phasing its spending in year t is the channel cost of the option started in t plus the
fit-out of the units opening in t (as :mod:`siting.model.phasing` counts it); without phasing
there is one period, ``0`` ("the plan"), in which :math:`S_{j0} = C_j`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pyomo.environ as pyo

from siting.config import AreaBudgets, AreaQuotas, FundingSource, Operating, Phasing, Scenario
from siting.model.sets import ModelIndex

MONEY_UNIT = 10_000.0
"""Rows about money are written in 万元 (10,000 CNY), and the funding variables are in 万元:
rows in yuan (amounts of 1e7 beside prices of 1e3 per m²) left HiGHS stalling in its first LP
on the demo."""
WHOLE_PLAN = 0
"""The one period of a plan without phasing."""


@dataclass(frozen=True)
class Money:
    """The money blocks of a scenario, as the model reads them."""

    budgets: AreaBudgets = field(default_factory=AreaBudgets)
    quotas: AreaQuotas = field(default_factory=AreaQuotas)
    funding: dict[str, FundingSource] = field(default_factory=dict)
    operating: Operating = field(default_factory=Operating)
    min_utilisation: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Scenario) -> Money:
        return cls(budgets=scenario.budgets, quotas=scenario.quotas, funding=scenario.funding,
                   operating=scenario.operating, min_utilisation=scenario.min_utilisation)

    @property
    def active(self) -> bool:
        """Whether any family adds rows (the lifecycle objective alone adds none)."""
        return bool(self.budgets.limits or self.quotas.active or self.funding
                    or self.operating.budget_per_year is not None or self.min_utilisation)

    def start_budget(self) -> float | None:
        """A total capex within which any plan satisfies the area budgets and can be paid
        by the sources without restrictions (for a constructive start; ``None``: no cap)."""
        caps = [total_amount(x) for x in self.budgets.limits.values()]
        if self.funding:
            caps.append(sum(total_amount(s.amount) for s in self.funding.values()
                            if not (s.functions or s.channels or s.per_unit_cap)
                            and s.max_share >= 1 and s.min_project <= 0))
        return min(caps) if caps else None

    def relaxed(self) -> Money:
        """Without any money limit (area budgets, funding, operating budget): quotas and
        utilisation floors stay. Used to tell whether money is what a shortfall lacks."""
        return replace(self, budgets=AreaBudgets(), funding={},
                       operating=self.operating.update(budget_per_year=None))


def periods(ph: Phasing) -> list[int]:
    return list(ph.years) if ph.enabled else [WHOLE_PLAN]


def amount_by_period(amount: float | dict[int, float], ph: Phasing) -> dict[int, float] | None:
    """Money released per period, or ``None`` for a single total (available from the start).
    Without phasing a per-year mapping is its sum."""
    if not isinstance(amount, dict):
        return None
    if not ph.enabled:
        return {WHOLE_PLAN: float(sum(amount.values()))}
    return {t: float(amount.get(t, 0.0)) for t in ph.years}


def total_amount(amount: float | dict[int, float]) -> float:
    return float(sum(amount.values())) if isinstance(amount, dict) else float(amount)


def add_project_costs(m: pyo.ConcreteModel, idx: ModelIndex, data, ph: Phasing) -> None:
    """``m.project_capex[j]`` and ``m.project_spend[j, t]`` (see the module docstring)."""
    if hasattr(m, "project_capex"):
        return
    m.PROJECTS = pyo.Set(initialize=list(idx.spaces), ordered=True)
    m.PERIODS = pyo.Set(initialize=periods(ph), ordered=True)

    def capex(m, j):
        return (sum(m.fixed_cost[o] * m.build[o] + m.cost_per_m2[o] * m.gross[o]
                    for o in idx.options_of[j])
                + sum(m.fitout_cost[f] * m.units[j, f] for _, f in idx.hosts_of.get(j, [])))

    m.project_capex = pyo.Expression(m.PROJECTS, rule=capex)
    if not ph.enabled:
        m.project_spend = pyo.Expression(m.PROJECTS, m.PERIODS,
                                         rule=lambda m, j, t: m.project_capex[j])
        return
    from siting.model.phasing import years_to_open

    lag = {o: years_to_open(float(data.channels.at[o[1], "lead_time_months"]))
           for o in idx.options}

    def spend(m, j, t):
        channel = sum(m.fixed_cost[o] * m.open_in[o[0], o[1], t + lag[o]]
                      + m.cost_per_m2[o] * m.gross_in[o[0], o[1], t + lag[o]]
                      for o in idx.options_of[j] if (o[0], o[1], t + lag[o]) in m.OPEN_IN)
        fit = sum(m.fitout_cost[f] * m.units_in[j, f, t] for _, f in idx.hosts_of.get(j, []))
        return channel + fit

    m.project_spend = pyo.Expression(m.PROJECTS, m.PERIODS, rule=spend)


def max_project_cost(idx: ModelIndex, j: str) -> float:
    """The largest capital cost project j can have (a big-M that is tight per project)."""
    return (max(idx.fixed_cost[o] + idx.cost_per_m2[o] * idx.max_gross[o]
                for o in idx.options_of[j])
            + sum(idx.fitout[f] * idx.units_ub[(j, f)] for _, f in idx.hosts_of.get(j, [])))


def add_money(m: pyo.ConcreteModel, idx: ModelIndex, data, money: Money | None, ph: Phasing,
              info, primary_scale: float, penalty: float, tie_break: float = 0.0) -> None:
    """Add every money family (each a no-op when its block is empty) and
    ``m.money_penalty`` (quota shortfalls) for the objective."""
    from siting.model.areas import add_area_budgets, add_quotas
    from siting.model.funding import add_funding
    from siting.model.operating import add_operating

    money = money or Money()
    add_operating(m, idx, data, money)
    if not money.active:
        m.money_penalty = pyo.Expression(expr=0.0)
        return
    add_project_costs(m, idx, data, ph)
    add_area_budgets(m, idx, data, money.budgets, ph)
    add_quotas(m, idx, data, money.quotas, info, primary_scale, penalty, ph)
    add_funding(m, idx, data, money.funding, ph)
    m.money_penalty = pyo.Expression(expr=m.quota_penalty)
