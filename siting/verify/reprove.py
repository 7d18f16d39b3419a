"""``siting verify DIR --reprove``: is a plan marked optimal really within its gap?

The other checks recompute what a plan reports; a status, a bound or a gap cannot be
recomputed without solving. Here the recorded scenario is built again (with the model, unlike
the rest of the verifier) and

1. its LP relaxation is solved: the relaxation's optimum bounds every plan, so if the plan's
   objective is within the gap it claims of that bound, the claim is proven;
2. otherwise the MIP is solved again (to a tenth of the gap asked for, within a time limit):
   its proven bound decides, and a plan it finds that beats the claimed bound, or is better
   than the gap allows, is a violation.

A re-solve that can prove neither way within the limit is reported as inconclusive, not as a
violation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from siting.verify.core import Violation
from siting.verify.reading import read_plan_folder


@dataclass
class Reproof:
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def reprove(folder: str | Path, time_limit_s: float | None = None) -> Reproof:
    import pyomo.environ as pyo

    from siting.config import Scenario
    from siting.data import load_inputs
    from siting.exceptions import DataError
    from siting.model import build_model
    from siting.problem import prepare
    from siting.solve import solve

    out = Reproof()
    files, v = read_plan_folder(folder)
    if files is None:
        out.violations += v
        return out
    s = files.summary
    status, obj = s.get("status"), s.get("objective")
    if obj is None:
        out.notes.append("the plan has no objective value: nothing to re-prove")
        return out
    scen = Scenario.model_validate(s["resolved_scenario"])
    if scen.model.objective == "max_min_coverage":
        out.notes.append("max_min_coverage is solved in two stages (siting.maxmin): its "
                         "summary's equity.max_min gives each stage's bound and gap; the "
                         "verifier's equity family checks the minimum; not re-proven here")
        return out
    asked = float(scen.solver.mip_rel_gap)
    sense = 1.0 if scen.model.objective.startswith("max") else -1.0
    obj = float(obj)

    def gap_to(bound: float) -> float:  # how far the plan may be from the optimum
        return max(0.0, sense * (bound - obj)) / max(abs(obj), 1e-9)

    try:
        data = prepare(load_inputs(scen), scen)
    except DataError as exc:
        out.violations += [Violation("reprove", "inputs", p) for p in exc.problems]
        return out
    claim = f"marked {status} with gap {100 * float(s.get('mip_gap') or 0):.3f} %" \
            f" (asked {100 * asked:g} %)"
    # 1. the LP relaxation
    built = build_model(data, scen.model, scen.standards, scen.phasing,
                        equity=scen.equity)
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(built.model)
    opts = scen.solver.update(time_limit_s=float(time_limit_s or scen.solver.time_limit_s))
    lp = solve(built, opts)
    if lp.status == "optimal" and lp.objective is not None:
        g = gap_to(lp.objective)
        out.notes.append(f"LP relaxation bound {lp.objective:.8g}: the plan is within "
                         f"{100 * g:.3f} % of it")
        if status == "optimal" and g <= asked + 1e-7:
            out.notes.append(f"proven: the plan ({claim}) is within the gap asked of the "
                             "relaxation's bound")
            return out
        if sense * (lp.objective - float(s.get("bound", lp.objective))) < \
                -1e-6 * max(1.0, abs(lp.objective)):
            out.notes.append(f"the recorded bound {s['bound']:.8g} is tighter than the LP "
                             "relaxation's (expected: branch and bound tightens it)")
    # 2. the MIP again, tighter
    built = build_model(data, scen.model, scen.standards, scen.phasing,
                        equity=scen.equity)
    mip = solve(built, opts.update(mip_rel_gap=asked / 10, mip_abs_gap=0.0))
    if not mip.has_solution or mip.bound is None:
        out.notes.append(f"inconclusive: the re-solve ended {mip.status} without a bound "
                         f"in {opts.time_limit_s:g} s")
        return out
    best, bound = float(mip.objective), float(mip.bound)
    rec_bound = s.get("bound")
    if rec_bound is not None and sense * (best - float(rec_bound)) > \
            1e-6 * max(1.0, abs(best)):
        out.violations.append(Violation(
            "reprove", "summary.json bound",
            f"records bound {float(rec_bound):.8g}, but a plan with objective {best:.8g} "
            "exists: the bound is not a bound"))
    g_true = gap_to(bound)
    if status == "optimal" and g_true > asked + 1e-7:
        if gap_to(best) > asked + 1e-7:
            out.violations.append(Violation(
                "reprove", "status", f"{claim}, but a plan with objective {best:.8g} exists: "
                f"it is at least {100 * gap_to(best):.3f} % from the optimum"))
        else:
            out.notes.append(f"inconclusive: the re-solve proves only {100 * g_true:.3f} % "
                             f"in {opts.time_limit_s:g} s ({mip.status})")
        return out
    out.notes.append(f"{'proven' if status == 'optimal' else 'measured'}: the plan ({claim}) "
                     f"is within {100 * g_true:.3f} % of the proven bound {bound:.8g}")
    return out
