"""Scenario comparison: numbers agree with each plan's exports, failures are reported without
stopping the rest, finished scenarios are reused until an input changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from siting.compare import run_comparison
from siting.report import comparison_outputs

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.requires_highs


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cmp")
    data = root / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("generate.py"))
    scen = root / "scenarios"
    scen.mkdir()
    (scen / "base.yaml").write_text(
        "description: base for the test\n"
        "data: {zones: ../data/demo/zones.csv, spaces: ../data/demo/spaces.csv, "
        "existing: ../data/demo/existing.csv}\n"
        "model: {budget: 20_000_000}\nsolver: {mip_rel_gap: 0.01, time_limit_s: 60}\n",
        encoding="utf-8")
    (scen / "cheap.yaml").write_text("extends: base\ndescription: 10 M\n"
                                     "model: {budget: 10_000_000}\n", encoding="utf-8")
    (scen / "broken.yaml").write_text("extends: base\nmodel: {budjet: 1}\n", encoding="utf-8")
    (scen / "impossible.yaml").write_text(
        "extends: base\ndescription: serve all childcare within 100 m\n"
        "model: {objective: min_cost, budget: null}\n"
        "functions: {childcare: {walking_limit_m: 100}}\n", encoding="utf-8")
    out = root / "results"
    rc = run_comparison(scen, None, out)
    assert rc == 1  # two scenarios failed
    comparison_outputs(out, report=False)  # the report is tested in test_report.py
    return scen, out


def test_comparison_matches_each_plan(compared):
    _, out = compared
    table = pd.read_csv(out / "comparison.csv", encoding="utf-8-sig").set_index("scenario")
    for name in ("base", "cheap"):
        summary = json.loads((out / name / "summary.json").read_text(encoding="utf-8"))
        sites = pd.read_csv(out / name / "sites.csv", encoding="utf-8-sig")
        row = table.loc[name]
        assert row["capex"] == pytest.approx(sites["capex"].sum())
        assert row["n_sites"] == len(sites)
        assert row["n_shortfalls"] == len(summary["shortfalls"])
        assert row["opex_per_year"] == pytest.approx(sites["opex_per_year"].sum())
        for ch in ("renovate", "convert", "transfer", "new_build"):
            assert row[f"sites_{ch}"] == (sites["channel"] == ch).sum()
            assert row[f"capex_{ch}"] == pytest.approx(
                sites.loc[sites["channel"] == ch, "capex"].sum())
        zones = pd.read_csv(out / name / "zones.csv", encoding="utf-8-sig")
        for f in summary["functions"]:
            z = zones[zones["function"] == f]
            assert row[f"coverage_{f}"] == pytest.approx(z["served"].sum() / z["demand"].sum(),
                                                         abs=1e-5)
            assert row[f"units_{f}"] == pytest.approx(sites[f"units_{f}"].sum())
        assert row["households_within_500m"] <= row["households_within_1000m"]
    assert table.loc["cheap", "capex"] <= 10_000_000 + 1e-6
    assert table.loc["cheap", "weighted_coverage"] <= table.loc["base", "weighted_coverage"]


def test_failures_reported_and_others_solved(compared):
    _, out = compared
    table = pd.read_csv(out / "comparison.csv", encoding="utf-8-sig").set_index("scenario")
    assert table.loc["broken", "status"] == "failed"
    assert "budjet" in table.loc["broken", "reason"]
    assert table.loc["impossible", "status"] == "infeasible"
    assert "childcare short by" in table.loc["impossible", "reason"]
    assert set(table.index[table["status"] == "optimal"]) == {"base", "cheap"}
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "**cheap**" in md and "lowers weighted coverage" in md and "**broken**: no plan" in md
    for png in ("coverage_by_scenario.png", "capex_by_channel.png", "maps.png"):
        assert (out / png).stat().st_size > 10_000


def test_site_stability(compared):
    _, out = compared
    stab = pd.read_csv(out / "site_stability.csv", encoding="utf-8-sig")
    table = pd.read_csv(out / "comparison.csv", encoding="utf-8-sig").set_index("scenario")
    base = set(table.loc["base", "chosen_spaces"].split("|"))
    cheap = set(table.loc["cheap", "chosen_spaces"].split("|"))
    got = dict(zip(stab["space_id"], stab["stability"]))
    assert {s for s, k in got.items() if k == "all"} == base & cheap
    assert {s for s, k in got.items() if k == "one"} == base ^ cheap
    assert table.loc["base", "spaces_in_all"] == len(base & cheap)


def test_summary_names_the_spaces_added_and_dropped(compared):
    _, out = compared
    table = pd.read_csv(out / "comparison.csv", encoding="utf-8-sig").set_index("scenario")
    base = set(table.loc["base", "chosen_spaces"].split("|"))
    cheap = set(table.loc["cheap", "chosen_spaces"].split("|"))
    sites = pd.read_csv(out / "base" / "sites.csv", encoding="utf-8-sig")
    names = dict(zip(sites["space_id"], sites["space_name"]))
    line = next(x for x in (out / "summary.md").read_text(encoding="utf-8").splitlines()
                if x.startswith("- **cheap**"))
    assert base - cheap  # the cheaper plan drops spaces
    for sid in sorted(base - cheap)[:12]:
        assert f"{sid} {names[sid]}" in line.split("Drops", 1)[1]


def test_cache_reused_then_invalidated_by_input_change(compared, capsys):
    scen, out = compared
    run_comparison(scen, ["base", "cheap"], out, force=True)   # replaces the 4-scenario one
    printed = capsys.readouterr().out
    assert printed.startswith("replacing the comparison in 4 scenario(s)")
    assert printed.count("(reused)") == 2
    spaces = scen.parent / "data" / "demo" / "spaces.csv"
    df = pd.read_csv(spaces, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    df.loc[0, "floor_area_m2"] = str(float(df.loc[0, "floor_area_m2"]) + 1)
    df.to_csv(spaces, index=False, encoding="utf-8-sig")
    run_comparison(scen, ["cheap"], out, force=True)
    assert "(reused)" not in capsys.readouterr().out
