"""Reading the graph: open it, query it, describe its entities.

Only what ``kzlod query`` needs is imported here, so that a query starts fast: full-text search
and the vocabulary are in :mod:`kzlod.api.searching`."""

from __future__ import annotations

from kzlod.api.context import ProjectLike, open_project
from kzlod.gate.parse import parse_files
from kzlod.querying.entities import card_text, describe, find_entity, labels_for, resolve_params, stats, stats_text
from kzlod.querying.output import render, table
from kzlod.querying.run import QueryResult, bind_params, named_queries, resolve_query, run_query
from kzlod.querying.unknown import unknown_terms
from kzlod.reasoning.closure import project_closure
from kzlod.store.backends import GraphStore
from kzlod.store.spec import StoreSpec

__all__ = ["load", "query", "describe", "card_text", "stats", "labels_for", "find_entity", "stats_text",
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
