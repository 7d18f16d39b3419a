"""The efficiency-equity trade-off: a sweep of a hard coverage floor up to the max-min optimum.

A sweep parameter may end at ``up_to: max_min``::

    parameters:
      equity.min_coverage.share: {range: [0, 1], steps: 8, up_to: max_min}

Before any run, the base scenario (with the sweep's overrides) is solved once with
``model.objective: max_min_coverage`` at the floor's level: its optimum :math:`z^*` is the
highest floor any plan can meet, so the ladder climbs ``steps - 1`` hard floors from the
range's lower end towards :math:`z^*` (every one feasible; with a lower end above 0, floor 0
— the base plan — comes first and ``steps - 2`` floors follow, so that points are not spent
below the base plan's own worst street) and the max-min plan is its top point. That plan is
written to ``OUT/max_min/`` and its figures to ``OUT/max_min.json`` (a resumed sweep reads them back
when the scenario is unchanged). After the runs, ``equity_tradeoff.csv`` and
``equity_tradeoff.png`` give total weighted coverage against the worst street's (or
community's) weighted coverage, with the base plan (floor 0) and the max-min plan marked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from siting.config import Scenario, _deep_merge, read_scenario_dict
from siting.exceptions import DataError

KEY = "equity.min_coverage.share"
TOP_SLACK = 1e-5
"""The ladder's top floor is the max-min optimum less this, so solver tolerances keep it
feasible."""


def _floor_scenario(spec) -> tuple[Scenario, dict]:
    raw = _deep_merge(read_scenario_dict(spec.base), spec.overrides)
    mc = (raw.get("equity") or {}).get("min_coverage")
    if not isinstance(mc, dict):
        raise DataError(f"{spec.base}: 'up_to: max_min' needs one floor, e.g. overrides: "
                        "{equity: {min_coverage: {level: street, function: weighted, "
                        "mode: hard}}}")
    floor = {"level": "street", "function": "weighted", **mc}
    if floor["function"] != "weighted":
        raise DataError("'up_to: max_min' is the max-min of the weighted coverage: the floor's "
                        f"function must be 'weighted', not {floor['function']!r}")
    raw = _deep_merge(raw, {"model": {"objective": "max_min_coverage",
                                      "equity_level": floor["level"]}})
    raw["equity"] = {k: v for k, v in raw["equity"].items() if k != "min_coverage"}
    raw["name"] = "max_min"
    return Scenario.model_validate(raw), floor


def max_min_optimum(spec, out: Path) -> dict:
    """Solve (or read back) the max-min plan of the sweep's base; return its figures."""
    from siting.compare import cache_key
    from siting.exports import write_json, write_plan
    from siting.run import plan_scenario

    scenario, floor = _floor_scenario(spec)
    key = cache_key(scenario)
    cached = out / "max_min.json"
    if cached.is_file():
        got = json.loads(cached.read_text(encoding="utf-8"))
        if got.get("cache_key") == key:
            return got
    plan = plan_scenario(scenario)
    write_plan(plan, out / "max_min")
    s = plan.summary
    got = {"cache_key": key, "level": floor["level"],
           "min_coverage": s["equity"]["max_min"]["min_coverage"],
           "proven": s["equity"]["max_min"].get("proven"),
           "weighted_coverage": s["weighted_coverage"],
           "street_min": s["equity"]["weighted"]["street_min"],
           "community_min": s["equity"]["weighted"]["community_min"],
           "gini": s["equity"]["weighted"]["gini"],
           "capex": s["total_capex"], "status": s["status"], "mip_gap": s["mip_gap"]}
    out.mkdir(parents=True, exist_ok=True)
    write_json(got, cached)
    return got


def resolve_up_to(spec, out: Path):
    """``spec`` with every ``up_to: max_min`` range ending at the max-min optimum."""
    params = dict(spec.parameters)
    for key, p in params.items():
        if p.up_to is None:
            continue
        if key != KEY:
            raise DataError(f"parameters.{key}: 'up_to: max_min' applies to {KEY} only")
        top = float(max_min_optimum(spec, Path(out))["min_coverage"])
        lo = float(p.range[0]) if p.range is not None else 0.0
        # the ladder's points below the optimum; its top point is the max-min plan itself
        # (a hard floor at the optimum is the max-min's own second stage, which starts from
        # its first stage's plan; a cold solve of it found no plan in 60 s on the demo)
        hi = max(lo, top - TOP_SLACK)
        if lo > 0:  # floor 0 (the base plan), then steps - 2 floors from lo towards z*
            grid = [0.0] + [lo + (hi - lo) * k / (p.steps - 2) for k in range(p.steps - 2)]
        else:
            grid = [lo + (hi - lo) * k / (p.steps - 1) for k in range(p.steps - 1)]
        params[key] = p.update(values=[round(v, 6) for v in grid], range=None, up_to=None)
    return spec.update(parameters=params)


def tradeoff_table(table: pd.DataFrame, level: str = "street") -> pd.DataFrame:
    """One row per solved run: floor, worst unit's and total weighted coverage, Gini."""
    ok = table[table["status"].isin(["optimal", "time_limit"])].copy()
    worst = "equity_street_min" if level == "street" else "equity_community_min"
    cols = {KEY: "floor", worst: "worst_coverage", "weighted_coverage": "total_coverage",
            "equity_gini": "gini", "capex": "capex", "status": "status", "mip_gap": "mip_gap"}
    have = [c for c in cols if c in ok]
    return ok[have].rename(columns=cols).sort_values("floor").reset_index(drop=True)


def write_tradeoff(table: pd.DataFrame, spec, folder: Path, out: Path) -> None:
    """``equity_tradeoff.csv`` into ``folder`` (the sweep's output, being written): one row
    per floor, then the max-min plan (``floor`` = its optimum, ``max_min`` true) when
    ``out/max_min.json`` holds it. The chart ``equity_tradeoff.png`` is drawn from this
    file by :mod:`siting.report.equity`."""
    from siting.exports import write_csv

    try:
        level = _floor_scenario(spec)[1]["level"]
    except DataError:
        level = "street"
    t = tradeoff_table(table, level)
    t["max_min"] = False
    mm = Path(out) / "max_min.json"
    if mm.is_file():
        top = json.loads(mm.read_text(encoding="utf-8"))
        worst = top["street_min"] if level == "street" else top["community_min"]
        t = pd.concat([t, pd.DataFrame([{
            "floor": top["min_coverage"], "worst_coverage": worst,
            "total_coverage": top["weighted_coverage"], "gini": top.get("gini"),
            "capex": top["capex"],
            "status": top["status"], "mip_gap": top["mip_gap"], "max_min": True}])],
            ignore_index=True)
    t["level"] = level
    write_csv(t, folder / "equity_tradeoff.csv")
