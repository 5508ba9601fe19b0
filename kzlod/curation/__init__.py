"""Curating new sources: register a text, find what it mentions, turn a
spreadsheet of claims into validated assertions, measure coverage, compare
versions of the data.

Every function returns plain data (dataclasses, dicts, lists) and raises
:mod:`kzlod.errors` exceptions; the ``kzlod`` commands in
:mod:`kzlod.cli.curate` only print what these return.

* :func:`add` — ``kzlod add`` (validate, route and merge new assertions)
* :func:`add_source` — ``kzlod source add``
* :func:`mentions` — ``kzlod mentions``
* :func:`apply_template` — ``kzlod template``
* :func:`coverage` — ``kzlod coverage``
* :func:`diff` — ``kzlod diff``
"""

from kzlod.curation.coverage import coverage
from kzlod.curation.diff import diff
from kzlod.curation.mentions import mentions
from kzlod.curation.merge import add
from kzlod.curation.register import add_source
from kzlod.curation.template import apply_template

__all__ = ["add", "add_source", "mentions", "apply_template", "coverage", "diff"]
