"""Load and validate the input files: zones, spaces, existing facilities and the catalogues.

Every loader collects *all* problems it finds (file, row, column, what is wrong) and
:func:`load_inputs` raises one :class:`~siting.exceptions.DataError` listing all of them.
Row numbers are spreadsheet rows: the header is row 1, the first record row 2.

Locations come either from lon/lat columns (CSV/Excel, WGS84 degrees) or from the geometry of a
GeoPackage / GeoJSON / Shapefile, which must declare its CRS. Polygons are reduced to a point
inside them (``representative_point``). Everything is returned in lon/lat; projection to metres
happens in :mod:`siting.geo`.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from siting.config import DEMAND_BASES, Scenario
from siting.exceptions import DataError

log = logging.getLogger(__name__)

SPACE_KINDS = (
    "community_room",
    "idle_factory",
    "warehouse",
    "shop_front",
    "office",
    "school",
    "state_building",
    "collective_building",
    "vacant_parcel",
)
OWNERSHIPS = ("state", "collective", "private")
VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}
NOTE_PREFIX = "note_"
"""Columns starting with this prefix are carried through untouched (free-text notes)."""

# Column schemas: name -> kind. "id"/"str" are text, "num" a number, "int" a whole number.
ZONE_COLUMNS = {
    "zone_id": "id",
    "name": "str",
    "households": "num",
    "population": "num",
    "pop_0_3": "num",
    "pop_60_plus": "num",
}
ZONE_OPTIONAL = {"street": "str", "existing_service_m2": "num"}
SPACE_COLUMNS = {
    "space_id": "id",
    "name": "str",
    "kind": "str",
    "ownership": "str",
    "floor_area_m2": "num",
}
SPACE_OPTIONAL = {
    "street": "str",
    "buildable_area_m2": "num",
    "cost_per_m2": "num",
    "fixed_cost": "num",
    "channels": "str",
    "ground_floor": "bool",
    "own_entrance": "bool",
}
EXISTING_COLUMNS = {"facility_id": "id", "function": "str", "capacity": "num"}
EXISTING_OPTIONAL = {"name": "str"}
FUNCTION_COLUMNS = {
    "function": "id",
    "unit": "str",
    "area_per_unit_m2": "num",
    "min_units": "int",
    "max_units": "int",
    "fitout_cost_per_unit": "num",
    "opex_per_unit_year": "num",
    "walking_limit_m": "num",
    "demand_rate": "num",
    "demand_per": "num",
    "demand_base": "str",
    "weight": "num",
}
FUNCTION_OPTIONAL = {"label_zh": "str", "source": "str"}
CHANNEL_COLUMNS = {
    "channel": "id",
    "cost_per_m2": "num",
    "fixed_cost": "num",
    "usable_factor": "num",
    "lead_time_months": "num",
    "eligible_kinds": "str",
    "eligible_ownerships": "str",
    "max_area_growth": "num",
    "area_basis": "str",
}
CHANNEL_OPTIONAL = {"label_zh": "str", "source": "str"}
LOCATION_COLUMNS = {"lon": "num", "lat": "num"}


@dataclass(frozen=True)
class Inputs:
    """Validated input tables, indexed by their ids. Locations in ``lon``/``lat`` (WGS84)."""

    zones: pd.DataFrame
    spaces: pd.DataFrame
    existing: pd.DataFrame
    functions: pd.DataFrame
    channels: pd.DataFrame
    sources: dict[str, str]
    """Which file each table came from (for summaries and ``siting verify``)."""


# --------------------------------------------------------------------------------------------
# Reading


def set_cell(df: pd.DataFrame, row: str, col: str, val) -> None:
    """``df.at[row, col] = val``, widening an integer or boolean column when the value needs
    it (a scenario may set 594.4 m where the catalogue has whole metres)."""
    if col in df.columns and not isinstance(val, bool) and isinstance(val, float) \
            and pd.api.types.is_integer_dtype(df[col]) and not float(val).is_integer():
        df[col] = df[col].astype(float)
    if col in df.columns and pd.api.types.is_bool_dtype(df[col]) and not isinstance(val, bool):
        df[col] = df[col].astype(object)
    df.at[row, col] = val


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file (recorded per input in ``summary.json``, re-checked by verify)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_problem(path: str | Path, what: str = "file") -> str | None:
    """Why ``path`` cannot be read as an input file (``None`` if it can)."""
    path = Path(path)
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir() if p.is_file())
        held = f" (it holds {', '.join(inside[:6])}{' ...' if len(inside) > 6 else ''})" \
            if inside else " (it is empty)"
        return f"{path}: is a folder, not a {what}; name the {what} inside it{held}"
    if not path.exists():
        near = ""
        if path.parent.is_dir():
            close = difflib.get_close_matches(path.name, [p.name for p in path.parent.iterdir()],
                                              n=1)
            near = f"; did you mean {close[0]!r}?" if close else ""
        return f"{path}: {what} not found{near}"
    if not path.is_file():
        return f"{path}: not a regular {what}"
    return None


def not_excel_problem(path: Path) -> str | None:
    """An ``.xlsx``/``.xls`` name on a file that is not a workbook (e.g. a renamed CSV)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return None
    text = b"\x00" not in head and any(_decodes(head, enc) for enc in ("utf-8", "gb18030"))
    if text:
        return (f"{path}: named {path.suffix} but is text (a CSV file?), not an Excel "
                "workbook; rename it to .csv, or open it in Excel and save it as .xlsx")
    return (f"{path}: named {path.suffix} but is not an Excel workbook (unknown content); "
            "open it in Excel and save it as .xlsx, or export it as CSV")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc.start > len(data) - 4  # a character cut at the end of the sample
    return True


def read_table(path: Path, problems: list[str]) -> pd.DataFrame | None:
    """Read CSV (UTF-8, BOM tolerated), Excel or a vector file; ``None`` if unreadable."""
    path = Path(path)
    missing = file_problem(path)
    if missing:
        problems.append(missing)
        return None
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False,
                             skip_blank_lines=False)
            df.index = pd.RangeIndex(2, len(df) + 2)
        elif suffix in (".xlsx", ".xls"):
            wrong = not_excel_problem(path)
            if wrong:
                problems.append(wrong)
                return None
            df = pd.read_excel(path, dtype=str).fillna("")
            df.index = pd.RangeIndex(2, len(df) + 2)
        elif suffix in VECTOR_SUFFIXES:
            df = _read_vector(path, problems)
        else:
            problems.append(f"{path}: unsupported file type {suffix!r} (use CSV, Excel, "
                            "GeoPackage, GeoJSON or Shapefile)")
            return None
    except UnicodeDecodeError:
        problems.append(f"{path}: not UTF-8 text; save the file as UTF-8 (CSV UTF-8 in Excel)")
        return None
    except pd.errors.EmptyDataError:
        problems.append(f"{path}: the file is empty (not even a header row)")
        return None
    except Exception as exc:  # noqa: BLE001 - any reader failure is reported with the file name
        problems.append(f"{path}: cannot be read: {exc}")
        return None
    if df is None:
        return None
    # Blank lines are skipped, but rows keep their spreadsheet numbers (the index).
    blank = (df.astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1)
    df = df[~blank]
    if len(df) == 0:
        problems.append(f"{path}: the file has no rows")
        return None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _read_vector(path: Path, problems: list[str]) -> pd.DataFrame | None:
    import geopandas as gpd

    gdf = gpd.read_file(path)
    if len(gdf) == 0:
        return gdf
    if gdf.crs is None:
        problems.append(f"{path}: the layer has no CRS; set one (e.g. EPSG:4326 or a UTM zone) "
                        "before using it")
        return None
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(missing.to_numpy())[:10])
        problems.append(f"{path}: rows {rows}: empty geometry")
        gdf = gdf[~missing]
    if not (gdf.geom_type == "Point").all():
        log.warning("%s: non-point geometries reduced to a point inside each shape", path)
        gdf = gdf.set_geometry(gdf.geometry.representative_point())
    ll = gdf.to_crs(4326).geometry
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
    df.index = df.index + 2  # spreadsheet-style row numbers of the features
    df = df.replace({"nan": "", "None": ""})
    df["lon"] = [f"{v:.8f}" for v in ll.x]
    df["lat"] = [f"{v:.8f}" for v in ll.y]
    return df


# --------------------------------------------------------------------------------------------
# Checking helpers


def _rows(mask: pd.Series, limit: int = 10) -> str:
    """Row numbers where ``mask`` is true; tables are indexed by their spreadsheet row."""
    idx = list(mask.index[mask.to_numpy(dtype=bool)])
    s = ", ".join(str(i) for i in idx[:limit])
    return s + (f" (and {len(idx) - limit} more)" if len(idx) > limit else "")


def _check_columns(df: pd.DataFrame, path: Path, required: dict, optional: dict,
                   problems: list[str], extra_ok=lambda c: False) -> bool:
    known = list(required) + list(optional)
    ok = True
    for col in required:
        if col not in df.columns:
            close = difflib.get_close_matches(col, list(df.columns), n=1)
            hint = f" (found {close[0]!r}; rename it?)" if close else ""
            problems.append(f"{path}: missing column {col!r}{hint}")
            ok = False
    for col in df.columns:
        if col in known or col.startswith(NOTE_PREFIX) or extra_ok(col):
            continue
        close = difflib.get_close_matches(col, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(f"{path}: unknown column {col!r}{hint} (known: {', '.join(known)}; "
                        f"prefix a column with {NOTE_PREFIX!r} to keep it as a note)")
    return ok


def _coerce(df: pd.DataFrame, path: Path, schema: dict, problems: list[str]) -> pd.DataFrame:
    """Convert columns to their kinds; report blanks in ids and non-numbers."""
    df = df.copy()
    for col, kind in schema.items():
        if col not in df.columns:
            continue
        raw = df[col].astype(str).str.strip()
        if kind == "id":
            blank = raw == ""
            if blank.any():
                problems.append(f"{path}: rows {_rows(blank)}: column {col!r} is empty")
            dup = raw.duplicated(keep=False) & ~blank
            if dup.any():
                for val in sorted(raw[dup].unique())[:10]:
                    problems.append(f"{path}: duplicate {col} {val!r} in rows "
                                    f"{_rows(raw == val)}")
            df[col] = raw
        elif kind == "str":
            df[col] = raw
        elif kind == "bool":
            low = raw.str.lower()
            truth = low.isin(["true", "yes", "1", "y", "是"])
            false = low.isin(["false", "no", "0", "n", "否", ""])
            bad = ~(truth | false)
            if bad.any():
                problems.append(f"{path}: rows {_rows(bad)}: column {col!r} must be true or "
                                f"false (got {raw[bad].iloc[0]!r})")
            df[col] = truth
        else:
            num = pd.to_numeric(raw.replace("", np.nan), errors="coerce")
            bad = num.isna() & (raw != "")
            if bad.any():
                df.attrs.setdefault("not_numbers", {})[col] = bad
                problems.append(f"{path}: rows {_rows(bad)}: column {col!r} is not a number "
                                f"(e.g. {raw[bad].iloc[0]!r})")
            inf = np.isinf(num)
            if inf.any():
                df.attrs.setdefault("not_numbers", {})[col] = bad | inf
                problems.append(f"{path}: rows {_rows(inf)}: column {col!r} must be a finite "
                                f"number (got {raw[inf].iloc[0]!r})")
                num = num.mask(inf)
            if kind == "int":
                frac = num.notna() & (num != np.round(num))
                if frac.any():
                    problems.append(f"{path}: rows {_rows(frac)}: column {col!r} must be a whole "
                                    "number")
            df[col] = num
    return df


def _check_range(df: pd.DataFrame, path: Path, col: str, problems: list[str], *,
                 low: float | None = None, low_incl: bool = True, high: float | None = None,
                 required: bool = True) -> None:
    if col not in df.columns:
        return
    v = df[col]
    not_num = df.attrs.get("not_numbers", {}).get(col)
    empty = v.isna() if not_num is None else v.isna() & ~not_num
    if required and empty.any():
        problems.append(f"{path}: rows {_rows(empty)}: column {col!r} is empty")
    if low is not None:
        bad = (v < low) if low_incl else (v <= low)
        if bad.any():
            what = f">= {low:g}" if low_incl else f"> {low:g}"
            problems.append(f"{path}: rows {_rows(bad)}: column {col!r} must be {what} "
                            f"(got {v[bad].iloc[0]:g})")
    if high is not None:
        bad = v > high
        if bad.any():
            problems.append(f"{path}: rows {_rows(bad)}: column {col!r} must be <= {high:g} "
                            f"(got {v[bad].iloc[0]:g})")


def _check_locations(df: pd.DataFrame, path: Path, problems: list[str]) -> None:
    for col in LOCATION_COLUMNS:
        if col not in df.columns:
            problems.append(f"{path}: missing column {col!r} (give lon/lat in WGS84 degrees, or "
                            "use a GeoPackage/GeoJSON/Shapefile with a CRS)")
            return
    _check_range(df, path, "lon", problems, low=-180, high=180)
    _check_range(df, path, "lat", problems, low=-90, high=90)
    lon, lat = df["lon"], df["lat"]
    zero = (lon.abs() < 1e-9) & (lat.abs() < 1e-9)
    if zero.any():
        problems.append(f"{path}: rows {_rows(zero)}: location is (0, 0), which is almost "
                        "certainly a missing value")
    ok = lon.between(-180, 180) & lat.between(-90, 90) & ~zero
    if ok.sum() >= 3:
        # Points far from the rest are usually swapped lon/lat or a typo.
        mlon, mlat = lon[ok].median(), lat[ok].median()
        km = np.hypot((lon - mlon) * 111.32 * np.cos(np.radians(mlat)), (lat - mlat) * 110.57)
        far = ok & (km > 200)
        if far.any():
            problems.append(f"{path}: rows {_rows(far)}: location lies "
                            f"{km[far].iloc[0]:.0f} km from the median of the file; "
                            "check for swapped lon/lat or a typo")


def _split_list(value: str) -> list[str]:
    return [p.strip() for p in str(value).replace(",", "|").split("|") if p.strip()]


# --------------------------------------------------------------------------------------------
# Loaders (one per table)


def load_functions(path: Path, problems: list[str]) -> pd.DataFrame | None:
    """Function catalogue: one row per function (see ``data/CATALOGUES.md``)."""
    df = read_table(path, problems)
    if df is None or not _check_columns(df, path, FUNCTION_COLUMNS, FUNCTION_OPTIONAL, problems):
        return None
    df = _coerce(df, path, {**FUNCTION_COLUMNS, **FUNCTION_OPTIONAL}, problems)
    for col in ("area_per_unit_m2", "walking_limit_m", "demand_per"):
        _check_range(df, path, col, problems, low=0, low_incl=False)
    for col in ("min_units", "fitout_cost_per_unit", "opex_per_unit_year", "demand_rate",
                "weight"):
        _check_range(df, path, col, problems, low=0)
    _check_range(df, path, "max_units", problems, low=1)
    bad = df["min_units"] > df["max_units"]
    if bad.any():
        problems.append(f"{path}: rows {_rows(bad)}: min_units is larger than max_units")
    unknown = ~df["demand_base"].isin(DEMAND_BASES)
    if unknown.any():
        problems.append(f"{path}: rows {_rows(unknown)}: unknown demand_base "
                        f"{df['demand_base'][unknown].iloc[0]!r} (use one of "
                        f"{', '.join(DEMAND_BASES)})")
    return df.set_index("function")


def load_channels(path: Path, problems: list[str]) -> pd.DataFrame | None:
    """Channel catalogue: renovate / convert / transfer / new_build (see ``data/CATALOGUES.md``)."""
    df = read_table(path, problems)
    if df is None or not _check_columns(df, path, CHANNEL_COLUMNS, CHANNEL_OPTIONAL, problems):
        return None
    df = _coerce(df, path, {**CHANNEL_COLUMNS, **CHANNEL_OPTIONAL}, problems)
    for col in ("cost_per_m2", "fixed_cost", "lead_time_months", "max_area_growth"):
        _check_range(df, path, col, problems, low=0)
    _check_range(df, path, "usable_factor", problems, low=0, low_incl=False, high=1)
    bad_basis = ~df["area_basis"].isin(["floor_area", "buildable"])
    if bad_basis.any():
        problems.append(f"{path}: rows {_rows(bad_basis)}: area_basis must be 'floor_area' or "
                        "'buildable'")
    kinds, owners = [], []
    for i, row in zip(df.index, df.itertuples(index=False)):
        ks, os_ = _split_list(row.eligible_kinds), _split_list(row.eligible_ownerships)
        for k in ks:
            if k not in SPACE_KINDS:
                close = difflib.get_close_matches(k, SPACE_KINDS, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(f"{path}: row {i}: unknown space kind {k!r}{hint}")
        for o in os_:
            if o not in OWNERSHIPS:
                problems.append(f"{path}: row {i}: unknown ownership {o!r} "
                                f"(use {', '.join(OWNERSHIPS)})")
        if not ks or not os_:
            problems.append(f"{path}: row {i}: eligible_kinds and eligible_ownerships must "
                            "each list at least one value")
        kinds.append(tuple(ks))
        owners.append(tuple(os_))
    df["eligible_kinds"] = kinds
    df["eligible_ownerships"] = owners
    return df.set_index("channel")


def load_zones(path: Path, problems: list[str]) -> pd.DataFrame | None:
    """Demand zones (communities): households, population and groups, location."""
    df = read_table(path, problems)
    extra = {c: "num" for c in (df.columns if df is not None else []) if c.startswith("pop_")}
    if df is None or not _check_columns(df, path, ZONE_COLUMNS, {**ZONE_OPTIONAL,
                                        **LOCATION_COLUMNS}, problems,
                                        extra_ok=lambda c: c.startswith("pop_")):
        return None
    df = _coerce(df, path, {**ZONE_COLUMNS, **ZONE_OPTIONAL, **LOCATION_COLUMNS, **extra},
                 problems)
    _check_range(df, path, "households", problems, low=0, low_incl=False)
    _check_range(df, path, "population", problems, low=0, low_incl=False)
    for col in extra:
        _check_range(df, path, col, problems, low=0)
        over = df[col] > df["population"]
        if over.any():
            problems.append(f"{path}: rows {_rows(over)}: {col} exceeds population")
    _check_locations(df, path, problems)
    if "street" not in df.columns:
        df["street"] = ""
    if "existing_service_m2" not in df.columns:
        df["existing_service_m2"] = 0.0
    _check_range(df, path, "existing_service_m2", problems, low=0, required=False)
    df["existing_service_m2"] = df["existing_service_m2"].fillna(0.0)
    return df.set_index("zone_id")


def load_spaces(path: Path, channels: pd.DataFrame | None, problems: list[str]
                ) -> pd.DataFrame | None:
    """Candidate spaces: kind, ownership, floor areas, optional cost overrides, location."""
    df = read_table(path, problems)
    if df is None or not _check_columns(df, path, SPACE_COLUMNS,
                                        {**SPACE_OPTIONAL, **LOCATION_COLUMNS}, problems):
        return None
    df = _coerce(df, path, {**SPACE_COLUMNS, **SPACE_OPTIONAL, **LOCATION_COLUMNS}, problems)
    for col in ("street", "channels"):
        if col not in df.columns:
            df[col] = ""
    for col in ("buildable_area_m2", "cost_per_m2", "fixed_cost"):
        if col not in df.columns:
            df[col] = np.nan
        _check_range(df, path, col, problems, low=0, required=False)
    _check_range(df, path, "floor_area_m2", problems, low=0)
    bad_kind = ~df["kind"].isin(SPACE_KINDS)
    for i in df.index[bad_kind.to_numpy()][:10]:
        k = df.at[i, "kind"]
        close = difflib.get_close_matches(k, SPACE_KINDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(SPACE_KINDS)})"
        problems.append(f"{path}: row {i}: unknown kind {k!r}{hint}")
    bad_own = ~df["ownership"].isin(OWNERSHIPS)
    if bad_own.any():
        problems.append(f"{path}: rows {_rows(bad_own)}: unknown ownership "
                        f"{df['ownership'][bad_own].iloc[0]!r} (use {', '.join(OWNERSHIPS)})")
    parcel = df["kind"] == "vacant_parcel"
    no_build = parcel & ~(df["buildable_area_m2"] > 0)
    if no_build.any():
        problems.append(f"{path}: rows {_rows(no_build)}: a vacant_parcel needs "
                        "buildable_area_m2 > 0")
    no_floor = ~parcel & (df["floor_area_m2"] == 0)
    if no_floor.any():
        problems.append(f"{path}: rows {_rows(no_floor)}: floor_area_m2 must be > 0 for an "
                        "existing building")
    _check_locations(df, path, problems)
    if channels is not None:
        for i, row in zip(df.index, df.itertuples(index=False)):
            if row.kind not in SPACE_KINDS or row.ownership not in OWNERSHIPS:
                continue
            allowed = _split_list(row.channels) or list(channels.index)
            for c in allowed:
                if c not in channels.index:
                    problems.append(f"{path}: row {i}: unknown channel {c!r} in column "
                                    f"'channels' (known: {', '.join(channels.index)})")
            ok = [c for c in allowed if c in channels.index
                  and row.kind in channels.at[c, "eligible_kinds"]
                  and row.ownership in channels.at[c, "eligible_ownerships"]]
            if not ok:
                problems.append(f"{path}: row {i}: space {row.space_id!r} ({row.kind}, "
                                f"{row.ownership}) is eligible for no channel")
    return df.set_index("space_id")


def load_existing(path: Path | None, functions: pd.DataFrame | None, problems: list[str]
                  ) -> pd.DataFrame:
    """Existing facilities: capacity of one function already in place at a location."""
    empty = pd.DataFrame(columns=["name", "function", "capacity", "lon", "lat"],
                         index=pd.Index([], name="facility_id"))
    if path is None:
        return empty
    df = read_table(path, problems)
    if df is None or not _check_columns(df, path, EXISTING_COLUMNS,
                                        {**EXISTING_OPTIONAL, **LOCATION_COLUMNS}, problems):
        return empty
    df = _coerce(df, path, {**EXISTING_COLUMNS, **EXISTING_OPTIONAL, **LOCATION_COLUMNS},
                 problems)
    _check_range(df, path, "capacity", problems, low=0, low_incl=False)
    if functions is not None:
        bad = ~df["function"].isin(functions.index)
        for i in df.index[bad.to_numpy()][:10]:
            f = df.at[i, "function"]
            close = difflib.get_close_matches(f, list(functions.index), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"{path}: row {i}: unknown function {f!r}{hint}")
    _check_locations(df, path, problems)
    if "name" not in df.columns:
        df["name"] = df["facility_id"]
    return df.set_index("facility_id")


def check_id_clash(inputs_spaces: pd.DataFrame, existing: pd.DataFrame, sources: dict,
                   problems: list[str]) -> None:
    """Space ids and existing-facility ids share one namespace (both are sites)."""
    clash = sorted(set(inputs_spaces.index) & set(existing.index))
    if clash:
        problems.append(f"{sources['existing']}: facility ids also used as space ids in "
                        f"{sources['spaces']}: {', '.join(clash[:10])}")


def check_standards(scenario: Scenario, functions: pd.DataFrame, channels: pd.DataFrame,
                    spaces: pd.DataFrame, problems: list[str]) -> None:
    """Every function, channel and space attribute a standard names must exist."""
    std = scenario.standards
    where = f"scenario {scenario.name!r}: standards"

    def known_function(f: str, key: str) -> None:
        if f not in functions.index:
            close = difflib.get_close_matches(f, list(functions.index), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"{where}.{key}: unknown function {f!r}{hint}")

    for c in std.min_facility_m2:
        if c not in channels.index:
            problems.append(f"{where}.min_facility_m2: unknown channel {c!r} "
                            f"(known: {', '.join(channels.index)})")
    for n, fs in enumerate(std.function_minimums):
        known_function(fs.function, f"function_minimums[{n}]")
        if fs.count == "built" and fs.level == "community":
            problems.append(f"{where}.function_minimums[{n}]: count 'built' needs level "
                            "'street' or 'city'")
    for f, attrs in std.function_requirements.items():
        known_function(f, f"function_requirements.{f}")
        for a in attrs:
            if a not in spaces.columns or spaces[a].dtype != bool:
                problems.append(f"{where}.function_requirements.{f}: the spaces file has no "
                                f"true/false column {a!r} (e.g. ground_floor, own_entrance)")
    for n, su in enumerate(std.shared_use):
        for f in su.functions:
            known_function(f, f"shared_use[{n}]")
    if std.complexes.enabled:
        for group, fs in std.complexes.core_groups.items():
            for f in fs:
                known_function(f, f"complexes.core_groups.{group}")


def load_inputs(scenario: Scenario) -> Inputs:
    """Read and validate every input file of ``scenario``; raise one DataError listing all
    problems found in all files."""
    paths = scenario.data
    problems: list[str] = []
    functions = load_functions(paths.functions, problems)
    channels = load_channels(paths.channels, problems)
    zones = load_zones(paths.zones, problems)
    spaces = load_spaces(paths.spaces, channels, problems)
    existing = load_existing(paths.existing, functions, problems)
    sources = {k: str(v) for k, v in paths.model_dump().items() if v is not None}
    if spaces is not None:
        check_id_clash(spaces, existing, sources, problems)
    for key, table, known in (("functions", scenario.functions, functions),
                              ("channels", scenario.channels, channels)):
        if known is None:
            continue
        for name in table:
            if name not in known.index:
                close = difflib.get_close_matches(name, list(known.index), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(f"scenario {scenario.name!r}: {key}.{name}: unknown "
                                f"{key[:-1]} {name!r}{hint} (known: {', '.join(known.index)})")
    if functions is not None and channels is not None and spaces is not None:
        check_standards(scenario, functions, channels, spaces, problems)
    if problems:
        raise DataError(problems)
    assert functions is not None and channels is not None
    assert zones is not None and spaces is not None
    return Inputs(zones=zones, spaces=spaces, existing=existing, functions=functions,
                  channels=channels, sources=sources)
