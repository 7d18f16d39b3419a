"""Decision variables.

* ``build[j,k]`` (binary): space j is taken through channel k;
* ``gross[j,k]`` (m², continuous): gross floor area taken through that channel;
* ``host[j,f]`` (binary): function f is present in space j;
* ``units[j,f]`` (integer, or continuous if ``integer_units`` is off): slots, beds, seats...;
* ``serve[p]`` (units, continuous): demand of zone i for f served by site j, p = (i,j,f);
* ``assign[p]`` (binary, only with ``single_source``): zone i's demand for f goes to site j.
"""

from __future__ import annotations

import pyomo.environ as pyo

from siting.config import ModelOptions
from siting.model.sets import ModelIndex


def add_sets(m: pyo.ConcreteModel, idx: ModelIndex) -> None:
    """Declare the index sets (ordered as given, so builds are reproducible)."""
    m.SPACES = pyo.Set(initialize=idx.spaces, ordered=True)
    m.OPTIONS = pyo.Set(initialize=idx.options, dimen=2, ordered=True)
    m.HOSTS = pyo.Set(initialize=idx.hosts, dimen=2, ordered=True)
    m.PAIRS = pyo.RangeSet(0, idx.n_pairs - 1)
    m.DEMANDS = pyo.Set(initialize=sorted(idx.pairs_of_demand), dimen=2, ordered=True)


def add_variables(m: pyo.ConcreteModel, idx: ModelIndex, opts: ModelOptions) -> None:
    """Declare variables with their simple bounds (bounds, not rows, where possible)."""
    m.build = pyo.Var(m.OPTIONS, domain=pyo.Binary)
    m.gross = pyo.Var(m.OPTIONS, domain=pyo.NonNegativeReals,
                      bounds=lambda _, j, k: (0.0, idx.max_gross[(j, k)]))
    m.host = pyo.Var(m.HOSTS, domain=pyo.Binary)
    dom = pyo.NonNegativeIntegers if opts.integer_units else pyo.NonNegativeReals
    # the upper bounds below depend on demand: set again by parameters.update_data
    m.units = pyo.Var(m.HOSTS, domain=dom, bounds=lambda _, j, f: (0, idx.units_ub[(j, f)]))

    # bounds set after construction: a bounds rule called per pair costs more than the
    # variables themselves (5,000 x 1,000 x 3 serve-all, 1.12 M pairs: 2.7 s -> 1.9 s)
    m.serve = pyo.Var(m.PAIRS, domain=pyo.NonNegativeReals)
    for v, ub in zip(m.serve.values(), idx.pair_demand):
        v.setub(ub)
    if opts.single_source:
        m.assign = pyo.Var(m.PAIRS, domain=pyo.Binary)
