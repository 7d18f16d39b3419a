"""A starting plan for ``max_min_coverage``: water-filling by the worst unit.

The max-coverage greedy (:func:`siting.model.warmstart.greedy_start`) buys coverage where it
is cheapest, which is exactly what leaves a street behind: its plan's smallest street
coverage is far below the max-min optimum, and a max-min objective is flat, so branch and
bound gets little help from it. This construction instead repeatedly lifts the unit (street
or community) with the smallest weighted coverage over reachable demand:

1. among the hosts (space, function) that reach residual demand of the worst unit, take the
   block of units whose gain in *that unit's* coverage per yuan is highest (opening the
   space through its best channel if needed; the block lifts the unit to the next-worst
   unit's level, within the residual demand in reach, at least the function's minimum,
   within the space's area and the money left);
2. serve the worst unit's nearest residual demand first, then anyone else's nearest;
3. stop when the worst unit can no longer be lifted; then the max-coverage greedy goes on
   from this plan with the money left (``extend``), which never lowers any unit.

Existing facilities first serve the nearest demand up to their capacity. Only plain models
are handled (no fixed space count, no single sourcing, no phasing); otherwise nothing is set.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict

import pyomo.environ as pyo

STEP = 0.02
"""Each block lifts the worst unit to the next one's level plus this much coverage (a block is
never below the function's minimum size), relative to its coverage. Measured on the demo
(optimum 0.197): 0 gives a start of 0.191 but many tiny blocks (slow at city scale), 0.02
-> 0.189, 0.05 -> 0.188, the whole residual demand in reach -> 0.186."""


def max_min_start(built, weight: dict[str, float]) -> dict | None:
    """Set the plan described above on ``built``'s variables; return its smallest unit
    coverage, capital cost and number of spaces (``None`` if not applicable)."""
    from pyomo.common.gc_manager import PauseGC

    with PauseGC():
        return _start(built, weight)


def _start(built, weight: dict[str, float]) -> dict | None:
    from siting.model.equity import coverage_terms
    from siting.model.warmstart import greedy_start

    m, idx, opts = built.model, built.index, built.options
    if (opts.n_spaces is not None or opts.single_source or built.phasing.enabled
            or not hasattr(m, "equity_min")):
        return None
    terms = coverage_terms(idx, built.data, opts.equity_level, "weighted")
    unit_of_pair: dict[int, str] = {}
    coef: dict[int, float] = {}
    for u, t in terms.items():
        for p, c in t.items():
            unit_of_pair[p], coef[p] = u, c
    budget = float(pyo.value(m.budget_limit)) if hasattr(m, "budget_limit") else math.inf
    max_open = opts.max_spaces if opts.max_spaces is not None else math.inf
    share = idx.service_share
    pz, pf, pdist = idx.pair_zone, idx.pair_function, idx.pair_distance
    residual = dict(idx.demand)
    serve = [0.0] * idx.n_pairs
    cov: dict[str, float] = defaultdict(float)
    for u in terms:
        cov[u] = 0.0

    reach_of: dict[tuple, float] = {}  # (host, unit) -> residual demand in reach, kept
    host_of_pair = {p: h for h in idx.hosts for p in idx.pairs_of_host.get(h, [])}

    def put(p: int, amount: float) -> None:
        key = (pz[p], pf[p])
        residual[key] -= amount
        serve[p] += amount
        if p in coef:
            u = unit_of_pair[p]
            cov[u] += coef[p] * amount
            if reach_of:
                for q in idx.pairs_of_demand.get(key, []):
                    h = host_of_pair.get(q)
                    if h is not None:
                        reach_of[(h, u)] -= amount

    def assign(pairs: list[int], capacity: float, first: str | None = None) -> None:
        order = sorted(pairs, key=lambda q: (unit_of_pair.get(q) != first, pdist[q], q))
        used = 0.0
        for p in order:
            if used >= capacity - 1e-9:
                break
            take = min(residual[(pz[p], pf[p])], capacity - used)
            if take > 1e-9:
                put(p, take)
                used += take

    for key in sorted(idx.existing_capacity):
        assign(idx.pairs_of_existing.get(key, []), idx.existing_capacity[key])

    option: dict[str, tuple | None] = {j: None for j in idx.spaces}
    gross: dict[str, float] = defaultdict(float)
    area: dict[str, float] = defaultdict(float)
    units = {h: 0 for h in idx.hosts}
    state = {"spent": 0.0, "open": 0}
    hosts_of_unit: dict[str, set] = defaultdict(set)
    pairs_of: dict[tuple, list[int]] = defaultdict(list)  # (host, unit) -> pairs
    for h in idx.hosts:
        for p in idx.pairs_of_host.get(h, []):
            if p in unit_of_pair:
                hosts_of_unit[unit_of_pair[p]].add(h)
                pairs_of[(h, unit_of_pair[p])].append(p)

    for hu, ps in pairs_of.items():
        reach_of[hu] = sum(residual[(pz[p], pf[p])] for p in ps)

    def cost_of(h, n: int, o) -> tuple[float, float] | None:
        """(cost, new gross) of n more units of h's function at h's space through o."""
        j, f = h
        a = idx.area_per_unit[f]
        need = (area[j] + a * n) / (share * idx.usable[o])
        if need > idx.max_gross[o] + 1e-9:
            return None
        g = min(max(need, idx.min_gross.get(o, 0.0), gross[j]), idx.max_gross[o])
        fixed = 0.0 if option[j] else idx.fixed_cost[o]
        return fixed + idx.cost_per_m2[o] * (g - gross[j]) + idx.fitout[f] * n, g

    def best_block(h, u: str, lift: float):
        """The best block at h for unit u: enough to lift u by ``lift`` (to the next unit's
        level), within the residual demand in reach."""
        j, f = h
        pairs = pairs_of[(h, u)]
        reach = reach_of[(h, u)]
        if reach <= 1e-9 or not pairs:
            return None
        lo = max(idx.units_lb[h], 1) if units[h] == 0 else 1
        need = math.ceil(min(reach, lift / coef[pairs[0]]) - 1e-9)
        want = min(idx.units_ub[h] - units[h], max(need, lo))
        if want < lo:
            return None
        choices = [option[j]] if option[j] else (idx.options_of[j]
                                                 if state["open"] < max_open else [])
        money = budget - state["spent"]
        best = None
        for o in choices:
            # the largest affordable and fitting block in [lo, want] (cost grows with n)
            top, low = want, lo
            ok = cost_of(h, low, o)
            if ok is None or ok[0] > money + 1e-6:
                continue
            while low < top:
                mid = (low + top + 1) // 2
                c = cost_of(h, mid, o)
                if c is not None and c[0] <= money + 1e-6:
                    low = mid
                else:
                    top = mid - 1
            c, g = cost_of(h, low, o)
            gain = coef[pairs[0]] * min(low, reach)
            ratio = gain / max(c, 1e-9)
            if best is None or ratio > best[0]:
                best = (ratio, low, o, g, c)
        return best

    heap = [(cov[u], u) for u in terms]  # lazy: an entry is current if its value is
    heapq.heapify(heap)
    while heap:
        c, u = heapq.heappop(heap)
        if c != cov[u]:
            continue  # stale
        while heap and heap[0][0] != cov[heap[0][1]]:
            heapq.heappop(heap)
        nxt = heap[0][0] if heap else 1.0
        lift = max(nxt - cov[u], STEP * max(cov[u], 0.01))
        moves = [(mv, h) for h in sorted(hosts_of_unit[u]) if (mv := best_block(h, u, lift))]
        if not moves:
            break  # the worst unit cannot be lifted: the minimum is settled
        (ratio, n, o, g, c), h = max(moves, key=lambda t: (t[0][0], t[1]))
        j, f = h
        if option[j] is None:
            option[j] = o
            state["open"] += 1
        gross[j] = g
        area[j] += idx.area_per_unit[f] * n
        units[h] += n
        state["spent"] += c
        touched = {unit_of_pair[q] for q in idx.pairs_of_host.get(h, []) if q in unit_of_pair}
        before = {uu: cov[uu] for uu in touched}
        assign(idx.pairs_of_host.get(h, []), n, first=u)
        for uu in touched:
            if cov[uu] != before[uu] or uu == u:
                heapq.heappush(heap, (cov[uu], uu))

    for o in idx.options:
        on = option[o[0]] == o
        m.build[o].set_value(1 if on else 0)
        m.gross[o].set_value(gross[o[0]] if on else 0.0)
    for h in idx.hosts:
        m.units[h].set_value(units[h])
        m.host[h].set_value(1 if units[h] > 0 else 0)
    for p, v in enumerate(serve):
        m.serve[p].set_value(v, skip_validation=True)
    low = min(cov.values()) if cov else 0.0
    more = greedy_start(built, weight, extend=True)  # the money left, for the total
    out = {"min_coverage": low, "capex": state["spent"], "spaces": state["open"],
           "coverage_score": sum(pyo.value(m.coverage_weight[f]) * v
                                 for f, v in zip(pf, serve))}
    return out if more is None else {**more, "min_coverage": low}
