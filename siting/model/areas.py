"""Budgets and quotas by area (district or street).

A project belongs to the area named in its space's ``district`` (or ``street``) column; a
community to the area of its zone. Budgets cap the projects' spending per area:

.. math:: \\sum_{j\\in a} C_j \\le B_a \\qquad (\\texttt{area\\_budget})

or, with phasing and a limit per year, :math:`\\sum_{j\\in a}\\sum_{s\\le t} S_{js} \\le
\\sum_{s\\le t} B_{as}` (cumulative with carry-over, else year by year).

Quotas ask for coverage per area. A community i of area a is *covered*
(``quota_covered[i]``, binary) when each quota function f is served to the share
:math:`\\mu`: :math:`\\mu\\,d_{if}\\,\\mathrm{covered}_i \\le \\sum_{p\\in P_{if}}
\\mathrm{serve}_p`. Then

.. math:: \\sum_{i\\in a}\\mathrm{covered}_i + \\sigma_a \\ge N_a, \\qquad
          \\sum_{i\\in a}\\sum_{p\\in P_{if}}\\mathrm{serve}_p + \\sigma_{af} \\ge
          \\rho_a \\sum_{i\\in a} d_{if}

with shortfalls :math:`\\sigma` penalised like a standard's (:mod:`siting.model.standards`)
or fixed at zero in ``hard`` mode. Quotas count the plan's final service (the last plan year
when phased); they need one demand row per community, so zones are not merged.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from siting.config import AreaBudgets, AreaQuotas, Phasing
from siting.model.money import MONEY_UNIT as U
from siting.model.money import amount_by_period
from siting.model.sets import ModelIndex

NO_AREA = "(none)"


def area_name(value) -> str:
    s = "" if value is None else str(value).strip()
    return s if s and s.lower() != "nan" else NO_AREA


def areas_of(frame, by: str) -> dict[str, list[str]]:
    """Area -> ids of the rows (spaces or zones) in it."""
    out: dict[str, list[str]] = defaultdict(list)
    col = frame[by] if by in frame.columns else [""] * len(frame)
    for i, a in zip(frame.index, col):
        out[area_name(a)].append(str(i))
    return dict(out)


def add_area_budgets(m: pyo.ConcreteModel, idx: ModelIndex, data, budgets: AreaBudgets,
                     ph: Phasing) -> None:
    """``area_budget[a]`` (a total) and ``area_budget_year[a, t]`` (limits per year)."""
    if not budgets.limits:
        return
    members = areas_of(data.spaces.loc[[j for j in data.spaces.index if j in idx.options_of]],
                       budgets.by)
    total_rows, year_rows = [], []
    for a, lim in budgets.limits.items():
        per = amount_by_period(lim, ph)
        if per is None or not ph.enabled:
            total_rows.append((a, float(lim if per is None else per[0])))
        else:
            year_rows += [(a, t, per) for t in ph.years]
    m.AREA_BUDGETS = pyo.Set(initialize=[a for a, _ in total_rows], ordered=True)
    limit = dict(total_rows)
    m.area_budget = pyo.Constraint(
        m.AREA_BUDGETS, rule=lambda m, a: sum(m.project_capex[j] for j in members.get(a, []))
        / U <= limit[a] / U if members.get(a) else pyo.Constraint.Skip)
    keys = [(a, t) for a, t, _ in year_rows]
    per_of = {a: per for a, _, per in year_rows}

    def year_rule(m, a, t):
        js = members.get(a, [])
        if not js:
            return pyo.Constraint.Skip
        if ph.carry_over:
            return (sum(m.project_spend[j, s] for j in js for s in ph.years if s <= t) / U
                    <= sum(per_of[a][s] for s in ph.years if s <= t) / U)
        return sum(m.project_spend[j, t] for j in js) / U <= per_of[a][t] / U

    m.AREA_BUDGET_YEARS = pyo.Set(initialize=keys, dimen=2, ordered=True)
    m.area_budget_year = pyo.Constraint(m.AREA_BUDGET_YEARS, rule=year_rule)


def add_quotas(m: pyo.ConcreteModel, idx: ModelIndex, data, quotas: AreaQuotas, info,
               primary_scale: float, penalty: float, ph: Phasing) -> None:
    """Quota rows and ``m.quota_penalty``; shortfalls are entered in ``info.shortfalls``
    (read by :func:`siting.results.read_shortfalls`)."""
    if not quotas.active:
        m.quota_penalty = pyo.Expression(expr=0.0)
        return
    zones = areas_of(data.zones, quotas.by)
    funcs = [f for f in (quotas.functions or list(data.functions.index))
             if f in data.functions.index]

    def served(i, f):
        return sum(m.serve[p] for p in idx.pairs_of_demand.get((i, f), []))

    keys, rows_c, cov_keys = [], [], []
    what = (f"{', '.join(funcs)} at ≥ {100 * quotas.min_share:g} % of demand")
    for a, n in quotas.communities.items():
        members = [i for i in zones.get(a, [])
                   if any(idx.demand.get((i, f), 0.0) > 0 for f in funcs)]
        key = f"quota_communities|{a}"
        keys.append(key)
        info.shortfalls[key] = {
            "standard": "quota_communities", "level": quotas.by, "group": a, "group_name": a,
            "function": ",".join(funcs), "required": float(n), "unit": "communities",
            "var": "quota_shortfall", "members": members,
            "label": f"{n} communities covered in {quotas.by} {a} ({what})"}
        cov_keys += [i for i in members if i not in cov_keys]
    for a, share in quotas.coverage.items():
        members = zones.get(a, [])
        for f in funcs:
            d = sum(idx.demand.get((i, f), 0.0) for i in members)
            if d <= 0 or share <= 0:
                continue
            key = f"quota_coverage|{a}|{f}"
            keys.append(key)
            info.shortfalls[key] = {
                "standard": "quota_coverage", "level": quotas.by, "group": a, "group_name": a,
                "function": f, "required": share * d,
                "unit": str(data.functions.at[f, "unit"]), "var": "quota_shortfall",
                "members": members, "share": share,
                "label": f"{100 * share:g} % of {f} demand served in {quotas.by} {a}"}
    m.QUOTAS = pyo.Set(initialize=keys, ordered=True)
    m.quota_shortfall = pyo.Var(m.QUOTAS, domain=pyo.NonNegativeReals,
                                bounds=lambda _, k: (0.0, info.shortfalls[k]["required"]))
    if quotas.mode == "hard":
        for k in keys:
            m.quota_shortfall[k].fix(0.0)
    m.QUOTA_COVERED = pyo.Set(initialize=cov_keys, ordered=True)
    m.quota_covered = pyo.Var(m.QUOTA_COVERED, domain=pyo.Binary)
    rows_c = [(i, f) for i in cov_keys for f in funcs if idx.demand.get((i, f), 0.0) > 0]
    m.quota_covered_served = pyo.Constraint(
        rows_c, rule=lambda m, i, f: quotas.min_share * idx.demand[(i, f)] * m.quota_covered[i]
        <= served(i, f))

    def quota_rule(m, k):
        s = info.shortfalls[k]
        if s["standard"] == "quota_communities":
            got = sum(m.quota_covered[i] for i in s["members"])
        else:
            got = sum(served(i, s["function"]) for i in s["members"])
        return got + m.quota_shortfall[k] >= s["required"]

    m.quota_rows = pyo.Constraint(m.QUOTAS, rule=quota_rule)
    m.quota_penalty = pyo.Expression(expr=sum(
        penalty * primary_scale / max(info.shortfalls[k]["required"], 1.0)
        * m.quota_shortfall[k] for k in keys))
