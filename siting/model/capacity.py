"""Capacity of each space: floor area, function sizes, hosting only in opened spaces."""

from __future__ import annotations

import pyomo.environ as pyo

from siting.config import ModelOptions
from siting.model.sets import ModelIndex


def add_capacity_constraints(m: pyo.ConcreteModel, idx: ModelIndex, opts: ModelOptions) -> None:
    r"""Units fit the usable area; each hosted function has its minimum and maximum size.

    .. math::
        \sum_{f:(j,f)\in H} a_f\,\mathrm{units}_{jf} \le \sum_{k\in K_j}\phi_{k}\,
        \mathrm{gross}_{jk} \quad \forall j \qquad (\texttt{capacity\_area})

        u^{min}_f\,\mathrm{host}_{jf} \le \mathrm{units}_{jf} \le U_{jf}\,\mathrm{host}_{jf}
        \qquad (\texttt{capacity\_units\_min}, \texttt{capacity\_units\_max})

        \mathrm{host}_{jf} \le \sum_{k\in K_j}\mathrm{build}_{jk}
        \qquad (\texttt{capacity\_host\_if\_open})

    :math:`a_f` is the building area per unit, :math:`\phi_k` the channel's usable-area
    factor and :math:`U_{jf}` the tight unit bound of :func:`siting.model.sets.build_index`
    (a parameter, ``m.units_cap``: it depends on the demand within reach).
    With standards, the right-hand side is scaled by the service share
    :math:`1-\omega` (``office_share``) and the left-hand side reduced by floor area shared
    between functions used at different hours (:mod:`siting.model.standards`).
    """
    spaces_with_hosts = [j for j in idx.spaces if j in idx.hosts_of]

    def area_rule(m, j):
        used = sum(idx.area_per_unit[f] * m.units[j, f] for _, f in idx.hosts_of[j])
        for key in idx.shared_of.get(j, []):
            used = used - idx.shared[key] * m.shared[key]
        return used <= idx.service_share * sum(idx.usable[o] * m.gross[o]
                                               for o in idx.options_of[j])

    m.capacity_area = pyo.Constraint(spaces_with_hosts, rule=area_rule)
    m.capacity_units_max = pyo.Constraint(
        m.HOSTS, rule=lambda m, j, f: m.units[j, f] <= m.units_cap[j, f] * m.host[j, f])
    lb_hosts = [h for h in idx.hosts if idx.units_lb[h] > 0]
    m.capacity_units_min = pyo.Constraint(
        lb_hosts, rule=lambda m, j, f: m.units[j, f] >= idx.units_lb[(j, f)] * m.host[j, f])
    m.capacity_host_if_open = pyo.Constraint(
        m.HOSTS, rule=lambda m, j, f: m.host[j, f] <= sum(m.build[o] for o in idx.options_of[j]))
