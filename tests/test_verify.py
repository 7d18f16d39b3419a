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
