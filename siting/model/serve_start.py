"""Constructive plans that serve every demand: the start of ``min_cost`` and ``min_distance``.

A serve-all model with several functions has no structure :mod:`siting.decompose` solves
(floor area is shared between functions, each space has its choice of channel), and HiGHS
alone found no plan for it: at 1,000 communities x 300 spaces x 3 functions
(``benchmarks/city_scale.py --objective min_cost``) it had not finished its root LP after
90 s. These constructions give it one from the first second, on the model's own index
(:class:`~siting.model.sets.ModelIndex`), within every bound of its variables:

* ``min_cost`` — lazy greedy over spaces (Minoux's accelerated greedy): open, or grow, the
  space whose channel serves reachable unserved demand at the lowest capital cost per unit
  of the *plain* cost of what it serves (each unit's fit-out plus the cheapest area it could
  have), i.e. where the fixed cost of opening is spread over most demand. Each function a
  space takes serves its nearest unserved demand first.
* ``min_distance`` — every demand, in order of walking distance over all pairs, goes to its
  nearest space that still has room (the transportation greedy), spaces taken through the
  channel that gives them most usable area.

Both continue with that nearest-first fill for any demand the first pass left (its spaces full),
growing open spaces or opening new ones, then an augmenting step for demand still left next
to full hosts (another community's flow moves to a host of its own with room). If demand is
still left, the whole construction runs again with the demand that has the fewest spaces
within reach served first. Demand nothing reaches has no row in the model and is left out.
The ``min_cost`` plan is then improved by closing spaces whose demand the others can take
more cheaply (:meth:`_Plan.drops`).

A plan holds whole units, each hosted function between its minimum and its bound, the units
within the usable area times the service share, gross area within the channel's largest
(and at least its minimum facility size), flows within units and every demand served in
full. If some demand cannot be placed, or the model
has rows these plans do not decide (pins that force something open, an exact count of
spaces, single sourcing, phasing), there is no start (``None``). The caller checks the plan
against every row of the model before HiGHS gets it (:meth:`siting.solve.Solver.solve`
discards a start that violates one).
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from siting.model import BuiltModel
from siting.model.service import SERVE_ALL_OBJECTIVES

__all__ = ["serve_all_start"]

_EPS = 1e-9


TRIES_PER_SECOND = 4000
"""Tries of the local search per second of ``improve_s`` (measured: 1,000 x 300 converges
after 2,249 tries in 1.6 s, 5,000 x 1,000 after 7,574 in 6.3 s with the construction)."""


def serve_all_start(built: BuiltModel, method: str | None = None,
                    improve_s: float = 5.0) -> dict | None:
    """Set a plan serving all demand on ``built``'s variables; return its summary
    (``spaces``, ``capex``, ``walk``, ``method``, ``closed``: spaces the local search
    closed) or ``None`` (module text).

    ``method``: ``greedy`` (the ``min_cost`` construction, then :meth:`_Plan.drops` for
    at most :data:`TRIES_PER_SECOND` x ``improve_s`` tries: a count, not a clock, so the
    same inputs give the same plan on a busy machine too) or ``nearest`` (the
    ``min_distance`` one); by default the one of the model's objective."""
    from pyomo.common.gc_manager import PauseGC

    with PauseGC():
        return _serve_all_start(built, method, improve_s)


def _serve_all_start(built: BuiltModel, method: str | None, improve_s: float) -> dict | None:
    m, opts = built.model, built.options
    if (opts.objective not in SERVE_ALL_OBJECTIVES or opts.single_source
            or opts.n_spaces is not None or built.phasing.enabled):
        return None
    if method is None:
        method = "nearest" if opts.objective == "min_distance" else "greedy"
    if method not in ("greedy", "nearest"):
        raise ValueError(f"serve_all_start: unknown method {method!r}")
    if any((v.lb or 0) > 0 for v in m.build.values()) or any(
            (v.lb or 0) > 0 for v in m.host.values()) or any(
            (v.lb or 0) > 0 for v in m.units.values()):
        return None  # pins forcing something open: the money and pins starts handle those
    for order in ("distance", "scarcity", "fill"):
        plan = _Plan(built, "distance" if order == "fill" else order)
        plan.fill_existing()
        if order == "fill":  # the last resort: demand by demand, spaces at their largest
            plan.fill_by_demand()
        elif method == "greedy":
            plan.greedy()
        if order != "fill":
            plan.nearest()
        if max(plan.residual, default=0.0) > 1e-7:
            plan.augment()
        if max(plan.residual, default=0.0) > 1e-7:
            plan.repair()
        if max(plan.residual, default=0.0) <= 1e-7:
            closed = (plan.drops(int(TRIES_PER_SECOND * improve_s))
                      if method == "greedy" and improve_s > 0 else 0)
            return {**plan.write(), "method": method, "order": order, "closed": closed}
    return None


class _Plan:
    """The construction's state, on lists indexed by space, host, pair and demand."""

    def __init__(self, built: BuiltModel, order: str = "distance") -> None:
        m, idx, opts = built.model, built.index, built.options
        self.m, self.idx = m, idx
        self.share = idx.service_share
        self.max_open = opts.max_spaces if opts.max_spaces is not None else math.inf
        self.keys = sorted(idx.demand)
        key_no = {k: n for n, k in enumerate(self.keys)}
        # demand nothing reaches has no row in the model (the run refuses it before)
        self.residual = [float(idx.demand[k]) if k in idx.pairs_of_demand else 0.0
                         for k in self.keys]
        self.pair_key = [key_no[k] for k in zip(idx.pair_zone, idx.pair_function)]
        self.serve = [0.0] * idx.n_pairs
        self.spaces = list(idx.spaces)
        space_no = {j: n for n, j in enumerate(self.spaces)}
        # options a space may take: eligible and not ruled out by a bound
        self.options = [[o for o in idx.options_of[j] if m.build[o].ub != 0]
                        for j in self.spaces]
        self.hosts = []
        self.hosts_of = [[] for _ in self.spaces]
        cheapest = min((idx.cost_per_m2[o] / max(idx.usable[o] * self.share, _EPS)
                        for o in idx.options), default=0.0)
        self.ub, self.lb, self.area, self.fit, self.base = [], [], [], [], []
        host_no = {}
        for h in idx.hosts:
            if m.host[h].ub == 0 or m.units[h].ub == 0:
                continue
            j, f = h
            k = len(self.hosts)
            host_no[h] = k
            self.hosts.append(h)
            self.hosts_of[space_no[j]].append(k)
            v = m.units[h]
            self.ub.append(int(idx.units_ub[h] if v.ub is None else min(idx.units_ub[h], v.ub)))
            self.lb.append(int(idx.units_lb[h]))
            a = float(idx.area_per_unit[f])
            self.area.append(a)
            self.fit.append(float(idx.fitout[f]))
            self.base.append(float(idx.fitout[f]) + cheapest * a)
        # pairs of each host, nearest first (one sort of all pairs)
        host = np.array([host_no.get(h, -1) for h in zip(idx.pair_site, idx.pair_function)],
                        dtype=np.int64)
        dist = np.asarray(idx.pair_distance, dtype=float)
        if order == "scarcity":  # demand with the fewest spaces to go to first
            deg = np.bincount(self.pair_key, weights=host >= 0, minlength=len(self.keys))
            self.by_distance = np.lexsort((np.arange(idx.n_pairs), dist,
                                           deg[self.pair_key]))
        else:
            self.by_distance = np.lexsort((np.arange(idx.n_pairs), dist))
        self.by_distance = self.by_distance[host[self.by_distance] >= 0]
        order = self.by_distance[np.argsort(host[self.by_distance], kind="stable")]
        cuts = np.searchsorted(host[order], np.arange(len(self.hosts) + 1))
        self.pairs = [order[cuts[k]:cuts[k + 1]].tolist() for k in range(len(self.hosts))]
        self.host_of_pair = host.tolist()
        self.space_of_host = [space_no[h[0]] for h in self.hosts]
        self.units = [0] * len(self.hosts)
        self.served = [0.0] * len(self.hosts)
        self.choice: list = [None] * len(self.spaces)  # option taken
        self.used = [0.0] * len(self.spaces)  # usable area taken by units
        self.n_open = 0

    # -- pieces --------------------------------------------------------------------------
    def capacity(self, o) -> float:
        """Usable area for services of option ``o`` at its largest."""
        return self.share * self.idx.usable[o] * self.idx.max_gross[o]

    def grow(self, k: int, want: float, free: float, n: int | None = None,
             s: float | None = None) -> tuple[int, float]:
        """(extra units, extra flow) host ``k`` can take of ``want`` within ``free`` area
        (holding ``n`` units serving ``s``: by default what it holds)."""
        n = self.units[k] if n is None else n
        s = self.served[k] if s is None else s
        a = self.area[k]
        want = min(want, self.ub[k] - s)
        if want <= _EPS:
            return 0, 0.0
        target = min(max(n if n else self.lb[k], math.ceil(s + want - 1e-9)), self.ub[k])
        extra = target - n
        if a * extra > free + 1e-9:
            extra = int(math.floor((free + 1e-9) / a)) if a > 0 else extra
            target = n + extra
        if extra < 0 or (n == 0 and target < max(self.lb[k], 1)) or target <= s + _EPS:
            return 0, 0.0
        return extra, min(want, target - s)

    def take(self, k: int, extra: int, amount: float) -> None:
        """Add ``extra`` units at host ``k`` and serve ``amount`` with them, nearest first."""
        j = self.space_of_host[k]
        self.units[k] += extra
        self.used[j] += self.area[k] * extra
        self.served[k] += amount
        left = self.pour(self.pairs[k], amount)
        self.served[k] -= max(left, 0.0)  # rounding: what could not be placed

    def pour(self, pairs, amount: float) -> float:
        """Serve up to ``amount`` over ``pairs`` in their order; return what is left."""
        for p in pairs:
            if amount <= _EPS:
                break
            q = self.pair_key[p]
            got = min(self.residual[q], amount)
            if got > 0:
                self.residual[q] -= got
                self.serve[p] += got
                amount -= got
        return amount

    def open(self, j: int, o) -> None:
        if self.choice[j] is None:
            self.choice[j] = o
            self.n_open += 1

    def reach(self, k: int) -> float:
        res, key = self.residual, self.pair_key
        return sum(res[key[p]] for p in self.pairs[k])

    # -- passes --------------------------------------------------------------------------
    def fill_existing(self) -> None:
        """Existing facilities serve their nearest demand first, up to their capacity."""
        idx = self.idx
        for key in sorted(idx.existing_capacity):
            self.pour(sorted(idx.pairs_of_existing.get(key, []),
                             key=lambda p: (idx.pair_distance[p], p)),
                      float(idx.existing_capacity[key]))

    def move(self, j: int):
        """The best move at space ``j``: (score, option, [(host, extra, amount)])."""
        idx = self.idx
        hs = self.hosts_of[j]
        reach = {k: self.reach(k) for k in hs}
        if all(r <= _EPS for r in reach.values()):
            return None
        if self.choice[j] is not None:
            options = [self.choice[j]]
        elif self.n_open < self.max_open:
            options = self.options[j]
        else:
            return None
        best = None
        for o in options:
            free = self.capacity(o) - self.used[j]
            steps, cost, value = [], 0.0, 0.0
            for k in hs:
                extra, amount = self.grow(k, reach[k], free)
                if amount <= _EPS:
                    continue
                free -= self.area[k] * extra
                steps.append((k, extra, amount))
                cost += self.fit[k] * extra
                value += self.base[k] * amount
            if not steps:
                continue
            old = self.gross(j, self.choice[j]) if self.choice[j] is not None else 0.0
            need = (self.capacity(o) - free) / (self.share * idx.usable[o])
            new = min(max(need, idx.min_gross.get(o, 0.0), old), idx.max_gross[o])
            cost += idx.cost_per_m2[o] * (new - old)
            if self.choice[j] is None:
                cost += idx.fixed_cost[o]
            score = cost / max(value, _EPS)
            if best is None or score < best[0]:
                best = (score, o, steps)
        return best

    def greedy(self) -> None:
        """The ``min_cost`` pass (module text): lazy evaluation, since a space's score only
        worsens as the demand around it is served."""
        heap = []
        for j in range(len(self.spaces)):
            mv = self.move(j)
            if mv is not None:
                heap.append((mv[0], j))
        heapq.heapify(heap)
        while heap:
            _, j = heapq.heappop(heap)
            mv = self.move(j)
            if mv is None:
                continue
            if heap and mv[0] > heap[0][0] * (1 + 1e-9) + 1e-12:
                heapq.heappush(heap, (mv[0], j))
                continue
            _, o, steps = mv
            self.open(j, o)
            for k, extra, amount in steps:
                self.take(k, extra, amount)
            heapq.heappush(heap, (mv[0], j))  # more may still fit

    def nearest(self) -> None:
        """Every unserved demand, pairs in order of distance, to the nearest space with
        room; a closed space opens through its channel with most usable area."""
        for p in self.by_distance.tolist():
            q = self.pair_key[p]
            want = self.residual[q]
            if want <= _EPS:
                continue
            got = self.room(p, want)
            if got is not None:
                self.place(p, *got)

    def fill_by_demand(self) -> None:
        """Each demand in turn (in key order) to its nearest spaces with room, a closed
        space opening through its channel with most usable area: the fill that
        ``benchmarks/city_scale.py``'s ``servable_rooms`` uses to prove a city can be
        served. The greedy and nearest passes serve the pairs in another order (all pairs
        by distance, spaces through their cheapest channel) and can strand demand where
        this does not: at 20,000 x 3,000 x 3 ``min_cost`` both orders left demand unserved
        and the run had no plan in 5 minutes."""
        key = np.asarray(self.pair_key, dtype=np.int64)[self.by_distance]
        order = self.by_distance[np.argsort(key, kind="stable")]  # by demand, nearest first
        cuts = np.searchsorted(key[np.argsort(key, kind="stable")],
                               np.arange(len(self.keys) + 1))
        for q in range(len(self.keys)):
            for p in order[cuts[q]:cuts[q + 1]].tolist():
                want = self.residual[q]
                if want <= _EPS:
                    break
                got = self.room(p, want)
                if got is not None:
                    self.place(p, *got)

    def repair(self) -> None:
        """Demand still left: re-route each function that has some as a transportation LP
        (a maximum flow), the other functions' units held.

        For function ``f`` the LP takes every pair of ``f`` to a host; a host may hold up to
        the units its space's free area allows (its own units' area counted free, the
        space at its channel with most usable area if it is closed and the count of
        spaces is not limited), 0 if that is below its minimum; each demand up to what the
        existing facilities leave. It maximises what is served, nearer pairs preferred
        (a tie-break under 10^-4 per unit; if that leaves demand, again without it). A plan
        of the passes above that strands demand is a plan of this LP too, so the LP serves
        at least as much; whole units then follow from the flows: a host serving ``s``
        gets ``max(min units, ceil(s))``, within its bound since the capacities are
        whole. The LP sees one function at a time: demand stranded because other
        functions took the area stays (no start)."""
        import scipy.sparse as sp
        from scipy.optimize import linprog

        idx = self.idx
        fn_of_key = [k[1] for k in self.keys]
        left = sorted({fn_of_key[q] for q, r in enumerate(self.residual) if r > 1e-7})
        for f in left:
            hs = [k for k in range(len(self.hosts)) if self.hosts[k][1] == f]
            cap, opt = np.zeros(len(hs)), [None] * len(hs)
            for n, k in enumerate(hs):
                j = self.space_of_host[k]
                o = self.choice[j]
                if o is None:
                    if not math.isinf(self.max_open) or not self.options[j]:
                        continue
                    o = max(self.options[j],
                            key=lambda o: (self.capacity(o), -idx.fixed_cost[o]))
                free = self.capacity(o) - self.used[j] + self.area[k] * self.units[k]
                c = min(self.ub[k], math.floor((free + 1e-9) / self.area[k])
                        if self.area[k] > 0 else self.ub[k])
                if c >= max(self.lb[k], 1):
                    cap[n], opt[n] = c, o
            cols = [(n, p) for n, k in enumerate(hs) if cap[n] > 0 for p in self.pairs[k]]
            if not cols:
                continue
            col_host = np.array([n for n, _ in cols])
            col_pair = np.array([p for _, p in cols])
            keys_f = sorted({self.pair_key[p] for p in col_pair.tolist()})
            row_of = {q: r for r, q in enumerate(keys_f)}
            col_key = np.array([row_of[self.pair_key[p]] for p in col_pair.tolist()])
            # what each demand has for the hosts: its residual and its flows to them now
            want = np.array([self.residual[q] for q in keys_f])
            for k in hs:
                for p in self.pairs[k]:
                    if self.serve[p] > 0 and self.pair_key[p] in row_of:
                        want[row_of[self.pair_key[p]]] += self.serve[p]
            n_c = len(cols)
            a = sp.vstack([sp.csr_matrix((np.ones(n_c), (col_key, np.arange(n_c))),
                                         shape=(len(keys_f), n_c)),
                           sp.csr_matrix((np.ones(n_c), (col_host, np.arange(n_c))),
                                         shape=(len(hs), n_c))]).tocsr()
            b = np.concatenate([want, cap])
            dist = np.asarray(idx.pair_distance, dtype=float)[col_pair]
            x = None
            for tie in (1e-4, 0.0):
                c = -1.0 + tie * dist / max(float(dist.max()), _EPS)
                out = linprog(c, A_ub=a, b_ub=b, bounds=(0, None), method="highs")
                if out.status != 0:
                    break
                x = np.maximum(out.x, 0.0)
                if x.sum() >= want.sum() - 1e-7:
                    break
            if x is None or x.sum() <= sum(self.serve[p] for k in hs
                                           for p in self.pairs[k]) + 1e-9:
                continue
            # within every row exactly (the LP holds them to its tolerance)
            load = np.bincount(col_host, weights=x, minlength=len(hs))
            x *= np.minimum(1.0, cap / np.maximum(load, _EPS))[col_host]
            got = np.bincount(col_key, weights=x, minlength=len(keys_f))
            x *= np.minimum(1.0, want / np.maximum(got, _EPS))[col_key]
            load = np.bincount(col_host, weights=x, minlength=len(hs))
            got = np.bincount(col_key, weights=x, minlength=len(keys_f))
            for k in hs:  # take f's flows and units off the plan, then put the LP's on
                for p in self.pairs[k]:
                    self.serve[p] = 0.0
                j = self.space_of_host[k]
                self.used[j] -= self.area[k] * self.units[k]
                self.units[k], self.served[k] = 0, 0.0
            for q, r in zip(keys_f, (want - got).tolist()):
                self.residual[q] = max(r, 0.0)
            for p, v in zip(col_pair.tolist(), x.tolist()):
                self.serve[p] += v
            for n, k in enumerate(hs):
                if load[n] <= _EPS:
                    continue
                j = self.space_of_host[k]
                self.open(j, opt[n])
                u = max(self.lb[k], math.ceil(load[n] - 1e-9))
                self.units[k], self.served[k] = u, float(load[n])
                self.used[j] += self.area[k] * u
            for j in {self.space_of_host[k] for k in hs}:  # opened for nothing
                if self.choice[j] is not None and not any(self.units[k]
                                                         for k in self.hosts_of[j]):
                    self.choice[j] = None
                    self.used[j] = 0.0
                    self.n_open -= 1

    def room(self, p: int, want: float):
        """(option, extra units, amount) pair ``p``'s host can take of ``want``, opening
        its space if need be, or ``None``."""
        k = self.host_of_pair[p]
        j = self.space_of_host[k]
        o = self.choice[j]
        if o is None:
            if self.n_open >= self.max_open or not self.options[j]:
                return None
            o = max(self.options[j], key=lambda o: (self.capacity(o), -self.idx.fixed_cost[o]))
        extra, amount = self.grow(k, want, self.capacity(o) - self.used[j])
        return None if amount <= _EPS else (o, extra, amount)

    def place(self, p: int, o, extra: int, amount: float) -> None:
        k = self.host_of_pair[p]
        self.open(self.space_of_host[k], o)
        self.units[k] += extra
        self.used[self.space_of_host[k]] += self.area[k] * extra
        self.served[k] += amount
        self.residual[self.pair_key[p]] -= amount
        self.serve[p] += amount

    def augment(self) -> None:
        """Demand left unserved next to full hosts: move flow of another community off one
        of those hosts to a host of its own with room (an augmenting path of length two),
        then serve the demand with the units freed."""
        rows = self.rows()
        for q, left in enumerate(self.residual):
            if left <= 1e-7:
                continue
            for p in rows[q]:
                k = self.host_of_pair[p]
                if self.units[k] == 0:
                    continue
                for p2 in self.pairs[k]:
                    if self.residual[q] <= _EPS:
                        break
                    q2 = self.pair_key[p2]
                    if q2 == q or self.serve[p2] <= _EPS:
                        continue
                    for p3 in rows[q2]:
                        if self.host_of_pair[p3] == k:
                            continue
                        got = self.room(p3, min(self.serve[p2], self.residual[q]))
                        if got is None:
                            continue
                        o, extra, amount = got
                        # community q2 moves `amount` from k to p3's host; q takes it at k
                        self.serve[p2] -= amount
                        self.residual[q2] += amount
                        self.place(p3, o, extra, amount)
                        self.serve[p] += amount
                        self.residual[q] -= amount
                        if self.residual[q] <= _EPS:
                            break
                if self.residual[q] <= _EPS:
                    break

    def gross(self, j: int, o, used: float | None = None) -> float:
        idx = self.idx
        used = self.used[j] if used is None else used
        need = used / (self.share * idx.usable[o])
        return min(max(need, idx.min_gross.get(o, 0.0)), idx.max_gross[o])

    def space_cost(self, j: int) -> float:
        o = self.choice[j]
        if o is None:
            return 0.0
        idx = self.idx
        return (idx.fixed_cost[o] + idx.cost_per_m2[o] * self.gross(j, o)
                + sum(self.fit[k] * self.units[k] for k in self.hosts_of[j]))

    def drops(self, max_tries: int) -> int:
        """Local search (``min_cost``): close an open space whose demand the other open
        spaces can take, nearest first, if that lowers the capital cost; spaces dearest
        per unit served are tried first, in passes until none pays or ``max_tries`` tries.
        Returns the number closed."""
        rows = self.rows()
        closed, better, tries = 0, True, 0
        while better and tries < max_tries:
            better = False
            value = {j: sum(self.base[k] * self.served[k] for k in self.hosts_of[j])
                     for j in range(len(self.spaces)) if self.choice[j] is not None}
            for j in sorted(value, key=lambda j: (-self.space_cost(j) / max(value[j], _EPS),
                                                  j)):
                if tries >= max_tries:
                    break
                tries += 1
                if self.choice[j] is not None and self.try_drop(j, rows):
                    closed += 1
                    better = True
        return closed

    def rows(self) -> list[list[int]]:
        """Pairs of each demand row, in the construction's order."""
        rows: list[list[int]] = [[] for _ in self.keys]
        for p in self.by_distance.tolist():
            rows[self.pair_key[p]].append(p)
        return rows

    def try_drop(self, j: int, rows: list[list[int]]) -> bool:
        """Close space ``j`` if the other open spaces take its flows at a lower cost."""
        idx = self.idx
        units, served, used = {}, {}, {}
        moves = []
        delta = -self.space_cost(j)
        for k in self.hosts_of[j]:
            for p in self.pairs[k]:
                amount = self.serve[p]
                if amount <= _EPS:
                    continue
                for p2 in rows[self.pair_key[p]]:
                    k2 = self.host_of_pair[p2]
                    j2 = self.space_of_host[k2]
                    o2 = self.choice[j2]
                    if j2 == j or o2 is None:
                        continue
                    n = units.get(k2, self.units[k2])
                    s = served.get(k2, self.served[k2])
                    u = used.get(j2, self.used[j2])
                    extra, got = self.grow(k2, amount, self.capacity(o2) - u, n, s)
                    if got <= _EPS:
                        continue
                    if extra:
                        delta += self.fit[k2] * extra + idx.cost_per_m2[o2] * (
                            self.gross(j2, o2, u + self.area[k2] * extra)
                            - self.gross(j2, o2, u))
                        units[k2] = n + extra
                        used[j2] = u + self.area[k2] * extra
                    served[k2] = s + got
                    moves.append((p, p2, got))
                    amount -= got
                    if amount <= _EPS:
                        break
                if amount > 1e-7 or delta >= -1e-6:
                    return False
        if delta >= -1e-6:
            return False
        for p, p2, got in moves:
            self.serve[p] -= got
            self.serve[p2] += got
        for k in self.hosts_of[j]:
            self.units[k], self.served[k] = 0, 0.0
        self.used[j] = 0.0
        self.choice[j] = None
        self.n_open -= 1
        for k2, n in units.items():
            self.units[k2] = n
        for k2, s in served.items():
            self.served[k2] = s
        for j2, u in used.items():
            self.used[j2] = u
        return True

    # -- result --------------------------------------------------------------------------
    def write(self) -> dict:
        m, idx = self.m, self.idx
        capex = 0.0
        for j, space in enumerate(self.spaces):
            for o in idx.options_of[space]:
                on = self.choice[j] == o
                g = self.gross(j, o) if on else 0.0
                m.build[o].set_value(1 if on else 0, skip_validation=True)
                m.gross[o].set_value(g, skip_validation=True)
                if on:
                    capex += idx.fixed_cost[o] + idx.cost_per_m2[o] * g
        units = dict(zip(self.hosts, self.units))
        for h in idx.hosts:
            u = units.get(h, 0)
            m.units[h].set_value(u, skip_validation=True)
            m.host[h].set_value(1 if u > 0 else 0, skip_validation=True)
            capex += idx.fitout[h[1]] * u
        for var, v, d in zip(m.serve.values(), self.serve, idx.pair_demand):
            var.set_value(min(v, d), skip_validation=True)
        walk = float(np.dot(self.serve, idx.pair_distance)) if idx.n_pairs else 0.0
        return {"spaces": self.n_open, "capex": capex, "walk": walk}

