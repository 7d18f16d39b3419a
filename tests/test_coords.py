"""Coordinate systems: GCJ-02 / BD-09 against published reference points, round trips, projected
x/y columns, the same city in three systems giving the same plan, and the wrong-system check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting import coordcheck, coords, geo
from siting.config import load_scenario
from siting.data import load_inputs
from siting.exceptions import DataError

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
TABLES = ("zones", "spaces", "existing")
OFF = ("respite_beds", "day_care", "health_station", "fitness", "culture", "children_play",
       "housekeeping", "employment")
"""Functions switched off in the plan comparisons (childcare and meals keep them quick)."""

# Published reference values (wandergis/coordtransform, test/app.js, MIT licence), all for the
# input point (116.404, 39.915) near Tian'anmen, Beijing.
REF_IN = (116.404, 39.915)
REF = {
    "wgs84_to_gcj02": (116.41024449916938, 39.91640428150164),
    "gcj02_to_bd09": (116.41036949371029, 39.92133699351021),
    "bd09_to_gcj02": (116.39762729119315, 39.90865673957631),
    "gcj02_to_wgs84": (116.39775550083061, 39.91359571849836),
}


@pytest.mark.parametrize("name", list(REF))
def test_reference_points_within_one_metre(name):
    lon, lat = getattr(coords, name)(*REF_IN)
    assert coords.metres_between(lon, lat, *REF[name]) < 1.0
    # the forward formulas are exact; the library's inverses are one-step approximations
    if name in ("wgs84_to_gcj02", "gcj02_to_bd09"):
        assert abs(lon - REF[name][0]) < 1e-9 and abs(lat - REF[name][1]) < 1e-9


def test_round_trips_and_systems():
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(74, 134, 2000), rng.uniform(18, 53, 2000)
    for system in ("gcj02", "bd09", "cgcs2000"):
        back = coords.to_wgs84(*coords.from_wgs84(lon, lat, system), system)
        assert coords.metres_between(*back, lon, lat).max() < 1e-3
    # the offset is a few hundred metres inside China, none outside
    shift = coords.metres_between(*coords.wgs84_to_gcj02(120.17, 30.27), 120.17, 30.27)
    assert 100 < shift < 1000
    assert coords.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    # CGCS2000 3-degree Gauss-Krueger zone CM 120 E (EPSG:4549) round trip
    x, y = coords.from_wgs84(120.17, 30.27, "EPSG:4549")
    assert 400_000 < x < 600_000 and 3_000_000 < y < 3_500_000
    assert coords.metres_between(*coords.to_wgs84(x, y, "EPSG:4549"), 120.17, 30.27) < 1e-3
    assert coords.parse_system("GCJ-02") == "gcj02" and coords.parse_system("百度") == "bd09"
    with pytest.raises(ValueError, match="unknown coordinate system"):
        coords.parse_system("mars")


def _demo(t: str, quadrant: bool = False) -> pd.DataFrame:
    df = pd.read_csv(DEMO / f"{t}.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    if quadrant:  # the south-west quarter of the district: a small city that solves fast
        lon, lat = df["lon"].astype(float), df["lat"].astype(float)
        df = df[(lon < 120.165) & (lat < 30.272)]
    return df


def _write_city(folder: Path, system: str, quadrant: bool = False) -> dict:
    """The demo's zones, spaces and existing facilities with locations in ``system``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = {}
    for t in TABLES:
        df = _demo(t, quadrant)
        a, b = coords.from_wgs84(df["lon"].astype(float), df["lat"].astype(float), system)
        if system.startswith("EPSG:"):
            df = df.drop(columns=["lon", "lat"]).assign(x=np.round(a, 3), y=np.round(b, 3))
        elif system != "wgs84":
            df["lon"], df["lat"] = np.round(a, 9), np.round(b, 9)
        df.to_csv(folder / f"{t}.csv", index=False, encoding="utf-8-sig")
        data[t] = str(folder / f"{t}.csv")
    return data


def test_loaded_in_every_system_equals_wgs84(tmp_path):
    ref = load_inputs(load_scenario({"data": {t: str(DEMO / f"{t}.csv") for t in TABLES}}))
    for system in ("gcj02", "bd09", "EPSG:4549"):
        data = _write_city(tmp_path / system.replace(":", ""), system)
        inp = load_inputs(load_scenario({"data": {**data, "coordinates": system}}))
        for t in TABLES:
            d = coords.metres_between(getattr(inp, t)["lon"], getattr(inp, t)["lat"],
                                      getattr(ref, t)["lon"], getattr(ref, t)["lat"])
            assert d.max() < 0.01, (system, t)
        assert inp.coordinates == dict.fromkeys(TABLES, system)
    # per-file systems: spaces from Amap, facilities from Baidu, zones in WGS-84
    mixed = {"zones": str(DEMO / "zones.csv"),
             "spaces": {"path": str(tmp_path / "gcj02" / "spaces.csv"), "coordinates": "gcj02"},
             "existing": {"path": str(tmp_path / "bd09" / "existing.csv"),
                          "coordinates": "bd09"}}
    inp = load_inputs(load_scenario({"data": mixed}))
    assert coords.metres_between(inp.spaces["lon"], inp.spaces["lat"], ref.spaces["lon"],
                                 ref.spaces["lat"]).max() < 0.01
    assert inp.coordinates == {"zones": "wgs84", "spaces": "gcj02", "existing": "bd09"}


def test_swapped_projected_columns_are_named(tmp_path):
    data = _write_city(tmp_path / "gk", "EPSG:4549")
    z = pd.read_csv(data["zones"], encoding="utf-8-sig", dtype=str)
    z = z.rename(columns={"x": "y", "y": "x"})
    z.to_csv(data["zones"], index=False, encoding="utf-8-sig")
    with pytest.raises(DataError) as exc:
        load_inputs(load_scenario({"data": {**data, "coordinates": "EPSG:4549"}}))
    assert "x looks like a northing" in str(exc.value)


@pytest.mark.requires_highs
def test_same_city_in_gcj02_and_bd09_gives_the_wgs84_plan(tmp_path):
    """On straight-line and on street-network distances; a quarter of the demo district."""
    from siting.exports import write_plan  # the data files (CSV, GeoPackage)
    from siting.problem import prepare
    from siting.run import plan_problem

    def scenario(data: dict, system: str, method: str):
        return load_scenario({"name": system, "data": {**data, "coordinates": system},
                              "model": {"budget": 3_000_000},
                              "functions": {f: {"enabled": False} for f in OFF},
                              "distance": {"method": method,
                                           "network": str(DEMO / "streets.gpkg"),
                                           "cache_dir": str(tmp_path / "cache")},
                              "solver": {"mip_rel_gap": 1e-3, "time_limit_s": 60}})

    base = {}
    for system in ("wgs84", "gcj02", "bd09"):
        data = _write_city(tmp_path / system, system, quadrant=True)
        inputs = load_inputs(scenario(data, system, "straight"))
        for method in ("straight", "network"):
            s = scenario(data, system, method)
            prepared = prepare(inputs, s)
            plan = plan_problem(prepared, s)
            if system == "wgs84":
                base[method] = (prepared, plan)
                assert len(plan.sites) > 0
                if method == "network":  # demo points lie anywhere in a block: no warning
                    chk = plan.summary["coordinates"]["check"]
                    assert not any("better" in c for c in chk.values()), chk
                continue
            ref_data, ref = base[method]
            # the same walking distances (to a millimetre), so the same plan
            assert np.abs(prepared.pairs["distance_m"] - ref_data.pairs["distance_m"]).max() \
                < 1e-3
            cols = [c for c in ref.sites.columns if c not in ("lon", "lat")]
            pd.testing.assert_frame_equal(plan.sites[cols], ref.sites[cols])
            assert plan.summary["objective"] == pytest.approx(ref.summary["objective"],
                                                              rel=1e-9)
            pd.testing.assert_frame_equal(plan.assignments, ref.assignments, atol=1e-3)
            assert np.allclose(plan.sites["lon"], ref.sites["lon"], atol=1e-7)
            # outputs carry the input system's coordinates as well as WGS-84
            assert plan.summary["coordinates"]["input"]["spaces"] == system
            src = pd.read_csv(tmp_path / system / "spaces.csv", encoding="utf-8-sig")
            src = src.set_index("space_id").loc[plan.sites["space_id"]]
            assert np.allclose(plan.sites[f"lon_{system}"], src["lon"], atol=1e-6)
            assert np.allclose(plan.sites[f"lat_{system}"], src["lat"], atol=1e-6)
            if method == "network":
                chk = plan.summary["coordinates"]["check"]["spaces"]
                assert chk["declared"] == system and "better" not in chk
    out = write_plan(plan, tmp_path / "out")
    zones = pd.read_csv(out / "zones.csv", encoding="utf-8-sig")
    assert {"lon_bd09", "lat_bd09"} <= set(zones.columns)
    import geopandas as gpd

    layer = gpd.read_file(out / "plan.gpkg", layer="sites")
    assert {"lon_bd09", "lat_bd09"} <= set(layer.columns)


def _street_city(seed: int = 1):
    """An irregular street grid near Hangzhou (UTM metres) and points close to its streets."""
    rng = np.random.default_rng(seed)
    crs = geo.local_utm_crs(np.array([120.17]), np.array([30.27]))
    x0, y0 = geo.project(np.array([120.17]), np.array([30.27]), crs)
    xs = x0[0] + np.cumsum(rng.uniform(60, 190, 25)) - 1500
    ys = y0[0] + np.cumsum(rng.uniform(60, 190, 25)) - 1500
    segs = [(x, ys[i], x, ys[i + 1]) for x in xs for i in range(len(ys) - 1)]
    segs += [(xs[i], y, xs[i + 1], y) for y in ys for i in range(len(xs) - 1)]
    segs = np.array(segs)
    pick = segs[rng.integers(0, len(segs), 80)]
    t = rng.uniform(0, 1, (80, 1))
    pts = pick[:, :2] + t * (pick[:, 2:] - pick[:, :2]) + rng.normal(0, 4, (80, 2))
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(pts[:, 0], pts[:, 1])
    return segs, crs, np.asarray(lon), np.asarray(lat)


def test_wrong_system_is_detected_by_median_street_distance():
    segs, crs, lon, lat = _street_city()
    # right system: no warning
    report, warns = coordcheck.check(segs, crs, {"spaces": (lon, lat, "wgs84")})
    assert not warns and report["spaces"]["median_street_distance_m"]["wgs84"] < 6
    # Amap points read as WGS-84: every point still snaps within a block of some street,
    # but the medians tell
    g_lon, g_lat = coords.wgs84_to_gcj02(lon, lat)
    x, y = geo.project(g_lon, g_lat, crs)
    assert (coordcheck.street_distance(segs, x, y) < 300).mean() > 0.9
    report, warns = coordcheck.check(segs, crs, {"spaces": (g_lon, g_lat, "wgs84")})
    assert report["spaces"]["better"] == "gcj02"
    assert len(warns) == 1 and "read as gcj02" in warns[0] and "Amap" in warns[0]
    # declared right after conversion on load: quiet again
    w_lon, w_lat = coords.to_wgs84(g_lon, g_lat, "gcj02")
    assert not coordcheck.check(segs, crs, {"spaces": (w_lon, w_lat, "gcj02")})[1]
    # Baidu points read as GCJ-02
    b_lon, b_lat = coords.gcj02_to_bd09(g_lon, g_lat)
    w_lon, w_lat = coords.to_wgs84(b_lon, b_lat, "gcj02")
    report, warns = coordcheck.check(segs, crs, {"spaces": (w_lon, w_lat, "gcj02")})
    assert report["spaces"]["better"] == "bd09" and "Baidu" in warns[0]


def test_vector_layers_in_any_system(tmp_path):
    """A GeoPackage's own CRS is used; GCJ-02 points labelled EPSG:4326 (as Amap-digitised
    layers usually are) are converted when the table says gcj02."""
    import geopandas as gpd

    ref = load_inputs(load_scenario({"data": {t: str(DEMO / f"{t}.csv") for t in TABLES}}))
    sp = _demo("spaces")
    lon, lat = sp["lon"].astype(float), sp["lat"].astype(float)
    gcj = gpd.GeoDataFrame(sp.drop(columns=["lon", "lat"]), crs=4326,
                           geometry=gpd.points_from_xy(*coords.wgs84_to_gcj02(lon, lat)))
    gcj.to_file(tmp_path / "gcj.gpkg", driver="GPKG")
    gk = gpd.GeoDataFrame(sp.drop(columns=["lon", "lat"]), crs=4326,
                          geometry=gpd.points_from_xy(lon, lat)).to_crs(4549)
    gk.to_file(tmp_path / "gk.gpkg", driver="GPKG")
    for path, system in ((tmp_path / "gcj.gpkg", "gcj02"), (tmp_path / "gk.gpkg", "EPSG:4549")):
        data = {t: str(DEMO / f"{t}.csv") for t in TABLES}
        data["spaces"] = {"path": str(path), "coordinates": system}
        inp = load_inputs(load_scenario({"data": data}))
        d = coords.metres_between(inp.spaces["lon"], inp.spaces["lat"], ref.spaces["lon"],
                                  ref.spaces["lat"])
        assert d.max() < 0.01, system
