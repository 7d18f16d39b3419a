"""Does the declared coordinate system of the points fit the street network?

A point given in GCJ-02 (Amap) but read as WGS-84 sits a few hundred metres from where it is.
In a dense street grid it still lies within ~30 m of *some* street, so a threshold on the snap
distance never fires. Instead, the points of each table are re-read under every candidate
system (the raw values are recovered from the declared system, then converted to WGS-84 as if
they were in the candidate), and the median distance to the nearest street segment is compared.
Points from maps, addresses and building entrances sit close to streets, so the right system
gives the smallest median. A warning is raised when another system fits clearly better: its
median is under half the declared one's and at least :data:`MIN_GAIN_M` less, *and* it brings
at least :data:`MIN_SHARE` of the points closer to a street (a sign test: points placed without
regard to streets come closer under a shifted reading about half the time, so a small table
cannot warn by chance).
"""

from __future__ import annotations

import numpy as np

from siting import coords, geo

CANDIDATES = ("wgs84", "gcj02", "bd09")
MIN_POINTS = 10
MIN_GAIN_M = 10.0
RATIO = 0.5
MIN_SHARE = 0.8


def street_distance(segments: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance from each point to the nearest segment ``(x1, y1, x2, y2)`` (metres)."""
    import shapely
    from shapely import STRtree

    lines = shapely.linestrings(np.stack([segments[:, :2], segments[:, 2:]], axis=1))
    pts = shapely.points(x, y)
    _, dist = STRtree(lines).query_nearest(pts, return_distance=True, all_matches=False)
    return np.asarray(dist, float)


def check(segments: np.ndarray, crs, tables: dict[str, tuple[np.ndarray, np.ndarray, str]]
          ) -> tuple[dict, list[str]]:
    """Median street distance per table under each candidate system, and the warnings.

    ``tables``: name -> (WGS-84 lon, WGS-84 lat, declared system). Tables in a projected
    system, or with fewer than :data:`MIN_POINTS` points, are not checked.
    """
    report, warnings = {}, []
    for name, (lon, lat, declared) in tables.items():
        if len(lon) < MIN_POINTS or declared not in (*CANDIDATES, "cgcs2000"):
            continue
        raw = coords.from_wgs84(lon, lat, declared)
        medians, dist = {}, {}
        for cand in CANDIDATES:
            lo, la = coords.to_wgs84(*raw, cand)
            x, y = geo.project(lo, la, crs)
            dist[cand] = street_distance(segments, x, y)
            medians[cand] = round(float(np.median(dist[cand])), 1)
        mine = "wgs84" if declared == "cgcs2000" else declared
        own = medians[mine]
        best = min(medians, key=medians.get)
        closer = float(np.mean(dist[best] < dist[mine]))
        report[name] = {"declared": declared, "median_street_distance_m": medians,
                        "points": int(len(lon))}
        if (best != mine and medians[best] < RATIO * own and own - medians[best] >= MIN_GAIN_M
                and closer >= MIN_SHARE):
            report[name]["better"] = best
            warnings.append(
                f"{name}: the points fit the street network much better read as {best} "
                f"(median {medians[best]:g} m from a street) than as {declared} (median "
                f"{own:g} m; {100 * closer:.0f} % of the points closer): are they from "
                f"{_source(best)}? Set data.coordinates (or data.{name}.coordinates) to "
                f"{best}")
    return report, warnings


def _source(system: str) -> str:
    return {"gcj02": "Amap or Tencent maps (GCJ-02)", "bd09": "Baidu maps (BD-09)",
            "wgs84": "GPS or OpenStreetMap (WGS-84)"}[system]


def check_network(network, crs, frames: dict, systems: dict[str, str]) -> tuple[dict, list[str]]:
    """:func:`check` for the zones, spaces and existing facilities (DataFrames with WGS-84
    ``lon``/``lat``) against a street network file."""
    from siting.network import read_network

    nodes, ei, ej, _ = read_network(network, crs)
    segments = np.hstack([nodes[ei], nodes[ej]])
    tables = {k: (df["lon"].to_numpy(float), df["lat"].to_numpy(float),
                  systems.get(k, "wgs84")) for k, df in frames.items() if len(df)}
    return check(segments, crs, tables)
