r"""Cover rows on the minimum sizes: valid inequalities that tighten a serve-all LP bound.

A hosted function takes at least its minimum size, :math:`a_f u^{min}_f` m² of the space's
usable area (``capacity_units_min``, ``capacity_area``). In the LP relaxation ``host`` is
fractional, so a small space can host every function at a fraction of its minimum size,
where a plan can host only the functions whose minimum sizes fit together. For a space
:math:`j`, a set :math:`C` of the functions it can host and each channel :math:`o` of it,
let :math:`k_o(C)` be the largest number of functions of :math:`C` whose minimum sizes fit
the usable area of :math:`o` at its largest gross area (the smallest first). Then

.. math:: \sum_{f\in C} \mathrm{host}_{jf} \;\le\; \sum_{o} k_o(C)\,\mathrm{build}_{jo}

is valid for every plan: at most one channel is built (``siting_one_channel``) and a host
needs its space built (``capacity_host_if_open``), so if channel :math:`o` is built the
hosts of :math:`C` that are open have minimum sizes that fit together in its area
(:math:`\le k_o(C)` of them), and if none is built none is open. When some
:math:`k_o(C) < |C|` the row is not implied by ``host <= build``: the knapsack cover
inequality (Balas 1975; Wolsey, *Integer Programming*, ch. 9) on the minimum sizes, one per
channel, aggregated by ``build``.

They are separated, not enumerated (:meth:`AreaCovers.separate`): per space, among the
hosts the LP opens (the largest ``host`` values first, :data:`TOP_HOSTS` of them), the sets
of up to :data:`MAX_SET` functions whose row the LP breaks. Measured on
``benchmarks/city_scale.py``'s ``min_distance`` LP with every ``service_if_hosted`` row
(2026-12-08): 5,000 x 1,000 x 3 8.13278e6 -> 8.32725e6 with all 1,240 such rows; 300 x
100 x 3 434,348 -> 436,682.

Spaces with floor area shared between functions (standards) are left out: their area row
has other terms.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from siting.model import BuiltModel

__all__ = ["AreaCovers"]

TOP_HOSTS = 6
"""Hosts per space a cover is looked for among (by the LP's ``host`` value)."""
MAX_SET = 4
"""Largest set of functions a cover row holds."""
VIOLATION = 1e-4
"""A row is added where the LP breaks it by more than this."""


class AreaCovers:
    """The spaces of a held model where minimum sizes can fail to fit together, with their
    host and build columns (``solver``'s), minimum areas and channel areas."""

    def __init__(self, built: BuiltModel, solver) -> None:
        idx, m = built.index, built.model
        self.spaces: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        for j, hs in idx.hosts_of.items():
            if idx.shared_of.get(j):
                continue
            hosts = list(hs)
            opts = list(idx.options_of.get(j, ()))
            if not hosts or not opts:
                continue
            hc = solver.family_columns([m.host[h] for h in hosts])
            bc = solver.family_columns([m.build[o] for o in opts])
            if (hc < 0).any() or (bc < 0).any():
                continue  # a decision fixed when compiling: not this case
            need = np.array([idx.area_per_unit[h[1]] * float(idx.units_lb[h]) for h in hosts])
            area = np.array([idx.service_share * idx.usable[o] * idx.max_gross[o]
                             for o in opts])
            if need.sum() <= area.min() + 1e-9:
                continue  # every set fits every channel: no cover
            self.spaces.append((hc, bc, need, area))

    def __len__(self) -> int:
        return len(self.spaces)

    def separate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The cover rows the column values ``x`` break, as (row starts, column indices,
        coefficients) for :meth:`highspy.Highs.addRows` (each row ``<= 0``)."""
        starts: list[int] = []
        index: list[int] = []
        coef: list[float] = []
        for hc, bc, need, area in self.spaces:
            h = x[hc]
            open_ = np.flatnonzero(h > 1e-6)
            if not len(open_):
                continue
            top = open_[np.argsort(-h[open_], kind="stable")][:TOP_HOSTS].tolist()
            b = x[bc]
            for size in range(1, min(MAX_SET, len(top)) + 1):
                for c in combinations(top, size):
                    needs = np.sort(need[list(c)])
                    k = np.searchsorted(np.cumsum(needs), area + 1e-9, side="right")
                    if k.min() >= size:
                        continue
                    if float(h[list(c)].sum() - k @ b) <= VIOLATION:
                        continue
                    starts.append(len(index))
                    index.extend(int(hc[q]) for q in c)
                    index.extend(bc.tolist())
                    coef.extend([1.0] * size)
                    coef.extend((-k.astype(float)).tolist())
        return (np.asarray(starts, dtype=np.int32), np.asarray(index, dtype=np.int32),
                np.asarray(coef, dtype=float))
