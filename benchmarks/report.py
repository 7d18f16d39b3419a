"""Size and time of the offline HTML report (and workbook, map) on the bundled demo.

    python benchmarks/report.py [--out DIR] [--scenarios base network phased_2025_2027]

Solves each named scenario of ``scenarios/`` (gap 1 %) into ``DIR/<name>`` and compares them
into ``DIR``, then times ``siting.report`` on each folder and prints one line per report:
``kind=… folder=… report_mb=… report_s=… outputs_s=…`` (``outputs_s``: workbook, figures and
report together). The target is a report of at most 10 MB, small enough to e-mail.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from siting.cli import main
from siting.report import comparison_outputs, plan_outputs, write_report

ROOT = Path(__file__).resolve().parents[1]


def run() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="output folder (default: a temporary one)")
    ap.add_argument("--scenarios", nargs="+", default=["base", "network", "phased_2025_2027"])
    args = ap.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="siting-report-"))
    main(["compare", *args.scenarios, "--scenarios", str(ROOT / "scenarios"), "--out",
          str(out), "--set", "solver.mip_rel_gap=0.01", "--no-report"])
    folders = [("plan", out / n) for n in args.scenarios] + [("comparison", out)]
    for kind, folder in folders:
        t0 = time.perf_counter()
        page = write_report(folder)
        t1 = time.perf_counter()
        (plan_outputs if kind == "plan" else comparison_outputs)(folder)
        t2 = time.perf_counter()
        print(f"kind={kind} folder={folder.name} report_mb={page.stat().st_size / 1e6:.2f} "
              f"report_s={t1 - t0:.2f} outputs_s={t2 - t1:.2f}", flush=True)


if __name__ == "__main__":
    run()
