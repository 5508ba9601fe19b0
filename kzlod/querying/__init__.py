"""Querying: SPARQL with limits and named queries (:mod:`.run`), results as tables and
SPARQL formats (:mod:`.output`), entity cards and statistics (:mod:`.entities`)."""

from kzlod.querying.run import NamedQuery, QueryResult, named_queries, run_query

__all__ = ["NamedQuery", "QueryResult", "named_queries", "run_query"]
