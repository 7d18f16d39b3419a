"""Every bad-input error names the file, the row or key, and what is wrong; all problems in
all files are reported together."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from siting.config import load_scenario
from siting.data import load_inputs
from siting.exceptions import DataError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A copy of the demo inputs and a scenario pointing at them."""
    for name in ("zones.csv", "spaces.csv", "existing.csv"):
        shutil.copy(ROOT / "data" / "demo" / name, tmp_path / name)
    for name in ("functions.csv", "channels.csv"):
        shutil.copy(ROOT / "siting" / "catalogues" / name, tmp_path / name)
    (tmp_path / "s.yaml").write_text(
        "data:\n  zones: zones.csv\n  spaces: spaces.csv\n  existing: existing.csv\n"
        "  functions: functions.csv\n  channels: channels.csv\n", encoding="utf-8")
    return tmp_path


def edit(path: Path, fn) -> None:
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    df = fn(df)
    df.to_csv(path, index=False, encoding="utf-8-sig")


def set_cells(path: Path, *cells: tuple[int, str, str]) -> None:
    """Set (position, column, text) cells of a CSV (position 0 is spreadsheet row 2)."""

    def fn(d):
        for i, col, text in cells:
            d.loc[i, col] = text
        return d

    edit(path, fn)


def problems(folder: Path) -> list[str]:
    with pytest.raises(DataError) as exc:
        load_inputs(load_scenario(folder / "s.yaml"))
    return exc.value.problems


def one(probs: list[str], *needles: str) -> str:
    hits = [p for p in probs if all(n in p for n in needles)]
    assert hits, f"no problem mentions {needles}; got {probs}"
    return hits[0]


def test_demo_loads_cleanly(demo):
    inp = load_inputs(load_scenario(demo / "s.yaml"))
    assert len(inp.zones) == 110 and len(inp.spaces) == 75
    assert inp.zones["name"].str.endswith("社区").all()


def test_missing_column(demo):
    edit(demo / "zones.csv", lambda d: d.drop(columns="households"))
    one(problems(demo), "zones.csv", "missing column 'households'")


def test_unknown_column_suggests(demo):
    edit(demo / "spaces.csv", lambda d: d.rename(columns={"ownership": "ownershp"}))
    p = one(problems(demo), "spaces.csv", "unknown column 'ownershp'")
    assert "ownership" in p


def test_duplicate_id_names_rows(demo):
    def dup(d):
        d.loc[4, "zone_id"] = d.loc[2, "zone_id"]
        return d

    edit(demo / "zones.csv", dup)
    one(problems(demo), "zones.csv", "duplicate zone_id", "rows 4, 6")


def test_negative_area(demo):
    set_cells(demo / "spaces.csv", (0, "floor_area_m2", "-50"))
    one(problems(demo), "spaces.csv", "rows 2", "floor_area_m2", ">= 0")


def test_zero_population(demo):
    set_cells(demo / "zones.csv", (9, "population", "0"))
    one(problems(demo), "zones.csv", "rows 11", "population", "> 0")


def test_not_a_number(demo):
    set_cells(demo / "zones.csv", (1, "households", "many"))
    one(problems(demo), "zones.csv", "rows 3", "households", "not a number")


def test_unknown_function_in_existing(demo):
    set_cells(demo / "existing.csv", (0, "function", "chidcare"))
    p = one(problems(demo), "existing.csv", "row 2", "unknown function 'chidcare'")
    assert "childcare" in p


def test_unknown_kind_and_channel(demo):
    def bad(d):
        d.loc[0, "kind"] = "factory"
        d["channels"] = ""
        d.loc[3, "channels"] = "renovate|teleport"
        return d

    edit(demo / "spaces.csv", bad)
    probs = problems(demo)
    one(probs, "spaces.csv", "row 2", "unknown kind 'factory'")
    one(probs, "spaces.csv", "row 5", "unknown channel 'teleport'")


def test_space_eligible_for_no_channel(demo):
    def bad(d):
        i = d.index[d["kind"] == "vacant_parcel"][0]
        d.loc[i, "channels"] = "renovate"
        return d

    edit(demo / "spaces.csv", lambda d: bad(d.assign(channels="")))
    one(problems(demo), "spaces.csv", "eligible for no channel")


def test_coordinates_out_of_range_and_swapped(demo):
    def bad(d):
        d.loc[0, "lat"] = "120.2"
        d.loc[1, "lon"], d.loc[1, "lat"] = "30.27", "120.16"
        d.loc[2, "lon"], d.loc[2, "lat"] = "116.4", "39.9"  # Beijing: far from the rest
        return d

    edit(demo / "zones.csv", bad)
    probs = problems(demo)
    one(probs, "zones.csv", "'lat' must be <= 90")
    one(probs, "zones.csv", "rows 4", "km from the median")


def test_empty_file(demo):
    (demo / "zones.csv").write_text("zone_id,name,households,population,pop_0_3,pop_60_plus,"
                                    "lon,lat\n", encoding="utf-8")
    one(problems(demo), "zones.csv", "no rows")


def test_empty_existing_means_none(demo):
    """An existing-facilities table with a header and no rows (the template's sheet, not yet
    filled) means there are none."""
    (demo / "existing.csv").write_text("facility_id,function,capacity,lon,lat\n",
                                       encoding="utf-8")
    assert load_inputs(load_scenario(demo / "s.yaml")).existing.empty


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_missing_crs(demo):
    gpd = pytest.importorskip("geopandas")
    z = pd.read_csv(demo / "zones.csv", encoding="utf-8-sig")
    g = gpd.GeoDataFrame(z.drop(columns=["lon", "lat"]),
                         geometry=gpd.points_from_xy(z["lon"], z["lat"]))  # no CRS
    g.to_file(demo / "zones.gpkg", driver="GPKG")
    text = (demo / "s.yaml").read_text().replace("zones.csv", "zones.gpkg")
    (demo / "s.yaml").write_text(text)
    one(problems(demo), "zones.gpkg", "no CRS")


def test_geopackage_with_crs_loads(demo):
    gpd = pytest.importorskip("geopandas")
    z = pd.read_csv(demo / "zones.csv", encoding="utf-8-sig", dtype={"zone_id": str})
    g = gpd.GeoDataFrame(z.drop(columns=["lon", "lat"]),
                         geometry=gpd.points_from_xy(z["lon"], z["lat"]), crs=4326)
    g.to_crs(32651).to_file(demo / "zones.gpkg", driver="GPKG")  # projected UTM 51N
    text = (demo / "s.yaml").read_text().replace("zones.csv", "zones.gpkg")
    (demo / "s.yaml").write_text(text)
    inp = load_inputs(load_scenario(demo / "s.yaml"))
    assert inp.zones.loc["Z001", "lon"] == pytest.approx(z.loc[0, "lon"], abs=1e-6)


def test_catalogue_errors(demo):
    def bad_f(d):
        d.loc[0, "min_units"] = "100"
        d.loc[0, "max_units"] = "10"
        d.loc[1, "demand_base"] = "pop_teen"
        return d

    def bad_c(d):
        d.loc[0, "usable_factor"] = "1.5"
        d.loc[1, "eligible_kinds"] = "idle_factory|wherehouse"
        return d

    edit(demo / "functions.csv", bad_f)
    edit(demo / "channels.csv", bad_c)
    probs = problems(demo)
    one(probs, "functions.csv", "rows 2", "min_units is larger than max_units")
    one(probs, "functions.csv", "rows 3", "unknown demand_base 'pop_teen'")
    one(probs, "channels.csv", "rows 2", "usable_factor", "<= 1")
    one(probs, "channels.csv", "row 3", "unknown space kind 'wherehouse'", "warehouse")


def test_all_problems_reported_together(demo):
    edit(demo / "zones.csv", lambda d: d.drop(columns="households"))
    edit(demo / "spaces.csv", lambda d: d.rename(columns={"kind": "type"}))
    probs = problems(demo)
    one(probs, "zones.csv", "households")
    one(probs, "spaces.csv", "kind")


def test_unknown_function_in_scenario_overrides(demo):
    (demo / "s.yaml").write_text((demo / "s.yaml").read_text()
                                 + "functions:\n  chldcare:\n    walking_limit_m: 300\n")
    one(problems(demo), "functions.chldcare", "did you mean 'childcare'")


def test_row_numbers_survive_blank_lines(demo):
    lines = (demo / "zones.csv").read_text(encoding="utf-8-sig").splitlines()
    cols = lines[0].split(",")
    bad = lines[8].split(",")
    bad[cols.index("lon")] = "200.5"
    lines[8] = ",".join(bad)          # spreadsheet row 9 before the blank line ...
    lines.insert(3, "")               # ... is row 10 after it
    (demo / "zones.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    one(problems(demo), "zones.csv", "rows 10:", "'lon' must be <= 180")


def test_not_a_number_is_not_also_empty(demo):
    set_cells(demo / "zones.csv", (1, "population", "1O000"))
    probs = problems(demo)
    one(probs, "population", "not a number")
    assert not [p for p in probs if "'population' is empty" in p]
