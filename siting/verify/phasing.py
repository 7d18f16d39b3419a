"""Phasing (mirrors :mod:`siting.model.phasing`): opening year = start year + whole years of
lead time; yearly (or cumulative) spending within the year's budget, channel cost in the
start year and fit-out in the opening year."""

from __future__ import annotations

import numpy as np

from siting.verify.core import PlanContext, Violation, family, tol
from siting.verify.decisions import paid_spaces


@family("phasing", order=30)
def check_phasing(ctx: PlanContext) -> list[Violation]:
    ph, sites, ch, fn = ctx.scen.phasing, ctx.sites, ctx.ch, ctx.fn
    v: list[Violation] = []
    if not ph.enabled:
        return v
    if not {"start_year", "open_year"} <= set(sites.columns):
        return [Violation("phasing", "sites.csv", "phased plan without start_year/open_year")]
    spend = {t: 0.0 for t in ph.years}
    paid_ids, paid_years = paid_spaces(ctx.scen, ctx.spaces)
    for i, r in sites.iterrows():
        where = f"space {r['space_id']}"
        c = str(r["channel"])
        if c not in ch.index:
            continue
        try:
            start, opened = int(r["start_year"]), int(r["open_year"])
        except (TypeError, ValueError):
            v.append(Violation("phasing", f"sites.csv row {int(i) + 2}",
                               f"start_year {r['start_year']!r} / open_year {r['open_year']!r}"
                               " are not years"))
            continue
        lead = float(ch.at[c, "lead_time_months"])
        years = max(0, int(np.ceil(lead / 12 - 1e-9)) - 1)
        if opened - start != years:
            v.append(Violation("lead_time", where, f"{c} takes {lead:g} months: started "
                                                   f"{start} it opens in {start + years}, "
                                                   f"not {opened}"))
        if start not in spend or opened not in spend:
            v.append(Violation("lead_time", where, f"starts {start} / opens {opened}, outside "
                                                   f"the plan years {ph.years}"))
            continue
        fit = sum(u * float(fn.at[f, "fitout_cost_per_unit"]) for f, u in ctx.units(r).items())
        paid = str(r["space_id"]) in paid_ids  # decisions.already_paid: these years' money
        if not (paid and (paid_years is None or start in paid_years)):
            spend[start] += float(r["capex"]) - fit
        if not (paid and (paid_years is None or opened in paid_years)):
            spend[opened] += fit
    cum_s = cum_b = 0.0
    for t in ph.years:
        cum_s, cum_b = cum_s + spend[t], cum_b + ph.budget_per_year[t]
        s, b = (cum_s, cum_b) if ph.carry_over else (spend[t], ph.budget_per_year[t])
        if s > b + tol(b):
            v.append(Violation("year_budget", str(t), f"spending {s:,.0f} exceeds the "
                                                      f"{'cumulative ' if ph.carry_over else ''}"
                                                      f"budget {b:,.0f}"))
    return v
