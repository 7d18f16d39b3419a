# Sourced by the side-by-side benchmarks: checks REF out in a temporary git worktree,
# $TMP/before, removed on exit; sets HERE (this checkout), PY (its interpreter) and TMP.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-$HERE/.venv/bin/python}
TMP=$(mktemp -d)
trap 'git -C "$HERE" worktree remove --force "$TMP/before" >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
git -C "$HERE" worktree add --detach "$TMP/before" "$REF" >/dev/null 2>&1
