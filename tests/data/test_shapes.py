"""Every SHACL shape has a valid and an invalid example, and behaves on them.

``tests/shapes/<ShapeLocalName>/valid.ttl`` must raise no result from the
shape or its named property shapes; ``invalid.ttl`` must raise, for the node
shape's own constraints and for each of its named property shapes, at least
one result whose ``sh:sourceShape`` is that shape, with that shape's declared
severity. Examples are validated together with the ontology, with inference
off, exactly as the bundled graph is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from pyshacl import validate
from rdflib import RDF, Graph, Namespace, URIRef

SH = Namespace("http://www.w3.org/ns/shacl#")
KZSH = "https://w3id.org/kzlod/shapes#"
KZ = "https://w3id.org/kzlod/ontology#"
OWL_CLASS = URIRef("http://www.w3.org/2002/07/owl#Class")
EXAMPLES = Path(__file__).resolve().parent / "shapes"

#: Parameters of a node shape that are not constraints of its own.
NOT_CONSTRAINTS = {
    SH.property, SH.severity, SH.message, SH.targetClass, SH.targetNode,
    SH.targetSubjectsOf, SH.targetObjectsOf, SH.deactivated, SH.name, SH.description,
}

SHAPES = Graph().parse(ROOT / "shapes" / "kzlod-shapes.ttl", format="turtle")
NODE_SHAPES = sorted(s for s in SHAPES.subjects(RDF.type, SH.NodeShape) if str(s).startswith(KZSH))


def local(node) -> str:
    return str(node)[len(KZSH):]


def family(shape: URIRef) -> list[URIRef]:
    """The shapes whose results an example of ``shape`` must show: the node
    shape itself if it has constraints of its own, and its property shapes."""
    members = []
    if any(p.startswith(str(SH)) and p not in NOT_CONSTRAINTS for p in SHAPES.predicates(shape)):
        members.append(shape)
    members.extend(sorted(p for p in SHAPES.objects(shape, SH.property) if isinstance(p, URIRef)))
    return members


def results(example: Path, ontology: Graph) -> list[tuple[URIRef, URIRef]]:
    data = Graph()
    for triple in ontology:
        data.add(triple)
    data.parse(example, format="turtle")
    _, report, _ = validate(data, shacl_graph=SHAPES, inference="none")
    return [
        (report.value(r, SH.sourceShape), report.value(r, SH.resultSeverity))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]


def test_the_shapes_file_has_shapes():
    assert len(NODE_SHAPES) >= 40


def test_every_shape_has_both_examples():
    missing = [
        f"{local(shape)}/{name}"
        for shape in NODE_SHAPES
        for name in ("valid.ttl", "invalid.ttl")
        if not (EXAMPLES / local(shape) / name).is_file()
    ]
    assert not missing, f"shapes without examples: {missing}"


def test_no_example_folder_without_a_shape():
    names = {local(s) for s in NODE_SHAPES}
    strays = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and p.name not in names)
    assert not strays


def test_every_ontology_class_has_a_shape_targeting_it(ontology_graph):
    classes = {c for c in ontology_graph.subjects(RDF.type, OWL_CLASS) if str(c).startswith(KZ)}
    targeted = set(SHAPES.objects(None, SH.targetClass))
    assert classes, "the ontology declares no kz: classes"
    assert sorted(map(str, classes - targeted)) == []


def test_every_named_shape_declares_severity_and_message():
    named = set(NODE_SHAPES) | {p for s in NODE_SHAPES for p in SHAPES.objects(s, SH.property)}
    for shape in named:
        assert isinstance(shape, URIRef), f"anonymous property shape on a node shape: {shape}"
        assert SHAPES.value(shape, SH.severity) in (SH.Violation, SH.Warning, SH.Info), local(shape)
        if shape not in NODE_SHAPES or shape in family(shape):
            assert SHAPES.value(shape, SH.message) is not None, f"{local(shape)} has no sh:message"
    for prop in named - set(NODE_SHAPES):
        assert (prop, RDF.type, SH.PropertyShape) in SHAPES, local(prop)
        assert SHAPES.value(prop, SH.name) is not None and SHAPES.value(prop, SH.description) is not None, local(prop)
        owner = [s for s in NODE_SHAPES if (s, SH.property, prop) in SHAPES]
        assert len(owner) == 1 and local(prop).startswith(local(owner[0]).removesuffix("Shape") + "-"), local(prop)


def test_no_severity_inside_sparql_constraints():
    for constraint in SHAPES.objects(None, SH.sparql):
        assert SHAPES.value(constraint, SH.severity) is None


def test_only_real_shacl_terms_are_used():
    import pyshacl

    vocabulary = Graph().parse(Path(pyshacl.__file__).parent / "assets" / "shacl.ttl", format="turtle")
    known = set(vocabulary.subjects())
    used = {t for triple in SHAPES for t in triple if isinstance(t, URIRef) and str(t).startswith(str(SH))}
    assert sorted(map(str, used - known)) == []


@pytest.mark.parametrize("shape", NODE_SHAPES, ids=local)
def test_valid_example_raises_nothing_from_the_shape(shape, ontology_graph):
    example = EXAMPLES / local(shape) / "valid.ttl"
    if not example.is_file():
        pytest.fail(f"missing {example.relative_to(ROOT)}")
    members = {shape, *SHAPES.objects(shape, SH.property)}
    raised = sorted({local(src) for src, _ in results(example, ontology_graph) if src in members})
    assert raised == []


@pytest.mark.parametrize("shape", NODE_SHAPES, ids=local)
def test_invalid_example_raises_every_constraint_with_its_severity(shape, ontology_graph):
    example = EXAMPLES / local(shape) / "invalid.ttl"
    if not example.is_file():
        pytest.fail(f"missing {example.relative_to(ROOT)}")
    found = results(example, ontology_graph)
    expected = family(shape)
    assert expected, f"{local(shape)} has no constraints"
    for member in expected:
        severity = SHAPES.value(member, SH.severity)
        assert (member, severity) in found, f"{local(member)} raised no {str(severity).split('#')[-1]} result"
