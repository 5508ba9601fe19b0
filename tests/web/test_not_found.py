"""A browser's 404: a page saying what is missing, with links to the nearest addresses the site has;
any other client keeps the one plain-text line.

Regression for the 404s that were plain text to a browser too, with no address to go to instead.
The expected links are read off the data files (labels, sources) and checked to answer 200.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from pagetree import KZD, ROOT, parse_html

from kzlod.project import bundled
from kzlod.web.app import create_app
from kzlod.web.server import ServeConfig
from kzlod.web.workers import WorkerPool

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore")
    from starlette.testclient import TestClient

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def client():
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=20)) as pool, TestClient(create_app(pool)) as c:
        yield c


def label_of(local: str) -> str:
    """An entity's label, read from the data files."""
    for path in (ROOT / "data").rglob("*.ttl"):
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if q.subject.value == KZD + local and q.predicate.value == LABEL:
                return q.object.value
    raise AssertionError(f"no label for {local}")


#: (a mistyped address, the address it must suggest first, why the page says it is missing)
CASES = [
    ("/id/russi", "/id/russia", "no entity https://w3id.org/kzlod/id/russi in the graph"),
    ("/id/Russia", "/id/russia", "no entity https://w3id.org/kzlod/id/Russia in the graph"),
    ("/id/kazakstan", "/id/kazakhstan", "no entity https://w3id.org/kzlod/id/kazakstan in the graph"),
    ("/source/foreign-polcy", "/source/foreign-policy",
     "no source document https://w3id.org/kzlod/id/source/foreign-polcy in the graph"),
    ("/entitis", "/entities", "no page at /entitis"),
    ("/timelien", "/timeline", "no page at /timelien"),
    ("/armenia", "/id/armenia", "no page at /armenia"),
]


@pytest.mark.parametrize("path, first, message", CASES)
def test_a_browsers_404_is_a_page_with_the_nearest_addresses_linked(client, path, first, message):
    res = client.get(path, headers={"Accept": BROWSER})
    assert res.status_code == 404 and res.headers["content-type"].startswith("text/html")
    assert "script-src" not in res.headers["content-security-policy"]
    doc = parse_html(res.text)
    assert doc.find("h1").text() == "Not found"
    assert doc.find("p", "error").text() == message
    links = doc.find("ul", "did-you-mean").links()
    assert links[0] == first
    for href in links:
        assert client.get(href, headers={"Accept": BROWSER}).status_code == 200, href
    if first.startswith("/id/"):
        assert doc.find("ul", "did-you-mean").find("a").text() == label_of(first[len("/id/"):])


def test_nothing_near_says_so(client):
    res = client.get("/zzqx", headers={"Accept": BROWSER})
    doc = parse_html(res.text)
    assert res.status_code == 404 and doc.find("ul", "did-you-mean") is None
    assert "Nothing here is named like" in doc.find("main").text()


@pytest.mark.parametrize("path, text", [("/id/russi", "no entity https://w3id.org/kzlod/id/russi in the graph\n"),
                                        ("/entitis", "Not Found")])
def test_any_other_client_gets_the_plain_line(client, path, text):
    for headers in ({"Accept": "text/turtle"}, {}, {"Accept": "*/*"}):
        res = client.get(path, headers=headers)
        assert res.status_code == 404 and res.headers["content-type"].startswith("text/plain"), headers
        assert res.text == text


def test_a_hostile_address_stays_text_on_the_page(client):
    res = client.get("/%3Cscript%3Ealert(1)%3C%2Fscript%3E", headers={"Accept": BROWSER})
    assert res.status_code == 404 and "<script>alert" not in res.text
    assert parse_html(res.text).find("p", "error").text() == "no page at /<script>alert(1)</script>"
