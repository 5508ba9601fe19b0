"""A source as the source pages show it, read from any store by SPARQL: :func:`source_document` —
its sections, its numbered sentences and, for each sentence, the claims citing it with the quoted
spans; :func:`source_list` — all the sources. Data only; :mod:`kzlod.web.browse` renders it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from kzlod.querying.browse import ClaimInfo, _int, claim_info, rows_of
from kzlod.querying.run import named_queries
from kzlod.vocab import DCT, KZ, KZSRC, RDF, RDFS, compact


@dataclass
class Citation:
    """A claim's evidence in a source: the quote and where it is, or the record's field."""

    claim: str
    title: str = ""
    kind_label: str = ""
    quote: str = ""
    start: int | None = None  # code-point offsets into the source's text
    end: int | None = None
    field: str = ""  # kz:sourceField, for a record without text
    modality_label: str = ""


@dataclass
class Sentence:
    iri: str
    index: int | None
    text: str
    start: int | None = None
    end: int | None = None
    section: str | None = None
    citations: list[Citation] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The sentence's id on its source's page: ``s17``."""
        return f"s{self.index}" if self.index is not None else "s-" + re.sub(r"[^A-Za-z0-9_-]+", "-", self.iri)[-40:]

    def claims(self) -> list[Citation]:
        """One citation per claim, in title order."""
        seen, out = set(), []
        for c in sorted(self.citations, key=lambda c: (c.title.casefold(), c.claim)):
            if c.claim not in seen:
                seen.add(c.claim)
                out.append(c)
        return out

    def spans(self) -> list[tuple[int, int]]:
        """The quoted parts of the sentence (offsets into its text), overlapping ones merged."""
        found = []
        for c in self.citations:
            span = None
            if c.start is not None and c.end is not None and self.start is not None:
                a, b = max(c.start, self.start) - self.start, min(c.end, self.start + len(self.text)) - self.start
                if a < b and (not c.quote or self.text[a:b] in c.quote):
                    span = (a, b)
            if span is None and c.quote:
                at = self.text.find(c.quote)
                if at >= 0:
                    span = (at, at + len(c.quote))
            if span:
                found.append(span)
        merged: list[list[int]] = []
        for a, b in sorted(found):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return [(a, b) for a, b in merged]


@dataclass
class Section:
    iri: str
    index: int | None
    title: str
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        if self.index is not None:
            return f"section-{self.index}"
        return "section-" + re.sub(r"[^A-Za-z0-9_-]+", "-", self.iri)[-40:]


@dataclass
class SourceDocument:
    iri: str
    title: str = ""
    creator: str = ""
    publisher: str = ""
    citation: str = ""
    identifier: str = ""
    comment: str = ""
    sections: list[Section] = field(default_factory=list)
    loose: list[Sentence] = field(default_factory=list)  # sentences in no section
    records: list[Citation] = field(default_factory=list)  # evidence that cites no sentence (a record's field)

    @property
    def name(self) -> str:
        """Its local name under kzsrc: (``foreign-policy``), or its IRI."""
        return self.iri.removeprefix(KZSRC)

    def sentences(self) -> list[Sentence]:
        every = self.loose + [s for sec in self.sections for s in sec.sentences]
        return sorted(every, key=lambda s: (s.index is None, s.index or 0, s.iri))

    def claims(self) -> set[str]:
        return {c.claim for s in self.sentences() for c in s.citations} | {c.claim for c in self.records}


SOURCE_META = """SELECT ?p ?o WHERE { <%s> ?p ?o .
  FILTER(?p IN (rdf:type, dcterms:title, dcterms:creator, dcterms:publisher, dcterms:bibliographicCitation,
                dcterms:identifier, rdfs:comment)) } ORDER BY ?p ?o"""
SOURCE_SECTIONS = """SELECT ?sec ?i ?title WHERE { ?sec dcterms:isPartOf <%s> ; a kz:Section .
  OPTIONAL { ?sec kz:index ?i } OPTIONAL { ?sec dcterms:title ?title } } ORDER BY ?i ?sec ?title"""
SOURCE_SENTENCES = """SELECT ?s ?i ?text ?start ?end ?sec WHERE { ?s dcterms:isPartOf <%s> ; a kz:Sentence .
  OPTIONAL { ?s kz:index ?i } OPTIONAL { ?s rdf:value ?text } OPTIONAL { ?s kz:start ?start }
  OPTIONAL { ?s kz:end ?end } OPTIONAL { ?s kz:inSection ?sec } } ORDER BY ?i ?s"""
#: The evidence citing a source, what it says in a UNION from the evidence node: the same rows as
#: OPTIONALs, a hundred times faster on a million triples.
SOURCE_CITATIONS = """SELECT ?claim ?ev ?what ?a ?b WHERE {
  ?ev oa:hasSource <%s> . ?claim kz:hasEvidence ?ev .
  { ?ev kz:sentence ?a BIND("sentence" AS ?what) }
  UNION { ?ev oa:hasSelector ?q . ?q oa:exact ?a BIND("exact" AS ?what) }
  UNION { ?ev oa:hasSelector ?p . ?p oa:start ?a ; oa:end ?b BIND("position" AS ?what) }
  UNION { ?ev kz:sourceField ?a BIND("field" AS ?what) }
  UNION { ?ev oa:hasSource ?a BIND("evidence" AS ?what) }
}"""


def source_iri(name: str) -> str:
    """The IRI of the source document named ``name`` under kzsrc:."""
    return KZSRC + name


def source_document(store, iri: str, infos: dict | None = None) -> SourceDocument | None:
    """A source with its sections, sentences and the claims citing each (None: no such kz:SourceDocument)."""
    if not iri or any(c in iri for c in '<>"{}|\\^` \n\r\t'):
        return None
    meta: dict = defaultdict(list)
    for p, o in rows_of(store, SOURCE_META % iri):
        meta[p.value].append(o.value)
    if KZ + "SourceDocument" not in meta.get(RDF + "type", []):
        return None

    def first(p: str) -> str:
        return (meta.get(p) or [""])[0]

    doc = SourceDocument(iri, title=first(DCT + "title"), creator=first(DCT + "creator"),
                         publisher=first(DCT + "publisher"), citation=first(DCT + "bibliographicCitation"),
                         identifier=first(DCT + "identifier"), comment=first(RDFS + "comment"))
    sections: dict[str, Section] = {}
    for sec, i, title in rows_of(store, SOURCE_SECTIONS % iri):
        if sec.value not in sections:
            sections[sec.value] = Section(sec.value, _int(i), title.value if title is not None else "")
    sentences: dict[str, Sentence] = {}
    for s, i, text, start, end, sec in rows_of(store, SOURCE_SENTENCES % iri):
        if s.value in sentences:
            continue
        sentence = Sentence(s.value, _int(i), text.value if text is not None else "", _int(start), _int(end),
                            sec.value if sec is not None and sec.value in sections else None)
        sentences[s.value] = sentence
    evidence: dict = {}  # (claim, evidence node) -> what it says
    for claim, ev, what, a, b in rows_of(store, SOURCE_CITATIONS % iri):
        if not isinstance(claim, ox.NamedNode):
            continue
        said = evidence.setdefault((claim.value, str(ev)), defaultdict(list))
        if what.value == "position":
            said["position"].append((_int(a), _int(b)))
        elif what.value != "evidence":
            said[what.value].append(a.value)
    if infos is None:  # a release passes every claim's, read once for all its pages
        infos = claim_info(store, {claim for claim, _ in evidence})
    for (claim, _), said in sorted(evidence.items()):
        info = infos.get(claim) or ClaimInfo(claim, title=compact(claim))
        start, end = min(said["position"]) if said["position"] else (None, None)
        cite = Citation(claim, info.title, info.kind_label, min(said["exact"]) if said["exact"] else "", start, end,
                        min(said["field"]) if said["field"] else "", info.modality_label)
        cited = [s for s in sorted(said["sentence"]) if s in sentences]
        for s in cited:
            sentences[s].citations.append(cite)
        if not cited and not any(c.claim == cite.claim and c.field == cite.field for c in doc.records):
            doc.records.append(cite)
    for s in sentences.values():
        (sections[s.section].sentences if s.section else doc.loose).append(s)
    def order(s: Sentence) -> tuple:
        return (s.index is None, s.index or 0, s.iri)

    for sec in sections.values():
        sec.sentences.sort(key=order)
    doc.loose.sort(key=order)
    doc.sections = sorted(sections.values(), key=lambda x: (x.index is None, x.index or 0, x.iri))
    doc.records.sort(key=lambda c: (c.field, c.title.casefold(), c.claim))
    return doc


@dataclass
class SourceSummary:
    iri: str
    title: str
    creator: str
    sentences: int
    claims: int


def source_list(store) -> list[SourceSummary]:
    """Every source document (the ``sources`` named query): title, author or publisher, counts."""
    rows = rows_of(store, named_queries()["sources"].text)
    return [SourceSummary(s.value, t.value, c.value if c is not None else "", _int(n) or 0, _int(k) or 0)
            for s, t, c, n, k in rows]


