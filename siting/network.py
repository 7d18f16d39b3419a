"""Walking distances on a street network (offline; no download at run time).

Reads street centre lines from a GeoPackage / GeoJSON / Shapefile (optionally with a
``walkable`` true/false column, or an OSM-style ``highway`` column whose motorway and trunk
roads are dropped), or a GraphML file, builds a sparse graph (scipy.sparse), snaps zones and
sites to their nearest node (adding the snapping distance, and warning about points snapped
from farther than a threshold), and runs bounded multi-source Dijkstra from every site
(scipy.sparse.csgraph) up to the largest walking limit. Only pairs within the limit are
returned; an unreachable pair is absent, never zero. Tables are cached on disk, keyed by the
hashes of the network and the point coordinates.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from siting.data import file_problem
from siting.exceptions import DataError

log = logging.getLogger(__name__)

NOT_WALKABLE = {"motorway", "motorway_link", "trunk", "trunk_link"}
NODE_PRECISION_M = 0.01
"""Line end points closer than this are the same node."""


def read_network(path: str | Path, crs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read a street network; return node coordinates (in ``crs``) and edges (i, j, metres)."""
    import geopandas as gpd

    path = Path(path)
    missing = file_problem(path, "network file")
    if missing:
        raise DataError(missing)
    if path.suffix.lower() == ".graphml":
        return _read_graphml(path, crs)
    if path.name.lower().endswith((".osm", ".osm.pbf", ".pbf", ".osm.bz2")):
        return _read_osm(path, crs)
    gdf = gpd.read_file(path)
    if gdf.crs is None:
        raise DataError(f"{path}: the network layer has no CRS")
    if len(gdf) == 0:
        raise DataError(f"{path}: the network layer has no features")
    if "walkable" in gdf.columns:
        keep = gdf["walkable"].astype(str).str.lower().isin(["true", "1", "yes"])
        gdf = gdf[keep]
    if "highway" in gdf.columns:
        gdf = gdf[~gdf["highway"].astype(str).isin(NOT_WALKABLE)]
    gdf = gdf.to_crs(crs).explode(index_parts=False)
    gdf = gdf[gdf.geom_type == "LineString"]
    segs = []
    for geom in gdf.geometry:
        c = np.asarray(geom.coords)[:, :2]
        if len(c) >= 2:
            segs.append(np.hstack([c[:-1], c[1:]]))
    if not segs:
        raise DataError(f"{path}: no walkable line features")
    return _segments_to_graph(np.vstack(segs))


def _segments_to_graph(seg: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Segments (x1, y1, x2, y2) -> nodes (end points merged within NODE_PRECISION_M), edges."""
    pts = np.vstack([seg[:, :2], seg[:, 2:]])
    key = np.round(pts / NODE_PRECISION_M).astype(np.int64)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    nodes = uniq.astype(float) * NODE_PRECISION_M
    n = len(seg)
    i, j = inv[:n], inv[n:]
    w = np.hypot(seg[:, 0] - seg[:, 2], seg[:, 1] - seg[:, 3])
    keep = i != j
    return nodes, i[keep], j[keep], w[keep]


def _read_osm(path: Path, crs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """An OpenStreetMap extract (.osm XML or .osm.pbf), read offline with pyosmium: every way
    with a ``highway`` tag except motorways and trunk roads, and none tagged ``foot=no``."""
    try:
        import osmium
    except ImportError:
        raise DataError(f"{path}: reading OpenStreetMap files needs the 'osmium' package "
                        "(pip install osmium, or pip install 'siting[network]')") from None
    from pyproj import Transformer

    tr = Transformer.from_crs(4326, crs, always_xy=True)
    segs = []
    fp = osmium.FileProcessor(str(path)).with_locations().with_filter(
        osmium.filter.KeyFilter("highway"))
    for obj in fp:
        if not obj.is_way():
            continue
        if obj.tags.get("highway") in NOT_WALKABLE or obj.tags.get("foot") == "no":
            continue
        lon = np.array([n.lon for n in obj.nodes])
        lat = np.array([n.lat for n in obj.nodes])
        if len(lon) < 2:
            continue
        x, y = tr.transform(lon, lat)
        segs.append(np.column_stack([x[:-1], y[:-1], x[1:], y[1:]]))
    if not segs:
        raise DataError(f"{path}: no walkable OpenStreetMap ways (highway=*)")
    return _segments_to_graph(np.vstack(segs))


def _read_graphml(path: Path, crs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    import networkx as nx
    from pyproj import Transformer

    g = nx.read_graphml(path)
    ids = list(g.nodes)
    pos = {v: k for k, v in enumerate(ids)}
    lon = np.array([float(g.nodes[v]["x"]) for v in ids])
    lat = np.array([float(g.nodes[v]["y"]) for v in ids])
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
    nodes = np.column_stack([x, y])
    ei, ej, ew = [], [], []
    for u, v, d in g.edges(data=True):
        a, b = pos[u], pos[v]
        length = float(d.get("length", np.hypot(*(nodes[a] - nodes[b]))))
        ei.append(a)
        ej.append(b)
        ew.append(length)
    return nodes, np.array(ei), np.array(ej), np.array(ew)


def network_pairs(nodes: np.ndarray, ei: np.ndarray, ej: np.ndarray, ew: np.ndarray,
                  zone_xy: np.ndarray, site_xy: np.ndarray, max_walk_m: float,
                  snap_warn_m: float = 300.0, labels: tuple[list, list] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(zone index, site index, metres) of every pair within ``max_walk_m`` on the network.

    Walks are undirected. Each point joins the network at its nearest node; the straight
    snapping distance is added at both ends. Returns the pairs and the warnings for points
    snapped from farther than ``snap_warn_m``.
    """
    n = len(nodes)
    a = np.concatenate([ei, ej])
    b = np.concatenate([ej, ei])
    w = np.concatenate([ew, ew])
    order = np.lexsort((w, b, a))          # parallel edges: keep the shortest, never add
    a, b, w = a[order], b[order], w[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    graph = coo_matrix((w[first], (a[first], b[first])), shape=(n, n)).tocsr()
    tree = cKDTree(nodes)
    dz, zn = tree.query(zone_xy)
    ds, sn = tree.query(site_xy)
    warnings = []
    for kind, d, lab in (("zone", dz, labels[0] if labels else None),
                         ("site", ds, labels[1] if labels else None)):
        far = np.flatnonzero(d > snap_warn_m)
        if len(far):
            names = [str(lab[k]) if lab is not None else str(k) for k in far]
            warnings.append(f"{len(far)} {kind}(s) are more than {snap_warn_m:g} m from the "
                            f"street network (snapped anyway): " + ", ".join(names[:20]))
    uniq_sites, site_of = np.unique(sn, return_inverse=True)
    # Distances from each distinct site node, a block at a time (a dense block of all nodes
    # would not fit at city scale); only the zones' columns are kept.
    to_zone = np.empty((len(uniq_sites), len(zn)))
    block = max(1, int(2e7 // max(n, 1)))
    for a in range(0, len(uniq_sites), block):
        d_blk = dijkstra(graph, directed=False, indices=uniq_sites[a:a + block],
                         limit=max_walk_m)
        to_zone[a:a + block] = d_blk[:, zn]
    zi_all, si_all, d_all = [], [], []
    for s in range(len(site_xy)):
        row = to_zone[site_of[s]] + dz + ds[s]
        ok = np.flatnonzero(row <= max_walk_m)
        zi_all.append(ok)
        si_all.append(np.full(len(ok), s))
        d_all.append(row[ok])
    zi = np.concatenate(zi_all) if zi_all else np.array([], dtype=int)
    si = np.concatenate(si_all) if si_all else np.array([], dtype=int)
    d = np.concatenate(d_all) if d_all else np.array([])
    order = np.lexsort((si, zi))
    return zi[order], si[order], d[order], warnings


def cache_path(cache_dir: Path, network: Path, zone_xy: np.ndarray, site_xy: np.ndarray,
               max_walk_m: float, snap_warn_m: float) -> Path:
    h = hashlib.sha256()
    with open(network, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    h.update(np.ascontiguousarray(np.round(zone_xy, 3)).tobytes())
    h.update(np.ascontiguousarray(np.round(site_xy, 3)).tobytes())
    h.update(f"{max_walk_m:.3f}|{snap_warn_m:.3f}|v1".encode())
    return cache_dir / f"network-{h.hexdigest()[:24]}.parquet"


def cached_network_pairs(network: Path, crs, zone_xy: np.ndarray, site_xy: np.ndarray,
                         max_walk_m: float, snap_warn_m: float, cache_dir: Path | None,
                         labels: tuple[list, list] | None = None
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """:func:`network_pairs`, reusing a table cached on disk when nothing changed."""
    path = None
    missing = file_problem(network, "network file")
    if missing:  # before hashing it for the cache key
        raise DataError(missing)
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        path = cache_path(cache_dir, Path(network), zone_xy, site_xy, max_walk_m, snap_warn_m)
        if path.is_file() and path.with_suffix(".json").is_file():
            t = pd.read_parquet(path)
            warns = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            log.info("network distances reused from %s", path)
            return (t["zone"].to_numpy(), t["site"].to_numpy(), t["metres"].to_numpy(), warns)
    nodes, ei, ej, ew = read_network(network, crs)
    zi, si, d, warns = network_pairs(nodes, ei, ej, ew, zone_xy, site_xy, max_walk_m,
                                     snap_warn_m, labels)
    if path is not None:
        t = pd.DataFrame({"zone": zi, "site": si, "metres": d})
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        t.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        tmp_json = path.with_suffix(f".{os.getpid()}.jtmp")
        tmp_json.write_text(json.dumps(warns, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp_json, path.with_suffix(".json"))
    return zi, si, d, warns
