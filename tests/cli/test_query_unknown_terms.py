"""``kzlod query``: a term of the project's namespaces the graph does not hold is named on stderr, one
line each, with the closest terms it holds; the rows and the exit code are what they would be anyway."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kzlod.cli import cli

CASES = [
    ("SELECT * WHERE { ?s a kz:Stat }",
     "note: kz:Stat is not in the graph; did you mean kz:State or kz:start?\n"),
    ("SELECT ?l WHERE { kzd:kazakstan rdfs:label ?l }",
     "note: kzd:kazakstan is not in the graph; did you mean kzd:kazakhstan?\n"),
    ("SELECT * WHERE { ?s kz:tone <https://w3id.org/kzlod/ontology#xyzzyqq> . ?s a kz:Stat }",
     "note: kz:Stat is not in the graph; did you mean kz:State or kz:start?\n"
     "note: <https://w3id.org/kzlod/ontology#xyzzyqq> is not in the graph (nor anything close)\n"),
    # terms the graph holds, and terms outside the project's namespaces, are not named
    ("SELECT ?l WHERE { kzd:kazakhstan rdfs:label ?l . ?x skos:nonesuch ?y }", ""),
    # in a string or a comment a name is no term
    ('SELECT * WHERE { BIND ("kz:Stat" AS ?x) } # kzd:kazakstan', ""),
]


@pytest.mark.parametrize("query, stderr", CASES)
def test_unknown_terms_are_named_with_the_closest(query, stderr):
    res = CliRunner().invoke(cli, ["query", query, "-f", "csv"], catch_exceptions=False)
    assert res.exit_code == 0
    assert res.stderr == stderr


def test_a_named_query_is_not_checked_and_quiet_says_nothing():
    assert CliRunner().invoke(cli, ["query", "memberships", "-f", "csv"]).stderr == ""
    res = CliRunner().invoke(cli, ["--quiet", "query", "SELECT * WHERE { ?s a kz:Stat }", "-f", "csv"])
    assert (res.exit_code, res.stdout, res.stderr) == (0, "s\n", "")
