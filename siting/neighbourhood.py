"""Large-neighbourhood search on the held model: re-plan a few spaces at a time exactly.

A serve-all plan at city scale (``min_distance``, ``min_cost``) comes from constructions and
roundings (:mod:`siting.model.serve_start`) whose errors are local: a space hosting the wrong
functions, units one street too far, demand walking past a room that could have taken it.
HiGHS on the whole model cannot fix them in the time a user gives (at 1,000 x 300 x 3
``min_distance``, 150 s from the rounded plan improved nothing), but the same model
restricted to a handful of spaces is small and HiGHS proves it in a fraction of a second.

:func:`improve` repeats that (Shaw 1998; Pisinger & Ropke 2010 call it large-neighbourhood
search). A *neighbourhood* is a seed space and the :data:`SPACES` - 1 spaces sharing most of the
demand that reaches it: every column of those spaces (build, gross area, units, hosting),
every flow from a demand to them and every flow such a demand has now, to any site, is free;
every other column stays at its value. The rows those columns touch are kept with the fixed
columns' share moved to their bounds, so the restricted MIP is the model itself with the rest
of the plan held — every row (standards, money, counts) holds exactly, and its objective is
the model's. The plan held is a solution of it and is given to HiGHS as its start, so a move
never makes the plan worse; it is kept if it lowers the objective.

Seeds go in order of how far the demand around them walks beyond the LP relaxation's (or
its nearest site's): the walking a better local plan could save. A level's first pass looks
at each space once (as a seed or in a seed's neighbourhood); later passes re-plan a seed
only if a space of its neighbourhood changed after the seed was last re-planned (as a seed
or inside another's neighbourhood). That rule is a heuristic (a neighbourhood can be skipped
although flows between its spaces moved); tracking each neighbourhood exactly took 40-90 %
more moves for the same plans on tiny cities. When no seed is left the search has converged
at that level and goes on with larger neighbourhoods solved more closely (:data:`LEVELS`).
It is deterministic: the order follows from the plan, and each restricted MIP is solved to
its gap, not to a clock (HiGHS's branch and bound is deterministic); only the time limit
(the search's, or :data:`MOVE_SECONDS` for one MIP, never reached in the measurements) can
stop it earlier, which the summary says.

Measured with ``benchmarks/city_scale.py --objective min_distance --time-limit 60``: at
1,000 x 300 x 3 the plan went from 1.944e6 (the rounded LP) to 1.668e6 in 51.8 s (the LP
bound is 1.551e6: gap 7.0 %); given 300 s (``benchmarks/neighbourhood.py``) it reached
1.597e6 (2.9 %). A move costs about 0.07 s,
nearly all of it HiGHS's (its heuristics, symmetry detection and restarts switched off made
no difference beyond the noise).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from siting import interrupt, progress
from siting.model import BuiltModel
from siting.solve import quiet_highs, relative_gap

__all__ = ["LnsResult", "improve"]

LEVELS = ((3, 3e-3), (5, 1e-3), (8, 1e-4))
"""(spaces in a neighbourhood, relative gap each restricted MIP is solved to), in turn: the
next once the search has converged at one (measured on ``benchmarks/city_scale.py``'s
1,000 x 300 x 3 ``min_distance``: neighbourhoods of 2, 3 and 5 spaces improved the plan to
1.692e6, 1.688e6 and 1.738e6 in 40 s; restricted MIPs solved to 10^-6, 10^-3, 3 x 10^-3
and 10^-2 to 1.847e6, 1.714e6, 1.688e6 and 1.741e6: a looser gap skips improvements, a
tighter one costs time; at 3 spaces and 3 x 10^-3 it converged at 1.644e6 after 81 s)."""

MOVE_SECONDS = 1.0
"""Time limit of one restricted MIP (its start is the plan held, so a stop loses nothing)."""

_INF = highspy.kHighsInf


@dataclass
class LnsResult:
    """What :func:`improve` did."""

    before: float
    after: float
    moves: int
    improved: int
    passes: int
    seconds: float
    clock: bool
    """Whether the clock stopped it before a pass without improvement."""

    def text(self) -> str:
        return (f"neighbourhood search {self.before:.6g} -> {self.after:.6g} "
                f"({self.improved} of {self.moves} moves improved, {self.passes} passes, "
                f"{self.seconds:.1f} s{', stopped by the time limit' if self.clock else ''})")


class _Groups:
    """Columns of the held model by space, by demand and by pair."""

    def __init__(self, built: BuiltModel, solver) -> None:
        m, idx = built.model, built.index
        n = len(solver._columns)
        col = solver.column

        def cols(vs) -> np.ndarray:
            got = [col(v) for v in vs]
            return np.array([c for c in got if c is not None], dtype=np.int64)

        self.spaces = list(idx.spaces)
        space_no = {j: k for k, j in enumerate(self.spaces)}
        by_space: list[list] = [[] for _ in self.spaces]
        for j, os_ in idx.options_of.items():
            for o in os_:
                by_space[space_no[j]] += [m.build[o], m.gross[o]]
        for h in idx.hosts:
            by_space[space_no[h[0]]] += [m.units[h], m.host[h]]
        self.space_cols = [cols(vs) for vs in by_space]
        self.pair_col = pc = solver.pair_columns(built)
        self.pair_space = np.fromiter((space_no.get(s, -1) for s in idx.pair_site),
                                      dtype=np.int64, count=idx.n_pairs)
        keys = {}
        self.pair_key = np.fromiter(
            (keys.setdefault(k, len(keys)) for k in zip(idx.pair_zone, idx.pair_function)),
            dtype=np.int64, count=idx.n_pairs)
        self.n_keys = len(keys)
        self.dist = np.asarray(idx.pair_distance, dtype=float)
        # pairs by key and by space (CSR-like)
        self.key_order = np.argsort(self.pair_key, kind="stable")
        self.key_cut = np.searchsorted(self.pair_key[self.key_order],
                                       np.arange(self.n_keys + 1))
        on = np.flatnonzero(self.pair_space >= 0)
        self.space_order = on[np.argsort(self.pair_space[on], kind="stable")]
        self.space_cut = np.searchsorted(self.pair_space[self.space_order],
                                         np.arange(len(self.spaces) + 1))
        grouped = np.zeros(n, dtype=bool)
        for c in self.space_cols:
            grouped[c] = True
        grouped[pc[pc >= 0]] = True
        self.other = np.flatnonzero(~grouped)  # always free (few: totals, shortfalls)

    def pairs_of_space(self, s: int) -> np.ndarray:
        return self.space_order[self.space_cut[s]:self.space_cut[s + 1]]

    def pairs_of_keys(self, keys: np.ndarray) -> np.ndarray:
        return np.concatenate([self.key_order[self.key_cut[q]:self.key_cut[q + 1]]
                               for q in keys.tolist()]) if len(keys) else np.zeros(0, int)


def _neighbourhood(g: _Groups, seed: int, size: int) -> np.ndarray:
    """The seed and the ``size - 1`` spaces most of the demand reaching it also reaches
    (ties: the lower number)."""
    keys = np.unique(g.pair_key[g.pairs_of_space(seed)])
    ps = g.pairs_of_keys(keys)
    sp_ = g.pair_space[ps]
    sp_ = sp_[(sp_ >= 0) & (sp_ != seed)]
    share = np.bincount(sp_, minlength=len(g.spaces))
    cand = np.flatnonzero(share)
    cand = cand[np.lexsort((cand, -share[cand]))][:size - 1]
    return np.concatenate([[seed], cand]).astype(np.int64)


def improve(built: BuiltModel, solver, x: np.ndarray, time_limit: float,
            max_passes: int = 20, reference: np.ndarray | None = None,
            bound: float | None = None) -> tuple[np.ndarray, LnsResult]:
    """Improve the plan ``x`` (a feasible column vector of ``solver``'s held model) by
    large-neighbourhood search (module text) within ``time_limit`` seconds; return the plan
    (feasible, never worse) and what was done. ``reference``: column values (e.g. the LP
    relaxation's) whose walking each demand's is measured against to order the seeds, in
    place of its nearest site's. While a run listens (:mod:`siting.progress`) the plan's
    value, and its gap to ``bound`` if given, are reported every few seconds."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    g = _Groups(built, solver)
    a = solver._matrix.tocsc()
    rlo, rhi = solver._row_bounds
    clo, chi = solver._col_bounds
    cost, ints = solver._sense * solver._cost, solver._integer  # minimised
    x = x.copy()
    x[ints] = np.round(x[ints])
    x0 = x.copy()
    act = solver._matrix @ x
    before = float(solver._cost @ x + solver._offset)
    # walking beyond each demand's nearest site: where a better local plan saves most
    flow = np.zeros(len(g.pair_col))
    on = g.pair_col >= 0
    flow[on] = x[g.pair_col[on]]
    if reference is not None:
        ref = np.zeros(len(g.pair_col))
        ref[on] = np.clip(reference[g.pair_col[on]], 0.0, None)
        base = np.bincount(g.pair_key, weights=ref * g.dist, minlength=g.n_keys)
    else:
        nearest = np.full(g.n_keys, np.inf)
        np.minimum.at(nearest, g.pair_key, g.dist)
        base = np.bincount(g.pair_key, weights=flow * nearest[g.pair_key],
                           minlength=g.n_keys)

    def beyond() -> np.ndarray:  # each demand's walking beyond the reference's
        walk = np.bincount(g.pair_key, weights=flow * g.dist, minlength=g.n_keys)
        return np.maximum(walk - base, 0.0)

    n_spaces = len(g.spaces)
    col_space = np.full(len(x), -1, dtype=np.int64)  # each column's space (-1: none)
    for k, c in enumerate(g.space_cols):
        col_space[c] = k
    col_space[g.pair_col[on]] = g.pair_space[on]
    moves = improved = passes = 0
    clock = False
    level = 0
    value, reported = before, t0
    size, gap = LEVELS[0]
    hood: dict[int, np.ndarray] = {}
    tried = np.full(n_spaces, -1, dtype=np.int64)  # the move that last re-planned a space
    changed = np.full(n_spaces, -1, dtype=np.int64)  # the move that last changed one
    first = True
    level_passes = 0
    while level_passes < max_passes and not clock:
        passes += 1
        level_passes += 1
        excess = beyond()
        score = np.array([excess[np.unique(g.pair_key[g.pairs_of_space(k)])].sum()
                          for k in range(n_spaces)])
        order = np.lexsort((np.arange(n_spaces), -score))
        tried_any = False
        for seed in order.tolist():
            spaces = hood.get(seed)
            if spaces is None:
                spaces = hood[seed] = _neighbourhood(g, seed, size)
            # worth it if never re-planned, or something in it changed since
            if tried[seed] >= 0 and changed[spaces].max() <= tried[seed]:
                continue
            if first and tried[seed] >= 0:  # a level's first pass: one look at each
                continue
            if time.perf_counter() >= deadline or interrupt.requested():
                clock = True
                break
            tried_any = True
            inner = np.concatenate([g.pairs_of_space(k) for k in spaces.tolist()])
            keys = np.unique(g.pair_key[inner])
            pairs = g.pairs_of_keys(keys)
            # and their flows now, and their pairs to existing facilities (no space)
            pairs = np.concatenate([inner, pairs[(flow[pairs] > 0)
                                                 | (g.pair_space[pairs] < 0)]])
            pc = g.pair_col[pairs]
            free = np.unique(np.concatenate(
                [pc[pc >= 0], g.other] + [g.space_cols[k] for k in spaces.tolist()]))
            moves += 1
            tried[spaces] = moves
            new = _solve_restricted(a, act, x, free, rlo, rhi, clo, chi, cost, ints,
                                    min(MOVE_SECONDS, deadline - time.perf_counter()), gap)
            if new is None:
                continue
            step = new - x[free]
            if not float(cost[free] @ step) < -1e-9 * max(1.0, abs(before)):
                continue  # (written so that NaN is refused too)
            act += a[:, free] @ step
            x[free] = new
            improved += 1
            value += float(solver._cost[free] @ step)
            now = time.perf_counter()
            if progress.listening() and now - reported >= progress.interval_s:
                reported = now
                progress.solver_status(now - t0, value, bound,
                                       None if bound is None else relative_gap(value, bound),
                                       None, "neighbourhood search")
            moved = col_space[free[np.abs(step) > 1e-12]]
            changed[moved[moved >= 0]] = moves
            # only the move's flows changed; the seeds' order is the pass's (its start)
            mine = pairs[pc >= 0]
            flow[mine] = x[g.pair_col[mine]]
        first = False
        if not tried_any:  # converged: larger neighbourhoods, solved more closely
            level += 1
            if level >= len(LEVELS):
                break
            size, gap = LEVELS[level]
            level_passes = 0
            hood.clear()
            tried[:] = -1
            changed[:] = -1
            first = True
    if improved and not solver.feasible(x):  # never expected: each move was checked
        x, improved = x0, 0
    after = float(solver._cost @ x + solver._offset)
    return x, LnsResult(before, after, moves, improved, passes, time.perf_counter() - t0,
                        clock)


def _solve_restricted(a: sp.csc_array, act: np.ndarray, x: np.ndarray, free: np.ndarray,
                      rlo, rhi, clo, chi, cost, ints, time_limit: float, gap: float
                      ) -> np.ndarray | None:
    """The held MIP over columns ``free``, the others at ``x`` (``act``: the rows' activity
    at ``x``), from ``x`` as start: the free columns' values if HiGHS found a plan that
    holds every touched row on its own bounds within 10^-7 + 10^-10 |bound| (inside the
    solver's check), else ``None``."""
    if time_limit <= 0.05:
        return None
    sub = a[:, free]
    rows = np.unique(sub.indices)
    sub = sub[rows, :].tocsc()
    sub.sort_indices()
    xf = x[free]
    rest = act[rows] - sub @ xf
    lo, hi = rlo[rows] - rest, rhi[rows] - rest
    lo = np.where(np.isfinite(lo), lo, -_INF)
    hi = np.where(np.isfinite(hi), hi, _INF)
    n, m = len(free), len(rows)
    cl = np.where(np.isfinite(clo[free]), clo[free], -_INF)
    ch = np.where(np.isfinite(chi[free]), chi[free], _INF)
    h = quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", gap)
    h.passModel(n, m, sub.nnz, int(highspy.MatrixFormat.kColwise),
                int(highspy.ObjSense.kMinimize), 0.0, cost[free].astype(float), cl, ch,
                lo, hi, sub.indptr.astype(np.int32), sub.indices.astype(np.int32),
                sub.data.astype(float), ints[free].astype(np.int32))
    sol = highspy.HighsSolution()
    sol.col_value = xf.tolist()
    sol.value_valid = True
    h.setSolution(sol)
    h.run()
    if h.getInfo().primal_solution_status != 2:  # kSolutionStatusFeasible
        return None
    new = np.array(h.getSolution().col_value, dtype=float)
    fi = ints[free]
    new[fi] = np.round(new[fi])
    new = np.minimum(np.maximum(new, clo[free]), chi[free])
    # every touched row on its own bounds, within less than the solver's check allows
    # (Solver._feasible: 1e-6 + 1e-9 |bound|), so a plan of moves stays feasible
    r = act[rows] + sub @ (new - xf)
    blo, bhi = rlo[rows], rhi[rows]
    tol_lo = 1e-7 + 1e-10 * np.abs(np.where(np.isfinite(blo), blo, 0.0))
    tol_hi = 1e-7 + 1e-10 * np.abs(np.where(np.isfinite(bhi), bhi, 0.0))
    if not np.all((r >= blo - tol_lo) & (r <= bhi + tol_hi)):
        return None
    return new
