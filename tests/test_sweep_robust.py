"""Sweeps that tell the truth: progress per run with an ETA, no HTTP server and no fixed port
(the suite passes while something holds 127.0.0.1:8787), ``--limit``."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_sweep import sweep_file, write_quick

from siting import sweep
from siting.cli import main

pytestmark = pytest.mark.requires_highs


@pytest.fixture
def quick(tmp_path) -> Path:
    return write_quick(tmp_path)


def test_progress_advances_per_run_with_an_eta(tmp_path, quick, capsys, monkeypatch):
    monkeypatch.setattr(sweep, "PROGRESS_EVERY_S", 0.0)
    spec = sweep_file(tmp_path, quick, "parameters:\n  model.budget: {values: [1e7, 2e7, 3e7]}\n")
    # one chunk of three runs in this process: before, the bar moved only when it returned
    sweep.run_sweep(spec, tmp_path / "out", workers=0, chunk_size=3)
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("sweep:")]
    assert [x.split(",")[0] for x in lines] == ["sweep: 1/3 runs", "sweep: 2/3 runs",
                                                "sweep: 3/3 runs"], lines
    assert "left" in lines[0] and "elapsed" in lines[-1]


def test_limit_runs_the_first_runs_of_a_grid(tmp_path, quick, capsys):
    spec = sweep_file(tmp_path, quick, "parameters:\n  model.budget: {range: [5e6, 4e7], "
                                       "steps: 8}\n")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "0",
                 "--limit", "2"]) == 0
    assert "2 runs: 2 optimal" in capsys.readouterr().out
    jobs = sweep.limit_jobs(sweep.plan_jobs(sweep.load_sweep(spec)), sweep.load_sweep(spec), 2)
    assert [j[1]["model.budget"] for j in jobs] == [5e6, 10e6]


def test_limit_samples_a_sampled_design_with_its_seed(tmp_path, quick):
    spec = sweep.load_sweep(sweep_file(tmp_path, quick, "design: lhs\nsamples: 12\nseed: 3\n"
                                       "parameters:\n  model.budget: {range: [5e6, 4e7]}\n"))
    jobs = sweep.plan_jobs(spec)
    a, b = sweep.limit_jobs(jobs, spec, 4), sweep.limit_jobs(jobs, spec, 4)
    assert a == b and len(a) == 4 and a != jobs[:4]
