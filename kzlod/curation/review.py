"""``kzlod review``: every claim of a source beside the sentence it cites, for a curator's sign-off.

For each source with text (or the one asked for), sentence by sentence: the claims and events
that cite it, each with its kind, how the source puts it (asserted, reported, feared, hedged …
and whose), its quotes, every value it gives, and the grounding verdict of
:mod:`kzlod.validation.grounding`: whether each tone, aspect, sector, relation type and
participating state of an asserted claim is worded in its evidence. A sentence no claim cites is
listed too, so that the review covers the whole text. :func:`review_text` writes it for a
terminal (data text escaped, :func:`kzlod.text.one_line`);
:mod:`kzlod.web.review` renders the same as one HTML page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pyoxigraph as ox

from kzlod.curation.common import open_graph, resolve_source, sentences, sources
from kzlod.errors import UsageError
from kzlod.project import Project
from kzlod.querying.run import run_query
from kzlod.text import one_line
from kzlod.validation import grounding
from kzlod.vocab import KZ, compact

ASSERTED = KZ + "modality-asserted"

CLAIMS = """
SELECT ?claim ?kind ?modality ?modalityLabel ?holder ?index ?quote WHERE {
  ?claim kz:hasEvidence ?evidence ;
      a ?class ;
      kz:modality ?modality .
  { ?class rdfs:subClassOf kz:Claim } UNION { ?class rdfs:subClassOf kz:Event }
  ?class rdfs:label ?kind .
  FILTER (LANGMATCHES(LANG(?kind), "en"))
  ?evidence oa:hasSource ?src ;
      kz:sentence/kz:index ?index .
  OPTIONAL { ?evidence oa:hasSelector/oa:exact ?quote }
  OPTIONAL { ?modality skos:prefLabel ?modalityLabel . FILTER (LANGMATCHES(LANG(?modalityLabel), "en")) }
  OPTIONAL { ?claim prov:wasAttributedTo/rdfs:label ?holder . FILTER (LANGMATCHES(LANG(?holder), "en")) }
}
"""

#: Every value of a claim: what it states, not how, by whom or when (a relation named by its parties).
VALUES = """
SELECT ?claim ?property ?propertyLabel ?value ?valueLabel ?partyA ?partyB WHERE {
  ?claim kz:hasEvidence/oa:hasSource ?src ;
      ?property ?value .
  FILTER (?property NOT IN (rdf:type, kz:hasEvidence, kz:modality, prov:wasAttributedTo, kz:statedAt, rdfs:label,
                            rdfs:comment, time:hasTime))
  OPTIONAL { ?property rdfs:label ?propertyLabel . FILTER (LANGMATCHES(LANG(?propertyLabel), "en")) }
  OPTIONAL { ?value skos:prefLabel|rdfs:label ?valueLabel . FILTER (LANGMATCHES(LANG(?valueLabel), "en")) }
  OPTIONAL {
    ?value kz:party ?a , ?b .
    ?a rdfs:label ?partyA .
    ?b rdfs:label ?partyB .
    FILTER (STR(?partyA) < STR(?partyB))
  }
}
"""

#: When: a date at the text's precision, or a time against the source's own.
TIMES = """
SELECT ?claim ?date ?now ?upTo ?since ?before WHERE {
  ?claim kz:hasEvidence/oa:hasSource ?src ;
      time:hasTime ?t .
  OPTIONAL { ?t time:inXSDgYear|time:inXSDgYearMonth|time:inXSDDate ?date }
  OPTIONAL { ?t kz:timeOf ?now }
  OPTIONAL { ?t time:hasEnd/kz:timeOf ?upTo }
  OPTIONAL { ?t time:inside/kz:timeOf ?since }
  OPTIONAL { ?t time:before/kz:timeOf ?before }
}
"""
#: The words for a time against the source's own, as the claims table has them.
RELATIVE = ("at the source's time", "up to the source's time", "since before the source's time",
            "before the source's time")

CREATOR = "SELECT ?creator WHERE { ?src dcterms:creator ?creator }"


@dataclass
class ReviewedValue:
    property: str
    property_label: str
    value: str
    label: str
    verdict: str = ""  # "worded" or "not worded" for a checked value of an asserted claim; "" otherwise
    wording: str = ""  # the label or synonym the evidence words it by


@dataclass
class ReviewedClaim:
    iri: str
    kind: str
    modality: str
    modality_label: str
    holder: str = ""
    time: str = ""
    quotes: list[tuple[int, str]] = field(default_factory=list)  # (sentence, quote)
    values: list[ReviewedValue] = field(default_factory=list)

    @property
    def asserted(self) -> bool:
        return self.modality == ASSERTED

    @property
    def verdict(self) -> str:
        """``grounded``, ``not worded``, ``nothing to check`` or ``not checked (…)``."""
        if not self.asserted:
            whose = f" by {self.holder}" if self.holder else ""
            return f"not checked ({self.modality_label}{whose})"
        checked = [v for v in self.values if v.verdict]
        if not checked:
            return "nothing to check"
        return "not worded" if any(v.verdict == "not worded" for v in checked) else "grounded"


@dataclass
class ReviewedSentence:
    index: int
    text: str
    section: str
    claims: list[ReviewedClaim] = field(default_factory=list)


@dataclass
class SourceReview:
    iri: str
    title: str
    creator: str
    sentences: list[ReviewedSentence] = field(default_factory=list)

    @property
    def id(self) -> str:
        return compact(self.iri)

    def claims(self) -> list[ReviewedClaim]:
        return [c for s in self.sentences for c in s.claims]

    def counts(self) -> dict:
        claims = self.claims()
        asserted = [c for c in claims if c.asserted]
        return {"sentences": len(self.sentences), "claims": len(claims), "asserted": len(asserted),
                "grounded": sum(c.verdict == "grounded" for c in asserted),
                "notWorded": sum(c.verdict == "not worded" for c in asserted),
                "nothingToCheck": sum(c.verdict == "nothing to check" for c in asserted),
                "notChecked": len(claims) - len(asserted),
                "uncited": sum(not s.claims for s in self.sentences)}


@dataclass
class Review:
    sources: list[SourceReview]

    def as_dict(self) -> dict:
        out = []
        for s in self.sources:
            out.append({
                "source": s.iri, "id": s.id, "title": s.title, "creator": s.creator, "counts": s.counts(),
                "sentences": [{
                    "index": sent.index, "section": sent.section, "text": sent.text,
                    "claims": [{**{k: v for k, v in asdict(c).items() if k not in ("quotes", "values")},
                                "verdict": c.verdict,
                                "quotes": [{"sentence": i, "quote": q} for i, q in c.quotes],
                                "values": [asdict(v) for v in c.values]} for c in sent.claims],
                } for sent in s.sentences],
            })
        return {"sources": out}


def review(project: Project, source: str | None = None) -> Review:
    """The review of one source (slug, IRI or its text file) or of every source with text."""
    store = open_graph(project)
    if source is not None:
        wanted = resolve_source(store, source).source
        if not wanted.has_text:
            raise UsageError(f"{wanted.id} has no text in the graph, so it has no sentences to review")
        chosen = [wanted]
    else:
        chosen = [s for s in sources(store) if s.has_text]
    return Review([_source_review(store, s) for s in chosen])


def _source_review(store, src) -> SourceReview:
    bind = {ox.Variable("src"): ox.NamedNode(src.iri)}
    creator = run_query(store, CREATOR, bind).rows
    result = SourceReview(src.iri, src.title, creator[0][0].value if creator else "")
    by_index = {}
    for row in sentences(store, src.iri):
        by_index[row.index] = ReviewedSentence(row.index, row.text, row.section_title)
    claims: dict[str, ReviewedClaim] = {}
    for claim, kind, modality, modality_label, holder, index, quote in run_query(store, CLAIMS, bind).rows:
        if not isinstance(claim, ox.NamedNode):
            continue
        c = claims.setdefault(claim.value, ReviewedClaim(
            claim.value, kind.value, modality.value,
            modality_label.value if modality_label is not None else compact(modality.value),
            holder.value if holder is not None else ""))
        entry = (int(index.value), quote.value if quote is not None else "")
        if entry not in c.quotes:
            c.quotes.append(entry)
    _add_values(store, bind, claims)
    for claim, date, *relative in run_query(store, TIMES, bind).rows:
        if claim.value in claims:
            said = [words for words, term in zip(RELATIVE, relative) if term is not None]
            claims[claim.value].time = date.value if date is not None else (said[0] if said else "")
    for c in sorted(claims.values(), key=lambda c: (min(i for i, _ in c.quotes), c.iri)):
        c.quotes.sort()
        first = c.quotes[0][0]
        if first in by_index:
            by_index[first].claims.append(c)
    result.sentences = [by_index[i] for i in sorted(by_index)]
    return result


def _add_values(store, bind, claims: dict[str, ReviewedClaim]) -> None:
    """Each claim's values, with the grounding verdict on the checked ones of asserted claims."""
    seen = set()
    for claim, prop, prop_label, value, value_label, party_a, party_b in run_query(store, VALUES, bind).rows:
        c = claims.get(claim.value)
        if c is None or (claim.value, prop.value, str(value)) in seen:
            continue
        seen.add((claim.value, prop.value, str(value)))
        if party_a is not None:
            label = f"{party_a.value} – {party_b.value}"
        elif value_label is not None:
            label = value_label.value
        else:
            label = value.value if isinstance(value, ox.Literal) else compact(value.value)
        c.values.append(ReviewedValue(prop.value, prop_label.value if prop_label is not None else compact(prop.value),
                                      value.value, label))
    verdicts = grounding.ground(store, {iri for iri, c in claims.items() if c.asserted})
    for g in verdicts:
        worded = {(v.property, v.value): v.wording for v in g.values} if g.has_text else {}
        for v in claims[g.claim].values:
            if (v.property, v.value) in worded:
                v.wording = worded[(v.property, v.value)]
                v.verdict = "worded" if v.wording else "not worded"
    for c in claims.values():
        c.values.sort(key=lambda v: (v.property_label, v.label))


# --- for a terminal --------------------------------------------------------------------------

def review_text(result: Review) -> str:
    """The review as text: per source a summary, then each sentence with the claims citing it."""
    lines = []
    for s in result.sources:
        n = s.counts()
        by = f" ({s.creator})" if s.creator else ""
        lines.append(f"{s.id} — {s.title}{by}")
        lines.append(f"{n['sentences']} sentences, {n['uncited']} cited by no claim; {n['claims']} claims and "
                     f"events: {n['asserted']} asserted ({n['grounded']} grounded, {n['notWorded']} not worded "
                     f"in their evidence, {n['nothingToCheck']} with nothing to check), {n['notChecked']} "
                     f"reported, feared or hedged (not checked)")
        for sent in s.sentences:
            lines.append("")
            lines.append(f"sentence {sent.index}: {sent.text}")
            if not sent.claims:
                lines.append("  (no claim cites this sentence)")
            for c in sent.claims:
                lines.extend(_claim_lines(c, sent.index))
        lines.append("")
    return "\n".join(one_line(line) for line in lines)


def _claim_lines(c: ReviewedClaim, sentence: int) -> list[str]:
    how = c.modality_label + (f" by {c.holder}" if c.holder else "") + (f", {c.time}" if c.time else "")
    out = [f"  {compact(c.iri)}  [{c.kind}, {how}] — {c.verdict}"]
    for index, quote in c.quotes:
        where = "quote" if index == sentence else f"sentence {index}"
        out.append(f"    {where}: {quote!r}" if quote else f"    {where}")
    for v in c.values:
        mark = ""
        if v.verdict == "worded":
            mark = f"  (worded: {v.wording!r})"
        elif v.verdict == "not worded":
            mark = "  ← NOT WORDED in its evidence"
        out.append(f"    {v.property_label}: {v.label}{mark}")
    return out
