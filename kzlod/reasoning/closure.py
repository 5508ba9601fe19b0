"""The OWL RL closure of a project, kept in the cache by the content hash of its inputs.

What reasoning adds (the *inferred* triples, :mod:`.engines`) is cached on disk by
the content hash of its inputs, so repeated ``--inferred`` queries do not re-run
it; an in-memory store gets its closure in the graph ``urn:kzlod:inferred``
(:func:`closure_in_store`).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kzlod.files import cache
from kzlod.gate.parse import parse_trusted
from kzlod.project import Project
from kzlod.reasoning.clashes import store_clashes
from kzlod.reasoning.engines import Closure, choose_engine, compute, current_engine, engine_versions
from kzlod.reasoning.instore import StoreClosure, reason_with_owlrl, reason_with_reasonable
from kzlod.store.backends import INFERRED_GRAPH
from kzlod.store.rdfconv import graph_of

#: Bumped whenever what a closure keeps (in the cache, or beside a disk store) changes, so older
#: entries are not read.
CACHE_FORMAT = 3


def input_key(inputs, engine: str | None = None) -> str:
    """The cache key of a closure (:func:`kzlod.files.cache.content_key`): its inputs by content
    (files, or their text or bytes), the engine and the versions."""
    engine = engine or current_engine()
    return cache.content_key("closure", inputs,
                             versions=f"format {CACHE_FORMAT} engine {engine} {engine_versions(engine)}")



#: The first line of a closure's cache entry, before its JSON (what was left out, the clashes).
ENTRY_HEADER = b"# kzlod closure "


def _read_entry(key: str) -> tuple[Path, dict] | None:
    """A closure's cache entry: its file (N-Triples after the header) and its header; None if none."""
    import json  # here: a query's start does not load it
    path = cache.get("closure", key)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            first = fh.readline()
        head = json.loads(first[len(ENTRY_HEADER):]) if first.startswith(ENTRY_HEADER) else None
        if not isinstance(head, dict):
            return None
        return path, {"dropped": int(head["dropped"]), "trivial": int(head["trivial"]),
                      "clashes": [str(c) for c in head["clashes"]]}
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged entry is built again


def _write_entry(key: str, write_nt, dropped: int, trivial: int, clashes: list[str]) -> None:
    """Keep a closure in the cache: the header line, then ``write_nt(file)`` writes the triples."""
    import json  # here: a query's start does not load it
    head = ENTRY_HEADER + json.dumps({"dropped": dropped, "trivial": trivial, "clashes": clashes}).encode() + b"\n"

    def fill(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(head)
            write_nt(fh)

    cache.put("closure", key, fill)


def cached_closure(key: str, build) -> Closure:
    """The closure for these inputs from the cache, or build it and store it."""
    found = _read_entry(key)
    if found is not None:
        path, head = found
        try:
            inferred = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
            return Closure(inferred=inferred, clashes=head["clashes"], dropped=head["dropped"],
                           trivial=head["trivial"], cached=True, key=key)
        except (OSError, ValueError, SyntaxError):
            pass  # a damaged cache entry is rebuilt
    closure = build()
    closure.key = key
    data = ox.serialize(sorted(closure.inferred, key=str), format=ox.RdfFormat.N_TRIPLES)
    _write_entry(key, lambda fh: fh.write(data), closure.dropped, closure.trivial, closure.clashes)
    return closure


def cached_clashes(key: str, build) -> list[str]:
    """The clashes of the closure for these inputs: from its cache entry's header line, its triples
    left unread (a cached ``kzlod validate`` needs no more), else :func:`cached_closure`'s."""
    found = _read_entry(key)
    return found[1]["clashes"] if found is not None else cached_closure(key, build).clashes


def project_closure(project: Project, parsed=()) -> Closure:
    """The cached OWL RL closure of a project's ontology and data plus parsed extra files.
    Keyed by their content, so an edit is seen at once."""
    paths = project.graph_files()

    def build():
        g = None
        for p in paths:
            g = graph_of(parse_trusted(p), g)
        for pf in parsed:
            g = graph_of(pf.quads, g, fresh_bnodes=True)
        return compute(g)

    return cached_closure(input_key([*paths, *(pf.text for pf in parsed)]), build)


def closure_in_store(store, key: str, engine: str | None = None) -> StoreClosure:
    """Add the OWL RL closure of an in-memory store's triples to its graph ``urn:kzlod:inferred``.

    Cached like :func:`cached_closure`, under ``key``: a cache hit is streamed
    into the store with its blank-node labels. reasonable reads only the triples its
    rules can use (:func:`kzlod.reasoning.instore.relevant_predicates`); owlrl, for small graphs, gets
    an rdflib copy.
    """
    import shutil  # here: a query's start does not load it

    result = StoreClosure(store=Path(), asserted=len(store))
    result.engine = choose_engine(engine, result.asserted)
    found = _read_entry(key)
    if found is not None:
        path, head = found
        try:
            result.dropped, result.trivial, result.clashes = head["dropped"], head["trivial"], head["clashes"]
            # parsed, not loaded: a store load would rename the blank nodes the closure shares with the data
            store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, INFERRED_GRAPH)
                              for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
            count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED_GRAPH.value}> {{ ?s ?p ?o }} }}"
            result.inferred, result.cached = int(next(iter(store.query(count)))["n"].value), True
            return result
        except (OSError, ValueError, SyntaxError):
            store.clear_graph(INFERRED_GRAPH)  # a damaged cache entry is rebuilt
            result.clashes, result.dropped, result.trivial = [], 0, 0
    if result.engine == "reasonable":
        import tempfile  # here: only reasoning over a store on disk needs it

        work = Path(tempfile.mkdtemp(prefix="kzlod-reason-"))
        try:
            reason_with_reasonable(store, work, result)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        result.clashes = store_clashes(store)
    else:
        reason_with_owlrl(store, result)
    _write_entry(key, lambda fh: store.dump(output=fh, format=ox.RdfFormat.N_TRIPLES, from_graph=INFERRED_GRAPH),
                 result.dropped, result.trivial, result.clashes)
    return result
