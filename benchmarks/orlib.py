"""Larger OR-Library instances (not in the test suite): objective, published optimum, times.

    python benchmarks/orlib.py [--shared ../shared/data] [--time-limit 600] [--only pmed11 ...]

Prints one line per instance:
``instance=… status=… objective=… reference=… rel_diff=… build_s=… solve_s=…``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from siting.benchmarks import solve_benchmark


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"
                                            / "data"))
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    shared = Path(args.shared)
    jobs = []
    cap = pd.read_csv(shared / "orlib-cap" / "optima.csv")
    for r in cap[cap["instance"].str.startswith("capa")].itertuples():
        jobs.append(("orlib-cap", shared / "orlib-cap" / r.file, float(r.capacity), r.instance))
    pm = pd.read_csv(shared / "orlib-pmed" / "optima.csv")
    for r in pm[pm["n"] >= 300].itertuples():
        jobs.append(("pmedian", shared / "orlib-pmed" / r.file, None, r.instance))
    for kind, path, capacity, name in jobs:
        if args.only and name not in args.only:
            continue
        r = solve_benchmark(kind, path, capacity, args.time_limit)
        rel = "n/a" if r["rel_diff"] is None else f"{r['rel_diff']:.2e}"
        gap = "n/a" if r["mip_gap"] is None else f"{r['mip_gap']:.2e}"
        print(f"instance={name} status={r['status']} objective={r['objective']} "
              f"reference={r['reference']} rel_diff={rel} gap={gap} "
              f"build_s={r['build_s']:.1f} solve_s={r['solve_s']:.1f}", flush=True)


if __name__ == "__main__":
    main()
