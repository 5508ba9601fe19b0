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
from kzlod.reasoning.engines import chain_completions
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
            monkeypatch.setattr(instore, "typing_only", lambda store, predicates, typed=None: {})
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
#: inverse; its first link is a blank node. One link is a sub-property's triple (found before the engine
#: runs), one an inverse's (only in the engine's first answer: those chained triples reach it after).
CHAINS = """
@prefix : <https://example.org/chain#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:p owl:propertyChainAxiom ( :a :b ) ; rdfs:domain :C ; owl:inverseOf :pInv .
:C rdfs:subClassOf :D .
:x :a :y . :y :b :z .
_:n :a :y .
:z :a :w . :w :b :v .
:bb rdfs:subPropertyOf :b . :s :a :t . :t :bb :u .
:bInv owl:inverseOf :b . :q :a :r . :m :bInv :r .
"""


def test_what_follows_from_property_chains_is_the_closure_of_reasoning_again_from_the_start(tmp_path, monkeypatch):
    """reasonable does not apply chains: kzlod adds them and hands them to the same engine, which must
    derive all that a new engine reasoning over the store and the closure would derive."""
    runs = []
    run_reasonable = instore.run_reasonable
    monkeypatch.setattr(instore, "run_reasonable", lambda *a, **k: runs.append(1) or run_reasonable(*a, **k))
    store = ox.Store()
    store.load(CHAINS.encode(), format=ox.RdfFormat.TURTLE)
    result = instore.StoreClosure(store=tmp_path)
    instore.reason_with_reasonable(store, tmp_path, result)
    inferred = {q.triple for q in store.quads_for_pattern(None, None, None, INFERRED_GRAPH)}
    ex = "https://example.org/chain#"
    for s, p, o in [("x", "p", "z"), ("x", RDF_TYPE, "C"), ("x", RDF_TYPE, "D"), ("z", "pInv", "x"),
                    ("z", "p", "v"), ("z", RDF_TYPE, "D"), ("s", "p", "u"), ("u", "pInv", "s"),
                    ("q", "p", "m"), ("m", "pInv", "q"), ("q", RDF_TYPE, "D")]:
        triple = ox.Triple(ox.NamedNode(ex + s), ox.NamedNode(p if p.startswith("http") else ex + p),
                           ox.NamedNode(ex + o))
        assert triple in inferred, f"missing {triple}"
    assert result.inferred == len(inferred)
    assert len(runs) == 2, "the inverse's link is found in the first answer, and the engine runs again"
    # a new engine, reasoning from the start over the asserted triples and this closure, adds nothing
    again = ox.Store()
    again.extend(ox.Quad(q.subject, q.predicate, q.object) for q in store)
    second = instore.StoreClosure(store=tmp_path)
    instore.reason_with_reasonable(again, tmp_path, second)
    assert second.inferred == 0, sorted(str(q) for q in again.quads_for_pattern(None, None, None, INFERRED_GRAPH))


def test_a_chain_whose_links_are_asserted_or_sub_properties_triples_runs_the_engine_once(tmp_path, monkeypatch):
    """The chained triples over the asserted triples and those of sub-properties go to the engine with
    the rest; when its answer makes no more, it is not run again, and the closure is the same."""
    runs = []
    run_reasonable = instore.run_reasonable
    monkeypatch.setattr(instore, "run_reasonable", lambda *a, **k: runs.append(1) or run_reasonable(*a, **k))
    asserted = list(ox.parse(CHAINS.replace(":bInv owl:inverseOf :b . :q :a :r . :m :bInv :r .", "").encode(),
                             format=ox.RdfFormat.TURTLE))  # one set of blank nodes for both
    store = ox.Store()
    store.extend(asserted)
    result = instore.StoreClosure(store=tmp_path)
    instore.reason_with_reasonable(store, tmp_path, result)
    assert len(runs) == 1
    inferred = {str(q.triple) for q in store.quads_for_pattern(None, None, None, INFERRED_GRAPH)}
    ex = "https://example.org/chain#"
    assert f"<{ex}s> <{ex}p> <{ex}u>" in inferred and f"<{ex}u> <{ex}pInv> <{ex}s>" in inferred
    # the same as the closure the engine makes when the chained triples reach it after its first answer
    monkeypatch.setattr(instore, "chain_completions",
                        lambda store, sub_properties=False: [] if sub_properties else chain_completions(store))
    again = ox.Store()
    again.extend(asserted)
    later = instore.StoreClosure(store=tmp_path)
    instore.reason_with_reasonable(again, tmp_path, later)
    assert len(runs) == 3
    assert {str(q.triple) for q in again.quads_for_pattern(None, None, None, INFERRED_GRAPH)} == inferred
    assert (later.inferred, later.dropped, later.trivial) == (result.inferred, result.dropped, result.trivial)


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


@pytest.mark.parametrize("blank_class", [False, True])
def test_the_types_dumped_class_by_class_are_those_of_one_query(tmp_path, blank_class):
    """rdf:type triples are dumped class by class (a constant object is read once); with a blank node
    as a class, by one query: the same lines either way."""
    text = """
    @prefix : <https://example.org/types#> .
    :a a :C , :D . _:b a :C . :c a "not a class" , "x\\ny"@en . :d :p :C .
    """ + ("_:e a [ a <http://www.w3.org/2002/07/owl#Restriction> ] ." if blank_class else "")
    store = ox.Store()
    store.load(text.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:g"))
    store.load(b"<https://example.org/types#a> a <https://example.org/types#C> .", format=ox.RdfFormat.TURTLE)
    by_class, by_query = tmp_path / "by-class.nt", tmp_path / "by-query.nt"
    instore._dump_types(store, by_class, instore.type_classes(store))
    instore._dump_triples(store, by_query, [instore.RDF_TYPE])
    lines = by_class.read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == sorted(by_query.read_text(encoding="utf-8").splitlines())
    assert len(lines) == (7 if blank_class else 5)  # as the union of the graphs gives them


@pytest.mark.parametrize("many", [False, True])
def test_a_predicate_with_few_objects_dumped_object_by_object_gives_the_lines_of_one_query(tmp_path, many):
    """A predicate with few distinct objects is dumped object by object: the same lines as one query,
    for IRIs and literals of every kind (a blank node object, or too many objects: one query)."""
    text = """
    @prefix : <https://example.org/few#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    :a :p :X , "plain" , "x\\ny \\"q\\""@en-GB , "3"^^xsd:integer , "3.50"^^xsd:decimal , true .
    :a :p "2020-01-01"^^xsd:date .
    _:b :p :X , "plain" . :c :p :X . :c :q :X .
    """ + ("_:d :p [] ." if many else "")
    store = ox.Store()
    store.load(text.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:g"))
    p = "https://example.org/few#p"
    by_object, by_query = tmp_path / "by-object.nt", tmp_path / "by-query.nt"
    instore._dump_triples(store, by_object, [p])
    with open(by_query, "wb") as fh:
        store.query(f"CONSTRUCT {{ ?s <{p}> ?o }} WHERE {{ ?s <{p}> ?o }}",
                    use_default_graph_as_union=True).serialize(fh, format=ox.RdfFormat.N_TRIPLES)
    lines = by_object.read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == sorted(by_query.read_text(encoding="utf-8").splitlines())
    assert len(lines) == (11 if many else 10)
