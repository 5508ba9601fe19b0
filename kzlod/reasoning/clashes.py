"""Why an OWL RL closure is inconsistent, said in words: the clashes of a closure.

Inconsistencies (owlrl's error messages, members of ``owl:Nothing``, individuals
in two disjoint classes, …) are explained, never written into any graph; the same
SPARQL checks run over either engine's closure, so clashes are found whichever
engine ran.
"""

from __future__ import annotations

import pyoxigraph as ox

from kzlod.store.rdfconv import from_rdflib
from kzlod.vocab import NAMESPACES, OWL, RDF_TYPE, RDFS_LABEL

PAIRS = {
    "disjoint": """
        SELECT DISTINCT ?a ?b WHERE {
          { ?a owl:disjointWith ?b } UNION { ?b owl:disjointWith ?a } UNION {
            ?d a owl:AllDisjointClasses ; owl:members ?list .
            ?list rdf:rest*/rdf:first ?a . ?list rdf:rest*/rdf:first ?b .
          }
          FILTER (STR(?a) < STR(?b))
        }
    """,
    "complement": """
        SELECT DISTINCT ?a ?b WHERE {
          { ?a owl:complementOf ?b } UNION { ?b owl:complementOf ?a }
          FILTER (STR(?a) < STR(?b))
        }
    """,
    "property-disjoint": """
        SELECT DISTINCT ?a ?b WHERE {
          { ?a owl:propertyDisjointWith ?b } UNION { ?b owl:propertyDisjointWith ?a }
          FILTER (STR(?a) < STR(?b))
        }
    """,
}


def _label_of(store, node) -> str:
    """How a clash names a node: its label and IRI, or "a blank node"."""
    if isinstance(node, ox.BlankNode):
        return "a blank node"
    labels = sorted(q.object.value for q in store.quads_for_pattern(node, ox.NamedNode(RDFS_LABEL), None, None)
                    if isinstance(q.object, ox.Literal))
    return f"{labels[0]} <{node.value}>" if labels else f"<{node.value}>"


def store_clashes(store) -> list[str]:
    """Explain every inconsistency of an OWL RL closure held in a pyoxigraph Store (union of its graphs).

    The OWL 2 RL rules that find inconsistencies: members of owl:Nothing
    (cls-nothing2), disjoint and complementary classes (cax-dw, cax-adc,
    cls-com), irreflexive, asymmetric and disjoint properties (prp-irp,
    prp-asyp, prp-pdw) and same-but-different individuals (eq-diff1). Pairs of
    classes come from the schema; their members are compared as sets, which
    stays fast on a million triples.
    """

    def select(q):
        return list(store.query(q, prefixes=NAMESPACES, use_default_graph_as_union=True))

    rdf_type = ox.NamedNode(RDF_TYPE)
    members: dict = {}

    def instances(c):
        if c not in members:
            if isinstance(c, ox.NamedNode):  # by SPARQL: only the subject is made a Python term, not the quad
                members[c] = {r[0] for r in store.query(f"SELECT ?x WHERE {{ ?x a <{c.value}> }}",
                                                        use_default_graph_as_union=True)}
            else:  # a blank node in a query would be a variable
                members[c] = {q.subject for q in store.quads_for_pattern(None, rdf_type, c, None)}
        return members[c]

    out = [f"{_label_of(store, x)} is a member of owl:Nothing" for x in instances(ox.NamedNode(OWL + "Nothing"))]
    for kind, word in (("disjoint", "disjoint"), ("complement", "complements of each other")):
        for r in select(PAIRS[kind]):
            a, b = r["a"], r["b"]
            small, large = sorted((instances(a), instances(b)), key=len)
            for x in small & large:
                out.append(f"{_label_of(store, x)} is both a {_label_of(store, a)} and a {_label_of(store, b)}, "
                           f"which are {word}")
    for r in select(PAIRS["property-disjoint"]):
        p, q = r["a"], r["b"]
        for t in store.quads_for_pattern(None, p, None, None):
            if next(iter(store.quads_for_pattern(t.subject, q, t.object, None)), None) is not None:
                out.append(f"{_label_of(store, t.subject)} is related to the same value by <{p.value}> and "
                           f"<{q.value}>, which are disjoint")
    for p in instances(ox.NamedNode(OWL + "IrreflexiveProperty")):
        for t in store.quads_for_pattern(None, p, None, None):
            if t.subject == t.object:
                out.append(f"{_label_of(store, t.subject)} is related to itself by <{p.value}>, which is irreflexive")
    for p in instances(ox.NamedNode(OWL + "AsymmetricProperty")):
        for t in store.quads_for_pattern(None, p, None, None):
            if next(iter(store.quads_for_pattern(t.object, p, t.subject, None)), None) is not None:
                x, y = sorted((t.subject, t.object), key=str)
                out.append(f"{_label_of(store, x)} and {_label_of(store, y)} are related both ways by "
                           f"<{p.value}>, which is asymmetric")
    different = ox.NamedNode(OWL + "differentFrom")
    for t in store.quads_for_pattern(None, ox.NamedNode(OWL + "sameAs"), None, None):
        if t.subject != t.object and any(
                next(iter(store.quads_for_pattern(x, different, y, None)), None) is not None
                for x, y in ((t.subject, t.object), (t.object, t.subject))):
            x, y = sorted((t.subject, t.object), key=str)
            out.append(f"{_label_of(store, x)} and {_label_of(store, y)} are both the same and different")
    return sorted(set(out))


def find_clashes(g) -> list[str]:
    """Explain every inconsistency in an OWL RL closure (an rdflib graph)."""
    from owlrl.Namespaces import ERRNS
    from rdflib import RDF as RDFNS
    from rdflib import Literal

    clashes = []
    for msg in g.subjects(RDFNS.type, ERRNS.ErrorMessage):
        for text in g.objects(msg, ERRNS.error):
            clashes.append(" ".join(str(text).split()))
    errors = str(ERRNS)
    store = ox.Store()
    store.extend(ox.Quad(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in g
                 if not isinstance(s, Literal) and not str(p).startswith(errors))
    clashes.extend(store_clashes(store))
    return sorted(set(clashes))
