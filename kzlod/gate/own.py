"""The project's own files through the same strict gate as a new file, the verdict kept by content.

``kzlod query``, ``stats``, ``validate``, ``describe``, ``search`` — every command that reads a
project — first passes its ontology, shapes and data files through the gate
(:func:`kzlod.gate.parse.parse_file`, or :func:`kzlod.gate.stream.gate` for a file past the
whole-file limit), so a broken ``data/*.ttl`` is refused as ``file:line:col`` with exit 3, never a
traceback. A file that passed is remembered in the cache under its content, kzlod's version and
the gate's limits: an unchanged file is not checked again.
"""

from __future__ import annotations

from pathlib import Path

from kzlod.errors import InputError
from kzlod.files import cache
from kzlod.gate import stream
from kzlod.gate.parse import parse_file
from kzlod.gate.reading import LIMITS
from kzlod.project import Project

#: The kind of cache entry that records a file the gate passed (its content is the verdict).
KIND = "gate"
PASSED = b"passed\n"


def check_project(project: Project) -> int:
    """Pass every file of ``project`` through the gate (the bundled graph is checked by the tests);
    return how many were checked now (not found passed in the cache). :class:`InputError` names
    the first file refused, with every problem it found."""
    if project.bundled:
        return 0
    limits = " ".join(f"{name}={LIMITS[name]}" for name in sorted(LIMITS.keys()))
    checked = 0
    for path in project.ontology_files() + project.shapes_files() + project.data_files():
        try:
            key = cache.content_key(KIND, [path], versions=limits)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if cache.read(KIND, key) == PASSED:
            continue
        _check(path)
        cache.put_bytes(KIND, key, PASSED)
        checked += 1
    return checked


def _check(path: Path) -> None:
    if path.stat().st_size <= LIMITS["whole_file_bytes"]:
        parse_file(path, strict_chars=True)
    else:
        stream.gate(path)
