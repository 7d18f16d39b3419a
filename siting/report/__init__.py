"""The reporting layer: what a person reads, made from the files a run, comparison or sweep
wrote — formatted workbooks (:mod:`.workbooks`), figures (:mod:`.figures`) and the offline HTML
report (:mod:`.html`), with their words in Chinese or English (:mod:`.text`).

Data flows one way: model → results → exports (CSV/JSON/GPKG) → report. Only the CLI (and a
user's script) calls this package; nothing below it imports it (a test walks the imports).

* :func:`plan_outputs` — ``plan.xlsx``, ``map.png`` and ``report.html`` of a plan folder;
* :func:`comparison_outputs` — ``comparison.xlsx``, ``coverage_by_scenario.png``,
  ``capex_by_channel.png``, ``maps.png`` and ``report.html`` of a comparison folder (and the
  outputs of each plan folder in it that lacks them);
* :func:`sweep_outputs` — ``pareto.png``, ``tornado.png``, ``sobol.png``,
  ``selection_frequency.png`` (those that fit the design) and ``report.html``;
* :func:`write_report` — only the HTML report of any of these folders (``siting report``).

Every file is written under a temporary name and moved into place.
"""

from __future__ import annotations

import logging
from pathlib import Path

from siting.exports import AtomicDir

log = logging.getLogger(__name__)

REPORT_FILE = "report.html"


def plan_outputs(folder: str | Path, lang: str = "zh", *, make_map: bool = True,
                 report: bool = True) -> Path:
    """Write the workbook, map and (unless ``report=False``) the HTML report of a plan folder."""
    from siting.report.figures import plan_map, save
    from siting.report.folder import PlanFolder
    from siting.report.workbooks import plan_workbook

    folder = Path(folder)
    plan = PlanFolder.read(folder)
    with AtomicDir(folder) as tmp:
        plan_workbook(plan, tmp / "plan.xlsx", lang)
        if make_map:
            save(plan_map(plan, lang), tmp / "map.png", dpi=150)
        if report:
            _html(folder, tmp / REPORT_FILE, lang)
    return folder


def write_plan(plan, out_dir: str | Path, lang: str = "zh", *, make_map: bool = True,
               report: bool = True) -> Path:
    """Everything ``siting run`` writes for ``plan`` (a :class:`~siting.results.Plan`): the
    data (:func:`siting.exports.write_plan`), then the workbook, map and report."""
    from siting.exports import write_plan as write_data

    out = write_data(plan, out_dir)
    return plan_outputs(out, lang, make_map=make_map, report=report)


def comparison_outputs(folder: str | Path, lang: str = "zh", *, report: bool = True) -> Path:
    """Workbook, charts, maps and report of a comparison folder; plan folders in it that have
    no workbook yet (or were solved again) get theirs."""
    from siting.report.figures import comparison_figures
    from siting.report.folder import plan_dirs_of, read_csv
    from siting.report.workbooks import comparison_labels, comparison_workbook

    folder = Path(folder)
    table = read_csv(folder / "comparison.csv", dtype={"chosen_spaces": str})
    plan_dirs = plan_dirs_of(folder, table)
    reused = dict(zip(table["scenario"].astype(str),
                      table["reused"] if "reused" in table else [False] * len(table)))
    for name, d in plan_dirs.items():
        stale = not (d / "plan.xlsx").is_file() or (report and not (d / REPORT_FILE).is_file())
        if stale or reused.get(name) is not True:
            plan_outputs(d, lang, report=report)
    labels, _ = comparison_labels(folder, table)
    with AtomicDir(folder) as tmp:
        comparison_workbook(folder, table, tmp / "comparison.xlsx", lang)
        comparison_figures(table, plan_dirs, tmp, labels, lang)
        if report:
            _html(folder, tmp / REPORT_FILE, lang)
    return folder


def sweep_outputs(folder: str | Path, lang: str = "zh", *, report: bool = True) -> Path:
    """Figures and report of a sweep folder."""
    from siting.report.figures import sweep_figures
    from siting.report.folder import read_sweep

    folder = Path(folder)
    with AtomicDir(folder) as tmp:
        sweep_figures(read_sweep(folder), tmp, lang)
        if report:
            _html(folder, tmp / REPORT_FILE, lang)
    return folder


def write_report(folder: str | Path, lang: str = "zh", out: str | Path | None = None) -> Path:
    """The HTML report of a plan, comparison or sweep folder (default ``folder/report.html``)."""
    folder = Path(folder)
    target = Path(out) if out is not None else folder / REPORT_FILE
    with AtomicDir(target.parent) as tmp:
        _html(folder, tmp / target.name, lang)
    return target


def _html(folder: Path, path: Path, lang: str) -> None:
    from siting.report.html import render

    path.write_text(render(folder, lang), encoding="utf-8")
