"""The demo with districts and three funding sources through the CLI: the money tables are
written, read correctly, pass ``siting verify``; and the verifier rejects a plan breaking any
source's rule, an area budget, the operating budget or a utilisation floor."""

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

# the shipped funding scenario scaled down to a few projects (quick to solve), with running
# costs and a utilisation floor too
SMALL = ["--set", "funding.central.amount=1500000", "--set", "funding.bonds.amount=3000000",
         "--set", "funding.district.amount=2000000",
         "--set", "budgets.limits={北城区: 3500000, 南城区: 3000000}",
         "--set", "operating.budget_per_year=600000",
         "--set", "operating.rent_per_m2_year={convert: 300}",
         "--set", "min_utilisation={childcare: 0.7}",
         "--set", "solver.time_limit_s=8", "--set", "solver.mip_rel_gap=0.02"]


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("funding")
    assert main(["run", str(ROOT / "scenarios" / "funding.yaml"), "--out", str(out),
                 *SMALL]) == 0
    return out


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, encoding="utf-8-sig", dtype={"space_id": str,
                                                                   "year": str})


def test_money_tables_read_correctly(plan_dir):
    summary = json.loads((plan_dir / "summary.json").read_text(encoding="utf-8"))
    sites, funding = read(plan_dir, "sites.csv"), read(plan_dir, "funding.csv")
    assert len(sites) > 0 and set(sites["district"]) <= {"北城区", "南城区"}
    # every project paid in full, and by sources whose totals the summary states
    paid = funding.groupby("space_id")["amount"].sum()
    cost = sites.set_index("space_id")["capex"]
    assert (paid.reindex(cost.index, fill_value=0) - cost).abs().max() < 0.02
    src = {s["source"]: s for s in summary["funding"]["sources"]}
    assert list(src) == ["central", "bonds", "district"]
    for s, d in src.items():
        got = float(funding.loc[funding["source"] == s, "amount"].sum())
        assert d["committed"] == pytest.approx(got, abs=0.05)
        assert d["left"] == pytest.approx(d["amount"] - got, abs=0.05)
    if (sites[["units_childcare", "units_respite_beds"]].sum(axis=1) > 0).any():
        assert src["central"]["committed"] > 0  # earmarked money is drawn on first
    areas = read(plan_dir, "areas.csv").set_index("district")
    for a, lim in (("北城区", 3.5e6), ("南城区", 3.0e6)):
        spent = float(sites.loc[sites["district"] == a, "capex"].sum())
        assert areas.at[a, "spent"] == pytest.approx(spent, abs=0.05)
        assert areas.at[a, "budget"] == lim and spent <= lim + 1
    op = summary["operating"]
    assert op["running_cost_per_year"] == pytest.approx(
        sites["opex_per_year"].sum() + sites["rent_per_year"].sum(), abs=0.05)
    assert op["running_cost_per_year"] <= 600_000 + 1
    with pd.ExcelFile(plan_dir / "plan.xlsx") as xl:
        assert {"分区预算与配额", "资金来源", "项目资金构成", "运营成本"} <= set(xl.sheet_names)
        pass
    reg = pd.read_excel(plan_dir / "plan.xlsx", sheet_name="项目清单")
    funded = reg.loc[reg["项目名称"].notna(), "资金来源"].astype(str)
    assert funded.str.contains("区级财政资金").any()  # the register names each project's sources
    assert verify_plan(plan_dir) == []
    html = (plan_dir / "report.html").read_text(encoding="utf-8")
    sec = html[html.index('id="money"'):]
    assert "资金来源与分区预算" in sec and "区级财政资金" in sec and "北城区" in sec
    from siting.report.html import Report
    from siting.report.money import section_money

    en = section_money(Report(plan_dir, lang="en"))
    assert en.title == "Funding and area budgets" and "District" in en.body


def tampered(plan_dir: Path, tmp_path: Path, name: str, change) -> list:
    bad = tmp_path / "bad"
    shutil.copytree(plan_dir, bad)
    df = read(bad, name)
    change(df)
    df.to_csv(bad / name, index=False, encoding="utf-8-sig")
    return [v.kind for v in verify_plan(bad)]


def test_verifier_rejects_broken_funding_rules(plan_dir, tmp_path):
    f = read(plan_dir, "funding.csv")
    summary = json.loads((plan_dir / "summary.json").read_text(encoding="utf-8"))

    # central pays a whole project: more than its share, its caps per unit, its functions
    d = f[f["source"] == "district"]
    assert len(d)

    def central_pays_all(df):  # beyond its share, caps per unit and functions
        i = df.index[df["source"] != "central"][0]
        df.at[i, "source"] = "central"

    assert "funding" in tampered(plan_dir, tmp_path / "a", "funding.csv", central_pays_all)

    sites = read(plan_dir, "sites.csv")
    other = sites.index[~sites["channel"].isin(["convert", "new_build"])]
    if len(other):  # bonds fund only conversions and new builds
        j = sites.at[other[0], "space_id"]

        def bonds_pay_renovation(df):
            df.loc[df.index[df["space_id"] == j][0], "source"] = "bonds"

        kinds = tampered(plan_dir, tmp_path / "b", "funding.csv", bonds_pay_renovation)
    else:
        j = f.loc[f["source"] == "bonds", "space_id"].iloc[0]

        def renovated(df):
            df.loc[df["space_id"] == j, "channel"] = "renovate"

        kinds = tampered(plan_dir, tmp_path / "b", "sites.csv", renovated)
    assert "funding" in kinds

    def unpaid(df):
        df.loc[df.index[0], "amount"] = 0.0

    assert "funding" in tampered(plan_dir, tmp_path / "c", "funding.csv", unpaid)

    def over_amount(df):  # the district pays more than it has
        i = df.index[df["source"] == "district"][0]
        df.at[i, "amount"] += 2.5e6

    assert "funding_amount" in tampered(plan_dir, tmp_path / "d", "funding.csv", over_amount)
    assert summary["funding"]["total_committed"] > 0


def test_verifier_rejects_area_budget_operating_and_utilisation(plan_dir, tmp_path):
    sites = read(plan_dir, "sites.csv")

    # area budget: a bigger project in the district (the capex check also fires)
    def pricier(df):
        i = df.index[df["district"] == "南城区"][0]
        df.at[i, "capex"] += 5e6

    assert "area_budget" in tampered(plan_dir, tmp_path / "a", "sites.csv", pricier)

    def more_units(df):  # 4x the childcare slots: opex over budget, use under the floor
        i = df.index[df["units_childcare"] > 0][0] if (df["units_childcare"] > 0).any() \
            else df.index[0]
        df.at[i, "units_childcare"] = max(20.0, 4 * df.at[i, "units_childcare"])
        for f in [c for c in df.columns if c.startswith("units_")]:
            df[f] = df[f] * 3

    kinds = tampered(plan_dir, tmp_path / "b", "sites.csv", more_units)
    assert "operating_budget" in kinds
    if (sites["units_childcare"] > 0).any():
        assert "utilisation" in kinds


def with_scenario(plan_dir: Path, tmp_path: Path, **changes) -> list:
    """The plan checked against a scenario asking for more than it was made for."""
    bad = tmp_path / "bad"
    shutil.copytree(plan_dir, bad)
    summary = json.loads((bad / "summary.json").read_text(encoding="utf-8"))
    summary["resolved_scenario"].update(changes)
    (bad / "summary.json").write_text(json.dumps(summary, ensure_ascii=False),
                                      encoding="utf-8")
    return verify_plan(bad)


def test_verifier_rejects_missed_quotas_and_floors(plan_dir, tmp_path):
    quota = {"by": "district", "functions": ["meal_point"], "min_share": 1.0,
             "communities": {"北城区": 50}}
    # (the scenario no longer matches its file either: an 'inputs' violation besides)
    hard = [v for v in with_scenario(plan_dir, tmp_path / "a",
                                     quotas={**quota, "mode": "hard"}) if v.kind == "quota"]
    assert len(hard) == 1 and "hard mode" in hard[0].message
    soft = [v for v in with_scenario(plan_dir, tmp_path / "b", quotas=quota)
            if v.kind == "quota"]  # missed and not reported
    assert len(soft) == 1 and "reported 0" in soft[0].message
    # a room twice the size it was planned (so half empty) against a 90 % floor
    sites = read(plan_dir, "sites.csv")
    f = next(c[6:] for c in sites.columns if c.startswith("units_") and sites[c].max() > 0)
    bad = tmp_path / "c"
    shutil.copytree(plan_dir, bad)
    i = sites.index[sites[f"units_{f}"] > 0][0]
    sites.loc[i, f"units_{f}"] *= 2
    sites.to_csv(bad / "sites.csv", index=False, encoding="utf-8-sig")
    floors = with_scenario(bad, tmp_path / "d", min_utilisation={f: 0.9})
    assert "utilisation" in {v.kind for v in floors}


def test_demand_decline_scenario_lowers_childcare_demand():
    from siting.config import load_scenario
    from siting.data import load_inputs
    from siting.problem import compute_demand

    demand = {}
    for name in ("base", "childcare_0_3", "demand_decline"):
        s = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        inp = load_inputs(s)
        from siting.problem import apply_function_overrides

        d = compute_demand(inp.zones, apply_function_overrides(inp.functions, s), s)
        demand[name] = float(d.xs("childcare", level="function").sum())
    # the catalogue counts childcare on all residents: only the 0-3 base lets births matter
    assert demand["childcare_0_3"] != pytest.approx(demand["base"], rel=1e-3)
    assert demand["demand_decline"] == pytest.approx(0.8 * demand["childcare_0_3"], rel=1e-9)


def test_chinese_headers_for_district_and_rent():
    from siting.aliases import column_map

    assert column_map("zones", ["社区编号", "所属区"])["所属区"] == "district"
    got = column_map("spaces", ["区", "年租金单价"])
    assert got == {"区": "district", "年租金单价": "rent_per_m2_year"}
