"""Equity: max-min coverage against enumeration, coverage floors, figures and their check."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from helpers import brute_force_max_min, n_combinations, rng, tiny_problem

from siting.config import Equity, ModelOptions, Scenario, SolverOptions, Standards
from siting.equity import gini
from siting.exceptions import InfeasibleError
from siting.maxmin import solve_lexicographic
from siting.model import build_model
from siting.run import plan_problem
from siting.verify import Violation
from siting.verify.equity import check_equity, lorenz_gini

pytestmark = pytest.mark.requires_highs

EXACT = SolverOptions(mip_rel_gap=0.0, mip_abs_gap=0.0, time_limit_s=60)
KINDS = [("community_room", "collective"), ("office", "state"), ("shop_front", "private")]


def street_instance(seed: int, n_spaces: int = 3, n_zones: int = 4, n_funcs: int = 1,
                    n_streets: int = 2):
    g = rng(seed)
    spaces = []
    for j in range(n_spaces):
        kind, own = KINDS[g.integers(len(KINDS))]
        spaces.append({"space_id": f"S{j}", "kind": kind, "ownership": own,
                       "floor_area_m2": float(g.integers(15, 40))})
    funcs = {f"f{k}": {"area_per_unit_m2": float(g.integers(5, 12)), "min_units": 0,
                       "max_units": int(g.integers(2, 4)),
                       "fitout_cost_per_unit": float(g.integers(0, 5000)),
                       "walking_limit_m": 500.0, "weight": float(g.integers(1, 4))}
             for k in range(n_funcs)}
    zones = {f"Z{i}": {f: float(g.integers(1, 6)) for f in funcs} for i in range(n_zones)}
    dist = {(z, f"S{j}"): float(g.integers(50, 700)) for z in zones for j in range(n_spaces)
            if g.random() < 0.7}
    attrs = {z: {"street": f"T{i % n_streets}", "population": float(g.integers(100, 900))}
             for i, z in enumerate(zones)}
    return tiny_problem(spaces, zones, dist, funcs, zone_attrs=attrs)


def _scenario(equity: dict | None = None, standards: dict | None = None, **model) -> Scenario:
    return Scenario(name="t", data={"zones": "-", "spaces": "-", "functions": "-",
                                    "channels": "-"},
                    model=model, solver=EXACT.model_dump(), equity=equity or {},
                    standards=standards or {})


@pytest.mark.parametrize(("seed", "level", "n_funcs", "budget"), [
    (1, "street", 1, 150_000), (2, "street", 2, 200_000), (3, "community", 1, 120_000),
    (4, "community", 2, 250_000), (5, "street", 1, 90_000),
])
def test_max_min_equals_enumeration(seed, level, n_funcs, budget):
    data = street_instance(seed, n_funcs=n_funcs)
    assert n_combinations(data) < 3000  # keep the enumeration quick
    opts = ModelOptions(objective="max_min_coverage", equity_level=level, budget=budget,
                        tie_break=0)
    z_best, total_best = brute_force_max_min(data, opts, level)
    wsum = float(data.functions["weight"].sum())
    exact = opts.update(equity_total_gap=0.0)
    built = build_model(data, exact)
    res, info = solve_lexicographic(built, EXACT, guide=0.0)  # pure lexicographic
    assert res.status == "optimal" and info["proven"]
    g = info["stage1"]["lp_guided"]  # LP bound, MIP restricted to its support, whole MIP
    assert g["lp_bound"] >= z_best - 1e-9 and info["stage1"]["bound"] <= g["lp_bound"]
    assert 0 < g["support_options"] <= len(built.model.build)
    plain = build_model(data, exact)
    _, info0 = solve_lexicographic(plain, EXACT, guide=0.0, guided=False)
    assert info0["min_coverage"] == pytest.approx(info["min_coverage"], abs=1e-9)
    m = built.model
    assert info["min_coverage"] == pytest.approx(z_best, abs=6e-7)  # stage 1 (rounded)
    assert pyo.value(m.equity_min) >= z_best - 1.01e-6  # held by stage 2, within epsilon
    assert pyo.value(m.coverage_score) / wsum == pytest.approx(total_best, abs=2e-6)
    assert not built.violations()
    # the default guide (delta x total in stage 1) costs at most delta of the minimum
    built = build_model(data, exact)
    res, info = solve_lexicographic(built, EXACT)
    assert z_best - 1e-3 - 1e-6 <= info["min_coverage"] <= z_best + 1e-6
    assert not built.violations()


def merging_instance(seed: int):
    """Six communities in two streets whose reachable sets repeat (so some of the same street
    reach exactly the same spaces, and some of different streets do too), own distances."""
    g = rng(seed)
    spaces = [{"space_id": f"S{j}", "kind": KINDS[j][0], "ownership": KINDS[j][1],
               "floor_area_m2": float(g.integers(15, 40))} for j in range(3)]
    funcs = {f"f{k}": {"area_per_unit_m2": float(g.integers(5, 12)), "min_units": 0,
                       "max_units": int(g.integers(2, 4)),
                       "fitout_cost_per_unit": float(g.integers(0, 5000)),
                       "walking_limit_m": 500.0, "weight": float(g.integers(1, 4))}
             for k in range(2)}
    zones = {f"Z{i}": {f: float(g.integers(1, 6)) for f in funcs} for i in range(6)}
    reach = [("S0", "S1"), ("S1", "S2"), ("S0", "S1"), ("S1", "S2"), ("S0", "S1"), ("S2",)]
    dist = {(z, s): float(g.integers(50, 500)) for z, sites in zip(zones, reach)
            for s in sites}
    attrs = {z: {"street": st, "population": float(g.integers(100, 900))}
             for z, st in zip(zones, ["T0", "T1", "T0", "T1", "T1", "T0"])}
    return tiny_problem(spaces, zones, dist, funcs, zone_attrs=attrs)


def _lp_value(built) -> float:
    from siting.solve import Solver

    s = Solver()
    s.load(built)
    s.highs.setOptionValue("solve_relaxation", True)
    s.highs.run()
    return s.highs.getInfo().objective_function_value


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_communities_of_a_street_reaching_the_same_spaces_merge_without_changing_the_optimum(
        seed):
    data = merging_instance(seed)
    assert n_combinations(data) < 3000
    opts = ModelOptions(objective="max_min_coverage", budget=120_000 + 20_000 * seed,
                        tie_break=0, equity_total_gap=0.0)
    merged, whole = build_model(data, opts), build_model(data, opts.update(aggregate_zones=False))
    groups = merged.index.zone_groups
    street = data.zones["street"].to_dict()
    assert groups and not whole.index.zone_groups
    assert all(len({street[z] for z, _ in ms}) == 1 for ms in groups.values())
    assert {tuple(sorted(z for z, _ in ms)) for (_, f), ms in groups.items()} == {
        ("Z0", "Z2"), ("Z1", "Z3")}  # Z4 reaches what Z0 and Z2 do, but in the other street
    assert merged.index.n_pairs < whole.index.n_pairs
    for b in (merged, whole):
        b.model.equity_stage_total.set_value(1e-3)
    assert _lp_value(merged) == pytest.approx(_lp_value(whole), abs=1e-9)
    z_best, total_best = brute_force_max_min(data, opts, "street")
    wsum = float(data.functions["weight"].sum())
    for b in (merged, whole):
        res, info = solve_lexicographic(b, EXACT, guide=0.0)
        assert res.status == "optimal"
        assert info["min_coverage"] == pytest.approx(z_best, abs=6e-7)
        assert pyo.value(b.model.coverage_score) / wsum == pytest.approx(total_best, abs=2e-6)
        assert not b.violations()
    # per community nothing merges; through the pipeline the merged plan is verified
    assert not build_model(data, opts.update(equity_level="community")).index.zone_groups
    plan = plan_problem(data, _scenario(objective="max_min_coverage", budget=160_000))
    assert _violations(plan) == []
    e = plan.summary["equity"]
    assert e["weighted"]["street_min"] == pytest.approx(e["max_min"]["min_coverage"], abs=2e-6)


def test_max_min_plan_through_the_pipeline_is_verified_and_reports_its_stages():
    data = street_instance(2, n_funcs=2)
    plan = plan_problem(data, _scenario(objective="max_min_coverage", budget=200_000))
    e = plan.summary["equity"]
    assert e["max_min"]["proven"] and "stage2" in e["max_min"]
    assert e["weighted"]["street_min"] == pytest.approx(e["max_min"]["min_coverage"], abs=2e-6)
    assert plan.streets is not None and set(plan.streets["function"]) >= {"f0", "weighted"}
    _catalogue_order(plan)
    assert _violations(plan) == []


def _catalogue_order(plan) -> None:
    """streets.csv lists each street's functions in the catalogue's order, weighted last."""
    for _, part in plan.streets.groupby("street", sort=False):
        have = set(part["function"])
        want = [f for f in plan.data.functions.index if f in have] + ["weighted"]
        assert list(part["function"]) == want


def _violations(plan) -> list:
    return check_equity(Scenario.model_validate(plan.summary["resolved_scenario"]),
                        plan.data.functions, plan.data.zones, plan.zones, plan.assignments,
                        plan.summary, Violation)


def test_verifier_rejects_reported_equity_figures_that_the_assignments_do_not_give():
    data = street_instance(1)
    plan = plan_problem(data, _scenario(budget=150_000))
    assert _violations(plan) == []
    for key, delta in (("street_min", 0.01), ("gini", 0.02), ("community_min", -0.01)):
        bad = {**plan.summary, "equity": {**plan.summary["equity"]}}
        w = dict(bad["equity"]["weighted"])
        w[key] = (w[key] or 0.0) + delta
        bad["equity"]["weighted"] = w
        got = check_equity(Scenario.model_validate(plan.summary["resolved_scenario"]),
                           plan.data.functions, plan.data.zones, plan.zones,
                           plan.assignments, bad, Violation)
        assert any(key in str(v) for v in got), key


def floor_instance():
    """Street A (Z0, Z1) has the cheap space S0 next door; street B (Z2) only the dearer S1.
    With money for one space, max coverage serves street A and leaves B at 0."""
    spaces = [{"space_id": "S0", "kind": "community_room", "ownership": "collective",
               "floor_area_m2": 60.0},
              {"space_id": "S1", "kind": "community_room", "ownership": "collective",
               "floor_area_m2": 40.0}]
    funcs = {"f0": {"area_per_unit_m2": 10.0, "max_units": 5, "fitout_cost_per_unit": 0.0}}
    zones = {"Z0": {"f0": 3.0}, "Z1": {"f0": 2.0}, "Z2": {"f0": 2.0}}
    dist = {("Z0", "S0"): 100.0, ("Z1", "S0"): 200.0, ("Z2", "S1"): 100.0}
    attrs = {"Z0": {"street": "A", "population": 300.0},
             "Z1": {"street": "A", "population": 200.0},
             "Z2": {"street": "B", "population": 200.0}}
    return tiny_problem(spaces, zones, dist, funcs, zone_attrs=attrs)


def test_floor_binds_and_changes_the_plan():
    data = floor_instance()
    budget = 320_000  # S0 full (225 k) or S0 at 3 units + S1 at 1 (300 k), not both full
    base = plan_problem(data, _scenario(budget=budget))
    assert list(base.sites["space_id"]) == ["S0"]
    streets = base.streets.set_index(["street", "function"])
    assert streets.at[("B", "weighted"), "coverage"] == 0.0
    hard = {"min_coverage": {"level": "street", "function": "f0", "share": 0.5,
                             "mode": "hard"}}
    fair = plan_problem(data, _scenario(equity=hard, budget=budget))
    assert "S1" in set(fair.sites["space_id"])
    cov = fair.streets.set_index(["street", "function"])["coverage"]
    assert cov[("A", "f0")] >= 0.5 - 1e-9 and cov[("B", "f0")] >= 0.5 - 1e-9
    assert fair.summary["weighted_coverage"] < base.summary["weighted_coverage"]
    assert _violations(fair) == []
    # a soft floor nobody can afford leaves a shortfall saying where, how much and why
    soft = {"min_coverage": {"level": "street", "share": 1.0}}
    short = plan_problem(data, _scenario(equity=soft, budget=budget)).summary["shortfalls"]
    s = {x["group"]: x for x in short if x["standard"] == "equity_floor"}
    assert s and all(x["cause"] for x in s.values())
    assert any("budget" in x["cause"] for x in s.values())
    # the same floor hard is refused, naming the streets short
    with pytest.raises(InfeasibleError) as exc:
        plan_problem(data, _scenario(equity={"min_coverage": {**soft["min_coverage"],
                                                              "mode": "hard"}},
                                     budget=budget))
    assert any(x.get("standard") == "equity_floor" for x in exc.value.shortfalls)


def test_unreachable_demand_is_excluded_and_reported():
    data = floor_instance()
    # Z1 loses its only space: its demand can no longer be reached
    data = tiny_problem(
        [{"space_id": "S0", "kind": "community_room", "ownership": "collective",
          "floor_area_m2": 60.0}],
        {"Z0": {"f0": 3.0}, "Z1": {"f0": 2.0}}, {("Z0", "S0"): 100.0},
        {"f0": {"area_per_unit_m2": 10.0, "max_units": 5}},
        zone_attrs={"Z0": {"street": "A", "population": 300.0},
                    "Z1": {"street": "B", "population": 200.0}})
    plan = plan_problem(data, _scenario(objective="max_min_coverage"))
    e = plan.summary["equity"]
    assert e["max_min"]["min_coverage"] == pytest.approx(1.0)  # street B is left out
    f = e["functions"]["f0"]
    assert f["share_communities_unreachable"] == 0.5
    assert f["unreachable_demand_share"] == pytest.approx(2 / 5)
    assert not plan.zones.set_index("zone_id").at["Z1", "reachable"]


def test_gini_matches_the_lorenz_curve_and_known_values():
    g = np.random.default_rng(0)
    for _ in range(20):
        x, w = g.random(30), g.integers(1, 100, 30).astype(float)
        assert gini(x, w) == pytest.approx(lorenz_gini(x, w), abs=1e-12)
    assert gini([0.4, 0.4, 0.4], [1, 2, 3]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 1], [1, 1, 1, 1]) == pytest.approx(0.75)
    assert gini([0, 0], [1, 1]) is None


def test_2sfca_does_not_depend_on_the_split_of_flows():
    """Two communities share one site; its supply is shared by demand, whatever the flows."""
    from siting.equity import access_2sfca

    data = tiny_problem([{"space_id": "S0", "kind": "community_room",
                          "ownership": "collective", "floor_area_m2": 60.0}],
                        {"Z0": {"f0": 3.0}, "Z1": {"f0": 1.0}},
                        {("Z0", "S0"): 100.0, ("Z1", "S0"): 100.0},
                        {"f0": {"area_per_unit_m2": 10.0, "max_units": 5}})
    sites = pd.DataFrame({"space_id": ["S0"], "units_f0": [2.0]})
    reach = pd.Series(True, index=data.demand.index)
    a = access_2sfca(data, sites, reach)
    assert a[("Z0", "f0")] == pytest.approx(0.5) and a[("Z1", "f0")] == pytest.approx(0.5)


def test_equity_config_is_validated():
    with pytest.raises(ValueError, match="less than or equal to 1"):
        Equity.model_validate({"min_coverage": {"share": 1.5}})
    e = Equity.model_validate({"min_coverage": [{"share": 0.3, "mode": "hard"},
                                                {"share": 0.2}]})
    assert e.hard_floors and not e.soft().hard_floors and len(e.floors) == 2
    assert Standards().any_soft is False


def _small_district(folder):
    """Two streets of the demo district, two functions, as files (a scenario on disk)."""
    from pathlib import Path

    from siting import catalogues

    root = Path(__file__).resolve().parents[1] / "data"
    rd = lambda p: pd.read_csv(p, encoding="utf-8-sig", dtype=str)  # noqa: E731
    streets = ["望江街道", "清波街道"]
    z = rd(root / "demo" / "zones.csv")
    s = rd(root / "demo" / "spaces.csv")
    z[z["street"].isin(streets)].to_csv(folder / "zones.csv", index=False)
    s[s["street"].isin(streets)].to_csv(folder / "spaces.csv", index=False)
    f = rd(catalogues.path("functions.csv"))
    f[f["function"].isin(["day_care", "meal_point"])].to_csv(folder / "functions.csv",
                                                            index=False)
    rd(catalogues.path("channels.csv")).to_csv(folder / "channels.csv", index=False)
    (folder / "base.yaml").write_text(
        "data: {zones: zones.csv, spaces: spaces.csv, functions: functions.csv, "
        "channels: channels.csv}\nmodel: {budget: 6_000_000}\n"
        "solver: {mip_rel_gap: 0.0, time_limit_s: 60}\n", encoding="utf-8")


def test_tradeoff_sweep_climbs_hard_floors_to_the_max_min_optimum(tmp_path):
    from siting.report import sweep_outputs
    from siting.sweep import run_sweep

    _small_district(tmp_path)
    (tmp_path / "tradeoff.yaml").write_text(
        "base: base.yaml\ndesign: grid\n"
        "overrides: {equity: {min_coverage: {level: street, mode: hard}}}\n"
        "parameters:\n"
        "  equity.min_coverage.share: {range: [0, 1], steps: 3, up_to: max_min}\n",
        encoding="utf-8")
    out = tmp_path / "out"
    table = run_sweep(tmp_path / "tradeoff.yaml", out, workers=0, progress=False)
    top = __import__("json").loads((out / "max_min.json").read_text(encoding="utf-8"))
    floors = sorted(table["equity.min_coverage.share"])
    assert len(floors) == 2 and floors[0] == 0 and 0 < floors[-1] < top["min_coverage"]
    assert floors[-1] == pytest.approx(top["min_coverage"] / 2, abs=2e-5)  # 0, z*/2; z*
    assert (table["status"] == "optimal").all()  # every floor below the optimum is feasible
    t = pd.read_csv(out / "equity_tradeoff.csv", encoding="utf-8-sig")
    runs = t[~t["max_min"]].sort_values("floor")
    assert (runs["worst_coverage"] >= runs["floor"] - 1e-6).all()  # each floor holds
    assert runs["total_coverage"].is_monotonic_decreasing  # equity costs efficiency
    # the max-min plan is the top of the curve: the best worst street, at a cost in total
    assert t["max_min"].sum() == 1
    mm = t[t["max_min"]].iloc[0]
    assert mm["worst_coverage"] > runs["worst_coverage"].iloc[0]  # beats the base plan
    assert mm["worst_coverage"] > runs["worst_coverage"].iloc[0]  # beats the base plan
    assert mm["worst_coverage"] >= runs["worst_coverage"].max() - 1e-6
    assert mm["total_coverage"] <= runs["total_coverage"].max() + 1e-6
    sweep_outputs(out)
    assert (out / "equity_tradeoff.png").stat().st_size > 10_000
    # the HTML report: the curve in the sweep's, the equity section in the max-min plan's
    from siting.report import write_report

    assert 'id="equity_tradeoff"' in write_report(out).read_text(encoding="utf-8")
    page = write_report(out / "max_min").read_text(encoding="utf-8")
    assert 'id="equity"' in page and "最差街道" in page
    # its headline says what was proven: the worst unit's coverage, then the total's own gap
    assert "求解器证明最差单元覆盖率" in page and "求解器证明方案为最优" not in page


def test_run_prints_the_worst_street(tmp_path, capsys):
    from siting.cli import main

    _small_district(tmp_path)
    out = tmp_path / "plan"
    assert main(["run", str(tmp_path / "base.yaml"), "--out", str(out), "--no-map",
                 "--no-report", "--set", "model.objective=max_min_coverage"]) == 0
    w = json.loads((out / "summary.json").read_text(encoding="utf-8"))["equity"]["weighted"]
    line = next(x for x in capsys.readouterr().out.splitlines()
                if x.startswith("worst street"))
    assert w["worst_street"] in line and f"{100 * w['street_min']:.1f} %" in line
    assert "proven minimum" in line


def test_streets_table_follows_the_catalogue_order():
    """Not alphabetical: the catalogue's order (here reversed), weighted last."""
    from dataclasses import replace

    from siting.equity import measure

    data = street_instance(2, n_funcs=2)
    plan = plan_problem(data, _scenario(budget=200_000))
    rev = replace(data, functions=data.functions.iloc[::-1])
    reach = plan.zones.set_index(["zone_id", "function"])["reachable"]
    zones = plan.zones.drop(columns=["reachable", "access_2sfca"])
    _, streets, _ = measure(rev, zones, plan.sites, reach[reach])
    for _, part in streets.groupby("street", sort=False):
        assert list(part["function"]) == ["f1", "f0", "weighted"]
    _catalogue_order(plan)


def _figures_by_loops(rows: list[dict], w: dict[str, float], level: str, value: str):
    """Coverage per unit by plain loops: sum_f w_f c_uf / sum_f w_f over the (unit, f) with
    reachable positive demand."""
    num, den = {}, {}
    for r in rows:
        if not r["reachable"] or r["demand"] <= 0:
            continue
        k = (r[level], r["function"])
        got = r["served"] if value == "served" else r["access"] * r["demand"]
        num[k] = num.get(k, 0.0) + got
        den[k] = den.get(k, 0.0) + r["demand"]
    top, bottom = {}, {}
    for (u, f), d in den.items():
        if w.get(f, 0.0) > 0:
            top[u] = top.get(u, 0.0) + w[f] * num[(u, f)] / d
            bottom[u] = bottom.get(u, 0.0) + w[f]
    return {u: top[u] / bottom[u] for u in bottom}


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_equity_figures_equal_plain_loops_on_random_tables(seed):
    """Every figure of a block (min, max, worst street and community with ties broken by
    size, the shares of communities and households without a facility, Gini) equals a
    recomputation by dict loops, with ties, zero weights, zero and unreachable demand."""
    from siting.equity import _block, _Long

    g = np.random.default_rng(seed)
    funcs = ["a", "b", "c"]
    w = {"a": 1.0, "b": 0.0, "c": 2.5}
    zones = [f"Z{k:02d}" for k in range(12)]
    street_of = {z: f"S{g.integers(4)}" for z in zones}
    hh = {z: int(g.integers(0, 500)) for z in zones}
    pop = {z: float(g.integers(1, 2000)) for z in zones}
    rows = []
    for z in zones:
        for f in funcs:
            if g.random() < 0.15:
                continue
            d = float(g.choice([0.0, 10.0, 20.0, float(g.integers(1, 40))]))
            rows.append({"zone_id": z, "function": f, "demand": d,
                         "served": float(g.choice([0.0, 0.5, 1.0])) * d,
                         "reachable": bool(g.random() < 0.8), "facility": bool(g.random() < 0.6),
                         "access": float(g.choice([0.0, 0.5, 1.0])), "street": street_of[z],
                         "name": f"name {z}", "households": hh[z], "population": pop[z]})
    df = pd.DataFrame(rows)
    df["access_raw"] = df["access"]
    t = _Long(df)
    for funcs_in, ww in ((["a"], {"a": 1.0}), (funcs, w), (["b", "c"], w)):
        mask = t.rows(funcs_in)
        sub = [r for r in rows if r["function"] in funcs_in]
        for value in ("served", "access"):
            got = _block(t, mask, t.weights(ww), "population", value)
            st = _figures_by_loops(sub, ww, "street", value)
            cm = _figures_by_loops(sub, ww, "zone_id", value)
            size_s, size_z = {}, {}
            for r in sub:
                size_s[r["street"]] = size_s.get(r["street"], 0.0) + r["demand"]
                size_z[r["zone_id"]] = size_z.get(r["zone_id"], 0.0) + r["demand"]
            worst_s = min(sorted(st), key=lambda u: (round(st[u], 9), -size_s[u]))
            worst_z = min(sorted(cm), key=lambda u: (round(cm[u], 9), -size_z[u]))
            assert got["street_min"] == pytest.approx(min(st.values()), abs=1e-6)
            assert got["street_max"] == pytest.approx(max(st.values()), abs=1e-6)
            assert got["community_min"] == pytest.approx(min(cm.values()), abs=1e-6)
            assert got["worst_street"] == worst_s
            assert got["worst_community"] == worst_z
            assert got["worst_community_name"] == f"name {worst_z}"
            assert got["worst_community_street"] == street_of[worst_z]
            ids = sorted(cm)
            assert got["gini"] == pytest.approx(
                lorenz_gini([cm[i] for i in ids], [pop[i] for i in ids]), abs=1e-6)
            if value != "served":
                continue
            present = sorted({r["zone_id"] for r in sub})
            no_fac = [z for z in present
                      if not any(r["facility"] for r in sub if r["zone_id"] == z)]
            unreach = [z for z in present
                       if not all(r["reachable"] for r in sub if r["zone_id"] == z)]
            tot = sum(hh[z] for z in present) or 1.0
            assert got["share_communities_no_facility"] == pytest.approx(
                len(no_fac) / len(present), abs=1e-6)
            assert got["share_households_no_facility"] == pytest.approx(
                sum(hh[z] for z in no_fac) / tot, abs=1e-6)
            assert got["share_households_unreachable"] == pytest.approx(
                sum(hh[z] for z in unreach) / tot, abs=1e-6)
            assert got["unreachable_demand_share"] == pytest.approx(
                sum(r["demand"] for r in sub if not r["reachable"])
                / max(sum(r["demand"] for r in sub), 1e-12), abs=1e-6)
