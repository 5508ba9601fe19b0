"""What an incremental validation copies out of a graph of any size: the nodes new files touch,
and their neighbours as far as the shapes reach (see :mod:`kzlod.validation.shacl`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from kzlod.gate.parse import ParsedFile
from kzlod.vocab import RDF_TYPE

RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


@dataclass
class ShapeReach:
    """What the shapes look at beyond a focus node's own triples, read from the shapes graph."""

    inverse: set  # predicates followed backwards (inverse paths, sh:targetObjectsOf)
    sparql_subjects_of: set  # focus nodes with these predicates are targets of SHACL-SPARQL shapes
    sparql_classes: set  # … or of these classes
    sparql_predicates: set  # predicates the SHACL-SPARQL queries mention


SH = "http://www.w3.org/ns/shacl#"


def shape_reach(quads) -> ShapeReach:
    """What the shapes reach, from the shapes graph's triples (pyoxigraph quads: no rdflib needed)."""
    by_subject: dict = {}
    by_predicate: dict = {}
    for q in quads:
        by_subject.setdefault((q.subject, q.predicate.value), []).append(q.object)
        by_predicate.setdefault(q.predicate.value, []).append((q.subject, q.object))

    def objects(s, p) -> list:
        if s is None:
            return [o for _, o in by_predicate.get(p, ())]
        return by_subject.get((s, p), [])

    def subjects(p, o) -> list:
        return [s for s, o_ in by_predicate.get(p, ()) if o_ == o]

    inverse = {o.value for o in objects(None, SH + "inversePath") if isinstance(o, ox.NamedNode)}
    inverse |= {o.value for o in objects(None, SH + "targetObjectsOf") if isinstance(o, ox.NamedNode)}
    sparql_shapes = set()
    for prop_shape, _ in by_predicate.get(SH + "sparql", ()):
        sparql_shapes.add(prop_shape)
        sparql_shapes.update(subjects(SH + "property", prop_shape))
    subjects_of, classes = set(), set()
    for s in sparql_shapes:
        subjects_of.update(o.value for o in objects(s, SH + "targetSubjectsOf"))
        classes.update(o.value for o in objects(s, SH + "targetClass"))
    prefixes = {p.value: n.value for d in objects(None, SH + "declare")
                for p in objects(d, SH + "prefix") for n in objects(d, SH + "namespace")}
    mentioned = set()
    for sparql in objects(None, SH + "sparql"):
        for text in objects(sparql, SH + "select") + objects(sparql, SH + "ask"):
            text = text.value
            mentioned.update(re.findall(r"<([^<>\s]+)>", text))
            for prefix, local in re.findall(r"(?<![\w?$<])([A-Za-z][\w-]*):([A-Za-z_][\w-]*)", text):
                if prefix in prefixes:
                    mentioned.add(prefixes[prefix] + local)
    mentioned.discard(RDF_TYPE)  # never walk rdf:type backwards: that is every instance of a class
    return ShapeReach(inverse=inverse, sparql_subjects_of=subjects_of, sparql_classes=classes,
                      sparql_predicates=mentioned)


class Union:
    """The graph being validated: a store (memory or disk) plus the new triples, as one."""

    def __init__(self, stores):
        self.stores = stores

    def out(self, node) -> set:
        return {(q.subject, q.predicate, q.object) for st in self.stores
                for q in st.quads_for_pattern(node, None, None, None)}

    def has_subject(self, node) -> bool:
        return any(next(iter(st.quads_for_pattern(node, None, None, None)), None) is not None for st in self.stores)

    def subjects_in(self, namespace: str) -> set[str]:
        """The IRIs of one namespace that are described (subjects) in the graph."""
        query = f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"{namespace}\")) }}"
        return {row["s"].value for st in self.stores for row in st.query(query, use_default_graph_as_union=True)}

    def into(self, node, predicate=None) -> set:
        return {(q.subject, q.predicate, q.object) for st in self.stores
                for q in st.quads_for_pattern(None, predicate, node, None)}

    def with_predicate(self, predicate) -> set:
        return {(q.subject, q.predicate, q.object) for st in self.stores
                for q in st.quads_for_pattern(None, predicate, None, None)}


def _is_node(t) -> bool:
    return isinstance(t, (ox.NamedNode, ox.BlankNode))


def extract(graph: Union, parsed: list[ParsedFile], reach: ShapeReach) -> tuple[set, set]:
    """The triples pySHACL needs to judge the touched nodes, and the touched nodes (pyoxigraph terms)."""
    touched = {t for pf in parsed for q in pf.quads for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
    frontier = list(touched)
    triples: set = set()
    outgoing: dict = {}

    def out(node):
        if node not in outgoing:
            outgoing[node] = graph.out(node)
            triples.update(outgoing[node])
        return outgoing[node]

    while frontier:  # the touched nodes: the IRIs of the new files and the blank nodes hanging from them
        for _, _, o in out(frontier.pop()):
            if isinstance(o, ox.BlankNode) and o not in touched:
                touched.add(o)
                frontier.append(o)
    inverse = [ox.NamedNode(p) for p in sorted(reach.inverse)]
    neighbours = set()
    for node in touched:
        for _s, _, o in out(node):
            if _is_node(o):
                neighbours.add(o)
        for p in inverse:
            found = graph.into(node, p)
            triples.update(found)
            neighbours.update(s for s, _, _ in found)
    for node in neighbours - touched:
        out(node)
    sparql_subjects = {ox.NamedNode(p) for p in reach.sparql_subjects_of}
    sparql_classes = {ox.NamedNode(c) for c in reach.sparql_classes}
    walk = [ox.NamedNode(p) for p in sorted(reach.sparql_predicates)]
    for node in touched:
        own = outgoing[node]
        if not any(p in sparql_subjects or (p.value == RDF_TYPE and o in sparql_classes) for _, p, o in own):
            continue
        reached, layer = {node}, {node}
        for _ in range(2):  # two hops each way along what the SHACL-SPARQL queries mention
            nxt = set()
            for n in layer:
                for _s, p, o in out(n):
                    if p in walk and _is_node(o):
                        nxt.add(o)
                for p in walk:
                    found = graph.into(n, p)
                    triples.update(found)
                    nxt.update(s for s, _, _ in found)
            layer = nxt - reached
            reached |= nxt
        for n in reached:
            out(n)
    triples.update(graph.with_predicate(ox.NamedNode(RDFS_SUBCLASS)))
    return triples, touched
