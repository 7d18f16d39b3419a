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
    hit = pd.MultiIndex.from_arrays([p["site_id"], p["function"]]).isin(list(open_)) \
        if open_ else np.zeros(len(p), dtype=bool)
    near = pd.MultiIndex.from_arrays([p["zone_id"].to_numpy()[hit],
                                      p["function"].to_numpy()[hit]])
    return pd.Series(data.demand.index.isin(near), index=data.demand.index,
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
    cols = [c for c in ("street", "name", "households", "population", "pop_0_3",
                        "pop_60_plus") if c in data.zones]
    attrs = data.zones[cols].reindex(df["zone_id"])
    df["street"] = attrs["street"].astype(str).replace("", "(no street)").to_numpy()
    for col in cols[1:]:
        df[col] = attrs[col].to_numpy()
    return df


class _Long:
    """The long table's columns as arrays, with zones, streets and functions as integer
    codes numbered in sorted label order (the order pandas' ``groupby`` gives), so every
    figure of :func:`measure` is a few ``bincount`` calls over a row mask. (Measured on
    the demo: 0.44 s per plan with a pandas ``groupby`` per figure, a 200-run sweep's
    largest cost after HiGHS; see :func:`measure`.)"""

    def __init__(self, df: pd.DataFrame) -> None:
        self.zone, self.zones = pd.factorize(df["zone_id"], sort=True)
        self.street, self.streets = pd.factorize(df["street"], sort=True)
        self.func, self.funcs = pd.factorize(df["function"], sort=True)
        self.nz, self.ns, self.nf = len(self.zones), len(self.streets), len(self.funcs)
        self.demand = df["demand"].to_numpy(dtype=float)
        self.served = df["served"].to_numpy(dtype=float)
        self.access = df["access"].to_numpy(dtype=float)
        self.reachable = df["reachable"].to_numpy(dtype=bool)
        self.facility = df["facility"].to_numpy(dtype=bool)
        first = np.zeros(self.nz, dtype=np.int64)
        first[self.zone[::-1]] = np.arange(len(df))[::-1]  # each zone's first row
        self.zone_street = self.street[first]
        self.attr = {c: df[c].to_numpy()[first] for c in df.columns
                     if c not in ("zone_id", "function", "demand", "served", "reachable",
                                  "facility", "access_raw", "access", "street")}

    def rows(self, functions=None) -> np.ndarray:
        """Mask of the rows of ``functions`` (all rows: ``None``)."""
        if functions is None:
            return np.ones(len(self.zone), dtype=bool)
        codes = [k for k, f in enumerate(self.funcs) if f in set(functions)]
        return np.isin(self.func, codes)

    def weights(self, w: dict[str, float]) -> np.ndarray:
        return np.array([float(w.get(f, 0.0)) for f in self.funcs])

    def count(self, codes: np.ndarray, mask: np.ndarray, n: int,
              weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(codes[mask], None if weights is None else weights[mask],
                           minlength=n)

    def unit_cov(self, rows: np.ndarray, by: str, w: np.ndarray, value: str
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Weighted coverage (``value``: served share or 2SFCA) of each unit (``by``:
        ``zone`` or ``street``) over its reachable demand, :math:`\\sum_f w_f c_{uf} /
        \\sum_{f\\ reachable} w_f`: the units' codes (ascending) and their values."""
        unit, nu = (self.zone, self.nz) if by == "zone" else (self.street, self.ns)
        r = rows & self.reachable & (self.demand > 0)
        key = unit * self.nf + self.func
        num = self.served if value == "served" else self.access * self.demand
        size = nu * self.nf
        n = self.count(key, r, size).reshape(nu, self.nf)
        d = self.count(key, r, size, self.demand).reshape(nu, self.nf)
        c = self.count(key, r, size, num).reshape(nu, self.nf) / np.where(n > 0, d, 1.0)
        use = (n > 0) & (w > 0)
        ww = np.where(use, w, 0.0)
        have = use.any(axis=1)
        cov = (ww * np.where(use, c, 0.0)).sum(axis=1)[have] / ww.sum(axis=1)[have]
        return np.flatnonzero(have), cov


def _worst(codes: np.ndarray, cov: np.ndarray, size: np.ndarray) -> int | None:
    """The code of the unit of lowest coverage (to 9 decimals), the largest first among
    equals."""
    if not len(codes):
        return None
    order = np.lexsort((np.arange(len(codes)), -size[codes], np.round(cov, 9)))
    return int(codes[order[0]])


def _block(t: _Long, rows: np.ndarray, w: np.ndarray, weights_col: str,
           value: str = "served") -> dict:
    """The figures of one function, the weighted coverage or one group, on the ``rows`` of
    the functions concerned."""
    s_codes, street = t.unit_cov(rows, "street", w, value)
    z_codes, comm = t.unit_cov(rows, "zone", w, value)
    present = t.count(t.zone, rows, t.nz) > 0
    zone_demand = t.count(t.zone, rows, t.nz, t.demand)
    hh = np.nan_to_num(t.attr["households"].astype(float))
    tot_hh = float(hh[present].sum()) or 1.0
    n = max(int(present.sum()), 1)
    weighted = weights_col in t.attr
    wz = np.nan_to_num(t.attr[weights_col].astype(float)) if weighted else np.ones(t.nz)
    zone = t.zone
    wc = _worst(z_codes, comm, zone_demand)
    ws = _worst(s_codes, street, t.count(t.street, rows, t.ns, t.demand))
    no_fac = present & (t.count(zone, rows & t.facility, t.nz) == 0)
    missing = present & (t.count(zone, rows & ~t.facility, t.nz) > 0)
    unreach = present & (t.count(zone, rows & ~t.reachable, t.nz) > 0)
    has_s, has_c = len(street) > 0, len(comm) > 0
    out = {
        "basis": value if value == "served" else "2sfca",
        "street_min": _round(street.min()) if has_s else None,
        "street_max": _round(street.max()) if has_s else None,
        "street_spread": _round(street.max() - street.min()) if has_s else None,
        "worst_street": None if ws is None else str(t.streets[ws]),
        "worst_community": None if wc is None else str(t.zones[wc]),
        "worst_community_name": None if wc is None else str(t.attr["name"][wc]),
        "worst_community_street": None if wc is None else str(t.streets[t.zone_street[wc]]),
        "community_min": _round(comm.min()) if has_c else None,
        "gini": _round(gini(comm, wz[z_codes])),
        "gini_weights": weights_col if weighted else "communities",
    }
    if value == "served":
        demand = float(t.demand[rows].sum())
        out.update({
            "share_communities_no_facility": _round(no_fac.sum() / n),
            "share_households_no_facility": _round(hh[no_fac].sum() / tot_hh),
            "share_communities_missing_a_function": _round(missing.sum() / n),
            "share_households_missing_a_function": _round(hh[missing].sum() / tot_hh),
            "share_communities_unreachable": _round(unreach.sum() / n),
            "share_households_unreachable": _round(hh[unreach].sum() / tot_hh),
            "unreachable_demand_share": _round(
                float(t.demand[rows & ~t.reachable].sum()) / max(demand, 1e-12)),
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
    t = _Long(df)
    w_all = t.weights(weight)
    for f in fn.index:
        rows = t.rows([f])
        if not rows.any():
            continue
        one = t.weights({f: 1.0})
        out["functions"][f] = _block(t, rows, one, bases[f])
        out["access_2sfca"][f] = _block(t, rows, one, bases[f], "access")
    every = t.rows()
    out["weighted"] = _block(t, every, w_all, "population")
    out["access_2sfca"]["weighted"] = _block(t, every, w_all, "population", "access")
    out["groups"] = {}
    for g, funcs in eq.groups.items():
        have = [f for f in funcs if f in fn.index]
        rows = t.rows(have)
        if not rows.any() or g not in data.zones:
            continue
        out["groups"][g] = {"functions": have, **_block(t, rows, w_all, g),
                            "access_2sfca": _block(t, rows, w_all, g, "access")}
    out["demand_bases"] = bases
    if "childcare" in bases:
        out["childcare_demand_base"] = bases["childcare"]
    out["n_streets"] = int(df["street"].nunique())
    out["n_communities"] = int(df["zone_id"].nunique())
    return out, street_table(df, weight, t), df.set_index(["zone_id", "function"])[
        ["reachable", "access_raw"]].rename(columns={"access_raw": "access_2sfca"})


def street_table(df: pd.DataFrame, weight: dict[str, float], t: _Long | None = None
                 ) -> pd.DataFrame:
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
    t = t if t is not None else _Long(df)
    wc, wa = (pd.Series(cov, index=t.streets[codes], dtype=float) for codes, cov in (
        t.unit_cov(t.rows(), "street", t.weights(weight), v) for v in ("served", "access")))
    ncom = df.groupby("street")["zone_id"].nunique()
    wrows = pd.DataFrame({"street": ncom.index, "function": "weighted",
                          "communities": ncom.to_numpy(), "households": hh.reindex(
                              ncom.index).to_numpy(),
                          "coverage": wc.reindex(ncom.index).to_numpy(),
                          "access_2sfca": wa.reindex(ncom.index).to_numpy()})
    tab = pd.concat([g[STREET_COLUMNS], wrows], ignore_index=True)
    for c in ("demand", "reachable_demand", "unreachable_demand", "served", "coverage",
              "coverage_of_all_demand", "access_2sfca"):
        tab[c] = tab[c].astype(float).round(6)
    order = {f: k for k, f in enumerate(weight)}  # the catalogue's order, weighted last
    tab["_o"] = tab["function"].map(order).fillna(len(order))
    return tab.sort_values(["street", "_o"], kind="stable").reset_index(drop=True)[
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
