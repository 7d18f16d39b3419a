"""Tiny plan, comparison and sweep folders for the report tests (part of the demo: one street,
two functions; each solve well under a second), made once per session through the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

TINY = """extends: {base}
description: "一条街道、两项功能的小方案"
data:
  zones: {folder}/zones.csv
  spaces: {folder}/spaces.csv
distance: {{method: network, network: {network}}}
functions: {{{off}}}
model: {{budget: 8_000_000}}
solver: {{mip_rel_gap: 1.0e-6, time_limit_s: 60}}
"""


KEEP = ("childcare", "meal_point")
"""The two functions the tiny plans keep (the others are switched off)."""


def write_tiny(folder: Path) -> Path:
    """Scenario files ``tiny.yaml`` and ``tiny_cheap.yaml`` in ``folder/scenarios``."""
    demo = ROOT / "data" / "demo"
    z = pd.read_csv(demo / "zones.csv", encoding="utf-8-sig", dtype=str)
    street = z["street"].iloc[0]
    z[z["street"] == street].to_csv(folder / "zones.csv", index=False, encoding="utf-8-sig")
    sp = pd.read_csv(demo / "spaces.csv", encoding="utf-8-sig", dtype=str,
                     keep_default_na=False)
    sp[sp["street"] == street].to_csv(folder / "spaces.csv", index=False, encoding="utf-8-sig")
    scen = folder / "scenarios"
    scen.mkdir(exist_ok=True)
    from siting import catalogues

    funcs = pd.read_csv(catalogues.path("functions.csv"), encoding="utf-8-sig")["function"]
    off = ", ".join(f"{f}: {{enabled: false}}" for f in funcs if f not in KEEP)
    (scen / "tiny.yaml").write_text(TINY.format(base=ROOT / "scenarios" / "base.yaml",
                                                folder=folder, network=demo / "streets.gpkg",
                                                off=off), encoding="utf-8")
    (scen / "tiny_cheap.yaml").write_text(
        "extends: tiny\ndescription: 400 万元\nmodel: {budget: 4_000_000}\n", encoding="utf-8")
    return scen
