"""Constraint families handed to the solver as a sparse block instead of Pyomo rows.

A family of many rows built from index data costs about 7 µs per term to build as Pyomo
expressions and as much again for Pyomo's standard-form compiler to walk; as arrays it
costs a few milliseconds. The model is the Pyomo model *and* its blocks
(:attr:`siting.model.BuiltModel.matrix_rows`): the service rows that every plan must
satisfy (demand, capacity: :func:`siting.model.service.add_service_constraints`) are
blocks, as are valid inequalities that only tighten the LP relaxation
(``service_if_hosted``). So a plan is checked against both — :meth:`BuiltModel.violations`,
or the solver's matrix, which holds the compiled rows followed by the blocks' — never
against the Pyomo constraints alone. The block's variables are Pyomo variables; those that
no Pyomo row or objective term holds become columns of their own at hand-over
(:meth:`siting.solve.Solver.load`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MatrixRows:
    r"""Rows :math:`\ell_r \le \sum_k a_k x_{v_k} \le u_r` given as coordinates.

    The variables come in ``groups`` (lists of Pyomo variables, e.g. all of ``m.serve``),
    shared by identity between blocks so that the solver looks each group's columns up once;
    ``var_no[k]`` is the k-th non-zero's variable as a position in the groups laid end to end,
    ``row[k]`` its row and ``coef[k]`` its coefficient. ``lower`` and ``upper`` hold one bound
    per row (``-inf`` / ``inf`` for none); ``keys`` names the rows (``name[key]`` in
    messages), in row order.
    """

    name: str
    row: np.ndarray
    groups: tuple[list, ...]
    var_no: np.ndarray
    coef: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    coefficients: Callable[[], np.ndarray] | None = None
    """For coefficients that are values of mutable parameters: computes them afresh."""
    bounds: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None
    """For row bounds that are values of mutable parameters (e.g. demand): computes
    ``(lower, upper)`` afresh."""
    keys: Sequence | None = None

    def refresh(self) -> None:
        """Re-read coefficients and bounds that depend on parameters (in place; same rows)."""
        if self.coefficients is not None:
            self.coef[:] = self.coefficients()
        if self.bounds is not None:
            lo, hi = self.bounds()
            self.lower[:], self.upper[:] = lo, hi

    @property
    def n_rows(self) -> int:
        return len(self.lower)

    @property
    def var(self) -> list:
        """The k-th non-zero's Pyomo variable, for every k."""
        flat = [v for g in self.groups for v in g]
        return [flat[k] for k in self.var_no.tolist()]

    def label(self, r: int) -> str:
        """The name of row ``r``: ``name[key]``."""
        key = self.keys[r] if self.keys is not None else r
        if isinstance(key, tuple):
            key = ",".join(str(k) for k in key)
        return f"{self.name}[{key}]"

    def activity(self) -> np.ndarray:
        """Row activities at the variables' current values (unset values count as 0)."""
        x = np.array([v.value if v.value is not None else 0.0 for g in self.groups for v in g],
                     dtype=float)
        return np.bincount(self.row, weights=self.coef * x[self.var_no],
                           minlength=self.n_rows)

    def violations(self, tol: float = 1e-6) -> list[str]:
        act = self.activity()
        scale = np.maximum(np.abs(np.where(np.isfinite(self.upper), self.upper, 0.0)),
                           np.abs(np.where(np.isfinite(self.lower), self.lower, 0.0)))
        slack = tol + 1e-9 * scale
        bad = np.flatnonzero((act < self.lower - slack) | (act > self.upper + slack))
        return [f"{self.label(r)}: {self.lower[r]} <= {act[r]} <= {self.upper[r]}"
                for r in bad]


@dataclass(frozen=True)
class LinearSum:
    r"""A named Pyomo expression :math:`E = \sum_k a_k x_{v_k}` (no constant), given also as
    coordinates so that the solver compiles it without walking it.

    ``expression`` is the Pyomo ``Expression`` (e.g. ``m.walk_total``): it holds the sum
    itself, so every evaluation (:func:`pyomo.environ.value`, results, checks) sees the whole
    model. At hand-over the solver puts a placeholder variable :math:`z` in its place,
    compiles (the placeholder costs one term wherever :math:`E` is used) and substitutes
    :math:`z = \sum_k a_k x_{v_k}` back into the compiled objective and rows
    (:meth:`siting.solve.Solver.load`). Walking the 1.1 M-term sums of 5,000 x 1,000 x 3 took
    Pyomo's compiler about 7 s. ``groups``, ``var_no`` and ``coefficients`` as in
    :class:`MatrixRows`.
    """

    name: str
    expression: object
    groups: tuple[list, ...]
    var_no: np.ndarray
    coef: np.ndarray
    coefficients: Callable[[], np.ndarray] | None = None

    def refresh(self) -> None:
        if self.coefficients is not None:
            self.coef[:] = self.coefficients()
