"""``max_min_coverage`` against ``max_coverage``: first plan, solve time, gap, side by side.

    python benchmarks/maxmin_scale.py --demo [--repeat 3]
    python benchmarks/maxmin_scale.py --size small|mid [--level street|community]
    python benchmarks/city_scale.py --size mid --objective max_min_coverage

On the demo, the shipped ``scenarios/base.yaml`` (max coverage) and ``scenarios/equity.yaml``
(max-min) are solved through the product's pipeline (``siting.run.plan_problem``). At city
scale the instance is ``benchmarks/city_scale.py``'s (streets: grid cells of about 20
communities), max coverage first, then the max-min plan from the same data. Each line ends
``objective=… first_plan_s=… solve_s=… gap=… min_coverage=… ratio=…`` where ``ratio`` is
the max-min solve time over max coverage's; ``lp_s``, ``restricted_s`` and
``guided_plan_s`` time stage 1's LP relaxation, its MIP restricted to the LP's support and the
plan that gives (from the start of the build), ``guided_gap`` that plan's gap to the LP bound
(:func:`siting.maxmin.solve_guided`). ``city_scale.py --max-min-time-ratio 3`` gives max-min
three times max coverage's solve time: what the target allows. The machine is shared: run
``nice -n 0`` and repeat (``--repeat``); the best and the spread are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _line(tag: str, **kv) -> str:
    return tag + " " + " ".join(f"{k}={v}" for k, v in kv.items())


def max_min_solve(data, opts, level: str, time_limit: float, start: str = "water_filling"
                  ) -> dict:
    """Build, set the start (``water_filling``: :mod:`siting.model.equity_start`, the
    product's; ``max_coverage``: the max-coverage greedy), solve lexicographically; the
    figures of one run."""
    import pyomo.environ as pyo

    from siting.config import SolverOptions
    from siting.maxmin import solve_lexicographic
    from siting.model import build_model
    from siting.model.equity import complete_start
    from siting.model.equity_start import max_min_start
    from siting.model.warmstart import greedy_start
    from siting.solve import Solver

    mo = opts.update(objective="max_min_coverage", equity_level=level)
    t0 = time.perf_counter()
    built = build_model(data, mo)
    build_s = time.perf_counter() - t0
    solver = Solver()
    handover_s = solver.load(built)
    t0 = time.perf_counter()
    weight = data.functions["weight"].astype(float).to_dict()
    got = (greedy_start(built, weight) if start == "max_coverage"
           else max_min_start(built, weight))
    if got is not None:
        complete_start(built)
    greedy_s = time.perf_counter() - t0
    z0 = pyo.value(built.model.equity_min) if got is not None else None
    res, info = solve_lexicographic(built, SolverOptions(time_limit_s=time_limit,
                                                         mip_rel_gap=1e-3),
                                    warm_start=got is not None, solver=solver)
    first = (None if res.first_plan_s is None
             else build_s + handover_s + greedy_s + res.first_plan_s)
    g = info["stage1"].get("lp_guided") or {}
    steps = [r for r in g.get("restricted") or [] if r.get("objective") is not None]
    rest = ({"seconds": sum(r["seconds"] for r in g["restricted"]),
             "objective": max(r["objective"] for r in steps)} if steps else {})
    rgap = (None if rest.get("objective") is None or g.get("lp_bound") is None
            else (g["lp_bound"] - rest["objective"]) / max(abs(rest["objective"]), 1e-12))
    return {"lp_s": g.get("lp_s"), "bound_s": g.get("bound_s"),
            "bound_by": "lagrangian" if g.get("lp_bound_source") else "lp",
            "restricted_s": rest.get("seconds"),
            "restricted_gap": rgap,
            "guided_plan_s": (None if rest.get("seconds") is None else
                              build_s + handover_s + greedy_s + g["bound_s"] + rest["seconds"]),
            "build_s": build_s, "handover_s": handover_s, "greedy_s": greedy_s,
            "start_min": z0, "first_plan_s": first, "solve_s": res.runtime_s,
            "stage1_s": info["stage1"]["seconds"],
            "stage2_s": info.get("stage2", {}).get("seconds"),
            "status": res.status, "gap": res.mip_gap,
            "stage1_gap": info["stage1"]["mip_gap"],
            "min_coverage": info.get("min_coverage"),
            "min_bound": info.get("min_coverage_bound"),
            "total": pyo.value(built.model.coverage_score) if res.has_solution else None}


def compare_max_min(data, opts, args, ref: dict) -> None:
    """Called by ``city_scale.py --objective max_min_coverage`` after its max-coverage run."""
    ratio = getattr(args, "max_min_time_ratio", None)
    limit = args.time_limit if ratio is None else max(ratio * ref["solve_s"], 1.0)
    r = max_min_solve(data, opts, args.equity_level, limit,
                      getattr(args, "start", "water_filling"))
    print(_line("objective=max_min_coverage", level=args.equity_level,
                start=getattr(args, "start", "water_filling"),
                build_s=f"{r['build_s']:.1f}", handover_s=f"{r['handover_s']:.1f}",
                time_limit_s=f"{limit:.0f}",
                start_min=_f(r["start_min"]), first_plan_s=_f(r["first_plan_s"], 1),
                bound_by=r["bound_by"], bound_s=_f(r["bound_s"], 1),
                lp_s=_f(r["lp_s"], 1), restricted_s=_f(r["restricted_s"], 1),
                guided_plan_s=_f(r["guided_plan_s"], 1),
                guided_gap=_f(r["restricted_gap"]),
                solve_s=f"{r['solve_s']:.1f}", stage1_s=f"{r['stage1_s']:.1f}",
                stage2_s=_f(r["stage2_s"], 1), status=r["status"], gap=_f(r["gap"]),
                stage1_gap=_f(r["stage1_gap"]), min_coverage=_f(r["min_coverage"]),
                min_bound=_f(r["min_bound"]),
                ratio=f"{r['solve_s'] / max(ref['solve_s'], 1e-9):.2f}"), flush=True)


def _f(v, nd: int = 4) -> str:
    return "n/a" if v is None else f"{v:.{nd}f}"


def demo(repeat: int) -> None:
    from siting.config import load_scenario
    from siting.data import load_inputs
    from siting.problem import prepare
    from siting.run import plan_problem

    base = load_scenario(ROOT / "scenarios" / "base.yaml")
    fair = load_scenario(ROOT / "scenarios" / "equity.yaml")
    data = prepare(load_inputs(base), base)
    times: dict[str, list[float]] = {"max_coverage": [], "max_min_coverage": []}
    for k in range(repeat):
        for name, sc in (("max_coverage", base), ("max_min_coverage", fair)):
            t0 = time.perf_counter()
            s = plan_problem(data, sc).summary
            wall = time.perf_counter() - t0
            times[name].append(s["solve_seconds"])
            mm = s["equity"].get("max_min", {})
            print(_line(f"demo run={k} objective={name}", solve_s=f"{s['solve_seconds']:.1f}",
                        wall_s=f"{wall:.1f}", first_plan_s=_f(s["first_plan_seconds"], 1),
                        status=s["status"], gap=_f(s["mip_gap"]),
                        street_min=_f(s["equity"]["weighted"]["street_min"]),
                        weighted_coverage=_f(s["weighted_coverage"]),
                        stage1_s=_f(mm.get("stage1", {}).get("seconds"), 1),
                        stage2_s=_f(mm.get("stage2", {}).get("seconds"), 1)), flush=True)
    a, b = times["max_coverage"], times["max_min_coverage"]
    print(_line("demo summary", max_coverage_best_s=f"{min(a):.1f}",
                max_coverage_spread_s=f"{max(a) - min(a):.1f}",
                max_min_best_s=f"{min(b):.1f}", max_min_spread_s=f"{max(b) - min(b):.1f}",
                ratio_of_best=f"{min(b) / min(a):.2f}",
                ratio_of_medians=f"{statistics.median(b) / statistics.median(a):.2f}"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--size", default="small")
    ap.add_argument("--functions", type=int, default=3)
    ap.add_argument("--level", choices=["street", "community"], default="street")
    ap.add_argument("--time-limit", type=float, default=300.0)
    args = ap.parse_args()
    if args.demo:
        demo(args.repeat)
        return
    sys.argv = [sys.argv[0], "--size", args.size, "--functions", str(args.functions),
                "--time-limit", str(args.time_limit), "--objective", "max_min_coverage",
                "--equity-level", args.level]
    import city_scale

    city_scale.main()


if __name__ == "__main__":
    main()
