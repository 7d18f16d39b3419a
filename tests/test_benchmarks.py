"""The general model, with the right switches, reproduces published optima."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from siting.benchmarks import solve_benchmark
from siting.cli import main

DATA = Path(__file__).parent / "data"
pytestmark = pytest.mark.requires_highs


def instances(folder: str) -> list[str]:
    return list(pd.read_csv(DATA / folder / "optima.csv")["instance"])


@pytest.mark.parametrize("instance", instances("orlib-cap"))
def test_orlib_capacitated_warehouse(instance):
    r = solve_benchmark("orlib-cap", DATA / "orlib-cap" / f"{instance}.txt", time_limit=120)
    assert r["status"] == "optimal"
    # published values are printed to 3 decimals
    assert r["objective"] == pytest.approx(r["reference"], rel=1e-6)


@pytest.mark.parametrize("instance", instances("orlib-pmed"))
def test_orlib_pmedian(instance):
    r = solve_benchmark("pmedian", DATA / "orlib-pmed" / f"{instance}.txt", time_limit=300)
    assert r["status"] == "optimal"
    assert r["objective"] == pytest.approx(r["reference"], rel=1e-6)


def test_cli_last_line(capsys):
    assert main(["benchmark", "orlib-cap", str(DATA / "orlib-cap" / "cap71.txt")]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("objective=932615.75") and "reference=932615.750000" in last
    assert "rel_diff=" in last
