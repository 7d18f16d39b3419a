"""Street-network distance speed: 5,000 zones x 1,000 spaces on a ~100k-edge grid network.

    python benchmarks/network.py [--zones 5000] [--spaces 1000] [--side 224] [--limit 1000]

Builds a seeded street grid (``side`` x ``side`` nodes, 80 m blocks, 3 % of links removed as
obstacles), scatters points over it, and times reading-free graph construction + snapping +
bounded multi-source Dijkstra (:func:`siting.network.network_pairs`). Last line:
``edges=… zones=… spaces=… pairs=… seconds=…``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from siting.network import network_pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zones", type=int, default=5000)
    ap.add_argument("--spaces", type=int, default=1000)
    ap.add_argument("--side", type=int, default=224)
    ap.add_argument("--limit", type=float, default=1000.0)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    n = args.side
    xy = np.array([(80.0 * i, 80.0 * j) for i in range(n) for j in range(n)])
    idx = np.arange(n * n).reshape(n, n)
    ei = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
    ej = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])
    keep = rng.random(len(ei)) > 0.03
    ei, ej = ei[keep], ej[keep]
    ew = np.hypot(*(xy[ei] - xy[ej]).T)
    span = 80.0 * (n - 1)
    zones = rng.uniform(0, span, (args.zones, 2))
    spaces = rng.uniform(0, span, (args.spaces, 2))
    t0 = time.perf_counter()
    zi, si, d, _ = network_pairs(xy, ei, ej, ew, zones, spaces, args.limit)
    dt = time.perf_counter() - t0
    print(f"edges={len(ei)} zones={args.zones} spaces={args.spaces} pairs={len(zi)} "
          f"seconds={dt:.2f}")


if __name__ == "__main__":
    main()
