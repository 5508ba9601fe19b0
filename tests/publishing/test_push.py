"""``kzlod push`` without a store: authentication, retries and refusals against a Graph Store stub
on 127.0.0.1, and what a push plans. Real stores (Oxigraph, Virtuoso): tests/publishing/test_stores.py.
"""

from __future__ import annotations

import base64
import http.server
import os
import threading
import urllib.parse

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kzlod.cli import cli
from kzlod.project import bundled
from kzlod.publishing import push as pushing
from kzlod.publishing.stores import Credentials, PushError, Remote, base_url, find_credentials


def run(*args, env=None):
    return CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)


def test_base_url_from_a_service_url():
    assert base_url("http://127.0.0.1:7878") == "http://127.0.0.1:7878"
    assert base_url("http://127.0.0.1:7878/") == "http://127.0.0.1:7878"
    assert base_url("http://h:7878/query") == "http://h:7878"
    assert base_url("https://h/db/sparql") == "https://h/db"
    assert base_url("http://h:8890/sparql-graph-crud-auth") == "http://h:8890"


def test_the_same_files_hash_the_same_on_every_read():
    first = {g.iri: g.content_hash() for g in pushing.project_graphs(bundled())}
    again = {g.iri: g.content_hash() for g in pushing.project_graphs(bundled())}
    assert first == again and len(set(first.values())) == len(first)


def test_chunks_never_split_a_blank_node():
    graph = next(g for g in pushing.project_graphs(bundled()) if g.iri.endswith("/foreign-policy"))
    parts = list(pushing.chunks(graph, 50))
    assert len(parts) > 10 and sum(len(p) for p in parts) == len(graph)
    where: dict = {}
    for i, part in enumerate(parts):
        for t in part:
            for term in (t.subject, t.object):
                if isinstance(term, ox.BlankNode):
                    where.setdefault(term, set()).add(i)
    assert where and all(len(chunks) == 1 for chunks in where.values())


# --- authentication, retries and refusals, against a Graph Store stub ---------------------------

class StubStore(http.server.BaseHTTPRequestHandler):
    """A Graph Store Protocol stub: PUT, POST, GET and DELETE of N-Triples by ?graph=, behind basic
    or bearer authentication; ``failures`` requests answer 503 (or drop the connection) first."""

    graphs: dict = {}
    seen: list = []
    failures: list = []
    tokens = ("Basic " + base64.b64encode(b"curator:s3cret").decode(), "Bearer t0ken")

    def log_message(self, *args):
        pass

    def _graph(self):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("graph", [""])[0]

    def _answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self):
        self.seen.append((self.command, self.headers.get("Authorization"), self.headers.get("Content-Type")))
        if self.failures:
            kind = self.failures.pop(0)
            if kind == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return False
            self._answer(503, b"busy, try again\n")
            return False
        if self.headers.get("Authorization") not in self.tokens:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="kz"')
            self.end_headers()
            self.wfile.write(b"authentication required\n")
            return False
        return True

    def _body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def do_PUT(self):
        body = self._body()
        if self._authorised():
            created = self._graph() not in self.graphs
            self.graphs[self._graph()] = body
            self._answer(201 if created else 204)

    def do_POST(self):
        body = self._body()
        if self._authorised():
            self.graphs[self._graph()] = self.graphs.get(self._graph(), b"") + body
            self._answer(204)

    def do_GET(self):
        if self._authorised():
            if self._graph() in self.graphs:
                self._answer(200, self.graphs[self._graph()])
            else:
                self._answer(404, b"no such graph\n")

    def do_DELETE(self):
        if self._authorised():
            self._answer(204 if self.graphs.pop(self._graph(), None) is not None else 404)


@pytest.fixture
def stub():
    StubStore.graphs, StubStore.seen, StubStore.failures = {}, [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StubStore)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def ours(graphs: dict) -> set:
    return set(graphs) - {pushing.record_graph("kzlod")}


def test_basic_authentication(stub):
    res = run("push", "--endpoint", stub, "--server", "other", "--graph-store", stub + "/gsp", "--user", "curator",
              env={"KZLOD_PASSWORD": "s3cret"})
    assert res.exit_code == 0, res.output
    assert ours(StubStore.graphs) == {g.iri for g in pushing.project_graphs(bundled())}
    assert all(auth == StubStore.tokens[0] for _, auth, _ in StubStore.seen)
    assert {ctype for method, _, ctype in StubStore.seen if method == "PUT"} == {"application/n-triples"}


def test_bearer_token_from_the_environment(stub):
    res = run("push", "--endpoint", stub, "--server", "other", "--graph-store", stub + "/gsp",
              env={"KZLOD_TOKEN": "t0ken"})
    assert res.exit_code == 0, res.output
    assert {auth for _, auth, _ in StubStore.seen} == {"Bearer t0ken"}


def test_credentials_from_netrc(stub, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login curator password s3cret\n", encoding="utf-8")
    os.chmod(netrc, 0o600)
    for name in ("KZLOD_PUSH_USER", "KZLOD_PASSWORD", "KZLOD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(netrc))
    assert find_credentials(stub) == Credentials(user="curator", password="s3cret")
    res = run("push", "--endpoint", stub, "--server", "other", "--graph-store", stub + "/gsp",
              env={"NETRC": str(netrc), "KZLOD_PASSWORD": None, "KZLOD_PUSH_USER": None})
    assert res.exit_code == 0, res.output
    assert {auth for _, auth, _ in StubStore.seen} == {StubStore.tokens[0]}


def test_wrong_password_is_a_one_line_error_that_never_shows_it(stub):
    res = run("push", "--endpoint", stub, "--server", "other", "--graph-store", stub + "/gsp", "--user", "curator",
              env={"KZLOD_PASSWORD": "wr0ng-secret"})
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [
        f"Error: GET {pushing.record_graph('kzlod')}: {stub}/gsp answered HTTP 401: authentication required"]
    assert "wr0ng-secret" not in res.output and not StubStore.graphs


@pytest.mark.parametrize("failure", ["503", "drop"])
def test_a_busy_or_dropped_request_is_retried(stub, failure):
    StubStore.failures = [failure, failure]
    res = run("push", "--endpoint", stub, "--server", "other", "--graph-store", stub + "/gsp", "--retries", "2",
              env={"KZLOD_TOKEN": "t0ken"})
    assert res.exit_code == 0, res.output
    assert ours(StubStore.graphs) == {g.iri for g in pushing.project_graphs(bundled())}
    assert len(StubStore.seen) > 2 and StubStore.seen[0][0] == StubStore.seen[1][0] == StubStore.seen[2][0] == "GET"


def test_retries_give_up_with_the_last_answer(stub):
    StubStore.failures = ["503"] * 3
    res = run("push", "--endpoint", stub, "--server", "other", "--graph-store", stub + "/gsp", "--retries", "1",
              env={"KZLOD_TOKEN": "t0ken"})
    assert res.exit_code == 1
    assert res.stderr.strip() == (f"Error: GET {pushing.record_graph('kzlod')}: "
                                  f"{stub}/gsp answered HTTP 503: busy, try again")
    assert len(StubStore.seen) == 2


def test_a_store_that_keeps_less_than_was_sent_is_reported(stub):
    class Lossy(Remote):
        def put(self, graph, body):
            return super().put(graph, body.split(b"\n", 1)[0] + b"\n")

    lossy = Lossy(stub + "/gsp", credentials=Credentials(token="t0ken"))
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal(str(i)), ox.NamedNode("urn:g"))
                 for i in range(3))
    with pytest.raises(PushError, match="graph urn:g: sent 3 triples, the store holds 1"):
        pushing.push([pushing.Graph("urn:g", store)], lossy, record="urn:record")


def test_dry_run_lists_and_changes_nothing(stub):
    res = run("push", "--endpoint", stub, "--server", "other", "--graph-store", stub + "/gsp", "--dry-run",
              env={"KZLOD_TOKEN": "t0ken"})
    assert res.exit_code == 0, res.output
    listed = {line.split()[2]: (line.split()[0], int(line.split()[1])) for line in res.stdout.strip().splitlines()}
    assert listed == {g.iri: ("send", len(g)) for g in pushing.project_graphs(bundled())}
    assert {method for method, _, _ in StubStore.seen} == {"GET"} and not StubStore.graphs


@pytest.mark.parametrize("args, code, message", [
    (["--endpoint", "http://127.0.0.1:9", "--retries", "0"], 1, "unreachable"),
    (["--endpoint", "ftp://example.org"], 2, "must be an http(s) URL"),
    (["--endpoint", "http://127.0.0.1:9", "--graph-store", "file:///etc/passwd"], 2, "must be an http(s) URL"),
    (["--endpoint", "http://127.0.0.1:9", "--server", "other"], 2, "give --graph-store"),
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
