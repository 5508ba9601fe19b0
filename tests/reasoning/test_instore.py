"""The closure of a store's triples is the same whether or not the reasoner reads the triples that
only type what is typed already (:func:`kzlod.reasoning.instore.typing_only`)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest

from kzlod.project import bundled
from kzlod.reasoning import engines, instore
from kzlod.store import bulk
from kzlod.store.backends import INFERRED_GRAPH
from kzlod.vocab import KZ, RDFS

pytest.importorskip("reasonable")

#: Extra data: a typed subject (its triple adds nothing), an untyped one, a subject typed by a subclass,
#: an object typed outside the range, and a literal of a datatype range.
EXTRA = f"""
<https://w3id.org/kzlod/id/t1> a <{KZ}TradeFigure> ; <{KZ}rank> 3 ; <{KZ}partner> <https://w3id.org/kzlod/id/x> .
<https://w3id.org/kzlod/id/t2> <{KZ}rank> 4 .
<https://w3id.org/kzlod/id/s1> <{KZ}inSection> <https://w3id.org/kzlod/id/sec1> .
<https://w3id.org/kzlod/id/sec1> a <{RDFS}Resource> .
"""


def closure(store_dir: Path, *, reduced: bool, monkeypatch) -> tuple[set, instore.StoreClosure]:
    copy = Path(tempfile.mkdtemp(prefix="kzlod-instore-"))
    try:
        shutil.copytree(store_dir, copy / "s")
        store = ox.Store(str(copy / "s"))
        if not reduced:
            monkeypatch.setattr(instore, "typing_only", lambda store, predicates: {})
        result = instore.StoreClosure(store=copy)
        work = copy / "work"
        work.mkdir()
        instore.reason_with_reasonable(store, work, result)
        monkeypatch.undo()
        inferred = {str(q.triple) for q in store.quads_for_pattern(None, None, None, INFERRED_GRAPH)}
        del store
        return inferred, result
    finally:
        shutil.rmtree(copy, ignore_errors=True)


@pytest.mark.parametrize("with_generated", [False, True])
def test_leaving_out_triples_that_only_type_what_is_typed_changes_no_entailment(
        work, generated, monkeypatch, with_generated):
    extra = work / "extra.ttl"
    extra.write_text(EXTRA, encoding="utf-8")
    files = [extra] + ([generated[1]] if with_generated else [])
    store_dir = work / f"store-{with_generated}"
    bulk.load(bundled(), files, store_dir)
    store = ox.Store.read_only(str(store_dir))
    predicates = instore.relevant_predicates(store)
    assert predicates is not None and instore.typing_only(store, predicates), "the case the test is about"
    del store
    full, full_result = closure(store_dir, reduced=False, monkeypatch=monkeypatch)
    less, less_result = closure(store_dir, reduced=True, monkeypatch=monkeypatch)
    assert less == full
    assert (less_result.inferred, less_result.dropped, less_result.trivial) == \
        (full_result.inferred, full_result.dropped, full_result.trivial)


#: A property chain (p = a ∘ b) whose triples make more: p has a domain, under a superclass, and an
#: inverse; its first link is a blank node. The chained triples reach reasonable after its first answer.
CHAINS = """
@prefix : <https://example.org/chain#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:p owl:propertyChainAxiom ( :a :b ) ; rdfs:domain :C ; owl:inverseOf :pInv .
:C rdfs:subClassOf :D .
:x :a :y . :y :b :z .
_:n :a :y .
:z :a :w . :w :b :v .
"""


def test_what_follows_from_property_chains_is_the_closure_of_reasoning_again_from_the_start(tmp_path):
    """reasonable does not apply chains: kzlod adds them and hands them to the same engine, which must
    derive all that a new engine reasoning over the store and the closure would derive."""
    store = ox.Store()
    store.load(CHAINS.encode(), format=ox.RdfFormat.TURTLE)
    result = instore.StoreClosure(store=tmp_path)
    instore.reason_with_reasonable(store, tmp_path, result)
    inferred = {q.triple for q in store.quads_for_pattern(None, None, None, INFERRED_GRAPH)}
    ex = "https://example.org/chain#"
    for s, p, o in [("x", "p", "z"), ("x", RDF_TYPE, "C"), ("x", RDF_TYPE, "D"), ("z", "pInv", "x"),
                    ("z", "p", "v"), ("z", RDF_TYPE, "D")]:
        triple = ox.Triple(ox.NamedNode(ex + s), ox.NamedNode(p if p.startswith("http") else ex + p),
                           ox.NamedNode(ex + o))
        assert triple in inferred, f"missing {triple}"
    assert result.inferred == len(inferred)
    # a new engine, reasoning from the start over the asserted triples and this closure, adds nothing
    again = ox.Store()
    again.extend(ox.Quad(q.subject, q.predicate, q.object) for q in store)
    second = instore.StoreClosure(store=tmp_path)
    instore.reason_with_reasonable(again, tmp_path, second)
    assert second.inferred == 0, sorted(str(q) for q in again.quads_for_pattern(None, None, None, INFERRED_GRAPH))


def test_an_rdflib_graphs_closure_with_chains_is_that_of_reasoning_again_from_the_start():
    """The same for engines.compute (an rdflib graph: validate's consistency check): the chains'
    triples go to the same engine, and a new engine over the graph and its closure adds nothing."""
    from kzlod.store.rdfconv import graph_of, to_rdflib

    graph = graph_of(ox.parse(CHAINS.encode(), format=ox.RdfFormat.TURTLE))
    closure = engines.compute(graph, engine="reasonable")
    ex = "https://example.org/chain#"
    for s, p, o in [("x", "p", "z"), ("x", RDF_TYPE, "D"), ("z", "pInv", "x"), ("z", "p", "v"), ("z", RDF_TYPE, "D")]:
        assert ox.Triple(ox.NamedNode(ex + s), ox.NamedNode(p if p.startswith("http") else ex + p),
                         ox.NamedNode(ex + o)) in closure.inferred
    assert len(set(closure.inferred)) == len(closure.inferred)
    as_rdflib = {(to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)) for t in closure.inferred}
    assert not as_rdflib & set(graph)
    whole = graph_of(closure.inferred)
    whole += graph
    assert engines.compute(whole, engine="reasonable").inferred == []


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

#: Literals of every kind (plain, language-tagged, typed, with characters N-Triples escapes) and blank
#: nodes that reasoning copies into new triples (a sub-property, a symmetric property).
TERMS = """
@prefix : <https://example.org/terms#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
:name rdfs:subPropertyOf :label . :knows a owl:SymmetricProperty ; owl:propertyChainAxiom ( :a :b ) .
:x :name "plain", "tagged"@kk-Cyrl, "line\\nbreak \\"quoted\\" \\\\ tab\\t", "3"^^xsd:integer, "Ω ü"@de .
_:n :name "blank" ; :knows :x . :x :knows _:m . :x :a :y . :y :b _:n .
"""


def test_the_engine_answering_in_ntriples_text_gives_what_its_rdflib_answer_gives(tmp_path, monkeypatch):
    """reasonable is asked for N-Triples text instead of rdflib terms (engines._ntriples_terms); an answer
    in rdflib terms (an engine that builds its terms another way) gives the same closure."""

    asserted = list(ox.parse(TERMS.encode(), format=ox.RdfFormat.TURTLE))  # one set of blank nodes for both

    def inferred(tag):
        store = ox.Store()
        store.extend(asserted)
        result = instore.StoreClosure(store=tmp_path)
        (tmp_path / tag).mkdir()
        instore.reason_with_reasonable(store, tmp_path / tag, result)
        found = {q.triple for q in store.quads_for_pattern(None, None, None, INFERRED_GRAPH)}
        return found, (result.inferred, result.dropped, result.trivial)

    text = inferred("text")
    monkeypatch.setattr(engines, "_ntriples_terms", contextlib.nullcontext)
    rdflib_terms = inferred("rdflib")
    assert text == rdflib_terms
    ex = "https://example.org/terms#"
    labels = {t.object for t in text[0] if t.subject == ox.NamedNode(ex + "x") and t.predicate.value == ex + "label"}
    assert ox.Literal("line\nbreak \"quoted\" \\ tab\t") in labels and ox.Literal("3", datatype=XSD_INTEGER) in labels
    assert {lit.language for lit in labels if lit.language} == {"kk-cyrl", "de"} or \
        {lit.language for lit in labels if lit.language} == {"kk-Cyrl", "de"}
    assert any(isinstance(t.subject, ox.BlankNode) and t.predicate.value == ex + "label" for t in text[0])
