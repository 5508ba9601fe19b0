"""The cache: one folder, one key, one way in and out, and a size it keeps to.

What kzlod computes from a graph and may need again is kept in one folder (the ``cache_dir``
setting: ``$KZLOD_CACHE_DIR``, else ``$XDG_CACHE_HOME/kzlod``, else ``~/.cache/kzlod``), one
file per entry, in a folder per kind (:data:`KINDS`)::

    closure/<key>.nt       an OWL RL closure: a header line (what was left out, the clashes), then N-Triples
    graph/<key>.nq         a project's graph as a memory store holds it: a header line (its count), then N-Quads
    report/<key>.json      the validation report of a project's graph, with its SHACL results
    search/<key>.sqlite    a full-text index (SQLite FTS5)
    gate/<key>.ok          a project file the strict input gate passed (kzlod.gate.own)
    stats/<key>.json       what a disk store made by ``kzlod load`` holds: how many quads, which predicates
    answer/<key>.out       what a named query or a validation wrote, to write again (kzlod.cli.replay)

The key (:func:`content_key`) is a SHA-256 of the kind, the versions of what made the entry
(kzlod's build: its version and a fingerprint of its code; a format number, the libraries'), and
the content of its inputs: a file by its bytes, hashed once per process while it stays unchanged
(:func:`file_digest`); so an edited file, or an edited module of kzlod, gives a new key at once,
and an unchanged file is not read again. An entry is written whole and atomically
(:func:`kzlod.files.safewrite.replace_atomically`: a temporary file, ``fsync``, a rename), so a
reader never sees part of one, and two processes writing the same entry each write all of it. A
damaged or vanished entry is a miss: the caller builds it again. A cache that cannot be written is
no error either.

Each read records the entry's use (its access time is set to now). After each write the entries
used longest ago are removed until the cache is within the ``cache_max_mb`` setting
(``KZLOD_CACHE_MAX_MB``, 512 MB); the entry just written is kept. ``kzlod cache info`` tells what
the cache holds, ``kzlod cache clear`` empties it (:func:`info`, :func:`clear`). Files an earlier
kzlod left at the top of the folder (``closure-<key>.nt`` …) are never read; they count as kind
``old``, go first when the cache is trimmed, and with ``clear``.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kzlod import settings
from kzlod.files.safewrite import replace_atomically
from kzlod.text import LazyPattern
from kzlod.version import build

#: Each kind of entry and the extension of its file.
KINDS = {"closure": ".nt", "graph": ".nq", "report": ".json", "search": ".sqlite", "gate": ".ok", "stats": ".json",
         "answer": ".out"}
#: Bumped when :func:`content_key`'s recipe changes, so that no older entry is read.
KEY_FORMAT = 1
#: A temporary file older than this (seconds) is a crash's leftover and goes when the cache is trimmed.
STALE_TEMP = 3600
#: A file changed less than this long ago (seconds) is hashed again each time: another change
#: within the same tick of the file system's clock would not change what ``stat`` says.
RACY = 2.0
#: What an earlier kzlod kept at the top of the folder.
OLD = LazyPattern(r"(?:(?:closure|report|search)-[0-9a-f]{64}\.(?:nt|meta|json|sqlite)|\.tmp-\w+|\.search-\w+\.tmp)")
_KEY = LazyPattern(r"[0-9a-f]{64}")


def folder() -> Path:
    """The cache folder (it may not exist yet)."""
    return Path(settings.get("cache_dir"))


def path_of(kind: str, key: str) -> Path:
    """Where the entry of this kind and key is kept."""
    if kind not in KINDS or not _KEY.fullmatch(key):
        raise ValueError(f"no cache entry {kind!r} {key!r}")
    return folder() / kind / f"{key}{KINDS[kind]}"


# --- the key ----------------------------------------------------------------------------------

_digests: dict[str, tuple[tuple, str]] = {}


def _signature(st: os.stat_result) -> tuple:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def file_digest(path: str | os.PathLike) -> str:
    """The SHA-256 (hex) of a file's bytes, read once per process while the file is unchanged
    (same inode, size and times, and not changed in the last :data:`RACY` seconds). OSError if
    it cannot be read."""
    name = os.path.abspath(path)
    before = os.stat(name)
    if not stat.S_ISREG(before.st_mode):  # a FIFO would never end, a device never stop
        raise OSError(errno.EINVAL, "not a regular file", name)
    known = _digests.get(name)
    if known is not None and known[0] == _signature(before):
        return known[1]
    h = hashlib.sha256()
    with open(name, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
        after = os.fstat(fh.fileno())
    digest = h.hexdigest()
    if _signature(after) == _signature(before) and time.time() - after.st_mtime > RACY:
        _digests[name] = (_signature(after), digest)
    return digest


def content_key(kind: str, inputs: Iterable = (), *, versions: str = "") -> str:
    """The key of what ``inputs`` make: a SHA-256 over the kind, ``versions`` (what else the result
    depends on: a format number, a library's version; kzlod's build, its version and the fingerprint
    of its code, is added for the cache's kinds: :func:`kzlod.version.build`) and each input by its
    content — a path by its file's bytes (:func:`file_digest`), bytes and text as they are. OSError
    when a file cannot be read."""
    made_by = f"kzlod {build()} " if kind in KINDS else ""
    h = hashlib.sha256(f"kzlod-cache {KEY_FORMAT} {kind} {made_by}{versions}\n".encode())
    for item in inputs:
        if isinstance(item, os.PathLike):
            h.update(b"f" + bytes.fromhex(file_digest(item)))
        elif isinstance(item, bytes):
            h.update(b"b" + hashlib.sha256(item).digest())
        elif isinstance(item, str):
            h.update(b"t" + hashlib.sha256(item.encode("utf-8")).digest())
        else:
            raise TypeError(f"a cache key is made of paths, bytes and text, not {type(item).__name__}")
    return h.hexdigest()


# --- in and out -------------------------------------------------------------------------------

def _touch(path: Path, st: os.stat_result) -> None:
    """Record a use: the access time is set to now (the modification time stays when it was made)."""
    try:
        os.utime(path, ns=(time.time_ns(), st.st_mtime_ns))
    except OSError:
        pass  # a cache on a read-only disk is still read


def get(kind: str, key: str) -> Path | None:
    """The file of an entry, its use recorded; None when there is none."""
    path = path_of(kind, key)
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    _touch(path, st)
    return path


def read(kind: str, key: str) -> bytes | None:
    """The bytes of an entry, its use recorded; None when there is none (or it vanished)."""
    path = get(kind, key)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def put(kind: str, key: str, fill: Callable[[Path], object]) -> Path | None:
    """Make an entry: ``fill(path)`` writes its file, which then takes its place atomically; then the
    cache is trimmed to its size (:func:`trim`). Returns the entry's file, or None when the cache
    cannot be written (no error: the caller has what it built). Errors of ``fill`` other than
    OSError go to the caller, and nothing is kept."""
    path = path_of(kind, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, fill)
        _touch(path, path.stat())
    except OSError:
        return None
    trim(keep=path)
    return path


def put_bytes(kind: str, key: str, data: bytes) -> Path | None:
    """:func:`put` these bytes."""
    return put(kind, key, lambda tmp: tmp.write_bytes(data))


# --- what is there, trimming, clearing -----------------------------------------------------------

@dataclass
class Entry:
    kind: str  # one of KINDS, or "old"
    path: Path
    size: int
    used: int  # when it was last read or written (ns since 1970)


def _files(where: Path):
    try:
        with os.scandir(where) as found:
            for item in found:
                try:
                    if item.is_file(follow_symlinks=False):
                        yield item, item.stat(follow_symlinks=False)
                except OSError:
                    continue
    except OSError:
        return


def _scan() -> tuple[list[Entry], list[Entry]]:
    """Every entry of the cache, and every temporary file in it."""
    base = folder()
    entries, temps = [], []
    for kind, ext in KINDS.items():
        for item, st in _files(base / kind):
            found = Entry(kind, Path(item.path), st.st_size, max(st.st_atime_ns, st.st_mtime_ns))
            if item.name.startswith("."):
                temps.append(found)
            elif item.name.endswith(ext) and _KEY.fullmatch(item.name[: -len(ext)]):
                entries.append(found)
    for item, st in _files(base):
        if OLD.fullmatch(item.name):
            found = Entry("old", Path(item.path), st.st_size, max(st.st_atime_ns, st.st_mtime_ns))
            (temps if item.name.startswith(".") else entries).append(found)
    return entries, temps


def entries() -> list[Entry]:
    """Every entry of the cache, the one used longest ago first."""
    return sorted(_scan()[0], key=lambda e: (e.used, e.path.name))


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return True  # another process took it away
    except OSError:
        return False
    return True


def trim(limit: int | None = None, *, keep: Path | None = None) -> list[Entry]:
    """Remove the entries used longest ago until the cache holds at most ``limit`` bytes (default:
    the ``cache_max_mb`` setting), never ``keep``; and temporary files a crash left. Returns what
    was removed."""
    limit = settings.get("cache_max_mb") * settings.MiB if limit is None else limit
    found, temps = _scan()
    stale = time.time_ns() - STALE_TEMP * 1_000_000_000
    for temp in temps:
        if temp.used < stale:
            _remove(temp.path)
    total = sum(e.size for e in found)
    removed = []
    for entry in sorted(found, key=lambda e: (e.kind != "old", e.used, e.path.name)):
        if total <= limit:
            break
        if entry.path != keep and _remove(entry.path):
            total -= entry.size
            removed.append(entry)
    return removed


@dataclass
class CacheInfo:
    """What the cache holds: its folder, its entries by kind, their size and the size it keeps to."""

    folder: Path
    limit: int  # bytes
    kinds: dict[str, list[int]] = field(default_factory=dict)  # kind -> [entries, bytes]

    @property
    def entries(self) -> int:
        return sum(n for n, _ in self.kinds.values())

    @property
    def size(self) -> int:
        return sum(b for _, b in self.kinds.values())

    def as_dict(self) -> dict:
        return {"folder": str(self.folder), "entries": self.entries, "bytes": self.size, "limit": self.limit,
                "kinds": {k: {"entries": n, "bytes": b} for k, (n, b) in self.kinds.items()}}


def _summary(found: list[Entry]) -> CacheInfo:
    result = CacheInfo(folder(), settings.get("cache_max_mb") * settings.MiB, {k: [0, 0] for k in KINDS})
    for entry in found:
        counts = result.kinds.setdefault(entry.kind, [0, 0])
        counts[0] += 1
        counts[1] += entry.size
    return result


def info() -> CacheInfo:
    """What the cache holds now."""
    return _summary(_scan()[0])


def clear() -> CacheInfo:
    """Remove every entry (and temporary file) of the cache; returns what was removed. Nothing
    else in the folder is touched."""
    found, temps = _scan()
    for temp in temps:
        _remove(temp.path)
    return _summary([e for e in found if _remove(e.path)])
