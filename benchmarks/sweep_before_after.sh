#!/usr/bin/env bash
# The shipped 200-point budget ladder (scenarios/sweeps/budget.yaml, 1 % gap) on 2 Dask
# workers, with the code of BEFORE_REF and with this checkout, side by side on one machine:
#   benchmarks/sweep_before_after.sh [BEFORE_REF] [WORKERS] [REPEATS]
# BEFORE_REF (default cad0868, the last commit before issue #18) is checked out in a temporary
# git worktree and run with this checkout's interpreter; runs alternate before/after so load
# on a shared machine hits both alike. Prints per run: side, seconds, runs, optimal, the
# largest gap reported and how many runs the LP-bound certificate closed.
set -euo pipefail
REF=${1:-cad0868}
WORKERS=${2:-2}
REPEATS=${3:-1}
. "$(dirname "$0")/_before_worktree.sh"
for r in $(seq "$REPEATS"); do
  for side in before after; do
    dir=$HERE; [ "$side" = before ] && dir=$TMP/before
    out=$TMP/out-$side-$r
    t0=$(date +%s.%N)
    (cd "$dir" && PYTHONPATH="$dir" "$PY" -c "from siting.sweep import run_sweep; \
run_sweep('scenarios/sweeps/budget.yaml', '$out', workers=$WORKERS, progress=False)" \
        >/dev/null 2>&1) || echo "$side: sweep failed"
    t1=$(date +%s.%N)
    "$PY" - "$side" "$t0" "$t1" "$out" <<'PY'
import sys, pandas as pd
side, t0, t1, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
t = pd.read_csv(f"{out}/results.csv")
print(f"side={side} seconds={t1 - t0:.1f} runs={len(t)} optimal={(t['status'] == 'optimal').sum()} "
      f"max_gap={t['mip_gap'].max():.4f}", flush=True)
PY
  done
done
