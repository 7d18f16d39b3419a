"""Independent check of an exported plan against its inputs (``siting verify DIR``).

The verifier re-reads the input files named in ``summary.json`` and the exported CSVs, and
re-checks every constraint with its own code: it does not import the model, the problem
assembly or the distance code. One module per constraint family, mirroring
:mod:`siting.model` (:mod:`~siting.verify.siting`, :mod:`~siting.verify.capacity`,
:mod:`~siting.verify.phasing`, :mod:`~siting.verify.service`, :mod:`~siting.verify.standards`),
plus :mod:`~siting.verify.reported` (every number the plan reports, recomputed);
:mod:`~siting.verify.reading` reads the plan folder without trusting it and
:mod:`~siting.verify.inputs` checks the inputs are the ones the plan was made from.
A new family is a new module with one function registered by
:func:`~siting.verify.core.family`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from siting.config import Scenario
from siting.exceptions import DataError
from siting.verify.core import PlanContext, Violation, families, family
from siting.verify.inputs import check_input_files, check_scenario_file
from siting.verify.reading import read_plan, read_plan_folder

__all__ = ["Violation", "PlanContext", "verify_plan", "check", "check_context", "family",
           "families", "read_plan"]


def verify_plan(folder: str | Path) -> list[Violation]:
    """Re-check the plan in ``folder``; return every violation found (empty = valid).

    Raises
    ------
    DataError
        only if ``folder`` holds no plan at all; a plan that is incomplete, unreadable or
        tampered with gives violations.
    """
    files, v = read_plan_folder(folder)
    if files is None:
        return v
    summary = files.summary
    try:
        scen = Scenario.model_validate(summary["resolved_scenario"])
    except ValidationError as exc:
        return [Violation("reading", "summary.json key 'resolved_scenario'",
                          f"not a valid scenario: {e['loc']}: {e['msg']}")
                for e in exc.errors()]
    changed, checkable = check_input_files(summary)
    if not checkable:
        return changed
    changed += check_scenario_file(summary)
    ctx = PlanContext(scen, files.sites, files.assign, files.zones_out, summary, files.folder)
    return changed + check_context(ctx)


def check(scen: Scenario, sites: pd.DataFrame, assign: pd.DataFrame, zones_out: pd.DataFrame,
          summary: dict | None = None) -> list[Violation]:
    """Check a plan (as exported tables) against the scenario's input files."""
    return check_context(PlanContext(scen, sites, assign, zones_out, summary))


def check_context(ctx: PlanContext) -> list[Violation]:
    """Run every registered family on ``ctx``. Inputs that no longer load, and a family that
    cannot finish on what the plan holds, are violations too (never a traceback)."""
    try:
        ctx.inputs  # noqa: B018 - load once, report a failure as one violation
    except DataError as exc:
        return [Violation("inputs", "load", p) for p in exc.problems]
    v: list[Violation] = []
    for fam in families():
        try:
            v += list(fam.check(ctx))
        except Exception as exc:  # noqa: BLE001 - a plan the verifier cannot check is invalid
            v.append(Violation("unverifiable", fam.name, f"the check could not finish on this "
                                                         f"plan ({type(exc).__name__}: {exc})"))
    return v
