"""Searching the graph and its vocabulary: full-text search (``kzlod search``) and the project's
classes, properties and schemes (``kzlod vocab``)."""

from __future__ import annotations

import kzlod.querying.terms
from kzlod.api.context import ProjectLike, open_project
from kzlod.api.reading import load
from kzlod.querying import fulltext
from kzlod.store.snapshot import read_snapshot
from kzlod.store.spec import StoreSpec

__all__ = ["search", "vocabulary"]


def search(text: str, *, limit: int = 20, kinds=None, data=(), store: StoreSpec | str | None = "memory",
           endpoint: str | None = None, project: ProjectLike = None):
    """Full-text search of the graph's labels, alternative labels, quotes and sentences, best first
    (``kzlod search``; see :mod:`kzlod.querying.fulltext`): a :class:`~kzlod.querying.fulltext.SearchResult`
    whose ``hits`` each name an entity, claim, sentence, source or term with a snippet of what matched.

    The index is kept in the cache folder under a hash of the graph's content, so the graph is
    read only when the project changed since the last search. ``kinds``: only these kinds of hit.
    """
    fulltext.match_expression(text)  # a usage error before anything is read
    spec = StoreSpec.parse(store, endpoint)
    spec.refuse_data(data)
    if spec.is_disk:
        spec.existing_path()  # a store that is not there is told as such
    proj = open_project(project)
    if spec.is_memory:  # the index is built from the very bytes its key names (a writer may be at work)
        snapshot = read_snapshot(proj, data)
        key, opener = fulltext.graph_key(snapshot.version), snapshot.open
    else:
        key = fulltext.index_key(proj, spec, data)

        def opener():
            return load(data=data, store=spec, project=proj)

    conn, _ = fulltext.open_index(opener if key is not None else opener(), key)
    return fulltext.search_index(conn, text, limit=limit, kinds=kinds)


def vocabulary(name: str | None = None, *, project: ProjectLike = None):
    """The project's vocabulary (``kzlod vocab``): every class, property and scheme, or one ``name`` in full."""
    proj = open_project(project)
    return kzlod.querying.terms.term(proj, name) if name else kzlod.querying.terms.terms(proj)
