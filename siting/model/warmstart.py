"""Starting solutions handed to HiGHS, so a plan exists from the first second.

:func:`schedule_start` turns a solved single-period plan into a phased one: it keeps the
single-period choice of spaces, channels, areas and units, and gives each chosen space the
earliest opening year its channel's lead time and the yearly budgets allow (spaces that
serve the most per yuan first); a space no year can afford is dropped. Integer variables are
set consistently; HiGHS fixes them and completes the continuous ones (areas, allocations,
shortfalls) by solving the remaining LP.
"""

from __future__ import annotations

import pyomo.environ as pyo

from siting.model import BuiltModel
from siting.model.phasing import years_to_open
from siting.problem import ProblemData

COMMON = ("build", "gross", "host", "units", "serve", "assign", "shortfall", "space_alloc",
          "complex", "complex_group", "shared")


def copy_values(src: pyo.ConcreteModel, dst: pyo.ConcreteModel) -> None:
    """Copy the values of same-named, same-indexed variables."""
    for name in COMMON:
        a, b = src.component(name), dst.component(name)
        if a is None or b is None:
            continue
        for key in b:
            if key in a and a[key].value is not None:
                b[key].set_value(a[key].value, skip_validation=True)


def schedule_start(phased: BuiltModel, single: BuiltModel, data: ProblemData) -> None:
    """Set a feasible-by-construction starting point of the phased model from ``single``."""
    m, idx, ph = phased.model, phased.index, phased.phasing
    copy_values(single.model, m)
    years = list(ph.years)
    first = years[0]
    lag = {o: years_to_open(float(data.channels.at[o[1], "lead_time_months"]))
           for o in idx.options}
    chosen = [o for o in idx.options if (m.build[o].value or 0) > 0.5]
    cw = {}
    for p in range(idx.n_pairs):
        j = idx.pair_site[p]
        cw[j] = cw.get(j, 0.0) + (m.serve[p].value or 0.0)
    channel = {o: idx.fixed_cost[o] + idx.cost_per_m2[o] * (m.gross[o].value or 0.0)
               for o in chosen}
    fit = {o[0]: sum(idx.fitout[f] * (m.units[h].value or 0.0)
                     for h in idx.hosts_of.get(o[0], []) for f in [h[1]]) for o in chosen}
    order = sorted(chosen, key=lambda o: -cw.get(o[0], 0.0) / max(channel[o] + fit[o[0]], 1.0))
    spent = {t: 0.0 for t in years}
    budget = ph.budget_per_year

    def fits(o, t_open) -> bool:
        extra = dict(spent)
        extra[t_open - lag[o]] += channel[o]
        extra[t_open] += fit[o[0]]
        if ph.carry_over:
            cum_s = cum_b = 0.0
            for t in years:
                cum_s += extra[t]
                cum_b += budget[t]
                if cum_s > cum_b + 1e-6:
                    return False
            return True
        return all(extra[t] <= budget[t] + 1e-6 for t in years)

    opened: dict[str, int] = {}
    for o in order:
        for t in years:
            if t - lag[o] >= first and fits(o, t):
                spent[t - lag[o]] += channel[o]
                spent[t] += fit[o[0]]
                opened[o[0]] = t
                break
        else:  # unaffordable in any year: drop it from the start
            m.build[o].set_value(0)
            m.gross[o].set_value(0)
            for h in idx.hosts_of.get(o[0], []):
                m.units[h].set_value(0)
                m.host[h].set_value(0)
            if o[0] in m.COMPLEX_SITES:
                m.complex[o[0]].set_value(0)
            for jc in m.COMPLEX_GROUPS:
                if jc[0] == o[0]:
                    m.complex_group[jc].set_value(0)
    for key in m.OPEN_IN:
        j, k, t = key
        on = opened.get(j) == t and (m.build[j, k].value or 0) > 0.5
        m.open_in[key].set_value(1 if on else 0)
        m.gross_in[key].set_value((m.gross[j, k].value or 0.0) if on else 0.0)
    for j, f, t in m.UNITS_IN:
        m.units_in[j, f, t].set_value((m.units[j, f].value or 0.0) if opened.get(j) == t else 0)
    kept = set(opened)
    for p in range(idx.n_pairs):
        j = idx.pair_site[p]
        if j in idx.options_of and j not in kept:
            m.serve[p].set_value(0.0)
    for p, t in m.SERVE_IN:
        j = idx.pair_site[p]
        ok = j not in idx.options_of or (j in opened and opened[j] <= t)
        m.serve_in[p, t].set_value((m.serve[p].value or 0.0) if ok else 0.0)
    last = years[-1]
    for n, i in m.COVERED:
        key = list(m.TARGETS)[n]
        meta = phased.standards_index.shortfalls[key]
        t = meta["year"]
        good = True
        for f in meta["functions"]:
            d = idx.demand.get((i, f), 0.0)
            if d <= 0:
                continue
            ps = idx.pairs_of_demand.get((i, f), [])
            got = sum((m.serve[p].value or 0.0) if t == last else (m.serve_in[p, t].value or 0.0)
                      for p in ps)
            good = good and got >= meta["min_share"] * d - 1e-9
        m.covered[n, i].set_value(1 if good else 0)
