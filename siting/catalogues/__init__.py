"""The built-in catalogues shipped with the package: ``functions.csv`` (service functions)
and ``channels.csv`` (acquisition channels), with their sources in ``CATALOGUES.md``.

A scenario that leaves out ``data.functions`` or ``data.channels`` uses these;
``siting catalogue --out DIR`` writes copies to edit.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

NAMES = ("functions.csv", "channels.csv", "CATALOGUES.md")


def path(name: str) -> Path:
    """Path of a built-in catalogue file (``functions.csv``, ``channels.csv``, ...)."""
    if name not in NAMES:
        raise ValueError(f"unknown catalogue {name!r} (known: {', '.join(NAMES)})")
    return Path(str(files(__name__) / name))


def write_copies(out: str | Path, overwrite: bool = False) -> list[Path]:
    """Copy the built-in catalogues (and their sources) into ``out``; refuse to overwrite
    an existing file unless ``overwrite``. Returns the files written."""
    from siting.exceptions import DataError

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    targets = [out / n for n in NAMES]
    clash = [str(t) for t in targets if t.exists()]
    if clash and not overwrite:
        raise DataError(f"{', '.join(clash)} already exist(s); not overwritten "
                        "(use --force to replace)")
    for n, t in zip(NAMES, targets):
        tmp = t.with_name(f".{t.name}.tmp")
        shutil.copyfile(path(n), tmp)
        tmp.replace(t)
    return targets
