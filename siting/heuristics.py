"""Constructive plans for the serve-all objectives, on plain arrays (no Pyomo, no solver).

* :func:`interchange` — uncapacitated location (p-median, or fixed costs without a count):
  greedy add, then Teitz & Bart's vertex substitution (1968) in Whitaker's best-improvement
  form, with add and drop moves when the number of sites is free.
* :func:`greedy_open` — capacitated: sites by cost per unit of demand they would serve
  (opening cost plus their cheapest reachable demand up to capacity), until they hold it all.
* :func:`round_and_repair` — a fractional opening vector (an LP relaxation's, or a Benders
  master's) rounded to a set of sites that can hold all demand and meets the count rows.

Each returns a set of sites; the caller completes the plan (assignment or transportation LP)
and checks it against every row of the model before HiGHS gets it
(:mod:`siting.decompose`).
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["greedy_open", "interchange", "round_and_repair"]


def _objective(cost: np.ndarray, fixed: np.ndarray, open_: np.ndarray) -> float:
    near = cost[:, open_].min(axis=1) if open_.any() else np.full(len(cost), np.inf)
    return float(fixed[open_].sum() + near.sum())


def interchange(cost: np.ndarray, fixed: np.ndarray, p: int | None = None,
                max_open: int | None = None, forced: np.ndarray | None = None,
                allowed: np.ndarray | None = None, time_limit: float = 30.0
                ) -> tuple[np.ndarray, float]:
    r"""A local optimum of :math:`\min \sum_j F_j y_j + \sum_i \min_{j: y_j=1} c_{ij}`.

    ``cost`` is demand rows × sites (``inf`` where a site cannot serve the row), ``fixed``
    the opening cost :math:`F_j`; ``p`` fixes the number of open sites, ``max_open`` caps
    it; ``forced`` sites stay open, sites not ``allowed`` stay closed. Greedy add (the move
    that lowers the objective most, first covering every row), then the best improving
    move of: swap one open site for one closed (Teitz & Bart), and, when the count is free,
    add one or drop one; until no move improves or ``time_limit`` seconds have passed.

    Returns the open mask and its objective (``inf`` if some row cannot be served).
    """
    t0 = time.perf_counter()
    n, m = cost.shape
    forced = np.zeros(m, dtype=bool) if forced is None else forced.astype(bool)
    allowed = np.ones(m, dtype=bool) if allowed is None else allowed.astype(bool) | forced
    cap = m if max_open is None else max_open
    if p is not None:
        cap = min(cap, p)
    open_ = forced.copy()
    near = cost[:, open_].min(axis=1) if open_.any() else np.full(n, np.inf)
    # greedy add
    while open_.sum() < cap:
        cand = allowed & ~open_
        if not cand.any():
            break
        covered = np.isfinite(near)
        new = np.minimum(near[:, None], cost)  # n x m
        if not covered.all():  # first reach every row: most newly covered, then cheapest
            reach = np.isfinite(new).sum(axis=0).astype(float)
            score = np.where(np.isfinite(new), new, 0.0).sum(axis=0) + fixed
            order = np.lexsort((score, -reach))
            order = order[cand[order]]
            j = int(order[0])
        else:
            total = new.sum(axis=0) + fixed
            total[~cand] = np.inf
            j = int(np.argmin(total))
            if p is None and total[j] >= near.sum() - 1e-9:
                break  # no further site pays for itself
        open_[j] = True
        near = np.minimum(near, cost[:, j])
        if p is None and np.isfinite(near).all() and open_.sum() >= cap:
            break
    best = _objective(cost, fixed, open_)
    # improvement
    while time.perf_counter() - t0 < time_limit:
        idx = np.flatnonzero(open_)
        if len(idx) == 0:
            break
        sub = cost[:, idx]
        order = np.argsort(sub, axis=1)
        d1 = np.take_along_axis(sub, order[:, :1], axis=1)[:, 0]
        d2 = (np.take_along_axis(sub, order[:, 1:2], axis=1)[:, 0] if len(idx) > 1
              else np.full(n, np.inf))
        who = idx[order[:, 0]]
        base = float(fixed[open_].sum() + d1.sum())
        move, gain = None, 1e-9 * max(abs(base), 1.0)
        cand = allowed & ~open_
        add_ok = p is None and open_.sum() < cap
        if add_ok and cand.any():  # add j
            tot = np.minimum(d1[:, None], cost[:, cand]).sum(axis=0) + fixed[cand]
            k = int(np.argmin(tot))
            if base - (tot[k] + fixed[open_].sum()) > gain:
                gain, move = base - (tot[k] + fixed[open_].sum()), ("add", None,
                                                                     np.flatnonzero(cand)[k])
        for a in idx:
            if forced[a]:
                continue
            without = np.where(who == a, d2, d1)
            if p is None:  # drop a
                val = base - fixed[a] - d1.sum() + without.sum()
                if base - val > gain:
                    gain, move = base - val, ("drop", a, None)
            if cand.any():  # swap a for j
                tot = np.minimum(without[:, None], cost[:, cand]).sum(axis=0) + fixed[cand]
                k = int(np.argmin(tot))
                val = base - fixed[a] - d1.sum() + tot[k]
                if base - val > gain:
                    gain, move = base - val, ("swap", a, np.flatnonzero(cand)[k])
        if move is None:
            break
        kind, a, j = move
        if a is not None:
            open_[a] = False
        if j is not None:
            open_[j] = True
        best = _objective(cost, fixed, open_)
    return open_, best


def round_and_repair(y: np.ndarray, capacity: np.ndarray, total_demand: float,
                     fixed: np.ndarray, covers: list[np.ndarray] | None = None,
                     p: int | None = None, max_open: int | None = None,
                     lo: np.ndarray | None = None, hi: np.ndarray | None = None,
                     threshold: float = 0.5) -> np.ndarray | None:
    """Round a fractional opening ``y`` to sites that can hold ``total_demand``.

    Sites with ``y >= threshold`` open (all bounds kept: ``lo`` forces, ``hi == 0``
    forbids); then, while the open capacity is short of the demand or a demand row in
    ``covers`` (arrays of the sites that can serve it) has no open site, the closed site
    with the largest ``y`` (then the cheapest per unit of capacity) opens. With ``p`` the
    ``p`` sites of largest ``y`` open instead (then the same repair by swapping the least
    used). Returns ``None`` if the count rows make the repair impossible.
    """
    m = len(y)
    lo = np.zeros(m, dtype=bool) if lo is None else lo > 0.5
    hi = np.ones(m, dtype=bool) if hi is None else hi > 0.5
    hi = hi | lo
    per_unit = fixed / np.maximum(capacity, 1e-9)
    rank = np.lexsort((per_unit, -np.round(y, 6)))  # largest y first, then cheapest
    rank = rank[hi[rank]]
    if p is not None:
        open_ = lo.copy()
        for j in rank:
            if open_.sum() >= p:
                break
            open_[j] = True
        if open_.sum() != p:
            return None
    else:
        open_ = lo | ((y >= threshold) & hi)
    limit = p if p is not None else (m if max_open is None else max_open)

    def short() -> bool:
        if capacity[open_].sum() < total_demand - 1e-9:
            return True
        return bool(covers) and any(not open_[c].any() for c in covers)

    extra = [j for j in rank if not open_[j]]
    while short() and extra:
        if open_.sum() >= limit:
            if p is None:
                return None
            # swap out the open, not forced site of smallest y for the next best
            cand = np.flatnonzero(open_ & ~lo)
            if not len(cand):
                return None
            open_[cand[np.argmin(y[cand])]] = False
        open_[extra.pop(0)] = True
    return None if short() else open_


def greedy_open(fixed: np.ndarray, capacity: np.ndarray, demand: np.ndarray,
                pair_i: np.ndarray, pair_j: np.ndarray, pair_cost: np.ndarray,
                lo: np.ndarray | None = None, hi: np.ndarray | None = None,
                slack: float = 1.05) -> np.ndarray:
    """Open sites greedily for a capacitated location problem until they can hold
    ``slack`` times the demand and every demand row can reach one.

    Each round opens the site with the lowest cost per unit of the demand it would take:
    its opening cost plus, in order of pair cost, the demand not yet taken by open sites up
    to its capacity (a continuous knapsack over its pairs). Forced sites (``lo``) open first;
    sites with ``hi == 0`` never."""
    m = len(fixed)
    lo = np.zeros(m, dtype=bool) if lo is None else lo > 0.5
    hi = np.ones(m, dtype=bool) if hi is None else (hi > 0.5) | lo
    open_ = lo.copy()
    left = demand.astype(float).copy()
    order = np.lexsort((pair_cost, pair_j))
    oj, oi, oc = pair_j[order], pair_i[order], pair_cost[order]
    starts = np.searchsorted(oj, np.arange(m + 1))

    def take(j: int, commit: bool) -> tuple[float, float]:
        seg = slice(starts[j], starts[j + 1])
        ii, cc = oi[seg], oc[seg]
        want = left[ii]
        cum = np.cumsum(want)
        got = np.clip(capacity[j] - (cum - want), 0.0, want)
        if commit:
            np.subtract.at(left, ii, got)
        return float(got.sum()), float(cc @ got)

    for j in np.flatnonzero(open_):
        take(j, True)
    total = float(demand.sum())
    reach = np.zeros(len(demand), dtype=bool)
    reach[pair_i[open_[pair_j]]] = True
    while (capacity[open_].sum() < slack * total or not reach.all()) and (hi & ~open_).any():
        best, pick = np.inf, -1
        for j in np.flatnonzero(hi & ~open_):
            amount, cost = take(j, False)
            if amount <= 1e-12:
                continue
            score = (fixed[j] + cost) / amount
            if score < best:
                best, pick = score, j
        if pick < 0:  # nothing left to take: the rest only adds capacity
            cand = np.flatnonzero(hi & ~open_)
            pick = cand[np.argmin(fixed[cand] / np.maximum(capacity[cand], 1e-9))]
        open_[pick] = True
        take(pick, True)
        reach[pair_i[pair_j == pick]] = True
    return open_
