"""What the ontology's documentation shows, read from any store by SPARQL.

:func:`ontology_doc` reads the ontology's own terms (``kz:`` IRIs and the ontology itself)
and returns an :class:`OntologyDoc`: its metadata, its classes with their super- and
sub-classes, equivalents, disjoint classes, and the properties whose domain or range they
are; its properties by kind, with domain, range, super- and sub-properties, inverse and
characteristics; its concept schemes as trees of concepts (``skos:broader``/``narrower``).
Everything is data (IRIs, pyoxigraph terms, text), in the order the page lists it;
:mod:`kzlod.web.ontology` lays it out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from kzlod.querying.descriptions import sorted_terms
from kzlod.querying.entities import labels_for
from kzlod.querying.run import run_query
from kzlod.vocab import DCT, KZ, ONTOLOGY, OWL, RDF, RDFS, SKOS, compact

#: The kinds of property, in the page's order: (class, heading, what one of them is called).
PROPERTY_KINDS = [(OWL + "ObjectProperty", "Object properties", "object property"),
                  (OWL + "DatatypeProperty", "Datatype properties", "datatype property"),
                  (OWL + "AnnotationProperty", "Annotation properties", "annotation property")]
CHARACTERISTICS = ["FunctionalProperty", "InverseFunctionalProperty", "TransitiveProperty", "SymmetricProperty",
                   "AsymmetricProperty", "ReflexiveProperty", "IrreflexiveProperty"]
#: The ontology's metadata the page shows, in order: (property, heading).
METADATA = [(OWL + "versionInfo", "Version"), (OWL + "versionIRI", "Version IRI"), (DCT + "created", "Created"),
            (DCT + "modified", "Modified"), (DCT + "creator", "Creator"),
            ("http://purl.org/vocab/vann/preferredNamespacePrefix", "Prefix"),
            ("http://purl.org/vocab/vann/preferredNamespaceUri", "Namespace")]
TERMS = f"""SELECT ?s ?p ?o WHERE {{
  ?s ?p ?o .
  FILTER(isIRI(?s) && (STRSTARTS(STR(?s), "{KZ}") || STR(?s) = "{ONTOLOGY}"))
}}"""
DISJOINT = """SELECT DISTINCT ?a ?b WHERE {
  { ?x a owl:AllDisjointClasses ; owl:members ?l . ?l rdf:rest*/rdf:first ?a . ?l rdf:rest*/rdf:first ?b }
  UNION { ?a owl:disjointWith ?b } UNION { ?b owl:disjointWith ?a }
  FILTER(?a != ?b && isIRI(?a) && isIRI(?b))
}"""


@dataclass
class TermDoc:
    """A class, property or concept scheme: its kind, its definition and comment, its facts (heading, terms)."""

    iri: str
    kind: str
    notes: list[str]
    rows: list[tuple[str, list]] = field(default_factory=list)


@dataclass
class Concept:
    """A concept of a scheme, and the narrower concepts under it."""

    iri: str
    alt: list[str]
    definition: str
    narrower: list[Concept]


@dataclass
class OntologyDoc:
    """The ontology's documentation, in the order the page shows it."""

    present: bool  # the graph describes the ontology itself
    title: str
    meta: list[tuple[str, list]]  # (heading, terms)
    licences: list[str]  # http(s) IRIs
    description: str | None  # None: none given
    classes: list[TermDoc]
    groups: list[tuple[str, str, list[TermDoc]]]  # (property kind IRI, heading, properties)
    schemes: list[tuple[TermDoc, list[Concept]]]  # a scheme and its top concepts
    labels: dict[str, str]


class _Reader:
    """The ontology's triples, with the questions the documentation asks of them."""

    def __init__(self, store):
        self.props: dict = defaultdict(lambda: defaultdict(set))
        for s, p, o in run_query(store, TERMS).rows:
            self.props[s.value][p.value].add(o)
        self.disjoint: dict = defaultdict(set)
        for a, b in run_query(store, DISJOINT).rows:
            self.disjoint[a.value].add(b)
        iris = set(self.props) | {p for ps in self.props.values() for p in ps} | {
            o.value for ps in self.props.values() for os_ in ps.values() for o in os_ if isinstance(o, ox.NamedNode)}
        self.labels = labels_for(store, [ox.NamedNode(i) for i in iris])

    def name(self, iri: str) -> str:
        return self.labels.get(iri) or compact(iri)

    def of(self, s: str, p: str) -> set:
        return self.props[s].get(p, set()) if s in self.props else set()

    def typed(self, cls: str) -> list[str]:
        return sorted((s for s, ps in self.props.items() if ox.NamedNode(cls) in ps.get(RDF + "type", ())),
                      key=lambda s: (self.name(s).casefold(), s))

    def inverse(self, prop: str, target: str) -> list:
        return [ox.NamedNode(s) for s in sorted(self.props) if ox.NamedNode(target) in self.props[s].get(prop, ())]

    def text(self, s: str, p: str) -> str:
        return " ".join(sorted(o.value for o in self.of(s, p)))

    def doc(self, s: str, kind: str, rows=()) -> TermDoc:
        notes = [self.text(s, p) for p in (SKOS + "definition", RDFS + "comment") if self.of(s, p)]
        return TermDoc(s, kind, notes, [(name, sorted_terms(terms)) for name, terms in rows if terms])


def ontology_doc(store) -> OntologyDoc:
    """The ontology's documentation, read from ``store``."""
    r = _Reader(store)
    present = ONTOLOGY in r.props
    schemes = r.typed(SKOS + "ConceptScheme")
    concepts = set(r.typed(SKOS + "Concept"))
    return OntologyDoc(
        present=present,
        title=r.text(ONTOLOGY, DCT + "title") if present else "kzlod ontology",
        meta=[(name, sorted_terms(r.of(ONTOLOGY, p))) for p, name in METADATA if r.of(ONTOLOGY, p)],
        licences=_licences(r),
        description=r.text(ONTOLOGY, DCT + "description") if r.of(ONTOLOGY, DCT + "description") else None,
        classes=[_class(r, c) for c in r.typed(OWL + "Class") if c.startswith(KZ)],
        groups=[(kind, heading, [_property(r, p, one) for p in r.typed(kind) if p.startswith(KZ)])
                for kind, heading, one in PROPERTY_KINDS],
        schemes=[(r.doc(s, "concept scheme"), _tops(r, s, concepts)) for s in schemes],
        labels=r.labels,
    )


def _licences(r: _Reader) -> list[str]:
    """The ontology's licences that are web addresses (the only links the page makes to elsewhere)."""
    return [lic.value for lic in sorted_terms(r.of(ONTOLOGY, DCT + "license"))
            if isinstance(lic, ox.NamedNode) and re.match(r"^https?://", lic.value)]


def _class(r: _Reader, c: str) -> TermDoc:
    return r.doc(c, "class", [
        ("Super-classes", r.of(c, RDFS + "subClassOf")),
        ("Sub-classes", r.inverse(RDFS + "subClassOf", c)),
        ("Equivalent to", r.of(c, OWL + "equivalentClass")),
        ("Disjoint with", r.disjoint.get(c, ())),
        ("In the domain of", r.inverse(RDFS + "domain", c)),
        ("In the range of", r.inverse(RDFS + "range", c)),
    ])


def _property(r: _Reader, p: str, kind: str) -> TermDoc:
    types = r.of(p, RDF + "type")
    chars = [ox.NamedNode(OWL + c) for c in CHARACTERISTICS if ox.NamedNode(OWL + c) in types]
    return r.doc(p, kind, [
        ("Domain", r.of(p, RDFS + "domain")),
        ("Range", r.of(p, RDFS + "range")),
        ("Super-properties", r.of(p, RDFS + "subPropertyOf")),
        ("Sub-properties", r.inverse(RDFS + "subPropertyOf", p)),
        ("Inverse of", r.of(p, OWL + "inverseOf")),
        ("Characteristics", chars),
    ])


def _tops(r: _Reader, scheme: str, concepts: set[str]) -> list[Concept]:
    """A scheme's top concepts (its ``skos:hasTopConcept``, and its members without a broader one), as trees."""
    members = {c for c in concepts if ox.NamedNode(scheme) in r.of(c, SKOS + "inScheme")}
    narrower: dict = defaultdict(set)
    for c in members:
        for b in r.of(c, SKOS + "broader"):
            narrower[b.value].add(c)
        narrower[c].update(n.value for n in r.of(c, SKOS + "narrower") if n.value in members)
    has_broader = {n for ns in narrower.values() for n in ns}
    tops = {o.value for o in r.of(scheme, SKOS + "hasTopConcept")} | (members - has_broader)
    return _tree(r, tops, narrower, frozenset())


def _tree(r: _Reader, items, narrower: dict, seen: frozenset) -> list[Concept]:
    out = []
    for c in sorted(items, key=lambda c: (r.name(c).casefold(), c)):
        if c not in seen:
            alt = sorted(o.value for o in r.of(c, SKOS + "altLabel"))
            out.append(Concept(c, alt, r.text(c, SKOS + "definition"),
                               _tree(r, narrower.get(c, ()), narrower, seen | {c})))
    return out
