"""Read what a folder written by ``siting run``, ``compare`` or ``sweep`` holds.

The reporting layer works from folders only (``summary.json``, the CSV files, ``plan.gpkg``), so
``siting report DIR`` on a folder written last week gives the same report as ``siting run``.
Map context that the folder does not hold — candidate spaces not chosen, existing facilities,
the walking network — is read from the input files the plan's ``summary.json`` names; when they
are gone (a folder e-mailed to another PC) the map goes without them.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from siting.exceptions import SitingError
from siting.paths import name_problem

log = logging.getLogger(__name__)


def read_csv(path: Path, **kw) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", **kw)


def folder_kind(folder: Path) -> str:
    """``plan``, ``comparison`` or ``sweep`` (or ``alternatives`` once #13 writes them)."""
    folder = Path(folder)
    if (folder / "summary.json").is_file() and (folder / "sites.csv").is_file():
        return "plan"
    if (folder / "comparison.csv").is_file():
        return "comparison"
    if (folder / "results.csv").is_file() and (folder / "runs").is_dir():
        return "sweep"
    if (folder / "alternatives.csv").is_file():
        return "alternatives"
    raise SitingError(f"{folder}: not a folder written by siting (no summary.json, "
                      "comparison.csv or results.csv in it)")


@dataclass
class Context:
    """Map context from the inputs, in WGS84 lon/lat: candidates, existing facilities, network
    line segments (``segments``: array (n, 2, 2)) and function / channel catalogue labels."""

    spaces: pd.DataFrame | None = None
    existing: pd.DataFrame | None = None
    segments: np.ndarray | None = None
    barriers: np.ndarray | None = None
    """Lines of the network file nobody walks on (railways, motorways, ``walkable`` false)."""
    function_labels: dict[str, str] = field(default_factory=dict)


@functools.lru_cache(maxsize=8)
def _context(resolved_json: str) -> Context:
    from siting.config import Scenario
    from siting.data import load_inputs

    ctx = Context()
    try:
        scenario = Scenario.model_validate(json.loads(resolved_json))
        inputs = load_inputs(scenario)
    except Exception as exc:  # noqa: BLE001 - context is optional; say why it is missing
        log.warning("map drawn without candidates and existing facilities: inputs not "
                    "readable (%s)", str(exc).splitlines()[0][:200])
        return ctx
    ctx.spaces = inputs.spaces.reset_index(names="space_id")
    ctx.existing = inputs.existing.reset_index(names="facility_id") \
        if len(inputs.existing) else None
    if "label_zh" in inputs.functions:
        ctx.function_labels = {f: str(v) for f, v in inputs.functions["label_zh"].items()
                               if isinstance(v, str) and v}
    net = scenario.distance.network if scenario.distance.method == "network" else None
    if net is not None:
        try:
            ctx.segments, ctx.barriers = network_lines(Path(net))
        except Exception as exc:  # noqa: BLE001
            log.warning("map drawn without the street network %s: %s", net, exc)
    return ctx


def _segments(geoms) -> np.ndarray:
    segs = [np.stack([c[:-1], c[1:]], axis=1) for g in geoms
            for c in [np.asarray(g.coords)[:, :2]] if len(c) > 1]
    return np.concatenate(segs) if segs else np.zeros((0, 2, 2))


def network_lines(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Walkable segments and barrier lines (lon/lat) of a network file, for drawing."""
    if path.suffix.lower() == ".graphml" or path.name.lower().endswith(
            (".osm", ".osm.pbf", ".pbf", ".osm.bz2")):
        from pyproj import CRS

        from siting.network import read_network

        nodes, ei, ej, _ = read_network(path, CRS.from_epsg(4326))
        return np.stack([nodes[ei], nodes[ej]], axis=1), None
    import geopandas as gpd

    from siting.network import NOT_WALKABLE

    gdf = gpd.read_file(path).to_crs(4326).explode(index_parts=False)
    gdf = gdf[gdf.geom_type == "LineString"]
    walk = pd.Series(True, index=gdf.index)
    if "walkable" in gdf:
        walk &= gdf["walkable"].astype(str).str.lower().isin(["true", "1", "yes"])
    if "highway" in gdf:
        walk &= ~gdf["highway"].astype(str).isin(NOT_WALKABLE | {"rail", "railway"})
    bar = _segments(gdf.geometry[~walk])
    return _segments(gdf.geometry[walk]), bar if len(bar) else None


@dataclass
class PlanFolder:
    """A plan folder, read once: summary, site/assignment/zone tables and the zone summary
    (one row per community, coverage per function, lon/lat)."""

    path: Path
    summary: dict
    sites: pd.DataFrame
    assignments: pd.DataFrame
    zones_long: pd.DataFrame
    zones: pd.DataFrame
    shortfalls: pd.DataFrame

    @classmethod
    def read(cls, folder: str | Path) -> PlanFolder:
        folder = Path(folder)
        if not (folder / "summary.json").is_file():
            raise SitingError(f"{folder}: no summary.json (not a plan folder)")
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        ids = {"space_id": str, "zone_id": str, "site_id": str}
        sites = read_csv(folder / "sites.csv", dtype=ids)
        assignments = read_csv(folder / "assignments.csv", dtype=ids)
        zones_long = read_csv(folder / "zones.csv", dtype=ids)
        sf = folder / "shortfalls.csv"
        shortfalls = read_csv(sf, dtype={"group": str}) if sf.is_file() else pd.DataFrame()
        gpkg = folder / "plan.gpkg"
        if gpkg.is_file():
            import geopandas as gpd

            z = gpd.read_file(gpkg, layer="zones")
            zones = pd.DataFrame(z.drop(columns="geometry"))
            zones["zone_id"] = zones["zone_id"].astype(str)
        else:  # older folders: coverage only, no location
            zones = zones_long.pivot_table(index=["zone_id", "zone_name", "street"],
                                           columns="function", values="coverage")
            zones.columns = [f"coverage_{c}" for c in zones.columns]
            zones = zones.reset_index()
        return cls(folder, summary, sites, assignments, zones_long, zones, shortfalls)

    @property
    def functions(self) -> list[str]:
        return list(self.summary["functions"])

    @property
    def context(self) -> Context:
        rs = self.summary.get("resolved_scenario")
        if not rs:
            return Context()
        return _context(json.dumps(rs, sort_keys=True, default=str))

    @property
    def labels(self) -> dict[str, str]:
        """Function code -> catalogue label_zh."""
        return self.context.function_labels

    @property
    def units(self) -> dict[str, str]:
        return {f: d.get("unit", "") for f, d in self.summary["functions"].items()}

    def space_names(self) -> dict[str, str]:
        names = dict(zip(self.sites["space_id"], self.sites["space_name"]))
        if self.context.spaces is not None:
            for sid, name in zip(self.context.spaces["space_id"], self.context.spaces["name"]):
                names.setdefault(str(sid), str(name))
        ex = self.context.existing
        if ex is not None:
            names.update(zip(ex["facility_id"].astype(str), ex["name"].astype(str)))
        return names

    def shortfall_zone_ids(self) -> list[str]:
        """Communities concerned by a community or street standard missed (a street's marks
        all its communities). City-wide and yearly shortfalls concern no place in particular:
        see :meth:`wide_shortfalls`."""
        out: list[str] = []
        for s in self.summary.get("shortfalls", []):
            if s["level"] == "community":
                out.append(str(s["group"]))
            elif s["level"] == "street":
                out += list(self.zones.loc[self.zones["street"].astype(str) == s["group"],
                                           "zone_id"].astype(str))
        return list(dict.fromkeys(out))

    def wide_shortfalls(self) -> list[dict]:
        """Standards missed for the whole city (or a year), not for a place."""
        return [s for s in self.summary.get("shortfalls", [])
                if s["level"] not in ("community", "street")]


def plan_dirs_of(folder: Path, table: pd.DataFrame) -> dict[str, Path]:
    """The plan folder of each scenario of a comparison that has a plan."""
    out = {}
    ok = table[table["status"].isin(["optimal", "time_limit"])]
    for name in ok["scenario"].astype(str):
        if name_problem(name):  # a name from a file on disk never leads outside the folder
            continue
        d = folder / name
        if (d / "summary.json").is_file():
            out[name] = d
    return out


@dataclass
class SweepFolder:
    """A sweep folder: results table, the sweep's spec (``sweep.json``), selection frequency
    and Sobol indices where present."""

    path: Path
    table: pd.DataFrame
    spec: dict
    freq: pd.DataFrame | None
    sobol: pd.DataFrame | None


def read_sweep(folder: str | Path) -> SweepFolder:
    folder = Path(folder)
    table = read_csv(folder / "results.csv", dtype={"run_id": str})
    spec_file = folder / "sweep.json"
    spec = json.loads(spec_file.read_text(encoding="utf-8")) if spec_file.is_file() else {
        "parameters": {c: {} for c in table.columns[1:table.columns.get_loc("status")]}}

    def opt(name):
        f = folder / name
        return read_csv(f, dtype={"space_id": str}) if f.is_file() else None

    return SweepFolder(folder, table, spec, opt("selection_frequency.csv"),
                       opt("sobol_indices.csv"))
