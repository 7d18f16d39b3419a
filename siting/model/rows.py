"""Constraint families handed to the solver as a sparse block instead of Pyomo rows.

A family of many two-term rows built from index data costs about 7 µs per row to build in
Pyomo and as much again to compile; as arrays it costs a few milliseconds. Only *valid
inequalities* are kept here — rows implied by the Pyomo model for integer solutions that
tighten its LP relaxation (e.g. :func:`siting.model.service.strong_assignment_rows`) — so
the Pyomo model alone still defines the feasible plans, and every check of a plan against
the Pyomo constraints stays complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MatrixRows:
    r"""Rows :math:`\ell_r \le \sum_k a_k x_{v_k} \le u_r` given as coordinates.

    ``row[k]``, ``var[k]`` (a Pyomo variable) and ``coef[k]`` are the k-th non-zero;
    ``lower`` and ``upper`` hold one bound per row (``-inf`` / ``inf`` for none).
    """

    name: str
    row: np.ndarray
    var: list
    coef: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    coefficients: Callable[[], np.ndarray] | None = None
    """For coefficients that are values of mutable parameters: computes them afresh."""

    def refresh(self) -> None:
        """Re-read coefficients that depend on parameters (in place; same rows)."""
        if self.coefficients is not None:
            self.coef[:] = self.coefficients()

    @property
    def n_rows(self) -> int:
        return len(self.lower)

    def activity(self) -> np.ndarray:
        """Row activities at the variables' current values (unset values count as 0)."""
        x = np.array([v.value if v.value is not None else 0.0 for v in self.var], dtype=float)
        return np.bincount(self.row, weights=self.coef * x, minlength=self.n_rows)

    def violations(self, tol: float = 1e-6) -> list[str]:
        act = self.activity()
        bad = np.flatnonzero((act < self.lower - tol) | (act > self.upper + tol))
        return [f"{self.name}[{r}]: {self.lower[r]} <= {act[r]} <= {self.upper[r]}"
                for r in bad]
