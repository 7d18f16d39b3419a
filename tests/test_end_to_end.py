"""The demo district through the CLI: every export is written, readable, and passes
``siting verify``; and the verifier catches each kind of violation planted in a plan."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from siting.cli import main
from siting.verify import verify_plan

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.requires_highs


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plan")
    rc = main(["run", str(ROOT / "scenarios" / "base.yaml"), "--out", str(out),
               "--set", "solver.mip_rel_gap=0.01", "--set", "solver.time_limit_s=60"])
    assert rc == 0
    return out


def test_every_export_written(plan_dir):
    for name in ("sites.csv", "assignments.csv", "zones.csv", "summary.json", "plan.xlsx",
                 "plan.gpkg", "map.png", "report.html"):
        assert (plan_dir / name).stat().st_size > 0, name
    assert not list(plan_dir.glob(".tmp-*")), "temporary folder left behind"
    for name in ("sites.csv", "assignments.csv", "zones.csv"):
        assert (plan_dir / name).read_bytes()[:3] == b"\xef\xbb\xbf", f"{name} has no BOM"


def test_exports_agree(plan_dir):
    summary = json.loads((plan_dir / "summary.json").read_text(encoding="utf-8"))
    sites = pd.read_csv(plan_dir / "sites.csv", encoding="utf-8-sig")
    assign = pd.read_csv(plan_dir / "assignments.csv", encoding="utf-8-sig")
    assert summary["status"] in ("optimal", "time_limit")
    assert summary["mip_gap"] is not None and summary["mip_gap"] <= 0.01 + 1e-9
    assert summary["total_capex"] == pytest.approx(sites["capex"].sum(), rel=1e-9)
    assert summary["total_capex"] <= summary["budget"] + 1e-6
    assert summary["n_sites"] == len(sites) > 0
    assert set(sites["channel"]) <= {"renovate", "convert", "transfer", "new_build"}
    served = assign.groupby("function")["served"].sum()
    for f, d in summary["functions"].items():
        assert d["served"] == pytest.approx(served.get(f, 0.0), abs=1e-3)
    assert sites["space_name"].str.contains("[\u4e00-\u9fff]").any()  # Chinese names intact
    with pd.ExcelFile(plan_dir / "plan.xlsx") as xl:
        assert xl.sheet_names == ["概要", "项目清单", "选址方案", "分功能", "社区覆盖", "街道覆盖",
                                  "服务分配", "未达标", "输入文件"]
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(plan_dir / "plan.gpkg")}
    assert layers == {"sites", "zones"}


def test_verify_passes_on_demo_plan(plan_dir, capsys):
    assert verify_plan(plan_dir) == []
    assert main(["verify", str(plan_dir)]) == 0
    assert "0 violation(s)" in capsys.readouterr().out


def test_same_inputs_same_plan(plan_dir, tmp_path):
    rc = main(["run", str(ROOT / "scenarios" / "base.yaml"), "--out", str(tmp_path),
               "--set", "solver.mip_rel_gap=0.01", "--set", "solver.time_limit_s=60",
               "--no-map"])
    assert rc == 0
    for name in ("sites.csv", "assignments.csv", "zones.csv"):
        assert (tmp_path / name).read_bytes() == (plan_dir / name).read_bytes(), name


# --- the verifier catches each kind of violation -----------------------------------------


def tamper(plan_dir: Path, tmp_path: Path, fn) -> list[str]:
    work = tmp_path / "p"
    shutil.copytree(plan_dir, work)
    fn(work)
    return [f"{v.kind} {v.where} {v.message}" for v in verify_plan(work)]


def edit_csv(path: Path, fn) -> None:
    df = pd.read_csv(path, encoding="utf-8-sig", dtype={"zone_id": str, "site_id": str,
                                                        "space_id": str})
    fn(df).to_csv(path, index=False, encoding="utf-8-sig")


def test_catches_over_budget(plan_dir, tmp_path):
    def go(d):
        s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        s["resolved_scenario"]["model"]["budget"] = 1000.0
        (d / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")

    assert any(v.startswith("budget") for v in tamper(plan_dir, tmp_path, go))


def test_catches_over_floor_area(plan_dir, tmp_path):
    def go(d):
        def f(df):
            df.loc[0, "floor_area_m2"] = df.loc[0, "floor_area_m2"] * 50
            return df

        edit_csv(d / "sites.csv", f)

    assert any(v.startswith("floor_area") for v in tamper(plan_dir, tmp_path, go))


def test_catches_beyond_walking_distance(plan_dir, tmp_path):
    sites = pd.read_csv(plan_dir / "sites.csv", encoding="utf-8-sig")
    assign = pd.read_csv(plan_dir / "assignments.csv", encoding="utf-8-sig")
    zones = pd.read_csv(ROOT / "data" / "demo" / "zones.csv", encoding="utf-8-sig")
    spaces = pd.read_csv(ROOT / "data" / "demo" / "spaces.csv", encoding="utf-8-sig")
    # the chosen space farthest from the first assignment's zone
    z = zones.set_index("zone_id").loc[assign.loc[0, "zone_id"]]
    sp = spaces.set_index("space_id").loc[sites["space_id"]]
    far = ((sp["lon"] - z["lon"]) ** 2 + (sp["lat"] - z["lat"]) ** 2).idxmax()

    def go(d):
        def f(df):
            df.loc[0, "site_id"] = far
            return df

        edit_csv(d / "assignments.csv", f)

    assert any(v.startswith("walking_distance") for v in tamper(plan_dir, tmp_path, go))


def test_catches_over_capacity(plan_dir, tmp_path):
    def go(d):
        def f(df):
            df.loc[df["site_type"] == "new", "served"] *= 3
            return df

        edit_csv(d / "assignments.csv", f)

    found = tamper(plan_dir, tmp_path, go)
    assert any(v.startswith("capacity") for v in found)


def test_catches_ineligible_channel(plan_dir, tmp_path):
    def go(d):
        def f(df):
            i = df.index[df["channel"] != "new_build"][0]
            df.loc[i, "channel"] = "new_build"
            return df

        edit_csv(d / "sites.csv", f)

    assert any(v.startswith("channel_eligibility") for v in tamper(plan_dir, tmp_path, go))


def test_catches_two_channels_on_one_space(plan_dir, tmp_path):
    def go(d):
        def f(df):
            extra = df.iloc[[0]].copy()
            extra["channel"] = "transfer" if df.loc[0, "channel"] != "transfer" else "convert"
            return pd.concat([df, extra], ignore_index=True)

        edit_csv(d / "sites.csv", f)

    assert any(v.startswith("one_channel") for v in tamper(plan_dir, tmp_path, go))


def test_catches_changed_inputs(plan_dir, tmp_path):
    work = tmp_path / "data"
    shutil.copytree(ROOT / "data", work)
    s = json.loads((plan_dir / "summary.json").read_text(encoding="utf-8"))
    for k in ("zones", "spaces", "existing"):
        s["resolved_scenario"]["data"][k] = str(work / "demo" / f"{k}.csv")
        s["inputs"][k]["path"] = str(work / "demo" / f"{k}.csv")
    (work / "demo" / "zones.csv").write_bytes((work / "demo" / "zones.csv").read_bytes()
                                              + b"\n")

    def go(d):
        (d / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")

    assert any(v.startswith("inputs zones") for v in tamper(plan_dir, tmp_path, go))


def test_rerun_without_map_removes_stale_map(plan_dir, tmp_path):
    work = tmp_path / "again"
    shutil.copytree(plan_dir, work)
    (work / "cache_key.txt").write_text("a comparison's key\n", encoding="utf-8")
    assert main(["run", str(ROOT / "scenarios" / "base.yaml"), "--out", str(work),
                 "--set", "model.budget=2e7", "--set", "solver.mip_rel_gap=0.01",
                 "--no-map", "--no-report"]) == 0
    assert not (work / "map.png").exists()
    assert not (work / "report.html").exists()  # an older plan's report is not left behind
    assert (work / "plan.xlsx").is_file()
    assert not (work / "cache_key.txt").exists()  # compare must not reuse this folder
    assert verify_plan(work) == []


def test_verify_refuses_a_folder_that_is_not_a_plan(tmp_path, capsys):
    assert main(["verify", str(tmp_path / "nothing")]) == 2
    assert "not a plan folder" in capsys.readouterr().err


def _with_model_switch(plan_dir: Path, tmp_path: Path, **switch) -> list[str]:
    def go(d):
        s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        s["resolved_scenario"]["model"].update(switch)
        (d / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")

    return tamper(plan_dir, tmp_path, go)


def test_catches_split_demand_under_single_source(plan_dir, tmp_path):
    assign = pd.read_csv(plan_dir / "assignments.csv", encoding="utf-8-sig")
    assert (assign.groupby(["zone_id", "function"])["site_id"].nunique() > 1).any()
    found = _with_model_switch(plan_dir, tmp_path, single_source=True)
    assert any(v.startswith("single_source") for v in found)


def test_catches_unfilled_existing_facility(plan_dir, tmp_path):
    def go(d):
        def f(df):
            i = df.index[df["site_type"] == "existing"][0]
            df.loc[i, "served"] = df.loc[i, "served"] / 2
            return df

        edit_csv(d / "assignments.csv", f)
        s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        s["resolved_scenario"]["model"]["fill_existing"] = True
        (d / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")

    assert any(v.startswith("fill_existing") for v in tamper(plan_dir, tmp_path, go))


def test_catches_lead_time_and_year_budget(plan_dir, tmp_path):
    def go(d):
        def f(df):
            df["start_year"] = 2025
            df["open_year"] = 2027  # no channel of the demo takes 2 years except new build
            return df

        edit_csv(d / "sites.csv", f)
        s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        s["resolved_scenario"]["phasing"] = {
            "enabled": True, "years": [2025, 2026, 2027], "carry_over": False,
            "budget_per_year": {"2025": 1e6, "2026": 1e6, "2027": 1e6}}
        (d / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")

    found = tamper(plan_dir, tmp_path, go)
    assert any(v.startswith("lead_time") for v in found)
    assert any(v.startswith("year_budget 2025") for v in found)


@pytest.fixture(scope="module")
def standards_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("standards")
    assert main(["run", str(ROOT / "scenarios" / "standards.yaml"), "--out", str(out),
                 "--no-map", "--set", "solver.mip_rel_gap=0.01"]) == 0
    return out


def test_standards_plan_verifies_and_reports_its_shortfall(standards_dir):
    assert verify_plan(standards_dir) == []
    sf = pd.read_csv(standards_dir / "shortfalls.csv", encoding="utf-8-sig")
    assert list(sf["standard"]) == ["function_minimum:childcare"]
    sites = pd.read_csv(standards_dir / "sites.csv", encoding="utf-8-sig")
    assert sites["complex"].any()
    assert (sites["floor_area_m2"] >= 300 - 0.01).all()  # minimum facility size


def test_catches_an_unreported_shortfall(standards_dir, tmp_path):
    def go(d):
        s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        s["shortfalls"] = []
        (d / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")

    found = tamper(standards_dir, tmp_path, go)
    assert any(v.startswith("standard function_minimum:childcare city") for v in found)
