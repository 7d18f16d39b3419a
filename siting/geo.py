"""Coordinates and walking distances (pure numpy/scipy/pyproj; no Pyomo).

Distances are in metres in a projected CRS: the local UTM zone of the study area, chosen from
the data's lon/lat extent. The default walking distance is the straight line times a detour
factor; alternatively a user table ``from_id,to_id,metres`` is read. Either way only pairs
within the largest walking limit are kept, found with a k-d tree (no dense zones x sites
matrix is ever formed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from scipy.spatial import cKDTree

from siting.data import read_table
from siting.exceptions import DataError


def local_utm_crs(lon: np.ndarray, lat: np.ndarray) -> CRS:
    """The WGS84 UTM zone that contains the centre of the points' extent."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    clon, clat = float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2)
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(clon, clat, clon, clat),
    )
    if not infos:
        raise DataError(f"no UTM zone found for the study area centred at {clon:.4f}, {clat:.4f}")
    return CRS.from_epsg(infos[0].code)


def project(lon: np.ndarray, lat: np.ndarray, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 lon/lat to ``crs`` (metres)."""
    tr = Transformer.from_crs(4326, crs, always_xy=True)
    x, y = tr.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def straight_pairs(zone_xy: np.ndarray, site_xy: np.ndarray, max_walk_m: float,
                   detour_factor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (zone, site) index pairs whose walking distance is within ``max_walk_m``.

    Walking distance = straight-line distance x ``detour_factor``. Returns zone positions,
    site positions and walking metres, sorted by zone then site.
    """
    if len(zone_xy) == 0 or len(site_xy) == 0:
        e = np.array([], dtype=np.int64)
        return e, e, np.array([], dtype=float)
    radius = max_walk_m / detour_factor
    sdm = cKDTree(zone_xy).sparse_distance_matrix(cKDTree(site_xy), radius, output_type="ndarray")
    zi, si, d = sdm["i"].astype(np.int64), sdm["j"].astype(np.int64), sdm["v"] * detour_factor
    # Zero-distance pairs (site on top of a zone) are omitted by sparse_distance_matrix.
    same = cKDTree(zone_xy).query_ball_tree(cKDTree(site_xy), 1e-9)
    extra = [(i, j) for i, js in enumerate(same) for j in js]
    if extra:
        ez, es = np.array(extra).T
        keep = ~pd.MultiIndex.from_arrays([ez, es]).isin(pd.MultiIndex.from_arrays([zi, si]))
        zi = np.concatenate([zi, ez[keep]])
        si = np.concatenate([si, es[keep]])
        d = np.concatenate([d, np.zeros(keep.sum())])
    order = np.lexsort((si, zi))
    return zi[order], si[order], d[order]


def read_distance_table(path: Path, zone_ids: pd.Index, site_ids: pd.Index,
                        max_walk_m: float) -> pd.DataFrame:
    """Read ``from_id,to_id,metres`` (zone -> space or existing facility).

    Unknown ids, duplicates, and negative or missing distances are errors. Pairs beyond
    ``max_walk_m`` are dropped. A pair absent from the table is unreachable.
    """
    path = Path(path)
    problems: list[str] = []
    df = read_table(path, problems)  # file checks, encodings and blank rows as for any input
    if df is None:
        raise DataError([p.replace(": the file has no rows", ": the distance table has no rows")
                         .replace(": file not found", ": distance table not found")
                         for p in problems])
    missing = [c for c in ("from_id", "to_id", "metres") if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)} "
                        "(expected from_id,to_id,metres)")
    df["from_id"] = df["from_id"].astype(str).str.strip()
    df["to_id"] = df["to_id"].astype(str).str.strip()
    metres = pd.to_numeric(df["metres"].replace("", np.nan), errors="coerce")
    rows = lambda m: ", ".join(str(i) for i in df.index[np.asarray(m)][:10])  # noqa: E731
    if metres.isna().any():
        problems.append(f"{path}: rows {rows(metres.isna())}: metres is missing or not a number")
    if np.isinf(metres).any():
        problems.append(f"{path}: rows {rows(np.isinf(metres))}: metres must be finite (leave "
                        "an unreachable pair out of the table)")
    if (metres < 0).any():
        problems.append(f"{path}: rows {rows(metres < 0)}: metres is negative")
    unk_from = ~df["from_id"].isin(zone_ids)
    if unk_from.any():
        problems.append(f"{path}: rows {rows(unk_from)}: from_id "
                        f"{df['from_id'][unk_from].iloc[0]!r} is not a zone id")
    unk_to = ~df["to_id"].isin(site_ids)
    if unk_to.any():
        problems.append(f"{path}: rows {rows(unk_to)}: to_id {df['to_id'][unk_to].iloc[0]!r} "
                        "is not a space or existing-facility id")
    dup = df.duplicated(["from_id", "to_id"], keep=False)
    if dup.any():
        problems.append(f"{path}: rows {rows(dup)}: the same from_id,to_id pair appears twice")
    if problems:
        raise DataError(problems)
    df["metres"] = metres
    df = df[df["metres"] <= max_walk_m]
    return df[["from_id", "to_id", "metres"]].reset_index(drop=True)
