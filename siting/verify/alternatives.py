"""Alternatives (mirrors :mod:`siting.alternatives`): a near-optimal plan keeps its slack.

A plan folder written by ``siting alternatives`` says, in ``summary.json['alternative']``,
the primary objective's threshold it was held to (``(1 - slack) x`` the optimum's for max
coverage, ``(1 + slack) x`` for the min objectives). The primary term is recomputed here from
the inputs and the exported assignments and sites (weighted coverage; capital cost; walking
distance) and compared with it.
"""

from __future__ import annotations

from siting.verify.core import PlanContext, Violation, family
from siting.verify.siting import total_capex


def primary_value(ctx: PlanContext, objective: str) -> float:
    """The primary objective term of the exported plan, recomputed."""
    if objective == "max_coverage":
        fn, zones, growth = ctx.fn, ctx.zones, ctx.scen.demand_growth
        served = ctx.assign.groupby("function")["served"].sum()
        total = 0.0
        for f in fn.index:
            base = fn.at[f, "demand_base"]
            d = float((fn.at[f, "demand_rate"] * zones[base].astype(float)
                       * growth.get(base, 1.0) / fn.at[f, "demand_per"]).sum())
            if d > 0:
                total += float(fn.at[f, "weight"]) * float(served.get(f, 0.0)) / d
        return total
    if objective == "min_cost":
        return total_capex(ctx)
    a = ctx.assign
    return float((a["served"].astype(float) * a["distance_m"].astype(float)).sum())


@family("alternatives", order=96)
def check_alternative(ctx: PlanContext) -> list[Violation]:
    alt = (ctx.summary or {}).get("alternative")
    if not alt or alt.get("threshold") is None:
        return []
    got = primary_value(ctx, alt["objective_name"])
    thr = float(alt["threshold"])
    tol = 1e-5 * max(1.0, abs(thr))
    if alt.get("maximise", True) and got < thr - tol:
        return [Violation("alternative_slack", alt.get("name", "plan"),
                          f"primary objective {got:.6g} is below the threshold {thr:.6g} "
                          f"({100 * alt['slack']:g} % slack of the optimum)")]
    if not alt.get("maximise", True) and got > thr + tol:
        return [Violation("alternative_slack", alt.get("name", "plan"),
                          f"primary objective {got:.6g} is above the threshold {thr:.6g}")]
    return []
