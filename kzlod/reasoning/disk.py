"""The OWL RL closure of an Oxigraph store on disk, in a sub-store beside the asserted data.

:func:`reason_store` writes the closure into a sub-store beside the asserted data (see
:mod:`kzlod.store.backends`), in the named graph ``urn:kzlod:inferred``, keyed by the store's key
(:func:`kzlod.store.backends.store_key`). It is computed again, not taken as done, when the store
changed, or when another build of kzlod or another version of the engine would compute it
(``made_by`` in the record); until then ``--inferred`` reads what an older one made.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError
from kzlod.gate.reading import GRAPH_FORMATS
from kzlod.reasoning.clashes import store_clashes
from kzlod.reasoning.closure import CACHE_FORMAT
from kzlod.reasoning.engines import choose_engine, current_engine, engine_versions
from kzlod.reasoning.instore import StoreClosure, reason_with_owlrl, reason_with_reasonable
from kzlod.store.backends import INFERRED_DIR, INFERRED_GRAPH, read_meta, store_key, write_meta
from kzlod.store.bulk import store_lock
from kzlod.version import build
from kzlod.vocab import NAMESPACES


def reason_store(path: Path, *, engine: str | None = None, force: bool = False, progress=None) -> StoreClosure:
    """Compute the closure of a disk store into its ``kzlod-inferred`` sub-store (cached by content)."""

    started = time.perf_counter()
    progress = progress or (lambda *a, **k: None)
    path = Path(path)
    result = StoreClosure(store=path)
    with store_lock(path):
        meta = read_meta(path)
        content = store_key(path, meta)
        done = meta.get("inferred") or {}
        sub = path / INFERRED_DIR
        wanted = engine or current_engine()
        if (not force and content is not None and done.get("content") == content and sub.is_dir()
                and done.get("format") == CACHE_FORMAT and wanted in ("auto", done.get("engine"))
                and done.get("made_by") == _made_by(done.get("engine"))):
            result.inferred, result.asserted = done.get("triples", 0), done.get("asserted", 0)
            result.clashes, result.dropped = list(done.get("clashes", [])), done.get("dropped", 0)
            result.trivial = done.get("trivial", 0)
            result.engine, result.cached = done.get("engine", ""), True
            result.seconds = time.perf_counter() - started
            return result
        try:
            main = ox.Store.read_only(str(path))
        except OSError as exc:
            raise InputError(f"{path}: cannot open Oxigraph store: {str(exc).splitlines()[0][:300]}") from None
        result.asserted = len(main)
        result.engine = choose_engine(wanted, result.asserted)
        staging = path / f".{INFERRED_DIR}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix="kzlod-reason-"))
        ok = False
        try:
            main.backup(str(staging))
            del main
            closure_store = ox.Store(str(staging))
            progress("reasoning", engine=result.engine, triples=result.asserted)
            if result.engine == "reasonable":
                reason_with_reasonable(closure_store, work, result)
            else:
                reason_with_owlrl(closure_store, result)
            progress("checking consistency")
            if not result.clashes:
                result.clashes = store_clashes(closure_store)
            else:
                result.clashes = sorted(set(result.clashes) | set(store_clashes(closure_store)))
            closure_store.flush()
            del closure_store
            import gc

            gc.collect()
            shutil.rmtree(sub, ignore_errors=True)
            os.rename(staging, sub)
            meta["inferred"] = {"content": content, "format": CACHE_FORMAT, "engine": result.engine,
                                "made_by": _made_by(result.engine),
                                "triples": result.inferred, "asserted": result.asserted,
                                "dropped": result.dropped, "trivial": result.trivial, "clashes": result.clashes,
                                "graph": INFERRED_GRAPH.value}
            write_meta(path, meta)
            ok = True
        finally:
            shutil.rmtree(work, ignore_errors=True)
            if not ok:
                shutil.rmtree(staging, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result



def _made_by(engine: str | None) -> str:
    """What computed a store's closure: kzlod's build and the engine's version."""
    return f"kzlod {build()} {engine_versions(engine) if engine in ('owlrl', 'reasonable') else engine}"


def dump_inferred(path: Path, output, fmt: str = "ttl") -> None:
    """Write a store's inferred triples (made by :func:`reason_store`) to a file or binary stream."""

    sub = ox.Store.read_only(str(Path(path) / INFERRED_DIR))
    sub.dump(output=output, format=GRAPH_FORMATS[fmt], from_graph=INFERRED_GRAPH,
             prefixes=NAMESPACES if fmt == "ttl" else None)
