"""Are the inputs the plan names still the ones it was made from? (sha256 of each file)."""

from __future__ import annotations

from pathlib import Path

from siting.data import file_sha256
from siting.verify.core import Violation


def check_input_files(summary: dict) -> tuple[list[Violation], bool]:
    """Violations for input files that changed or vanished, and whether the plan can still
    be checked (not if an input is gone)."""
    v: list[Violation] = []
    gone = False
    for key, d in summary.get("inputs", {}).items():
        p = Path(d["path"])
        if not p.is_file():
            v.append(Violation("inputs", key, f"input file {p} no longer exists"))
            gone = True
        elif d["sha256"] is not None and file_sha256(p) != d["sha256"]:
            v.append(Violation("inputs", key, f"input file {p} changed since the plan was made "
                                              "(sha256 differs)"))
    return v, not gone


def check_scenario_file(summary: dict) -> list[Violation]:
    """The recorded scenario must be the one its scenario file (with the recorded ``--set``
    overrides) gives today: a recorded scenario edited after the fact, or a scenario file
    changed since, is a violation."""
    src = summary.get("scenario_file")
    if not src:
        return []  # a scenario made in code (a sweep's run, a script): nothing to compare
    if not isinstance(src, dict) or "path" not in src:
        return [Violation("reading", "summary.json key 'scenario_file'",
                          "must give the scenario file's 'path', 'sha256' and 'overrides'")]
    path = Path(src["path"])
    if not path.is_file():
        return [Violation("inputs", "scenario", f"scenario file {path} no longer exists")]
    if src.get("sha256") and file_sha256(path) != src["sha256"]:
        return [Violation("inputs", "scenario", f"scenario file {path} changed since the plan "
                                                "was made (sha256 differs)")]
    from siting.config import load_scenario
    from siting.exceptions import DataError

    try:
        again = load_scenario(path, src.get("overrides") or None).model_dump(mode="json")
    except DataError as exc:
        return [Violation("inputs", "scenario", f"{path} no longer loads: {p}")
                for p in exc.problems]
    diffs = _differences(summary["resolved_scenario"], again)
    return [Violation("inputs", f"scenario {key}",
                      f"the plan records {got!r}, but {path.name}"
                      f"{' with its --set overrides' if src.get('overrides') else ''} gives "
                      f"{want!r}: the recorded scenario was changed")
            for key, got, want in diffs[:20]]


CHANGED_DEFAULTS = {"model.strong_assignment": (True, None)}
"""Defaults a later version changed without changing what the recorded value meant for the
plan: key -> (the old default as recorded, the new default). ``strong_assignment`` was
``True`` until 2026-12-07, now ``None`` (:func:`siting.model.service.strong_rows`): the
rows it adds never change an optimum, so a plan recorded under either is checked alike."""


def _differences(got, want, prefix: str = "") -> list[tuple[str, object, object]]:
    if CHANGED_DEFAULTS.get(prefix.rstrip(".")) == (got, want):
        return []
    if isinstance(got, dict) and isinstance(want, dict):
        out = []
        for k in sorted(set(got) | set(want), key=str):
            out += _differences(got.get(k), want.get(k), f"{prefix}{k}.")
        return out
    if got != want and not (_num(got) and _num(want)
                            and abs(float(got) - float(want)) <= 1e-9 * max(1.0, abs(want))):
        return [(prefix.rstrip("."), got, want)]
    return []


def _num(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)
