"""Names in a curator's spreadsheet (``kzlod template``): the vocabulary its columns use, prefixed
names expanded, and what the project's graph knows (classes, properties, entities by label, sources)."""

from __future__ import annotations

import re
from collections import defaultdict

from kzlod.curation.common import KZSRC, sentences, source_text, sources
from kzlod.querying.run import run_query
from kzlod.vocab import NAMESPACES

NS = NAMESPACES
KZ, KZD = NS["kz"], NS["kzd"]
RDF_TYPE = NS["rdf"] + "type"
XSD = NS["xsd"]
TIME = NS["time"]
OA = NS["oa"]

#: The property a claim's ``subject`` cell fills, by claim class (sub-classes inherit it).
SUBJECT_ROLES = {
    KZ + "BilateralRelation": KZ + "party",
    KZ + "ToneAssessment": KZ + "relation",
    KZ + "Cooperation": KZ + "relation",
    KZ + "TradeFigure": KZ + "reporter",
    KZ + "Competition": KZ + "competitor",
    KZ + "Support": KZ + "provider",
    KZ + "Membership": NS["org"] + "member",
    KZ + "OfficeHolding": KZ + "holder",
    KZ + "AgreementMilestone": KZ + "agreement",
    KZ + "Stance": KZ + "holder",
    KZ + "Objective": KZ + "pursuedBy",
    KZ + "PolicyCoverage": KZ + "pursuedBy",
    KZ + "ProductAssembly": KZ + "productOrigin",
    KZ + "Characterisation": KZ + "about",
    KZ + "Event": KZ + "participant",
}

#: Properties of other vocabularies that take an entity (object column) or a literal (value column).
OBJECT_PROPERTIES = {NS["org"] + p for p in ("member", "organization", "postIn", "holds")} | {
    NS["skos"] + p for p in ("exactMatch", "closeMatch", "broader", "narrower", "related", "inScheme")} | {
    NS["rdfs"] + "seeAlso", NS["owl"] + "sameAs", NS["dcterms"] + "isPartOf"}
TEXT_PROPERTIES = {NS["rdfs"] + "label", NS["rdfs"] + "comment", KZ + "reason", NS["dcterms"] + "title",
                   NS["dcterms"] + "description"} | {
    NS["skos"] + p for p in ("prefLabel", "altLabel", "definition", "note", "scopeNote")}
#: Properties with a column of their own.
RESERVED = {
    RDF_TYPE: "use the type column",
    KZ + "hasEvidence": "use the source and quote columns",
    TIME + "hasTime": "use the date column",
}
#: Namespaces whose names must already exist (in the graph or the sheet).
LOCAL_NAMESPACES = (KZ, KZD, KZSRC)

DATE_TYPES = {4: ("inXSDgYear", "gYear"), 7: ("inXSDgYearMonth", "gYearMonth"), 10: ("inXSDDate", "date")}
LOCAL_NAME = re.compile(r"[A-Za-z0-9_][\w.-]*")
PREFIXED = re.compile(r"([A-Za-z][\w-]*):([^\s<>\"{}|^`\\]*)")
_LANG = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*")


def expand(text: str) -> str | None:
    """The IRI of ``<IRI>``, ``prefix:local`` (a kzlod prefix) or an absolute http(s) IRI; else None."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">") and len(text) > 2:
        return text[1:-1]
    if re.match(r"(?i)https?://\S+$", text):
        return text
    m = PREFIXED.fullmatch(text)
    if m and m.group(1) in NS:
        return NS[m.group(1)] + m.group(2)
    return None


def looks_prefixed(text: str) -> str | None:
    m = PREFIXED.fullmatch(text)
    return m.group(1) if m and m.group(1) not in NS and " " not in text else None


class Graph:
    """What the template needs to know about the project's graph."""

    CLASSES = "SELECT DISTINCT ?c WHERE { VALUES ?k { owl:Class rdfs:Class } ?c a ?k FILTER(isIRI(?c)) }"
    SUPERS = "SELECT DISTINCT ?c ?sup WHERE { ?c rdfs:subClassOf+ ?sup FILTER(isIRI(?c) && isIRI(?sup)) }"
    PROPERTIES = """SELECT ?p ?k ?range WHERE {
        VALUES ?k { owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty rdf:Property }
        ?p a ?k OPTIONAL { ?p rdfs:range ?range } }"""
    SUBJECTS = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"
    TYPES = "SELECT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s) && isIRI(?t)) }"
    LABELS = """SELECT ?s ?label WHERE {
        VALUES ?p { rdfs:label skos:altLabel skos:prefLabel }
        ?s ?p ?label .
        FILTER(isIRI(?s))
        FILTER(LANG(?label) = "" || LANGMATCHES(LANG(?label), "en"))
        FILTER NOT EXISTS {
          VALUES ?meta { owl:Class rdfs:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty
                         rdf:Property owl:Ontology skos:ConceptScheme kz:SourceDocument kz:Section kz:Sentence }
          ?s a ?meta .
        }
    }"""

    def __init__(self, store):
        self.store = store
        self.classes = {r[0].value for r in run_query(store, self.CLASSES).rows}
        self.supers: dict[str, set] = defaultdict(set)
        for c, sup in run_query(store, self.SUPERS).rows:
            self.supers[c.value].add(sup.value)
        self.properties: dict[str, tuple[str, str | None]] = {}
        for p, k, rng in run_query(store, self.PROPERTIES).rows:
            kind = {"ObjectProperty": "object", "DatatypeProperty": "literal"}.get(k.value.rsplit("#", 1)[-1], "any")
            old = self.properties.get(p.value)
            if old is None or old[0] == "any":
                self.properties[p.value] = (kind, rng.value if rng is not None else None)
        self.subjects = {r[0].value for r in run_query(store, self.SUBJECTS).rows}
        self.types: dict[str, set] = defaultdict(set)
        for s, t in run_query(store, self.TYPES).rows:
            self.types[s.value].add(t.value)
        self.labels: dict[str, set] = defaultdict(set)
        for s, label in run_query(store, self.LABELS).rows:
            self.labels[fold(label.value)].add(s.value)
        self.sources = {s.iri: s for s in sources(store)}
        self._texts: dict[str, tuple] = {}

    def text_of(self, iri: str):
        """(text, sentences) of a source; text None for a source without text."""
        if iri not in self._texts:
            text = source_text(self.store, iri)
            self._texts[iri] = (text, sentences(self.store, iri) if text is not None else [])
        return self._texts[iri]


def fold(label: str) -> str:
    return " ".join(label.split()).casefold()
