"""Read a plan folder without trusting it: a file that is missing, unreadable, not the
format it claims, or lacks a column the checks need is a :class:`Violation`, never a
traceback. Only a folder that holds no plan at all is a :class:`~siting.exceptions.DataError`
(exit status 2: the user named the wrong folder).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from siting.exceptions import DataError
from siting.verify.core import Violation

PLAN_TABLES = ("sites.csv", "assignments.csv", "zones.csv")
REQUIRED = {
    "sites.csv": {"space_id": str, "channel": str, "floor_area_m2": float, "capex": float},
    "assignments.csv": {"zone_id": str, "site_id": str, "function": str, "served": float},
    "zones.csv": {"zone_id": str, "function": str, "served": float},
}
"""Columns each table must have for the checks to run, with their type."""
ID_COLUMNS = {"zone_id": str, "site_id": str, "space_id": str}


@dataclass(frozen=True)
class PlanFiles:
    folder: Path
    summary: dict
    sites: pd.DataFrame
    assign: pd.DataFrame
    zones_out: pd.DataFrame


def read_plan_folder(folder: str | Path) -> tuple[PlanFiles | None, list[Violation]]:
    """The plan's summary and tables, or ``None`` and the violations that stop the check.

    Raises
    ------
    DataError
        if ``folder`` holds no plan at all (no summary.json and none of the CSVs).
    """
    folder = Path(folder)
    names = ("summary.json", *PLAN_TABLES)
    if not folder.is_dir() or not any((folder / n).exists() for n in names):
        what = "no such folder" if not folder.exists() else \
            "not a folder" if not folder.is_dir() else f"it holds none of {', '.join(names)}"
        raise DataError(f"{folder}: not a plan folder written by 'siting run' ({what})")
    v: list[Violation] = []
    summary = _read_summary(folder / "summary.json", v)
    tables = {n: _read_table(folder / n, v) for n in PLAN_TABLES}
    if v or summary is None or any(t is None for t in tables.values()):
        return None, v
    return PlanFiles(folder, summary, tables["sites.csv"], tables["assignments.csv"],
                     tables["zones.csv"]), v


def read_plan(folder: str | Path) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(summary, sites, assignments, zones)`` of a plan folder; DataError if unreadable."""
    files, v = read_plan_folder(folder)
    if files is None:
        raise DataError([str(x) for x in v])
    return files.summary, files.sites, files.assign, files.zones_out


def _read_summary(path: Path, v: list[Violation]) -> dict | None:
    if not path.is_file():
        v.append(Violation("reading", path.name, "missing: the plan folder is incomplete"))
        return None
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        v.append(Violation("reading", path.name, f"not UTF-8 text ({exc.reason} at byte "
                                                 f"{exc.start})"))
        return None
    except json.JSONDecodeError as exc:
        v.append(Violation("reading", path.name, f"not valid JSON: {exc.msg} at line "
                                                 f"{exc.lineno} column {exc.colno}"))
        return None
    except OSError as exc:
        v.append(Violation("reading", path.name, f"cannot be read: {exc.strerror or exc}"))
        return None
    if not isinstance(summary, dict):
        v.append(Violation("reading", path.name, "must be a JSON object (a mapping), got a "
                                                 f"{type(summary).__name__}"))
        return None
    if not isinstance(summary.get("resolved_scenario"), dict):
        v.append(Violation("reading", f"{path.name} key 'resolved_scenario'",
                           "missing or not a mapping: the plan does not say which scenario "
                           "it solves"))
        return None
    inputs = summary.get("inputs", {})
    if not isinstance(inputs, dict) or not all(
            isinstance(d, dict) and "path" in d and "sha256" in d for d in inputs.values()):
        v.append(Violation("reading", f"{path.name} key 'inputs'",
                           "must map each input to its 'path' and 'sha256'"))
        return None
    return summary


def _read_table(path: Path, v: list[Violation]) -> pd.DataFrame | None:
    name = path.name
    if not path.is_file():
        v.append(Violation("reading", name, "missing: the plan folder is incomplete"))
        return None
    try:
        df = pd.read_csv(path, encoding="utf-8-sig", dtype=ID_COLUMNS)
    except pd.errors.EmptyDataError:
        v.append(Violation("reading", name, "empty file (not even a header row)"))
        return None
    except UnicodeDecodeError as exc:
        v.append(Violation("reading", name, f"not UTF-8 text ({exc.reason} at byte "
                                            f"{exc.start})"))
        return None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        v.append(Violation("reading", name, f"not a readable CSV table: "
                                            f"{str(exc).strip().splitlines()[0]}"))
        return None
    need = REQUIRED[name]
    missing = [c for c in need if c not in df.columns]
    if missing:
        v.append(Violation("reading", name, f"missing column(s) {', '.join(missing)} "
                                            f"(has: {', '.join(map(str, df.columns))})"))
        return None
    bad = False
    for col, typ in need.items():
        if typ is float:
            num = pd.to_numeric(df[col], errors="coerce")
            rows = [int(i) + 2 for i in df.index[num.isna() | ~num.abs().lt(float("inf"))]]
            if rows:
                v.append(Violation("reading", f"{name} column {col}",
                                   f"not a finite number in row(s) {_rows(rows)}"))
                bad = True
            df[col] = num
        else:
            rows = [int(i) + 2 for i in df.index[df[col].isna()]]
            if rows:
                v.append(Violation("reading", f"{name} column {col}",
                                   f"empty in row(s) {_rows(rows)}"))
                bad = True
    units = [c for c in df.columns if str(c).startswith(("units_", "served_"))]
    for col in units:
        num = pd.to_numeric(df[col], errors="coerce")
        rows = [int(i) + 2 for i in df.index[df[col].notna() & num.isna()]]
        if rows:
            v.append(Violation("reading", f"{name} column {col}",
                               f"not a number in row(s) {_rows(rows)}"))
            bad = True
        df[col] = num
    return None if bad else df


def _rows(rows: list[int]) -> str:
    """Row numbers as a spreadsheet shows them (the header is row 1)."""
    head = ", ".join(map(str, rows[:10]))
    return head + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
