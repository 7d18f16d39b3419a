"""Generate the demo district's walking network: a street grid with real-world obstacles.

    python data/demo/make_streets.py [--seed 20231119]     # writes data/demo/streets.gpkg

Synthetic, seeded. Around the communities of ``zones.csv`` it lays an irregular street grid
(blocks of about 120-220 m), then adds what makes walking distance differ from the straight
line: a river crossing the district east-west with two bridges, a railway north-south with
two crossings, and gated compounds whose inner streets are closed to through walking. Line
features carry ``highway`` (residential / footway / bridge) and ``walkable`` (true/false; the
railway is written but not walkable). CRS EPSG:4326.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from shapely.geometry import LineString

HERE = Path(__file__).resolve().parent
DEFAULT_SEED = 20231119


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=HERE / "streets.gpkg")
    args = ap.parse_args(argv)
    rng = np.random.default_rng([args.seed, 2])
    z = pd.read_csv(HERE / "zones.csv", encoding="utf-8-sig")
    utm = CRS.from_epsg(32651)  # UTM 51N covers Hangzhou
    fwd = Transformer.from_crs(4326, utm, always_xy=True)
    x, y = fwd.transform(z["lon"].to_numpy(), z["lat"].to_numpy())
    x0, x1, y0, y1 = x.min() - 300, x.max() + 300, y.min() - 300, y.max() + 300
    xs = np.cumsum(np.r_[x0, rng.uniform(120, 220, 60)])
    ys = np.cumsum(np.r_[y0, rng.uniform(120, 220, 60)])
    xs, ys = xs[xs <= x1 + 150], ys[ys <= y1 + 150]
    # obstacles
    river_y = y0 + 0.55 * (y1 - y0)          # river between two grid rows
    rail_x = x0 + 0.35 * (x1 - x0)           # railway between two grid columns
    bridges = set(rng.choice(len(xs), size=2, replace=False).tolist())
    crossings = set(rng.choice(len(ys), size=2, replace=False).tolist())
    gated = {(int(i), int(j)) for i, j in zip(rng.integers(0, len(xs) - 1, 25),
                                             rng.integers(0, len(ys) - 1, 25))}
    rows = []

    def add(a, b, highway, walkable=True):
        rows.append({"highway": highway, "walkable": walkable, "geometry": LineString([a, b])})

    for i, xv in enumerate(xs):                      # north-south streets
        for j in range(len(ys) - 1):
            a, b = (xv, ys[j]), (xv, ys[j + 1])
            if ys[j] < river_y < ys[j + 1]:
                if i in bridges:
                    add(a, b, "bridge")
                continue
            if (i, j) in gated and (i - 1, j) in gated:
                continue                             # inside a gated compound
            add(a, b, "residential")
    for j, yv in enumerate(ys):                      # east-west streets
        for i in range(len(xs) - 1):
            a, b = (xs[i], yv), (xs[i + 1], yv)
            if xs[i] < rail_x < xs[i + 1] and j not in crossings:
                continue
            if (i, j) in gated and (i, j - 1) in gated:
                continue
            add(a, b, "footway" if (i, j) in gated else "residential")
    add((rail_x, y0), (rail_x, y1), "rail", walkable=False)
    gdf = gpd.GeoDataFrame(rows, crs=utm).to_crs(4326)
    tmp = args.out.with_suffix(".tmp.gpkg")
    if tmp.exists():
        tmp.unlink()
    gdf.to_file(tmp, driver="GPKG", layer="streets")
    os.replace(tmp, args.out)
    print(f"{args.out}: {len(gdf)} line segments ({(~gdf['walkable']).sum()} not walkable), "
          f"river at y={river_y - y0:.0f} m with {len(bridges)} bridges, railway at "
          f"x={rail_x - x0:.0f} m with {len(crossings)} crossings, {len(gated)} gated blocks")


if __name__ == "__main__":
    main()
