"""The package's layering: data flows model -> results -> exports -> report, and only the CLI
sits above the report. Walks every module's imports (top level and inside functions) with ast.
"""

from __future__ import annotations

import ast
from pathlib import Path

import siting

PKG = Path(siting.__file__).parent
ABOVE_REPORT = {"siting.cli", "siting.api"}
"""Modules allowed to import siting.report (besides the report package itself): the two user
interfaces, the command line and the Python API (``siting.plan(...).write(dir)``)."""


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return out


def test_nothing_below_the_report_imports_it():
    offenders = {}
    for path in PKG.rglob("*.py"):
        name = module_name(path)
        if name.startswith("siting.report") or name in ABOVE_REPORT:
            continue
        bad = sorted(m for m in imports_of(path) if m == "siting.report"
                     or m.startswith("siting.report."))
        if bad:
            offenders[name] = bad
    assert not offenders, f"modules below siting.report import it: {offenders}"


def test_the_walker_sees_imports_inside_functions(tmp_path):
    f = PKG / "cli.py"
    assert "siting.report" in imports_of(f)  # cli imports it inside its commands
    assert {"siting.report", "siting.report.html"} & imports_of(PKG / "report" / "__init__.py")


def test_exports_write_no_figures_or_workbooks():
    names = imports_of(PKG / "exports.py")
    assert not any(m.startswith(("matplotlib", "openpyxl", "plotly")) for m in names)
