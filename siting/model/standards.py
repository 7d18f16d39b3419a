"""Planning standards: community service space, function minimums, service complexes,
minimum facility sizes and shared floor area.

Standards that may be impossible to meet are *soft*: each has a shortfall variable
:math:`\\sigma_s \\ge 0` whose penalty, :math:`P\\,S\\,\\sigma_s / r_s` (``penalty`` P times the
primary objective's scale S, per share of the requirement :math:`r_s` missed), dwarfs any
benefit the plan could gain by missing it; so the optimum meets everything that can be met and
the shortfalls say precisely what cannot. In ``hard`` mode the shortfalls are fixed at zero.
Minimum facility sizes and shared use are design rules and always hard.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyomo.environ as pyo

from siting.config import ModelOptions, Standards
from siting.model.sets import ModelIndex
from siting.problem import ProblemData


@dataclass
class StandardsIndex:
    """What each shortfall variable stands for (filled while building)."""

    shortfalls: dict[str, dict] = field(default_factory=dict)
    """shortfall key -> {standard, level, group, group_name, function, required, unit}."""
    complexes: list[str] = field(default_factory=list)
    allocations: list[tuple[str, str]] = field(default_factory=list)
    """(community-space shortfall key, space) pairs: which spaces may count towards which
    group's community service space."""

    def structure(self) -> dict:
        """Everything but the requirements' amounts: two indexes with equal structures give
        the same rows, and differ only in right-hand sides and penalty weights."""
        return {"shortfalls": {k: {f: v for f, v in s.items() if f != "required"}
                               for k, s in self.shortfalls.items()},
                "complexes": self.complexes, "allocations": self.allocations}


def _groups(data: ProblemData, level: str) -> dict[str, list[str]]:
    z = data.zones
    if level == "community":
        return {zid: [zid] for zid in z.index}
    if level == "street":
        out: dict[str, list[str]] = defaultdict(list)
        for zid, st in z["street"].items():
            out[str(st) or "(no street)"].append(zid)
        return dict(out)
    return {"city": list(z.index)}


def _group_name(data: ProblemData, level: str, g: str) -> str:
    return str(data.zones.at[g, "name"]) if level == "community" else g


def standards_index(idx: ModelIndex, data: ProblemData, std: Standards) -> StandardsIndex:
    """What each standard requires of which group, before any Pyomo component exists."""
    info = StandardsIndex()
    growth = data.meta.get("demand_growth", {})
    z = data.zones

    # community service space: allocation of new gross area to communities or streets
    cs = std.community_space
    if cs.enabled:
        reach = data.reach if data.reach is not None else data.pairs
        near = reach[(reach["distance_m"] <= cs.walking_limit_m)
                     & reach["site_id"].isin(set(idx.spaces))]
        by_zone: dict[str, set] = defaultdict(set)
        for zid, sid in zip(near["zone_id"], near["site_id"]):
            by_zone[zid].add(sid)
        for g, members in _groups(data, cs.level).items():
            req = cs.m2_per_100_households * float(z.loc[members, "households"].sum()) / 100
            have = float(z.loc[members, "existing_service_m2"].sum())
            if req <= have + 1e-9:
                continue
            key = f"community_space|{g}"
            spaces = sorted(set().union(*(by_zone.get(i, set()) for i in members)))
            info.allocations += [(key, j) for j in spaces]
            info.shortfalls[key] = {
                "standard": "community_space", "level": cs.level, "group": g,
                "group_name": _group_name(data, cs.level, g), "function": "",
                "required": req - have, "unit": "m2", "candidates": len(spaces),
                "label": f"community service space ≥ {cs.m2_per_100_households:g} m² per 100 "
                         f"households within {cs.walking_limit_m:g} m"}

    # function minimums
    for n, fs in enumerate(std.function_minimums):
        if fs.function not in data.functions.index:
            continue
        coef = float(data.functions.at[fs.function, "area_per_unit_m2"]) \
            if fs.measure == "m2" else 1.0
        for g, members in _groups(data, fs.level).items():
            base = float(z.loc[members, fs.base].astype(float).sum()) * growth.get(fs.base, 1.0)
            req = fs.amount * base / fs.per
            if req <= 0:
                continue
            key = f"function_minimum[{n}]|{g}"
            info.shortfalls[key] = {
                "standard": f"function_minimum:{fs.function}", "level": fs.level, "group": g,
                "group_name": _group_name(data, fs.level, g), "function": fs.function,
                "required": req, "unit": "m2" if fs.measure == "m2" else
                str(data.functions.at[fs.function, "unit"]), "coef": coef, "count": fs.count,
                "members": members,
                "label": fs.label or f"{fs.function} ≥ {fs.amount:g} "
                                     f"{'m²' if fs.measure == 'm2' else 'units'} per "
                                     f"{fs.per:g} {fs.base} ({fs.count}, {fs.level})"}

    # complexes
    cx = std.complexes
    if cx.enabled:
        info.complexes = [j for j in idx.spaces if len(idx.hosts_of.get(j, [])) >= cx.min_functions]
        if cx.one_per_street:
            for st in sorted({str(s) or "(no street)" for s in z["street"]}):
                key = f"complex_per_street|{st}"
                info.shortfalls[key] = {
                    "standard": "complex_per_street", "level": "street", "group": st,
                    "group_name": st, "function": "", "required": 1.0, "unit": "complex",
                    "label": f"one service complex (≥ {cx.min_m2:g} m², ≥ {cx.min_functions} "
                             "functions) per street"}
    return info


def add_standard_variables(m: pyo.ConcreteModel, idx: ModelIndex, std: Standards,
                           info: StandardsIndex) -> None:
    """Declare shortfall, allocation, complex and shared-area variables.

    A shortfall is bounded by its requirement; the bound is set again when the requirement
    changes (:func:`siting.model.parameters.update_data`)."""
    cx = std.complexes
    m.SHORTFALLS = pyo.Set(initialize=list(info.shortfalls), ordered=True)
    m.shortfall = pyo.Var(m.SHORTFALLS, domain=pyo.NonNegativeReals,
                          bounds=lambda _, k: (0.0, info.shortfalls[k]["required"]))
    if std.mode == "hard":
        for k in m.SHORTFALLS:
            m.shortfall[k].fix(0.0)
    m.SPACE_ALLOC = pyo.Set(initialize=info.allocations, dimen=2, ordered=True)
    m.space_alloc = pyo.Var(m.SPACE_ALLOC, domain=pyo.NonNegativeReals)
    m.COMPLEX_SITES = pyo.Set(initialize=info.complexes, ordered=True)
    m.complex = pyo.Var(m.COMPLEX_SITES, domain=pyo.Binary)
    groups = [(j, c) for j in info.complexes for c, fs in cx.core_groups.items()
              if any((j, f) in idx.units_ub for f in fs)]
    m.COMPLEX_GROUPS = pyo.Set(initialize=groups, dimen=2, ordered=True)
    m.complex_group = pyo.Var(m.COMPLEX_GROUPS, domain=pyo.Binary)
    m.SHARED = pyo.Set(initialize=sorted(idx.shared), dimen=3, ordered=True)
    m.shared = pyo.Var(m.SHARED, domain=pyo.NonNegativeReals)


def add_standard_constraints(m: pyo.ConcreteModel, idx: ModelIndex, data: ProblemData,
                             opts: ModelOptions, std: Standards, info: StandardsIndex
                             ) -> None:
    r"""Rows of every enabled standard, and the penalty and bonus expressions.

    .. math::
        \mathrm{gross}_{jk} \ge G^{min}_k\,\mathrm{build}_{jk}
        \qquad (\texttt{standards\_min\_size})

        \sum_g \mathrm{alloc}_{gj} \le \sum_k \mathrm{gross}_{jk},\quad
        \sum_{j} \mathrm{alloc}_{gj} + \sigma_g \ge r_g - E_g
        \qquad (\texttt{standards\_space\_alloc}, \texttt{standards\_space})

        \sum_{p=(i,j,f):\,i\in g} c_f\,\mathrm{serve}_p + \sigma_g \ge r_g
        \qquad (\texttt{standards\_function}; \text{built: } \textstyle\sum_{j\in g} c_f
        \mathrm{units}_{jf})

        \mathrm{cx}_j \le \textstyle\sum_k \mathrm{build}_{jk},\;
        \sum_k \mathrm{gross}_{jk} \ge A^{cx}\mathrm{cx}_j,\;
        \sum_f \mathrm{host}_{jf} \ge n^{cx}\mathrm{cx}_j,\;
        \sum_c \mathrm{grp}_{jc} \ge n^{core}\mathrm{cx}_j,\;
        \mathrm{grp}_{jc} \le \textstyle\sum_{f\in c}\mathrm{host}_{jf}

        \sum_{g} \mathrm{shared}_{j\{f,g\}} \le a_f\,\mathrm{units}_{jf}
        \qquad (\texttt{standards\_shared})

    :math:`r_g` is the requirement of group g (a community, a street or the city) and
    :math:`E_g` its existing service space (zones' ``existing_service_m2``).
    """
    gross = {j: sum(m.gross[o] for o in idx.options_of[j]) for j in idx.spaces}
    m.standards_min_size = pyo.Constraint(
        sorted(idx.min_gross), rule=lambda m, j, k: m.gross[j, k]
        >= idx.min_gross[(j, k)] * m.build[j, k])

    # community space
    alloc_by_key: dict[str, list] = defaultdict(list)
    alloc_by_space: dict[str, list] = defaultdict(list)
    for key, j in m.SPACE_ALLOC:
        alloc_by_key[key].append(j)
        alloc_by_space[j].append(key)
    m.standards_space_alloc = pyo.Constraint(
        sorted(alloc_by_space), rule=lambda m, j: sum(m.space_alloc[k, j]
                                                      for k in alloc_by_space[j]) <= gross[j])
    cs_keys = [k for k in m.SHORTFALLS if info.shortfalls[k]["standard"] == "community_space"]
    m.standards_space = pyo.Constraint(
        cs_keys, rule=lambda m, k: sum(m.space_alloc[k, j] for j in alloc_by_key[k])
        + m.shortfall[k] >= m.requirement[k])

    # function minimums
    pairs_of_zone_f = idx.pairs_of_demand  # the pairs of each (community, function)
    space_street = data.spaces["street"].astype(str).to_dict()
    ex_cap = idx.existing_capacity

    def function_rule(m, k):
        s = info.shortfalls[k]
        f, coef = s["function"], s["coef"]
        if s["count"] == "served":
            lhs = sum(m.serve[p] for i in s["members"] for p in pairs_of_zone_f.get((i, f), []))
        else:
            lhs = sum(m.units[j, f] for j in idx.spaces if (j, f) in idx.units_ub
                      and (s["level"] == "city" or space_street.get(j) == s["group"]))
            if s["level"] == "city":
                lhs = lhs + sum(c for (e, ff), c in ex_cap.items() if ff == f)
        return coef * lhs + m.shortfall[k] >= m.requirement[k]

    fm_keys = [k for k in m.SHORTFALLS if info.shortfalls[k]["standard"]
               .startswith("function_minimum")]
    m.standards_function = pyo.Constraint(fm_keys, rule=function_rule)

    # complexes
    cx = std.complexes
    build = {j: sum(m.build[o] for o in idx.options_of[j]) for j in idx.spaces}
    m.standards_complex_open = pyo.Constraint(
        m.COMPLEX_SITES, rule=lambda m, j: m.complex[j] <= build[j])
    m.standards_complex_area = pyo.Constraint(
        m.COMPLEX_SITES, rule=lambda m, j: gross[j] >= cx.min_m2 * m.complex[j])
    m.standards_complex_functions = pyo.Constraint(
        m.COMPLEX_SITES, rule=lambda m, j: sum(m.host[h] for h in idx.hosts_of[j])
        >= cx.min_functions * m.complex[j])
    m.standards_complex_group_hosted = pyo.Constraint(
        m.COMPLEX_GROUPS, rule=lambda m, j, c: m.complex_group[j, c]
        <= sum(m.host[j, f] for f in cx.core_groups[c] if (j, f) in idx.units_ub))
    groups_of: dict[str, list] = defaultdict(list)
    for j, c in m.COMPLEX_GROUPS:
        groups_of[j].append(c)
    m.standards_complex_core = pyo.Constraint(
        [j for j in m.COMPLEX_SITES if cx.min_core_groups > 0],
        rule=lambda m, j: sum(m.complex_group[j, c] for c in groups_of.get(j, []))
        >= cx.min_core_groups * m.complex[j])
    st_keys = [k for k in m.SHORTFALLS if info.shortfalls[k]["standard"] == "complex_per_street"]
    m.standards_complex_street = pyo.Constraint(
        st_keys, rule=lambda m, k: sum(m.complex[j] for j in m.COMPLEX_SITES
                                       if space_street.get(j) == info.shortfalls[k]["group"])
        + m.shortfall[k] >= m.requirement[k])

    # shared floor area: a function's area can be shared once, whatever the number of
    # partners (the shares of all its pairs together stay within its own area)
    shared_by_host: dict[tuple, list] = defaultdict(list)
    for j, f, g in m.SHARED:
        shared_by_host[(j, f)].append((j, f, g))
        shared_by_host[(j, g)].append((j, f, g))
    m.standards_shared = pyo.Constraint(
        sorted(shared_by_host), rule=lambda m, j, f: sum(m.shared[k] for k in
                                                         shared_by_host[(j, f)])
        <= idx.area_per_unit[f] * m.units[j, f])

    # objective terms
    # (requirements and the primary scale are parameters: :mod:`siting.model.parameters`)
    m.standards_penalty = pyo.Expression(
        expr=sum(std.penalty * m.primary_scale / m.requirement[k] * m.shortfall[k]
                 for k in m.SHORTFALLS))
    m.standards_bonus = pyo.Expression(
        expr=sum(cx.bonus * m.primary_scale * m.complex[j] for j in m.COMPLEX_SITES))
