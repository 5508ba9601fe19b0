"""Where the graph lives: one choice, behind one small interface.

* ``memory`` — an in-memory Oxigraph store filled from the bundled ontology
  and data (the default; nothing is written anywhere);
* ``oxigraph:DIR`` — a persistent Oxigraph store on disk, loaded once by
  ``kzlod load`` (see :mod:`kzlod.store.bulk`) and reused, opened read-only so any
  number of commands can query it at once;
* an endpoint URL — a remote SPARQL 1.1 Protocol service.

Every backend answers :meth:`GraphStore.query` with pyoxigraph result
objects, so output code never needs to know which one it talks to.

A disk store made by ``kzlod load`` keeps, beside RocksDB's own files, a
``kzlod.json`` describing what was loaded into which named graph (with each
file's SHA-256, and the names and sizes of RocksDB's files then: a store
another program wrote to since is told by them, :func:`store_key`), and,
once ``kzlod reason --store`` ran, a ``kzlod-inferred/`` sub-store: the
asserted graphs (hard-linked, not copied) plus the inferred triples in the
named graph ``urn:kzlod:inferred``. Queries without ``--inferred`` read the
main store, which never holds inferred triples; queries with it read the
sub-store.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from kzlod import settings
from kzlod.errors import InputError, QueryError, UsageError
from kzlod.files import cache
from kzlod.files.safewrite import write_bytes_atomic
from kzlod.gate.parse import ParsedFile, parse_trusted
from kzlod.gate.reading import rdf_format, read_bytes
from kzlod.project import Project
from kzlod.sparqltext import FORM, inline_constants, mask_sparql, prefixed_query, strip_sparql
from kzlod.store.credentials import (
    AUTO,
    check_url,
    choose_scheme,
    find_credentials,
    printable,
    public_url,
    split_userinfo,
)
from kzlod.store.http import HttpClient, RemoteError
from kzlod.vocab import NAMESPACES

ACCEPT = {
    "select": "application/sparql-results+json",
    "graph": "application/n-triples",
}


def file_graph(path: Path, root: Path) -> ox.NamedNode:
    """The named graph a file is loaded into: ``urn:kzlod:file:<path relative to the project's folder>``
    (its bare name when it lies outside)."""
    path = Path(path)
    try:
        rel = path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        rel = path.name
    return ox.NamedNode("urn:kzlod:file:" + urllib.parse.quote(rel))


INFERRED_GRAPH = ox.NamedNode("urn:kzlod:inferred")

#: Files of a kzlod disk store, beside RocksDB's own.
META_FILE = "kzlod.json"
INFERRED_DIR = "kzlod-inferred"
#: What of a store's folder is not what it holds: kzlod's record, RocksDB's lock and its information
#: logs (folders, such as the closure's sub-store, are left out too: :func:`store_files`).
NOT_CONTENT = re.compile(r"kzlod\.json|LOCK|LOG(\.old\.\d+)?")

class GraphStore:
    """A store that answers SPARQL queries."""

    name = "store"
    #: True for a graph that does not change while this object is used and that only kzlod's own queries
    #: read (a release being written): its queries run with no time limit, on the calling thread, and
    #: the names of IRIs (:func:`kzlod.querying.browse.names_for`) are remembered.
    fixed = False

    def query(self, sparql: str, substitutions: dict | None = None):  # pragma: no cover - interface
        raise NotImplementedError

    def add_quads(self, quads, graph: ox.NamedNode | None = None) -> None:
        raise UsageError(f"the {self.name} store is read-only here")

    def __len__(self) -> int:
        res = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(next(iter(res))["n"].value)


class OxigraphStore(GraphStore):
    """An Oxigraph store, in memory (``path=None``) or on disk (read-only if asked)."""

    default_graphs = None  # the graphs queries see as their default graph; None: the union of every graph

    def __init__(self, path: Path | None = None, *, read_only: bool = False):
        self.path = path
        self.name = f"oxigraph:{path}" if path else "memory"
        try:
            if path is None:
                self.store = ox.Store()
            else:
                self.store = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
        except OSError as exc:
            raise InputError(f"{path}: cannot open Oxigraph store: {_short_os_error(exc)}") from None

    @classmethod
    def wrap(cls, store: ox.Store, *, default_graphs: list | None = None, fixed: bool = False) -> OxigraphStore:
        """An existing pyoxigraph store; queries see the union of ``default_graphs`` (default: every graph).
        ``fixed``: see :attr:`GraphStore.fixed`."""
        self = cls.__new__(cls)
        self.path, self.name, self.store, self.default_graphs = None, "memory", store, default_graphs
        self.fixed = fixed
        return self

    def _graphs(self) -> dict:
        if self.default_graphs is None:
            return {"use_default_graph_as_union": True}
        return {"default_graph": list(self.default_graphs)}

    def query(self, sparql: str, substitutions: dict | None = None):
        """Run SPARQL over the union of the store's graphs (or of its ``default_graphs``).

        Parameters are written into the query as constants where that means the
        same (:func:`kzlod.sparqltext.inline_constants`): Oxigraph plans a query
        before it sees pre-bound variables, and a constant lets it start from
        the entity (the ``entity`` query on a million triples: 0.5 s instead of
        2.6 s). Otherwise they are bound with Oxigraph's own substitutions, and
        where Oxigraph cannot substitute (a variable the SELECT does not
        project), with the VALUES block an endpoint gets (:func:`bind_values`).
        The scale tests compare the rows of these ways.
        """
        if substitutions:
            inlined = _inlined(sparql, substitutions)
            if inlined is not None:
                try:
                    return self.store.query(inlined, prefixes=NAMESPACES, **self._graphs())
                except SyntaxError:
                    pass  # the rewrite did not parse: bind them instead
            try:
                return self.store.query(sparql, prefixes=NAMESPACES, substitutions=substitutions,
                                        **self._graphs())
            except RuntimeError as exc:
                if "projection" not in str(exc):
                    raise
            sparql = bind_values(sparql, substitutions)
        return self.store.query(sparql, prefixes=NAMESPACES, **self._graphs())

    def add_quads(self, quads, graph: ox.NamedNode | None = None) -> None:
        if graph is None:
            self.store.extend(quads)
        else:
            self.store.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads)

    def bulk_load(self, path: Path, graph: ox.NamedNode) -> None:
        self.store.bulk_load(path=str(path), format=rdf_format(path), to_graph=graph)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs())

    def __len__(self) -> int:
        return len(self.store)


class EndpointStore(GraphStore):
    """A remote SPARQL 1.1 Protocol endpoint (read-only), reached by :mod:`kzlod.store.http`.

    Credentials: ``user`` and ``password``, else the URL's user information, else the host's
    ``~/.netrc`` entry (never the environment's, which are ``kzlod push``'s); sent, only once the
    endpoint asks for them, by digest or basic authentication as it asks, to its origin only;
    never shown. ``timeout``: the deadline of each request.
    """

    def __init__(self, url: str, *, user: str | None = None, password: str | None = None, timeout: float = 60):
        check_url(url, "endpoint")
        credentials = find_credentials(url, user, password, use_environment=False)
        self.url = split_userinfo(url)[0]
        self.name = public_url(self.url)
        self.timeout = timeout
        self.client = HttpClient(credentials, choose_scheme(credentials, default=AUTO), credential_origin=self.url,
                                 timeout=timeout, retries=0)

    def query(self, sparql: str, substitutions: dict | None = None):
        if substitutions:  # constants where they mean the same (see OxigraphStore.query), else VALUES
            sparql = _inlined(sparql, substitutions) or bind_values(sparql, substitutions)
        sparql = prefixed_query(sparql)
        kind = query_kind(sparql)
        accept = ACCEPT["graph"] if kind in ("construct", "describe") else ACCEPT["select"]
        body = urllib.parse.urlencode({"query": sparql}).encode()
        _, payload = self.client.request("POST", self.url, "endpoint", body=body, write=False,
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  "Accept": accept})
        try:
            if kind in ("construct", "describe"):
                return iter([q.triple for q in ox.parse(payload, format=ox.RdfFormat.N_TRIPLES)])
            results = ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON)
            if isinstance(results, ox.QuerySolutions):  # parsed lazily: read through once, so a bad row
                list(results)  # is this one-line error, not one in the middle of printing the table
                results = ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON)
            return results
        except (SyntaxError, ValueError) as exc:
            raise RemoteError(f"endpoint: {self.name} answered something that is not "
                              f"{'N-Triples' if kind in ('construct', 'describe') else 'SPARQL JSON results'}: "
                              f"{printable(str(exc), 120)}") from None


def query_kind(sparql: str, *, masked: bool = False) -> str:
    """``select``, ``ask``, ``construct`` or ``describe`` (from the first keyword after the prologue;
    ``masked``: ``sparql`` is :func:`kzlod.sparqltext.mask_sparql`'s already)."""
    m = FORM.search(sparql if masked else strip_sparql(sparql))
    return m.group(1).lower() if m else "select"


def _inlined(sparql: str, substitutions: dict) -> str | None:
    """The query with its parameters written in as constants, or None where that would change it."""

    if any(isinstance(v, ox.BlankNode) for v in substitutions.values()):
        return None  # a blank node in a query is a variable
    return inline_constants(sparql, {k.value: str(v) for k, v in substitutions.items()})


def bind_values(sparql: str, substitutions: dict) -> str:
    """Bind variables with a VALUES block opening the outer WHERE group (works on every engine)."""

    names = sorted(substitutions, key=lambda v: v.value)
    head = " ".join("?" + v.value for v in names)
    row = " ".join(str(substitutions[v]) for v in names)
    masked = mask_sparql(sparql)
    m = re.search(r"\bWHERE\s*\{", masked, re.I)
    brace = m.end() - 1 if m else masked.find("{")
    if brace < 0:
        raise QueryError("cannot bind parameters: the query has no WHERE clause")
    return f"{sparql[:brace + 1]} VALUES ({head}) {{ ({row}) }} {sparql[brace + 1:]}"


def _short_os_error(exc: OSError) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:300]


#: Bumped when what a graph snapshot in the cache holds changes, so that no older one is read.
SNAPSHOT_FORMAT = 1


def memory_store(project: Project, extra: list[ParsedFile] = (), *, inferred=None) -> OxigraphStore:
    """A project's ontology and data (plus extra parsed files) in an in-memory store.

    An in-memory Oxigraph store, not an rdflib graph: Oxigraph parses the
    project's files in Rust in a few milliseconds, which keeps the cold start of
    ``kzlod query`` low. (Parsed with :func:`parse_trusted`, whose
    blank-node labels are the same in every process, so a cached closure's
    triples about evidence nodes still meet them.) The project's graph is read
    from its snapshot in the cache when there is one (:func:`project_snapshot`).
    """
    store = project_store(project)
    for parsed in extra:
        store.add_quads(parsed.quads, file_graph(parsed.path, project.root))
    if inferred is not None:
        store.add_quads(inferred, INFERRED_GRAPH)
    return store


def snapshot_key(project: Project) -> str | None:
    """The cache key of the project's graph as a memory store holds it: each file's named graph and
    content, kzlod's and pyoxigraph's versions (None when a file cannot be read)."""
    try:
        return _graph_key([(file_graph(path, project.root).value, cache.file_digest(path))
                           for path in project.graph_files()])
    except OSError:
        return None


def _graph_key(files: list[tuple[str, str]]) -> str:
    """The key of a graph's snapshot from (named graph, SHA-256 of the file's bytes) pairs."""
    return cache.content_key("graph", [f"{name}\t{digest}" for name, digest in files],
                             versions=f"format {SNAPSHOT_FORMAT} pyoxigraph {ox.__version__}")


def project_store(project: Project) -> OxigraphStore:
    """The project's ontology and data in a new in-memory store: from the graph's snapshot in the
    cache (N-Quads, with the blank-node labels :func:`parse_trusted` gives, read in one pass of
    Oxigraph's parser) when its files are unchanged, else parsed from the files, and the snapshot
    kept for the next command (when it takes at most a quarter of the cache's size limit), under
    the key of the very bytes it was parsed from: a file a writer replaced between the look-up and
    the parse gives another key, never a snapshot named for content it does not hold."""
    key = snapshot_key(project)
    raw = cache.read("graph", key) if key is not None else None
    if raw is not None:
        store = _from_snapshot(raw)
        if store is not None:
            return store
    store, files = OxigraphStore(), []
    for path in project.graph_files():
        data = read_bytes(path)
        graph = file_graph(path, project.root)
        store.add_quads(parse_trusted(path, data), graph)
        files.append((graph.value, hashlib.sha256(data).hexdigest()))
    if key is not None:
        data = f"{SNAPSHOT_HEAD}{len(store)}\n".encode() + store.store.dump(format=ox.RdfFormat.N_QUADS)
        if len(data) <= settings.get("cache_max_mb") * settings.MiB // 4:  # never the cache's bulk
            cache.put_bytes("graph", _graph_key(files), data)
            # read back as the next command will read it: rows a query does not order come in the
            # store's order, which is the order the quads went in
            store = _from_snapshot(data) or store
    return store


#: The first line of a snapshot, before the number of its quads: a snapshot cut short (at a line's
#: end, which still parses) or emptied is told by its count.
SNAPSHOT_HEAD = "# kzlod graph snapshot; quads: "


def _from_snapshot(raw: bytes) -> OxigraphStore | None:
    """The store a snapshot holds; None when it is damaged (a miss: the files are parsed again)."""
    head, _, body = raw.partition(b"\n")
    if not head.startswith(SNAPSHOT_HEAD.encode()) or not head[len(SNAPSHOT_HEAD):].isdigit():
        return None
    store = OxigraphStore()
    try:
        store.store.extend(ox.parse(body, format=ox.RdfFormat.N_QUADS))
    except (SyntaxError, ValueError, OSError):
        return None
    return store if len(store) == int(head[len(SNAPSHOT_HEAD):]) else None


def read_meta(path: Path) -> dict:
    """What ``kzlod load`` and ``kzlod reason`` recorded about a disk store ({} for a plain Oxigraph store)."""
    import json  # here: a query's start does not load it
    try:
        meta = json.loads((Path(path) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def write_meta(path: Path, meta: dict) -> None:
    """Replace a store's ``kzlod.json`` atomically."""
    import json  # here: a query's start does not load it
    write_bytes_atomic(Path(path) / META_FILE, (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def content_key(meta: dict) -> str | None:
    """A hash of what a store holds (:func:`kzlod.files.cache.content_key`), from the per-file
    hashes ``kzlod load`` recorded (None if unknown)."""
    graphs = meta.get("graphs")
    if not graphs or meta.get("unknown_content"):
        return None
    return cache.content_key("store", [f"{name}\t{graphs[name].get('sha256', '')}" for name in sorted(graphs)])


def store_files(path: Path) -> str | None:
    """A digest of the names and sizes of a disk store's own files (RocksDB's manifest, tables and
    write-ahead log): a write to the store, by kzlod or by another program, changes it; reading it (a
    read-only open) does not, and neither does copying the folder. None when it cannot be listed."""
    try:
        with os.scandir(path) as entries:
            files = sorted((e.name, e.stat(follow_symlinks=False).st_size) for e in entries
                           if e.is_file(follow_symlinks=False) and not NOT_CONTENT.fullmatch(e.name))
    except OSError:
        return None
    h = hashlib.sha256()
    for name, size in files:
        h.update(f"{name}\0{size}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def store_key(path: Path, meta: dict | None = None) -> str | None:
    """What a disk store holds, as a key (its caches, its closure and a server's version are kept
    under it). While its files are those ``kzlod load`` left (``files`` in its record, ``meta``), the
    :func:`content_key` of the files it loaded: the same whenever the same content is loaded. Else
    (another program wrote to it or made it, or an earlier kzlod loaded it) a key of its files
    themselves, which any write changes. None when its folder cannot be listed."""
    files = store_files(path)
    if files is None:
        return None
    meta = read_meta(path) if meta is None else meta
    key = content_key(meta) if meta.get("files") == files else None
    return key if key is not None else cache.content_key("store", [f"files {files}"])


def store_stats(store: ox.Store, path: Path) -> dict | None:
    """What the disk store at ``path`` holds: ``{"quads": len(store), "predicates": [IRI, …]}`` (every
    predicate of every graph). Kept in the cache under the store's key (:func:`store_key`) once
    counted, which takes scans of the store (1.3 s at a million triples). None when the store's
    folder cannot be listed."""
    import json  # here: a query's start does not load it

    key = store_key(path)
    if key is None:
        return None
    key = cache.content_key("stats", [key])
    try:
        kept = json.loads(cache.read("stats", key) or b"null")
        if isinstance(kept["quads"], int) and all(isinstance(p, str) for p in kept["predicates"]):
            return kept
    except (ValueError, KeyError, TypeError):
        pass
    stats = {"quads": len(store), "predicates": sorted(
        row[0].value for row in store.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }", use_default_graph_as_union=True))}
    cache.put_bytes("stats", key, json.dumps(stats).encode("utf-8"))
    return stats


def store_subjects(store: ox.Store, path: Path, namespaces: tuple[str, ...]) -> dict[str, list[str]] | None:
    """The IRIs of each of ``namespaces`` that are subjects in the disk store at ``path`` (an IRI of
    two of them is in both lists). Kept in the cache under the store's key (:func:`store_key`) once
    found, which takes a scan of the whole store (2 s at a million triples). None when the store's
    folder cannot be listed."""
    import json  # here: a query's start does not load it

    key = store_key(path)
    if key is None:
        return None
    key = cache.content_key("stats", [key, "subjects", *namespaces])
    try:
        kept = json.loads(cache.read("stats", key) or b"null")
        if sorted(kept) == sorted(namespaces) and all(isinstance(v, list) for v in kept.values()):
            return kept
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    found: dict[str, list[str]] = {ns: [] for ns in namespaces}
    for row in store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }", use_default_graph_as_union=True):
        s = row[0]
        if isinstance(s, ox.NamedNode):
            for ns in namespaces:
                if s.value.startswith(ns):
                    found[ns].append(s.value)
    cache.put_bytes("stats", key, json.dumps(found).encode("utf-8"))
    return found


def inferred_current(path: Path, meta: dict) -> bool:
    """Whether a disk store's closure sub-store (``kzlod reason --store``) was computed from what the
    store holds now (``meta``: its record)."""
    done = meta.get("inferred") or {}
    key = store_key(path, meta)
    return bool(done) and (Path(path) / INFERRED_DIR).is_dir() and key is not None and done.get("content") == key


def inferred_store(path: Path) -> OxigraphStore:
    """The store's asserted graphs plus its OWL RL closure (``kzlod reason --store`` made it)."""
    spec = f"oxigraph:{path}"  # as the user writes it in the command to run
    sub = Path(path) / INFERRED_DIR
    meta = read_meta(path)
    done = meta.get("inferred") or {}
    if not sub.is_dir() or not done:
        raise UsageError(f"{path}: no inferred triples yet; run 'kzlod reason --store {spec}' first")
    if not inferred_current(path, meta):
        raise UsageError(f"{path}: the inferred triples are out of date; run 'kzlod reason --store {spec}' again")
    store = OxigraphStore(sub, read_only=True)
    store.name = f"{spec} (with inferred triples)"
    return store
