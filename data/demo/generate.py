#!/usr/bin/env python3
"""Generate the synthetic demo district for ``siting``.

A fictional old-town district placed in Hangzhou (about 4.5 km x 4 km, six streets) with
110 communities (``zones.csv``), 75 candidate spaces (``spaces.csv``) and 12 existing
facilities (``existing.csv``). Every draw comes from one ``numpy.random.Generator`` seeded
from the command line, so the same seed gives byte-identical files. The ranges and their
sources are listed in ``README.md`` next to this file.

Usage: ``python data/demo/generate.py [--seed 20231119] [--out DIR]``
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

DEFAULT_SEED = 20231119
CENTRE_LON, CENTRE_LAT = 120.165, 30.275
HALF_X, HALF_Y = 2250.0, 2000.0  # half extents in metres: 4.5 km east-west, 4 km north-south
M_PER_DEG_LAT = 110_850.0  # local equirectangular approximation; error < 0.1 % over 4 km
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(CENTRE_LAT))
STREETS = (("湖滨街道", "长庆街道", "小营街道"), ("清波街道", "紫阳街道", "望江街道"))  # N, S; W->E
DISTRICTS = ("北城区", "南城区")  # the north and south row of streets (fictional district names)
DISTRICT_OF = {st: d for d, row in zip(DISTRICTS, STREETS) for st in row}
OLD_CORES = ((-1450, 900), (-150, 1100), (1150, 800), (-1300, -800), (150, -750), (-600, 50))  # m
CORE_SIGMA = 380.0  # spread of the communities of one dense old estate, metres
ROADS = ("解放路", "庆春路", "中山中路", "延安路", "定安路", "平海路", "开元路", "河坊街", "望江路",
         "清泰街", "江城路", "建国南路", "凤起路", "南山路", "惠民路", "青年路", "岳王路", "劳动路")
FIRST = "柳吴清望紫湖金银凤梅桂荷竹松泗华东西南新青白云平安定惠春双龙仁义通福"
SECOND_OLD, SECOND_NEW = "山波塘桥坊巷井河里门亭", "苑园湾洲林港景庭"  # old estates / newer estates
# Space names: "kind/ownership" or kind -> (template, choices for {p}, space-separated). {zone} is
# the nearest community without 社区, {short} the street without 街道, {road} {no} a road address.
NAMES: dict[str, tuple[str, str]] = {
    "community_room": ("{zone}社区{p}", "活动室 服务用房 老年活动室 党群服务中心 居民议事厅 "
                                         "架空层用房"),
    "shop_front": ("{road}{no}号沿街商铺", "-"),
    "office/state": ("{short}{p}", "街道闲置办公楼 城管中队原办公楼 市场监管所原办公楼 "
                                    "司法所原办公楼"),
    "office/private": ("{road}{no}号写字楼{p}层", "二 三 四 五 六"),
    "idle_factory": ("原{p}厂房", "杭丝联 红星丝织厂 东风机械厂 华丰印刷厂 胜利电器厂 光明食品厂 "
                                  "钱江服装厂 江南纺织厂 前进仪表厂 西湖搪瓷厂"),
    "warehouse": ("{road}原{p}仓库", "粮食局 物资局 供销社 百货公司 医药公司 五金交电公司"),
    "school": ("原{zone}{p}校舍", "小学 中学 职业学校"),
    "state_building": ("原{short}{p}用房", "派出所 房管所 工商所 税务所 粮管所 邮电所 卫生院 "
                                            "文化站"),
    "collective_building": ("{zone}{p}", "股份经济合作社用房 社区集体经济用房 经济合作社综合楼"),
    "vacant_parcel": ("{road}{no}号地块", "-"),
}


class KindSpec(NamedTuple):
    """How many spaces of one kind to draw, their area range, ownership mix and placement."""

    kind: str
    count: int
    area_m2: tuple[float, float]
    ownership: dict[str, float]
    placement: str  # "dense": beside a populous old community; "edge": near the rim; "any"


ANY_OWNER = {"state": 0.4, "collective": 0.3, "private": 0.3}
SPACE_KINDS = (
    KindSpec("community_room", 18, (150, 700), {"state": 0.6, "collective": 0.4}, "dense"),
    KindSpec("shop_front", 10, (80, 450), {"private": 0.7, "collective": 0.3}, "dense"),
    KindSpec("office", 8, (300, 2000), {"state": 0.5, "private": 0.5}, "any"),
    KindSpec("idle_factory", 7, (1000, 5000), ANY_OWNER, "edge"),
    KindSpec("warehouse", 6, (800, 3000), ANY_OWNER, "edge"),
    KindSpec("school", 4, (800, 2500), {"state": 1.0}, "any"),
    KindSpec("state_building", 10, (300, 2500), {"state": 1.0}, "any"),
    KindSpec("collective_building", 5, (300, 1500), {"collective": 1.0}, "any"),
    KindSpec("vacant_parcel", 7, (1000, 6000), {"state": 0.7, "private": 0.2, "collective": 0.1},
             "edge"),
)
# function, count, zone column weighting where it sits, name suffix, capacity draw (units)
EXISTING = (
    ("childcare", 3, "pop_0_3", "社区托育园", lambda r: 5 * int(r.integers(4, 13))),  # slots
    ("day_care", 4, "pop_60_plus", "社区日间照料中心", lambda r: int(r.integers(15, 41))),  # places
    ("meal_point", 3, "pop_60_plus", "社区助餐点", lambda r: 10 * int(r.integers(3, 9))),  # seats
    ("health_station", 2, "population", "社区卫生服务站", lambda r: 1),  # stations
)


def street_of(x: float, y: float) -> str:
    """Return the street holding local point (x, y); boundaries wobble to avoid a plain grid."""
    col = int(np.searchsorted([-750 + 150 * math.sin(y / 600), 750 + 150 * math.sin(y / 450)], x))
    return STREETS[0 if y > 120 * math.sin(x / 700) else 1][col]


def coreness(x: float, y: float) -> float:
    """Return 1 at the centre of an old estate, falling towards 0 away from every old estate."""
    d = min(math.hypot(x - cx, y - cy) for cx, cy in OLD_CORES)
    return math.exp(-(d**2) / (2 * 600.0**2))


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    """Convert local metres to WGS84 lon/lat rounded to 6 decimals (about 0.1 m)."""
    return round(CENTRE_LON + x / M_PER_DEG_LON, 6), round(CENTRE_LAT + y / M_PER_DEG_LAT, 6)


def inside(x: float, y: float) -> bool:
    """Tell whether (x, y) lies in the district, keeping 3 % clear of the rim."""
    return abs(x) <= 0.97 * HALF_X and abs(y) <= 0.97 * HALF_Y


def edge_point(rng: np.random.Generator) -> tuple[float, float]:
    """Draw a uniform point thinned towards the centre, so points crowd near the rim."""
    while True:
        x, y = rng.uniform(-HALF_X, HALF_X), rng.uniform(-HALF_Y, HALF_Y)
        if inside(x, y) and rng.random() < max(abs(x) / HALF_X, abs(y) / HALF_Y) ** 2:
            return float(x), float(y)


def pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    """Draw one element of ``options`` uniformly."""
    return options[int(rng.integers(len(options)))]


def draw_name(rng: np.random.Generator, template: str, choices: Sequence[str],
              **fields: str) -> str:
    """Fill ``template``: {p} from ``choices``, a random {road} and {no}, plus ``fields``."""
    return template.format(p=pick(rng, choices), road=pick(rng, ROADS),
                           no=int(rng.integers(1, 300)), **fields)


def unique(make: Callable[[], str], used: set[str]) -> str:
    """Call ``make`` until it returns a name not in ``used``; record and return it."""
    for _ in range(1000):
        if (name := make()) not in used:
            used.add(name)
            return name
    raise RuntimeError("name pool exhausted")


def make_zones(rng: np.random.Generator, n: int = 110, old_share: float = 0.7) -> pd.DataFrame:
    """Draw communities: ~70 % packed around the old estates, the rest newer estates at the rim.

    Household counts depend on the estate type; household size and the 0-3 and 60+ shares follow
    ``coreness`` (small, older households in the old core; young families at the rim). The hidden
    columns ``_x``, ``_y`` (local metres) and ``_c`` (coreness) serve the other tables.
    """
    pts: list[tuple[float, float, bool]] = []
    for _ in range(500 * n):
        if len(pts) == n:
            break
        old = bool(rng.random() < old_share)
        if old:
            cx, cy = OLD_CORES[int(rng.integers(len(OLD_CORES)))]
            x, y = float(rng.normal(cx, CORE_SIGMA)), float(rng.normal(cy, CORE_SIGMA))
        else:
            x, y = edge_point(rng)
        if inside(x, y) and all(math.hypot(x - px, y - py) >= 190.0 for px, py, _ in pts):
            pts.append((x, y, old))
    if len(pts) < n:
        raise RuntimeError(f"placed only {len(pts)} of {n} communities")
    stems = {old: tuple(a + b for a in FIRST for b in ends)
             for old, ends in ((True, SECOND_OLD), (False, SECOND_NEW))}
    used: set[str] = set()
    rows = []
    for i, (x, y, old) in enumerate(pts, start=1):
        c = coreness(x, y)
        hh = rng.lognormal(math.log(2600), 0.22) if old else rng.lognormal(math.log(2300), 0.35)
        households = int(np.clip(round(hh), 800, 4500))
        hh_size = float(np.clip(2.3 + 0.6 * (1 - c) + rng.normal(0, 0.05), 2.3, 2.9))
        share_60 = float(np.clip(0.18 + 0.16 * c + rng.normal(0, 0.015), 0.18, 0.35))
        share_03 = float(np.clip(0.0165 + 0.012 * (1 - c) + rng.normal(0, 0.0018), 0.015, 0.030))
        population = round(households * hh_size)
        name = unique(partial(draw_name, rng, "{p}社区", stems[old]), used)
        lon, lat = to_lonlat(x, y)
        rows.append({"zone_id": f"Z{i:03d}", "name": name, "street": street_of(x, y),
                     "households": households, "population": population,
                     "pop_0_3": round(population * share_03),
                     "pop_60_plus": round(population * share_60),
                     "lon": lon, "lat": lat, "_x": x, "_y": y, "_c": c})
    return pd.DataFrame(rows)


def place_space(rng: np.random.Generator, placement: str, zones: pd.DataFrame) -> tuple[
        float, float]:
    """Draw local coordinates for a space according to its placement rule."""
    if placement == "edge":
        return edge_point(rng)
    dense = placement == "dense"
    weight = zones["population"] * (0.2 + zones["_c"]) if dense else zones["population"]
    p, sigma = (weight / weight.sum()).to_numpy(), 70.0 if dense else 250.0
    while True:
        z = zones.iloc[int(rng.choice(len(zones), p=p))]
        x, y = float(z["_x"] + rng.normal(0, sigma)), float(z["_y"] + rng.normal(0, sigma))
        if inside(x, y) and (not dense or street_of(x, y) == z["street"]):
            return x, y


def make_spaces(rng: np.random.Generator, zones: pd.DataFrame) -> pd.DataFrame:
    """Draw candidate spaces kind by kind; areas are log-uniform within each kind's range."""
    used: set[str] = set()
    rows = []
    for spec in SPACE_KINDS:
        owners, probs = list(spec.ownership), list(spec.ownership.values())
        for _ in range(spec.count):
            x, y = place_space(rng, spec.placement, zones)
            street = street_of(x, y)
            near = int(np.argmin(np.hypot(zones["_x"] - x, zones["_y"] - y)))
            zone = zones["name"].iloc[near].removesuffix("社区")
            ownership = owners[int(rng.choice(len(owners), p=probs))]
            area = round(math.exp(rng.uniform(*np.log(spec.area_m2))))
            template, choices = NAMES.get(f"{spec.kind}/{ownership}") or NAMES[spec.kind]
            name = unique(partial(draw_name, rng, template, choices.split(), zone=zone,
                                  short=street.removesuffix("街道")), used)
            parcel = spec.kind == "vacant_parcel"
            lon, lat = to_lonlat(x, y)
            rows.append({"space_id": f"S{len(rows) + 1:03d}", "name": name, "street": street,
                         "kind": spec.kind, "ownership": ownership,
                         "floor_area_m2": 0 if parcel else area,
                         "buildable_area_m2": area if parcel else pd.NA, "lon": lon, "lat": lat})
    df = pd.DataFrame(rows)
    df["buildable_area_m2"] = df["buildable_area_m2"].astype("Int64")
    return df


def make_existing(rng: np.random.Generator, zones: pd.DataFrame) -> pd.DataFrame:
    """Draw facilities already running, in communities weighted by the group they serve."""
    rows = []
    for function, count, column, suffix, capacity in EXISTING:
        w = zones[column].to_numpy(dtype=float)
        for i in rng.choice(len(zones), size=count, replace=False, p=w / w.sum()):
            z = zones.iloc[int(i)]
            lon, lat = to_lonlat(z["_x"] + rng.normal(0, 60), z["_y"] + rng.normal(0, 60))
            rows.append({"facility_id": f"E{len(rows) + 1:02d}",
                         "name": z["name"].removesuffix("社区") + suffix, "function": function,
                         "capacity": capacity(rng), "lon": lon, "lat": lat})
    return pd.DataFrame(rows)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` as UTF-8 with BOM through a temporary file and an atomic ``os.replace``."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        df.to_csv(tmp, index=False, encoding="utf-8-sig", float_format="%.6f", lineterminator="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# Share of spaces of each kind with ground-floor (or low-floor) access and with an entrance of
# their own. Estimates (E): shop fronts and detached buildings mostly have both; rooms inside
# residential or office buildings often have neither. New builds are designed for them.
ACCESS = {"community_room": (0.7, 0.4), "shop_front": (0.95, 0.95), "office": (0.3, 0.4),
          "idle_factory": (0.9, 0.8), "warehouse": (0.9, 0.8), "school": (0.9, 0.7),
          "state_building": (0.5, 0.5), "collective_building": (0.6, 0.5),
          "vacant_parcel": (1.0, 1.0)}


def add_access(seed: int, spaces: pd.DataFrame) -> pd.DataFrame:
    """Draw ``ground_floor`` and ``own_entrance`` from a stream of their own, so adding them
    left every other column of the demo unchanged."""
    rng = np.random.default_rng([seed, 1])
    p = np.array([ACCESS[k] for k in spaces["kind"]])
    draws = rng.random((len(spaces), 2)) < p
    spaces = spaces.copy()
    cols = list(spaces.columns)
    at = cols.index("buildable_area_m2") + 1
    spaces.insert(at, "ground_floor", np.where(draws[:, 0], "true", "false"))
    spaces.insert(at + 1, "own_entrance", np.where(draws[:, 1], "true", "false"))
    return spaces


def main(argv: list[str] | None = None) -> None:
    """Generate the three tables for ``--seed`` into ``--out`` and print a short summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    zones = make_zones(rng)
    spaces = make_spaces(rng, zones)
    existing = make_existing(rng, zones)
    spaces = add_access(args.seed, spaces)
    args.out.mkdir(parents=True, exist_ok=True)
    # the district column is added last, after every draw: the other columns stay as they were
    zones["district"] = zones["street"].map(DISTRICT_OF)
    spaces["district"] = spaces["street"].map(DISTRICT_OF)
    write_csv(zones.drop(columns=["_x", "_y", "_c"]), args.out / "zones.csv")
    write_csv(spaces, args.out / "spaces.csv")
    write_csv(existing, args.out / "existing.csv")
    pop = zones["population"].sum()
    print(f"seed {args.seed} -> {args.out}\n"
          f"zones {len(zones)}: households {zones['households'].sum():,}, population {pop:,}, "
          f"60+ {zones['pop_60_plus'].sum() / pop:.1%}, 0-3 {zones['pop_0_3'].sum() / pop:.1%}\n"
          f"spaces {len(spaces)}: floor area {spaces['floor_area_m2'].sum():,} m2, "
          f"buildable {int(spaces['buildable_area_m2'].sum()):,} m2\n"
          f"existing {len(existing)}: {existing['function'].value_counts().sort_index().to_dict()}")


if __name__ == "__main__":
    main()
