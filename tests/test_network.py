"""Street-network distances: equal to an independent shortest path, unreachable pairs absent,
cached, and an obstacle changes the plan compared with straight lines."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from siting.network import cached_network_pairs, network_pairs, read_network

ROOT = Path(__file__).resolve().parents[1]
UTM = "EPSG:32651"


def grid_network(path: Path, river_gap: bool = True) -> Path:
    """A 6 x 6 grid of 100 m blocks; a river between rows 2 and 3 crossed only at x = 500."""
    lines = []
    for i, j in itertools.product(range(6), range(6)):
        x, y = 500_000 + 100 * i, 3_350_000 + 100 * j
        if i < 5:
            lines.append(LineString([(x, y), (x + 100, y)]))
        if j < 5 and not (river_gap and j == 2 and i != 5):
            lines.append(LineString([(x, y), (x, y + 100)]))
    lines.append(LineString([(499_000, 3_349_000), (499_050, 3_349_000)]))  # an island
    gdf = gpd.GeoDataFrame({"walkable": [True] * len(lines)}, geometry=lines, crs=UTM)
    gdf.to_file(path, driver="GPKG")
    return path


def test_distances_equal_networkx_and_unreachable_absent(tmp_path):
    path = grid_network(tmp_path / "grid.gpkg")
    nodes, ei, ej, ew = read_network(path, UTM)
    zone_xy = np.array([[500_010.0, 3_350_000.0], [500_200.0, 3_350_500.0],
                        [499_020.0, 3_349_001.0]])
    site_xy = np.array([[500_000.0, 3_350_300.0], [500_300.0, 3_350_000.0]])
    zi, si, d, _ = network_pairs(nodes, ei, ej, ew, zone_xy, site_xy, max_walk_m=5_000)
    g = nx.Graph()
    for a, b, w in zip(ei, ej, ew):
        g.add_edge(int(a), int(b), weight=float(w))
    got = {(int(z), int(s)): float(v) for z, s, v in zip(zi, si, d)}
    for z, s in itertools.product(range(3), range(2)):
        nz = int(np.argmin(np.hypot(*(nodes - zone_xy[z]).T)))
        ns = int(np.argmin(np.hypot(*(nodes - site_xy[s]).T)))
        snap = np.hypot(*(nodes[nz] - zone_xy[z])) + np.hypot(*(nodes[ns] - site_xy[s]))
        try:
            ref = nx.shortest_path_length(g, nz, ns, weight="weight") + snap
        except nx.NetworkXNoPath:
            assert (z, s) not in got  # unreachable: absent, never zero
            continue
        assert got[(z, s)] == pytest.approx(ref, abs=1e-6)
    # zone 0 to site 0: straight 300 m, but the river forces a detour via the bridge at x=500
    assert got[(0, 0)] == pytest.approx(10 + 500 + 300 + 500, abs=1e-6)
    assert not any(z == 2 for z, _ in got)  # the island zone reaches nothing


def test_limit_drops_far_pairs_and_cache_is_reused(tmp_path, monkeypatch):
    import siting.network as netmod

    path = grid_network(tmp_path / "grid.gpkg")
    zone_xy = np.array([[500_010.0, 3_350_000.0]])
    site_xy = np.array([[500_000.0, 3_350_300.0], [500_100.0, 3_350_000.0]])
    cache = tmp_path / "cache"
    a = cached_network_pairs(path, UTM, zone_xy, site_xy, 1000.0, 300.0, cache)
    assert list(a[1]) == [1]  # site 0 is 1,310 m away by street: beyond 1,000 m
    assert len(list(cache.glob("*.parquet"))) == 1

    def boom(*_a, **_k):
        raise AssertionError("the network was read again")

    monkeypatch.setattr(netmod, "read_network", boom)
    b = cached_network_pairs(path, UTM, zone_xy, site_xy, 1000.0, 300.0, cache)
    assert np.array_equal(a[2], b[2])
    with pytest.raises(AssertionError, match="read again"):  # other inputs: a new table
        cached_network_pairs(path, UTM, zone_xy, site_xy, 900.0, 300.0, cache)


def test_far_points_warned(tmp_path):
    path = grid_network(tmp_path / "grid.gpkg")
    nodes, ei, ej, ew = read_network(path, UTM)
    zone_xy = np.array([[500_000.0, 3_351_000.0]])  # 500 m north of the grid
    site_xy = np.array([[500_000.0, 3_350_000.0]])
    _, _, _, warns = network_pairs(nodes, ei, ej, ew, zone_xy, site_xy, 5000, 300,
                                   labels=(["Z9"], ["S1"]))
    assert warns and "Z9" in warns[0]


@pytest.mark.requires_highs
def test_river_changes_the_plan(tmp_path):
    """The demo on its street network serves fewer people than straight lines promise, and the
    report counts the pairs the straight line gets wrong."""
    from siting.config import load_scenario
    from siting.run import plan_scenario

    shutil.copy(ROOT / "data" / "demo" / "streets.gpkg", tmp_path / "streets.gpkg")
    over = {"solver": {"mip_rel_gap": 0.01}, "model": {"budget": 20_000_000}}
    straight = plan_scenario(load_scenario(ROOT / "scenarios" / "base.yaml", over))
    net = plan_scenario(load_scenario(ROOT / "scenarios" / "network.yaml", {
        **over, "distance": {"network": str(tmp_path / "streets.gpkg"),
                             "cache_dir": str(tmp_path / "cache")}}))
    cmp = net.summary["distance"]["straight_vs_network"]
    assert cmp["500"]["straight_only"] > 0
    assert net.summary["distance"]["method"] == "network"
    assert set(net.sites["space_id"]) != set(straight.sites["space_id"])
    from siting.compare import comparison_row

    row = comparison_row(net.summary, net.sites)
    assert row["straight_only_pairs_500m"] == cmp["500"]["straight_only"]
    assert row["distance_method"] == "network"
    pairs = pd.MultiIndex.from_frame(net.assignments[["zone_id", "site_id"]])
    reach = pd.MultiIndex.from_frame(net.data.reach[["zone_id", "site_id"]])
    assert pairs.isin(reach).all()
    # the verifier recomputes walking distances, and households within walking circles, on
    # the network with its own code (networkx)
    import json

    from siting.report import write_plan
    from siting.verify import verify_plan

    out = write_plan(net, tmp_path / "plan", "zh", make_map=False, report=False)
    assert verify_plan(out) == []
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    s["households_within_m"]["500"] += 1000.0
    (out / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")
    assert [v.where for v in verify_plan(out)] == ["summary.json households_within_m.500"]


OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
 <node id="1" lat="30.0000" lon="120.0000"/>
 <node id="2" lat="30.0000" lon="120.0010"/>
 <node id="3" lat="30.0010" lon="120.0010"/>
 <node id="4" lat="30.0010" lon="120.0000"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
 <way id="11"><nd ref="1"/><nd ref="3"/><tag k="highway" v="motorway"/></way>
 <way id="12"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/><tag k="foot" v="no"/></way>
</osm>
"""


def test_openstreetmap_and_graphml_readers(tmp_path):
    pytest.importorskip("osmium")
    (tmp_path / "t.osm").write_text(OSM, encoding="utf-8")
    nodes, ei, ej, ew = read_network(tmp_path / "t.osm", UTM)
    assert len(ei) == 2  # the motorway and the foot=no way are dropped
    assert sorted(np.round(ew, 0)) == pytest.approx([96.0, 111.0], abs=1.5)  # ~0.001 deg
    g = nx.Graph()
    g.add_node("a", x=120.0, y=30.0)
    g.add_node("b", x=120.001, y=30.0)
    g.add_edge("a", "b", length=97.0)
    nx.write_graphml(g, tmp_path / "t.graphml")
    nodes, ei, ej, ew = read_network(tmp_path / "t.graphml", UTM)
    assert list(ew) == [97.0] and len(nodes) == 2


def test_parallel_edges_keep_the_shortest():
    nodes = np.array([[0.0, 0.0], [100.0, 0.0]])
    one = network_pairs(nodes, np.array([0]), np.array([1]), np.array([100.0]),
                        nodes[:1], nodes[1:], 1000)
    both = network_pairs(nodes, np.array([0, 1, 0]), np.array([1, 0, 1]),
                         np.array([100.0, 100.0, 150.0]), nodes[:1], nodes[1:], 1000)
    assert list(one[2]) == [100.0] and list(both[2]) == [100.0]
