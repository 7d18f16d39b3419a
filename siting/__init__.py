"""siting: choose spaces, acquisition channels and services for community-embedded service
facilities under a budget, with a mixed-integer model (Pyomo + HiGHS)."""

from __future__ import annotations

__version__ = "0.1.0"
