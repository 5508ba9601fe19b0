"""The pages' templates: one Jinja2 environment, autoescaping on, for the release and the server.

Templates are files in ``kzlod/web/templates/`` (package data, in the wheel): ``base.html`` is the
shell every page extends (head, header with the navigation, ``<main>``); ``macros.html`` holds the
pieces pages share (a link, an RDF term, a list of facts); each page has its own template. What a
page shows is computed in Python (:mod:`kzlod.querying`, then the page's module in
:mod:`kzlod.web`) into plain data; a template only lays it out, and every value it prints is
escaped (autoescape; there is no ``|safe`` in the templates).

**Indentation is layout.** Before a template is compiled, its line breaks are read so:

* a line break next to an indented line is dropped, with the indentation after it;
* a line holding only ``{% … %}`` and ``{# … #}`` tags prints nothing, not even its line break;
* every other line break (between two lines that start at column 0) stays.

So a template can nest its tags over indented lines and still make the compact markup the pages
have always had (``<ul><li>…</li></ul>``), while its top-level lines stay lines of the page.
Text inside ``{{ … }}``, ``{% … %}`` and ``{# … #}`` is left alone. Words that must keep a space
between them go on one line.

Jinja2 is imported on first use: ``kzlod query`` never loads it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from kzlod.web import filters

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_NAME = re.compile(r"^[a-z][a-z0-9_-]*\.html$")
_TAG = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.DOTALL)
_STATEMENTS = re.compile(r"^[ \t]*(?:(?:{%(?:(?!%}).)*%}|{#(?:(?!#}).)*#})[ \t]*)+$", re.DOTALL)
_INDENT = (" ", "\t")


def layout(source: str) -> str:
    """A template's text with the line breaks next to indented lines dropped (see the module's docstring)."""
    lines = _lines(source)
    out = [lines[0].lstrip(" \t")]
    for before, line in pairwise(lines):
        if not (before.startswith(_INDENT) or line.startswith(_INDENT) or _STATEMENTS.match(before)):
            out.append("\n")
        out.append(line.lstrip(" \t"))
    return "".join(out)


def _lines(source: str) -> list[str]:
    """The template's lines, a line break inside a Jinja tag not counting as one."""
    lines, current, at = [], [], 0
    for tag in [*_TAG.finditer(source), None]:
        first, *rest = source[at:tag.start() if tag else len(source)].split("\n")
        current.append(first)
        for piece in rest:
            lines.append("".join(current))
            current = [piece]
        if tag is not None:
            current.append(tag.group())
            at = tag.end()
    lines.append("".join(current))
    return lines


def _load(name: str):
    if not _NAME.match(name):
        return None
    path = TEMPLATES_DIR / name
    if not path.is_file():
        return None
    return layout(path.read_text(encoding="utf-8")), str(path), lambda: True


@lru_cache(maxsize=1)
def environment():
    """The one environment: templates from :data:`TEMPLATES_DIR`, autoescape, :mod:`kzlod.web.filters`."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FunctionLoader(_load), autoescape=True,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined, auto_reload=False)
    env.filters.update(filters.FILTERS)
    return env


def render(name: str, **context) -> str:
    """The template ``name`` (``"entity.html"``) rendered with ``context``."""
    return environment().get_template(name).render(**context)
