"""Service (mirrors :mod:`siting.model.service`): every assignment links a known community
to a built or existing site within the function's walking limit (distances recomputed
independently), sites serve no more than they have, single source, existing facilities
filled, and demand neither exceeded nor, under a serve-all objective, left unserved.

Distances are geodesic distances on the WGS84 ellipsoid (pyproj ``Geod``) times the detour
factor — a different computation from the model's projected k-d tree — or networkx shortest
paths on the walking network (the model uses scipy), or the user's table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Geod

from siting.verify.core import DIST_TOL, PlanContext, Violation, family, tol

SERVE_ALL = ("min_cost", "min_distance", "min_lifecycle_cost")


def valid_assignments(ctx: PlanContext) -> pd.DataFrame:
    """Assignment rows with a known function, community and site."""

    def compute(c: PlanContext) -> pd.DataFrame:
        a = c.assign
        a = a[a["function"].isin(c.fn.index) & a["zone_id"].isin(c.zones.index)]
        return a[a["site_id"].isin(c.existing.index) | a["site_id"].isin(c.spaces.index)]

    return ctx.memo("valid_assignments", compute)


def walking_distances(ctx: PlanContext) -> pd.Series:
    """Walking distance (m) of each valid assignment, recomputed (inf: no route)."""

    def compute(c: PlanContext) -> pd.Series:
        a, scen = valid_assignments(c), c.scen
        if a.empty:
            return pd.Series(dtype=float)
        if scen.distance.method == "network":
            dist = _network_distances(c, a)
        elif scen.distance.method == "table":
            t = pd.read_csv(scen.distance.table, encoding="utf-8-sig",
                            dtype={"from_id": str, "to_id": str})
            lut = t.set_index(["from_id", "to_id"])["metres"]
            dist = np.array([lut.get((z, s), np.inf) for z, s in zip(a["zone_id"], a["site_id"])],
                            dtype=float)
        else:
            loc = pd.concat([c.spaces[["lon", "lat"]], c.existing[["lon", "lat"]].astype(float)])
            _, _, d = Geod(ellps="WGS84").inv(
                c.zones.loc[a["zone_id"], "lon"].to_numpy(float),
                c.zones.loc[a["zone_id"], "lat"].to_numpy(float),
                loc.loc[a["site_id"], "lon"].to_numpy(float),
                loc.loc[a["site_id"], "lat"].to_numpy(float))
            dist = np.asarray(d) * scen.distance.detour_factor
        return pd.Series(dist, index=a.index, dtype=float)

    return ctx.memo("walking_distances", compute)


def zone_demand(ctx: PlanContext) -> pd.Series:
    """Demand per (zone_id, function) from the inputs: rate x base x growth / per."""

    def compute(c: PlanContext) -> pd.Series:
        parts = []
        for f in c.fn.index:
            base = c.fn.at[f, "demand_base"]
            d = c.fn.at[f, "demand_rate"] * c.zones[base].astype(float) \
                * c.scen.demand_growth.get(base, 1.0) / c.fn.at[f, "demand_per"]
            parts.append(pd.Series(d.to_numpy(float), index=pd.MultiIndex.from_arrays(
                [c.zones.index, [f] * len(d)], names=["zone_id", "function"])))
        return pd.concat(parts) if parts else pd.Series(dtype=float)

    return ctx.memo("zone_demand", compute)


@family("service", order=40)
def check_service(ctx: PlanContext) -> list[Violation]:
    v: list[Violation] = []
    assign, fn, zones, spaces, existing = ctx.assign, ctx.fn, ctx.zones, ctx.spaces, ctx.existing
    for _, r in assign[~assign["function"].isin(fn.index)].iterrows():
        v.append(Violation("assignment", f"zone {r['zone_id']}", f"unknown or disabled function "
                                                                  f"{r['function']!r}"))
    a = assign[assign["function"].isin(fn.index)]
    for z in a.loc[~a["zone_id"].isin(zones.index), "zone_id"].unique():
        v.append(Violation("assignment", f"zone {z}", "not in the zones file"))
    a = a[a["zone_id"].isin(zones.index)]
    for s in a.loc[~a["site_id"].isin(existing.index) & ~a["site_id"].isin(spaces.index),
                   "site_id"].unique():
        v.append(Violation("assignment", f"site {s}", "not a space or existing facility"))
    a = valid_assignments(ctx)
    if not a.empty:
        v += _walking(ctx, a)
        v += _capacity(ctx, a)
    v += _demand(ctx)
    return v


def _walking(ctx: PlanContext, a: pd.DataFrame) -> list[Violation]:
    v = []
    dist = walking_distances(ctx)
    limit = a["function"].map(ctx.fn["walking_limit_m"]).astype(float)
    for i, r in a.iterrows():
        d, lim = float(dist[i]), float(limit[i])
        if d > lim * (1 + DIST_TOL) + 1.0:
            what = "no walking route in the distance table" if not np.isfinite(d) else \
                f"walk of {d:,.0f} m exceeds the {lim:g} m limit"
            v.append(Violation("walking_distance", f"zone {r['zone_id']} -> {r['site_id']}",
                               f"{r['function']}: {what}"))
    if ctx.opts.single_source:
        n_sites = a[a["served"] > 0].groupby(["zone_id", "function"])["site_id"].nunique()
        for (z, f), k in n_sites[n_sites > 1].items():
            v.append(Violation("single_source", f"zone {z}", f"{f}: served by {k} sites, "
                                                             "single_source allows one"))
    return v


def _capacity(ctx: PlanContext, a: pd.DataFrame) -> list[Violation]:
    v = []
    fn, existing = ctx.fn, ctx.existing
    served = a.groupby(["site_id", "function"])["served"].sum()
    units = {}
    for _, r in ctx.sites.iterrows():
        for f, u in ctx.units(r).items():
            units[(str(r["space_id"]), f)] = u
    excap = existing.reset_index().groupby(["facility_id", "function"])["capacity"].sum()
    for (s, f), q in served.items():
        if s in existing.index:
            cap = float(excap.get((s, f), 0.0))
            kind = f"existing {f} capacity"
        else:
            cap = units.get((s, f), 0.0)
            kind = f"{f} units built"
        if q > cap + tol(cap):
            v.append(Violation("capacity", f"site {s}", f"serves {q:g} {f} but has {cap:g} "
                                                        f"({kind})"))
    if ctx.opts.fill_existing:
        for (e, f), cap in excap.items():
            if f in fn.index and float(served.get((e, f), 0.0)) < cap - tol(cap):
                v.append(Violation("fill_existing", f"site {e}",
                                   f"serves {float(served.get((e, f), 0.0)):g} {f}, capacity "
                                   f"{cap:g} must be filled"))
    return v


def _demand(ctx: PlanContext) -> list[Violation]:
    v = []
    got = ctx.assign.groupby(["zone_id", "function"])["served"].sum()
    serve_all = ctx.opts.objective in SERVE_ALL
    for (z, f), dz in zone_demand(ctx).items():
        s = float(got.get((z, f), 0.0))
        if s > dz + tol(dz):
            v.append(Violation("demand", f"zone {z}", f"{f}: served {s:g} exceeds "
                                                      f"demand {dz:g}"))
        elif serve_all and s < dz - 1e-5 * max(1.0, dz):
            v.append(Violation("demand", f"zone {z}", f"{f}: served {s:g} of demand {dz:g}"
                                                      f" but {ctx.opts.objective} serves all"))
    return v


def network_graph(ctx: PlanContext):
    """The walking network as a networkx graph (shortest parallel edge kept) and a function
    snapping (lon, lat) by brute force to the nearest node: ``(node, metres)``."""
    import networkx as nx
    from pyproj import CRS, Transformer

    from siting.network import read_network

    crs = CRS.from_user_input(scen_crs(ctx.zones))
    nodes, ei, ej, ew = read_network(ctx.scen.distance.network, crs)
    g = nx.Graph()
    for i, j, w in zip(ei.tolist(), ej.tolist(), ew.tolist()):
        if not g.has_edge(i, j) or g[i][j]["w"] > w:
            g.add_edge(i, j, w=w)
    tr = Transformer.from_crs(4326, crs, always_xy=True)

    def snap(lon, lat):
        x, y = tr.transform(lon, lat)
        d = np.hypot(nodes[:, 0] - x, nodes[:, 1] - y)
        k = int(np.argmin(d))
        return k, float(d[k])

    return g, snap


def _network_distances(ctx: PlanContext, a: pd.DataFrame) -> np.ndarray:
    """Walking distance of each assignment recomputed with networkx shortest paths (the model
    uses scipy's Dijkstra), snapping by brute force to the nearest node."""
    import networkx as nx

    zones, spaces, existing = ctx.zones, ctx.spaces, ctx.existing
    g, snap = network_graph(ctx)
    loc = pd.concat([spaces[["lon", "lat"]], existing[["lon", "lat"]].astype(float)])
    out = np.full(len(a), np.inf)
    by_site: dict[str, dict] = {}
    for n, (z, s) in enumerate(zip(a["zone_id"], a["site_id"])):
        if s not in by_site:
            ks, ds = snap(float(loc.at[s, "lon"]), float(loc.at[s, "lat"]))
            lengths = nx.single_source_dijkstra_path_length(g, ks, weight="w") \
                if ks in g else {ks: 0.0}
            by_site[s] = {"d": ds, "len": lengths}
        kz, dz = snap(float(zones.at[z, "lon"]), float(zones.at[z, "lat"]))
        path = by_site[s]["len"].get(kz)
        if path is not None:
            out[n] = path + dz + by_site[s]["d"]
    return out


def scen_crs(zones: pd.DataFrame) -> str:
    """The local UTM zone of the study area (as the model chooses it)."""
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    lon = (zones["lon"].min() + zones["lon"].max()) / 2
    lat = (zones["lat"].min() + zones["lat"].max()) / 2
    info = query_utm_crs_info(datum_name="WGS 84",
                              area_of_interest=AreaOfInterest(lon, lat, lon, lat))
    return f"EPSG:{info[0].code}"
