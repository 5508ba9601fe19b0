"""Source pages: a page per source document, served (``/source/NAME``) and in a static release
(``source/NAME.html``), from the one renderer.

Expected values come from the data files, parsed here with pyoxigraph (not through kzlod): the
sentences of ``data/sources/foreign-policy.ttl`` with their numbers and sections, and which claims'
evidence cites which sentence with which quote (``data/foreign-policy/*.ttl``).
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from pagetree import DCT, KZ, KZD, KZSRC, RDF, ROOT, claims_citing, data_graph, parse_html, quotes_of

from kzlod.cli import cli
from kzlod.project import bundled
from kzlod.web.app import create_app
from kzlod.web.server import ServeConfig
from kzlod.web.workers import WorkerPool

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore")
    from starlette.testclient import TestClient

SOURCE = KZSRC + "foreign-policy"
EUR_LEX = KZSRC + "eur-lex-22016a0204-01"
PREFIXES = """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
@prefix kzsrc: <https://w3id.org/kzlod/id/source/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""
#: A sentence no claim cites (in section 5 of the report), and a source whose every value is hostile.
EXTRA = PREFIXES + """
<https://w3id.org/kzlod/id/source/foreign-policy/sentence/30> a kz:Sentence ;
    dcterms:isPartOf kzsrc:foreign-policy ;
    kz:inSection <https://w3id.org/kzlod/id/source/foreign-policy/section/5> ;
    kz:index 30 ; kz:start 5000 ; kz:end 5052 ;
    rdf:value "A sentence no claim cites, with <b>markup</b> & more." .

kzsrc:evil a kz:SourceDocument ;
    dcterms:title "<script>alert('title')</script>"@en ;
    dcterms:creator "<img src=x onerror=alert(1)>" .
<https://w3id.org/kzlod/id/source/evil/section/1> a kz:Section ;
    dcterms:isPartOf kzsrc:evil ; kz:index 1 ; dcterms:title "<i onclick='x()'>Section</i>"@en .
<https://w3id.org/kzlod/id/source/evil/sentence/1> a kz:Sentence ;
    dcterms:isPartOf kzsrc:evil ; kz:inSection <https://w3id.org/kzlod/id/source/evil/section/1> ;
    kz:index 1 ; kz:start 0 ; kz:end 44 ;
    rdf:value "Say <script>alert(2)</script> \\"quoted\\" here." .
kzd:evil-claim a kz:Characterisation ;
    kz:about kzd:armenia ;
    kz:modality kz:modality-asserted ;
    kz:hasEvidence [
        a kz:Evidence ;
        oa:hasSource kzsrc:evil ;
        kz:sentence <https://w3id.org/kzlod/id/source/evil/sentence/1> ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "<script>alert(2)</script>" ] ,
            [ a oa:TextPositionSelector ; oa:start 4 ; oa:end 29 ]
    ] .
"""


def sentences_in_file() -> dict[int, dict]:
    """The report's sentences from data/sources/foreign-policy.ttl: number -> IRI, text, section title."""
    triples = [q.triple for q in ox.parse(path=str(ROOT / "data" / "sources" / "foreign-policy.ttl"),
                                          format=ox.RdfFormat.TURTLE)]
    props: dict = {}
    for t in triples:
        props.setdefault(t.subject.value, {})[t.predicate.value] = t.object
    out = {}
    for iri, ps in props.items():
        if ps.get(RDF + "type") == ox.NamedNode(KZ + "Sentence"):
            section = props[ps[KZ + "inSection"].value]
            out[int(ps[KZ + "index"].value)] = {"iri": iri, "text": ps[RDF + "value"].value,
                                                "section": f"{section[KZ + 'index'].value}. "
                                                           f"{section[DCT + 'title'].value}"}
    return out


@pytest.fixture(scope="module")
def client():
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=20)) as pool, TestClient(create_app(pool)) as c:
        yield c


@pytest.fixture(scope="module")
def extra_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sources") / "extra.ttl"
    path.write_text(EXTRA, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def extra_client(extra_file):
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=20, data=(str(extra_file),))) as pool, \
            TestClient(create_app(pool)) as c:
        yield c


@pytest.fixture(scope="module")
def release(tmp_path_factory, extra_file) -> Path:
    out = tmp_path_factory.mktemp("release") / "site"
    res = CliRunner().invoke(cli, ["-q", "publish", str(out), "--data", str(extra_file), "--date", "2026-11-30"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return out


def html(client, path: str):
    res = client.get(path, headers={"Accept": "text/html"})
    assert res.status_code == 200, (path, res.status_code, res.text[:300])
    assert res.headers["content-type"].startswith("text/html")
    return parse_html(res.text), res


def sentence_items(doc) -> list:
    return doc.find_all("li", "sentence")


def number_of(li) -> int:
    return int(li.find("a", "num").text())


def text_of(li) -> str:
    """A sentence's text as the page shows it, without its number."""
    p = li.find("p", "text")
    return p.text()[len(li.find("a", "num").text()):].strip()


# --- the served page -------------------------------------------------------------------

def test_the_report_page_numbers_29_sentences_in_5_sections(client):
    doc, _res = html(client, "/source/foreign-policy")
    expected = sentences_in_file()
    assert len(expected) == 29
    main = doc.find("main")
    assert main.find("h1").text() == "6. Foreign Policy"
    assert "kzsrc:" not in main.text()
    assert "Reiter" in main.find("dl").text()
    assert "29 sentences in 5 sections" in main.find("p", "coverage").text()
    sections = main.find_all("section", "source-section")
    assert [s.find("h2").text() for s in sections] == sorted({e["section"] for e in expected.values()},
                                                              key=lambda t: int(t.split(".")[0]))
    numbers = []
    for section in sections:
        for li in sentence_items(section):
            n = number_of(li)
            numbers.append(n)
            assert li.get("id") == f"s{n}"
            assert text_of(li) == expected[n]["text"]
            assert section.find("h2").text() == expected[n]["section"]
    assert numbers == list(range(1, 30))


def test_each_claim_link_of_sentence_n_points_to_a_claim_whose_evidence_cites_sentence_n(client):
    doc, _ = html(client, "/source/foreign-policy")
    citing = claims_citing(data_graph())
    expected = sentences_in_file()
    for li in sentence_items(doc):
        n = number_of(li)
        links = [a.get("href") for a in li.find_all("a", "claim-link")]
        assert links and all(h.startswith("/id/") for h in links), n
        claims = {KZD + urllib.parse.unquote(h[len("/id/"):]) for h in links}
        assert claims == citing[expected[n]["iri"]], f"sentence {n}"
        assert len(links) == len(claims)
    # and each claim's own page links back to its place on the source's page
    some = sentence_items(doc)[17]  # sentence 18
    for href in [a.get("href") for a in some.find_all("a", "claim-link")]:
        page, _ = html(client, href)
        assert "/source/foreign-policy#s18" in page.links()


def test_every_quote_is_marked_in_its_sentence_and_nothing_else(client):
    doc, _ = html(client, "/source/foreign-policy")
    quotes = quotes_of(data_graph())
    expected = sentences_in_file()
    for li in sentence_items(doc):
        n = number_of(li)
        marks = [m.text() for m in li.find("p", "text").find_all("mark")]
        wanted = quotes[expected[n]["iri"]]
        assert marks, n
        for quote in wanted:
            assert any(quote in m for m in marks), (n, quote)
        for m in marks:
            assert any(q in m for q in wanted), (n, m)


def test_a_sentence_no_claim_cites_is_marked(extra_client):
    doc, _ = html(extra_client, "/source/foreign-policy")
    items = {number_of(li): li for li in sentence_items(doc)}
    assert sorted(items) == list(range(1, 31))
    uncited = [n for n, li in items.items() if "uncited" in li.classes()]
    assert uncited == [30]
    assert "No claim yet cites this sentence." in items[30].text()
    assert not items[30].find_all("a", "claim-link")
    assert "<b>markup</b> & more" in text_of(items[30])  # the text, not markup
    assert items[30].find("b") is None
    coverage = doc.find("p", "coverage").text()
    assert coverage.startswith("30 sentences in 5 sections; 29 cited by ") and "1 cited by none" in coverage
    section5 = doc.by_id("section-5")
    assert items[30] in sentence_items(section5)


def test_a_record_without_text_lists_the_claims_citing_its_fields(client):
    doc, _ = html(client, "/source/eur-lex-22016a0204-01")
    main = doc.find("main")
    assert main.find("h1").text().startswith("Enhanced Partnership and Cooperation Agreement")
    assert not sentence_items(doc)
    links = sorted(a.get("href") for a in main.find_all("a", "claim-link"))
    assert links == ["/id/epca-entry-into-force-eur-lex", "/id/epca-signature-eur-lex"]
    assert "Date of entry into force" in main.text() and "Date of signature" in main.text()


def test_the_sources_page_lists_every_source_document(client):
    doc, _ = html(client, "/sources")
    links = doc.find("main").links()
    assert links == ["/source/foreign-policy", "/source/eur-lex-22016a0204-01"] or \
        sorted(links) == sorted(["/source/foreign-policy", "/source/eur-lex-22016a0204-01"])
    row = next(tr for tr in doc.find_all("tr") if "6. Foreign Policy" in tr.text())
    assert [td.text() for td in row.find_all("td")][1:] == ["Reiter", "29", "81"]


@pytest.mark.parametrize("path", ["/source/nope", "/source/..%2F..%2Fetc", "/source/%3Cscript%3Ex",
                                  "/source/foreign-policy/sentence/1"])
def test_an_unknown_or_bad_source_is_404_a_page_for_a_browser_plain_text_else(client, path):
    res = client.get(path, headers={"Accept": "text/html"})
    assert res.status_code == 404 and res.headers["content-type"].startswith("text/html")
    assert "<script" not in res.text and parse_html(res.text).find("h1").text() == "Not found"
    res = client.get(path, headers={"Accept": "text/turtle"})
    assert res.status_code == 404 and res.headers["content-type"].startswith("text/plain")
    assert "<script" not in res.text


def test_entity_pages_name_the_source_by_title_and_link_each_claim_to_its_sentence(client):
    doc, _ = html(client, "/id/armenia")
    main = doc.find("main")
    assert "Source: 6. Foreign Policy" in main.text()
    assert "kzsrc:foreign-policy" not in main.text()
    triples = data_graph()
    citing = claims_citing(triples)
    index_of = {e["iri"]: n for n, e in sentences_in_file().items()}
    sections = main.find_all("section", "claim")
    assert sections
    for section in sections:
        claim = section.find("code").text()
        assert claim.startswith("kzd:")
        iri = KZD + claim[4:]
        wanted = {f"/source/foreign-policy#s{index_of[s]}" for s, cs in citing.items() if iri in cs}
        got = {a.get("href") for a in section.find_all("a", "sentence-link")}
        assert got == wanted and got, claim
        for a in section.find_all("a", "sentence-link"):
            assert a.text() == "sentence " + a.get("href").rsplit("#s", 1)[1]


def test_hostile_values_of_a_source_stay_text(extra_client):
    res = extra_client.get("/source/evil", headers={"Accept": "text/html"})
    assert res.status_code == 200
    raw = res.text
    assert "<script>alert" not in raw and "<img src=x" not in raw and "<i onclick" not in raw
    doc = parse_html(raw)
    assert doc.find("h1").text() == "<script>alert('title')</script>"
    li = sentence_items(doc)[0]
    assert [m.text() for m in li.find_all("mark")] == ["<script>alert(2)</script>"]
    assert [a.get("href") for a in li.find_all("a", "claim-link")] == ["/id/evil-claim"]
    assert all(tag.tag not in ("script", "img", "iframe") for tag in doc.walk())
    assert all(not k.startswith("on") for tag in doc.walk() for k in tag.attrs)


# --- one renderer: the static release -------------------------------------------------------

def static_page(release: Path, name: str):
    return parse_html((release / name).read_text(encoding="utf-8"))


def nav_of(doc) -> list[tuple[str, str]]:
    return [(a.text(), a.get("href")) for a in doc.find("header").find("nav").find_all("a")]


def test_the_release_has_the_same_source_page(release, extra_client):
    static = static_page(release, "source/foreign-policy.html")
    served, _ = html(extra_client, "/source/foreign-policy")
    # the same words: headings, numbers, sentences, claim titles, coverage
    assert static.find("main").text() == served.find("main").text()
    citing = claims_citing(data_graph())
    expected = sentences_in_file()
    items = sentence_items(static)
    assert len(items) == 30 and len(static.find_all("section", "source-section")) == 5
    for li in items:
        n = number_of(li)
        if n == 30:
            assert "uncited" in li.classes()
            continue
        claims = set()
        for a in li.find_all("a", "claim-link"):
            target = (release / "source" / a.get("href")).resolve()
            assert target.is_file(), a.get("href")
            page = parse_html(target.read_text(encoding="utf-8"))
            iri = page.find("main").find("p", "muted").text()
            claims.add(iri)
            assert f"../source/foreign-policy.html#s{n}" in page.links(), (n, iri)
        assert claims == citing[expected[n]["iri"]], n


def test_served_and_static_pages_share_one_navigation_and_titles(release, extra_client):
    static = static_page(release, "id/armenia.html")
    served, _ = html(extra_client, "/id/armenia")
    static_nav, served_nav = nav_of(static), nav_of(served)
    assert [t for t, _ in static_nav] == ["Entities", "Sources", "Claims", "Timeline", "Map", "Ontology"]
    assert [t for t, _ in served_nav][:len(static_nav)] == [t for t, _ in static_nav]
    for _, href in static_nav:
        assert (release / "id" / href).resolve().is_file(), href
    for _, href in served_nav:
        assert extra_client.get(href, headers={"Accept": "text/html"}).status_code == 200, href
    # the served site has the search box; a release, with no server, has none
    form = served.find("form", "search")
    assert form.get("action") == "/search" and form.find("input").get("name") == "q"
    assert static.find("form") is None
    for doc in (static, served):
        assert "Source: 6. Foreign Policy" in doc.find("main").text()
        assert "kzsrc:foreign-policy" not in doc.find("main").text()
    assert re.sub(r"\s+", " ", static.find("h1").text()) == re.sub(r"\s+", " ", served.find("h1").text()) == "Armenia"


def test_the_release_escapes_a_hostile_source(release):
    raw = (release / "source" / "evil.html").read_text(encoding="utf-8")
    assert "<script>alert" not in raw and "<img src=x" not in raw
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in raw
