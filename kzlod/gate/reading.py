"""Reading a user file for the gate: its format by extension, its size against the limits before
anything reads it, its bytes as strict UTF-8, and places in its text as ``file:line:col``."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from kzlod import settings
from kzlod.errors import InputError
from kzlod.project import require_regular, special_file_message

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
    prefixes="max_prefixes",
    file_bytes="max_load_file_bytes",  # the largest file any command reads (load)
    load_statements="max_load_statements",
)

#: The strings of a token pyoxigraph's parsers hold at most (longer ones: MemoryError).
PARSER_BUFFER = 16 * MiB


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


def position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def location(path: Path, text: str, index: int) -> str:
    line, col = position(text, index)
    return f"{path}:{line}:{col}"


def _stat(path: Path) -> int:
    """The size of a regular file; a FIFO, device or folder is refused by its name, without
    opening it (:func:`kzlod.project.require_regular`)."""
    return require_regular(path).st_size


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
    first (:func:`check_size`) and again while it is read (:func:`read_bytes`)."""
    path = Path(path)
    check_size(path, whole=whole)
    return decode(path, read_bytes(path, _limit(path, whole)))


def _limit(path: Path, whole: bool | None) -> int:
    rdf = path.suffix.lower() in FORMATS
    return LIMITS["whole_file_bytes"] if whole or (whole is None and not rdf) else LIMITS["file_bytes"]


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file, at most ``limit`` of them (default: the limit of any file).

    Opened without blocking (a FIFO put in its place after it was looked at opens at once) and
    checked again once open: only a regular file is read, and a file that grows past the limit
    while it is read is refused, never read to the end (a link to ``/dev/zero`` is never read)."""
    path = Path(path)
    limit = LIMITS["file_bytes"] if limit is None else limit
    require_regular(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        problem = special_file_message(path, st.st_mode)
        if problem:
            raise InputError(problem)
        if st.st_size > limit:
            raise InputError(f"{path}: {st.st_size:,} bytes is over the limit of {amount(limit)}")
        chunks, total = [], 0
        while True:
            block = os.read(fd, min(1 << 20, limit + 1 - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
            if total > limit:
                raise InputError(f"{path}: grew past the limit of {amount(limit)} while it was read")
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def decode(path: Path, raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raise InputError(f"{path}:1:1: file starts with a byte-order mark; save it as UTF-8 without BOM")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", "replace")
        line, col = position(before, len(before))
        raise InputError(
            f"{path}:{line}:{col}: invalid UTF-8 byte 0x{raw[exc.start]:02x}; the file must be UTF-8"
        ) from None


def iter_text(path: Path, chunk: int, overlap: int = 0):
    """(character offset, text) of consecutive chunks of a UTF-8 file, each starting ``overlap``
    characters before the end of the one before."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    tail, at = "", 0
    require_regular(path)
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

