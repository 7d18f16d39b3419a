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
