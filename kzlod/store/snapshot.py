"""The graph's files read once: their bytes, the version they make, and the store built from exactly them.

A reader that hashes a project's files and then reads them again to load the store can name one
content and hold another (a writer's rename between the two reads): an index kept under the first
name then holds facts of the second, and once the files are reverted to the first content it shows
facts the data no longer has. A :class:`Snapshot` reads each file once; its :attr:`~Snapshot.version`
is a hash of those bytes (and of the files' names, which name their graphs), and
:meth:`~Snapshot.open` builds the store from the same bytes. ``--data`` files pass the strict gate
(:func:`kzlod.gate.parse.parse_files`) once, when the snapshot is read.

:func:`current_version` is the cheap look at whether the files changed: the same hash, each file's
digest read again only when its size or times changed (:func:`kzlod.files.cache.file_digest`).
``kzlod serve`` calls it at most once a second; ``kzlod search`` keys its index by a snapshot's version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kzlod.errors import InputError
from kzlod.files import cache
from kzlod.gate.parse import blank_salt, iter_relabelled, parse_files
from kzlod.gate.reading import decode, rdf_format, read_bytes
from kzlod.project import Project
from kzlod.store.backends import OxigraphStore, file_graph

#: Attempts at reading files that change while they are read, before the last reading is taken as it is.
ATTEMPTS = 3


@dataclass(frozen=True)
class SnapshotFile:
    """One file as it was read: its path, the graph it is loaded into, its bytes and their blank-node salt."""

    path: str
    graph: str
    raw: bytes
    salt: str


@dataclass(frozen=True)
class Snapshot:
    """The bytes of a memory store's files, read once, and the version they make."""

    version: str
    files: tuple[SnapshotFile, ...]

    def open(self) -> OxigraphStore:
        """The in-memory store of exactly these bytes (as :func:`kzlod.store.backends.memory_store` builds it)."""
        import pyoxigraph as ox

        store = OxigraphStore()
        for f in self.files:
            quads = iter_relabelled(ox.parse(f.raw, format=rdf_format(Path(f.path))), f.salt)
            store.add_quads(list(quads), ox.NamedNode(f.graph))
        return store


def _version(entries: list[str]) -> str:
    return cache.content_key("store", ["graph files", *entries])[:32]


def _names(project: Project, data=()) -> list[tuple[Path, bool]]:
    return [(p, False) for p in project.graph_files()] + [(Path(p), True) for p in data]


def current_version(project: Project, data=()) -> str:
    """The version the project's graph files (and ``data`` files) make now: :attr:`Snapshot.version`
    of a snapshot read now, without reading an unchanged file again. OSError when a file cannot be read."""
    entries = []
    for path, _ in _names(project, data):
        entries.append(file_graph(path, project.root).value + "\t" + cache.file_digest(path))
    return _version(entries)


def read_snapshot(project: Project, data=()) -> Snapshot:
    """Read the project's ontology and data files (and ``data`` files, through the strict gate) once.

    Raises :class:`~kzlod.errors.InputError` for a ``--data`` file the gate refuses or a file that
    cannot be read."""
    for _ in range(ATTEMPTS):
        files, entries, changed = [], [], False
        for path, user in _names(project, data):
            parsed = parse_files([path])[0] if user else None  # the gate first: its messages for a bad file
            raw = read_bytes(path)  # a regular file only, within the limit of any file
            graph = file_graph(path, project.root).value
            entries.append(graph + "\t" + hashlib.sha256(raw).hexdigest())
            if parsed is not None:
                if decode(path, raw) != parsed.text:  # changed between the two reads: read all again
                    changed = True
                    break
                salt = blank_salt(str(path.resolve()), parsed.text.encode("utf-8"))
                raw = parsed.text.encode("utf-8")
            else:
                salt = blank_salt(path.name, raw)
            files.append(SnapshotFile(str(path), graph, raw, salt))
        if not changed:
            return Snapshot(_version(entries), tuple(files))
    raise InputError("the graph's files kept changing while they were read; try again")
