"""Decisions (mirrors :mod:`siting.model.decisions`): pins and proposals in an exported plan.

Reads the scenario's ``decisions`` and the spaces file's ``decision``, ``channel``,
``units_<function>``, ``cost_estimate``, ``location_id`` and ``community`` columns with its
own code (not :mod:`siting.decisions` nor the model) and checks the exported sites against
every pin: pinned spaces are in the plan (through the pinned channel, with the pinned units
and start year), closed ones are not, forbidden functions are absent, every funded proposal
is exactly as proposed (channel, units, area), and at most one proposal is funded per
location and, when asked, per community.
"""

from __future__ import annotations

import pandas as pd

from siting.verify.core import PlanContext, Violation, family

FILE_VALUES = ("open", "close")


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or str(v).strip() == ""


def pins(scen, spaces: pd.DataFrame) -> dict:
    """The pins in force: scenario block over the spaces file's ``decision`` column."""
    d = scen.decisions
    named = set(d.open) | set(d.close) | set(d.channel) | set(d.units) | set(d.start_year)
    opened, closed, channel = set(d.open), set(d.close), dict(d.channel)
    if "decision" in spaces.columns:
        for j, v in spaces["decision"].items():
            if _blank(v) or str(j) in named:
                continue
            v = str(v).strip()
            if v == "open":
                opened.add(str(j))
            elif v == "close":
                closed.add(str(j))
            else:
                channel[str(j)] = v
    opened |= set(channel) | set(d.units) | set(d.start_year)
    return {"open": opened, "close": closed, "channel": channel, "units": d.units,
            "forbid": d.forbid_functions, "start_year": d.start_year}


def proposals(spaces: pd.DataFrame, functions) -> dict[str, tuple[str, dict[str, float]]]:
    """Proposal id -> (channel, {function: units}) from the spaces file."""
    if "channel" not in spaces.columns:
        return {}
    out = {}
    for j, ch in spaces["channel"].items():
        if _blank(ch):
            continue
        mix = {}
        for f in functions:
            v = spaces.at[j, f"units_{f}"] if f"units_{f}" in spaces.columns else None
            if v is not None and pd.notna(v) and float(v) > 0:
                mix[f] = float(v)
        out[str(j)] = (str(ch).strip(), mix)
    return out


def paid_spaces(scen, spaces: pd.DataFrame) -> tuple[set[str], list[int] | None]:
    """Spaces whose cost is left out of the budget, and in which years (``None``: all)."""
    paid = scen.decisions.already_paid
    if paid is False or paid == []:
        return set(), []
    return pins(scen, spaces)["open"], (None if paid is True else list(paid))


def check_pins(scen, sites: pd.DataFrame, spaces: pd.DataFrame, functions, violation
               ) -> list:
    """Every pin and proposal rule the exported ``sites`` break (``violation(kind, where,
    message)`` makes each finding)."""
    v = []
    p = pins(scen, spaces)
    by_id = {str(r["space_id"]): r for _, r in sites.iterrows()}
    for j in sorted(p["open"]):
        if j not in by_id:
            v.append(violation("decisions", f"space {j}", "pinned into the plan but absent"))
    for j in sorted(p["close"]):
        if j in by_id:
            v.append(violation("decisions", f"space {j}", "pinned closed but in the plan"))
    for j, k in p["channel"].items():
        if j in by_id and str(by_id[j]["channel"]) != k:
            v.append(violation("decisions", f"space {j}", f"pinned to channel {k} but uses "
                                                         f"{by_id[j]['channel']}"))
    for j, mix in p["units"].items():
        for f, u in mix.items():
            got = float(by_id[j].get(f"units_{f}", 0.0) or 0.0) if j in by_id else None
            if got is not None and abs(got - u) > 1e-6:
                v.append(violation("decisions", f"space {j}", f"{f}: pinned at {u:g} units, "
                                                             f"plan has {got:g}"))
    for j, fs in p["forbid"].items():
        for f in fs:
            if j in by_id and float(by_id[j].get(f"units_{f}", 0.0) or 0.0) > 0:
                v.append(violation("decisions", f"space {j}", f"{f} is forbidden here but "
                                                             "the plan places it"))
    for j, t in p["start_year"].items():
        if j in by_id and "start_year" in sites.columns and int(by_id[j]["start_year"]) != t:
            v.append(violation("decisions", f"space {j}", f"pinned to start in {t}, plan "
                                                         f"starts it in "
                                                         f"{int(by_id[j]['start_year'])}"))
    props = proposals(spaces, functions)
    for j, (k, mix) in props.items():
        if j not in by_id:
            continue
        r = by_id[j]
        if str(r["channel"]) != k:
            v.append(violation("proposal", f"space {j}", f"proposed through {k}, funded "
                                                        f"through {r['channel']}"))
        for f in functions:
            got = float(r.get(f"units_{f}", 0.0) or 0.0)
            if abs(got - mix.get(f, 0.0)) > 1e-6:
                v.append(violation("proposal", f"space {j}", f"{f}: proposed "
                                                            f"{mix.get(f, 0.0):g} units, plan "
                                                            f"has {got:g}"))
        sp = spaces.loc[j]
        area = (float(sp["buildable_area_m2"]) if sp["kind"] == "vacant_parcel"
                and pd.notna(sp.get("buildable_area_m2")) else float(sp["floor_area_m2"]))
        if abs(float(r["floor_area_m2"]) - area) > 0.01 + 1e-6 * area:
            v.append(violation("proposal", f"space {j}", f"proposes {area:g} m², plan takes "
                                                        f"{float(r['floor_area_m2']):g} m²"))
    groups = [("location_id", "location", True),
              ("community", "community", scen.decisions.one_per_community)]
    for col, label, on in groups:
        if not on or col not in spaces.columns:
            continue
        members = spaces[col].dropna().astype(str).str.strip()
        if col == "community":
            members = members[members.index.isin(list(props))]
        funded = members[members.index.isin(list(by_id)) & (members != "")]
        for g, n in funded.value_counts().items():
            if n > 1:
                ids = ", ".join(sorted(funded.index[funded == g]))
                v.append(violation("proposal", f"{label} {g}", f"{n} funded ({ids}); at most "
                                                              "one may be"))
    return v


@family("decisions", order=95)
def check_decisions(ctx: PlanContext) -> list[Violation]:
    return check_pins(ctx.scen, ctx.sites, ctx.spaces, list(ctx.fn.index), Violation)
