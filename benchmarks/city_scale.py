"""City-scale instances: model size, build, hand-over, first plan, solve, gap, peak memory.

    python benchmarks/city_scale.py --size small|mid|large [--functions 3|8]
        [--time-limit 300] [--density 30] [--no-start] [--no-aggregate]
        [--objective max_coverage|min_cost|min_distance]

Seeded city-like instances: communities in clusters (old cores and new estates), candidate
spaces of every kind with realistic sizes and ownerships, the demo's catalogues (first 3 or 8
functions), straight-line walking distances, max coverage under a budget of 1.5 % of the cost
of taking everything. ``--density`` is residential compounds per km² (30, a dense Chinese
city, by default; 80 gives about the variable counts of issue #7's table).

Serve-all objectives (``--objective min_cost|min_distance``): no budget, and a community
room in each compound the spaces cannot serve in full (:func:`servable_rooms`: at 5,000 x
1,000, 4,155 rooms; 1,000 spaces cannot hold a city's childcare at 90 slots each), so every
demand can be served; solved by :func:`siting.decompose.solve_structured` (several
functions: a constructive plan, a Lagrangian bound, then HiGHS from the plan; the line
``termination:`` says which and gives the bound).

The pipeline is the product's: build the Pyomo model (communities reaching the same spaces
merged, unless ``--no-aggregate``), hand it to HiGHS as one matrix, set the greedy start
(unless ``--no-start``), solve to 0.1 % or the time limit. It prints the hand-over split
(Pyomo's compiler vs. passing the matrix to highspy, which is what building the same matrix
directly in highspy costs) and ends with
``size=… vars=… cons=… build_s=… handover_s=… first_plan_s=… solve_s=… status=… gap=…
peak_mb=…``; ``first_plan_s`` counts from the start of the build.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from siting import catalogues, geo
from siting.config import ModelOptions, SolverOptions
from siting.data import load_channels, load_functions
from siting.model import build_model
from siting.problem import problem_from_frames

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"small": (1_000, 300), "mid": (5_000, 1_000), "large": (20_000, 3_000)}
KINDS = [("community_room", "collective", 150, 700, 0.25), ("shop_front", "private", 80, 450, 0.15),
         ("office", "state", 300, 2000, 0.12), ("idle_factory", "private", 1000, 5000, 0.1),
         ("warehouse", "collective", 800, 3000, 0.08), ("school", "state", 800, 2500, 0.05),
         ("state_building", "state", 300, 2500, 0.13), ("collective_building", "collective",
                                                         300, 1500, 0.07),
         ("vacant_parcel", "state", 1000, 6000, 0.05)]


def instance(n_zones: int, n_spaces: int, n_functions: int, seed: int = 7,
             density: float = 30.0, reach_all: bool = False):
    """``density``: residential compounds per km² (30 is a dense Chinese city; the demo's
    communities, which are larger, are about 6 per km²). ``reach_all``: every demand can be
    served in full (:func:`servable_rooms` adds a community room in each compound the spaces
    fall short for, with a plan proving it), as the serve-all objectives need."""
    rng = np.random.default_rng(seed)
    side = 1000 * np.sqrt(n_zones / density)
    centres = rng.uniform(0, side, (max(3, n_zones // 150), 2))
    k = rng.integers(0, len(centres), n_zones)
    zxy = centres[k] + rng.normal(0, side / 25, (n_zones, 2))
    hh = rng.integers(800, 4500, n_zones).astype(float)
    pop = hh * rng.uniform(2.3, 2.9, n_zones)
    zones = pd.DataFrame({"households": hh, "population": pop,
                          "pop_0_3": pop * rng.uniform(0.015, 0.03, n_zones),
                          "pop_60_plus": pop * rng.uniform(0.18, 0.35, n_zones),
                          "x": zxy[:, 0], "y": zxy[:, 1]},
                         index=pd.Index([f"Z{i}" for i in range(n_zones)], name="zone_id"))
    # streets (街道): a square grid of cells holding about 20 communities each
    cells = max(1, int(round(np.sqrt(n_zones / 20))))
    cx = np.clip((zxy / side * cells).astype(int), 0, cells - 1)
    zones["street"] = [f"T{a:02d}{b:02d}" for a, b in cx]
    probs = np.array([kk[4] for kk in KINDS])
    kind_idx = rng.choice(len(KINDS), n_spaces, p=probs / probs.sum())
    sxy = zxy[rng.integers(0, n_zones, n_spaces)] + rng.normal(0, 150, (n_spaces, 2))
    rows = []
    for ki in kind_idx:
        kind, own, lo, hi, _ = KINDS[ki]
        area = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        parcel = kind == "vacant_parcel"
        rows.append({"kind": kind, "ownership": own, "floor_area_m2": 0.0 if parcel else area,
                     "buildable_area_m2": area if parcel else np.nan})
    spaces = pd.DataFrame(rows, index=pd.Index([f"S{j}" for j in range(n_spaces)],
                                               name="space_id"))
    spaces["x"], spaces["y"] = sxy[:, 0], sxy[:, 1]
    problems: list[str] = []
    fn = load_functions(catalogues.path("functions.csv"), problems).iloc[:n_functions]
    ch = load_channels(catalogues.path("channels.csv"), problems)
    assert not problems, problems
    demand = pd.concat([pd.Series((f["demand_rate"] * zones[f["demand_base"]]
                                   / f["demand_per"]).to_numpy(),
                                  index=pd.MultiIndex.from_arrays([zones.index,
                                                                   [fid] * n_zones]))
                        for fid, f in fn.iterrows()])

    def frames(spaces):
        sxy = spaces[["x", "y"]].to_numpy()
        zi, si, d = geo.straight_pairs(zxy, sxy, float(fn["walking_limit_m"].max()), 1.3)
        zs = pd.DataFrame({"zone_id": zones.index.to_numpy()[zi],
                           "site_id": spaces.index.to_numpy()[si], "distance_m": d})
        pairs = pd.concat([zs[zs["distance_m"] <= f["walking_limit_m"]].assign(function=fid)
                           for fid, f in fn.iterrows()], ignore_index=True)
        return problem_from_frames(zones=zones, spaces=spaces, functions=fn, channels=ch,
                                   demand=demand, pairs=pairs, distance_method="straight")

    data = frames(spaces)
    if reach_all:  # serve-all objectives: a community room wherever the spaces fall short
        rooms = servable_rooms(data)
        if len(rooms):
            data = frames(pd.concat([spaces, rooms]))
    return data


def servable_rooms(data) -> pd.DataFrame:
    """Community rooms (社区用房, one per compound that needs one) that make every demand
    servable, with a plan proving it.

    Every space is taken through the channel giving it the most usable area, and each
    community's demand, in order, goes to its nearest spaces within walking distance up to
    what they can hold (units whole, each hosted function at least its minimum size, the
    area shared by the functions). A community left with demand gets a room in the
    compound, renovated, big enough for that rest (at least each function's minimum size).
    That fill plus the rooms is a feasible plan of the serve-all model of the final
    instance: its pairs and unit bounds for the original spaces are unchanged."""
    import math

    from siting.model.sets import build_index

    idx = build_index(data, ModelOptions())
    area_of = {j: idx.service_share * max(idx.usable[o] * idx.max_gross[o]
                                          for o in idx.options_of[j]) for j in idx.spaces}
    used_area = dict.fromkeys(idx.spaces, 0.0)
    served: dict = {}
    fn = data.functions
    a = fn["area_per_unit_m2"].astype(float).to_dict()
    umin = fn["min_units"].astype(float).to_dict()
    left_of: dict = {}
    for key in sorted(idx.pairs_of_demand):
        i, f = key
        left = idx.demand[key]
        for p in sorted(idx.pairs_of_demand[key], key=lambda q: (idx.pair_distance[q], q)):
            if left <= 1e-9:
                break
            h = (idx.pair_site[p], f)
            if h not in idx.units_ub:
                continue
            j, s = h[0], served.get(h, 0.0)
            u_old = max(umin[f], math.ceil(s - 1e-9)) if s > 0 else 0
            room = area_of[j] - (used_area[j] - a[f] * u_old)
            cap = min(idx.units_ub[h], math.floor(room / a[f] + 1e-9))
            if cap < max(umin[f], 1) or cap - s <= 1e-9:
                continue
            take = min(left, cap - s)
            served[h] = s + take
            used_area[j] += a[f] * (max(umin[f], math.ceil(s + take - 1e-9)) - u_old)
            left -= take
        if left > 1e-9:
            left_of.setdefault(i, {})[f] = left
    for (i, f), d in idx.demand.items():  # no pair at all
        if not idx.pairs_of_demand.get((i, f)) and d > 0:
            left_of.setdefault(i, {})[f] = d
    ren = data.channels.loc["renovate"]
    rows = []
    for i in sorted(left_of):
        need = sum(a[f] * max(umin[f], math.ceil(v - 1e-9)) for f, v in left_of[i].items())
        floor = max(150.0, need / (float(ren["usable_factor"]) * idx.service_share) + 1.0)
        rows.append({"kind": "community_room", "ownership": "collective",
                     "floor_area_m2": math.ceil(floor), "buildable_area_m2": np.nan,
                     "x": data.zones.at[i, "x"], "y": data.zones.at[i, "y"]})
    return pd.DataFrame(rows, index=pd.Index([f"R{i}" for i in sorted(left_of)],
                                             name="space_id"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=list(SIZES), default="small")
    ap.add_argument("--functions", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--no-start", action="store_true", help="no greedy starting plan")
    ap.add_argument("--no-aggregate", action="store_true",
                    help="do not merge communities reaching the same spaces")
    ap.add_argument("--density", type=float, default=30.0, help="compounds per km2")
    ap.add_argument("--strong-assignment", choices=["on", "off"], default=None,
                    help="the per-pair rows serve <= demand x host (default: the model's)")
    ap.add_argument("--objective", default="max_coverage",
                    choices=["max_coverage", "min_cost", "min_distance", "max_min_coverage"],
                    help="serve-all objectives: no budget, every community reaches a space; "
                         "max_min_coverage: solve max coverage first, then the max-min plan "
                         "(benchmarks/maxmin_scale.py), and print both side by side")
    ap.add_argument("--equity-level", choices=["street", "community"], default="street")
    ap.add_argument("--max-min-time-ratio", type=float, default=None, metavar="R",
                    help="max_min_coverage: time limit R x max coverage's solve time "
                         "(default: --time-limit)")
    ap.add_argument("--start", choices=["water_filling", "max_coverage"],
                    default="water_filling", help="max-min starting plan")
    ap.add_argument("--resolve-demand", type=float, default=None, metavar="FACTOR",
                    help="then multiply every demand by FACTOR, update the model in place "
                         "and re-solve from the plan (a demand sweep's step)")
    args = ap.parse_args()
    nz, ns = SIZES[args.size]
    t0 = time.perf_counter()
    serve_all = args.objective not in ("max_coverage", "max_min_coverage")
    data = instance(nz, ns, args.functions, density=args.density, reach_all=serve_all)
    print(f"generated {nz} zones x {ns} spaces x {args.functions} functions, "
          f"{len(data.pairs):,} pairs in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    from siting.model.sets import build_index

    cost = build_index(data, ModelOptions()).max_capex  # not kept: 220 MB at 5,000 x 1,000
    opts = (ModelOptions(objective=args.objective) if serve_all
            else ModelOptions(budget=0.015 * cost))
    t0 = time.perf_counter()
    if args.strong_assignment is not None:
        opts = opts.update(strong_assignment=args.strong_assignment == "on")
    built = build_model(data, opts.update(aggregate_zones=not args.no_aggregate))
    build_s = time.perf_counter() - t0
    from siting.solve import Solver

    solver = Solver()
    handover_s = solver.load(built)
    print(f"hand-over: Pyomo standard-form compiler {solver.timings['compile']:.2f} s, "
          f"passing the matrix to highspy {solver.timings['pass_to_highs']:.2f} s "
          "(the direct-highspy reference)", flush=True)
    n_vars = solver.highs.getNumCol()
    n_cons = solver.highs.getNumRow()
    greedy_s = 0.0
    if not args.no_start and not serve_all:  # the greedy start is for max coverage
        from siting.model.warmstart import greedy_start

        t0 = time.perf_counter()
        got = greedy_start(built, data.functions["weight"].astype(float).to_dict())
        greedy_s = time.perf_counter() - t0
        print(f"greedy start: {got['spaces']} spaces, score {got['coverage_score']:.4f} "
              f"in {greedy_s:.2f} s", flush=True)
    if serve_all:  # by structure where the model has it, else whole (reason printed)
        from siting.decompose import solve_structured

        res = solve_structured(built, SolverOptions(time_limit_s=args.time_limit,
                                                    mip_rel_gap=1e-3), solver=solver)
        print(f"termination: {res.termination}", flush=True)
    else:
        res = solver.solve(built, SolverOptions(time_limit_s=args.time_limit,
                                                mip_rel_gap=1e-3),
                           warm_start=not args.no_start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gap = "n/a" if res.mip_gap is None else f"{res.mip_gap:.4f}"
    first = ("n/a" if res.first_plan_s is None
             else f"{build_s + handover_s + greedy_s + res.first_plan_s:.1f}")
    reference = "max_coverage" if args.objective == "max_min_coverage" else args.objective
    print(f"size={args.size} objective={reference} functions={args.functions} "
          f"vars={n_vars} cons={n_cons} "
          f"build_s={build_s:.1f} handover_s={handover_s:.1f} first_plan_s={first} "
          f"solve_s={res.runtime_s:.1f} status={res.status} has_plan={res.has_solution} "
          f"gap={gap} peak_mb={peak:.0f} density={args.density:g}", flush=True)
    if args.resolve_demand is not None:
        resolve_demand(built, data, solver, args)
    if args.objective == "max_min_coverage":
        from maxmin_scale import compare_max_min

        compare_max_min(data, opts, args, {"first_plan_s": first, "solve_s": res.runtime_s,
                                           "gap": gap, "build_s": build_s,
                                           "handover_s": handover_s})


def resolve_demand(built, data, solver, args) -> None:
    """One step of a demand sweep at city scale: update against rebuild."""
    import dataclasses

    from siting.model.parameters import update_data
    from siting.model.warmstart import greedy_start

    new = dataclasses.replace(data, demand=data.demand * args.resolve_demand)
    t0 = time.perf_counter()
    updated = update_data(built, new)
    update_s = time.perf_counter() - t0
    if updated is None:
        print("demand update: the structure changed; nothing measured")
        return
    t0 = time.perf_counter()
    greedy_start(updated, new.functions["weight"].astype(float).to_dict(), extend=True)
    greedy_s = time.perf_counter() - t0
    res = solver.solve(updated, SolverOptions(time_limit_s=args.time_limit, mip_rel_gap=1e-3),
                       warm_start=True)
    t0 = time.perf_counter()
    rebuilt = build_model(new, built.options)
    rebuild_s = time.perf_counter() - t0
    from siting.solve import Solver

    handover_s = Solver().load(rebuilt)
    gap = "n/a" if res.mip_gap is None else f"{res.mip_gap:.4f}"
    print(f"demand_factor={args.resolve_demand:g} update_s={update_s:.1f} "
          f"highs_update_s={res.handover_s:.1f} greedy_s={greedy_s:.1f} "
          f"solve_s={res.runtime_s:.1f} status={res.status} gap={gap} "
          f"rebuild_s={rebuild_s:.1f} rebuild_handover_s={handover_s:.1f}")

if __name__ == "__main__":
    main()
