"""Assemble the optimisation data (:class:`ProblemData`) from validated inputs and a scenario.

This is where catalogue overrides, demand, channel eligibility and the sparse zone-site pairs
come together. :class:`ProblemData` is also built directly (without files or geometry) by
:mod:`siting.benchmarks`, so the model never depends on how the data were obtained.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from siting import geo, plausibility
from siting.config import Decisions, Scenario
from siting.data import Inputs, set_cell
from siting.decisions import apply_proposals, resolve_decisions
from siting.exceptions import DataError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProblemData:
    """Everything the model needs, indexed by stable ids.

    Attributes
    ----------
    zones : index ``zone_id``; columns name, street, households, population, x, y, lon, lat.
    spaces : candidate spaces; index ``space_id``; name, street, kind, ownership,
        floor_area_m2, buildable_area_m2, x, y, lon, lat.
    existing : existing facilities; index ``facility_id``; name, function, capacity, x, y.
    functions : enabled functions after overrides; index ``function``.
    channels : enabled channels after overrides; index ``channel``.
    options : one row per eligible (space_id, channel): max_gross_m2, usable_factor,
        cost_per_m2, fixed_cost.
    demand : Series on (zone_id, function), units of demand (> 0 only).
    pairs : one row per zone-site-function within the function's walking limit: zone_id,
        site_id (a space or an existing facility), function, distance_m, cost_per_unit.
    """

    zones: pd.DataFrame
    spaces: pd.DataFrame
    existing: pd.DataFrame
    functions: pd.DataFrame
    channels: pd.DataFrame
    options: pd.DataFrame
    demand: pd.Series
    pairs: pd.DataFrame
    reach: pd.DataFrame | None = None
    """Every zone-site pair (zone_id, site_id, distance_m) within the largest walking limit,
    whatever the function: for walking-circle statistics."""
    crs: str | None = None
    distance_method: str = "straight"
    meta: dict = field(default_factory=dict)
    decisions: Decisions | None = None
    """Pins held in every plan (:mod:`siting.decisions`, applied by
    :mod:`siting.model.decisions`); ``None`` = none."""

    @property
    def existing_capacity(self) -> pd.Series:
        """Capacity already in place per (facility_id, function)."""
        if self.existing.empty:
            return pd.Series(dtype=float, index=pd.MultiIndex.from_tuples(
                [], names=["site_id", "function"]))
        s = self.existing.reset_index().groupby(["facility_id", "function"])["capacity"].sum()
        s.index = s.index.set_names(["site_id", "function"])
        return s

    def total_demand(self) -> pd.Series:
        """Total demand per function (all enabled functions, zeros included)."""
        return self.demand.groupby(level="function").sum().reindex(self.functions.index,
                                                                    fill_value=0.0)


# --------------------------------------------------------------------------------------------


def apply_function_overrides(functions: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Catalogue values, replaced by the scenario's ``functions`` overrides; drop disabled."""
    f = functions.copy()
    f["enabled"] = True
    for name, ov in scenario.functions.items():
        for key, val in ov.model_dump(exclude_none=True).items():
            set_cell(f, name, key, val)
    bad = f["min_units"] > f["max_units"]
    if bad.any():
        raise DataError([f"scenario {scenario.name!r}: function {n!r}: min_units "
                         f"{f.at[n, 'min_units']} > max_units {f.at[n, 'max_units']} after "
                         "overrides" for n in f.index[bad]])
    f = f[f["enabled"].astype(bool)].drop(columns="enabled")
    if f.empty:
        raise DataError(f"scenario {scenario.name!r}: every function is disabled")
    return f


def apply_channel_overrides(channels: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Catalogue values, replaced by the scenario's ``channels`` overrides; drop disabled."""
    c = channels.copy()
    c["enabled"] = True
    c["cost_multiplier"] = 1.0
    for name, ov in scenario.channels.items():
        for key, val in ov.model_dump(exclude_none=True).items():
            set_cell(c, name, key, val)
    c = c[c["enabled"].astype(bool)].drop(columns="enabled")
    if c.empty:
        raise DataError(f"scenario {scenario.name!r}: every channel is disabled")
    return c


def eligible_options(spaces: pd.DataFrame, channels: pd.DataFrame) -> pd.DataFrame:
    """One row per (space, channel) the space may use, with its area limit and prices.

    * kind and ownership must be listed by the channel (only state property can be
      transferred; new build only on parcels — as the catalogue says);
    * a space's optional ``channels`` column restricts it further;
    * ``max_gross_m2`` is floor_area x (1 + max_area_growth) for ``area_basis: floor_area``
      (conversions with growth 0 cannot add floor area) or the parcel's buildable area;
    * a space's own ``cost_per_m2`` / ``fixed_cost`` replace the channel's; the scenario's
      ``cost_multiplier`` applies to both.
    """
    rows = []
    for sid, s in spaces.iterrows():
        only = [c.strip() for c in str(s.get("channels", "")).replace(",", "|").split("|")
                if c.strip()]
        for cid, c in channels.iterrows():
            if only and cid not in only:
                continue
            if (s["kind"] not in c["eligible_kinds"]
                    or s["ownership"] not in c["eligible_ownerships"]):
                continue
            if c["area_basis"] == "buildable":
                area = s.get("buildable_area_m2", np.nan)
            else:
                area = s["floor_area_m2"] * (1.0 + c["max_area_growth"])
            if not (area > 0):
                continue
            cpm = s["cost_per_m2"] if pd.notna(s.get("cost_per_m2")) else c["cost_per_m2"]
            fix = s["fixed_cost"] if pd.notna(s.get("fixed_cost")) else c["fixed_cost"]
            mult = c.get("cost_multiplier", 1.0)
            rows.append((sid, cid, float(area), float(c["usable_factor"]), float(cpm) * mult,
                         float(fix) * mult))
    return pd.DataFrame(rows, columns=["space_id", "channel", "max_gross_m2", "usable_factor",
                                       "cost_per_m2", "fixed_cost"]).set_index(
        ["space_id", "channel"])


def compute_demand(zones: pd.DataFrame, functions: pd.DataFrame, scenario: Scenario
                   ) -> pd.Series:
    """demand[z, f] = demand_rate_f x base_group[z] x growth[base] / demand_per_f."""
    parts = []
    for fid, f in functions.iterrows():
        base = f["demand_base"]
        if base not in zones.columns:
            raise DataError(f"function {fid!r}: demand_base {base!r} is not a column of the "
                            "zones file")
        growth = scenario.demand_growth.get(base, 1.0)
        d = f["demand_rate"] * zones[base].astype(float) * growth / f["demand_per"]
        parts.append(pd.Series(d.to_numpy(), index=pd.MultiIndex.from_arrays(
            [zones.index, [fid] * len(zones)], names=["zone_id", "function"])))
    demand = pd.concat(parts)
    return demand[demand > 0].rename("demand")


def _network_zone_site(scenario: Scenario, zones: pd.DataFrame, site_ids: pd.Index,
                       zone_xy: np.ndarray, site_xy: np.ndarray, max_walk: float,
                       meta: dict) -> pd.DataFrame:
    from siting import network

    opt = scenario.distance
    if opt.network is None:
        raise DataError(f"scenario {scenario.name!r}: distance.method is 'network' but "
                        "distance.network is not set")
    cache = opt.cache_dir or Path(opt.network).parent / ".siting-cache"
    zi, si, d, warns = network.cached_network_pairs(
        Path(opt.network), meta["crs"], zone_xy, site_xy, max_walk, opt.snap_warn_m, cache,
        labels=(list(zones.index), list(site_ids)))
    for w in warns:
        log.warning("scenario %s: %s", scenario.name, w)
    meta["network_warnings"] = warns
    return pd.DataFrame({"zone_id": zones.index.to_numpy()[zi],
                         "site_id": site_ids.to_numpy()[si], "distance_m": d})


def _check_coordinates(scenario: Scenario, zones: pd.DataFrame, spaces: pd.DataFrame,
                       existing: pd.DataFrame, meta: dict) -> None:
    """Warn when another coordinate system fits the street network clearly better
    (:mod:`siting.coordcheck`); the medians go to the summary."""
    from siting import coordcheck

    systems = meta.get("coordinates", {}).get("input", {})
    report, warns = coordcheck.check_network(
        scenario.distance.network, meta["crs"],
        {"zones": zones, "spaces": spaces, "existing": existing}, systems)
    for w in warns:
        log.warning("scenario %s: %s", scenario.name, w)
    meta.setdefault("coordinates", {})["check"] = report
    meta["network_warnings"] = [*meta.get("network_warnings", []), *warns]


def compare_reach(straight: pd.DataFrame, net: pd.DataFrame, functions: pd.DataFrame
                  ) -> dict:
    """How many zone-site pairs the straight-line estimate gets wrong, per walking limit:
    reachable by straight line but not by street, and the reverse."""
    out = {}
    for limit in sorted(set(functions["walking_limit_m"].astype(float))):
        a = set(map(tuple, straight.loc[straight["distance_m"] <= limit,
                                        ["zone_id", "site_id"]].to_numpy()))
        b = set(map(tuple, net.loc[net["distance_m"] <= limit, ["zone_id", "site_id"]]
                    .to_numpy()))
        out[f"{limit:g}"] = {"both": len(a & b), "straight_only": len(a - b),
                             "network_only": len(b - a)}
    return out


def build_pairs(zones: pd.DataFrame, spaces: pd.DataFrame, existing: pd.DataFrame,
                functions: pd.DataFrame, demand: pd.Series, scenario: Scenario,
                meta: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Zone-site-function triples within the function's walking limit.

    Sites are candidate spaces (for every function) and existing facilities (for their own
    function). Pairs for zones without demand for the function are dropped. Also returns
    every zone-site pair within the largest walking limit (``reach``).
    """
    meta = meta if meta is not None else {}
    max_walk = float(functions["walking_limit_m"].max())
    site_ids = spaces.index.append(existing.index)
    if scenario.distance.method == "table":
        if scenario.distance.table is None:
            raise DataError(f"scenario {scenario.name!r}: distance.method is 'table' but "
                            "distance.table is not set")
        t = geo.read_distance_table(scenario.distance.table, zones.index, site_ids, max_walk)
        zone_site = pd.DataFrame({"zone_id": t["from_id"], "site_id": t["to_id"],
                                  "distance_m": t["metres"].astype(float)})
    else:
        site_xy = np.vstack([spaces[["x", "y"]].to_numpy(float),
                             existing[["x", "y"]].to_numpy(float).reshape(-1, 2)])
        zone_xy = zones[["x", "y"]].to_numpy(float)
        zi, si, d = geo.straight_pairs(zone_xy, site_xy, max_walk,
                                       scenario.distance.detour_factor)
        straight = pd.DataFrame({"zone_id": zones.index.to_numpy()[zi],
                                 "site_id": site_ids.to_numpy()[si], "distance_m": d})
        zone_site = straight
        if scenario.distance.method == "network":
            zone_site = _network_zone_site(scenario, zones, site_ids, zone_xy, site_xy,
                                           max_walk, meta)
            meta["straight_vs_network"] = compare_reach(straight, zone_site, functions)
            _check_coordinates(scenario, zones, spaces, existing, meta)
    is_existing = zone_site["site_id"].isin(existing.index)
    parts = []
    for fid, f in functions.iterrows():
        ok = zone_site["distance_m"] <= f["walking_limit_m"]
        cand = zone_site[ok & ~is_existing]
        ex_ids = existing.index[existing["function"] == fid]
        ex = zone_site[ok & zone_site["site_id"].isin(ex_ids)]
        p = pd.concat([cand, ex]).assign(function=fid)
        parts.append(p)
    pairs = pd.concat(parts, ignore_index=True)
    key = pd.MultiIndex.from_frame(pairs[["zone_id", "function"]])
    pairs = pairs[key.isin(demand.index)]
    pairs = pairs.assign(cost_per_unit=0.0)
    pairs = pairs[["zone_id", "site_id", "function", "distance_m", "cost_per_unit"]] \
        .sort_values(["function", "zone_id", "site_id"]).reset_index(drop=True)
    return pairs, zone_site.reset_index(drop=True)


def prepare(inputs: Inputs, scenario: Scenario) -> ProblemData:
    """Validated inputs + scenario -> :class:`ProblemData` (projected, with sparse pairs)."""
    functions = apply_function_overrides(inputs.functions, scenario)
    channels = apply_channel_overrides(inputs.channels, scenario)
    zones, spaces, existing = inputs.zones.copy(), inputs.spaces.copy(), inputs.existing.copy()
    all_lon = np.concatenate([zones["lon"], spaces["lon"], existing["lon"].astype(float)])
    all_lat = np.concatenate([zones["lat"], spaces["lat"], existing["lat"].astype(float)])
    crs = geo.local_utm_crs(all_lon, all_lat)
    for df in (zones, spaces, existing):
        x, y = geo.project(df["lon"].astype(float), df["lat"].astype(float), crs)
        df["x"], df["y"] = x, y
    existing = existing[existing["function"].isin(functions.index)]
    spaces = apply_proposals(spaces, functions)
    options = eligible_options(spaces, channels)
    no_channel = spaces.index.difference(options.index.get_level_values("space_id"))
    if len(no_channel):
        log.warning("scenario %s: %d space(s) have no enabled eligible channel and cannot be "
                    "used: %s", scenario.name, len(no_channel), ", ".join(no_channel[:10]))
    demand = compute_demand(zones, functions, scenario)
    plausibility.check_demand(demand, zones, functions, inputs.sources, scenario.name)
    meta = {"detour_factor": scenario.distance.detour_factor,
            "demand_growth": dict(scenario.demand_growth), "crs": crs,
            "coordinates": {"input": dict(inputs.coordinates), "internal": "wgs84"}}
    pairs, reach = build_pairs(zones, spaces, existing, functions, demand, scenario, meta)
    meta.pop("crs")
    plausibility.check_scale(demand, pairs, spaces.index, functions,
                             scenario.model.integer_units, inputs.sources, scenario.name)
    return ProblemData(zones=zones, spaces=spaces, existing=existing, functions=functions,
                       channels=channels, options=options, demand=demand, pairs=pairs,
                       reach=reach,
                       crs=crs.to_string(), distance_method=scenario.distance.method,
                       meta=meta, decisions=resolve_decisions(spaces, scenario))


def with_parameters(data: ProblemData, inputs: Inputs, scenario: Scenario) -> ProblemData:
    """:func:`prepare` for a scenario that differs from the one ``data`` was prepared for
    only in parameters (demand rates, demand growth, weights, prices): the catalogues, options
    and demand are computed again; zones, spaces, distances and pairs are kept.

    The pairs hold only zones with demand: if the new demand is positive elsewhere than the
    old, they are not the new scenario's, and :func:`siting.model.parameters.update_data`
    refuses the result (the caller prepares afresh).
    """
    functions = apply_function_overrides(inputs.functions, scenario)
    channels = apply_channel_overrides(inputs.channels, scenario)
    meta = {**data.meta, "demand_growth": dict(scenario.demand_growth)}
    return replace(data, functions=functions, channels=channels,
                   decisions=resolve_decisions(data.spaces, scenario),
                   options=eligible_options(data.spaces, channels),
                   demand=compute_demand(data.zones, functions, scenario), meta=meta)


def problem_from_frames(*, zones: pd.DataFrame, spaces: pd.DataFrame, functions: pd.DataFrame,
                        channels: pd.DataFrame, demand: pd.Series, pairs: pd.DataFrame,
                        existing: pd.DataFrame | None = None, distance_method: str = "table",
                        meta: dict | None = None) -> ProblemData:
    """Assemble :class:`ProblemData` directly from tables (no files, no geometry).

    Used for published benchmark instances and tests. Missing descriptive columns get
    defaults (name = id, empty street, coordinates 0); channel eligibility and prices are
    resolved exactly as for a city (:func:`eligible_options`).
    """
    zones = zones.copy()
    for col, default in (("name", None), ("street", ""), ("district", ""), ("households", 1.0),
                         ("population", 1.0), ("pop_0_3", 0.0), ("pop_60_plus", 0.0),
                         ("existing_service_m2", 0.0), ("x", 0.0), ("y", 0.0), ("lon", 0.0),
                         ("lat", 0.0)):
        if col not in zones.columns:
            zones[col] = zones.index if default is None else default
    spaces = spaces.copy()
    for col, default in (("name", None), ("street", ""), ("district", ""), ("channels", ""),
                         ("buildable_area_m2", np.nan), ("rent_per_m2_year", np.nan),
                         ("cost_per_m2", np.nan),
                         ("fixed_cost", np.nan), ("x", 0.0), ("y", 0.0), ("lon", 0.0),
                         ("lat", 0.0)):
        if col not in spaces.columns:
            spaces[col] = spaces.index if default is None else default
    channels = channels.copy()
    if "cost_multiplier" not in channels.columns:
        channels["cost_multiplier"] = 1.0
    for col in ("eligible_kinds", "eligible_ownerships"):
        channels[col] = [tuple(v) if not isinstance(v, str) else tuple(v.split("|"))
                         for v in channels[col]]
    if existing is None:
        existing = pd.DataFrame(columns=["name", "function", "capacity", "lon", "lat", "x", "y"],
                                index=pd.Index([], name="facility_id"))
    pairs = pairs.copy()
    if "cost_per_unit" not in pairs.columns:
        pairs["cost_per_unit"] = 0.0
    demand = demand[demand > 0].rename("demand")
    demand.index = demand.index.set_names(["zone_id", "function"])
    key = pd.MultiIndex.from_frame(pairs[["zone_id", "function"]])
    pairs = pairs[key.isin(demand.index)].reset_index(drop=True)
    return ProblemData(zones=zones, spaces=spaces, existing=existing, functions=functions,
                       channels=channels, options=eligible_options(spaces, channels),
                       demand=demand, pairs=pairs[["zone_id", "site_id", "function",
                                                   "distance_m", "cost_per_unit"]],
                       reach=pairs[["zone_id", "site_id", "distance_m"]].drop_duplicates(
                           ["zone_id", "site_id"]).reset_index(drop=True),
                       crs=None, distance_method=distance_method, meta=meta or {})
