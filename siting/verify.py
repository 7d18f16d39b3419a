"""Independent check of an exported plan against its inputs (``siting verify DIR``).

This module re-reads the input files named in ``summary.json`` and the exported CSVs, and
re-checks every constraint with its own code: it does not import the model, the problem
assembly or the distance code. Distances are recomputed as geodesic distances on the WGS84
ellipsoid (pyproj ``Geod``) times the detour factor — a different computation from the model's
projected k-d tree — or looked up in the user's table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Geod

from siting.config import Scenario
from siting.data import file_sha256, load_inputs, set_cell

REL_TOL = 1e-6
DIST_TOL = 0.005  # relative; UTM scale error inside a zone is < 0.1 %


@dataclass(frozen=True)
class Violation:
    """One broken constraint: its family, where, and what is wrong."""

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.message}"


def _tol(x: float) -> float:
    return 1e-6 + REL_TOL * abs(x)


AREA_TOL_M2 = 0.01
"""Exports round areas to 0.01 m²; a smaller excess is rounding, not a violation."""


def _split(v) -> list[str]:
    return [p.strip() for p in str(v).replace(",", "|").split("|") if p.strip()]


def read_plan(folder: str | Path) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    folder = Path(folder)
    missing = [n for n in ("summary.json", "sites.csv", "assignments.csv", "zones.csv")
               if not (folder / n).is_file()]
    if missing:
        from siting.exceptions import DataError

        raise DataError(f"{folder}: not a plan folder written by 'siting run' (missing "
                        f"{', '.join(missing)})")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    rd = lambda n: pd.read_csv(folder / n, encoding="utf-8-sig",  # noqa: E731
                               dtype={"zone_id": str, "site_id": str, "space_id": str})
    return summary, rd("sites.csv"), rd("assignments.csv"), rd("zones.csv")


def verify_plan(folder: str | Path) -> list[Violation]:
    """Re-check the plan in ``folder``; return every violation found (empty = valid)."""
    summary, sites, assign, zones_out = read_plan(folder)
    scen = Scenario.model_validate(summary["resolved_scenario"])
    changed = []
    for key, d in summary.get("inputs", {}).items():
        p = Path(d["path"])
        if not p.is_file():
            changed.append(Violation("inputs", key, f"input file {p} no longer exists"))
        elif d["sha256"] is not None and file_sha256(p) != d["sha256"]:
            changed.append(Violation("inputs", key, f"input file {p} changed since the plan "
                                                    "was made (sha256 differs)"))
    if any("no longer exists" in c.message for c in changed):
        return changed
    return changed + check(scen, sites, assign, zones_out, summary)


def check(scen: Scenario, sites: pd.DataFrame, assign: pd.DataFrame, zones_out: pd.DataFrame,
          summary: dict | None = None) -> list[Violation]:
    """Check a plan (as exported tables) against the scenario's input files."""
    v: list[Violation] = []
    inp = load_inputs(scen)
    fn = inp.functions.copy()
    for name, ov in scen.functions.items():
        for k, val in ov.model_dump(exclude_none=True).items():
            set_cell(fn, name, k, val)
    if "enabled" in fn.columns:
        fn = fn[fn["enabled"].fillna(True).astype(bool)]
    ch = inp.channels.copy()
    ch["cost_multiplier"] = 1.0
    for name, ov in scen.channels.items():
        for k, val in ov.model_dump(exclude_none=True).items():
            set_cell(ch, name, k, val)
    if "enabled" in ch.columns:
        ch = ch[ch["enabled"].fillna(True).astype(bool)]
    spaces, zones, existing = inp.spaces, inp.zones, inp.existing
    opts = scen.model

    # --- sites: channel, eligibility, area, units, cost ------------------------------------
    dup = sites["space_id"][sites["space_id"].duplicated()]
    for s in sorted(set(dup)):
        chans = ", ".join(sites.loc[sites["space_id"] == s, "channel"].astype(str))
        v.append(Violation("one_channel", f"space {s}", f"appears with several channels: "
                                                        f"{chans}"))
    total_capex = 0.0
    for _, r in sites.iterrows():
        sid, c = str(r["space_id"]), str(r["channel"])
        where = f"space {sid}"
        if sid not in spaces.index:
            v.append(Violation("unknown_space", where, "not in the spaces file"))
            continue
        sp = spaces.loc[sid]
        if c not in ch.index:
            v.append(Violation("channel_eligibility", where, f"channel {c!r} is unknown or "
                                                             "disabled in this scenario"))
            continue
        cr = ch.loc[c]
        if sp["kind"] not in cr["eligible_kinds"] or sp["ownership"] not in \
                cr["eligible_ownerships"] or (_split(sp.get("channels", ""))
                                              and c not in _split(sp.get("channels", ""))):
            v.append(Violation("channel_eligibility", where,
                               f"{sp['kind']} / {sp['ownership']} space cannot use channel {c!r}"))
        if cr["area_basis"] == "buildable":
            max_gross = float(sp.get("buildable_area_m2") or 0.0)
        else:
            max_gross = float(sp["floor_area_m2"]) * (1 + float(cr["max_area_growth"]))
        gross = float(r["floor_area_m2"])
        if gross > max_gross + _tol(max_gross) + AREA_TOL_M2:
            v.append(Violation("floor_area", where, f"takes {gross:g} m² but channel {c} "
                                                    f"allows at most {max_gross:g} m²"))
        used = 0.0
        fit = 0.0
        for f in fn.index:
            u = float(r.get(f"units_{f}", 0.0) or 0.0)
            if u <= 0:
                continue
            if opts.integer_units and abs(u - round(u)) > 1e-6:
                v.append(Violation("units", where, f"{f}: {u} units is not a whole number"))
            if u < float(fn.at[f, "min_units"]) - 1e-6 or u > float(fn.at[f, "max_units"]) + 1e-6:
                v.append(Violation("units", where, f"{f}: {u:g} units outside "
                                                   f"[{fn.at[f, 'min_units']:g}, "
                                                   f"{fn.at[f, 'max_units']:g}]"))
            used += u * float(fn.at[f, "area_per_unit_m2"])
            fit += u * float(fn.at[f, "fitout_cost_per_unit"])
        std = scen.standards
        usable = gross * float(cr["usable_factor"]) * (1.0 - std.office_share)
        units_here = {f: float(r.get(f"units_{f}", 0.0) or 0.0) for f in fn.index}
        shared = float(r.get("shared_area_m2", 0.0) or 0.0)
        can_share = _shareable(std, fn, units_here)
        if shared > can_share + AREA_TOL_M2:
            v.append(Violation("shared_use", where, f"claims {shared:g} m² shared between "
                                                    f"functions, the rules allow {can_share:g}"))
        if used - shared > usable + _tol(usable) + AREA_TOL_M2:
            v.append(Violation("floor_area", where, f"functions need {used - shared:g} m² but "
                                                    f"only {usable:g} m² is usable for services"))
        min_m2 = float(std.min_facility_m2.get(c, 0.0))
        if gross < min_m2 - AREA_TOL_M2:
            v.append(Violation("min_size", where, f"{gross:g} m² is below the {min_m2:g} m² "
                                                  f"minimum for a {c} facility"))
        for f, attrs in std.function_requirements.items():
            if units_here.get(f, 0.0) > 0:
                for attr in attrs:
                    if not bool(sp.get(attr, False)):
                        v.append(Violation("requirements", where, f"hosts {f}, which needs "
                                                                  f"{attr}, and the space has "
                                                                  "none"))
        if std.complexes.enabled and bool(r.get("complex", False)):
            cx = std.complexes
            hosted = {f for f, u in units_here.items() if u > 0}
            groups = sum(1 for fs in cx.core_groups.values() if hosted & set(fs))
            if gross < cx.min_m2 - AREA_TOL_M2 or len(hosted) < cx.min_functions \
                    or groups < cx.min_core_groups:
                v.append(Violation("complex", where, f"named a complex with {gross:g} m², "
                                                     f"{len(hosted)} functions and {groups} "
                                                     "core groups"))
        cpm = sp["cost_per_m2"] if pd.notna(sp.get("cost_per_m2")) else cr["cost_per_m2"]
        fix = sp["fixed_cost"] if pd.notna(sp.get("fixed_cost")) else cr["fixed_cost"]
        capex = (float(fix) + float(cpm) * gross) * float(cr["cost_multiplier"]) + fit
        total_capex += capex
        if abs(capex - float(r["capex"])) > 1e-4 * max(1.0, capex) + 0.05:
            v.append(Violation("cost", where, f"reported capex {float(r['capex']):,.2f} but "
                                              f"inputs give {capex:,.2f}"))
    v += _check_phasing(scen, sites, ch, fn)
    if opts.budget is not None and total_capex > opts.budget + _tol(opts.budget):
        v.append(Violation("budget", "plan", f"capital cost {total_capex:,.0f} exceeds the "
                                             f"budget {opts.budget:,.0f}"))
    n = sites["space_id"].nunique()
    if opts.n_spaces is not None and n != opts.n_spaces:
        v.append(Violation("space_count", "plan", f"{n} spaces opened, n_spaces is "
                                                  f"{opts.n_spaces}"))
    if opts.max_spaces is not None and n > opts.max_spaces:
        v.append(Violation("space_count", "plan", f"{n} spaces opened, max_spaces is "
                                                  f"{opts.max_spaces}"))

    # --- assignments: walking limits and capacity ------------------------------------------
    v += _check_assignments(scen, fn, sites, assign, zones, spaces, existing)

    v += _check_standard_reports(scen, fn, sites, assign, zones, existing, summary)
    # --- demand ----------------------------------------------------------------------------
    growth = scen.demand_growth
    got = assign.groupby(["zone_id", "function"])["served"].sum()
    serve_all = opts.objective in ("min_cost", "min_distance")
    for f in fn.index:
        base = fn.at[f, "demand_base"]
        d = fn.at[f, "demand_rate"] * zones[base].astype(float) * growth.get(base, 1.0) \
            / fn.at[f, "demand_per"]
        for z, dz in d.items():
            s = float(got.get((z, f), 0.0))
            if s > dz + _tol(dz):
                v.append(Violation("demand", f"zone {z}", f"{f}: served {s:g} exceeds "
                                                          f"demand {dz:g}"))
            elif serve_all and s < dz - 1e-5 * max(1.0, dz):
                v.append(Violation("demand", f"zone {z}", f"{f}: served {s:g} of demand {dz:g}"
                                                          f" but {opts.objective} serves all"))
    # --- internal consistency of the exports -----------------------------------------------
    if len(zones_out):
        zs = zones_out.set_index(["zone_id", "function"])["served"]
        diff = (zs - got.reindex(zs.index, fill_value=0.0)).abs()
        if (diff > 1e-4).any():
            z, f = diff.idxmax()
            v.append(Violation("consistency", f"zone {z}", f"zones.csv says {f} served "
                                                           f"{zs[(z, f)]:g}, assignments sum "
                                                           f"to {got.get((z, f), 0.0):g}"))
    if summary is not None and abs(summary.get("total_capex", total_capex) - total_capex) > \
            1e-4 * max(1.0, total_capex) + 1.0:
        v.append(Violation("consistency", "summary.json", f"total_capex "
                                                         f"{summary['total_capex']:,.2f} but "
                                                         f"sites sum to {total_capex:,.2f}"))
    return v


def _check_assignments(scen, fn, sites, assign, zones, spaces, existing) -> list[Violation]:
    v: list[Violation] = []
    if assign.empty:
        return v
    a = assign.copy()
    bad_f = ~a["function"].isin(fn.index)
    for _, r in a[bad_f].iterrows():
        v.append(Violation("assignment", f"zone {r['zone_id']}", f"unknown or disabled function "
                                                                  f"{r['function']!r}"))
    a = a[~bad_f]
    unknown_z = ~a["zone_id"].isin(zones.index)
    for z in a.loc[unknown_z, "zone_id"].unique():
        v.append(Violation("assignment", f"zone {z}", "not in the zones file"))
    a = a[~unknown_z]
    is_ex = a["site_id"].isin(existing.index)
    is_sp = a["site_id"].isin(spaces.index)
    for s in a.loc[~is_ex & ~is_sp, "site_id"].unique():
        v.append(Violation("assignment", f"site {s}", "not a space or existing facility"))
    a = a[is_ex | is_sp]
    # walking distance, recomputed
    if scen.distance.method == "network":
        dist = _network_distances(scen, a, zones, spaces, existing)
    elif scen.distance.method == "table":
        t = pd.read_csv(scen.distance.table, encoding="utf-8-sig",
                        dtype={"from_id": str, "to_id": str})
        lut = t.set_index(["from_id", "to_id"])["metres"]
        dist = np.array([lut.get((z, s), np.inf) for z, s in zip(a["zone_id"], a["site_id"])])
    else:
        loc = pd.concat([spaces[["lon", "lat"]], existing[["lon", "lat"]].astype(float)])
        geod = Geod(ellps="WGS84")
        _, _, d = geod.inv(zones.loc[a["zone_id"], "lon"].to_numpy(float),
                           zones.loc[a["zone_id"], "lat"].to_numpy(float),
                           loc.loc[a["site_id"], "lon"].to_numpy(float),
                           loc.loc[a["site_id"], "lat"].to_numpy(float))
        dist = np.asarray(d) * scen.distance.detour_factor
    limit = a["function"].map(fn["walking_limit_m"]).to_numpy(float)
    for (_, r), d, lim in zip(a.iterrows(), dist, limit):
        if d > lim * (1 + DIST_TOL) + 1.0:
            what = "no walking route in the distance table" if not np.isfinite(d) else \
                f"walk of {d:,.0f} m exceeds the {lim:g} m limit"
            v.append(Violation("walking_distance", f"zone {r['zone_id']} -> {r['site_id']}",
                               f"{r['function']}: {what}"))
    if scen.model.single_source:
        n_sites = a[a["served"] > 0].groupby(["zone_id", "function"])["site_id"].nunique()
        for (z, f), k in n_sites[n_sites > 1].items():
            v.append(Violation("single_source", f"zone {z}", f"{f}: served by {k} sites, "
                                                             "single_source allows one"))
    # capacity
    served = a.groupby(["site_id", "function"])["served"].sum()
    units = {}
    for _, r in sites.iterrows():
        for f in fn.index:
            units[(str(r["space_id"]), f)] = float(r.get(f"units_{f}", 0.0) or 0.0)
    excap = existing.reset_index().groupby(["facility_id", "function"])["capacity"].sum()
    for (s, f), q in served.items():
        if s in existing.index:
            cap = float(excap.get((s, f), 0.0))
            kind = f"existing {f} capacity"
        else:
            cap = units.get((s, f), 0.0)
            kind = f"{f} units built"
        if q > cap + _tol(cap):
            v.append(Violation("capacity", f"site {s}", f"serves {q:g} {f} but has {cap:g} "
                                                        f"({kind})"))
    if scen.model.fill_existing:
        for (e, f), cap in excap.items():
            if f in fn.index and float(served.get((e, f), 0.0)) < cap - _tol(cap):
                v.append(Violation("fill_existing", f"site {e}",
                                   f"serves {float(served.get((e, f), 0.0)):g} {f}, capacity "
                                   f"{cap:g} must be filled"))
    return v


def _check_phasing(scen: Scenario, sites: pd.DataFrame, ch: pd.DataFrame, fn: pd.DataFrame
                   ) -> list[Violation]:
    """Opening year = start year + whole years of lead time; yearly spending within budget
    (channel cost in the start year, fit-out in the opening year)."""
    ph = scen.phasing
    v: list[Violation] = []
    if not ph.enabled:
        return v
    if not {"start_year", "open_year"} <= set(sites.columns):
        return [Violation("phasing", "sites.csv", "phased plan without start_year/open_year")]
    spend = {t: 0.0 for t in ph.years}
    for _, r in sites.iterrows():
        where = f"space {r['space_id']}"
        c = str(r["channel"])
        if c not in ch.index:
            continue
        lead = float(ch.at[c, "lead_time_months"])
        years = max(0, int(np.ceil(lead / 12 - 1e-9)) - 1)
        start, opened = int(r["start_year"]), int(r["open_year"])
        if opened - start != years:
            v.append(Violation("lead_time", where, f"{c} takes {lead:g} months: started "
                                                   f"{start} it opens in {start + years}, "
                                                   f"not {opened}"))
        if start not in spend or opened not in spend:
            v.append(Violation("lead_time", where, f"starts {start} / opens {opened}, outside "
                                                   f"the plan years {ph.years}"))
            continue
        fit = sum(float(r.get(f"units_{f}", 0.0) or 0.0) * float(fn.at[f, "fitout_cost_per_unit"])
                  for f in fn.index)
        spend[start] += float(r["capex"]) - fit
        spend[opened] += fit
    cum_s = cum_b = 0.0
    for t in ph.years:
        cum_s, cum_b = cum_s + spend[t], cum_b + ph.budget_per_year[t]
        s, b = (cum_s, cum_b) if ph.carry_over else (spend[t], ph.budget_per_year[t])
        if s > b + _tol(b):
            v.append(Violation("year_budget", str(t), f"spending {s:,.0f} exceeds the "
                                                      f"{'cumulative ' if ph.carry_over else ''}"
                                                      f"budget {b:,.0f}"))
    return v


def _network_distances(scen: Scenario, a: pd.DataFrame, zones: pd.DataFrame,
                       spaces: pd.DataFrame, existing: pd.DataFrame) -> np.ndarray:
    """Walking distance of each assignment recomputed with networkx shortest paths (the model
    uses scipy's Dijkstra), snapping by brute force to the nearest node."""
    import networkx as nx
    from pyproj import CRS, Transformer

    from siting.network import read_network

    crs = CRS.from_user_input(scen_crs(zones))
    nodes, ei, ej, ew = read_network(scen.distance.network, crs)
    g = nx.Graph()
    for i, j, w in zip(ei.tolist(), ej.tolist(), ew.tolist()):
        if not g.has_edge(i, j) or g[i][j]["w"] > w:
            g.add_edge(i, j, w=w)
    tr = Transformer.from_crs(4326, crs, always_xy=True)
    loc = pd.concat([spaces[["lon", "lat"]], existing[["lon", "lat"]].astype(float)])

    def snap(lon, lat):
        x, y = tr.transform(lon, lat)
        d = np.hypot(nodes[:, 0] - x, nodes[:, 1] - y)
        k = int(np.argmin(d))
        return k, float(d[k])

    out = np.full(len(a), np.inf)
    by_site: dict[str, dict] = {}
    for n, (z, s) in enumerate(zip(a["zone_id"], a["site_id"])):
        if s not in by_site:
            ks, ds = snap(float(loc.at[s, "lon"]), float(loc.at[s, "lat"]))
            lengths = nx.single_source_dijkstra_path_length(g, ks, weight="w") \
                if ks in g else {ks: 0.0}
            by_site[s] = {"d": ds, "len": lengths}
        kz, dz = snap(float(zones.at[z, "lon"]), float(zones.at[z, "lat"]))
        path = by_site[s]["len"].get(kz)
        if path is not None:
            out[n] = path + dz + by_site[s]["d"]
    return out


def scen_crs(zones: pd.DataFrame) -> str:
    """The local UTM zone of the study area (as the model chooses it)."""
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    lon = (zones["lon"].min() + zones["lon"].max()) / 2
    lat = (zones["lat"].min() + zones["lat"].max()) / 2
    info = query_utm_crs_info(datum_name="WGS 84",
                              area_of_interest=AreaOfInterest(lon, lat, lon, lat))
    return f"EPSG:{info[0].code}"


def _shareable(std, fn: pd.DataFrame, units: dict[str, float]) -> float:
    """An upper bound on the floor area the shared-use rules can save in one site: per
    (unordered) pair, factor x the smaller area, and in all no more than the largest factor
    times half the area of the functions involved (each function's area is shared once)."""
    area = {f: units.get(f, 0.0) * float(fn.at[f, "area_per_unit_m2"]) for f in fn.index}
    pairs: dict[tuple, float] = {}
    for su in std.shared_use:
        f, g = sorted(su.functions)
        if f != g and f in area and g in area:
            pairs[(f, g)] = max(pairs.get((f, g), 0.0), su.factor)
    if not pairs:
        return 0.0
    per_pair = sum(c * min(area[f], area[g]) for (f, g), c in pairs.items())
    involved = {f for p in pairs for f in p}
    return min(per_pair, max(pairs.values()) * sum(area[f] for f in involved) / 2)


def _check_standard_reports(scen: Scenario, fn: pd.DataFrame, sites: pd.DataFrame,
                            assign: pd.DataFrame, zones: pd.DataFrame, existing: pd.DataFrame,
                            summary: dict | None) -> list[Violation]:
    """Every function minimum and 'one complex per street' that the plan misses must be
    reported in the plan's shortfalls with at least the amount missing (and, in hard mode,
    nothing may be missed). Recomputed from the exported assignments and sites."""
    std = scen.standards
    v: list[Violation] = []
    reported: dict[tuple, float] = {}
    for s in (summary or {}).get("shortfalls", []):
        reported[(s["standard"], str(s["group"]))] = float(s["missing"])
    growth = scen.demand_growth

    def groups(level: str) -> dict[str, list]:
        if level == "community":
            return {z: [z] for z in zones.index}
        if level == "street":
            out: dict[str, list] = {}
            for z, st in zones["street"].astype(str).items():
                out.setdefault(st or "(no street)", []).append(z)
            return out
        return {"city": list(zones.index)}

    def expect(standard: str, group: str, required: float, achieved: float) -> None:
        missing = required - achieved
        if missing <= 1e-6 * max(1.0, required) + 1e-6:
            return
        got = reported.get((standard, group), 0.0)
        if std.mode == "hard":
            v.append(Violation("standard", f"{standard} {group}", f"{achieved:g} of "
                                                                   f"{required:g} in hard mode"))
        elif got < missing - 1e-3 * max(1.0, missing):
            v.append(Violation("standard", f"{standard} {group}", f"short by {missing:g}, "
                                                                   f"reported {got:g}"))

    served = assign.groupby(["zone_id", "function"])["served"].sum()
    for fs in std.function_minimums:
        if fs.function not in fn.index:
            continue
        coef = float(fn.at[fs.function, "area_per_unit_m2"]) if fs.measure == "m2" else 1.0
        for g, members in groups(fs.level).items():
            base = float(zones.loc[members, fs.base].astype(float).sum()) * growth.get(fs.base,
                                                                                       1.0)
            req = fs.amount * base / fs.per
            if fs.count == "served":
                got = sum(float(served.get((z, fs.function), 0.0)) for z in members)
            else:
                here = sites if fs.level == "city" else sites[sites["street"].astype(str) == g]
                got = float(here.get(f"units_{fs.function}", pd.Series(dtype=float)).sum())
                if fs.level == "city":
                    got += float(existing.loc[existing["function"] == fs.function,
                                              "capacity"].sum())
            expect(f"function_minimum:{fs.function}", g, req, coef * got)
    cx = std.complexes
    if cx.enabled and cx.one_per_street:
        have = sites[sites["complex"].astype(str).str.lower() == "true"] \
            if "complex" in sites.columns else sites.iloc[:0]
        per_street = have["street"].astype(str).value_counts()
        for st in sorted({str(x) or "(no street)" for x in zones["street"]}):
            expect("complex_per_street", st, 1.0, float(min(1, per_street.get(st, 0))))
    return v
