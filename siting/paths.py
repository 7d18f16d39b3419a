"""Names that become paths (a scenario's ``name`` is the folder of its plan in a comparison;
a run id names its file) must stay inside the folder they are written to: no separator, no
``..``, not absolute, no drive, no control character."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath, PureWindowsPath

from siting.exceptions import DataError

_BAD = re.compile(r"[\x00-\x1f<>:\"|?*]")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be used as one file or folder name (``None`` if it can)."""
    if not isinstance(name, str) or not name.strip():
        return "is empty"
    if "/" in name or "\\" in name:
        return "contains a path separator ('/' or '\\')"
    if name in (".", "..") or name.strip(" .") == "":
        return "is '.' or '..'"
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).drive:
        return "is an absolute path"
    if _BAD.search(name):
        return "contains a character a file name cannot hold (control characters or <>:\"|?*)"
    if name != name.strip():
        return "starts or ends with a space"
    return None


def check_name(name: str, what: str = "name") -> str:
    """``name`` if it is safe as one path component, else ValueError saying why."""
    why = name_problem(name)
    if why:
        raise ValueError(f"{what} {name!r} {why}; it is used as a file or folder name, so "
                         "use letters, digits, '-', '_' or '.' (Chinese characters are fine)")
    return name


def child(base: str | Path, name: str, what: str = "name") -> Path:
    """``base / name``, refusing any ``name`` that would leave ``base`` (DataError)."""
    try:
        check_name(name, what)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    base = Path(base)
    path = base / name
    if path.resolve().parent != base.resolve():
        raise DataError(f"{what} {name!r} would be written outside {base}")
    return path
