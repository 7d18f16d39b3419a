"""Vector context for maps with no tiles: each community's Voronoi cell, streets as the union of
their communities' cells, the walking network — all projected to the plan's local UTM zone and
shifted so the district centre is (0, 0) (axes in metres)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint

from siting import geo
from siting.report.folder import PlanFolder

CELL_MARGIN_M = 250.0
"""Cells end this far beyond the outermost community (the convex hull, buffered)."""


@dataclass
class MapFrame:
    crs: object
    origin: tuple[float, float]
    zones: pd.DataFrame  # zone_id, x, y, plus the zone summary columns
    sites: pd.DataFrame  # chosen sites with x, y
    candidates: pd.DataFrame | None  # not chosen, x, y
    existing: pd.DataFrame | None
    cells: dict[str, object]  # zone_id -> shapely polygon
    streets: dict[str, object]  # street -> polygon
    segments: np.ndarray | None  # (n, 2, 2) projected
    barriers: np.ndarray | None = None

    def xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        x, y = geo.project(np.asarray(lon, float), np.asarray(lat, float), self.crs)
        return x - self.origin[0], y - self.origin[1]

    def extent(self, pad: float = 0.04) -> tuple[float, float, float, float]:
        """The communities and chosen sites (context beyond them is cut off)."""
        xs = [self.zones["x"].to_numpy()]
        ys = [self.zones["y"].to_numpy()]
        for df in (self.sites,):
            if df is not None and len(df):
                xs.append(df["x"].to_numpy())
                ys.append(df["y"].to_numpy())
        x, y = np.concatenate(xs), np.concatenate(ys)
        p = pad * max(np.ptp(x), np.ptp(y), 1.0) + CELL_MARGIN_M
        return float(x.min() - p), float(y.min() - p), float(x.max() + p), float(y.max() + p)


def voronoi_cells(x: np.ndarray, y: np.ndarray, margin: float = CELL_MARGIN_M) -> list:
    """One polygon per point: its Voronoi cell clipped to the points' buffered convex hull."""
    pts = MultiPoint(np.column_stack([x, y]))
    hull = pts.convex_hull.buffer(margin)
    if len(x) < 3:
        return [shapely.Point(a, b).buffer(margin) for a, b in zip(x, y)]
    cells = shapely.voronoi_polygons(pts, extend_to=hull)
    out = []
    for a, b in zip(x, y):
        p = shapely.Point(a, b)
        cell = next((c for c in cells.geoms if c.contains(p)), p.buffer(margin))
        out.append(cell.intersection(hull))
    return out


def map_frame(plan: PlanFolder) -> MapFrame:
    """The map frame of a plan folder (context from its inputs where readable)."""
    if "lon" not in plan.zones:
        raise ValueError(f"{plan.path}: the zones have no location (plan.gpkg missing)")
    ctx = plan.context
    cand = None
    if ctx.spaces is not None:
        cand = ctx.spaces[~ctx.spaces["space_id"].astype(str).isin(plan.sites["space_id"])]
    return build_frame(plan.zones, plan.sites, cand, ctx.existing, ctx.segments,
                       ctx.barriers)


def build_frame(zones: pd.DataFrame, sites: pd.DataFrame, candidates: pd.DataFrame | None,
                existing: pd.DataFrame | None, segments: np.ndarray | None,
                barriers: np.ndarray | None = None) -> MapFrame:
    """Project tables with ``lon``/``lat`` (zones need ``zone_id`` and ``street``)."""
    z = zones.copy()
    crs = geo.local_utm_crs(z["lon"], z["lat"])
    x, y = geo.project(z["lon"], z["lat"], crs)
    origin = (float((x.min() + x.max()) / 2), float((y.min() + y.max()) / 2))
    frame = MapFrame(crs, origin, z, sites.copy(), None, None, {}, {}, None)
    z["x"], z["y"] = x - origin[0], y - origin[1]
    frame.zones = z

    def placed(df):
        df = df.copy()
        df["x"], df["y"] = frame.xy(df["lon"], df["lat"]) if len(df) else ([], [])
        return df

    frame.sites = placed(sites)
    frame.candidates = placed(candidates) if candidates is not None else None
    frame.existing = placed(existing) if existing is not None and len(existing) else None
    cells = voronoi_cells(z["x"].to_numpy(), z["y"].to_numpy())
    frame.cells = dict(zip(z["zone_id"].astype(str), cells))
    for street, ids in z.groupby(z["street"].astype(str))["zone_id"]:
        frame.streets[street] = shapely.union_all(
            [frame.cells[str(i)] for i in ids]).buffer(1.0).buffer(-1.0)
    frame.segments = _project_segments(frame, segments)
    frame.barriers = _project_segments(frame, barriers)
    return frame


def _project_segments(frame: MapFrame, seg: np.ndarray | None) -> np.ndarray | None:
    if seg is None or not len(seg):
        return None
    sx, sy = frame.xy(seg[:, :, 0].ravel(), seg[:, :, 1].ravel())
    return np.stack([sx.reshape(-1, 2), sy.reshape(-1, 2)], axis=2)


def rings(geom) -> list[np.ndarray]:
    """Exterior rings of a polygon or multipolygon as (n, 2) arrays."""
    if geom is None or geom.is_empty:
        return []
    polys = getattr(geom, "geoms", [geom])
    return [np.asarray(p.exterior.coords) for p in polys if p.geom_type == "Polygon"]


def nice_length(span_m: float) -> float:
    """A round scale-bar length of about a fifth of ``span_m`` (1, 2 or 5 x 10^k metres)."""
    raw = max(span_m / 5, 1.0)
    base = float(10 ** np.floor(np.log10(raw)))
    for m in (5, 2, 1):
        if m * base <= raw:
            return m * base
    return base
