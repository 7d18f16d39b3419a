"""Index sets and derived bounds, computed from :class:`~siting.problem.ProblemData` with
pandas only, before any Pyomo component exists.

Notation used in the docstrings of the constraint modules:

* :math:`j \\in S` candidate spaces, :math:`k \\in K_j` the channels space j may use,
  :math:`o = (j,k) \\in O` eligible options;
* :math:`f \\in F` functions; :math:`(j,f) \\in H` the functions a space may host;
* :math:`i \\in Z` zones; :math:`d_{if}` demand of zone i for f (units);
* :math:`p = (i,j,f) \\in P` zone-site-function pairs within the walking limit of f; sites are
  candidate spaces and existing facilities :math:`e \\in E` with fixed capacity :math:`c_{ef}`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.config import ModelOptions, Standards
from siting.problem import ProblemData


@dataclass(frozen=True)
class ModelIndex:
    """Plain-Python index data of one model instance (all keyed by input ids)."""

    options: list[tuple[str, str]]
    max_gross: dict[tuple[str, str], float]
    usable: dict[tuple[str, str], float]
    cost_per_m2: dict[tuple[str, str], float]
    fixed_cost: dict[tuple[str, str], float]
    spaces: list[str]
    options_of: dict[str, list[tuple[str, str]]]
    hosts: list[tuple[str, str]]
    units_ub: dict[tuple[str, str], int]
    units_lb: dict[tuple[str, str], int]
    hosts_of: dict[str, list[tuple[str, str]]]
    area_per_unit: dict[str, float]
    fitout: dict[str, float]
    demand: dict[tuple[str, str], float]
    # pairs, by integer id p
    pair_zone: list[str]
    pair_site: list[str]
    pair_function: list[str]
    pair_distance: list[float]
    pair_cost: list[float]
    pair_demand: list[float]
    """Demand of the pair's zone for its function (the pair's largest flow)."""
    pairs_of_host: dict[tuple[str, str], list[int]]
    pairs_of_existing: dict[tuple[str, str], list[int]]
    pairs_of_demand: dict[tuple[str, str], list[int]]
    existing_capacity: dict[tuple[str, str], float]
    min_gross: dict[tuple[str, str], float]
    """Smallest gross area of an opened facility (``standards.min_facility_m2``)."""
    shared: dict[tuple[str, str, str], float]
    """(space, f, g) -> sharing factor, for function pairs allowed to share floor area that
    the space may both host."""
    shared_of: dict[str, list[tuple[str, str, str]]]
    service_share: float
    """Share of usable area available to services (1 - ``standards.office_share``)."""
    max_capex: float
    """Capital cost of taking every option at its largest and every unit: a scale for the
    tie-break and the budget-free case."""
    zone_groups: dict[tuple[str, str], list[tuple[str, float]]] = field(default_factory=dict)
    """(merged demand id, f) -> [(zone, share of the merged demand)], for zones merged because
    they reach the same sites (:func:`_aggregate_zones`); empty when nothing was merged."""
    n_pairs_unaggregated: int = 0
    member_distance: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    """Distance by (zone, site, function), for the zones of merged demands."""

    @property
    def n_pairs(self) -> int:
        return len(self.pair_zone)

    def pair_rows(self, keys: list) -> np.ndarray:
        """Each pair's demand row: the position of its (community, function) in ``keys``,
        from the pairs of each demand (no lookup per pair: 3.1 M tuples hashed took about
        0.7 s at 20,000 x 3,000 x 3). ``KeyError`` if a pair's demand is not in ``keys``."""
        row = np.full(self.n_pairs, -1, dtype=np.int64)
        for n, k in enumerate(keys):
            ps = self.pairs_of_demand.get(k)
            if ps:
                row[ps] = n
        if (row < 0).any():
            p = int(np.flatnonzero(row < 0)[0])
            raise KeyError((self.pair_zone[p], self.pair_function[p]))
        return row

    def pair_flows(self, serve) -> pd.DataFrame:
        """Flows per (zone, site, function) with their distances, given the value of
        ``serve`` per pair: merged demands are split among their zones by demand share.
        Only positive flows are returned."""
        serve = np.asarray(serve, dtype=float)
        df = pd.DataFrame({"zone_id": self.pair_zone, "site_id": self.pair_site,
                           "function": self.pair_function, "served": serve,
                           "distance_m": self.pair_distance})
        df = df[df["served"] > 0]
        if not self.zone_groups:
            return df.reset_index(drop=True)
        rows = []
        for z, j, f, v, d in zip(df["zone_id"], df["site_id"], df["function"], df["served"],
                                 df["distance_m"]):
            members = self.zone_groups.get((z, f))
            if members is None:
                rows.append((z, j, f, v, d))
                continue
            rows.extend((zz, j, f, v * share, self.member_distance[(zz, j, f)])
                        for zz, share in members)
        return pd.DataFrame(rows, columns=df.columns)


def build_index(data: ProblemData, opts: ModelOptions,
                standards: Standards | None = None, aggregate: bool | str = False
                ) -> ModelIndex:
    """Compute sets, bounds and pair groupings; drop what can never be used.

    A function f fits in space j only if its smallest size fits the largest usable area any
    channel gives j. The unit bound is

    .. math:: U_{jf} = \\min\\Big(u^{max}_f,\\ \\big\\lfloor A_j / a_f \\big\\rfloor,\\
              \\max\\big(u^{min}_f,
              \\lceil \\textstyle\\sum_{i:(i,j,f)\\in P} d_{if}\\rceil\\big)\\Big)

    where :math:`A_j = \\max_k \\phi_k G_{jk}` is the largest usable area. The last term is
    exact: units beyond the demand that can reach j serve nobody, so no optimum needs them.

    With ``aggregate``, zones reaching exactly the same sites for a function are merged into
    one demand (:func:`_aggregate_zones`; exact for max coverage); with ``"street"`` only
    zones of the same street (exact for equity rows per street,
    :mod:`siting.model.equity`).

    Standards act here where they remove choices outright: an option whose largest area is
    below the channel's minimum facility size is dropped, and a function is not hosted in a
    space lacking an attribute it requires (e.g. a ground floor).
    """
    std = standards or Standards()
    opt = data.options
    min_size = {o: float(std.min_facility_m2.get(o[1], 0.0)) for o in opt.index}
    floor = np.fromiter(min_size.values(), dtype=float, count=len(min_size))
    opt = opt[opt["max_gross_m2"].to_numpy(float) >= floor - 1e-9]
    options = list(opt.index)
    max_gross = dict(zip(options, opt["max_gross_m2"].astype(float)))
    usable = dict(zip(options, opt["usable_factor"].astype(float)))
    cpm = dict(zip(options, opt["cost_per_m2"].astype(float)))
    fixed = dict(zip(options, opt["fixed_cost"].astype(float)))
    options_of: dict[str, list] = defaultdict(list)
    for o in options:
        options_of[o[0]].append(o)
    spaces = sorted(options_of)
    share = 1.0 - std.office_share
    max_usable = {j: share * max(usable[o] * max_gross[o] for o in options_of[j])
                  for j in spaces}

    fn = data.functions
    area = fn["area_per_unit_m2"].astype(float).to_dict()
    fitout = fn["fitout_cost_per_unit"].astype(float).to_dict()
    umin = fn["min_units"].astype(int).to_dict()
    umax = fn["max_units"].astype(int).to_dict()
    demand = {k: float(v) for k, v in data.demand.items()}

    pairs = data.pairs
    is_space = pairs["site_id"].isin(set(spaces)).to_numpy()
    zf = pd.MultiIndex.from_arrays([pairs["zone_id"], pairs["function"]])
    pair_demand = data.demand.astype(float).reindex(zf).fillna(0.0).to_numpy()
    reach = (pairs[is_space].assign(d=pair_demand[is_space])
             .groupby(["site_id", "function"])["d"].sum())
    hosts, ub, lb = [], {}, {}
    needs = std.function_requirements
    for j, f, reachable in zip(reach.index.get_level_values(0),
                               reach.index.get_level_values(1), reach.to_numpy()):
        if any(not bool(data.spaces.at[j, attr]) for attr in needs.get(f, [])):
            continue
        lo = max(umin[f], 1)
        cap = min(umax[f], math.floor(max_usable[j] / area[f] + 1e-9),
                  max(umin[f], math.ceil(reachable - 1e-9)))
        if cap >= lo:
            hosts.append((j, f))
            ub[(j, f)], lb[(j, f)] = int(cap), int(umin[f])
    hosts.sort()
    host_set = set(hosts)
    hosts_of: dict[str, list] = defaultdict(list)
    for h in hosts:
        hosts_of[h[0]].append(h)

    shared: dict[tuple[str, str, str], float] = {}
    for su in std.shared_use:
        f, g = sorted(su.functions)
        if f == g:
            continue
        for j in spaces:
            if (j, f) in host_set and (j, g) in host_set:
                shared[(j, f, g)] = max(shared.get((j, f, g), 0.0), float(su.factor))
    shared_of: dict[str, list] = defaultdict(list)
    for key in shared:
        shared_of[key[0]].append(key)

    ex_cap = {k: float(v) for k, v in data.existing_capacity.items()}
    sf_ = pd.MultiIndex.from_arrays([pairs["site_id"], pairs["function"]])
    keep = (sf_.isin(list(host_set | set(ex_cap))) & (pair_demand > 0) if len(pairs)
            else np.zeros(0, dtype=bool))  # a pair without demand can carry nothing
    kept = (pairs[keep] if len(pairs) else pairs).assign(
        demand=pair_demand[keep] if len(pairs) else [])
    n_unaggregated = len(kept)
    groups: dict[tuple[str, str], list[tuple[str, float]]] = {}
    if aggregate and len(kept):
        within = (data.zones["street"].astype(str).to_dict() if aggregate == "street"
                  else None)
        kept, demand, groups = _aggregate_zones(kept, demand, set(data.zones.index), within)
    # each id column factorised once: the lists below share one string object per id (at
    # 20,000 x 3,000, 3.1 M pairs: 1.4 s and 9 M new strings for three tolist() calls)
    zone, site, func = (_codes(kept[c]) for c in ("zone_id", "site_id", "function"))
    pz, ps, pf = (u[c].tolist() for c, u in (zone, site, func))
    site_fn = _positions_by(site, func)
    pairs_of_host = {k: v for k, v in site_fn.items() if k in host_set}
    pairs_of_existing = {k: v for k, v in site_fn.items() if k not in host_set}
    pairs_of_demand = _positions_by(zone, func)

    max_capex = sum(max(fixed[o] + cpm[o] * max_gross[o] for o in options_of[j]) for j in spaces)
    max_capex += sum(fitout[f] * ub[(j, f)] for j, f in hosts)
    return ModelIndex(
        options=options, max_gross=max_gross, usable=usable, cost_per_m2=cpm, fixed_cost=fixed,
        spaces=spaces, options_of=dict(options_of), hosts=hosts, units_ub=ub, units_lb=lb,
        hosts_of=dict(hosts_of), area_per_unit=area, fitout=fitout, demand=demand,
        pair_zone=pz, pair_site=ps, pair_function=pf,
        pair_distance=kept["distance_m"].astype(float).tolist(),
        pair_cost=kept["cost_per_unit"].astype(float).tolist(),
        pair_demand=kept["demand"].astype(float).tolist(),
        pairs_of_host=dict(pairs_of_host), pairs_of_existing=dict(pairs_of_existing),
        pairs_of_demand=dict(pairs_of_demand), existing_capacity=ex_cap,
        min_gross={o: min_size[o] for o in options if min_size[o] > 0}, service_share=share,
        shared=shared, shared_of=dict(shared_of),
        max_capex=max(max_capex, 1.0), zone_groups=groups, n_pairs_unaggregated=n_unaggregated,
        member_distance=_member_distances(pairs, groups),
    )


def _codes(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, the distinct values as Python objects), in order of first appearance."""
    codes, uniques = pd.factorize(col, use_na_sentinel=False)
    return codes, np.asarray(uniques, dtype=object)


def _positions_by(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
                  ) -> dict[tuple, list[int]]:
    """The positions of each (a, b) key (``a``, ``b``: :func:`_codes` of two columns),
    ascending, keys in order of first appearance: what appending each position in turn to
    its key's list gives, on arrays (5,000 x 1,000 x 3 serve-all, 1.12 M pairs: a 1.2 s
    Python loop -> about 0.3 s)."""
    (ca, va), (cb, vb) = a, b
    if not len(ca):
        return {}
    code, _ = pd.factorize(ca.astype(np.int64) * max(len(vb), 1) + cb)  # first appearance
    order = np.argsort(code, kind="stable")  # positions ascending within a key
    cut = np.concatenate([[0], np.cumsum(np.bincount(code))])
    first = order[cut[:-1]]
    keys = zip(va[ca[first]].tolist(), vb[cb[first]].tolist())
    pos = order.tolist()
    return {k: pos[s:e] for k, s, e in zip(keys, cut[:-1].tolist(), cut[1:].tolist())}


def _aggregate_zones(kept: pd.DataFrame, demand: dict, zone_ids: set,
                     within: dict[str, str] | None = None) -> tuple[pd.DataFrame, dict, dict]:
    """Merge, per function, the zones that reach exactly the same sites into one demand
    (with ``within``, zone -> group, only zones of the same group).

    Exact for max coverage: any flow of the merged demand can be split among its zones in
    proportion to their demand, which keeps every zone's flow within its demand and every
    (zone, site) flow within ``d_i`` times the opening of the site — so the LP relaxations
    agree too. Not used when distances enter the objective, with single sourcing, phasing or
    minimums counted per community (see :func:`build_index`).

    Reachable sets are compared by a 128-bit sum of random site keys (vectorised), and the
    members of every merged group are then checked site by site, so a hash collision can
    only fail to merge, never merge wrongly.
    """
    site_code, _ = pd.factorize(kept["site_id"], sort=True)
    zone_code, zone_vals = pd.factorize(kept["zone_id"], sort=True)
    fn_code, fn_vals = pd.factorize(kept["function"], sort=True)
    zf_keys, zf_code = np.unique(zone_code.astype(np.int64) * len(fn_vals) + fn_code,
                                 return_inverse=True)
    key_zone = np.asarray(zone_vals, dtype=object)[zf_keys // len(fn_vals)]
    key_fn = np.asarray(fn_vals, dtype=object)[zf_keys % len(fn_vals)]
    rng = np.random.default_rng(20231)  # fixed: the same inputs give the same model
    n_sites = int(site_code.max()) + 1
    k1 = rng.integers(0, 2**63, n_sites, dtype=np.uint64)
    k2 = rng.integers(0, 2**63, n_sites, dtype=np.uint64)
    n_zf = len(zf_keys)
    h1 = np.zeros(n_zf, dtype=np.uint64)
    h2 = np.zeros(n_zf, dtype=np.uint64)
    np.add.at(h1, zf_code, k1[site_code])
    np.add.at(h2, zf_code, k2[site_code])
    count = np.bincount(zf_code, minlength=n_zf)
    sig = pd.DataFrame({"f": zf_keys % len(fn_vals), "h1": h1, "h2": h2, "n": count,
                        "u": [within[z] for z in key_zone] if within is not None else 0})
    g = sig.groupby(["f", "u", "h1", "h2", "n"], sort=True).ngroup().to_numpy()
    size = np.bincount(g)
    multi = np.flatnonzero(size[g] > 1)  # zone-function keys sharing a signature
    if not len(multi):
        return kept, demand, {}
    in_multi = np.zeros(n_zf, dtype=bool)
    in_multi[multi] = True
    rows = in_multi[zf_code]
    order = np.lexsort((site_code[rows], zf_code[rows]))
    zc, sc = zf_code[rows][order], site_code[rows][order]
    starts = [0, *(np.flatnonzero(np.diff(zc)) + 1).tolist()]
    ends, raw = [*starts[1:], len(zc)], sc.astype(np.int64).tobytes()  # sorted site codes
    sites_of = {k: raw[8 * a:8 * b] for k, a, b in zip(zc[starts].tolist(), starts, ends)}
    groups: dict[tuple[str, str], list[tuple[str, float]]] = {}
    gid_of_key = np.full(n_zf, None, dtype=object)
    multi = multi[np.argsort(g[multi], kind="stable")]
    for block in np.split(multi, np.flatnonzero(np.diff(g[multi])) + 1):
        f = key_fn[block[0]]
        by_sites: dict[tuple, list] = {}
        for k in block.tolist():
            by_sites.setdefault(sites_of[k], []).append(k)
        for keys in by_sites.values():  # one entry unless the hash collided
            if len(keys) < 2:
                continue
            keys.sort(key=lambda k: str(key_zone[k]))
            zs = [key_zone[k] for k in keys]
            gid = f"{zs[0]}+{len(zs) - 1}"
            while gid in zone_ids:
                gid += "+"
            total = sum(demand[(z, f)] for z in zs)
            groups[(gid, f)] = [(z, demand[(z, f)] / total if total > 0 else 1.0 / len(zs))
                                for z in zs]
            for z in zs:
                del demand[(z, f)]
            demand[(gid, f)] = total
            gid_of_key[keys] = gid
    if not groups:
        return kept, demand, {}
    gid_of_pair = gid_of_key[zf_code]
    member = gid_of_pair != None  # noqa: E711 - elementwise on an object array
    single = kept[~member]
    # a merged pair's distance and pair cost do not enter max coverage; the largest member
    # distance is kept, so nothing downstream mistakes it for a shorter walk
    merged = kept[member].assign(zone_id=gid_of_pair[member])
    grouped = (merged.groupby(["zone_id", "site_id", "function"], sort=True)
               .agg(distance_m=("distance_m", "max")).reset_index())
    grouped["demand"] = [demand[(z, f)] for z, f in zip(grouped["zone_id"],
                                                         grouped["function"])]
    grouped["cost_per_unit"] = 0.0
    out = pd.concat([single, grouped[single.columns]], ignore_index=True)
    return out, demand, groups


def _member_distances(pairs: pd.DataFrame, groups: dict) -> pd.Series:
    """Walking distance by (zone, site, function), for the zones of merged demands."""
    if not groups:
        return pd.Series(dtype=float)
    zf = {(z, f) for (_, f), ms in groups.items() for z, _ in ms}
    mask = pd.MultiIndex.from_arrays([pairs["zone_id"], pairs["function"]]).isin(list(zf))
    sub = pairs[mask]
    return pd.Series(sub["distance_m"].astype(float).to_numpy(),
                     index=pd.MultiIndex.from_arrays([sub["zone_id"], sub["site_id"],
                                                      sub["function"]]))
