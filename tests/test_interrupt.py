"""Ctrl-C and SIGTERM: a clean message, exit status 130, and the best plan so far written with
status 'interrupted' and its gap, or plainly no plan."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from siting.cli import main
from siting.verify import verify_plan

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.requires_highs
SLOW = ["--set", "solver.mip_rel_gap=0", "--set", "solver.mip_abs_gap=0",
        "--set", "solver.time_limit_s=60", "--no-map"]


def test_ctrl_c_while_solving_keeps_the_best_plan(tmp_path):
    sig = signal.SIGINT
    out = tmp_path / "plan"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    p = subprocess.Popen([sys.executable, "-m", "siting.cli", "run",
                          str(ROOT / "scenarios" / "base.yaml"), "--out", str(out), *SLOW,
                          "--progress-every", "0.5"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    seen = []
    t0 = time.time()
    for line in p.stdout:
        seen.append(line)
        if "] solving: " in line and "none yet" not in line:
            p.send_signal(sig)
            break
        assert time.time() - t0 < 120, "no incumbent reported"
    rest, err = p.communicate(timeout=120)
    text = "".join(seen) + rest
    assert p.returncode == 130, text + err
    assert "Traceback" not in err and "interrupted: the best plan found so far" in err
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["status"] == "interrupted" and s["mip_gap"] is not None and s["mip_gap"] > 0
    assert "status=interrupted" in text
    assert verify_plan(out) == []


def test_sigterm_while_solving_keeps_the_best_plan(tmp_path, capsys, monkeypatch):
    """In this process: the progress line of the first incumbent sends SIGTERM."""
    from siting import progress

    real = progress.emit
    sent = []

    def emit(text):
        real(text)
        if text.startswith("solving:") and not sent:
            sent.append(text)
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(progress, "emit", emit)
    old = signal.getsignal(signal.SIGTERM)
    try:
        rc = main(["run", str(ROOT / "scenarios" / "base.yaml"), "--out", str(tmp_path / "p"),
                   *SLOW, "--progress-every", "0.2"])
    finally:
        signal.signal(signal.SIGTERM, old)
    cap = capsys.readouterr()
    assert sent and rc == 130, cap.out + cap.err
    s = json.loads((tmp_path / "p" / "summary.json").read_text(encoding="utf-8"))
    assert s["status"] == "interrupted"
    assert "interrupted: the best plan found so far (" in cap.err


def test_interrupt_before_any_plan_says_so(tmp_path, capsys, monkeypatch):
    import siting.interrupt

    monkeypatch.setattr(siting.interrupt, "requested", lambda: True)
    rc = main(["run", str(ROOT / "scenarios" / "base.yaml"), "--out", str(tmp_path / "p"),
               *SLOW, "--set", "solver.start=none"])
    err = capsys.readouterr().err
    assert rc == 130, err
    assert "before HiGHS found any plan: there is no plan to write" in err
    assert not (tmp_path / "p" / "summary.json").exists()


def test_ctrl_c_while_loading_is_one_clean_line(tmp_path, capsys, monkeypatch):
    import siting.data

    old = tmp_path / "p"
    old.mkdir()
    (old / "keep.txt").write_text("earlier", encoding="utf-8")

    def stop(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(siting.data, "load_functions", stop)
    rc = main(["run", str(ROOT / "scenarios" / "base.yaml"), "--out", str(old), *SLOW])
    err = capsys.readouterr().err
    assert rc == 130 and "interrupted: stopped by Ctrl-C" in err and "Traceback" not in err
    assert [p.name for p in old.iterdir()] == ["keep.txt"]


def test_ctrl_c_stops_a_comparison(tmp_path, capsys, monkeypatch):
    import shutil

    import siting.interrupt

    scen = tmp_path / "scen"
    scen.mkdir()
    for name in ("base.yaml", "tight_budget.yaml"):
        shutil.copy(ROOT / "scenarios" / name, scen / name)
    for p in scen.iterdir():  # point the copies at the shipped data
        p.write_text(p.read_text(encoding="utf-8").replace("../data", str(ROOT / "data")),
                     encoding="utf-8")
    monkeypatch.setattr(siting.interrupt, "requested", lambda: True)
    rc = main(["compare", "--scenarios", str(scen), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 130 and "interrupted" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "comparison.csv").exists()  # stopped, not carried on
