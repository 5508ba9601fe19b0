"""``kzlod new``: a Turtle skeleton of a new instance of a class for a curator to fill in — every
property the class's shapes require, the others as comments, each with how many values and which
(:mod:`kzlod.querying.properties`), and the evidence block: located in the project's sources when
a quote is given (as ``kzlod locate`` finds it), else to fill in."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

import pyoxigraph as ox

from kzlod.curation.common import open_graph, sources
from kzlod.curation.locate import Located, locate
from kzlod.errors import QueryError, UsageError
from kzlod.project import Project
from kzlod.querying.properties import Property
from kzlod.querying.run import run_query
from kzlod.querying.terms import term
from kzlod.text import one_line
from kzlod.vocab import KZ, KZD, NAMESPACES, compact

#: What a curator writes in place of each value.
BLANK = "___"
EVIDENCE = KZ + "hasEvidence"
MODALITY = KZ + "modality"
HELD = "ASK { { ?t ?p ?o } UNION { ?s ?p ?t } }"


@dataclass
class Skeleton:
    """A new instance of a class in Turtle, to fill in: ``text``; its IRI; where its quote is."""

    text: str
    iri: str
    located: Located | None = None

    def as_dict(self) -> dict:
        return {"iri": self.iri, "turtle": self.text,
                "located": self.located.as_dict() if self.located else None}


def skeleton(project: Project, name: str, quote: str | None = None, source: str | None = None,
             occurrence: int | None = None) -> Skeleton:
    """The skeleton of a new ``name`` (a class: kz:ToneAssessment, or ToneAssessment). With a
    ``quote``, its evidence block filled in from the place it occurs in ``source`` (default: any
    source of the project); a quote found in more than one place needs ``occurrence`` (exit 2)."""
    cls = term(project, name)
    if cls.kind != "class":
        article = "an" if cls.kind[0] in "aeiou" else "a"
        raise UsageError(f"{compact(cls.iri)} is {article} {cls.kind}, not a class: "
                         "'kzlod new' makes an instance of a class")
    store = open_graph(project)
    located = _locate(project, store, quote, source, occurrence) if quote is not None else None
    iri = _free_iri(store, cls.iri)
    lines = [f"# A new {compact(cls.iri)}" + (f" ({cls.label})" if cls.label else "") +
             f": write a value in place of each {BLANK} (and a telling name in",
             "# place of the subject's), remove the '#' of a commented line only where the source says it;",
             "# then: kzlod validate FILE, and kzlod add FILE.",
             f"{compact(iri)} a {compact(cls.iri)} ;"]
    evidence = None
    for level in ("required", "recommended", "optional"):
        chosen = [p for p in cls.properties if p.level == level and p.path != EVIDENCE]
        if chosen:
            lines.append(f"    # {level}" + (": remove the '#' of what the source says" if level != "required" else ""))
        for p in chosen:
            lines += _property(p, active=level == "required")
        evidence = evidence or next((p for p in cls.properties if p.level == level and p.path == EVIDENCE), None)
    lines += _evidence(located) if evidence else ["    ."]
    body = "\n".join(lines) + "\n"
    used = sorted(set(re.findall(r"(?<![\w<#/.-])([a-z][\w-]*):(?=[\w<])", body)) & set(NAMESPACES))
    head = "".join(f"@prefix {p}: <{NAMESPACES[p]}> .\n" for p in used)
    return Skeleton(head + "\n" + body, iri, located)


def _property(p: Property, *, active: bool) -> list[str]:
    """A property's comment (how many values, which) and its line, commented out unless ``active``."""
    about = f"{p.count}: {p.allowed}" if p.allowed else p.count
    if p.concepts:
        about += ": " + ", ".join(compact(c) for c in p.concepts)
    out = textwrap.wrap(about, 96, initial_indent="    # ", subsequent_indent="    #   ", break_on_hyphens=False)
    if p.path == MODALITY and active:
        out.append(f"    {compact(p.path)} {compact(KZ + 'modality-asserted')} ;"
                   "  # the source's own statement; another's: -reported, -feared … and prov:wasAttributedTo")
    else:
        out.append(f"    {'# ' if not active else ''}{compact(p.path)} {BLANK} ;")
    return out


def _evidence(located: Located | None) -> list[str]:
    if located is None:
        block = ["kz:hasEvidence [", "    a kz:Evidence ;", f"    oa:hasSource {BLANK} ;",
                 f"    kz:sentence {BLANK} ;",
                 f"    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact {BLANK} ] ,",
                 f"        [ a oa:TextPositionSelector ; oa:start {BLANK} ; oa:end {BLANK} ]", "]"]
        note = ['    # the evidence: kzlod locate SOURCE "quote" prints this block filled in']
    else:
        match = located.matches[0]
        block = located.evidence(match).splitlines()
        note = [f"    # {located.slug}, sentence {match.sentence}: {one_line(match.sentence_text)}"]
    return note + [f"    {line}" for line in block[:-1]] + [f"    {block[-1]} ."]


def _locate(project: Project, store, quote: str, source: str | None, occurrence: int | None) -> Located:
    """The one place ``quote`` is cited from: in ``source``, or in whichever source holds it."""
    if source is not None:
        found = locate(project, source, quote, store)
    else:
        places = []
        for row in sources(store):
            if row.has_text:
                try:
                    places.append(locate(project, row.slug, quote, store))
                except QueryError:
                    continue
        if not places:
            raise QueryError(f"quote not found in any source of the project: \"{one_line(quote)}\" "
                             "('kzlod locate SOURCE \"quote\"' names the closest passage)")
        if len(places) > 1:
            raise UsageError(f"the quote is in more than one source ({', '.join(p.slug for p in places)}): "
                             "name one with --source")
        found = places[0]
    if len(found.matches) > 1 and occurrence is None:
        raise UsageError(f"the quote occurs {len(found.matches)} times in {found.slug}: give --occurrence N "
                         "(or quote more words)", details=found.listing().rstrip("\n").splitlines())
    return found.pick(occurrence)


def _free_iri(store, cls: str) -> str:
    """``kzd:<class-name>-N`` with the first N the graph does not use (to rename to something telling)."""
    local = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", cls.rsplit("#", 1)[-1].rsplit("/", 1)[-1]).lower()
    n = 1
    while run_query(store, HELD, {ox.Variable("t"): ox.NamedNode(f"{KZD}{local}-{n}")}).boolean:
        n += 1
    return f"{KZD}{local}-{n}"
