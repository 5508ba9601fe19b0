"""Markup injection: every probe of ``probes.py`` in every place a page shows text, on every page of
a release and of the served site, stays text.

A page must parse (with the standard library's parser, :mod:`pagetree`) into the elements its
template writes and nothing else: no element the templates never write, no event-handler
attribute, no ``javascript:`` link, no script but the server's own files, no style but the
release's own stylesheet, no form but the search box and the query page's; and each probe shows
as itself, character for character, where the page names the thing it labels.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pytest
from pagetree import parse_html
from probes import PROBES, probe_graph

from kzlod.project import bundled
from kzlod.web.app import create_app
from kzlod.web.server import ServeConfig
from kzlod.web.shell import PAGES_CSS
from kzlod.web.site import render_site
from kzlod.web.workers import WorkerPool

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore")
    from starlette.testclient import TestClient

#: The elements the templates write.
ELEMENTS = {"html", "head", "meta", "title", "style", "link", "script", "body", "header", "nav", "main", "aside",
            "section", "figure", "figcaption", "div", "form", "input", "button", "select", "option", "label",
            "textarea", "noscript", "h1", "h2", "h3", "h4", "p", "span", "a", "code", "pre", "strong", "cite",
            "mark", "br",
            "blockquote", "dl", "dt", "dd", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "svg", "g",
            "line", "rect", "text"}
FORM_ACTIONS = {"/", "/search"}


def allowed_meta(attrs: dict) -> bool:
    if set(attrs) == {"charset"}:
        return attrs["charset"] == "utf-8"
    if set(attrs) == {"name", "content"}:
        return attrs["name"] in ("viewport", "referrer")
    return set(attrs) == {"http-equiv", "content"} and attrs["http-equiv"] == "Content-Security-Policy"


def check_page(name: str, raw: str) -> None:
    """The page holds only the templates' own markup, and no probe as markup."""
    for probe in PROBES:
        if "<" in probe:
            assert probe not in raw, f"{name}: {probe!r} printed unescaped"
    doc = parse_html(raw)
    for node in doc.walk():
        assert node.tag in ELEMENTS, f"{name}: a <{node.tag}> element"
        for attr, value in node.attrs.items():
            assert not attr.startswith("on") and attr not in ("autofocus", "xlink:href", "srcdoc"), \
                (name, node.tag, attr)
            if attr in ("href", "src", "action"):
                assert not re.match(r"^\s*(javascript|data|vbscript):", value or "", re.IGNORECASE), (name, attr, value)
        if node.tag == "script":
            assert node.get("src", "").startswith("/static/") and not node.text().strip(), name
        if node.tag in ("style", "link", "meta"):
            assert node.parent.tag == "head", f"{name}: <{node.tag}> outside the head"
        if node.tag == "style":
            assert node.text() == "\n" + PAGES_CSS, name
        if node.tag == "link":
            assert node.get("href", "").startswith("/static/"), name
        if node.tag == "meta":
            assert allowed_meta(node.attrs), (name, node.attrs)
        if node.tag == "form":
            assert node.get("action") in FORM_ACTIONS, (name, node.attrs)


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def probe_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("probes") / "probes.ttl"
    path.write_text(probe_graph(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def release(probe_file) -> dict[str, str]:
    """The HTML files a release of the graph has (kzlod publish writes these, from the asserted graph)."""
    from kzlod import api

    return render_site(api.load(data=[probe_file]), version="1.0", date="2026-11-30")


@pytest.fixture(scope="module")
def client(probe_file):
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=30, data=(str(probe_file),))) as pool, \
            TestClient(create_app(pool)) as c:
        yield c


def test_there_are_many_probes_in_many_places(probe_file):
    text = probe_file.read_text(encoding="utf-8")
    assert len(PROBES) >= 60 and len(set(PROBES)) == len(PROBES)
    assert text.count("{{ 7*7 }}") >= 15  # each probe in fifteen places or more


def test_every_page_of_the_release_holds_only_its_own_markup(release):
    assert len(release) > 3 * len(PROBES)
    for name, text in sorted(release.items()):
        check_page(name, text)


def test_each_probe_is_shown_as_itself_in_the_release(release):
    names = {normal(parse_html(release[f"id/probe-{i}.html"]).find("h1").text()): i for i in range(len(PROBES))}
    assert names == {normal(p): i for i, p in enumerate(PROBES)}
    marks = [normal(m.text()) for m in parse_html(release["source/probe.html"]).find_all("mark")]
    assert marks == [normal(p) for p in PROBES]
    ontology = parse_html(release["ontology.html"])
    shown = {normal(h3.text()) for h3 in ontology.find_all("h3")}
    assert {normal(p) + " class" for p in PROBES} <= shown and {normal(p) + " object property" for p in PROBES} <= shown


def served_paths() -> list[str]:
    paths = ["/entities", "/sources", "/source/probe", "/claims", "/claims?source=kzsrc:probe", "/timeline", "/map",
             "/ontology", "/search", "/search?q=alert", "/search?q=probe&limit=500", "/sparql", "/id/probe-0x",
             "/search?q=prboe"]
    for i, probe in enumerate(PROBES):
        quoted = urllib.parse.quote(probe, safe="")
        paths += [f"/id/probe-{i}", f"/id/probe-claim-{i}", f"/claims?partner=kzd:probe-{i}", f"/search?q={quoted}",
                  f"/?query={quoted}", f"/?example=entity&entity={quoted}", f"/?example={quoted}",
                  f"/id/{quoted}", f"/source/{quoted}", f"/{quoted}"]  # not-found pages, the probe in their address
    return paths


def test_every_served_page_holds_only_its_own_markup(client):
    for path in served_paths():
        res = client.get(path, headers={"Accept": "text/html"})
        assert res.status_code in (200, 400, 404), (path, res.status_code)
        if res.headers["content-type"].startswith("text/html"):
            check_page(path, res.text)
        else:
            assert res.headers["content-type"].startswith("text/plain"), path


def test_each_probe_is_shown_as_itself_on_the_served_pages(client):
    for i, probe in enumerate(PROBES):
        doc = parse_html(client.get(f"/id/probe-{i}", headers={"Accept": "text/html"}).text)
        assert normal(doc.find("h1").text()) == normal(probe)
        res = client.get("/", params={"query": probe})
        assert parse_html(res.text).find("textarea").text() == probe
        res = client.get("/", params={"example": "entity", "entity": probe})
        field = parse_html(res.text).find("input", id="param-entity")
        assert field.get("value") == probe, (probe, res.status_code)
        res = client.get("/search", params={"q": probe})
        assert parse_html(res.text).find("input", type="search").get("value") == probe.strip()


def test_the_map_names_each_probe_state_as_text(client):
    svg = parse_html(client.get("/map").text).find("svg", "relmap")
    labels = {normal(t.text()) for t in svg.find_all("text")}
    assert {normal(p) for p in PROBES} <= labels
    links = {a.get("href") for a in svg.find_all("a")}
    assert {f"/id/probe-{i}" for i in range(len(PROBES))} <= links and all(h.startswith("/") for h in links)


def test_a_probe_is_a_whole_value_under_the_entitys_heading(client):
    """The probe as alternative name, identifier and ISO code: each a <dd> of its own, as text."""
    doc = parse_html(client.get(f"/id/probe-{PROBES.index('<i>italic</i>')}", headers={"Accept": "text/html"}).text)
    dds = [dd.text() for dd in doc.find("dl", "props").find_all("dd")]
    assert dds == ["<i>italic</i>"] * 3
