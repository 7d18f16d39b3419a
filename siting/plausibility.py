"""Inputs of implausible scale, caught before anything is solved.

Two rules, each checkable without solving:

* **No demand at all.** If every function's demand is zero in every community (every
  ``demand_rate`` is 0, or the population groups they count are all 0), there is nothing to
  plan: a DataError names the catalogue and the columns.
* **Demand too small for any unit.** A new facility of function *f* holds at least
  ``min_units`` units (and one whole unit when units are whole). If, around every candidate
  space, the demand within *f*'s walking limit is below that, no new *f* can ever be filled:
  every unit placed would stand (mostly) idle. Such a function is named with the largest
  reachable demand; if it is true of *every* function, the city's figures are implausible
  (often households and population entered in the wrong unit) and the run stops.
"""

from __future__ import annotations

import logging

import pandas as pd

from siting.exceptions import DataError

log = logging.getLogger(__name__)


def check_demand(demand: pd.Series, zones: pd.DataFrame, functions: pd.DataFrame,
                 sources: dict[str, str], scenario_name: str) -> None:
    """Raise if no function has any demand (``demand`` holds the positive entries only)."""
    if len(demand) and float(demand.sum()) > 0:
        return
    zeros = [f for f, r in functions.iterrows() if float(r["demand_rate"]) == 0]
    bases = sorted({str(b) for b in functions["demand_base"]})
    empty = [b for b in bases if b in zones.columns and float(zones[b].astype(float).sum()) == 0]
    why = []
    if len(zeros) == len(functions):
        why.append(f"{sources.get('functions', 'functions file')}: column 'demand_rate' is 0 "
                   "for every function")
    elif zeros:
        why.append(f"{sources.get('functions', 'functions file')}: column 'demand_rate' is 0 "
                   f"for {', '.join(zeros)}")
    if empty:
        why.append(f"{sources.get('zones', 'zones file')}: column(s) {', '.join(empty)} sum to "
                   "0 over all communities")
    if not functions.shape[0]:
        why.append(f"scenario {scenario_name!r}: every function is disabled")
    raise DataError([f"scenario {scenario_name!r}: there is no demand for any service in "
                     "any community, so there is nothing to plan"] + why)


def min_facility_units(functions: pd.DataFrame, integer_units: bool) -> pd.Series:
    """Smallest number of units a new facility of each function can hold."""
    m = functions["min_units"].astype(float)
    return m.clip(lower=1.0) if integer_units else m


def reachable_demand(demand: pd.Series, pairs: pd.DataFrame, spaces: pd.Index) -> pd.Series:
    """Largest demand within walking distance of one candidate space, per function."""
    p = pairs[pairs["site_id"].isin(spaces)]
    if p.empty:
        return pd.Series(0.0, index=demand.index.get_level_values("function").unique())
    d = demand.reindex(pd.MultiIndex.from_frame(p[["zone_id", "function"]])).to_numpy(float)
    per_space = pd.Series(d, index=pd.MultiIndex.from_frame(p[["site_id", "function"]])) \
        .groupby(level=["site_id", "function"]).sum()
    return per_space.groupby(level="function").max()


def too_small(demand: pd.Series, pairs: pd.DataFrame, spaces: pd.Index,
              functions: pd.DataFrame, integer_units: bool) -> dict[str, tuple[float, float]]:
    """Functions no new facility can ever fill: ``{f: (largest reachable demand, smallest
    facility)}``."""
    reach = reachable_demand(demand, pairs, spaces)
    smallest = min_facility_units(functions, integer_units)
    out = {}
    for f in functions.index:
        r = float(reach.get(f, 0.0))
        if smallest[f] > 0 and r < smallest[f]:
            out[f] = (r, float(smallest[f]))
    return out


def check_scale(demand: pd.Series, pairs: pd.DataFrame, spaces: pd.Index,
                functions: pd.DataFrame, integer_units: bool, sources: dict[str, str],
                scenario_name: str) -> list[str]:
    """Warn per function no new facility can fill; raise if that is every function with
    demand. Returns the warnings."""
    small = too_small(demand, pairs, spaces, functions, integer_units)
    with_demand = set(demand.index.get_level_values("function")) if len(demand) else set()
    lines = [f"function {f!r}: at most {r:.4g} {functions.at[f, 'unit']} of demand lies within "
             f"{functions.at[f, 'walking_limit_m']:g} m of any candidate space, below the "
             f"smallest facility ({m:g} units, min_units in "
             f"{sources.get('functions', 'the functions file')}): no new {f} can be filled"
             for f, (r, m) in small.items()]
    if with_demand and with_demand <= set(small):
        raise DataError([f"scenario {scenario_name!r}: demand is too small for any new "
                         "facility to be worth building (check that households and "
                         f"population in {sources.get('zones', 'the zones file')} are head "
                         "counts, not thousands or shares)", *lines])
    for line in lines:
        log.warning("scenario %s: %s", scenario_name, line)
    return lines
