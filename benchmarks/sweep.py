"""Sweep throughput on the demo: runs per minute for rebuild-every-run, persistent re-solve,
and N local Dask workers, for a budget ladder, a demand ladder (childcare demand rate x growth
of the 60+ population) and a price ladder (conversion x renovation cost multipliers); then the
shipped 200-point budget ladder end to end.

    python benchmarks/sweep.py [--points 20] [--workers 2] [--ladder]

Prints lines ``mode=… runs=… seconds=… runs_per_min=…`` and each persistent / rebuild ratio.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from siting.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]


def measure(label: str, spec: Path, **kw) -> float:
    out = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    t0 = time.perf_counter()
    table = run_sweep(spec, out, progress=False, **kw)
    dt = time.perf_counter() - t0
    ok = table["status"].isin(["optimal", "time_limit"]).sum()
    print(f"mode={label} runs={len(table)} ok={ok} seconds={dt:.1f} "
          f"runs_per_min={60 * len(table) / dt:.1f}", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ladder", action="store_true", help="also run scenarios/sweeps/budget.yaml")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sweep-spec-"))
    head = (f"base: {ROOT / 'scenarios' / 'base.yaml'}\n"
            "overrides: {solver: {mip_rel_gap: 0.01, time_limit_s: 60}}\nparameters:\n")
    spec = folder / "budget.yaml"
    spec.write_text(head + f"  model.budget: {{range: [1e7, 1e8], steps: {args.points}}}\n",
                    encoding="utf-8")
    demand = folder / "demand.yaml"
    demand.write_text(head + "  functions.childcare.demand_rate: "
                      f"{{range: [3.0, 6.0], steps: {max(2, args.points // 2)}}}\n"
                      "  demand_growth.pop_60_plus: {values: [1.0, 1.3]}\n", encoding="utf-8")
    cost = folder / "cost.yaml"
    cost.write_text(head + "  channels.convert.cost_multiplier: "
                    f"{{range: [0.7, 1.5], steps: {max(2, args.points // 2)}}}\n"
                    "  channels.renovate.cost_multiplier: {values: [1.0, 1.3]}\n",
                    encoding="utf-8")
    for name, path in (("budget", spec), ("demand", demand), ("cost", cost)):
        rebuild = measure(f"{name}_rebuild", path, workers=0, persistent=False)
        persistent = measure(f"{name}_persistent", path, workers=0, persistent=True)
        print(f"{name}_persistent_vs_rebuild_speedup={rebuild / persistent:.2f}", flush=True)
    measure(f"budget_dask_{args.workers}_workers", spec, workers=args.workers)
    if args.ladder:
        measure("budget_ladder_200", ROOT / "scenarios" / "sweeps" / "budget.yaml",
                workers=args.workers)


if __name__ == "__main__":
    main()
