"""``kzlod template``: rows of a spreadsheet become assertions with their evidence.

The column vocabulary is documented in ``docs/template.md``. Rows are read
in three steps, and every problem names its spreadsheet cell (``B7``):

1. the sheet and each cell are read as what their column holds (a name, a
   date, a literal of a datatype); a problem here is unreadable input
   (:class:`~kzlod.errors.InputError`, exit 3);
2. names are resolved against the project's graph (classes, properties,
   entities by IRI or label, sources), each quote is located verbatim in its
   source's text, its offsets computed and its sentence found; a problem
   here means the rows do not hold against the graph
   (:class:`~kzlod.errors.DataError`, exit 1);
3. the triples are written to a temporary Turtle file and handed to
   :func:`kzlod.curation.merge.add`, which validates them with the project's shapes
   and merges them into ``data/`` (or, dry, shows what it would add). Its
   findings are pointed back at the rows they come from.

Nothing is written unless every step succeeds.
"""

from __future__ import annotations

import datetime
import difflib
import re
import tempfile
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.curation.common import (
    SourceRow,
    open_graph,
    source_iri,
)
from kzlod.curation.merge import add
from kzlod.curation.names import (
    DATE_TYPES,
    KZ,
    KZD,
    LOCAL_NAME,
    LOCAL_NAMESPACES,
    NS,
    OA,
    OBJECT_PROPERTIES,
    RDF_TYPE,
    RESERVED,
    SUBJECT_ROLES,
    TEXT_PROPERTIES,
    TIME,
    XSD,
    Graph,
    expand,
    fold,
    looks_prefixed,
)
from kzlod.curation.sheet import LANG, Problems, Row, Sheet, clip, pointed, pointer, read_sheet
from kzlod.errors import KzlodError
from kzlod.files.safewrite import project_lock
from kzlod.files.turtle import serialize
from kzlod.gate.literals import MATCHERS
from kzlod.project import Project
from kzlod.querying.run import run_query
from kzlod.vocab import compact

# --------------------------------------------------------------------------- building


@dataclass
class Subject:
    """Everything the rows say about one id."""

    iri: str
    rows: list[int] = field(default_factory=list)
    types: set = field(default_factory=set)
    triples: list = field(default_factory=list)
    cells: dict = field(default_factory=dict)  # predicate IRI -> (row, col) that gave it first
    evidence: dict = field(default_factory=dict)  # (source, quote) -> located evidence
    dates: set = field(default_factory=set)
    bad_type: bool = False  # a type cell was refused: do not also complain about the subject role


@dataclass
class Located:
    source: str
    quote: str
    start: int | None = None
    end: int | None = None
    sentence: str | None = None
    sentence_index: int | None = None


@dataclass
class TemplateResult:
    sheet: str
    rows: int
    subjects: list[dict]
    plan: object  # kzlod.curate.Plan

    def summary(self) -> str:
        n_ev = sum(s["evidence"] for s in self.subjects)
        return (f"{self.sheet}: {self.rows} row{'s' * (self.rows != 1)} → {len(self.subjects)} "
                f"subject{'s' * (len(self.subjects) != 1)}, {n_ev} piece{'s' * (n_ev != 1)} of evidence located\n")

    def text(self) -> str:
        return self.summary() + self.plan.text()

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet, "rows": self.rows, "subjects": self.subjects, "dryRun": self.plan.dry_run,
            "changes": [{"file": c.rel, "triples": sum(len(ts) for ts in c.added.values()),
                         "subjects": sorted(compact(s.value) for s in c.added)} for c in self.plan.changes],
        }


class Builder:
    def __init__(self, sheet: Sheet, graph: Graph):
        self.sheet = sheet
        self.graph = graph
        self.problems = Problems(sheet.name)
        self.subjects: dict[str, Subject] = {}
        self.template_labels: dict[str, set] = defaultdict(set)

    # ---------------------------------------------------------------- helpers

    def fail(self, row: Row, column: str, message: str, code: int) -> None:
        self.problems.add(row.number, self.sheet.col(column), message, code=code)

    def _id(self, row: Row) -> str | None:
        value = row.cells.get("id")
        if value is None:
            self.problems.add(row.number, self.sheet.col("id"), "id is empty: every row names the claim or "
                              "entity it describes", code=3)
            return None
        if LOCAL_NAME.fullmatch(value):
            return KZD + value
        iri = expand(value)
        if iri is None:
            prefix = looks_prefixed(value)
            why = f"unknown prefix {prefix!r}" if prefix else "not a name"
            self.fail(row, "id", f"{why}: {value!r}; give a local name (membership-kazakhstan-cis), "
                      "a prefixed name (kzd:…) or an <IRI>", 3)
        return iri

    def _name(self, row: Row, column: str, what: str) -> str | None:
        value = row.cells[column]
        iri = expand(value)
        if iri is None:
            prefix = looks_prefixed(value)
            why = f"unknown prefix {prefix!r} in {value!r}" if prefix else f"{value!r} is not a prefixed name or IRI"
            self.fail(row, column, f"{why}; give the {what} as a prefixed name ({', '.join(sorted(NS)[:6])} …) "
                      "or an <IRI>", 3)
        return iri

    # ---------------------------------------------------------------- step 1: read the cells

    def read(self) -> list[tuple[Row, Subject]]:
        out = []
        for row in self.sheet.rows:
            iri = self._id(row)
            if iri is None:
                continue
            subject = self.subjects.setdefault(iri, Subject(iri))
            subject.rows.append(row.number)
            if "label" in row.cells:
                self.template_labels[fold(row.cells["label"])].add(iri)
            out.append((row, subject))
        return out

    # ---------------------------------------------------------------- step 2: resolve

    def entity(self, row: Row, column: str) -> ox.NamedNode | None:
        value = row.cells[column]
        iri = expand(value)
        if iri is not None:
            if iri.startswith(LOCAL_NAMESPACES) and iri not in self.graph.subjects and iri not in self.subjects:
                self.fail(row, column, f"unknown entity {value!r}: no such IRI in the graph or the sheet"
                          + self._suggest(iri), 1)
                return None
            return ox.NamedNode(iri)
        prefix = looks_prefixed(value)
        if prefix:
            self.fail(row, column, f"unknown prefix {prefix!r} in {value!r}", 3)
            return None
        key = fold(value)
        hits = self.graph.labels.get(key, set()) | self.template_labels.get(key, set())
        if len(hits) == 1:
            return ox.NamedNode(next(iter(hits)))
        if hits:
            self.fail(row, column, f"{value!r} names several entities: {', '.join(sorted(compact(h) for h in hits))}; "
                      "give the IRI", 1)
            return None
        names = sorted(set(self.graph.labels) | set(self.template_labels))
        close = difflib.get_close_matches(key, names, n=3, cutoff=0.75)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        self.fail(row, column, f"unknown entity {value!r}: no label, alternative label or IRI in the graph "
                  f"or the sheet names it{hint}", 1)
        return None

    def _suggest(self, iri: str) -> str:
        pool = sorted(self.graph.subjects | set(self.subjects))
        close = difflib.get_close_matches(iri, pool, n=1, cutoff=0.85)
        return f"; did you mean {compact(close[0])}?" if close else ""

    def klass(self, row: Row) -> str | None:
        iri = self._name(row, "type", "class")
        if iri is None:
            return None
        if iri not in self.graph.classes:
            close = difflib.get_close_matches(iri, sorted(self.graph.classes), n=1, cutoff=0.85)
            hint = f"; did you mean {compact(close[0])}?" if close else ""
            self.fail(row, "type", f"wrong type: {row.cells['type']!r} is not a class of the ontology{hint}", 1)
            return None
        return iri

    def prop(self, row: Row) -> tuple[str, str, str | None] | None:
        """(IRI, kind, range) of the relation cell; kind is object, literal or any."""
        iri = self._name(row, "relation", "property")
        if iri is None:
            return None
        if iri in RESERVED:
            self.fail(row, "relation", f"{row.cells['relation']} is not set with relation: {RESERVED[iri]}", 3)
            return None
        if iri in self.graph.properties:
            kind, rng = self.graph.properties[iri]
        elif iri in OBJECT_PROPERTIES:
            kind, rng = "object", None
        elif iri in TEXT_PROPERTIES:
            kind, rng = "literal", None
        elif iri.startswith(LOCAL_NAMESPACES):
            pool = sorted(self.graph.properties)
            close = difflib.get_close_matches(iri, pool, n=1, cutoff=0.8)
            hint = f"; did you mean {compact(close[0])}?" if close else ""
            self.fail(row, "relation", f"unknown property {row.cells['relation']!r}: the ontology does not "
                      f"declare it{hint}", 1)
            return None
        else:
            kind, rng = "any", None
        return iri, kind, rng

    def literal(self, row: Row, prop: str, rng: str | None) -> ox.Literal | None:
        value = row.cells["value"]
        dt_cell, lang = row.cells.get("datatype"), row.cells.get("lang")
        if dt_cell and lang:
            self.fail(row, "lang", "give a datatype or a language, not both", 3)
            return None
        if lang:
            if not LANG.fullmatch(lang):
                self.fail(row, "lang", f"{lang!r} is not a language tag (e.g. en, ru, kk)", 3)
                return None
            return ox.Literal(value, language=lang.lower())
        if dt_cell:
            dt = self._name(row, "datatype", "datatype")
            if dt is None:
                return None
            origin = "datatype"
        elif rng and rng.startswith(XSD):
            dt, origin = rng, f"the range of {compact(prop)}"
        elif prop in TEXT_PROPERTIES or rng == NS["rdf"] + "langString":
            return ox.Literal(value, language="en")
        else:
            dt, origin = XSD + "string", ""
        if dt == XSD + "boolean" and value.lower() in ("true", "false"):
            value = value.lower()  # spreadsheets write TRUE/FALSE
        pattern = MATCHERS.get(dt)
        if pattern is not None and not pattern.match(value):
            self.fail(row, "value", f"{value!r} is not a valid {compact(dt)}" + (f" ({origin})" if origin else ""), 3)
            return None
        return ox.Literal(value, datatype=ox.NamedNode(dt))

    def date(self, row: Row) -> tuple[str, str] | None:
        value = row.cells["date"]
        ok = False
        try:
            if re.fullmatch(r"\d{4}", value):
                ok = True
            elif re.fullmatch(r"\d{4}-\d{2}", value):
                datetime.date(int(value[:4]), int(value[5:]), 1)
                ok = True
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                datetime.date.fromisoformat(value)
                ok = True
        except ValueError:
            ok = False
        if not ok:
            self.fail(row, "date", f"bad date {value!r}: give YYYY, YYYY-MM or YYYY-MM-DD (a real date)", 3)
            return None
        return DATE_TYPES[len(value)]

    def locate(self, row: Row) -> Located | None:
        ref = row.cells["source"]
        iri = source_iri(ref)
        source: SourceRow | None = self.graph.sources.get(iri)
        if source is None:
            names = ", ".join(sorted(s.slug for s in self.graph.sources.values())) or "none"
            self.fail(row, "source", f"unknown source {ref!r} (sources: {names}); register a text with "
                      "'kzlod source add'", 1)
            return None
        text, sents = self.graph.text_of(iri)
        quote = row.cells.get("quote")
        if text is None:
            if quote:
                self.fail(row, "quote", f"source {source.slug} has no text in the graph, so nothing can be quoted "
                          "from it; leave quote empty", 1)
                return None
            return Located(iri, "")
        if not quote:
            self.fail(row, "source", f"source {source.slug} has its text in the graph: give the verbatim quote "
                      "in the quote column", 1)
            return None
        starts = [m.start() for m in re.finditer(f"(?={re.escape(quote)})", text)]
        if not starts:
            self.fail(row, "quote",
                      f"quote not found in source {source.slug}: \"{clip(quote)}\"" + _near(text, quote), 1)
            return None
        if len(starts) > 1:
            self.fail(row, "quote", f"quote occurs {len(starts)} times in source {source.slug} (at offsets "
                      f"{', '.join(map(str, starts[:5]))}): quote more words so that it is unique", 1)
            return None
        start = starts[0]
        end = start + len(quote)
        for s in sents:
            if s.start <= start and end <= s.end:
                return Located(iri, quote, start, end, s.iri, s.index)
        touched = [s.index for s in sents if s.start < end and start < s.end]
        if len(touched) > 1:
            self.fail(row, "quote", f"quote spans sentences {', '.join(map(str, touched))} of {source.slug}: "
                      "split it into one row per sentence", 1)
        else:
            self.fail(row, "quote", f"quote lies outside the body sentences of {source.slug} (in a heading or "
                      "the front matter), which claims cannot cite", 1)
        return None

    def subject_role(self, row: Row, subject: Subject) -> str | None:
        types = subject.types | self.graph.types.get(subject.iri, set())
        roles = set()
        for t in types:
            for c in (t, *sorted(self.graph.supers.get(t, ()))):
                if c in SUBJECT_ROLES:
                    roles.add(SUBJECT_ROLES[c])
                    break
        if len(roles) == 1:
            return roles.pop()
        if subject.bad_type:
            return None
        if not roles:
            what = ", ".join(sorted(compact(t) for t in types)) or "no type"
            self.fail(row, "subject", f"the subject column fills a claim's subject role, but {compact(subject.iri)} "
                      f"has {what}; give its claim class in the type column, or use relation and object", 1)
        else:
            self.fail(row, "subject", f"{compact(subject.iri)} has types with different subject roles "
                      f"({', '.join(sorted(compact(r) for r in roles))}); use relation and object", 1)
        return None

    # ---------------------------------------------------------------- the rows

    def build(self) -> None:
        pairs = self.read()
        # types first: the subject column depends on them, whichever row gives them
        for row, subject in pairs:
            if "type" in row.cells:
                cls = self.klass(row)
                subject.bad_type |= cls is None
                if cls is not None:
                    subject.types.add(cls)
                    self._add(subject, row, "type", ox.NamedNode(RDF_TYPE), ox.NamedNode(cls))
        for row, subject in pairs:
            self._row(row, subject)
        self._default_modality()

    def _default_modality(self) -> None:
        """A new claim or event the sheet does not qualify is the source's own assertion
        (kz:modality-asserted); a relation row ``kz:modality`` with object ``kz:modality-feared`` (and
        ``prov:wasAttributedTo``) says otherwise."""
        kinds = (KZ + "Claim", KZ + "Event")
        for subject in self.subjects.values():
            is_claim = any(t in kinds or set(kinds) & set(self.graph.supers.get(t, ())) for t in subject.types)
            given = any(t.predicate.value == KZ + "modality" for t in subject.triples)
            if is_claim and not given and subject.iri not in self.graph.subjects:
                subject.triples.append(ox.Triple(ox.NamedNode(subject.iri), ox.NamedNode(KZ + "modality"),
                                                 ox.NamedNode(KZ + "modality-asserted")))

    def _add(self, subject: Subject, row: Row, column: str, p: ox.NamedNode, o) -> None:
        subject.triples.append(ox.Triple(ox.NamedNode(subject.iri), p, o))
        subject.cells.setdefault(p.value, (row.number, self.sheet.col(column)))

    def _row(self, row: Row, subject: Subject) -> None:
        cells = row.cells
        if "subject" in cells:
            role = self.subject_role(row, subject)
            target = self.entity(row, "subject")
            if role and target is not None:
                self._add(subject, row, "subject", ox.NamedNode(role), target)
        has_object, has_value = "object" in cells, "value" in cells
        if "relation" in cells:
            prop = self.prop(row)
            if not has_object and not has_value:
                self.fail(row, "relation", "a relation needs an object (an entity) or a value (a literal)", 3)
            elif has_object and has_value:
                self.fail(row, "value", "give an object or a value, not both", 3)
            elif prop is not None:
                iri, kind, rng = prop
                if has_object and kind == "literal":
                    self.fail(row, "object",
                              f"wrong type: {compact(iri)} takes a literal: put it in the value column", 1)
                elif has_value and kind == "object":
                    self.fail(row, "value",
                              f"wrong type: {compact(iri)} takes an entity: put it in the object column", 1)
                elif has_object:
                    target = self.entity(row, "object")
                    if target is not None:
                        self._add(subject, row, "object", ox.NamedNode(iri), target)
                else:
                    lit = self.literal(row, iri, rng)
                    if lit is not None:
                        self._add(subject, row, "value", ox.NamedNode(iri), lit)
        else:
            for col in ("object", "value"):
                if col in cells:
                    self.fail(row, col, f"{col} without a relation: say which property in the relation column", 3)
        for col in ("datatype", "lang"):
            if col in cells and not has_value:
                self.fail(row, col, f"{col} applies to the value column, which is empty", 3)
        if "label" in cells:
            self._add(subject, row, "label", ox.NamedNode(NS["rdfs"] + "label"),
                      ox.Literal(cells["label"], language="en"))
        if "comment" in cells:
            self._add(subject, row, "comment", ox.NamedNode(NS["rdfs"] + "comment"),
                      ox.Literal(cells["comment"], language="en"))
        if "date" in cells:
            kind = self.date(row)
            if kind is not None and (cells["date"], kind) not in subject.dates:
                subject.dates.add((cells["date"], kind))
                subject.cells.setdefault(TIME + "hasTime", (row.number, self.sheet.col("date")))
        if "source" in cells:
            located = self.locate(row)
            if located is not None:
                subject.evidence.setdefault((located.source, located.quote), located)
                subject.cells.setdefault(KZ + "hasEvidence", (row.number, self.sheet.col("quote")))
        elif "quote" in cells:
            self.fail(row, "quote", "a quote needs the source it is taken from in the source column", 3)

    # ---------------------------------------------------------------- triples

    EVIDENCE = """SELECT ?s ?src ?sentence ?exact ?start ?end WHERE {
        ?s kz:hasEvidence ?ev . ?ev oa:hasSource ?src .
        OPTIONAL { ?ev kz:sentence ?sentence }
        OPTIONAL { ?ev oa:hasSelector ?q . ?q oa:exact ?exact }
        OPTIONAL { ?ev oa:hasSelector ?p . ?p oa:start ?start ; oa:end ?end } }"""
    TIMES = """SELECT ?s ?value WHERE { ?s time:hasTime ?t .
        ?t time:inXSDgYear|time:inXSDgYearMonth|time:inXSDDate ?value }"""

    def _existing(self) -> tuple[set, set]:
        """Evidence and times the graph already gives the sheet's subjects.

        ``kzlod add`` compares triples, and a blank node is new each time, so
        evidence or a time already recorded is left out here, to keep a
        template idempotent.
        """
        known = [ox.NamedNode(i) for i in self.subjects if i in self.graph.subjects]
        evidence, times = set(), set()
        if not known:
            return evidence, times
        values = "VALUES ?s { " + " ".join(str(n) for n in known) + " } "
        for s, src, sent, exact, start, end in run_query(self.graph.store, self.EVIDENCE.replace(
                "WHERE {", "WHERE { " + values, 1)).rows:
            evidence.add((s.value, src.value, sent.value if sent else None, exact.value if exact else "",
                          int(start.value) if start else None, int(end.value) if end else None))
        for s, value in run_query(self.graph.store, self.TIMES.replace("WHERE {", "WHERE { " + values, 1)).rows:
            times.add((s.value, value.value))
        return evidence, times

    def triples(self) -> list:
        out = []
        had_evidence, had_times = self._existing()
        for subject in self.subjects.values():
            s = ox.NamedNode(subject.iri)
            out.extend(subject.triples)
            for value, (prop, dtype) in sorted(subject.dates):
                if (subject.iri, value) in had_times:
                    continue
                instant = ox.BlankNode()
                out += [ox.Triple(s, ox.NamedNode(TIME + "hasTime"), instant),
                        ox.Triple(instant, ox.NamedNode(RDF_TYPE), ox.NamedNode(TIME + "Instant")),
                        ox.Triple(instant, ox.NamedNode(TIME + prop),
                                  ox.Literal(value, datatype=ox.NamedNode(XSD + dtype)))]
            for ev in subject.evidence.values():
                if (subject.iri, ev.source, ev.sentence, ev.quote, ev.start, ev.end) not in had_evidence:
                    out.extend(_evidence_triples(s, ev))
        return out


def _evidence_triples(claim: ox.NamedNode, ev: Located) -> list:
    integer = ox.NamedNode(XSD + "integer")
    node = ox.BlankNode()
    out = [ox.Triple(claim, ox.NamedNode(KZ + "hasEvidence"), node),
           ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(KZ + "Evidence")),
           ox.Triple(node, ox.NamedNode(OA + "hasSource"), ox.NamedNode(ev.source))]
    if ev.sentence is not None:
        quote, position = ox.BlankNode(), ox.BlankNode()
        out += [ox.Triple(node, ox.NamedNode(KZ + "sentence"), ox.NamedNode(ev.sentence)),
                ox.Triple(node, ox.NamedNode(OA + "hasSelector"), quote),
                ox.Triple(quote, ox.NamedNode(RDF_TYPE), ox.NamedNode(OA + "TextQuoteSelector")),
                ox.Triple(quote, ox.NamedNode(OA + "exact"), ox.Literal(ev.quote)),
                ox.Triple(node, ox.NamedNode(OA + "hasSelector"), position),
                ox.Triple(position, ox.NamedNode(RDF_TYPE), ox.NamedNode(OA + "TextPositionSelector")),
                ox.Triple(position, ox.NamedNode(OA + "start"), ox.Literal(str(ev.start), datatype=integer)),
                ox.Triple(position, ox.NamedNode(OA + "end"), ox.Literal(str(ev.end), datatype=integer))]
    return out


def _near(text: str, quote: str) -> str:
    """A hint when the quote is in the text but for case or spacing."""
    words = quote.split()
    if not words:
        return ""
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.search(pattern, text, re.I)
    if m:
        return f" (the text has \"{clip(m.group())}\", which differs in case or spacing)"
    return ""


# --------------------------------------------------------------------------- running


def used_prefixes(text: str) -> dict:
    """The kzlod prefixes a Turtle text (written with all of them) actually uses."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix"))
    return {p: ns for p, ns in NS.items() if re.search(rf"(?<![\w:<\"-]){re.escape(p)}:", body)}


def apply_template(project: Project, path, *, dry_run: bool = False) -> TemplateResult:
    """Turn the rows of a CSV/TSV template into assertions with evidence and add them to ``project``."""

    if not dry_run:
        project.require_writable()
    sheet = read_sheet(Path(path))
    # the graph the rows are checked against is read under the lock the write takes (re-entered by
    # ``add``): no row is built on what another writer changed meanwhile
    with nullcontext() if dry_run else project_lock(project.data_dir):
        return _apply(project, sheet, path, dry_run=dry_run)


def _apply(project: Project, sheet: Sheet, path, *, dry_run: bool) -> TemplateResult:
    builder = Builder(sheet, Graph(open_graph(project)))
    builder.build()
    builder.problems.raise_if_any()
    triples = builder.triples()
    text = serialize(triples, NS)
    text = serialize(triples, used_prefixes(text))
    # the data is added before the folder goes: a folder that cannot be removed is no failure of the command
    with tempfile.TemporaryDirectory(prefix="kzlod-template-", ignore_cleanup_errors=True) as tmp:
        ttl = Path(tmp) / f"{Path(path).stem or 'template'}.ttl"
        ttl.write_text(text, encoding="utf-8")
        try:
            plan = add(project, [ttl], dry_run=dry_run)
        except KzlodError as exc:
            raise pointed(exc, ttl, text, builder.sheet, builder.subjects) from None
        point = pointer(ttl, text, builder.sheet, builder.subjects)
        plan.warnings = [point(line) for line in plan.warnings]  # at the rows they come from, as problems are
    subjects = []
    for subject in builder.subjects.values():
        subjects.append({
            "id": compact(subject.iri), "iri": subject.iri, "rows": subject.rows,
            "types": sorted(compact(t) for t in subject.types), "evidence": len(subject.evidence),
            "quotes": [{"source": compact(e.source), "sentence": e.sentence, "sentenceIndex": e.sentence_index,
                        "start": e.start, "end": e.end, "quote": e.quote} for e in subject.evidence.values()],
        })
    return TemplateResult(sheet.name, len(sheet.rows), subjects, plan)
