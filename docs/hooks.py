"""MkDocs hook: insert the reference pages generated from the code (:mod:`siting.docgen`)."""

from __future__ import annotations

import re

ROLE = re.compile(r":(?:class|func|mod|meth|attr|data|exc|obj):<code>~?([^<]+)</code>")
"""A reST cross-reference role as rendered from a docstring (the code's docstrings use Sphinx
roles; the site shows them as code)."""

MARKERS = {
    "<!-- siting:scenario-reference -->": "scenario_reference",
    "<!-- siting:cli-reference -->": "cli_reference",
    "<!-- siting:model-reference -->": "model_reference",
    "<!-- siting:aliases -->": "aliases",
    "<!-- siting:catalogues -->": "catalogues",
}


def _render(name: str) -> str:
    from siting import aliases, catalogues, docgen

    if name == "aliases":
        return aliases.alias_markdown()
    if name == "catalogues":
        text = catalogues.path("CATALOGUES.md").read_text(encoding="utf-8")
        return text.split("\n", 1)[1]  # the page has its own title
    return getattr(docgen, name)()


def on_page_markdown(markdown: str, page, config, files) -> str:
    for marker, name in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, _render(name))
    return markdown


def on_page_content(html: str, page, config, files) -> str:
    return ROLE.sub(r"<code>\1</code>", html)
