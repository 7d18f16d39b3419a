"""Reported numbers: every figure the plan states is recomputed from the inputs and the
assignments (with the verifier's own distances) and compared with what the plan says —
communities (zones.csv), sites (sites.csv: costs, areas, units served), assignments
(distance_m, site_type), and the summary (objective and its terms, per-function demand,
served and coverage, weighted coverage, totals by channel, households within the walking
circles).

A recomputed primary objective is registered per objective name (:func:`primary`); an
objective without one is checked only for consistency with its reported terms.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from siting.verify.core import DIST_TOL, PlanContext, Violation, family
from siting.verify.service import valid_assignments, walking_distances, zone_demand
from siting.verify.siting import known_sites, site_capex, total_capex

REL = 1e-5
"""Exports round served amounts to 1e-6 and money to 0.01: a relative difference below this
is rounding."""
MONEY_REL = 1e-4
"""Costs recomputed from areas rounded to 0.01 m² (as the capex check of
:mod:`siting.verify.siting`)."""
WALKING_CIRCLES_M = (300, 500, 1000)


def _off(got, want, rel: float = REL, abs_: float = 1e-4) -> bool:
    """``got`` differs from ``want`` by more than rounding (either may be None)."""
    if got is None or want is None:
        return (got is None) != (want is None)
    try:
        got, want = float(got), float(want)
    except (TypeError, ValueError):
        return True
    if not np.isfinite(got):
        return True
    return abs(got - want) > abs_ + rel * max(abs(got), abs(want))


# --- primary objectives ----------------------------------------------------------------------

PRIMARY: dict[str, Callable[[PlanContext], float]] = {}


def primary(name: str):
    """Register the independent recomputation of objective ``name``'s primary term."""

    def deco(fn):
        PRIMARY[name] = fn
        return fn

    return deco


def served_by_function(ctx: PlanContext) -> pd.Series:
    return valid_assignments(ctx).groupby("function")["served"].sum()


def demand_by_function(ctx: PlanContext) -> pd.Series:
    d = zone_demand(ctx)
    return d[d > 0].groupby(level="function").sum()


@primary("max_coverage")
def coverage_score(ctx: PlanContext) -> float:
    """sum over functions of weight x served / demand."""
    served, demand = served_by_function(ctx), demand_by_function(ctx)
    return float(sum(float(ctx.fn.at[f, "weight"]) * float(served.get(f, 0.0)) / d
                     for f, d in demand.items() if d > 0))


@primary("min_cost")
def capital_cost(ctx: PlanContext) -> float:
    return total_capex(ctx)


@primary("min_distance")
def walking_total(ctx: PlanContext) -> float:
    a = valid_assignments(ctx)
    return float((walking_distances(ctx) * a["served"]).sum())


PRIMARY_TOL = {"min_distance": DIST_TOL}
"""Relative tolerance of a recomputed primary (distances are recomputed another way)."""


# --- the family --------------------------------------------------------------------------------


@family("reported", order=90)
def check_reported(ctx: PlanContext) -> list[Violation]:
    v: list[Violation] = []
    v += _zones_csv(ctx)
    v += _sites_csv(ctx)
    v += _assignments_csv(ctx)
    if ctx.summary is not None:
        v += _summary_totals(ctx)
        v += _summary_functions(ctx)
        v += _objective(ctx)
        v += _walking_circles(ctx)
    return v


def _zones_csv(ctx: PlanContext) -> list[Violation]:
    v = []
    z = ctx.zones_out
    got = ctx.assign.groupby(["zone_id", "function"])["served"].sum()
    demand = zone_demand(ctx)
    if "demand" in z.columns:
        bad = 0
        for (zid, f), d in zip(zip(z["zone_id"], z["function"]), z["demand"]):
            want = demand.get((zid, f))
            if want is not None and _off(d, want):
                bad += 1
                if bad <= 5:
                    v.append(Violation("reported", f"zones.csv {zid} {f}",
                                       f"demand {d!r} but the inputs give {want:g}"))
    zs = z.groupby(["zone_id", "function"])["served"].sum()
    diff = (zs - got.reindex(zs.index, fill_value=0.0)).abs()
    for (zid, f) in list(diff.index[diff > 1e-4])[:5]:
        v.append(Violation("consistency", f"zone {zid}", f"zones.csv says {f} served "
                                                         f"{zs[(zid, f)]:g}, assignments sum "
                                                         f"to {got.get((zid, f), 0.0):g}"))
    if "coverage" in z.columns:
        n = 0
        for zid, f, c in zip(z["zone_id"], z["function"], z["coverage"]):
            d = float(demand.get((zid, f), 0.0))
            want = float(got.get((zid, f), 0.0)) / d if d > 0 else 1.0
            if _off(c, want, abs_=1e-5):
                n += 1
                if n <= 5:
                    v.append(Violation("reported", f"zones.csv {zid} {f}",
                                       f"coverage {c!r} but served / demand is {want:.6g}"))
        if n > 5:
            v.append(Violation("reported", "zones.csv", f"... and {n - 5} more wrong coverage "
                                                        "figures"))
    return v


def _sites_csv(ctx: PlanContext) -> list[Violation]:
    v = []
    fn, sites = ctx.fn, known_sites(ctx)
    served = valid_assignments(ctx).groupby(["site_id", "function"])["served"].sum()
    capex = site_capex(ctx)
    for i, r in sites.iterrows():
        where = f"sites.csv {r['space_id']}"
        units = ctx.units(r)
        fit = sum(u * float(fn.at[f, "fitout_cost_per_unit"]) for f, u in units.items())
        checks = {"fitout_cost": fit, "channel_cost": capex[i] - fit,
                  "opex_per_year": sum(u * float(fn.at[f, "opex_per_unit_year"])
                                       for f, u in units.items()),
                  "used_area_m2": sum(u * float(fn.at[f, "area_per_unit_m2"])
                                      for f, u in units.items()),
                  "n_functions": sum(1 for u in units.values() if u > 0)}
        for f in fn.index:
            checks[f"served_{f}"] = float(served.get((str(r["space_id"]), f), 0.0))
        for col, want in checks.items():
            rel = MONEY_REL if col == "channel_cost" else REL
            if col in r.index and _off(r[col], want, rel=rel, abs_=0.05):
                v.append(Violation("reported", f"{where} {col}",
                                   f"reports {r[col]!r}, recomputed {want:,.6g}"))
    return v


def _assignments_csv(ctx: PlanContext) -> list[Violation]:
    v = []
    a = valid_assignments(ctx)
    if a.empty:
        return v
    if "distance_m" in a.columns:
        dist = walking_distances(ctx)
        rep = pd.to_numeric(a["distance_m"], errors="coerce")
        bad = ~(np.isfinite(rep) & ((rep - dist).abs() <= DIST_TOL * dist + 1.0))
        for i in list(a.index[bad.to_numpy()])[:10]:
            v.append(Violation("reported", f"assignments.csv {a.at[i, 'zone_id']} -> "
                                           f"{a.at[i, 'site_id']}",
                               f"distance_m {a.at[i, 'distance_m']!r} but the walk is "
                               f"{dist[i]:,.0f} m"))
        if bad.sum() > 10:
            v.append(Violation("reported", "assignments.csv", f"... and {int(bad.sum()) - 10} "
                                                              "more wrong distances"))
    if "site_type" in a.columns:
        want = np.where(a["site_id"].isin(ctx.existing.index), "existing", "new")
        wrong = a["site_type"].astype(str).to_numpy() != want
        for i in list(a.index[wrong])[:5]:
            is_ex = a.at[i, "site_id"] in ctx.existing.index
            v.append(Violation("reported", f"assignments.csv {a.at[i, 'site_id']}",
                               f"site_type {a.at[i, 'site_type']!r} but it is "
                               f"{'an existing facility' if is_ex else 'a new site'}"))
    return v


def _summary_totals(ctx: PlanContext) -> list[Violation]:
    s, sites = ctx.summary, ctx.sites
    v = []
    total = total_capex(ctx)
    if _off(s.get("total_capex", total), total, rel=MONEY_REL, abs_=1.0):
        v.append(Violation("consistency", "summary.json", f"total_capex "
                                                         f"{s.get('total_capex')!r} but "
                                                         f"sites sum to {total:,.2f}"))
    capex = site_capex(ctx)
    by_channel: dict[str, float] = {}
    for i, r in known_sites(ctx).iterrows():
        by_channel[str(r["channel"])] = by_channel.get(str(r["channel"]), 0.0) + capex[i]
    counts = sites["channel"].astype(str).value_counts().to_dict()
    opex = sum(sum(u * float(ctx.fn.at[f, "opex_per_unit_year"])
                   for f, u in ctx.units(r).items()) for _, r in known_sites(ctx).iterrows())
    checks = {"n_sites": len(sites), "total_opex_per_year": opex,
              "budget": ctx.opts.budget}
    for key, want in checks.items():
        if key in s and _off(s[key], want, rel=MONEY_REL, abs_=1.0):
            v.append(Violation("reported", f"summary.json {key}",
                               f"reports {s[key]!r}, recomputed {want!r}"))
    for key, want in (("capex_by_channel", by_channel), ("sites_by_channel", counts)):
        rep = s.get(key)
        if isinstance(rep, dict):
            for c in sorted(set(rep) | set(want)):
                if _off(rep.get(c, 0.0), want.get(c, 0.0), rel=MONEY_REL, abs_=1.0):
                    v.append(Violation("reported", f"summary.json {key}.{c}",
                                       f"reports {rep.get(c)!r}, recomputed "
                                       f"{want.get(c, 0.0)!r}"))
    return v


def _summary_functions(ctx: PlanContext) -> list[Violation]:
    s, fn = ctx.summary, ctx.fn
    v = []
    rep = s.get("functions")
    if not isinstance(rep, dict):
        return [Violation("reading", "summary.json key 'functions'", "missing or not a "
                                                                     "mapping")]
    a = valid_assignments(ctx)
    served, demand = served_by_function(ctx), demand_by_function(ctx)
    new = a[a["site_id"].isin(ctx.spaces.index)].groupby("function")["served"].sum()
    units = {f: sum(ctx.units(r)[f] for _, r in known_sites(ctx).iterrows()) for f in fn.index}
    for f in sorted(set(rep) | set(fn.index)):
        where = f"summary.json functions.{f}"
        if f not in rep or f not in fn.index:
            v.append(Violation("reported", where, "listed in the summary but not an enabled "
                                                  "function" if f in rep else
                               "an enabled function missing from the summary"))
            continue
        d, got = float(demand.get(f, 0.0)), float(served.get(f, 0.0))
        want = {"demand": d, "served": got, "served_by_new": float(new.get(f, 0.0)),
                "coverage": got / d if d > 0 else None, "units_new": units[f],
                "weight": float(fn.at[f, "weight"]),
                "walking_limit_m": float(fn.at[f, "walking_limit_m"])}
        r = rep[f] if isinstance(rep[f], dict) else {}
        for key, w in want.items():
            if key in r and _off(r[key], w, abs_=2e-3 if key != "coverage" else 2e-6):
                v.append(Violation("reported", f"{where}.{key}", f"reports {r[key]!r}, "
                                                                 f"recomputed {w!r}"))
    wsum = max(float(fn["weight"].sum()), 1e-12)
    for key, num in (("weighted_coverage", served), ("weighted_coverage_new", new)):
        want = sum(float(fn.at[f, "weight"]) * float(num.get(f, 0.0)) / d
                   for f, d in demand.items() if d > 0) / wsum
        if key in s and _off(s[key], want, abs_=2e-6):
            v.append(Violation("reported", f"summary.json {key}",
                               f"reports {s[key]!r}, recomputed {want:.6f}"))
    return v


def _objective(ctx: PlanContext) -> list[Violation]:
    s = ctx.summary
    obj, terms, name = s.get("objective"), s.get("objective_terms"), ctx.opts.objective
    if obj is None:
        return [Violation("reported", "summary.json objective", "missing: a plan always has "
                                                                "an objective value")]
    if not isinstance(terms, dict) or not {"primary", "tie_break", "other"} <= set(terms):
        return [Violation("reported", "summary.json objective_terms",
                          "missing: the objective cannot be re-checked (primary, tie_break, "
                          "other)")]
    v = []
    total = sum(float(terms[k] or 0.0) for k in ("primary", "tie_break", "other"))
    if _off(obj, total, rel=1e-7, abs_=1e-7):
        v.append(Violation("reported", "summary.json objective",
                           f"reports {obj!r} but its terms sum to {total!r}"))
    if name in PRIMARY:
        want = PRIMARY[name](ctx)
        if _off(terms["primary"], want, rel=PRIMARY_TOL.get(name, REL), abs_=1e-4):
            v.append(Violation("reported", "summary.json objective_terms.primary",
                               f"{name} reports {terms['primary']!r}, recomputed from the "
                               f"inputs and assignments {want!r}"))
        tau = ctx.opts.tie_break
        tie = float(terms["tie_break"] or 0.0)
        if name == "max_coverage" and (tie > 1e-9 or -tie > tau * float(ctx.fn["weight"].sum())
                                       + 1e-9):
            v.append(Violation("reported", "summary.json objective_terms.tie_break",
                               f"{tie!r} lies outside [-{tau:g} x total weight, 0]"))
    if s.get("bound") is not None and s.get("mip_gap") is not None:
        b = float(s["bound"])
        gap = abs(float(obj) - b) / max(abs(float(obj)), 1e-9)
        if _off(s["mip_gap"], gap, rel=1e-6, abs_=1e-9):
            v.append(Violation("reported", "summary.json mip_gap",
                               f"reports {s['mip_gap']!r}, objective and bound give {gap!r}"))
        sense = 1 if name == "max_coverage" else -1  # a bound never below (above) the plan
        if sense * (b - float(obj)) < -1e-7 * max(1.0, abs(float(obj))):
            v.append(Violation("reported", "summary.json bound",
                               f"bound {b!r} is on the wrong side of the objective {obj!r}"))
    return v


def _nearest_by_table(ctx: PlanContext, ids: list[str]) -> np.ndarray:
    """Per zone, the distance table's shortest entry to any of ``ids`` (inf: none)."""
    t = pd.read_csv(ctx.scen.distance.table, encoding="utf-8-sig",
                    dtype={"from_id": str, "to_id": str})
    t = t[t["to_id"].isin(set(ids))]
    near = t.groupby("from_id")["metres"].min()
    return near.reindex([str(z) for z in ctx.zones.index]).fillna(np.inf).to_numpy(float)


def _nearest_by_network(ctx: PlanContext, ids: list[str]) -> np.ndarray:
    """Per zone, the walking distance on the network to the nearest of ``ids`` (networkx,
    one Dijkstra from a source joined to every site's snapped node by its snapping
    distance; zones and sites snapped by brute force, as :mod:`siting.verify.service`)."""
    import networkx as nx

    from siting.verify.service import network_graph

    g, snap = network_graph(ctx)
    loc = pd.concat([ctx.spaces[["lon", "lat"]], ctx.existing[["lon", "lat"]].astype(float)])
    src = "sites"
    g.add_node(src)
    for s in ids:
        k, d = snap(float(loc.at[s, "lon"]), float(loc.at[s, "lat"]))
        if not g.has_edge(src, k) or g[src][k]["w"] > d:
            g.add_edge(src, k, w=d)
    lengths = nx.single_source_dijkstra_path_length(g, src, weight="w")
    out = []
    for z in ctx.zones.index:
        k, d = snap(float(ctx.zones.at[z, "lon"]), float(ctx.zones.at[z, "lat"]))
        out.append(lengths[k] + d if k in lengths else np.inf)
    return np.array(out, dtype=float)


def _walking_circles(ctx: PlanContext) -> list[Violation]:
    """Households within 300/500/1000 m of any chosen or existing site, recomputed by the
    scenario's distance method (geodesic x detour factor, the user's table, or networkx on
    the street network)."""
    s = ctx.summary
    rep = s.get("households_within_m")
    v = []
    hh = ctx.zones["households"].astype(float)
    if "households_total" in s and _off(s["households_total"], float(hh.sum()), abs_=0.5):
        v.append(Violation("reported", "summary.json households_total",
                           f"reports {s['households_total']!r}, the zones file sums to "
                           f"{float(hh.sum())!r}"))
    if not isinstance(rep, dict):
        return v
    from pyproj import Geod

    ids = [str(x) for x in known_sites(ctx)["space_id"]]
    ex = ctx.existing[ctx.existing["function"].isin(ctx.fn.index)]  # of enabled functions
    loc = pd.concat([ctx.spaces.loc[ids, ["lon", "lat"]], ex[["lon", "lat"]].astype(float)])
    if loc.empty:
        return v
    z = ctx.zones
    method = ctx.scen.distance.method
    if method == "table":
        nearest = _nearest_by_table(ctx, [str(x) for x in loc.index])
    elif method == "network":
        nearest = _nearest_by_network(ctx, [str(x) for x in loc.index])
    else:
        zl = np.repeat(z["lon"].to_numpy(float), len(loc))
        za = np.repeat(z["lat"].to_numpy(float), len(loc))
        _, _, d = Geod(ellps="WGS84").inv(zl, za,
                                          np.tile(loc["lon"].to_numpy(float), len(z)),
                                          np.tile(loc["lat"].to_numpy(float), len(z)))
        nearest = (np.asarray(d) * ctx.scen.distance.detour_factor).reshape(
            len(z), len(loc)).min(axis=1)
    horizon = float(ctx.fn["walking_limit_m"].max())
    for r in WALKING_CIRCLES_M:
        got = rep.get(str(r))
        if r > horizon or got is None:
            continue
        lo = float(hh[nearest <= r * (1 - DIST_TOL) - 1.0].sum())
        hi = float(hh[nearest <= r * (1 + DIST_TOL) + 1.0].sum())
        if not lo - 0.5 <= float(got) <= hi + 0.5:
            v.append(Violation("reported", f"summary.json households_within_m.{r}",
                               f"reports {got!r}, recomputed {lo:,.0f}"
                               + (f"-{hi:,.0f}" if hi != lo else "")))
    return v
