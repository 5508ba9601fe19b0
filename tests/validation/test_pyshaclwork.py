"""pySHACL without the work kzlod does not use (kzlod.validation.pyshaclwork): the same results graph."""

from __future__ import annotations

import pyshacl
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from kzlod.project import resolve
from kzlod.validation import parallel, pyshaclwork, shacl

KZ = Namespace("https://w3id.org/kzlod/ontology#")
KZD = Namespace("https://w3id.org/kzlod/id/")


def _with_faults(g):
    """A state without its codes, an evidence without its sentence (an sh:or that fails)."""
    g.add((KZD["nowhere-land"], RDF.type, KZ.State))
    g.add((KZD["nowhere-land"], RDFS.label, Literal("Nowhere Land", lang="en")))
    evidence = next(g.subjects(RDF.type, KZ.Evidence))
    g.remove((evidence, KZ.sentence, None))
    return g


def _plain_pyshacl(data, shapes):
    return pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True,
                            do_owl_imports=False, abort_on_first=False, meta_shacl=False)


def test_the_results_graph_is_pyshacls_own():
    project = resolve(None)
    shapes = shacl._shapes_graph(project)
    data = _with_faults(shacl._project_graph(project))
    conforms, plain, text = _plain_pyshacl(data, shapes)
    assert not conforms and "Constraint Violation" in text
    ours = parallel.run_shacl(data, shapes)
    assert isomorphic(ours, plain)
    # outside kzlod's runs pySHACL's text report is written as before
    _, _, again = _plain_pyshacl(data, shapes)
    assert again == text


def test_quiet_leaves_out_the_text_only():
    project = resolve(None)
    shapes = shacl._shapes_graph(project)
    data = _with_faults(shacl._project_graph(project))
    _, loud, loud_text = _plain_pyshacl(data, shapes)
    with pyshaclwork.quiet():
        _, hushed, hushed_text = _plain_pyshacl(data, shapes)
    assert isomorphic(loud, hushed)
    assert "Constraint Violation" in loud_text and "Severity:" not in hushed_text


def test_a_remembering_view_answers_as_its_graph_and_sees_what_is_added():
    g = Graph()
    a, b, p = URIRef("urn:a"), URIRef("urn:b"), URIRef("urn:p")
    g.add((a, p, Literal(1)))
    view = pyshaclwork.remembering(g)
    assert list(view.objects(a, p)) == [Literal(1)]
    assert list(view.objects(a, p)) == [Literal(1)]  # remembered
    view.add((a, p, b))
    assert set(view.objects(a, p)) == {Literal(1), b}
    assert (a, p, b) in g  # the same store
    view.remove((a, p, Literal(1)))
    assert list(view.objects(a, p)) == [b]
    assert list(view.transitive_objects(a, p)) == [a, b]
    assert list(view.triples((a, p / p, None))) == []  # paths are not remembered


SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:severity sh:Warning ;
  sh:or ( [ sh:path ex:a ; sh:minCount 1 ] [ sh:path ex:b ; sh:minCount 1 ; sh:datatype xsd:integer ] ) ;
  sh:and ( [ sh:path ex:c ; sh:maxCount 1 ] [ sh:not [ sh:path ex:d ; sh:minCount 1 ] ] ) ;
  sh:xone ( [ sh:path ex:e ; sh:minCount 1 ] [ sh:path ex:f ; sh:minCount 1 ] ) ;
  sh:property [ sh:path ex:g ; sh:qualifiedValueShape [ sh:node ex:N ] ; sh:qualifiedMinCount 1 ] ,
              [ sh:path ex:h ; sh:node ex:N ] .
ex:N a sh:NodeShape ; sh:property [ sh:path ex:v ; sh:minCount 1 ; sh:datatype xsd:integer ] .
"""

DATA = """
@prefix ex: <urn:ex:> .
ex:ok a ex:T ; ex:a 1 ; ex:c 1 ; ex:e 1 ; ex:g [ ex:v 1 ] ; ex:h [ ex:v 2 ] .
ex:bad a ex:T ; ex:b "x" ; ex:c 1, 2 ; ex:d 1 ; ex:e 1 ; ex:f 1 ; ex:g [ ex:v "no" ] ; ex:h [ ex:w 1 ] .
_:blank a ex:T ; ex:d 1 ; ex:h [ ex:v "x" ] .
"""


def test_member_shapes_only_counted_give_the_same_results():
    """sh:or, sh:and, sh:not, sh:xone and sh:qualifiedValueShape over member shapes that fail (their
    results only counted inside kzlod's runs), sh:node (whose results are nested as sh:detail), with
    a severity that is allowed: the results graph of plain pySHACL."""
    shapes = Graph().parse(data=SHAPES, format="turtle")
    data = Graph().parse(data=DATA, format="turtle")
    _, plain, _ = _plain_pyshacl(data, shapes)
    ours = parallel.run_shacl(data, shapes)
    assert len(plain) > 40 and isomorphic(ours, plain)


def test_a_pyshacl_release_it_does_not_know_is_left_as_it_is(monkeypatch):
    """pyproject allows older pySHACL releases than the one whose inner workings it changes: those run
    unchanged (slower, the same results)."""
    import pyshacl
    import pyshacl.shape as shape_module

    monkeypatch.setattr(pyshaclwork, "_installed", False)
    monkeypatch.setattr(pyshacl, "__version__", "0.30.0")
    validate = shape_module.Shape.validate
    pyshaclwork.install()
    assert shape_module.Shape.validate is validate and pyshaclwork._installed
