"""Time ``siting alternatives``: the optimum, K alternatives within the slack and the
necessity re-solves, on the demo's base scenario or the 1,000 x 300 city.

    python benchmarks/alternatives.py [--size demo|small] [--count 5] [--slack 0.02]
        [--measure distance|sites|street] [--time-limit S]

``small`` is the city of ``benchmarks/city_scale.py`` (3 functions, budget 1.5 % of the cost
of taking everything, 0.1 % gap for the optimum). Writes nothing. Prints each plan (sites
shared with the optimum, street difference, mean distance to the optimum's nearest site,
service moved away from the plans before it and its bound), then ``size=… found=…
optimum_s=… alternatives_s=… necessity_s=… total_s=… min_shared=… max_street_diff=…
mean_dist_m=… min_moved=…``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=["demo", "small"], default="demo")
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--slack", type=float, default=0.02)
    ap.add_argument("--measure", default="distance")
    ap.add_argument("--time-limit", type=float, default=None)
    args = ap.parse_args()
    from explain import demo, small

    from siting.alternatives import run_alternatives

    data, scen = demo() if args.size == "demo" else small(60.0)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    res = run_alternatives(data, scen, args.count, args.slack, args.measure,
                           time_limit_s=args.time_limit,
                           progress=lambda name, s: times.__setitem__(name, s))
    total = time.perf_counter() - t0
    plans = res.table[res.table["kind"] == "plan"]
    print(plans[["id", "status", "weighted_coverage", "capex", "n_sites",
                 "sites_shared_with_optimum", "street_difference",
                 "mean_distance_to_optimum_m", "service_moved", "service_moved_bound"]
                ].to_string(index=False), flush=True)
    alt = plans[plans["id"] != "optimum"]
    print(f"size={args.size} found={res.meta['found']}/{args.count} "
          f"optimum_s={times.get('optimum', float('nan')):.1f} "
          f"alternatives_s={res.meta['seconds_plans'] - times.get('optimum', 0.0):.1f} "
          f"necessity_s={res.meta['seconds_necessity']:.1f} total_s={total:.1f} "
          f"min_shared={alt['sites_shared_with_optimum'].min() if len(alt) else 'n/a'} "
          f"max_street_diff={alt['street_difference'].max() if len(alt) else 'n/a'} "
          f"mean_dist_m={alt['mean_distance_to_optimum_m'].mean() if len(alt) else 'n/a'} "
          f"min_moved={alt['service_moved'].min() if len(alt) else 'n/a'}",
          flush=True)


if __name__ == "__main__":
    main()
