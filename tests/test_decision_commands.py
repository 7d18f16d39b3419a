"""The decision commands end to end on a small city in files: ``siting run``, ``siting
explain`` (site_values.csv and its sheet in plan.xlsx) and ``siting alternatives`` (plan
folders that ``siting verify`` passes, the verifier recomputing each alternative's slack)."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from siting.cli import main
from siting.verify import verify_plan

pytestmark = pytest.mark.requires_highs

KEEP = ("meal_point", "day_care")
OTHERS = ("childcare", "respite_beds", "health_station", "fitness", "culture",
          "children_play", "housekeeping", "employment")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("city")
    zones = pd.DataFrame({
        "zone_id": ["Z1", "Z2", "Z3", "Z4"], "name": ["甲社区", "乙社区", "丙社区", "丁社区"],
        "street": ["东街道", "东街道", "西街道", "西街道"],
        "households": [1500, 1200, 1800, 900], "population": [4000, 3200, 4800, 2400],
        "pop_0_3": [80, 60, 90, 50], "pop_60_plus": [1200, 900, 1500, 700],
        "lon": [120.100, 120.104, 120.110, 120.114], "lat": [30.200, 30.202, 30.200, 30.203]})
    spaces = pd.DataFrame({
        "space_id": ["S1", "S2", "S3", "S4", "S5"],
        "name": ["一号活动室", "二号活动室", "三号活动室", "四号活动室", "五号活动室"],
        "street": ["东街道", "东街道", "西街道", "西街道", "东街道"],
        "kind": ["community_room"] * 5, "ownership": ["state"] * 5,
        "floor_area_m2": [400, 350, 420, 380, 300],
        "lon": [120.101, 120.103, 120.111, 120.113, 120.106],
        "lat": [30.201, 30.201, 30.201, 30.202, 30.201]})
    dist = [(z, s, d) for z, row in zip(zones["zone_id"], [[200, 300, 900, 950, 500],
                                                           [350, 250, 800, 850, 400],
                                                           [900, 800, 200, 300, 600],
                                                           [950, 850, 300, 200, 700]])
            for s, d in zip(spaces["space_id"], row)]
    zones.to_csv(root / "zones.csv", index=False)
    spaces.to_csv(root / "spaces.csv", index=False)
    pd.DataFrame(dist, columns=["from_id", "to_id", "metres"]).to_csv(root / "table.csv",
                                                                      index=False)
    off = "\n".join(f"  {f}: {{enabled: false}}" for f in OTHERS)
    (root / "city.yaml").write_text(
        "data: {zones: zones.csv, spaces: spaces.csv}\n"
        "distance: {method: table, table: table.csv}\n"
        "model: {budget: 2_400_000}\n"
        "solver: {mip_rel_gap: 0, mip_abs_gap: 0, time_limit_s: 30}\n"
        f"functions:\n{off}\n", encoding="utf-8")
    return root


def test_run_then_explain(city):
    out = city / "plan"
    assert main(["run", str(city / "city.yaml"), "--out", str(out), "--no-map"]) == 0
    assert main(["explain", str(out), "--workers", "1", "--candidates", "2"]) == 0
    values = pd.read_csv(out / "site_values.csv", encoding="utf-8-sig")
    chosen = set(pd.read_csv(out / "sites.csv", encoding="utf-8-sig")["space_id"])
    assert set(values.loc[values["role"] == "chosen", "space_id"]) == chosen
    assert values["exact"].all() and (values["objective_loss"] >= 0).all()
    assert "空间价值" in openpyxl.load_workbook(out / "plan.xlsx").sheetnames
    assert 'id="site_values"' in (out / "report.html").read_text(encoding="utf-8")


def test_alternatives_pass_the_verifier(city):
    out = city / "alts"
    assert main(["alternatives", str(city / "city.yaml"), "--count", "2", "--slack", "0.1",
                 "--measure", "sites", "--out", str(out)]) == 0
    table = pd.read_csv(out / "alternatives.csv", encoding="utf-8-sig")
    names = list(table.loc[table["kind"] == "plan", "id"])
    assert names[0] == "optimum" and len(names) >= 2
    for name in names:
        assert verify_plan(out / name) == [], name
        alt = json.loads((out / name / "summary.json").read_text(encoding="utf-8"))
        assert alt["alternative"]["threshold"] is not None
    assert (out / "alternatives_map.png").stat().st_size > 10_000
    assert {"方案", "空间", "必要性"} <= set(openpyxl.load_workbook(
        out / "alternatives.xlsx").sheetnames)
    assert 'id="alternatives_summary"' in (out / "report.html").read_text(encoding="utf-8")
    text = (out / "summary.md").read_text(encoding="utf-8")
    assert "near-optimal plan" in text and "近优方案" in text
    # the verifier recomputes the slack: a plan below it is a violation
    s = json.loads((out / names[1] / "summary.json").read_text(encoding="utf-8"))
    s["alternative"]["threshold"] = 10.0
    (out / names[1] / "summary.json").write_text(json.dumps(s), encoding="utf-8")
    assert any(v.kind == "alternative_slack" for v in verify_plan(out / names[1]))
