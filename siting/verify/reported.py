"""Reported numbers: every figure the plan states is recomputed from the inputs and the
assignments and compared with what the plan says."""

from __future__ import annotations

from siting.verify.core import PlanContext, Violation, family
from siting.verify.siting import total_capex


@family("reported", order=90)
def check_reported(ctx: PlanContext) -> list[Violation]:
    v: list[Violation] = []
    got = ctx.assign.groupby(["zone_id", "function"])["served"].sum()
    zones_out, summary = ctx.zones_out, ctx.summary
    if len(zones_out):
        zs = zones_out.groupby(["zone_id", "function"])["served"].sum()
        diff = (zs - got.reindex(zs.index, fill_value=0.0)).abs()
        if (diff > 1e-4).any():
            z, f = diff.idxmax()
            v.append(Violation("consistency", f"zone {z}", f"zones.csv says {f} served "
                                                           f"{zs[(z, f)]:g}, assignments sum "
                                                           f"to {got.get((z, f), 0.0):g}"))
    total = total_capex(ctx)
    if summary is not None and abs(summary.get("total_capex", total) - total) > \
            1e-4 * max(1.0, total) + 1.0:
        v.append(Violation("consistency", "summary.json", f"total_capex "
                                                         f"{summary['total_capex']:,.2f} but "
                                                         f"sites sum to {total:,.2f}"))
    return v
