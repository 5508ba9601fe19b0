"""Loading RDF files into an Oxigraph store on disk: fast, strict, all or nothing.

Each file goes into its own named graph (the name :func:`kzlod.store.file_graph`
gives it, as in the in-memory store), loaded by Oxigraph's bulk loader in
Rust. While it loads, a second thread reads the same file through the strict
input gate of :mod:`kzlod.gate.parse` — syntax with file:line:col, ill-typed
literals, over-long literals, DOCTYPE declarations, remote JSON-LD contexts,
nesting, the size limits — streaming, without building the whole graph in
Python. A file the gate refuses is reported exactly as ``kzlod validate``
would report it.

Nothing is written into the store directory itself until everything has
passed: the new content is built in a staging directory beside it (starting
from a hard-linked backup of the existing store, which costs no copying),
and swapped in with two renames at the end. A bad file, an error or an
interrupt leaves the existing store as it was. Writers take a lock file
beside the store, so two loads into one store run one after the other.
"""

from __future__ import annotations

import gc
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError, KzlodError, UsageError
from kzlod.files import cache
from kzlod.gate import reading
from kzlod.gate.stream import gate
from kzlod.project import Project
from kzlod.store.backends import INFERRED_DIR, file_graph, read_meta, store_files, write_meta

_staging_serial = iter(range(1, 1 << 62))


@dataclass
class LoadedFile:
    path: str
    graph: str
    triples: int
    sha256: str
    seconds: float

    @property
    def rate(self) -> float:
        return self.triples / self.seconds if self.seconds > 0 else 0.0


@dataclass
class LoadReport:
    store: Path
    files: list[LoadedFile] = field(default_factory=list)
    total: int = 0  # triples in the store afterwards (quads, counted once per graph)
    seconds: float = 0.0

    @property
    def loaded(self) -> int:
        return sum(f.triples for f in self.files)

    def as_dict(self) -> dict:
        return {
            "store": str(self.store), "total": self.total, "loaded": self.loaded, "seconds": round(self.seconds, 3),
            "files": [{"path": f.path, "graph": f.graph, "triples": f.triples, "sha256": f.sha256,
                       "seconds": round(f.seconds, 3)} for f in self.files],
        }


def _nothing(*_args, **_kwargs) -> None:
    return None


# --- the store directory -------------------------------------------------------------------------

def _is_store(path: Path) -> bool:
    return (path / "CURRENT").is_file()


@contextmanager
def store_lock(path: Path):
    """Hold the store's writer lock (a file beside the store) for the duration."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.parent / f".{path.name}.kzlod-lock"
    with open(lock, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def staging_copy(path: Path) -> tuple[Path, dict]:
    """A writable copy of the store beside it (hard links, no copying) and its metadata."""
    staging = path.parent / f".{path.name}.kzlod-staging-{os.getpid()}-{next(_staging_serial)}"
    if staging.exists():
        shutil.rmtree(staging)
    meta: dict = {}
    if path.is_dir() and any(path.iterdir()):
        if not _is_store(path):
            raise UsageError(f"{path}: exists and is not an Oxigraph store; give a new or empty directory")
        try:
            old = ox.Store.read_only(str(path))
            old.backup(str(staging))
            empty = old.is_empty() if hasattr(old, "is_empty") else len(old) == 0
            del old
        except OSError as exc:
            raise InputError(f"{path}: cannot read the Oxigraph store: {str(exc).splitlines()[0][:300]}") from None
        meta = read_meta(path)
        if not meta and not empty:
            meta["unknown_content"] = True  # made by something else: its content has no recorded hashes
        elif meta and meta.get("files") != store_files(path):
            # written to by another program since kzlod loaded it (or loaded by a kzlod that did not record
            # its files): what it holds beyond the files recorded is not known, then or ever after
            meta["unknown_content"] = True
    return staging, meta


def swap_in(staging: Path, path: Path) -> None:
    """Put the finished staging directory where the store is, with two renames."""
    if path.is_dir() and not any(path.iterdir()):
        path.rmdir()
    if path.exists():
        old = path.parent / f".{path.name}.kzlod-old-{os.getpid()}"
        if old.exists():
            shutil.rmtree(old)
        os.rename(path, old)
        os.rename(staging, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, path)




def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def load(project: Project, files, store_dir, *, bundled: bool = True, progress=_nothing) -> LoadReport:
    """Load RDF files (and, with ``bundled``, the project's ontology and data) into the Oxigraph store
    at ``store_dir``.

    Each file replaces the named graph of the same name. ``progress(event, **info)``
    is called with ``"start"`` (file, bytes), ``"advance"`` (file, triples) and
    ``"done"`` (file, triples, seconds) events.
    """
    started = time.perf_counter()
    store_dir = Path(store_dir).expanduser()
    paths = [Path(f) for f in files]
    if not paths and not bundled:
        raise UsageError("nothing to load: give files, or leave --bundled on")
    problems = []
    for p in paths:  # cheap checks of every file before any work
        try:
            reading.rdf_format(p)
            reading.check_size(p, whole=False)  # the gate's size message, before anything reads it
        except InputError as exc:
            problems.append(exc.message)
    if problems:
        raise InputError(problems[0], details=problems[1:])
    graphs: dict[str, Path] = {}
    items = [(p, True) for p in (project.graph_files() if bundled else [])] + [(p, False) for p in paths]
    for p, trusted in items:
        g = file_graph(p, project.root).value
        if g in graphs and not trusted:
            raise UsageError(f"{p} and {graphs[g]} would both load into graph <{g}>; rename one of them")
        graphs[g] = p

    import traceback  # here, not at the top: a query never loads a store

    report = LoadReport(store=store_dir)
    with store_lock(store_dir):
        staging, meta = staging_copy(store_dir)
        try:
            _fill(staging, meta, items, project.root, progress, report)
        except BaseException as exc:
            # Close the half-built store before removing it: the traceback's frames hold it open.
            traceback.clear_frames(exc.__traceback__)
            gc.collect()
            shutil.rmtree(staging, ignore_errors=True)
            raise
        swap_in(staging, store_dir)
    report.seconds = time.perf_counter() - started
    return report


def _fill(staging: Path, meta: dict, items, root, progress, report: LoadReport) -> None:
    """Load every file into the staging store, then close it and write its metadata."""
    store = ox.Store(str(staging))
    existing = {g.value for g in store.named_graphs()}
    recorded = meta.setdefault("graphs", {})
    for p, trusted in items:
        g = file_graph(p, root)
        if g.value in existing:
            store.remove_graph(g)
        f = _load_one(store, p, g, trusted, progress)
        report.files.append(f)
        recorded[g.value] = {"file": f.path, "sha256": f.sha256, "triples": f.triples, "bundled": trusted}
    meta.pop("inferred", None)  # the closure of the old content no longer holds
    meta["format"] = "kzlod-store/1"
    report.total = len(store)
    store.flush()
    del store  # closes the database before the directory moves
    gc.collect()
    shutil.rmtree(staging / INFERRED_DIR, ignore_errors=True)
    meta["files"] = store_files(staging)  # what tells a later write by another program (store_key)
    write_meta(staging, meta)


def _load_one(store, path: Path, graph: ox.NamedNode, trusted: bool, progress) -> LoadedFile:
    name = _display(path)
    progress("start", file=name, bytes=path.stat().st_size, bundled=trusted)
    t0 = time.perf_counter()
    fmt = reading.rdf_format(path)
    if trusted:
        try:
            store.bulk_load(path=str(path), format=fmt, to_graph=graph)
            triples = sum(1 for _ in ox.parse(path=str(path), format=fmt))
        except SyntaxError as exc:
            raise InputError(f"{name}: {exc}") from None
        digest = cache.file_digest(path)
    else:
        box: dict = {}

        def check():
            try:
                box["result"] = gate(path, on_progress=lambda n: progress("advance", file=name, triples=n))
            except KzlodError as exc:
                box["error"] = exc
            except Exception as exc:  # noqa: BLE001 - reported as this file's error below
                box["error"] = InputError(f"{path}: cannot read: {exc}")

        checker = threading.Thread(target=check, name="kzlod-gate", daemon=True)
        checker.start()
        failure = None
        try:
            store.bulk_load(path=str(path), format=fmt, to_graph=graph)
        except (SyntaxError, ValueError, OSError, MemoryError) as exc:
            failure = exc
        checker.join()
        if "error" in box:
            raise box["error"]
        if failure is not None:
            if isinstance(failure, OSError) and not isinstance(failure, SyntaxError):
                raise InputError(f"{path}: cannot load: {str(failure).splitlines()[0][:300]}")
            raise InputError(f"{path}: {failure}")
        triples, digest = box["result"]
    seconds = time.perf_counter() - t0
    progress("done", file=name, triples=triples, seconds=seconds, bundled=trusted)
    return LoadedFile(path=name, graph=graph.value, triples=triples, sha256=digest, seconds=seconds)
