"""Service: demand assigned to sites within walking limits, up to each site's capacity."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from siting.config import ModelOptions
from siting.model.rows import MatrixRows
from siting.model.sets import ModelIndex

SERVE_ALL_OBJECTIVES = ("min_cost", "min_distance", "min_lifecycle_cost")


def add_service_constraints(m: pyo.ConcreteModel, idx: ModelIndex, opts: ModelOptions
                            ) -> list[MatrixRows]:
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
        \qquad (\texttt{service\_if\_hosted}, \text{if } \texttt{strong\_assignment})

    Walking limits are enforced by construction: a pair exists only if the walk from zone i
    to site j is within f's limit. The last family is the disaggregated "assignment bounded by
    opening" inequality of the facility-location literature (e.g. Cornuéjols, Nemhauser &
    Wolsey 1990); it is implied by the others in integers but tightens the LP relaxation. Being
    a valid inequality, it is returned as a matrix block (:func:`strong_assignment_rows`)
    that the solver adds at hand-over, not built as Pyomo rows (measured on 5,000 x 1,000:
    176 k rows, 1.2 s to build in Pyomo and about as long to compile).
    """
    serve_all = opts.objective in SERVE_ALL_OBJECTIVES
    dem = [(i, f) for i, f in idx.demand if (i, f) in idx.pairs_of_demand]
    serve = list(m.serve.values())  # fetched once: indexing m.serve[p] costs more than a sum

    def demand_rule(m, i, f):
        lhs = sum(serve[p] for p in idx.pairs_of_demand[(i, f)])
        return lhs == m.demand[i, f] if serve_all else lhs <= m.demand[i, f]

    m.service_demand = pyo.Constraint(dem, rule=demand_rule)
    hosts_with_pairs = [h for h in idx.hosts if h in idx.pairs_of_host]
    m.service_capacity = pyo.Constraint(
        hosts_with_pairs,
        rule=lambda m, j, f: sum(serve[p] for p in idx.pairs_of_host[(j, f)]) <= m.units[j, f])
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
    if opts.strong_assignment:
        return [strong_assignment_rows(m, idx, hosts_with_pairs)]
    return []


def strong_assignment_rows(m: pyo.ConcreteModel, idx: ModelIndex, hosts: list) -> MatrixRows:
    r"""``service_if_hosted``: :math:`\mathrm{serve}_p - d_{if}\,\mathrm{host}_{jf} \le 0`,
    as a matrix block (:mod:`siting.model.rows`).

    Only where it is not implied: if :math:`d_{if} \ge U_{jf}`, the capacity row already
    gives :math:`\mathrm{serve}_p \le \mathrm{units}_{jf} \le U_{jf}\,\mathrm{host}_{jf}
    \le d_{if}\,\mathrm{host}_{jf}`. The coefficients follow the demand parameters
    (``m.demand``); the rows chosen stay when demand changes (a row that became implied is
    still valid, and one that would now tighten is merely missing).
    """
    serve = list(m.serve.values())
    ub, pdem = idx.units_ub, idx.pair_demand
    demands = list(m.demand.values())  # in the order of m.DEMANDS
    key_no = {k: n for n, k in enumerate(m.DEMANDS)}
    pair_key = [key_no[k] for k in zip(idx.pair_zone, idx.pair_function)]
    var, key = [], []
    for h in hosts:
        vh, u = m.host[h], ub[h]
        for p in idx.pairs_of_host[h]:
            if pdem[p] < u:
                var += [serve[p], vh]
                key.append(pair_key[p])
    n, key = len(key), np.asarray(key, dtype=np.int64)

    def coefficients() -> np.ndarray:
        d = np.fromiter((q.value for q in demands), dtype=float, count=len(demands))
        c = np.ones(2 * n)
        c[1::2] = -d[key]
        return c

    return MatrixRows("service_if_hosted", np.repeat(np.arange(n), 2), var, coefficients(),
                      np.full(n, -np.inf), np.zeros(n), coefficients)
