"""Floor area and units (mirrors :mod:`siting.model.capacity`): gross area within what the
channel gives, functions within the usable area (less what shared use saves), whole units
within their bounds, minimum facility size, room requirements and complexes."""

from __future__ import annotations

import pandas as pd

from siting.verify.core import AREA_TOL_M2, PlanContext, Violation, family, tol
from siting.verify.siting import known_sites


@family("capacity", order=20)
def check_capacity(ctx: PlanContext) -> list[Violation]:
    v: list[Violation] = []
    fn, std, opts = ctx.fn, ctx.scen.standards, ctx.opts
    for _, r in known_sites(ctx).iterrows():
        sid, c = str(r["space_id"]), str(r["channel"])
        where = f"space {sid}"
        sp, cr = ctx.spaces.loc[sid], ctx.ch.loc[c]
        if cr["area_basis"] == "buildable":
            max_gross = float(sp.get("buildable_area_m2") or 0.0)
        else:
            max_gross = float(sp["floor_area_m2"]) * (1 + float(cr["max_area_growth"]))
        gross = float(r["floor_area_m2"])
        if gross > max_gross + tol(max_gross) + AREA_TOL_M2:
            v.append(Violation("floor_area", where, f"takes {gross:g} m² but channel {c} "
                                                    f"allows at most {max_gross:g} m²"))
        units_here = ctx.units(r)
        used = 0.0
        for f, u in units_here.items():
            if u <= 0:
                continue
            if opts.integer_units and abs(u - round(u)) > 1e-6:
                v.append(Violation("units", where, f"{f}: {u} units is not a whole number"))
            if u < float(fn.at[f, "min_units"]) - 1e-6 or u > float(fn.at[f, "max_units"]) + 1e-6:
                v.append(Violation("units", where, f"{f}: {u:g} units outside "
                                                   f"[{fn.at[f, 'min_units']:g}, "
                                                   f"{fn.at[f, 'max_units']:g}]"))
            used += u * float(fn.at[f, "area_per_unit_m2"])
        usable = gross * float(cr["usable_factor"]) * (1.0 - std.office_share)
        shared = float(r.get("shared_area_m2", 0.0) or 0.0)
        can_share = shareable(std, fn, units_here)
        if shared > can_share + AREA_TOL_M2:
            v.append(Violation("shared_use", where, f"claims {shared:g} m² shared between "
                                                    f"functions, the rules allow {can_share:g}"))
        if used - shared > usable + tol(usable) + AREA_TOL_M2:
            v.append(Violation("floor_area", where, f"functions need {used - shared:g} m² but "
                                                    f"only {usable:g} m² is usable for services"))
        min_m2 = float(std.min_facility_m2.get(c, 0.0))
        if gross < min_m2 - AREA_TOL_M2:
            v.append(Violation("min_size", where, f"{gross:g} m² is below the {min_m2:g} m² "
                                                  f"minimum for a {c} facility"))
        for f, attrs in std.function_requirements.items():
            if units_here.get(f, 0.0) > 0:
                for attr in attrs:
                    if not bool(sp.get(attr, False)):
                        v.append(Violation("requirements", where, f"hosts {f}, which needs "
                                                                  f"{attr}, and the space has "
                                                                  "none"))
        if std.complexes.enabled and _truthy(r.get("complex", False)):
            cx = std.complexes
            hosted = {f for f, u in units_here.items() if u > 0}
            groups = sum(1 for fs in cx.core_groups.values() if hosted & set(fs))
            if gross < cx.min_m2 - AREA_TOL_M2 or len(hosted) < cx.min_functions \
                    or groups < cx.min_core_groups:
                v.append(Violation("complex", where, f"named a complex with {gross:g} m², "
                                                     f"{len(hosted)} functions and {groups} "
                                                     "core groups"))
    return v


def _truthy(x) -> bool:
    if isinstance(x, str):
        return x.strip().lower() in ("true", "1", "yes")
    return bool(x) and not pd.isna(x)


def shareable(std, fn: pd.DataFrame, units: dict[str, float]) -> float:
    """An upper bound on the floor area the shared-use rules can save in one site: per
    (unordered) pair, factor x the smaller area, and in all no more than the largest factor
    times half the area of the functions involved (each function's area is shared once)."""
    area = {f: units.get(f, 0.0) * float(fn.at[f, "area_per_unit_m2"]) for f in fn.index}
    pairs: dict[tuple, float] = {}
    for su in std.shared_use:
        f, g = sorted(su.functions)
        if f != g and f in area and g in area:
            pairs[(f, g)] = max(pairs.get((f, g), 0.0), su.factor)
    if not pairs:
        return 0.0
    per_pair = sum(c * min(area[f], area[g]) for (f, g), c in pairs.items())
    involved = {f for p in pairs for f in p}
    return min(per_pair, max(pairs.values()) * sum(area[f] for f in involved) / 2)
