"""Standards (mirrors :mod:`siting.model.standards`): every function minimum and 'one complex
per street' the plan misses must be reported in its shortfalls with at least the amount
missing (and, in hard mode, nothing may be missed). Recomputed from the exported assignments
and sites."""

from __future__ import annotations

import pandas as pd

from siting.verify.core import PlanContext, Violation, family


def zone_groups(zones: pd.DataFrame, level: str) -> dict[str, list]:
    """Members of each community, street or the city (the groups standards apply to)."""
    if level == "community":
        return {z: [z] for z in zones.index}
    if level == "street":
        out: dict[str, list] = {}
        for z, st in zones["street"].astype(str).items():
            out.setdefault(st or "(no street)", []).append(z)
        return out
    return {"city": list(zones.index)}


@family("standards", order=50)
def check_standards(ctx: PlanContext) -> list[Violation]:
    scen, fn, sites, assign = ctx.scen, ctx.fn, ctx.sites, ctx.assign
    zones, existing = ctx.zones, ctx.existing
    std = scen.standards
    v: list[Violation] = []
    reported: dict[tuple, float] = {}
    for s in (ctx.summary or {}).get("shortfalls", []) or []:
        try:
            reported[(s["standard"], str(s["group"]))] = float(s["missing"])
        except (KeyError, TypeError, ValueError):
            v.append(Violation("reading", "summary.json key 'shortfalls'",
                               f"entry without a standard, group and numeric missing: {s!r}"))
    growth = scen.demand_growth

    def expect(standard: str, group: str, required: float, achieved: float) -> None:
        missing = required - achieved
        if missing <= 1e-6 * max(1.0, required) + 1e-6:
            return
        got = reported.get((standard, group), 0.0)
        if std.mode == "hard":
            v.append(Violation("standard", f"{standard} {group}", f"{achieved:g} of "
                                                                   f"{required:g} in hard mode"))
        elif got < missing - 1e-3 * max(1.0, missing):
            v.append(Violation("standard", f"{standard} {group}", f"short by {missing:g}, "
                                                                   f"reported {got:g}"))

    served = assign.groupby(["zone_id", "function"])["served"].sum()
    for fs in std.function_minimums:
        if fs.function not in fn.index:
            continue
        coef = float(fn.at[fs.function, "area_per_unit_m2"]) if fs.measure == "m2" else 1.0
        for g, members in zone_groups(zones, fs.level).items():
            base = float(zones.loc[members, fs.base].astype(float).sum()) * growth.get(fs.base,
                                                                                       1.0)
            req = fs.amount * base / fs.per
            if fs.count == "served":
                got = sum(float(served.get((z, fs.function), 0.0)) for z in members)
            else:
                here = sites if fs.level == "city" else sites[sites["street"].astype(str) == g]
                got = float(here.get(f"units_{fs.function}", pd.Series(dtype=float)).sum())
                if fs.level == "city":
                    got += float(existing.loc[existing["function"] == fs.function,
                                              "capacity"].sum())
            expect(f"function_minimum:{fs.function}", g, req, coef * got)
    cx = std.complexes
    if cx.enabled and cx.one_per_street:
        have = sites[sites["complex"].astype(str).str.lower() == "true"] \
            if "complex" in sites.columns else sites.iloc[:0]
        per_street = have["street"].astype(str).value_counts()
        for st in sorted({str(x) or "(no street)" for x in zones["street"]}):
            expect("complex_per_street", st, 1.0, float(min(1, per_street.get(st, 0))))
    return v
