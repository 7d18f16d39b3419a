#!/usr/bin/env bash
# benchmarks/city_scale.py with the code of BEFORE_REF and with this checkout, side by side on
# one machine (the README's first-plan tables of issue #18):
#   benchmarks/city_scale_side_by_side.sh BEFORE_REF REPEATS [city_scale.py arguments ...]
#   e.g. benchmarks/city_scale_side_by_side.sh 07b06cc 2 --size mid --objective min_cost --time-limit 60
# BEFORE_REF is checked out in a temporary git worktree and run with this checkout's
# interpreter; runs alternate before/after so load on a shared machine hits both alike.
# Prints per run the side, city_scale.py's closing line and its termination line.
set -euo pipefail
REF=${1:?BEFORE_REF}
REPEATS=${2:?REPEATS}
shift 2
. "$(dirname "$0")/_before_worktree.sh"
for r in $(seq "$REPEATS"); do
  for side in before after; do
    dir=$HERE; [ "$side" = before ] && dir=$TMP/before
    out=$( (cd "$dir" && PYTHONPATH="$dir" "$PY" benchmarks/city_scale.py "$@" 2>&1) \
           | grep -E '^(size=|termination:)' || true)
    [ -n "$out" ] || out="(no result: the run failed)"
    echo "side=$side run=$r"
    echo "$out" | sed 's/^/  /'
  done
done
