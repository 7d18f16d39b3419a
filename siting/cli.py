"""Command-line interface: ``siting run``, ``verify``, ``compare``, ``sweep``, ``report``.

A thin layer: parse arguments, call the library, print what happened. Exit codes: 0 success,
1 verification found violations or a scenario failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from siting.exceptions import DataError, InfeasibleError, InterruptedRun, SitingError

DEFAULT_SCENARIOS = Path("scenarios")


def _overrides(items: list[str] | None) -> dict:
    from siting.config import _deep_merge, parse_override

    out: dict = {}
    for item in items or []:
        out = _deep_merge(out, parse_override(item))
    return out


def cmd_run(args: argparse.Namespace) -> int:
    from siting import progress
    from siting.config import load_scenario
    from siting.exports import PLAN_FILES, check_writable
    from siting.report import write_plan
    from siting.run import plan_scenario

    scenario = load_scenario(args.config, _overrides(args.set))
    skipped = ({"report.html"} if args.no_report else set()) | (
        {"map.png"} if args.no_map else set())
    check_writable(args.out, [n for n in PLAN_FILES if n not in skipped])  # before solving
    print(f"scenario {scenario.name}: loading inputs and solving …", flush=True)
    with progress.listen(lambda line: print(line, flush=True), args.progress_every):
        plan = plan_scenario(scenario)
        progress.stage(f"writing the plan to {args.out}")
        out = write_plan(plan, args.out, args.lang, make_map=not args.no_map,
                         report=not args.no_report)
    s = plan.summary
    gap = "n/a" if s["mip_gap"] is None else f"{100 * s['mip_gap']:.3f} %"
    print(f"status={s['status']} gap={gap} sites={s['n_sites']} "
          f"capex={s['total_capex']:,.0f} CNY "
          f"weighted_coverage={100 * s['weighted_coverage']:.1f} %")
    for f, d in s["functions"].items():
        cov = "n/a" if d["coverage"] is None else f"{100 * d['coverage']:.1f} %"
        print(f"  {f:<15} served {d['served']:>10,.1f} of {d['demand']:>10,.1f} {d['unit']:<8}"
              f" ({cov})")
    w = (s.get("equity") or {}).get("weighted") or {}
    if w.get("worst_street") and w.get("street_min") is not None:
        mm = (s.get("equity") or {}).get("max_min") or {}
        held = (" (the max-min objective's proven minimum)"
                if mm.get("proven") and mm.get("level") == "street" else "")
        print(f"worst street {w['worst_street']}: weighted coverage "
              f"{100 * w['street_min']:.1f} % of reachable demand{held}, best "
              f"{100 * w['street_max']:.1f} %; Gini of community coverage "
              f"{w['gini'] if w.get('gini') is None else round(w['gini'], 2)}")
    if s["shortfalls"]:
        print(f"{len(s['shortfalls'])} standard(s) cannot be fully met (see shortfalls.csv):")
        for sf in s["shortfalls"][:10]:
            print(f"  - {sf['what']}")
        if len(s["shortfalls"]) > 10:
            print(f"  ... and {len(s['shortfalls']) - 10} more")
    print(f"wrote {out}")
    if s["status"] == "interrupted":
        how = f"gap {gap}" if s["mip_gap"] is not None else \
            "no bound proven yet, so its gap is unknown"
        print(f"interrupted: the best plan found so far ({how}) is written with status "
              "'interrupted'", file=sys.stderr)
        return 130
    if args.verify:
        return _report_verify(out)
    return 0


def _report_verify(folder: Path, reprove: bool = False, time_limit: float | None = None) -> int:
    from siting.verify import verify_plan

    violations = verify_plan(folder)
    if reprove:
        from siting.verify.reprove import reprove as re_solve

        proof = re_solve(folder, time_limit)
        violations += proof.violations
        for note in proof.notes:
            print(f"REPROVE {note}")
    for v in violations:
        print(f"VIOLATION {v}")
    print(f"verify {folder}: {len(violations)} violation(s)")
    return 1 if violations else 0


def cmd_verify(args: argparse.Namespace) -> int:
    return _report_verify(Path(args.dir), args.reprove, args.time_limit)


def cmd_compare(args: argparse.Namespace) -> int:
    from siting.compare import run_comparison
    from siting.report import comparison_outputs

    folder = Path(args.scenarios)
    rc = run_comparison(folder, args.names or None, Path(args.out),
                        overrides=_overrides(args.set), force=args.force)
    comparison_outputs(Path(args.out), args.lang, report=not args.no_report)
    print(f"wrote {Path(args.out) / 'comparison.xlsx'}, charts"
          + ("" if args.no_report else f" and {Path(args.out) / 'report.html'}"))
    return rc


def cmd_sweep(args: argparse.Namespace) -> int:
    from siting.report import sweep_outputs
    from siting.sweep import run_sweep

    table = run_sweep(args.sweep, args.out, workers=args.workers, scheduler=args.scheduler,
                      chunk_size=args.chunk_size, persistent=not args.rebuild,
                      limit=args.limit, dashboard=args.dashboard)
    sweep_outputs(args.out, args.lang, report=not args.no_report)
    counts = table["status"].value_counts().to_dict()
    print(f"{len(table)} runs: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    print(f"wrote {Path(args.out) / 'results.csv'}, figures"
          + ("" if args.no_report else f" and {Path(args.out) / 'report.html'}"))
    return 0 if set(counts) <= {"optimal", "time_limit"} else 1


def cmd_catalogue(args: argparse.Namespace) -> int:
    from siting import catalogues

    for f in catalogues.write_copies(args.out, overwrite=args.force):
        print(f"wrote {f}")
    print("point a scenario at them with data.functions / data.channels")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from siting.template import init_project

    files = init_project(args.dir, lang=args.lang, overwrite=args.force)
    for f in files:
        print(f"wrote {f}")
    print(f"fill in {files[0]}, then: siting run {files[1]} --out {Path(args.dir) / 'results'}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from siting.explain import explain_folder, print_site_values

    def progress(n, total, j):
        print(f"\r  re-solved {n}/{total} ({j})", end="", flush=True)

    print(f"explain {args.dir}: solving the plan again, then once per site …", flush=True)
    table, meta, path = explain_folder(args.dir, candidates=args.candidates,
                                       workers=args.workers,
                                       resolve_time_limit_s=args.time_limit, progress=progress,
                                       prove=args.prove)
    print()
    for line in print_site_values(table, meta, top=args.top):
        print(line)
    from siting.report import plan_outputs

    plan_outputs(args.dir, make_map=False)  # plan.xlsx gains the site values sheet
    print(f"wrote {path} (and its sheet in plan.xlsx)")
    return 0


def cmd_alternatives(args: argparse.Namespace) -> int:
    from siting.alternatives import run_alternatives, summary_text, write_alternatives
    from siting.config import load_scenario
    from siting.data import load_inputs
    from siting.problem import prepare
    from siting.report.alternatives import alternatives_outputs

    scenario = load_scenario(args.config, _overrides(args.set))
    print(f"scenario {scenario.name}: the optimum, then up to {args.count} alternatives "
          f"within {100 * args.slack:g} % …", flush=True)
    data = prepare(load_inputs(scenario), scenario)

    def progress(name, seconds):
        print(f"  {name}: {seconds:.1f} s", flush=True)

    res = run_alternatives(data, scenario, args.count, args.slack, args.measure, args.radius,
                           args.time_limit, progress=progress)
    out = write_alternatives(res, args.out)
    if not args.no_map:
        alternatives_outputs(out, args.lang)
    if not args.no_report:
        from siting.report import write_report

        write_report(out, args.lang)
    print(summary_text(res))
    print(f"wrote {out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from siting.report import write_report

    out = write_report(Path(args.dir), args.lang, args.out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_benchmark(args: argparse.Namespace) -> int:
    from siting.benchmarks import run_benchmark_cli

    return run_benchmark_cli(args.kind, Path(args.file), capacity=args.capacity,
                             time_limit=args.time_limit)


def _lang(p: argparse.ArgumentParser, report_flag: bool = True) -> None:
    p.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="language of the workbook, figures and report (default zh)")
    if report_flag:
        p.add_argument("--no-report", action="store_true",
                       help="do not write report.html (the offline HTML report)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="siting", description=__doc__.splitlines()[0])
    p.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="solve one scenario and write its plan")
    r.add_argument("config", help="scenario YAML file")
    r.add_argument("--out", default="results/plan", help="output folder (default results/plan)")
    r.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario key, e.g. --set model.budget=3e7 (repeatable)")
    r.add_argument("--no-map", action="store_true", help="skip the PNG map")
    r.add_argument("--verify", action="store_true", help="run 'siting verify' on the result")
    r.add_argument("--progress-every", type=float, default=5.0, metavar="S",
                   help="seconds between progress lines while HiGHS works (default 5)")
    _lang(r)
    r.set_defaults(func=cmd_run)

    v = sub.add_parser("verify", help="re-check an exported plan against its inputs")
    v.add_argument("dir", help="a folder written by 'siting run'")
    v.add_argument("--reprove", action="store_true",
                   help="also re-solve (LP relaxation, then the MIP) to check that a plan "
                        "marked optimal is within its gap")
    v.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="time limit of each --reprove solve (default: the scenario's)")
    v.set_defaults(func=cmd_verify)

    c = sub.add_parser("compare", help="solve several scenarios and compare them")
    c.add_argument("names", nargs="*", help="scenario file stems (default: all)")
    c.add_argument("--scenarios", default=str(DEFAULT_SCENARIOS),
                   help="folder of scenario files (*.yaml; default scenarios/)")
    c.add_argument("--out", default="results", help="output folder (default results/); one "
                   "comparison per folder")
    c.add_argument("--force", action="store_true", help="replace another comparison (other "
                   "scenarios or overrides) already in --out")
    c.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a key in every scenario (highest priority)")
    _lang(c)
    c.set_defaults(func=cmd_compare)

    w = sub.add_parser("sweep", help="run a sensitivity sweep (resumable)")
    w.add_argument("sweep", help="sweep YAML file")
    w.add_argument("--out", required=True, help="output folder (runs/, results, figures)")
    w.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: cores; 0 = in this process)")
    w.add_argument("--scheduler", default=None, help="address of a Dask scheduler, "
                   "e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    w.add_argument("--chunk-size", type=int, default=None,
                   help="runs per task (default: two tasks per local worker; 10 on a cluster)")
    w.add_argument("--rebuild", action="store_true",
                   help="rebuild the model for every run (no persistent re-solve)")
    w.add_argument("--limit", type=int, default=None, metavar="N",
                   help="run only N runs to try the sweep: the first N of a grid, a seeded "
                        "sample of N of a sampled design")
    w.add_argument("--dashboard", default=None, metavar="ADDR",
                   help="start Dask's dashboard at ADDR, e.g. :8787 (default: no HTTP server)")
    _lang(w)
    w.set_defaults(func=cmd_sweep)

    i = sub.add_parser("init", help="write a ready-to-fill project (city.xlsx template, "
                       "scenario.yaml, README) for a city's own data")
    i.add_argument("dir", help="project folder to create")
    i.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="language of the template's headers and notes (default zh)")
    i.add_argument("--force", action="store_true", help="overwrite existing files")
    i.set_defaults(func=cmd_init)

    k = sub.add_parser("catalogue", help="write copies of the built-in function and channel "
                       "catalogues to edit")
    k.add_argument("--out", required=True, help="folder to write functions.csv, channels.csv "
                   "and CATALOGUES.md (their sources) into")
    k.add_argument("--force", action="store_true", help="overwrite existing files")
    k.set_defaults(func=cmd_catalogue)

    e = sub.add_parser("explain", help="what each site of a plan is worth (re-solves)")
    e.add_argument("dir", help="a folder written by 'siting run'")
    e.add_argument("--candidates", type=int, default=20,
                   help="unchosen candidates to force in (default 20)")
    e.add_argument("--top", type=int, default=10, help="rows to print (default 10)")
    e.add_argument("--workers", type=int, default=2,
                   help="processes sharing the re-solves (default 2; 1 = this one only)")
    e.add_argument("--time-limit", type=float, default=None,
                   help="seconds per whole-model re-solve (default: min(scenario's, 15))")
    e.add_argument("--prove", action="store_true",
                   help="re-solve the whole model up to --time-limit where the local "
                        "re-solve is not proven (default: the local plan, with its interval)")
    e.set_defaults(func=cmd_explain)

    a = sub.add_parser("alternatives", help="near-optimal plans as different as possible")
    a.add_argument("config", help="scenario YAML file")
    a.add_argument("--count", type=int, default=5, help="alternatives wanted (default 5)")
    a.add_argument("--slack", type=float, default=0.02,
                   help="share of the optimum's primary objective given up (default 0.02)")
    a.add_argument("--out", required=True, help="output folder")
    a.add_argument("--measure", choices=["distance", "sites", "street"], default="distance",
                   help="what difference to maximise (default distance: a site next door "
                        "counts almost as the same site)")
    a.add_argument("--radius", type=float, default=300.0,
                   help="metres within which two sites count as nearly the same (default 300)")
    a.add_argument("--time-limit", type=float, default=None,
                   help="seconds of search per alternative (default: min(scenario's, 15))")
    a.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario key (repeatable)")
    a.add_argument("--no-map", action="store_true", help="skip maps and workbooks")
    _lang(a)
    a.set_defaults(func=cmd_alternatives)

    h = sub.add_parser("report", help="write the offline HTML report of a plan, comparison "
                       "or sweep folder")
    h.add_argument("dir", help="a folder written by 'siting run', 'compare' or 'sweep'")
    h.add_argument("--out", default=None, help="output file (default DIR/report.html)")
    _lang(h, report_flag=False)
    h.set_defaults(func=cmd_report)

    b = sub.add_parser("benchmark", help="solve a published benchmark instance")
    b.add_argument("kind", choices=["orlib-cap", "pmedian", "spopt-london"])
    b.add_argument("file", help="instance file (spopt-london: the data folder)")
    b.add_argument("--capacity", type=float, default=None,
                   help="capacity for capa/capb/capc files")
    b.add_argument("--time-limit", type=float, default=600.0)
    b.set_defaults(func=cmd_benchmark)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from siting import interrupt

    interrupt.install()
    interrupt.reset()
    try:
        return args.func(args)
    except (KeyboardInterrupt, InterruptedRun) as exc:
        what = str(exc) if isinstance(exc, InterruptedRun) else "stopped by " + (
            str(exc) if str(exc).startswith("SIG") else "Ctrl-C")
        print(f"interrupted: {what}; files already in the output folder are unchanged",
              file=sys.stderr)
        return 130
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except InfeasibleError as exc:
        print(f"infeasible: {exc}", file=sys.stderr)
        return 1
    except SitingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
