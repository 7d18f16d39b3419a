"""Decisions already taken (pins) and proposal lists, at the data level.

Pins come from the scenario's ``decisions:`` block (:class:`siting.config.Decisions`) and from
an optional ``decision`` column of the spaces file (``open``, ``close`` or a channel name); the
scenario wins for any space it mentions. :func:`resolve_decisions` merges both into one
:class:`~siting.config.Decisions`, which :class:`~siting.problem.ProblemData` carries and
:mod:`siting.model.decisions` turns into bounds on the built model's variables.

A *proposal* (pilot-project lists: a community proposes a project whose channel and function
mix are fixed; the only decision is whether to fund it) is a row of the spaces file with a
``channel`` and ``units_<function>`` columns (blank = none of that function), optionally its
own cost estimate ``cost_estimate`` (概算: the whole capital cost, replacing channel price and
fit-out), its ``community`` (一社区一项目: ``decisions.one_per_community``) and a
``location_id`` shared by proposals competing for one physical space (at most one of them is
funded). A proposal takes its whole ``floor_area_m2`` (``buildable_area_m2`` for a parcel).
Flexible candidates (no ``channel``) sit beside proposals in the same file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from siting.config import Decisions, Scenario

UNITS_PREFIX = "units_"
FILE_DECISIONS = ("open", "close")


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == ""


def check_space_decisions(df: pd.DataFrame, path: Path, channels: pd.DataFrame,
                          problems: list[str]) -> None:
    """Check the ``decision``, ``channel``, ``cost_estimate`` and ``units_*`` columns of the
    spaces file (``df`` indexed by spreadsheet row); append every problem found."""
    known = list(channels.index)
    units_cols = [c for c in df.columns if c.startswith(UNITS_PREFIX)]
    for i, row in df.iterrows():
        sid = row["space_id"]
        dec = str(row.get("decision", "") or "").strip()
        if dec and dec not in FILE_DECISIONS and dec not in known:
            problems.append(f"{path}: row {i}: space {sid!r}: decision {dec!r} is not "
                            f"'open', 'close' or a channel ({', '.join(known)})")
        ch = str(row.get("channel", "") or "").strip()
        if ch:
            if ch not in known:
                problems.append(f"{path}: row {i}: proposal {sid!r}: unknown channel {ch!r} "
                                f"(known: {', '.join(known)})")
            elif (row["kind"] not in channels.at[ch, "eligible_kinds"]
                  or row["ownership"] not in channels.at[ch, "eligible_ownerships"]):
                problems.append(f"{path}: row {i}: proposal {sid!r}: a {row['kind']} / "
                                f"{row['ownership']} space is not eligible for channel {ch!r}")
            only = [c.strip() for c in str(row.get("channels", "") or "").replace(",", "|")
                    .split("|") if c.strip()]
            if only and ch not in only:
                problems.append(f"{path}: row {i}: proposal {sid!r}: channel {ch!r} is not "
                                f"among its 'channels' ({'|'.join(only)})")
            if dec and dec not in FILE_DECISIONS and dec != ch:
                problems.append(f"{path}: row {i}: proposal {sid!r}: decision {dec!r} "
                                f"contradicts its channel {ch!r}")
            if not any(pd.notna(row.get(c)) and float(row.get(c)) > 0 for c in units_cols):
                problems.append(f"{path}: row {i}: proposal {sid!r} (channel {ch!r}) gives "
                                "no units_<function> column above 0")
        else:
            given = [c for c in units_cols if pd.notna(row.get(c))]
            if given or pd.notna(row.get("cost_estimate", np.nan)):
                what = ", ".join(given + (["cost_estimate"] if pd.notna(
                    row.get("cost_estimate", np.nan)) else []))
                problems.append(f"{path}: row {i}: space {sid!r} gives {what} but no "
                                "'channel': a proposal needs its channel (leave them blank "
                                "for a flexible candidate)")
        for c in units_cols + ["cost_estimate"]:
            v = row.get(c, np.nan)
            if pd.notna(v) and float(v) < 0:
                problems.append(f"{path}: row {i}: space {sid!r}: {c} must be >= 0 "
                                f"(got {float(v):g})")


def check_proposal_units(spaces: pd.DataFrame, functions: pd.DataFrame, path: Path,
                         problems: list[str]) -> None:
    """Every ``units_<function>`` column of the spaces file names a known function."""
    for c in spaces.columns:
        if c.startswith(UNITS_PREFIX) and c[len(UNITS_PREFIX):] not in functions.index:
            problems.append(f"{path}: column {c!r}: unknown function "
                            f"{c[len(UNITS_PREFIX):]!r} (known: {', '.join(functions.index)})")


def is_proposal(spaces: pd.DataFrame) -> pd.Series:
    """Which spaces are proposals (a fixed ``channel``)."""
    if "channel" not in spaces.columns:
        return pd.Series(False, index=spaces.index)
    return spaces["channel"].fillna("").astype(str).str.strip() != ""


def proposal_units(spaces: pd.DataFrame, functions) -> dict[str, dict[str, float]]:
    """Fixed mix of every proposal: space id -> {function: units} (functions given > 0)."""
    out: dict[str, dict[str, float]] = {}
    funcs = list(functions)
    for j in spaces.index[is_proposal(spaces).to_numpy()]:
        mix = {}
        for f in funcs:
            v = spaces.at[j, UNITS_PREFIX + f] if UNITS_PREFIX + f in spaces.columns else np.nan
            if pd.notna(v) and float(v) > 0:
                mix[f] = float(v)
        out[str(j)] = mix
    return out


def apply_proposals(spaces: pd.DataFrame, functions: pd.DataFrame) -> pd.DataFrame:
    """Spaces with each proposal restricted to its channel and, where it gives a
    ``cost_estimate``, priced at it: fixed cost = estimate − fit-out of its units, nothing per
    m² (so the model's capital cost of the funded proposal equals its estimate; a cost
    multiplier applies to the non-fit-out part, as to channel prices)."""
    prop = is_proposal(spaces)
    if not prop.any():
        return spaces
    spaces = spaces.copy()
    mixes = proposal_units(spaces, functions.index)
    fit = functions["fitout_cost_per_unit"].astype(float)
    for j in spaces.index[prop.to_numpy()]:
        spaces.at[j, "channels"] = str(spaces.at[j, "channel"]).strip()
        est = spaces.at[j, "cost_estimate"] if "cost_estimate" in spaces.columns else np.nan
        if pd.notna(est):
            spaces.at[j, "fixed_cost"] = float(est) - sum(fit[f] * u for f, u in
                                                          mixes[str(j)].items())
            spaces.at[j, "cost_per_m2"] = 0.0
    return spaces


def resolve_decisions(spaces: pd.DataFrame, scenario: Scenario) -> Decisions:
    """The scenario's ``decisions`` with the spaces file's ``decision`` column merged in (the
    scenario wins for every space it names)."""
    dec = scenario.decisions
    named = (set(dec.open) | set(dec.close) | set(dec.channel) | set(dec.units)
             | set(dec.start_year))
    opened, closed, channel = list(dec.open), list(dec.close), dict(dec.channel)
    if "decision" in spaces.columns:
        for j, v in spaces["decision"].items():
            v = "" if _blank(v) else str(v).strip()
            if not v or str(j) in named:
                continue
            if v == "open":
                opened.append(str(j))
            elif v == "close":
                closed.append(str(j))
            else:
                channel[str(j)] = v
    return dec.model_copy(update={"open": opened, "close": closed, "channel": channel})


def pinned_open(dec: Decisions | None) -> list[str]:
    """Spaces the decisions put into the plan (open, channel, units, start year)."""
    if dec is None:
        return []
    return list(dict.fromkeys([*dec.open, *dec.channel, *dec.units, *dec.start_year]))


def has_pins(dec: Decisions | None) -> bool:
    return dec is not None and bool(dec.open or dec.close or dec.channel or dec.units
                                    or dec.forbid_functions or dec.start_year)


def decision_label(dec: Decisions | None, j: str) -> str:
    """How a space is pinned, for the ``decision`` column of sites.csv ('' = free)."""
    if dec is None:
        return ""
    parts = []
    if j in dec.close:
        parts.append("close")
    if j in dec.channel:
        parts.append(f"channel:{dec.channel[j]}")
    elif j in dec.open:
        parts.append("open")
    if j in dec.units:
        parts.append("units")
    if j in dec.start_year:
        parts.append(f"start:{dec.start_year[j]}")
    if j in dec.forbid_functions:
        parts.append("forbid:" + "|".join(dec.forbid_functions[j]))
    return ";".join(parts)


def mark_sites(sites: pd.DataFrame, dec: Decisions | None,
               spaces: pd.DataFrame | None = None) -> pd.DataFrame:
    """sites.csv with a ``decision`` column after ``channel``: how each site is pinned
    (``open``, ``channel:transfer``, ``units``, ``start:2025``, ``proposal``) or empty."""
    prop = set(spaces.index[is_proposal(spaces).to_numpy()]) if spaces is not None else set()
    labels = [";".join(x for x in (decision_label(dec, j), "proposal" if j in prop else "")
                       if x) for j in sites["space_id"]]
    out = sites.copy()
    pos = out.columns.get_loc("channel") + 1 if "channel" in out.columns else len(out.columns)
    out.insert(pos, "decision", labels)
    return out


def decisions_summary(dec: Decisions | None, sites: pd.DataFrame,
                      spaces: pd.DataFrame | None = None) -> dict:
    """``summary.json['decisions']``: the pins held, proposals funded, and the capital cost
    left out of the budget as already paid."""
    dec = dec or Decisions()
    opened = pinned_open(dec)
    paid = 0.0
    if dec.already_paid is True and len(sites):
        paid = float(sites.loc[sites["space_id"].isin(opened), "capex"].sum())
    out = {"open": opened, "close": list(dec.close), "channel": dict(dec.channel),
           "units": {j: dict(m) for j, m in dec.units.items()},
           "forbid_functions": {j: list(f) for j, f in dec.forbid_functions.items()},
           "start_year": dict(dec.start_year), "already_paid": dec.already_paid,
           "already_paid_capex": round(paid, 2), "one_per_community": dec.one_per_community}
    if spaces is not None:
        prop = list(spaces.index[is_proposal(spaces).to_numpy()])
        if prop:
            out["proposals"] = len(prop)
            out["proposals_funded"] = sorted(set(sites["space_id"]) & set(prop))
    return out
