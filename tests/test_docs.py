"""The documentation site builds with warnings as errors, works offline, lists every scenario
key, and its Python tutorial runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import pandas as pd
import pytest
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings")


def every_key(model: type[BaseModel], prefix: str = "") -> list[str]:
    """All keys of a pydantic schema (an independent walk, not siting.docgen's)."""
    out = []
    for name, f in model.model_fields.items():
        key = prefix + name
        out.append(key)
        todo = [(f.annotation, key)]
        while todo:
            ann, k = todo.pop()
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                out += every_key(ann, k + ".")
                continue
            origin, args = typing.get_origin(ann), typing.get_args(ann)
            if origin is dict:
                todo.append((args[1], k + ".<name>"))
            elif origin in (list, tuple):
                todo += [(a, k + "[]") for a in args]
            else:
                todo += [(a, k) for a in args]
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                        str(out)], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def test_builds_strict_and_offline(site):
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        html = page.read_text(encoding="utf-8")
        # nothing is loaded from outside: no remote script, style sheet, font or image
        remote = re.findall(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=\"(?:https?:)?//",
                            html)
        assert not remote, (page, remote)
        assert "fonts.googleapis" not in html and "unpkg.com" not in html
    for css in site.rglob("*.css"):
        assert "@import url(http" not in css.read_text(encoding="utf-8", errors="replace")
    zh = (site / "getting-started-zh.html").read_text(encoding="utf-8")
    assert "快速入门" in zh and "siting init" in zh
    model = (site / "model.html").read_text(encoding="utf-8")
    assert "<math" in model and ":math:" not in model and "siting.model.objective" in model
    api = (site / "python-api.html").read_text(encoding="utf-8")
    assert "siting.api.plan" in api and "overrides" in api       # mkdocstrings rendered it
    assert ":class:" not in api and ":func:" not in api           # roles shown as code


def test_reference_lists_every_scenario_key(site):
    from siting.config import Scenario

    text = (site / "reference" / "scenario.html").read_text(encoding="utf-8")
    text = text.replace("&lt;", "<").replace("&gt;", ">")
    keys = every_key(Scenario)
    assert len(keys) > 100
    missing = [k for k in keys if f"<code>{k}</code>" not in text]
    assert not missing, missing
    # every key has a description (a field without one needs a docstring under it in
    # siting/config.py: the reference is generated from them)
    from siting.docgen import scenario_keys

    bare = [k.key for k in scenario_keys() if not k.description]
    assert not bare, f"scenario keys without a docstring in siting/config.py: {bare}"
    # with type, default and description
    row = re.search(r"<code>model\.budget</code></td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*"
                    r"<td>(.*?)</td>", text, re.S)
    assert row and "float" in row.group(1) and "null" in row.group(2)
    assert "Capital budget" in row.group(3)
    cli = (site / "reference" / "cli.html").read_text(encoding="utf-8")
    for cmd in ("run", "verify", "compare", "sweep", "init", "catalogue"):
        assert f"siting {cmd}" in cli


@pytest.mark.requires_highs
def test_python_tutorial_runs(tmp_path, monkeypatch):
    doc = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, re.S)   # ```py blocks are shown only
    assert len(blocks) >= 2
    # the tutorial's files, cut to a quarter of the demo district so that it solves quickly
    demo = tmp_path / "data" / "demo"
    demo.mkdir(parents=True)
    for t in ("zones", "spaces", "existing"):
        df = pd.read_csv(ROOT / "data" / "demo" / f"{t}.csv", encoding="utf-8-sig", dtype=str)
        lon, lat = df["lon"].astype(float), df["lat"].astype(float)
        df[(lon < 120.165) & (lat < 30.272)].to_csv(demo / f"{t}.csv", index=False,
                                                    encoding="utf-8-sig")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for code in blocks:
        exec(compile(code, "python-api.md", "exec"), namespace)  # noqa: S102
    assert (tmp_path / "results" / "api-tutorial" / "sites.csv").is_file()
    assert (tmp_path / "results" / "api-tutorial" / "inputs" / "zones.csv").is_file()
