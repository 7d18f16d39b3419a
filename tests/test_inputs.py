"""Bringing a city's own files: workbooks with named sheets and title rows, Chinese headers and
values, GBK text, built-in catalogues, every problem at once with hints that point the right
way, dotted overrides."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from siting import aliases
from siting.cli import main
from siting.config import load_scenario
from siting.data import load_inputs
from siting.exceptions import DataError

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
TABLES = ("zones", "spaces", "existing")


def demo_frames() -> dict[str, pd.DataFrame]:
    return {t: pd.read_csv(DEMO / f"{t}.csv", encoding="utf-8-sig", dtype=str,
                           keep_default_na=False) for t in TABLES}


@pytest.fixture(scope="module")
def reference():
    """The demo's inputs as loaded from its own CSV files."""
    return load_inputs(load_scenario({"data": {t: str(DEMO / f"{t}.csv") for t in TABLES}}))


def same_inputs(a, b) -> None:
    for t in TABLES:
        x, y = getattr(a, t), getattr(b, t)
        pd.testing.assert_frame_equal(x.sort_index(axis=1), y.sort_index(axis=1),
                                      check_dtype=False, obj=t)


def chinese(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The demo with Chinese headers and Chinese values for kind, ownership and function."""
    to_zh = {t: {c: aliases.COLUMN_ALIASES[t][c][0] for c in aliases.COLUMN_ALIASES[t]}
             for t in TABLES}
    for t in TABLES:
        to_zh[t].update({"lon": "经度", "lat": "纬度"})
    kinds = {k: v[0] for k, v in aliases.VALUE_ALIASES["kind"].items()}
    owners = {k: v[0] for k, v in aliases.VALUE_ALIASES["ownership"].items()}
    out = {t: f.copy() for t, f in frames.items()}
    out["spaces"]["kind"] = out["spaces"]["kind"].map(kinds)
    out["spaces"]["ownership"] = out["spaces"]["ownership"].map(owners)
    out["spaces"]["ground_floor"] = out["spaces"]["ground_floor"].map(
        {"true": "是", "false": "否"})
    # functions by the catalogue's own Chinese label (社区助餐点) and by an alias (托育)
    labels = {"childcare": "托育", "meal_point": "社区助餐点", "day_care": "日间照料",
              "respite_beds": "短期托养护理型床位"}
    out["existing"]["function"] = out["existing"]["function"].map(lambda f: labels.get(f, f))
    return {t: f.rename(columns=to_zh[t]) for t, f in out.items()}


def test_workbook_with_named_sheets_and_title_rows(tmp_path, reference):
    book = tmp_path / "city.xlsx"
    with pd.ExcelWriter(book) as xw:
        pd.DataFrame({"a": ["说明"]}).to_excel(xw, sheet_name="readme", index=False)
        for t, f in demo_frames().items():
            # two title rows (a merged-looking title and a blank row) above the header
            f.to_excel(xw, sheet_name=t, index=False, startrow=2)
            xw.sheets[t]["A1"] = f"某区 {t} 基础数据（2025年）"
    scen = load_scenario({"data": {t: {"path": str(book), "sheet": t} for t in TABLES}})
    same_inputs(load_inputs(scen), reference)
    # the header row can also be given
    scen = load_scenario({"data": {t: {"path": str(book), "sheet": t, "header_row": 3}
                                   for t in TABLES}})
    same_inputs(load_inputs(scen), reference)
    # a wrong sheet name is named, with a suggestion
    with pytest.raises(DataError) as exc:
        load_inputs(load_scenario({"data": {"zones": {"path": str(book), "sheet": "zone"},
                                            "spaces": {"path": str(book), "sheet": "spaces"}}}))
    assert "no sheet 'zone'; did you mean 'zones'?" in str(exc.value)


def test_chinese_headers_values_and_gbk(tmp_path, reference):
    zh = chinese(demo_frames())
    assert "社区编号" in zh["zones"].columns and "闲置厂房" in set(zh["spaces"]["类型"])
    for t, f in zh.items():
        f.to_csv(tmp_path / f"{t}.csv", index=False, encoding="gbk")
    data = {t: str(tmp_path / f"{t}.csv") for t in TABLES}
    same_inputs(load_inputs(load_scenario({"data": data})), reference)       # detected
    data = {t: {"path": str(tmp_path / f"{t}.csv"), "encoding": "gb18030"} for t in TABLES}
    same_inputs(load_inputs(load_scenario({"data": data})), reference)       # given
    data["zones"]["encoding"] = "utf-8"
    data["spaces"]["sheet"] = "spaces"
    with pytest.raises(DataError) as exc:
        load_inputs(load_scenario({"data": data}))
    assert "zones.csv: not valid utf-8 text" in str(exc.value)
    assert "spaces.csv: sheet 'spaces' given, but a CSV file has no sheets" in str(exc.value)


def test_headers_with_units_and_full_width_forms(tmp_path, reference):
    f = demo_frames()
    f["spaces"] = f["spaces"].rename(columns={"floor_area_m2": "建筑面积（㎡）",
                                              "space_id": "空间编号 ", "kind": "类型"})
    for t, df in f.items():
        df.to_csv(tmp_path / f"{t}.csv", index=False, encoding="utf-8-sig")
    same_inputs(load_inputs(load_scenario({"data": {t: str(tmp_path / f"{t}.csv")
                                                   for t in TABLES}})), reference)


def test_every_problem_at_once_with_hints_that_point_right(tmp_path):
    f = demo_frames()
    f["zones"] = f["zones"].drop(columns=["pop_0_3", "households"])
    f["zones"].loc[3, "population"] = "many"
    f["zones"] = f["zones"].rename(columns={"street": "stret"})
    f["spaces"] = f["spaces"].rename(columns={"ownership": "ownershp"})
    f["spaces"].loc[0, "kind"] = "factory"
    f["spaces"].loc[1, "floor_area_m2"] = "-5"
    for t, df in f.items():
        df.to_csv(tmp_path / f"{t}.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(DataError) as exc:
        load_inputs(load_scenario({"data": {t: str(tmp_path / f"{t}.csv") for t in TABLES}}))
    probs = exc.value.problems
    text = "\n".join(probs)
    # a required column is missing, yet the rest of the file is still checked
    assert "missing column 'households' (also accepted: 户数" in text
    assert "rows 5: column 'population' is not a number" in text
    assert "unknown column 'stret'; did you mean 'street'?" in text
    # never suggest renaming a column that is itself needed
    miss = next(p for p in probs if "missing column 'pop_0_3'" in p)
    assert "pop_60_plus" not in miss
    # the unknown column and the missing one are one problem, pointing the right way
    assert any("missing column 'ownership': unknown column 'ownershp' looks like it" in p
               for p in probs)
    assert "row 2: unknown kind 'factory'" in text
    assert "rows 3: column 'floor_area_m2' must be >= 0" in text


def test_builtin_catalogues_and_catalogue_command(tmp_path, capsys):
    scen = load_scenario({"data": {t: str(DEMO / f"{t}.csv") for t in TABLES}})
    inp = load_inputs(scen)
    assert "childcare" in inp.functions.index and "transfer" in inp.channels.index
    assert Path(inp.sources["functions"]).parent.name == "catalogues"
    assert not (ROOT / "data" / "functions.csv").exists()   # one copy, in the package
    assert main(["catalogue", "--out", str(tmp_path / "cat")]) == 0
    for name in ("functions.csv", "channels.csv", "CATALOGUES.md"):
        assert (tmp_path / "cat" / name).is_file()
    assert main(["catalogue", "--out", str(tmp_path / "cat")]) == 2
    assert "not overwritten" in capsys.readouterr().err
    edited = tmp_path / "cat" / "functions.csv"
    df = pd.read_csv(edited, encoding="utf-8-sig")
    df.loc[df["function"] == "childcare", "walking_limit_m"] = 300
    df.to_csv(edited, index=False, encoding="utf-8-sig")
    scen = load_scenario({"data": {**{t: str(DEMO / f"{t}.csv") for t in TABLES},
                                   "functions": str(edited)}})
    assert load_inputs(scen).functions.at["childcare", "walking_limit_m"] == 300


def test_comment_rows_skipped_and_dotted_overrides(tmp_path):
    f = demo_frames()["zones"]
    desc = pd.DataFrame([{c: ("# 社区唯一编号" if c == "zone_id" else "说明") for c in f.columns}])
    pd.concat([desc, f]).to_csv(tmp_path / "zones.csv", index=False, encoding="utf-8-sig")
    (tmp_path / "s.yaml").write_text(
        f"data: {{zones: zones.csv, spaces: {DEMO / 'spaces.csv'}}}\nmodel: {{budget: 1e7}}\n",
        encoding="utf-8")
    scen = load_scenario(tmp_path / "s.yaml", overrides={"model.budget": 2e7,
                                                         "functions.childcare.enabled": False,
                                                         "solver": {"seed": 3}})
    assert scen.model.budget == 2e7 and scen.functions["childcare"].enabled is False
    assert scen.solver.seed == 3
    zones = load_inputs(scen).zones
    assert len(zones) == 110 and zones.index[0] == "Z001"
    with pytest.raises(DataError) as exc:
        load_scenario(tmp_path / "s.yaml", overrides={"model.budjet": 1})
    assert "unknown key 'model.budjet'; did you mean 'budget'?" in str(exc.value)


def test_alias_table_is_documented():
    md = aliases.alias_markdown()
    for needle in ("社区编号", "`zone_id`", "国有", "`state`", "闲置厂房", "`idle_factory`",
                   "补改", "`renovate`", "托育", "`childcare`"):
        assert needle in md
    # no alias is claimed by two columns of one table
    for t, cols in aliases.COLUMN_ALIASES.items():
        seen = [aliases.normalise(n) for names in cols.values() for n in names]
        assert len(seen) == len(set(seen)), t
