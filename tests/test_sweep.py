"""Sweeps: designs, validation, resumable runs (also after kill -9), a real Dask cluster,
persistent re-solves equal to rebuilds, figures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.exceptions import DataError
from siting.report import sweep_outputs
from siting.sweep import design_points, knee, load_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.requires_highs

# A quick base: part of the demo (40 communities, 25 spaces), two functions, solved exactly
# (runs take well under a second).
QUICK = """extends: {base}
data:
  zones: {folder}/zones.csv
  spaces: {folder}/spaces.csv
functions:
  respite_beds: {{enabled: false}}
  day_care: {{enabled: false}}
  health_station: {{enabled: false}}
  fitness: {{enabled: false}}
  culture: {{enabled: false}}
  children_play: {{enabled: false}}
  housekeeping: {{enabled: false}}
  employment: {{enabled: false}}
solver: {{mip_rel_gap: 1.0e-6, time_limit_s: 60}}
"""


def write_quick(folder: Path) -> Path:
    demo = ROOT / "data" / "demo"
    z = pd.read_csv(demo / "zones.csv", encoding="utf-8-sig", dtype=str)
    z[z["street"] == z["street"].iloc[0]].to_csv(folder / "zones.csv", index=False,
                                                  encoding="utf-8-sig")
    sp = pd.read_csv(demo / "spaces.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    sp[sp["street"] == z["street"].iloc[0]].to_csv(folder / "spaces.csv", index=False,
                                                    encoding="utf-8-sig")
    (folder / "quick.yaml").write_text(QUICK.format(base=ROOT / "scenarios" / "base.yaml",
                                                    folder=folder), encoding="utf-8")
    return folder / "quick.yaml"


@pytest.fixture
def quick(tmp_path) -> Path:
    return write_quick(tmp_path)


def sweep_file(folder: Path, base: Path, body: str) -> Path:
    p = folder / "sweep.yaml"
    p.write_text(f"base: {base}\n" + body, encoding="utf-8")
    return p


def test_unknown_parameter_refused_with_suggestion(tmp_path, quick):
    p = sweep_file(tmp_path, quick, "parameters:\n  model.budjet: {values: [1, 2]}\n")
    with pytest.raises(DataError, match="did you mean 'budget'"):
        load_sweep(p)


def test_designs(tmp_path, quick):
    grid = load_sweep(sweep_file(tmp_path, quick, "parameters:\n"
                                 "  model.budget: {range: [1e7, 3e7], steps: 3}\n"
                                 "  distance.detour_factor: {values: [1.2, 1.4]}\n"))
    pts = design_points(grid, {})
    assert len(pts) == 6 and {p["model.budget"] for p in pts} == {1e7, 2e7, 3e7}
    oat = load_sweep(sweep_file(tmp_path, quick, "design: oat\nparameters:\n"
                                "  model.budget: {values: [3e7, 7e7]}\n"
                                "  distance.detour_factor: {values: [1.2, 1.45]}\n"))
    base = {"model": {"budget": 5e7}, "distance": {"detour_factor": 1.3}}
    pts = design_points(oat, base)
    assert len(pts) == 5 and pts[0] == {"model.budget": 5e7, "distance.detour_factor": 1.3}
    sob = load_sweep(sweep_file(tmp_path, quick, "design: sobol\nsamples: 8\nseed: 3\n"
                                "parameters:\n  model.budget: {range: [1e7, 5e7]}\n"
                                "  distance.detour_factor: {range: [1.1, 1.5]}\n"))
    a, b = design_points(sob, {}), design_points(sob, {})
    assert len(a) == 8 * (2 + 2) and a == b  # seeded: the same design twice
    assert all(1e7 <= p["model.budget"] <= 5e7 for p in a)


def test_knee_of_a_saturating_curve():
    x = np.linspace(0, 10, 11)
    y = 1 - np.exp(-x)
    assert knee(x, y) in (1, 2)
    assert knee(x, x) is None  # a straight line has no knee


@pytest.fixture(scope="module")
def ladder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ladder")
    write_quick(folder)
    spec = sweep_file(folder, folder / "quick.yaml",
                      "parameters:\n  model.budget: {range: [5e6, 3e7], steps: 6}\n")
    table = run_sweep(spec, folder / "out", workers=0, progress=False)
    sweep_outputs(folder / "out", report=False)  # the report is tested in test_report.py
    return spec, folder / "out", table


def test_sweep_writes_tidy_results_and_figures(ladder):
    _, out, table = ladder
    assert list(table.columns[:3]) == ["run_id", "model.budget", "status"]
    assert (table["status"] == "optimal").all()
    assert table["weighted_coverage"].is_monotonic_increasing  # exact solves: more money helps
    assert (table["capex"] <= table["model.budget"] + 1e-6).all()
    assert (table["opex_per_year"] > 0).all()
    assert table["persistent"].sum() == 5  # one build, five budget re-solves
    disk = pd.read_parquet(out / "results.parquet")
    assert len(disk) == 6 and set(disk["run_id"]) == set(table["run_id"])
    freq = pd.read_csv(out / "selection_frequency.csv", encoding="utf-8-sig")
    assert freq["share"].between(0, 1).all() and freq["share"].max() == 1.0
    for png in ("pareto.png", "selection_frequency.png"):
        assert (out / png).stat().st_size > 10_000


def test_persistent_resolve_equals_rebuild(ladder, tmp_path):
    spec, _, table = ladder
    again = run_sweep(spec, tmp_path / "rebuild", workers=0, persistent=False, progress=False)
    assert not again["persistent"].any()
    a = table.set_index("run_id")["weighted_coverage"]
    b = again.set_index("run_id")["weighted_coverage"]
    assert np.allclose(a.sort_index(), b.sort_index(), atol=1e-6)


def test_demand_rate_and_growth_runs_reuse_one_model_and_equal_rebuilds(tmp_path, quick):
    """Demand rates and growth change parameters of the model built for the first run; a
    rate of zero (a demand that vanishes) is another structure and rebuilds."""
    spec = sweep_file(tmp_path, quick, "parameters:\n"
                      "  functions.childcare.demand_rate: {values: [4.0, 5.0, 6.5]}\n"
                      "  demand_growth.pop_60_plus: {values: [1.0, 1.25]}\n"
                      "  model.budget: {values: [1.2e7]}\n")
    table = run_sweep(spec, tmp_path / "p", workers=0, progress=False)
    assert len(table) == 6 and (table["status"] == "optimal").all()
    assert table["persistent"].sum() == 5  # one build, five re-targeted re-solves
    rebuilt = run_sweep(spec, tmp_path / "r", workers=0, persistent=False, progress=False)
    a = table.set_index("run_id").sort_index()
    b = rebuilt.set_index("run_id").sort_index()
    assert np.allclose(a["weighted_coverage"], b["weighted_coverage"], atol=1e-6)
    assert np.allclose(a["objective"], b["objective"], rtol=2e-6)  # both within the gap
    # more demand for the same places: a lower share covered
    cc = a.groupby("functions.childcare.demand_rate")["coverage_childcare"].mean()
    assert cc.is_monotonic_decreasing and cc.iloc[0] > cc.iloc[-1]

    zero = sweep_file(tmp_path, quick, "parameters:\n"
                      "  functions.childcare.demand_rate: {values: [0.0, 4.5]}\n")
    t0 = run_sweep(zero, tmp_path / "z", workers=0, progress=False)
    assert (t0["status"] == "optimal").all() and not t0["persistent"].any()


def test_cost_overrun_runs_reprice_one_model(tmp_path, quick):
    spec = sweep_file(tmp_path, quick, "parameters:\n"
                      "  channels.convert.cost_multiplier: {values: [0.8, 1.3]}\n"
                      "  channels.renovate.cost_multiplier: {values: [1.0, 1.5]}\n"
                      "  model.budget: {values: [1.2e7]}\n")
    table = run_sweep(spec, tmp_path / "p", workers=0, progress=False)
    assert (table["status"] == "optimal").all() and table["persistent"].sum() == 3
    rebuilt = run_sweep(spec, tmp_path / "r", workers=0, persistent=False, progress=False)
    a = table.set_index("run_id").sort_index()
    b = rebuilt.set_index("run_id").sort_index()
    assert np.allclose(a["weighted_coverage"], b["weighted_coverage"], atol=1e-6)
    # both within the 1e-6 gap asked for (capex alone is only the tie-break, not pinned down)
    assert np.allclose(a["objective"], b["objective"], rtol=2e-6)
    assert (a["capex"] <= 1.2e7 + 1e-3).all()


def test_rerun_skips_finished_runs(ladder):
    spec, out, table = ladder
    stamps = {f.name: f.stat().st_mtime_ns for f in (out / "runs").glob("*.json")}
    again = run_sweep(spec, out, workers=0, progress=False)
    assert {f.name: f.stat().st_mtime_ns for f in (out / "runs").glob("*.json")} == stamps
    assert set(again["run_id"]) == set(table["run_id"])


def test_failed_run_recorded_and_others_go_on(tmp_path, quick):
    # min_cost must serve all demand: impossible within 100 m, fine within 2,000 m.
    spec = sweep_file(tmp_path, quick, "overrides: {model: {objective: min_cost, budget: null}}\n"
                      "parameters:\n  functions.childcare.walking_limit_m: "
                      "{values: [100, 2000]}\n  functions.meal_point.walking_limit_m: "
                      "{values: [2000]}\n")
    table = run_sweep(spec, tmp_path / "out", workers=0, progress=False).set_index(
        "functions.childcare.walking_limit_m")
    assert table.loc[100, "status"] == "infeasible"
    assert "childcare" in table.loc[100, "reason"]
    assert table.loc[2000, "status"] == "optimal"


def test_local_dask_cluster(tmp_path, quick, capfd):
    """Also: no dashboard asked for, so no HTTP server, no port warning and no HiGHS banner,
    whatever holds 127.0.0.1:8787 (held here)."""
    import socket

    held = socket.socket()
    try:
        held.bind(("127.0.0.1", 8787))
        held.listen()
    except OSError:  # someone else holds it: the same condition
        pass
    try:
        spec = sweep_file(tmp_path, quick, "parameters:\n  model.budget: {values: [1e7, 2e7]}\n"
                          "  distance.detour_factor: {values: [1.2, 1.4]}\n")
        table = run_sweep(spec, tmp_path / "out", workers=2, chunk_size=1, progress=False)
    finally:
        held.close()
    assert len(table) == 4 and (table["status"] == "optimal").all()
    assert len(list((tmp_path / "out" / "runs").glob("*.json"))) == 4
    err = capfd.readouterr().err
    assert "8787" not in err and "Port" not in err and "Running HiGHS" not in err


def test_kill_9_loses_no_finished_run(tmp_path, quick):
    spec = sweep_file(tmp_path, quick,
                      "parameters:\n  model.budget: {range: [5e6, 4e7], steps: 20}\n")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "siting.cli", "sweep", str(spec), "--out", str(out),
           "--workers", "0", "--rebuild"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    runs = out / "runs"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(runs.glob("*.json"))) < 2:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = {f.name: f.read_bytes() for f in runs.glob("*.json")}
    assert 2 <= len(first) < 20, "the kill should land mid-sweep"
    for data in first.values():
        json.loads(data)  # every file on disk is a whole run
    assert subprocess.run(cmd, cwd=ROOT, capture_output=True).returncode == 0
    after = {f.name: f.read_bytes() for f in runs.glob("*.json")}
    assert len(after) == 20
    assert all(after[k] == v for k, v in first.items())  # finished runs kept, not redone
    assert not list(runs.glob(".*.tmp"))


def test_oat_tornado_and_sobol_outputs(tmp_path, quick):
    oat = sweep_file(tmp_path, quick, "design: oat\nparameters:\n"
                     "  model.budget: {values: [1e7, 4e7]}\n"
                     "  functions.childcare.walking_limit_m: {values: [300, 800]}\n")
    table = run_sweep(oat, tmp_path / "oat", workers=0, progress=False)
    sweep_outputs(tmp_path / "oat")
    assert len(table) == 5 and (tmp_path / "oat" / "tornado.png").stat().st_size > 5_000
    sob_dir = tmp_path / "s"
    sob_dir.mkdir()
    sob = sweep_file(sob_dir, quick, "design: sobol\nsamples: 4\nseed: 1\nparameters:\n"
                     "  model.budget: {range: [5e6, 4e7]}\n"
                     "  functions.childcare.walking_limit_m: {range: [300, 800]}\n")
    table = run_sweep(sob, tmp_path / "sobol", workers=0, progress=False)
    sweep_outputs(tmp_path / "sobol")
    assert len(table) == 4 * (2 + 2)
    idx = pd.read_csv(tmp_path / "sobol" / "sobol_indices.csv", encoding="utf-8-sig")
    w = idx[idx["output"] == "weighted_coverage"].set_index("parameter")
    assert set(w.index) == {"model.budget", "functions.childcare.walking_limit_m"}
    assert w.loc["model.budget", "ST"] > 0  # money moves coverage
    assert (tmp_path / "sobol" / "sobol.png").stat().st_size > 5_000
    for folder, title in (("oat", "单因素敏感性"), ("sobol", "Sobol 敏感性指数")):
        page = (tmp_path / folder / "report.html").read_text(encoding="utf-8")
        assert title in page and "section-error" not in page


@pytest.mark.parametrize(("name", "runs"), [("budget", 200), ("demand", 42), ("joint", 80),
                                             ("tornado", 9)])
def test_shipped_sweeps_load_and_the_demand_grid_shares_one_structure(name, runs):
    from siting.config import read_scenario_dict
    from siting.sweep import plan_jobs, structure_key

    spec = load_sweep(ROOT / "scenarios" / "sweeps" / f"{name}.yaml")
    assert len(design_points(spec, read_scenario_dict(spec.base))) == runs
    if name in ("budget", "demand"):
        from siting.config import Scenario

        keys = {structure_key(Scenario.model_validate(j[2])) for j in plan_jobs(spec)}
        assert len(keys) == 1
