"""``kzlod push``: keep a production triple store up to date with the graph, one named graph per source.

The graphs are those of a release's N-Quads dump (:mod:`kzlod.publishing.release`,
:func:`kzlod.publishing.release.release_graph`): the ontology in
``https://w3id.org/kzlod/ontology``, each source's text, metadata and
claims in the graph named by the source's IRI, the entities in
``https://w3id.org/kzlod/graph/entities``; a release folder adds its VoID/DCAT
description in ``https://w3id.org/kzlod/graph/void``.

A push is incremental and can be interrupted:

* The store keeps a **push record** in the graph
  ``https://w3id.org/kzlod/graph/push/<project>``: for each graph the project
  pushed, an ``sd:NamedGraph`` with its ``sd:name``, ``void:triples`` and
  ``kz:contentHash`` (an order-free SHA-256 of its N-Triples lines, with
  blank nodes labelled by their file's hash and position, so the same files
  give the same hash on every machine). Only graphs whose hash differs from
  the record are sent; ``--prune`` removes the recorded graphs the project no
  longer has; ``--force`` sends everything.
* A graph of up to ``chunk`` triples goes in one Graph Store ``PUT``. A
  bigger one goes in parts of that size (blank nodes never split between
  parts), as the store's profile says (:mod:`kzlod.publishing.stores`):
  on Oxigraph, whose ``PUT`` is one transaction, as the body of one ``PUT``
  sent in parts (chunked transfer encoding), so a graph is always old or
  new; on Virtuoso, whose ``PUT`` and ``MOVE`` are not transactions, into a
  staging graph that a SPARQL Update ``MOVE`` then puts in place: readers see
  the old graph until the move, which is the one window (docs/production.md).
* Each graph is counted back, then the record is updated: a push stopped at
  any point leaves the record naming only graphs that arrived whole, and the
  next push sends the rest.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import re
import urllib.parse
import zlib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError
from kzlod.gate.parse import iter_relabelled
from kzlod.gate.reading import LIMITS, amount, check_size, rdf_format
from kzlod.project import Project
from kzlod.publishing.release import RELEASED_INFERRED_GRAPH, release_graph
from kzlod.publishing.stores import Profile, PushError, Remote
from kzlod.store.credentials import printable
from kzlod.vocab import KZ, RDF_TYPE

RECORD_BASE = "https://w3id.org/kzlod/graph/push/"
VOID_GRAPH = "https://w3id.org/kzlod/graph/void"
STAGING_BASE = "https://w3id.org/kzlod/graph/staging/"
DATASET_BASE = "https://w3id.org/kzlod/dataset/"
#: Triples per request: a few MB of N-Triples (Virtuoso resets a digest-authenticated request past ~4 MB).
CHUNK_TRIPLES = 10_000

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
CONTENT_HASH = KZ + "contentHash"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

__all__ = ["Graph", "PushError", "Step", "content_hash", "project_graphs", "push", "record_graph",
           "release_dump", "release_graphs"]


@dataclass
class Graph:
    """One named graph to push, held in an in-memory Oxigraph store (shared by the graphs of one push)."""

    iri: str
    store: ox.Store
    files: list = field(default_factory=list)
    _count: int | None = None
    _hash: str | None = None

    @property
    def node(self) -> ox.NamedNode:
        return ox.NamedNode(self.iri)

    def triples(self):
        for quad in self.store.quads_for_pattern(None, None, None, self.node):
            yield quad.triple

    def __len__(self) -> int:
        if self._count is None:
            self._count = sum(1 for _ in self.store.quads_for_pattern(None, None, None, self.node))
        return self._count

    def content_hash(self) -> str:
        """:func:`content_hash` of the graph's triples; the same pass counts them for ``len()``."""
        if self._hash is None:
            count = 0

            def counted():
                nonlocal count
                for t in self.triples():
                    count += 1
                    yield t

            self._hash = content_hash(counted())
            self._count = count
        return self._hash


def content_hash(triples) -> str:
    """An order-free hash of triples: the sum modulo 2^256 of the SHA-256 of each one's N-Triples line."""
    total = 0
    for t in triples:
        total += int.from_bytes(hashlib.sha256(str(t).encode("utf-8")).digest(), "big")
    return f"{total % (1 << 256):064x}"


def _graphs_of(store: ox.Store, files: dict | None = None) -> list[Graph]:
    names = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    return [Graph(iri, store, (files or {}).get(iri, [])) for iri in names]


def project_graphs(project: Project) -> list[Graph]:
    """A project's ontology and data, split into named graphs by the release's rule."""
    store, files = ox.Store(), defaultdict(list)
    ontology = set(project.ontology_files())
    for path in project.graph_files():
        raw = path.read_bytes()
        # blank nodes labelled by the file's hash and their position: the same on every machine
        salt = "f" + hashlib.sha256(raw).hexdigest()[:16]
        try:
            quads = list(iter_relabelled(ox.parse(raw, format=rdf_format(path)), salt))
        except SyntaxError as exc:
            raise InputError(f"{path}: {exc}") from None
        iri = release_graph(quads, ontology=path in ontology)
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(iri)) for q in quads)
        files[iri].append(path)
    return _graphs_of(store, files)


# --- release folders -----------------------------------------------------------------------------

_DUMP = re.compile(r"^kzlod-(?P<version>.+?)(?P<closure>-closure)?\.nq(?P<gz>\.gz)?$")


def release_dump(folder: Path, *, closure: bool = False) -> Path:
    """The N-Quads dump of a ``kzlod publish`` release folder (asserted, or with ``closure`` the closure)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such release folder")
    found = []
    for path in sorted((folder / "dumps").glob("kzlod-*.nq*")) if (folder / "dumps").is_dir() else []:
        m = _DUMP.match(path.name)
        if m and bool(m.group("closure")) == closure:
            found.append((bool(m.group("gz")), path))
    if not found:
        what = "closure " if closure else ""
        raise InputError(f"{folder}: no {what}N-Quads dump (dumps/kzlod-VERSION{'-closure' if closure else ''}.nq) "
                         "in this folder; make one with 'kzlod publish'")
    return sorted(found)[0][1]  # the plain file before its .gz copy


def release_graphs(folder: Path, *, closure: bool = False) -> list[Graph]:
    """The named graphs of a release folder's N-Quads dump, and its VoID/DCAT description.

    In the closure, an inferred triple about a blank node of a source's graph (a claim's time, its
    evidence) goes into that graph: a blank node cannot be shared between two graphs sent apart.
    """
    path = release_dump(folder, closure=closure)
    store = ox.Store()
    with _dump_reader(path) as reader:
        try:
            store.bulk_extend(ox.parse(reader, format=ox.RdfFormat.N_QUADS))  # parsed: blank node labels kept
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise InputError(f"{path}: cannot read: {exc}") from None
        except SyntaxError as exc:
            raise InputError(f"{path}: {exc}") from None
    void = Path(folder) / "void.ttl"
    if void.is_file():
        check_size(void, whole=True)
        # its relative IRIs (the dumps, itself) are the release's files: resolved in the dataset's IRI space
        base = f"{DATASET_BASE}{_DUMP.match(path.name).group('version')}/"
        try:
            store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(VOID_GRAPH))
                              for q in ox.parse(path=str(void), format=ox.RdfFormat.TURTLE, base_iri=base))
        except (OSError, SyntaxError) as exc:
            raise InputError(f"{void}: cannot read: {exc}") from None
    if closure:
        _keep_blank_nodes_together(store)
    return _graphs_of(store, defaultdict(lambda: [path]))


class _Capped(io.RawIOBase):
    """A file's bytes (a gzip file's decompressed), refused as they are read past ``limit``."""

    def __init__(self, path: Path, raw, limit: int):
        self.path, self.raw, self.limit, self.seen = path, raw, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.seen += n
        if self.seen > self.limit:
            what = "decompresses to" if self.path.name.endswith(".gz") else "is"
            raise InputError(f"{self.path}: {what} more than {amount(self.limit)}, the limit of any file "
                             "(KZLOD_MAX_LOAD_FILE_BYTES)")
        return n


@contextmanager
def _dump_reader(path: Path):
    """A dump's N-Quads as a stream, gzip or not, capped at the size of any file kzlod reads."""
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    check_size(path)
    try:
        raw = gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with raw:
        yield io.BufferedReader(_Capped(path, raw, LIMITS["file_bytes"]), 1 << 20)


def _keep_blank_nodes_together(store: ox.Store) -> None:
    inferred = ox.NamedNode(RELEASED_INFERRED_GRAPH)
    home: dict = {}
    for quad in store:
        if quad.graph_name != inferred:
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.BlankNode):
                    home.setdefault(term, quad.graph_name)
    moves = [q for q in store.quads_for_pattern(None, None, None, inferred)
             if home.get(q.subject) is not None or home.get(q.object) is not None]
    for q in moves:
        store.remove(q)
        store.add(ox.Quad(q.subject, q.predicate, q.object, home.get(q.subject) or home.get(q.object)))


# --- the push record -------------------------------------------------------------------------------

def record_graph(project_name: str) -> str:
    """The graph in which the store keeps what a project pushed."""
    return RECORD_BASE + urllib.parse.quote(project_name, safe="")


def _record_node(record: str, graph: str) -> ox.NamedNode:
    return ox.NamedNode(f"{record}/{hashlib.sha256(graph.encode()).hexdigest()[:16]}")


def read_record(remote: Remote, record: str) -> dict[str, tuple[str, int]]:
    """{graph IRI: (content hash, triples)} of the store's push record (empty when there is none)."""
    body = remote.get(record)
    if not body:
        return {}
    triples = _n_triples(body, record)
    by = defaultdict(dict)
    for t in triples:
        by[t.subject][t.predicate.value] = t.object
    found = {}
    for props in by.values():
        name, digest = props.get(SD + "name"), props.get(CONTENT_HASH)
        if isinstance(name, ox.NamedNode) and digest is not None:
            count = props.get(VOID_TRIPLES)
            found[name.value] = (digest.value, _count(count))
    return found


def _n_triples(body: bytes, graph: str) -> list:
    """The triples of a graph the store answered (a one-line error when they are not N-Triples)."""
    try:
        return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
    except SyntaxError as exc:
        raise PushError(f"GET {graph}: the store answered something that is not N-Triples: "
                        f"{printable(str(exc), 160)}") from None


def _count(term) -> int:
    """A record's triple count (-1 when missing or not a number: the graph is sent again)."""
    try:
        return int(term.value) if term is not None else -1
    except ValueError:
        return -1


def _record_body(record: str, entries: dict[str, tuple[str, int]]) -> bytes:
    triples = []
    for graph, (digest, count) in sorted(entries.items()):
        node = _record_node(record, graph)
        triples += [ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(SD + "NamedGraph")),
                    ox.Triple(node, ox.NamedNode(SD + "name"), ox.NamedNode(graph)),
                    ox.Triple(node, ox.NamedNode(VOID_TRIPLES),
                              ox.Literal(str(count), datatype=ox.NamedNode(XSD_INTEGER))),
                    ox.Triple(node, ox.NamedNode(CONTENT_HASH), ox.Literal(digest))]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


# --- planning and sending --------------------------------------------------------------------------

@dataclass
class Step:
    """What a push does with one graph: "send" it, leave it "unchanged", or "remove" it (``--prune``)."""

    action: str
    iri: str
    triples: int
    graph: Graph | None = None
    done: bool = False


def plan(graphs: list[Graph], record: dict, *, prune: bool = False, force: bool = False) -> list[Step]:
    steps = []
    for graph in graphs:
        same = record.get(graph.iri, ("", -1))[0] == graph.content_hash()  # counts it too
        steps.append(Step("unchanged" if same and not force else "send", graph.iri, len(graph), graph))
    if prune:
        local = {g.iri for g in graphs}
        steps += [Step("remove", iri, count) for iri, (_, count) in sorted(record.items()) if iri not in local]
    return steps


def chunks(graph: Graph, size: int):
    """The graph's triples in lists of about ``size``; triples joined by blank nodes stay in one list."""
    parent: dict = {}

    def find(node):
        while parent.get(node, node) != node:
            parent[node] = parent.get(parent[node], parent[node])
            node = parent[node]
        return node

    for t in graph.triples():
        blanks = [x for x in (t.subject, t.object) if isinstance(x, ox.BlankNode)]
        for b in blanks:
            parent.setdefault(b, b)
        if len(blanks) == 2:
            a, b = find(blanks[0]), find(blanks[1])
            if a != b:
                parent[a] = b
    batch, groups = [], defaultdict(list)
    for t in graph.triples():
        blank = t.subject if isinstance(t.subject, ox.BlankNode) else \
            t.object if isinstance(t.object, ox.BlankNode) else None
        if blank is None:
            batch.append(t)
            if len(batch) >= size:
                yield batch
                batch = []
        else:
            groups[find(blank)].append(t)
    for group in groups.values():
        batch.extend(group)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch or not len(graph):
        yield batch


def staging_graph(iri: str) -> str:
    return STAGING_BASE + hashlib.sha256(iri.encode()).hexdigest()[:16]


def send(remote: Remote, graph: Graph, *, chunk: int = CHUNK_TRIPLES, big_graphs: str = "stage",
         on_chunk=None) -> None:
    """Replace the store's copy of a graph: one PUT; above ``chunk`` triples, by ``big_graphs``:
    "stream" (one PUT whose body goes in parts), "stage" (parts into a staging graph, then MOVE) or
    "chunks" (parts straight into the graph)."""
    parts = chunks(graph, chunk)
    first = next(parts)
    second = next(parts, None)
    if second is None:
        remote.put(graph.iri, ox.serialize(first, format=ox.RdfFormat.N_TRIPLES))
        return
    if big_graphs == "stream":
        def body():  # afresh for each attempt
            for part in chunks(graph, chunk):
                yield ox.serialize(part, format=ox.RdfFormat.N_TRIPLES)
                if on_chunk:
                    on_chunk(graph, graph.iri)

        remote.put(graph.iri, body)
        return
    target = staging_graph(graph.iri) if big_graphs == "stage" and remote.update_url else graph.iri
    if target != graph.iri:
        remote.update(f"DROP SILENT GRAPH <{target}>", f"DROP {target}")
    remote.put(target, ox.serialize(first, format=ox.RdfFormat.N_TRIPLES))
    for part in itertools.chain([second], parts):
        remote.post(target, ox.serialize(part, format=ox.RdfFormat.N_TRIPLES))
        if on_chunk:
            on_chunk(graph, target)
    if target != graph.iri:
        remote.update(f"MOVE <{target}> TO <{graph.iri}>", f"MOVE {target} TO {graph.iri}")


def _check(remote: Remote, graph: Graph) -> None:
    held = remote.count(graph.iri)
    if held is None:
        held = len(set(_n_triples(remote.get(graph.iri) or b"", graph.iri)))
    if held != len(graph):
        raise PushError(f"graph {printable(graph.iri, 300)}: sent {len(graph)} triples, the store holds {held}")


def push(graphs: list[Graph], remote: Remote, *, record: str, prune: bool = False, force: bool = False,
         dry_run: bool = False, chunk: int = CHUNK_TRIPLES, big_graphs: str = "stage", on_step=None,
         on_chunk=None) -> list[Step]:
    """Bring the store up to date: send the changed graphs, remove the pruned ones, keep the record.

    Returns the steps (each ``done`` when carried out); ``on_step(step)`` is called after each.
    """
    entries = read_record(remote, record)
    steps = plan(graphs, entries, prune=prune, force=force)
    if dry_run:
        return steps
    for step in steps:
        if step.action == "send":
            send(remote, step.graph, chunk=chunk, big_graphs=big_graphs, on_chunk=on_chunk)
            _check(remote, step.graph)
            entries[step.iri] = (step.graph.content_hash(), len(step.graph))
        elif step.action == "remove":
            remote.delete(step.iri)
            if remote.update_url:
                remote.update(f"DROP SILENT GRAPH <{staging_graph(step.iri)}>", f"DROP {staging_graph(step.iri)}")
            entries.pop(step.iri, None)
        if step.action != "unchanged":
            remote.put(record, _record_body(record, entries))
        step.done = True
        if on_step:
            on_step(step)
    return steps


def profile_note(profile: Profile) -> str:
    """How the store replaces a graph, in a few words (for ``push``'s summary)."""
    if profile.atomic_put and profile.atomic_move:
        return "each graph replaced in one transaction"
    return "graphs replaced by PUT or MOVE, not in one transaction on this store"
