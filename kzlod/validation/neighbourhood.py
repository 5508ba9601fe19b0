"""pySHACL over a delta's neighbourhood (what :func:`kzlod.validation.reach.extract` copied out of a
graph), in a forked child while the parent reads the store and checks consistency.

The child starts before the store is opened: it imports rdflib and pySHACL and reads the shapes
graph (half a second together) while the parent extracts the neighbourhood; it is then sent the
neighbourhood as N-Triples text (blank nodes by their labels) and answers with the findings about
the touched nodes and their report graph (:class:`kzlod.validation.parallel.Child`; where it cannot
fork, all of it runs in the parent)."""

from __future__ import annotations

import functools

import pyoxigraph as ox

from kzlod.store.rdfconv import graph_of, to_rdflib
from kzlod.validation.findings import Locator, findings_of, kept_report
from kzlod.validation.parallel import run_shacl


def neighbourhood_text(triples) -> str:
    """The triples (pyoxigraph terms) as N-Triples text, blank nodes by their labels."""
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples)


def prepare(shapes_graph):
    """What the child does before the neighbourhood comes: the shapes graph (``shapes_graph()``,
    rdflib) and pySHACL imported."""
    import pyshacl  # noqa: F401 - imported now, while the parent reads the store

    return shapes_graph()


def check(shapes, sent, also=lambda: None) -> tuple:
    """pySHACL over the neighbourhood ``sent`` = (N-Triples text, the touched nodes as N-Triples
    terms, the new files as (path, text, prefixes)): the findings about the touched nodes, the
    report graph of their results (a :class:`ReportGraph`), how many triples were validated, and
    what ``also()`` gives (other work that needs rdflib, so that the parent need not import it)."""
    from rdflib import BNode, Graph, URIRef

    text, touched, files = sent
    quads = list(ox.parse(input=text, format=ox.RdfFormat.N_TRIPLES))  # blank nodes keep their labels
    data = Graph()
    add = data.add
    rdflib_of = functools.cache(to_rdflib)
    for q in quads:
        add((rdflib_of(q.subject), rdflib_of(q.predicate), rdflib_of(q.object)))
    keep = {URIRef(t[1:-1]) if t.startswith("<") else BNode(t[2:]) for t in touched}
    # the results kept are about the touched nodes only; the SHACL-SPARQL checks run on Oxigraph
    copied = ox.Store()  # the same triples for Oxigraph, blank nodes by the same labels
    copied.bulk_extend(quads)
    results_graph = run_shacl(data, shapes, focus=keep, store=copied)
    found = findings_of(results_graph, data, Locator(files), keep=keep)
    kept = kept_report(results_graph, keep)
    namespaces = [(prefix, str(namespace)) for prefix, namespace in kept.namespaces()]  # no rdflib term to unpickle
    return found, ReportGraph(kept.serialize(format="nt"), namespaces), len(data), also()


class DataGraph:
    """An rdflib graph made from N-Triples text when first used (blank nodes by their labels, so
    that a report's focus nodes are the data's): the neighbourhood's, or a report's
    (:class:`ReportGraph`)."""

    def __init__(self, text: str, namespaces=()):
        self._text, self._namespaces, self._graph = text, list(namespaces), None

    def _load(self):
        if self._graph is None:
            from rdflib import Graph

            graph = Graph()
            for prefix, namespace in self._namespaces:
                graph.bind(prefix, namespace)
            self._graph = graph_of(ox.parse(input=self._text, format=ox.RdfFormat.N_TRIPLES), graph)
        return self._graph

    def __getattr__(self, name):
        if name.startswith("_"):  # not one of the graph's: an attribute not yet set (unpickling)
            raise AttributeError(name)
        return getattr(self._load(), name)

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())


class ReportGraph(DataGraph):
    """The report graph of the touched nodes' results, sent back by the child as N-Triples text and
    its namespaces (read into rdflib only if used: a Turtle report)."""
