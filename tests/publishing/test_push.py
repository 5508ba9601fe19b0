"""``kzlod push`` into a real Oxigraph server, then every named query answered there as locally.

The server is ``oxigraph serve --union-default-graph`` on 127.0.0.1 (skipped
when the ``oxigraph`` executable is missing): its default graph is the union
of the named graphs, as kzlod's own store is, so the named queries run
unchanged. Basic authentication and refusals are tested against a small
Graph Store stub on 127.0.0.1.
"""

from __future__ import annotations

import base64
import http.server
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kzlod.cli import cli
from kzlod.publishing.push import GraphStoreClient, bundled_graphs, default_graph_store, release_dump, release_graphs
from kzlod.querying.run import named_queries

ROOT = Path(__file__).resolve().parents[2]
OXIGRAPH = shutil.which("oxigraph")
PARAMS = {"entity": ["--param", "entity", "kzd:kazakhstan"]}


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sparql(endpoint: str, query: str) -> list[dict]:
    req = urllib.request.Request(endpoint + "/query", data=urllib.parse.urlencode({"query": query}).encode(),
                                 headers={"Accept": "application/sparql-results+json",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read())["results"]["bindings"]


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    if OXIGRAPH is None:
        pytest.skip("the 'oxigraph' server executable is not installed (pip install oxigraph)")
    location = tmp_path_factory.mktemp("oxigraph")
    port = free_port()
    proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            sparql(url, "SELECT * WHERE {} LIMIT 1")
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("oxigraph serve exited: " + proc.stderr.read().decode())
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("oxigraph serve did not answer within 30 s")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="module")
def pushed(oxigraph):
    res = run("push", "--endpoint", oxigraph)
    assert res.exit_code == 0, res.output
    return oxigraph


GROUP_CONCATS = {"participants"}  # events.rq: GROUP_CONCAT(... separator="; "), whose order SPARQL leaves open


def rows(stdout: str) -> Counter:
    """Result rows as a multiset; blank nodes all alike (their labels are the store's own), and the
    parts of a GROUP_CONCAT compared as a set (SPARQL does not define their order; stores differ)."""
    data = json.loads(stdout)
    out = []
    for binding in data["results"]["bindings"]:
        row = []
        for var, term in binding.items():
            value = term["value"]
            if var in GROUP_CONCATS:
                value = tuple(sorted(value.split("; ")))
            row.append((var, "_:" if term["type"] == "bnode" else
                        (term["type"], value, term.get("datatype"), term.get("xml:lang"))))
        out.append(tuple(sorted(row)))
    return Counter(out)


def graph_counts(endpoint: str) -> dict[str, int]:
    found = sparql(endpoint, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {b["g"]["value"]: int(b["n"]["value"]) for b in found}


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_answers_remotely_as_locally(pushed, name):
    extra = PARAMS.get(name, [])
    local = run("query", name, "--format", "json", *extra)
    remote = run("query", name, "--endpoint", pushed + "/query", "--format", "json", *extra)
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert rows(remote.stdout) == rows(local.stdout)
    if name != "uncovered":  # every sentence of the bundled source is covered by a claim
        assert rows(local.stdout), f"{name} has answers on the bundled graph"


def test_one_named_graph_per_source_plus_ontology_and_entities(pushed):
    counts = graph_counts(pushed)
    expected = {g.iri: len(set(g.triples)) for g in bundled_graphs()}
    assert counts == expected
    assert "https://w3id.org/kzlod/ontology" in counts and "https://w3id.org/kzlod/graph/entities" in counts
    # the graph of a source holds exactly its claims and text: each one cites that source only
    cited = sparql(pushed, "SELECT DISTINCT ?g ?src WHERE { GRAPH ?g { ?ev <http://www.w3.org/ns/oa#hasSource> ?src } }")
    assert cited and all(b["g"]["value"] == b["src"]["value"] for b in cited)


def test_every_source_document_has_its_own_graph(pushed):
    sources = set()
    for path in (ROOT / "data").rglob("*.ttl"):
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if q.object == ox.NamedNode("https://w3id.org/kzlod/ontology#SourceDocument"):
                sources.add(q.subject.value)
    assert sources and sources <= set(graph_counts(pushed))


def test_a_second_push_replaces_rather_than_duplicates(pushed):
    before = graph_counts(pushed)
    total = int(sparql(pushed, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"]["value"])
    res = run("push", "--endpoint", pushed + "/query")  # the query URL names the same store
    assert res.exit_code == 0, res.output
    assert graph_counts(pushed) == before
    assert int(sparql(pushed, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"]["value"]) == total


def test_push_a_release_folder(oxigraph, tmp_path):
    release = tmp_path / "release"
    res = run("publish", str(release))
    if res.exit_code != 0:
        pytest.fail(res.output)
    graphs = release_graphs(release)
    dump = release_dump(release)
    assert dump.name.endswith(".nq") and "closure" not in dump.name
    quads = list(ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS))
    assert sum(len(g.triples) for g in graphs) == len(quads)
    res = run("push", "--endpoint", oxigraph, "--release", str(release))
    assert res.exit_code == 0, res.output
    counts = graph_counts(oxigraph)
    for graph in graphs:
        assert counts[graph.iri] == len(set(graph.triples))
    closure = release_graphs(release, closure=True)
    assert "https://w3id.org/kzlod/graph/inferred" in {g.iri for g in closure}


def test_dry_run_lists_graphs_and_sends_nothing():
    res = run("push", "--endpoint", "http://127.0.0.1:9", "--dry-run")
    assert res.exit_code == 0
    listed = {line.split()[1]: int(line.split()[0]) for line in res.stdout.strip().splitlines()}
    assert listed == {g.iri: len(g.triples) for g in bundled_graphs()}


def test_graph_store_url_from_the_endpoint():
    assert default_graph_store("http://127.0.0.1:7878") == "http://127.0.0.1:7878/store"
    assert default_graph_store("http://127.0.0.1:7878/") == "http://127.0.0.1:7878/store"
    assert default_graph_store("http://h:7878/query") == "http://h:7878/store"
    assert default_graph_store("https://h/db/sparql") == "https://h/db/store"


# --- authentication and refusals, against a Graph Store stub ----------------------------------

class StubStore(http.server.BaseHTTPRequestHandler):
    """A Graph Store Protocol stub: PUT and GET of N-Triples by ?graph=, behind basic auth."""

    graphs: dict = {}
    seen: list = []
    token = "Basic " + base64.b64encode(b"curator:s3cret").decode()

    def log_message(self, *args):
        pass

    def _graph(self):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("graph", [""])[0]

    def _authorised(self):
        self.seen.append((self.command, self.headers.get("Authorization"), self.headers.get("Content-Type")))
        if self.headers.get("Authorization") != self.token:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="kz"')
            self.end_headers()
            self.wfile.write(b"authentication required\n")
            return False
        return True

    def do_PUT(self):
        if not self._authorised():
            return
        body = self.rfile.read(int(self.headers["Content-Length"]))
        created = self._graph() not in self.graphs
        self.graphs[self._graph()] = body
        self.send_response(201 if created else 204)
        self.end_headers()

    def do_GET(self):
        if not self._authorised():
            return
        body = self.graphs.get(self._graph(), b"")
        self.send_response(200)
        self.send_header("Content-Type", "application/n-triples")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def stub():
    StubStore.graphs, StubStore.seen = {}, []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StubStore)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_basic_authentication(stub):
    res = run("push", "--endpoint", stub, "--graph-store", stub + "/gsp", "--user", "curator", "--password", "s3cret")
    assert res.exit_code == 0, res.output
    assert set(StubStore.graphs) == {g.iri for g in bundled_graphs()}
    assert all(auth == StubStore.token for _, auth, _ in StubStore.seen)
    assert {ctype for method, _, ctype in StubStore.seen if method == "PUT"} == {"application/n-triples"}


def test_wrong_password_is_a_one_line_error(stub):
    res = run("push", "--endpoint", stub, "--user", "curator", "--password", "wrong")
    assert res.exit_code == 1
    assert "answered HTTP 401: authentication required" in res.output
    assert "Traceback" not in res.output and not StubStore.graphs


def test_password_from_the_environment(stub):
    res = CliRunner(env={"KZLOD_PASSWORD": "s3cret"}).invoke(cli, ["push", "--endpoint", stub, "--user", "curator"])
    assert res.exit_code == 0, res.output


def test_a_store_that_keeps_less_than_was_sent_is_reported(stub):
    client = GraphStoreClient(stub + "/store", user="curator", password="s3cret")
    client.put("urn:g", [])  # the stub now holds an empty graph
    from kzlod.publishing.push import Graph, PushError, push

    class Lossy(GraphStoreClient):
        def put(self, graph, triples):
            return super().put(graph, triples[:1])

    lossy = Lossy(stub + "/store", user="curator", password="s3cret")
    graph = Graph("urn:g", [ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal(str(i))) for i in range(3)])
    with pytest.raises(PushError, match="sent 3 triples, the store holds 1"):
        list(push([graph], lossy))


@pytest.mark.parametrize("args, code, message", [
    (["--endpoint", "http://127.0.0.1:9"], 1, "unreachable"),
    (["--endpoint", "ftp://example.org"], 2, "must be an http(s) URL"),
    (["--endpoint", "http://127.0.0.1:9", "--graph-store", "file:///etc/passwd"], 2, "must be an http(s) URL"),
    (["--endpoint", "http://127.0.0.1:9", "--release", "/nonexistent/release"], 3, "no such release folder"),
    (["--endpoint", "http://127.0.0.1:9", "--closure"], 2, "--closure needs --release"),
])
def test_push_errors(args, code, message):
    res = run("push", *args)
    assert res.exit_code == code, res.output
    assert message in res.output and "Traceback" not in res.output


def test_a_folder_without_a_dump_is_refused(tmp_path):
    res = run("push", "--endpoint", "http://127.0.0.1:9", "--release", str(tmp_path))
    assert res.exit_code == 3 and "no N-Quads dump" in res.output
