"""Reference pages generated from the code, so the documentation cannot go out of date.

* :func:`scenario_keys` walks the pydantic models of :class:`~siting.config.Scenario` and
  lists every key (dotted, with ``<name>`` for mapping keys and ``[]`` for list items), its
  type, default and description (the field's docstring);
* :func:`scenario_reference` renders them as Markdown tables, one per section;
* :func:`cli_reference` renders ``siting --help`` and every sub-command's help.

The documentation site (``mkdocs.yml``, ``docs/hooks.py``) inserts these at build time.
"""

from __future__ import annotations

import argparse
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined


@dataclass(frozen=True)
class Key:
    """One scenario key."""

    key: str
    type: str
    default: str
    description: str


def _type_name(ann) -> str:
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin in (typing.Union, types.UnionType):
        return " | ".join("null" if a is type(None) else _type_name(a) for a in args)
    if origin is typing.Literal:
        return " | ".join(repr(a) if not isinstance(a, str) else a for a in args)
    if origin in (list, tuple):
        inner = ", ".join(_type_name(a) for a in args if a is not Ellipsis)
        return f"list[{inner}]"
    if origin is dict:
        return f"mapping {_type_name(args[0])} → {_type_name(args[1])}"
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann.__name__
    if ann is Path:
        return "path"
    return getattr(ann, "__name__", str(ann))


def _models_in(ann) -> list[tuple[str, type[BaseModel]]]:
    """(suffix, model) for the pydantic models reachable from an annotation: ``""`` for the
    model itself, ``".<name>"`` through a mapping, ``"[]"`` through a list."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [("", ann)]
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin in (typing.Union, types.UnionType):
        return [m for a in args for m in _models_in(a)]
    if origin is dict:
        return [(".<name>" + s, m) for s, m in _models_in(args[1])]
    if origin in (list, tuple):
        return [("[]" + s, m) for a in args for s, m in _models_in(a)]
    return []


def _default(field) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "(section)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e4:
        return f"{value:.0e}".replace("+0", "").replace("+", "")
    return repr(value) if isinstance(value, str) else str(value)


def scenario_keys(model: type[BaseModel] | None = None, prefix: str = "") -> list[Key]:
    """Every key of the scenario schema, depth first, in declaration order."""
    if model is None:
        from siting.config import Scenario

        model = Scenario
    out = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        desc = " ".join((field.description or "").split())
        subs = _models_in(field.annotation)
        if not desc and subs:  # a section: the first sentence of its model's docstring
            doc = " ".join((subs[0][1].__doc__ or "").split())
            desc = doc.split(". ")[0].rstrip(".") + "." if doc else ""
        if not desc and model.__name__.endswith("Override"):
            what = "function" if model.__name__.startswith("Function") else "channel"
            desc = (f"Replaces the catalogue's `{name}` for this {what}." if name != "enabled"
                    else f"`false` leaves this {what} out of the scenario.")
        out.append(Key(key, _type_name(field.annotation), _default(field), desc))
        for suffix, sub in subs:
            out.extend(scenario_keys(sub, f"{key}{suffix}."))
    return out


def _md(text: str) -> str:
    """reST roles and double back-quotes (the docstrings' style) as Markdown code."""
    text = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _cell(text: str) -> str:
    return _md(text).replace("|", "\\|").replace("\n", " ")


def scenario_reference() -> str:
    """Markdown: one table per top-level section of the scenario."""
    from siting.config import Scenario

    keys = scenario_keys()
    lines = []
    table = ["| key | type | default | description |", "|---|---|---|---|"]
    top = [k for k in keys if "." not in k.key and "[" not in k.key
           and not _models_in(Scenario.model_fields[k.key].annotation)]
    lines += ["## Top level", "", *table]
    lines += [f"| `{k.key}` | {_cell(k.type)} | `{_cell(k.default)}` | {_cell(k.description)} |"
              for k in top]
    lines.append("")
    for name, field in Scenario.model_fields.items():
        models = _models_in(field.annotation)
        if not models:
            continue
        section = [k for k in keys if k.key == name or k.key.startswith((f"{name}.",
                                                                         f"{name}["))]
        doc = " ".join((models[0][1].__doc__ or "").split())
        lines += [f"## `{name}`", ""]
        if doc:
            lines += [_md(doc), ""]
        lines += table
        for k in section:
            lines.append(f"| `{k.key}` | {_cell(k.type)} | `{_cell(k.default)}` | "
                         f"{_cell(k.description)} |")
        lines.append("")
    return "\n".join(lines)


def cli_reference() -> str:
    """Markdown: the help of ``siting`` and of every sub-command."""
    from siting.cli import build_parser

    parser = build_parser()
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=90)
    lines = ["```text", parser.format_help().rstrip(), "```", ""]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        p.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=90)
        lines += [f"## `siting {name}`", "", "```text", p.format_help().rstrip(), "```", ""]
    return "\n".join(lines)


MODEL_MODULES = ("siting.model", "siting.model.sets", "siting.model.variables",
                 "siting.model.parameters", "siting.model.siting", "siting.model.capacity",
                 "siting.model.service", "siting.model.standards", "siting.model.phasing",
                 "siting.model.money", "siting.model.areas", "siting.model.funding",
                 "siting.model.operating", "siting.model.objective", "siting.model.rows",
                 "siting.model.warmstart", "siting.model.serve_start")
"""The model's modules, in the order :func:`siting.model.build_model` uses them."""


def mathml(latex: str, display: bool = False) -> str:
    """LaTeX as MathML (rendered by the browser itself: no script, works offline)."""
    from latex2mathml.converter import convert

    return convert(latex.strip(), display="block" if display else "inline")


def rst_math_to_markdown(doc: str) -> str:
    """A docstring's reST (``.. math::`` blocks, ``:math:`` roles, other roles, double
    back-quotes) as Markdown with MathML."""
    lines, out, i = doc.splitlines(), [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)\.\. math::\s*(.*)$", lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent, expr = len(m.group(1)), [m.group(2)]
        i += 1
        while i < len(lines) and lines[i].strip() and \
                len(lines[i]) - len(lines[i].lstrip()) > indent:
            expr.append(lines[i].strip())
            i += 1
        out.append(" " * indent + mathml(" ".join(expr), display=True))
    text = re.sub(r":math:`([^`]+)`", lambda mm: mathml(mm.group(1)), "\n".join(out))
    # a line that starts with inline math would open a raw-HTML block: keep it text
    text = re.sub(r"(?m)^(\s*)(<math [^>]*display=\"inline\")", "\\1&#8203;\\2", text)
    return _md(text)


def model_reference() -> str:
    """Markdown: the docstring of every module of the model, in build order."""
    import importlib

    lines = []
    for name in MODEL_MODULES:
        mod = importlib.import_module(name)
        lines += [f"## `{name}`", "", rst_math_to_markdown(mod.__doc__ or ""), ""]
    return "\n".join(lines)
