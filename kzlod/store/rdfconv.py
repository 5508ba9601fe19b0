"""Moving terms between pyoxigraph (parsing, storage) and rdflib (pySHACL, owlrl).

rdflib is imported when a conversion first runs, not with this module: ``kzlod query`` never needs it.
"""

from __future__ import annotations

import pyoxigraph as ox

from kzlod.vocab import XSD_STRING


def to_rdflib(term, bnodes: dict | None = None):
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        if bnodes is None:
            return rdflib.BNode(term.value)
        return bnodes.setdefault(term.value, rdflib.BNode())
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return rdflib.Literal(term.value, datatype=None if dt == XSD_STRING else rdflib.URIRef(dt))
    raise TypeError(f"cannot convert {term!r}")


def from_rdflib(term):
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r}")


def graph_of(quads, graph=None, *, fresh_bnodes: bool = False):
    """Add pyoxigraph quads/triples to an rdflib graph (blank nodes kept apart per call if asked)."""
    import rdflib

    g = graph if graph is not None else rdflib.Graph()
    bnodes: dict | None = {} if fresh_bnodes else None
    add = g.add
    for q in quads:
        add((to_rdflib(q.subject, bnodes), to_rdflib(q.predicate), to_rdflib(q.object, bnodes)))
    return g
