"""The SPARQL under pySHACL: Oxigraph's engine for the data graph, rdflib's (parsed once) elsewhere.

pySHACL evaluates SHACL-SPARQL constraints (and a few core constraints it words as SPARQL) by
handing the data graph's ``query`` a text and pre-bound variables (``$this``, ``$currentShape``).
rdflib's engine parses every text again and evaluates it in Python: on the bundled graph the
source texts' checks were half of pySHACL's time. Inside :func:`sparql_by_oxigraph`, a query on the
registered rdflib graph runs instead on a pyoxigraph store holding the same triples, the
pre-bound variables given as substitutions (SEP-0007, the pre-binding SHACL-SPARQL asks for), and
its solutions come back as rdflib terms in the shape rdflib's ``SPARQLResult`` reads. The store is
the caller's (the project's memory store: its union of graphs is the data graph) or is made from
the rdflib graph when the first query comes. A query on any other graph (the shapes graph, say)
goes to rdflib, each text parsed once per run. Tests compare both engines' reports.
"""

from __future__ import annotations

from contextlib import contextmanager

import pyoxigraph as ox

from kzlod.store.rdfconv import from_rdflib, to_rdflib


@contextmanager
def sparql_by_oxigraph(data=None, store: ox.Store | None = None):
    """While inside, SPARQL on the rdflib graph ``data`` runs on Oxigraph (``store``, whose union of
    graphs holds the same triples, else a store made from ``data`` when first needed); every other
    query on rdflib, each text parsed once."""
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    prepared: dict = {}
    stores: list = [store]

    def on_oxigraph(text: str, bindings, namespaces) -> dict:
        if stores[0] is None:
            made = ox.Store()
            made.bulk_extend(ox.Quad(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in data)
            stores[0] = made
        answer = stores[0].query(
            text, use_default_graph_as_union=True,
            prefixes={k: str(v) for k, v in (namespaces or {}).items()} or None,
            substitutions={ox.Variable(str(k)): from_rdflib(v) for k, v in (bindings or {}).items()} or None)
        return _as_rdflib(answer)

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803 - rdflib's names
        if data is not None and self.graph is data and isinstance(strOrQuery, str) and base is None:
            return on_oxigraph(strOrQuery, initBindings, initNs)
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items(), key=lambda kv: str(kv[0]))))
            if key not in prepared:
                prepared[key] = processor.prepareQuery(strOrQuery, initNs, base)
            strOrQuery = prepared[key]
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original


def _as_rdflib(answer) -> dict:
    """A pyoxigraph answer as the mapping rdflib's ``SPARQLResult`` is made from."""
    from rdflib import Graph, Variable

    if isinstance(answer, ox.QueryBoolean):
        return {"type_": "ASK", "askAnswer": bool(answer)}
    if isinstance(answer, ox.QuerySolutions):
        names = [Variable(v.value) for v in answer.variables]
        rows = []
        for solution in answer:
            row = {}
            for name, term in zip(names, solution):
                if term is not None:
                    row[name] = to_rdflib(term)
            rows.append(row)
        return {"type_": "SELECT", "vars_": names, "bindings": rows}
    graph = Graph()
    for t in answer:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return {"type_": "CONSTRUCT", "graph": graph}
