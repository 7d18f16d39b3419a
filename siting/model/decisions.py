r"""Pinned decisions and proposals as bounds and rows of the built model.

Pins (:class:`siting.config.Decisions`, merged with the spaces file by
:func:`siting.decisions.resolve_decisions`) become, wherever possible, bounds on the
variables, so an analysis can release or flip one space in the solver without rebuilding
(:mod:`siting.explain`):

* ``close`` j: :math:`\mathrm{build}_{jk} \le 0` for every channel k;
* ``channel`` j: k: :math:`\mathrm{build}_{jk'} \le 0` for k' ≠ k, and j is opened;
* opened (``open``, ``channel``, ``units``, ``start_year``): the row
  :math:`\sum_k \mathrm{build}_{jk} \ge 1` (``decisions_open``);
* ``units`` j: {f: u}: :math:`\mathrm{units}_{jf} = u` and :math:`\mathrm{host}_{jf} = 1`
  (bounds; the unit bound :math:`U_{jf}` is raised to u where demand within reach is lower);
* ``forbid_functions`` j: [f]: :math:`\mathrm{host}_{jf} \le 0`, :math:`\mathrm{units}_{jf}
  \le 0`;
* ``start_year`` j: t (phasing): :math:`\mathrm{open}_{jkt'} \le 0` unless the project started
  in t opens in t' (:math:`t' = t + \lambda_k`);
* ``already_paid``: the pinned spaces' capital cost (or what they pay in the years listed)
  is taken out of the budget rows.

A proposal (a spaces-file row with a fixed ``channel``; :mod:`siting.decisions`) is funded or
not: :math:`\mathrm{units}_{jf} = u_{jf}\,\mathrm{build}_{jk}` for its mix (zero for other
functions) and :math:`\mathrm{gross}_{jk} = A_j\,\mathrm{build}_{jk}` for its area
(``decisions_proposal_units``, ``decisions_proposal_area``); proposals sharing a
``location_id`` and, with ``one_per_community``, a ``community``: at most one funded
(``decisions_location``, ``decisions_community``).

Contradictions are collected and raised together before anything is solved
(:func:`check_decisions`). Whether a pin makes a hard standard impossible can only be found by
solving (:func:`siting.diagnose.pin_conflicts`).
"""

from __future__ import annotations

import difflib
import math
from collections import defaultdict

import pandas as pd
import pyomo.environ as pyo

from siting.config import Decisions, ModelOptions, Phasing, Standards
from siting.decisions import has_pins, is_proposal, pinned_open, proposal_units
from siting.exceptions import DataError
from siting.model.sets import ModelIndex
from siting.problem import ProblemData


def proposal_area(data: ProblemData, j: str) -> float:
    """Gross area a proposal takes: its floor area (a parcel: its buildable area)."""
    sp = data.spaces.loc[j]
    if sp["kind"] == "vacant_parcel" and pd.notna(sp.get("buildable_area_m2")):
        return float(sp["buildable_area_m2"])
    return float(sp["floor_area_m2"])


def _allowed_options(idx: ModelIndex, dec: Decisions, j: str) -> list[tuple[str, str]]:
    opts = idx.options_of.get(j, [])
    if j in dec.channel:
        opts = [o for o in opts if o[1] == dec.channel[j]]
    return opts


def _suggest(j: str, known) -> str:
    close = difflib.get_close_matches(str(j), [str(k) for k in known], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_decisions(idx: ModelIndex, data: ProblemData, opts: ModelOptions, std: Standards,
                    ph: Phasing) -> list[str]:
    """Every contradiction among the pins and between pins and the data (empty = none)."""
    dec = data.decisions or Decisions()
    out: list[str] = []
    spaces, fn = data.spaces, data.functions
    named: dict[str, list[str]] = {"open": dec.open, "close": dec.close,
                                   "channel": list(dec.channel), "units": list(dec.units),
                                   "forbid_functions": list(dec.forbid_functions),
                                   "start_year": list(dec.start_year)}
    for key, ids in named.items():
        for j in ids:
            if j not in spaces.index:
                out.append(f"decisions.{key}: unknown space id {j!r}{_suggest(j, spaces.index)}")
    opened = [j for j in pinned_open(dec) if j in spaces.index]
    for j in opened:
        if j in dec.close:
            why = [k for k in ("open", "channel", "units", "start_year")
                   if j in (dec.open if k == "open" else getattr(dec, k))]
            out.append(f"decisions: space {j!r} is both closed and opened "
                       f"(decisions.close and decisions.{', decisions.'.join(why)})")
    share = idx.service_share
    area = idx.area_per_unit
    props = proposal_units(spaces, fn.index)
    for j, k in dec.channel.items():
        if j not in spaces.index:
            continue
        if k not in data.channels.index:
            out.append(f"decisions.channel: space {j!r}: channel {k!r} is unknown or disabled "
                       f"in this scenario (enabled: {', '.join(data.channels.index)})")
        elif (j, k) not in data.options.index:
            sp = spaces.loc[j]
            why = (f"it is a proposal for channel {spaces.at[j, 'channel']!r}" if j in props
                   else f"a {sp['kind']} / {sp['ownership']} space is not eligible")
            out.append(f"decisions.channel: space {j!r} cannot use channel {k!r}: {why}")
        elif (j, k) not in idx.options:
            out.append(f"decisions.channel: space {j!r}: channel {k!r} gives at most "
                       f"{float(data.options.at[(j, k), 'max_gross_m2']):g} m², below the "
                       f"minimum facility size of {std.min_facility_m2.get(k, 0):g} m²")
    for j in opened:
        if j in dec.close or (j in dec.channel and not _allowed_options(idx, dec, j)):
            continue
        if not idx.options_of.get(j):
            out.append(f"decisions: space {j!r} is pinned into the plan but has no usable "
                       "channel (none enabled and eligible, or all below the minimum facility "
                       "size)")
    hosts = set(idx.hosts)
    for j, mix in dec.units.items():
        if j not in spaces.index:
            continue
        need = 0.0
        for f, u in mix.items():
            if f not in fn.index:
                out.append(f"decisions.units: space {j!r}: unknown or disabled function "
                           f"{f!r}{_suggest(f, fn.index)}")
                continue
            lo, hi = float(fn.at[f, "min_units"]), float(fn.at[f, "max_units"])
            if u < 0 or (opts.integer_units and u != round(u)):
                out.append(f"decisions.units: space {j!r}: {f} = {u:g} is not a whole "
                           "number of units >= 0")
            elif u > 0 and (u < lo or u > hi):
                out.append(f"decisions.units: space {j!r}: {f} = {u:g} units is outside the "
                           f"function's size in one space [{lo:g}, {hi:g}]")
            if u > 0 and (j, f) not in hosts:
                miss = [a for a in std.function_requirements.get(f, [])
                        if not bool(spaces.at[j, a])]
                why = (f"{f} needs {', '.join(miss)}, which the space lacks" if miss else
                       f"no {f} demand lies within walking distance of it")
                out.append(f"decisions.units: space {j!r} cannot host {f}: {why}")
            if j in props and u != props[j].get(f, 0.0):
                out.append(f"decisions.units: space {j!r} is a proposal with {f} = "
                           f"{props[j].get(f, 0.0):g}; a pin of {u:g} contradicts it")
            if f in dec.forbid_functions.get(j, []) and u > 0:
                out.append(f"decisions: space {j!r}: {f} is both forbidden "
                           f"(forbid_functions) and pinned at {u:g} units")
            if f in area:
                need += area[f] * max(u, 0.0)
        allowed = _allowed_options(idx, dec, j)
        if allowed and need > 0:
            best = max(share * idx.usable[o] * idx.max_gross[o] for o in allowed)
            if need > best + 1e-6:
                out.append(f"decisions.units: space {j!r}: the pinned units need {need:g} m² "
                           f"of service area but the space gives at most {best:g} m²")
    for j, fs in dec.forbid_functions.items():
        for f in fs:
            if f not in fn.index:
                out.append(f"decisions.forbid_functions: space {j!r}: unknown or disabled "
                           f"function {f!r}{_suggest(f, fn.index)}")
    for j, mix in props.items():  # proposals: the whole mix must fit the area it takes
        a = proposal_area(data, j)
        if not idx.options_of.get(j):
            continue
        o = idx.options_of[j][0]
        need = sum(area[f] * u for f, u in mix.items() if f in area)
        if need > share * idx.usable[o] * a + 1e-6:
            out.append(f"proposal {j!r}: its units need {need:g} m² of service area but its "
                       f"{a:g} m² ({o[1]}) give {share * idx.usable[o] * a:g} m²")
        for f, u in mix.items():
            if f in fn.index and not (float(fn.at[f, "min_units"]) <= u
                                      <= float(fn.at[f, "max_units"])):
                out.append(f"proposal {j!r}: {f} = {u:g} units is outside the function's size "
                           f"in one space [{fn.at[f, 'min_units']:g}, {fn.at[f, 'max_units']:g}]")
            miss = [x for x in std.function_requirements.get(f, [])
                    if not bool(spaces.at[j, x])]
            if miss:
                out.append(f"proposal {j!r}: {f} needs {', '.join(miss)}, which the space "
                           "lacks")
    if dec.start_year and not ph.enabled:
        out.append("decisions.start_year is set but phasing is off (phasing.enabled: false)")
    elif dec.start_year:
        for j, t in dec.start_year.items():
            if t not in ph.years:
                out.append(f"decisions.start_year: space {j!r}: {t} is not a plan year "
                           f"{list(ph.years)}")
    if isinstance(dec.already_paid, list):
        if not ph.enabled:
            out.append("decisions.already_paid lists years but phasing is off; use true "
                       "or false")
        else:
            bad = [t for t in dec.already_paid if t not in ph.years]
            if bad:
                out.append(f"decisions.already_paid: {bad} are not plan years "
                           f"{list(ph.years)}")
    n_open = len(set(opened))
    for key, limit in (("max_spaces", opts.max_spaces), ("n_spaces", opts.n_spaces)):
        if limit is not None and n_open > limit:
            out.append(f"decisions: {n_open} spaces are pinned into the plan but "
                       f"model.{key} is {limit}")
    for col, label in (("location_id", "location"), ("community", "community")):
        if col not in spaces.columns or (col == "community" and not dec.one_per_community):
            continue
        groups = _groups(data, col)
        for g, members in groups.items():
            both = [j for j in members if j in opened]
            if len(both) > 1:
                out.append(f"decisions: {', '.join(both)} are pinned into the plan but share "
                           f"{label} {g!r}, where at most one may be funded")
    counted = dec.already_paid is False or (isinstance(dec.already_paid, list)
                                           and not dec.already_paid)
    if counted and opts.budget is not None and not out:
        cost = {j: pinned_min_cost(idx, data, dec, j) for j in opened}
        total = sum(c for c in cost.values() if c is not None)
        if total > opts.budget + 1e-6:
            detail = ", ".join(f"{j} ≥ {c:,.0f}" for j, c in cost.items() if c)
            out.append(f"decisions: the pinned projects cost at least {total:,.0f} CNY, above "
                       f"the budget of {opts.budget:,.0f} CNY ({detail}); raise the budget or "
                       "set decisions.already_paid: true if they are paid for")
    return out


def _groups(data: ProblemData, col: str) -> dict[str, list[str]]:
    vals = data.spaces[col].fillna("").astype(str).str.strip()
    if col == "community":
        vals = vals[is_proposal(data.spaces)]
    out: dict[str, list[str]] = defaultdict(list)
    for j, g in vals.items():
        if g:
            out[g].append(str(j))
    return {g: js for g, js in out.items() if len(js) > 1}


def pinned_min_cost(idx: ModelIndex, data: ProblemData, dec: Decisions, j: str
                    ) -> float | None:
    """Least capital cost of a pinned space: cheapest allowed channel at the smallest area
    holding its pinned units (a proposal: its own area and mix)."""
    allowed = _allowed_options(idx, dec, j)
    if not allowed:
        return None
    props = proposal_units(data.spaces.loc[[j]], data.functions.index)
    mix = props.get(j, dec.units.get(j, {}))
    fit = sum(idx.fitout.get(f, 0.0) * u for f, u in mix.items())
    need = sum(idx.area_per_unit.get(f, 0.0) * u for f, u in mix.items())
    best = math.inf
    for o in allowed:
        gross = (proposal_area(data, j) if j in props else
                 max(idx.min_gross.get(o, 0.0), need / (idx.service_share * idx.usable[o])))
        best = min(best, idx.fixed_cost[o] + idx.cost_per_m2[o] * gross)
    return best + fit


def add_decisions(m: pyo.ConcreteModel, idx: ModelIndex, data: ProblemData,
                  opts: ModelOptions, std: Standards, ph: Phasing) -> None:
    """Check the pins (raise :class:`~siting.exceptions.DataError` listing every
    contradiction), then add their bounds and rows, the proposals' rows and the
    already-paid budget rows."""
    dec = data.decisions or Decisions()
    props = {j: mix for j, mix in proposal_units(data.spaces, data.functions.index).items()
             if j in idx.options_of}
    if not has_pins(dec) and not props:
        return
    problems = check_decisions(idx, data, opts, std, ph)
    if problems:
        raise DataError(problems)
    apply_bounds(m, idx, data)
    opened = [j for j in pinned_open(dec) if j in idx.options_of]
    m.PINNED_OPEN = pyo.Set(initialize=opened, ordered=True)
    m.decisions_open = pyo.Constraint(m.PINNED_OPEN, rule=lambda m, j: sum(
        m.build[o] for o in _allowed_options(idx, dec, j)) >= 1)
    # proposals: all or nothing
    keys = [(j, f) for j in props for _, f in idx.hosts_of.get(j, []) if props[j].get(f)]
    m.decisions_proposal_units = pyo.Constraint(keys, rule=lambda m, j, f: m.units[j, f]
                                                == props[j][f] * m.build[idx.options_of[j][0]])
    m.decisions_proposal_area = pyo.Constraint(
        list(props), rule=lambda m, j: m.gross[idx.options_of[j][0]]
        == proposal_area(data, j) * m.build[idx.options_of[j][0]])
    groups = {}
    if "location_id" in data.spaces.columns:
        groups.update({("location", g): js for g, js in _groups(data, "location_id").items()})
    if dec.one_per_community and "community" in data.spaces.columns:
        groups.update({("community", g): js for g, js in _groups(data, "community").items()})
    m.DECISION_GROUPS = pyo.Set(initialize=list(groups), dimen=2, ordered=True)
    m.decisions_group = pyo.Constraint(m.DECISION_GROUPS, rule=lambda m, kind, g: sum(
        m.build[o] for j in groups[(kind, g)] for o in idx.options_of.get(j, [])) <= 1)
    _already_paid(m, idx, data, dec, ph, opened)


def apply_bounds(m: pyo.ConcreteModel, idx: ModelIndex, data: ProblemData) -> None:
    """Set the pins' variable bounds (again, after :func:`siting.model.parameters.
    update_data` reset the unit bounds)."""
    dec = data.decisions or Decisions()
    props = proposal_units(data.spaces, data.functions.index)
    for j in dec.close:
        for o in idx.options_of.get(j, []):
            m.build[o].setub(0)
    for j, k in dec.channel.items():
        for o in idx.options_of.get(j, []):
            if o[1] != k:
                m.build[o].setub(0)
    for j, mix in dec.units.items():
        for f, u in mix.items():
            if (j, f) not in m.host:
                continue
            if u > 0:
                m.host[j, f].setlb(1)
                if pyo.value(m.units_cap[j, f]) < u:
                    m.units_cap[j, f] = u
            else:
                m.host[j, f].setub(0)
            m.units[j, f].setlb(u)
            m.units[j, f].setub(u)
    for j, fs in dec.forbid_functions.items():
        for f in fs:
            if (j, f) in m.host:
                m.host[j, f].setub(0)
                m.units[j, f].setub(0)
    for j, mix in props.items():
        for _, f in idx.hosts_of.get(j, []):
            u = mix.get(f, 0.0)
            if not u:
                m.host[j, f].setub(0)
                m.units[j, f].setub(0)
            else:
                m.units[j, f].setub(max(u, m.units[j, f].ub or 0))
                if pyo.value(m.units_cap[j, f]) < u:
                    m.units_cap[j, f] = u
    if dec.start_year and hasattr(m, "OPEN_IN"):
        from siting.model.phasing import years_to_open

        for j, t in dec.start_year.items():
            for (jj, k, t_open) in m.OPEN_IN:
                if jj == j and t_open - years_to_open(
                        float(data.channels.at[k, "lead_time_months"])) != t:
                    m.open_in[jj, k, t_open].setub(0)


def _paid_years(dec: Decisions, ph: Phasing) -> list[int]:
    if dec.already_paid is True:
        return list(ph.years)
    return list(dec.already_paid) if isinstance(dec.already_paid, list) else []


def _already_paid(m, idx: ModelIndex, data: ProblemData, dec: Decisions, ph: Phasing,
                  opened: list[str]) -> None:
    """Take the pinned spaces' cost out of the budget rows (``decisions.already_paid``)."""
    if dec.already_paid is False or not opened:
        return
    if dec.already_paid is True and hasattr(m, "siting_budget"):
        paid = (sum(m.fixed_cost[o] * m.build[o] + m.cost_per_m2[o] * m.gross[o]
                    for j in opened for o in idx.options_of[j])
                + sum(m.fitout_cost[f] * m.units[j, f] for j in opened
                      for _, f in idx.hosts_of.get(j, [])))
        m.decisions_paid = pyo.Expression(expr=paid)
        m.siting_budget.set_value(m.capex - m.decisions_paid <= m.budget_limit)
    years = _paid_years(dec, ph)
    if not ph.enabled or not years or not hasattr(m, "phasing_budget"):
        return
    from siting.model.phasing import years_to_open

    lag = {o: years_to_open(float(data.channels.at[o[1], "lead_time_months"]))
           for j in opened for o in idx.options_of[j]}

    def paid_in(t):
        channel = sum(m.fixed_cost[o] * m.open_in[o[0], o[1], t + lag[o]]
                      + m.cost_per_m2[o] * m.gross_in[o[0], o[1], t + lag[o]]
                      for o in lag if (o[0], o[1], t + lag[o]) in m.OPEN_IN)
        fit = sum(m.fitout_cost[f] * m.units_in[j, f, t] for j in opened
                  for _, f in idx.hosts_of.get(j, []))
        return channel + fit

    m.decisions_paid_in = pyo.Expression(m.YEARS, rule=lambda m, t: paid_in(t)
                                         if t in years else 0.0)
    for t in ph.years:
        if ph.carry_over:
            spend = sum(m.phasing_spend[s] - m.decisions_paid_in[s] for s in ph.years if s <= t)
            limit = sum(ph.budget_per_year[s] for s in ph.years if s <= t)
        else:
            spend, limit = m.phasing_spend[t] - m.decisions_paid_in[t], ph.budget_per_year[t]
        m.phasing_budget[t].set_value(spend <= limit)


def seed_plan(built, keep: dict[str, tuple[str, str] | None] | None = None) -> None:
    """Set on the model a plan holding only the pinned (and ``keep``) spaces, each at its
    cheapest allowed channel and smallest area with its pinned units, so the greedy
    construction (:func:`siting.model.warmstart.greedy_start` with ``extend``) goes on from
    a plan that meets the pins."""
    m, idx, data = built.model, built.index, built.data
    dec = data.decisions or Decisions()
    props = proposal_units(data.spaces, data.functions.index)
    want = {j: None for j in pinned_open(dec) if j in idx.options_of}
    want.update(keep or {})
    for o in idx.options:
        m.build[o].set_value(0)
        m.gross[o].set_value(0.0)
    for h in idx.hosts:
        m.units[h].set_value(0)
        m.host[h].set_value(0)
    for p in range(idx.n_pairs):
        m.serve[p].set_value(0.0, skip_validation=True)
    for j, o in want.items():
        allowed = [x for x in _allowed_options(idx, dec, j) if m.build[x].ub != 0]
        if o is None:
            if not allowed:
                continue
            o = min(allowed, key=lambda x: idx.fixed_cost[x] + idx.cost_per_m2[x]
                    * idx.min_gross.get(x, 0.0))
        mix = props.get(j, dec.units.get(j, {}))
        need = sum(idx.area_per_unit.get(f, 0.0) * u for f, u in mix.items())
        gross = (proposal_area(data, j) if j in props else
                 min(idx.max_gross[o], max(idx.min_gross.get(o, 0.0),
                                           need / (idx.service_share * idx.usable[o]))))
        m.build[o].set_value(1)
        m.gross[o].set_value(gross)
        for f, u in mix.items():
            if (j, f) in m.host and u > 0:
                m.units[j, f].set_value(u)
                m.host[j, f].set_value(1)


def start_from_pins(built) -> tuple[frozenset, frozenset]:
    """Prepare a greedy start that meets the pins: when the model holds no plan yet, seed it
    with the pinned spaces (:func:`seed_plan`). Returns the spaces the construction must keep
    open and those whose contents it must not change (proposals)."""
    from siting.model.warmstart import _has_plan

    data = built.data
    if data is None:
        return frozenset(), frozenset()
    dec = data.decisions or Decisions()
    props = frozenset(j for j in proposal_units(data.spaces, data.functions.index)
                      if j in built.index.options_of)
    if not has_pins(dec) and not props:
        return frozenset(), frozenset()
    if not _has_plan(built.model):
        seed_plan(built)
    return frozenset(j for j in pinned_open(dec) if j in built.index.options_of), props
