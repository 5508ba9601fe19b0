"""``kzlod mentions``: the known entities each sentence of a source mentions.

An entity is known when the graph gives it an English (or untagged)
``rdfs:label``, ``skos:altLabel`` or ``skos:prefLabel``; claims, sources,
ontology terms and concept schemes are not entities. SKOS concepts (tones,
sectors …) are matched too but reported apart, as ``concepts``.

The matcher is a small normaliser, no NLP library:

1. Text and labels are cut into word tokens (letters and digits; a hyphen
   separates tokens, an apostrophe inside or at the end of a word does not).
2. A token is compared without its possessive: ``Kazakhstan's`` and
   ``countries'`` count as ``Kazakhstan`` and ``countries``.
3. Tokens match case-insensitively when equal, or when the text's token is
   the label's plus a plural ``s``/``es`` (labels of 3+ letters).
4. A label written in capitals (``EU``, ``CIS``) matches only that exact,
   case-sensitive token (still allowing a possessive: ``EU's``).
5. The last token of a proper-noun label (one starting with a capital) also
   matches a capitalised word of the text that is a demonym of it:

   * the label (or the label without a final vowel or ``y``) plus one of the
     suffixes ``-ian``, ``-an``, ``-n``, ``-i``, ``-ese``, ``-ish`` (and a
     plural ``s``): Belarus → Belarusian, Russia → Russian,
     China → Chinese, Ukraine → Ukrainian, Azerbaijan → Azerbaijani;
   * a label ending in ``-stan``/``-istan`` without that ending (and a
     plural ``s``): Kazakhstan → Kazakh, Kyrgyzstan → Kyrgyz,
     Uzbekistan → Uzbek(s);
   * a stem match: both words share the label's first max(5, length − 4)
     characters and their lengths differ by at most 4:
     Mongolia → Mongol.

6. Where matches overlap, the longest wins (``Kazakh president`` is the
   office, not the state); entities and concepts are resolved separately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kzlod.curation.common import SentenceRow, open_graph, resolve_source, sentences
from kzlod.curation.sources import split_document
from kzlod.errors import UsageError
from kzlod.project import Project
from kzlod.querying.run import run_query
from kzlod.vocab import compact

TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*['\u2019]?")
DEMONYM_SUFFIXES = ("ian", "an", "n", "i", "ese", "ish")
STAN_ENDINGS = ("istan", "stan")

LABELS = """
SELECT ?s ?label ?p ?concept WHERE {
  VALUES ?p { rdfs:label skos:altLabel skos:prefLabel }
  ?s ?p ?label .
  FILTER(isIRI(?s))
  FILTER(LANG(?label) = "" || LANGMATCHES(LANG(?label), "en"))
  FILTER NOT EXISTS { ?s kz:hasEvidence ?evidence }
  FILTER NOT EXISTS {
    VALUES ?meta { owl:Class rdfs:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty
                   rdf:Property owl:Ontology skos:ConceptScheme kz:SourceDocument kz:Section kz:Sentence }
    ?s a ?meta .
  }
  BIND(EXISTS { ?s a skos:Concept } AS ?concept)
} ORDER BY ?s ?p ?label
"""


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    bare: str  # as written, possessive removed
    norm: str  # bare, case-folded


def _strip_possessive(word: str) -> str:
    if word[-2:].lower() in ("'s", "\u2019s"):
        return word[:-2]
    if word[-1:] in ("'", "\u2019"):
        return word[:-1]
    return word


def tokens(text: str) -> list[Token]:
    out = []
    for m in TOKEN.finditer(text):
        bare = _strip_possessive(m.group())
        if bare:
            out.append(Token(m.start(), m.end(), bare, bare.casefold()))
    return out


def is_demonym(word: str, label: str) -> bool:
    """Whether ``word`` (case-folded) is a demonym or inflection of the proper name ``label`` (case-folded)."""
    bases = {label}
    if len(label) > 3 and label[-1] in "aeoy":
        bases.add(label[:-1])
    for base in bases:
        for suffix in DEMONYM_SUFFIXES:
            if word in (base + suffix, base + suffix + "s"):
                return True
    for ending in STAN_ENDINGS:
        if label.endswith(ending) and len(label) - len(ending) >= 3:
            stem = label[: -len(ending)]
            if word in (stem, stem + "s"):
                return True
            break
    n = max(5, len(label) - 4)
    return len(label) >= 5 and len(word) >= n and word[:n] == label[:n] and abs(len(word) - len(label)) <= 4


@dataclass
class Label:
    iri: str
    text: str
    concept: bool
    toks: list[Token]
    proper: bool  # starts with a capital
    abbreviation: bool  # written in capitals

    def match_at(self, words: list[Token], i: int) -> bool:
        if i + len(self.toks) > len(words):
            return False
        last = len(self.toks) - 1
        for j, lt in enumerate(self.toks):
            w = words[i + j]
            if self.abbreviation:
                if w.bare != lt.bare:
                    return False
                continue
            if w.norm == lt.norm:
                continue
            if len(lt.norm) >= 3 and w.norm in (lt.norm + "s", lt.norm + "es"):
                continue
            if j == last and lt.bare[:1].isupper() and w.bare[:1].isupper() and is_demonym(w.norm, lt.norm):
                continue
            return False
        return True


def _label(iri: str, text: str, concept: bool) -> Label | None:
    toks = tokens(text)
    if not toks:
        return None
    letters = [c for c in text if c.isalpha()]
    abbreviation = bool(letters) and all(c.isupper() for c in letters)
    return Label(iri, text, concept, toks, text[:1].isupper(), abbreviation)


@dataclass
class Known:
    labels: list[Label] = field(default_factory=list)
    names: dict = field(default_factory=dict)  # iri -> (0 for a label or preferred label, 1 for an alternative; text)

    @classmethod
    def from_store(cls, store) -> Known:
        known = cls()
        for s, label, p, concept in run_query(store, LABELS).rows:
            lab = _label(s.value, label.value, concept is not None and concept.value == "true")
            if lab is not None:
                known.labels.append(lab)
            name = (1 if p.value.endswith("altLabel") else 0, label.value)
            known.names[s.value] = min(known.names.get(s.value, name), name)
        return known

    def name(self, iri: str) -> str:
        return self.names[iri][1] if iri in self.names else compact(iri)


def find_mentions(text: str, known: Known) -> tuple[list[dict], list[dict]]:
    """(entities, concepts) mentioned in ``text``: each with its IRI, label and the words that matched."""
    words = tokens(text)
    found: dict[bool, list] = {False: [], True: []}
    for lab in known.labels:
        for i in range(len(words)):
            if lab.match_at(words, i):
                found[lab.concept].append((i, i + len(lab.toks), lab))
    out = []
    for concept in (False, True):
        # longest first, then leftmost; an overlapping shorter match is dropped
        taken: list[tuple[int, int]] = []
        hits: dict[str, dict] = {}
        for i, j, lab in sorted(found[concept], key=lambda m: (-(m[1] - m[0]), m[0], m[2].iri)):
            if any(i < b and a < j and (a, b) != (i, j) for a, b in taken):
                continue
            taken.append((i, j))
            start, end = words[i].start, words[j - 1].end
            hit = hits.setdefault(lab.iri, {"iri": lab.iri, "id": compact(lab.iri), "label": known.name(lab.iri),
                                            "matched": [], "spans": []})
            if (start, end) not in hit["spans"]:
                hit["spans"].append((start, end))
                hit["matched"].append(text[start:end])
        for hit in hits.values():
            order = sorted(range(len(hit["spans"])), key=lambda k: hit["spans"][k])
            hit["spans"] = [list(hit["spans"][k]) for k in order]
            hit["matched"] = [hit["matched"][k] for k in order]
        out.append(sorted(hits.values(), key=lambda h: (h["spans"][0], h["iri"])))
    return out[0], out[1]


def mentions(project: Project, source: str) -> dict:
    """For each sentence of ``source`` (slug, IRI or text file): the known entities and concepts it mentions."""

    store = open_graph(project)
    resolved = resolve_source(store, source, allow_file=True)
    if resolved.source is not None:
        rows = sentences(store, resolved.source.iri)
        head = {"source": resolved.source.iri, "id": resolved.source.id, "title": resolved.source.title}
        if not rows:

            raise UsageError(f"{resolved.source.id} has no text in the graph, so it has no sentences")
    else:
        doc = split_document(resolved.text)
        titles = {sec.index: sec.title for sec in doc.sections}
        rows = [SentenceRow(s.index, None, s.start, s.end, s.text, s.section, titles.get(s.section, ""))
                for s in doc.sentences]
        head = {"source": None, "id": str(resolved.path), "title": doc.title or ""}
    known = Known.from_store(store)
    out_sentences = []
    for row in rows:
        entities, concepts = find_mentions(row.text, known)
        for hit in entities + concepts:  # offsets into the whole text, as everywhere else
            hit["spans"] = [[row.start + a, row.start + b] for a, b in hit["spans"]]
        out_sentences.append({
            "index": row.index, "sentence": row.iri, "section": row.section, "sectionTitle": row.section_title,
            "start": row.start, "end": row.end, "text": row.text, "entities": entities, "concepts": concepts,
        })
    return {**head, "notes": resolved.notes, "sentences": out_sentences,
            "unmatched": [s["index"] for s in out_sentences if not s["entities"]]}


def mentions_table(result: dict, width: int = 100) -> str:
    import textwrap

    lines = [f"{result['id']}" + (f" — {result['title']}" if result["title"] else "")]
    section = object()
    for s in result["sentences"]:
        if s["section"] != section:
            section = s["section"]
            lines.append("")
            lines.append(f"section {section}: {s['sectionTitle']}" if section is not None else "(no section)")
        lines.append(f"{s['index']:4d}  " + textwrap.shorten(s["text"], width=width - 6, placeholder=" …"))
        if s["entities"]:
            lines.append("        entities: " + "; ".join(_hit(h) for h in s["entities"]))
        else:
            lines.append("        entities: none")
        if s["concepts"]:
            lines.append("        concepts: " + "; ".join(_hit(h) for h in s["concepts"]))
    lines.append("")
    if result["unmatched"]:
        lines.append(f"{len(result['unmatched'])} of {len(result['sentences'])} sentences mention no known entity: "
                     + ", ".join(str(i) for i in result["unmatched"]))
    else:
        lines.append(f"every one of the {len(result['sentences'])} sentences mentions a known entity")
    return "\n".join(lines) + "\n"


def _hit(h: dict) -> str:
    words = ", ".join(f'"{m}"' for m in dict.fromkeys(h["matched"]))
    return f"{h['label']} ({h['id']}) {words}"
