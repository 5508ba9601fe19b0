"""check_query: what it refuses, and the query's form it gives for what it lets through (read once,
with strings, IRIs and comments masked: the endpoint chooses the answer's format by it)."""

from __future__ import annotations

import pytest

from kzlod import settings
from kzlod.errors import QueryError
from kzlod.querying.run import check_query
from kzlod.store.backends import query_kind

FORMS = [
    ("SELECT ?s WHERE { ?s ?p ?o }", "select"),
    ("ask { ?s ?p ?o }", "ask"),
    ("PREFIX ex: <http://example.org/CONSTRUCT#>\nSELECT ?s WHERE { ?s a ex:Thing }", "select"),
    ("# SELECT in a comment first\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "construct"),
    ('BASE <http://example.org/ASK/>\nDESCRIBE <x>', "describe"),
    ('SELECT ("CONSTRUCT" AS ?word) WHERE {}', "select"),
]


@pytest.mark.parametrize("sparql,kind", FORMS)
def test_the_form_is_the_first_keyword_outside_strings_iris_and_comments(sparql, kind):
    assert check_query(sparql) == kind
    assert query_kind(sparql) == kind


def nested(depth: int) -> str:
    return "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth


def test_brackets_nested_to_the_limit_pass_and_one_deeper_is_refused():
    limit = settings.get("max_query_nesting")
    assert check_query(nested(limit)) == "select"
    with pytest.raises(QueryError, match=f"brackets nested {limit + 1} deep"):
        check_query(nested(limit + 1))


def test_many_brackets_side_by_side_are_not_deep():
    limit = settings.get("max_query_nesting")
    side_by_side = "SELECT * WHERE { " + " ".join(f"OPTIONAL {{ ?s <p{i}> ?o{i} }}" for i in range(limit * 2)) + " }"
    assert check_query(side_by_side) == "select"


def test_brackets_in_strings_and_comments_do_not_count():
    limit = settings.get("max_query_nesting")
    text = 'SELECT * WHERE { ?s ?p "' + "{" * (limit + 5) + '" } # ' + "(" * (limit + 5)
    assert check_query(text) == "select"
