"""What the gate refuses in a file's text, before and while it is parsed: format-specific
hazards (DOCTYPE/ENTITY in RDF/XML, remote JSON-LD contexts, RDF 1.2 tokens, base directions), nesting
and over-long strings, raw NUL and noncharacters; and syntax errors as ``file:line:col`` messages,
the first and those after it."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError
from kzlod.gate import literals
from kzlod.gate.reading import FORMATS, LIMITS, PARSER_BUFFER, amount, location, position
from kzlod.gate.scan import longest_gap, scan_turtle
from kzlod.text import LazyPattern

_CONTROL = LazyPattern(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SYNTAX_POS = LazyPattern(r"(?:at|between) line (\d+) (?:between columns (\d+) and \d+|column (\d+))")
TURTLE_LIKE = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3)
LINE_BASED = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)


def check_format_specific(path: Path, text: str, fmt: ox.RdfFormat) -> None:
    if fmt == ox.RdfFormat.RDF_XML:
        m = re.search(r"<!(DOCTYPE|ENTITY)", text)
        if m:
            line, col = position(text, m.start())
            raise InputError(f"{path}:{line}:{col}: RDF/XML with a {m.group(1)} declaration is refused")
        _check_xml_well_formed(path, text)
        _check_xml_rdf12(path, text)
    if fmt == ox.RdfFormat.JSON_LD:
        m = re.search(r'"@context"\s*:\s*(\[\s*)?"', text)
        if m:
            line, col = position(text, m.start())
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


XML_RDF12 = LazyPattern(r"""\bparseType\s*=\s*["']Triple["']|\brdf:annotation(?:NodeID)?\s*=""")
_XML_DIR = LazyPattern(r"""\b(?:its|rdf):dir\s*=\s*["']([^"']*)["']""")


def _check_xml_rdf12(path: Path, text: str) -> None:
    """RDF 1.2 in RDF/XML: triple terms (dropped silently without rdf:version) and base directions."""
    m = XML_RDF12.search(text)
    if m:
        raise InputError(f"{location(path, text, m.start())}: {STAR_MESSAGE}")
    m = _XML_DIR.search(text)
    if m:
        raise InputError(f"{location(path, text, m.start())}: {literals.direction_message(m.group(1))}")


STAR_MESSAGE = ("RDF 1.2 triple terms and reifiers (<< >>, <<( )>>, {| |}, ~) are not supported; "
                "state the triple itself, or give the statement an IRI of its own and describe that")

_JSON_LANGUAGE = LazyPattern(r'"@language"\s*:\s*"((?:[^"\\]|\\.)*)"')
_JSON_DIRECTION = LazyPattern(r'"@direction"\s*:\s*"((?:[^"\\]|\\.)*)"')
_JSON_ANNOTATION = LazyPattern(r'"@annotation"\s*:')


def _check_jsonld_strings(path: Path, text: str) -> None:
    """What pyoxigraph's JSON-LD parser drops without a word: values with a malformed @language
    (and IRIs with NUL, which the strict character check refuses), @direction, @annotation."""
    for m in _JSON_LANGUAGE.finditer(text):
        problem = literals.language_problem(m.group(1))
        if problem:
            raise InputError(f"{location(path, text, m.start(1) - 1)}: {problem}")
    m = _JSON_DIRECTION.search(text)
    if m:
        raise InputError(f"{location(path, text, m.start())}: {literals.direction_message(m.group(1))}")
    m = _JSON_ANNOTATION.search(text)
    if m:
        raise InputError(f"{location(path, text, m.start())}: {STAR_MESSAGE}")


def _escape_kind(fmt: ox.RdfFormat) -> str:
    if fmt == ox.RdfFormat.JSON_LD:
        return "json"
    if fmt == ox.RdfFormat.RDF_XML:
        return "xml"
    return "turtle"


#: A namespace declaration: Turtle's and SPARQL's prefix directives, an RDF/XML ``xmlns:``.
_PREFIX_DECLARATION = {
    "turtle": LazyPattern(r"""(?<![\w:])(?:@prefix|(?i:prefix))\s+[^\s:<>"']*:\s*<"""),
    "xml": LazyPattern(r"""\bxmlns:[\w.-]+\s*="""),
}


def prefixes_message(limit: int) -> str:
    return f"more than {limit:,} prefixes is over the limit of {limit:,} (KZLOD_MAX_PREFIXES)"


class PrefixCount:
    """The namespace declarations of a file, counted as its text goes by (a chunk at a time, or
    whole): the first past the limit is refused where it is, before the parser reads any."""

    def __init__(self, fmt: ox.RdfFormat):
        kind = _escape_kind(fmt)
        self.pattern = _PREFIX_DECLARATION.get(kind)
        self.limit = LIMITS["prefixes"]
        self.count = 0

    def over(self, text: str) -> int | None:
        """The offset in ``text`` of the first declaration past the limit, or None."""
        if self.pattern is None:
            return None
        for m in self.pattern.finditer(text):
            self.count += 1
            if self.count > self.limit:
                return m.start()
        return None


def check_text(path: Path, text: str, fmt: ox.RdfFormat, *, strict_chars: bool) -> int:
    """What can be refused before parsing: too many prefixes, nesting, over-long strings, RDF 1.2
    tokens, and (with ``strict_chars``) raw NUL and noncharacters. Returns the offset of the first
    escape that stands for NUL or a noncharacter (-1 if none): refused once the parse shows it in a
    term."""
    max_chars = LIMITS["literal_chars"]
    at = PrefixCount(fmt).over(text)
    if at is not None:
        raise InputError(f"{location(path, text, at)}: {prefixes_message(LIMITS['prefixes'])}")
    if strict_chars:
        m = literals.BAD_CHARS.search(text)
        if m:
            raise InputError(f"{location(path, text, m.start())}: {literals.bad_char_message(m.group())}")
    if fmt in TURTLE_LIKE or fmt in LINE_BASED:
        problem = scan_problem(scan_turtle(text, max_depth=LIMITS["nesting_depth"], max_string=max_chars))
        if problem:
            raise InputError(f"{location(path, text, problem[0])}: {problem[1]}")
    else:
        at, length = _longest_string(text, fmt)
        if length > max_chars:
            raise InputError(_long_literal(path, text, at, length, what="string"))
    if strict_chars:
        kind = _escape_kind(fmt)
        for offset, c in literals.bad_escapes(text, kind):
            if kind != "turtle":  # JSON and XML escapes are all in strings (and JSON-LD drops bad IRIs)
                raise InputError(f"{location(path, text, offset)}: {literals.bad_char_message(c)}")
            return offset  # maybe in a comment: refused if a term holds the character
    return -1


_JSON_STRING = LazyPattern(r'"(?:[^"\\]++|\\[\s\S])*+"')


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
    return (f"{location(path, text, at)}: {what} of {length:,} characters is over the limit of "
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


def statements_message(path: Path, limit: int, *, load: bool = False) -> str:
    if load:
        return (f"{path}: more than {limit:,} triples is over the limit of {limit:,} for load "
                "(KZLOD_MAX_LOAD_STATEMENTS)")
    return (f"{path}: more than {limit:,} statements (a list item counts once) is over the limit of {limit:,} "
            "for validate and add (KZLOD_MAX_STATEMENTS); load bigger graphs with 'kzlod load'")


def buffer_message(path: Path, text: str | None) -> str:
    """pyoxigraph refuses a token (a literal, an IRI, a comment) longer than its buffer."""
    where = f"{path}:1:1"
    if text:
        at, _length = longest_gap(text)
        where = location(path, text, at)
    return (f"{where}: a literal, IRI or comment longer than {amount(PARSER_BUFFER)} cannot be read "
            f"(literals are limited to {LIMITS['literal_chars']:,} characters, KZLOD_MAX_LITERAL_CHARS)")



def syntax_error(path: Path, text: str, exc: SyntaxError, at: tuple[int, int] | None = None) -> InputError:
    """A file:line:col error; a stray control character on the line is named as the cause."""
    where = f"{at[0]}:{at[1]}" if at else syntax_location(exc)
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
_DIRECTIVE = LazyPattern(r"^\s*(@prefix|@base|PREFIX|BASE)\b", re.IGNORECASE)


def more_syntax_errors(path: Path, text: str, fmt, base_iri, first: SyntaxError) -> list[str]:
    """Errors after the first: parse on from the next statement that starts at column 1."""
    if fmt not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        return []
    lines = text.split("\n")
    line_based = fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
    errors: list[str] = []
    failed_at = int(syntax_location(first).split(":")[0])
    while len(errors) < MAX_ERRORS:
        resume = None
        for i in range(failed_at, len(lines)):  # i is 0-based: the line after the failing one
            ln = lines[i]
            if ln.strip() and (line_based or (not ln[0].isspace()
                                              and not ln.startswith(("#", ".", ";", ",", "]", ")", "}")))):
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
            where = syntax_location(exc)
            rel_line, col = (int(x) for x in where.split(":"))
            real_line = resume + rel_line - len(directives)
            if real_line <= failed_at:
                return errors
            shifted = SyntaxError(str(exc))
            errors.append(syntax_error(path, text, shifted, (real_line, col)).message)
            failed_at = real_line
    return errors


def syntax_location(exc: SyntaxError) -> str:
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


