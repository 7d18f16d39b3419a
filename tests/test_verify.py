"""The verifier as a package of families: an unreadable or incomplete plan is a violation
(never a traceback), families register themselves, and a family that cannot finish is a
violation too."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from siting.cli import main
from siting.verify import core, families, verify_plan

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.requires_highs


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vplan")
    assert main(["run", str(ROOT / "scenarios" / "base.yaml"), "--out", str(out), "--no-map",
                 "--set", "solver.mip_rel_gap=0.01"]) == 0
    return out


@pytest.fixture
def work(plan, tmp_path) -> Path:
    shutil.copytree(plan, tmp_path / "p")
    return tmp_path / "p"


def found(folder: Path) -> list[str]:
    return [f"{v.kind} {v.where}: {v.message}" for v in verify_plan(folder)]


def test_families_mirror_the_model():
    names = [f.name for f in families()]
    assert names[:6] == ["siting", "capacity", "phasing", "service", "standards", "reported"]


def test_corrupt_summary_is_a_violation(work, capsys):
    (work / "summary.json").write_text('{"status": "optimal", ', encoding="utf-8")
    v = found(work)
    assert len(v) == 1 and v[0].startswith("reading summary.json: not valid JSON"), v
    assert main(["verify", str(work)]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and "not valid JSON" in out.out


def test_sites_without_capex_is_a_violation(work):
    df = pd.read_csv(work / "sites.csv", encoding="utf-8-sig").drop(columns=["capex"])
    df.to_csv(work / "sites.csv", index=False, encoding="utf-8-sig")
    v = found(work)
    assert any(x.startswith("reading sites.csv: missing column(s) capex") for x in v), v


@pytest.mark.parametrize(("name", "content", "expect"), [
    ("assignments.csv", b"", "reading assignments.csv: empty file"),
    ("zones.csv", b"\xff\xfe\x00garbage", "reading zones.csv: not UTF-8"),
    ("summary.json", b"[1, 2]", "reading summary.json: must be a JSON object"),
    ("summary.json", b'{"status": "optimal"}', "reading summary.json key 'resolved_scenario'"),
])
def test_unreadable_files_are_violations(work, name, content, expect):
    (work / name).write_bytes(content)
    v = found(work)
    assert any(x.startswith(expect) for x in v), v


def test_non_numeric_served_names_the_row(work):
    df = pd.read_csv(work / "assignments.csv", encoding="utf-8-sig")
    df["served"] = df["served"].astype(object)
    df.loc[3, "served"] = "lots"
    df.to_csv(work / "assignments.csv", index=False, encoding="utf-8-sig")
    assert any("assignments.csv column served: not a finite number in row(s) 5" in x
               for x in found(work))


def test_missing_table_is_a_violation(work):
    (work / "zones.csv").unlink()
    assert found(work) == ["reading zones.csv: missing: the plan folder is incomplete"]


def test_a_new_family_is_one_registered_function(plan):
    calls = []

    @core.family("zz_test_family", order=95)
    def _check(ctx):
        calls.append(len(ctx.sites))
        return [core.Violation("zz", "plan", "planted")]

    @core.family("zz_broken_family", order=96)
    def _broken(ctx):
        raise KeyError("units_nothing")

    try:
        v = found(plan)
    finally:
        del core._FAMILIES["zz_test_family"], core._FAMILIES["zz_broken_family"]
    assert calls and "zz plan: planted" in v
    assert any(x.startswith("unverifiable zz_broken_family: the check could not finish")
               for x in v)
    assert verify_plan(plan) == []


def test_tampered_summary_json_still_verifies_what_it_can(work):
    s = json.loads((work / "summary.json").read_text(encoding="utf-8"))
    s["resolved_scenario"]["model"]["budget"] = "lots"
    (work / "summary.json").write_text(json.dumps(s), encoding="utf-8")
    v = found(work)
    assert v and all(x.startswith("reading summary.json key 'resolved_scenario'") for x in v)


# --- every reported number is recomputed ---------------------------------------------------


def _edit_summary(folder: Path, fn) -> None:
    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    fn(s)
    (folder / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")


def _edit_csv(path: Path, fn) -> None:
    df = pd.read_csv(path, encoding="utf-8-sig", dtype={"zone_id": str, "site_id": str,
                                                        "space_id": str})
    fn(df)
    df.to_csv(path, index=False, encoding="utf-8-sig")


def test_catches_zones_csv_claiming_full_coverage(work):
    _edit_csv(work / "zones.csv", lambda df: df.__setitem__("coverage", 1.0))
    assert any(x.startswith("reported zones.csv") and "coverage 1.0 but" in x
               for x in found(work))


def test_catches_a_doubled_objective(work):
    _edit_summary(work, lambda s: s.__setitem__("objective", 2 * s["objective"]))
    assert any(x.startswith("reported summary.json objective:") for x in found(work))


def test_catches_a_doubled_objective_and_terms(work):
    def go(s):
        s["objective"] *= 2
        s["objective_terms"] = {k: 2 * v for k, v in s["objective_terms"].items()}

    _edit_summary(work, go)
    assert any(x.startswith("reported summary.json objective_terms.primary") for x in found(work))


def test_catches_summary_claiming_everything_served(work):
    def go(s):
        for d in s["functions"].values():
            d["served"], d["coverage"] = d["demand"], 1.0
        s["weighted_coverage"] = 1.0

    _edit_summary(work, go)
    v = found(work)
    assert any(x.startswith("reported summary.json functions.childcare.served") for x in v)
    assert any(x.startswith("reported summary.json functions.childcare.coverage") for x in v)
    assert any(x.startswith("reported summary.json weighted_coverage") for x in v)


def test_catches_wrong_distances(work):
    _edit_csv(work / "assignments.csv",
              lambda df: df.__setitem__("distance_m", df["distance_m"] / 2))
    assert any(x.startswith("reported assignments.csv") and "distance_m" in x
               for x in found(work))


def test_catches_a_site_added_after_raising_the_recorded_budget(work, plan):
    spaces = pd.read_csv(ROOT / "data" / "demo" / "spaces.csv", encoding="utf-8-sig",
                         dtype={"space_id": str})
    sites = pd.read_csv(work / "sites.csv", encoding="utf-8-sig", dtype={"space_id": str})
    free = spaces.loc[~spaces["space_id"].isin(sites["space_id"])
                      & (spaces["kind"] == "community_room"), "space_id"].iloc[0]
    row = sites.iloc[[0]].copy()
    row["space_id"] = free
    ratio = float(spaces.set_index("space_id").at[free, "floor_area_m2"]) / float(
        spaces.set_index("space_id").at[sites.at[0, "space_id"], "floor_area_m2"])
    for c in [c for c in row.columns if c.startswith("served_")]:
        row[c] = 0.0
    row["floor_area_m2"] = row["floor_area_m2"] * min(ratio, 1.0)
    pd.concat([sites, row]).to_csv(work / "sites.csv", index=False, encoding="utf-8-sig")

    def go(s):
        s["resolved_scenario"]["model"]["budget"] = 6e7
        s["budget"] = 6e7
        s["total_capex"] += float(row["capex"].iloc[0])

    _edit_summary(work, go)
    v = found(work)
    assert any(x.startswith("inputs scenario model.budget: the plan records 60000000.0")
               for x in v), v


def test_scenario_file_recorded(plan):
    s = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    assert s["scenario_file"]["path"].endswith("base.yaml")
    assert s["scenario_file"]["overrides"] == {"solver": {"mip_rel_gap": 0.01}}


def test_reprove_proves_an_optimal_plan(plan, capsys):
    assert main(["verify", str(plan), "--reprove"]) == 0
    out = capsys.readouterr().out
    assert "0 violation(s)" in out and "REPROVE proven" in out


def test_reprove_catches_a_plan_further_from_the_optimum_than_it_says(tmp_path, capsys):
    from test_sweep import write_quick

    quick = write_quick(tmp_path)
    out = tmp_path / "q"
    assert main(["run", str(quick), "--out", str(out), "--no-map",
                 "--set", "model.budget=2e7"]) == 0
    _edit_summary(out, lambda s: s.__setitem__("objective", 0.9 * s["objective"]))
    capsys.readouterr()
    assert main(["verify", str(out), "--reprove"]) == 1
    text = capsys.readouterr().out
    assert "VIOLATION [reprove] status: marked optimal" in text, text


def test_a_default_changed_since_the_plan_is_not_a_change_of_scenario():
    """``model.strong_assignment`` was ``True`` by default until 2026-12-07 and is ``None``
    (automatic) since: a plan recorded under the old default is not reported as a changed
    scenario; any other difference still is."""
    from siting.verify.inputs import _differences

    old, new = {"model": {"strong_assignment": True}}, {"model": {"strong_assignment": None}}
    assert _differences(old, new) == []
    assert _differences({"model": {"strong_assignment": False}}, new) == [
        ("model.strong_assignment", False, None)]
    assert _differences({"model": {"budget": 1.0}}, {"model": {"budget": 2.0}}) == [
        ("model.budget", 1.0, 2.0)]
