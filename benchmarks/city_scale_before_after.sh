#!/usr/bin/env bash
# Before/after table of issue #7 in one run on one machine:
#   benchmarks/city_scale_before_after.sh [BEFORE_REF] [TIME_LIMIT] [SIZES] [DENSITY]
# BEFORE_REF (default ec55fef, the last commit before the city-scale work) is checked out in a
# temporary git worktree and its own benchmarks/city_scale.py is run (Pyomo's APPSI hand-over,
# no start, no merging); then this checkout's. Runs are sequential so they do not share cores.
set -euo pipefail
REF=${1:-ec55fef}
LIMIT=${2:-120}
SIZES=${3:-"small mid large"}
DENSITY=${4:-30}
HERE=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'git -C "$HERE" worktree remove --force "$TMP/before" >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
git -C "$HERE" worktree add --detach "$TMP/before" "$REF" >/dev/null 2>&1
for size in $SIZES; do
  for side in before after; do
    dir=$HERE; [ "$side" = before ] && dir=$TMP/before
    line=$(cd "$dir" && PYTHONPATH="$dir" python benchmarks/city_scale.py --size "$size" \
             --time-limit "$LIMIT" --density "$DENSITY" 2>/dev/null | grep '^size=' || echo "size=$size failed")
    echo "$side $line"
  done
done
