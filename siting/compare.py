"""Solve several scenarios and compare them side by side.

For each scenario file, the plan goes to ``OUT/<name>/`` (all exports of ``siting run``).
Then ``OUT`` receives:

* ``comparison.csv`` (UTF-8 with BOM): one row per scenario;
* ``site_stability.csv``: per space chosen in at least one scenario, in which scenarios it is
  chosen and whether in all, some or only one of the solved scenarios;
* ``summary.md``: in words and numbers, how each scenario differs from the base.

The workbook ``comparison.xlsx``, the charts and maps and ``report.html`` are made from these
files by :func:`siting.report.comparison_outputs` (the CLI calls it; this module does not).

A scenario that fails (bad file, infeasible, no plan in time) gets a row with its status and
reason; the others go on. A scenario whose resolved settings and input files are unchanged since
its last run is not solved again: its folder holds ``cache_key.txt``, a SHA-256 of the resolved
scenario, the input files' digests and the siting version, written only after every export.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import pandas as pd
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from siting import __version__, interrupt
from siting.config import Scenario, load_scenario
from siting.data import file_sha256
from siting.exceptions import DataError, InfeasibleError, InterruptedRun, SitingError
from siting.exports import AtomicDir, write_csv, write_plan
from siting.paths import child

log = logging.getLogger(__name__)

CACHE_FILE = "cache_key.txt"
MANIFEST = "comparison.json"
"""Which scenarios (from which folder, with which overrides) the comparison in a folder
compares: another comparison is never written over it without ``force``."""
CHANNELS = ("renovate", "convert", "transfer", "new_build")


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


def cache_key(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario, the content of every input file and the version."""
    paths = list(scenario.data.files().values())
    for extra in (scenario.distance.table, scenario.distance.network):
        if extra is not None:
            paths.append(extra)
    digests = {str(p): file_sha256(p) if Path(p).is_file() else "missing" for p in paths}
    blob = json.dumps({"scenario": scenario.model_dump(mode="json"), "inputs": digests,
                       "version": __version__}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _cached(folder: Path, key: str) -> dict | None:
    f = folder / CACHE_FILE
    if f.is_file() and f.read_text(encoding="utf-8").strip() == key \
            and (folder / "summary.json").is_file() and (folder / "sites.csv").is_file():
        return json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return None


def solve_or_reuse(scenario: Scenario, folder: Path) -> tuple[dict, bool]:
    """The plan summary of ``scenario`` in ``folder``: reused if cached, else solved and
    written. Returns (summary, reused)."""
    from siting.run import plan_scenario

    key = cache_key(scenario)
    hit = _cached(folder, key)
    if hit is not None:
        return hit, True
    (folder / CACHE_FILE).unlink(missing_ok=True)
    plan = plan_scenario(scenario)
    write_plan(plan, folder)
    tmp = folder / f".{CACHE_FILE}.tmp"
    tmp.write_text(key + "\n", encoding="utf-8")
    os.replace(tmp, folder / CACHE_FILE)
    return plan.summary, False


def comparison_row(summary: dict, sites: pd.DataFrame) -> dict:
    """One comparison row from a plan's summary and site table."""
    row = {
        "scenario": summary["scenario"], "description": summary["description"],
        "status": summary["status"], "reason": "",
        "mip_gap": summary["mip_gap"], "solve_seconds": summary["solve_seconds"],
        "budget": summary["budget"], "capex": summary["total_capex"],
        "opex_per_year": summary["total_opex_per_year"], "n_sites": summary["n_sites"],
        "weighted_coverage": summary["weighted_coverage"],
        "weighted_coverage_new": summary["weighted_coverage_new"],
    }
    for ch in CHANNELS:
        row[f"sites_{ch}"] = summary["sites_by_channel"].get(ch, 0)
    for ch in CHANNELS:
        row[f"capex_{ch}"] = summary["capex_by_channel"].get(ch, 0.0)
    for f, d in summary["functions"].items():
        row[f"units_{f}"] = d["units_new"]
        row[f"served_{f}"] = d["served"]
        row[f"coverage_{f}"] = d["coverage"]
    for r, hh in summary["households_within_m"].items():
        row[f"households_within_{r}m"] = hh
    row["n_shortfalls"] = len(summary.get("shortfalls", []))
    row["distance_method"] = summary["distance"]["method"]
    for limit, c in (summary["distance"].get("straight_vs_network") or {}).items():
        row[f"straight_only_pairs_{limit}m"] = c["straight_only"]
        row[f"network_only_pairs_{limit}m"] = c["network_only"]
    from siting.equity import equity_columns

    row.update(equity_columns(summary))
    pts = 100 * summary["weighted_coverage_new"]
    row["capex_per_coverage_point"] = summary["total_capex"] / pts if pts > 0 else None
    row["chosen_spaces"] = "|".join(sites["space_id"].astype(str))
    return row


def site_stability(table: pd.DataFrame, spaces: pd.Index | None = None) -> pd.DataFrame:
    """Per space: number and names of solved scenarios choosing it; all / some / one / none."""
    ok = table[table["status"].isin(["optimal", "time_limit"])]
    n = len(ok)
    chosen: dict[str, list[str]] = {}
    for name, ids in zip(ok["scenario"], ok["chosen_spaces"].fillna("")):
        for sid in filter(None, str(ids).split("|")):
            chosen.setdefault(sid, []).append(name)
    ids = sorted(set(chosen) | set(spaces if spaces is not None else []))
    rows = []
    for sid in ids:
        k = len(chosen.get(sid, []))
        cls = "none" if k == 0 else "all" if k == n else "one" if k == 1 else "some"
        rows.append({"space_id": sid, "n_scenarios": k, "share": k / n if n else 0.0,
                     "stability": cls, "scenarios": "|".join(chosen.get(sid, []))})
    return pd.DataFrame(rows, columns=["space_id", "n_scenarios", "share", "stability",
                                       "scenarios"])


def add_stability_columns(table: pd.DataFrame, stab: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: how many of its spaces are chosen in all / some / only this scenario."""
    cls = dict(zip(stab["space_id"], stab["stability"]))
    table = table.copy()
    for kind in ("all", "some", "one"):
        table[f"spaces_in_{kind}"] = [
            sum(1 for s in str(ids).split("|") if s and cls.get(s) == kind)
            if isinstance(ids, str) else None for ids in table.get("chosen_spaces", [])]
    return table


def base_name(table: pd.DataFrame) -> str | None:
    ok = table[table["status"].isin(["optimal", "time_limit"])]
    if ok.empty:
        return None
    return "base" if "base" in set(ok["scenario"]) else str(ok["scenario"].iloc[0])


def markdown_summary(table: pd.DataFrame, names: dict[str, str] | None = None) -> str:
    """How each scenario differs from the base, in words and numbers, naming the spaces it
    adds and drops (``names``: space id -> name)."""
    names = names or {}

    def named(ids: set[str]) -> str:
        shown = [f"{i} {names[i]}" if i in names else i for i in sorted(ids)]
        return ", ".join(shown[:12]) + (f" and {len(shown) - 12} more" if len(shown) > 12
                                        else "")

    base = base_name(table)
    lines = ["# Scenario comparison", ""]
    if base is None:
        lines.append("No scenario produced a plan.")
        return "\n".join(lines) + "\n"
    b = table.set_index("scenario").loc[base]
    funcs = [c[len("coverage_"):] for c in table.columns if c.startswith("coverage_")]
    lines += [f"Base scenario **{base}**: {b['description']}. Capital cost "
              f"{b['capex'] / 1e6:,.1f} M CNY for {int(b['n_sites'])} spaces, weighted coverage "
              f"{100 * b['weighted_coverage']:.1f} %, operating cost "
              f"{b['opex_per_year'] / 1e6:,.1f} M CNY a year.", ""]
    for _, r in table.iterrows():
        if r["scenario"] == base:
            continue
        if r["status"] not in ("optimal", "time_limit"):
            lines.append(f"- **{r['scenario']}**: no plan ({r['status']}): {r['reason'][:300]}")
            continue
        dcov = 100 * (r["weighted_coverage"] - b["weighted_coverage"])
        dcap = (r["capex"] - b["capex"]) / 1e6
        moves = sorted(((100 * ((r[f"coverage_{f}"] or 0) - (b[f"coverage_{f}"] or 0)), f)
                        for f in funcs), key=lambda t: -abs(t[0]))
        moves = [f"{f} {d:+.1f} pp" for d, f in moves[:3] if abs(d) >= 0.05]
        base_set = set(str(b["chosen_spaces"]).split("|"))
        this_set = set(str(r["chosen_spaces"]).split("|"))
        if abs(dcov) < 0.05:
            cov_text = f"keeps weighted coverage at {100 * r['weighted_coverage']:.1f} %"
        else:
            cov_text = (f"{'raises' if dcov > 0 else 'lowers'} weighted coverage by "
                        f"{abs(dcov):.1f} points to {100 * r['weighted_coverage']:.1f} %")
        spend = ("spends about the same" if abs(dcap) < 0.05 else
                 f"spends {abs(dcap):,.1f} M CNY {'more' if dcap > 0 else 'less'}")
        text = (f"- **{r['scenario']}** ({r['description']}): {cov_text} and {spend} "
                f"({r['capex'] / 1e6:,.1f} M); {int(r['n_sites'])} spaces, "
                f"{len(this_set - base_set)} not in the base plan and "
                f"{len(base_set - this_set)} of the base's dropped.")
        if this_set - base_set:
            text += f" Adds {named(this_set - base_set)}."
        if base_set - this_set:
            text += f" Drops {named(base_set - this_set)}."
        if moves:
            text += " Largest coverage changes: " + ", ".join(moves) + "."
        text += _equity_sentence(r, b)
        if r.get("n_shortfalls", 0) and r["n_shortfalls"] == r["n_shortfalls"]:
            text += (f" {int(r['n_shortfalls'])} standard(s) not fully met (see "
                     f"{r['scenario']}/shortfalls.csv).")
        if r["status"] == "time_limit":
            text += f" Stopped at the time limit with a {100 * r['mip_gap']:.2f} % gap."
        lines.append(text)
    return "\n".join(lines) + "\n"


def _manifest(folder: Path, files: list[Path], overrides: dict | None) -> dict:
    return {"scenarios_folder": str(Path(folder).resolve()),
            "scenarios": sorted(p.stem for p in files), "overrides": overrides or {}}


def claim_output(out: Path, manifest: dict, force: bool = False) -> str | None:
    """Check that writing ``manifest``'s comparison into ``out`` replaces no *other*
    comparison (other scenarios, folder or overrides). Raises SitingError naming both unless
    ``force``; returns a line to print when it replaces one, else None."""
    old = None
    if (out / MANIFEST).is_file():
        try:
            old = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
    if old is None and (out / "comparison.csv").is_file():  # written before manifests
        try:
            table = pd.read_csv(out / "comparison.csv", encoding="utf-8-sig", dtype=str)
            old = {"scenarios": sorted(table["scenario"].astype(str)),
                   "scenarios_folder": None, "overrides": None}
        except (OSError, ValueError, KeyError):
            old = {"scenarios": ["?"], "scenarios_folder": None, "overrides": None}
    if old is None:
        return None
    same = (sorted(old.get("scenarios", [])) == manifest["scenarios"]
            and old.get("scenarios_folder") in (None, manifest["scenarios_folder"])
            and old.get("overrides") in (None, manifest["overrides"]))
    if same:
        return None
    names = old.get("scenarios", [])
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    where = f" from {old['scenarios_folder']}" if old.get("scenarios_folder") else ""
    what = (f"{out} holds another comparison: {len(names)} scenario(s) ({shown}){where}"
            + (" with other --set overrides" if sorted(names) == manifest["scenarios"]
               else ""))
    if not force:
        new = ", ".join(manifest["scenarios"][:8])
        raise SitingError(f"{what}; comparing {new} there would replace its comparison.csv, "
                          "site_stability.csv, summary.md, workbook and charts. Choose another "
                          "--out, or add --force to replace it")
    return f"replacing the comparison in {what.split(' holds another comparison: ', 1)[-1]}"


def _equity_sentence(r: pd.Series, b: pd.Series) -> str:
    """The worst street's weighted coverage against the base's (siting.equity)."""
    col = "equity_street_min"
    if col not in r or pd.isna(r[col]) or pd.isna(b.get(col)):
        return ""
    d = 100 * (r[col] - b[col])
    how = "about the same as" if abs(d) < 0.05 else f"{abs(d):.1f} points " + (
        "above" if d > 0 else "below")
    return (f" Worst street ({r['equity_worst_street']}): {100 * r[col]:.1f} % weighted "
            f"coverage of reachable demand, {how} the base's worst "
            f"({b['equity_worst_street']}, {100 * b[col]:.1f} %).")


def run_comparison(folder: Path, names: list[str] | None, out: Path,
                   overrides: dict | None = None, force: bool = False) -> int:
    """Solve (or reuse) each scenario, write plans and the comparison; 0 if all succeeded.

    Refuses (:class:`SitingError`) to write over another comparison in ``out`` unless
    ``force`` (:func:`claim_output`)."""
    files = scenario_files(folder, names)
    manifest = _manifest(folder, files, overrides)
    note = claim_output(Path(out), manifest, force)
    if note:
        print(note)
    rows = []
    space_names: dict[str, str] = {}
    columns = TextColumn("{task.description}"), BarColumn(), TextColumn(
        "{task.completed}/{task.total} done, {task.fields[failed]} failed"), TimeElapsedColumn()
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("scenarios", total=len(files), failed=0)
        failed = 0
        for path in files:
            progress.update(task, description=f"solving {path.stem}")
            try:
                scenario = load_scenario(path, overrides)
                plan_dir = child(out, scenario.name, f"{path.name}: scenario name")
                summary, reused = solve_or_reuse(scenario, plan_dir)
                sites = pd.read_csv(plan_dir / "sites.csv", encoding="utf-8-sig",
                                    dtype={"space_id": str})
                row = comparison_row(summary, sites)
                space_names.update(zip(sites["space_id"].astype(str),
                                       sites["space_name"].astype(str)))
                row["reused"] = reused
                rows.append(row)
            except InterruptedRun:
                raise
            except InfeasibleError as exc:
                failed += 1
                rows.append({"scenario": path.stem, "status": "infeasible",
                             "reason": str(exc).replace("\n", " ")})
            except (DataError, SitingError) as exc:
                failed += 1
                rows.append({"scenario": path.stem, "status": "failed",
                             "reason": str(exc).replace("\n", " ")})
            progress.update(task, advance=1, failed=failed)
            if interrupt.requested():  # Ctrl-C while solving: that plan is written, stop here
                raise KeyboardInterrupt("SIGINT")
    table = pd.DataFrame(rows)
    for col in ("description", "reason", "chosen_spaces"):
        if col not in table.columns:
            table[col] = ""
    table["description"] = table["description"].fillna("")
    table["reason"] = table["reason"].fillna("")
    stab = site_stability(table)
    table = add_stability_columns(table, stab)
    with AtomicDir(out) as tmp:
        write_csv(table, tmp / "comparison.csv")
        write_csv(stab, tmp / "site_stability.csv")
        (tmp / "summary.md").write_text(markdown_summary(table, space_names), encoding="utf-8")
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                    encoding="utf-8")
    for r in rows:
        cov = r.get("weighted_coverage")
        tail = (f"weighted coverage {100 * cov:5.1f} %, capex {r['capex'] / 1e6:7.1f} M CNY"
                f"{' (reused)' if r.get('reused') else ''}") if cov is not None \
            else r.get("reason", "")[:200]
        print(f"{r['scenario']:<20} {r['status']:<11} {tail}")
    print(f"wrote {out / 'comparison.csv'} and {out / 'summary.md'}")
    return 0 if table["status"].isin(["optimal", "time_limit"]).all() else 1
