"""The strict input gate, streaming: a file of any size checked as :func:`kzlod.gate.parse.parse_file`
would check it, without building its graph in Python (``kzlod load`` runs it beside Oxigraph's bulk loader).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError
from kzlod.gate import parse as loading

#: How often (in triples) the gate reports progress.
PROGRESS_EVERY = 20_000


def _nothing(*_args, **_kwargs) -> None:
    return None


_SKIP = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|<[^>\s]*>|#[^\n]*')


def _deep_nesting(text: str) -> bool:
    """Whether brackets nest past the gate's limit (a quick pass; the gate itself words the error)."""
    limit = loading.LIMITS["nesting_depth"]
    if text.count("[") + text.count("(") <= limit:
        return False
    depth = 0
    for m in re.finditer(r"[\[\]()]", _SKIP.sub("", text)):
        depth += 1 if m.group() in "[(" else -1
        if depth > limit:
            return True
    return False


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def gate(path: Path, *, on_progress=_nothing) -> tuple[int, str]:
    """Check one file as :func:`kzlod.gate.parse.parse_file` would, streaming; return (triples, sha256).

    Raises the same :class:`InputError` (message and details) the gate raises.
    """
    path = Path(path)
    fmt = loading.rdf_format(path)
    text = loading.read_text(path)  # size limit, directory, BOM, strict UTF-8 — with the gate's words
    loading._check_format_specific(path, text, fmt)
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3) and _deep_nesting(text):
        loading._check_nesting(path, text, fmt)
    max_chars = loading.LIMITS["literal_chars"]
    lexical = loading._LEXICAL_RE
    patterns: dict = {}
    Literal = ox.Literal
    count = 0
    try:
        for quad in ox.parse(path=str(path), format=fmt):
            count += 1
            if count % PROGRESS_EVERY == 0:
                on_progress(count)
            obj = quad.object
            if type(obj) is not Literal:
                continue
            value = obj.value
            datatype = obj.datatype
            try:
                pattern = patterns[datatype]
            except KeyError:
                pattern = patterns[datatype] = lexical.get(datatype.value)
            if len(value) > max_chars or (pattern is not None and not pattern.match(value)):
                loading._check_terms(path, text, [quad])  # raises with the gate's message
    except SyntaxError as exc:
        loading.parse_file(path)  # the gate's own report: every error with file:line:col
        raise InputError(loading._syntax_error(path, text, exc).message) from None
    except ValueError as exc:
        raise InputError(f"{path}:1:1: {exc}") from None
    on_progress(count)
    return count, sha256_file(path)
