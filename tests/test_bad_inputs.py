"""The bad-input battery: every case must end with exit status 2, a message naming the file
and the row or key, and no traceback. Most cases fail while loading (no solve), so the whole
table runs in seconds.

Each case edits a private copy of the demo district (``d/``) and its scenario (``s.yaml``)
and lists the texts the error must contain.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from siting.cli import main

ROOT = Path(__file__).resolve().parents[1]
FILES = {"zones": "data/demo/zones.csv", "spaces": "data/demo/spaces.csv",
         "existing": "data/demo/existing.csv", "functions": "siting/catalogues/functions.csv",
         "channels": "siting/catalogues/channels.csv"}
SCENARIO = {"data": {k: f"d/{Path(v).name}" for k, v in FILES.items()},
            "model": {"objective": "max_coverage", "budget": 5e7},
            "solver": {"time_limit_s": 20, "mip_rel_gap": 0.05}}


def csv(name: str, fn: Callable[[pd.DataFrame], pd.DataFrame | None]):
    """Edit ``d/<name>`` as text cells (row 0 is spreadsheet row 2)."""

    def go(d: Path) -> list[str]:
        p = d / "d" / name
        df = pd.read_csv(p, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        out = fn(df)
        (df if out is None else out).to_csv(p, index=False, encoding="utf-8-sig")
        return []

    return go


def cell(name: str, row: int, col: str, value):
    def fn(df):
        df.loc[row, col] = value

    return csv(name, fn)


def raw(name: str, data: bytes):
    def go(d: Path) -> list[str]:
        (d / "d" / name).write_bytes(data)
        return []

    return go


def scenario(**changes):
    """Deep-merge ``changes`` (``a__b=value`` for nested keys) into the scenario file."""

    def go(d: Path) -> list[str]:
        s = yaml.safe_load((d / "s.yaml").read_text(encoding="utf-8"))
        for key, value in changes.items():
            cur = s
            parts = key.split("__")
            for p in parts[:-1]:
                cur = cur.setdefault(p, {})
            cur[parts[-1]] = value
        (d / "s.yaml").write_text(yaml.safe_dump(s, allow_unicode=True), encoding="utf-8")
        return []

    return go


def yaml_text(text: str):
    def go(d: Path) -> list[str]:
        (d / "s.yaml").write_text(text, encoding="utf-8")
        return []

    return go


def sets(*items: str):
    def go(d: Path) -> list[str]:
        return [a for item in items for a in ("--set", item)]

    return go


def both(*edits):
    def go(d: Path) -> list[str]:
        return [a for e in edits for a in e(d)]

    return go


def folder_as(key: str):
    def go(d: Path) -> list[str]:
        (d / "d" / "sub").mkdir()
        return ["--set", f"data.{key}={d / 'd' / 'sub'}"]

    return go


def renamed_xlsx(d: Path) -> list[str]:
    shutil.copy(d / "d" / "zones.csv", d / "d" / "zones.xlsx")
    return ["--set", f"data.zones={d / 'd' / 'zones.xlsx'}"]


def distance_table(text: str):
    def go(d: Path) -> list[str]:
        (d / "d" / "dist.csv").write_text(text, encoding="utf-8")
        return ["--set", "distance.method=table", "--set", f"distance.table={d / 'd' / 'dist.csv'}"]

    return go


def tiny_city(df):
    for c in ("households", "population", "pop_0_3", "pop_60_plus"):
        df[c] = "0.0001"


def no_demand(df):
    df["demand_rate"] = "0"


def clash_ids(df):
    df.loc[0, "facility_id"] = "S001"


def swap_lonlat(df):
    df.loc[4, "lon"], df.loc[4, "lat"] = df.loc[4, "lat"], df.loc[4, "lon"]


CASES: list[tuple[str, Callable, list[str]]] = [
    # zones
    ("zones_missing_column", csv("zones.csv", lambda df: df.drop(columns=["households"])),
     ["zones.csv", "missing column 'households'"]),
    ("zones_text_households", cell("zones.csv", 0, "households", "many"),
     ["zones.csv", "rows 2", "'households' is not a number"]),
    ("zones_negative_population", cell("zones.csv", 2, "population", "-5"),
     ["zones.csv", "rows 4", "'population' must be > 0"]),
    ("zones_duplicate_id", cell("zones.csv", 1, "zone_id", "Z001"),
     ["zones.csv", "duplicate zone_id 'Z001' in rows 2, 3"]),
    ("zones_empty_id", cell("zones.csv", 5, "zone_id", ""),
     ["zones.csv", "rows 7", "'zone_id' is empty"]),
    ("zones_lon_out_of_range", cell("zones.csv", 3, "lon", "220"),
     ["zones.csv", "rows 5", "'lon' must be <= 180"]),
    ("zones_swapped_lonlat", csv("zones.csv", swap_lonlat),
     ["zones.csv", "rows 6", "'lat' must be <= 90"]),
    ("zones_null_island", both(cell("zones.csv", 7, "lon", "0"), cell("zones.csv", 7, "lat", "0")),
     ["zones.csv", "rows 9", "(0, 0)"]),
    ("zones_old_exceed_population", cell("zones.csv", 0, "pop_60_plus", "99999999"),
     ["zones.csv", "rows 2", "pop_60_plus exceeds population"]),
    ("zones_unknown_column", csv("zones.csv", lambda df: df.rename(columns={"street": "stret"})),
     ["zones.csv", "unknown column 'stret'", "did you mean 'street'"]),
    ("zones_empty_file", raw("zones.csv", b""), ["zones.csv", "the file is empty"]),
    ("zones_header_only", raw("zones.csv", b"zone_id,name,households,population,pop_0_3,"
                                           b"pop_60_plus,lon,lat\n"),
     ["zones.csv", "the file has no rows"]),
    ("zones_is_a_folder", folder_as("zones"), ["sub", "is a folder, not a file"]),
    ("zones_misspelt_path", sets("data.zones=d/zone.csv"),
     ["zone.csv", "file not found", "did you mean 'zones.csv'"]),
    ("zones_csv_named_xlsx", renamed_xlsx, ["zones.xlsx", "is text (a CSV file?)", ".csv"]),
    ("zones_infinite_households", cell("zones.csv", 9, "households", "inf"),
     ["zones.csv", "rows 11", "'households' must be a finite number"]),
    # spaces
    ("spaces_infinite_floor_area", cell("spaces.csv", 3, "floor_area_m2", "inf"),
     ["spaces.csv", "rows 5", "'floor_area_m2' must be a finite number"]),
    ("spaces_unknown_kind", cell("spaces.csv", 2, "kind", "factory"),
     ["spaces.csv", "row 4", "unknown kind 'factory'"]),
    ("spaces_unknown_ownership", cell("spaces.csv", 1, "ownership", "public"),
     ["spaces.csv", "rows 3", "unknown ownership 'public'"]),
    ("spaces_parcel_without_buildable", both(cell("spaces.csv", 0, "kind", "vacant_parcel"),
                                             cell("spaces.csv", 0, "buildable_area_m2", "")),
     ["spaces.csv", "rows 2", "vacant_parcel needs buildable_area_m2"]),
    ("spaces_zero_floor_area", cell("spaces.csv", 4, "floor_area_m2", "0"),
     ["spaces.csv", "rows 6", "floor_area_m2 must be > 0"]),
    ("spaces_bad_boolean", cell("spaces.csv", 6, "ground_floor", "maybe"),
     ["spaces.csv", "rows 8", "'ground_floor' must be true or false"]),
    ("spaces_duplicate_id", cell("spaces.csv", 3, "space_id", "S001"),
     ["spaces.csv", "duplicate space_id 'S001'"]),
    ("spaces_negative_cost", csv("spaces.csv", lambda df: df.assign(
        cost_per_m2=["-1"] + [""] * (len(df) - 1))),
     ["spaces.csv", "rows 2", "'cost_per_m2' must be >= 0"]),
    ("spaces_unknown_channel", csv("spaces.csv", lambda df: df.assign(
        channels=["rebuild"] + [""] * (len(df) - 1))),
     ["spaces.csv", "row 2", "unknown channel 'rebuild'"]),
    # existing facilities
    ("existing_unknown_function", cell("existing.csv", 0, "function", "childcar"),
     ["existing.csv", "row 2", "unknown function 'childcar'", "did you mean 'childcare'"]),
    ("existing_zero_capacity", cell("existing.csv", 1, "capacity", "0"),
     ["existing.csv", "rows 3", "'capacity' must be > 0"]),
    ("existing_id_clash", csv("existing.csv", clash_ids),
     ["existing.csv", "spaces.csv", "S001"]),
    # catalogues
    ("functions_min_above_max", cell("functions.csv", 0, "min_units", "500"),
     ["functions.csv", "rows 2", "min_units is larger than max_units"]),
    ("functions_unknown_base", cell("functions.csv", 1, "demand_base", "elderly"),
     ["functions.csv", "rows 3", "unknown demand_base 'elderly'"]),
    ("functions_zero_walk", cell("functions.csv", 2, "walking_limit_m", "0"),
     ["functions.csv", "rows 4", "'walking_limit_m' must be > 0"]),
    ("functions_fractional_min", cell("functions.csv", 3, "min_units", "2.5"),
     ["functions.csv", "rows 5", "'min_units' must be a whole number"]),
    ("functions_area_text", cell("functions.csv", 4, "area_per_unit_m2", "large"),
     ["functions.csv", "rows 6", "'area_per_unit_m2' is not a number"]),
    ("channels_usable_above_one", cell("channels.csv", 0, "usable_factor", "1.4"),
     ["channels.csv", "rows 2", "'usable_factor' must be <= 1"]),
    ("channels_unknown_kind", cell("channels.csv", 1, "eligible_kinds", "idle_factory|shed"),
     ["channels.csv", "row 3", "unknown space kind 'shed'"]),
    ("channels_bad_area_basis", cell("channels.csv", 2, "area_basis", "site"),
     ["channels.csv", "rows 4", "area_basis must be"]),
    ("channels_no_ownership", cell("channels.csv", 3, "eligible_ownerships", ""),
     ["channels.csv", "row 5", "eligible_ownerships must each list"]),
    # implausible scale
    ("no_demand_anywhere", csv("functions.csv", no_demand),
     ["functions.csv", "'demand_rate' is 0 for every function", "nothing to plan"]),
    ("city_of_ten_thousandths", csv("zones.csv", tiny_city),
     ["zones.csv", "demand is too small", "function 'childcare'", "min_units"]),
    # the scenario file
    ("scenario_unknown_key", scenario(model__budgett=1e6),
     ["s.yaml", "unknown key 'model.budgett'", "did you mean 'budget'"]),
    ("scenario_negative_budget", scenario(model__budget=-1),
     ["s.yaml", "key 'model.budget'"]),
    ("scenario_unknown_objective", scenario(model__objective="max_joy"),
     ["s.yaml", "key 'model.objective'"]),
    ("scenario_infinite_budget", sets("model.budget=.inf"),
     ["s.yaml", "key 'model.budget'", "finite"]),
    ("scenario_nan_walking_limit", sets("functions.childcare.walking_limit_m=.nan"),
     ["s.yaml", "key 'functions.childcare.walking_limit_m'", "finite"]),
    ("scenario_unknown_function", scenario(functions={"chidcare": {"weight": 2}}),
     ["functions.chidcare", "did you mean 'childcare'"]),
    ("scenario_unknown_channel", scenario(channels={"rebuild": {"cost_multiplier": 2}}),
     ["channels.rebuild", "unknown channel 'rebuild'"]),
    ("scenario_unknown_growth_group", scenario(demand_growth={"pop_80_plus": 1.2}),
     ["s.yaml", "key 'demand_growth'", "pop_80_plus"]),
    ("scenario_phasing_without_budgets", scenario(phasing={"enabled": True,
                                                           "years": [2025, 2026]}),
     ["s.yaml", "key 'phasing'", "budget_per_year"]),
    ("scenario_not_yaml", yaml_text("model: {budget: [1, 2\n"), ["s.yaml", "not valid YAML"]),
    ("scenario_not_a_mapping", yaml_text("- a\n- b\n"), ["s.yaml", "must be a mapping"]),
    ("scenario_unknown_parent", yaml_text("extends: bsae\n"), ["extends: 'bsae'"]),
    ("scenario_standard_unknown_function", scenario(standards={"function_minimums": [
        {"function": "nursery", "amount": 1, "per": 1000, "base": "population"}]}),
     ["standards.function_minimums[0]", "unknown function 'nursery'"]),
    ("override_without_equals", sets("model.budget"), ["override 'model.budget'", "KEY=VALUE"]),
    # distances
    ("table_method_without_table", sets("distance.method=table"),
     ["distance.method is 'table'", "distance.table"]),
    ("distance_table_empty", distance_table(""), ["dist.csv", "the file is empty"]),
    ("distance_table_header_only", distance_table("from_id,to_id,metres\n"),
     ["dist.csv", "the distance table has no rows"]),
    ("distance_table_unknown_zone", distance_table("from_id,to_id,metres\nZ999,S001,100\n"),
     ["dist.csv", "rows 2", "'Z999' is not a zone id"]),
    ("distance_table_negative", distance_table("from_id,to_id,metres\nZ001,S001,-100\n"),
     ["dist.csv", "rows 2", "metres is negative"]),
    ("distance_table_infinite", distance_table("from_id,to_id,metres\nZ001,S001,inf\n"),
     ["dist.csv", "rows 2", "metres must be finite"]),
    ("network_file_missing", sets("distance.method=network", "distance.network=d/streets.gpkg"),
     ["streets.gpkg", "network file not found"]),
    ("network_is_a_folder", both(sets("distance.method=network"), lambda d: (
        (d / "d" / "net").mkdir(), ["--set", f"distance.network={d / 'd' / 'net'}"])[1]),
     ["net", "is a folder, not a network file"]),
]


@pytest.fixture
def case_dir(tmp_path) -> Path:
    (tmp_path / "d").mkdir()
    for src in FILES.values():
        shutil.copy(ROOT / src, tmp_path / "d")
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(SCENARIO), encoding="utf-8")
    return tmp_path


def test_battery_is_large_enough():
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(("edit", "expect"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_a_clear_error(case_dir, edit, expect, capsys, monkeypatch):
    monkeypatch.chdir(case_dir)
    extra = edit(case_dir)
    out = case_dir / "out"
    rc = main(["run", "s.yaml", "--out", str(out), "--no-map", *extra])
    cap = capsys.readouterr()
    assert rc == 2, cap.out + cap.err
    assert "Traceback" not in cap.err
    for text in expect:
        assert text in cap.err, f"{text!r} not in:\n{cap.err}"
    assert not out.exists() or not any(out.iterdir()), "a failed run wrote files"
