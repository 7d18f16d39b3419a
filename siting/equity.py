"""Fairness between streets and communities, measured on every plan (pandas and numpy only).

Two families of figures, each saying which it is (``basis``):

* ``flows`` — the plan's own assignment: coverage of a community, street or the city is the
  demand served divided by the demand that **can be reached** (by some candidate space or
  existing facility within the walking limit; :func:`siting.model.equity.reachable_demand`).
  Demand nothing can reach is reported apart (``unreachable_*``), never as a zero that would
  hold every minimum at 0. Weighted coverage of a unit is
  :math:`\\sum_f w_f c_{uf} / \\sum_{f \\text{ reachable in } u} w_f`, the same definition as
  the ``max_min_coverage`` objective and the floors (:mod:`siting.model.equity`).
* ``2sfca`` — the two-step floating catchment accessibility index (Luo & Wang 2003), which
  does not depend on how a max-coverage plan happens to split its flows among many equally
  good splits: each open site's supply :math:`S_j` (new units and existing capacity) is
  shared over the demand within its walking limit, :math:`R_j = S_j / \\sum_{i: d_{ij}\\le
  L_f} D_i`, and a community's index is :math:`A_i = \\sum_{j: d_{ij}\\le L_f} R_j` (supply
  per unit of demand within reach; 1 = enough). Figures use :math:`\\min(A_i, 1)` so they read
  as coverage: a street's value is the demand-weighted mean over its reachable demand.

For each function, for the weighted coverage and for each population group (residents 60+,
children 0-3: :attr:`siting.config.Equity.groups`): coverage per street (min, max, spread),
the worst street and the worst community by name, the share of communities and of
households with no facility of the function within its walking limit, the share that
nothing can reach, and the population-weighted Gini coefficient of per-community coverage
(weights: the function's demand base group; ``population`` for the weighted coverage; the
group's head count for a group).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from siting.config import Equity

STREET_COLUMNS = ["street", "function", "communities", "households", "demand",
                  "reachable_demand", "unreachable_demand", "served", "coverage",
                  "coverage_of_all_demand", "access_2sfca"]
BASIS = {"flows": "served / reachable demand, from this plan's assignments",
         "2sfca": "two-step floating catchment index min(A, 1), from the open sites' "
                  "capacities and the walking limits (independent of the flows' split)"}


def gini(x, w) -> float | None:
    """Weighted Gini coefficient, :math:`\\sum_{ij} w_i w_j |x_i-x_j| / (2 W^2 \\mu)`,
    computed on the sorted values; ``None`` when the mean is 0 or nothing is weighted."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    keep = w > 0
    x, w = x[keep], w[keep]
    tw = w.sum()
    if not len(x) or tw <= 0:
        return None
    mu = float((w * x).sum() / tw)
    if mu <= 0:
        return None
    o = np.argsort(x, kind="stable")
    x, w = x[o], w[o]
    before = np.cumsum(w) - w
    return float((w * x * (2 * before + w - tw)).sum() / (tw * tw * mu))


def _round(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return round(float(v), 6)


def access_2sfca(data, sites: pd.DataFrame, reachable: pd.Series) -> pd.Series:
    """:math:`A_{if}` per (zone_id, function) with demand (0 where no open site is within
    reach), from the plan's new units (``sites``) and the existing facilities."""
    funcs = list(data.functions.index)
    supply = []
    for f in funcs:
        col = f"units_{f}"
        if len(sites) and col in sites:
            s = sites.loc[sites[col] > 0, ["space_id", col]]
            supply += [(j, f, float(u)) for j, u in zip(s["space_id"], s[col])]
    ex = data.existing_capacity
    supply += [(e, f, float(c)) for (e, f), c in ex.items() if c > 0 and f in funcs]
    sup = pd.DataFrame(supply, columns=["site_id", "function", "supply"])
    sup = sup.groupby(["site_id", "function"], as_index=False)["supply"].sum()
    dem = data.demand.where(reachable.reindex(data.demand.index, fill_value=False), 0.0)
    dem = dem.rename("d").reset_index()
    p = data.pairs[["zone_id", "site_id", "function"]].merge(sup, on=["site_id", "function"])
    p = p.merge(dem, on=["zone_id", "function"])
    load = p.groupby(["site_id", "function"])["d"].transform("sum")
    p["ratio"] = np.where(load > 0, p["supply"] / load.where(load > 0, 1.0), 0.0)
    a = p.groupby(["zone_id", "function"])["ratio"].sum()
    return a.reindex(data.demand.index, fill_value=0.0).rename("access_2sfca")


def facility_within_limit(data, sites: pd.DataFrame) -> pd.Series:
    """Per (zone_id, function) with demand: whether an open site hosting the function (a
    new one with units, or an existing facility) lies within its walking limit."""
    open_ = set()
    for f in data.functions.index:
        col = f"units_{f}"
        if len(sites) and col in sites:
            open_ |= {(j, f) for j in sites.loc[sites[col] > 0, "space_id"]}
    open_ |= {k for k, c in data.existing_capacity.items() if c > 0}
    p = data.pairs
    hit = [(s, f) in open_ for s, f in zip(p["site_id"], p["function"])]
    near = set(zip(p.loc[hit, "zone_id"], p.loc[hit, "function"]))
    return pd.Series([k in near for k in data.demand.index], index=data.demand.index,
                     name="facility_within_limit")


def _long(data, zones: pd.DataFrame, sites: pd.DataFrame, reachable: pd.Series
          ) -> pd.DataFrame:
    """One row per (community, function) with demand: demand, served, reachable, facility
    within the limit, 2SFCA index, street, households and group head counts."""
    z = zones.set_index(["zone_id", "function"])
    df = pd.DataFrame({"demand": data.demand})
    df["served"] = z["served"].reindex(df.index, fill_value=0.0)
    df["reachable"] = reachable.reindex(df.index, fill_value=False).astype(bool)
    df["facility"] = facility_within_limit(data, sites)
    df["access_raw"] = access_2sfca(data, sites, df["reachable"])
    df["access"] = df["access_raw"].clip(upper=1.0)
    df = df.reset_index()
    attrs = data.zones
    df["street"] = attrs.loc[df["zone_id"], "street"].astype(str).replace("", "(no street)") \
        .to_numpy()
    for col in ("name", "households", "population", "pop_0_3", "pop_60_plus"):
        if col in attrs:
            df[col] = attrs.loc[df["zone_id"], col].to_numpy()
    return df


def _unit_cov(df: pd.DataFrame, by: str, w: dict[str, float], value: str) -> pd.Series:
    """Weighted coverage (``value``: served share or 2SFCA) of each unit over its reachable
    demand: :math:`\\sum_f w_f c_{uf} / \\sum_{f\\ reachable} w_f`."""
    r = df[df["reachable"] & (df["demand"] > 0)]
    if r.empty:
        return pd.Series(dtype=float)
    num = (r[value] if value == "served" else r["access"] * r["demand"])
    g = pd.DataFrame({by: r[by], "function": r["function"], "num": num, "d": r["demand"]}) \
        .groupby([by, "function"])[["num", "d"]].sum()
    c = (g["num"] / g["d"]).rename("c").reset_index()
    c["w"] = c["function"].map(w).astype(float)
    c = c[c["w"] > 0]
    c["wc"] = c["w"] * c["c"]
    s = c.groupby(by)[["wc", "w"]].sum()
    return (s["wc"] / s["w"]).sort_index()


def _worst(cov: pd.Series, size: pd.Series) -> str | None:
    if cov.empty:
        return None
    t = pd.DataFrame({"c": cov.round(9), "s": -size.reindex(cov.index).fillna(0)})
    return str(t.sort_values(["c", "s"], kind="stable").index[0])


def _block(df: pd.DataFrame, w: dict[str, float], weights_col: str,
           value: str = "served") -> dict:
    """The figures of one function, the weighted coverage or one group, on ``df`` (the
    rows of the functions concerned)."""
    street = _unit_cov(df, "street", w, value)
    comm = _unit_cov(df, "zone_id", w, value)
    per_zone = df.groupby("zone_id").agg(
        households=("households", "first"), name=("name", "first"),
        street=("street", "first"), demand=("demand", "sum"),
        any_reachable=("reachable", "any"), all_reachable=("reachable", "all"),
        any_facility=("facility", "any"), all_facility=("facility", "all"))
    hh = per_zone["households"].astype(float)
    tot_hh = float(hh.sum()) or 1.0
    n = max(len(per_zone), 1)
    wz = df.groupby("zone_id")[weights_col].first().astype(float) \
        if weights_col in df else pd.Series(1.0, index=per_zone.index)
    worst_c = _worst(comm, per_zone["demand"])
    worst_s = _worst(street, df.groupby("street")["demand"].sum())
    no_fac = ~per_zone["any_facility"]
    missing = ~per_zone["all_facility"]
    unreach = ~per_zone["all_reachable"]
    out = {
        "basis": value if value == "served" else "2sfca",
        "street_min": _round(street.min()) if len(street) else None,
        "street_max": _round(street.max()) if len(street) else None,
        "street_spread": _round(street.max() - street.min()) if len(street) else None,
        "worst_street": worst_s,
        "worst_community": worst_c,
        "worst_community_name": None if worst_c is None else str(per_zone.at[worst_c, "name"]),
        "worst_community_street": None if worst_c is None
        else str(per_zone.at[worst_c, "street"]),
        "community_min": _round(comm.min()) if len(comm) else None,
        "gini": _round(gini(comm.to_numpy(), wz.reindex(comm.index).fillna(0).to_numpy())),
        "gini_weights": weights_col if weights_col in df else "communities",
    }
    if value == "served":
        out.update({
            "share_communities_no_facility": _round(no_fac.sum() / n),
            "share_households_no_facility": _round(hh[no_fac].sum() / tot_hh),
            "share_communities_missing_a_function": _round(missing.sum() / n),
            "share_households_missing_a_function": _round(hh[missing].sum() / tot_hh),
            "share_communities_unreachable": _round(unreach.sum() / n),
            "share_households_unreachable": _round(hh[unreach].sum() / tot_hh),
            "unreachable_demand_share": _round(
                df.loc[~df["reachable"], "demand"].sum() / max(df["demand"].sum(), 1e-12)),
        })
    return out


def measure(data, zones: pd.DataFrame, sites: pd.DataFrame, reachable: pd.Series,
            equity: Equity | None = None) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The summary's ``equity`` section, the table ``streets.csv`` and per (zone_id,
    function) the columns ``reachable`` and ``access_2sfca`` for ``zones.csv``."""
    eq = equity or Equity()
    fn = data.functions
    weight = fn["weight"].astype(float).to_dict()
    df = _long(data, zones, sites, reachable)
    bases = fn["demand_base"].astype(str).to_dict()
    out: dict = {"basis": BASIS, "coverage_over": "reachable demand (unreachable reported "
                 "separately as unreachable_*)", "functions": {}, "access_2sfca": {}}
    for f in fn.index:
        part = df[df["function"] == f]
        if part.empty:
            continue
        out["functions"][f] = _block(part, {f: 1.0}, bases[f])
        out["access_2sfca"][f] = _block(part, {f: 1.0}, bases[f], "access")
    out["weighted"] = _block(df, weight, "population")
    out["access_2sfca"]["weighted"] = _block(df, weight, "population", "access")
    out["groups"] = {}
    for g, funcs in eq.groups.items():
        have = [f for f in funcs if f in fn.index]
        part = df[df["function"].isin(have)]
        if part.empty or g not in data.zones:
            continue
        out["groups"][g] = {"functions": have, **_block(part, weight, g),
                            "access_2sfca": _block(part, weight, g, "access")}
    out["demand_bases"] = bases
    if "childcare" in bases:
        out["childcare_demand_base"] = bases["childcare"]
    out["n_streets"] = int(df["street"].nunique())
    out["n_communities"] = int(df["zone_id"].nunique())
    return out, street_table(df, weight), df.set_index(["zone_id", "function"])[
        ["reachable", "access_raw"]].rename(columns={"access_raw": "access_2sfca"})


def street_table(df: pd.DataFrame, weight: dict[str, float]) -> pd.DataFrame:
    """Street x function: demand, reachable and unreachable demand, served, coverage over
    reachable demand, over all demand, and the 2SFCA index; then one ``weighted`` row per
    street."""
    r = df.assign(rd=df["demand"].where(df["reachable"], 0.0),
                  ad=(df["access"] * df["demand"]).where(df["reachable"], 0.0))
    g = r.groupby(["street", "function"]).agg(
        communities=("zone_id", "nunique"), households=("households", "sum"),
        demand=("demand", "sum"), reachable_demand=("rd", "sum"), served=("served", "sum"),
        ad=("ad", "sum")).reset_index()
    g["unreachable_demand"] = g["demand"] - g["reachable_demand"]
    rd = g["reachable_demand"].where(g["reachable_demand"] > 0)
    g["coverage"] = g["served"] / rd
    g["coverage_of_all_demand"] = g["served"] / g["demand"]
    g["access_2sfca"] = g["ad"] / rd
    hh = df.groupby(["street", "zone_id"])["households"].first().groupby("street").sum()
    wc = _unit_cov(df, "street", weight, "served")
    wa = _unit_cov(df, "street", weight, "access")
    ncom = df.groupby("street")["zone_id"].nunique()
    wrows = pd.DataFrame({"street": ncom.index, "function": "weighted",
                          "communities": ncom.to_numpy(), "households": hh.reindex(
                              ncom.index).to_numpy(),
                          "coverage": wc.reindex(ncom.index).to_numpy(),
                          "access_2sfca": wa.reindex(ncom.index).to_numpy()})
    t = pd.concat([g[STREET_COLUMNS], wrows], ignore_index=True)
    for c in ("demand", "reachable_demand", "unreachable_demand", "served", "coverage",
              "coverage_of_all_demand", "access_2sfca"):
        t[c] = t[c].astype(float).round(6)
    order = {f: k for k, f in enumerate(weight)}  # the catalogue's order, weighted last
    t["_o"] = t["function"].map(order).fillna(len(order))
    return t.sort_values(["street", "_o"], kind="stable").reset_index(drop=True)[
        STREET_COLUMNS]


def equity_columns(summary: dict) -> dict:
    """Flat equity columns for comparison.csv and sweep results."""
    e = summary.get("equity")
    if not e:
        return {}
    w, a = e["weighted"], e["access_2sfca"]["weighted"]
    row = {"equity_street_min": w["street_min"], "equity_street_spread": w["street_spread"],
           "equity_worst_street": w["worst_street"],
           "equity_worst_community": w["worst_community_name"],
           "equity_community_min": w["community_min"], "equity_gini": w["gini"],
           "equity_share_households_no_facility": w["share_households_no_facility"],
           "equity_share_households_missing_a_function":
               w["share_households_missing_a_function"],
           "equity_2sfca_street_min": a["street_min"], "equity_2sfca_gini": a["gini"]}
    for f, b in e["functions"].items():
        row[f"equity_street_min_{f}"] = b["street_min"]
        row[f"equity_gini_{f}"] = b["gini"]
    for g, b in e.get("groups", {}).items():
        row[f"equity_street_min_{g}"] = b["street_min"]
        row[f"equity_gini_{g}"] = b["gini"]
    if "max_min" in e:
        row["equity_max_min"] = e["max_min"].get("min_coverage")
    return row
