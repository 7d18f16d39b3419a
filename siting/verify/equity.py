"""The verifier's equity check: recompute the equity figures from the assignments.

Written apart from :mod:`siting.equity` (another formula for the Gini coefficient: the
Lorenz curve's trapezoids, not the sorted mean difference; coverage summed from the
assignment rows, not from zones.csv), so a figure reported in ``summary.json`` that differs
from what the assignments give is caught: the smallest street's and community's coverage,
the Gini coefficient, the ``max_min_coverage`` minimum and the coverage floors.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from siting.verify.core import PlanContext, Violation, family

TOL = 2e-6  # figures are rounded to 6 decimals


def lorenz_gini(x, w) -> float | None:
    """Gini coefficient as 1 - 2 x (area under the weighted Lorenz curve)."""
    pts = sorted((float(a), float(b)) for a, b in zip(x, w) if b > 0)
    tw = sum(b for _, b in pts)
    tot = sum(a * b for a, b in pts)
    if not pts or tw <= 0 or tot <= 0:
        return None
    area, cum = 0.0, 0.0
    for a, b in pts:
        nxt = cum + a * b / tot
        area += (b / tw) * (cum + nxt) / 2
        cum = nxt
    return 1.0 - 2.0 * area


def _coverages(fn: pd.DataFrame, zones: pd.DataFrame, zones_out: pd.DataFrame,
               assign: pd.DataFrame, level: str, function: str) -> dict[str, float]:
    """Coverage over reachable demand of each unit (street or community)."""
    served: dict[tuple, float] = defaultdict(float)
    for z, f, s in zip(assign["zone_id"].astype(str), assign["function"], assign["served"]):
        served[(z, f)] += float(s)
    num: dict[tuple, float] = defaultdict(float)
    den: dict[tuple, float] = defaultdict(float)
    street = zones["street"].astype(str).replace("", "(no street)").to_dict()
    for z, f, d, r in zip(zones_out["zone_id"].astype(str), zones_out["function"],
                          zones_out["demand"], zones_out["reachable"]):
        if not _true(r) or float(d) <= 0 or function not in ("weighted", f):
            continue
        u = street[z] if level == "street" else z
        num[(u, f)] += served.get((z, f), 0.0)
        den[(u, f)] += float(d)
    w = fn["weight"].astype(float).to_dict()
    top: dict[str, float] = defaultdict(float)
    bottom: dict[str, float] = defaultdict(float)
    for (u, f), d in den.items():
        wf = w[f] if function == "weighted" else 1.0
        if wf > 0:
            top[u] += wf * num[(u, f)] / d
            bottom[u] += wf
    return {u: top[u] / bottom[u] for u in bottom}


def _true(v) -> bool:
    return str(v).strip().lower() in ("true", "1", "1.0")


@family("equity", order=92)
def check_equity_family(ctx: PlanContext) -> list[Violation]:
    if ctx.summary is None:
        return []
    return check_equity(ctx.scen, ctx.fn, ctx.zones, ctx.zones_out, ctx.assign, ctx.summary)


def check_equity(scen, fn: pd.DataFrame, zones: pd.DataFrame, zones_out: pd.DataFrame,
                 assign: pd.DataFrame, summary: dict, violation=Violation) -> list:
    """Violations of the reported equity figures and of hard floors."""
    e = summary.get("equity")
    out = []
    if not e or "reachable" not in zones_out:
        return out
    for (z, f), s in assign.groupby(["zone_id", "function"])["served"].sum().items():
        row = zones_out[(zones_out["zone_id"].astype(str) == str(z))
                        & (zones_out["function"] == f)]
        if s > 1e-6 and len(row) and not _true(row["reachable"].iloc[0]):
            out.append(violation("equity", f"zone {z}", f"{f} is served but zones.csv says "
                                 "nothing can reach it"))

    def compare(where: str, key: str, reported, got) -> None:
        if reported is None and got is None:
            return
        if reported is None or got is None or abs(float(reported) - float(got)) > TOL:
            out.append(violation("equity", f"summary.json equity.{where}.{key}",
                                 f"reports {reported}, the assignments give {got}"))

    blocks = [("weighted", "weighted", e.get("weighted", {}), "population")]
    bases = fn["demand_base"].astype(str).to_dict() if "demand_base" in fn else {}
    blocks += [(f"functions.{f}", f, b, bases.get(f, "population"))
               for f, b in e.get("functions", {}).items() if f in fn.index]
    for where, function, b, wcol in blocks:
        st = _coverages(fn, zones, zones_out, assign, "street", function)
        cm = _coverages(fn, zones, zones_out, assign, "community", function)
        compare(where, "street_min", b.get("street_min"), min(st.values()) if st else None)
        compare(where, "community_min", b.get("community_min"),
                min(cm.values()) if cm else None)
        if wcol in zones and b.get("gini_weights") == wcol:
            ids = list(cm)
            g = lorenz_gini([cm[i] for i in ids],
                            zones.loc[ids, wcol].astype(float).to_numpy())
            compare(where, "gini", b.get("gini"), g)
    mm = e.get("max_min")
    if mm and mm.get("min_coverage") is not None:
        got = _coverages(fn, zones, zones_out, assign, mm.get("level", "street"), "weighted")
        low = min(got.values()) if got else 0.0
        held = float(mm["min_coverage"]) - 1e-5
        if low < held:
            out.append(violation("equity", "max_min_coverage",
                                 f"smallest {mm.get('level')} coverage is {low:.6f}, below "
                                 f"the first stage's optimum {mm['min_coverage']}"))
    short = {(s["group"], s["label"]) for s in summary.get("shortfalls", [])
             if s.get("standard") == "equity_floor"}
    floors = scen.equity.floors
    for fl in floors:
        if fl.share <= 0:
            continue
        got = _coverages(fn, zones, zones_out, assign, fl.level, fl.function)
        for u, c in sorted(got.items()):
            if c >= fl.share - 1e-6:
                continue
            if fl.mode == "hard":
                out.append(violation("equity_floor", f"{fl.level} {u}",
                                     f"{fl.function} coverage {c:.6f} below the hard floor "
                                     f"{fl.share:g}"))
            elif not any(g == u for g, _ in short):
                out.append(violation("equity_floor", f"{fl.level} {u}",
                                     f"{fl.function} coverage {c:.6f} below the floor "
                                     f"{fl.share:g} and no shortfall reported"))
    return out
