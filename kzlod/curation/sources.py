"""Split a source document into sections and sentences, and describe it in Turtle.

Pure Python on purpose (no rdflib at import time): the splitter is used by the
command line and the tests and must stay quick to import.

Offsets are Unicode code-point offsets into the text (0-based start, exclusive
end), as in Web Annotation's ``oa:TextPositionSelector``; in Python they are
plain ``str`` indices, so ``text[s.start:s.end] == s.text`` for every sentence.

Layout rules (see ``docs/model.md``):

* The first non-blank line is the document title when it looks like a heading.
* Further heading-like lines before the first paragraph are front matter (an
  author line, say) when another heading follows them directly; a heading
  ending with ``:`` or followed by a paragraph opens a section.
* A heading is a short line that ends with ``:``, or that has no
  sentence-final punctuation, does not end with ``,``/``;``, does not start in
  lower case and holds no sentence boundary. Every other non-blank line is body text; consecutive body lines
  form one paragraph, and blank lines or headings end it.
* A paragraph is split into sentences after ``.``, ``!`` or ``?`` (with any
  closing quotes or brackets and an optional footnote marker such as ``[1]``,
  which stays with the sentence) when whitespace and an upper-case letter (or
  an opening quote/bracket before one) follow, unless the word before the
  full stop is a known abbreviation ("St. Petersburg") or a single initial.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from kzlod.vocab import KZSRC

__all__ = [
    "ABBREVIATIONS",
    "Document",
    "Section",
    "Sentence",
    "document_turtle",
    "is_heading",
    "main",
    "split_document",
    "split_sentences",
]

SOURCE_NS = KZSRC

#: Words that, followed by a full stop, do not end a sentence (compared
#: case-sensitively, without the full stop).
ABBREVIATIONS = frozenset(
    """
    St Ste Mt Ft Mr Mrs Ms Dr Prof Gen Col Maj Capt Lt Sgt Adm Cmdr Gov Sen Rep
    Pres Amb Hon Rev Jr Sr No Nos Vol Vols Art Arts Sec Ch Fig Figs Ed Eds pp p
    cf vs approx ca Inc Ltd Co Corp Bros Dept Univ Jan Feb Mar Apr Jun Jul Aug
    Sep Sept Oct Nov Dec e.g i.e U.S U.K U.N E.U
    """.split()
)

HEADING_MAX_LENGTH = 100
_SENTENCE_FINAL = ".!?"
_CLOSERS = "\"')]\u2019\u201d"
_FOOTNOTE = r"(?:\s?\[\d{1,3}\])?"
# A candidate sentence end: final punctuation, closers, an optional footnote
# marker; then whitespace and the start of the next sentence.
_BOUNDARY = re.compile(
    r"[.!?][" + re.escape(_CLOSERS) + r"]*" + _FOOTNOTE + r"(?=\s+[\"'(\[\u2018\u201c]?[A-Z\u0400-\u042f])"
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_ENUMERATION = re.compile(r"^\d+(?:\.\d+)*\.?\s+")
_FINAL_WITH_FOOTNOTE = re.compile(r"[.!?][" + re.escape(_CLOSERS) + r"]*" + _FOOTNOTE + r"$")


@dataclass(frozen=True)
class Section:
    """A titled section: ``start`` is where its heading begins, ``end`` where its last paragraph ends."""

    index: int
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """A sentence of the body; ``section`` is the 1-based index of its section, or None."""

    index: int
    section: int | None
    start: int
    end: int
    text: str


@dataclass
class Document:
    text: str
    title: str | None = None
    front_matter: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)

    def sentences_in(self, section: int) -> list[Sentence]:
        return [s for s in self.sentences if s.section == section]

    def sentence_at(self, offset: int) -> Sentence | None:
        """The sentence containing the code-point ``offset``, if any."""
        for s in self.sentences:
            if s.start <= offset < s.end:
                return s
        return None


def is_heading(line: str) -> bool:
    """A short line that ends with ':' or lacks sentence-final punctuation."""
    stripped = line.strip()
    if not stripped or len(stripped) > HEADING_MAX_LENGTH:
        return False
    if stripped.endswith(":"):
        return True
    if _FINAL_WITH_FOOTNOTE.search(stripped) or stripped[-1] in ",;" or stripped[0].islower():
        return False
    # A wrapped line of a paragraph may lack final punctuation but contains a
    # sentence boundary; a numbered title ("6. Foreign Policy") does not count.
    return len(split_sentences(_ENUMERATION.sub("", stripped))) <= 1


def _lines(text: str):
    """(start, end, content) of each line, ``end`` excluding the line break."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        content = raw.rstrip("\r\n")
        yield pos, pos + len(content), content
        pos += len(raw)


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_abbreviation(text: str, start: int, dot: int) -> bool:
    """Whether the full stop at ``dot`` closes an abbreviation or an initial."""
    if text[dot] != ".":
        return False
    m = _WORD_BEFORE.search(text, start, dot)
    if not m:
        return False
    word = m.group(1)
    if word in ABBREVIATIONS or word.rstrip(".") in ABBREVIATIONS:
        return True
    # A single upper-case initial ("A. Lukashenko"), but not a lone pronoun "I".
    return len(word) == 1 and word.isupper() and word != "I"


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences in ``text[start:end]``, trimmed of whitespace."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for m in _BOUNDARY.finditer(text, start, end):
        if _is_abbreviation(text, cursor, m.start()):
            continue
        s, e = _strip_span(text, cursor, m.end())
        if s < e:
            spans.append((s, e))
        cursor = m.end()
    s, e = _strip_span(text, cursor, end)
    if s < e:
        spans.append((s, e))
    return spans


def split_document(text: str) -> Document:
    """Split ``text`` into a title, front matter, sections and sentences."""
    doc = Document(text=text)
    lines = [(s, e, c) for s, e, c in _lines(text)]
    kinds = []  # "blank" | "heading" | "body"
    for _s, _e, content in lines:
        if not content.strip():
            kinds.append("blank")
        elif is_heading(content):
            kinds.append("heading")
        else:
            kinds.append("body")

    def next_kind(i: int) -> str | None:
        for k in kinds[i + 1 :]:
            if k != "blank":
                return k
        return None

    paragraphs: list[tuple[int, int, int | None]] = []  # (start, end, section)
    section_bounds: list[list] = []  # [title, start, end]
    seen_body = False
    para_start = para_end = None

    def close_paragraph():
        nonlocal para_start, para_end
        if para_start is not None:
            paragraphs.append((para_start, para_end, len(section_bounds) or None))
            if section_bounds:
                section_bounds[-1][2] = para_end
        para_start = para_end = None

    for i, ((s, e, _content), kind) in enumerate(zip(lines, kinds)):
        if kind == "blank":
            close_paragraph()
            continue
        if kind == "heading":
            close_paragraph()
            hs, he = _strip_span(text, s, e)
            title = text[hs:he]
            if not seen_body and not section_bounds:
                if doc.title is None and not title.endswith(":"):
                    doc.title = title
                    continue
                if not title.endswith(":") and next_kind(i) == "heading":
                    doc.front_matter.append(title)
                    continue
            section_bounds.append([title[:-1].rstrip() if title.endswith(":") else title, hs, he])
            continue
        seen_body = True
        if para_start is None:
            para_start = s
        para_end = e
    close_paragraph()

    doc.sections = [Section(i, t, s, e) for i, (t, s, e) in enumerate(section_bounds, start=1)]
    n = 0
    for ps, pe, sec in paragraphs:
        for s, e in split_sentences(text, ps, pe):
            n += 1
            doc.sentences.append(Sentence(n, sec, s, e, text[s:e]))
    return doc


# --------------------------------------------------------------------------- Turtle

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _literal(value: str, long: bool = False) -> str:
    """A Turtle string literal; ``long`` keeps line breaks readable in a triple-quoted literal."""
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == "\n":
            out.append("\n" if long else "\\n")
        elif ord(ch) < 0x20 or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    body = "".join(out)
    return f'"""{body}"""' if long else f'"{body}"'


def _date_literal(date: str) -> str:
    if re.fullmatch(r"\d{4}", date):
        return f'"{date}"^^xsd:gYear'
    if re.fullmatch(r"\d{4}-\d{2}", date):
        return f'"{date}"^^xsd:gYearMonth'
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        return f'"{date}"^^xsd:date'
    raise ValueError(f"date must be YYYY, YYYY-MM or YYYY-MM-DD, not {date!r}")


def document_iri(slug: str) -> str:
    return SOURCE_NS + slug


def section_iri(slug: str, index: int) -> str:
    return f"{SOURCE_NS}{slug}/section/{index}"


def sentence_iri(slug: str, index: int) -> str:
    return f"{SOURCE_NS}{slug}/sentence/{index}"


def document_turtle(slug: str, text: str, title: str, creator: str | None, date: str | None = None) -> str:
    """Turtle for ``data/sources/<slug>.ttl``: the document, its sections and sentences."""
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        raise ValueError(f"slug must be kebab-case ASCII, not {slug!r}")
    doc = split_document(text)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    out = [
        f"# Generated from sources/{slug}.txt by kzlod.curation.sources; do not edit by hand.",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix kz: <https://w3id.org/kzlod/ontology#> .",
        "@prefix kzsrc: <https://w3id.org/kzlod/id/source/> .",
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "",
        f"kzsrc:{slug} a kz:SourceDocument ;",
        f"    dcterms:title {_literal(title)}@en ;",
    ]
    if creator:
        out.append(f"    dcterms:creator {_literal(creator)} ;")
    if date:
        out.append(f"    dcterms:date {_date_literal(date)} ;")
    out += [
        f'    kz:sourceFile "sources/{slug}.txt" ;',
        f'    kz:sha256 "{sha}" ;',
        f"    kz:text {_literal(text, long=True)} .",
    ]
    for sec in doc.sections:
        out += [
            "",
            f"<{section_iri(slug, sec.index)}> a kz:Section ;",
            f"    dcterms:isPartOf kzsrc:{slug} ;",
            f"    dcterms:title {_literal(sec.title)}@en ;",
            f"    kz:index {sec.index} ;",
            f"    kz:start {sec.start} ;",
            f"    kz:end {sec.end} .",
        ]
    for s in doc.sentences:
        out += ["", f"<{sentence_iri(slug, s.index)}> a kz:Sentence ;", f"    dcterms:isPartOf kzsrc:{slug} ;"]
        if s.section is not None:
            out.append(f"    kz:inSection <{section_iri(slug, s.section)}> ;")
        out += [
            f"    kz:index {s.index} ;",
            f"    kz:start {s.start} ;",
            f"    kz:end {s.end} ;",
            f"    rdf:value {_literal(s.text)} .",
        ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kzlod.curation.sources",
        description="Write data/sources/<slug>.ttl for a source text.",
    )
    parser.add_argument("path", type=Path, help="the source text (UTF-8)")
    parser.add_argument("--slug", help="kebab-case name; defaults to the file's stem")
    parser.add_argument("--title", help="document title; defaults to the text's first line")
    parser.add_argument("--creator", help="author")
    parser.add_argument("--date", help="publication date: YYYY, YYYY-MM or YYYY-MM-DD")
    parser.add_argument("-o", "--output", type=Path, help="defaults to <slug>.ttl beside the text; '-' for stdout")
    args = parser.parse_args(argv)

    text = args.path.read_bytes().decode("utf-8")  # keep line endings as they are
    slug = args.slug or args.path.stem
    title = args.title or split_document(text).title or slug
    turtle = document_turtle(slug, text, title, args.creator, args.date)
    if args.output is not None and str(args.output) == "-":
        sys.stdout.write(turtle)
    else:
        target = args.output or args.path.with_name(f"{slug}.ttl")
        target.write_text(turtle, encoding="utf-8", newline="\n")
        print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
