"""Reading RDF files strictly: the input gate every user file passes through.

Syntax is checked by pyoxigraph's parsers, which follow the W3C grammars and
report line and column. On top of that the gate refuses what those parsers
let through but a curator never means: byte-order marks, non-UTF-8 bytes,
control characters, empty files, ill-typed literals, DOCTYPE/ENTITY
declarations in RDF/XML, remote JSON-LD contexts, and anything past the
size limits.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError
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

#: Limits of the input gate; each can be set by an environment variable.
LIMITS = {
    "file_bytes": int(os.environ.get("KZLOD_MAX_FILE_BYTES", 256 * 1024 * 1024)),
    "literal_chars": int(os.environ.get("KZLOD_MAX_LITERAL_CHARS", 1_000_000)),
    "nesting_depth": int(os.environ.get("KZLOD_MAX_NESTING", 64)),
}

_INT = r"[+-]?[0-9]+"
_LEXICAL = {
    "integer": _INT,
    "int": _INT,
    "long": _INT,
    "short": _INT,
    "byte": _INT,
    "nonNegativeInteger": r"[+]?[0-9]+|-0+",
    "positiveInteger": r"[+]?0*[1-9][0-9]*",
    "nonPositiveInteger": r"-[0-9]+|[+]?0+",
    "negativeInteger": r"-0*[1-9][0-9]*",
    "unsignedInt": r"[+]?[0-9]+",
    "unsignedLong": r"[+]?[0-9]+",
    "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    "double": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN",
    "float": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN",
    "boolean": r"true|false|1|0",
    "gYear": r"-?([1-9][0-9]{3,}|0[0-9]{3})(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?",
    "gYearMonth": r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?",
    "date": r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?",
    "dateTime": r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|(24:00:00(\.0+)?))(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?",
    "anyURI": r"[^\s]*",
}
_LEXICAL_RE = {XSD + k: re.compile(rf"(?:{v})\Z") for k, v in _LEXICAL.items()}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SYNTAX_POS = re.compile(r"(?:at|between) line (\d+) (?:between columns (\d+) and \d+|column (\d+))")


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


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return _position(text, index)[0] if index >= 0 else 1


def read_text(path: Path) -> str:
    """Read a user file as strict UTF-8 text, or raise :class:`InputError`."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not an RDF file")
    if size > LIMITS["file_bytes"]:
        raise InputError(
            f"{path}: file is {size} bytes, over the limit of {LIMITS['file_bytes']} bytes "
            "(KZLOD_MAX_FILE_BYTES)"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raise InputError(f"{path}:1:1: file starts with a byte-order mark; save it as UTF-8 without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(raw[: exc.start].decode("utf-8", "replace"), exc.start)
        raise InputError(
            f"{path}:{line}:{col}: invalid UTF-8 byte 0x{raw[exc.start]:02x}; the file must be UTF-8"
        ) from None
    return text


def _check_format_specific(path: Path, text: str, fmt: ox.RdfFormat) -> None:
    if fmt == ox.RdfFormat.RDF_XML:
        m = re.search(r"<!(DOCTYPE|ENTITY)", text)
        if m:
            line, col = _position(text, m.start())
            raise InputError(f"{path}:{line}:{col}: RDF/XML with a {m.group(1)} declaration is refused")
        _check_xml_well_formed(path, text)
    if fmt == ox.RdfFormat.JSON_LD:
        m = re.search(r'"@context"\s*:\s*(\[\s*)?"', text)
        if m:
            line, col = _position(text, m.start())
            raise InputError(
                f"{path}:{line}:{col}: JSON-LD with a remote @context is refused; inline the context"
            )


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


def _check_terms(path: Path, text: str, quads: list) -> None:
    max_chars = LIMITS["literal_chars"]
    for quad in quads:
        obj = quad.object
        if not isinstance(obj, ox.Literal):
            continue
        value = obj.value
        if len(value) > max_chars:
            raise InputError(
                f"{path}:{_line_of(text, value[:40])}:1: literal of {len(value)} characters is over "
                f"the limit of {max_chars} (KZLOD_MAX_LITERAL_CHARS)"
            )
        pattern = _LEXICAL_RE.get(obj.datatype.value)
        if pattern is not None and not pattern.match(value):
            short = obj.datatype.value.removeprefix(XSD)
            raise InputError(
                f'{path}:{_line_of(text, chr(34) + value + chr(34))}:1: ill-typed literal "{value}" '
                f"is not a valid xsd:{short}"
            )


def _check_nesting(path: Path, text: str, fmt: ox.RdfFormat) -> None:
    if fmt not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3):
        return
    limit = LIMITS["nesting_depth"]
    depth = 0
    # Only a rough bracket count outside strings and IRIs; enough for a limit.
    for m in re.finditer(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|<[^>\s]*>|#[^\n]*|[\[\]()]', text):
        tok = m.group()
        if tok in "[(":
            depth += 1
            if depth > limit:
                line, col = _position(text, m.start())
                raise InputError(
                    f"{path}:{line}:{col}: nesting deeper than {limit} levels (KZLOD_MAX_NESTING)"
                )
        elif tok in "])":
            depth -= 1


def parse_file(path: Path, *, base_iri: str | None = None, allow_empty: bool = True) -> ParsedFile:
    """Parse one user file through the strict gate.

    An empty file is valid RDF (no triples); ``allow_empty=False`` refuses it.
    """
    path = Path(path)
    fmt = rdf_format(path)
    text = read_text(path)
    if not allow_empty and not text.strip():
        raise InputError(f"{path}:1:1: file is empty: there is nothing to add")
    _check_format_specific(path, text, fmt)
    _check_nesting(path, text, fmt)
    try:
        raw = text.encode("utf-8")
        parser = ox.parse(raw, format=fmt, base_iri=base_iri)
        quads = relabel_blank_nodes(parser, blank_salt(str(path.resolve()), raw))
    except SyntaxError as exc:
        errors = [_syntax_error(path, text, exc).message] + _more_syntax_errors(path, text, fmt, base_iri, exc)
        raise InputError(errors[0], details=errors[1:]) from None
    except ValueError as exc:
        raise InputError(f"{path}:1:1: {exc}") from None
    _check_terms(path, text, quads)
    if not allow_empty and not quads:
        raise InputError(f"{path}:1:1: file has no triples: there is nothing to add")
    prefixes = dict(parser.prefixes) if hasattr(parser, "prefixes") else {}
    return ParsedFile(path=path, quads=quads, prefixes=prefixes, text=text)


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
_DIRECTIVE = re.compile(r"^\s*(@prefix|@base|PREFIX|BASE)\b", re.I)


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


def parse_files(paths, *, base_iri: str | None = None, allow_empty: bool = True) -> list[ParsedFile]:
    """Parse several user files; report every file's first error, not only the first file's."""
    parsed, errors = [], []
    for p in paths:
        try:
            parsed.append(parse_file(Path(p), base_iri=base_iri, allow_empty=allow_empty))
        except InputError as exc:
            errors.extend([exc.message, *exc.details])
    if errors:
        raise InputError(errors[0], details=errors[1:])
    return parsed


def parse_trusted(path: Path) -> list:
    """Parse a bundled file (already checked by the tests), as fast as possible."""
    raw = Path(path).read_bytes()
    quads = ox.parse(raw, format=rdf_format(Path(path)))
    return relabel_blank_nodes(quads, blank_salt(Path(path).name, raw))


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

