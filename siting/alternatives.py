r"""Near-optimal alternatives: ``siting alternatives SCENARIO --count K --slack S --out DIR``.

Modelling to generate alternatives (after Hop-Skip-Jump; Brill, Chang & Hopkins 1982), with
the difference measured as *service moved*: a plan differs from the earlier ones by the
demand it serves from places away from their sites. After the optimum, each alternative
solves, on the same model (every row, pin and standard kept),

.. math::
    \max\ M = \frac{1}{V^*}\sum_{j} (1-\pi_j)\,V_j \;\pm\; \tau\,\frac{P}{|P^*|}
          \;-\; \tau\,\frac{C}{\bar C}
    \quad\text{s.t.}\quad P \ge (1-S)\,P^* \ \ (\text{max coverage; } P \le (1+S)\,P^*
    \text{ for the min objectives}),\qquad \Pi \le \Pi^*

:math:`V_j = \sum_{p=(i,j,f)} \frac{w_f}{D_f}\,\mathrm{serve}_p` is the weighted service of
space j (existing facilities never count), :math:`V^*` the optimum's total, so :math:`M` is
the share of the optimum's service the plan serves away from the plans found so far.
:math:`P` is the **primary** term only (weighted coverage; capital + pair cost; walking
distance) — not the tie-break, not the standards' penalties —, :math:`\Pi` the standards'
shortfall penalty, held at or below the optimum's :math:`\Pi^*`. The small :math:`\tau`
terms prefer the better and cheaper of equally different plans (each plan's capex is
reported). :math:`\pi_j \in [0, 1]` says how near space j is to the sites of the plans found
so far (the largest over the plans):

* ``measure: distance`` (default; R = ``radius_m`` = 300 m, the 5-minute walk):
  :math:`\pi_j = \max_i \max(0, 1 - d_{ij}/R)` over each plan's sites i: service moved to the
  room next door counts for almost nothing, service moved beyond R counts in full;
* ``measure: sites``: :math:`\pi_j = 1` at the plans' sites, 0 elsewhere;
* ``measure: street``: 1 at the plans' sites, elsewhere the plan's sites in j's street over
  its sites in its busiest street: service moves to the streets the plans used least.

Why service and not sites: the first version minimised the number of shared sites
:math:`\sum_j \omega_j\,\mathrm{build}_j` (plain HSJ). Dropping a site lowers that sum as much
as moving it away, and in a budget-bound plan dropping is what stays within the slack (the
money goes into the sites kept), so on the demo four of five alternatives were the optimum
minus four sites. Here dropping a site gains nothing; only serving people from elsewhere does.
An alternative that moves less than :data:`MIN_MOVED` of the service is no alternative: the
command stops and says whether that is proven.

How it is solved: with the slack row in the model, HiGHS stalls at the root node (on the
demo, 20 s of cuts without a better plan than its start). So each alternative (1) solves the
LP relaxation (a second HiGHS instance whose basis is kept), giving a bound on M and the slack
row's dual value :math:`y`; (2) builds a swap start (max coverage: the sites near earlier
plans dropped one at a time, least coverage per yuan first, their money re-spent greedily on
spaces away from every earlier plan, while the slack holds); (3) solves the *Lagrangian* of
the slack row — the row released, the primary term weighted by :math:`y` — a re-weighted plan
problem HiGHS solves about as fast as the optimum, bisecting :math:`y` (from 1.25 × the dual)
between plans that break the slack and plans that keep it; (4) with the row held again, lets
HiGHS improve the best plan that keeps the slack for the time left, which on small models
proves it. Every plan kept satisfies every row of the alternatives' model; its status is
``optimal`` only when HiGHS proved M, and ``moved_share_bound`` gives the bound otherwise.

Whatever was maximised, every plan is measured by all three: sites shared with the optimum
(and Jaccard distance), street difference (total variation distance between the plans'
distributions of sites over streets, 0–1) and distance (mean distance from its sites to the
optimum's nearest, share farther than R).

A site is **necessary** only when closing it leaves no plan within the slack: the
alternatives' model is re-solved with the site closed (its bound changed in the held HiGHS
model, as ``siting explain`` does) and is infeasible. A site absent from some plan is not
necessary (that plan is the witness); only the sites in every plan are re-solved.

The pattern (a slack row on the original objective, then a new linear objective) is that of
PyPSA's ``optimize_mga``; the code is this project's own.
"""

from __future__ import annotations

import logging
import math
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
from siting.solve import Solver, SolveResult, new_solver, relative_gap

log = logging.getLogger(__name__)

MEASURES = ("distance", "sites", "street")
TAU = 1e-3
"""Weight of the capex and primary terms in the difference objective (the service moved is
a share of the optimum's, at most 1)."""
TIME_LIMIT_S = 15.0
"""Default seconds of search per alternative (``--time-limit``)."""
MIN_MOVED = 1e-4
"""A plan that serves less than this share of the optimum's weighted service away from the
earlier plans' sites is no alternative (it only drops or resizes their sites)."""
LAGRANGE_GAP = 1e-3
"""MIP gap of each weighted solve of the search (its objective is of the order of the
multiplier: 1e-3 of it is a tenth of a 2 % slack)."""
FINAL_MIN_S = 1.0
"""The last solve (slack row held, from the best plan) runs only with this much time left."""
MAX_WEIGHTED = 6
"""Weighted solves per alternative at most (the multiplier's bracket is halved each time)."""


@dataclass
class AlternativesResult:
    """The optimum and the alternatives found, with what each re-solve said."""

    plans: list[Plan]
    names: list[str]
    info: list[dict]
    necessity: pd.DataFrame
    table: pd.DataFrame
    meta: dict = field(default_factory=dict)


def proximity(data: ProblemData, plans: list[frozenset], measure: str,
              radius_m: float) -> dict[str, float]:
    """:math:`\\pi_j \\in [0, 1]` of every space: how near it is to the sites of the plans
    found so far (the largest over the plans; 1 at their sites).

    ``distance``: :math:`\\max_i \\max(0, 1 - d_{ij}/R)` over a plan's sites i; ``sites``:
    1 at a plan's sites, else 0; ``street``: 1 at a plan's sites, else the plan's number of
    sites in the space's street over its number in its busiest street."""
    ids = list(data.spaces.index)
    pos = {j: n for n, j in enumerate(ids)}
    xy = data.spaces[["x", "y"]].to_numpy(float)
    street = data.spaces["street"].fillna("").astype(str).to_numpy()
    pi = np.zeros(len(ids))
    for q in plans:
        if not q:
            continue
        sel = np.array([pos[i] for i in q])
        near = np.zeros(len(ids))
        near[sel] = 1.0
        if measure == "street":
            count = pd.Series(street[sel]).value_counts()
            share = count / float(count.max())
            near = np.maximum(near, np.array([float(share.get(s, 0.0)) for s in street]))
        elif measure != "sites" and radius_m > 0:
            d = np.sqrt(((xy[:, None, :] - xy[None, sel, :]) ** 2).sum(axis=2))
            near = np.clip(1.0 - d / radius_m, 0.0, 1.0).max(axis=1)
        pi = np.maximum(pi, near)
    return dict(zip(ids, pi.tolist()))


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
        if time_limit_s is not None and not time_limit_s > 0:
            raise DataError(f"--time-limit {time_limit_s}: seconds per alternative, > 0")
        self.data, self.scenario, self.slack = data, scenario, slack
        self.measure, self.radius = measure, radius_m
        limit = time_limit_s if time_limit_s is not None else min(
            scenario.solver.time_limit_s, TIME_LIMIT_S)
        # the difference objective is of order 1, not in the scenario objective's units
        self.options = scenario.solver.update(
            time_limit_s=limit, mip_rel_gap=mip_rel_gap,
            mip_abs_gap=min(scenario.solver.mip_abs_gap, 1e-6))
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
        self.sign = -1.0 if self.maximise else 1.0
        self.p_star = float(pyo.value(primary_expression(built)))
        self.penalty_star = float(pyo.value(m.standards_penalty + m.phasing_penalty))
        self._record(plan, "optimum", {"status": plan.summary["status"],
                                       "gap": plan.summary["mip_gap"]})
        self._variables = list(m.component_data_objects(pyo.Var))
        self._optimum_values = [(v, v.value) for v in self._variables]
        self._add_rows_and_objective()
        self.solver = new_solver()  # holds the alternatives' model (other objective, rows)
        self.lp: Solver | None = None  # its LP relaxation (bound and multiplier)
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
        """The slack row, the shortfalls row and the difference objective (see the module
        docstring): ``mga_weight[j]`` is :math:`-(1 - \\pi_j)`, ``mga_primary_weight`` the
        primary term's weight (``±TAU``; the multiplier in the weighted solves)."""
        from siting.model.objective import coverage_weights

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
        cw = coverage_weights(idx, self.data.functions["weight"].astype(float).to_dict())
        serve = list(m.serve.values())
        by_site: dict[str, list] = {}
        for p, (j, f) in enumerate(zip(idx.pair_site, idx.pair_function)):
            if cw.get(f) and j in idx.options_of:  # spaces only: existing ones never move
                by_site.setdefault(j, []).append((cw[f], serve[p]))
        self._service = by_site
        served = sum(c * float(v.value or 0.0) for lst in by_site.values() for c, v in lst)
        self.service_star = served if served > 0 else 1.0
        m.mga_weight = pyo.Param(m.SPACES, mutable=True, initialize=0.0)
        m.mga_primary_weight = pyo.Param(mutable=True, initialize=self.sign * TAU)
        m.mga_objective = pyo.Objective(
            expr=sum(m.mga_weight[j] * sum(c * v for c, v in lst)
                     for j, lst in by_site.items()) / self.service_star
            + m.mga_primary_weight * prim / max(abs(self.p_star), 1e-9)
            + TAU * m.capex / max(idx.max_capex, 1.0),
            sense=pyo.minimize)
        m.objective.deactivate()

    # -- one alternative ------------------------------------------------------------------
    def moved(self, pi: dict[str, float]) -> float:
        """Weighted service of the plan on the model away from the earlier plans' sites,
        :math:`\\sum_j (1-\\pi_j)\\,\\mathrm{service}_j`, as a share of the optimum's."""
        return sum((1.0 - pi.get(j, 1.0)) * sum(c * float(v.value or 0.0) for c, v in lst)
                   for j, lst in self._service.items()) / self.service_star

    def _within_slack(self) -> bool:
        p = float(pyo.value(primary_expression(self.built)))
        tol = 1e-7 * max(1.0, abs(self.threshold))
        return p >= self.threshold - tol if self.maximise else p <= self.threshold + tol

    def _relaxation(self) -> tuple[float | None, float]:
        """The difference objective's LP relaxation (a second HiGHS instance, its basis kept
        between alternatives): (its bound, the slack row's dual value per unit of the primary
        term relative to the optimum's: the multiplier the weighted solves start from)."""
        m = self.built.model
        if self.lp is None:
            self.lp = new_solver()
            self.lp.load(self.built)
            self.lp.highs.setOptionValue("solve_relaxation", True)
        held = [v.value for v in self._variables]
        res = self.lp.solve(self.built, self.options.update(time_limit_s=60.0))
        for v, x in zip(self._variables, held):  # the relaxation's values are fractional
            v.set_value(x, skip_validation=True)
        if res.status != "optimal":
            return None, 1.0
        rows = self.lp.rows_of(m.mga_primary)
        dual = abs(float(self.lp.highs.getSolution().row_dual[rows[0]])) if rows else 0.0
        return res.objective, dual * max(abs(self.p_star), 1e-9)

    def _candidate(self, pi: dict[str, float]) -> tuple:
        """(service moved, primary term signed so that more is better, values) of the plan
        on the model."""
        p = float(pyo.value(primary_expression(self.built)))
        return self.moved(pi), -self.sign * p, [v.value for v in self._variables]

    def _keep(self, best: tuple, res: SolveResult | None, solves: int,
              seconds: float) -> SolveResult:
        """The best plan of the weighted solves as the result (the held solver's solution,
        its bound the one the last solve proved, if any)."""
        for v, x in zip(self._variables, best[2]):
            v.set_value(x, skip_validation=True)
        self.solver.store(self.solver.held_values())
        obj = float(pyo.value(self.built.model.mga_objective))
        bound = res.bound if res is not None else None
        return SolveResult("time_limit", True, obj, bound, relative_gap(obj, bound), seconds,
                           f"best of {solves} weighted solve(s) within the slack",
                           res.solver if res is not None else "", 0.0, None)

    def _weighted(self, y: float, limit: float) -> SolveResult:
        """Solve with the slack row released and the primary term weighted by ``y`` (the
        Lagrangian of the slack row): a re-weighted plan problem HiGHS solves about as fast
        as the optimum, where the slack row itself makes the root node stall."""
        m = self.built.model
        m.mga_primary_weight = self.sign * y
        self.solver.prepare(self.built)
        rows = self.solver.rows_of(m.mga_primary)
        saved = self.solver.row_bounds(rows)
        self.solver.set_row_bounds(rows, -math.inf, math.inf)
        try:
            return self.solver.solve(self.built, self.options.update(
                time_limit_s=limit, mip_rel_gap=LAGRANGE_GAP), warm_start=True)
        finally:
            self.solver.restore_row_bounds(rows, saved)
            m.mga_primary_weight = self.sign * TAU

    def next(self) -> Plan | None:
        """The next alternative; ``None`` if no plan within the slack serves demand away
        from the earlier plans' sites (or the one found is a plan found before)."""
        built, m = self.built, self.built.model
        t0 = time.perf_counter()
        budget = self.options.time_limit_s
        pi = proximity(self.data, self.site_sets, self.measure, self.radius)
        for j in m.SPACES:
            m.mga_weight[j] = -(1.0 - pi.get(j, 0.0))
        m.mga_primary_weight = self.sign * TAU
        lp_bound, dual = self._relaxation()
        best: tuple | None = None  # (moved, primary term, values) of the best plan so far
        if self._different_start(pi):
            self.solver.prepare(built)
            if self.solver.values_feasible() and self._within_slack():
                best = self._candidate(pi)
        y, lo, hi, solves = max(1.25 * dual, 1e-2), None, None, 0
        while solves < MAX_WEIGHTED:
            left = budget - (time.perf_counter() - t0)
            if left < 0.5:
                break
            res = self._weighted(y, left)
            solves += 1
            if not res.has_solution:
                break
            ok = self._within_slack()
            if ok:
                got = self._candidate(pi)
                if best is None or got[:2] > best[:2]:
                    best = got
                hi = y
            else:
                lo = y
            if lo is not None and hi is not None:
                if hi / lo < 1.05:
                    break
                y = math.sqrt(lo * hi)
            else:
                y = y / 1.5 if ok else y * 1.5
        if best is not None:
            for v, x in zip(self._variables, best[2]):
                v.set_value(x, skip_validation=True)
        # the slack row held again: HiGHS improves the best plan, or proves it (small models)
        left = budget - (time.perf_counter() - t0)
        res = None
        if left >= FINAL_MIN_S or best is None:
            res = self.solver.solve(built, self.options.update(
                time_limit_s=max(left, FINAL_MIN_S)), warm_start=True)
            if not res.has_solution and best is None:
                log.warning("alternatives: no plan (%s)", res.termination)
                self.why_stopped = f"the solver found no plan ({res.termination})"
                return None
        if best is not None and (res is None or not res.has_solution
                                 or self._candidate(pi)[:2] < best[:2]):
            res = self._keep(best, res, solves, time.perf_counter() - t0)
        moved = self.moved(pi)
        bound = res.bound
        if lp_bound is not None:
            bound = lp_bound if bound is None else max(bound, lp_bound)
        # the small terms add at most TAU (capex) + (1 + S) x TAU (primary, min objectives)
        most = None if bound is None else max(0.0, -(bound - TAU * (2.0 + self.slack)))
        proven = res.status == "optimal"
        if moved < MIN_MOVED or _signature(built) in self.signatures:
            self.why_stopped = (
                "proven: no plan within the slack serves demand away from the earlier plans' "
                "sites" if proven else
                f"the search found no plan within the slack serving demand away from the "
                f"earlier plans' sites in its time limit ({budget:g} s; not proven"
                + (f": at most {100 * most:.2f} % of the optimum's service could move"
                   if most is not None else "") + ")")
            return None
        k = len(self.plans)
        plan = self._extract(res, k)
        self._record(plan, f"alt_{k}", {
            "status": res.status, "gap": res.mip_gap, "mga_objective": res.objective,
            "moved_share": round(moved, 6),
            "moved_share_bound": None if most is None else round(most, 6),
            "weighted_solves": solves, "seconds": round(time.perf_counter() - t0, 3)})
        return plan

    def _different_start(self, pi: dict[str, float]) -> bool:
        """A starting plan for the next alternative (max coverage): from the optimum, drop
        its sites near earlier plans one at a time (least coverage per yuan first) and
        re-spend the money greedily on spaces away from every earlier plan (the remaining
        sites as they are, so the money moves), keeping each drop that stays within the
        slack. Leaves the values on the model and returns ``True`` (``False``, and nothing
        set, where the construction does not apply); every bound is restored."""
        from siting.explain import _own_contribution, _site_capex, _zero_space
        from siting.model.warmstart import greedy_start

        built, m, idx = self.built, self.built.model, self.built.index
        if (built.options.objective != "max_coverage" or built.phasing.enabled
                or built.options.n_spaces is not None or built.options.single_source):
            return False
        weight = self.data.functions["weight"].astype(float).to_dict()
        keep, frozen = self._flip.pinned, self._flip.props
        for v, x in self._optimum_values:  # from the optimum: the most room in the slack
            v.set_value(x, skip_validation=True)
        bounds = {o: m.build[o].ub for o in idx.options}
        plan_sites = _sites(built)
        for o in idx.options:  # no new opening next to an earlier plan's site
            if pi.get(o[0], 0.0) >= 0.5 and o[0] not in plan_sites:
                m.build[o].setub(0)
        try:
            own = _own_contribution(built, 1.0)
            capex = _site_capex(built)
            order = sorted((j for j in plan_sites if pi.get(j, 0.0) >= 0.5 and j not in keep),
                           key=lambda j: (own.get(j, 0.0) / max(capex.get(j, 0.0), 1.0), j))
            state = [v.value for v in self._variables]
            kept = set(plan_sites)
            for j in order:
                _zero_space(built, j)
                for o in idx.options_of[j]:
                    m.build[o].setub(0)
                kept.discard(j)
                greedy_start(built, weight, extend=True, keep=keep,
                             frozen=frozen | frozenset(kept))
                if float(pyo.value(m.coverage_score)) >= self.threshold * (1 + 1e-9):
                    state = [v.value for v in self._variables]
                else:
                    kept.add(j)
                    for v, x in zip(self._variables, state):
                        v.set_value(x, skip_validation=True)
                    for o in idx.options_of[j]:
                        m.build[o].setub(bounds[o])
        finally:
            for o, ub in bounds.items():
                m.build[o].setub(ub)
        return True

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
        row["service_moved"] = info.get("moved_share")
        row["service_moved_bound"] = info.get("moved_share_bound")
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
    measure = {"distance": f"distance (service from a site within {meta['radius_m']:g} m of "
                           "an earlier plan's site counts in part, from the same site not "
                           "at all)",
               "sites": "sites (service from any other site counts)",
               "street": "streets (service counts less in the streets earlier plans used "
                         "most)"}[meta["measure"]]
    every = nec[nec["category"] == "every"]
    needed = every[every["necessary"] == "yes"]["space_id"].tolist()
    common = every["space_id"].tolist()
    lines = [f"# Near-optimal alternatives: {meta['scenario']}", "",
             f"Objective {meta['objective_name']}; slack {pct} on the primary term only "
             f"(threshold {meta['threshold']:.6g}, optimum {meta['primary_optimum']:.6g}); "
             "standards' shortfalls held at or below the optimum's.", "",
             "Each alternative maximised the weighted service it moves away from the sites "
             f"of the plans before it (nearness measured by **{measure}**); every plan is "
             "also measured by sites, streets and distance below.", ""]
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
              "street difference | mean distance to optimum (m) | service moved |",
              "|---|---|---|---|---|---|---|---|"]
    for _, r in plans.iterrows():
        mv = r.get("service_moved")
        mv = "" if mv is None or pd.isna(mv) else f"{100 * mv:.1f} %"
        lines.append(f"| {r['id']} | {100 * r['weighted_coverage']:.2f} % | "
                     f"{r['capex'] / 1e4:,.0f} | {int(r['n_sites'])} | "
                     f"{int(r['sites_shared_with_optimum'])} | {r['street_difference']} | "
                     f"{r['mean_distance_to_optimum_m']} | {mv} |")
    if n_alt:
        lines += ["", "Service moved: the share of the optimum's weighted service the plan serves "
                  "away from the plans before it (what was maximised).", ""]
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
