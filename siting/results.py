"""Turn a solved model into a :class:`Plan`: ID-keyed tables and a summary.

Only reads variable values after :mod:`siting.solve` reported a feasible solution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from siting import __version__
from siting.config import Scenario
from siting.coords import add_input_columns, output_columns
from siting.data import file_sha256
from siting.decisions import decisions_summary, mark_sites
from siting.model import BuiltModel
from siting.problem import ProblemData
from siting.solve import SolveResult

EPS = 1e-6


@dataclass(frozen=True)
class Plan:
    """A recommended plan.

    sites : one row per chosen space (channel, area, capex, units and served per function).
    assignments : zone_id, site_id, function, served, distance_m (existing facilities too).
    zones : zone_id, function, demand, served, coverage.
    summary : status, objective, gap, costs, demand and service per function, inputs, options.
    """

    sites: pd.DataFrame
    assignments: pd.DataFrame
    zones: pd.DataFrame
    summary: dict
    data: ProblemData = field(repr=False)
    streets: pd.DataFrame | None = None
    """street x function: demand, served, coverage (:func:`siting.equity.street_table`)."""




def read_phasing(built: BuiltModel, data: ProblemData, sites: pd.DataFrame) -> dict:
    """Start and opening year of each chosen space, and per year: what starts, what opens,
    spending, coverage per function and communities covered for each target."""
    from siting.model.phasing import years_to_open

    m, idx, ph = built.model, built.index, built.phasing
    start, opened = {}, {}
    for j, k, t in m.OPEN_IN:
        if pyo.value(m.open_in[j, k, t]) > 0.5:
            opened[j] = int(t)
            start[j] = int(t) - years_to_open(float(data.channels.at[k, "lead_time_months"]))
    demand = data.demand.groupby(level="function").sum()
    last = ph.years[-1]
    by_year = []
    for t in ph.years:
        served: dict[str, float] = {}
        for p in range(idx.n_pairs):
            v = pyo.value(m.serve[p]) if t == last else pyo.value(m.serve_in[p, t])
            f = idx.pair_function[p]
            served[f] = served.get(f, 0.0) + v
        cov = {f: round(served.get(f, 0.0) / demand[f], 6) for f in data.functions.index
               if demand.get(f, 0) > 0}
        w = data.functions["weight"]
        targets = []
        for n, tg in enumerate(ph.targets):
            if tg.year == t:
                got = sum(pyo.value(m.covered[nn, i]) for nn, i in m.COVERED if nn == n)
                targets.append({"communities_required": tg.communities,
                                "communities_covered": int(round(got))})
        by_year.append({
            "year": int(t),
            "started": sorted(j for j, y in start.items() if y == t),
            "opened": sorted(j for j, y in opened.items() if y == t),
            "spend": round(float(pyo.value(m.phasing_spend[t])), 2),
            "budget": float(ph.budget_per_year[t]),
            "coverage": cov,
            "weighted_coverage": round(sum(w[f] * c for f, c in cov.items())
                                       / float(w[list(cov)].sum()), 6) if cov else 0.0,
            "targets": targets,
        })
    return {"start": start, "open": opened, "by_year": by_year}


def read_shortfalls(built: BuiltModel, tol: float = 1e-6) -> list[dict]:
    """Every standard missed in the solved model: where, how much (cause added later)."""
    m, info = built.model, built.standards_index
    out = []
    for k, meta in info.shortfalls.items():
        req = float(meta["required"])
        miss = float(pyo.value(getattr(m, meta.get("var", "shortfall"))[k]))
        if miss <= tol * max(1.0, req):
            continue
        out.append({
            "key": k, "standard": meta["standard"], "label": meta["label"],
            "level": meta["level"], "group": meta["group"], "group_name": meta["group_name"],
            "function": meta["function"], "required": round(req, 3),
            "achieved": round(req - miss, 3), "missing": round(miss, 3), "unit": meta["unit"],
            "cause": "",
        })
    return out


def _clean(x: float) -> float:
    """Round away solver noise (1e-9) so exports are stable and readable."""
    v = round(float(x), 6)
    return 0.0 if abs(v) < EPS else v


def extract(built: BuiltModel, data: ProblemData, result: SolveResult, scenario: Scenario,
            timings: dict | None = None) -> Plan:
    """Read the plan out of a solved model."""
    if not result.has_solution:
        raise ValueError("extract() needs a solve result with a feasible solution")
    m, idx = built.model, built.index
    funcs = list(data.functions.index)

    chosen = [(j, k) for (j, k) in idx.options if pyo.value(m.build[j, k]) > 0.5]
    complex_ids = {j for j in m.COMPLEX_SITES if pyo.value(m.complex[j]) > 0.5}
    units = {h: pyo.value(m.units[h]) for h in idx.hosts}
    if built.options.integer_units:
        units = {h: float(round(v)) for h, v in units.items()}
    serve = np.array([pyo.value(m.serve[p]) for p in range(idx.n_pairs)], dtype=float)
    serve = np.where(np.abs(serve) < EPS, 0.0, serve)

    assign = idx.pair_flows(serve)  # merged demands split back per community
    assign["served"] = np.round(assign["served"].to_numpy(dtype=float), 6)
    assign["distance_m"] = np.round(assign["distance_m"].to_numpy(dtype=float), 1)
    assign = assign[assign["served"] > 0].reset_index(drop=True)
    assign["site_type"] = np.where(assign["site_id"].isin(data.existing.index), "existing",
                                   "new")
    served_at = assign.groupby(["site_id", "function"])["served"].sum()

    fn = data.functions
    from siting.money import funding_sources, money_summary, site_rent

    rent = site_rent(built, data, scenario, chosen)
    opex_of = fn["opex_per_unit_year"].astype(float).to_dict()
    rows = []
    for j, k in chosen:
        sp = data.spaces.loc[j]
        gross = _clean(pyo.value(m.gross[j, k]))
        usable = gross * idx.usable[(j, k)]
        channel_cost = idx.fixed_cost[(j, k)] + idx.cost_per_m2[(j, k)] * gross
        fit = sum(idx.fitout[f] * units.get((j, f), 0.0) for f in funcs)
        opex = sum(opex_of[f] * units.get((j, f), 0.0) for f in funcs)
        row = {
            "space_id": j, "space_name": sp["name"], "street": sp.get("street", ""),
            "district": sp.get("district", ""),
            "kind": sp["kind"], "ownership": sp["ownership"], "channel": k,
            "floor_area_m2": round(gross, 2), "usable_area_m2": round(usable, 2),
            "used_area_m2": round(sum(idx.area_per_unit[f] * units.get((j, f), 0.0)
                                      for f in funcs), 2),
            "channel_cost": round(channel_cost, 2), "fitout_cost": round(fit, 2),
            "capex": round(channel_cost + fit, 2), "opex_per_year": round(opex, 2),
            "rent_per_year": rent[j],
            "lead_time_months": float(data.channels.at[k, "lead_time_months"]),
            "n_functions": sum(1 for f in funcs if units.get((j, f), 0.0) > 0),
            "shared_area_m2": round(sum(idx.shared[key] * pyo.value(m.shared[key])
                                        for key in idx.shared_of.get(j, [])), 2),
            "complex": bool(j in complex_ids),
        }
        for f in funcs:
            row[f"units_{f}"] = units.get((j, f), 0.0)
        for f in funcs:
            row[f"served_{f}"] = round(float(served_at.get((j, f), 0.0)), 6)
        row["lon"], row["lat"] = float(sp["lon"]), float(sp["lat"])
        rows.append(row)
    cols = (["space_id", "space_name", "street", "district", "kind", "ownership", "channel",
             "floor_area_m2", "usable_area_m2", "used_area_m2", "channel_cost", "fitout_cost",
             "capex", "opex_per_year", "rent_per_year", "lead_time_months", "n_functions",
             "shared_area_m2",
             "complex"]
            + [f"units_{f}" for f in funcs] + [f"served_{f}" for f in funcs] + ["lon", "lat"])
    sites = pd.DataFrame(rows, columns=cols).sort_values("space_id").reset_index(drop=True)
    systems = data.meta.get("coordinates", {}).get("input", {})
    sites = add_input_columns(sites, systems.get("spaces", "wgs84"))

    served_zone = assign.groupby(["zone_id", "function"])["served"].sum()
    zones = data.demand.rename("demand").reset_index()
    zones["served"] = served_zone.reindex(
        pd.MultiIndex.from_arrays([zones["zone_id"], zones["function"]]), fill_value=0.0) \
        .astype(float).round(6).to_numpy()
    zones["coverage"] = np.where(zones["demand"] > 0, zones["served"] / zones["demand"], 1.0)
    zones.insert(1, "zone_name", data.zones.loc[zones["zone_id"], "name"].to_numpy())
    zones.insert(2, "street", data.zones.loc[zones["zone_id"], "street"].to_numpy())
    zones["demand"] = zones["demand"].round(6)
    zones = zones.sort_values(["zone_id", "function"]).reset_index(drop=True)
    if output_columns(systems.get("zones", "wgs84")):
        zones["lon"] = data.zones.loc[zones["zone_id"], "lon"].to_numpy(dtype=float)
        zones["lat"] = data.zones.loc[zones["zone_id"], "lat"].to_numpy(dtype=float)
        zones = add_input_columns(zones, systems["zones"])

    sites = mark_sites(sites, data.decisions, data.spaces)
    summary = _summary(data, result, scenario, sites, assign, zones, timings or {})
    summary["decisions"] = decisions_summary(data.decisions, sites, data.spaces)
    zones, streets, summary["equity"] = _equity(built, data, zones, sites, scenario)
    summary["shortfalls"] = read_shortfalls(built)
    if built.phasing.enabled:
        years = read_phasing(built, data, sites)
        sites.insert(sites.columns.get_loc("lead_time_months") + 1, "start_year",
                     sites["space_id"].map(years["start"]))
        sites.insert(sites.columns.get_loc("start_year") + 1, "open_year",
                     sites["space_id"].map(years["open"]))
        summary["by_year"] = years["by_year"]
    summary["n_complexes"] = len(complex_ids)
    summary["objective_terms"] = objective_terms(built, result, serve)
    summary["scenario_file"] = scenario_source(scenario)
    summary.update(money_summary(built, data, scenario, sites, zones, assign,
                                 summary.get("by_year")))
    if "funding" in summary:
        sites["funding_source"] = funding_sources(summary, sites)
    return Plan(sites=sites, assignments=assign[["zone_id", "site_id", "function", "served",
                                                 "distance_m", "site_type"]],
                zones=zones, summary=summary, data=data, streets=streets)


def _equity(built: BuiltModel, data: ProblemData, zones: pd.DataFrame, sites: pd.DataFrame,
            scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Equity figures (:mod:`siting.equity`): zones gain ``reachable`` and
    ``access_2sfca``."""
    from siting.equity import measure
    from siting.model.equity import reachable_demand

    keys = list(reachable_demand(built.index))
    reach = pd.Series(True, index=pd.MultiIndex.from_tuples(keys, names=["zone_id",
                                                                          "function"])
                      if keys else data.demand.index[:0], dtype=bool)
    section, streets, cols = measure(data, zones, sites, reach, scenario.equity)
    key = pd.MultiIndex.from_arrays([zones["zone_id"], zones["function"]])
    zones = zones.copy()
    zones["reachable"] = cols["reachable"].reindex(key, fill_value=False).to_numpy()
    zones["access_2sfca"] = cols["access_2sfca"].reindex(key, fill_value=0.0).round(6) \
        .to_numpy()
    return zones, streets, section


def objective_terms(built: BuiltModel, result: SolveResult, serve: np.ndarray) -> dict:
    """The objective split into what ``siting verify`` can recompute: ``primary`` (coverage
    score, capital plus pair cost, or walking total), ``tie_break`` (the secondary term, as it
    enters the objective) and ``other`` (standards, phasing and any further terms), summing to
    ``objective``."""
    m, idx, name = built.model, built.index, built.options.objective
    pair_cost = float(np.dot(np.asarray(idx.pair_cost, dtype=float), serve)) \
        if len(serve) else 0.0
    tau = float(pyo.value(m.tie_break)) if built.options.tie_break else 0.0
    if name == "max_coverage":
        primary, tie = float(pyo.value(m.coverage_score)), -tau * float(pyo.value(m.capex))
    elif name == "min_cost":
        primary = float(pyo.value(m.capex)) + pair_cost
        tie = tau * float(pyo.value(m.walk_total))
    elif name == "min_distance":
        primary = float(pyo.value(m.walk_total)) + pair_cost
        tie = tau * float(pyo.value(m.capex))
    else:  # an objective the verifier does not recompute
        primary, tie = None, 0.0
    obj = float(result.objective)
    return {"primary": primary, "tie_break": tie,
            "other": obj - (primary or 0.0) - tie}


def scenario_source(scenario: Scenario) -> dict | None:
    """The scenario file (path, SHA-256) and ``--set`` overrides the scenario was loaded
    from, for ``siting verify`` to load it again; ``None`` for a scenario made in code."""
    src = getattr(scenario, "_source", None)
    if not src:
        return None
    path = Path(src["path"])
    return {"path": str(path), "sha256": file_sha256(path) if path.is_file() else None,
            "overrides": src.get("overrides") or {}}


WALKING_CIRCLES_M = (300, 500, 1000)
"""The 5-, 10- and 15-minute walking circles (GB 50180-2018, Table 3.0.4)."""


def households_within(data: ProblemData, site_ids: list[str], radii=WALKING_CIRCLES_M
                      ) -> dict[str, float | None]:
    """Households living within each walking distance of any of ``site_ids``.

    Distances are known up to the largest walking limit; a circle beyond it is reported as
    ``None`` (unknown), never as zero.
    """
    reach = data.reach if data.reach is not None else data.pairs
    p = reach[reach["site_id"].isin(site_ids)]
    nearest = p.groupby("zone_id")["distance_m"].min()
    horizon = float(data.functions["walking_limit_m"].max())
    hh = data.zones["households"].astype(float)
    return {str(r): (round(float(hh[nearest.index[nearest <= r]].sum()), 1)
                     if r <= horizon else None) for r in radii}


def _summary(data: ProblemData, result: SolveResult, scenario: Scenario, sites: pd.DataFrame,
             assign: pd.DataFrame, zones: pd.DataFrame, timings: dict) -> dict:
    fn = data.functions
    demand = zones.groupby("function")["demand"].sum()
    served = zones.groupby("function")["served"].sum()
    served_new = assign[assign["site_type"] == "new"].groupby("function")["served"].sum()
    per_function = {}
    for f in fn.index:
        d, s = float(demand.get(f, 0.0)), float(served.get(f, 0.0))
        per_function[f] = {
            "unit": fn.at[f, "unit"], "demand": round(d, 3), "served": round(s, 3),
            "served_by_new": round(float(served_new.get(f, 0.0)), 3),
            "coverage": round(s / d, 6) if d > 0 else None,
            "units_new": float(sites[f"units_{f}"].sum()) if len(sites) else 0.0,
            "walking_limit_m": float(fn.at[f, "walking_limit_m"]),
            "weight": float(fn.at[f, "weight"]),
        }
    wsum = max(float(fn["weight"].sum()), 1e-12)

    def weighted(key: str) -> float:
        return round(sum(per_function[f]["weight"] * per_function[f][key] / per_function[f]
                         ["demand"] for f in fn.index if per_function[f]["demand"] > 0) / wsum, 6)

    chosen = list(sites["space_id"]) + list(data.existing.index)
    inputs = {k: {"path": str(v), "sha256": file_sha256(v) if Path(v).is_file() else None}
              for k, v in scenario.data.files().items()}
    for key, extra in (("distance_table", scenario.distance.table),
                       ("network", scenario.distance.network)):
        if extra is not None:
            inputs[key] = {"path": str(extra), "sha256": file_sha256(extra)}
    return {
        "scenario": scenario.name,
        "description": scenario.description,
        "status": result.status,
        "objective_name": scenario.model.objective,
        "objective": result.objective,
        "bound": result.bound,
        "mip_gap": result.mip_gap,
        "solve_seconds": round(result.runtime_s, 3),
        "first_plan_seconds": (None if result.first_plan_s is None
                               else round(result.first_plan_s, 3)),
        "timings_s": {k: round(v, 3) for k, v in {**timings,
                                                   "handover": result.handover_s}.items()},
        "solver": result.solver,
        "termination": result.termination,
        "budget": scenario.model.budget,
        "total_capex": round(float(sites["capex"].sum()), 2) if len(sites) else 0.0,
        "total_opex_per_year": round(float(sites["opex_per_year"].sum()), 2) if len(sites)
        else 0.0,
        "n_sites": int(len(sites)),
        "sites_by_channel": {k: int(v) for k, v in sites["channel"].value_counts()
                             .sort_index().items()} if len(sites) else {},
        "capex_by_channel": {k: round(float(v), 2) for k, v in
                             sites.groupby("channel")["capex"].sum().sort_index().items()}
        if len(sites) else {},
        "functions": per_function,
        "weighted_coverage": weighted("served"),
        "weighted_coverage_new": weighted("served_by_new"),
        "households_total": float(data.zones["households"].sum()),
        "households_within_m": households_within(data, chosen, WALKING_CIRCLES_M),
        "distance": {"method": data.distance_method, "crs": data.crs,
                     "detour_factor": data.meta.get("detour_factor"),
                     "network": str(scenario.distance.network) if scenario.distance.network
                     else None,
                     "straight_vs_network": data.meta.get("straight_vs_network"),
                     "network_warnings": data.meta.get("network_warnings", [])},
        "coordinates": data.meta.get("coordinates"),
        "inputs": inputs,
        "resolved_scenario": scenario.model_dump(mode="json"),
        "siting_version": __version__,
    }
