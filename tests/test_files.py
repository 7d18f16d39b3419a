"""Writes keep what they did not write: the manifest, stale temporary folders, names used as
paths (a scenario's name in a comparison)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from siting.cli import main
from siting.config import read_scenario_dict
from siting.exports import MANIFEST, AtomicDir, read_manifest

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--set", "solver.mip_rel_gap=0.05", "--no-map"]


def _dead_pid() -> int:
    pid = 999_999
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


def test_manifest_lists_what_was_written(tmp_path):
    with AtomicDir(tmp_path, managed=("a.txt", "b.txt")) as tmp:
        (tmp / "a.txt").write_text("1", encoding="utf-8")
        (tmp / "b.txt").write_text("2", encoding="utf-8")
    assert set(read_manifest(tmp_path)) == {"a.txt", "b.txt"}
    (tmp_path / "mine.txt").write_text("a person's notes", encoding="utf-8")
    with AtomicDir(tmp_path, managed=("a.txt", "b.txt", "mine.txt")) as tmp:
        (tmp / "a.txt").write_text("3", encoding="utf-8")
    assert not (tmp_path / "b.txt").exists()  # written last time, not this time: removed
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "a person's notes"
    assert set(read_manifest(tmp_path)) == {"a.txt"}


def test_an_edited_file_is_neither_replaced_nor_removed(tmp_path):
    from siting.exceptions import DataError

    with AtomicDir(tmp_path, managed=("a.txt", "b.txt")) as tmp:
        (tmp / "a.txt").write_text("1", encoding="utf-8")
        (tmp / "b.txt").write_text("2", encoding="utf-8")
    (tmp_path / "b.txt").write_text("edited by hand", encoding="utf-8")
    with AtomicDir(tmp_path, managed=("a.txt", "b.txt")) as tmp:
        (tmp / "a.txt").write_text("again", encoding="utf-8")
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "edited by hand"
    writer = AtomicDir(tmp_path)
    tmp = writer.__enter__()
    (tmp / "a.txt").write_text("new", encoding="utf-8")
    (tmp / "b.txt").write_text("new", encoding="utf-8")
    with pytest.raises(DataError, match="b.txt: not written by siting"):
        writer.__exit__(None, None, None)
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "again"  # nothing moved
    assert not list(tmp_path.glob(".tmp-*"))


def test_stale_temporary_folders_are_removed(tmp_path):
    dead = tmp_path / f".tmp-{_dead_pid()}-abc"
    dead.mkdir()
    (dead / "sites.csv").write_text("half", encoding="utf-8")
    old = tmp_path / ".tmp-legacy"
    old.mkdir()
    os.utime(old, (1, 1))
    live = tmp_path / f".tmp-{os.getppid()}-xyz"  # a running process: maybe still writing
    live.mkdir()
    with AtomicDir(tmp_path) as tmp:
        (tmp / "x.txt").write_text("x", encoding="utf-8")
    assert not dead.exists() and not old.exists() and live.exists()


@pytest.mark.requires_highs
def test_no_map_keeps_a_map_it_did_not_write(tmp_path):
    out = tmp_path / "plan"
    assert main(["run", str(ROOT / "scenarios" / "base.yaml"), "--out", str(out), *FAST]) == 0
    assert MANIFEST in os.listdir(out) and "map.png" not in read_manifest(out)
    (out / "map.png").write_bytes(b"a planner's own map")
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["run", str(ROOT / "scenarios" / "base.yaml"), "--out", str(out), *FAST,
                 "--set", "model.budget=3e7"]) == 0
    assert (out / "map.png").read_bytes() == b"a planner's own map"
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


@pytest.mark.requires_highs
def test_a_foreign_file_stops_the_run_before_solving(tmp_path, capsys, monkeypatch):
    out = tmp_path / "plan"
    assert main(["run", str(ROOT / "scenarios" / "base.yaml"), "--out", str(out), *FAST]) == 0
    (out / "sites.csv").write_text("my own site list", encoding="utf-8")
    import siting.run

    def no_solve(*a, **k):
        raise AssertionError("solved although the output could not be written")

    monkeypatch.setattr(siting.run, "plan_scenario", no_solve)
    capsys.readouterr()
    assert main(["run", str(ROOT / "scenarios" / "base.yaml"), "--out", str(out), *FAST]) == 2
    err = capsys.readouterr().err
    assert "sites.csv: not written by siting" in err and "Traceback" not in err
    assert (out / "sites.csv").read_text(encoding="utf-8") == "my own site list"


@pytest.mark.parametrize("name", ["../escaped", "/tmp/siting-escaped-abs", "a/b", "..", ""])
def test_scenario_name_cannot_leave_the_output_folder(tmp_path, name, capsys):
    scen = tmp_path / "scen"
    scen.mkdir()
    raw = read_scenario_dict(ROOT / "scenarios" / "base.yaml")  # paths made absolute
    raw["name"] = name
    (scen / "evil.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["compare", "--scenarios", str(scen), "--out", str(out)]) == 1
    table = (out / "comparison.csv").read_text(encoding="utf-8-sig")
    assert "scenario name" in table and "file or folder name" in table
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "scen"]
    assert not Path("/tmp/siting-escaped-abs").exists()
    assert not any(p.is_dir() for p in out.iterdir() if not p.name.startswith("."))


def test_run_refuses_a_path_for_a_name(tmp_path, capsys):
    s = tmp_path / "s.yaml"
    raw = read_scenario_dict(ROOT / "scenarios" / "base.yaml")
    raw["name"] = "../../etc"
    s.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["run", str(s), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "key 'name'" in err and "path separator" in err
    json.dumps(err)
    shutil.rmtree(tmp_path / "o", ignore_errors=True)
