"""``kzlod push``: upload the graph into a triple store, one named graph per source.

Graphs (the same split a release uses):

* the ontology files -> ``https://w3id.org/kzlod/ontology`` (the ontology's IRI);
* a data file about sources -> the IRI of the source it belongs to: the
  source its claims cite (``oa:hasSource``) or that it describes
  (``a kz:SourceDocument``); a file citing several sources goes to the one
  its evidence cites most (ties: the first IRI);
* a data file with no source (``data/entities.ttl``) -> ``https://w3id.org/kzlod/graph/entities``.

Each graph is sent whole with the SPARQL 1.1 Graph Store Protocol, ``PUT
<graph store>?graph=<iri>``, which replaces that graph atomically; a second
push replaces rather than duplicates. A release folder's N-Quads are pushed
graph by graph as they are.
"""

from __future__ import annotations

import base64
import gzip
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod import resources
from kzlod.errors import InputError, KzlodError, UsageError

ONTOLOGY_GRAPH = "https://w3id.org/kzlod/ontology"
ENTITIES_GRAPH = "https://w3id.org/kzlod/graph/entities"
OA_HAS_SOURCE = "http://www.w3.org/ns/oa#hasSource"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SOURCE_DOCUMENT = "https://w3id.org/kzlod/ontology#SourceDocument"


class PushError(KzlodError):
    """The triple store refused or could not be reached (exit 1)."""


@dataclass
class Graph:
    """One named graph to upload: its IRI, its triples, and the files it came from."""

    iri: str
    triples: list = field(default_factory=list)
    files: list = field(default_factory=list)


def graph_of_file(path: Path, triples, root: Path | None = None) -> str:
    """The named graph a bundled file belongs to (see the module's rules)."""
    root = root or resources.bundled_root()
    try:
        rel = Path(path).resolve().relative_to(Path(root).resolve())
    except ValueError:
        rel = Path(path)
    if rel.parts and rel.parts[0] == "ontology":
        return ONTOLOGY_GRAPH
    cited = Counter(t.object.value for t in triples
                    if t.predicate.value == OA_HAS_SOURCE and isinstance(t.object, ox.NamedNode))
    if cited:
        top = max(cited.values())
        return min(iri for iri, n in cited.items() if n == top)
    described = sorted(t.subject.value for t in triples if t.predicate.value == RDF_TYPE
                       and t.object == ox.NamedNode(SOURCE_DOCUMENT) and isinstance(t.subject, ox.NamedNode))
    return described[0] if described else ENTITIES_GRAPH


def bundled_graphs(root: Path | None = None) -> list[Graph]:
    """The bundled ontology and data, split into named graphs."""
    graphs: dict[str, Graph] = {}
    for path in resources.graph_files(root):
        triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)]
        iri = graph_of_file(path, triples, root)
        graph = graphs.setdefault(iri, Graph(iri))
        graph.triples.extend(triples)
        graph.files.append(path)
    return [graphs[k] for k in sorted(graphs)]


def release_graphs(folder: Path) -> list[Graph]:
    """The named graphs of a release folder's N-Quads files (``*.nq`` or ``*.nq.gz``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such release folder")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith((".nq", ".nq.gz")))
    if not files:
        raise InputError(f"{folder}: no N-Quads file (*.nq, *.nq.gz) in this release folder")
    graphs: dict[str, Graph] = {}
    for path in files:
        try:
            raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
            quads = list(ox.parse(raw, format=ox.RdfFormat.N_QUADS, rename_blank_nodes=True))
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"{path}: cannot read: {exc}") from None
        except SyntaxError as exc:
            raise InputError(f"{path}: {exc}") from None
        for quad in quads:
            iri = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            graph = graphs.setdefault(iri, Graph(iri))
            graph.triples.append(quad.triple)
            if path not in graph.files:
                graph.files.append(path)
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
            got = len(client.get(graph.iri))
            if got != expected:
                raise PushError(f"graph {graph.iri or 'default'}: sent {expected} triples, the store holds {got}")
        yield graph, status
