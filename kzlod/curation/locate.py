"""Finding a quote in a source: where it is (section, sentence, code-point offsets) and the
evidence block that cites it, ready to paste into a claim (``kzlod locate``)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from kzlod.curation.common import open_graph, resolve_source, sentences, source_text
from kzlod.errors import QueryError, UsageError
from kzlod.files.lexical import string_literal
from kzlod.project import Project
from kzlod.text import one_line
from kzlod.vocab import KZSRC


@dataclass
class Match:
    """One place a quote occurs."""

    start: int
    end: int
    sentence: int | None = None
    sentence_iri: str | None = None
    sentence_text: str = ""
    section: int | None = None
    section_title: str = ""
    context: str = ""  # the words around the quote, within its sentence

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "sentence": self.sentence, "sentenceIri": self.sentence_iri,
                "sentenceText": self.sentence_text, "section": self.section, "sectionTitle": self.section_title}


@dataclass
class Located:
    """Where a quote is in a source, and the evidence blocks that cite it."""

    source: str  # the source's IRI
    slug: str
    quote: str
    matches: list[Match] = field(default_factory=list)

    def evidence(self, match: Match) -> str:
        """A ``kz:hasEvidence`` block for a claim in Turtle (prefixes kz:, kzsrc:, oa:)."""
        source = f"kzsrc:{self.slug}" if self.source == KZSRC + self.slug else f"<{self.source}>"
        lines = ["kz:hasEvidence [", "    a kz:Evidence ;", f"    oa:hasSource {source} ;"]
        if match.sentence_iri:
            lines.append(f"    kz:sentence <{match.sentence_iri}> ;")
        lines += [f"    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact {string_literal(self.quote)} ] ,",
                  f"        [ a oa:TextPositionSelector ; oa:start {match.start} ; oa:end {match.end} ]", "]"]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"source": self.source, "quote": self.quote,
                "matches": [m.as_dict() | {"evidence": self.evidence(m)} for m in self.matches]}

    def pick(self, occurrence: int | None) -> Located:
        """Only the ``occurrence``-th place (from 1; None: every place)."""
        if occurrence is None:
            return self
        if not 1 <= occurrence <= len(self.matches):
            raise UsageError(f"--occurrence {occurrence}: the quote occurs {len(self.matches)} "
                             f"time{'s' if len(self.matches) != 1 else ''} in {self.slug}")
        return Located(self.source, self.slug, self.quote, [self.matches[occurrence - 1]])

    def listing(self) -> str:
        """Every place, one line each, numbered for ``--occurrence``."""
        width = len(str(len(self.matches)))
        out = []
        for n, m in enumerate(self.matches, 1):
            where = f"section {m.section}, " if m.section is not None else ""
            out.append(f"  {n:>{width}}  {where}sentence {m.sentence}, oa:start {m.start}: {one_line(m.context)}")
        return "\n".join(out) + "\n"

    def text(self) -> str:
        """One place: where it is and its evidence block; several: one line each (:meth:`listing`)
        and how to pick one."""
        n = len(self.matches)
        if n > 1:
            return (f"{n} places in {self.slug}; give --occurrence N for one's evidence block "
                    f"(or quote more words):\n" + self.listing())
        out = []
        for m in self.matches:
            where = f"section {m.section} ({m.section_title}), " if m.section is not None else ""
            out.append(f"{self.slug}: {where}sentence {m.sentence}, oa:start {m.start}, oa:end {m.end}")
            out.append(f"  {m.sentence_text}")
            out.append("")
            out.append(self.evidence(m))
            out.append("")
        return "\n".join(out)


def locate(project: Project, source: str, quote: str, store=None) -> Located:
    """Every place ``quote`` occurs, verbatim, in the text of ``source`` (a slug or IRI), read from
    ``store`` (default: the project's graph, opened).

    Not found: a :class:`~kzlod.errors.QueryError` (exit 1) naming the closest passage.
    """
    if not quote.strip():
        raise UsageError("give the quote to find (the words as the source has them)")
    store = store if store is not None else open_graph(project)
    resolved = resolve_source(store, source)
    row = resolved.source
    text = source_text(store, row.iri)
    if text is None:
        raise UsageError(f"source {row.slug} has no text in the graph, so nothing can be quoted from it")
    sents = sentences(store, row.iri)
    found = Located(row.iri, row.slug, quote)
    at = text.find(quote)
    while at >= 0:
        end = at + len(quote)
        holder = next((s for s in sents if s.start <= at and end <= s.end), None)
        found.matches.append(Match(at, end, holder.index if holder else None, holder.iri if holder else None,
                                   holder.text if holder else "", holder.section if holder else None,
                                   holder.section_title if holder else "",
                                   _around(text, at, end, holder.start if holder else 0,
                                           holder.end if holder else len(text))))
        at = text.find(quote, at + 1)
    if not found.matches:
        near = closest(quote, sents)
        hint = f" Did you mean \"{near[0]}\" (sentence {near[1]})?" if near else ""
        raise QueryError(f"quote not found in {row.slug}: \"{quote}\".{hint}")
    return found


def _around(text: str, start: int, end: int, first: int, last: int, wide: int = 30) -> str:
    """The quote with up to ``wide`` characters either side, within ``first``–``last`` (its sentence)."""
    a, b = max(first, start - wide), min(last, end + wide)
    return ("…" if a > first else "") + text[a:b] + ("…" if b < last else "")


def closest(quote: str, sents) -> tuple[str, int] | None:
    """The passage of a sentence most like ``quote``: as many words, the highest similarity."""
    words = quote.split()
    best, best_ratio = None, 0.0
    for s in sents:
        tokens = s.text.split()
        width = min(len(words), len(tokens))
        for i in range(0, max(len(tokens) - width, 0) + 1):
            passage = " ".join(tokens[i:i + width])
            ratio = difflib.SequenceMatcher(None, quote.casefold(), passage.casefold()).ratio()
            if ratio > best_ratio:
                best, best_ratio = (passage, s.index), ratio
    return best if best_ratio >= 0.5 else None
