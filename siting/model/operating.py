"""Running costs and use: operating cost and rent per year, the operating-subsidy budget, the
lifecycle cost, and the smallest use of each new facility.

.. math::
    R = \\sum_{(j,f)\\in H} c^{op}_f\\,\\mathrm{units}_{jf}
        + \\sum_{o\\in O} r_o\\,\\mathrm{gross}_o \\qquad (\\texttt{opex\\_year})

:math:`c^{op}_f` is ``opex_per_unit_year`` of the function catalogue; :math:`r_o` the rent per
gross m² a year of a leased space (its ``rent_per_m2_year`` in the spaces file, else
``operating.rent_per_m2_year`` of its channel, else 0). With a subsidy budget
:math:`R \\le B^{op}` (``operating_budget``): the facilities of the finished plan run on the
money given each year (with phasing every year's facilities are a subset of the last's, so
the last year binds). ``min_lifecycle_cost`` minimises :math:`C + A\\,R` with
:math:`A` the present value of ``operating.years`` years (``lifecycle_factor``).

A utilisation floor :math:`\\upsilon_f` (``min_utilisation``) asks each new facility of f to
serve at least that share of what it builds:
:math:`\\sum_{p\\in P_{jf}} \\mathrm{serve}_p \\ge \\upsilon_f\\,\\mathrm{units}_{jf}`
(``operating_utilisation``), counted on the plan's final service.
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

from siting.model.money import MONEY_UNIT
from siting.model.sets import ModelIndex


def rent_rates(idx: ModelIndex, data, operating) -> dict[tuple[str, str], float]:
    """Rent per gross m² a year of each option (0 if not leased)."""
    out = {}
    col = data.spaces["rent_per_m2_year"] if "rent_per_m2_year" in data.spaces.columns else None
    for j, k in idx.options:
        v = col.get(j) if col is not None else None
        if v is None or (isinstance(v, float) and math.isnan(v)):
            v = operating.rent_per_m2_year.get(k, 0.0)
        out[(j, k)] = float(v)
    return out


def add_operating(m: pyo.ConcreteModel, idx: ModelIndex, data, money) -> None:
    op = money.operating
    opex = data.functions["opex_per_unit_year"].astype(float).to_dict()
    rent = rent_rates(idx, data, op)
    m.opex_year = pyo.Expression(expr=sum(opex[f] * m.units[j, f] for j, f in idx.hosts))
    m.rent_year = pyo.Expression(expr=sum(r * m.gross[o] for o, r in rent.items() if r))
    m.lifecycle_factor = pyo.Param(initialize=op.annuity)
    if op.budget_per_year is not None:
        m.operating_budget = pyo.Constraint(expr=(m.opex_year + m.rent_year) / MONEY_UNIT
                                            <= float(op.budget_per_year) / MONEY_UNIT)
    floors = {f: float(u) for f, u in money.min_utilisation.items() if u > 0}
    keys = [h for h in idx.hosts if h[1] in floors]
    m.operating_utilisation = pyo.Constraint(
        keys, rule=lambda m, j, f: sum(m.serve[p] for p in idx.pairs_of_host.get((j, f), []))
        >= floors[f] * m.units[j, f])
