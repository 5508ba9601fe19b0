"""Reading RDF files strictly: the input gate every user file passes through.

Syntax is checked by pyoxigraph's parsers, which follow the W3C grammars and
report line and column. On top of that the gate refuses what those parsers
let through but a curator never means: byte-order marks, non-UTF-8 bytes,
control characters, empty files, literals outside their datatype's value
space (:mod:`.literals`), malformed language tags and base directions, RDF 1.2
triple terms, DOCTYPE/ENTITY declarations in RDF/XML, remote JSON-LD contexts,
and anything past the size limits, which are checked before the work they
guard: the file's size before it is read, strings and nesting before it is
parsed, statements while it is parsed.

:func:`parse_file` accepts every string RDF allows (the W3C syntax suites run
against it); :func:`parse_files`, which every command reads user files through,
and the streaming gate of ``kzlod load`` also refuse NUL and Unicode
noncharacters, raw or escaped, in literals and IRIs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod import settings
from kzlod.errors import InputError
from kzlod.gate import literals
from kzlod.gate.scan import longest_gap, scan_turtle
from kzlod.vocab import XSD

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}

#: Output formats of graphs, by the names the commands take.
GRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}

MiB = 1 << 20
GiB = 1 << 30


#: Limits of the input gate, read from the settings when looked up (kzlod.settings: each message
#: names its variable). The defaults keep ``kzlod validate FILE`` and ``kzlod add FILE`` under 10 s
#: and 1 GB (docs/limits.md); ``kzlod load`` streams, and has limits of its own (``file_bytes``, the
#: largest file any command reads, and ``load_statements``).
LIMITS = settings.View(
    whole_file_bytes="max_file_bytes",  # a file read whole: validate, add, --data
    statements="max_statements",  # of one file validate and add check (list items once)
    literal_chars="max_literal_chars",
    nesting_depth="max_nesting",
    file_bytes="max_load_file_bytes",  # the largest file any command reads (load)
    load_statements="max_load_statements",
)

#: The strings of a token pyoxigraph's parsers hold at most (longer ones: MemoryError).
PARSER_BUFFER = 16 * MiB

#: Datatype IRI -> an object whose ``match(value)`` is truthy for a valid literal (lexical *and*
#: value space; :func:`kzlod.gate.literals.literal_problem` says why not).
_LEXICAL_RE = literals.MATCHERS
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SYNTAX_POS = re.compile(r"(?:at|between) line (\d+) (?:between columns (\d+) and \d+|column (\d+))")
_TURTLE_LIKE = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3)
_LINE_BASED = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"


@dataclass
class ParsedFile:
    """The quads of one file, with the prefixes it declared."""

    path: Path
    quads: list = field(default_factory=list)
    prefixes: dict = field(default_factory=dict)
    text: str = ""

    def __len__(self) -> int:
        return len(self.quads)


def rdf_format(path: Path) -> ox.RdfFormat:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"{path}: unknown RDF file extension {path.suffix!r} (known: {known})")
    return fmt


def amount(n: int) -> str:
    """``32 MiB``, ``4 GiB``, ``1,000 bytes``: a limit as its message names it."""
    for unit, size in (("GiB", GiB), ("MiB", MiB)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n:,} bytes"


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def _at(path: Path, text: str, index: int) -> str:
    line, col = _position(text, index)
    return f"{path}:{line}:{col}"


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return _position(text, index)[0] if index >= 0 else 1


def _stat(path: Path) -> int:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not an RDF file")
    return size


def check_size(path: Path, *, whole: bool | None = None) -> int:
    """The file's size, refused (before anything reads it) past the limit of any file (the
    largest ``kzlod load`` takes) and, with ``whole``, past the limit of files read whole
    (validate, add, ``--data``). ``whole=None``: an RDF file may be as big as ``kzlod load``
    takes; any other file (a source's text) is read whole."""
    path = Path(path)
    size = _stat(path)
    rdf = path.suffix.lower() in FORMATS
    if size > LIMITS["file_bytes"]:
        raise InputError(f"{path}: {size:,} bytes is over the limit of {amount(LIMITS['file_bytes'])} for any file "
                         "(KZLOD_MAX_LOAD_FILE_BYTES)")
    if (whole or (whole is None and not rdf)) and size > LIMITS["whole_file_bytes"]:
        limit = amount(LIMITS["whole_file_bytes"])
        if rdf:
            raise InputError(f"{path}: {size:,} bytes is over the limit of {limit} for validate and add "
                             "(KZLOD_MAX_FILE_BYTES); load bigger graphs with 'kzlod load'")
        raise InputError(f"{path}: {size:,} bytes is over the limit of {limit} (KZLOD_MAX_FILE_BYTES)")
    return size


def read_text(path: Path, *, whole: bool | None = None) -> str:
    """Read a user file as strict UTF-8 text, or raise :class:`InputError`; its size is checked
    first (:func:`check_size`)."""
    path = Path(path)
    check_size(path, whole=whole)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    return decode(path, raw)


def decode(path: Path, raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raise InputError(f"{path}:1:1: file starts with a byte-order mark; save it as UTF-8 without BOM")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", "replace")
        line, col = _position(before, len(before))
        raise InputError(
            f"{path}:{line}:{col}: invalid UTF-8 byte 0x{raw[exc.start]:02x}; the file must be UTF-8"
        ) from None


def _check_format_specific(path: Path, text: str, fmt: ox.RdfFormat) -> None:
    if fmt == ox.RdfFormat.RDF_XML:
        m = re.search(r"<!(DOCTYPE|ENTITY)", text)
        if m:
            line, col = _position(text, m.start())
            raise InputError(f"{path}:{line}:{col}: RDF/XML with a {m.group(1)} declaration is refused")
        _check_xml_well_formed(path, text)
        _check_xml_rdf12(path, text)
    if fmt == ox.RdfFormat.JSON_LD:
        m = re.search(r'"@context"\s*:\s*(\[\s*)?"', text)
        if m:
            line, col = _position(text, m.start())
            raise InputError(
                f"{path}:{line}:{col}: JSON-LD with a remote @context is refused; inline the context"
            )
        _check_jsonld_strings(path, text)


def _check_xml_well_formed(path: Path, text: str) -> None:
    """pyoxigraph's streaming RDF/XML parser accepts a truncated document; expat does not."""
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(
            f"{path}:{exc.lineno}:{exc.offset + 1}: syntax error: {xml.parsers.expat.ErrorString(exc.code)}"
        ) from None


_XML_RDF12 = re.compile(r"""\bparseType\s*=\s*["']Triple["']|\brdf:annotation(?:NodeID)?\s*=""")
_XML_DIR = re.compile(r"""\b(?:its|rdf):dir\s*=\s*["']([^"']*)["']""")


def _check_xml_rdf12(path: Path, text: str) -> None:
    """RDF 1.2 in RDF/XML: triple terms (dropped silently without rdf:version) and base directions."""
    m = _XML_RDF12.search(text)
    if m:
        raise InputError(f"{_at(path, text, m.start())}: {STAR_MESSAGE}")
    m = _XML_DIR.search(text)
    if m:
        raise InputError(f"{_at(path, text, m.start())}: {literals.direction_message(m.group(1))}")


STAR_MESSAGE = ("RDF 1.2 triple terms and reifiers (<< >>, <<( )>>, {| |}, ~) are not supported; "
                "state the triple itself, or give the statement an IRI of its own and describe that")

_JSON_LANGUAGE = re.compile(r'"@language"\s*:\s*"((?:[^"\\]|\\.)*)"')
_JSON_DIRECTION = re.compile(r'"@direction"\s*:\s*"((?:[^"\\]|\\.)*)"')
_JSON_ANNOTATION = re.compile(r'"@annotation"\s*:')


def _check_jsonld_strings(path: Path, text: str) -> None:
    """What pyoxigraph's JSON-LD parser drops without a word: values with a malformed @language
    (and IRIs with NUL, which the strict character check refuses), @direction, @annotation."""
    for m in _JSON_LANGUAGE.finditer(text):
        problem = literals.language_problem(m.group(1))
        if problem:
            raise InputError(f"{_at(path, text, m.start(1) - 1)}: {problem}")
    m = _JSON_DIRECTION.search(text)
    if m:
        raise InputError(f"{_at(path, text, m.start())}: {literals.direction_message(m.group(1))}")
    m = _JSON_ANNOTATION.search(text)
    if m:
        raise InputError(f"{_at(path, text, m.start())}: {STAR_MESSAGE}")


def _escape_kind(fmt: ox.RdfFormat) -> str:
    if fmt == ox.RdfFormat.JSON_LD:
        return "json"
    if fmt == ox.RdfFormat.RDF_XML:
        return "xml"
    return "turtle"


def _check_text(path: Path, text: str, fmt: ox.RdfFormat, *, strict_chars: bool) -> int:
    """What can be refused before parsing: nesting, over-long strings, RDF 1.2 tokens, and (with
    ``strict_chars``) raw NUL and noncharacters. Returns the offset of the first escape that
    stands for NUL or a noncharacter (-1 if none): refused once the parse shows it in a term."""
    max_chars = LIMITS["literal_chars"]
    if strict_chars:
        m = literals.BAD_CHARS.search(text)
        if m:
            raise InputError(f"{_at(path, text, m.start())}: {literals.bad_char_message(m.group())}")
    if fmt in _TURTLE_LIKE or fmt in _LINE_BASED:
        problem = scan_problem(scan_turtle(text, max_depth=LIMITS["nesting_depth"], max_string=max_chars))
        if problem:
            raise InputError(f"{_at(path, text, problem[0])}: {problem[1]}")
    else:
        at, length = _longest_string(text, fmt)
        if length > max_chars:
            raise InputError(_long_literal(path, text, at, length, what="string"))
    if strict_chars:
        kind = _escape_kind(fmt)
        for offset, c in literals.bad_escapes(text, kind):
            if kind != "turtle":  # JSON and XML escapes are all in strings (and JSON-LD drops bad IRIs)
                raise InputError(f"{_at(path, text, offset)}: {literals.bad_char_message(c)}")
            return offset  # maybe in a comment: refused if a term holds the character
    return -1


_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\[\s\S])*+"')


def _longest_string(text: str, fmt: ox.RdfFormat) -> tuple[int, int]:
    """(offset, characters) of the longest string of a JSON-LD document, or of the longest text or
    tag of an RDF/XML one (no literal can be longer)."""
    if fmt != ox.RdfFormat.JSON_LD:
        return longest_gap(text, "<>")
    if longest_gap(text, '"')[1] <= LIMITS["literal_chars"]:
        return 0, 0
    best = (0, 0)
    for m in _JSON_STRING.finditer(text):
        if m.end() - m.start() - 2 > best[1]:
            best = (m.start(), m.end() - m.start() - 2)
    return best


def _long_literal(path: Path, text: str, at: int, length: int, what: str = "literal") -> str:
    return (f"{_at(path, text, at)}: {what} of {length:,} characters is over the limit of "
            f"{LIMITS['literal_chars']:,} characters (KZLOD_MAX_LITERAL_CHARS)")


def scan_problem(scan) -> tuple[int, str] | None:
    """What a Turtle scan (:mod:`kzlod.gate.scan`) refuses, first found first: (offset, message)."""
    if scan.deep_at >= 0:
        return scan.deep_at, f"nesting deeper than {LIMITS['nesting_depth']} levels (KZLOD_MAX_NESTING)"
    if scan.long_string:
        at, length = scan.long_string
        return at, (f"literal of {length:,} characters is over the limit of {LIMITS['literal_chars']:,} "
                    "characters (KZLOD_MAX_LITERAL_CHARS)")
    if scan.star_at >= 0:
        return scan.star_at, STAR_MESSAGE
    return None


class TextLocator:
    """Places in a file whose text is at hand."""

    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text

    def find(self, fn) -> str | None:
        """``path:line:col`` of the offset ``fn(text)`` returns (None: not found)."""
        offset = fn(self.text)
        return None if offset is None else _at(self.path, self.text, offset)


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


def iter_text(path: Path, chunk: int, overlap: int = 0):
    """(character offset, text) of consecutive chunks of a UTF-8 file, each starting ``overlap``
    characters before the end of the one before."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    tail, at = "", 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            text = decoder.decode(block, final=not block)
            if not block and not text:
                return
            yield at - len(tail), tail + text
            at += len(text)
            tail = (tail + text)[-overlap:] if overlap else ""
            if not block:
                return


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
    return _finder(_XML_RDF12.pattern, r'"@annotation"')(text)


def _check_terms(path: Path, text: str, quads: list, *, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE,
                 bad_escape: int = -1) -> None:
    where = _at(path, text, bad_escape) if bad_escape >= 0 else None
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
                    finder = (_finder_statement(parent[y][2]) if fmt in _LINE_BASED
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
    _check_format_specific(path, text, fmt)
    bad_escape = _check_text(path, text, fmt, strict_chars=strict_chars)
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
        errors = [_syntax_error(path, text, exc).message] + _more_syntax_errors(path, text, fmt, base_iri, exc)
        raise InputError(errors[0], details=errors[1:]) from None
    except MemoryError:
        raise InputError(_buffer_message(path, text)) from None
    except ValueError as exc:
        raise InputError(f"{path}:1:1: {exc}") from None
    _check_terms(path, text, quads, fmt=fmt, bad_escape=bad_escape)
    if not allow_empty and not quads:
        raise InputError(f"{path}:1:1: file has no triples: there is nothing to add")
    prefixes = dict(parser.prefixes) if hasattr(parser, "prefixes") else {}
    return ParsedFile(path=path, quads=quads, prefixes=prefixes, text=text)


def statements_message(path: Path, limit: int, *, load: bool = False) -> str:
    if load:
        return (f"{path}: more than {limit:,} triples is over the limit of {limit:,} for load "
                "(KZLOD_MAX_LOAD_STATEMENTS)")
    return (f"{path}: more than {limit:,} statements (a list item counts once) is over the limit of {limit:,} "
            "for validate and add (KZLOD_MAX_STATEMENTS); load bigger graphs with 'kzlod load'")


def _buffer_message(path: Path, text: str | None) -> str:
    """pyoxigraph refuses a token (a literal, an IRI, a comment) longer than its buffer."""
    where = f"{path}:1:1"
    if text:
        at, _length = longest_gap(text)
        where = _at(path, text, at)
    return (f"{where}: a literal, IRI or comment longer than {amount(PARSER_BUFFER)} cannot be read "
            f"(literals are limited to {LIMITS['literal_chars']:,} characters, KZLOD_MAX_LITERAL_CHARS)")


def _syntax_error(path: Path, text: str, exc: SyntaxError, at: tuple[int, int] | None = None) -> InputError:
    """A file:line:col error; a stray control character on the line is named as the cause."""
    where = f"{at[0]}:{at[1]}" if at else _syntax_location(exc)
    line_no = int(where.split(":")[0])
    lines = text.split("\n")
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    bad = _CONTROL.search(line)
    if bad:
        return InputError(
            f"{path}:{line_no}:{bad.start() + 1}: control character U+{ord(bad.group()):04X} is not allowed here"
            f" (write it as an escape inside a string); {_syntax_message(exc)}"
        )
    message = _syntax_message(exc)
    if message.startswith("relative IRI") and _line_based(path):
        message = "relative IRI: N-Triples and N-Quads allow only absolute IRIs"
    return InputError(f"{path}:{where}: {message}")


MAX_ERRORS = 20
_DIRECTIVE = re.compile(r"^\s*(@prefix|@base|PREFIX|BASE)\b", re.IGNORECASE)


def _more_syntax_errors(path: Path, text: str, fmt, base_iri, first: SyntaxError) -> list[str]:
    """Errors after the first: parse on from the next statement that starts at column 1."""
    if fmt not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        return []
    lines = text.split("\n")
    line_based = fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
    errors: list[str] = []
    failed_at = int(_syntax_location(first).split(":")[0])
    while len(errors) < MAX_ERRORS:
        resume = None
        for i in range(failed_at, len(lines)):  # i is 0-based: the line after the failing one
            ln = lines[i]
            if ln.strip() and (line_based or (not ln[0].isspace() and not ln.startswith(("#", ".", ";", ",", "]", ")", "}")))):
                resume = i
                break
        if resume is None:
            return errors
        directives = [ln for ln in lines[:resume] if _DIRECTIVE.match(ln)] if not line_based else []
        chunk = "\n".join(directives + lines[resume:])
        try:
            list(ox.parse(chunk.encode("utf-8"), format=fmt, base_iri=base_iri))
            return errors
        except SyntaxError as exc:
            where = _syntax_location(exc)
            rel_line, col = (int(x) for x in where.split(":"))
            real_line = resume + rel_line - len(directives)
            if real_line <= failed_at:
                return errors
            shifted = SyntaxError(str(exc))
            errors.append(_syntax_error(path, text, shifted, (real_line, col)).message)
            failed_at = real_line
    return errors


def _syntax_location(exc: SyntaxError) -> str:
    m = _SYNTAX_POS.search(str(exc))
    if m:
        return f"{m.group(1)}:{m.group(2) or m.group(3)}"
    if exc.lineno:
        return f"{exc.lineno}:{exc.offset or 1}"
    return "1:1"


def _syntax_message(exc: SyntaxError) -> str:
    msg = str(exc)
    msg = re.sub(r"^Parser error (at|between) line \d+ [^:]*: ", "", msg)
    msg = re.sub(r" \(line \d+\)$", "", msg)
    if "No scheme found in an absolute IRI" in msg:
        return "relative IRI with no base to resolve it: write an absolute IRI, declare @base, or pass --base IRI"
    return f"syntax error: {msg}"


def _line_based(path: Path) -> bool:
    return FORMATS.get(Path(path).suffix.lower()) in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)


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


def parse_trusted(path: Path) -> list:
    """Parse a bundled file (already checked by the tests), as fast as possible; a file that is not
    RDF after all is an InputError naming it."""
    raw = Path(path).read_bytes()
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


def iter_relabelled(quads, salt: str):
    """:func:`relabel_blank_nodes`, one quad (or triple) at a time."""
    names: dict[str, ox.BlankNode] = {}

    def term(t):
        if isinstance(t, ox.BlankNode):
            node = names.get(t.value)
            if node is None:
                node = names[t.value] = ox.BlankNode(f"{salt}n{len(names)}")
            return node
        return t

    for q in quads:
        yield (ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name) if isinstance(q, ox.Quad)
               else ox.Triple(term(q.subject), q.predicate, term(q.object)))

