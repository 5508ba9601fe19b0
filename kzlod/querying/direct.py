"""What an entity page reads, from a fixed in-memory Oxigraph store's quads rather than by SPARQL.

A release's pages (:mod:`kzlod.web.site`) read some 45,000 entities and claims from a store
nothing changes while they are made (:attr:`kzlod.store.backends.GraphStore.fixed`). The queries
of :mod:`kzlod.querying.descriptions` ask little of each page, but each is parsed, planned and
its rows converted: about six a page, most of a page's cost. Here the same answers are read with
Oxigraph's quad lookups (``quads_for_pattern``: an index scan, no query), keeping only the quads
of the store's default graphs, and joined in Python the way the queries join them:

* :meth:`DirectReader.claims_about` and :meth:`DirectReader.referrers` from the quads that point
  at the entity (and at the claims that do), against the set of resources with evidence, read
  once for the whole release;
* :meth:`DirectReader.describe` the outgoing quads, blank nodes followed two levels deep;
* :meth:`DirectReader.names` an IRI's English label, else its English title;
* :meth:`DirectReader.context` the evidence context; where a resource has two different values
  of one property the query's ``ORDER BY`` decides, so that resource is left to the query.

Each answer is the one the query gives (``tests/querying/test_direct.py`` compares them).
"""

from __future__ import annotations

import pyoxigraph as ox

from kzlod.store.backends import OxigraphStore
from kzlod.vocab import DCT, KZ, RDFS, SKOS

HAS_EVIDENCE = ox.NamedNode(KZ + "hasEvidence")
LABEL_PROPS = (ox.NamedNode(RDFS + "label"), ox.NamedNode(SKOS + "prefLabel"))
TITLE_PROPS = (ox.NamedNode(DCT + "title"),)


def reader_for(store) -> DirectReader | None:
    """The reader of a fixed in-memory Oxigraph store (one per store, kept on it), else None."""
    if not (getattr(store, "fixed", False) and isinstance(store, OxigraphStore)
            and isinstance(getattr(store, "store", None), ox.Store)):
        return None
    reader = store.__dict__.get("_direct_reader")
    if reader is None:
        reader = store.__dict__["_direct_reader"] = DirectReader(store.store, store.default_graphs)
    return reader


class DirectReader:
    """Quad lookups over the union of ``graphs`` of an Oxigraph store (None: every graph)."""

    def __init__(self, store: ox.Store, graphs=None):
        self.store = store
        self.graphs = None if graphs is None else frozenset(graphs)
        # the IRIs with evidence (``?x kz:hasEvidence ?e``): the claims
        self.claims = {q.subject.value for q in self._quads(None, HAS_EVIDENCE, None)
                       if isinstance(q.subject, ox.NamedNode)}

    def _quads(self, s, p, o):
        quads = self.store.quads_for_pattern(s, p, o, None)
        graphs = self.graphs
        return quads if graphs is None else [q for q in quads if q.graph_name in graphs]

    def _into(self, iri: str) -> set[tuple]:
        """(subject, predicate) of every quad whose object is the IRI, distinct."""
        return {(q.subject, q.predicate) for q in self._quads(None, None, ox.NamedNode(iri))}

    def claims_about(self, iri: str) -> list[str]:
        """:func:`kzlod.querying.descriptions.claims_about`: claims naming ``iri`` directly or through a claim."""
        claims = self.claims
        found, others = set(), set()
        for s, _ in self._into(iri):
            if isinstance(s, ox.NamedNode) and s.value in claims:
                found.add(s.value)
                others.add(s.value)
        for other in others:
            found.update(c.value for c, _ in self._into(other)
                         if isinstance(c, ox.NamedNode) and c.value in claims)
        found.discard(iri)
        return sorted(found)

    def referrers(self, iri: str) -> list[tuple[str, str]]:
        """:func:`kzlod.querying.descriptions.referrers`: (subject, predicate) of what points at ``iri``."""
        claims = self.claims
        rows = {(s.value, p.value) for s, p in self._into(iri)
                if isinstance(s, ox.NamedNode) and s.value != iri and s.value not in claims}
        return sorted(rows, key=lambda row: (row[1], row[0]))

    def describe(self, props, subjects) -> None:
        """Add to ``props`` (key -> predicate -> {terms}, as :class:`Descriptions` holds them) the
        outgoing quads of the IRIs ``subjects``, blank-node objects followed two levels deep."""
        def key(term) -> str:
            return ("_:" + term.value) if isinstance(term, ox.BlankNode) else term.value

        for s in subjects:
            for q in self._quads(ox.NamedNode(s), None, None):
                o = q.object
                props[s][q.predicate.value].add(o)
                if isinstance(o, ox.BlankNode):
                    for q2 in self._quads(o, None, None):
                        o2 = q2.object
                        props[key(o)][q2.predicate.value].add(o2)
                        if isinstance(o2, ox.BlankNode):
                            for q3 in self._quads(o2, None, None):
                                props[key(o2)][q3.predicate.value].add(q3.object)

    def context(self, wanted, predicates: frozenset) -> tuple[dict, list[str]]:
        """The evidence context of the IRIs ``wanted``: {IRI: {predicate: value}} for those whose every
        property in ``predicates`` has one value, and the IRIs left to the query (two values of one)."""
        info: dict = {}
        left = []
        for x in wanted:
            values: dict = {}
            for q in self._quads(ox.NamedNode(x), None, None):
                p = q.predicate.value
                if p in predicates:
                    values.setdefault(p, set()).add(q.object.value)
            if any(len(v) > 1 for v in values.values()):
                left.append(x)
            elif values:
                info[x] = {p: next(iter(v)) for p, v in sorted(values.items())}
        return info, left

    def _english(self, iri: ox.NamedNode, predicates) -> set[str]:
        """The distinct values of the IRI's literals under ``predicates`` with no language or English
        (``LANG(?l) = "" || LANGMATCHES(LANG(?l), "en")``)."""
        out = set()
        for p in predicates:
            for q in self._quads(iri, p, None):
                o = q.object
                if isinstance(o, ox.Literal):
                    lang = (o.language or "").lower()
                    if not lang or lang == "en" or lang.startswith("en-"):
                        out.add(o.value)
        return out

    def names(self, iris) -> tuple[dict[str, str], list[str]]:
        """The name :func:`kzlod.querying.browse.names_for` gives each IRI that has one: its English label,
        else its English title; and the IRIs left to the queries (two labels, or no label and two titles:
        which one comes first is the query's ``ORDER BY``'s)."""
        names, left = {}, []
        for iri in iris:
            node = ox.NamedNode(iri)
            found = self._english(node, LABEL_PROPS) or self._english(node, TITLE_PROPS)
            if len(found) > 1:
                left.append(iri)
            elif found:
                names[iri] = next(iter(found))
        return names, left
