"""What the gate checks in every term a parser returns: literals in their datatype's value space,
language tags, RDF 1.2 triple terms, characters escaped into terms, blank nodes nested past the
limit; each error placed in its file by a locator (the text at hand, or read a chunk at a time)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError
from kzlod.gate import literals
from kzlod.gate.reading import LIMITS, MiB, iter_text, location
from kzlod.gate.scan import scan_turtle
from kzlod.gate.syntax import LINE_BASED, STAR_MESSAGE, XML_RDF12
from kzlod.vocab import XSD

RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"


class TextLocator:
    """Places in a file whose text is at hand."""

    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text

    def find(self, fn) -> str | None:
        """``path:line:col`` of the offset ``fn(text)`` returns (None: not found)."""
        offset = fn(self.text)
        return None if offset is None else location(self.path, self.text, offset)


class FileLocator:
    """Places in a file read a chunk at a time (``kzlod load``: the file may not fit in memory)."""

    CHUNK = 64 * MiB
    OVERLAP = 4 * MiB

    def __init__(self, path: Path):
        self.path = path

    def find(self, fn) -> str | None:
        for start, text in iter_text(self.path, self.CHUNK, self.OVERLAP):
            offset = fn(text)
            if offset is not None:
                return self.at(start + offset)
        return None

    def at(self, offset: int) -> str:
        """``path:line:col`` of a character offset, counted a chunk at a time."""
        line, line_start = 1, 0
        for start, text in iter_text(self.path, self.CHUNK):
            part = text[: max(0, offset - start)]
            newlines = part.count("\n")
            if newlines:
                line += newlines
                line_start = start + part.rfind("\n") + 1
            if start + len(text) >= offset:
                break
        return f"{self.path}:{line}:{offset - line_start + 1}"



class TermChecks:
    """The checks of every term a parser returns (one object per file; verdicts cached). Errors
    are placed by ``locator`` (:class:`TextLocator` or :class:`FileLocator`), only once found."""

    def __init__(self, path: Path, *, locator, bad_escape: str | None = None):
        self.path = path
        self.locator = locator
        self.max_chars = LIMITS["literal_chars"]
        self.bad_escape = bad_escape  # where an escape stands for a bad character: look at every term
        self.seen: set = set()

    def fail(self, message: str, *finders) -> None:
        for fn in finders:
            where = self.locator.find(fn) if fn is not None else None
            if where:
                raise InputError(f"{where}: {message}")
        raise InputError(f"{self.path}:1:1: {message}")

    def quad(self, quad) -> None:
        obj = quad.object
        if type(obj) is ox.Literal:
            self.literal(obj)
        if type(obj) is ox.Triple or type(quad.subject) is ox.Triple:
            self.fail(STAR_MESSAGE, _star_offset)
        if self.bad_escape is not None:
            for term in (quad.subject, quad.predicate, obj):
                value = getattr(term, "value", None)
                if type(value) is str:
                    m = literals.BAD_CHARS.search(value)
                    if m:
                        raise InputError(f"{self.bad_escape}: {literals.bad_char_message(m.group())}")

    def literal(self, obj: ox.Literal) -> None:
        value = obj.value
        if len(value) > self.max_chars:
            self.fail(f"literal of {len(value):,} characters is over the limit of {self.max_chars:,} characters "
                      "(KZLOD_MAX_LITERAL_CHARS)", _finder_literal(value[:40]))
        language = obj.language
        if language:
            key = (language, obj.direction)
            if key not in self.seen:
                self.seen.add(key)
                if obj.direction is not None:
                    self.fail(literals.direction_message(str(obj.direction)),
                              _finder(rf"@{re.escape(language)}--", r'"@direction"', r"\bdir\s*="))
                problem = literals.language_problem(language)
                if problem:
                    self.fail(problem, _finder(rf"@{re.escape(language)}\b", r'"@language"', r"xml:lang\s*="))
            return
        datatype = obj.datatype.value
        problem = literals.literal_problem(value, datatype)
        if problem:
            short = re.escape(datatype.removeprefix(XSD))
            typed = (r"[\"']" + re.escape(value) + r"[\"']+\^\^(?:xsd:" + short + r"\b|<" + re.escape(datatype)
                     + ">)")
            self.fail(problem, _finder(typed), _finder_literal(value))


def _finder(*patterns: str):
    def find(text: str) -> int | None:
        for pattern in patterns:
            m = re.search(pattern, text, re.IGNORECASE)
            if m:
                return m.start()
        return None

    return find


def _finder_literal(value: str):
    def find(text: str) -> int | None:
        import json  # here: a query's start does not load it
        for quote in ('"', "'"):
            i = text.find(quote + value + quote)
            if i >= 0:
                return i
        escaped = json.dumps(value)[1:-1]  # as JSON and Turtle escape quotes and backslashes
        for needle in (">" + value + "<", value, '"' + escaped, escaped):
            i = text.find(needle)
            if i >= 0:
                return i
        return None

    return find


def _star_offset(text: str) -> int | None:
    scan = scan_turtle(text, max_depth=1 << 62, max_string=1 << 62)
    if scan.star_at >= 0:
        return scan.star_at
    return _finder(XML_RDF12.pattern, r'"@annotation"')(text)


def check_terms(path: Path, text: str, quads: list, *, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE,
                 bad_escape: int = -1) -> None:
    where = location(path, text, bad_escape) if bad_escape >= 0 else None
    checks = TermChecks(path, locator=TextLocator(path, text), bad_escape=where)
    for quad in quads:
        checks.quad(quad)
    _check_blank_depth(path, text, quads, fmt)


def _check_blank_depth(path: Path, text: str, quads: list, fmt: ox.RdfFormat) -> None:
    depth = BlankDepth()
    for i, q in enumerate(quads):
        depth.add(q, i)
    depth.check(path, TextLocator(path, text), fmt)


class BlankDepth:
    """Blank nodes nested past the limit in any syntax (a chain of N-Triples, JSON-LD or RDF/XML
    nests as deep as brackets do): the first incoming link of each blank node counts, rdf:rest
    does not (a list is one level however long)."""

    def __init__(self):
        self.parent: dict = {}  # blank node -> (subject, is an rdf:rest link, statement index)

    def add(self, q, index: int) -> None:
        o = q.object
        if type(o) is ox.BlankNode and o not in self.parent:
            self.parent[o] = (q.subject, q.predicate.value == RDF_REST, index)

    def check(self, path: Path, locator, fmt: ox.RdfFormat) -> None:
        limit = LIMITS["nesting_depth"]
        parent = self.parent
        if len(parent) <= limit:
            return
        blank = ox.BlankNode
        depth: dict = {}
        for node in parent:
            chain, x = [], node
            while type(x) is blank and x in parent and x not in depth:
                depth[x] = -1  # on the way (a cycle ends here)
                chain.append(x)
                x = parent[x][0]
            level = max(depth.get(x, 0), 0)
            for y in reversed(chain):
                level += 0 if parent[y][1] else 1
                depth[y] = level
                if level > limit:
                    finder = (_finder_statement(parent[y][2]) if fmt in LINE_BASED
                              else _finder_subject(self._root(y)))
                    where = locator.find(finder) or f"{path}:1:1"
                    raise InputError(f"{where}: blank nodes nested deeper than {limit} levels (KZLOD_MAX_NESTING)")

    def _root(self, node):
        seen = set()
        while type(node) is ox.BlankNode and node in self.parent and node not in seen:
            seen.add(node)
            node = self.parent[node][0]
        return node


def _finder_statement(index: int):
    """The start of the statement ``index`` (0-based) of N-Triples or N-Quads: one a line."""
    def find(text: str) -> int | None:
        n = -1
        for m in re.finditer(r"^[ \t]*([^\s#])", text, re.MULTILINE):
            n += 1
            if n == index:
                return m.start(1)
        return None

    return find


def _finder_subject(node):
    def find(text: str) -> int | None:
        if isinstance(node, ox.NamedNode):
            for needle in ("<" + node.value + ">", '"' + node.value + '"', node.value):
                i = text.find(needle)
                if i >= 0:
                    return i
        return None

    return find


