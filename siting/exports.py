"""Write a :class:`~siting.results.Plan` to disk: CSV (UTF-8 with BOM, for Excel), GeoPackage
and the JSON summary — the data of a plan folder. The workbook, map, charts and HTML report are
made from these files by the reporting layer (:mod:`siting.report`), which nothing here imports.

Every file is first written into a temporary folder beside the output folder and then moved
into place with :func:`os.replace` (atomic per file), so an interrupted run never leaves a
half-written file and an earlier plan's files stay whole until replaced.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from siting.coords import add_input_columns
from siting.money import MONEY_FILES, money_sheets
from siting.results import Plan

PLAN_FILES = ("sites.csv", "assignments.csv", "zones.csv", "streets.csv", "shortfalls.csv",
              "summary.json", "plan.gpkg", "cache_key.txt", "plan.xlsx", "map.png", "report.html",
              *MONEY_FILES)
"""Everything a plan folder holds; a new plan replaces or removes each (``cache_key.txt`` is
rewritten by ``siting compare`` after the plan, so a plan written by ``siting run`` is never
mistaken for a cached comparison result; ``plan.xlsx``, ``map.png`` and ``report.html`` are
removed here and written again by :mod:`siting.report`, so they never describe an older plan)."""
SHORTFALL_COLUMNS = ["standard", "label", "level", "group", "group_name", "function",
                     "required", "achieved", "missing", "unit", "cause"]


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """CSV in UTF-8 with a byte-order mark, so Excel shows Chinese names correctly."""
    df.to_csv(path, index=False, encoding="utf-8-sig")


def write_json(obj: dict, path: Path) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n",
                    encoding="utf-8")


MANIFEST = ".siting-manifest.json"
"""Which files of a folder siting wrote, with their SHA-256: a run replaces or removes only
files listed there and unchanged since (a file a person put there or edited is never lost)."""
OWNED_MARKERS = ("cache_key.txt",)
"""Files that only mean something to siting (a comparison's cache key): always removed when a
writer that manages them does not write them again, whoever wrote them."""


def _sha256(path: Path) -> str:
    from siting.data import file_sha256

    return file_sha256(path)


def read_manifest(folder: str | Path) -> dict[str, str] | None:
    """``{file name: sha256}`` of the files siting wrote in ``folder`` (``None``: no manifest,
    e.g. a folder written before manifests existed)."""
    p = Path(folder) / MANIFEST
    try:
        files = json.loads(p.read_text(encoding="utf-8")).get("files", {})
        return {str(k): str(v) for k, v in files.items()}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError):
        return {}  # unreadable: trust nothing in the folder


def foreign_files(folder: str | Path, names) -> list[str]:
    """Those of ``names`` present in ``folder`` that siting did not write, or that changed
    since it wrote them (never replaced or removed). A folder without a manifest is taken as
    written by an older siting: nothing in it is foreign."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        return []
    out = []
    for n in names:
        f = folder / n
        if n in OWNED_MARKERS or not f.exists():
            continue
        if not f.is_file() or manifest.get(n) != _sha256(f):
            out.append(n)
    return sorted(out)


def remove_stale_temporaries(folder: Path, max_age_s: float = 3600.0) -> None:
    """Remove ``.tmp-*`` folders a killed run left behind: those of a process no longer
    alive, or (with no process id in the name) older than ``max_age_s``."""
    import time

    for d in folder.glob(".tmp-*"):
        if not d.is_dir():
            continue
        parts = d.name.split("-")
        pid = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
        if pid is not None:
            stale = pid != os.getpid() and not _alive(pid)
        else:
            try:
                stale = time.time() - d.stat().st_mtime > max_age_s
            except OSError:
                stale = False
        if stale:
            shutil.rmtree(d, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class AtomicDir:
    """Collect files in a temporary folder, then move each into ``target`` atomically and
    record it in the folder's manifest (:data:`MANIFEST`).

    ``managed`` names the files this writer owns: one of them not written this time is
    removed if the manifest says siting wrote it and it is unchanged, so a folder never mixes
    files from two runs; any other file of that name is left alone. A file this writer would
    replace that siting did not write (or that was edited since) stops the write with a
    DataError before anything moves. In a folder without a manifest (written before manifests
    existed) files are replaced but only :data:`OWNED_MARKERS` are removed.
    Temporary folders left by killed runs are removed on entry. Any layer (data exports, the
    reporting layer) writes through this class, so all its files join the one manifest.
    """

    def __init__(self, target: str | Path, managed: tuple[str, ...] = ()):
        self.target = Path(target)
        self.managed = managed

    def __enter__(self) -> Path:
        self.target.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.target)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=self.target))
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._commit()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _commit(self) -> None:
        from siting.exceptions import DataError

        written = sorted(f.name for f in self.tmp.iterdir())
        foreign = foreign_files(self.target, written)
        if foreign:
            raise DataError([f"{self.target / n}: not written by siting, or changed since it "
                             "was; move it away (or choose another output folder) so it is not "
                             "replaced" for n in foreign])
        manifest = read_manifest(self.target)
        known = manifest or {}
        for n in self.managed:
            f = self.target / n
            if n in written or not f.exists():
                continue
            ours = n in OWNED_MARKERS or (f.is_file() and known.get(n) == _sha256(f))
            if ours:  # a file of an earlier run that this run does not write again
                f.unlink(missing_ok=True)
                known.pop(n, None)
        for n in written:
            f = self.tmp / n
            if f.is_file():
                known[n] = _sha256(f)
            os.replace(f, self.target / n)
        mtmp = self.tmp.with_name(self.tmp.name + ".manifest")
        mtmp.write_text(json.dumps({"files": dict(sorted(known.items()))}, indent=1) + "\n",
                        encoding="utf-8")
        os.replace(mtmp, self.target / MANIFEST)


def check_writable(folder: str | Path, names=PLAN_FILES) -> None:
    """Raise DataError now (before a long solve) if writing ``names`` into ``folder`` would
    replace a file siting did not write (one it would only have removed is left alone)."""
    from siting.exceptions import DataError

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DataError(f"{folder}: the output folder is a file")
    if folder.is_dir():
        foreign = foreign_files(folder, names)
        if foreign:
            raise DataError([f"{folder / n}: not written by siting, or changed since it was; "
                             "move it away (or choose another output folder) so it is not "
                             "replaced or removed" for n in foreign])


def _points(df: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)


def shortfall_table(plan: Plan) -> pd.DataFrame:
    """One row per standard missed (empty table with the columns if none)."""
    return pd.DataFrame(plan.summary.get("shortfalls", []), columns=SHORTFALL_COLUMNS)


def shortfall_zones(plan: Plan) -> pd.DataFrame:
    """Communities concerned by a shortfall (a street's shortfall marks all its communities)."""
    z = plan.data.zones
    rows = []
    for s in plan.summary.get("shortfalls", []):
        if s["level"] == "community":
            members = [s["group"]]
        elif s["level"] == "street":
            members = list(z.index[z["street"].astype(str) == s["group"]])
        else:
            members = list(z.index)
        for zid in members:
            rows.append({"zone_id": zid, "zone_name": z.at[zid, "name"],
                         "street": z.at[zid, "street"], "standard": s["standard"],
                         "level": s["level"], "missing": s["missing"], "unit": s["unit"],
                         "cause": s["cause"], "lon": float(z.at[zid, "lon"]),
                         "lat": float(z.at[zid, "lat"])})
    return pd.DataFrame(rows, columns=["zone_id", "zone_name", "street", "standard", "level",
                                       "missing", "unit", "cause", "lon", "lat"])


def by_year_table(plan: Plan) -> pd.DataFrame:
    """One row per plan year: spending, what starts and opens, coverage per function."""
    rows = []
    for y in plan.summary["by_year"]:
        row = {"year": y["year"], "budget": y["budget"], "spend": y["spend"],
               "started": "|".join(y["started"]), "opened": "|".join(y["opened"]),
               "weighted_coverage": y["weighted_coverage"]}
        row.update({f"coverage_{f}": c for f, c in y["coverage"].items()})
        for n, tg in enumerate(y["targets"]):
            row[f"target{n}_required"] = tg["communities_required"]
            row[f"target{n}_covered"] = tg["communities_covered"]
        rows.append(row)
    return pd.DataFrame(rows)


def zone_summary(plan: Plan) -> pd.DataFrame:
    """One row per zone: households, population and coverage per function (wide)."""
    z = plan.data.zones
    wide = plan.zones.pivot(index="zone_id", columns="function", values="coverage")
    wide.columns = [f"coverage_{c}" for c in wide.columns]
    w = plan.data.functions["weight"]
    share = plan.zones.assign(w=plan.zones["function"].map(w))
    weighted = (share["coverage"] * share["w"]).groupby(share["zone_id"]).sum() / \
        share.groupby("zone_id")["w"].sum()
    out = pd.DataFrame({"zone_name": z["name"], "street": z["street"],
                        "households": z["households"], "population": z["population"],
                        "weighted_coverage": weighted.reindex(z.index).round(6)})
    out = out.join(wide.round(6)).reset_index(names="zone_id")
    out["lon"], out["lat"] = z["lon"].to_numpy(), z["lat"].to_numpy()
    system = plan.data.meta.get("coordinates", {}).get("input", {}).get("zones", "wgs84")
    return add_input_columns(out, system)


def write_plan(plan: Plan, out_dir: str | Path) -> Path:
    """Write the data of ``plan`` (CSV, JSON, GeoPackage) into ``out_dir``; return the folder.
    For the workbook, map and report call :func:`siting.report.plan_outputs` on the folder."""
    out = Path(out_dir)
    with AtomicDir(out, managed=PLAN_FILES) as tmp:
        write_csv(plan.sites, tmp / "sites.csv")
        write_csv(plan.assignments, tmp / "assignments.csv")
        write_csv(plan.zones, tmp / "zones.csv")
        if plan.streets is not None:
            write_csv(plan.streets, tmp / "streets.csv")
        write_csv(shortfall_table(plan), tmp / "shortfalls.csv")
        for name, table in money_sheets(plan.summary, plan.sites).items():
            write_csv(table, tmp / f"{name}.csv")
        write_json(plan.summary, tmp / "summary.json")
        zs = zone_summary(plan)
        _points(plan.sites).to_file(tmp / "plan.gpkg", layer="sites", driver="GPKG")
        _points(zs).to_file(tmp / "plan.gpkg", layer="zones", driver="GPKG")
        sz = shortfall_zones(plan)
        if len(sz):
            _points(sz).to_file(tmp / "plan.gpkg", layer="shortfalls", driver="GPKG")
    return out
