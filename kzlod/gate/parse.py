"""Reading RDF files strictly: the input gate every user file passes through.

Syntax is checked by pyoxigraph's parsers, which follow the W3C grammars and
report line and column. On top of that the gate refuses what those parsers
let through but a curator never means: byte-order marks, non-UTF-8 bytes,
control characters, empty files, literals outside their datatype's value
space (:mod:`.literals`), malformed language tags and base directions, RDF 1.2
triple terms, DOCTYPE/ENTITY declarations in RDF/XML, remote JSON-LD contexts,
and anything past the size limits, which are checked before the work they
guard: the file's size before it is read (:mod:`.reading`), strings and nesting
before it is parsed (:mod:`.syntax`), statements and terms while it is parsed
(:mod:`.terms`).

:func:`parse_file` accepts every string RDF allows (the W3C syntax suites run
against it); :func:`parse_files`, which every command reads user files through,
and the streaming gate of ``kzlod load`` also refuse NUL and Unicode
noncharacters, raw or escaped, in literals and IRIs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError
from kzlod.gate.reading import LIMITS, rdf_format, read_bytes, read_text
from kzlod.gate.syntax import (
    buffer_message,
    check_format_specific,
    check_text,
    more_syntax_errors,
    prefixes_message,
    statements_message,
    syntax_error,
)
from kzlod.gate.terms import RDF_REST, check_terms


@dataclass
class ParsedFile:
    """The quads of one file, with the prefixes it declared."""

    path: Path
    quads: list = field(default_factory=list)
    prefixes: dict = field(default_factory=dict)
    text: str = ""

    def __len__(self) -> int:
        return len(self.quads)



def parse_file(path: Path, *, base_iri: str | None = None, allow_empty: bool = True,
               strict_chars: bool = False, max_statements: int | None = None) -> ParsedFile:
    """Parse one user file through the strict gate.

    An empty file is valid RDF (no triples); ``allow_empty=False`` refuses it.
    ``strict_chars`` also refuses NUL and noncharacters in literals and IRIs (valid RDF, never
    meant; :func:`parse_files` asks for it). ``max_statements`` refuses a file with more
    statements, counted while parsing (validate and add pass ``LIMITS["statements"]``).
    """
    path = Path(path)
    fmt = rdf_format(path)
    text = read_text(path, whole=True)
    if not allow_empty and not text.strip():
        raise InputError(f"{path}:1:1: file is empty: there is nothing to add")
    check_format_specific(path, text, fmt)
    bad_escape = check_text(path, text, fmt, strict_chars=strict_chars)
    try:
        raw = text.encode("utf-8")
        parser = ox.parse(raw, format=fmt, base_iri=base_iri)
        relabelled = iter_relabelled(parser, blank_salt(str(path.resolve()), raw))
        if max_statements is None:
            quads = list(relabelled)
        else:  # a list item is one statement: its rdf:rest link is not counted
            quads, links = [], 0
            for q in relabelled:
                quads.append(q)
                if q.predicate.value == RDF_REST:
                    links += 1
                elif len(quads) - links > max_statements:
                    raise InputError(statements_message(path, max_statements))
    except SyntaxError as exc:
        errors = [syntax_error(path, text, exc).message] + more_syntax_errors(path, text, fmt, base_iri, exc)
        raise InputError(errors[0], details=errors[1:]) from None
    except MemoryError:
        raise InputError(buffer_message(path, text)) from None
    except ValueError as exc:
        raise InputError(f"{path}:1:1: {exc}") from None
    check_terms(path, text, quads, fmt=fmt, bad_escape=bad_escape)
    if not allow_empty and not quads:
        raise InputError(f"{path}:1:1: file has no triples: there is nothing to add")
    prefixes = dict(parser.prefixes) if hasattr(parser, "prefixes") else {}
    if len(prefixes) > LIMITS["prefixes"]:  # declared where the text scan does not look (a JSON-LD context)
        raise InputError(f"{path}:1:1: {prefixes_message(LIMITS['prefixes'])}")
    return ParsedFile(path=path, quads=quads, prefixes=prefixes, text=text)



def parse_files(paths, *, base_iri: str | None = None, allow_empty: bool = True, strict_chars: bool = True,
                max_statements: int | None = None) -> list[ParsedFile]:
    """Parse several user files through the gate (refusing NUL and noncharacters, see
    :func:`parse_file`); report every file's first error, not only the first file's."""
    parsed, errors = [], []
    for p in paths:
        try:
            parsed.append(parse_file(Path(p), base_iri=base_iri, allow_empty=allow_empty,
                                     strict_chars=strict_chars, max_statements=max_statements))
        except InputError as exc:
            errors.extend([exc.message, *exc.details])
    if errors:
        raise InputError(errors[0], details=errors[1:])
    return parsed


def parse_trusted(path: Path, raw: bytes | None = None) -> list:
    """Parse a bundled file (already checked by the tests), as fast as possible (a regular file,
    within the limit of any file: :func:`kzlod.gate.reading.read_bytes`); a file that is not RDF
    after all is an InputError naming it. ``raw``: the file's bytes, when the caller read them."""
    raw = read_bytes(Path(path)) if raw is None else raw
    try:
        quads = ox.parse(raw, format=rdf_format(Path(path)))
        return relabel_blank_nodes(quads, blank_salt(Path(path).name, raw))
    except SyntaxError as exc:
        raise InputError(f"{path}: {exc}") from None


def blank_salt(name: str, raw: bytes) -> str:
    import hashlib

    return "b" + hashlib.sha256(name.encode() + b"\0" + raw).hexdigest()[:12]


def relabel_blank_nodes(quads, salt: str) -> list:
    """Quads with each blank node named ``salt`` + its order of first appearance.

    pyoxigraph names anonymous blank nodes at random on every parse; these names
    depend only on the file's name and content, so a closure cached by one process
    refers to the same blank nodes as a fresh parse in the next, and two files
    never share a blank node by accident.
    """
    return list(iter_relabelled(quads, salt))


def iter_relabelled(quads, salt: str, graph: ox.NamedNode | None = None):
    """:func:`relabel_blank_nodes`, one quad (or triple) at a time; with ``graph``, every statement
    comes as a quad in that graph (made once, not relabelled and then moved)."""
    names: dict[str, ox.BlankNode] = {}
    blank = ox.BlankNode

    def term(t):
        node = names.get(t.value)
        if node is None:
            node = names[t.value] = blank(f"{salt}n{len(names)}")
        return node

    for q in quads:
        s, o = q.subject, q.object
        if type(s) is blank:
            s = term(s)
        if type(o) is blank:
            o = term(o)
        if graph is not None:
            yield ox.Quad(s, q.predicate, o, graph)
        elif type(q) is ox.Quad:
            yield ox.Quad(s, q.predicate, o, q.graph_name)
        else:
            yield ox.Triple(s, q.predicate, o)

