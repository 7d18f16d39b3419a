"""Tiny problems built in code, and an exhaustive solver written independently of the model.

The brute force enumerates every channel choice and every integer number of units per
function in every space, and computes the best coverage of each function for that choice by
the max-flow/min-cut theorem on the bipartite zone-space network (min over zone subsets A of
sum of demand outside A plus capacity of the spaces reachable from A) — no LP, no model code.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from siting.config import ModelOptions
from siting.problem import ProblemData, problem_from_frames

CHANNELS = pd.DataFrame(
    {
        "cost_per_m2": [2000.0, 2500.0, 1500.0, 4000.0],
        "fixed_cost": [100_000.0, 200_000.0, 50_000.0, 500_000.0],
        "usable_factor": [0.8, 0.75, 0.85, 0.9],
        "lead_time_months": [9, 12, 6, 36],
        "eligible_kinds": ["community_room", "idle_factory|shop_front|office",
                           "office|state_building", "vacant_parcel"],
        "eligible_ownerships": ["state|collective|private", "state|collective|private", "state",
                                "state|collective|private"],
        "max_area_growth": [0.2, 0.0, 0.0, 0.0],
        "area_basis": ["floor_area", "floor_area", "floor_area", "buildable"],
    },
    index=pd.Index(["renovate", "convert", "transfer", "new_build"], name="channel"),
)


def function_table(rows: dict[str, dict]) -> pd.DataFrame:
    """Function catalogue rows with defaults for anything not given."""
    base = {"unit": "unit", "area_per_unit_m2": 10.0, "min_units": 0, "max_units": 10,
            "fitout_cost_per_unit": 1000.0, "opex_per_unit_year": 100.0,
            "walking_limit_m": 500.0, "demand_rate": 1.0, "demand_per": 1.0,
            "demand_base": "population", "weight": 1.0}
    df = pd.DataFrame([{**base, **r} for r in rows.values()],
                      index=pd.Index(list(rows), name="function"))
    return df


def tiny_problem(spaces: list[dict], zones: dict[str, dict[str, float]],
                 dist: dict[tuple[str, str], float], functions: dict[str, dict],
                 existing: list[dict] | None = None,
                 zone_attrs: dict[str, dict] | None = None) -> ProblemData:
    """spaces: dicts with space_id, kind, ownership, floor_area_m2[, buildable_area_m2];
    zones: zone_id -> {function: demand}; dist: (zone_id, site_id) -> metres."""
    fn = function_table(functions)
    sp = pd.DataFrame(spaces).set_index("space_id")
    z = pd.DataFrame(index=pd.Index(list(zones), name="zone_id"))
    for zid, attrs in (zone_attrs or {}).items():
        for k, v in attrs.items():
            z.loc[zid, k] = v
    demand = pd.Series({(zid, f): d for zid, fs in zones.items() for f, d in fs.items()},
                       dtype=float)
    ex = None
    if existing:
        ex = pd.DataFrame(existing).set_index("facility_id")
        for c in ("name", "lon", "lat", "x", "y"):
            if c not in ex.columns:
                ex[c] = ex.index if c == "name" else 0.0
    rows = []
    for (zid, sid), d in dist.items():
        for f in fn.index:
            if d <= fn.at[f, "walking_limit_m"]:
                if ex is not None and sid in ex.index and ex.at[sid, "function"] != f:
                    continue
                rows.append((zid, sid, f, float(d)))
    pairs = pd.DataFrame(rows, columns=["zone_id", "site_id", "function", "distance_m"])
    return problem_from_frames(zones=z, spaces=sp, functions=fn, channels=CHANNELS.copy(),
                               demand=demand, pairs=pairs, existing=ex)


def _max_flow(demand: dict[str, float], cap: dict[str, float],
              arcs: dict[str, set[str]]) -> float:
    """Max flow zones -> sites by min cut: min_A [sum_{i not in A} d_i + sum_{j in N(A)} c_j]."""
    zs = list(demand)
    best = math.inf
    for r in range(len(zs) + 1):
        for a in itertools.combinations(zs, r):
            nb = set().union(*(arcs.get(i, set()) for i in a)) if a else set()
            val = sum(demand[i] for i in zs if i not in a) + sum(cap.get(j, 0.0) for j in nb)
            best = min(best, val)
    return best


def brute_force(data: ProblemData, opts: ModelOptions) -> tuple[float, float]:
    """(best weighted coverage, least capex among plans achieving it) by enumeration."""
    fn = data.functions
    funcs = list(fn.index)
    total = data.demand.groupby(level=1).sum()
    w = {f: fn.at[f, "weight"] / total[f] for f in funcs if f in total.index}
    pairs = data.pairs
    arcs = {f: {} for f in funcs}
    for z, s, f in zip(pairs["zone_id"], pairs["site_id"], pairs["function"]):
        arcs[f].setdefault(z, set()).add(s)
    dem = {f: {z: d for (z, ff), d in data.demand.items() if ff == f} for f in funcs}
    ex_cap = {f: {} for f in funcs}
    for e, r in data.existing.iterrows():
        ex_cap[r["function"]][e] = ex_cap[r["function"]].get(e, 0.0) + float(r["capacity"])
    choices_per_space = [
        (sid, [None if c[0] is None else (c[0], dict(zip(funcs, c[1])), c[2]) for c in ch])
        for sid, ch in space_choices(data)]
    best = (-math.inf, math.inf)
    ids = [s for s, _ in choices_per_space]
    for combo in itertools.product(*[c for _, c in choices_per_space]):
        chosen = [(sid, c) for sid, c in zip(ids, combo) if c is not None]
        n = len(chosen)
        if opts.n_spaces is not None and n != opts.n_spaces:
            continue
        if opts.max_spaces is not None and n > opts.max_spaces:
            continue
        capex = sum(c[2] for _, c in chosen)
        if opts.budget is not None and capex > opts.budget + 1e-6:
            continue
        cov = 0.0
        for f in funcs:
            cap = {sid: c[1][f] for sid, c in chosen}
            cap.update(ex_cap[f])
            cov += w.get(f, 0.0) * _max_flow(dem[f], cap, arcs[f])
        if cov > best[0] + 1e-9 or (abs(cov - best[0]) <= 1e-9 and capex < best[1]):
            best = (cov, capex)
    return best


def solve_tiny(data: ProblemData, standards: dict | None = None, **opts):
    """Build and solve with the real pipeline; return (built model, solve result)."""
    from siting.config import SolverOptions, Standards
    from siting.model import build_model
    from siting.solve import solve

    mo = ModelOptions(**opts)
    built = build_model(data, mo, Standards.model_validate(standards or {}))
    res = solve(built, SolverOptions(mip_rel_gap=0.0, mip_abs_gap=0.0, time_limit_s=60))
    return built, res


def value(built, name: str, key=None) -> float:
    import pyomo.environ as pyo

    comp = getattr(built.model, name)
    return float(pyo.value(comp if key is None else comp[key]))


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def space_choices(data: ProblemData) -> list[tuple[str, list[tuple[str | None, tuple, float]]]]:
    """Per space: every (channel, units per function, capex) that fits, plus 'not opened'."""
    fn = data.functions
    funcs = list(fn.index)
    out = []
    for sid in data.spaces.index:
        ch: list = [(None, (0,) * len(funcs), 0.0)]
        for c, o, units, used in _unit_mixes(data, sid):
            gross = used / o["usable_factor"]
            if gross > o["max_gross_m2"] + 1e-9:
                continue
            capex = o["fixed_cost"] + o["cost_per_m2"] * gross + sum(
                u * fn.at[f, "fitout_cost_per_unit"] for u, f in zip(units, funcs))
            ch.append((c, units, capex))
        out.append((sid, ch))
    return out


def _unit_mixes(data: ProblemData, sid: str):
    """Every (channel, option row, units per function, area they use) of space ``sid``:
    each function at 0 or between its min and max units."""
    fn = data.functions
    funcs = list(fn.index)
    for (s, c), o in data.options.iterrows():
        if s != sid:
            continue
        for units in itertools.product(*[range(0, int(fn.at[f, "max_units"]) + 1)
                                         for f in funcs]):
            if any(0 < u < fn.at[f, "min_units"] for u, f in zip(units, funcs)):
                continue
            yield c, o, units, sum(u * fn.at[f, "area_per_unit_m2"]
                                   for u, f in zip(units, funcs))


def n_combinations(data: ProblemData) -> int:
    return math.prod(len(c) for _, c in space_choices(data))


def brute_force_vectorised(data: ProblemData, opts: ModelOptions,
                           chunk: int = 20_000) -> tuple[float, float]:
    """Same answer as :func:`brute_force`, enumerating all plans with numpy.

    For each function, coverage = min over zone subsets A of
    (demand outside A + existing capacity reachable from A + new units reachable from A),
    which is linear in the units for a fixed A, so all plans are scored at once.
    """
    fn = data.functions
    funcs = list(fn.index)
    choices = space_choices(data)
    sids = [s for s, _ in choices]
    units = [np.array([c[1] for c in ch], dtype=float) for _, ch in choices]
    capex = [np.array([c[2] for c in ch]) for _, ch in choices]
    opened = [np.array([c[0] is not None for c in ch]) for _, ch in choices]
    total = data.demand.groupby(level=1).sum()
    pairs = data.pairs
    terms = []  # per function: (weight, const[A], reach[A, space])
    for k, f in enumerate(funcs):
        if f not in total.index:
            continue
        dem = {z: d for (z, ff), d in data.demand.items() if ff == f}
        zs = list(dem)
        p = pairs[pairs["function"] == f]
        arcs: dict[str, set] = {}
        for z, s in zip(p["zone_id"], p["site_id"]):
            arcs.setdefault(z, set()).add(s)
        excap = {e: float(r["capacity"]) for e, r in data.existing.iterrows()
                 if r["function"] == f}
        const, reach = [], []
        for r in range(len(zs) + 1):
            for a in itertools.combinations(zs, r):
                nb = set().union(*(arcs.get(i, set()) for i in a)) if a else set()
                const.append(sum(dem[i] for i in zs if i not in a)
                             + sum(c for e, c in excap.items() if e in nb))
                reach.append([1.0 if s in nb else 0.0 for s in sids])
        terms.append((k, fn.at[f, "weight"] / total[f], np.array(const), np.array(reach)))
    shape = [len(u) for u in units]
    n = math.prod(shape)
    best = (-math.inf, math.inf)
    for start in range(0, n, chunk):
        idx = np.unravel_index(np.arange(start, min(n, start + chunk)), shape)
        cost = sum(c[i] for c, i in zip(capex, idx))
        count = sum(o[i].astype(int) for o, i in zip(opened, idx))
        ok = np.ones(len(cost), dtype=bool)
        if opts.budget is not None:
            ok &= cost <= opts.budget + 1e-6
        if opts.n_spaces is not None:
            ok &= count == opts.n_spaces
        if opts.max_spaces is not None:
            ok &= count <= opts.max_spaces
        if not ok.any():
            continue
        cov = np.zeros(len(cost))
        for k, w, const, reach in terms:
            u = np.stack([units[j][idx[j], k] for j in range(len(sids))], axis=1)  # plans x S
            cov += w * (const[None, :] + u @ reach.T).min(axis=1)
        cov, cost = cov[ok], cost[ok]
        top = cov.max()
        if top > best[0] + 1e-9:
            best = (top, cost[cov >= top - 1e-9].min())
        elif top >= best[0] - 1e-9:
            best = (max(best[0], top), min(best[1], cost[cov >= top - 1e-9].min()))
    return best


# ------------------------------------------------------------------------------------------
# Enumeration with money (issue 19): area budgets and quotas, funding sources, running costs
# and utilisation floors, each re-implemented here from its rule (LPs by scipy, not the model)


def money_choices(data: ProblemData, min_projects: tuple[float, ...] = ()
                  ) -> list[tuple[str, list]]:
    """Per space: 'not opened' and every (channel, units, gross, capex). Gross is the least
    the units need, or just enough for the project to reach a source's ``min_project``."""
    fn = data.functions
    funcs = list(fn.index)
    out = []
    for sid in data.spaces.index:
        ch: list = [None]
        for c, o, units, used in _unit_mixes(data, sid):
            fit = sum(u * fn.at[f, "fitout_cost_per_unit"] for u, f in zip(units, funcs))
            g0 = used / o["usable_factor"]
            grosses = {g0}
            for mp in min_projects:
                g = (mp - fit - o["fixed_cost"]) / o["cost_per_m2"]
                if g > g0:
                    grosses.add(g)
            for g in sorted(grosses):
                if g > o["max_gross_m2"] + 1e-9:
                    continue
                capex = o["fixed_cost"] + o["cost_per_m2"] * g + fit
                ch.append({"space": sid, "channel": c, "units": dict(zip(funcs, units)),
                           "gross": g, "capex": capex, "usable": o["usable_factor"],
                           "cost_per_m2": o["cost_per_m2"]})
        out.append((sid, ch))
    return out


def _funding_feasible(plan: list[dict], funding: dict, fn: pd.DataFrame) -> bool:
    """Can the sources pay every project in full? An LP over (source, project) amounts."""
    from scipy.optimize import linprog

    if not plan:
        return True
    keys, ub = [], []
    for n, p in enumerate(plan):
        for s, src in funding.items():
            if src.get("channels") and p["channel"] not in src["channels"]:
                continue
            if p["capex"] < src.get("min_project", 0.0) - 1e-9:
                continue
            cap = src.get("max_share", 1.0) * p["capex"]
            fs = src.get("functions") or list(src.get("per_unit_cap", {}))
            if fs:
                part = 0.0
                for f in fs:
                    u = p["units"].get(f, 0)
                    own = u * (fn.at[f, "fitout_cost_per_unit"]
                               + p["cost_per_m2"] * fn.at[f, "area_per_unit_m2"] / p["usable"])
                    if f in src.get("per_unit_cap", {}):
                        own = min(own, src["per_unit_cap"][f] * u)
                    part += own
                cap = min(cap, part)
            if cap > 1e-9:
                keys.append((s, n))
                ub.append(cap)
    a_eq = np.zeros((len(plan), len(keys)))
    for k, (_s, n) in enumerate(keys):
        a_eq[n, k] = 1.0
    srcs = list(funding)
    a_ub = np.zeros((len(srcs), len(keys)))
    for k, (s, _n) in enumerate(keys):
        a_ub[srcs.index(s), k] = 1.0
    b_ub = [funding[s]["amount"] for s in srcs]
    if not keys:
        return all(p["capex"] <= 1e-9 for p in plan)
    r = linprog(np.zeros(len(keys)), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq,
                b_eq=[p["capex"] for p in plan], bounds=list(zip([0.0] * len(keys), ub)),
                method="highs")
    return r.status == 0


def _service_lp(data: ProblemData, plan: list[dict], floors: dict, lower: dict,
                serve_all: bool) -> float | None:
    """Best weighted coverage of a plan by LP (None: infeasible): serve within demand and
    capacity, at least ``floors[f]`` x units at each new facility, at least ``lower[(i, f)]``
    for the given communities; with ``serve_all`` every demand met."""
    from scipy.optimize import linprog

    fn = data.functions
    total = data.demand.groupby(level=1).sum()
    cap = {(p["space"], f): u for p in plan for f, u in p["units"].items()}
    for e, r in data.existing.iterrows():
        cap[(e, r["function"])] = cap.get((e, r["function"]), 0.0) + float(r["capacity"])
    pairs = [(z, s, f) for z, s, f in zip(data.pairs["zone_id"], data.pairs["site_id"],
                                          data.pairs["function"]) if cap.get((s, f), 0) > 0]
    n = len(pairs)
    c = np.array([-fn.at[f, "weight"] / total[f] for _, _, f in pairs])
    rows, rhs = [], []
    for (z, f), d in data.demand.items():
        rows.append([1.0 if (pz, pf) == (z, f) else 0.0 for pz, _, pf in pairs])
        rhs.append(d)
        lo = d if serve_all else lower.get((z, f), 0.0)
        if lo > 0:
            rows.append([-1.0 if (pz, pf) == (z, f) else 0.0 for pz, _, pf in pairs])
            rhs.append(-lo)
    for (s, f), u in cap.items():
        rows.append([1.0 if (ps, pf) == (s, f) else 0.0 for _, ps, pf in pairs])
        rhs.append(u)
        if f in floors and s in data.spaces.index and u > 0:
            rows.append([-1.0 if (ps, pf) == (s, f) else 0.0 for _, ps, pf in pairs])
            rhs.append(-floors[f] * u)
    if n == 0:  # nothing can serve: feasible only if no lower bound asks for service
        return None if any(v < -1e-12 for v in rhs) else 0.0
    r = linprog(c, A_ub=np.array(rows), b_ub=rhs, bounds=[(0, None)] * n, method="highs")
    return None if r.status != 0 else float(-r.fun)


def brute_force_money(data: ProblemData, *, budget: float | None = None,
                      area_budgets: dict | None = None, funding: dict | None = None,
                      opex_budget: float | None = None, rent: dict | None = None,
                      floors: dict | None = None, quota: tuple | None = None,
                      lifecycle_years: float | None = None) -> tuple[float, float]:
    """Enumerate every plan; (best weighted coverage, least capex among them), or with
    ``lifecycle_years`` (serve all demand) (least capex + years x running costs, its capex).

    area_budgets: {district: amount} over the spaces' ``district``; funding: {source: dict of
    the scenario keys}; rent: {space: CNY per m2 a year}; floors: {function: share};
    quota: (district, N communities, functions, min_share) over the zones' ``district``.
    """
    fn = data.functions
    funding = funding or {}
    choices = money_choices(data, tuple(s.get("min_project", 0.0) for s in funding.values()
                                        if s.get("min_project")))
    district = data.spaces["district"].to_dict() if "district" in data.spaces else {}
    opex = fn["opex_per_unit_year"].to_dict()
    best = (-math.inf, math.inf) if lifecycle_years is None else (math.inf, math.inf)
    for combo in itertools.product(*[c for _, c in choices]):
        plan = [p for p in combo if p is not None]
        capex = sum(p["capex"] for p in plan)
        if budget is not None and capex > budget + 1e-6:
            continue
        if area_budgets and any(
                sum(p["capex"] for p in plan if district.get(p["space"]) == a) > lim + 1e-6
                for a, lim in area_budgets.items()):
            continue
        running = sum(opex[f] * u for p in plan for f, u in p["units"].items()) + sum(
            (rent or {}).get(p["space"], 0.0) * p["gross"] for p in plan)
        if opex_budget is not None and running > opex_budget + 1e-6:
            continue
        if lifecycle_years is not None:
            score = capex + lifecycle_years * running
            if score > best[0] + 1e-6:
                continue
        if funding and not _funding_feasible(plan, funding, fn):
            continue
        if lifecycle_years is not None:
            if _service_lp(data, plan, floors or {}, {}, serve_all=True) is None:
                continue
            if score < best[0] - 1e-6 or (abs(score - best[0]) <= 1e-6 and capex < best[1]):
                best = (score, capex)
            continue
        lowers = [{}]
        if quota is not None:
            a, n_req, fs, share = quota
            members = [z for z in data.zones.index if data.zones.at[z, "district"] == a]
            lowers = [{(z, f): share * data.demand[(z, f)] for z in sub for f in fs
                       if (z, f) in data.demand.index}
                      for r in range(n_req, len(members) + 1)
                      for sub in itertools.combinations(members, r)]
        cov = max((c for c in (_service_lp(data, plan, floors or {}, lo, False)
                               for lo in lowers) if c is not None), default=None)
        if cov is None:
            continue
        if cov > best[0] + 1e-7 or (abs(cov - best[0]) <= 1e-7 and capex < best[1]):
            best = (cov, capex)
    return best


def _unit_rows(data: ProblemData, level: str, pairs: list[tuple[str, str, str]],
               reach: dict[tuple[str, str], float]) -> dict[str, dict[int, float]]:
    """Per unit: pair position -> coefficient of its weighted coverage over reachable demand."""
    fn = data.functions
    street = {z: (str(data.zones.at[z, "street"]) or "(no street)") for z in data.zones.index}
    unit = (lambda z: street[z]) if level == "street" else (lambda z: z)
    r: dict[tuple[str, str], float] = {}
    for (z, f), d in reach.items():
        r[(unit(z), f)] = r.get((unit(z), f), 0.0) + d
    wsum: dict[str, float] = {}
    for (u, f) in r:
        wsum[u] = wsum.get(u, 0.0) + float(fn.at[f, "weight"])
    rows: dict[str, dict[int, float]] = {u: {} for u in wsum}
    for k, (z, _, f) in enumerate(pairs):
        u = unit(z)
        rows[u][k] = float(fn.at[f, "weight"]) / wsum[u] / r[(u, f)]
    return rows


def brute_force_max_min(data: ProblemData, opts: ModelOptions, level: str = "street"
                        ) -> tuple[float, float]:
    """(largest smallest weighted coverage of any unit, then the largest weighted coverage
    of the city with that minimum) by enumerating every plan and solving, for each, the two
    flow LPs with scipy. Coverage is over reachable demand: a (zone, function) counts if a
    pair reaches a space that can host the function at all, or an existing facility."""
    from scipy.optimize import linprog

    fn = data.functions
    funcs = list(fn.index)
    choices = space_choices(data)
    can_host = {(sid, f) for sid, ch in choices for c in ch if c[0] is not None
                for f, u in zip(funcs, c[1]) if u > 0}
    ex_cap: dict[tuple[str, str], float] = {}
    for e, r in data.existing.iterrows():
        ex_cap[(e, r["function"])] = ex_cap.get((e, r["function"]), 0.0) + float(r["capacity"])
    demand = {k: float(v) for k, v in data.demand.items()}
    pairs = [(z, s, f) for z, s, f in zip(data.pairs["zone_id"], data.pairs["site_id"],
                                         data.pairs["function"])
             if ((s, f) in can_host or ex_cap.get((s, f), 0) > 0) and (z, f) in demand]
    reach = {(z, f): demand[(z, f)] for z, _, f in pairs}
    rows = _unit_rows(data, level, pairs, reach)
    total = data.demand.groupby(level=1).sum()
    wsum = float(fn["weight"].sum())
    obj_total = np.array([fn.at[f, "weight"] / total[f] / wsum for _, _, f in pairs])
    n = len(pairs)
    # flow rows: demand per (zone, f), capacity per (site, f)
    dem_keys = sorted(reach)
    a_dem = np.zeros((len(dem_keys), n))
    for k, (z, _, f) in enumerate(pairs):
        a_dem[dem_keys.index((z, f)), k] = 1.0
    site_keys = sorted({(s, f) for _, s, f in pairs})
    a_cap = np.zeros((len(site_keys), n))
    for k, (_, s, f) in enumerate(pairs):
        a_cap[site_keys.index((s, f)), k] = 1.0
    units = list(rows)
    a_unit = np.zeros((len(units), n))
    for r_, u in enumerate(units):
        for k, c in rows[u].items():
            a_unit[r_, k] = c
    b_dem = np.array([reach[k] for k in dem_keys])
    best = (-math.inf, -math.inf)
    ids = [s for s, _ in choices]
    for combo in itertools.product(*[c for _, c in choices]):
        chosen = {sid: c for sid, c in zip(ids, combo) if c[0] is not None}
        if opts.budget is not None and sum(c[2] for c in chosen.values()) > opts.budget + 1e-6:
            continue
        if opts.max_spaces is not None and len(chosen) > opts.max_spaces:
            continue
        cap = np.array([ex_cap.get((s, f), 0.0) + (chosen[s][1][funcs.index(f)]
                                                  if s in chosen else 0.0)
                        for s, f in site_keys])
        # LP 1: max z  s.t. flows feasible, a_unit x >= z
        c1 = np.zeros(n + 1)
        c1[-1] = -1.0
        a_ub = np.vstack([np.hstack([a_dem, np.zeros((len(dem_keys), 1))]),
                          np.hstack([a_cap, np.zeros((len(site_keys), 1))]),
                          np.hstack([-a_unit, np.ones((len(units), 1))])])
        b_ub = np.concatenate([b_dem, cap, np.zeros(len(units))])
        r1 = linprog(c1, A_ub=a_ub, b_ub=b_ub, bounds=[(0, None)] * n + [(0, 1)],
                     method="highs")
        z = -r1.fun
        if z < best[0] - 1e-9:
            continue
        # LP 2: max total  s.t. flows feasible, a_unit x >= z - 1e-9
        a2 = np.vstack([a_dem, a_cap, -a_unit])
        b2 = np.concatenate([b_dem, cap, -(z - 1e-9) * np.ones(len(units))])
        r2 = linprog(-obj_total, A_ub=a2, b_ub=b2, bounds=[(0, None)] * n, method="highs")
        t = -r2.fun
        if z > best[0] + 1e-9 or t > best[1] + 1e-9:
            best = (z, t) if z > best[0] + 1e-9 else (best[0], max(best[1], t))
    return best
