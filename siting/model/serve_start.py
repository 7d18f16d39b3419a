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
  channel that gives them most usable area. A solve then also rounds the LP relaxation's
  flows to a plan (:func:`serve_all_from_flows`) and keeps the better one.

Both continue with that nearest-first fill for any demand the first pass left (its spaces full),
growing open spaces or opening new ones, then an augmenting step for demand still left next
to full hosts (another community's flow moves to a host of its own with room), then a
repair of what is still left: a small MIP re-planning the units and flows of a
neighbourhood of that demand, all functions at once (:meth:`_Plan.repair`; at 20,000 x
3,000 x 3 ``min_cost`` every pass before it left 3 demands with 10.1 units, and one MIP of
602 pairs placed them in 1.2 s). If demand is still left, the whole construction runs again
with the demand that has the fewest spaces within reach served first, and last with the
demand served community by community (:meth:`_Plan.fill_by_demand`). Demand nothing
reaches has no row in the model and is left out. The ``min_cost`` plan is then improved
by closing spaces whose demand the others can take more cheaply (:meth:`_Plan.drops`).

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
import logging
import math

import numpy as np

from siting.model import BuiltModel
from siting.model.service import SERVE_ALL_OBJECTIVES

__all__ = ["rounded_plan", "serve_all_from_flows", "serve_all_plan", "serve_all_start"]

log = logging.getLogger(__name__)

_EPS = 1e-9


REPAIR_HOPS = (1, 2, 3)
"""The neighbourhoods :meth:`_Plan.repair` tries in turn (steps out from the demand left)."""

REPAIR_SECONDS = 10.0
"""Time limit of each of :meth:`_Plan.repair`'s MIPs (the plan is the best one found)."""

WALK_WEIGHT = 0.02
""":meth:`_Plan.repair` for ``min_distance``: the walk's price per unit served, at the
neighbourhood's longest pair (serving a unit is worth 1); kept if that MIP serves all that
is wanted, else the MIP for serving (walk under 10^-4) decides. With the walk under 10^-4
the MIP re-plans a neighbourhood's flows and units as any far assignment: at 5,000 x
1,000 x 3, serving the 0.53 units the LP rounding left
(:func:`siting.decompose._fixed_hosts_flows`) added 1.19e6 to a walk of 8.86e6; at 0.005
4.1e4, at 0.02 5.1e3, all served in each. (Holding the MIP's units and re-solving only
its flows for the least walk did not help: the units sat far away; a second MIP for the
least walk at the same service ran 4 minutes past its 10 s limit.)"""

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


def _decided(built: BuiltModel) -> bool:
    """Whether these plans decide every row of ``built`` (module text)."""
    m, opts = built.model, built.options
    if (opts.objective not in SERVE_ALL_OBJECTIVES or opts.single_source
            or opts.n_spaces is not None or built.phasing.enabled):
        return False
    # pins forcing something open: the money and pins starts handle those
    return not (any((v.lb or 0) > 0 for v in m.build.values()) or any(
        (v.lb or 0) > 0 for v in m.host.values()) or any(
        (v.lb or 0) > 0 for v in m.units.values()))


def serve_all_from_flows(built: BuiltModel, flows: np.ndarray) -> dict | None:
    """Set a plan serving all demand rounded from pair flows ``flows`` (one per pair of
    ``built.index``, e.g. the LP relaxation's): :meth:`_Plan.take_flows`, then the
    nearest-first fill, the augmenting step and the repair for what rounding left. Returns
    :func:`serve_all_start`'s summary (``method`` ``rounded``) or ``None`` (not all demand
    served, or rows these plans do not decide; the variables are then untouched)."""
    plan = rounded_plan(built, flows)
    return (None if plan is None
            else {**plan.write(), "method": "rounded", "order": "flows", "closed": 0})


def rounded_plan(built: BuiltModel, flows: np.ndarray) -> _Plan | None:
    """:func:`serve_all_from_flows`'s plan, without setting it on the model."""
    from pyomo.common.gc_manager import PauseGC

    if not _decided(built):
        return None
    with PauseGC():
        plan = _Plan(built, "distance")
        if not plan.take_flows(flows):
            return None
        if max(plan.residual, default=0.0) > 1e-7:
            plan.nearest()
        if max(plan.residual, default=0.0) > 1e-7:
            plan.augment()
        if max(plan.residual, default=0.0) > 1e-7:
            plan.repair()
        if max(plan.residual, default=0.0) > 1e-7:
            return None
        return plan


def _serve_all_start(built: BuiltModel, method: str | None, improve_s: float) -> dict | None:
    got = serve_all_plan(built, method)
    if got is None:
        return None
    plan, info = got
    closed = plan.improve(improve_s) if info["method"] == "greedy" else 0
    return {**plan.write(), **info, "closed": closed}


def serve_all_plan(built: BuiltModel, method: str | None = None
                   ) -> tuple[_Plan, dict] | None:
    """The construction of :func:`serve_all_start` without its local search and without
    setting anything on the model: (the plan, ``{"method", "order"}``) or ``None``. The
    caller takes its values (:meth:`_Plan.vector`, :meth:`_Plan.write`) and may improve it
    (:meth:`_Plan.improve`): a solve checks the plan and counts it as its first before the
    local search runs."""
    from pyomo.common.gc_manager import PauseGC

    opts = built.options
    if method is None:
        method = "nearest" if opts.objective == "min_distance" else "greedy"
    if method not in ("greedy", "nearest"):
        raise ValueError(f"serve_all_start: unknown method {method!r}")
    if not _decided(built):
        return None
    with PauseGC():
        return _construct(built, method)


def _construct(built: BuiltModel, method: str) -> tuple[_Plan, dict] | None:
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
            left = [r for r in plan.residual if r > 1e-7]
            log.info("serve-all start (%s order): %d demands with %.6g left, repairing",
                     order, len(left), sum(left))
            plan.repair()
        if max(plan.residual, default=0.0) <= 1e-7:
            return plan, {"method": method, "order": order}
    return None


class _Plan:
    """The construction's state, on lists indexed by space, host, pair and demand."""

    def __init__(self, built: BuiltModel, order: str = "distance") -> None:
        m, idx, opts = built.model, built.index, built.options
        self.m, self.idx, self.built = m, idx, built
        self.share = idx.service_share
        self.max_open = opts.max_spaces if opts.max_spaces is not None else math.inf
        self.keys = sorted(idx.demand)
        key_no = {k: n for n, k in enumerate(self.keys)}
        # demand nothing reaches has no row in the model (the run refuses it before)
        self.residual = [float(idx.demand[k]) if k in idx.pairs_of_demand else 0.0
                         for k in self.keys]
        # each pair's demand row, from the index's groups (no lookup per pair)
        pk = np.zeros(idx.n_pairs, dtype=np.int64)
        for k, ps in idx.pairs_of_demand.items():
            pk[ps] = key_no[k]
        self.pair_key = pk.tolist()
        self._pair_key, self._rows = pk, None
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
        host = np.full(idx.n_pairs, -1, dtype=np.int64)
        for h, ps in idx.pairs_of_host.items():
            if h in host_no:
                host[ps] = host_no[h]
        dist = self._dist = np.asarray(idx.pair_distance, dtype=float)
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
        self._keys_of_host: dict[int, list[int]] = {}  # demand rows of each host's pairs
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
        # the same additions in the same order as summing over the host's pairs, without a
        # generator (the greedy's hot spot: 20,000 x 3,000, 3.1 M pairs)
        keys = self._keys_of_host.get(k)
        if keys is None:
            key = self.pair_key
            keys = self._keys_of_host[k] = [key[p] for p in self.pairs[k]]
        return sum(map(self.residual.__getitem__, keys))

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
        room; a closed space opens through its channel with most usable area. (Only the
        pairs of demand left are visited: a residual only decreases here, so the others
        would be passed over; after the greedy at 20,000 x 3,000 x 3 that is almost all of
        3.1 M pairs.)"""
        bd = self.by_distance
        left = np.asarray(self.residual, dtype=float) > _EPS
        for p in bd[left[self._pair_key[bd]]].tolist():
            q = self.pair_key[p]
            want = self.residual[q]
            if want <= _EPS:
                continue
            got = self.room(p, want)
            if got is not None:
                self.place(p, *got)

    def take_flows(self, flows: np.ndarray) -> bool:
        """Set the plan to pair flows ``flows`` (e.g. an LP relaxation's), rounded: each
        demand's flows within it, flows under 10^-6 dropped, each host with flow gets
        ``max(min units, ceil(flow))`` (its bound at most, the flow cut to it), each space
        with units its channel with most usable area. A space whose units then need more
        area than it has gives up units one at a time (the last unit of the host whose last
        unit serves least, all of a host's units once below its minimum), their flow left
        unserved for the passes after. Existing facilities keep their flows within their
        capacity. ``False`` (the plan untouched) if more spaces would open than the count
        of spaces allows."""
        idx = self.idx
        n_hosts = len(self.hosts)
        key = np.asarray(self.pair_key, dtype=np.int64)
        host = np.asarray(self.host_of_pair, dtype=np.int64)
        x = np.clip(np.asarray(flows, dtype=float), 0.0, np.asarray(idx.pair_demand))
        x[x < 1e-6] = 0.0
        x[host < 0] = 0.0  # pairs to hosts that cannot open
        for k_, ps in idx.pairs_of_existing.items():  # existing facilities: as given
            ps = np.asarray(ps, dtype=np.int64)
            f = np.clip(np.asarray(flows, dtype=float)[ps], 0.0, None)
            cap = float(idx.existing_capacity.get(k_, 0.0))
            x[ps] = f * min(1.0, cap / max(f.sum(), _EPS))
        demand = np.array([float(idx.demand[k]) for k in self.keys])
        got = np.bincount(key, weights=x, minlength=len(self.keys))
        x *= np.minimum(1.0, demand / np.maximum(got, _EPS))[key]
        on = host >= 0
        load = np.bincount(host[on], weights=x[on], minlength=n_hosts)
        lb, ub = np.asarray(self.lb, dtype=float), np.asarray(self.ub, dtype=float)
        units = np.where(load > 1e-6, np.minimum(np.maximum(lb, np.ceil(load - 1e-6)), ub), 0.0)
        area = np.asarray(self.area, dtype=float)
        host_space = np.asarray(self.space_of_host, dtype=np.int64)
        used = np.bincount(host_space, weights=area * units, minlength=len(self.spaces))
        if (used > 0).sum() > self.max_open:
            return False
        choice = [None] * len(self.spaces)
        for j in np.flatnonzero(used > 0).tolist():
            if not self.options[j]:
                units[self.hosts_of[j]] = 0.0
                used[j] = 0.0
                continue
            o = max(self.options[j], key=lambda o: (self.capacity(o), -idx.fixed_cost[o]))
            cap = self.capacity(o)
            while used[j] > cap + 1e-9:  # the unit serving least goes first
                k = min((k for k in self.hosts_of[j] if units[k] > 0),
                        key=lambda k: (min(load[k], units[k]) - (units[k] - 1), k))
                drop = units[k] if units[k] - 1 < max(lb[k], 1) else 1.0
                units[k] -= drop
                used[j] -= area[k] * drop
            if any(units[k] > 0 for k in self.hosts_of[j]):
                choice[j] = o
            else:
                used[j] = 0.0
        # flows within the units (each host's flows cut in proportion)
        cut = np.minimum(1.0, units / np.maximum(load, _EPS))
        x[on] *= cut[host[on]]
        got = np.bincount(key, weights=x, minlength=len(self.keys))
        load = np.bincount(host[on], weights=x[on], minlength=n_hosts)
        self.serve = x.tolist()
        self.residual = np.maximum(demand - got, 0.0).tolist()
        for q, k in enumerate(self.keys):  # demand nothing reaches: no row (as in __init__)
            if k not in idx.pairs_of_demand:
                self.residual[q] = 0.0
        self.units = units.astype(int).tolist()
        self.served = np.where(units > 0, load, 0.0).tolist()
        self.used = [float(a) if c is not None else 0.0 for a, c in zip(used, choice)]
        self.choice = choice
        self.n_open = sum(c is not None for c in choice)
        return True

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

    def repair(self, hops: tuple = REPAIR_HOPS) -> None:
        """Demand still left: re-plan a neighbourhood of it as a small MIP, all functions
        together, the rest of the plan held.

        The neighbourhood starts at the demands left and grows by ``h`` steps (a step:
        the spaces those demands reach, then every demand reaching one of those spaces,
        any function), then takes every space its demands reach, with all the hosts of
        those spaces; ``h`` is each of ``hops`` in turn until nothing is left. Within it
        the MIP chooses whole units per host (0, or between the host's minimum and its
        bound), the units' area within each space's usable area at its channel with most
        of it (closed spaces may open only while the count of spaces is not limited), and
        the flows of the neighbourhood's demands to its hosts; each host keeps serving
        the demand from outside the neighbourhood it serves now, each demand up to what
        it wants. It maximises what is served, nearer pairs and fewer units preferred
        (tie-breaks under 10^-3 per unit of demand). The plan as it stands is a solution
        of the MIP, so the MIP serves at least as much. Demand is stranded where the
        area is shared: at 20,000 x 3,000 x 3 ``min_cost`` one demand was left with
        9.1 respite beds that no re-routing of respite beds alone could place (a
        transportation LP over 2,372 demands and 108 k pairs, 37 s), and the fill
        demand by demand left 5 demands. Each MIP stops after :data:`REPAIR_SECONDS`
        with the best plan it has (never reached in the measurements above)."""
        import scipy.sparse as sp
        from scipy.optimize import Bounds, LinearConstraint, milp

        idx = self.idx
        n_keys, n_hosts, n_spaces = len(self.keys), len(self.hosts), len(self.spaces)
        pair_host = np.asarray(self.host_of_pair, dtype=np.int64)
        pair_key = np.asarray(self.pair_key, dtype=np.int64)
        host_space = np.asarray(self.space_of_host, dtype=np.int64)
        # each space's channel with most usable area (its own if it is open and the count
        # of spaces is limited); spaces that cannot take anything have none
        best = [None] * n_spaces
        for j in range(n_spaces):
            if self.choice[j] is not None and not math.isinf(self.max_open):
                best[j] = self.choice[j]
            elif self.options[j] and (self.choice[j] is not None
                                      or math.isinf(self.max_open)):
                best[j] = max(self.options[j],
                              key=lambda o: (self.capacity(o), -idx.fixed_cost[o]))
        usable = np.array([o is not None for o in best])
        valid = pair_host >= 0
        valid[valid] = usable[host_space[pair_host[valid]]]
        v_pair = np.flatnonzero(valid)
        v_key, v_space = pair_key[v_pair], host_space[pair_host[v_pair]]
        dist = np.asarray(idx.pair_distance, dtype=float)
        scale = max(float(dist[v_pair].max()) if len(v_pair) else 0.0, _EPS)
        area = np.asarray(self.area, dtype=float)
        for h in hops:
            residual = np.asarray(self.residual)
            in_d = residual > 1e-7
            if not in_d[v_key].any():
                return
            in_s = np.zeros(n_spaces, dtype=bool)
            for _ in range(h):
                in_s[v_space[in_d[v_key]]] = True
                in_d[v_key[in_s[v_space]]] = True
            in_s[v_space[in_d[v_key]]] = True
            sub = in_d[v_key]  # every pair of the neighbourhood's demands
            s_pair = v_pair[sub]
            hosts = np.flatnonzero(in_s[host_space])
            keys = np.unique(v_key[sub])
            row_key = np.full(n_keys, -1, dtype=np.int64)
            row_key[keys] = np.arange(len(keys))
            row_host = np.full(n_hosts, -1, dtype=np.int64)
            row_host[hosts] = np.arange(len(hosts))
            spaces = np.flatnonzero(in_s)
            row_space = np.full(n_spaces, -1, dtype=np.int64)
            row_space[spaces] = np.arange(len(spaces))
            serve = np.asarray(self.serve)
            s_key, s_host = row_key[pair_key[s_pair]], row_host[pair_host[s_pair]]
            now = np.bincount(s_key, weights=serve[s_pair], minlength=len(keys))
            want = residual[keys] + now
            # the hosts' flow from demand outside the neighbourhood, held
            h_pair = np.flatnonzero(valid & np.isin(pair_host, hosts))
            h_pair = h_pair[~in_d[pair_key[h_pair]]]
            fixed = np.bincount(row_host[pair_host[h_pair]], weights=serve[h_pair],
                                minlength=len(hosts))
            ub = np.asarray(self.ub, dtype=float)[hosts]
            lb = np.asarray(self.lb, dtype=float)[hosts]
            gated = np.flatnonzero(lb > 1)  # 0 or at least the minimum: an on/off
            n_x, n_u, n_z = len(s_pair), len(hosts), len(gated)
            u0, z0 = n_x, n_x + n_u
            cols = np.arange(n_x)
            blocks = [  # demand rows, host rows, area rows, the minimum's two rows
                sp.csr_matrix((np.ones(n_x), (s_key, cols)), shape=(len(keys), n_x + n_u + n_z)),
                sp.csr_matrix((np.concatenate([np.ones(n_x), -np.ones(n_u)]),
                               (np.concatenate([s_host, np.arange(n_u)]),
                                np.concatenate([cols, u0 + np.arange(n_u)]))),
                              shape=(n_u, n_x + n_u + n_z)),
                sp.csr_matrix((area[hosts], (row_space[host_space[hosts]], u0 + np.arange(n_u))),
                              shape=(len(spaces), n_x + n_u + n_z)),
                sp.csr_matrix((np.concatenate([np.ones(n_z), -lb[gated]]),
                               (np.tile(np.arange(n_z), 2),
                                np.concatenate([u0 + gated, z0 + np.arange(n_z)]))),
                              shape=(n_z, n_x + n_u + n_z)),
                sp.csr_matrix((np.concatenate([np.ones(n_z), -ub[gated]]),
                               (np.tile(np.arange(n_z), 2),
                                np.concatenate([u0 + gated, z0 + np.arange(n_z)]))),
                              shape=(n_z, n_x + n_u + n_z))]
            cap_area = np.array([self.capacity(best[j]) for j in spaces.tolist()])
            lo = np.concatenate([np.full(len(keys), -np.inf), np.full(n_u, -np.inf),
                                 np.full(len(spaces), -np.inf), np.zeros(n_z),
                                 np.full(n_z, -np.inf)])
            hi = np.concatenate([want, -fixed, cap_area, np.full(n_z, np.inf), np.zeros(n_z)])
            c = np.concatenate([-1.0 + 1e-4 * dist[s_pair] / scale, np.full(n_u, 1e-3),
                                np.zeros(n_z)])
            integrality = np.concatenate([np.zeros(n_x), np.ones(n_u + n_z)])
            bounds = Bounds(np.zeros(n_x + n_u + n_z),
                            np.concatenate([np.full(n_x, np.inf), ub, np.ones(n_z)]))
            constraints = LinearConstraint(sp.vstack(blocks).tocsr(), lo, hi)
            out = None
            if self.built.options.objective == "min_distance":  # the walk priced first
                c_walk = c.copy()
                c_walk[:n_x] = -1.0 + WALK_WEIGHT * dist[s_pair] / scale
                out = milp(c_walk, integrality=integrality, bounds=bounds,
                           constraints=constraints,
                           options={"time_limit": REPAIR_SECONDS, "disp": False,
                                    "mip_rel_gap": 1e-6})
                if out.x is None or out.x[:n_x].sum() < want.sum() - 1e-7 * len(keys):
                    out = None  # it traded service for walk: serving first
            if out is None:
                out = milp(c, integrality=integrality, bounds=bounds, constraints=constraints,
                           options={"time_limit": REPAIR_SECONDS, "disp": False})
            log.info("repair, %d steps: %d demands, %d spaces, %d pairs; %s; %.6g of %.6g "
                     "served, %.6g before", h, len(keys), len(spaces), n_x, out.message,
                     -1.0 if out.x is None else out.x[:n_x].sum(), want.sum(), now.sum())
            if out.x is None:
                continue
            x, u = np.maximum(out.x[:n_x], 0.0), np.round(out.x[u0:u0 + n_u])
            # every row exactly (the MIP holds them to its tolerance)
            load = np.bincount(s_host, weights=x, minlength=n_u)
            x *= np.minimum(1.0, np.maximum(u - fixed, 0.0) / np.maximum(load, _EPS))[s_host]
            got = np.bincount(s_key, weights=x, minlength=len(keys))
            x *= np.minimum(1.0, want / np.maximum(got, _EPS))[s_key]
            load = np.bincount(s_host, weights=x, minlength=n_u)
            got = np.bincount(s_key, weights=x, minlength=len(keys))
            served = fixed + load
            u = np.where(served > _EPS, np.maximum(u, lb), 0.0)
            used = np.bincount(row_space[host_space[hosts]], weights=area[hosts] * u,
                               minlength=len(spaces))
            if (got.sum() <= now.sum() + 1e-9 or (used > cap_area + 1e-9).any()
                    or (u > ub).any() or (u < np.ceil(served - 1e-9)).any()):
                continue
            for p, v in zip(s_pair.tolist(), x.tolist()):
                self.serve[p] = v
            for q, r in zip(keys.tolist(), (want - got).tolist()):
                self.residual[q] = max(r, 0.0)
            for k, n, s in zip(hosts.tolist(), u.astype(int).tolist(), served.tolist()):
                self.units[k], self.served[k] = n, s if n else 0.0
            for j, a in zip(spaces.tolist(), used.tolist()):
                if a > 0 and self.choice[j] is None:
                    self.open(j, best[j])
                elif a > 0 and a > self.capacity(self.choice[j]) + 1e-9:
                    self.choice[j] = best[j]  # more area than its channel gives
                elif a <= 0 and self.choice[j] is not None:  # opened for nothing
                    self.choice[j] = None
                    self.n_open -= 1
                self.used[j] = a if a > 0 else 0.0

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
        """Pairs of each demand row, in the construction's order (computed once: neither
        the order nor the rows change; callers only read it)."""
        if self._rows is None:
            bd = self.by_distance
            key = self._pair_key[bd]
            order = np.argsort(key, kind="stable")  # by row, the construction's order within
            cut = np.searchsorted(key[order], np.arange(len(self.keys) + 1))
            ps = bd[order].tolist()
            self._rows = [ps[a:b] for a, b in zip(cut[:-1].tolist(), cut[1:].tolist())]
        return self._rows

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

    def improve(self, improve_s: float) -> int:
        """The ``min_cost`` local search (:meth:`drops`) for at most
        :data:`TRIES_PER_SECOND` x ``improve_s`` tries; the number of spaces closed."""
        return self.drops(int(TRIES_PER_SECOND * improve_s)) if improve_s > 0 else 0

    # -- result --------------------------------------------------------------------------
    def values(self) -> tuple[dict, dict]:
        """The plan's value of every variable of ``m.build``, ``m.gross`` (by option),
        ``m.units``, ``m.host`` (by host) and ``m.serve`` (by pair), each family a list in
        the order of its values, and its summary (``spaces``, ``capex``, ``walk``)."""
        idx = self.idx
        capex = 0.0
        gross_of = {}
        for j, space in enumerate(self.spaces):
            for o in idx.options_of[space]:
                if self.choice[j] == o:
                    g = gross_of[o] = self.gross(j, o)
                    capex += idx.fixed_cost[o] + idx.cost_per_m2[o] * g
        units_of = dict(zip(self.hosts, self.units))
        units = []
        for h in idx.hosts:
            u = units_of.get(h, 0)
            units.append(u)
            capex += idx.fitout[h[1]] * u
        flows = np.asarray(self.serve, dtype=float)
        serve = np.minimum(flows, np.asarray(idx.pair_demand, dtype=float))
        walk = float(np.dot(flows, self._dist)) if idx.n_pairs else 0.0
        return ({"build": [1 if o in gross_of else 0 for o in idx.options],
                 "gross": [gross_of.get(o, 0.0) for o in idx.options],
                 "units": units, "host": [1 if u > 0 else 0 for u in units],
                 "serve": serve},
                {"spaces": self.n_open, "capex": capex, "walk": walk})

    def write(self) -> dict:
        """Set the plan on the model's variables; return its summary (:meth:`values`)."""
        m = self.m
        values, summary = self.values()
        for name, vals in values.items():
            vals = vals.tolist() if isinstance(vals, np.ndarray) else vals
            for var, v in zip(getattr(m, name).values(), vals):
                var.set_value(v, skip_validation=True)
        return summary

    def vector(self, solver) -> tuple[np.ndarray, dict] | None:
        """The plan as a column vector of ``solver``'s held model (which holds this plan's
        model), with its summary, without setting anything on the model (at 20,000 x 3,000
        x 3 setting 3.1 M flows on Pyomo's variables and reading them back took about 4 s);
        ``None`` if a held column is none of these families' (e.g. a shortfall's)."""
        m = self.m
        values, summary = self.values()
        x = np.zeros(len(solver._columns))
        covered = np.zeros(len(x), dtype=bool)
        for name, vals in values.items():
            cols = (solver.pair_columns(self.built) if name == "serve"
                    else solver.family_columns(getattr(m, name)))
            held = cols >= 0
            x[cols[held]] = np.asarray(vals, dtype=float)[held]
            covered[cols[held]] = True
        return (x, summary) if covered.all() else None

