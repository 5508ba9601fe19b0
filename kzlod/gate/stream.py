"""The strict input gate, streaming: a file of any size checked as :func:`kzlod.gate.parse.parse_files`
would check it, without building its graph in Python or holding its text (``kzlod load`` runs it
beside Oxigraph's bulk loader).

Two passes over the file: its text a chunk at a time (size, byte-order mark, UTF-8, NUL and
noncharacters, nesting, over-long strings and RDF 1.2 tokens, as :mod:`kzlod.gate.scan` sees
them), then its statements as pyoxigraph streams them (syntax, counted against the load limit,
every term through :class:`kzlod.gate.terms.TermChecks`, whose verdicts are cached per value).
RDF/XML and JSON-LD are read whole (their checks need the whole document), as the gate reads them.
"""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError
from kzlod.files import cache
from kzlod.gate import literals, parse, reading, syntax, terms
from kzlod.gate.scan import TurtleScan

#: How often (in triples) the gate reports progress.
PROGRESS_EVERY = 20_000
CHUNK = 4 << 20


def _nothing(*_args, **_kwargs) -> None:
    return None


class _TextPass:
    """The text-level checks of :func:`kzlod.gate.parse.parse_file` (:mod:`kzlod.gate.syntax`), a chunk
    at a time."""

    def __init__(self, path: Path, fmt: ox.RdfFormat):
        self.path = path
        self.fmt = fmt
        self.max_chars = reading.LIMITS["literal_chars"]
        self.scan = (TurtleScan(max_depth=reading.LIMITS["nesting_depth"], max_string=self.max_chars)
                     if fmt in syntax.TURTLE_LIKE or fmt in syntax.LINE_BASED else None)
        self.prefixes = syntax.PrefixCount(fmt)
        self.bad_escape = -1
        self.chars = 0  # characters before the current chunk
        self.tail = ""  # the end of the chunk before, for escapes cut in two

    def run(self) -> tuple[int, str]:
        """Check the text; return (offset of the first escape of a bad character or -1, sha256)."""
        h = hashlib.sha256()
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        line, line_start = 1, 0
        with open(self.path, "rb") as fh:
            first = True
            while True:
                block = fh.read(CHUNK)
                h.update(block)
                if first and block.startswith(b"\xef\xbb\xbf"):
                    raise InputError(f"{self.path}:1:1: file starts with a byte-order mark; save it as UTF-8 "
                                     "without BOM")
                first = False
                try:
                    text = decoder.decode(block, final=not block)
                except UnicodeDecodeError as exc:
                    good = block[: exc.start].decode("utf-8", "replace")
                    if "\n" in good:
                        line += good.count("\n")
                        col = len(good) - good.rfind("\n")
                    else:
                        col = self.chars + len(good) - line_start + 1
                    raise InputError(f"{self.path}:{line}:{col}: invalid UTF-8 byte 0x{block[exc.start]:02x}; "
                                     "the file must be UTF-8") from None
                self.chunk(text, final=not block)
                newlines = text.count("\n")
                if newlines:
                    line += newlines
                    line_start = self.chars + text.rfind("\n") + 1
                self.chars += len(text)
                if not block:
                    break
        return self.bad_escape, h.hexdigest()

    def fail(self, offset: int, message: str) -> None:
        raise InputError(f"{terms.FileLocator(self.path).at(offset)}: {message}")

    def chunk(self, text: str, *, final: bool) -> None:
        m = literals.BAD_CHARS.search(text)
        if m:
            self.fail(self.chars + m.start(), literals.bad_char_message(m.group()))
        at = self.prefixes.over(text)
        if at is not None:
            self.fail(self.chars + at, syntax.prefixes_message(self.prefixes.limit))
        scan = self.scan
        if scan is not None:
            scan.feed(text, self.chars, final=final)
            problem = syntax.scan_problem(scan)
            if problem:
                self.fail(*problem)
        if self.bad_escape < 0:
            joined = self.tail + text
            for offset, _c in literals.bad_escapes(joined, "turtle"):
                self.bad_escape = self.chars - len(self.tail) + offset
                break
            self.tail = joined[-12:]


def gate(path: Path, *, on_progress=_nothing) -> tuple[int, str]:
    """Check one file as :func:`kzlod.gate.parse.parse_files` would, streaming; return (triples, sha256).

    Raises the same :class:`InputError` (message and details) the gate raises, with the limits of
    ``kzlod load`` (KZLOD_MAX_LOAD_FILE_BYTES, KZLOD_MAX_LOAD_STATEMENTS) in place of those of
    validate and add.
    """
    path = Path(path)
    fmt = reading.rdf_format(path)
    reading.check_size(path, whole=False)
    if fmt in (ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD):
        text = reading.read_text(path, whole=False)
        syntax.check_format_specific(path, text, fmt)
        bad_escape = syntax.check_text(path, text, fmt, strict_chars=True)
        locator = terms.TextLocator(path, text)
        bad_at = reading.location(path, text, bad_escape) if bad_escape >= 0 else None
        digest = cache.file_digest(path)
    else:
        text = None
        bad_escape, digest = _TextPass(path, fmt).run()
        locator = terms.FileLocator(path)
        bad_at = locator.at(bad_escape) if bad_escape >= 0 else None
    checks = terms.TermChecks(path, locator=locator, bad_escape=bad_at)
    depth = terms.BlankDepth()
    note_blank = depth.add
    BlankNode = ox.BlankNode
    limit = reading.LIMITS["load_statements"]
    check_quad = checks.quad
    Literal = ox.Literal
    literal = checks.literal
    count = 0
    try:
        for quad in ox.parse(path=str(path), format=fmt):
            if type(quad.object) is BlankNode:
                note_blank(quad, count)
            count += 1
            if count % PROGRESS_EVERY == 0:
                on_progress(count)
                if count > limit:
                    raise InputError(syntax.statements_message(path, limit, load=True))
            if bad_at is None and type(quad.object) is Literal:
                literal(quad.object)  # the common case, without the checks of the other terms
                if type(quad.subject) is ox.Triple:
                    check_quad(quad)
            else:
                check_quad(quad)
    except SyntaxError as exc:
        raise _syntax(path, text, fmt, exc) from None
    except MemoryError:
        raise InputError(syntax.buffer_message(path, text)) from None
    except ValueError as exc:
        raise InputError(f"{path}:1:1: {exc}") from None
    if count > limit:
        raise InputError(syntax.statements_message(path, limit, load=True))
    depth.check(path, locator, fmt)
    on_progress(count)
    return count, digest


def _syntax(path: Path, text: str | None, fmt: ox.RdfFormat, exc: SyntaxError) -> InputError:
    """The gate's own report of a syntax error: every error with file:line:col (from the whole text
    when the file is small enough to be read whole, else the first one with its line)."""
    if text is None and path.stat().st_size <= reading.LIMITS["whole_file_bytes"]:
        text = reading.read_text(path, whole=True)
    if text is not None:
        try:
            parse.parse_file(path, strict_chars=True)
        except InputError as gated:
            return gated
        return syntax.syntax_error(path, text, exc)
    where = syntax.syntax_location(exc)
    line_no = int(where.split(":")[0])
    with open(path, encoding="utf-8", errors="replace") as fh:
        for i, line in enumerate(fh, 1):
            if i == line_no:
                return syntax.syntax_error(path, line if line_no == 1 else "\n" * (line_no - 1) + line, exc)
    return syntax.syntax_error(path, "", exc)
