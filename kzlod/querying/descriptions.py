"""What the entity pages and the index show, read from any store by SPARQL.

* :class:`Descriptions` — the outgoing triples of some subjects, blank-node objects followed
  two levels deep (a claim's evidence, its selectors, a time instant);
* :func:`entity_data` — everything an entity's page shows: its description, the claims that
  name it (directly or through another claim), who refers to it, and the evidence context
  (sentences' text and number, sources' title and citation);
* :func:`entity_iris`, :func:`entities_by_class`, :func:`superclasses` — the entities that get a
  page, and the index (by class, the classes by kind).

Everything here is data; :mod:`kzlod.web.pages` lays it out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from kzlod.querying.browse import _chunks, _values, claim_info, names_for
from kzlod.querying.direct import reader_for
from kzlod.querying.entities import labels_for
from kzlod.querying.run import run_query
from kzlod.vocab import DCT, KZ, KZD, OA, RDF


def entity_iris(store) -> list[str]:
    """Every kzd: IRI with an rdfs:label: the resources that get a page."""
    q = f"""SELECT DISTINCT ?e WHERE {{ ?e rdfs:label ?l . FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{KZD}")) }}
            ORDER BY ?e"""
    return [row[0].value for row in run_query(store, q).rows]


def entities_by_class(store) -> tuple[dict[str, set[str]], dict[str, str]]:
    """The labelled kzd: entities by class (class IRI -> entity IRIs), and the labels of both."""
    q = f"""SELECT DISTINCT ?e ?class WHERE {{
      ?e rdfs:label ?l ; a ?class . FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{KZD}"))
    }}"""
    rows = run_query(store, q).rows
    by_class: dict = defaultdict(set)
    for e, cls in rows:
        by_class[cls.value].add(e.value)
    return dict(by_class), labels_for(store, [t for row in rows for t in row])


def superclasses(store, classes) -> dict[str, set[str]]:
    """Each class with the classes it is a subclass of (``rdfs:subClassOf*``, itself included)."""
    found: dict[str, set[str]] = {c: {c} for c in classes}
    for chunk in _chunks(sorted(found)):
        q = (f"SELECT ?c ?super WHERE {{ VALUES ?c {{ {_values(chunk)} }} "
             "?c rdfs:subClassOf+ ?super . FILTER(isIRI(?super)) }")
        for c, sup in run_query(store, q).rows:
            found[c.value].add(sup.value)
    return found


def sorted_terms(terms) -> list:
    """Terms in the order pages list them: IRIs, then literals, then blank nodes, each by text."""
    return sorted(terms, key=lambda t: (not isinstance(t, ox.NamedNode), isinstance(t, ox.BlankNode), str(t)))


class Descriptions:
    """Outgoing triples of some subjects, blank-node objects followed two levels deep."""

    def __init__(self, store, subjects: Iterable[str]):
        self.props: dict = defaultdict(lambda: defaultdict(set))  # subject key -> predicate -> {terms}
        subjects = sorted(set(subjects))
        reader = reader_for(store)
        if reader is not None:  # a release's fixed store: the same triples, read without a query
            reader.describe(self.props, subjects)
            return
        for i in range(0, len(subjects), 200):
            q = f"""SELECT ?s ?p ?o ?p2 ?o2 ?p3 ?o3 WHERE {{
              VALUES ?s {{ {_values(subjects[i:i + 200])} }}
              ?s ?p ?o .
              OPTIONAL {{ ?o ?p2 ?o2 . FILTER(isBlank(?o))
                OPTIONAL {{ ?o2 ?p3 ?o3 . FILTER(isBlank(?o2)) }} }}
            }}"""
            for s, p, o, p2, o2, p3, o3 in run_query(store, q).rows:
                self.props[self.key(s)][p.value].add(o)
                if p2 is not None:
                    self.props[self.key(o)][p2.value].add(o2)
                if p3 is not None:
                    self.props[self.key(o2)][p3.value].add(o3)

    @staticmethod
    def key(term) -> str:
        return ("_:" + term.value) if isinstance(term, ox.BlankNode) else term.value

    def of(self, term) -> dict:
        return self.props.get(self.key(term) if not isinstance(term, str) else term, {})

    def iris(self) -> set[str]:
        out = set()
        for props in self.props.values():
            for p, objects in props.items():
                out.add(p)
                out.update(o.value for o in objects if isinstance(o, ox.NamedNode))
        return out


#: What the evidence context reads of a sentence or a source.
CONTEXT_PROPS = frozenset(RDF + p for p in ("value",)) | frozenset(KZ + p for p in ("index",)) | frozenset(
    DCT + p for p in ("title", "creator", "bibliographicCitation", "publisher", "isPartOf"))


def evidence_context(store, desc: Descriptions) -> dict:
    """Sentences' text and index, sources' title and citation, for the evidence in ``desc``."""
    wanted = set()
    for props in list(desc.props.values()):
        for p in (OA + "hasSource", KZ + "sentence"):
            wanted.update(o.value for o in props.get(p, ()) if isinstance(o, ox.NamedNode))
    info: dict = defaultdict(dict)
    if not wanted:
        return info
    wanted = sorted(wanted)
    reader = reader_for(store)
    if reader is not None:  # a release's fixed store: read directly, but for IRIs the query's ORDER BY decides
        known, wanted = reader.context(wanted, CONTEXT_PROPS)
        info.update(known)
    for i in range(0, len(wanted), 200):  # in chunks, as Descriptions reads: a query has a length limit
        q = f"""SELECT ?x ?p ?o WHERE {{
          VALUES ?x {{ {_values(wanted[i:i + 200])} }}
          ?x ?p ?o .
          FILTER(?p IN (rdf:value, kz:index, dcterms:title, dcterms:creator, dcterms:bibliographicCitation,
                        dcterms:publisher, dcterms:isPartOf))
        }} ORDER BY ?x ?p ?o"""
        for x, p, o in run_query(store, q).rows:
            info[x.value].setdefault(p.value, o.value)
    return info


def claims_about(store, iri: str) -> list[str]:
    """The claims that name ``iri``, directly or through another claim, by IRI."""
    reader = reader_for(store)
    if reader is not None:  # a release's fixed store: the same claims, read without a query
        return reader.claims_about(iri)
    # Each branch starts from the entity, so the planner walks out from it.
    q = f"""SELECT DISTINCT ?claim WHERE {{
      {{ ?claim ?p <{iri}> . ?claim kz:hasEvidence ?x . }}
      UNION
      {{ ?other ?q <{iri}> . ?other kz:hasEvidence ?x2 . FILTER(isIRI(?other))
         ?claim ?p ?other . ?claim kz:hasEvidence ?x . }}
      FILTER(isIRI(?claim) && ?claim != <{iri}>)
    }} ORDER BY ?claim"""
    return [row[0].value for row in run_query(store, q).rows]


def referrers(store, iri: str) -> list[tuple[str, str]]:
    """(subject, predicate) of every resource other than a claim that points at ``iri``."""
    reader = reader_for(store)
    if reader is not None:  # a release's fixed store: the same rows, read without a query
        return reader.referrers(iri)
    q = f"""SELECT DISTINCT ?s ?p WHERE {{
      ?s ?p <{iri}> .
      FILTER(isIRI(?s) && ?s != <{iri}>)
      FILTER NOT EXISTS {{ ?s kz:hasEvidence ?x }}
    }} ORDER BY ?p ?s"""
    return [(s.value, p.value) for s, p in run_query(store, q).rows]


@dataclass
class EntityData:
    """What an entity page shows, read from the store."""

    iri: str
    claims: list[str]  # the claims naming it, by IRI
    desc: Descriptions  # the entity and those claims, blank nodes followed
    referrers: list[tuple[str, str]]  # (subject, predicate)
    context: dict  # sentence or source IRI -> predicate -> value (evidence_context)
    labels: dict[str, str]  # a name for every IRI shown: label, title, or a claim's title


def entity_data(store, iri: str, titles: dict | None = None) -> EntityData:
    """What an entity page shows (``titles``: the claims' titles, when known already)."""
    claims = claims_about(store, iri)
    desc = Descriptions(store, [iri] + claims)
    refs = referrers(store, iri)
    iris = desc.iris() | {s for s, _ in refs} | {p for _, p in refs} | {iri}
    labels = names_for(store, iris)  # labels, else titles (a source's, a section's)
    unnamed = [i for i in iris if i not in labels and i.startswith(KZD)]
    if titles is None:
        titles = {c: info.title for c, info in claim_info(store, unnamed).items() if info.kind}
    labels.update({c: titles[c] for c in unnamed if c in titles})  # claims by their titles
    return EntityData(iri, claims, desc, refs, evidence_context(store, desc), labels)
