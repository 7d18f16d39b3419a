"""Sensitivity sweeps: many solves of one base scenario with parameters varied, resumable,
in parallel on local processes or an existing Dask cluster.

A sweep file (YAML)::

    base: ../base.yaml              # the scenario every run starts from
    description: "..."
    design: grid                    # grid | oat (one at a time) | lhs | sobol
    samples: 64                     # lhs: number of points; sobol: N (N x (D + 2) runs)
    seed: 1
    overrides: {solver: {mip_rel_gap: 0.01}}   # applied to every run
    parameters:
      model.budget: {range: [1e7, 1.5e8], steps: 200}   # or {values: [...]}
      functions.childcare.walking_limit_m: {values: [300, 500, 800]}

Any scenario key can be swept (dotted path); a key that does not exist is refused with a
suggestion. Every finished run is written at once, atomically, to ``OUT/runs/<id>.json``, where
``id`` is a hash of the run's resolved scenario: killing the sweep loses no finished run, and
running it again skips them. ``OUT/results.parquet`` and ``results.csv`` hold one row per run.

Runs that differ only in ``model.budget``, demand rates (``functions.<f>.demand_rate``),
demand growth (``demand_growth.<group>``), priority weights or prices (channel cost
multipliers and costs, fit-out) share one built model: each chunk of runs builds it once,
then changes its parameters (:mod:`siting.model.parameters`) and re-solves persistently,
warm-started from the previous run (:func:`siting.solve.solve`). Any other change (walking
limits, channels enabled, areas, standards) rebuilds the model.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, ValidationError, field_validator

from siting import __version__, interrupt
from siting.config import (
    Scenario,
    _deep_merge,
    _Strict,
    format_validation_error,
    read_scenario_dict,
)
from siting.exceptions import DataError, InfeasibleError, SitingError

log = logging.getLogger(__name__)


class ParameterSpec(_Strict):
    """Values of one swept parameter: a list, or a range (with ``steps`` for grid and OAT)."""

    values: list[Any] | None = None
    range: tuple[float, float] | None = None
    steps: int = Field(5, ge=2)
    integer: bool = False
    up_to: Literal["max_min"] | None = None
    """``max_min``: the range ends at the max-min optimum of the base, solved first
    (:mod:`siting.tradeoff`; for ``equity.min_coverage.share``)."""

    @field_validator("values")
    @classmethod
    def _numbers(cls, v: list[Any] | None) -> list[Any] | None:
        """YAML reads ``1e7`` (no decimal point) as text: take it as the number meant."""
        if v is None:
            return v
        out = []
        for x in v:
            if isinstance(x, str):
                try:
                    x = float(x.replace("_", ""))
                except ValueError:
                    pass
            out.append(x)
        return out

    def grid(self) -> list[Any]:
        if self.values is not None:
            return list(self.values)
        lo, hi = self.range  # type: ignore[misc]
        vals = np.linspace(lo, hi, self.steps)
        return [int(round(v)) if self.integer else float(v) for v in vals]

    def bounds(self) -> tuple[float, float]:
        if self.range is not None:
            return self.range
        v = [float(x) for x in self.values or []]
        return (min(v), max(v))


class SweepSpec(_Strict):
    """A validated sweep file."""

    base: Path
    description: str = ""
    design: Literal["grid", "oat", "lhs", "sobol"] = "grid"
    parameters: dict[str, ParameterSpec]
    samples: int = Field(16, ge=1)
    seed: int = 0
    overrides: dict = Field(default_factory=dict)


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file; check that every swept key is a scenario key."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: sweep file not found")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if isinstance(raw.get("base"), str):
        raw["base"] = str((path.parent / raw["base"]).resolve())
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        raise DataError([f"{path}: {e['loc']}: {e['msg']}" for e in exc.errors()]) from None
    problems = []
    for key, p in spec.parameters.items():
        if p.values is None and p.range is None:
            problems.append(f"{path}: parameters.{key}: give 'values' or 'range'")
        if spec.design in ("lhs", "sobol") and p.values is not None and p.range is None:
            problems.append(f"{path}: parameters.{key}: design {spec.design} needs a 'range'")
    if problems:
        raise DataError(problems)
    base = read_scenario_dict(spec.base)
    for key, p in spec.parameters.items():
        probe = p.grid()[0] if spec.design in ("grid", "oat") else p.bounds()[0]
        try:
            Scenario.model_validate(_deep_merge(_deep_merge(base, spec.overrides),
                                                dotted(key, probe)))
        except ValidationError as exc:
            err = format_validation_error(exc, f"{path}: parameters.{key}")
            raise DataError(err.problems) from None
    return spec


def dotted(key: str, value: Any) -> dict:
    """``a.b.c`` and a value -> {'a': {'b': {'c': value}}}."""
    out: dict = {}
    cur = out
    parts = key.split(".")
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    cur[parts[-1]] = value
    return out


def get_dotted(d: dict, key: str) -> Any:
    for p in key.split("."):
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def base_value(spec: SweepSpec, base: dict, key: str) -> Any:
    """The base run's value of a swept key: from the scenario file, else the catalogue
    (``functions.<f>.<field>`` / ``channels.<c>.<field>``), else the schema default."""
    v = get_dotted(base, key)
    if v is not None:
        return v
    parts = key.split(".")
    if len(parts) == 3 and parts[0] in ("functions", "channels"):
        from siting.data import load_channels, load_functions

        if parts[2] == "cost_multiplier":
            return 1.0
        problems: list[str] = []
        from siting.config import DataPaths

        try:  # the scenario's catalogue, or the built-in one
            src = DataPaths.model_validate(base.get("data") or {}).source(parts[0])
        except ValidationError:
            src = None
        loader = load_functions if parts[0] == "functions" else load_channels
        table = loader(src, problems) if src is not None and Path(src.path).is_file() else None
        if table is not None and parts[1] in table.index and parts[2] in table.columns:
            val = table.at[parts[1], parts[2]]
            return val.item() if hasattr(val, "item") else val
        return None
    try:
        scen = Scenario.model_validate(_deep_merge(base, spec.overrides))
    except ValidationError:
        return None
    cur: Any = scen
    for p in parts:
        cur = getattr(cur, p, None) if not isinstance(cur, dict) else cur.get(p)
        if cur is None:
            return None
    return cur


def design_points(spec: SweepSpec, base: dict) -> list[dict[str, Any]]:
    """The parameter values of every run, in a fixed order."""
    keys = list(spec.parameters)
    ps = spec.parameters
    if spec.design == "grid":
        return [dict(zip(keys, combo)) for combo in itertools.product(*[ps[k].grid()
                                                                          for k in keys])]
    if spec.design == "oat":
        centre = {k: base_value(spec, base, k) for k in keys}
        for k, v in centre.items():
            if v is None:
                raise DataError(f"design oat: parameter {k} has no value in the base scenario "
                                "or the catalogues to vary around; give it in the base")
        pts = [dict(centre)]
        for k in keys:
            for v in ps[k].grid():
                if v != centre[k]:
                    pts.append({**centre, k: v})
        return pts
    problem = {"num_vars": len(keys), "names": keys,
               "bounds": [list(ps[k].bounds()) for k in keys]}
    if spec.design == "lhs":
        from SALib.sample import latin

        x = latin.sample(problem, spec.samples, seed=spec.seed)
    else:
        from SALib.sample import sobol

        x = sobol.sample(problem, spec.samples, calc_second_order=False, seed=spec.seed)
    return [{k: (int(round(v)) if ps[k].integer else float(v)) for k, v in zip(keys, row)}
            for row in x]


# --------------------------------------------------------------------------------------------
# One run


def resolved(spec: SweepSpec, base: dict, point: dict) -> Scenario:
    raw = _deep_merge(base, spec.overrides)
    for k, v in point.items():
        raw = _deep_merge(raw, dotted(k, v))
    return Scenario.model_validate(raw)


def run_id(scenario: Scenario) -> str:
    blob = json.dumps({"s": scenario.model_dump(mode="json"), "v": __version__},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


#: Catalogue fields that only change the model's parameters (:mod:`siting.model.parameters`)
#: or nothing in the model at all (opex is reported, not optimised).
PARAMETER_FIELDS = {"functions": ("demand_rate", "weight", "fitout_cost_per_unit",
                                  "opex_per_unit_year"),
                    "channels": ("cost_multiplier", "cost_per_m2", "fixed_cost")}


def structure_key(scenario: Scenario, parameters: bool = True) -> str:
    """Runs with equal keys can share one built model.

    They may differ in the budget value and, with ``parameters``, in what only changes the
    model's parameters: demand rates, demand growth, priority weights and prices (channel
    costs and multipliers, fit-out, opex). Whether a changed
    demand really keeps the structure (no demand appears or vanishes) is checked on the data
    when the run comes (:func:`siting.model.parameters.update_data`); if not, it rebuilds.
    """
    d = scenario.model_dump(mode="json")
    d["name"] = ""
    d["model"]["budget"] = d["model"]["budget"] is not None
    if parameters:
        d["demand_growth"] = {}
        for table, fields in PARAMETER_FIELDS.items():
            for ov in d.get(table, {}).values():
                for name in fields:
                    ov.pop(name, None)
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


@dataclass
class _Cached:
    inputs: Any
    data: Any
    built: Any
    solver: Any
    data_key: str
    """:func:`structure_key` without parameters: equal keys mean the same data."""


def _row(point: dict, summary: dict | None, status: str, reason: str, seconds: float,
         reused: bool) -> dict:
    row: dict[str, Any] = dict(point)
    row.update({"status": status, "reason": reason, "seconds": round(seconds, 3),
                "persistent": reused})
    if summary is not None:
        row.update({"mip_gap": summary["mip_gap"], "termination": summary.get("termination"),
                    "objective": summary["objective"],
                    "capex": summary["total_capex"],
                    "opex_per_year": summary["total_opex_per_year"],
                    "n_sites": summary["n_sites"],
                    "weighted_coverage": summary["weighted_coverage"],
                    "n_shortfalls": len(summary.get("shortfalls", []))})
        for f, d in summary["functions"].items():
            row[f"coverage_{f}"] = d["coverage"]
        from siting.equity import equity_columns

        row.update(equity_columns(summary))
        row["chosen_spaces"] = summary.get("_chosen", "")
    return row


def write_run(folder: Path, rid: str, row: dict) -> None:
    """Write one finished run atomically (temporary name, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{rid}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(row, ensure_ascii=False, default=float), encoding="utf-8")
    os.replace(tmp, folder / f"{rid}.json")


def run_chunk(jobs: list[tuple[str, dict, dict]], runs_dir: str, persistent: bool = True,
              on_run=None) -> list[str]:
    """Solve a list of (run id, point, resolved scenario dict); write each run as it ends.

    Consecutive runs with the same model structure reuse one built model: a budget change
    sets one parameter; a change of demand rates, demand growth, weights or prices recomputes
    the demand and prices from the inputs already read (keeping distances and pairs,
    :func:`siting.problem.with_parameters`) and re-targets the model at them
    (:func:`siting.model.parameters.update_data`), or rebuilds if the structure changed
    after all. The chunk starts from a fresh model, so results do not depend on which worker
    ran which chunk.
    """
    from siting.data import load_inputs
    from siting.model import build_model
    from siting.model.money import Money
    from siting.model.parameters import update_data
    from siting.problem import prepare, with_parameters
    from siting.run import plan_problem
    from siting.solve import new_solver

    cache: dict[str, _Cached] = {}
    done = []
    for rid, point, raw in jobs:
        t0 = time.perf_counter()
        reused = False
        try:
            scenario = Scenario.model_validate(raw)
            if scenario.solver.threads is None:  # parallel runs, not parallel HiGHS threads
                scenario = scenario.update(solver=scenario.solver.update(threads=1))
            key, data_key = structure_key(scenario), structure_key(scenario, parameters=False)
            hit = cache.get(key) if persistent and not scenario.phasing.enabled else None
            inputs = hit.inputs if hit is not None else None
            if hit is not None and hit.data_key != data_key:
                data = with_parameters(hit.data, hit.inputs, scenario)
                built = update_data(hit.built, data)
                if built is None:  # the demand changed the structure: build anew below
                    hit = None
                else:
                    hit.data, hit.built, hit.data_key = data, built, data_key
            if hit is not None:
                if scenario.model.budget is not None:
                    hit.built.model.budget_limit.set_value(float(scenario.model.budget))
                plan = plan_problem(hit.data, scenario, built=hit.built, solver=hit.solver)
                reused = True
            else:
                inputs = inputs if inputs is not None else load_inputs(scenario)
                data = prepare(inputs, scenario)
                built = build_model(data, scenario.model, scenario.standards, scenario.phasing,
                                    Money.of(scenario),
                                    equity=scenario.equity)
                solver = new_solver()
                cache = {key: _Cached(inputs, data, built, solver, data_key)}
                plan = plan_problem(data, scenario, built=built, solver=solver) \
                    if not scenario.phasing.enabled else plan_problem(data, scenario)
            summary = dict(plan.summary)
            summary["_chosen"] = "|".join(plan.sites["space_id"].astype(str))
            row = _row(point, summary, summary["status"], "", time.perf_counter() - t0, reused)
        except InfeasibleError as exc:
            row = _row(point, None, "infeasible", str(exc)[:2000], time.perf_counter() - t0,
                       reused)
        except (SitingError, ValidationError, ValueError) as exc:
            row = _row(point, None, "failed", str(exc)[:2000], time.perf_counter() - t0, reused)
        if interrupt.requested():  # Ctrl-C during this run (in this process): stop, and
            raise KeyboardInterrupt("SIGINT")  # leave the run to be solved on resume
        write_run(Path(runs_dir), rid, row)
        done.append(rid)
        if on_run is not None:
            on_run(rid)
    return done


# --------------------------------------------------------------------------------------------
# The whole sweep


def plan_jobs(spec: SweepSpec) -> list[tuple[str, dict, dict]]:
    base = read_scenario_dict(spec.base)
    jobs = []
    seen = set()
    for n, point in enumerate(design_points(spec, base)):
        s = resolved(spec, base, point).update(name=f"run{n:05d}")
        rid = run_id(s.update(name=""))
        if rid in seen:
            continue
        seen.add(rid)
        jobs.append((rid, point, s.model_dump(mode="json")))
    return jobs


def chunked(jobs: list, size: int) -> list[list]:
    """Group runs of the same structure together, then cut into chunks of ``size``."""
    by_key: dict[str, list] = {}
    for job in jobs:
        by_key.setdefault(structure_key(Scenario.model_validate(job[2])), []).append(job)
    out = []
    for group in by_key.values():
        # numeric order within a structure (a budget ladder climbs, so each warm start is
        # the neighbouring plan); text only breaks ties between non-numbers
        group.sort(key=lambda j: tuple((0, float(v), "") if isinstance(v, int | float)
                                       else (1, 0.0, str(v)) for _, v in sorted(j[1].items())))
        out += [group[i:i + size] for i in range(0, len(group), size)]
    return out


def run_sweep(spec_path: str | Path, out: str | Path, *, workers: int | None = None,
              scheduler: str | None = None, chunk_size: int | None = None,
              persistent: bool = True, progress: bool = True, limit: int | None = None,
              dashboard: str | None = None) -> pd.DataFrame:
    """Run (or finish) a sweep; write results and figures; return the results table.

    ``limit`` runs only N runs, to try a sweep quickly: the first N points of a grid or
    one-at-a-time design, a sample of N points (seeded by the sweep's ``seed``) of a Latin
    hypercube or Sobol design (Sobol indices need the whole design and are then not written).
    ``dashboard`` (an address, e.g. ``":8787"``) starts Dask's dashboard; without it no HTTP
    server is started and every port is chosen by the system (:mod:`siting.cluster`).

    ``workers=0`` runs in this process (no Dask). Otherwise runs go to a Dask cluster:
    ``scheduler`` (``tcp://host:port``) for an existing one, else a local one with
    ``workers`` processes (default: as many as cores). Each run gives HiGHS one thread
    unless the scenario sets ``solver.threads``: the parallelism is across runs.

    ``chunk_size`` runs go to a worker together; a chunk's runs of one model structure
    re-use one built model, in budget order, each starting from the previous plan. By
    default (``None``) each worker gets two chunks' worth of a local sweep (so a ladder
    pays few cold starts), and 10 runs per chunk on an existing cluster.
    """
    spec = load_sweep(spec_path)
    out = Path(out)
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    if any(p.up_to for p in spec.parameters.values()):
        from siting.tradeoff import resolve_up_to

        spec = resolve_up_to(spec, out)
    jobs = limit_jobs(plan_jobs(spec), spec, limit)
    todo = [j for j in jobs if not (runs / f"{j[0]}.json").is_file()]
    if chunk_size is None:
        if scheduler:
            chunk_size = 10
        elif workers == 0:  # in this process: one chunk, one model per structure
            chunk_size = max(1, len(todo))
        else:
            n_workers = workers or os.cpu_count() or 1
            chunk_size = max(1, math.ceil(len(todo) / (2 * n_workers)))
    chunks = chunked(todo, chunk_size)
    log.info("sweep %s: %d runs, %d done, %d to go in %d chunks", spec_path, len(jobs),
             len(jobs) - len(todo), len(todo), len(chunks))
    _execute(chunks, str(runs), workers, scheduler, persistent, progress, len(jobs),
             len(jobs) - len(todo), dashboard)
    table = collect(jobs, runs, list(spec.parameters))
    write_outputs(table, spec, out, complete=limit is None)
    return table


def limit_jobs(jobs: list, spec: SweepSpec, limit: int | None) -> list:
    """The first ``limit`` runs of a grid / OAT design, a seeded sample of a sampled one."""
    if limit is None or limit >= len(jobs):
        return jobs
    if limit < 1:
        raise DataError(f"--limit must be at least 1 (got {limit})")
    if spec.design in ("grid", "oat"):
        return jobs[:limit]
    import random

    keep = sorted(random.Random(spec.seed).sample(range(len(jobs)), limit))
    return [jobs[i] for i in keep]


PROGRESS_EVERY_S = 5.0
"""Seconds between plain progress lines of a sweep whose output is not a terminal."""


class _Progress:
    """Per-run progress of a sweep with a true ETA: a bar on a terminal, a plain line every
    few seconds otherwise. A run counts when its file appears (Dask workers write them as each
    run ends), not when its chunk returns."""

    def __init__(self, runs_dir: str, total: int, done0: int, show: bool):
        self.runs, self.total, self.done0 = Path(runs_dir), total, done0
        self.seen: set[str] = set()
        self.failed = 0
        self.show, self.every_s = show, PROGRESS_EVERY_S
        self.t0 = self.last = time.perf_counter()
        self.bar = self.task = None
        if show and sys.stdout.isatty():
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("sweep"), BarColumn(), TextColumn(
                "{task.completed}/{task.total} runs, {task.fields[failed]} failed"),
                TimeElapsedColumn(), TimeRemainingColumn(), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("sweep", total=total, completed=done0, failed=0)

    def eta_s(self) -> float | None:
        n = len(self.seen)
        if not n:
            return None
        return (time.perf_counter() - self.t0) / n * (self.total - self.done0 - n)

    def add(self, rids) -> None:
        new = [r for r in rids if r not in self.seen]
        for rid in new:
            self.seen.add(rid)
            try:
                row = json.loads((self.runs / f"{rid}.json").read_text(encoding="utf-8"))
                self.failed += row["status"] not in OK_STATUSES
            except (OSError, ValueError, KeyError):
                self.failed += 1
        if not new:
            return
        if self.bar is not None:
            self.bar.update(self.task, advance=len(new), failed=self.failed)
        elif self.show:
            now = time.perf_counter()
            done = self.done0 + len(self.seen)
            if now - self.last >= self.every_s or done == self.total:
                self.last = now
                eta = self.eta_s()
                left = "" if eta is None else f", about {_hms(eta)} left"
                print(f"sweep: {done}/{self.total} runs, {self.failed} failed, "
                      f"{_hms(now - self.t0)} elapsed{left}", flush=True)

    def poll(self, waiting: set[str]) -> None:
        """Count the runs of ``waiting`` whose files have appeared."""
        self.add(sorted(r for r in waiting - self.seen if (self.runs / f"{r}.json").is_file()))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


OK_STATUSES = ("optimal", "time_limit")


def _execute(chunks, runs_dir, workers, scheduler, persistent, progress, total, done0,
             dashboard=None):
    bar = _Progress(runs_dir, total, done0, progress)
    try:
        if not chunks:
            return
        if workers == 0:
            for c in chunks:
                run_chunk(c, runs_dir, persistent, on_run=lambda rid: bar.add([rid]))
            return
        _execute_dask(chunks, runs_dir, workers, scheduler, persistent, bar, dashboard)
    finally:
        bar.close()


def _execute_dask(chunks, runs_dir, workers, scheduler, persistent, bar, dashboard):
    from dask.distributed import Client

    from siting.cluster import local_cluster

    if not log.isEnabledFor(logging.INFO):  # keep Dask's own chatter off the screen (a
        # worker slow to shut down is "killed" with a warning; a failed chunk is reported here)
        logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        cluster = local_cluster(workers or os.cpu_count() or 1, dashboard)
        client = Client(cluster)
    try:
        futures = {client.submit(run_chunk, c, runs_dir, persistent, pure=False):
                   [j[0] for j in c] for c in chunks}
        pending = set(futures)
        while pending:
            done = {f for f in pending if f.done()}
            pending -= done
            bar.poll({rid for f in pending for rid in futures[f]})
            if not done:
                time.sleep(0.25)
            for fut in done:
                try:
                    bar.add(fut.result())
                except Exception as exc:  # noqa: BLE001 - a dead worker must not stop the rest
                    log.error("a chunk of runs failed on its worker: %s", exc)
                    bar.poll(set(futures[fut]))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def collect(jobs: list, runs: Path, params: list[str]) -> pd.DataFrame:
    """The results table: one row per run of this sweep (from the run files)."""
    rows = []
    for rid, point, _ in jobs:
        f = runs / f"{rid}.json"
        if f.is_file():
            row = json.loads(f.read_text(encoding="utf-8"))
        else:
            row = {**point, "status": "missing", "reason": "run did not finish"}
        row["run_id"] = rid
        rows.append(row)
    table = pd.DataFrame(rows)
    first = ["run_id", *params, "status"]
    return table[first + [c for c in table.columns if c not in first]]


def write_outputs(table: pd.DataFrame, spec: SweepSpec, out: Path, complete: bool = True
                  ) -> None:
    """results.parquet / results.csv, selection frequency, Sobol indices and ``sweep.json``
    (the validated sweep file, for the figures and report of :mod:`siting.report`)."""
    from siting.exports import AtomicDir, write_csv, write_json

    with AtomicDir(out) as tmp:
        write_json(spec.model_dump(mode="json"), tmp / "sweep.json")
        table.to_parquet(tmp / "results.parquet", index=False)
        write_csv(table, tmp / "results.csv")
        freq = selection_frequency(table)
        write_csv(freq, tmp / "selection_frequency.csv")
        if spec.design == "sobol" and complete:
            write_csv(sobol_indices(table, spec), tmp / "sobol_indices.csv")
        from siting.tradeoff import KEY, write_tradeoff

        if KEY in spec.parameters:
            write_tradeoff(table, spec, tmp, out)


def selection_frequency(table: pd.DataFrame) -> pd.DataFrame:
    """Per space: share of successful runs that choose it."""
    ok = table[table["status"].isin(["optimal", "time_limit"])]
    counts: dict[str, int] = {}
    for ids in ok.get("chosen_spaces", pd.Series(dtype=str)).fillna(""):
        for s in filter(None, str(ids).split("|")):
            counts[s] = counts.get(s, 0) + 1
    n = max(len(ok), 1)
    df = pd.DataFrame({"space_id": list(counts), "runs": list(counts.values())})
    df["share"] = df["runs"] / n
    return df.sort_values(["share", "space_id"], ascending=[False, True]).reset_index(drop=True)


def output_columns(table: pd.DataFrame) -> list[str]:
    return ["weighted_coverage"] + [c for c in table.columns if c.startswith("coverage_")]


def sobol_indices(table: pd.DataFrame, spec: SweepSpec) -> pd.DataFrame:
    """First-order and total Sobol indices (SALib) of each output for each parameter."""
    from SALib.analyze import sobol

    keys = list(spec.parameters)
    problem = {"num_vars": len(keys), "names": keys,
               "bounds": [list(spec.parameters[k].bounds()) for k in keys]}
    rows = []
    ok = table["status"].isin(["optimal", "time_limit"]).all()
    for col in output_columns(table):
        if not ok or col not in table:
            continue
        y = table[col].astype(float).to_numpy()
        if np.isnan(y).any() or np.ptp(y) == 0:
            continue
        res = sobol.analyze(problem, y, calc_second_order=False, seed=spec.seed)
        for k, s1, st in zip(keys, res["S1"], res["ST"]):
            rows.append({"output": col, "parameter": k, "S1": float(s1), "ST": float(st)})
    return pd.DataFrame(rows, columns=["output", "parameter", "S1", "ST"])


def knee(x: np.ndarray, y: np.ndarray) -> int | None:
    """Index of the knee of an increasing curve: the point farthest above the chord joining
    its ends, after scaling both axes to [0, 1] (Satopää et al. 2011, "Kneedle")."""
    order = np.argsort(x)
    x, y = np.asarray(x, float)[order], np.asarray(y, float)[order]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    xs, ys = (x - x[0]) / np.ptp(x), (y - y.min()) / np.ptp(y)
    d = ys - xs * (ys[-1] - ys[0]) - ys[0]
    i = int(np.argmax(d))
    return int(order[i]) if d[i] > 0 else None


def math_ok(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))
