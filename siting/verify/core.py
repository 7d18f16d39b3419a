"""What every check family shares: :class:`Violation`, tolerances, the :class:`PlanContext`
a family reads, and the registry of families (:func:`family`).

Adding a family is adding a module to this package with one registered function::

    from siting.verify.core import PlanContext, Violation, family

    @family("pins", order=45)
    def check_pins(ctx: PlanContext) -> list[Violation]:
        ...

Every module of the package is imported when the verifier runs, so nothing else needs
editing. ``order`` only fixes the order violations are listed in (the core families use
10-90); families with equal order run alphabetically.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from siting.config import Scenario

REL_TOL = 1e-6
DIST_TOL = 0.005  # relative; UTM scale error inside a zone is < 0.1 %
AREA_TOL_M2 = 0.01
"""Exports round areas to 0.01 m²; a smaller excess is rounding, not a violation."""


@dataclass(frozen=True)
class Violation:
    """One broken constraint: its family, where, and what is wrong."""

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.message}"


def tol(x: float) -> float:
    """Absolute plus relative tolerance around ``x``."""
    return 1e-6 + REL_TOL * abs(x)


def split_list(v) -> list[str]:
    """``"a|b, c"`` -> ``["a", "b", "c"]`` (list cells of the input tables)."""
    return [p.strip() for p in str(v).replace(",", "|").split("|") if p.strip()]


@dataclass
class PlanContext:
    """A plan as exported (tables read by :mod:`siting.verify.reading`) and the inputs it
    claims to come from, re-read by the verifier's own code.

    Derived figures several families need are computed once through :meth:`memo`.
    """

    scen: Scenario
    sites: pd.DataFrame
    assign: pd.DataFrame
    zones_out: pd.DataFrame
    summary: dict | None = None
    folder: Path | None = None
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: str, compute: Callable[[PlanContext], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute(self)
        return self._memo[key]

    @property
    def inputs(self):
        from siting.data import load_inputs

        return self.memo("inputs", lambda c: load_inputs(c.scen))

    @property
    def opts(self):
        return self.scen.model

    @property
    def spaces(self) -> pd.DataFrame:
        return self.inputs.spaces

    @property
    def zones(self) -> pd.DataFrame:
        return self.inputs.zones

    @property
    def existing(self) -> pd.DataFrame:
        return self.inputs.existing

    @property
    def fn(self) -> pd.DataFrame:
        """Enabled functions with the scenario's overrides applied."""
        return self.memo("fn", _functions)

    @property
    def ch(self) -> pd.DataFrame:
        """Enabled channels with the scenario's overrides applied (``cost_multiplier`` too)."""
        return self.memo("ch", _channels)

    def units(self, row) -> dict[str, float]:
        """Units of each enabled function in one sites.csv row."""
        return {f: float(row.get(f"units_{f}", 0.0) or 0.0) for f in self.fn.index}


def _functions(ctx: PlanContext) -> pd.DataFrame:
    from siting.data import set_cell

    fn = ctx.inputs.functions.copy()
    for name, ov in ctx.scen.functions.items():
        for k, val in ov.model_dump(exclude_none=True).items():
            set_cell(fn, name, k, val)
    if "enabled" in fn.columns:
        fn = fn[fn["enabled"].fillna(True).astype(bool)]
    return fn


def _channels(ctx: PlanContext) -> pd.DataFrame:
    from siting.data import set_cell

    ch = ctx.inputs.channels.copy()
    ch["cost_multiplier"] = 1.0
    for name, ov in ctx.scen.channels.items():
        for k, val in ov.model_dump(exclude_none=True).items():
            set_cell(ch, name, k, val)
    if "enabled" in ch.columns:
        ch = ch[ch["enabled"].fillna(True).astype(bool)]
    return ch


# --- registry ---------------------------------------------------------------------------------

Check = Callable[[PlanContext], Iterable[Violation]]


@dataclass(frozen=True)
class Family:
    name: str
    order: int
    check: Check


_FAMILIES: dict[str, Family] = {}
_NOT_FAMILIES = {"core", "reading", "inputs", "reprove"}


def family(name: str, order: int = 100) -> Callable[[Check], Check]:
    """Register ``check`` as the constraint family ``name`` (see the module docstring)."""

    def deco(check: Check) -> Check:
        _FAMILIES[name] = Family(name, order, check)
        return check

    return deco


def families() -> list[Family]:
    """Every registered family, in report order (imports every module of the package)."""
    import siting.verify as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if not mod.name.startswith("_") and mod.name not in _NOT_FAMILIES:
            importlib.import_module(f"{pkg.__name__}.{mod.name}")
    return sorted(_FAMILIES.values(), key=lambda f: (f.order, f.name))
