"""The grounding check: is each value of an asserted claim worded in the evidence it cites?

Shapes check that a claim is well formed and that its quote is verbatim; they cannot tell a tone
the sentence states from one a curator read into it ("close", citing "Their strategic partnership
spans energy, transportation, and defense"). This check can: for every claim and event the source
asserts itself (``kz:modality-asserted``), each value of :data:`CHECKED` (its tone, aspect,
sector, relation type and participating state) must be worded in one of its quotes or in a
sentence it cites, by one of the value's labels: ``rdfs:label``, ``skos:prefLabel``,
``skos:altLabel``, or a synonym the ontology declares with ``skos:hiddenLabel`` ("tensions" for
the tone *tense*). A label is worded when each of its words (leaving out *a*, *of*, *the* …)
occurs in the text, allowing for simple inflection (:func:`word_forms`: *tensions* for *tense*,
*geographical* for *geography*). A value that is not worded is a Warning (:data:`GROUNDING` names
the check, where a shape's results name the shape), with the quote and the sentence beside it, for
a curator to look at: the value may be read into the text, or the source may word it in a way
that deserves a declared synonym.

Claims the source only reports, fears or hedges are not checked (their values are someone's
words, or a possibility); nor is evidence without text (a register record).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from kzlod.gate.parse import ParsedFile
from kzlod.project import Project
from kzlod.store.backends import OxigraphStore
from kzlod.store.spec import StoreSpec
from kzlod.text import one_line
from kzlod.validation.findings import Finding, Locator
from kzlod.validation.reach import Union
from kzlod.vocab import KZ, NAMESPACES, RDF, RDFS, SKOS, compact

#: The name the check's findings give as their shape (declared, not a SHACL shape, in the shapes file).
GROUNDING = NAMESPACES["kzsh"] + "Grounding"
#: The properties whose values must be worded in the evidence.
CHECKED = (KZ + "tone", KZ + "aspect", KZ + "sector", KZ + "relationType", KZ + "participatingState")
ASSERTED = KZ + "modality-asserted"
LABELS = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel")

#: Words a label may contain that say nothing about it.
STOPWORDS = frozenset("a an and as at by for from in its of on or the their to with".split())
#: Endings taken off a word to meet its other forms (longest first; the stem keeps four letters).
SUFFIXES = ("ically", "ations", "ation", "itions", "ition", "ities", "tions", "ments", "ships", "ical", "ally",
            "ions", "tion", "ness", "ment", "ship", "ings", "ity", "ion", "ing", "ies", "ied", "ics", "ful", "ive",
            "ers", "ed", "es", "ic", "al", "ly", "er", "y", "e", "s")
_WORD = re.compile(r"[^\W_]+")


def word_forms(word: str) -> set[str]:
    """The forms a word is matched by: itself, and its stems without one common ending
    (``tensions`` → tension, tens; ``tense`` → tens: they meet)."""
    word = word.lower()
    forms = {word}
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            stem = word[: -len(suffix)]
            forms.add(stem)
            if suffix in ("ies", "ied"):
                forms.add(stem + "y")
    return forms


def words(text: str) -> list[str]:
    """The words of a text, lower case, without possessive endings (Kazakhstan's → kazakhstan)."""
    return [w.lower() for w in _WORD.findall(text.replace("’", "'").replace("'s ", " ").replace("'s", ""))]


def worded(label: str, text: str) -> bool:
    """Whether every word of ``label`` (but :data:`STOPWORDS`) occurs in ``text``, in some form."""
    wanted = [w for w in words(label) if w not in STOPWORDS]
    if not wanted:
        return False
    found = set()
    for w in words(text):
        found |= word_forms(w)
    return all(word_forms(w) & found for w in wanted)


# --- the claims and their evidence ------------------------------------------------------------

@dataclass
class Quote:
    """One piece of a claim's evidence: the sentence it cites and its quote."""

    source: str
    sentence: int | None
    sentence_text: str
    quote: str

    @property
    def text(self) -> str:
        return f"{self.quote} {self.sentence_text}".strip()


@dataclass
class Value:
    """One checked value of a claim, and whether its evidence words it."""

    property: str
    value: str
    label: str
    labels: list[str]
    wording: str = ""  # the label or synonym the evidence words it by; "" when none

    @property
    def grounded(self) -> bool:
        return bool(self.wording)


@dataclass
class Grounding:
    """An asserted claim or event: its evidence and the verdict on each checked value."""

    claim: str
    evidence: list[Quote] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)

    @property
    def has_text(self) -> bool:
        return any(q.text for q in self.evidence)

    @property
    def unworded(self) -> list[Value]:
        return [v for v in self.values if not v.grounded] if self.has_text else []


_VALUES = f"""
SELECT ?claim ?property ?value WHERE {{
  ?claim <{KZ}modality> <{ASSERTED}> ; ?property ?value .
  VALUES ?property {{ {" ".join(f"<{p}>" for p in CHECKED)} }}
}}"""

_LABELS = f"""
SELECT ?value ?labelProperty ?label WHERE {{
  ?value ?labelProperty ?label .
  VALUES ?labelProperty {{ {" ".join(f"<{p}>" for p in LABELS)} }}
  FILTER (LANG(?label) = "" || LANGMATCHES(LANG(?label), "en"))
}}"""

_EVIDENCE = f"""
SELECT ?claim ?source ?index ?sentence ?quote WHERE {{
  ?claim <{KZ}modality> <{ASSERTED}> ; <{KZ}hasEvidence> ?evidence .
  OPTIONAL {{ ?evidence <http://www.w3.org/ns/oa#hasSource> ?source }}
  OPTIONAL {{ ?evidence <http://www.w3.org/ns/oa#hasSelector>/<http://www.w3.org/ns/oa#exact> ?quote }}
  OPTIONAL {{ ?evidence <{KZ}sentence> ?s . ?s <{RDF}value> ?sentence . OPTIONAL {{ ?s <{KZ}index> ?index }} }}
}}"""


def _rows(store, sparql: str):
    return list(store.query(sparql))


def ground(store, claims: set[str] | None = None) -> list[Grounding]:
    """The verdicts on every asserted claim and event of ``store`` (an
    :class:`~kzlod.store.backends.OxigraphStore`), or on those of ``claims`` (IRIs) only, in IRI order."""
    found: dict[str, Grounding] = {}

    def of(claim) -> Grounding | None:
        if not isinstance(claim, ox.NamedNode) or (claims is not None and claim.value not in claims):
            return None
        return found.setdefault(claim.value, Grounding(claim.value))

    for row in _rows(store, _EVIDENCE):
        g = of(row["claim"])
        if g is not None:
            index = row["index"]
            g.evidence.append(Quote(row["source"].value if row["source"] is not None else "",
                                    int(index.value) if index is not None else None,
                                    row["sentence"].value if row["sentence"] is not None else "",
                                    row["quote"].value if row["quote"] is not None else ""))
    labels: dict[str, list[tuple[int, str]]] = {}
    for row in _rows(store, _LABELS):
        rank = LABELS.index(row["labelProperty"].value)
        labels.setdefault(row["value"].value, []).append((rank, row["label"].value))
    for row in _rows(store, _VALUES):
        g = of(row["claim"])
        value = row["value"]
        if g is None or not isinstance(value, ox.NamedNode):
            continue
        ranked = sorted(set(labels.get(value.value, [])), key=lambda r: (r[0] != 1, r[0], r[1]))
        names = list(dict.fromkeys(name for _, name in ranked))  # the preferred label first
        g.values.append(Value(row["property"].value, value.value, names[0] if names else compact(value.value), names))
    for g in found.values():
        g.evidence.sort(key=lambda q: (q.sentence or 0, q.quote))
        g.values.sort(key=lambda v: (CHECKED.index(v.property), v.label))
        for v in g.values:
            v.wording = next((name for name in v.labels if any(worded(name, q.text) for q in g.evidence)), "")
    return [found[c] for c in sorted(found)]


# --- as validation findings -------------------------------------------------------------------

def message(value: Value, evidence: list[Quote]) -> str:
    """What a curator reads: the value, then each quote with its sentence, then what to do."""
    prop = compact(value.property).split(":", 1)[-1]
    parts = [f"{_spaced(prop)} {value.label!r} is not worded in its evidence"]
    for q in evidence:
        where = f"sentence {q.sentence}" if q.sentence is not None else "the source"
        shown = f" — quote: {q.quote!r}" if q.quote else ""
        sentence = f"; {where}: {q.sentence_text!r}" if q.sentence_text and q.sentence_text != q.quote else ""
        parts.append(f"{shown}{sentence}" if shown or sentence else f" — {where}")
    tried = ", ".join(repr(n) for n in value.labels) or "none"
    parts.append(f". Labels and synonyms tried: {tried}. If the sentence does not state it, remove the value; "
                 f"if it words it otherwise, declare that synonym (skos:hiddenLabel) on {compact(value.value)}.")
    return one_line("".join(parts))


def _spaced(name: str) -> str:
    """``relationType`` → ``relation type``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def findings(groundings: list[Grounding], locator: Locator | None = None) -> list[Finding]:
    """One Warning per value not worded in its claim's evidence, in the report's own form."""
    out = []
    for g in groundings:
        for v in g.unworded:
            file, line = locator.find(g.claim) if locator else ("", 0)
            out.append(Finding(severity="Warning", focus=g.claim, focus_label="", path=v.property, value=v.value,
                               message=message(v, g.evidence), shape=GROUNDING, file=file, line=line))
    return out


def with_results(report_graph, found: list[Finding]):
    """A copy of a SHACL report graph with ``found`` added as ``sh:ValidationResult``s (their
    ``sh:sourceShape`` :data:`GROUNDING`), for the report in Turtle."""
    from rdflib import BNode, Graph, Literal, URIRef
    from rdflib.namespace import RDF, SH

    graph = Graph()
    for prefix, namespace in report_graph.namespaces():
        graph.bind(prefix, namespace)
    for triple in report_graph:
        graph.add(triple)
    report = next(iter(graph.subjects(RDF.type, SH.ValidationReport)), None) or BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    for f in found:
        result = BNode()
        graph.add((report, SH.result, result))
        for p, o in ((RDF.type, SH.ValidationResult), (SH.focusNode, URIRef(f.focus)), (SH.resultPath, URIRef(f.path)),
                     (SH.value, URIRef(f.value)), (SH.resultSeverity, SH.Warning),
                     (SH.sourceShape, URIRef(GROUNDING)), (SH.resultMessage, Literal(f.message))):
            graph.add((result, p, o))
    return graph


def check_project(store, locator: Locator) -> list[Finding]:
    """The findings for a project's whole graph (``kzlod validate`` without files), in ``store``,
    each placed by ``locator`` in its data file."""
    return findings(ground(store), locator)


def check_new(parsed: list[ParsedFile], project: Project, store: StoreSpec = StoreSpec(), *,
              base=None) -> list[Finding]:
    """The findings for the claims new files describe, checked with the graph they join (the
    project's, or a disk store's; ``base``: that store, if the caller has it open): each claim, its
    evidence, the sentences it cites and the labels of its values are gathered into a small store."""
    described = {q.subject.value for pf in parsed for q in pf.quads if isinstance(q.subject, ox.NamedNode)}
    if not described:
        return []
    base = base if base is not None else store.open(project)
    delta = ox.Store()
    for pf in parsed:
        delta.extend(ox.Quad(q.subject, q.predicate, q.object) for q in pf.quads)
    small = OxigraphStore()
    small.add_quads(ox.Quad(s, p, o) for s, p, o in _neighbourhood(Union([base.store, delta]), described))
    texts = [(str(pf.path), pf.text, pf.prefixes) for pf in parsed]
    return findings(ground(small, described), Locator(texts))


def _neighbourhood(graph: Union, subjects: set[str]) -> set:
    """The triples of each subject, of the blank nodes hanging from it (evidence, selectors) and of
    every named node they reach (a sentence's text, a value's labels)."""
    triples, done, named = set(), set(), set()
    todo = [ox.NamedNode(s) for s in sorted(subjects)]
    while todo:
        node = todo.pop()
        if node in done:
            continue
        done.add(node)
        for s, p, o in graph.out(node):
            triples.add((s, p, o))
            if isinstance(o, ox.BlankNode):
                todo.append(o)
            elif isinstance(o, ox.NamedNode):
                named.add(o)
    for node in named - done:
        triples.update(graph.out(node))
    return triples
