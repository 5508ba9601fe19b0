"""``kzlod push``: upload the graph into a triple store, one named graph per source.

The graphs are those of a release's N-Quads dump (:mod:`kzlod.publishing.release`,
:func:`kzlod.publishing.release.release_graph`): the ontology in
``https://w3id.org/kzlod/ontology``, each source's text, metadata and
claims in the graph named by the source's IRI, the entities in
``https://w3id.org/kzlod/graph/entities``.

Each graph is sent whole with the SPARQL 1.1 Graph Store Protocol, ``PUT
<graph store>?graph=<iri>``, which replaces that graph atomically: a second
push replaces rather than duplicates. A release folder's N-Quads dump is
pushed graph by graph as it is.
"""

from __future__ import annotations

import base64
import gzip
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError, KzlodError, UsageError
from kzlod.gate.parse import rdf_format
from kzlod.project import bundled_root, graph_files, ontology_files
from kzlod.publishing.release import release_graph


class PushError(KzlodError):
    """The triple store refused or could not be reached (exit 1)."""


@dataclass
class Graph:
    """One named graph to upload: its IRI ("" for the default graph), its triples, and where they came from."""

    iri: str
    triples: list = field(default_factory=list)
    files: list = field(default_factory=list)


def bundled_graphs(root: Path | None = None) -> list[Graph]:
    """The bundled ontology and data, split into named graphs by the release's rule."""

    root = Path(root) if root else bundled_root()
    graphs: dict[str, Graph] = {}
    ontology = set(ontology_files(root))
    for path in graph_files(root):
        # Blank nodes renamed per file: files merged into one graph must not share a label by chance.
        triples = [q.triple for q in ox.parse(path=str(path), format=rdf_format(path), rename_blank_nodes=True)]
        iri = release_graph(triples, ontology=path in ontology)
        graph = graphs.setdefault(iri, Graph(iri))
        graph.triples.extend(triples)
        graph.files.append(path)
    return [graphs[k] for k in sorted(graphs)]


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
    """The named graphs of a release folder's N-Quads dump."""
    path = release_dump(folder, closure=closure)
    try:
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
        quads = list(ox.parse(raw, format=ox.RdfFormat.N_QUADS))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    except SyntaxError as exc:
        raise InputError(f"{path}: {exc}") from None
    graphs: dict[str, Graph] = {}
    for quad in quads:
        iri = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graphs.setdefault(iri, Graph(iri, files=[path])).triples.append(quad.triple)
    return [graphs[k] for k in sorted(graphs)]


def default_graph_store(endpoint: str) -> str:
    """Oxigraph's Graph Store URL from the store's base URL (or its /query, /sparql or /update URL)."""
    if not endpoint.startswith(("http://", "https://")):
        raise UsageError(f"--endpoint must be an http(s) URL, got {endpoint!r}")
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    for tail in ("/query", "/sparql", "/update"):
        if path.endswith(tail):
            path = path[: -len(tail)]
            break
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path + "/store", "", ""))


class GraphStoreClient:
    """A SPARQL 1.1 Graph Store Protocol service, over HTTP with optional basic authentication."""

    def __init__(self, url: str, *, user: str | None = None, password: str | None = None, timeout: float = 120):
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"--graph-store must be an http(s) URL, got {url!r}")
        self.url = url
        self.timeout = timeout
        self.auth = None
        if user is not None:
            self.auth = "Basic " + base64.b64encode(f"{user}:{password or ''}".encode()).decode()

    def _target(self, graph: str) -> str:
        sep = "&" if urllib.parse.urlsplit(self.url).query else "?"
        return self.url + sep + (urllib.parse.urlencode({"graph": graph}) if graph else "default")

    def _send(self, method: str, graph: str, body: bytes | None = None, accept: str | None = None):
        req = urllib.request.Request(self._target(graph), data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/n-triples")
        if accept:
            req.add_header("Accept", accept)
        if self.auth:
            req.add_header("Authorization", self.auth)
        name = graph or "the default graph"
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace").strip().splitlines()
            raise PushError(f"{method} {name}: {self.url} answered HTTP {exc.code}: "
                            f"{detail[0] if detail else exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise PushError(f"{method} {name}: {self.url} unreachable: {getattr(exc, 'reason', exc)}") from None

    def put(self, graph: str, triples) -> str:
        """Replace a graph with these triples; 'created' or 'replaced'."""
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        status, _ = self._send("PUT", graph, body)
        return "created" if status == 201 else "replaced"

    def get(self, graph: str) -> list:
        _, payload = self._send("GET", graph, accept="application/n-triples")
        try:
            return list(ox.parse(payload, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as exc:
            raise PushError(f"GET {graph}: the store answered something that is not N-Triples: {exc}") from None


def push(graphs: list[Graph], client: GraphStoreClient, *, verify: bool = True):
    """PUT each graph; with ``verify``, read it back and compare the triple count. Yields (graph, status)."""
    for graph in graphs:
        status = client.put(graph.iri, graph.triples)
        if verify:
            expected = len(set(graph.triples))
            got = len(set(client.get(graph.iri)))
            if got != expected:
                raise PushError(f"graph {graph.iri or 'default'}: sent {expected} triples, the store holds {got}")
        yield graph, status
