"""Where the graph lives: one choice, behind one small interface.

* ``memory`` — an in-memory Oxigraph store filled from the bundled ontology
  and data (the default; nothing is written anywhere);
* ``oxigraph:DIR`` — a persistent Oxigraph store on disk, loaded once by
  ``kzlod load`` and reused;
* an endpoint URL — a remote SPARQL 1.1 Protocol service.

Every backend answers :meth:`GraphStore.query` with pyoxigraph result
objects, so output code never needs to know which one it talks to.
"""

from __future__ import annotations

import base64
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from kzlod import resources
from kzlod.errors import InputError, QueryError, UsageError
from kzlod.loading import ParsedFile, parse_trusted

ACCEPT = {
    "select": "application/sparql-results+json",
    "graph": "application/n-triples",
}


def file_graph(path: Path, root: Path | None = None) -> ox.NamedNode:
    """The named graph a file is loaded into: ``urn:kzlod:file:<path relative to its root>``."""
    path = Path(path)
    try:
        rel = path.resolve().relative_to((root or resources.bundled_root()).resolve()).as_posix()
    except ValueError:
        rel = path.name
    return ox.NamedNode("urn:kzlod:file:" + urllib.parse.quote(rel))


INFERRED_GRAPH = ox.NamedNode("urn:kzlod:inferred")


class GraphStore:
    """A store that answers SPARQL queries."""

    name = "store"

    def query(self, sparql: str, substitutions: dict | None = None):  # pragma: no cover - interface
        raise NotImplementedError

    def add_quads(self, quads, graph: ox.NamedNode | None = None) -> None:
        raise UsageError(f"the {self.name} store is read-only here")

    def __len__(self) -> int:
        res = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(next(iter(res))["n"].value)


class OxigraphStore(GraphStore):
    """An Oxigraph store, in memory (``path=None``) or on disk."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self.name = f"oxigraph:{path}" if path else "memory"
        try:
            self.store = ox.Store(str(path)) if path else ox.Store()
        except OSError as exc:
            raise InputError(f"{path}: cannot open Oxigraph store: {exc}") from None

    def query(self, sparql: str, substitutions: dict | None = None):
        if substitutions:
            sparql = bind_values(sparql, substitutions)
        return self.store.query(sparql, use_default_graph_as_union=True, prefixes=resources.NAMESPACES)

    def add_quads(self, quads, graph: ox.NamedNode | None = None) -> None:
        if graph is None:
            self.store.extend(quads)
        else:
            self.store.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads)

    def bulk_load(self, path: Path, graph: ox.NamedNode) -> None:
        from kzlod.loading import rdf_format

        self.store.bulk_load(path=str(path), format=rdf_format(path), to_graph=graph)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs())

    def __len__(self) -> int:
        return len(self.store)


class EndpointStore(GraphStore):
    """A remote SPARQL 1.1 Protocol endpoint (read-only)."""

    def __init__(self, url: str, *, user: str | None = None, password: str | None = None, timeout: float = 60):
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"endpoint must be an http(s) URL, got {url!r}")
        self.url = url
        self.name = url
        self.timeout = timeout
        self.auth = None
        if user is not None:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            self.auth = f"Basic {token}"

    def query(self, sparql: str, substitutions: dict | None = None):
        from kzlod.query import prefixed_query

        if substitutions:
            sparql = bind_values(sparql, substitutions)
        sparql = prefixed_query(sparql)
        kind = query_kind(sparql)
        accept = ACCEPT["graph"] if kind in ("construct", "describe") else ACCEPT["select"]
        body = urllib.parse.urlencode({"query": sparql}).encode()
        req = urllib.request.Request(self.url, data=body, method="POST")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        req.add_header("Accept", accept)
        if self.auth:
            req.add_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                payload = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace").strip().splitlines()
            raise QueryError(f"endpoint {self.url} answered HTTP {exc.code}: {detail[0] if detail else exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise QueryError(f"endpoint {self.url} unreachable: {reason}") from None
        if kind in ("construct", "describe"):
            return iter([q.triple for q in ox.parse(payload, format=ox.RdfFormat.N_TRIPLES)])
        return ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON)


def query_kind(sparql: str) -> str:
    """``select``, ``ask``, ``construct`` or ``describe`` (from the first keyword after the prologue)."""
    from kzlod.sparqltext import strip_sparql

    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", strip_sparql(sparql), re.I)
    return m.group(1).lower() if m else "select"


def bind_values(sparql: str, substitutions: dict) -> str:
    """Bind variables with a VALUES block opening the outer WHERE group (works on every engine)."""
    from kzlod.sparqltext import mask_sparql

    names = sorted(substitutions, key=lambda v: v.value)
    head = " ".join("?" + v.value for v in names)
    row = " ".join(str(substitutions[v]) for v in names)
    masked = mask_sparql(sparql)
    m = re.search(r"\bWHERE\s*\{", masked, re.I)
    brace = m.end() - 1 if m else masked.find("{")
    if brace < 0:
        raise QueryError("cannot bind parameters: the query has no WHERE clause")
    return f"{sparql[:brace + 1]} VALUES ({head}) {{ ({row}) }} {sparql[brace + 1:]}"


def memory_store(extra: list[ParsedFile] = (), *, root: Path | None = None, inferred=None) -> OxigraphStore:
    """The bundled ontology and data (plus extra parsed files) in an in-memory store."""
    store = OxigraphStore()
    for path in resources.graph_files(root):
        store.add_quads(parse_trusted(path), file_graph(path, root))
    for parsed in extra:
        store.add_quads(parsed.quads, file_graph(parsed.path))
    if inferred is not None:
        store.add_quads(inferred, INFERRED_GRAPH)
    return store


def open_store(spec: str | None, *, extra: list[ParsedFile] = (), endpoint: str | None = None, inferred=None,
               user: str | None = None, password: str | None = None) -> GraphStore:
    """Open the store a command asked for."""
    if endpoint:
        if extra:
            raise UsageError("--data cannot be combined with --endpoint (the endpoint holds its own data)")
        return EndpointStore(endpoint, user=user, password=password)
    if spec in (None, "", "memory"):
        return memory_store(extra, inferred=inferred)
    if spec.startswith("oxigraph:"):
        path = Path(spec.split(":", 1)[1])
        if not path.is_dir():
            raise InputError(f"{path}: no Oxigraph store here; create one with 'kzlod load FILE... --store {spec}'")
        if extra:
            raise UsageError(f"--data cannot be used with --store {spec}; add the files with 'kzlod load' first")
        return OxigraphStore(path)
    raise UsageError(f"unknown store {spec!r}: use 'memory' or 'oxigraph:DIR'")
