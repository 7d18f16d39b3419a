r"""Near-optimal alternatives: ``siting alternatives SCENARIO --count K --slack S --out DIR``.

Modelling to generate alternatives (Hop-Skip-Jump; Brill, Chang & Hopkins 1982), with the
difference measured where it matters to a commission. After the optimum, each alternative
solves, on the same model (every row, pin and standard kept),

.. math::
    \min\ \sum_{(j,k)} \omega_j\,\mathrm{build}_{jk} \;+\; \tau\,\frac{C}{\bar C}
          \;\mp\; \tau\,\frac{P}{|P^*|}
    \quad\text{s.t.}\quad P \ge (1-S)\,P^* \ \ (\text{max coverage; } P \le (1+S)\,P^*
    \text{ for the min objectives}),\qquad \Pi \le \Pi^*

:math:`P` is the **primary** term only (weighted coverage; capital + pair cost; walking
distance) — not the tie-break, not the standards' penalties —, :math:`\Pi` the standards'
shortfall penalty, held at or below the optimum's :math:`\Pi^*`. The small :math:`\tau` terms
stop an alternative from spending money for nothing (each plan's capex is reported) and
prefer better coverage among equally different plans. :math:`\omega_j` says how close space
j is to the sites of the plans found so far:

.. math:: \omega_j = \sum_{q\ \in\ \text{plans so far}}\ \max_{i \in q}\
          \max\big(0,\ 1 - d_{ij}/R\big)

* ``measure: distance`` (default; R = ``radius_m`` = 300 m, the 5-minute walk): choosing the
  room next door to an earlier site costs almost as much as choosing the same site, so an
  alternative moves service to *other places*;
* ``measure: sites``: plain HSJ, sites shared (R → 0);
* ``measure: street``: a space weighs the share of each earlier plan's sites in its street
  (plus the site itself), so an alternative moves service to other streets.

Whatever was minimised, every plan is measured by all three: sites shared with the optimum
(and Jaccard distance), street difference (total variation distance between the plans'
distributions of sites over streets, 0–1) and distance (mean distance from its sites to the
optimum's nearest, share farther than R).

A site is **necessary** only when closing it leaves no plan within the slack: the
alternatives' model is re-solved with the site closed (its bound changed in the held HiGHS
model, as ``siting explain`` does) and is infeasible. A site absent from some plan is not
necessary (that plan is the witness); only the sites in every plan are re-solved.

The pattern (a slack row on the original objective, then a new linear objective over the
siting variables) is that of PyPSA's ``optimize_mga``; the code is this project's own.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from siting.config import Scenario
from siting.exceptions import DataError
from siting.explain import SiteFlipper, maximising, primary_expression
from siting.model import BuiltModel, build_model
from siting.problem import ProblemData
from siting.results import Plan, extract
from siting.solve import SolveResult, new_solver

log = logging.getLogger(__name__)

MEASURES = ("distance", "sites", "street")
TAU = 1e-3
"""Weight of the capex and primary terms in the alternatives' objective (one site's weight is
1)."""


@dataclass
class AlternativesResult:
    """The optimum and the alternatives found, with what each re-solve said."""

    plans: list[Plan]
    names: list[str]
    info: list[dict]
    necessity: pd.DataFrame
    table: pd.DataFrame
    meta: dict = field(default_factory=dict)


def proximity_weights(data: ProblemData, plans: list[frozenset], measure: str,
                      radius_m: float) -> dict[str, float]:
    """:math:`\\omega_j` of every space, given the site sets of the plans found so far."""
    ids = list(data.spaces.index)
    pos = {j: n for n, j in enumerate(ids)}
    xy = data.spaces[["x", "y"]].to_numpy(float)
    street = data.spaces["street"].fillna("").astype(str).to_numpy()
    w = np.zeros(len(ids))
    for q in plans:
        if not q:
            continue
        sel = np.array([pos[i] for i in q])
        same = np.zeros(len(ids))
        same[sel] = 1.0
        if measure == "street":
            share = pd.Series(street[sel]).value_counts(normalize=True)
            w += same + np.array([float(share.get(s, 0.0)) for s in street])
        elif measure == "sites" or radius_m <= 0:
            w += same
        else:
            d = np.sqrt(((xy[:, None, :] - xy[None, sel, :]) ** 2).sum(axis=2))
            w += np.clip(1.0 - d / radius_m, 0.0, 1.0).max(axis=1)
    return dict(zip(ids, w.tolist()))


def plan_metrics(data: ProblemData, plan: frozenset, optimum: frozenset, radius_m: float
                 ) -> dict:
    """How different ``plan`` is from the optimum: by sites, by street, by distance."""
    xy = data.spaces[["x", "y"]]
    street = data.spaces["street"].fillna("").astype(str)
    shared = len(plan & optimum)
    out = {"sites_shared_with_optimum": shared,
           "jaccard_distance": round(1 - shared / max(len(plan | optimum), 1), 4),
           "street_difference": None, "mean_distance_to_optimum_m": None,
           "share_far_from_optimum": None}
    if plan and optimum:
        a = street[sorted(plan)].value_counts(normalize=True)
        b = street[sorted(optimum)].value_counts(normalize=True)
        out["street_difference"] = round(0.5 * float(a.sub(b, fill_value=0).abs().sum()), 4)
        p = xy.loc[sorted(plan)].to_numpy(float)
        o = xy.loc[sorted(optimum)].to_numpy(float)
        d = np.sqrt(((p[:, None, :] - o[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
        out["mean_distance_to_optimum_m"] = round(float(d.mean()), 1)
        out["share_far_from_optimum"] = round(float((d > radius_m).mean()), 4)
    return out


def _sites(built: BuiltModel) -> frozenset:
    m, idx = built.model, built.index
    return frozenset(o[0] for o in idx.options if (m.build[o].value or 0) > 0.5)


def _signature(built: BuiltModel) -> frozenset:
    """Which spaces, through which channels: two plans with the same are the same plan."""
    m, idx = built.model, built.index
    return frozenset(o for o in idx.options if (m.build[o].value or 0) > 0.5)


def _constant_zero(expr) -> bool:
    """Whether an expression is the constant 0 (no standards' penalty to hold)."""
    from pyomo.core.expr.visitor import identify_variables

    return not any(True for _ in identify_variables(expr)) and float(pyo.value(expr)) == 0.0


class Generator:
    """Holds the model: solve the optimum, then one alternative per :meth:`next`."""

    def __init__(self, data: ProblemData, scenario: Scenario, slack: float = 0.02,
                 measure: str = "distance", radius_m: float = 300.0,
                 time_limit_s: float | None = None, mip_rel_gap: float = 0.01) -> None:
        if measure not in MEASURES:
            raise DataError(f"--measure {measure!r}: expected one of {', '.join(MEASURES)}")
        if not 0 <= slack < 1:
            raise DataError(f"--slack {slack}: a share of the optimum in [0, 1), e.g. 0.02")
        self.data, self.scenario, self.slack = data, scenario, slack
        self.measure, self.radius = measure, radius_m
        limit = time_limit_s if time_limit_s is not None else min(
            scenario.solver.time_limit_s, 10.0)
        self.options = scenario.solver.update(time_limit_s=limit, mip_rel_gap=mip_rel_gap)
        self.plans: list[Plan] = []
        self.names: list[str] = []
        self.info: list[dict] = []
        self.site_sets: list[frozenset] = []
        self.signatures: list[frozenset] = []

    def optimum(self) -> Plan:
        from siting.run import plan_problem

        sc = self.scenario
        built = build_model(self.data, sc.model, sc.standards, sc.phasing,
                            equity=sc.equity)
        primary_expression(built)  # a clear error for an objective without a primary term
        plan = plan_problem(self.data, sc, built=built, solver=new_solver(),
                            warm_start=False if sc.phasing.enabled else None)
        self.built, m = built, built.model
        self.maximise = maximising(built)
        self.p_star = float(pyo.value(primary_expression(built)))
        self.penalty_star = float(pyo.value(m.standards_penalty + m.phasing_penalty))
        self._record(plan, "optimum", {"status": plan.summary["status"],
                                       "gap": plan.summary["mip_gap"]})
        self._optimum_values = [(v, v.value) for v in m.component_data_objects(pyo.Var)]
        self._add_rows_and_objective()
        self.solver = new_solver()  # holds the alternatives' model (other objective, rows)
        self._flip = SiteFlipper(built, self.solver, self.options)
        self.why_stopped = ""
        return plan

    @property
    def threshold(self) -> float:
        return self.p_star * ((1 - self.slack) if self.maximise else (1 + self.slack))

    def _record(self, plan: Plan, name: str, info: dict) -> None:
        self.plans.append(plan)
        self.names.append(name)
        self.site_sets.append(_sites(self.built))
        self.signatures.append(_signature(self.built))
        self.info.append({"plan": name, **info})

    def _add_rows_and_objective(self) -> None:
        built = self.built
        m, idx = built.model, built.index
        prim = primary_expression(built)
        if self.maximise:
            m.mga_primary = pyo.Constraint(expr=prim >= self.threshold)
        else:
            m.mga_primary = pyo.Constraint(expr=prim <= self.threshold)
        pen = m.standards_penalty + m.phasing_penalty
        if not _constant_zero(pen):
            m.mga_shortfalls = pyo.Constraint(
                expr=pen <= self.penalty_star + 1e-7 * max(1.0, abs(self.penalty_star)))
        m.mga_weight = pyo.Param(m.SPACES, mutable=True, initialize=0.0)
        scale = max(abs(self.p_star), 1e-9)
        sign = -1.0 if self.maximise else 1.0
        m.mga_objective = pyo.Objective(
            expr=sum(m.mga_weight[o[0]] * m.build[o] for o in idx.options)
            + TAU * m.capex / max(idx.max_capex, 1.0) + sign * TAU * prim / scale,
            sense=pyo.minimize)
        m.objective.deactivate()

    def next(self) -> Plan | None:
        """The next alternative; ``None`` if the best plan found is one found before (the
        slack leaves no different plan the solver could find)."""
        built, m = self.built, self.built.model
        w = proximity_weights(self.data, self.site_sets, self.measure, self.radius)
        for j in m.SPACES:
            m.mga_weight[j] = w.get(j, 0.0)
        self._different_start(w)
        res = self.solver.solve(built, self.options, warm_start=True)
        if not res.has_solution:
            log.warning("alternatives: no plan (%s)", res.termination)
            self.why_stopped = f"the solver found no plan ({res.termination})"
            return None
        if _signature(built) in self.signatures:
            self.why_stopped = (
                "proven: no plan within the slack is more different from the plans found"
                if res.status == "optimal" else
                f"the solver found no more different plan within its time limit "
                f"({self.options.time_limit_s:g} s; not proven, gap {res.mip_gap})")
            return None
        k = len(self.plans)
        plan = self._extract(res, k)
        self._record(plan, f"alt_{k}", {"status": res.status, "gap": res.mip_gap,
                                        "mga_objective": res.objective})
        return plan

    def _different_start(self, w: dict[str, float]) -> None:
        """A starting plan for the next alternative (max coverage): from the optimum, drop
        its sites nearest earlier plans one at a time (least coverage lost per unit of
        overlap first), re-spending the money greedily on spaces away from every earlier plan,
        and keep each drop that stays within the slack. Leaves the values on the model (the
        solver checks them before using them as a start); every bound is restored."""
        from siting.explain import _own_contribution, _zero_space
        from siting.model.warmstart import greedy_start

        built, m, idx = self.built, self.built.model, self.built.index
        if built.options.objective != "max_coverage" or built.phasing.enabled:
            return
        weight = self.data.functions["weight"].astype(float).to_dict()
        keep, frozen = self._flip.pinned, self._flip.props
        for v, x in self._optimum_values:  # from the optimum: the most room in the slack
            v.set_value(x, skip_validation=True)
        bounds = {o: m.build[o].ub for o in idx.options}
        plan_sites = _sites(built)
        variables = list(m.component_data_objects(pyo.Var))
        for o in idx.options:  # no new opening next to an earlier plan's site
            if w.get(o[0], 0.0) > 0.5 and o[0] not in plan_sites:
                m.build[o].setub(0)
        try:
            own = _own_contribution(built, 1.0)
            order = sorted((j for j in plan_sites if w.get(j, 0.0) > 0 and j not in keep),
                           key=lambda j: (own.get(j, 0.0) / w[j], j))
            state = [v.value for v in variables]
            for j in order:
                _zero_space(built, j)
                for o in idx.options_of[j]:
                    m.build[o].setub(0)
                greedy_start(built, weight, extend=True, keep=keep, frozen=frozen)
                if float(pyo.value(m.coverage_score)) >= self.threshold * (1 + 1e-9):
                    state = [v.value for v in variables]
                else:
                    for v, x in zip(variables, state):
                        v.set_value(x, skip_validation=True)
                    for o in idx.options_of[j]:
                        m.build[o].setub(bounds[o])
        finally:
            for o, ub in bounds.items():
                m.build[o].setub(ub)

    def _extract(self, res: SolveResult, k: int) -> Plan:
        m = self.built.model
        obj = float(pyo.value(m.objective.expr))
        as_plan = SolveResult(res.status, True, obj, None, None, res.runtime_s,
                              f"alternative {k} (difference objective {res.termination}, "
                              f"gap {res.mip_gap})", res.solver, res.handover_s,
                              res.first_plan_s)
        return extract(self.built, self.data, as_plan, self.scenario)

    def primary_of(self, plan: Plan) -> float:
        """The primary term of an exported plan (summary numbers)."""
        s = plan.summary
        if self.built.options.objective == "max_coverage":
            return float(s["weighted_coverage"])
        return float(s.get("primary", np.nan))

    # -- necessity ------------------------------------------------------------------------
    def necessity(self, time_limit_s: float = 10.0) -> pd.DataFrame:
        """Per space: in every plan, some or none; necessary (yes/no/unknown) by re-solve."""
        data, built = self.data, self.built
        counts = pd.Series(0, index=data.spaces.index, dtype=int)
        for q in self.site_sets:
            counts[list(q)] += 1
        n = len(self.site_sets)
        flip = SiteFlipper(built, self.solver, self.options.update(time_limit_s=time_limit_s))
        for v, x in self._optimum_values:  # every re-solve starts from the optimum (the
            v.set_value(x, skip_validation=True)  # plan farthest inside the slack)
        flip.remember_base()
        walk = float(data.functions["walking_limit_m"].max())
        h = self.solver.highs
        rows = []
        for j in data.spaces.index:
            c = int(counts[j])
            cat = "every" if c == n else ("some" if c else "none")
            necessary, evidence, secs = "no", "", 0.0
            if cat == "some":
                evidence = "absent from " + ", ".join(
                    nm for nm, q in zip(self.names, self.site_sets) if j not in q)
            elif cat == "none":
                evidence = "in no plan"
            else:
                t0 = time.perf_counter()
                with flip.closed(j):
                    flip.start_closed(j, integer_only=False)
                    witness = self.solver.values_feasible()
                    h.setOptionValue("mip_max_improving_sols", 1)  # any plan will do
                    try:
                        for radius in (-1.0, 2.0 * walk):  # the same sites (an LP), then
                            if witness:                   # the plan re-optimised near j
                                break
                            flip.start_closed(j)
                            with flip.local(j, radius):
                                witness = flip.solve().has_solution
                    finally:
                        h.setOptionValue("mip_max_improving_sols", 2147483647)
                    if witness:
                        evidence = "the optimum without it, re-optimised, is within the slack"
                    else:  # integers only: HiGHS completes the flows by an LP first
                        flip.start_closed(j)
                        h.setOptionValue("mip_max_improving_sols", 1)
                        try:
                            res = flip.solve()
                        finally:
                            h.setOptionValue("mip_max_improving_sols", 2147483647)
                        if res.status == "infeasible":
                            necessary, evidence = "yes", ("without it no plan is within the "
                                                          "slack (re-solve infeasible)")
                        elif res.has_solution:
                            evidence = "a plan without it is within the slack (re-solve)"
                        else:
                            necessary, evidence = "unknown", f"re-solve stopped: {res.status}"
                secs = time.perf_counter() - t0
            sp = data.spaces.loc[j]
            rows.append({"space_id": j, "space_name": sp.get("name", j),
                         "street": sp.get("street", ""), "in_plans": c, "of_plans": n,
                         "category": cat, "necessary": necessary, "evidence": evidence,
                         "seconds": round(secs, 3)})
        flip.restore_base()
        return pd.DataFrame(rows)


def plans_table(gen: Generator) -> pd.DataFrame:
    """alternatives.csv: one row per plan, then one row per space (channel in each plan)."""
    data = gen.data
    opt = gen.site_sets[0]
    rows = []
    fns = list(data.functions.index)
    for plan, name, info, q in zip(gen.plans, gen.names, gen.info, gen.site_sets):
        s = plan.summary
        row = {"kind": "plan", "id": name, "status": info.get("status"),
               "objective": s["objective"], "weighted_coverage": s["weighted_coverage"],
               "capex": s["total_capex"], "n_sites": s["n_sites"]}
        row.update({f"coverage_{f}": s["functions"][f]["coverage"] for f in fns})
        row.update(plan_metrics(data, q, opt, gen.radius))
        rows.append(row)
    chan = [dict(zip(p.sites["space_id"], p.sites["channel"])) for p in gen.plans]
    for j in data.spaces.index:
        row = {"kind": "space", "id": j, "space_name": data.spaces.at[j, "name"]
               if "name" in data.spaces.columns else j,
               "street": data.spaces.at[j, "street"]}
        row.update({name: c.get(j, "") for name, c in zip(gen.names, chan)})
        row["in_plans"] = sum(1 for c in chan if j in c)
        rows.append(row)
    return pd.DataFrame(rows)


def interchangeable(gen: Generator, tol: float = 0.15) -> list[tuple[str, str, list[str]]]:
    """(street, function, sites) where the plans provide about the same units of a function
    in a street (within ``tol``) but from different sites: those sites are interchangeable."""
    out = []
    fns = list(gen.data.functions.index)
    for f in fns:
        per_plan = []
        for p in gen.plans:
            s = p.sites[p.sites[f"units_{f}"] > 0]
            per_plan.append((s.groupby("street")[f"units_{f}"].sum(),
                             {st: frozenset(g["space_id"]) for st, g in s.groupby("street")}))
        streets = set().union(*(set(u.index) for u, _ in per_plan))
        for st in sorted(streets):
            units = [float(u.get(st, 0.0)) for u, _ in per_plan]
            sets = [h.get(st, frozenset()) for _, h in per_plan]
            if min(units) > 0 and (max(units) - min(units)) <= tol * max(units) \
                    and len(set(sets)) > 1:
                out.append((st, f, sorted(set().union(*sets))))
    return out


def run_alternatives(data: ProblemData, scenario: Scenario, count: int = 5,
                     slack: float = 0.02, measure: str = "distance", radius_m: float = 300.0,
                     time_limit_s: float | None = None, necessity_time_limit_s: float = 10.0,
                     progress=None) -> AlternativesResult:
    """The optimum and up to ``count`` alternatives within ``slack``; site necessity."""
    t0 = time.perf_counter()
    gen = Generator(data, scenario, slack, measure, radius_m, time_limit_s)
    gen.optimum()
    if progress:
        progress("optimum", time.perf_counter() - t0)
    stopped = None
    for _ in range(count):
        t1 = time.perf_counter()
        got = gen.next()
        if got is None:
            stopped = len(gen.plans) - 1
            break
        if progress:
            progress(gen.names[-1], time.perf_counter() - t1)
    t_alt = time.perf_counter() - t0
    necessity = gen.necessity(necessity_time_limit_s)
    meta = {"scenario": scenario.name, "objective_name": scenario.model.objective,
            "slack": slack, "measure": measure, "radius_m": radius_m,
            "primary_optimum": gen.p_star, "threshold": gen.threshold,
            "shortfall_penalty_optimum": gen.penalty_star, "requested": count,
            "found": len(gen.plans) - 1, "stopped_early": stopped is not None,
            "why_stopped": gen.why_stopped,
            "seconds_plans": round(t_alt, 3),
            "seconds_necessity": round(time.perf_counter() - t0 - t_alt, 3),
            "interchangeable": [{"street": s, "function": f, "sites": js}
                                for s, f, js in interchangeable(gen)]}
    for plan, name, info, q in zip(gen.plans, gen.names, gen.info, gen.site_sets):
        plan.summary["alternative"] = {
            "name": name, "slack": slack, "measure": measure, "radius_m": radius_m,
            "objective_name": scenario.model.objective, "primary_optimum": gen.p_star,
            "threshold": gen.threshold, "maximise": gen.maximise, **info,
            **plan_metrics(data, q, gen.site_sets[0], radius_m)}
    return AlternativesResult(gen.plans, gen.names, gen.info, necessity, plans_table(gen),
                              meta)


def summary_text(res: AlternativesResult) -> str:
    """summary.md: the alternatives in words (English and Chinese)."""
    meta, nec, table = res.meta, res.necessity, res.table
    plans = table[table["kind"] == "plan"]
    n_alt = meta["found"]
    pct = f"{100 * meta['slack']:g} %"
    measure = {"distance": f"distance (a site within {meta['radius_m']:g} m of an earlier "
                           "plan's site counts almost as the same site)",
               "sites": "sites shared (plain Hop-Skip-Jump)",
               "street": "streets (sites in the streets earlier plans used)"}[meta["measure"]]
    every = nec[nec["category"] == "every"]
    needed = every[every["necessary"] == "yes"]["space_id"].tolist()
    common = every["space_id"].tolist()
    lines = [f"# Near-optimal alternatives: {meta['scenario']}", "",
             f"Objective {meta['objective_name']}; slack {pct} on the primary term only "
             f"(threshold {meta['threshold']:.6g}, optimum {meta['primary_optimum']:.6g}); "
             "standards' shortfalls held at or below the optimum's.", "",
             f"The command minimised overlap measured by **{measure}**; every plan is also "
             "measured by sites, streets and distance below.", ""]
    proven = meta.get("why_stopped", "").startswith("proven")
    if n_alt == 0 and proven:
        lines += [f"**No different alternative**: within {pct} of the optimum no plan differs "
                  "from the optimum (proven by the solver; the optimum is unique at this "
                  "slack).", f"**没有不同的备选方案**：在最优值 {pct} 的范围内，除最优方案外没有"
                  "其他方案（求解器已证明）。", ""]
    elif n_alt == 0:
        lines += [f"No alternative found: {meta.get('why_stopped', '')}. 未找到备选方案。", ""]
    else:
        lines += [f"{n_alt} alternative(s) found"
                  + (f" of {meta['requested']} asked ({meta.get('why_stopped', '')})"
                     if meta["stopped_early"] else "") + ".", ""]
    lines += ["| plan | weighted coverage | capex (万元) | sites | shared with optimum | "
              "street difference | mean distance to optimum (m) |", "|---|---|---|---|---|---|---|"]
    for _, r in plans.iterrows():
        lines.append(f"| {r['id']} | {100 * r['weighted_coverage']:.2f} % | "
                     f"{r['capex'] / 1e4:,.0f} | {int(r['n_sites'])} | "
                     f"{int(r['sites_shared_with_optimum'])} | {r['street_difference']} | "
                     f"{r['mean_distance_to_optimum_m']} |")
    lines.append("")
    if n_alt:
        if common:
            unknown = every[every["necessary"] == "unknown"]["space_id"].tolist()
            free = [j for j in common if j not in needed and j not in unknown]
            parts = []
            if needed:
                parts.append(f"{_ids(needed)} are necessary: without any one of them no plan "
                             f"reaches the {pct} slack (re-solved, infeasible)")
            if free:
                parts.append(f"{_ids(free)} are not: a plan without each is within the slack "
                             "(re-solved)")
            if unknown:
                parts.append(f"for {_ids(unknown)} the re-solve stopped before deciding")
            lines.append(f"{_ids(common)} are in every near-optimal plan found; "
                         + "; ".join(parts) + ".")
            zh = []
            if needed:
                zh.append(f"其中 {_ids(needed)} 不可替代（去掉任何一处，都没有方案能达到最优值的 "
                          f"{pct} 以内）")
            if free:
                zh.append(f"{_ids(free)} 可以被替代")
            if unknown:
                zh.append(f"{_ids(unknown)} 尚未判定")
            lines.append(f"{_ids(common)} 出现在所有找到的近优方案中；" + "；".join(zh) + "。")
        else:
            lines.append("No site is in every near-optimal plan. "
                         "没有一处空间出现在所有近优方案中。")
        lines.append("")
        fn = res.plans[0].data.functions if res.plans else None
        zh_name = (fn["label_zh"].to_dict() if fn is not None and "label_zh" in fn.columns
                   else {})
        for item in meta["interchangeable"][:12]:
            f = item["function"]
            lines.append(f"- The {f} sites in {item['street']} are interchangeable "
                         f"({', '.join(item['sites'])}: about the same units in every plan, "
                         f"from different sites). {item['street']}的"
                         f"{zh_name.get(f, f) if isinstance(zh_name.get(f), str) else f}"
                         "设施可以互换。")
    return "\n".join(lines) + "\n"


def _ids(ids: list[str], limit: int = 15) -> str:
    s = ", ".join(ids[:limit])
    return s + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def write_alternatives(res: AlternativesResult, out: str | Path) -> Path:
    """DIR/optimum, DIR/alt_k (plan folders), alternatives.csv, site_necessity.csv,
    summary.md, alternatives.json; every file written under a temporary name first."""
    import json

    from siting.exports import write_csv, write_plan

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for plan, name in zip(res.plans, res.names):
        write_plan(plan, out / name)
    for name, writer in (("alternatives.csv", lambda p: write_csv(res.table, p)),
                         ("site_necessity.csv", lambda p: write_csv(res.necessity, p)),
                         ("summary.md", lambda p: p.write_text(summary_text(res),
                                                               encoding="utf-8")),
                         ("alternatives.json", lambda p: p.write_text(json.dumps(
                             {**res.meta, "plans": res.info}, ensure_ascii=False, indent=2,
                             default=str), encoding="utf-8"))):
        tmp = out / (name + ".tmp")
        writer(tmp)
        tmp.replace(out / name)
    return out
