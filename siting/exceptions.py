"""Errors raised by siting, each carrying enough context for a planner to act on."""

from __future__ import annotations


class SitingError(Exception):
    """Base class of every error siting raises on purpose."""


class DataError(SitingError):
    """Input data or configuration is invalid.

    ``problems`` lists every problem found (file, row or key, and what is wrong); the message
    joins them, so a user sees all of them at once instead of fixing one per run.
    """

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


class InfeasibleError(SitingError):
    """The scenario cannot be met; ``shortfalls`` says where and by how much."""

    def __init__(self, message: str, shortfalls: list[dict] | None = None):
        self.shortfalls = shortfalls or []
        lines = [message]
        for s in self.shortfalls[:50]:
            lines.append(f"  - {s['what']}")
        if len(self.shortfalls) > 50:
            lines.append(f"  ... and {len(self.shortfalls) - 50} more")
        super().__init__("\n".join(lines))


class SolverError(SitingError):
    """The solver failed or stopped without any feasible plan."""


class InterruptedRun(SitingError):
    """Ctrl-C or SIGTERM stopped a run before it had any plan to keep."""
