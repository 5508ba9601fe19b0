"""Curating new sources: register a text, find what it mentions, turn a
spreadsheet of claims into validated assertions, measure coverage, compare
versions of the data.

Every function returns plain data (dataclasses, dicts, lists) and raises
:mod:`kzlod.errors` exceptions; the ``kzlod`` commands in
:mod:`kzlod.cli_curate` only print what these return.

* :func:`add_source` — ``kzlod source add``
* :func:`mentions` — ``kzlod mentions``
* :func:`apply_template` — ``kzlod template``
* :func:`coverage` — ``kzlod coverage``
* :func:`diff` — ``kzlod diff``
"""

from __future__ import annotations

__all__ = ["add_source", "mentions", "apply_template", "coverage", "diff"]


def __getattr__(name):
    # Submodules import pyoxigraph and friends; load them only when asked.
    if name == "add_source":
        from kzlod.curation.register import add_source

        return add_source
    if name == "mentions":
        from kzlod.curation.mentions import mentions

        return mentions
    if name == "apply_template":
        from kzlod.curation.template import apply_template

        return apply_template
    if name == "coverage":
        from kzlod.curation.coverage import coverage

        return coverage
    if name == "diff":
        from kzlod.curation.diff import diff

        return diff
    raise AttributeError(f"module 'kzlod.curation' has no attribute {name!r}")
