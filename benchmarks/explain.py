"""Time ``siting explain``: every chosen site closed and N candidates forced, re-solving the
held model, against rebuilding the model for each site.

    python benchmarks/explain.py [--size demo|small] [--candidates 20] [--workers 2]
        [--rebuild-sample 5] [--time-limit S] [--sites N]

``demo``: the bundled district's base scenario (38 sites at 50 M CNY). ``small``: the
1,000 x 300 city of ``benchmarks/city_scale.py`` (3 functions, budget 1.5 % of the cost of
taking everything, 0.1 % gap). The re-solves run in ``--workers`` processes (one HiGHS thread
each). "Rebuilding" is what a script without re-use would do per site: build the model with
the site pinned closed, hand it over, greedy start, solve (one thread), for a sample of the
sites; the ratio compares seconds per site. Ends with ``size=… jobs=… base_s=… explain_s=…
cpu_s=… per_resolve_s=… rebuild_per_site_s=… ratio=… exact=…/…`` (``cpu_s``: CPU seconds of
this process and its workers, which the other load on the machine does not inflate much).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def demo():
    from siting.config import load_scenario
    from siting.data import load_inputs
    from siting.problem import prepare

    scen = load_scenario(ROOT / "scenarios" / "base.yaml")
    return prepare(load_inputs(scen), scen), scen


def small(time_limit: float):
    from city_scale import instance

    from siting.config import ModelOptions, Scenario
    from siting.model.sets import build_index

    data = instance(1_000, 300, 3)
    budget = 0.015 * build_index(data, ModelOptions()).max_capex
    scen = Scenario.model_validate({
        "name": "city_1000x300",
        "data": {"zones": "-", "spaces": "-", "functions": "-", "channels": "-"},
        "model": {"budget": budget},
        "solver": {"time_limit_s": time_limit, "mip_rel_gap": 1e-3}})
    return data, scen


def rebuild_per_site(data, scen, sites: list[str], time_limit: float) -> float:
    from siting.config import Decisions
    from siting.model import build_model
    from siting.run import _greedy_start
    from siting.solve import solve

    t0 = time.perf_counter()
    for j in sites:
        d = replace(data, decisions=Decisions(close=[j]))
        built = build_model(d, scen.model, scen.standards, scen.phasing)
        warm = _greedy_start(built, d, {})
        solve(built, scen.solver.update(threads=1, time_limit_s=time_limit), warm_start=warm)
    return (time.perf_counter() - t0) / max(len(sites), 1)


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the worker processes): on a
    shared machine, wall time says more about the neighbours than about the code."""
    import resource

    a, b = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=["demo", "small"], default="demo")
    ap.add_argument("--candidates", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rebuild-sample", type=int, default=5)
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds per re-solve (default: the scenario's; small: 20)")
    ap.add_argument("--prove", action="store_true", help="whole-model re-solve where the "
                    "local one is not proven")
    ap.add_argument("--sites", type=int, default=None,
                    help="explain only the first N chosen sites (default: all)")
    args = ap.parse_args()
    from siting.explain import site_values

    data, scen = demo() if args.size == "demo" else small(60.0)
    limit = args.time_limit or (scen.solver.time_limit_s if args.size == "demo" else 20.0)
    t0, cpu0 = time.perf_counter(), _cpu()
    table, meta = site_values(data, scen, args.candidates, workers=args.workers,
                              resolve_time_limit_s=limit, sites=args.sites, prove=args.prove)
    total, cpu = time.perf_counter() - t0, _cpu() - cpu0
    jobs = len(table)
    per = meta["resolve_seconds"] * args.workers / max(jobs, 1)
    sample = list(table.loc[table["role"] == "chosen", "space_id"].head(args.rebuild_sample))
    rebuild = rebuild_per_site(data, scen, sample, limit) if sample else float("nan")
    exact = int(table["exact"].sum())
    print(f"base: {meta['n_sites']} sites, {meta['status']}, gap {meta['gap']:.4%}, "
          f"{meta['base_seconds']:.1f} s; re-solves: {jobs} in {meta['resolve_seconds']:.1f} s "
          f"on {args.workers} worker(s)", flush=True)
    print(f"size={args.size} jobs={jobs} base_s={meta['base_seconds']:.1f} "
          f"explain_s={total:.1f} cpu_s={cpu:.1f} per_resolve_s={per:.2f} "
          f"rebuild_per_site_s={rebuild:.2f} ratio={rebuild / per:.2f} "
          f"exact={exact}/{jobs}", flush=True)


if __name__ == "__main__":
    main()
