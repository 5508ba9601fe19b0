"""``kzlod serve``: the SPARQL endpoint, entity IRIs, the query page, its limits, and hostile requests.

Most tests drive the Starlette app in-process (TestClient) over a real pool of
worker processes; a few start the real server (uvicorn) on 127.0.0.1.
Expected answers are computed independently: from the local store through
``kzlod.querying.run_query``, or by parsing the bundled Turtle files.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from pagetree import parse_html
from servers import start_kzlod, stop_kzlod

from kzlod import api, settings
from kzlod.cli import cli
from kzlod.project import bundled
from kzlod.querying.run import named_queries, run_query
from kzlod.vocab import NAMESPACES
from kzlod.web.app import create_app
from kzlod.web.protocol import GRAPH_TYPES, RESULT_TYPES
from kzlod.web.server import ServeConfig
from kzlod.web.workers import WorkerPool

#: The query limits the server keeps (the settings, as the tests run)
MAX_QUERY_CHARS, MAX_QUERY_NESTING = settings.get("max_query_chars"), settings.get("max_query_nesting")

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
KZD = "https://w3id.org/kzlod/id/"
KZ = "https://w3id.org/kzlod/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
STATES = "SELECT ?s WHERE { ?s a kz:State } ORDER BY ?s"


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(ServeConfig(project=bundled(), workers=2, timeout=20)) as p:
        yield p


@pytest.fixture(scope="module")
def client(pool):
    with TestClient(create_app(pool)) as c:
        yield c


@pytest.fixture(scope="module")
def local():
    return api.load()


def entities_triples():
    return set(q.triple for q in ox.parse(path=str(ROOT / "data" / "entities.ttl"), format=ox.RdfFormat.TURTLE))


def states_in_files():
    """Every kz:State, read straight from the data files (not through any store)."""
    found = set()
    for path in (ROOT / "data").rglob("*.ttl"):
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if q.predicate.value == RDF_TYPE and q.object.value == KZ + "State":
                found.add(q.subject.value)
    return found


def triples(payload: bytes, fmt=ox.RdfFormat.TURTLE) -> set:
    return {q.triple for q in ox.parse(payload, format=fmt)}


def json_rows(text):
    data = json.loads(text)
    return [{k: ("_:" if v["type"] == "bnode" else v["value"]) for k, v in b.items()}
            for b in data["results"]["bindings"]]


def multiset(rows):
    return Counter(tuple(sorted(r.items())) for r in rows)


def local_rows(store, query):
    """Rows as the endpoint's JSON gives them, blank nodes all alike (their labels differ between stores)."""
    return [{v: ("_:" if isinstance(t, ox.BlankNode) else t.value) for v, t in zip(r.variables, row) if t is not None}
            for r in [run_query(store, query)] for row in r.rows]


# --- the protocol: queries and formats --------------------------------------------------

def test_get_query_answers_what_the_data_files_say(client):
    res = client.get("/sparql", params={"query": STATES})
    assert res.status_code == 200
    assert res.headers["content-type"].startswith(RESULT_TYPES["json"])
    assert {r["s"] for r in json_rows(res.text)} == states_in_files()


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_gives_the_local_answer(client, local, name):
    text = named_queries()[name].text
    res = client.post("/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query",
                                                                 "Accept": RESULT_TYPES["json"]})
    assert res.status_code == 200, res.text
    assert multiset(json_rows(res.text)) == multiset(local_rows(local, text))


def test_post_form_post_direct_and_get_agree(client):
    get = client.get("/sparql", params={"query": STATES}, headers={"Accept": "text/csv"})
    form = client.post("/sparql", data={"query": STATES}, headers={"Accept": "text/csv"})
    direct = client.post("/sparql", content=STATES, headers={"Content-Type": "application/sparql-query; charset=utf-8",
                                                             "Accept": "text/csv"})
    assert get.status_code == form.status_code == direct.status_code == 200
    assert get.text == form.text == direct.text
    rows = list(csv.DictReader(io.StringIO(get.text)))
    assert {r["s"] for r in rows} == states_in_files()


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_results_in_each_format_by_accept(client, fmt):
    res = client.get("/sparql", params={"query": STATES}, headers={"Accept": RESULT_TYPES[fmt]})
    assert res.status_code == 200
    assert res.headers["content-type"].split(";")[0] == RESULT_TYPES[fmt]
    assert "Accept" in res.headers["vary"]
    states = states_in_files()
    if fmt == "json":
        got = {r["s"] for r in json_rows(res.text)}
    elif fmt == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        got = {u.text for u in ET.fromstring(res.content).iter(ns + "uri")}
    elif fmt == "csv":
        got = {r["s"] for r in csv.DictReader(io.StringIO(res.text))}
    else:
        lines = res.text.strip().split("\n")
        assert lines[0] == "?s"
        got = {line.strip("<>") for line in lines[1:]}
    assert got == states


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_protocol_results_are_written_by_the_store_itself(client, local, fmt):
    """The thin serving path: a SELECT's answer is pyoxigraph's own serialization (compact JSON), byte for
    byte what the store writes for the same query, not rows turned into Python and back."""
    import pyoxigraph as ox

    from kzlod.sparqltext import prefixed_query

    res = client.get("/sparql", params={"query": STATES, "format": fmt})
    fmts = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV,
            "tsv": ox.QueryResultsFormat.TSV}
    expected = local.store.query(prefixed_query(STATES), use_default_graph_as_union=True).serialize(format=fmts[fmt])
    assert res.status_code == 200 and res.content == expected
    if fmt == "json":
        assert b"\n" not in res.content and b": " not in res.content


def test_accept_with_q_values_picks_the_preferred_format(client):
    res = client.get("/sparql", params={"query": STATES},
                     headers={"Accept": "application/sparql-results+json;q=0.5, text/csv;q=0.9, */*;q=0.1"})
    assert res.headers["content-type"].startswith("text/csv")


def test_ask(client):
    yes = client.get("/sparql", params={"query": f"ASK {{ <{KZD}armenia> a kz:State }}"})
    no = client.get("/sparql", params={"query": f"ASK {{ <{KZD}armenia> a kz:Person }}"},
                    headers={"Accept": RESULT_TYPES["xml"]})
    assert json.loads(yes.text)["boolean"] is True
    assert "<boolean>false</boolean>" in no.text


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_construct_in_each_graph_format(client, fmt):
    query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <urn:kzlod:file:data/entities.ttl> { ?s ?p ?o } }"
    res = client.get("/sparql", params={"query": query}, headers={"Accept": GRAPH_TYPES[fmt]})
    assert res.status_code == 200
    assert res.headers["content-type"].split(";")[0] == GRAPH_TYPES[fmt]
    parsed = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}[fmt]
    assert triples(res.content, parsed) == entities_triples()


def test_format_parameter_overrides_accept(client):
    res = client.get("/sparql", params={"query": STATES, "format": "tsv"}, headers={"Accept": RESULT_TYPES["json"]})
    assert res.headers["content-type"].startswith("text/tab-separated-values")


def test_default_graph_uri_selects_a_graph_of_the_store(client):
    graph = "urn:kzlod:file:data/entities.ttl"
    res = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                        "default-graph-uri": graph})
    assert int(json_rows(res.text)[0]["n"]) == len(entities_triples())
    res = client.get("/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                        "named-graph-uri": graph})
    assert [r["g"] for r in json_rows(res.text)] == [graph]


def test_a_remote_graph_name_is_never_fetched_only_an_empty_graph(client):
    res = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": "http://127.0.0.1:9/nothing"})
    assert res.status_code == 200 and json.loads(res.text)["boolean"] is False


def test_from_clause_selects_graphs_like_the_protocol(client):
    res = client.get("/sparql", params={
        "query": "SELECT (COUNT(*) AS ?n) FROM <urn:kzlod:file:data/entities.ttl> WHERE { ?s ?p ?o }"})
    assert int(json_rows(res.text)[0]["n"]) == len(entities_triples())


def test_relative_iris_resolve_against_the_endpoint(client):
    res = client.get("/sparql", params={"query": "SELECT (<x> AS ?iri) WHERE {}"})
    assert json_rows(res.text)[0]["iri"] == "http://testserver/x"


def test_service_description(client, pool):
    res = client.get("/sparql")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    triples = list(ox.parse(res.content, format=ox.RdfFormat.TURTLE))
    endpoint = [t.object.value for t in triples if t.predicate.value == sd + "endpoint"]
    assert endpoint == ["http://testserver/sparql"]
    names = {t.object.value for t in triples if t.predicate.value == sd + "name"}
    local_graphs = {g.value for g in api.load().store.named_graphs()}
    assert names == local_graphs
    assert any(t.object.value == sd + "UnionDefaultGraph" for t in triples)
    nt = client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert set(ox.parse(nt.content, format=ox.RdfFormat.N_TRIPLES)) and nt.headers["content-type"].startswith(
        "application/n-triples")


def test_a_browser_asking_the_endpoint_is_sent_to_the_query_page(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    res = client.get("/sparql", params={"query": STATES}, headers={"Accept": browser}, follow_redirects=False)
    assert res.status_code == 303
    assert res.headers["location"].startswith("/?query=")
    page = client.get(res.headers["location"])
    assert "?s a kz:State" in page.text


def test_a_browser_asking_for_the_service_description_gets_it_as_a_page(client):
    """Regression: "Service description" in the navigation landed back on the query page."""
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    res = client.get("/sparql", headers={"Accept": browser}, follow_redirects=False)
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    assert "script-src" not in res.headers["content-security-policy"] and res.headers["vary"] == "Accept"
    doc = parse_html(res.text)
    assert doc.find("h1").text() == "The SPARQL endpoint"
    turtle = doc.find("pre", "turtle").text()  # the same description the endpoint gives in RDF
    described = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert turtle == described.text and triples(turtle.encode())
    media = {row.find_all("td")[1].text() for row in doc.find("table", "formats").find_all("tr")[1:]}
    assert media == set(RESULT_TYPES.values()) | set(GRAPH_TYPES.values())
    rows = doc.find("table", "prefixes").find_all("tr")
    prefixes = {tr.find_all("td")[0].text(): tr.find_all("td")[1].text() for tr in rows}
    assert prefixes == {f"{p}:": ns for p, ns in NAMESPACES.items()}
    graphs = [li.text() for li in doc.find("ul", "graphs").find_all("li")]
    assert graphs == sorted(g.value for g in api.load().store.named_graphs())
    nav = doc.find("nav").find("a", href="/sparql")
    assert nav.get("aria-current") == "page"


class NonBlockingReaders(asyncio.SelectorEventLoop):
    """An event loop whose add_reader leaves the file non-blocking, as uvloop's does (libuv's uv_poll_init)."""

    def add_reader(self, fd, callback, *args):
        os.set_blocking(fd, False)
        return super().add_reader(fd, callback, *args)


def test_a_loop_that_leaves_the_workers_pipe_non_blocking_loses_no_answer(pool, local):
    # Each answer is larger than a pipe holds (64 KB), so the worker writes it in parts: read from a
    # non-blocking pipe, the first part ended the read half-way and the worker was called dead (HTTP 500).
    whole = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    expected = {q.triple for q in local.store.quads_for_pattern(None, None, None, None)}
    with TestClient(create_app(pool), backend_options={"loop_factory": NonBlockingReaders}) as c:
        for i in range(3):  # each request distinct: none answered from the kept answers
            r = c.post("/sparql", content=f"{whole} # {i}", headers={
                "Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
            assert r.status_code == 200, r.text
            assert len(r.content) > 65536
            assert triples(r.content, ox.RdfFormat.N_TRIPLES) == expected


def test_truncated_results_are_flagged(pool):
    small = dataclasses.replace(pool.config, max_rows=3)
    with WorkerPool(dataclasses.replace(small, workers=1)) as p, TestClient(create_app(p)) as c:
        res = c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert len(json_rows(res.text)) == 3
        assert res.headers["x-kzlod-truncated"] == "true"


# --- entities and the ontology ------------------------------------------------------------

def test_entity_as_turtle_is_its_description(client):
    res = client.get("/id/armenia", headers={"Accept": "text/turtle"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/turtle")
    got = triples(res.content)
    expected = {t for t in entities_triples() if t.subject.value == KZD + "armenia"}
    assert expected and expected <= got
    assert all(t.subject.value == KZD + "armenia" for t in got)


def test_entity_formats_agree(client):
    nt = client.get("/id/csto", headers={"Accept": "application/n-triples"})
    jsonld = client.get("/id/csto", headers={"Accept": "application/ld+json"})
    fmt = client.get("/id/csto", params={"format": "nt"})
    assert nt.headers["content-type"].startswith("application/n-triples")
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    a = triples(nt.content, ox.RdfFormat.N_TRIPLES)
    assert a == triples(jsonld.content, ox.RdfFormat.JSON_LD) == triples(fmt.content, ox.RdfFormat.N_TRIPLES)
    assert ox.Triple(ox.NamedNode(KZD + "csto"), ox.NamedNode(RDF_TYPE),
                     ox.NamedNode(KZ + "InternationalOrganisation")) in a


def test_a_claim_with_evidence_gives_its_blank_nodes_too(client):
    res = client.get("/id/membership-armenia-csto", headers={"Accept": "text/turtle"})
    quotes = [t.object.value for t in triples(res.content) if t.predicate.value == "http://www.w3.org/ns/oa#exact"]
    text = (ROOT / "data" / "sources" / "foreign-policy.txt").read_text(encoding="utf-8")
    assert quotes and all(q in text for q in quotes)


def test_entity_html_for_browsers_links_to_other_entities(client):
    res = client.get("/id/armenia", headers={"Accept": "text/html,*/*;q=0.8"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    csp = res.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp
    assert 'href="/id/csto"' in res.text
    assert "<script" not in res.text


ENTITY_TURTLE_CASES = ["armenia", "membership-armenia-csto", "source/foreign-policy/sentence/27", "csto"]


@pytest.mark.parametrize("local", ENTITY_TURTLE_CASES)
def test_entity_turtle_declares_only_the_prefixes_it_uses_and_escapes_no_local_name(client, local):
    """Regression: /id/x as Turtle declared all 17 prefixes and wrote kzsrc:foreign-policy\\/sentence\\/27."""
    res = client.get(f"/id/{local}", headers={"Accept": "text/turtle"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/turtle")
    text = res.text
    declared = dict(re.findall(r"^@prefix (\w*): <([^>]*)> \.$", text, re.M))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix"))
    masked = re.sub(r'"(?:[^"\\]|\\.)*"', '""', body)  # prefixed names in literals do not count
    used = {p for p in declared if re.search(rf"(?<![\w<]){p}:", masked)}
    assert used == set(declared), f"declared but unused: {set(declared) - used}"
    assert "\\/" not in text
    served = triples(res.content)
    described = triples(client.get(f"/id/{local}", headers={"Accept": "application/n-triples"}).content,
                        ox.RdfFormat.N_TRIPLES)
    assert served and len(served) == len(described)
    assert {t for t in served if not isinstance(t.object, ox.BlankNode) and not isinstance(t.subject, ox.BlankNode)} \
        == {t for t in described if not isinstance(t.object, ox.BlankNode) and not isinstance(t.subject, ox.BlankNode)}


def test_a_sentence_iri_is_written_in_full_not_escaped(client):
    text = client.get("/id/source/foreign-policy/sentence/27", headers={"Accept": "text/turtle"}).text
    assert text.count("<https://w3id.org/kzlod/id/source/foreign-policy/sentence/27>") == 1
    assert "kzsrc:foreign-policy ;" in text or "kzsrc:foreign-policy ." in text


def test_entity_rdf_xml_is_negotiable(client):
    for headers, params in (({"Accept": "application/rdf+xml"}, {}), ({}, {"format": "rdf"})):
        res = client.get("/id/csto", headers=headers, params=params)
        assert res.status_code == 200 and res.headers["content-type"].startswith("application/rdf+xml"), res.text
        xml = triples(res.content, ox.RdfFormat.RDF_XML)
        nt = triples(client.get("/id/csto", headers={"Accept": "application/n-triples"}).content,
                     ox.RdfFormat.N_TRIPLES)
        assert xml == nt and xml
        namespaces = set(re.findall(r'xmlns:\w+="([^"]*)"', res.text))
        predicates = {t.predicate.value for t in xml}
        assert all(any(p.startswith(ns) for p in predicates) for ns in namespaces - {"http://www.w3.org/2005/11/its"})
    res = client.get("/ontology", headers={"Accept": "application/rdf+xml"})
    assert res.status_code == 200 and triples(res.content, ox.RdfFormat.RDF_XML)


def test_unknown_entity_is_404(client):
    res = client.get("/id/atlantis", headers={"Accept": "text/turtle"})
    assert res.status_code == 404 and "no entity" in res.text


def test_source_sentences_are_dereferenceable(client):
    res = client.get("/id/source/foreign-policy/sentence/1", headers={"Accept": "application/n-triples"})
    assert res.status_code == 200
    assert any(t.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"
               for t in ox.parse(res.content, format=ox.RdfFormat.N_TRIPLES))


def test_ontology(client):
    res = client.get("/ontology", headers={"Accept": "text/turtle"})
    served = triples(res.content)
    onto = set(q.triple for q in ox.parse(path=str(ROOT / "ontology" / "kzlod.ttl"), format=ox.RdfFormat.TURTLE))
    named = lambda ts: {t for t in ts  # noqa: E731
                        if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)}
    assert named(served) == named(onto) and len(served) == len(onto)
    page = client.get("/ontology", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "State" in page.text


# --- the query page -----------------------------------------------------------------------

def test_query_page(client):
    res = client.get("/")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    csp = res.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert res.headers["x-content-type-options"] == "nosniff"
    text = res.text
    scripts = re.findall(r"<script[^>]*>", text)
    assert scripts == ['<script src="/static/vendor/yasgui/yasgui.min.js" defer>',
                       '<script src="/static/workbench.js" defer>']  # YASGUI, vendored; then the page's own
    assert not re.search(r"<script[^>]*>[^<]+</script>", text), "no inline script"
    assert not re.search(r"\son\w+=", text), "no inline event handlers"
    assert not re.search(r"(src|href)=\"(https?:)?//", text), "no external assets"
    for q in named_queries().values():
        assert f'<option value="{q.name}"' in text
    assert "SELECT DISTINCT ?member ?memberLabel" in text  # memberships prefilled
    assert 'data-format="csv"' in text


def test_query_page_example_and_downloads(client):
    res = client.get("/", params={"example": "conflicts"})
    assert '<option value="conflicts" title=' in res.text and " selected>" in res.text
    href = re.search(r'<a data-format="csv" href="([^"]+)"', res.text).group(1).replace("&amp;", "&")
    csv_res = client.get(href)
    assert csv_res.status_code == 200 and csv_res.headers["content-type"].startswith("text/csv")


def test_queries_json_and_static_files(client):
    data = client.get("/queries.json").json()
    assert {q["name"] for q in data["queries"]} == set(named_queries())
    assert all(q["text"] == named_queries()[q["name"]].text for q in data["queries"])
    js = client.get("/static/workbench.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert js.headers["x-content-type-options"] == "nosniff"
    css = client.get("/static/style.css")
    assert css.headers["content-type"].startswith("text/css")
    assert not re.search(r"[\"'`]https?://", js.text), "the script loads nothing from elsewhere"
    assert "innerHTML" not in js.text and "eval(" not in js.text


# --- CORS ---------------------------------------------------------------------------------

def test_cors_is_off_by_default(client):
    res = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in res.headers
    pre = client.options("/sparql", headers={"Origin": "https://elsewhere.example",
                                             "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in pre.headers


def test_cors_for_the_given_origin_only(pool):
    config = dataclasses.replace(pool.config, cors=("https://app.example",))
    with TestClient(create_app(pool, config)) as c:
        ok = c.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://app.example"})
        assert ok.headers["access-control-allow-origin"] == "https://app.example"
        other = c.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        pre = c.options("/sparql", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type"})
        assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]


# --- the time limit and the workers ------------------------------------------------------

def test_a_query_past_the_time_limit_is_stopped_and_its_worker_replaced():
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=1)) as p, TestClient(create_app(p)) as c:
        old = next(iter(p._all)).process
        start = time.monotonic()
        res = c.get("/sparql", params={"query": SLOW})
        assert res.status_code == 504 and "time limit of 1 s" in res.text
        assert time.monotonic() - start < 10
        deadline = time.monotonic() + 10
        while old.is_alive() and time.monotonic() < deadline:  # the pool reaps it; only look
            time.sleep(0.05)
        assert not old.is_alive(), "the worker running the query was killed"
        res = c.get("/sparql", params={"query": STATES})  # waits for the replacement worker
        assert res.status_code == 200 and {r["s"] for r in json_rows(res.text)} == states_in_files()
        assert p.replaced == 1


def test_when_every_worker_is_busy_a_request_gets_503(monkeypatch):
    import kzlod.web.workers

    monkeypatch.setattr(kzlod.web.workers, "QUEUE_GRACE", -1.5)  # wait 0.5 s for a free worker
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=2)) as p, TestClient(create_app(p)) as c:
        slow = threading.Thread(target=lambda: c.get("/sparql", params={"query": SLOW}))
        slow.start()
        deadline = time.monotonic() + 5
        while p._idle.qsize() and time.monotonic() < deadline:  # the slow query holds the only worker
            time.sleep(0.01)
        res = c.get("/sparql", params={"query": "ASK {}"})
        assert res.status_code == 503 and "all 1 query workers are occupied" in res.text
        assert res.headers["retry-after"]
        slow.join(30)


def test_a_dead_worker_is_replaced():
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=20)) as p, TestClient(create_app(p)) as c:
        worker = next(iter(p._all))
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.join(10)
        res = c.get("/sparql", params={"query": "ASK {}"})
        assert res.status_code == 500 and "worker died" in res.text
        res = c.get("/sparql", params={"query": "ASK {}"})
        assert res.status_code == 200


def test_concurrent_requests_are_all_answered(client):
    results = []

    def ask(i):
        res = client.get("/sparql", params={"query": f"SELECT ({i} AS ?i) WHERE {{}}"})
        results.append((i, res.status_code, json_rows(res.text)[0]["i"]))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [(i, 200, str(i)) for i in range(16)]


def test_values_are_escaped_in_entity_pages(tmp_path):
    evil = tmp_path / "evil.ttl"
    evil.write_text('<https://w3id.org/kzlod/id/evil> <http://www.w3.org/2000/01/rdf-schema#label> '
                    '"<script>alert(1)</script>\\" onmouseover=\\"x"@en ;\n'
                    '  <http://www.w3.org/2000/01/rdf-schema#comment> "<img src=x onerror=alert(2)>" .\n')
    with WorkerPool(ServeConfig(project=bundled(), workers=1, data=(str(evil),))) as p, TestClient(create_app(p)) as c:
        res = c.get("/id/evil", headers={"Accept": "text/html"})
        assert res.status_code == 200
        assert "<script>alert(1)" not in res.text and "<img src=x" not in res.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in res.text


# --- hostile and broken requests -----------------------------------------------------------

def _form(body: str):
    return {"content": body.encode(), "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


BAD = [
    # (id, method, url, kwargs, status, message)
    ("put", "PUT", "/sparql?query=ASK%20%7B%7D", {}, 405, "method PUT is not allowed"),
    ("delete", "DELETE", "/sparql", {}, 405, "method DELETE is not allowed"),
    ("patch", "PATCH", "/sparql", {"content": b"x"}, 405, "method PATCH is not allowed"),
    ("two-queries", "GET", "/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D", {}, 400, "more than one 'query'"),
    ("query-in-url-and-body", "POST", "/sparql?query=ASK%20%7B%7D", _form("query=ASK%20%7B%7D"), 400, "more than one"),
    ("text-plain", "POST", "/sparql", {"content": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415,
     "unsupported Content-Type 'text/plain'"),
    ("no-content-type", "POST", "/sparql", {"content": b"query=ASK%20%7B%7D"}, 415, "needs a Content-Type"),
    ("json-body", "POST", "/sparql",
     {"content": b'{"query": "ASK {}"}', "headers": {"Content-Type": "application/json"}},
     415, "unsupported Content-Type"),
    ("utf16-charset", "POST", "/sparql", {"content": "ASK {}".encode("utf-16"),
                                          "headers": {"Content-Type": "application/sparql-query; charset=UTF-16"}},
     415, "must be UTF-8"),
    ("latin1-bytes", "POST", "/sparql", {"content": b"SELECT ('caf\xe9' AS ?x) {}",
                                         "headers": {"Content-Type": "application/sparql-query"}},
     400, "not valid UTF-8"),
    ("bad-percent-utf8", "GET", "/sparql?query=ASK%20%7B%FF%7D", {}, 400, "not valid UTF-8"),
    ("form-bad-utf8", "POST", "/sparql", _form("query=%C3%28"), 400, "not valid UTF-8"),
    ("syntax", "GET", "/sparql?query=SELECT%20WHERE%20%7B", {}, 400, "bad SPARQL at line 1"),
    ("empty-query", "GET", "/sparql?query=", {}, 400, "'query' parameter is empty"),
    ("blank-query-form", "POST", "/sparql", _form("query=%20%20"), 400, "'query' parameter is empty"),
    ("form-without-query", "POST", "/sparql", _form("format=json"), 400, "no 'query' parameter"),
    ("update-get", "GET", "/sparql?update=CLEAR%20ALL", {}, 403, "read-only"),
    ("update-form", "POST", "/sparql", _form("update=DROP%20ALL"), 403, "read-only"),
    ("update-direct", "POST", "/sparql",
     {"content": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
     403, "read-only"),
    ("insert-as-query", "GET", "/sparql?query=INSERT%20DATA%20%7B%3Ca%3E%20%3Cb%3E%20%3Cc%3E%7D", {}, 400,
     "updates are refused"),
    ("query-and-update", "GET", "/sparql?query=ASK%20%7B%7D&update=CLEAR%20ALL", {}, 403, "read-only"),
    ("service", "POST", "/sparql", {"content": b"SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                                    "headers": {"Content-Type": "application/sparql-query"}},
     400, "SERVICE is refused"),
    ("service-lowercase", "GET",
     "/sparql?query=select%20*%20%7B%20service%20silent%20%3Chttp%3A%2F%2Fx%3E%20%7B%3Fs%20%3Fp%20%3Fo%7D%7D",
     {}, 400, "SERVICE is refused"),
    ("too-long", "POST", "/sparql", {"content": ("SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_QUERY_CHARS).encode(),
                                     "headers": {"Content-Type": "application/sparql-query"}}, 400, "query too long"),
    ("huge-body", "POST", "/sparql", {"content": b"query=" + b"A" * (2 * 1024 * 1024), "headers": {
        "Content-Type": "application/x-www-form-urlencoded"}}, 413, "request body too large"),
    ("deep-nesting", "GET", "/sparql?query=SELECT%20*%20WHERE%20" + "%7B" * (MAX_QUERY_NESTING + 50)
     + "%7D" * (MAX_QUERY_NESTING + 50), {}, 400, "nested"),
    ("deep-parens", "POST", "/sparql", {"content": ("SELECT (" + "(" * 5000 + "1" + ")" * 5000 + " AS ?x) {}").encode(),
                                        "headers": {"Content-Type": "application/sparql-query"}}, 400, "too complex"),
    ("accept-png", "GET", "/sparql?query=ASK%20%7B%7D", {"headers": {"Accept": "image/png"}}, 406,
     "none of the accepted media types"),
    ("accept-garbage", "GET", "/sparql?query=ASK%20%7B%7D", {"headers": {"Accept": "garbage;;;q=banana"}}, 406,
     "none of the accepted media types"),
    ("accept-bad-q", "GET", "/sparql?query=ASK%20%7B%7D",
     {"headers": {"Accept": "application/sparql-results+json;q=2"}}, 406, "none of the accepted"),
    ("graph-accept-for-select", "GET", "/sparql?query=ASK%20%7B%7D", {"headers": {"Accept": "text/turtle"}}, 406,
     "available: application/sparql-results+json"),
    ("unknown-format", "GET", "/sparql?query=ASK%20%7B%7D&format=pdf", {}, 400, "unknown format 'pdf'"),
    ("format-misfit", "GET", "/sparql?query=CONSTRUCT%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D&format=csv", {}, 400,
     "does not fit a CONSTRUCT/DESCRIBE query"),
    ("graph-not-iri", "GET", "/sparql?query=ASK%20%7B%7D&default-graph-uri=not%20an%20iri", {}, 400,
     "is not an absolute IRI"),
    ("graph-with-angle", "GET", "/sparql?query=ASK%20%7B%7D&named-graph-uri=http%3A%2F%2Fa%3E%20%3Cb", {}, 400,
     "is not an absolute IRI"),
    ("dataset-without-query", "GET", "/sparql?default-graph-uri=http%3A%2F%2Fa", {}, 400, "no 'query' parameter"),
    ("too-many-fields", "GET", "/sparql?" + "&".join(f"x{i}=1" for i in range(1200)), {}, 400, "Max number of fields"),
    ("entity-traversal", "GET", "/id/..%2F..%2F..%2Fetc%2Fpasswd", {}, 404, "no such entity"),
    ("entity-script", "GET", "/id/%3Cscript%3Ealert(1)%3C%2Fscript%3E", {}, 404, "no such entity"),
    ("entity-bad-format", "GET", "/id/armenia?format=exe", {}, 400, "unknown format 'exe'"),
    ("entity-accept-png", "GET", "/id/armenia", {"headers": {"Accept": "image/png"}}, 406, "available as"),
    ("entity-post", "POST", "/id/armenia", {"content": b"x"}, 405, "Method Not Allowed"),
    ("static-traversal", "GET", "/static/..%2Fserving.py", {}, 404, "no such file"),
    ("static-dotdot", "GET", "/static/%2e%2e/%2e%2e/pyproject.toml", {}, 404, "no such file"),
    ("static-unknown", "GET", "/static/secret.env", {}, 404, "no such file"),
    ("unknown-path", "GET", "/admin", {}, 404, "Not Found"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_requests(client, case):
    _, method, url, kwargs, status, message = case
    res = client.request(method, url, **kwargs)
    assert res.status_code == status, res.text
    assert message in res.text
    assert res.headers["content-type"].startswith("text/plain")
    assert res.headers["x-content-type-options"] == "nosniff"
    lines = res.text.strip().splitlines()
    # one line saying what is wrong; a bad query then shows its line and a caret under the place
    assert len(lines) <= 1 or (len(lines) == 3 and set(lines[2]) <= {" ", "^"}), "one-line message, no traceback"
    assert "Traceback" not in res.text and "/kzlod/" not in res.text


def test_there_are_at_least_25_bad_request_cases():
    assert len(BAD) >= 25


def test_script_in_the_query_string_is_escaped_on_the_page(client):
    attack = '</textarea><script>alert("x")</script><textarea>'
    res = client.get("/", params={"query": attack})
    assert res.status_code == 200
    assert attack not in res.text and "<script>alert" not in res.text
    assert "&lt;/textarea&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in res.text
    res = client.get("/", params={"example": '"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in res.text


def test_header_injection_through_the_redirect_is_impossible(client):
    res = client.get("/sparql", params={"query": "ASK {}\r\nSet-Cookie: owned=1"},
                     headers={"Accept": "text/html"}, follow_redirects=False)
    assert res.status_code == 303
    assert "set-cookie" not in res.headers and "\n" not in res.headers["location"]


def test_error_messages_reflect_no_markup_as_html(client):
    res = client.get("/sparql", params={"query": "SELECT <script>alert(1)</script>"})
    assert res.status_code == 400
    assert res.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("query, message, column", [
    ("SELECT ?s WHERE { ?s a foo:Bar }", "bad SPARQL at line 1, column 24: unknown prefix foo: (known: dcterms, ", 24),
    ("SELEC ?s WHERE { ?s ?p ?o }",
     "bad SPARQL at line 1, column 1: expected SELECT, CONSTRUCT, ASK or DESCRIBE, found 'SELEC'", 1),
])
def test_a_bad_query_is_told_as_the_cli_tells_it(client, query, message, column):
    res = client.get("/sparql", params={"query": query})
    assert res.status_code == 400
    first, line, caret = res.text.rstrip("\n").split("\n")
    assert first.startswith(message)
    told = CliRunner().invoke(cli, ["query", query])
    assert told.stderr.splitlines()[0] == "Error: " + first
    assert (line, caret) == (query, " " * (column - 1) + "^")


# --- the real server ------------------------------------------------------------------------

def start_server(*args, timeout=60):
    """``kzlod serve --port 0`` in a subprocess; returns (process, base URL) once it listens."""
    proc, url, _port = start_kzlod(*args, timeout=timeout)
    return proc, url


@pytest.fixture(scope="module")
def server():
    proc, url = start_server("--timeout", "2")
    yield url
    stop_kzlod(proc)


def http(url, *, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_real_server_answers_and_refuses(server):
    status, headers, body = http(server + "sparql?" + urllib.parse.urlencode({"query": STATES}),
                                 headers={"Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert {r["s"] for r in csv.DictReader(io.StringIO(body.decode()))} == states_in_files()
    # a huge body is refused on its Content-Length, before the server reads any of it
    answer = raw_request(server, b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query"
                                 b"\r\nContent-Length: 3145728\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413") and b"request body too large: 3145728 bytes" in answer


def test_real_server_stops_a_slow_query_and_goes_on(server):
    start = time.monotonic()
    status, _, body = http(server + "sparql?" + urllib.parse.urlencode({"query": SLOW}))
    assert status == 504 and b"time limit of 2 s" in body
    assert time.monotonic() - start < 15
    status, _, _ = http(server + "sparql?" + urllib.parse.urlencode({"query": "ASK {}"}))
    assert status == 200


def test_real_server_refuses_an_overlong_request_line_and_goes_on(server):
    try:
        status = http(server + "sparql?query=" + "A" * (2 * 1024 * 1024))[0]
    except (ConnectionError, urllib.error.URLError):
        status = None  # the server closed the connection without reading it all: refused too
    assert status in (None, 414)
    assert http(server + "sparql?query=ASK%20%7B%7D")[0] == 200


def raw_request(url, request: bytes) -> bytes:
    import socket

    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(request)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_real_server_never_writes_a_broken_host_into_the_service_description(server):
    answer = raw_request(server, b"GET /sparql HTTP/1.1\r\nHost: bad\"host> <x\r\nConnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith((b"HTTP/1.1 200", b"HTTP/1.1 400"))
    assert b'bad"host' not in body
    if head.startswith(b"HTTP/1.1 200"):
        assert list(ox.parse(body, format=ox.RdfFormat.TURTLE))


def test_real_server_refuses_a_bad_content_length(server):
    answer = raw_request(server, b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query"
                                 b"\r\nContent-Length: -5\r\nConnection: close\r\n\r\nASK {}")
    assert answer.startswith(b"HTTP/1.1 400")


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, read from /proc (pgrep is not in a minimal Debian)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state_and_parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(state_and_parent[1]) == pid:
            children.append(int(stat.parent.name))
    return children


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 0)], ids=["SIGINT", "SIGTERM"])
def test_server_stops_on_a_signal_with_its_workers(sig, code):
    """Ctrl-C stops it as it stops every command (exit 130); a service manager's SIGTERM is a
    normal stop (exit 0). Either way no worker outlives it."""
    proc, url = start_server("--workers", "1")
    assert http(url + "sparql?query=ASK%20%7B%7D")[0] == 200
    children = children_of(proc.pid)
    assert children, "a worker process runs beside the server"
    assert stop_kzlod(proc, sig) == code

    def running(pid):
        status = Path(f"/proc/{pid}/status")
        try:
            return "zombie" not in status.read_text().lower()
        except OSError:
            return False

    deadline = time.monotonic() + 10
    while any(running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(running(pid) for pid in children), "no process of the server outlives it"


# --- the command line ---------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("args, code, message", [
    (["--timeout", "0"], 2, "--timeout must be a positive"),
    (["--workers", "0"], 2, "--workers must be between"),
    (["--store", "postgres:x"], 2, "unknown store"),
    (["--store", "oxigraph:/nonexistent/kzlod-store"], 3, "no Oxigraph store here"),
    (["--cors", "https://a.example/path"], 2, "give an origin"),
    (["--data", "/nonexistent/file.ttl"], 3, "no such file"),
    (["--port", "70000"], 2, "70000"),
])
def test_serve_usage_errors(args, code, message):
    res = run("serve", "--port", "0", *args)
    assert res.exit_code == code, res.output
    assert message in res.output
    assert "Traceback" not in res.output


def test_connections_to_the_server_send_small_writes_at_once():
    """Regression: the listening socket was made with protocol 0, so asyncio left Nagle's algorithm on for
    its connections, and each answer's body waited for the client's delayed ACK: 40 ms a request on a
    keep-alive connection. The connections asyncio accepts from it now have TCP_NODELAY."""
    import asyncio
    import socket

    from kzlod.web.server import listen

    sock = listen("127.0.0.1", 0)
    assert sock.proto == socket.IPPROTO_TCP
    seen = []

    async def main():
        class Record(asyncio.Protocol):
            def connection_made(self, transport):
                seen.append(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Record, sock=sock)
        async with server:
            reader, writer = await asyncio.open_connection(*sock.getsockname())
            await reader.read()
            writer.close()

    asyncio.run(main())
    assert seen and seen[0] != 0


def test_serve_reports_a_port_in_use():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        res = run("serve", "--port", str(s.getsockname()[1]))
    assert res.exit_code == 2 and "cannot listen on 127.0.0.1" in res.output


def test_serve_and_push_have_help_with_examples():
    for command in ("serve", "push"):
        res = run(command, "--help")
        assert res.exit_code == 0 and "Example" in res.output and f"kzlod {command}" in res.output


def test_cli_module_imports_nothing_heavy():
    code = ("import sys, kzlod.cli, kzlod.cli.serve; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'rdflib', 'httpx', 'anyio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- content negotiation, on its own ----------------------------------------------------------

@pytest.mark.parametrize("accept, expected", [
    (None, "application/sparql-results+json"),
    ("", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/*", "text/csv"),
    ("text/*;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml;q=0.9, application/sparql-results+json;q=0.8", "application/sparql-results+xml"),
    ("text/csv;q=0, */*", "application/sparql-results+json"),
    ("TEXT/CSV", "text/csv"),
    ("application/json", None),
    ("image/*", None),
])
def test_negotiate(accept, expected):
    from kzlod.web.protocol import negotiate

    assert negotiate(accept, list(RESULT_TYPES.values())) == expected


def test_only_a_browser_that_prefers_html_is_redirected():
    from kzlod.web.protocol import prefers_html

    offers = list(RESULT_TYPES.values())
    assert prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", offers)
    assert not prefers_html("*/*", offers)
    assert not prefers_html("text/html;q=0.5, application/sparql-results+json", offers)
    assert not prefers_html(None, offers)
