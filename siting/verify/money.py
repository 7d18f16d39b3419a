"""Money (mirrors :mod:`siting.model.areas`, :mod:`siting.model.funding`,
:mod:`siting.model.operating`): area budgets, every funding source's rules, the operating
budget, utilisation floors and area quotas, recomputed from the inputs and the exported
tables (``sites.csv``, ``assignments.csv``, ``funding.csv``)."""

from __future__ import annotations

import pandas as pd

from siting.verify.core import PlanContext, Violation, family, tol
from siting.verify.service import valid_assignments, zone_demand

MONEY_TOL = 1.0
"""Exports round money to 0.01 CNY; allocations to a project may differ from its cost by
rounding of a few cents per source."""


def _mtol(x: float) -> float:
    return MONEY_TOL + 1e-6 * abs(x)


def _area(v) -> str:
    s = str(v).strip()
    return s if s and s.lower() != "nan" else "(none)"


def _spend_by_year(ctx: PlanContext) -> dict[tuple[str, object], float]:
    """(space, year) -> spending: channel cost in the start year, fit-out in the opening
    year (the whole capex in period 'all' without phasing)."""
    out: dict = {}
    ph = ctx.scen.phasing
    for _, r in ctx.sites.iterrows():
        j = str(r["space_id"])
        if not ph.enabled:
            out[(j, "all")] = float(r["capex"])
            continue
        fit = sum(u * float(ctx.fn.at[f, "fitout_cost_per_unit"])
                  for f, u in ctx.units(r).items())
        start, opened = int(r["start_year"]), int(r["open_year"])
        out[(j, start)] = out.get((j, start), 0.0) + float(r["capex"]) - fit
        out[(j, opened)] = out.get((j, opened), 0.0) + fit
    return out


def _within(amounts: dict, limits: dict | float, years: list, carry: bool, what: str,
            where: str) -> list[Violation]:
    """Spending per year within a total, or within limits per year (cumulative if carry)."""
    v = []
    if not isinstance(limits, dict):
        s = sum(amounts.values())
        if s > limits + _mtol(limits):
            v.append(Violation(what, where, f"{s:,.2f} exceeds {limits:,.2f}"))
        return v
    cum_s = cum_l = 0.0
    for t in years:
        cum_s += amounts.get(t, 0.0)
        cum_l += float(limits.get(t, 0.0))
        s, lim = (cum_s, cum_l) if carry else (amounts.get(t, 0.0), float(limits.get(t, 0.0)))
        if s > lim + _mtol(lim):
            v.append(Violation(what, f"{where} {t}", f"{'cumulative ' if carry else ''}"
                                                      f"{s:,.2f} exceeds {lim:,.2f}"))
    return v


@family("area_budgets", order=91)
def check_area_budgets(ctx: PlanContext) -> list[Violation]:
    b, ph = ctx.scen.budgets, ctx.scen.phasing
    if not b.limits:
        return []
    area = ctx.spaces[b.by].map(_area) if b.by in ctx.spaces.columns else \
        pd.Series("(none)", index=ctx.spaces.index)
    spend = _spend_by_year(ctx)
    v = []
    for a, lim in b.limits.items():
        per: dict = {}
        for (j, t), x in spend.items():
            if area.get(j) == a:
                per[t] = per.get(t, 0.0) + x
        if isinstance(lim, dict) and not ph.enabled:
            lim = float(sum(lim.values()))
        v += _within(per, lim, list(ph.years), ph.carry_over, "area_budget", f"{b.by} {a}")
    return v


def allocations(ctx: PlanContext) -> pd.DataFrame | None:
    """funding.csv of the plan folder (or the summary's allocations when checking tables)."""
    cols = ["space_id", "source", "year", "amount"]
    if ctx.folder is not None:
        path = ctx.folder / "funding.csv"
        if not path.is_file():
            return None
        df = pd.read_csv(path, encoding="utf-8-sig", dtype={"space_id": str, "source": str,
                                                             "year": str})
    else:
        rows = ((ctx.summary or {}).get("funding") or {}).get("allocations")
        if rows is None:
            return None
        df = pd.DataFrame(rows, columns=cols).astype({"year": str})
    return df[cols].astype({"amount": float})


def _attributable(ctx: PlanContext, r, f: str, u: float) -> float:
    """Fit-out of f's units and the building cost of the floor area they use, at the
    channel's price per usable m² (what a source limited to functions may pay)."""
    sp, cr = ctx.spaces.loc[str(r["space_id"])], ctx.ch.loc[str(r["channel"])]
    cpm = sp["cost_per_m2"] if pd.notna(sp.get("cost_per_m2")) else cr["cost_per_m2"]
    cpm = float(cpm) * float(cr["cost_multiplier"])
    usable = float(cr["usable_factor"]) * (1.0 - ctx.scen.standards.office_share)
    return u * (float(ctx.fn.at[f, "fitout_cost_per_unit"])
                + cpm * float(ctx.fn.at[f, "area_per_unit_m2"]) / usable)


@family("funding", order=92)
def check_funding(ctx: PlanContext) -> list[Violation]:
    """Each project paid in full (every year when phased), only by sources it is eligible
    for, within each source's share, caps per unit, smallest project and amounts."""
    funding, ph = ctx.scen.funding, ctx.scen.phasing
    if not funding:
        return []
    alloc = allocations(ctx)
    if alloc is None:
        return [Violation("funding", "funding.csv", "the scenario has funding sources but the "
                                                    "plan has no funding table")]
    v: list[Violation] = []
    sites = ctx.sites.assign(space_id=ctx.sites["space_id"].astype(str)).set_index("space_id")
    spend = _spend_by_year(ctx)
    years = [str(t) for t in ph.years] if ph.enabled else ["all"]
    for s in sorted(set(alloc["source"]) - set(funding)):
        v.append(Violation("funding", f"source {s}", "not a funding source of the scenario"))
    for j in sorted(set(alloc["space_id"]) - set(sites.index)):
        v.append(Violation("funding", f"space {j}", "funded but not in the plan"))
    for y in sorted(set(alloc["year"]) - set(years)):
        v.append(Violation("funding", f"year {y}", f"not a plan period ({', '.join(years)})"))
    alloc = alloc[alloc["source"].isin(funding) & alloc["space_id"].isin(sites.index)]
    for j, r in sites.iterrows():
        mine = alloc[alloc["space_id"] == j]
        cost = float(r["capex"])
        for t in years:
            paid = float(mine.loc[mine["year"] == t, "amount"].sum())
            due = spend.get((j, int(t) if ph.enabled else "all"), 0.0)
            if abs(paid - due) > _mtol(due):
                v.append(Violation("funding", f"space {j}", f"{t}: sources pay {paid:,.2f}, "
                                                            f"the project spends {due:,.2f}"))
        units = ctx.units(r)
        for s, x in mine.groupby("source")["amount"].sum().items():
            src = funding[s]
            where = f"space {j} / {s}"
            if x <= MONEY_TOL:
                continue
            if src.channels and str(r["channel"]) not in src.channels:
                v.append(Violation("funding", where, f"pays {x:,.2f} for a {r['channel']} "
                                                     f"project; it funds {src.channels}"))
            if x > src.max_share * cost + _mtol(cost):
                v.append(Violation("funding", where, f"pays {x:,.2f}, more than "
                                                     f"{src.max_share:g} of the project's "
                                                     f"{cost:,.2f}"))
            if cost < src.min_project - _mtol(src.min_project):
                v.append(Violation("funding", where, f"funds a project of {cost:,.2f}, below "
                                                     f"its minimum {src.min_project:,.2f}"))
            fs = src.eligible_functions
            if fs:
                can = 0.0
                for f in fs:
                    u = units.get(f, 0.0)
                    if u <= 0:
                        continue
                    part = _attributable(ctx, r, f, u)
                    if f in src.per_unit_cap:
                        part = min(part, src.per_unit_cap[f] * u)
                    can += part
                if x > can + _mtol(can):
                    v.append(Violation("funding", where, f"pays {x:,.2f}; its functions "
                                                         f"{fs} here cost {can:,.2f} (with "
                                                         "caps per unit)"))
    for s, src in funding.items():
        mine = alloc[alloc["source"] == s]
        per = mine.groupby("year")["amount"].sum()
        amounts = {(int(t) if ph.enabled else t): float(x) for t, x in per.items()}
        lim = src.amount
        if isinstance(lim, dict) and not ph.enabled:
            lim = float(sum(lim.values()))
        v += _within(amounts, lim, list(ph.years), ph.carry_over, "funding_amount",
                     f"source {s}")
    return v


def site_rent(ctx: PlanContext, r) -> float:
    sp = ctx.spaces.loc[str(r["space_id"])]
    rate = sp.get("rent_per_m2_year")
    if rate is None or pd.isna(rate):
        rate = ctx.scen.operating.rent_per_m2_year.get(str(r["channel"]), 0.0)
    return float(rate) * float(r["floor_area_m2"])


@family("operating", order=93)
def check_operating(ctx: PlanContext) -> list[Violation]:
    """Opex and rent a year within the operating budget; rent as reported; every new
    facility of a function with a floor serves its share of capacity."""
    op, v = ctx.scen.operating, []
    total = 0.0
    for _, r in ctx.sites.iterrows():
        rent = site_rent(ctx, r)
        if "rent_per_year" in r and abs(float(r["rent_per_year"] or 0.0) - rent) > _mtol(rent):
            v.append(Violation("rent", f"space {r['space_id']}", f"reports rent "
                                                                 f"{float(r['rent_per_year']):,.2f}"
                                                                 f" a year, inputs give "
                                                                 f"{rent:,.2f}"))
        total += rent + sum(u * float(ctx.fn.at[f, "opex_per_unit_year"])
                            for f, u in ctx.units(r).items())
    if op.budget_per_year is not None and total > op.budget_per_year + _mtol(total):
        v.append(Violation("operating_budget", "plan", f"running costs {total:,.2f} a year "
                                                       f"exceed the operating budget "
                                                       f"{op.budget_per_year:,.2f}"))
    if ctx.scen.min_utilisation:
        a = valid_assignments(ctx)
        served = a.groupby(["site_id", "function"])["served"].sum()
        for _, r in ctx.sites.iterrows():
            for f, floor in ctx.scen.min_utilisation.items():
                u = ctx.units(r).get(f, 0.0)
                got = float(served.get((str(r["space_id"]), f), 0.0))
                if u > 0 and got < floor * u - tol(floor * u):
                    v.append(Violation("utilisation", f"space {r['space_id']}",
                                       f"{f}: serves {got:g} of {u:g} units built, below the "
                                       f"floor {floor:g}"))
    return v


@family("quotas", order=94)
def check_quotas(ctx: PlanContext) -> list[Violation]:
    """Every quota met, or (soft) its shortfall reported with at least the amount missing."""
    q = ctx.scen.quotas
    if not q.active:
        return []
    zones = ctx.zones
    area = zones[q.by].map(_area) if q.by in zones.columns else \
        pd.Series("(none)", index=zones.index)
    funcs = [f for f in (q.functions or list(ctx.fn.index)) if f in ctx.fn.index]
    demand = zone_demand(ctx)
    served = valid_assignments(ctx).groupby(["zone_id", "function"])["served"].sum()
    reported = {(s["standard"], str(s["group"]), s.get("function", "")): float(s["missing"])
                for s in (ctx.summary or {}).get("shortfalls", [])}
    v: list[Violation] = []

    def expect(standard: str, a: str, f: str, required: float, got: float) -> None:
        missing = required - got
        if missing <= 1e-6 * max(1.0, required) + 1e-6:
            return
        key = (standard, a, f) if standard == "quota_coverage" else (standard, a,
                                                                      ",".join(funcs))
        if q.mode == "hard":
            v.append(Violation("quota", f"{standard} {a}", f"{got:g} of {required:g} in hard "
                                                            "mode"))
        elif reported.get(key, 0.0) < missing - 1e-3 * max(1.0, missing):
            v.append(Violation("quota", f"{standard} {a}", f"short by {missing:g}, reported "
                                                            f"{reported.get(key, 0.0):g}"))

    for a, n in q.communities.items():
        covered = 0
        for z in area.index[area == a]:
            need = [f for f in funcs if float(demand.get((z, f), 0.0)) > 0]
            if need and all(float(served.get((z, f), 0.0)) >= q.min_share
                            * float(demand[(z, f)]) - tol(float(demand[(z, f)]))
                            for f in need):
                covered += 1
        expect("quota_communities", a, "", float(n), float(covered))
    for a, share in q.coverage.items():
        members = list(area.index[area == a])
        for f in funcs:
            d = sum(float(demand.get((z, f), 0.0)) for z in members)
            if d > 0 and share > 0:
                got = sum(float(served.get((z, f), 0.0)) for z in members)
                expect("quota_coverage", a, f, share * d, got)
    return v
