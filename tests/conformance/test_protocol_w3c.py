"""The W3C SPARQL 1.1 Protocol tests, read from the suite's manifest, against ``kzlod serve``'s app.

The suite is not part of this project: it is looked for in ``KZLOD_W3C_TESTS``
(the suite's root or its ``sparql/sparql11/protocol`` folder), then in
``shared/w3c-rdf-tests`` beside the checkout. Each request of a test is built
from the manifest (method, path, headers, body and its encoding) and sent
to the server, whose store holds the test's graph data under the graph names
the manifest gives.

* ``bad_*`` tests: the answer must be 4xx.
* ``query_*`` tests: 2xx, and the boolean or the kind of format the manifest expects.
* ``update_*`` tests expect a successful update; this endpoint is read-only by
  design, so for those the test asserts the update is refused with 403.
"""

from __future__ import annotations

import json
import os
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from kzlod.project import bundled
from kzlod.store.spec import StoreSpec
from kzlod.web.app import create_app
from kzlod.web.protocol import GRAPH_TYPES, RESULT_TYPES
from kzlod.web.server import ServeConfig
from kzlod.web.workers import WorkerPool

MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
HTS = "http://www.w3.org/2011/http-statusCodes#"


def suite_dir() -> Path | None:
    candidates = []
    env = os.environ.get("KZLOD_W3C_TESTS")
    if env:
        candidates += [Path(env), Path(env) / "sparql" / "sparql11" / "protocol"]
    candidates.append(Path(__file__).resolve().parents[2].parent / "shared" / "w3c-rdf-tests" / "sparql" / "sparql11"
                      / "protocol")
    for folder in candidates:
        if (folder / "manifest.ttl").is_file():
            return folder
    return None


SUITE = suite_dir()
SKIP_REASON = ("W3C SPARQL 1.1 Protocol tests not found: set KZLOD_W3C_TESTS to a checkout of w3c/rdf-tests "
               "or place it at ../shared/w3c-rdf-tests")


class Manifest:
    """The manifest's graph, with small helpers to walk it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.base = (folder / "manifest.ttl").as_uri()
        self.store = ox.Store()
        self.store.load(path=str(folder / "manifest.ttl"), format=ox.RdfFormat.TURTLE, base_iri=self.base)

    def objects(self, subject, predicate):
        return [q.object for q in self.store.quads_for_pattern(subject, ox.NamedNode(predicate), None)]

    def one(self, subject, predicate):
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def items(self, head):
        out = []
        while head is not None and head != ox.NamedNode(RDF + "nil"):
            out.append(self.one(head, RDF + "first"))
            head = self.one(head, RDF + "rest")
        return out

    def tests(self):
        manifest = ox.NamedNode(self.base)
        return self.items(self.one(manifest, MF + "entries"))

    def test(self, node):
        name = node.value.rsplit("#", 1)[-1]
        graph_data = []
        for gd in self.objects(node, UT + "graphData"):
            graph_data.append((self.one(gd, UT + "graph").value, self.one(gd, RDFS + "label").value))
        action = self.one(node, MF + "action")
        requests = []
        for req in self.items(self.one(action, HT + "requests")):
            headers = {}
            for h in self.items(self.one(req, HT + "headers")):
                headers[self.one(h, HT + "fieldName").value] = self.one(h, HT + "fieldValue").value
            body = None
            body_node = self.one(req, HT + "body")
            if body_node is not None:
                encoding = self.one(body_node, CNT + "characterEncoding")
                body = self.one(body_node, CNT + "chars").value.encode(encoding.value if encoding else "utf-8")
            resp = self.one(req, HT + "resp")
            statuses = {s.value.removeprefix(HTS) for s in self.objects(resp, MF + "expectedStatus")}
            boolean = self.one(resp, MF + "expectedBoolean")
            fmt = self.one(resp, MF + "expectedFormat")
            requests.append({
                "method": self.one(req, HT + "methodName").value,
                "path": self.one(req, HT + "absolutePath").value,
                "headers": headers,
                "body": body,
                "statuses": statuses,
                "boolean": None if boolean is None else boolean.value == "true",
                "format": fmt.value if fmt is not None else None,
            })
        return {"name": name, "graph_data": graph_data, "requests": requests}


MANIFEST = Manifest(SUITE) if SUITE else None
TESTS = [MANIFEST.test(node) for node in MANIFEST.tests()] if MANIFEST else []
pytestmark = pytest.mark.skipif(SUITE is None, reason=SKIP_REASON)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A server whose store holds every graph the suite's tests name (data*.nt under their labels)."""
    folder = tmp_path_factory.mktemp("w3c-store")
    store = ox.Store(str(folder))
    loaded = set()
    for test in TESTS:
        for file, label in test["graph_data"]:
            if label in loaded:
                continue
            path = SUITE / Path(file).name
            store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(label))
            loaded.add(label)
    store.flush()
    config = ServeConfig(project=bundled(), store=StoreSpec.parse(f"oxigraph:{folder}"), workers=1, timeout=20)
    with WorkerPool(config) as pool:
        with TestClient(create_app(pool)) as c:
            yield c


def send(client, request):
    path = request["path"]
    if path.startswith("/sparql/"):
        path = "/sparql" + path[len("/sparql/"):]
    return client.request(request["method"], path, content=request["body"], headers=request["headers"])


def check_format(response, fmt: str, boolean: bool | None):
    ctype = response.headers["content-type"].split(";")[0]
    if fmt == "boolean":
        assert ctype in (RESULT_TYPES["json"], RESULT_TYPES["xml"]), ctype
        if ctype == RESULT_TYPES["json"]:
            value = json.loads(response.text)["boolean"]
        else:
            node = ET.fromstring(response.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
            value = node.text == "true"
        if boolean is not None:
            assert value is boolean
    elif fmt == "tabular":
        assert ctype in RESULT_TYPES.values(), ctype
    elif fmt == "RDF":
        assert ctype in GRAPH_TYPES.values(), ctype
        list(ox.parse(response.content, format={"text/turtle": ox.RdfFormat.TURTLE,
                                                 "application/n-triples": ox.RdfFormat.N_TRIPLES,
                                                 "application/ld+json": ox.RdfFormat.JSON_LD}[ctype]))


def test_the_manifest_lists_the_bad_request_tests():
    names = {t["name"] for t in TESTS}
    for expected in ("bad_query_method", "bad_multiple_queries", "bad_query_wrong_media_type",
                     "bad_query_missing_form_type", "bad_query_missing_direct_type", "bad_query_non_utf8",
                     "bad_query_syntax", "bad_update_get", "bad_multiple_updates", "bad_update_wrong_media_type"):
        assert expected in names


@pytest.mark.parametrize("test", [t for t in TESTS if t["name"].startswith("bad_")], ids=lambda t: t["name"])
def test_bad_requests_are_refused_with_4xx(client, test):
    for request in test["requests"]:
        assert request["statuses"] == {"StatusCode4xx"}
        response = send(client, request)
        assert 400 <= response.status_code < 500, (response.status_code, response.text)
        assert response.text.strip(), "a refusal says why"


@pytest.mark.parametrize("test", [t for t in TESTS if t["name"].startswith("query_")], ids=lambda t: t["name"])
def test_queries_answer_as_the_manifest_expects(client, test):
    for request in test["requests"]:
        response = send(client, request)
        assert 200 <= response.status_code < 400, (response.status_code, response.text)
        if request["format"]:
            check_format(response, request["format"], request["boolean"])


@pytest.mark.parametrize("test", [t for t in TESTS if t["name"].startswith("update_")], ids=lambda t: t["name"])
def test_updates_are_refused_by_this_read_only_endpoint(client, test):
    first = test["requests"][0]
    response = send(client, first)
    assert response.status_code == 403, (response.status_code, response.text)
    assert "read-only" in response.text
