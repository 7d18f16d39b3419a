"""The large-neighbourhood search alone, given as long as you like: where does the plan go?

    python benchmarks/neighbourhood.py --size small [--seconds 300] [--objective min_distance]

On ``benchmarks/city_scale.py``'s serve-all instance: the constructive plan, for
``min_distance`` the LP relaxation (its bound) and its rounded plan, then
:func:`siting.neighbourhood.improve` for ``--seconds`` (seeds ordered by walking beyond the
LP's, as a solve does). Prints each step's value and ends with
``size=… objective=… start=… bound=… after=… gap=… moves=… improved=… passes=… search_s=…``
(``bound`` and ``gap`` only for ``min_distance``: ``min_cost``'s LP is not solved at city
scale). Not the solve's time split: a solve gives the search what is left of its limit.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from city_scale import SIZES, instance  # noqa: E402

from siting import decompose, neighbourhood  # noqa: E402
from siting.config import ModelOptions  # noqa: E402
from siting.model import build_model  # noqa: E402
from siting.model.serve_start import serve_all_start  # noqa: E402
from siting.solve import Solver  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=list(SIZES), default="small")
    ap.add_argument("--functions", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--objective", choices=["min_distance", "min_cost"],
                    default="min_distance")
    args = ap.parse_args()
    nz, ns = SIZES[args.size]
    data = instance(nz, ns, args.functions, reach_all=True)
    built = build_model(data, ModelOptions(objective=args.objective))
    solver = Solver()
    solver.load(built)
    t0 = time.perf_counter()
    if serve_all_start(built) is None:
        raise SystemExit("no constructive plan")
    print(f"constructive plan in {time.perf_counter() - t0:.1f} s", flush=True)
    x = solver.held_values()
    x[solver._integer] = np.round(x[solver._integer])
    bound = lp = None
    if args.objective == "min_distance":
        bound, note, lp, x = decompose._rounded_from_lp(built, solver, 600.0, x)
        print(note, flush=True)
    start = float(solver._cost @ x + solver._offset)
    x, got = neighbourhood.improve(built, solver, x, args.seconds, reference=lp)
    if not solver.feasible(x):
        raise SystemExit("the search's plan violates a row")
    print(got.text(), flush=True)
    gap = "n/a" if bound is None else f"{(got.after - bound) / got.after:.4f}"
    print(f"size={args.size} objective={args.objective} start={start:.6g} "
          f"bound={'n/a' if bound is None else f'{bound:.6g}'} after={got.after:.6g} "
          f"gap={gap} moves={got.moves} improved={got.improved} passes={got.passes} "
          f"search_s={got.seconds:.1f}", flush=True)


if __name__ == "__main__":
    main()
