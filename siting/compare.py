"""Solve several scenarios and write a side-by-side comparison.

Each scenario's plan goes to ``OUT/<name>/``; ``OUT/comparison.csv`` (UTF-8 with BOM) and
``OUT/comparison.xlsx`` hold one row per scenario. A scenario that fails (bad file, infeasible,
no plan in time) gets a row with its status and reason and does not stop the others.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from rich.progress import Progress

from siting.config import load_scenario
from siting.exceptions import InfeasibleError, SitingError
from siting.exports import AtomicDir, write_csv, write_plan

log = logging.getLogger(__name__)


def scenario_files(folder: Path, names: list[str] | None = None) -> list[Path]:
    """The scenario files in ``folder`` (sorted), or those named by stem."""
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    if names:
        by_stem = {p.stem: p for p in files}
        missing = [n for n in names if n not in by_stem]
        if missing:
            raise SitingError(f"no scenario named {', '.join(missing)} in {folder} "
                              f"(have: {', '.join(by_stem)})")
        files = [by_stem[n] for n in names]
    if not files:
        raise SitingError(f"no scenario files (*.yaml) in {folder}")
    return files


def comparison_row(summary: dict, sites: pd.DataFrame) -> dict:
    """One comparison row from a plan's summary and site table."""
    row = {
        "scenario": summary["scenario"], "description": summary["description"],
        "status": summary["status"], "reason": "",
        "mip_gap": summary["mip_gap"], "solve_seconds": summary["solve_seconds"],
        "budget": summary["budget"], "capex": summary["total_capex"],
        "opex_per_year": summary["total_opex_per_year"], "n_sites": summary["n_sites"],
        "weighted_coverage": summary["weighted_coverage"],
    }
    for ch in ("renovate", "convert", "transfer", "new_build"):
        row[f"sites_{ch}"] = summary["sites_by_channel"].get(ch, 0)
    for f, d in summary["functions"].items():
        row[f"units_{f}"] = d["units_new"]
        row[f"served_{f}"] = d["served"]
        row[f"coverage_{f}"] = d["coverage"]
    served_new = sum(d["served_by_new"] for d in summary["functions"].values())
    row["capex_per_unit_served_new"] = (summary["total_capex"] / served_new
                                        if served_new > 0 else None)
    row["chosen_spaces"] = "|".join(sites["space_id"].astype(str))
    return row


def run_comparison(folder: Path, names: list[str] | None, out: Path,
                   overrides: dict | None = None) -> int:
    """Solve each scenario, write its plan and the comparison; return 0 if all succeeded."""
    from siting.run import plan_scenario

    files = scenario_files(folder, names)
    rows = []
    with Progress(transient=True) as progress:
        task = progress.add_task("scenarios", total=len(files))
        for path in files:
            progress.update(task, description=f"solving {path.stem}")
            try:
                scenario = load_scenario(path, overrides)
                plan = plan_scenario(scenario)
                write_plan(plan, out / scenario.name)
                rows.append(comparison_row(plan.summary, plan.sites))
            except InfeasibleError as exc:
                rows.append({"scenario": path.stem, "status": "infeasible",
                             "reason": str(exc).replace("\n", " ")})
            except SitingError as exc:
                rows.append({"scenario": path.stem, "status": "failed",
                             "reason": str(exc).replace("\n", " ")})
            progress.advance(task)
    table = pd.DataFrame(rows)
    ok = table["status"].isin(["optimal", "time_limit"])
    if ok.any():
        sets = table.loc[ok, "chosen_spaces"].fillna("").str.split("|")
        count: dict[str, int] = {}
        for s in sets:
            for sid in s:
                if sid:
                    count[sid] = count.get(sid, 0) + 1
        n = int(ok.sum())
        table.loc[ok, "spaces_in_all"] = [sum(1 for x in s if x and count[x] == n)
                                          for s in sets]
        table.loc[ok, "spaces_in_this_only"] = [sum(1 for x in s if x and count[x] == 1)
                                                for s in sets]
    with AtomicDir(out) as tmp:
        write_csv(table, tmp / "comparison.csv")
        table.to_excel(tmp / "comparison.xlsx", index=False)
    for r in rows:
        cov = r.get("weighted_coverage")
        tail = f"weighted coverage {100 * cov:.1f} %, capex {r['capex']:,.0f}" \
            if cov is not None else r.get("reason", "")[:200]
        print(f"{r['scenario']:<20} {r['status']:<11} {tail}")
    print(f"wrote {out / 'comparison.csv'}")
    return 0 if ok.all() else 1
