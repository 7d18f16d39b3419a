"""Progress of a run as plain lines (true whether or not the output is a terminal): the
stages, and while HiGHS works its incumbent, bound and gap every :data:`interval_s` seconds.

Library code calls :func:`stage` and :func:`solver_status`; nothing is printed unless someone
listens (the CLI does for ``siting run``), so sweeps and scripts stay quiet.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_listeners: list[Callable[[str], None]] = []
interval_s = 5.0
_t0 = time.perf_counter()


def listening() -> bool:
    return bool(_listeners)


@contextmanager
def listen(sink: Callable[[str], None], every_s: float | None = None) -> Iterator[None]:
    """Send progress lines to ``sink`` within the block."""
    global interval_s, _t0
    old = interval_s
    if every_s is not None:
        interval_s = float(every_s)
    _t0 = time.perf_counter()
    _listeners.append(sink)
    try:
        yield
    finally:
        _listeners.remove(sink)
        interval_s = old


def emit(text: str) -> None:
    if _listeners:
        line = f"[{time.perf_counter() - _t0:7.1f} s] {text}"
        for sink in list(_listeners):
            sink(line)


def stage(text: str) -> None:
    """A stage of the run begins (loading, distances, building, solving, writing)."""
    emit(text)


def solver_status(seconds: float, primal: float | None, dual: float | None, gap: float | None,
                  nodes: int | None, what: str = "solving") -> None:
    def num(x):
        return "none yet" if x is None else f"{x:,.6g}"

    g = "n/a" if gap is None else f"{100 * gap:.3f} %"
    emit(f"{what}: {seconds:6.1f} s in HiGHS, incumbent {num(primal)}, bound {num(dual)}, "
         f"gap {g}" + ("" if nodes is None else f", {nodes:,} nodes"))
