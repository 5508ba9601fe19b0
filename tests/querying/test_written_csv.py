"""CSV written by the store's own serializer is, byte for byte, the CSV kzlod writes row by row."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kzlod import api
from kzlod.querying.output import to_csv
from kzlod.querying.run import named_queries, run_query

#: Values a CSV writer can get wrong: separators, quotes, line breaks, unbound, blank nodes, tags, numbers.
AWKWARD = """SELECT ?x ?y WHERE { VALUES (?x ?y) {
  ("a,b" "say \\"hi\\"") ("line\\nbreak" "cr\\r\\nlf") (UNDEF 5) (1.5 true) ("Astana"@kk <http://e/x>)
  ("" "ünïcödé ✓") } }"""


@pytest.fixture(scope="module")
def store():
    return api.load()


def both(store, sparql, params=None, **limits):
    written = run_query(store, sparql, params, written="csv", **limits)
    collected = run_query(store, sparql, params, **limits)
    return written, collected


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_each_named_query_is_written_as_kzlod_writes_it(store, name):
    params = {ox.Variable("entity"): ox.NamedNode("https://w3id.org/kzlod/id/kazakhstan")} if name == "entity" else None
    written, collected = both(store, named_queries()[name].text, params, timeout=120)
    assert written.csv is not None and not written.rows
    assert to_csv(written) == to_csv(collected)


@pytest.mark.parametrize("sparql", [AWKWARD, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 0",
                                    "SELECT * WHERE { ?s a ?c } ORDER BY ?s LIMIT 7"])
def test_awkward_values_are_written_the_same(store, sparql):
    written, collected = both(store, sparql)
    assert to_csv(written) == to_csv(collected)


@pytest.mark.parametrize("max_rows", [0, 1, 3, 6, 7])
def test_a_result_past_max_rows_is_cut_where_the_rows_are_cut(store, max_rows):
    sparql = "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s LIMIT 6"
    written, collected = both(store, sparql, max_rows=max_rows)
    assert to_csv(written) == to_csv(collected)
    assert written.truncated == collected.truncated == (max_rows < 6)


@pytest.mark.parametrize("sparql", ["ASK { ?s ?p ?o }", "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 3"])
def test_ask_and_graphs_are_collected_as_before(store, sparql):
    written, collected = both(store, sparql)
    assert written.csv is None
    assert written == collected


def test_the_command_writes_the_stores_bytes_as_the_text_it_wrote_before(store):
    """``kzlod query … -f csv`` into a pipe writes the store's CSV bytes as they are (no text copy),
    which are what writing the text gave; a value with an escape character still goes through click,
    which strips ANSI sequences off a terminal."""
    from click.testing import CliRunner

    from kzlod.cli import cli

    runner = CliRunner()
    out = runner.invoke(cli, ["-q", "query", "memberships", "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert out.stdout_bytes == to_csv(run_query(store, named_queries()["memberships"].text)).encode("utf-8")
    out = runner.invoke(cli, ["-q", "query", 'SELECT ("a\\u001b[31mb" AS ?x) {}', "--format", "csv"])
    assert out.exit_code == 0 and out.stdout_bytes == b"x\r\nab\r\n"
