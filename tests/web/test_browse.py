"""Browsing: claims with facets (``/claims``), the timeline (``/timeline``) and the relation map
(``/map``), served and in a static release, from the one renderer.

Counts are checked against the data files, parsed here with pyoxigraph: which claims there are,
their kinds, sources and dated times.
"""

from __future__ import annotations

import re
import urllib.parse
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from pagetree import KZ, KZD, OA, RDF, data_graph, parse_html

from kzlod.cli import cli
from kzlod.project import bundled
from kzlod.web.app import create_app
from kzlod.web.server import ServeConfig
from kzlod.web.workers import WorkerPool

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore")
    from starlette.testclient import TestClient

TIME = "http://www.w3.org/2006/time#"
DATES = {TIME + "inXSDDate", TIME + "inXSDgYear", TIME + "inXSDgYearMonth", TIME + "inXSDDateTimeStamp"}
EVIL = '<img src=x onerror="alert(1)">'
EVIL_DATA = f"""@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
@prefix kzsrc: <https://w3id.org/kzlod/id/source/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

kzd:evilland a kz:State ; rdfs:label "{EVIL.replace('"', chr(92) + '"')}"@en .
kzd:relation-evilland-kazakhstan a kz:BilateralRelation ;
    kz:party kzd:evilland, kzd:kazakhstan ; kz:modality kz:modality-asserted ;
    kz:relationType kz:relation-diplomatic ;
    kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:foreign-policy ; kz:sourceField "<b>field</b>" ] .
kzd:tone-evilland-kazakhstan a kz:ToneAssessment ;
    kz:relation kzd:relation-evilland-kazakhstan ; kz:tone kz:tone-tense ; kz:modality kz:modality-asserted ;
    time:hasTime [ a time:Instant ; time:inXSDgYear "1999"^^xsd:gYear ] ;
    kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:foreign-policy ; kz:sourceField "<b>field</b>" ] .
"""


def graph_facts():
    """Claims, their kinds, sources and dated times, from the data files."""
    triples = data_graph()
    by_subject: dict = {}
    for t in triples:
        by_subject.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
    claims = {s for s, ps in by_subject.items() if isinstance(s, ox.NamedNode) and KZ + "hasEvidence" in ps}
    kinds = Counter(o.value for c in claims for o in by_subject[c].get(RDF + "type", []) if o.value.startswith(KZ))
    sources = Counter(src.value for c in claims for src in {s for ev in by_subject[c][KZ + "hasEvidence"]
                                                            for s in by_subject[ev].get(OA + "hasSource", [])})
    dated = {}
    for c in claims:
        for t in by_subject[c].get(TIME + "hasTime", []):
            values = [o.value for p, os_ in by_subject.get(t, {}).items() if p in DATES for o in os_]
            if values:
                dated[c.value] = values[0]
    return {"claims": {c.value for c in claims}, "kinds": kinds, "sources": sources, "dated": dated,
            "by_subject": by_subject}


@pytest.fixture(scope="module")
def facts():
    return graph_facts()


@pytest.fixture(scope="module")
def client():
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=20)) as pool, TestClient(create_app(pool)) as c:
        yield c


@pytest.fixture(scope="module")
def evil_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("browse") / "evil.ttl"
    path.write_text(EVIL_DATA, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "site"
    res = CliRunner().invoke(cli, ["-q", "publish", str(out), "--date", "2026-11-30"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return out


def get(client, path, params=None):
    res = client.get(path, params=params, headers={"Accept": "text/html"})
    assert res.status_code == 200, (path, res.text[:300])
    return parse_html(res.text)


def facet_items(doc, facet: str) -> dict[str, tuple[int, str | None]]:
    """A facet's values as shown: name -> (count, link)."""
    out = {}
    for li in doc.by_id(f"facet-{facet}").find_all("li"):
        count = li.find("span", "count")
        if count is None:
            continue
        a = li.find("a")
        name = (a.text() if a is not None and "remove" not in a.classes() else li.find("strong").text()) \
            if a is not None or li.find("strong") else li.text()
        out[name] = (int(count.text().replace(",", "")), a.get("href") if a is not None else None)
    return out


def listed(doc) -> list[str]:
    return [li.find("a").get("href") for li in doc.find("ol", "claims").find_all("li", "claim-item")]


# --- claims and facets ---------------------------------------------------------------------------

def test_the_claims_page_counts_every_claim_and_each_kind_and_source(client, facts):
    doc = get(client, "/claims")
    assert f"{len(facts['claims'])} claims and events" in doc.find("p", "count").text()
    assert {KZD + h[len("/id/"):] for h in listed(doc)} == facts["claims"]
    kinds = facet_items(doc, "kind")
    labels = {"AgreementMilestone": "Agreement Milestone", "ToneAssessment": "Tone Assessment",
              "Membership": "Membership", "Stance": "Stance"}
    for local, label in labels.items():
        assert kinds[label][0] == facts["kinds"][KZ + local], label
    assert sum(n for n, _ in kinds.values()) == sum(facts["kinds"].values())
    sources = facet_items(doc, "source")
    assert sources["6. Foreign Policy"][0] == facts["sources"]["https://w3id.org/kzlod/id/source/foreign-policy"]
    years = facet_items(doc, "year")
    assert sum(n for n, _ in years.values()) >= len(facts["dated"])
    assert years["2017"][0] == sum(1 for v in facts["dated"].values() if v.startswith("2017"))


def test_each_facet_link_leads_to_as_many_claims_as_its_count(client):
    doc = get(client, "/claims")
    for facet in ("kind", "partner", "tone", "year"):
        for name, (count, href) in facet_items(doc, facet).items():
            page = get(client, href)
            assert len(listed(page)) == count, (facet, name, href)


def test_chosen_facets_filter_and_each_can_be_removed(client, facts):
    doc = get(client, "/claims", {"partner": "kzd:armenia", "kind": "kz:ToneAssessment"})
    claims = [KZD + h[len("/id/"):] for h in listed(doc)]
    by = facts["by_subject"]
    armenian = set()
    for c in facts["claims"]:
        node = ox.NamedNode(c)
        types = {o.value for o in by[node].get(RDF + "type", [])}
        parties = {p.value for r in by[node].get(KZ + "relation", []) for p in by.get(r, {}).get(KZ + "party", [])}
        if KZ + "ToneAssessment" in types and KZD + "armenia" in parties:
            armenian.add(c)
    assert set(claims) == armenian and len(claims) == 5
    assert "5 of 83 claims have" in doc.find("p", "count").text()
    pills = doc.find("ul", "chosen-facets").find_all("li")
    assert sorted(li.text().rstrip(" ×") for li in pills) == ["Kind: Tone Assessment", "Partner: Armenia"]
    removes = {li.text().split(":")[0]: li.find("a", "remove").get("href") for li in pills}
    only_partner = get(client, removes["Kind"])
    assert len(listed(only_partner)) == 11 and facet_items(only_partner, "partner")["Armenia"][0] == 11
    only_kind = get(client, removes["Partner"])
    assert len(listed(only_kind)) == 15


@pytest.mark.parametrize("query, message", [
    ("planet=kzd:mars", "unknown facet 'planet'"),
    ("kind=", "facet kind: give a value"),
    ("kind=" + "x" * 400, "facet kind: give a value"),
])
def test_bad_facets_are_refused(client, query, message):
    res = client.get("/claims?" + query)
    assert res.status_code == 400 and message in res.text


def test_an_unknown_facet_value_shows_no_claims_and_stays_text(client):
    doc = get(client, "/claims", {"partner": "<script>alert(1)</script>"})
    assert listed(doc) == []
    assert "0 of 83 claims have" in doc.find("p", "count").text()


def test_the_release_has_the_claims_pages_one_facet_value_each(release, client):
    static = parse_html((release / "claims.html").read_text(encoding="utf-8"))
    served = get(client, "/claims")
    assert static.find("main").find("p", "count").text() == served.find("main").find("p", "count").text()
    for name, (count, href) in facet_items(static, "partner").items():
        page = parse_html((release / href).read_text(encoding="utf-8"))
        assert len(listed(page)) == count, name
        for link in listed(page):
            assert (release / "claims" / urllib.parse.unquote(link)).resolve().is_file(), link
    armenia = parse_html((release / "claims" / "partner-armenia.html").read_text(encoding="utf-8"))
    assert [a.get("href") for a in armenia.find("ul", "chosen-facets").find_all("a", "remove")] == ["../claims.html"]


# --- the timeline -----------------------------------------------------------------------------------

def test_the_timeline_lists_every_dated_claim_in_time_order(client, facts):
    doc = get(client, "/timeline")
    rows = doc.find("table", "timeline").find("tbody").find_all("tr")
    shown = []
    firsts = []
    for tr in rows:
        firsts.append(tr.find("td", "when").text().split(" / ")[0].split(" – ")[0])
        boxes = tr.find_all("div", "side") or [tr]
        for box in boxes:
            link = next(a.get("href") for a in box.find_all("a") if a.get("href", "").startswith("/id/"))
            shown.append(KZD + link[len("/id/"):])
    assert sorted(shown) == sorted(facts["dated"]) and len(shown) == len(set(shown))
    assert firsts == sorted(firsts)
    assert f"{len(facts['dated'])} dated claims and events" in doc.find("main").find("p").text()


def test_conflicting_dates_of_the_epca_are_side_by_side(client):
    doc = get(client, "/timeline")
    [row] = doc.find_all("tr", "conflict")
    sides = row.find_all("div", "side")
    assert [s.find("p", "when").text() for s in sides] == ["2020-03-01", "2022"]
    assert "Enhanced Partnership and Cooperation Agreement between the European Union" in sides[0].text()
    assert "6. Foreign Policy" in sides[1].text() and "sentence 4" in sides[1].text()
    assert [a.get("href") for s in sides for a in s.find_all("a") if a.get("href").startswith("/id/")] == \
        ["/id/epca-entry-into-force-eur-lex", "/id/epca-entry-into-force-report"]
    assert "/source/foreign-policy#s4" in row.links()
    assert row.find("td", "when").text() == "2020-03-01 / 2022"


def test_the_release_has_the_same_timeline_and_map(release, client):
    for name, path in (("timeline.html", "/timeline"), ("map.html", "/map")):
        static = parse_html((release / name).read_text(encoding="utf-8")).find("main")
        served = get(client, path).find("main")
        assert re.sub(r"\s+", " ", static.text()) == re.sub(r"\s+", " ", served.text()), name


# --- the map -----------------------------------------------------------------------------------------

def test_every_node_and_edge_of_the_map_links_to_its_page(client, facts):
    res = client.get("/map", headers={"Accept": "text/html"})
    assert "<script" not in res.text
    doc = parse_html(res.text)
    svg = doc.find("svg", "relmap")
    links = [a.get("href") for a in svg.find_all("a")]
    assert "/id/kazakhstan" in links and "/id/armenia" in links and "/id/csto" in links
    by = facts["by_subject"]
    relations = {c for c in facts["claims"]
                 if ox.NamedNode(KZ + "BilateralRelation") in by[ox.NamedNode(c)].get(RDF + "type", [])}
    memberships = {c for c in facts["claims"]
                   if ox.NamedNode(KZ + "Membership") in by[ox.NamedNode(c)].get(RDF + "type", [])}
    edge_links = {KZD + h[len("/id/"):] for h in links if h.startswith(("/id/relation-", "/id/membership-"))}
    assert memberships <= edge_links
    personal = {KZD + "relation-aleksandr-lukashenko-nursultan-nazarbayev"}  # people's relations are not drawn
    assert relations - personal <= edge_links and not (personal & edge_links)
    for href in set(links):
        assert client.get(href, headers={"Accept": "text/html"}).status_code == 200, href


def test_hostile_labels_stay_text_on_the_map_claims_and_timeline(evil_file):
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=20, data=(str(evil_file),))) as pool, \
            TestClient(create_app(pool)) as c:
        for path in ("/map", "/claims", "/claims?partner=kzd:evilland", "/timeline"):
            res = c.get(path, headers={"Accept": "text/html"})
            assert res.status_code == 200, path
            assert "<img src=x" not in res.text and "<b>field</b>" not in res.text, path
            assert "&lt;img src=x" in res.text, path
            doc = parse_html(res.text)
            assert all(tag.tag not in ("script", "img") for tag in doc.walk()), path
            assert all(not k.startswith("on") for tag in doc.walk() for k in tag.attrs), path
        svg = parse_html(c.get("/map").text).find("svg", "relmap")
        assert EVIL in [t.text() for t in svg.find_all("text")]


# --- the index: entities by kind, claims counted -----------------------------------------------------

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCT_TITLE = "http://purl.org/dc/terms/title"


def labels_in_files() -> dict[str, str]:
    """rdfs:label and dcterms:title of everything, from the data and ontology files."""
    ontology = Path(__file__).resolve().parents[2] / "ontology" / "kzlod.ttl"
    return {t.subject.value: t.object.value for t in data_graph(ontology)
            if t.predicate.value in (RDFS_LABEL, DCT_TITLE) and isinstance(t.object, ox.Literal)}


def test_the_index_lists_states_first_then_the_other_kinds(client, facts):
    """Regression: /entities listed its classes alphabetically, States far down the page."""
    doc = get(client, "/entities")
    kinds = [h3.get("id") for h3 in doc.find("main").find_all("h3") if (h3.get("id") or "").startswith("kind-")]
    assert kinds[0] == "kind-states" and kinds[-1] == "kind-other" and len(set(kinds)) == len(kinds) >= 4
    states = {KZD + h[len("/id/"):] for h in doc.by_id("class-State").links()}
    in_files = {s.value for s, ps in facts["by_subject"].items()
                if ox.NamedNode(KZ + "State") in ps.get(RDF + "type", []) and RDFS_LABEL in ps}
    assert states == in_files and len(states) == 8
    shown = {KZD + h[len("/id/"):] for h in doc.find("main").links() if h.startswith("/id/")}
    labelled = {s.value for s, ps in facts["by_subject"].items()
                if isinstance(s, ox.NamedNode) and s.value.startswith(KZD) and RDFS_LABEL in ps}
    assert shown == labelled  # every entity with a label, each under its kind
    places = doc.by_id("kind-places")
    assert places is not None and places.text().startswith("Places")


def test_the_index_counts_claims_by_kind_and_by_source_as_the_files_do(client, facts):
    doc = get(client, "/entities")
    labels = labels_in_files()
    assert doc.by_id("claims").text() == f"Claims ({len(facts['claims'])})"

    def table(section: str) -> dict[str, tuple[int, str]]:
        rows = doc.by_id(section).find("tbody").find_all("tr")
        return {tr.find_all("td")[0].text(): (int(tr.find("a").text()), tr.find("a").get("href")) for tr in rows}

    kinds = table("claims-by-kind")
    assert {name: n for name, (n, _) in kinds.items()} == {labels[k]: n for k, n in facts["kinds"].items()}
    sources = table("claims-by-source")
    assert {name: n for name, (n, _) in sources.items()} == {labels[s]: n for s, n in facts["sources"].items()}
    for name, (n, href) in [*kinds.items(), *sources.items()]:
        assert len(listed(get(client, href))) == n, (name, href)  # each count links to its claims


def test_the_release_index_has_the_same_kinds_and_counts(release, client):
    static = parse_html((release / "index.html").read_text(encoding="utf-8"))
    served = get(client, "/entities")
    for section in ("kind-states", "claims-by-kind", "claims-by-source"):
        assert re.sub(r"\s+", " ", static.by_id(section).text()) == re.sub(r"\s+", " ", served.by_id(section).text())
    for href in static.by_id("claims-by-kind").links():
        assert (release / href).is_file(), href
