"""siting: choose spaces, acquisition channels and services for community-embedded service
facilities under a budget, with a mixed-integer model (Pyomo + HiGHS)."""

from __future__ import annotations

__version__ = "0.1.0"


__all__ = ["Plan", "load_scenario", "plan"]


def __getattr__(name: str):
    """``siting.plan``, ``siting.load_scenario`` and ``siting.Plan``, imported on first use
    (so ``import siting`` stays light)."""
    if name == "plan":
        from siting.api import plan

        return plan
    if name == "load_scenario":
        from siting.config import load_scenario

        return load_scenario
    if name == "Plan":
        from siting.api import Plan

        return Plan
    raise AttributeError(f"module 'siting' has no attribute {name!r}")
