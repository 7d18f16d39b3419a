"""Larger OR-Library instances (not in the test suite): objective, published optimum, times,
and how far the plan held is from the published optimum over time.

    python benchmarks/orlib.py [--shared ../shared/data] [--time-limit 120]
        [--only capa-8000 pmed16 ...] [--method auto|single|benders|radius] [--compare]

Prints one line per instance
(``instance=… method=… status=… objective=… reference=… rel_diff=… gap=… first_plan_s=…
build_s=… solve_s=…``), then a table per method: the plan's excess over the published optimum
at its first plan and at 10, 30, 60 and 120 s (``-``: no plan yet; ``=``: optimal value
held), and when optimality was proven. ``--compare`` runs the single model too.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from siting.benchmarks import solve_benchmark

CHECKPOINTS = (10.0, 30.0, 60.0, 120.0)


def excess(value: float | None, ref: float | None) -> str:
    if value is None or ref is None:
        return "-"
    e = (value - ref) / abs(ref)
    return "=" if abs(e) < 1e-9 else f"{100 * e:+.2f}%"


def at(history: list, t: float) -> float | None:
    vals = [u for s, u, _ in history if s <= t and u == u and abs(u) < float("inf")]
    return min(vals) if vals else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"
                                            / "data"))
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--method", default="auto")
    ap.add_argument("--compare", action="store_true", help="also run the single model")
    args = ap.parse_args()
    shared = Path(args.shared)
    jobs = []
    cap = pd.read_csv(shared / "orlib-cap" / "optima.csv")
    for r in cap[cap["instance"].str.startswith("capa")].itertuples():
        jobs.append(("orlib-cap", shared / "orlib-cap" / r.file, float(r.capacity), r.instance))
    pm = pd.read_csv(shared / "orlib-pmed" / "optima.csv")
    for r in pm[pm["n"] >= 300].itertuples():
        jobs.append(("pmedian", shared / "orlib-pmed" / r.file, None, r.instance))
    methods = [args.method] + (["single"] if args.compare and args.method != "single" else [])
    rows = {m: [] for m in methods}
    for kind, path, capacity, name in jobs:
        if args.only and name not in args.only:
            continue
        for method in methods:
            r = solve_benchmark(kind, path, capacity, args.time_limit, method)
            rel = "n/a" if r["rel_diff"] is None else f"{r['rel_diff']:.2e}"
            gap = "n/a" if r["mip_gap"] is None else f"{r['mip_gap']:.2e}"
            fp = r["first_plan_s"]
            print(f"instance={name} method={method} status={r['status']} "
                  f"objective={r['objective']} reference={r['reference']} rel_diff={rel} "
                  f"gap={gap} first_plan_s={'n/a' if fp is None else f'{fp:.1f}'} "
                  f"build_s={r['build_s']:.1f} solve_s={r['solve_s']:.1f}", flush=True)
            h, ref = r["history"], r["reference"]
            first = min(h, key=lambda e: e[0]) if h else None
            cells = [f"{first[0]:.1f} s {excess(first[1], ref)}" if first else "-"]
            cells += [excess(at(h, t), ref) if t <= args.time_limit + 1e-9 else "n/a"
                      for t in CHECKPOINTS]
            proven = f"{r['solve_s']:.1f} s" if r["status"] == "optimal" else (
                f"no (gap {gap})")
            rows[method].append([name] + cells + [proven])
    for method, table in rows.items():
        print(f"\nmethod={method}: excess of the plan held over the published optimum")
        head = ["instance", "first plan", "10 s", "30 s", "60 s", "120 s", "proven"]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *table)]
        for line in [head] + table:
            print("| " + " | ".join(str(x).ljust(w) for x, w in zip(line, widths)) + " |")


if __name__ == "__main__":
    main()
