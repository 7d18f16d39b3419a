"""Funding sources: every project's capital cost is paid by the sources it is eligible for,
within each source's amount and rules; the model decides the split (a continuous allocation,
so the split is exact, not a heuristic after the fact).

For a source s and a project j (space j, see :mod:`siting.model.money`), ``fund[s, j]`` is
what s pays for j (in 万元: :data:`U`). A project is eligible for s when its space has an
option through one of s's channels (``O_sj``; all options if s names none) and, if s names
functions, may host one.

* **Every project is paid in full:** :math:`\\sum_s \\mathrm{fund}_{sj} = C_j`
  (``funding_paid``); a project no source may pay for cannot be built.
* **What a source may pay for.** A source without functions pays for the whole project,
  but only through its channels:
  :math:`\\mathrm{fund}_{sj} \\le \\sum_{o\\in O_{sj}} (F_o b_o + c_o g_o
  + \\sum_f c^{fit}_f v_{of})` (``funding_channel``). A source limited to functions pays
  only their part of the project: per function, its fit-out and the building cost of the
  floor area its units use at the channel's price per usable m²,
  :math:`\\mathrm{fund}_{sjf} \\le \\sum_{o\\in O_{sj}} (c^{fit}_f + \\frac{c_o}{\\phi_o
  (1-\\omega)} a_f)\\,v_{of}` (``funding_part``) — not the channel's fixed cost nor area
  used by other functions. :math:`v_{of}` (``units_via``) are the units of f through
  option o: :math:`\\sum_{o\\in K_j} v_{of} = \\mathrm{units}_{jf}`,
  :math:`v_{of}\\le U_{jf} b_o`, exact because a space takes one channel.
* **Caps per unit** apply to the function's new units:
  :math:`\\mathrm{fund}_{sjf} \\le \\kappa_{sf} \\sum_{o\\in O_{sj}} v_{of}` (``funding_cap``).
* **Largest share** of the project's total cost:
  :math:`\\mathrm{fund}_{sj} \\le \\beta_s C_j` (``funding_share``).
* **Smallest project** (exact, one binary per project and source with a minimum):
  :math:`\\mathrm{fund}_{sj} \\le M_j y_{sj}`, :math:`C_j \\ge m_s y_{sj}`
  (``funding_min_project``), :math:`M_j` the project's largest possible cost.
* **Amounts:** :math:`\\sum_j \\mathrm{fund}_{sj} \\le A_s` (``funding_amount``). With
  phasing the contribution is split by year (``fund_in[s, j, t]``): every year each project's
  spending :math:`S_{jt}` is paid, :math:`\\sum_s \\mathrm{fund}_{sjt} = S_{jt}`, and a
  source's money released per year bounds what it commits, cumulatively with carry-over
  (``funding_amount_year``). A source may pay its share of a project in any year the
  project spends; its rules hold for the project's total.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables

from siting.config import FundingSource, Phasing
from siting.model.money import MONEY_UNIT, amount_by_period, max_project_cost, total_amount
from siting.model.sets import ModelIndex


def _has_vars(expr) -> bool:
    return next(iter(identify_variables(expr, include_fixed=False)), None) is not None


def eligible_options(idx: ModelIndex, src: FundingSource, j: str) -> list[tuple[str, str]]:
    return [o for o in idx.options_of[j] if not src.channels or o[1] in src.channels]


def eligible_hosts(idx: ModelIndex, src: FundingSource, j: str) -> list[str]:
    fs = src.eligible_functions
    return [f for _, f in idx.hosts_of.get(j, []) if f in fs]


def funding_keys(idx: ModelIndex, funding: dict[str, FundingSource]
                 ) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(source, project) pairs that may carry money, and (source, project, function) parts
    of sources limited to functions."""
    pairs, parts = [], []
    for s, src in funding.items():
        for j in idx.spaces:
            if not eligible_options(idx, src, j):
                continue
            if max_project_cost(idx, j) < src.min_project - 1e-9:
                continue
            if src.eligible_functions:
                fs = eligible_hosts(idx, src, j)
                if not fs:
                    continue
                parts += [(s, j, f) for f in fs]
            pairs.append((s, j))
    return pairs, parts


U = MONEY_UNIT
"""Funding variables are in 万元 (10,000 CNY) and every funding row is divided by it: rows in
yuan (amounts of 1e7 next to unit prices of 1e3) left HiGHS stalling in its first LP on the
demo; in 万元 the coefficients span 1e-2 to 1e2."""

SPLIT_VARIABLES = ("fund", "fund_part", "fund_in", "fund_use", "units_via")
"""The variables of the split alone (free in :func:`siting.money.settle_split`)."""
SPLIT_ROWS = ("units_via_split", "units_via_if_built", "funding_channel", "funding_parts",
              "funding_part", "funding_cap", "funding_share", "funding_min_project_use",
              "funding_min_project", "funding_paid", "funding_years", "funding_paid_year",
              "funding_amount", "funding_amount_year")


def source_order(m: pyo.ConcreteModel, funding: dict[str, FundingSource]):
    """Sources are drawn on in the order they are listed (earmarked money first, a
    district's own money last): the split that minimises
    :math:`\\Omega = \\sum_{(s,j)} r_s\\,\\mathrm{fund}_{sj}` (:math:`r_s` the source's
    position) among the splits of the chosen plan."""
    rank = {s: r for r, s in enumerate(funding)}
    return sum(rank[s] * m.fund[s, j] for s, j in m.FUND if rank[s] > 0)


def add_funding(m: pyo.ConcreteModel, idx: ModelIndex, data, funding: dict[str, FundingSource],
                ph: Phasing) -> None:
    if not funding:
        return
    pairs, parts = funding_keys(idx, funding)
    big_m = {j: max_project_cost(idx, j) for j in idx.spaces}
    m.FUNDING_SOURCES = pyo.Set(initialize=list(funding), ordered=True)
    m.FUND = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.fund = pyo.Var(m.FUND, domain=pyo.NonNegativeReals,  # 万元 (MONEY_UNIT)
                     bounds=lambda _, s, j: (0.0, big_m[j] / U))
    m.FUND_PART = pyo.Set(initialize=parts, dimen=3, ordered=True)
    m.fund_part = pyo.Var(m.FUND_PART, domain=pyo.NonNegativeReals,
                          bounds=lambda _, s, j, f: (0.0, big_m[j] / U))

    restricted = {j for s, j in pairs if funding[s].channels or funding[s].eligible_functions}
    via = [(o[0], o[1], f) for j in sorted(restricted) for o in idx.options_of[j]
           for _, f in idx.hosts_of.get(j, [])]
    m.UNITS_VIA = pyo.Set(initialize=via, dimen=3, ordered=True)
    m.units_via = pyo.Var(m.UNITS_VIA, domain=pyo.NonNegativeReals,
                          bounds=lambda _, j, k, f: (0.0, idx.units_ub[(j, f)]))
    via_hosts = sorted({(j, f) for j, _, f in via})
    m.units_via_split = pyo.Constraint(
        via_hosts, rule=lambda m, j, f: sum(m.units_via[o[0], o[1], f]
                                            for o in idx.options_of[j]) == m.units[j, f])
    m.units_via_if_built = pyo.Constraint(
        m.UNITS_VIA, rule=lambda m, j, k, f: m.units_via[j, k, f]
        <= m.units_cap[j, f] * m.build[j, k])

    # what each source may pay for
    def channel_rule(m, s, j):
        src = funding[s]
        if not src.channels or src.eligible_functions:
            return pyo.Constraint.Skip
        if len(eligible_options(idx, src, j)) == len(idx.options_of[j]):
            return pyo.Constraint.Skip  # every channel of j is eligible: the project's cost
        return m.fund[s, j] <= sum(
            m.fixed_cost[o] * m.build[o] + m.cost_per_m2[o] * m.gross[o]
            + sum(m.fitout_cost[f] * m.units_via[o[0], o[1], f]
                  for _, f in idx.hosts_of.get(j, []))
            for o in eligible_options(idx, src, j)) / U

    m.funding_channel = pyo.Constraint(m.FUND, rule=channel_rule)
    by_pair: dict[tuple[str, str], list[str]] = {}
    for s, j, f in parts:
        by_pair.setdefault((s, j), []).append(f)
    m.funding_parts = pyo.Constraint(
        [p for p in pairs if p in by_pair],
        rule=lambda m, s, j: m.fund[s, j] == sum(m.fund_part[s, j, f] for f in by_pair[(s, j)]))
    share = idx.service_share

    def part_rule(m, s, j, f):
        return m.fund_part[s, j, f] <= sum(
            (m.fitout_cost[f] + m.cost_per_m2[o] * (idx.area_per_unit[f]
                                                    / (idx.usable[o] * share)))
            * m.units_via[o[0], o[1], f] for o in eligible_options(idx, funding[s], j)) / U

    m.funding_part = pyo.Constraint(m.FUND_PART, rule=part_rule)

    def cap_rule(m, s, j, f):
        cap = funding[s].per_unit_cap.get(f)
        if cap is None:
            return pyo.Constraint.Skip
        return m.fund_part[s, j, f] <= cap / U * sum(m.units_via[o[0], o[1], f]
                                                 for o in eligible_options(idx, funding[s], j))

    m.funding_cap = pyo.Constraint(m.FUND_PART, rule=cap_rule)
    m.funding_share = pyo.Constraint(
        m.FUND, rule=lambda m, s, j: m.fund[s, j] <= funding[s].max_share * m.project_capex[j] / U
        if funding[s].max_share < 1 else pyo.Constraint.Skip)
    minp = [(s, j) for s, j in pairs if funding[s].min_project > 0]
    m.FUND_MIN = pyo.Set(initialize=minp, dimen=2, ordered=True)
    m.fund_use = pyo.Var(m.FUND_MIN, domain=pyo.Binary)
    m.funding_min_project_use = pyo.Constraint(
        m.FUND_MIN, rule=lambda m, s, j: m.fund[s, j] <= big_m[j] / U * m.fund_use[s, j])
    m.funding_min_project = pyo.Constraint(
        m.FUND_MIN, rule=lambda m, s, j: m.project_capex[j] / U
        >= funding[s].min_project / U * m.fund_use[s, j])

    # every project paid in full, year by year when phased
    sources_of: dict[str, list[str]] = {}
    for s, j in pairs:
        sources_of.setdefault(j, []).append(s)

    def paid_rule(m, j):
        body = m.project_capex[j] / U - sum(m.fund[s, j] for s in sources_of.get(j, []))
        return body == 0 if _has_vars(body) else pyo.Constraint.Skip

    m.funding_paid = pyo.Constraint(m.PROJECTS, rule=paid_rule)
    years = list(ph.years) if ph.enabled else []
    keys_in = [(s, j, t) for s, j in pairs for t in years]
    m.FUND_IN = pyo.Set(initialize=keys_in, dimen=3, ordered=True)
    m.fund_in = pyo.Var(m.FUND_IN, domain=pyo.NonNegativeReals,
                        bounds=lambda _, s, j, t: (0.0, big_m[j] / U))
    if ph.enabled:
        m.funding_years = pyo.Constraint(
            m.FUND, rule=lambda m, s, j: m.fund[s, j] == sum(m.fund_in[s, j, t] for t in years))

        def paid_year(m, j, t):
            body = m.project_spend[j, t] / U - sum(m.fund_in[s, j, t]
                                               for s in sources_of.get(j, []))
            return body == 0 if _has_vars(body) else pyo.Constraint.Skip

        m.funding_paid_year = pyo.Constraint(m.PROJECTS, m.PERIODS, rule=paid_year)

    projects_of: dict[str, list[str]] = {}
    for s, j in pairs:
        projects_of.setdefault(s, []).append(j)
    total_keys = [s for s, src in funding.items()
                  if amount_by_period(src.amount, ph) is None or not ph.enabled]
    m.funding_amount = pyo.Constraint(
        total_keys, rule=lambda m, s: sum(m.fund[s, j] for j in projects_of[s])
        <= total_amount(funding[s].amount) / U if projects_of.get(s) else pyo.Constraint.Skip)
    year_keys = [(s, t) for s in funding if s not in total_keys for t in years]

    def year_rule(m, s, t):
        js = projects_of.get(s, [])
        if not js:
            return pyo.Constraint.Skip
        per = amount_by_period(funding[s].amount, ph)
        if ph.carry_over:
            return (sum(m.fund_in[s, j, u] for j in js for u in years if u <= t)
                    <= sum(per[u] for u in years if u <= t) / U)
        return sum(m.fund_in[s, j, t] for j in js) <= per[t] / U

    m.funding_amount_year = pyo.Constraint(year_keys, rule=year_rule)
