"""Coordinate systems of input locations, and conversion to WGS-84 (the internal system).

Most Chinese planners' points come from online maps in a shifted system:

* ``gcj02`` — GCJ-02 (国测局坐标, "Mars coordinates"): Amap (高德), Tencent (腾讯) and Apple
  maps in China; offset from WGS-84 by a few hundred metres, varying smoothly.
* ``bd09`` — BD-09 (百度坐标): Baidu maps; GCJ-02 with a further offset.
* ``wgs84`` — GPS, OpenStreetMap, the street network; ``cgcs2000`` (the national geographic
  system, EPSG:4490) differs from WGS-84 by centimetres and is taken as it is.
* ``EPSG:<code>`` — projected ``x``/``y`` columns (x = easting 东坐标, y = northing 北坐标),
  e.g. the CGCS2000 3-degree Gauss–Krüger zones EPSG:4534-4554 (central meridians 75°-135° E)
  or 6-degree zones EPSG:4502-4512; converted with pyproj.

The GCJ-02 offset is the widely published algorithm (Krasovsky ellipsoid, a = 6378245 m,
e² = 0.00669342162296594323; applied only inside China's rough bounding box); BD-09 is the
published rotation and scaling of GCJ-02. No closed inverse exists: :func:`gcj02_to_wgs84` and
:func:`bd09_to_gcj02` invert the forward formulas by fixed-point iteration to < 1e-9 degrees
(about 0.1 mm), so a round trip returns the input. Everything is vectorised numpy.
"""

from __future__ import annotations

import re

import numpy as np

GEOGRAPHIC = ("wgs84", "cgcs2000", "gcj02", "bd09")
"""Geographic (lon/lat) systems accepted by ``data.coordinates``."""
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def parse_system(text: str) -> str:
    """Canonical name of a coordinate system (``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or
    ``EPSG:<code>``); raise ValueError for anything else."""
    s = str(text).strip().lower().replace("-", "").replace("_", "")
    names = {"wgs84": "wgs84", "gps": "wgs84", "epsg4326": "wgs84", "cgcs2000": "cgcs2000",
             "epsg4490": "cgcs2000", "gcj02": "gcj02", "gcj": "gcj02", "amap": "gcj02",
             "gaode": "gcj02", "高德": "gcj02", "火星坐标": "gcj02", "bd09": "bd09",
             "baidu": "bd09", "百度": "bd09", "bd09ll": "bd09"}
    if s in names:
        return names[s]
    m = re.fullmatch(r"epsg:?(\d{4,6})", s)
    if m:
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            CRS.from_epsg(int(m.group(1)))
        except CRSError:
            raise ValueError(f"unknown EPSG code {m.group(1)}") from None
        return f"EPSG:{m.group(1)}"
    raise ValueError(f"unknown coordinate system {text!r}; use wgs84, gcj02 (Amap, Tencent), "
                     "bd09 (Baidu), cgcs2000 or EPSG:<code> for projected x/y columns")


def is_projected(system: str) -> bool:
    """True for an ``EPSG:<code>`` of a projected CRS (x/y columns in metres)."""
    if not system.startswith("EPSG:"):
        return False
    from pyproj import CRS

    return not CRS.from_user_input(system).is_geographic


def out_of_china(lon, lat) -> np.ndarray:
    """The published rough bounding box outside which GCJ-02 applies no offset."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _dlat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    r += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return r


def _dlon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    r += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 -> GCJ-02 (no offset outside China)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    dlat = _dlat(lon - 105.0, lat - 35.0)
    dlon = _dlon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sq) * np.pi)
    dlon = (dlon * 180.0) / (_A / sq * np.cos(rad) * np.pi)
    out = out_of_china(lon, lat)
    return np.where(out, lon, lon + dlon), np.where(out, lat, lat + dlat)


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> BD-09."""
    x, y = np.asarray(lon, float), np.asarray(lat, float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon, lat):
    x, y = np.asarray(lon, float) - 0.0065, np.asarray(lat, float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(forward, lon, lat, start):
    """Solve forward(p) = (lon, lat) for p by fixed-point iteration from ``start``."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    x, y = start
    for _ in range(30):
        fx, fy = forward(x, y)
        ex, ey = fx - lon, fy - lat
        x, y = x - ex, y - ey
        if np.all(np.abs(ex) < 1e-10) and np.all(np.abs(ey) < 1e-10):
            break
    return np.asarray(x, float), np.asarray(y, float)


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> WGS-84 (iterative inverse of :func:`wgs84_to_gcj02`)."""
    return _invert(wgs84_to_gcj02, lon, lat, (np.asarray(lon, float), np.asarray(lat, float)))


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 -> GCJ-02 (the published approximate inverse, refined by iteration)."""
    return _invert(gcj02_to_bd09, lon, lat, _bd09_to_gcj02_approx(lon, lat))


def to_wgs84(a, b, system: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinates given in ``system`` (lon/lat, or x/y for a projected EPSG code) to
    WGS-84 lon/lat."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if system in ("wgs84", "cgcs2000"):
        return a, b
    if system == "gcj02":
        return gcj02_to_wgs84(a, b)
    if system == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(a, b))
    from pyproj import Transformer

    tr = Transformer.from_crs(system, 4326, always_xy=True)
    x, y = tr.transform(a, b)
    return np.asarray(x), np.asarray(y)


def from_wgs84(lon, lat, system: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS-84 lon/lat to ``system`` (the inverse of :func:`to_wgs84`)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    if system in ("wgs84", "cgcs2000"):
        return lon, lat
    if system == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if system == "bd09":
        return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    from pyproj import Transformer

    tr = Transformer.from_crs(4326, system, always_xy=True)
    x, y = tr.transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def output_columns(system: str) -> tuple[str, str] | None:
    """Names of the extra columns that carry a location in the input's own system
    (``lon_gcj02``/``lat_gcj02``, ``x_epsg4547``/``y_epsg4547``), or None for WGS-84."""
    if system in ("wgs84",):
        return None
    if system.startswith("EPSG:"):
        code = system.split(":")[1]
        return (f"x_epsg{code}", f"y_epsg{code}") if is_projected(system) else \
            (f"lon_epsg{code}", f"lat_epsg{code}")
    return f"lon_{system}", f"lat_{system}"


def add_input_columns(df, system: str, lon: str = "lon", lat: str = "lat"):
    """``df`` with the input system's coordinates appended after the WGS-84 ``lon``/``lat``
    (unchanged for WGS-84 input). Used for sites.csv, zones.csv and the GIS layers, so a plan
    lays over the Amap or Baidu map its points came from."""
    cols = output_columns(system)
    if cols is None or lon not in df.columns:
        return df
    df = df.copy()
    a, b = from_wgs84(df[lon].astype(float).to_numpy(), df[lat].astype(float).to_numpy(),
                      system)
    nd = 2 if system.startswith("EPSG:") and is_projected(system) else 7
    df[cols[0]], df[cols[1]] = np.round(a, nd), np.round(b, nd)
    return df


def metres_between(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres (haversine on a 6,371,008.8 m sphere)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371008.8 * np.arcsin(np.sqrt(h))
