"""One scenario from files to a :class:`~siting.results.Plan`: the whole pipeline in order."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from siting import progress
from siting.config import Scenario
from siting.data import load_inputs
from siting.decisions import has_pins
from siting.diagnose import (
    explain_infeasible,
    explain_shortfalls,
    shortfall_text,
    unreachable_demand,
)
from siting.exceptions import InfeasibleError, InterruptedRun, SolverError
from siting.model import SERVE_ALL_OBJECTIVES, BuiltModel, build_model
from siting.model.money import Money
from siting.problem import ProblemData, prepare
from siting.results import Plan, extract
from siting.solve import solve

log = logging.getLogger(__name__)


def plan_problem(data: ProblemData, scenario: Scenario, *, built: BuiltModel | None = None,
                 solver=None, warm_start: bool | None = None) -> Plan:
    """Build, solve and extract a plan for prepared data.

    ``built`` and ``solver`` (from :func:`siting.solve.new_solver`) re-solve a model already
    built for this scenario's structure, warm-started from its last solution (sweeps).

    Raises
    ------
    InfeasibleError
        if the scenario cannot be met; its ``shortfalls`` name each community, function and
        amount, and the binding cause.
    SolverError
        if HiGHS fails, or stops at the time limit before finding any plan.
    """
    timings = {}
    serve_all = scenario.model.objective in SERVE_ALL_OBJECTIVES
    if serve_all:
        missing = unreachable_demand(data)
        if missing:
            raise InfeasibleError(
                f"scenario {scenario.name!r}: objective {scenario.model.objective} must serve "
                f"all demand, but {len(missing)} community-function demands have nothing within "
                "walking distance:", missing)
    warm = built is not None if warm_start is None else warm_start
    if built is None:
        t0 = time.perf_counter()
        progress.stage(f"building the model ({len(data.pairs):,} community-site pairs)")
        built = build_model(data, scenario.model, scenario.standards, scenario.phasing,
                            Money.of(scenario),
                            equity=scenario.equity)
        timings["build"] = time.perf_counter() - t0
        if scenario.phasing.enabled:
            warm = _phased_start(built, data, scenario, timings)
    if (scenario.solver.start == "greedy" and warm_start is not False
            and not scenario.phasing.enabled):
        # on a re-solve the solver also keeps the previous plan if it is still feasible and
        # better than the greedy one
        warm = _greedy_start(built, data, timings, scenario) or warm
    progress.stage(f"solving (time limit {scenario.solver.time_limit_s:g} s, gap "
                   f"{100 * scenario.solver.mip_rel_gap:g} %)")
    stages = None
    if serve_all:  # by the facility-location structure where the model has it
        from siting.decompose import solve_structured

        result = solve_structured(built, scenario.solver, solver=solver, warm_start=warm)
    elif scenario.model.objective == "max_min_coverage":
        from siting.maxmin import solve_lexicographic

        result, stages = solve_lexicographic(built, scenario.solver, warm_start=warm,
                                             solver=solver)
    else:
        result = solve(built, scenario.solver, warm_start=warm, solver=solver)
    timings["solve"] = result.runtime_s
    log.info("scenario %s: %s, objective %s, gap %s, %.1f s", scenario.name, result.status,
             result.objective, result.mip_gap, result.runtime_s)
    if result.status == "infeasible":
        shortfalls = []
        if (scenario.standards.mode == "hard" and (scenario.standards.any_soft
                                                   or scenario.phasing.targets)
                or scenario.equity.hard_floors):
            soft = scenario.model_copy(update={
                "standards": scenario.standards.update(mode="soft"),
                "equity": scenario.equity.soft()})
            shortfalls = _standard_shortfalls(data, soft)
            if shortfalls and has_pins(data.decisions):
                _blame_pins(data, soft, shortfalls, scenario.name)
        if not shortfalls:
            shortfalls = explain_infeasible(data, scenario)
        raise InfeasibleError(f"scenario {scenario.name!r} is infeasible "
                              f"({len(shortfalls)} shortfalls):", shortfalls)
    if not result.has_solution:
        if result.status == "interrupted":
            raise InterruptedRun(f"scenario {scenario.name!r}: interrupted after "
                                 f"{result.runtime_s:.1f} s, before HiGHS found any plan: there "
                                 "is no plan to write")
        if result.status == "time_limit":
            raise SolverError(f"scenario {scenario.name!r}: HiGHS stopped at the time limit "
                              f"({scenario.solver.time_limit_s:g} s) before finding any plan; "
                              "raise solver.time_limit_s")
        raise SolverError(f"scenario {scenario.name!r}: HiGHS ended with {result.termination}")
    if scenario.funding:
        from siting.money import settle_split

        t0 = time.perf_counter()
        settle_split(built, scenario.solver)
        timings["funding_split"] = time.perf_counter() - t0
    plan = extract(built, data, result, scenario, timings)
    if stages is not None:
        plan.summary["equity"]["max_min"] = stages
    if plan.summary["shortfalls"]:
        explain_shortfalls(data, scenario, plan.summary["shortfalls"])
        for sf in plan.summary["shortfalls"]:
            sf["what"] = shortfall_text(sf)
    return plan


def _phased_start(built, data: ProblemData, scenario: Scenario, timings: dict) -> bool:
    """Solve the single-period plan (total budget) briefly and schedule it into years as a
    starting solution of the phased model."""
    from siting.model.warmstart import schedule_start

    ph = scenario.phasing
    total = sum(ph.budget_per_year.values())
    budget = total if scenario.model.budget is None else min(total, scenario.model.budget)
    t0 = time.perf_counter()
    # same pairs as the phased model (which merges no zones), so values copy one to one
    single = build_model(data, scenario.model.update(budget=budget, aggregate_zones=False),
                         scenario.standards, money=Money.of(scenario),
                         equity=scenario.equity)
    res = solve(single, scenario.solver.update(time_limit_s=max(
        5.0, scenario.solver.time_limit_s / 3)))
    timings["phasing_start"] = time.perf_counter() - t0
    if not res.has_solution:
        return False
    schedule_start(built, single, data)
    return True


def _greedy_start(built: BuiltModel, data: ProblemData, timings: dict,
                  scenario: Scenario | None = None) -> bool:
    """Set a constructive plan on ``built`` as HiGHS's starting solution (with funding
    sources or area budgets, one the money can pay: :func:`siting.money.money_start`)."""
    from siting.model.decisions import start_from_pins
    from siting.model.warmstart import greedy_start

    t0 = time.perf_counter()
    weight = data.functions["weight"].astype(float).to_dict()
    keep, frozen = start_from_pins(built)
    weight = data.functions["weight"].astype(float).to_dict()
    money = built.money
    if scenario is not None and (money.funding or money.budgets.limits):
        from siting.money import money_start

        got = money_start(built, weight, scenario.solver, keep=keep, frozen=frozen)
    elif built.options.objective == "max_min_coverage" and not (keep or frozen):
        from siting.model.equity_start import max_min_start

        got = max_min_start(built, weight)  # lift the worst unit first
    else:
        got = greedy_start(built, weight, extend=True, keep=keep, frozen=frozen,
                           budget=money.start_budget())
    if got is not None:
        from siting.model.equity import complete_start

        complete_start(built)
    timings["greedy_start"] = time.perf_counter() - t0
    if got is not None:
        log.info("greedy start: %d spaces, capex %.0f, coverage score %.4f in %.2f s",
                 got["spaces"], got["capex"], got["coverage_score"], timings["greedy_start"])
    return got is not None


def _blame_pins(data: ProblemData, soft: Scenario, shortfalls: list[dict], name: str) -> None:
    """The feasibility solve behind a hard scenario with pins: the soft version (each
    standard's shortfall a variable, pins held) named the rows that cannot be met; solve it
    again without the pins and raise, naming the rows the pins make impossible, if they are
    met then."""
    free = _standard_shortfalls(replace(data, decisions=None), soft)
    free_keys = {sf["key"] for sf in free}
    caused = [sf for sf in shortfalls if sf["key"] not in free_keys]
    if caused:
        rows = [{**sf, "what": f"row {sf['key']}: {sf['what']}"} for sf in caused]
        raise InfeasibleError(
            f"scenario {name!r}: the pinned decisions make {len(caused)} hard standard(s) "
            "impossible (all are met without the pins); the rows in conflict:", rows)


def _standard_shortfalls(data: ProblemData, soft: Scenario) -> list[dict]:
    """Shortfalls of the soft version of a scenario (why its hard version is infeasible)."""
    from siting.results import read_shortfalls

    built = build_model(data, soft.model, soft.standards, soft.phasing, Money.of(soft),
                        equity=soft.equity)
    res = solve(built, soft.solver)
    if not res.has_solution:
        return []
    out = explain_shortfalls(data, soft, read_shortfalls(built))
    for sf in out:
        sf["what"] = shortfall_text(sf)
    return out


def plan_scenario(scenario: Scenario) -> Plan:
    """Load and validate the scenario's files, compute distances, then :func:`plan_problem`."""
    t0 = time.perf_counter()
    progress.stage(f"loading inputs of scenario {scenario.name}")
    inputs = load_inputs(scenario)
    progress.stage(f"walking distances ({scenario.distance.method}) for {len(inputs.zones)} "
                   f"communities and {len(inputs.spaces) + len(inputs.existing)} sites")
    data = prepare(inputs, scenario)
    t_prep = time.perf_counter() - t0
    plan = plan_problem(data, scenario)
    plan.summary["timings_s"]["load_and_distances"] = round(t_prep, 3)
    return plan
