"""HiGHS's own memory on a city-scale model: is a peak-memory target reachable at all?

    python benchmarks/highs_memory.py [--size mid] [--functions 10] [--time-limit 120]

Builds ``benchmarks/city_scale.py``'s max-coverage model (budget 1.5 % of taking
everything), sets the greedy start, writes the held model and the start to a temporary
folder, then solves that file with highspy alone in a fresh process for each thread count
(1 and 2): no Pyomo, no model in memory but HiGHS's. Prints the siting process's resident
memory before HiGHS runs and, per thread count, ``threads=… status=… objective=… gap=…
solve_s=… peak_mb=…`` (the child's peak resident memory, reading the file included).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from city_scale import SIZES, instance  # noqa: E402

CHILD = r"""
import resource, sys, time
import highspy, numpy as np
path, start, threads, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.readModel(path)
h.setOptionValue("threads", threads)
h.setOptionValue("time_limit", limit)
h.setOptionValue("mip_rel_gap", 1e-3)
x = np.load(start)
h.setSolution(len(x), np.arange(len(x), dtype=np.int32), x)
t = time.perf_counter()
h.run()
info = h.getInfo()
print(f"threads={threads} status={h.modelStatusToString(h.getModelStatus())} "
      f"objective={info.objective_function_value:.6f} gap={info.mip_gap:.5f} "
      f"solve_s={time.perf_counter() - t:.1f} "
      f"peak_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=list(SIZES), default="mid")
    ap.add_argument("--functions", type=int, default=10)
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    from siting.config import ModelOptions
    from siting.model import build_model
    from siting.model.sets import build_index
    from siting.model.warmstart import greedy_start
    from siting.solve import Solver

    data = instance(*SIZES[args.size], args.functions)
    cost = build_index(data, ModelOptions()).max_capex
    built = build_model(data, ModelOptions(budget=0.015 * cost))
    solver = Solver()
    solver.load(built)
    greedy_start(built, data.functions["weight"].astype(float).to_dict())
    x = solver._set_start()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"size={args.size} functions={args.functions} columns={len(solver._columns)} "
          f"rows={solver.highs.getNumRow()} siting_peak_before_highs_mb={rss:.0f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        mps, start = Path(tmp) / "model.mps", Path(tmp) / "start.npy"
        solver.highs.writeModel(str(mps))
        np.save(start, x)
        del built, solver
        for threads in (1, 2):
            out = subprocess.run([sys.executable, "-c", CHILD, str(mps), str(start),
                                  str(threads), str(args.time_limit)],
                                 capture_output=True, text=True, check=False)
            last = out.stdout.strip().splitlines()[-1:] or [""]
            print(last[0] if last[0].startswith("threads=") else
                  f"threads={threads} failed: {out.stderr.strip()[-300:]}",
                  flush=True)


if __name__ == "__main__":
    main()
