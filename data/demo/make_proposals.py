#!/usr/bin/env python3
"""Generate the demo's pilot-project list ``proposals.csv`` (synthetic, in Hangzhou's shape).

Hangzhou chose 46 of 115 candidate projects from 87 communities for 2024 (/work/shared/
DOMAIN.md, programme scale; seed 004). This script makes a list of the same shape for the
demo district: 115 proposals from 87 of its 110 communities (28 communities submit two), each
a fixed project — a space (kind, ownership, floor area, location next to its community), one
channel, a fixed function mix (``units_<function>``) and its own cost estimate (概算,
``cost_estimate``: the channel's price for the area plus fit-out, times a draw of 0.85–1.25,
rounded to 10,000 CNY). Twelve of the 28 second proposals compete with their community's first
for the same room (same ``location_id``: at most one of the two can be funded). It reads only
``zones.csv`` and the catalogues, writes only ``proposals.csv`` and changes no other file.

Usage: ``python data/demo/make_proposals.py [--seed 2024] [--out DIR]``
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_SEED = 2024
M_PER_DEG_LAT = 110_850.0
N_COMMUNITIES, N_PROPOSALS, N_SHARED_ROOMS = 87, 115, 12
# project templates: name, (kind, ownership, channel) choices, function -> (low, high) units
TEMPLATES = [
    ("托育园", [("community_room", "state", "renovate"), ("shop_front", "private", "convert"),
                ("office", "state", "transfer")], {"childcare": (20, 60)}),
    ("老年食堂", [("community_room", "collective", "renovate"),
                  ("shop_front", "private", "convert")], {"meal_point": (60, 160)}),
    ("日间照料中心", [("community_room", "state", "renovate"),
                      ("state_building", "state", "transfer")],
     {"day_care": (20, 45), "meal_point": (40, 80)}),
    ("嵌入式服务综合体", [("office", "state", "transfer"), ("idle_factory", "private", "convert"),
                          ("warehouse", "collective", "convert")],
     {"childcare": (20, 40), "day_care": (20, 35), "meal_point": (60, 120)}),
    ("社区卫生服务站", [("shop_front", "private", "convert"),
                        ("state_building", "state", "transfer")], {"health_station": (1, 1)}),
    ("长者照护之家", [("office", "state", "transfer"), ("collective_building", "collective",
                                                       "convert")],
     {"respite_beds": (10, 30), "meal_point": (40, 80)}),
    ("儿童之家", [("community_room", "state", "renovate")],
     {"children_play": (60, 200), "culture": (60, 200)}),
    ("便民服务站", [("shop_front", "private", "convert")],
     {"housekeeping": (1, 1), "employment": (1, 1)}),
]


def make(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    zones = pd.read_csv(HERE / "zones.csv", encoding="utf-8-sig")
    cat = HERE.parents[1] / "siting" / "catalogues"  # the built-in catalogues
    fn = pd.read_csv(cat / "functions.csv", encoding="utf-8-sig").set_index("function")
    ch = pd.read_csv(cat / "channels.csv", encoding="utf-8-sig").set_index("channel")
    picked = zones.iloc[np.sort(rng.choice(len(zones), N_COMMUNITIES, replace=False))]
    twice = set(rng.choice(picked["zone_id"], N_PROPOSALS - N_COMMUNITIES, replace=False))
    shared = set(rng.choice(sorted(twice), N_SHARED_ROOMS, replace=False))
    rows = []
    for _, z in picked.iterrows():
        n = 2 if z["zone_id"] in twice else 1
        room = None
        for k in range(n):
            name, places, mix_range = TEMPLATES[rng.integers(len(TEMPLATES))]
            mix = {f: int(rng.integers(lo, hi + 1)) for f, (lo, hi) in mix_range.items()}
            if k == 1 and z["zone_id"] in shared:  # the same room, another project
                kind, own, channel, area, lon, lat = room
                cap = area * ch.at[channel, "usable_factor"]

                def need_of(mx):
                    return sum(fn.at[f, "area_per_unit_m2"] * u for f, u in mx.items())

                fits = [t for t in TEMPLATES if need_of(
                    {f: max(lo, int(fn.at[f, "min_units"])) for f, (lo, _) in t[2].items()})
                    <= cap]
                name, _, mix_range = fits[rng.integers(len(fits))]
                mix = {f: int(rng.integers(lo, hi + 1)) for f, (lo, hi) in mix_range.items()}
                while need_of(mix) > cap:  # scale the mix down to the room
                    mix = {f: max(lo, int(fn.at[f, "min_units"]), u - 1) for (f, u), (lo, _)
                           in zip(mix.items(), mix_range.values())}
            else:
                kind, own, channel = places[rng.integers(len(places))]
                need = sum(fn.at[f, "area_per_unit_m2"] * u for f, u in mix.items())
                area = float(np.ceil(need / ch.at[channel, "usable_factor"]
                                     * rng.uniform(1.05, 1.35) / 5) * 5)
                d, a = rng.uniform(40, 260), rng.uniform(0, 2 * math.pi)
                lat = z["lat"] + d * math.sin(a) / M_PER_DEG_LAT
                lon = z["lon"] + d * math.cos(a) / (M_PER_DEG_LAT * math.cos(math.radians(
                    z["lat"])))
                room = (kind, own, channel, area, lon, lat)
            price = (ch.at[channel, "fixed_cost"] + ch.at[channel, "cost_per_m2"] * area
                     + sum(fn.at[f, "fitout_cost_per_unit"] * u for f, u in mix.items()))
            estimate = round(price * rng.uniform(0.85, 1.25), -4)
            pid = f"P{len(rows) + 1:03d}"
            rows.append({
                "space_id": pid, "name": f"{z['name']}{name}", "street": z["street"],
                "kind": kind, "ownership": own, "floor_area_m2": area,
                "ground_floor": "true", "own_entrance": "true", "channel": channel,
                "cost_estimate": estimate, "community": z["zone_id"],
                "location_id": f"L{z['zone_id'][1:]}" if z["zone_id"] in shared else "",
                **{f"units_{f}": mix.get(f, "") for f in fn.index},
                "lon": round(lon, 6), "lat": round(lat, 6),
                "note_proposer": f"{z['name']}居委会"})
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    df = make(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = args.out / "proposals.csv.tmp"
    df.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
    os.replace(tmp, args.out / "proposals.csv")
    print(f"wrote {args.out / 'proposals.csv'}: {len(df)} proposals from "
          f"{df['community'].nunique()} communities, {df['location_id'].ne('').sum()} "
          f"sharing {df.loc[df['location_id'] != '', 'location_id'].nunique()} rooms, "
          f"estimates {df['cost_estimate'].sum() / 1e4:,.0f} 万元 in all")


if __name__ == "__main__":
    main()
