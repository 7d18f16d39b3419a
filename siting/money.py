"""What a plan does with the money: spending and coverage per area against budgets and quotas,
the funding split (project x source, per source and year committed and left), running costs,
lifecycle cost and use of the new facilities.

Read from a solved model by :func:`money_summary` (summary keys ``budgets``, ``funding``,
``operating``); turned into tables by :func:`area_table`, :func:`funding_table`,
:func:`funding_matrix`, :func:`funding_by_year_table` from the summary alone, so exports and
reports need nothing but ``summary.json``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pyomo.environ as pyo

from siting.config import Scenario
from siting.model.areas import area_name
from siting.model.money import WHOLE_PLAN, amount_by_period, total_amount
from siting.model.operating import rent_rates

PLAN_PERIOD = "all"
"""How the single period of a plan without phasing is named in outputs."""


def _r(x: float) -> float:
    v = round(float(x), 2)
    return 0.0 if abs(v) < 0.005 else v


def site_rent(built, data, scenario: Scenario, chosen: list[tuple[str, str]]) -> dict:
    """Rent a year of each chosen space (its rate times the gross area taken)."""
    rates = rent_rates(built.index, data, scenario.operating)
    m = built.model
    return {j: _r(rates[(j, k)] * float(pyo.value(m.gross[j, k]))) for j, k in chosen}


def covered_communities(zones: pd.DataFrame, funcs: list[str], min_share: float) -> set[str]:
    """Communities whose demand for each of ``funcs`` is served to ``min_share`` (those that
    need none of them are not counted)."""
    z = zones[zones["function"].isin(funcs) & (zones["demand"] > 0)]
    ok = z["served"] >= min_share * z["demand"] - 1e-6 * z["demand"].clip(lower=1.0)
    per = ok.groupby(z["zone_id"]).all()
    return set(per.index[per])


def _area_of(frame: pd.DataFrame, by: str) -> pd.Series:
    col = frame[by] if by in frame.columns else pd.Series("", index=frame.index)
    return col.map(area_name)


def budgets_summary(scenario: Scenario, data, sites: pd.DataFrame, zones: pd.DataFrame,
                    by_year: list[dict] | None) -> dict:
    """Spending and coverage per area against budget and quota."""
    bud, quo = scenario.budgets, scenario.quotas
    by = bud.by if bud.limits else quo.by
    ph = scenario.phasing
    space_area = _area_of(data.spaces, by)
    zone_area = _area_of(data.zones, by)
    funcs = [f for f in (quo.functions or list(data.functions.index))
             if f in data.functions.index]
    covered = covered_communities(zones, funcs, quo.min_share)
    spend_year = _site_spend_by_year(sites, data, ph)
    areas = sorted(set(space_area) | set(zone_area) | set(bud.limits) | set(quo.communities)
                   | set(quo.coverage))
    rows = []
    for a in areas:
        here = sites[sites["space_id"].map(space_area) == a] if len(sites) else sites
        lim = bud.limits.get(a)
        total_lim = None if lim is None else total_amount(lim)
        spent = float(here["capex"].sum()) if len(here) else 0.0
        members = [z for z, x in zone_area.items() if x == a]
        zf = zones[zones["zone_id"].isin(members)]
        cov = {}
        for f in funcs:
            d = float(zf.loc[zf["function"] == f, "demand"].sum())
            if d > 0:
                cov[f] = round(float(zf.loc[zf["function"] == f, "served"].sum()) / d, 6)
        need = {z for z in zf.loc[zf["function"].isin(funcs) & (zf["demand"] > 0), "zone_id"]}
        row = {"area": a, "budget": total_lim, "spent": _r(spent),
               "left": None if total_lim is None else _r(total_lim - spent),
               "n_projects": int(len(here)), "communities": len(members),
               "communities_needing": len(need), "communities_covered": len(need & covered),
               "quota_communities": quo.communities.get(a), "coverage": cov,
               "quota_coverage": quo.coverage.get(a)}
        if ph.enabled:
            per = amount_by_period(lim, ph) if isinstance(lim, dict) else None
            ids = set(here["space_id"]) if len(here) else set()
            row["by_year"] = [{"year": t, "budget": None if per is None else per[t],
                               "spent": _r(sum(v for (j, y), v in spend_year.items()
                                               if y == t and j in ids))} for t in ph.years]
        rows.append(row)
    return {"by": by, "quota_functions": funcs, "quota_min_share": quo.min_share,
            "quota_mode": quo.mode, "areas": rows}


def _site_spend_by_year(sites: pd.DataFrame, data, ph) -> dict[tuple[str, int], float]:
    """(space, year) -> spending: channel cost in the start year, fit-out in the opening
    year; without phasing everything in the one period."""
    out: dict[tuple[str, int], float] = {}
    if not len(sites):
        return out
    for r in sites.itertuples(index=False):
        if not ph.enabled:
            out[(r.space_id, WHOLE_PLAN)] = float(r.capex)
            continue
        start, opened = int(r.start_year), int(r.open_year)
        out[(r.space_id, start)] = out.get((r.space_id, start), 0.0) + float(r.channel_cost)
        out[(r.space_id, opened)] = out.get((r.space_id, opened), 0.0) + float(r.fitout_cost)
    return out


def funding_summary(built, scenario: Scenario, sites: pd.DataFrame) -> dict:
    """Per source: amount, committed, left, per year; and every allocation."""
    from siting.model.funding import MONEY_UNIT

    m, ph = built.model, scenario.phasing
    years = list(ph.years) if ph.enabled else [WHOLE_PLAN]
    alloc = []
    for s, j in m.FUND:
        if ph.enabled:
            for t in years:
                v = float(pyo.value(m.fund_in[s, j, t])) * MONEY_UNIT
                if v > 0.005:
                    alloc.append({"space_id": j, "source": s, "year": t, "amount": _r(v)})
        else:
            v = float(pyo.value(m.fund[s, j])) * MONEY_UNIT
            if v > 0.005:
                alloc.append({"space_id": j, "source": s, "year": PLAN_PERIOD, "amount": _r(v)})
    _balance(alloc, sites, ph)
    sources = []
    for s, src in scenario.funding.items():
        mine = [a for a in alloc if a["source"] == s]
        total = total_amount(src.amount)
        committed = sum(a["amount"] for a in mine)
        per = amount_by_period(src.amount, ph) if ph.enabled else None
        by_year, cum_r, cum_c = [], 0.0, 0.0
        for t in years:
            c = sum(a["amount"] for a in mine if a["year"] == (t if ph.enabled else PLAN_PERIOD))
            cum_c += c
            cum_r = cum_r + per[t] if per is not None else total
            by_year.append({"year": t if ph.enabled else PLAN_PERIOD,
                            "released": per[t] if per is not None else (
                                total if t == years[0] else 0.0),
                            "committed": _r(c), "left": _r(cum_r - cum_c)})
        sources.append({
            "source": s, "label": src.label or s, "amount": total, "committed": _r(committed),
            "left": _r(total - committed), "projects": len({a["space_id"] for a in mine}),
            "functions": src.eligible_functions, "channels": list(src.channels),
            "per_unit_cap": dict(src.per_unit_cap), "max_share": src.max_share,
            "min_project": src.min_project, "by_year": by_year})
    return {"sources": sources, "allocations": alloc,
            "total_amount": _r(sum(x["amount"] for x in sources)),
            "total_committed": _r(sum(x["committed"] for x in sources))}


def funding_sources(summary: dict, sites: pd.DataFrame) -> list[str]:
    """Per site: which sources pay how much, e.g. "中央预算内投资 8.0万元；区级财政资金 24.5万元"
    (the ``funding_source`` column of sites.csv, read by the project register)."""
    f = summary["funding"]
    label = {s["source"]: s["label"] for s in f["sources"]}
    paid: dict[str, dict[str, float]] = {}
    for a in f["allocations"]:
        d = paid.setdefault(a["space_id"], {})
        d[a["source"]] = d.get(a["source"], 0.0) + a["amount"]
    return ["；".join(f"{label[s]} {x / 1e4:,.1f}万元" for s, x in
                     sorted(paid.get(j, {}).items(), key=lambda kv: list(label).index(kv[0])))
            for j in sites["space_id"]]


def _balance(alloc: list[dict], sites: pd.DataFrame, ph) -> None:
    """Make each project's rounded allocations add up to its rounded cost to the cent (the
    largest allocation takes the rounding difference)."""
    if not len(sites):
        return
    cost = dict(zip(sites["space_id"], sites["capex"].astype(float)))
    by_j: dict[str, list[dict]] = {}
    for a in alloc:
        by_j.setdefault(a["space_id"], []).append(a)
    for j, xs in by_j.items():
        diff = round(cost.get(j, 0.0) - sum(a["amount"] for a in xs), 2)
        if xs and 0 < abs(diff) <= 1.0:
            big = max(xs, key=lambda a: a["amount"])
            big["amount"] = _r(big["amount"] + diff)


def operating_summary(built, scenario: Scenario, sites: pd.DataFrame, assign: pd.DataFrame
                      ) -> dict:
    op = scenario.operating
    opex = float(sites["opex_per_year"].sum()) if len(sites) else 0.0
    rent = float(sites["rent_per_year"].sum()) if len(sites) else 0.0
    capex = float(sites["capex"].sum()) if len(sites) else 0.0
    served = assign.groupby(["site_id", "function"])["served"].sum() if len(assign) else {}
    util = []
    for r in sites.to_dict("records"):
        for f, floor in scenario.min_utilisation.items():
            u = float(r.get(f"units_{f}", 0.0) or 0.0)
            if u > 0:
                s = float(served.get((r["space_id"], f), 0.0))
                util.append({"space_id": r["space_id"], "function": f, "units": u,
                             "served": round(s, 3), "share": round(s / u, 4), "floor": floor})
    return {"opex_per_year": _r(opex), "rent_per_year": _r(rent),
            "running_cost_per_year": _r(opex + rent), "budget_per_year": op.budget_per_year,
            "left_per_year": None if op.budget_per_year is None
            else _r(op.budget_per_year - opex - rent),
            "years": op.years, "discount_rate": op.discount_rate,
            "lifecycle_factor": round(op.annuity, 6),
            "lifecycle_cost": _r(capex + op.annuity * (opex + rent)),
            "min_utilisation": dict(scenario.min_utilisation), "utilisation": util}


def money_summary(built, data, scenario: Scenario, sites: pd.DataFrame, zones: pd.DataFrame,
                  assign: pd.DataFrame, by_year: list[dict] | None = None) -> dict:
    """The summary keys ``operating`` (always), ``budgets`` (area budgets or quotas) and
    ``funding`` (funding sources)."""
    out = {"operating": operating_summary(built, scenario, sites, assign)}
    if scenario.budgets.limits or scenario.quotas.active:
        out["budgets"] = budgets_summary(scenario, data, sites, zones, by_year)
    if scenario.funding and hasattr(built.model, "FUND"):
        out["funding"] = funding_summary(built, scenario, sites)
    return out


# ------------------------------------------------------------------------------------------
# Tables from a summary (exports, workbook, report)


def area_table(summary: dict) -> pd.DataFrame:
    b = summary.get("budgets")
    if not b:
        return pd.DataFrame()
    rows = []
    for a in b["areas"]:
        row = {k: a[k] for k in ("area", "budget", "spent", "left", "n_projects", "communities",
                                 "communities_needing", "communities_covered",
                                 "quota_communities", "quota_coverage")}
        for f, c in a["coverage"].items():
            row[f"coverage_{f}"] = c
        for y in a.get("by_year", []):
            row[f"spent_{y['year']}"] = y["spent"]
            if y["budget"] is not None:
                row[f"budget_{y['year']}"] = y["budget"]
        rows.append(row)
    return pd.DataFrame(rows).rename(columns={"area": b["by"]})


def funding_table(summary: dict, sites: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per project, source and year: the amount paid."""
    f = summary.get("funding")
    cols = ["space_id", "source", "year", "amount"]
    if not f:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(f["allocations"], columns=cols)
    if sites is not None and len(sites) and len(df):
        info = sites.set_index("space_id")[["space_name", "channel", "capex"]]
        df = df.join(info, on="space_id")
        df = df[["space_id", "space_name", "channel", "capex", "source", "year", "amount"]]
        df = df.rename(columns={"capex": "project_cost"})
    return df


def funding_matrix(summary: dict, sites: pd.DataFrame) -> pd.DataFrame:
    """Project x source: what each source pays for each project (all years)."""
    t = funding_table(summary)
    if t.empty:
        return pd.DataFrame()
    wide = t.pivot_table(index="space_id", columns="source", values="amount", aggfunc="sum",
                         fill_value=0.0)
    order = [s["source"] for s in summary["funding"]["sources"] if s["source"] in wide.columns]
    wide = wide[order].reset_index()
    info = sites[["space_id", "space_name", "channel", "capex"]]
    return info.merge(wide, on="space_id", how="left").fillna(0.0).rename(
        columns={"capex": "project_cost"})


def funding_by_year_table(summary: dict) -> pd.DataFrame:
    f = summary.get("funding")
    if not f:
        return pd.DataFrame()
    return pd.DataFrame([{"source": s["source"], "label": s["label"], **y}
                         for s in f["sources"] for y in s["by_year"]])


def _solve_split(built, solver_options, keep: tuple[str, ...] = (), order: bool = True) -> bool:
    """Solve for the funding split alone: every other variable with a value is fixed, every
    row not about the split (nor named in ``keep``) switched off; the model is restored
    afterwards. With ``order`` the split drawing on sources in their listed order is taken
    (:func:`siting.model.funding.source_order`), else any. Returns whether a split was found
    (the split variables keep their previous values if not)."""
    from dataclasses import replace

    from siting.model.funding import SPLIT_ROWS, SPLIT_VARIABLES, source_order
    from siting.solve import solve

    m = built.model
    split = [v for name in SPLIT_VARIABLES if m.component(name) is not None
             for v in m.component(name).values()]
    before = [v.value for v in split]
    free = {id(v) for v in split}
    fixed = [v for v in m.component_data_objects(pyo.Var, active=True)
             if id(v) not in free and not v.fixed and v.value is not None]
    off = [c for c in m.component_objects(pyo.Constraint, active=True)
           if c.local_name not in SPLIT_ROWS and c.local_name not in keep]
    for v in fixed:
        v.fix()
    for c in off:
        c.deactivate()
    m.objective.deactivate()
    m.funding_order = pyo.Objective(expr=source_order(m, built.money.funding)
                                    if order and hasattr(m, "FUND") else 0.0,
                                    sense=pyo.minimize)
    try:
        res = solve(replace(built, matrix_rows=()), solver_options.update(start="none"))
        ok = res.has_solution
        if not ok:
            for v, x in zip(split, before):
                v.set_value(x, skip_validation=True)
    finally:
        m.del_component(m.funding_order)
        m.objective.activate()
        for c in off:
            c.activate()
        for v in fixed:
            v.unfix()
    return ok


def settle_split(built, solver_options) -> bool:
    """Among the funding splits of the solved plan, take the one that draws on the sources in
    the order they are listed (:func:`siting.model.funding.source_order`).

    Any split is optimal for the plan's objective, so the solver's is arbitrary (district
    money paying while earmarked money sits unused). This second stage keeps every other
    variable at its value and solves for the split alone (:func:`_solve_split`). Returns
    whether it found one (it always should: the plan's own split is one).
    """
    m = built.model
    if len(built.money.funding) < 2 or not hasattr(m, "FUND") or not len(m.FUND):
        return False
    return _solve_split(built, solver_options)


MONEY_START_ROWS = ("area_budget", "area_budget_year", "operating_budget",
                    "operating_utilisation")


def money_start(built, weight: dict[str, float], solver_options, steps: int = 6,
                keep: frozenset = frozenset(), frozen: frozenset = frozenset()) -> dict | None:
    """A constructive start that the money can pay: the greedy plan
    (:func:`siting.model.warmstart.greedy_start`) within a capital cap, for caps from what all
    sources hold down to what the unrestricted ones hold, priced two ways: at what the
    unrestricted money pays of each option (restricted sources paying the rest), and at the
    model's prices with each area's budget kept move by move. Per way, the largest cap whose
    split the sources can pay (and that keeps the area and operating budgets and utilisation
    floors) is a candidate; the candidate covering most is set on the model with its split,
    so HiGHS starts from a complete feasible plan.

    The greedy plan alone ignores the sources' rules and, capped at the unrestricted money
    only, was a poor start HiGHS could not improve on the demo (gap 65 % at 90 s)."""
    from siting.model.warmstart import greedy_start

    money = built.money
    low = money.start_budget()
    high = (sum(total_amount(s.amount) for s in money.funding.values()) if money.funding
            else sum(total_amount(x) for x in money.budgets.limits.values()))
    if built.options.budget is not None:
        high = min(high, built.options.budget)
    low = min(low if low is not None else high, high)
    share = _channel_shares(built)
    areas = _area_caps(built)
    tried: list[tuple[float, dict, Callable[[], dict | None]]] = []
    last: list = [None]  # the attempt whose values the model holds

    def attempt(run, extra: dict) -> bool:
        got, last[0] = run(), run
        if got is None or not _solve_split(built, solver_options, keep=MONEY_START_ROWS,
                                           order=False):
            return False
        tried.append((got["coverage_score"], {**got, **extra}, run))
        return True

    if any(share.values()) and low < high:
        # the unrestricted money goes furthest where restricted sources pay the rest: the
        # greedy prices each option at what the unrestricted money pays of it (the model's
        # prices are not touched: the greedy reads them from the index)
        from dataclasses import replace

        idx = built.index
        lim = {} if areas is None else areas[1]
        free = min(high, sum(total_amount(s.amount) for s in money.funding.values()
                             if not (s.functions or s.channels or s.per_unit_cap)
                             and s.max_share >= 1 and s.min_project <= 0)) \
            if money.funding else low  # what the unrestricted sources hold
        for alpha in (1.0, 0.85, 0.7, 0.5):
            cheap = replace(built, index=replace(
                idx, fixed_cost={o: c * (1 - alpha * share[o]) for o, c in idx.fixed_cost.items()},
                cost_per_m2={o: c * (1 - alpha * share[o]) for o, c in idx.cost_per_m2.items()}))
            for k in range(steps + 1):
                # areas' budgets at the model's prices, scaled down together (what the
                # restricted sources cannot pay shows only in the split); the cap on what the
                # unrestricted money pays stays; without area budgets the cap falls
                f = 1 - 0.5 * k / steps
                cap = free if lim else low * (1 - 0.6 * k / steps)
                caps = None if not lim else (areas[0], {a: v * f for a, v in lim.items()}, idx)
                if attempt(lambda cheap=cheap, cap=cap, caps=caps: greedy_start(
                        cheap, weight, extend=bool(keep or frozen), budget=cap, keep=keep,
                        frozen=frozen, area_caps=caps), {"cap": cap, "leverage": alpha}):
                    break  # the largest cap that the sources can pay
    # at the model's prices, keeping each area's budget, from all the money down
    for k in range(steps + 1):
        cap = high - (high - low) * k / steps
        if attempt(lambda cap=cap: greedy_start(built, weight, extend=True, budget=cap,
                                                keep=keep, frozen=frozen, area_caps=areas),
                   {"cap": cap}):
            break
    if not tried:
        return None
    score, got, run = max(tried, key=lambda t: t[0])
    if run is not last[0]:  # set the best again (each attempt overwrote the model)
        run()
        _solve_split(built, solver_options, keep=MONEY_START_ROWS, order=False)
    return got


def _area_caps(built) -> tuple[dict, dict, None] | None:
    """(area of each space, total money of each area, None: at the model's prices) for the
    greedy start, or ``None``
    without area budgets (or with limits per year, which the start does not track)."""
    b, data = built.money.budgets, built.data
    if not b.limits or data is None or any(isinstance(v, dict) for v in b.limits.values()):
        return None
    col = data.spaces[b.by] if b.by in data.spaces.columns else None
    area_of = {str(j): area_name(None if col is None else col.get(j))
               for j in data.spaces.index}
    return area_of, {a: float(v) for a, v in b.limits.items()}, None


def _channel_shares(built) -> dict[tuple[str, str], float]:
    """Per option: the largest share of its cost a source limited to channels (and to no
    functions) may pay."""
    out = {}
    for o in built.index.options:
        out[o] = max([s.max_share for s in built.money.funding.values()
                      if s.channels and o[1] in s.channels and not s.eligible_functions
                      and s.min_project <= 0] or [0.0])
    return out


MONEY_FILES = ("areas.csv", "funding.csv", "funding_by_year.csv", "funding_matrix.csv",
               "operating.csv")


def operating_table(summary: dict) -> pd.DataFrame:
    op = summary.get("operating")
    if not op or not (op["budget_per_year"] is not None or op["rent_per_year"]
                      or op["min_utilisation"]
                      or summary.get("objective_name") == "min_lifecycle_cost"):
        return pd.DataFrame()  # nothing asked about running costs: the summary has them
    keys = ("opex_per_year", "rent_per_year", "running_cost_per_year", "budget_per_year",
            "left_per_year", "years", "discount_rate", "lifecycle_factor", "lifecycle_cost")
    return pd.DataFrame([{"key": k, "value": op[k]} for k in keys])


def money_sheets(summary: dict, sites: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The money tables of a plan by file/sheet name (only those with content):
    ``areas``, ``funding`` (project x source x year), ``funding_by_year`` (per source and
    year: released, committed, left), ``funding_matrix`` (project x source), ``operating``."""
    out = {"areas": area_table(summary), "operating": operating_table(summary)}
    if summary.get("funding"):
        out.update(funding=funding_table(summary, sites),
                   funding_by_year=funding_by_year_table(summary),
                   funding_matrix=funding_matrix(summary, sites))
    return {k: v for k, v in out.items() if len(v.columns)}
