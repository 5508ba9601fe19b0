"""Asking in words: parameters by name, required parameters, SPARQL errors a person can read."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kzlod.cli import cli


def run(*args):
    return CliRunner().invoke(cli, ["-q", *args])


def test_a_parameter_given_by_name_gives_the_rows_of_its_iri():
    by_name = run("query", "entity", "--param", "entity", "Russia", "--format", "csv")
    by_iri = run("query", "entity", "--param", "entity", "kzd:russia", "--format", "csv")
    assert by_name.exit_code == by_iri.exit_code == 0
    assert by_name.stdout == by_iri.stdout and by_name.stdout.count("\n") > 10


@pytest.mark.parametrize("args, code, message", [
    # a required parameter missing: a usage error naming it
    (["query", "entity"], 2, "Error: query 'entity' needs --param entity VALUE: The entity: its IRI"),
    # an unknown value: a usage error with the closest names
    (["query", "entity", "--param", "entity", "Rusia"], 2,
     "Error: --param entity: no entity named 'Rusia'. Did you mean: Russia"),
    (["query", "entity", "--param", "entity", "kzd:nonexistent"], 2,
     "Error: --param entity: no entity 'kzd:nonexistent' in the graph."),
    (["query", "claims", "--param", "modality", "feard"], 2, "Did you mean: feared"),
    # SPARQL errors: what is wrong, on one line, then the line and a caret
    (["query", "SELECT ?s WHERE { ?s a foo:Bar }"], 1,
     "Error: bad SPARQL at line 1, column 24: unknown prefix foo: (known: dcterms, foaf, kz, kzd,"),
    (["query", "SELEC ?s WHERE { ?s ?p ?o }"], 1,
     "Error: bad SPARQL at line 1, column 1: expected SELECT, CONSTRUCT, ASK or DESCRIBE, found 'SELEC'"),
    (["query", "SELECT ?s WHERE { ?s ?p ?o } ORDER ?s"], 1, "(expected BY)"),
])
def test_asking_wrongly_says_what_is_wrong(args, code, message):
    res = run(*args)
    assert res.exit_code == code, res.output
    assert message in res.output
    assert "Traceback" not in res.output and "\\u{" not in res.output


def test_a_sparql_error_shows_the_line_and_a_caret_under_the_place():
    res = run("query", "SELECT ?s WHERE { ?s a foo:Bar }")
    lines = res.stderr.splitlines()
    assert lines[0].startswith("Error: bad SPARQL") and len(lines) == 3  # Error: once
    assert lines[1] == "       SELECT ?s WHERE { ?s a foo:Bar }"
    assert lines[2].index("^") == lines[1].index("foo:")


@pytest.mark.parametrize("query, stderr", [
    # Oxigraph expected LATERAL (SPARQL 1.2) or SERVICE: neither is what the query lacks
    ("SELECT ?s WHERE { ?s ?p }", "Error: bad SPARQL at line 1, column 26: unexpected end of the line\n"),
    # PREDICATE (RDF 1.2) is left out of the list
    ("SELECT ?s WHERE { ?s a ?o . FILTER(?s = ) }",
     "Error: bad SPARQL at line 1, column 44: unexpected end of the line "
     "(expected one of ABS, AVG, DAY, IRI, MAX, MD5, MIN, NOT, "
     "NOW, STR, STRBEFORE, STRSTARTS, SUM, URI, isLITERAL, isNUMERIC)\n"),
    # so are RDF 1.2's annotation {| and reifier ~
    ("SELECT ?s WHERE { ?s ?p ?o ", "Error: bad SPARQL at line 1, column 28: unexpected end of the line "
                                  "(expected one of ., ;, {, })\n"),
])
def test_parser_messages_offer_only_what_sparql_1_1_can_write(query, stderr):
    res = run("query", query)
    assert res.exit_code == 1
    assert res.stderr.splitlines()[0] + "\n" == stderr


def test_a_named_query_lists_its_parameters_and_which_are_required():
    import json

    res = run("queries", "--format", "json")
    queries = {q["name"]: q for q in json.loads(res.stdout)}
    assert queries["entity"]["required"] == ["entity"] and queries["entity"]["kinds"] == {"entity": "entity"}
    assert queries["events"]["required"] == [] and queries["claims"]["kinds"] == {"modality": "concept"}


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_timeout_must_be_more_than_zero(value):
    res = run("query", "memberships", "--timeout", value)
    assert res.exit_code == 2 and "Invalid value for '--timeout'" in res.output
