"""``siting init`` -> fill the workbook with pandas -> ``siting run`` -> verify; and the Python
API (``siting.plan`` with DataFrames, ``Plan.write``)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import siting
from siting import template
from siting.cli import main
from siting.verify import verify_plan

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
QUICK = ["--set", "model.budget=3e6", "--set", "solver.mip_rel_gap=0.001"] + [
    a for f in ("respite_beds", "day_care", "health_station", "fitness", "culture",
                "children_play", "housekeeping", "employment")
    for a in ("--set", f"functions.{f}.enabled=false")]
pytestmark = pytest.mark.requires_highs


def quadrant(t: str) -> pd.DataFrame:
    """The south-west quarter of the demo district (a small city that solves fast)."""
    df = pd.read_csv(DEMO / f"{t}.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    lon, lat = df["lon"].astype(float), df["lat"].astype(float)
    return df[(lon < 120.165) & (lat < 30.272)].reset_index(drop=True)


def test_init_fill_with_pandas_run_verify(tmp_path, capsys):
    proj = tmp_path / "我的城市"
    assert main(["init", str(proj)]) == 0
    book = proj / "city.xlsx"
    assert (proj / "scenario.yaml").is_file() and "city.xlsx" in (proj / "README.md").read_text(
        encoding="utf-8")
    sheets = pd.read_excel(book, sheet_name=None, dtype=str)
    assert list(sheets) == ["社区", "候选空间", "现有设施"]
    zones_sheet = sheets["社区"]
    assert list(zones_sheet.columns[:2]) == ["社区编号", "社区名称"]
    # row 2 describes each column with its unit; row 3 is an example; both are comments
    assert zones_sheet.iloc[0, 0].startswith("#") and "（户）" in zones_sheet.iloc[0, 3]
    assert zones_sheet.iloc[1, 0] == "#Z001"
    wb = load_workbook(book)
    lists = {str(dv.sqref)[:1]: dv.formula1
             for dv in wb["候选空间"].data_validations.dataValidation}
    assert "闲置厂房" in lists["D"] and "国有" in lists["E"]            # kind, ownership
    assert any("社区助餐点" in dv.formula1
               for dv in wb["现有设施"].data_validations.dataValidation)  # function
    # an unfilled template says what is missing, without a traceback
    assert main(["run", str(proj / "scenario.yaml"), "--out", str(tmp_path / "x")]) == 2
    assert "no data rows" in capsys.readouterr().err

    # fill the template from row 4 with pandas, in its own (Chinese) headers and values
    zh_kind = dict(zip(template.SPACE_KINDS, template._choices("spaces", "kind", "zh", None)))
    zh_own = dict(zip(template.OWNERSHIPS,
                      template._choices("spaces", "ownership", "zh", None)))
    fn = pd.read_csv(siting.catalogues.path("functions.csv"), encoding="utf-8-sig")
    zh_fn = dict(zip(fn["function"], fn["label_zh"]))
    with pd.ExcelWriter(book, mode="a", engine="openpyxl", if_sheet_exists="overlay") as xw:
        for t, cols in template.SHEETS.items():
            df = quadrant(t)
            if t == "spaces":
                df["kind"], df["ownership"] = df["kind"].map(zh_kind), df["ownership"].map(
                    zh_own)
                for c in ("ground_floor", "own_entrance"):
                    df[c] = df[c].map({"true": "是", "false": "否"})
            if t == "existing":
                df["function"] = df["function"].map(zh_fn)
            names = [c for c, *_ in cols]
            out = df.reindex(columns=names).fillna("")
            out.columns = [template.header(t, c, "zh") for c in names]
            out.to_excel(xw, sheet_name=template.SHEET_NAMES["zh"][t], startrow=3,
                         header=False, index=False)
    assert load_workbook(book)["候选空间"].data_validations.dataValidation  # lists kept
    out = tmp_path / "plan"
    assert main(["run", str(proj / "scenario.yaml"), "--out", str(out), "--verify",
                 "--no-map", *QUICK]) == 0
    assert "0 violation(s)" in capsys.readouterr().out
    sites = pd.read_csv(out / "sites.csv", encoding="utf-8-sig")
    assert len(sites) > 0 and set(sites["space_id"]) <= set(quadrant("spaces")["space_id"])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["inputs"]["zones"]["path"].endswith("city.xlsx")
    assert summary["resolved_scenario"]["data"]["zones"]["sheet"] == "社区"
    assert Path(summary["inputs"]["functions"]["path"]).parent.name == "catalogues"


def test_init_english_and_no_overwrite(tmp_path, capsys):
    assert main(["init", str(tmp_path / "p"), "--lang", "en"]) == 0
    sheets = pd.read_excel(tmp_path / "p" / "city.xlsx", sheet_name=None, dtype=str)
    assert list(sheets) == ["zones", "spaces", "existing"]
    assert list(sheets["spaces"].columns[:4]) == ["space_id", "name", "street", "kind"]
    assert "m²" in sheets["spaces"].iloc[0, 5]
    before = (tmp_path / "p" / "scenario.yaml").read_bytes()
    assert main(["init", str(tmp_path / "p")]) == 2
    assert "not overwritten" in capsys.readouterr().err
    assert (tmp_path / "p" / "scenario.yaml").read_bytes() == before


def test_python_api_with_dataframes(tmp_path):
    zones = quadrant("zones").rename(columns={"zone_id": "社区编号", "households": "户数"})
    spaces = quadrant("spaces").set_index("space_id")            # ids as the index
    spaces["kind"] = spaces["kind"].replace({"idle_factory": "闲置厂房"})
    off = {f: {"enabled": False} for f in ("respite_beds", "day_care", "health_station",
                                           "fitness", "culture", "children_play",
                                           "housekeeping", "employment")}
    plan = siting.plan(zones=zones, spaces=spaces, existing=quadrant("existing"),
                       scenario={"functions": off, "solver": {"mip_rel_gap": 1e-3}},
                       overrides={"model.budget": 3e6})
    assert isinstance(plan, siting.Plan)
    assert plan.summary["budget"] == 3e6 and 0 < plan.summary["total_capex"] <= 3e6
    assert len(plan.sites) > 0 and {"zone_id", "site_id", "served"} <= set(
        plan.assignments.columns)
    out = plan.write(tmp_path / "plan", make_map=False)
    assert (out / "inputs" / "zones.csv").is_file() and (out / "sites.csv").is_file()
    assert verify_plan(out) == []
    # the same plan from the same scenario as a Scenario object
    scen = siting.load_scenario({"functions": off, "solver": {"mip_rel_gap": 1e-3}},
                                {"model.budget": 3e6})
    again = siting.plan(zones=zones, spaces=spaces, existing=quadrant("existing"),
                        scenario=scen)
    pd.testing.assert_frame_equal(again.sites, plan.sites)
    with pytest.raises(siting.exceptions.DataError, match="data.spaces is not set"):
        siting.plan(zones=zones, scenario={})
