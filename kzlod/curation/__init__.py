"""Curation: adding assertions and sources to a project, and measuring what they cover.

Every function returns plain data (dataclasses, dicts, lists) and raises
:mod:`kzlod.errors` exceptions; the ``kzlod`` commands (:mod:`kzlod.cli`, one module each,
through :mod:`kzlod.api`) only print what these return.

* :func:`kzlod.curation.merge.add` — ``kzlod add``: validate, route and merge new assertions
* :func:`kzlod.curation.register.add_source` — ``kzlod source add``
* :func:`kzlod.curation.mentions.mentions` — ``kzlod mentions``
* :func:`kzlod.curation.template.apply_template` — ``kzlod template``
* :func:`kzlod.curation.coverage.coverage` — ``kzlod coverage``
* :func:`kzlod.curation.diff.diff` — ``kzlod diff``
* :mod:`kzlod.curation.sources` — splitting a text into sections and sentences
* :mod:`kzlod.curation.common` — what they share: the project's graph and its sources

The package imports none of them itself: each command loads only what it needs.
"""
