"""Siting (mirrors :mod:`siting.model.siting`): one channel per space, known spaces,
channel eligibility, capital cost of each site, number of spaces and the capital budget."""

from __future__ import annotations

import pandas as pd

from siting.verify.core import PlanContext, Violation, family, split_list, tol
from siting.verify.decisions import paid_spaces


def known_sites(ctx: PlanContext) -> pd.DataFrame:
    """sites.csv rows whose space is in the spaces file and whose channel is enabled (the
    other rows are reported here and skipped by every other family)."""
    return ctx.memo("known_sites", lambda c: c.sites[c.sites["space_id"].isin(c.spaces.index)
                                                     & c.sites["channel"].isin(c.ch.index)])


AREA_ROUNDING_M2 = 0.005
"""sites.csv gives floor areas to 0.01 m² (:mod:`siting.results`): a recomputed cost may
differ from the model's by this much area times its price per m²."""


def capex_rounding(ctx: PlanContext) -> float:
    """How far the recomputed total capital cost may sit from the model's because of the
    areas' rounding in sites.csv (summed over the sites)."""
    total = 0.0
    for _, r in known_sites(ctx).iterrows():
        sp, cr = ctx.spaces.loc[str(r["space_id"])], ctx.ch.loc[str(r["channel"])]
        if pd.notna(sp.get("cost_estimate", float("nan"))):
            continue  # a proposal's own estimate: no area term
        cpm = sp["cost_per_m2"] if pd.notna(sp.get("cost_per_m2")) else cr["cost_per_m2"]
        total += AREA_ROUNDING_M2 * abs(float(cpm)) * float(cr["cost_multiplier"])
    return total


def site_capex(ctx: PlanContext) -> dict[int, float]:
    """Capital cost of each known site (by sites.csv row), recomputed from the inputs:
    (fixed + per-m² cost x gross area) x channel multiplier + fit-out of every unit."""

    def compute(c: PlanContext) -> dict[int, float]:
        out = {}
        for i, r in known_sites(c).iterrows():
            sp, cr = c.spaces.loc[str(r["space_id"])], c.ch.loc[str(r["channel"])]
            cpm = sp["cost_per_m2"] if pd.notna(sp.get("cost_per_m2")) else cr["cost_per_m2"]
            fix = sp["fixed_cost"] if pd.notna(sp.get("fixed_cost")) else cr["fixed_cost"]
            fit = sum(u * float(c.fn.at[f, "fitout_cost_per_unit"])
                      for f, u in c.units(r).items() if u > 0)
            if pd.notna(sp.get("cost_estimate", float("nan"))):  # a proposal's own 概算
                fix, cpm = float(sp["cost_estimate"]) - fit, 0.0
            out[i] = (float(fix) + float(cpm) * float(r["floor_area_m2"])) \
                * float(cr["cost_multiplier"]) + fit
        return out

    return ctx.memo("site_capex", compute)


def total_capex(ctx: PlanContext) -> float:
    return float(sum(site_capex(ctx).values()))


@family("siting", order=10)
def check_siting(ctx: PlanContext) -> list[Violation]:
    v: list[Violation] = []
    sites, spaces, ch, opts = ctx.sites, ctx.spaces, ctx.ch, ctx.opts
    dup = sites["space_id"][sites["space_id"].duplicated()]
    for s in sorted(set(dup)):
        chans = ", ".join(sites.loc[sites["space_id"] == s, "channel"].astype(str))
        v.append(Violation("one_channel", f"space {s}", f"appears with several channels: "
                                                        f"{chans}"))
    capex = site_capex(ctx)
    for i, r in sites.iterrows():
        sid, c = str(r["space_id"]), str(r["channel"])
        where = f"space {sid}"
        if sid not in spaces.index:
            v.append(Violation("unknown_space", where, "not in the spaces file"))
            continue
        if c not in ch.index:
            v.append(Violation("channel_eligibility", where, f"channel {c!r} is unknown or "
                                                             "disabled in this scenario"))
            continue
        sp, cr = spaces.loc[sid], ch.loc[c]
        allowed = split_list(sp.get("channels", ""))
        if sp["kind"] not in cr["eligible_kinds"] or sp["ownership"] not in \
                cr["eligible_ownerships"] or (allowed and c not in allowed):
            v.append(Violation("channel_eligibility", where,
                               f"{sp['kind']} / {sp['ownership']} space cannot use channel {c!r}"))
        if abs(capex[i] - float(r["capex"])) > 1e-4 * max(1.0, capex[i]) + 0.05:
            v.append(Violation("cost", where, f"reported capex {float(r['capex']):,.2f} but "
                                              f"inputs give {capex[i]:,.2f}"))
    paid_ids, paid_years = paid_spaces(ctx.scen, spaces)  # decisions.already_paid
    paid = sum(x for i, x in capex.items() if paid_years is None
               and str(sites.at[i, "space_id"]) in paid_ids)
    total = total_capex(ctx) - paid
    if opts.budget is not None and total > opts.budget + tol(opts.budget) \
            + capex_rounding(ctx):
        note = f" (after {paid:,.0f} already paid)" if paid else ""
        v.append(Violation("budget", "plan", f"capital cost {total:,.0f}{note} exceeds the "
                                             f"budget {opts.budget:,.0f}"))
    n = sites["space_id"].nunique()
    if opts.n_spaces is not None and n != opts.n_spaces:
        v.append(Violation("space_count", "plan", f"{n} spaces opened, n_spaces is "
                                                  f"{opts.n_spaces}"))
    if opts.max_spaces is not None and n > opts.max_spaces:
        v.append(Violation("space_count", "plan", f"{n} spaces opened, max_spaces is "
                                                  f"{opts.max_spaces}"))
    return v
