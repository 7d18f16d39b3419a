r"""Equity rows: the smallest coverage of any street or community, and coverage floors.

Coverage is measured against the demand that can be reached (the pitfall of a community with
nothing within walking distance, which would hold any minimum at 0 for every plan). For a
unit :math:`u` (a street, or one community) and a function f, with :math:`P(i,f)` the pairs of
community i for f,

.. math::
    R_{uf} = \sum_{i\in u:\,P(i,f)\neq\emptyset} d_{if}, \qquad
    c_{uf} = \frac{1}{R_{uf}} \sum_{i\in u}\ \sum_{p\in P(i,f)} \mathrm{serve}_p, \qquad
    c_u = \frac{\sum_{f:\,R_{uf}>0} w_f\, c_{uf}}{\sum_{f:\,R_{uf}>0} w_f}

(:math:`c_u` is the *weighted* coverage, the per-unit analogue of the summary's
``weighted_coverage``). Units with no reachable demand are left out of every row here and
reported separately (:mod:`siting.equity`). The same definitions are measured on every plan
by :mod:`siting.equity` and re-computed independently by the verifier.

* ``max_min_coverage``: a variable :math:`z\in[0,1]` with :math:`c_u - z \ge 0` for every
  unit (``equity_min_rows``) and :math:`z \ge h` (``equity_hold``; :math:`h=0` until the
  second stage of :mod:`siting.maxmin` holds the first stage's optimum). The objective is
  :math:`a\,z + b\,C/W - \tau\,C_{cap}/\bar C - \text{penalties}` with :math:`C/W` the
  weighted coverage of the whole city, in [0, 1] like z; :math:`(a, b)` are parameters
  (``equity_stage_min``, ``equity_stage_total``) that the lexicographic driver switches from
  (1, 0) to (0, 1). The penalty scale of standards' shortfalls is 1 (the objective's range),
  not another objective's.
* ``equity.min_coverage`` floors: :math:`c_u\ (\text{or } c_{uf}) + \sigma_{u} \ge s`
  (``equity_floor``), :math:`\sigma_u` a standards' shortfall variable (soft: penalised and
  explained like any standard; hard: fixed at 0).

Rows per community need each community's flows, so zone merging (``model.aggregate_zones``)
is off for them. When every row is a street's (``equity_level: street`` and floors at street
level), communities *of the same street* that reach exactly the same sites for a function are
merged into one demand (:func:`merge_level`, :func:`siting.model.can_aggregate`), which is
exact: the coefficient of a flow in every row here, :math:`w_f/(W_u R_{uf})`, depends only on
its street u and function f, so a flow of the merged demand counts in each row exactly as the
same flow split among its communities in proportion to their demand (which keeps each
community's flow within its demand and each (community, site) flow within its demand times
the site's opening, the argument for max coverage's merging in
:func:`siting.model.sets._aggregate_zones`); conversely any unmerged flow sums to a merged
one with the same row values. Objective, capacities and budget see only these sums, so the
optimum and the LP relaxation are unchanged (tested against the unmerged model). Measured on
``benchmarks/city_scale.py``'s 1,000 x 300: 94 k flows -> 41 k (max coverage's city-wide
merging: 39 k); 5,000 x 1,000: 187 k -> 143 k (139 k). The rows' coefficients
:math:`1/R_{uf}` are data, so a sweep changing demand rebuilds such a model
(:func:`siting.model.parameters.update_data`).
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from siting.config import Equity, ModelOptions
from siting.exceptions import DataError
from siting.model.sets import ModelIndex
from siting.model.standards import StandardsIndex, _group_name, _groups
from siting.problem import ProblemData

MAX_MIN = "max_min_coverage"


def needs_rows(opts: ModelOptions, eq: Equity | None) -> bool:
    """Whether the model has equity rows (and so must keep communities apart)."""
    return opts.objective == MAX_MIN or bool(eq is not None and any(
        fl.share > 0 for fl in eq.floors))


def merge_level(opts: ModelOptions, eq: Equity | None) -> str | None:
    """``"street"`` if zones may be merged within streets (every equity row a street's sum
    and an objective blind to distances and pair costs; see the module docstring), else
    ``None``."""
    if opts.objective not in (MAX_MIN, "max_coverage"):
        return None
    levels = {fl.level for fl in eq.floors if fl.share > 0} if eq is not None else set()
    if opts.objective == MAX_MIN:
        levels.add(opts.equity_level)
    return "street" if levels <= {"street"} else None


def unit_members(data: ProblemData, level: str) -> dict[str, list[str]]:
    """Communities of each street (``street``), or each community alone."""
    return _groups(data, level)


def reachable_demand(idx: ModelIndex) -> dict[tuple[str, str], float]:
    """Demand (zone, f) -> units that has at least one pair in the model, per community
    (merged demands are split back among their communities)."""
    out: dict[tuple[str, str], float] = {}
    for (i, f) in idx.pairs_of_demand:
        members = idx.zone_groups.get((i, f))
        if members is None:
            out[(i, f)] = idx.demand[(i, f)]
        else:
            for z, share in members:
                out[(z, f)] = idx.demand[(i, f)] * share
    return out


def coverage_terms(idx: ModelIndex, data: ProblemData, level: str, function: str
                   ) -> dict[str, dict[int, float]]:
    """Per unit with reachable demand: pair -> coefficient of :math:`c_u` (``weighted``) or
    :math:`c_{uf}` (a function name). Merged demands must lie within one unit."""
    weight = data.functions["weight"].astype(float).to_dict()
    if function != "weighted" and function not in weight:
        raise DataError(f"equity: function {function!r} is not an enabled function "
                        f"(have: weighted, {', '.join(weight)})")
    reach = reachable_demand(idx)
    unit_of = {i: u for u, ms in unit_members(data, level).items() for i in ms}
    for (g, _), members in idx.zone_groups.items():  # merged within one unit only
        units = {unit_of[z] for z, _ in members}
        if len(units) != 1:
            raise ValueError(f"equity rows per {level}: merged demand {g} spans {len(units)} "
                             f"{level}s")
        unit_of[g] = units.pop()
    r: dict[tuple[str, str], float] = defaultdict(float)
    for (i, f), d in reach.items():
        if function in ("weighted", f) and d > 0:
            r[(unit_of[i], f)] += d
    wsum: dict[str, float] = defaultdict(float)
    for (u, f) in r:
        wsum[u] += weight[f] if function == "weighted" else 1.0
    out: dict[str, dict[int, float]] = defaultdict(dict)
    for p, (i, f) in enumerate(zip(idx.pair_zone, idx.pair_function)):
        u = unit_of[i]
        if (u, f) not in r or wsum[u] <= 0:
            continue
        w = weight[f] if function == "weighted" else 1.0
        if w > 0:
            out[u][p] = w / wsum[u] / r[(u, f)]
    return {u: out[u] for u in sorted(out)}


def floor_label(level: str, function: str, share: float) -> str:
    what = "weighted coverage" if function == "weighted" else f"{function} coverage"
    return f"{what} ≥ {100 * share:g} % of reachable demand in every {level}"


def add_floor_shortfalls(info: StandardsIndex, idx: ModelIndex, data: ProblemData,
                         eq: Equity | None) -> dict[str, dict[int, float]]:
    """Register one shortfall per floor and unit in ``info`` (so it is penalised, reported
    and explained like a standard's); return the rows' terms by shortfall key."""
    rows: dict[str, dict[int, float]] = {}
    if eq is None:
        return rows
    for n, fl in enumerate(eq.floors):
        if fl.share <= 0:
            continue
        for u, terms in coverage_terms(idx, data, fl.level, fl.function).items():
            key = f"equity_floor[{n}]|{u}"
            rows[key] = terms
            info.shortfalls[key] = {
                "standard": "equity_floor", "level": fl.level, "group": u,
                "group_name": _group_name(data, fl.level, u),
                "function": "" if fl.function == "weighted" else fl.function,
                "required": float(fl.share), "unit": "share", "mode": fl.mode,
                "label": floor_label(fl.level, fl.function, fl.share)}
    return rows


def add_equity(m: pyo.ConcreteModel, idx: ModelIndex, data: ProblemData, opts: ModelOptions,
               eq: Equity | None, info: StandardsIndex,
               floor_rows: dict[str, dict[int, float]], hard: bool,
               serve: list | None = None) -> None:
    """The rows of the module docstring (after the standards' variables exist).
    ``serve``: the list of ``m.serve``'s variables the blocks share."""
    if serve is None and (floor_rows or opts.objective == MAX_MIN):
        serve = list(m.serve.values())

    def lin(terms: dict[int, float]):
        return sum(c * serve[p] for p, c in terms.items())

    for key in floor_rows:  # floors keep their own mode whatever the standards' mode
        v = m.shortfall[key]
        if hard or info.shortfalls[key]["mode"] == "hard":
            v.fix(0.0)
        else:
            v.unfix()
    m.equity_floor = pyo.Constraint(
        list(floor_rows), rule=lambda m, k: lin(floor_rows[k]) + m.shortfall[k]
        >= m.requirement[k])
    if opts.objective != MAX_MIN:
        return
    units = coverage_terms(idx, data, opts.equity_level, "weighted")
    if not units:
        raise DataError("objective max_min_coverage: no street or community has demand "
                        "that any candidate space or existing facility can reach")
    m.EQUITY_UNITS = pyo.Set(initialize=list(units), ordered=True)
    m.equity_min = pyo.Var(bounds=(0.0, 1.0))
    m.equity_min_rows = pyo.Constraint(
        m.EQUITY_UNITS, rule=lambda m, u: lin(units[u]) - m.equity_min >= 0)
    m.equity_hold_level = pyo.Param(mutable=True, initialize=0.0)
    m.equity_hold = pyo.Constraint(expr=m.equity_min >= m.equity_hold_level)
    m.equity_stage_min = pyo.Param(mutable=True, initialize=1.0)
    m.equity_stage_total = pyo.Param(mutable=True, initialize=0.0)


def stage_objective(m: pyo.ConcreteModel, wsum: float):
    """:math:`a\\,z + b\\,C/W` (see the module docstring)."""
    return m.equity_stage_min * m.equity_min + m.equity_stage_total * m.coverage_score / wsum


def unit_coverage(built, level: str, function: str = "weighted") -> dict[str, float]:
    """:math:`c_u` of every unit at the model's current ``serve`` values (unset = 0)."""
    m = built.model
    vals = [v.value or 0.0 for v in m.serve.values()]
    return {u: sum(c * vals[p] for p, c in terms.items())
            for u, terms in coverage_terms(built.index, built.data, level, function).items()}


def complete_start(built) -> None:
    """Given a plan's flows on the model (a constructive start), set :math:`z` and the
    floors' shortfalls so the start satisfies the equity rows."""
    m = built.model
    if hasattr(m, "equity_min"):
        cov = unit_coverage(built, built.options.equity_level)
        m.equity_min.set_value(max(0.0, min(1.0, min(cov.values()) - 1e-9)))
    info = built.standards_index
    eq = built.equity
    if eq is None:
        return
    for n, fl in enumerate(eq.floors):
        if fl.share <= 0:
            continue
        for u, c in unit_coverage(built, fl.level, fl.function).items():
            key = f"equity_floor[{n}]|{u}"
            if key in info.shortfalls and not m.shortfall[key].fixed:
                m.shortfall[key].set_value(max(0.0, fl.share - c + 1e-9))
