"""Reading the graph: open it, query it, search it, describe its entities, list its vocabulary."""

from __future__ import annotations

import kzlod.querying.terms
from kzlod.api.context import ProjectLike, open_project
from kzlod.gate.parse import parse_files
from kzlod.querying import fulltext
from kzlod.querying.entities import (card_text, describe, find_entity, labels_for, resolve_params, stats,
                                      stats_text)
from kzlod.querying.output import render, table
from kzlod.querying.run import QueryResult, bind_params, named_queries, resolve_query, run_query
from kzlod.querying.unknown import unknown_terms
from kzlod.reasoning.closure import project_closure
from kzlod.store.backends import GraphStore
from kzlod.store.snapshot import read_snapshot
from kzlod.store.spec import StoreSpec

__all__ = ["load", "query", "search", "vocabulary", "describe", "card_text", "stats", "labels_for", "find_entity", "stats_text",
           "named_queries", "resolve_query", "bind_params", "resolve_params", "run_query", "render", "table",
           "unknown_terms", "QueryResult"]


def load(data=(), *, store: StoreSpec | str | None = "memory", endpoint: str | None = None, inferred: bool = False,
         user: str | None = None, password: str | None = None, project: ProjectLike = None) -> GraphStore:
    """Open the graph: the project's ontology and data (plus ``data`` files), a disk store, or an endpoint."""
    spec = StoreSpec.parse(store, endpoint)
    spec.refuse_data(data)
    proj = open_project(project)
    parsed = parse_files(data) if data else []
    closure = None
    if inferred and spec.is_memory:
        closure = project_closure(proj, parsed).inferred
    elif inferred:
        closure = True  # a disk store's own closure ('kzlod reason --store'); an endpoint refuses it
    return spec.open(proj, extra=parsed, inferred=closure, user=user, password=password)


def query(query: str, *, store: GraphStore | None = None, params: dict | None = None,
          project: ProjectLike = None, **limits) -> QueryResult:
    """Run a query (SPARQL text, .rq file or named query) on a store (default: the project's graph)
    (``kzlod query``); ``limits``: ``timeout``, ``max_rows``, ``max_memory``."""
    text, named = resolve_query(query)
    bound = bind_params(params, named)
    store = store or load(project=project)
    return run_query(store, text, resolve_params(store, bound, named), **limits)


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
