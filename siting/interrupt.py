"""Ctrl-C (SIGINT) and SIGTERM, handled so that nothing is lost.

Outside a solve, both raise :class:`KeyboardInterrupt` (the CLI turns it into one clean line and
exit status 130; files being written are moved into place whole or not at all). While HiGHS
works, :func:`deferred` turns the signal into a request that the solve's callback passes to
HiGHS, which stops with its best plan so far: the run is reported ``interrupted`` with that
plan's gap. A second signal while the first is being honoured interrupts at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_requested = False
SIGNALS = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None)


def requested() -> bool:
    """Whether an interrupt was asked for (and deferred) since :func:`reset`."""
    return _requested


def reset() -> None:
    global _requested
    _requested = False


def _raise(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def install() -> None:
    """SIGTERM interrupts like Ctrl-C (the default would end the process without cleanup)."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _raise)


@contextmanager
def deferred() -> Iterator[None]:
    """Within this block a first SIGINT/SIGTERM only sets :func:`requested`; a second one
    raises. Outside the main thread (Dask workers) signals are left as they are."""
    global _requested
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def later(signum, frame):
        global _requested
        if _requested:
            raise KeyboardInterrupt(signal.Signals(signum).name)
        _requested = True

    old = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, later)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
