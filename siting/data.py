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
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from siting import aliases, coords
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
ZONE_OPTIONAL = {"street": "str", "existing_service_m2": "num", "district": "str"}
SPACE_COLUMNS = {
    "space_id": "id",
    "name": "str",
    "kind": "str",
    "ownership": "str",
    "floor_area_m2": "num",
}
SPACE_OPTIONAL = {
    "street": "str",
    "district": "str",
    "rent_per_m2_year": "num",
    "buildable_area_m2": "num",
    "cost_per_m2": "num",
    "fixed_cost": "num",
    "channels": "str",
    "ground_floor": "bool",
    "own_entrance": "bool",
    # pins and proposal lists (siting.decisions)
    "decision": "str",
    "channel": "str",
    "cost_estimate": "num",
    "community": "str",
    "location_id": "str",
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
LOCATION_COLUMNS = {"lon": "num", "lat": "num", "x": "num", "y": "num"}


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
    coordinates: dict[str, str] = field(default_factory=dict)
    """Coordinate system each located table was given in (before conversion to WGS-84)."""
    frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    """Tables passed as DataFrames (not files), as given."""


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
    if col not in df.columns:  # a new column: unset (None) elsewhere
        df[col] = pd.Series([None] * len(df), index=df.index, dtype=object)
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


HEADER_SCAN_ROWS = 30
"""The header is looked for in this many rows at the top of a sheet (title rows above it)."""
COMMENT_PREFIX = "#"
"""A record row whose first non-empty cell starts with this is a comment and skipped (the
template's description and example rows)."""


def source_label(source) -> str:
    """How a table is named in messages: its path, with the sheet when one is given."""
    if isinstance(source, pd.DataFrame):
        return str(source.attrs.get("label", "DataFrame"))
    path = Path(getattr(source, "path", source))
    sheet = getattr(source, "sheet", None)
    return f"{path} [sheet {sheet}]" if sheet is not None else str(path)


def _decode(raw: bytes, path: Path, encoding: str | None, problems: list[str]) -> str | None:
    if encoding:
        try:
            return raw.decode(encoding)
        except LookupError:
            problems.append(f"{path}: unknown encoding {encoding!r} (e.g. utf-8, gbk, gb18030)")
        except UnicodeDecodeError as exc:
            problems.append(f"{path}: not valid {encoding} text (byte {exc.start}); check "
                            "'encoding:' or save the file as UTF-8")
        return None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc != "utf-8-sig":
            log.info("%s: read as %s (not UTF-8)", path, enc)
        return text
    problems.append(f"{path}: neither UTF-8 nor GBK/GB18030 text; give 'encoding:' or save "
                    "the file as UTF-8 (CSV UTF-8 in Excel)")
    return None


def _read_grid(source, problems: list[str]) -> pd.DataFrame | None:
    """The raw cells of a CSV or Excel sheet as text, no header applied (row 0 = row 1)."""
    import csv
    import io

    path = Path(source.path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        if source.sheet is not None:
            problems.append(f"{path}: sheet {source.sheet!r} given, but a CSV file has no "
                            "sheets (leave out 'sheet', or name the workbook)")
            return None
        text = _decode(path.read_bytes(), path, source.encoding, problems)
        if text is None:
            return None
        rows = list(csv.reader(io.StringIO(text)))
        width = max((len(r) for r in rows), default=0)
        return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)
    wrong = not_excel_problem(path)
    if wrong:
        problems.append(wrong)
        return None
    with pd.ExcelFile(path) as xf:
        sheets = xf.sheet_names
        sheet = source.sheet if source.sheet is not None else 0
        if isinstance(sheet, str) and sheet not in sheets:
            close = difflib.get_close_matches(sheet, sheets, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"{path}: no sheet {sheet!r}{hint} (sheets: {', '.join(sheets)})")
            return None
        if isinstance(sheet, int) and not 0 <= sheet < len(sheets):
            problems.append(f"{path}: no sheet number {sheet} (sheets, from 0: "
                            f"{', '.join(sheets)})")
            return None
        df = pd.read_excel(xf, sheet_name=sheet, header=None, dtype=str)
    return df.fillna("").astype(str)


def _header_at(grid: pd.DataFrame, table: str | None, header_row: int | None,
               label: str, problems: list[str]) -> int | None:
    """0-based position of the header row: given, else the first of the top rows naming the
    most known columns (at least two), else the first row."""
    if header_row is not None:
        if header_row > len(grid):
            problems.append(f"{label}: header_row {header_row} is beyond the last row "
                            f"({len(grid)})")
            return None
        return header_row - 1
    if table is None:
        return 0
    known = aliases.known_headers(table)
    best, at = 1, 0
    for i in range(min(HEADER_SCAN_ROWS, len(grid))):
        score = sum(aliases.normalise(c) in known for c in grid.iloc[i] if str(c).strip())
        if score > best:
            best, at = score, i
    return at


def frame_table(df: pd.DataFrame) -> pd.DataFrame:
    """A DataFrame given as a table, with ids given as its (named) index made a column."""
    df = df.copy()
    if not isinstance(df.index, pd.RangeIndex) and any(n is not None for n in df.index.names):
        df = df.reset_index()
    return df


def read_table(source, problems: list[str], table: str | None = None,
               extra_ok=lambda c: False, allow_empty: bool = False) -> pd.DataFrame | None:
    """Read a table as text cells with canonical column names, indexed by spreadsheet row.

    ``source`` is a :class:`~siting.config.TableSource`, a path or a DataFrame. CSV may be
    UTF-8 or GBK/GB18030; Excel sheets are chosen by name; the header is found below title
    rows; headers are translated through :mod:`siting.aliases` (``table`` names the alias
    group); comment rows (first cell ``#...``) and blank rows are skipped. ``None`` if the
    table cannot be read (the reason is in ``problems``).
    """
    from siting.config import TableSource

    if isinstance(source, pd.DataFrame):
        df = frame_table(source)
        df.columns = [str(c) for c in df.columns]
        df = df.reset_index(drop=True).astype(object).where(df.notna(), "").astype(str)
        df.index = pd.RangeIndex(2, len(df) + 2)
        label = source_label(source)
    else:
        if not isinstance(source, TableSource):
            source = TableSource(path=Path(source))
        path, label = Path(source.path), source_label(source)
        missing = file_problem(path)
        if missing:
            problems.append(missing)
            return None
        suffix = path.suffix.lower()
        try:
            if suffix in VECTOR_SUFFIXES:
                df = _read_vector(path, problems)
            elif suffix in (".csv", ".txt", ".xlsx", ".xlsm", ".xls"):
                grid = _read_grid(source, problems)
                if grid is None:
                    return None
                if grid.empty:
                    problems.append(f"{label}: the file is empty (not even a header row)")
                    return None
                h = _header_at(grid, table, source.header_row, label, problems)
                if h is None:
                    return None
                df = grid.iloc[h + 1:].copy()
                df.columns = [str(c).strip() for c in grid.iloc[h]]
                df.index = pd.RangeIndex(h + 2, h + 2 + len(df))
                # unnamed columns: dropped when empty, else reported as unknown
                keep = [bool(c) or (df.iloc[:, n].str.strip() != "").any()
                        for n, c in enumerate(df.columns)]
                df = df.loc[:, keep]
                df.columns = [c or f"(no header, column {n + 1})"
                              for n, c in zip(np.flatnonzero(keep), df.columns)]
            else:
                problems.append(f"{path}: unsupported file type {suffix!r} (use CSV, Excel, "
                                "GeoPackage, GeoJSON or Shapefile)")
                return None
        except Exception as exc:  # noqa: BLE001 - any reader failure is reported with the file
            problems.append(f"{path}: cannot be read: {exc}")
            return None
        if df is None:
            return None
    df.columns = [str(c).strip() for c in df.columns]
    if table is not None:
        df = df.rename(columns=aliases.column_map(table, list(df.columns), extra_ok))
    # Blank and comment rows are skipped, but rows keep their spreadsheet numbers (the index).
    cells = df.astype(str).apply(lambda c: c.str.strip()).replace("", np.nan)
    blank = cells.isna().all(axis=1)
    first = cells.bfill(axis=1).iloc[:, 0] if len(df.columns) else blank
    comment = first.fillna("").astype(str).str.startswith(COMMENT_PREFIX)
    df = df[~blank & ~comment]
    if len(df) == 0:
        if not allow_empty:
            problems.append(f"{label}: no data rows (rows whose first cell starts with "
                            f"{COMMENT_PREFIX!r} are comments)" if len(blank) else
                            f"{label}: the file has no rows")
        return None
    df.attrs["label"] = label
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
    df.attrs["vector"] = True
    return df


# --------------------------------------------------------------------------------------------
# Checking helpers


def _rows(mask: pd.Series, limit: int = 10) -> str:
    """Row numbers where ``mask`` is true; tables are indexed by their spreadsheet row."""
    idx = list(mask.index[mask.to_numpy(dtype=bool)])
    s = ", ".join(str(i) for i in idx[:limit])
    return s + (f" (and {len(idx) - limit} more)" if len(idx) > limit else "")


def _check_columns(df: pd.DataFrame, path, required: dict, optional: dict,
                   problems: list[str], extra_ok=lambda c: False, table: str | None = None
                   ) -> bool:
    """Report missing required and unknown columns; True when nothing required is missing.

    Hints point the right way: a missing column is matched only against columns that are
    not already known (an unknown header close to it, or its accepted aliases), and an
    unknown column only against known columns that are absent."""
    known = list(required) + list(optional)
    unknown = [c for c in df.columns
               if c not in known and not c.startswith(NOTE_PREFIX) and not extra_ok(c)]
    absent = [c for c in known if c not in df.columns]
    paired: set[str] = set()
    ok = True
    alias_of = {**aliases.COLUMN_ALIASES.get(table or "", {}),
                **aliases.COLUMN_ALIASES["location"]}
    for col in required:
        if col in df.columns:
            continue
        ok = False
        close = difflib.get_close_matches(col, [c for c in unknown if c not in paired], n=1)
        if close:
            paired.add(close[0])
            problems.append(f"{path}: missing column {col!r}: unknown column {close[0]!r} "
                            f"looks like it (rename it to {col!r}?)")
        else:
            names = alias_of.get(col, ())
            also = f" (also accepted: {', '.join(names[:5])})" if names else ""
            problems.append(f"{path}: missing column {col!r}{also}")
    for col in unknown:
        if col in paired:
            continue
        close = difflib.get_close_matches(col, absent, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(f"{path}: unknown column {col!r}{hint} (known: {', '.join(known)}; "
                        f"prefix a column with {NOTE_PREFIX!r} to keep it as a note)")
    return ok


def _translate(df: pd.DataFrame, col: str, kind: str, extra: dict | None = None,
               multi: bool = False) -> None:
    """Replace Chinese (alias) values of ``col`` by canonical ones, in place."""
    if col in df.columns:
        df[col] = aliases.translate(df[col].astype(str).str.strip().tolist(), kind, extra,
                                    multi=multi)


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
            canon = pd.Series(aliases.translate(raw.tolist(), "bool"), index=raw.index)
            truth = canon == "true"
            false = (canon == "false") | (raw == "")
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


def _locate(df: pd.DataFrame, path, problems: list[str], system: str) -> pd.DataFrame:
    """Check the location columns in the input ``system`` and convert them to WGS-84
    ``lon``/``lat`` (projected ``x``/``y`` for an EPSG code of a projected CRS).

    A vector layer's geometry was converted from its own CRS already: an EPSG code is then
    moot, but ``gcj02``/``bd09`` still apply (points digitised on Amap or Baidu tiles are
    labelled EPSG:4326 by most tools)."""
    if df.attrs.get("vector") and system.startswith("EPSG:"):
        system = "wgs84"
    projected = coords.is_projected(system)
    a, b = ("x", "y") if projected else ("lon", "lat")
    for col in (a, b):
        if col not in df.columns:
            if projected:
                problems.append(f"{path}: missing column {col!r} (coordinates {system}: give "
                                "x = easting 东坐标 and y = northing 北坐标 in metres)")
            else:
                problems.append(f"{path}: missing column {col!r} (give lon/lat in degrees, "
                                f"{system.upper()}; or use a GeoPackage/GeoJSON/Shapefile with "
                                "a CRS)")
            return df
    if projected:
        _check_range(df, path, "x", problems)
        _check_range(df, path, "y", problems)
        x, y = df["x"], df["y"]
        swapped = (x.abs() > 1e6) & (y.abs() < 1e6)
        if swapped.any():
            problems.append(f"{path}: rows {_rows(swapped)}: x looks like a northing and y "
                            "like an easting; in siting x is the easting (东坐标) and y the "
                            "northing (北坐标): swap the columns")
        ok = x.notna() & y.notna() & ~swapped
        lon = pd.Series(np.nan, index=df.index)
        lat = pd.Series(np.nan, index=df.index)
        if ok.any():
            lo, la = coords.to_wgs84(x[ok], y[ok], system)
            lon[ok], lat[ok] = lo, la
            bad = ok & ~(lon.between(-180, 180) & lat.between(-90, 90))
            if bad.any():
                problems.append(f"{path}: rows {_rows(bad)}: x/y do not lie in {system}'s "
                                "area; check the EPSG code")
        df = df.drop(columns=["x", "y"])
        df["lon"], df["lat"] = lon, lat
        lon_in, lat_in = lon, lat
    else:
        _check_range(df, path, "lon", problems, low=-180, high=180)
        _check_range(df, path, "lat", problems, low=-90, high=90)
        lon_in, lat_in = df["lon"], df["lat"]
    zero = (lon_in.abs() < 1e-9) & (lat_in.abs() < 1e-9)
    if not projected and zero.any():
        problems.append(f"{path}: rows {_rows(zero)}: location is (0, 0), which is almost "
                        "certainly a missing value")
    ok = lon_in.between(-180, 180) & lat_in.between(-90, 90) & ~zero
    if not projected and system not in ("wgs84", "cgcs2000") and ok.any():
        lo, la = coords.to_wgs84(df.loc[ok, "lon"], df.loc[ok, "lat"], system)
        df = df.copy()
        df.loc[ok, "lon"], df.loc[ok, "lat"] = lo, la
    lon, lat = df["lon"], df["lat"]
    if ok.sum() >= 3:
        # Points far from the rest are usually swapped lon/lat or a typo.
        mlon, mlat = lon[ok].median(), lat[ok].median()
        km = np.hypot((lon - mlon) * 111.32 * np.cos(np.radians(mlat)), (lat - mlat) * 110.57)
        far = ok & (km > 200)
        if far.any():
            problems.append(f"{path}: rows {_rows(far)}: location lies "
                            f"{km[far].iloc[0]:.0f} km from the median of the file; "
                            "check for swapped lon/lat or a typo")
    return df


def _split_list(value: str) -> list[str]:
    return [p.strip() for p in str(value).replace(",", "|").split("|") if p.strip()]


# --------------------------------------------------------------------------------------------
# Loaders (one per table)


def _has(df: pd.DataFrame, *cols: str) -> bool:
    return all(c in df.columns for c in cols)


def load_functions(source, problems: list[str]) -> pd.DataFrame | None:
    """Function catalogue: one row per function (see ``siting/catalogues/CATALOGUES.md``)."""
    df = read_table(source, problems)
    if df is None:
        return None
    path = df.attrs["label"]
    ok = _check_columns(df, path, FUNCTION_COLUMNS, FUNCTION_OPTIONAL, problems)
    df = _coerce(df, path, {**FUNCTION_COLUMNS, **FUNCTION_OPTIONAL}, problems)
    for col in ("area_per_unit_m2", "walking_limit_m", "demand_per"):
        _check_range(df, path, col, problems, low=0, low_incl=False)
    for col in ("min_units", "fitout_cost_per_unit", "opex_per_unit_year", "demand_rate",
                "weight"):
        _check_range(df, path, col, problems, low=0)
    _check_range(df, path, "max_units", problems, low=1)
    if _has(df, "min_units", "max_units"):
        bad = df["min_units"] > df["max_units"]
        if bad.any():
            problems.append(f"{path}: rows {_rows(bad)}: min_units is larger than max_units")
    if _has(df, "demand_base"):
        unknown = ~df["demand_base"].isin(DEMAND_BASES)
        if unknown.any():
            problems.append(f"{path}: rows {_rows(unknown)}: unknown demand_base "
                            f"{df['demand_base'][unknown].iloc[0]!r} (use one of "
                            f"{', '.join(DEMAND_BASES)})")
    return df.set_index("function") if ok else None


def load_channels(source, problems: list[str]) -> pd.DataFrame | None:
    """Channel catalogue: renovate / convert / transfer / new_build (see
    ``siting/catalogues/CATALOGUES.md``)."""
    df = read_table(source, problems)
    if df is None:
        return None
    path = df.attrs["label"]
    ok = _check_columns(df, path, CHANNEL_COLUMNS, CHANNEL_OPTIONAL, problems)
    df = _coerce(df, path, {**CHANNEL_COLUMNS, **CHANNEL_OPTIONAL}, problems)
    for col in ("cost_per_m2", "fixed_cost", "lead_time_months", "max_area_growth"):
        _check_range(df, path, col, problems, low=0)
    _check_range(df, path, "usable_factor", problems, low=0, low_incl=False, high=1)
    if _has(df, "area_basis"):
        bad_basis = ~df["area_basis"].isin(["floor_area", "buildable"])
        if bad_basis.any():
            problems.append(f"{path}: rows {_rows(bad_basis)}: area_basis must be "
                            "'floor_area' or 'buildable'")
    _translate(df, "eligible_kinds", "kind", multi=True)
    _translate(df, "eligible_ownerships", "ownership", multi=True)
    if _has(df, "eligible_kinds", "eligible_ownerships"):
        kinds, owners = [], []
        for i, ks_, os__ in zip(df.index, df["eligible_kinds"], df["eligible_ownerships"]):
            ks, os_ = _split_list(ks_), _split_list(os__)
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
                problems.append(f"{path}: row {i}: eligible_kinds and eligible_ownerships "
                                "must each list at least one value")
            kinds.append(tuple(ks))
            owners.append(tuple(os_))
        df["eligible_kinds"] = kinds
        df["eligible_ownerships"] = owners
    return df.set_index("channel") if ok else None


def _is_pop(c: str) -> bool:
    return c.startswith("pop_")


def load_zones(source, problems: list[str], system: str = "wgs84") -> pd.DataFrame | None:
    """Demand zones (communities): households, population and groups, location."""
    df = read_table(source, problems, "zones", extra_ok=_is_pop)
    if df is None:
        return None
    path = df.attrs["label"]
    extra = {c: "num" for c in df.columns if _is_pop(c)}
    ok = _check_columns(df, path, ZONE_COLUMNS, {**ZONE_OPTIONAL, **LOCATION_COLUMNS},
                        problems, extra_ok=_is_pop, table="zones")
    df = _coerce(df, path, {**ZONE_COLUMNS, **ZONE_OPTIONAL, **LOCATION_COLUMNS, **extra},
                 problems)
    _check_range(df, path, "households", problems, low=0, low_incl=False)
    _check_range(df, path, "population", problems, low=0, low_incl=False)
    for col in extra:
        _check_range(df, path, col, problems, low=0)
        if _has(df, "population"):
            over = df[col] > df["population"]
            if over.any():
                problems.append(f"{path}: rows {_rows(over)}: {col} exceeds population")
    df = _locate(df, path, problems, system)
    for col in ("street", "district"):
        if col not in df.columns:
            df[col] = ""
    if "existing_service_m2" not in df.columns:
        df["existing_service_m2"] = 0.0
    _check_range(df, path, "existing_service_m2", problems, low=0, required=False)
    df["existing_service_m2"] = df["existing_service_m2"].fillna(0.0)
    return df.set_index("zone_id") if ok else None


def load_spaces(source, channels: pd.DataFrame | None, problems: list[str],
                system: str = "wgs84") -> pd.DataFrame | None:
    """Candidate spaces: kind, ownership, floor areas, optional cost overrides, location."""
    from siting.decisions import UNITS_PREFIX, check_space_decisions

    df = read_table(source, problems, "spaces")
    if df is None:
        return None
    path = df.attrs["label"]
    ok = _check_columns(df, path, SPACE_COLUMNS, {**SPACE_OPTIONAL, **LOCATION_COLUMNS},
                        problems, table="spaces",
                        extra_ok=lambda c: c.startswith(UNITS_PREFIX))
    _translate(df, "kind", "kind")
    _translate(df, "ownership", "ownership")
    labels = _labels(channels)
    _translate(df, "channels", "channel", labels, multi=True)
    _translate(df, "channel", "channel", labels)  # a proposal's channel (siting.decisions)
    units_cols = {c: "num" for c in df.columns if c.startswith(UNITS_PREFIX)}
    df = _coerce(df, path, {**SPACE_COLUMNS, **SPACE_OPTIONAL, **LOCATION_COLUMNS,
                            **units_cols}, problems)
    for col in ("street", "channels", "district"):
        if col not in df.columns:
            df[col] = ""
    for col in ("buildable_area_m2", "cost_per_m2", "fixed_cost", "rent_per_m2_year"):
        if col not in df.columns:
            df[col] = np.nan
        _check_range(df, path, col, problems, low=0, required=False)
    _check_range(df, path, "floor_area_m2", problems, low=0)
    if _has(df, "kind"):
        bad_kind = ~df["kind"].isin(SPACE_KINDS)
        for i in df.index[bad_kind.to_numpy()][:10]:
            k = df.at[i, "kind"]
            close = difflib.get_close_matches(k, SPACE_KINDS, n=1)
            hint = (f"; did you mean {close[0]!r}?" if close
                    else f" (known: {', '.join(SPACE_KINDS)}, or the Chinese names in the "
                    "alias table)")
            problems.append(f"{path}: row {i}: unknown kind {k!r}{hint}")
    if _has(df, "ownership"):
        bad_own = ~df["ownership"].isin(OWNERSHIPS)
        if bad_own.any():
            problems.append(f"{path}: rows {_rows(bad_own)}: unknown ownership "
                            f"{df['ownership'][bad_own].iloc[0]!r} (use "
                            f"{', '.join(OWNERSHIPS)} or 国有, 集体, 私有)")
    if _has(df, "kind", "floor_area_m2"):
        parcel = df["kind"] == "vacant_parcel"
        no_build = parcel & ~(df["buildable_area_m2"] > 0)
        if no_build.any():
            problems.append(f"{path}: rows {_rows(no_build)}: a vacant_parcel needs "
                            "buildable_area_m2 > 0")
        no_floor = ~parcel & (df["floor_area_m2"] == 0)
        if no_floor.any():
            problems.append(f"{path}: rows {_rows(no_floor)}: floor_area_m2 must be > 0 for "
                            "an existing building")
    df = _locate(df, path, problems, system)
    if channels is not None and _has(df, "kind", "ownership", "space_id"):
        for i, row in zip(df.index, df.itertuples(index=False)):
            if row.kind not in SPACE_KINDS or row.ownership not in OWNERSHIPS:
                continue
            allowed = _split_list(row.channels) or list(channels.index)
            for c in allowed:
                if c not in channels.index:
                    problems.append(f"{path}: row {i}: unknown channel {c!r} in column "
                                    f"'channels' (known: {', '.join(channels.index)})")
            eligible = [c for c in allowed if c in channels.index
                        and row.kind in channels.at[c, "eligible_kinds"]
                        and row.ownership in channels.at[c, "eligible_ownerships"]]
            if not eligible:
                problems.append(f"{path}: row {i}: space {row.space_id!r} ({row.kind}, "
                                f"{row.ownership}) is eligible for no channel")
        if ok:
            check_space_decisions(df, path, channels, problems)
    return df.set_index("space_id") if ok else None


def _labels(catalogue: pd.DataFrame | None) -> dict[str, str]:
    """The catalogue's Chinese labels as value aliases (``label_zh`` -> id)."""
    if catalogue is None or "label_zh" not in catalogue.columns:
        return {}
    out = {}
    for cid, lab in catalogue["label_zh"].items():
        for part in re.split(r"[()（）]", str(lab)):
            if part.strip():
                out[part.strip()] = cid
    return out


def load_existing(source, functions: pd.DataFrame | None, problems: list[str],
                  system: str = "wgs84") -> pd.DataFrame:
    """Existing facilities: capacity of one function already in place at a location."""
    empty = pd.DataFrame(columns=["name", "function", "capacity", "lon", "lat"],
                         index=pd.Index([], name="facility_id"))
    if source is None:
        return empty
    df = read_table(source, problems, "existing", allow_empty=True)
    if df is None:
        if not any(source_label(source) in p for p in problems):
            log.info("%s: no rows: no existing facilities", source_label(source))
        return empty
    path = df.attrs["label"]
    ok = _check_columns(df, path, EXISTING_COLUMNS, {**EXISTING_OPTIONAL, **LOCATION_COLUMNS},
                        problems, table="existing")
    _translate(df, "function", "function", _labels(functions))
    df = _coerce(df, path, {**EXISTING_COLUMNS, **EXISTING_OPTIONAL, **LOCATION_COLUMNS},
                 problems)
    _check_range(df, path, "capacity", problems, low=0, low_incl=False)
    if functions is not None and _has(df, "function"):
        bad = ~df["function"].isin(functions.index)
        for i in df.index[bad.to_numpy()][:10]:
            f = df.at[i, "function"]
            close = difflib.get_close_matches(f, list(functions.index), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"{path}: row {i}: unknown function {f!r}{hint}")
    df = _locate(df, path, problems, system)
    if "name" not in df.columns and "facility_id" in df.columns:
        df["name"] = df["facility_id"]
    return df.set_index("facility_id") if ok else empty


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


TABLES = ("zones", "spaces", "existing", "functions", "channels")


def load_inputs(scenario: Scenario, frames: dict[str, pd.DataFrame] | None = None) -> Inputs:
    """Read and validate every input table of ``scenario``; raise one DataError listing all
    problems found in all tables.

    ``frames`` gives tables as DataFrames instead of files (``{"zones": df, ...}``); a frame
    wins over the scenario's file for that table. Locations are converted to WGS-84 from
    each table's coordinate system (``data.coordinates`` or the table's own).
    """
    paths = scenario.data
    frames = dict(frames or {})
    problems: list[str] = []
    unknown = sorted(set(frames) - set(TABLES))
    if unknown:
        raise DataError(f"unknown input table(s) {', '.join(unknown)} (known: "
                        f"{', '.join(TABLES)})")
    src: dict = {}
    for key in TABLES:
        f = frames.get(key)
        if f is not None:
            f = f.copy()
            f.attrs["label"] = f"{key} (DataFrame)"
            src[key] = f
        else:
            src[key] = paths.source(key)
    for key in ("zones", "spaces"):
        if src[key] is None:
            problems.append(f"scenario {scenario.name!r}: data.{key} is not set (give a file, "
                            f"or a DataFrame to siting.plan({key}=...))")
    functions = load_functions(src["functions"], problems)
    channels = load_channels(src["channels"], problems)
    zones = (load_zones(src["zones"], problems, paths.system("zones"))
             if src["zones"] is not None else None)
    spaces = (load_spaces(src["spaces"], channels, problems, paths.system("spaces"))
              if src["spaces"] is not None else None)
    existing = load_existing(src["existing"], functions, problems, paths.system("existing"))
    sources = {k: (v.attrs["label"] if isinstance(v, pd.DataFrame) else str(v.path))
               for k, v in src.items() if v is not None}
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
        from siting.money_inputs import check_money

        check_money(scenario, functions, channels, spaces, zones, problems)
    if functions is not None and spaces is not None:
        from siting.decisions import check_proposal_units

        check_proposal_units(spaces, functions, paths.spaces, problems)
    if problems:
        raise DataError(problems)
    assert functions is not None and channels is not None
    assert zones is not None and spaces is not None
    return Inputs(zones=zones, spaces=spaces, existing=existing, functions=functions,
                  channels=channels, sources=sources,
                  coordinates={k: paths.system(k) for k in ("zones", "spaces", "existing")},
                  frames={k: v for k, v in frames.items() if v is not None})
