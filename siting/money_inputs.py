"""Checks of a scenario's money blocks against its input files (called by
:func:`siting.data.load_inputs`): every name must exist, every year must be a plan year."""

from __future__ import annotations

import difflib

import pandas as pd

from siting.config import Scenario


def _hint(name: str, known) -> str:
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _areas(frame: pd.DataFrame, by: str) -> set[str]:
    if by not in frame.columns:
        return set()
    return {str(v).strip() for v in frame[by] if str(v).strip() and str(v).lower() != "nan"}


def check_money(scenario: Scenario, functions: pd.DataFrame, channels: pd.DataFrame,
                spaces: pd.DataFrame, zones: pd.DataFrame | None, problems: list[str]) -> None:
    """Append a message naming the key for every problem in budgets, quotas, funding,
    operating and min_utilisation."""
    where = f"scenario {scenario.name!r}"
    ph = scenario.phasing
    fnames, cnames = list(functions.index), list(channels.index)

    def years_ok(key: str, value) -> None:
        if not isinstance(value, dict):
            return
        if not ph.enabled:
            return  # without phasing the years are summed
        bad = [y for y in value if y not in ph.years]
        if bad:
            problems.append(f"{where}: {key}: years {bad} are not plan years {ph.years}")

    b = scenario.budgets
    if b.limits:
        known = _areas(spaces, b.by)
        if not known:
            problems.append(f"{where}: budgets.by is {b.by!r} but the spaces file has no "
                            f"{b.by!r} column with values")
        for a, lim in b.limits.items():
            if known and a not in known:
                problems.append(f"{where}: budgets.limits.{a}: no space has {b.by} {a!r}"
                                f"{_hint(a, known)} (known: {', '.join(sorted(known))})")
            years_ok(f"budgets.limits.{a}", lim)
    q = scenario.quotas
    if q.active and zones is not None:
        known = _areas(zones, q.by)
        if not known:
            problems.append(f"{where}: quotas.by is {q.by!r} but the zones file has no "
                            f"{q.by!r} column with values")
        for key, table in (("communities", q.communities), ("coverage", q.coverage)):
            for a in table:
                if known and a not in known:
                    problems.append(f"{where}: quotas.{key}.{a}: no community has {q.by} "
                                    f"{a!r}{_hint(a, known)}")
        for f in q.functions:
            if f not in fnames:
                problems.append(f"{where}: quotas.functions: unknown function {f!r}"
                                f"{_hint(f, fnames)}")
    for s, src in scenario.funding.items():
        for f in [*src.functions, *src.per_unit_cap]:
            if f not in fnames:
                problems.append(f"{where}: funding.{s}: unknown function {f!r}"
                                f"{_hint(f, fnames)} (known: {', '.join(fnames)})")
        if src.functions:
            extra = [f for f in src.per_unit_cap if f not in src.functions]
            if extra:
                problems.append(f"{where}: funding.{s}.per_unit_cap: {extra} not among the "
                                f"source's functions {src.functions}")
        for c in src.channels:
            if c not in cnames:
                problems.append(f"{where}: funding.{s}.channels: unknown channel {c!r}"
                                f"{_hint(c, cnames)} (known: {', '.join(cnames)})")
        years_ok(f"funding.{s}.amount", src.amount)
    for c in scenario.operating.rent_per_m2_year:
        if c not in cnames:
            problems.append(f"{where}: operating.rent_per_m2_year.{c}: unknown channel "
                            f"{c!r}{_hint(c, cnames)}")
    for f, share in scenario.min_utilisation.items():
        if f not in fnames:
            problems.append(f"{where}: min_utilisation.{f}: unknown function {f!r}"
                            f"{_hint(f, fnames)}")
        if not 0 <= share <= 1:
            problems.append(f"{where}: min_utilisation.{f}: must be a share in [0, 1], got "
                            f"{share}")
