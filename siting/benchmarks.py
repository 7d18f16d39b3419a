"""Published benchmark instances solved with the *same* model and solver path as a city plan.

* OR-Library capacitated warehouse location (Beasley 1988; ``cap41``… ``capa``): warehouses
  become candidate spaces with one channel whose fixed cost is the warehouse's opening cost and
  whose floor area is its capacity; customers become zones with one function; the allocation
  cost becomes a per-unit pair cost. Objective ``min_cost`` (all demand served; demand may be
  split, as in the published multi-source optima).
* OR-Library p-median (Beasley 1985; ``pmed1``… ): every vertex is a zone with demand 1 and a
  candidate space; distances are shortest paths on the graph built with OR-Library's rule (the
  *last* cost of a repeated edge wins); objective ``min_distance`` with ``n_spaces = p``.

* spopt's London schools (capacitated p-median with predefined facilities): students are
  zones with demand 1, the ``priority == 1`` schools are existing facilities that must be filled
  to capacity (``fill_existing``), the other schools candidate spaces with their capacity as
  floor area; each student goes to one school (``single_source``); ``n_spaces`` = p minus the
  predefined schools; journey times are the distance table (missing journeys: unreachable).

No special-purpose model: only data mapping and switches (``tie_break: 0``, continuous units).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import shortest_path

from siting.config import ModelOptions, Scenario, SolverOptions
from siting.exceptions import DataError
from siting.problem import ProblemData, problem_from_frames

FUNCTION = "demand"
CHANNEL = "open"


def _tokens(path: Path) -> list[str]:
    return Path(path).read_text(encoding="ascii").split()


def _one_channel() -> pd.DataFrame:
    return pd.DataFrame(
        {"cost_per_m2": [0.0], "fixed_cost": [0.0], "usable_factor": [1.0],
         "lead_time_months": [0.0], "eligible_kinds": [("state_building",)],
         "eligible_ownerships": [("state",)], "max_area_growth": [0.0],
         "area_basis": ["floor_area"]},
        index=pd.Index([CHANNEL], name="channel"))


def _one_function(max_units: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"unit": ["unit"], "area_per_unit_m2": [1.0], "min_units": [0],
         "max_units": [max_units], "fitout_cost_per_unit": [0.0], "opex_per_unit_year": [0.0],
         "walking_limit_m": [math.inf], "demand_rate": [1.0], "demand_per": [1.0],
         "demand_base": ["population"], "weight": [1.0]},
        index=pd.Index([FUNCTION], name="function"))


def read_orlib_cap(path: Path, capacity: float | None = None) -> ProblemData:
    """Read an OR-Library ``capXX.txt`` file into :class:`ProblemData`.

    ``capacity`` replaces the literal word ``capacity`` of capa/capb/capc files.
    """
    tok = _tokens(path)
    m, n = int(tok[0]), int(tok[1])
    pos = 2
    caps, fixed = [], []
    for _ in range(m):
        c = tok[pos]
        if c == "capacity":
            if capacity is None:
                raise DataError(f"{path}: capacities are the word 'capacity'; pass --capacity")
            caps.append(float(capacity))
        else:
            caps.append(float(c))
        fixed.append(float(tok[pos + 1]))
        pos += 2
    demand = np.empty(n)
    cost = np.empty((n, m))
    for j in range(n):
        demand[j] = float(tok[pos])
        cost[j] = [float(x) for x in tok[pos + 1: pos + 1 + m]]
        pos += 1 + m
    if pos != len(tok):
        raise DataError(f"{path}: expected {pos} numbers, found {len(tok)}")
    return cap_problem(np.array(caps), np.array(fixed), demand, cost)


def cap_problem(caps: np.ndarray, fixed: np.ndarray, demand: np.ndarray, cost: np.ndarray,
                reach: np.ndarray | None = None) -> ProblemData:
    """A capacitated warehouse instance as :class:`ProblemData`: capacities and opening
    costs per site, demand per customer, ``cost[j, i]`` of serving all of customer j's
    demand from site i; ``reach`` (same shape, bool) limits the pairs."""
    n, m = cost.shape
    sids = [f"W{i + 1}" for i in range(m)]
    zids = [f"C{j + 1}" for j in range(n)]
    spaces = pd.DataFrame({"kind": "state_building", "ownership": "state",
                           "floor_area_m2": caps, "fixed_cost": fixed},
                          index=pd.Index(sids, name="space_id"))
    zones = pd.DataFrame(index=pd.Index(zids, name="zone_id"))
    zi, si = np.nonzero(np.ones((n, m), dtype=bool) if reach is None else reach)
    pairs = pd.DataFrame({"zone_id": np.array(zids)[zi], "site_id": np.array(sids)[si],
                          "function": FUNCTION, "distance_m": 0.0,
                          # c_ij is the cost of serving ALL of j's demand from i
                          "cost_per_unit": cost[zi, si] / np.maximum(demand[zi], 1e-300)})
    dem = pd.Series(demand, index=pd.MultiIndex.from_arrays([zids, [FUNCTION] * n]))
    return problem_from_frames(zones=zones, spaces=spaces, functions=_one_function(
        int(max(caps))), channels=_one_channel(), demand=dem, pairs=pairs)


def read_orlib_pmed(path: Path) -> tuple[ProblemData, int]:
    """Read an OR-Library ``pmedN.txt`` graph; return the data and p."""
    tok = [int(t) for t in _tokens(path)]
    n, e, p = tok[0], tok[1], tok[2]
    if len(tok) != 3 + 3 * e:
        raise DataError(f"{path}: expected {3 + 3 * e} numbers, found {len(tok)}")
    c = np.full((n, n), np.inf)
    edges = np.array(tok[3:]).reshape(e, 3)
    for i, j, k in edges:  # in file order: the LAST cost of a repeated edge wins
        c[i - 1, j - 1] = k
        c[j - 1, i - 1] = k
    np.fill_diagonal(c, 0.0)
    d = shortest_path(np.where(np.isinf(c), 0, c), method="FW", directed=False)
    return pmed_problem(d), p


def pmed_problem(d: np.ndarray) -> ProblemData:
    """A p-median instance as :class:`ProblemData`: every vertex a zone with demand 1
    and a candidate space, ``d`` the distances (``inf``: no pair)."""
    n = len(d)
    ids = [f"V{i + 1}" for i in range(n)]
    spaces = pd.DataFrame({"kind": "state_building", "ownership": "state",
                           "floor_area_m2": float(n)}, index=pd.Index(ids, name="space_id"))
    zones = pd.DataFrame(index=pd.Index(ids, name="zone_id"))
    zi, si = np.nonzero(np.isfinite(d))
    pairs = pd.DataFrame({"zone_id": np.array(ids)[zi], "site_id": np.array(ids)[si],
                          "function": FUNCTION, "distance_m": d[zi, si]})
    dem = pd.Series(1.0, index=pd.MultiIndex.from_arrays([ids, [FUNCTION] * n]))
    return problem_from_frames(zones=zones, spaces=spaces, functions=_one_function(n),
                               channels=_one_channel(), demand=dem, pairs=pairs)


def read_spopt_london(folder: Path, p: int = 10) -> tuple[ProblemData, int]:
    """Read spopt's London schools test data; return the data and the number of *new* schools
    to open (p minus the predefined ones)."""
    folder = Path(folder)
    schools = pd.read_csv(folder / "example_subject_schools.csv")
    students = pd.read_csv(folder / "example_subject_students.csv")
    trips = pd.read_csv(folder / "example_subject_student_school_journeys.csv")
    code = "SE2 PP: Code"
    pre = schools[schools["priority"] == 1]
    cand = schools[schools["priority"] != 1]
    zids = [f"P{s}" for s in students["ST: ID"]]
    spaces = pd.DataFrame({"kind": "state_building", "ownership": "state",
                           "floor_area_m2": cand["Count"].astype(float).to_numpy()},
                          index=pd.Index(cand[code].to_numpy(), name="space_id"))
    existing = pd.DataFrame({"name": pre[code].to_numpy(), "function": FUNCTION,
                             "capacity": pre["Count"].astype(float).to_numpy(), "lon": 0.0,
                             "lat": 0.0, "x": 0.0, "y": 0.0},
                            index=pd.Index(pre[code].to_numpy(), name="facility_id"))
    pairs = pd.DataFrame({"zone_id": "P" + trips["student"].astype(str),
                          "site_id": trips["school"], "function": FUNCTION,
                          "distance_m": trips["time"].astype(float)})
    dem = pd.Series(1.0, index=pd.MultiIndex.from_arrays([zids, [FUNCTION] * len(zids)]))
    data = problem_from_frames(zones=pd.DataFrame(index=pd.Index(zids, name="zone_id")),
                               spaces=spaces, functions=_one_function(int(schools["Count"].max())),
                               channels=_one_channel(), demand=dem, pairs=pairs,
                               existing=existing)
    return data, p - len(pre)


def benchmark_scenario(objective: str, n_spaces: int | None, time_limit: float,
                       **switches) -> Scenario:
    """The switches that turn the city model into the classic problem."""
    return Scenario(
        name="benchmark",
        data={"zones": "-", "spaces": "-", "functions": "-", "channels": "-"},
        model=ModelOptions(objective=objective, n_spaces=n_spaces, integer_units=False,
                           tie_break=0.0, strong_assignment=True, **switches),
        solver=SolverOptions(time_limit_s=time_limit, mip_rel_gap=1e-9, mip_abs_gap=1e-9),
    )


def solve_benchmark(kind: str, path: Path, capacity: float | None = None,
                    time_limit: float = 600.0, method: str = "auto") -> dict:
    """Solve one instance; return objective, reference (if listed), timings and the
    (seconds, plan, bound) history.

    ``method``: ``auto`` solves by the facility-location structure where the model has it
    (:func:`siting.decompose.solve_structured`), ``single`` the single model whole,
    ``benders`` / ``radius`` force one."""
    from siting.decompose import solve_structured
    from siting.model import build_model
    from siting.solve import Solver

    path = Path(path)
    t0 = time.perf_counter()
    if kind == "orlib-cap":
        data = read_orlib_cap(path, capacity)
        scen = benchmark_scenario("min_cost", None, time_limit)
        instance = path.stem if capacity is None else f"{path.stem}-{capacity:g}"
    elif kind == "pmedian":
        data, p = read_orlib_pmed(path)
        scen = benchmark_scenario("min_distance", p, time_limit)
        instance = path.stem
    elif kind == "spopt-london":
        data, n_new = read_spopt_london(path)
        scen = benchmark_scenario("min_distance", n_new, time_limit, single_source=True,
                                  fill_existing=True)
        instance = "london_cpmedian_objective"
    else:
        raise DataError(f"unknown benchmark kind {kind!r} (orlib-cap, pmedian, spopt-london)")
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    built = build_model(data, scen.model)
    t_build = time.perf_counter() - t0
    solver = Solver()
    res = solve_structured(built, scen.solver, solver=solver, method=method)
    ref = reference_optimum(path, instance)
    obj = res.objective
    rel = None if (obj is None or ref is None) else abs(obj - ref) / max(abs(ref), 1e-12)
    return {"instance": instance, "status": res.status, "objective": obj, "reference": ref,
            "rel_diff": rel, "mip_gap": res.mip_gap, "read_s": t_read, "build_s": t_build,
            "solve_s": res.runtime_s, "first_plan_s": res.first_plan_s,
            "termination": res.termination, "history": list(solver.history)}


def reference_optimum(path: Path, instance: str) -> float | None:
    """The published optimum listed next to the instance: ``optima.csv`` (OR-Library) or
    ``expected.csv`` (spopt), if any."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    if (folder / "optima.csv").is_file():
        df = pd.read_csv(folder / "optima.csv", dtype={"instance": str})
        hit = df[df["instance"] == instance]
        return float(hit["optimal_value"].iloc[0]) if len(hit) else None
    if (folder / "expected.csv").is_file():
        df = pd.read_csv(folder / "expected.csv", dtype=str)
        hit = df[df["case_id"] == instance]
        return float(hit["expected_value"].iloc[0]) if len(hit) else None
    return None


def run_benchmark_cli(kind: str, path: Path, capacity: float | None = None,
                      time_limit: float = 600.0) -> int:
    r = solve_benchmark(kind, path, capacity, time_limit)
    print(f"instance={r['instance']} status={r['status']} gap={r['mip_gap']} "
          f"build_s={r['build_s']:.2f} solve_s={r['solve_s']:.2f}")
    fmt = lambda v: "n/a" if v is None else f"{v:.6f}"  # noqa: E731
    rel = "n/a" if r["rel_diff"] is None else f"{r['rel_diff']:.3e}"
    print(f"objective={fmt(r['objective'])} reference={fmt(r['reference'])} rel_diff={rel}")
    return 0 if r["status"] == "optimal" else 1
