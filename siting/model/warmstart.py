"""Starting solutions handed to HiGHS, so a plan exists from the first second.

:func:`schedule_start` turns a solved single-period plan into a phased one: it keeps the
single-period choice of spaces, channels, areas and units, and gives each chosen space the
earliest opening year its channel's lead time and the yearly budgets allow (spaces that
serve the most per yuan first); a space no year can afford is dropped. Integer variables are
set consistently; HiGHS fixes them and completes the continuous ones (areas, allocations,
shortfalls) by solving the remaining LP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyomo.environ as pyo

from siting.model import BuiltModel
from siting.model.phasing import years_to_open
from siting.problem import ProblemData

COMMON = ("build", "gross", "host", "units", "serve", "assign", "shortfall", "space_alloc",
          "complex", "complex_group", "shared")


def copy_values(src: pyo.ConcreteModel, dst: pyo.ConcreteModel) -> None:
    """Copy the values of same-named, same-indexed variables (both models must have the
    same pairs: build the source without merging zones)."""
    if len(src.serve) != len(dst.serve):
        raise ValueError("copy_values: the two models have different pairs")
    for name in COMMON:
        a, b = src.component(name), dst.component(name)
        if a is None or b is None:
            continue
        for key in b:
            if key in a and a[key].value is not None:
                b[key].set_value(a[key].value, skip_validation=True)


def schedule_start(phased: BuiltModel, single: BuiltModel, data: ProblemData) -> None:
    """Set a feasible-by-construction starting point of the phased model from ``single``."""
    m, idx, ph = phased.model, phased.index, phased.phasing
    copy_values(single.model, m)
    years = list(ph.years)
    first = years[0]
    lag = {o: years_to_open(float(data.channels.at[o[1], "lead_time_months"]))
           for o in idx.options}
    chosen = [o for o in idx.options if (m.build[o].value or 0) > 0.5]
    cw = {}
    for p in range(idx.n_pairs):
        j = idx.pair_site[p]
        cw[j] = cw.get(j, 0.0) + (m.serve[p].value or 0.0)
    channel = {o: idx.fixed_cost[o] + idx.cost_per_m2[o] * (m.gross[o].value or 0.0)
               for o in chosen}
    fit = {o[0]: sum(idx.fitout[f] * (m.units[h].value or 0.0)
                     for h in idx.hosts_of.get(o[0], []) for f in [h[1]]) for o in chosen}
    order = sorted(chosen, key=lambda o: -cw.get(o[0], 0.0) / max(channel[o] + fit[o[0]], 1.0))
    spent = {t: 0.0 for t in years}
    budget = ph.budget_per_year

    def fits(o, t_open) -> bool:
        extra = dict(spent)
        extra[t_open - lag[o]] += channel[o]
        extra[t_open] += fit[o[0]]
        if ph.carry_over:
            cum_s = cum_b = 0.0
            for t in years:
                cum_s += extra[t]
                cum_b += budget[t]
                if cum_s > cum_b + 1e-6:
                    return False
            return True
        return all(extra[t] <= budget[t] + 1e-6 for t in years)

    opened: dict[str, int] = {}
    for o in order:
        for t in years:
            if t - lag[o] >= first and fits(o, t):
                spent[t - lag[o]] += channel[o]
                spent[t] += fit[o[0]]
                opened[o[0]] = t
                break
        else:  # unaffordable in any year: drop it from the start
            m.build[o].set_value(0)
            m.gross[o].set_value(0)
            for h in idx.hosts_of.get(o[0], []):
                m.units[h].set_value(0)
                m.host[h].set_value(0)
            if o[0] in m.COMPLEX_SITES:
                m.complex[o[0]].set_value(0)
            for jc in m.COMPLEX_GROUPS:
                if jc[0] == o[0]:
                    m.complex_group[jc].set_value(0)
    for key in m.OPEN_IN:
        j, k, t = key
        on = opened.get(j) == t and (m.build[j, k].value or 0) > 0.5
        m.open_in[key].set_value(1 if on else 0)
        m.gross_in[key].set_value((m.gross[j, k].value or 0.0) if on else 0.0)
    for j, f, t in m.UNITS_IN:
        m.units_in[j, f, t].set_value((m.units[j, f].value or 0.0) if opened.get(j) == t else 0)
    kept = set(opened)
    for p in range(idx.n_pairs):
        j = idx.pair_site[p]
        if j in idx.options_of and j not in kept:
            m.serve[p].set_value(0.0)
    for p, t in m.SERVE_IN:
        j = idx.pair_site[p]
        ok = j not in idx.options_of or (j in opened and opened[j] <= t)
        v = m.serve_in[p, t]  # solver values may sit a rounding error past a bound
        v.set_value(min(m.serve[p].value or 0.0, v.ub) if ok else 0.0, skip_validation=True)
    last = years[-1]
    for n, i in m.COVERED:
        key = list(m.TARGETS)[n]
        meta = phased.standards_index.shortfalls[key]
        t = meta["year"]
        good = True
        for f in meta["functions"]:
            d = idx.demand.get((i, f), 0.0)
            if d <= 0:
                continue
            ps = idx.pairs_of_demand.get((i, f), [])
            got = sum((m.serve[p].value or 0.0) if t == last else (m.serve_in[p, t].value or 0.0)
                      for p in ps)
            good = good and got >= meta["min_share"] * d - 1e-9
        m.covered[n, i].set_value(1 if good else 0)


# --------------------------------------------------------------------------------------------
# A constructive plan for max coverage under a budget


@dataclass
class _Space:
    option: tuple | None = None
    gross: float = 0.0
    area: float = 0.0  # usable area taken by units


def _has_plan(m: pyo.ConcreteModel) -> bool:
    return all(v.value is not None for v in m.build.values()) and \
        all(v.value is not None for v in m.units.values()) and \
        all(v.value is not None for v in m.serve.values())


def _fit_flows(idx, serve: list[float], units: dict) -> None:
    """Scale flows down, in place, until they fit every demand, unit count and existing
    capacity: a previous plan carried over to a model whose demand fell (a demand sweep)."""
    groups = [(idx.pairs_of_demand, idx.demand)]
    groups.append((idx.pairs_of_host, units))
    groups.append((idx.pairs_of_existing, idx.existing_capacity))
    for pairs_of, limit in groups:
        for key, ps in pairs_of.items():
            total = sum(serve[p] for p in ps)
            cap = float(limit.get(key, 0.0))
            if total > cap:
                f = cap / total
                for p in ps:
                    serve[p] *= f


def _space_cost(idx, j: str, sp: _Space, units: dict) -> float:
    """Capital cost of space j as held: channel at its area, plus fit-out of its units."""
    return (idx.fixed_cost[sp.option] + idx.cost_per_m2[sp.option] * sp.gross
            + sum(idx.fitout[h[1]] * units[h] for h in idx.hosts_of.get(j, [])))


def _unit_cap(m: pyo.ConcreteModel, idx, h) -> int:
    """Largest units at host h: the index's bound, within the variable's bounds (a pinned
    number of units may exceed the demand-based bound)."""
    v = m.units[h]
    cap = idx.units_ub[h] if v.ub is None else min(idx.units_ub[h], v.ub)
    return int(max(cap, v.lb or 0))


def _drop_until_affordable(idx, cw: dict, spaces: dict, units: dict, serve: list[float],
                           budget: float, keep: frozenset = frozenset()) -> set:
    """Close the spaces of a carried-over plan that serve least per yuan until it fits the
    budget (prices rose, or the budget fell, since the plan was made); return them."""
    cost = {j: _space_cost(idx, j, sp, units) for j, sp in spaces.items() if sp.option}
    total = sum(cost.values())
    slack = 1e-6 + 1e-9 * budget  # the solver's own feasibility check (siting.solve)
    dropped: set = set()
    if total <= budget + slack:
        return dropped
    value = dict.fromkeys(cost, 0.0)
    for h, ps in idx.pairs_of_host.items():
        if h[0] in value:
            value[h[0]] += cw.get(h[1], 0.0) * sum(serve[p] for p in ps)
    for j in sorted(cost, key=lambda j: (value[j] / max(cost[j], 1e-9), j)):
        if total <= budget + slack:
            break
        if j in keep:
            continue
        total -= cost[j]
        dropped.add(j)
        spaces[j] = _Space()
        for h in idx.hosts_of.get(j, []):
            units[h] = 0
            for p in idx.pairs_of_host.get(h, []):
                serve[p] = 0.0
    return dropped


def _settle_standards(m: pyo.ConcreteModel, idx, spaces: dict, units: dict,
                      dropped: set) -> None:
    """Standards' variables the construction does not decide, where a carried-over plan
    holds values: a space closed, or closed and opened again (``dropped``), is no complex and
    shares or allocates no area; floor area shared at an open space stays within its
    (possibly trimmed) units. Unset values stay unset (HiGHS completes them)."""
    closed = dropped | {j for j, sp in spaces.items() if sp.option is None}

    def zero(var, keys):
        for k in keys:
            if var[k].value is not None:
                var[k].set_value(0, skip_validation=True)

    zero(m.complex, [j for j in m.COMPLEX_SITES if j in closed])
    zero(m.complex_group, [k for k in m.COMPLEX_GROUPS if k[0] in closed])
    zero(m.space_alloc, [k for k in m.SPACE_ALLOC if k[1] in closed])
    zero(m.shared, [k for k in m.SHARED if k[0] in closed])
    by_host: dict[tuple, list] = {}
    for k in m.SHARED:
        if k[0] not in closed and m.shared[k].value is not None:
            by_host.setdefault((k[0], k[1]), []).append(k)
            by_host.setdefault((k[0], k[2]), []).append(k)
    for (j, f), keys in by_host.items():  # sum of shares within a_f x units (scaled down)
        total = sum(m.shared[k].value for k in keys)
        cap = idx.area_per_unit[f] * units.get((j, f), 0)
        if total > cap:
            for k in keys:
                m.shared[k].set_value(m.shared[k].value * cap / total, skip_validation=True)


def greedy_start(built: BuiltModel, weight: dict[str, float], extend: bool = False,
                 keep: frozenset = frozenset(), frozen: frozenset = frozenset(),
                 budget: float | None = None,
                 area_caps: tuple | None = None) -> dict | None:
    """See :func:`_greedy_start`; run with the garbage collector paused (no garbage is
    made, and its passes over the model's objects only cost time)."""
    from pyomo.common.gc_manager import PauseGC

    with PauseGC():
        return _greedy_start(built, weight, extend, keep, frozen, budget, area_caps)


def _greedy_start(built: BuiltModel, weight: dict[str, float], extend: bool = False,
                  keep: frozenset = frozenset(), frozen: frozenset = frozenset(),
                  cap: float | None = None,
                  area_caps: tuple | None = None) -> dict | None:
    r"""Set a plan built greedily by marginal coverage per yuan on ``built``'s variables.

    Each move adds a block of units of one function to one space (opening the space through
    the channel that makes the block cheapest, if it is not open yet): as many units as the
    demand still unserved within walking distance, the unit bound, the area left and the
    money left allow. The move with the highest weighted coverage gained per yuan is taken,
    the nearest unserved demand is assigned to it, and the search goes on until nothing fits
    (lazy evaluation: a move's ratio only falls as demand is served, except for moves at the
    space just opened, which are re-evaluated). Existing facilities first serve the nearest
    demand up to their capacity.

    With ``extend`` and a plan already on the model (the previous run of a sweep), the
    construction goes on from that plan instead of from nothing: units trimmed to bounds
    that fell and flows to demand that fell; if it no longer fits the budget (prices rose,
    or the budget fell), the spaces serving least per yuan are closed until it does.

    Bounds on the variables are kept (pins, :mod:`siting.model.decisions`): no space is
    opened through a channel whose ``build`` is bounded to 0, no units are added where
    ``units`` is fixed or ``host`` bounded to 0; spaces in ``keep`` are never closed, and the
    contents of spaces in ``frozen`` (proposals, forced spaces) are never changed.

    ``area_caps`` = (area of each space, money of each area, the index whose prices the
    areas pay or ``None`` for ``built``'s): no move makes an area spend more than its money
    (area budgets, :mod:`siting.model.areas`), besides the total cap (which may be counted
    at other prices, e.g. what one funding source pays).

    Returns ``None`` (and sets nothing) when the model is not a max-coverage model this
    construction applies to (``n_spaces`` fixed, single sourcing). Otherwise sets
    ``build``, ``gross``, ``host``, ``units`` and ``serve`` and returns the plan's coverage
    score, capital cost and number of spaces; HiGHS completes any other variable (standards'
    shortfalls) by solving an LP with the integers fixed, and discards the start if it
    violates a hard constraint.
    """
    import heapq

    from siting.model.objective import coverage_weights

    m, idx, opts = built.model, built.index, built.options
    if (opts.objective not in ("max_coverage", "max_min_coverage") or opts.n_spaces is not None
            or opts.single_source
            or built.phasing.enabled):
        return None
    budget = float(pyo.value(m.budget_limit)) if hasattr(m, "budget_limit") else math.inf
    budget = budget if cap is None else min(budget, cap)  # e.g. money any source may pay
    max_open = opts.max_spaces if opts.max_spaces is not None else math.inf
    cw = coverage_weights(idx, weight)
    share = idx.service_share
    residual = dict(idx.demand)
    serve = [0.0] * idx.n_pairs
    pz, pf, pdist = idx.pair_zone, idx.pair_function, idx.pair_distance

    def assign(pairs: list[int], capacity: float) -> float:
        """Serve the nearest unserved demand of ``pairs`` up to ``capacity``."""
        used = 0.0
        for p in sorted(pairs, key=lambda q: (pdist[q], q)):
            if used >= capacity - 1e-9:
                break
            key = (pz[p], pf[p])
            take = min(residual[key], capacity - used)
            if take > 1e-9:
                residual[key] -= take
                serve[p] += take
                used += take
        return used

    spaces = {j: _Space() for j in idx.spaces}
    units = {h: 0 for h in idx.hosts}
    state = {"spent": 0.0, "open": 0}
    area_of, area_left, real = ({}, {}, idx) if area_caps is None else (
        area_caps[0], dict(area_caps[1]), area_caps[2] or idx)
    dropped: set = set()
    if extend and _has_plan(m):
        # go on from the plan held by the model (the previous run of a sweep)
        for o in idx.options:
            if m.build[o].value > 0.5:
                sp = spaces[o[0]]
                sp.option = o  # solver values may sit a rounding error past a bound
                sp.gross = min(max(float(m.gross[o].value or 0.0), 0.0), idx.max_gross[o])
                state["open"] += 1
        for h in idx.hosts:
            units[h] = min(max(int(round(m.units[h].value or 0.0)), 0), _unit_cap(m, idx, h))
            spaces[h[0]].area += idx.area_per_unit[h[1]] * units[h]
        for p in range(idx.n_pairs):
            serve[p] = min(max(float(m.serve[p].value or 0.0), 0.0), idx.pair_demand[p])
        _fit_flows(idx, serve, units)
        dropped = _drop_until_affordable(idx, cw, spaces, units, serve, budget, keep)
        for p, v in enumerate(serve):
            residual[(pz[p], pf[p])] -= v
        for key in residual:
            residual[key] = max(residual[key], 0.0)
        state["open"] = sum(sp.option is not None for sp in spaces.values())
        state["spent"] = sum(_space_cost(idx, j, sp, units) for j, sp in spaces.items()
                             if sp.option is not None)
        for j, sp in spaces.items():
            if sp.option is not None and area_of.get(j) in area_left:
                area_left[area_of[j]] -= _space_cost(real, j, sp, units)
    else:
        for key in sorted(idx.existing_capacity):
            assign(idx.pairs_of_existing.get(key, []), idx.existing_capacity[key])

    def reachable(h) -> float:
        return sum(residual[(pz[p], pf[p])] for p in idx.pairs_of_host.get(h, []))

    def best_move(h):
        """(ratio, block, option, new gross, cost) of the best block at host h, or None."""
        j, f = h
        if j in frozen or m.host[h].ub == 0 or m.units[h].lb == m.units[h].ub:
            return None
        a, fit, lo = idx.area_per_unit[f], idx.fitout[f], idx.units_lb[h]
        reach = reachable(h)  # one pass over the host's pairs per evaluation
        want = min(_unit_cap(m, idx, h) - units[h], math.ceil(reach - 1e-9))
        if want <= 0 or (units[h] == 0 and want < max(lo, 1)):
            return None
        sp = spaces[j]
        money = budget - state["spent"]
        aleft = area_left.get(area_of.get(j), math.inf)
        choices = [sp.option] if sp.option else (
            [o for o in idx.options_of[j] if m.build[o].ub != 0] if state["open"] < max_open
            else [])
        best = None
        for o in choices:
            cap_area = share * idx.usable[o] * idx.max_gross[o]
            n = min(want, math.floor((cap_area - sp.area) / a + 1e-9)) if a > 0 else want
            fixed = 0.0 if sp.option else idx.fixed_cost[o]
            rfixed = 0.0 if sp.option else real.fixed_cost[o]
            while n >= max(lo if units[h] == 0 else 1, 1):
                need = (sp.area + a * n) / (share * idx.usable[o])
                gross = min(max(need, idx.min_gross.get(o, 0.0), sp.gross), idx.max_gross[o])
                cost = fixed + idx.cost_per_m2[o] * (gross - sp.gross) + fit * n
                rcost = (cost if real is idx else
                         rfixed + real.cost_per_m2[o] * (gross - sp.gross) + fit * n)
                if cost <= money + 1e-6 and rcost <= aleft + 1e-6:
                    break
                if cost > money + 1e-6:
                    per_unit = fit + idx.cost_per_m2[o] * a / (share * idx.usable[o])
                    shrink = (math.floor((money - fixed) / per_unit) if per_unit > 0
                              else n - 1)
                else:  # the area's money
                    per_unit = fit + real.cost_per_m2[o] * a / (share * idx.usable[o])
                    shrink = (math.floor((aleft - rfixed) / per_unit) if per_unit > 0
                              else n - 1)
                n = min(n - 1, shrink)
            else:
                continue
            gain = cw.get(f, 0.0) * min(n, reach)
            if gain <= 0:
                continue
            ratio = gain / cost if cost > 0 else math.inf
            if best is None or ratio > best[0]:
                best = (ratio, n, o, gross, cost, rcost)
        return best

    heap = []
    for k, h in enumerate(idx.hosts):
        mv = best_move(h)
        if mv is not None:
            heap.append((-mv[0], k, h))
    heapq.heapify(heap)
    order = {h: k for k, h in enumerate(idx.hosts)}
    while heap:
        _, k, h = heapq.heappop(heap)
        mv = best_move(h)
        if mv is None:
            continue
        if heap and mv[0] < -heap[0][0] - 1e-12:  # stale: put back with its current ratio
            heapq.heappush(heap, (-mv[0], k, h))
            continue
        _, n, o, gross, cost, rcost = mv
        j, f = h
        sp = spaces[j]
        if sp.option is None:
            sp.option = o
            state["open"] += 1
            for h2 in idx.hosts_of.get(j, []):  # co-located moves no longer pay the opening
                if h2 != h:
                    mv2 = best_move(h2)
                    if mv2 is not None:
                        heapq.heappush(heap, (-mv2[0], order[h2], h2))
        sp.gross, sp.area = gross, sp.area + idx.area_per_unit[f] * n
        units[h] += n
        state["spent"] += cost
        if area_of.get(j) in area_left:
            area_left[area_of[j]] -= rcost
        assign(idx.pairs_of_host.get(h, []), n)
        heapq.heappush(heap, (-mv[0], k, h))  # more of the same may still pay

    for o in idx.options:
        on = spaces[o[0]].option == o
        m.build[o].set_value(1 if on else 0)
        m.gross[o].set_value(spaces[o[0]].gross if on else 0.0)
    for h in idx.hosts:
        m.units[h].set_value(units[h])
        m.host[h].set_value(1 if units[h] > 0 else 0)
    for p, v in enumerate(serve):
        m.serve[p].set_value(v, skip_validation=True)
    _settle_standards(m, idx, spaces, units, dropped)
    score = sum(cw.get(pf[p], 0.0) * v for p, v in enumerate(serve))
    return {"coverage_score": score, "capex": state["spent"], "spaces": state["open"]}
