"""Terms of the project's namespaces a query names and the graph does not hold (``kz:Stat``), with the
closest held ones: :mod:`kzlod.querying.unknown`, which the query page says above its results.

What the graph holds is read here from the data and ontology files, independently of the store.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kzlod.project import bundled
from kzlod.querying.run import run_query
from kzlod.querying.unknown import named_terms, replace_term, unknown_terms
from kzlod.store.backends import memory_store
from kzlod.vocab import NAMESPACES, RDFS_LABEL

ROOT = Path(__file__).resolve().parents[2]
KZ = "https://w3id.org/kzlod/ontology#"
KZD = "https://w3id.org/kzlod/id/"


@pytest.fixture(scope="module")
def store():
    return memory_store(bundled())


@pytest.fixture(scope="module")
def held() -> set[str]:
    """Every IRI of the data and ontology files."""
    files = [*sorted((ROOT / "data").rglob("*.ttl")), ROOT / "ontology" / "kzlod.ttl"]
    return {t.value for path in files for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
            for t in (q.subject, q.predicate, q.object) if isinstance(t, ox.NamedNode)}


#: (query, the terms it names that the graph lacks: written form -> the first suggestion)
CASES = [
    ("SELECT * WHERE { ?s a kz:Stat }", {"kz:Stat": "kz:State"}),
    ("SELECT * WHERE { ?s a kz:state }", {"kz:state": "kz:State"}),  # case is a near miss
    ("SELECT * WHERE { kzd:kazakstan ?p ?o }", {"kzd:kazakstan": "kzd:kazakhstan"}),
    ("PREFIX k: <https://w3id.org/kzlod/ontology#> SELECT * WHERE { ?s k:tonee ?t }", {"k:tonee": "kz:tone"}),
    ("SELECT * WHERE { ?s ?p <https://w3id.org/kzlod/id/armenai> }",
     {"<https://w3id.org/kzlod/id/armenai>": "kzd:armenia"}),
    ("SELECT * WHERE { kzsrc:foreign-polcy ?p ?o }", {"kzsrc:foreign-polcy": "kzsrc:foreign-policy"}),
    # a near miss of a shared vocabulary the graph uses
    ("SELECT * WHERE { ?s a kz:State ; rdfs:lable ?l }", {"rdfs:lable": "rdfs:label"}),
    ("SELECT * WHERE { ?s skos:prefLable ?l }", {"skos:prefLable": "skos:prefLabel"}),
    # held terms, a shared term near none the graph holds, datatypes, strings and comments say nothing
    ("SELECT * WHERE { ?s skos:broaderTransitive ?o ; rdfs:label ?l . FILTER (datatype(?l) = xsd:strin) }", {}),
    ('SELECT * WHERE { ?s a kz:State # kz:Nope\n BIND ("kz:Nope" AS ?x) }', {}),
    ("SELECT * WHERE { ?s kz:tone kz:tone-tense . ?s kz:hasEvidence _:b }", {}),
]


@pytest.mark.parametrize("query, expected", CASES)
def test_a_term_the_graph_lacks_is_named_with_the_closest_it_has(store, held, query, expected):
    found = unknown_terms(store, query)
    assert {u.written: u.closest[0] for u in found} == expected
    for u in found:
        assert u.iri not in held
        for c in u.closest:  # each suggestion a term the graph has, as a query may write it
            iri = c[1:-1] if c.startswith("<") else NAMESPACES[c.split(":")[0]] + c.split(":", 1)[1]
            assert iri in held, c


def test_a_suggestion_put_in_place_makes_a_query_that_finds_rows(store):
    query = "SELECT ?s WHERE { ?s a kz:Stat } # kz:Stat"
    [u] = unknown_terms(store, query)
    fixed = replace_term(query, u.written, u.closest[0])
    assert fixed == "SELECT ?s WHERE { ?s a kz:State } # kz:Stat"  # the comment left alone
    assert len(run_query(store, fixed).rows) == 8 and not unknown_terms(store, fixed)


def test_a_suggestion_needing_an_escape_is_written_in_full(store):
    [u] = unknown_terms(store, "SELECT * WHERE { <https://w3id.org/kzlod/id/source/foreign-policy/sentense/27> ?p ?o }")
    assert u.closest[0] == "<https://w3id.org/kzlod/id/source/foreign-policy/sentence/27>"


def test_the_terms_a_query_names():
    query = ("PREFIX ex: <https://w3id.org/kzlod/ontology#>\nSELECT * WHERE { ?s ex:a kz:b ; rdfs:label \"kz:c\" . "
             "<https://w3id.org/kzlod/id/d> ?p <http://example.org/e> . BIND (?s AS ?kz) }")
    assert named_terms(query) == {"ex:a": KZ + "a", "kz:b": KZ + "b", "rdfs:label": RDFS_LABEL,
                                  "<https://w3id.org/kzlod/id/d>": KZD + "d"}
