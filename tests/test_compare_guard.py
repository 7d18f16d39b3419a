"""A comparison never silently replaces another comparison's files (the README once told
users to run a two-scenario comparison into the demo's 11-scenario results/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siting.cli import main
from siting.compare import MANIFEST, run_comparison
from siting.exceptions import SitingError


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Scenarios that fail while loading, so a comparison is written without any solve."""
    scen = tmp_path / "scenarios"
    scen.mkdir()
    for name in ("a", "b", "c"):
        (scen / f"{name}.yaml").write_text("model: {budjet: 1}\n", encoding="utf-8")
    return scen


def test_other_scenarios_are_refused_unless_forced(folder, tmp_path, capsys):
    out = tmp_path / "results"
    assert run_comparison(folder, None, out) == 1          # all three failed, table written
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["scenarios"] == ["a", "b", "c"]
    before = (out / "comparison.csv").read_bytes()
    with pytest.raises(SitingError) as exc:
        run_comparison(folder, ["a"], out)
    msg = str(exc.value)
    assert "holds another comparison: 3 scenario(s) (a, b, c)" in msg and "--force" in msg
    assert (out / "comparison.csv").read_bytes() == before   # nothing written
    # the command line says so too, and exits non-zero
    assert main(["compare", "a", "--scenarios", str(folder), "--out", str(out)]) == 1
    assert "holds another comparison" in capsys.readouterr().err
    # the same comparison again just updates it; other overrides are another comparison
    capsys.readouterr()
    run_comparison(folder, None, out)
    assert "replacing" not in capsys.readouterr().out
    with pytest.raises(SitingError, match="with other --set overrides"):
        run_comparison(folder, None, out, overrides={"model": {"budget": 1e6}})
    # forced: replaced, and it says so
    run_comparison(folder, ["a"], out, force=True)
    assert "replacing the comparison in 3 scenario(s) (a, b, c)" in capsys.readouterr().out
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["scenarios"] == ["a"]


def test_comparison_without_manifest_is_recognised(folder, tmp_path):
    out = tmp_path / "old"
    run_comparison(folder, ["a", "b"], out)
    (out / MANIFEST).unlink()                                # written by an older siting
    with pytest.raises(SitingError, match=r"2 scenario\(s\) \(a, b\)"):
        run_comparison(folder, ["c"], out)
    run_comparison(folder, ["a", "b"], out)                  # the same ones: fine
