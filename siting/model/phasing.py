"""Phasing over years: when each project starts and opens, yearly budgets, coverage per year
and yearly targets.

For every eligible option o = (j, k), ``open_in[o, t]`` says it opens in year t; it was
started :math:`\\lambda_k = \\lceil L_k/12\\rceil - 1` years earlier (L: lead time in months),
which must be inside the plan. Area and units are split by opening year (disaggregated, so
the LP bound stays tight):

.. math::
    \\mathrm{build}_o = \\sum_t \\mathrm{open}_{ot},\\quad
    \\mathrm{gross}_o = \\sum_t \\mathrm{gross}_{ot} ,\\ \\mathrm{gross}_{ot} \\le G_o
    \\mathrm{open}_{ot},\\quad
    \\mathrm{units}_{jf} = \\sum_t \\mathrm{units}_{jft},\\ \\mathrm{units}_{jft} \\le U_{jf}
    \\sum_k \\mathrm{open}_{(j,k)t}

Spending in year t: channel cost of projects *started* in t, fit-out of units *opening* in t.

.. math:: S_t = \\sum_o \\big(F_o\\,\\mathrm{open}_{o,t+\\lambda_o} + c_o\\,
          \\mathrm{gross}_{o,t+\\lambda_o}\\big) + \\sum_{j,f} c^{fit}_f \\mathrm{units}_{jft}
          \\;\\le\\; B_t \\quad(\\text{or cumulatively with carry-over})

Service in each year before the last uses only the units open by then
(``serve_in[p, t]``); the last year is the ordinary ``serve``. A yearly target counts the
communities whose demand for the target's functions is served to ``min_share``
(``covered[i, t]``); missing communities are a soft shortfall like a standard's.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pyomo.environ as pyo

from siting.config import ModelOptions, Phasing
from siting.model.sets import ModelIndex
from siting.model.standards import StandardsIndex
from siting.problem import ProblemData


def years_to_open(lead_time_months: float) -> int:
    """Whole years between the start year and the opening year."""
    return max(0, math.ceil(lead_time_months / 12 - 1e-9) - 1)


def add_phasing(m: pyo.ConcreteModel, idx: ModelIndex, data: ProblemData, opts: ModelOptions,
                ph: Phasing, info: StandardsIndex, primary_scale: float, penalty: float,
                coverage_weight: dict[str, float], hard: bool = False) -> None:
    """Add the phasing variables, rows and objective terms (``m.phasing_penalty``,
    ``m.phasing_early``); both are zero when phasing is off."""
    if not ph.enabled:
        m.phasing_penalty = pyo.Expression(expr=0.0)
        m.phasing_early = pyo.Expression(expr=0.0)
        return
    years = list(ph.years)
    first, last = years[0], years[-1]
    lag = {o: years_to_open(float(data.channels.at[o[1], "lead_time_months"]))
           for o in idx.options}
    open_keys = [(o[0], o[1], t) for o in idx.options for t in years if t - lag[o] >= first]
    m.YEARS = pyo.Set(initialize=years, ordered=True)
    m.OPEN_IN = pyo.Set(initialize=open_keys, dimen=3, ordered=True)
    m.open_in = pyo.Var(m.OPEN_IN, domain=pyo.Binary)
    m.gross_in = pyo.Var(m.OPEN_IN, domain=pyo.NonNegativeReals)
    unit_keys = [(j, f, t) for j, f in idx.hosts for t in years]
    m.UNITS_IN = pyo.Set(initialize=unit_keys, dimen=3, ordered=True)
    m.units_in = pyo.Var(m.UNITS_IN, domain=pyo.NonNegativeReals)
    early = years[:-1]
    serve_keys = [(p, t) for p in range(idx.n_pairs) for t in early]
    m.SERVE_IN = pyo.Set(initialize=serve_keys, dimen=2, ordered=True)
    m.serve_in = pyo.Var(m.SERVE_IN, domain=pyo.NonNegativeReals,
                         bounds=lambda _, p, t: (0.0, idx.demand[(idx.pair_zone[p],
                                                                  idx.pair_function[p])]))
    opens_of: dict[tuple, list] = defaultdict(list)
    for j, k, t in open_keys:
        opens_of[(j, k)].append(t)
    open_space: dict[tuple, list] = defaultdict(list)
    for key in open_keys:
        open_space[(key[0], key[2])].append(key)

    # linking to the single-period decisions
    m.phasing_build_once = pyo.Constraint(
        m.OPTIONS, rule=lambda m, j, k: m.build[j, k]
        == sum(m.open_in[j, k, t] for t in opens_of.get((j, k), [])))
    m.phasing_gross_split = pyo.Constraint(
        m.OPTIONS, rule=lambda m, j, k: m.gross[j, k]
        == sum(m.gross_in[j, k, t] for t in opens_of.get((j, k), [])))
    m.phasing_gross_if_open = pyo.Constraint(
        m.OPEN_IN, rule=lambda m, j, k, t: m.gross_in[j, k, t]
        <= idx.max_gross[(j, k)] * m.open_in[j, k, t])
    m.phasing_units_split = pyo.Constraint(
        m.HOSTS, rule=lambda m, j, f: m.units[j, f] == sum(m.units_in[j, f, t] for t in years))
    m.phasing_units_if_open = pyo.Constraint(
        m.UNITS_IN, rule=lambda m, j, f, t: m.units_in[j, f, t]
        <= idx.units_ub[(j, f)] * sum(m.open_in[key] for key in open_space[(j, t)]))

    # yearly spending
    def spend(t):
        channel = sum(idx.fixed_cost[(j, k)] * m.open_in[j, k, t + lag[(j, k)]]
                      + idx.cost_per_m2[(j, k)] * m.gross_in[j, k, t + lag[(j, k)]]
                      for (j, k) in idx.options if (j, k, t + lag[(j, k)]) in m.OPEN_IN)
        fit = sum(idx.fitout[f] * m.units_in[j, f, t] for j, f in idx.hosts)
        return channel + fit

    m.phasing_spend = pyo.Expression(m.YEARS, rule=lambda m, t: spend(t))
    if ph.carry_over:
        m.phasing_budget = pyo.Constraint(
            m.YEARS, rule=lambda m, t: sum(m.phasing_spend[s] for s in years if s <= t)
            <= sum(ph.budget_per_year[s] for s in years if s <= t))
    else:
        m.phasing_budget = pyo.Constraint(
            m.YEARS, rule=lambda m, t: m.phasing_spend[t] <= ph.budget_per_year[t])

    # service in the years before the last
    dem_keys = [(i, f, t) for (i, f) in idx.pairs_of_demand for t in early]
    m.phasing_demand = pyo.Constraint(
        dem_keys, rule=lambda m, i, f, t: sum(m.serve_in[p, t] for p in idx.pairs_of_demand[
            (i, f)]) <= idx.demand[(i, f)])
    cap_keys = [(j, f, t) for (j, f) in idx.pairs_of_host for t in early]
    m.phasing_capacity = pyo.Constraint(
        cap_keys, rule=lambda m, j, f, t: sum(m.serve_in[p, t] for p in idx.pairs_of_host[
            (j, f)]) <= sum(m.units_in[j, f, s] for s in years if s <= t))
    ex_keys = [(e, f, t) for (e, f) in idx.pairs_of_existing for t in early]
    m.phasing_existing = pyo.Constraint(
        ex_keys, rule=lambda m, e, f, t: sum(m.serve_in[p, t] for p in idx.pairs_of_existing[
            (e, f)]) <= idx.existing_capacity[(e, f)])

    def served(i, f, t):
        ps = idx.pairs_of_demand.get((i, f), [])
        return sum(m.serve[p] for p in ps) if t == last else sum(m.serve_in[p, t] for p in ps)

    m.phasing_coverage = pyo.Expression(
        m.YEARS, rule=lambda m, t: sum(coverage_weight.get(f, 0.0) * served(i, f, t)
                                       for (i, f) in idx.pairs_of_demand))

    # yearly targets: communities covered
    funcs_all = list(data.functions.index)
    cov_keys, tkeys = [], []
    for n, tg in enumerate(ph.targets):
        key = f"target[{n}]|{tg.year}"
        tkeys.append(key)
        fs = [f for f in (tg.functions or funcs_all) if f in data.functions.index]
        info.shortfalls[key] = {
            "standard": "year_target", "level": "city", "group": str(tg.year),
            "group_name": str(tg.year), "function": ",".join(fs),
            "required": float(tg.communities), "unit": "communities", "var": "target_shortfall",
            "label": f"{tg.communities} communities covered by {tg.year} "
                     f"({', '.join(fs)} at ≥ {100 * tg.min_share:g} % of demand)",
            "year": tg.year, "functions": fs, "min_share": tg.min_share}
        for i in data.zones.index:
            if any(idx.demand.get((i, f), 0.0) > 0 for f in fs):
                cov_keys.append((n, i))  # a community needing none of them is not counted
    m.TARGETS = pyo.Set(initialize=tkeys, ordered=True)
    m.target_shortfall = pyo.Var(m.TARGETS, domain=pyo.NonNegativeReals,
                                 bounds=lambda _, k: (0.0, info.shortfalls[k]["required"]))
    if hard:
        for k in tkeys:
            m.target_shortfall[k].fix(0.0)
    m.COVERED = pyo.Set(initialize=cov_keys, dimen=2, ordered=True)
    m.covered = pyo.Var(m.COVERED, domain=pyo.Binary)
    rows = []
    for n, i in cov_keys:
        meta = info.shortfalls[tkeys[n]]
        for f in meta["functions"]:
            d = idx.demand.get((i, f), 0.0)
            if d > 0:
                rows.append((n, i, f))
    m.phasing_covered = pyo.Constraint(
        rows, rule=lambda m, n, i, f: info.shortfalls[tkeys[n]]["min_share"]
        * idx.demand[(i, f)] * m.covered[n, i]
        <= served(i, f, info.shortfalls[tkeys[n]]["year"]))
    m.phasing_target = pyo.Constraint(
        range(len(tkeys)), rule=lambda m, n: sum(m.covered[nn, i] for nn, i in cov_keys
                                                 if nn == n)
        + m.target_shortfall[tkeys[n]] >= info.shortfalls[tkeys[n]]["required"])
    m.phasing_penalty = pyo.Expression(
        expr=sum(penalty * primary_scale / max(info.shortfalls[k]["required"], 1.0)
                 * m.target_shortfall[k] for k in tkeys))
    m.phasing_early = pyo.Expression(
        expr=ph.early_weight * sum(m.phasing_coverage[t] for t in early))
