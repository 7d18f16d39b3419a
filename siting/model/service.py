"""Service: demand assigned to sites within walking limits, up to each site's capacity."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from siting.config import ModelOptions
from siting.model.rows import MatrixRows
from siting.model.sets import ModelIndex

SERVE_ALL_OBJECTIVES = ("min_cost", "min_distance", "min_lifecycle_cost")
FIXED_COST_OBJECTIVES = ("min_cost", "min_lifecycle_cost")
STRONG_ROWS_MAX_PAIRS = 20_000
"""Above this many pairs the rows ``service_if_hosted`` are left out by default
(:func:`strong_rows`)."""


def strong_rows(opts: ModelOptions, n_pairs: int) -> bool:
    """Whether the model gets the rows ``service_if_hosted`` (serve <= demand x host):
    ``opts.strong_assignment`` if set, else always for an objective that pays fixed costs
    (the facility-location case they are known for), else only up to
    ``STRONG_ROWS_MAX_PAIRS`` pairs.

    They add one row per pair, so at city scale they double the LP HiGHS solves at the
    root, where the whole solve goes. Measured side by side with and without them on
    ``benchmarks/city_scale.py`` (2026-12-07, one run each; the same plans or better):
    max coverage at 5,000 x 1,000 x 10 functions (518 k columns, 472 k rows -> 75 k)
    45.0 s -> 26.9 s, peak 2,944 -> 2,179 MB (HiGHS alone on the written model, one
    thread: 1,684 -> 1,067 MB); 5,000 x 1,000 x 3 9.3 -> 4.5 s, 1,048 -> 801 MB; 20,000 x
    3,000 x 3 9.0 -> 8.2 s, 1,751 -> 1,258 MB; 1,000 x 300 x 10 7.0 -> 4.4 s; 1,000 x 300 x 3
    both at the 120 s limit with a 0.40 % gap. ``min_distance`` at 5,000 x 1,000 x 3: the
    LP relaxation 20 s -> 7.5 s and 2.4 % weaker, the neighbourhood search that follows
    it twice as many moves: the plan 1.11e7-1.15e7 -> 1.04e7, peak 4.3 -> 2.7 GB. The
    max-min objective at 5,000 x 1,000 reached the same minimum in half the time. On
    the demo (6,219 pairs), by contrast, the rows are as often faster as slower over the
    16 shipped scenarios and faster for the max-min one (6.0 s against 9.5 s): small
    models are left as they were."""
    if opts.strong_assignment is not None:
        return opts.strong_assignment
    return opts.objective in FIXED_COST_OBJECTIVES or n_pairs <= STRONG_ROWS_MAX_PAIRS


def add_service_constraints(m: pyo.ConcreteModel, idx: ModelIndex, opts: ModelOptions,
                            serve: list | None = None) -> list[MatrixRows]:
    r"""Serve demand only from reachable sites, within capacity.

    .. math::
        \sum_{j:(i,j,f)\in P} \mathrm{serve}_{ijf} \;\le\; d_{if}
        \quad(= d_{if}\ \text{for min\_cost / min\_distance})
        \qquad (\texttt{service\_demand})

        \sum_{i:(i,j,f)\in P} \mathrm{serve}_{ijf} \le \mathrm{units}_{jf}
        \quad \forall (j,f)\in H \qquad (\texttt{service\_capacity})

        \sum_{i:(i,e,f)\in P} \mathrm{serve}_{ief} \le c_{ef}
        \quad (= c_{ef}\ \text{with fill\_existing})
        \quad \forall e\in E \qquad (\texttt{service\_existing})

        \mathrm{serve}_{ijf} = d_{if}\,\mathrm{assign}_{ijf}
        \qquad (\texttt{service\_single\_source}, \text{if } \texttt{single\_source})

        \mathrm{serve}_{ijf} \le d_{if}\,\mathrm{host}_{jf}
        \qquad (\texttt{service\_if\_hosted}, \text{if } \texttt{strong\_assignment},
        :func:`strong_rows`)

    Walking limits are enforced by construction: a pair exists only if the walk from zone i
    to site j is within f's limit. The last family is the disaggregated "assignment bounded by
    opening" inequality of the facility-location literature (e.g. Cornuéjols, Nemhauser &
    Wolsey 1990); it is implied by the others in integers but tightens the LP relaxation.

    ``service_demand``, ``service_capacity`` and ``service_if_hosted`` hold one term per pair
    each (at 5,000 x 1,000 x 3 with the community rooms, 1.2 M pairs) and are returned as
    matrix blocks (:mod:`siting.model.rows`) that the solver appends at hand-over, not built
    as Pyomo rows: as Pyomo expressions they took 4.7 s to build and most of the compiler's
    12.4 s. The other families are small and stay Pyomo rows.
    """
    serve_all = opts.objective in SERVE_ALL_OBJECTIVES
    hosts_with_pairs = [h for h in idx.hosts if h in idx.pairs_of_host]
    serve = list(m.serve.values()) if serve is None else serve  # shared by the blocks
    pair_host = np.full(idx.n_pairs, -1, dtype=np.int64)  # position in hosts_with_pairs
    for r, h in enumerate(hosts_with_pairs):
        pair_host[idx.pairs_of_host[h]] = r
    blocks = [demand_rows(m, idx, serve, serve_all),
              capacity_rows(m, serve, hosts_with_pairs, pair_host)]

    def existing_rule(m, e, f):
        pairs = idx.pairs_of_existing.get((e, f), [])
        cap = idx.existing_capacity[(e, f)]
        if not pairs:  # only reached with fill_existing: nobody can reach it
            return pyo.Constraint.Infeasible if cap > 0 else pyo.Constraint.Skip
        lhs = sum(serve[p] for p in pairs)
        return lhs == cap if opts.fill_existing else lhs <= cap

    ex = sorted(idx.existing_capacity if opts.fill_existing else idx.pairs_of_existing)
    m.service_existing = pyo.Constraint(ex, rule=existing_rule)
    if opts.single_source:
        m.service_single_source = pyo.Constraint(
            m.PAIRS, rule=lambda m, p: m.serve[p] == m.demand[idx.pair_zone[p],
                                                              idx.pair_function[p]]
            * m.assign[p])
    if strong_rows(opts, idx.n_pairs):
        blocks.append(strong_assignment_rows(m, idx, serve, hosts_with_pairs, pair_host))
    return blocks


def demand_rows(m: pyo.ConcreteModel, idx: ModelIndex, serve: list, serve_all: bool
                ) -> MatrixRows:
    r"""``service_demand``: :math:`\sum_j \mathrm{serve}_{ijf} \le d_{if}` (equal for the
    serve-all objectives), one row per demand with pairs, in the data's order; the bounds
    follow the demand parameters (``m.demand``)."""
    keys = [k for k in idx.demand if k in idx.pairs_of_demand]  # the order of the data
    row = idx.pair_rows(keys)
    demands = [m.demand[k] for k in keys]

    def bounds() -> tuple[np.ndarray, np.ndarray]:
        d = np.fromiter((q.value for q in demands), dtype=float, count=len(demands))
        return (d.copy() if serve_all else np.full(len(d), -np.inf)), d

    lo, hi = bounds()
    return MatrixRows("service_demand", row, (serve,), np.arange(idx.n_pairs),
                      np.ones(idx.n_pairs), lo, hi, bounds=bounds, keys=keys)


def capacity_rows(m: pyo.ConcreteModel, serve: list, hosts: list, pair_host: np.ndarray
                  ) -> MatrixRows:
    r"""``service_capacity``: :math:`\sum_i \mathrm{serve}_{ijf} - \mathrm{units}_{jf}
    \le 0` for every host with pairs (``pair_host``: each pair's host, -1 for none)."""
    pairs = np.flatnonzero(pair_host >= 0)
    n = len(hosts)
    row = np.concatenate([pair_host[pairs], np.arange(n)])
    var_no = np.concatenate([pairs, len(serve) + np.arange(n)])
    coef = np.concatenate([np.ones(len(pairs)), -np.ones(n)])
    return MatrixRows("service_capacity", row, (serve, [m.units[h] for h in hosts]), var_no,
                      coef, np.full(n, -np.inf), np.zeros(n), keys=hosts)


def strong_assignment_rows(m: pyo.ConcreteModel, idx: ModelIndex, serve: list, hosts: list,
                           pair_host: np.ndarray) -> MatrixRows:
    r"""``service_if_hosted``: :math:`\mathrm{serve}_p - d_{if}\,\mathrm{host}_{jf} \le 0`,
    as a matrix block (:mod:`siting.model.rows`).

    Only where it is not implied: if :math:`d_{if} \ge U_{jf}`, the capacity row already
    gives :math:`\mathrm{serve}_p \le \mathrm{units}_{jf} \le U_{jf}\,\mathrm{host}_{jf}
    \le d_{if}\,\mathrm{host}_{jf}`. The coefficients follow the demand parameters
    (``m.demand``); the rows chosen stay when demand changes (a row that became implied is
    still valid, and one that would now tighten is merely missing).
    """
    ub = np.array([idx.units_ub[h] for h in hosts], dtype=float)
    pdem = np.asarray(idx.pair_demand, dtype=float)
    has = pair_host >= 0
    pairs = np.flatnonzero(has & (pdem < ub[np.maximum(pair_host, 0)]))
    pairs = pairs[np.argsort(pair_host[pairs], kind="stable")]  # host by host
    demands = list(m.demand.values())  # in the order of m.DEMANDS
    pair_key = idx.pair_rows(list(m.DEMANDS))
    key = pair_key[pairs]
    n = len(pairs)
    var_no = np.empty(2 * n, dtype=np.int64)
    var_no[0::2], var_no[1::2] = pairs, len(serve) + pair_host[pairs]

    def coefficients() -> np.ndarray:
        d = np.fromiter((q.value for q in demands), dtype=float, count=len(demands))
        c = np.ones(2 * n)
        c[1::2] = -d[key]
        return c

    return MatrixRows("service_if_hosted", np.repeat(np.arange(n), 2),
                      (serve, [m.host[h] for h in hosts]), var_no, coefficients(),
                      np.full(n, -np.inf), np.zeros(n), coefficients)
