"""Explain why a scenario cannot be met: which community, which function, how much, and why.

Used when an objective that must serve all demand (``min_cost``, ``min_distance``) is
infeasible. The explanation comes from an *elastic* re-solve: the same model with demand as an
upper bound (maximise coverage), so every shortfall is measured, and a second elastic solve
without the budget and space-count rows tells whether money or space is the binding cause.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from siting.config import Scenario
from siting.model import build_model
from siting.model.money import Money
from siting.problem import ProblemData


def unreachable_demand(data: ProblemData) -> list[dict]:
    """Demand with no candidate space or existing facility within the walking limit at all."""
    reach = pd.MultiIndex.from_frame(data.pairs[["zone_id", "function"]]).unique()
    out = []
    for (z, f), d in data.demand.items():
        if (z, f) in reach:
            continue
        limit = float(data.functions.at[f, "walking_limit_m"])
        out.append(_shortfall(data, z, f, d, 0.0,
                              f"no candidate space or existing {f} facility within {limit:g} m"))
    return out


def _shortfall(data: ProblemData, z: str, f: str, demand: float, served: float, cause: str
               ) -> dict:
    name = data.zones.at[z, "name"]
    unit = data.functions.at[f, "unit"]
    missing = demand - served
    return {
        "standard": "demand", "zone_id": z, "zone_name": name,
        "street": data.zones.at[z, "street"], "function": f,
        "required": round(float(demand), 3), "achievable": round(float(served), 3),
        "missing": round(float(missing), 3), "unit": unit, "cause": cause,
        "what": f"{name} ({z}): {f} short by {missing:.2f} {unit} of {demand:.2f} — {cause}",
    }


def _elastic_served(data: ProblemData, scenario: Scenario, relax_limits: bool
                    ) -> pd.Series | None:
    from siting.solve import solve  # local: solve imports the model

    changes = {"objective": "max_coverage", "tie_break": 0.0}
    if relax_limits:
        changes.update(budget=None, n_spaces=None, max_spaces=None)
    opts = scenario.model.update(**changes)
    money = Money.of(scenario)
    built = build_model(data, opts, scenario.standards.update(mode="soft"), scenario.phasing,
                        money.relaxed() if relax_limits else money)
    res = solve(built, scenario.solver)
    if not res.has_solution:
        return None
    idx, m = built.index, built.model
    flows = idx.pair_flows([pyo.value(m.serve[p]) for p in range(idx.n_pairs)])
    return flows.groupby(["zone_id", "function"])["served"].sum()


def explain_infeasible(data: ProblemData, scenario: Scenario, tol: float = 1e-6) -> list[dict]:
    """List every (community, function) whose demand cannot be served, with the cause."""
    out = unreachable_demand(data)
    served = _elastic_served(data, scenario, relax_limits=False)
    if served is None:
        return out
    limited = scenario.model.budget is not None or scenario.model.n_spaces is not None \
        or scenario.model.max_spaces is not None \
        or Money.of(scenario).relaxed() != Money.of(scenario)
    relaxed = _elastic_served(data, scenario, relax_limits=True) if limited else served
    done = {(s["zone_id"], s["function"]) for s in out}
    for (z, f), d in data.demand.items():
        if (z, f) in done:
            continue
        got = float(served.get((z, f), 0.0))
        if got >= d - tol * max(1.0, d):
            continue
        limit = float(data.functions.at[f, "walking_limit_m"])
        if relaxed is not None and float(relaxed.get((z, f), 0.0)) >= d - tol * max(1.0, d):
            cause = "not enough budget (or spaces allowed) to serve it as well"
        else:
            cause = f"not enough floor area or capacity within {limit:g} m"
        out.append(_shortfall(data, z, f, d, got, cause))
    if n_spaces_infeasible(data, scenario):
        out.append({"standard": "n_spaces", "zone_id": "", "zone_name": "", "street": "",
                    "function": "", "required": scenario.model.n_spaces,
                    "achievable": len(data.options.index.get_level_values(0).unique()),
                    "missing": scenario.model.n_spaces - len(
                        data.options.index.get_level_values(0).unique()),
                    "unit": "spaces", "cause": "fewer usable candidate spaces than n_spaces",
                    "what": "n_spaces is larger than the number of usable candidate spaces"})
    return out


def n_spaces_infeasible(data: ProblemData, scenario: Scenario) -> bool:
    n = scenario.model.n_spaces
    return n is not None and n > data.options.index.get_level_values(0).nunique()


def _structural_cause(data: ProblemData, scenario: Scenario, s: dict) -> str | None:
    """A cause that needs no solve: nothing eligible where the standard is counted."""
    std = scenario.standards
    reach = data.reach if data.reach is not None else data.pairs
    if s["standard"] == "community_space":
        r = std.community_space.walking_limit_m
        members = [s["group"]] if s["level"] == "community" else \
            list(data.zones.index[data.zones["street"].astype(str) == s["group"]])
        near = reach[reach["zone_id"].isin(members) & (reach["distance_m"] <= r)
                     & reach["site_id"].isin(data.options.index.get_level_values(0))]
        if near.empty:
            return f"no eligible candidate space within {r:g} m"
    elif s["standard"].startswith("function_minimum"):
        f = s["function"]
        members = [s["group"]] if s["level"] == "community" else \
            list(data.zones.index) if s["level"] == "city" else \
            list(data.zones.index[data.zones["street"].astype(str) == s["group"]])
        p = data.pairs[(data.pairs["function"] == f) & data.pairs["zone_id"].isin(members)]
        if p.empty:
            limit = float(data.functions.at[f, "walking_limit_m"])
            return f"no eligible space or existing {f} facility within {limit:g} m"
    elif s["standard"] == "complex_per_street":
        cx = std.complexes
        sp = data.spaces[data.spaces["street"].astype(str) == s["group"]]
        ok = [j for j in sp.index if j in data.options.index.get_level_values(0)
              and data.options.loc[j, "max_gross_m2"].max() >= cx.min_m2]
        if not ok:
            return f"no candidate space in the street can take a complex of {cx.min_m2:g} m²"
    return None


def explain_shortfalls(data: ProblemData, scenario: Scenario, shortfalls: list[dict]
                       ) -> list[dict]:
    """Fill each shortfall's ``cause``: nothing eligible where it is counted; or the budget
    (it disappears when the budget and space-count limits are lifted); or space (it does
    not)."""
    from siting.results import read_shortfalls
    from siting.solve import solve

    pending = []
    for s in shortfalls:
        cause = _structural_cause(data, scenario, s)
        if cause:
            s["cause"] = cause
        else:
            pending.append(s)
    if not pending:
        return shortfalls
    limited = scenario.model.budget is not None or scenario.model.n_spaces is not None \
        or scenario.model.max_spaces is not None
    relaxed: dict[str, float] | None = None
    if limited:
        opts = scenario.model.update(budget=None, n_spaces=None, max_spaces=None)
        unlimited = scenario.phasing.update(
            budget_per_year={y: 1e15 for y in scenario.phasing.years})
        built = build_model(data, opts, scenario.standards.update(mode="soft"), unlimited,
                            Money.of(scenario).relaxed(),
                            equity=scenario.equity.soft())
        res = solve(built, scenario.solver)
        if res.has_solution:
            relaxed = {s["key"]: s["missing"] for s in read_shortfalls(built)}
    space = "not enough eligible floor area or space within reach"
    for s in pending:
        left = relaxed.get(s["key"], 0.0) if relaxed is not None else s["missing"]
        tol = 1e-6 * max(1.0, s["required"])
        if left <= tol:
            s["cause"] = "not enough budget"
        elif left < s["missing"] - tol:
            s["cause"] = (f"not enough budget for {s['missing'] - left:g} {s['unit']}; "
                          f"for the other {left:g}: {space}")
        else:
            s["cause"] = space
    return shortfalls


def shortfall_text(s: dict) -> str:
    """One line for a standard's shortfall."""
    return (f"{s['label']}: {s['group_name']} ({s['level']}) has {s['achieved']:g} of "
            f"{s['required']:g} {s['unit']}, short by {s['missing']:g} — {s['cause']}")
