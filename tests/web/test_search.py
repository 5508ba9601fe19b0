"""Full-text search: ``kzlod search`` (the library's :mod:`kzlod.querying.fulltext` under a thin
command) and the served site's search box and ``/search`` page.

Expected hits are checked against the data files, parsed here with pyoxigraph: which sentences
and which quotes hold the word searched for.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_project
from pagetree import KZ, OA, RDF, data_graph, parse_html

from kzlod.cli import cli
from kzlod.project import bundled
from kzlod.web.app import create_app
from kzlod.web.server import ServeConfig
from kzlod.web.workers import WorkerPool

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore")
    from starlette.testclient import TestClient

KARABAKH = """\
9 hits for 'Karabakh'
1. Nagorno-Karabakh  [Disputed Territory] kzd:nagorno-karabakh
   label: Nagorno-«Karabakh»
2. Accession of Nagorno-Karabakh to the EAEU  [Issue] kzd:nagorno-karabakh-eaeu-accession
   label: Accession of Nagorno-«Karabakh» to the EAEU
3. Conflicts and fighting in Nagorno-Karabakh  [Armed Conflict] kzd:nagorno-karabakh-fighting
   label: Conflicts and fighting in Nagorno-«Karabakh»
   in 6. Foreign Policy, sentence 20
4. Stance: Kazakhstan, Accession of Nagorno-Karabakh to the EAEU, resists  [Stance] \
kzd:stance-kazakhstan-nagorno-karabakh-accession
   quote: differences over Nagorno-«Karabakh»'s accession to the EAEU, because Kazakhstan resisted
   in 6. Foreign Policy, sentence 18
5. Tone Assessment: Armenia – Kazakhstan, tense  [Tone Assessment] kzd:tone-armenia-kazakhstan-tense
   quote: there have been tensions between Armenia and Kazakhstan due to differences over \
Nagorno-«Karabakh»'s accession to the EAEU
   in 6. Foreign Policy, sentence 18
6. Tone Assessment: Armenia – Kazakhstan, tense, worsened  [Tone Assessment] \
kzd:tone-armenia-kazakhstan-tense-nagorno-karabakh
   quote: Recent conflicts and fighting in Nagorno-«Karabakh» have increased tensions as Armenia fears \
Kazakhstan's support of Azerbaijan.
   in 6. Foreign Policy, sentence 20
7. 6. Foreign Policy, sentence 20  [sentence] kzsrc:foreign-policy/sentence/20
   sentence: Recent conflicts and fighting in Nagorno-«Karabakh» have increased tensions as Armenia fears \
Kazakhstan's support of Azerbaijan.
8. 6. Foreign Policy, sentence 18  [sentence] kzsrc:foreign-policy/sentence/18
   sentence: However, there have been tensions between Armenia and Kazakhstan due to differences over \
Nagorno-«Karabakh»'s accession to the EAEU, because Kazakhstan resisted.
9. Tone Assessment: Armenia – Kazakhstan, mistrustful, tense  [Tone Assessment] kzd:tone-armenia-kazakhstan-mistrustful
   note: Kazakhstan's resistance to Nagorno-«Karabakh»'s accession to the EAEU. · \
Initial tensions and mistrust, which the differences over Nagorno-«Karabakh»'s accession led…
   in 6. Foreign Policy, sentence 19
"""


def search(*args, cache: Path | None = None, cwd: Path | None = None):
    env = {"KZLOD_CACHE_DIR": str(cache)} if cache else None
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(cli, ["search", *args], env=env, catch_exceptions=False)
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, ["search", *args], env=env, catch_exceptions=False)
    finally:
        os.chdir(old)


def holding(word: str) -> tuple[set[str], set[str]]:
    """(sentences whose text holds ``word``, claims one of whose quotes holds it), from the data files."""
    triples = data_graph()
    sentences = {t.subject.value for t in triples if t.predicate.value == RDF + "value"
                 and word.casefold() in t.object.value.casefold()}
    selectors = {t.subject for t in triples if t.predicate.value == OA + "exact"
                 and word.casefold() in t.object.value.casefold()}
    evidence = {t.subject for t in triples if t.predicate.value == OA + "hasSelector" and t.object in selectors}
    claims = {t.subject.value for t in triples if t.predicate.value == KZ + "hasEvidence" and t.object in evidence}
    return sentences, claims


# --- the command ------------------------------------------------------------------------------

def test_kzlod_search_karabakh_lists_the_sentences_and_claims_with_snippets(cold_cache):
    res = search("Karabakh", cache=cold_cache)
    assert res.exit_code == 0, res.output
    assert res.stdout == KARABAKH
    assert len(list(cold_cache.glob("search/*.sqlite"))) == 1
    assert search("Karabakh", cache=cold_cache).stdout == KARABAKH  # from the cached index, the same


def test_every_sentence_and_quote_holding_the_word_is_a_hit():
    res = search("Karabakh", "--format", "json", "--limit", "100")
    data = json.loads(res.stdout)
    sentences, claims = holding("Karabakh")
    assert sentences and claims
    hits = data["hits"]
    assert {h["iri"] for h in hits if h["kind"] == "sentence"} == sentences
    assert claims <= {h["iri"] for h in hits if h["kind"] == "claim"}
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1)) and data["total"] == len(hits) == 9
    assert [h["score"] for h in hits] == sorted(h["score"] for h in hits)  # best (lowest BM25) first
    for h in hits:
        assert h["highlights"], h
        for a, b in h["highlights"]:
            assert h["text"][a:b].casefold() == "karabakh"
        assert h["snippet"].replace("«", "").replace("»", "") == h["text"]
    by_iri = {h["iri"]: h for h in hits}
    assert by_iri["https://w3id.org/kzlod/id/source/foreign-policy/sentence/18"]["position"] == 18
    assert by_iri["https://w3id.org/kzlod/id/tone-armenia-kazakhstan-tense"]["sourceTitle"] == "6. Foreign Policy"


def test_csv_limit_kind_and_phrases():
    rows = list(csv.reader(io.StringIO(search("Karabakh", "--format", "csv", "--limit", "3").stdout)))
    assert rows[0] == ["rank", "kind", "iri", "title", "kindLabel", "field", "snippet", "sourceTitle", "position",
                       "source", "sentence"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    only = json.loads(search("Karabakh", "--kind", "sentence", "--format", "json").stdout)
    assert {h["kind"] for h in only["hits"]} == {"sentence"} and only["total"] == 2
    phrase = json.loads(search('"close ties"', "--format", "json").stdout)
    assert phrase["hits"] and all("close ties" in h["text"] or "Close ties" in h["text"] for h in phrase["hits"])
    assert all(h["text"][a:b] == "close ties" for h in phrase["hits"] for a, b in h["highlights"])
    prefix = json.loads(search("Karab", "--format", "json", "--limit", "100").stdout)  # the start of a word
    assert prefix["total"] == 9
    words = json.loads(search("tensions", "Armenia", "--format", "json", "--limit", "100").stdout)
    assert words["hits"] and all("tensions" in h["text"].casefold() and "armenia" in h["text"].casefold()
                                 for h in words["hits"] if h["field"] in ("quote", "sentence"))
    assert search("zzyzzyx").stdout == "no hits for 'zzyzzyx'\n"


#: (what was typed, what the search suggests: each word the index lacks replaced by its nearest, in the same case)
MISSPELT = [
    ("Karabahk", ["Karabakh"]),
    ("karabahk", ["karabakh"]),
    ("tensoins Armenia", ["tensions Armenia"]),
    ("Kazakstan", ["Kazakhstan"]),
]


def words_in_files() -> set[str]:
    """Every word of the graph's literals, lower case, read from the data files."""
    import re

    return {w.casefold() for t in data_graph() if hasattr(t.object, "language")
            for w in re.findall(r"[^\W_]+", t.object.value)}


@pytest.mark.parametrize("typed, suggested", MISSPELT)
def test_a_misspelt_word_gets_the_nearest_word_the_graph_has(typed, suggested):
    data = json.loads(search(typed, "--format", "json").stdout)
    assert data["total"] == 0 and data["suggestions"] == suggested
    words = words_in_files()
    for s in suggested:
        assert all(w.casefold() in words for w in s.split())  # a word the graph has
        assert json.loads(search(s, "--format", "json").stdout)["total"] > 0  # which finds something
    shown = " or ".join(repr(s) for s in suggested)
    assert search(typed).stdout == f"no hits for {typed!r}; did you mean {shown}?\n"


def test_no_suggestion_where_nothing_is_near_or_something_was_found():
    assert json.loads(search("zzyzzyx", "--format", "json").stdout)["suggestions"] == []
    found = json.loads(search("Karabakh", "--format", "json").stdout)
    assert found["total"] == 9 and found["suggestions"] == []


def test_the_search_page_links_what_a_misspelt_search_may_have_meant(client):
    doc = parse_html(client.get("/search", params={"q": "Karabahk"}).text)
    near = doc.find("span", "did-you-mean")
    assert near is not None and near.links() == ["/search?q=Karabakh"]
    assert "No hits for “Karabahk”." in doc.find("p", "no-hits").text()
    assert doc.find("ol", "hits") is None
    page = parse_html(client.get(near.links()[0]).text)
    assert "9 hits" in page.find("p", "count").text()


@pytest.mark.parametrize("args, message", [
    (["!!"], "give a word to search for"),
    (["Karabakh", "--limit", "0"], "Invalid value for '--limit'"),
    (["Karabakh", "--kind", "planet"], "Invalid value for '--kind'"),
    (["x" * 600], "search text too long"),
    (["Karabakh", "--store", "oxigraph:/nonexistent/store"], "no Oxigraph store here"),
])
def test_usage_errors_say_what_is_wrong(args, message):
    res = CliRunner().invoke(cli, ["search", *args])
    assert res.exit_code in (2, 3), res.output
    assert message in res.output
    assert "Traceback" not in res.output


def test_the_index_is_kept_by_content_and_made_anew_when_the_project_changes(tmp_path, cold_cache):
    project = copy_project(tmp_path / "project")
    first = search("Karabakh", "--format", "json", cache=cold_cache, cwd=project)
    assert json.loads(first.stdout)["total"] == 9
    [index] = list(cold_cache.glob("search/*.sqlite"))
    stamp = index.stat().st_mtime_ns
    search("Armenia", cache=cold_cache, cwd=project)
    assert list(cold_cache.glob("search/*.sqlite")) == [index] and index.stat().st_mtime_ns == stamp
    entities = project / "data" / "entities.ttl"
    entities.write_text(entities.read_text(encoding="utf-8") + '\nkzd:zanzibarland a kz:State ;\n'
                        '    rdfs:label "Zanzibarland"@en .\n', encoding="utf-8")
    found = json.loads(search("Zanzibarland", "--format", "json", cache=cold_cache, cwd=project).stdout)
    assert [h["iri"] for h in found["hits"]] == ["https://w3id.org/kzlod/id/zanzibarland"]
    assert len(list(cold_cache.glob("search/*.sqlite"))) == 2
    # the repository's own project does not have it
    assert json.loads(search("Zanzibarland", "--format", "json", cache=cold_cache).stdout)["total"] == 0


def test_a_disk_store_gives_the_same_hits(tmp_path, cold_cache):
    store = tmp_path / "store"
    res = CliRunner().invoke(cli, ["-q", "load", "--store", f"oxigraph:{store}"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    memory = json.loads(search("Karabakh", "--format", "json", cache=cold_cache).stdout)
    disk = json.loads(search("Karabakh", "--format", "json", "--store", f"oxigraph:{store}", cache=cold_cache).stdout)
    assert [(h["iri"], h["snippet"]) for h in disk["hits"]] == [(h["iri"], h["snippet"]) for h in memory["hits"]]
    assert len(list(cold_cache.glob("search/*.sqlite"))) == 2  # one for each: keyed by what kzlod load recorded
    shutil.rmtree(store)
    res = CliRunner().invoke(cli, ["search", "Karabakh", "--store", f"oxigraph:{store}"])
    assert res.exit_code == 3 and "no Oxigraph store here" in res.output


def test_the_api_returns_the_same_hits():
    import kzlod

    result = kzlod.search("Karabakh")
    assert result.total == 9 and result.hits[0].title == "Nagorno-Karabakh"
    assert result.hits[0].marked("<", ">") == "Nagorno-<Karabakh>"


# --- the served page ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client():
    with WorkerPool(ServeConfig(project=bundled(), workers=1, timeout=20)) as pool, TestClient(create_app(pool)) as c:
        yield c


def test_the_search_page_shows_the_same_hits_linked_with_snippets(client):
    res = client.get("/search", params={"q": "Karabakh"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    assert "form-action 'self'" in res.headers["content-security-policy"]
    assert "script-src" not in res.headers["content-security-policy"]
    doc = parse_html(res.text)
    items = doc.find("ol", "hits").find_all("li", "hit")
    cli_hits = json.loads(search("Karabakh", "--format", "json").stdout)["hits"]
    assert [li.find("a", "hit-title").text() for li in items] == [h["title"] for h in cli_hits]
    assert "9 hits" in doc.find("p", "count").text()
    for li, hit in zip(items, cli_hits):
        snippet = li.find("p", "snippet")
        if hit["field"] == "label" and hit["text"] == hit["title"]:  # the snippet would repeat the title: shown once
            assert snippet is None
            marks = [m.text() for m in li.find("a", "hit-title").find_all("mark")]
        else:
            marks = [m.text() for m in snippet.find_all("mark")]
        assert marks and all(m == "Karabakh" for m in marks)
    assert [li.find("p", "snippet") is None for li in items] == [True, True, True] + [False] * 6
    sentence_links = [li.find("a", "hit-title").get("href") for li in items if "hit-sentence" in li.classes()]
    assert sorted(sentence_links) == ["/source/foreign-policy#s18", "/source/foreign-policy#s20"]
    for href in {a.get("href") for li in items for a in li.find_all("a")}:
        path, fragment = urllib.parse.urldefrag(href)
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200, href
        if fragment:
            assert parse_html(page.text).by_id(fragment) is not None, href
    box = doc.find("form", "search").find("input")
    assert box.get("value") == "Karabakh"


@pytest.mark.parametrize("path", ["/entities", "/sources", "/source/foreign-policy", "/id/armenia", "/claims",
                                  "/timeline", "/map", "/ontology", "/search"])
def test_every_served_page_has_the_search_box(client, path):
    res = client.get(path, headers={"Accept": "text/html"})
    assert res.status_code == 200
    form = parse_html(res.text).find("header").find("form", "search")
    assert form is not None and form.get("action") == "/search" and form.get("method") == "get"
    assert form.find("input").get("name") == "q"


@pytest.mark.parametrize("q, status, shown", [
    ("<script>alert(1)</script>", 200, "No hits for “<script>alert(1)</script>”."),
    ('"', 400, "give a word to search for (letters or digits)"),
    ("x" * 501, 400, "search text too long"),
    ("", 200, "Search the labels"),
])
def test_hostile_or_empty_searches(client, q, status, shown):
    res = client.get("/search", params={"q": q})
    assert res.status_code == status
    assert "<script>alert" not in res.text
    assert shown in (parse_html(res.text).find("main").text() if "html" in res.headers["content-type"] else res.text)


def test_a_bad_limit_is_refused(client):
    res = client.get("/search", params={"q": "Karabakh", "limit": "0"})
    assert res.status_code == 400 and "limit" in res.text


@pytest.mark.slow
def test_an_endpoints_graph_is_searched_with_the_same_hits(cold_cache):
    """``--endpoint``: the graph read over the SPARQL protocol (evidence in one query, as blank-node
    labels hold within one result only), indexed in memory, not cached."""
    from servers import start_kzlod, stop_kzlod

    proc, url, _port = start_kzlod("--workers", "1")
    try:
        remote = json.loads(search("Karabakh", "--format", "json", "--endpoint", url + "sparql",
                                   cache=cold_cache).stdout)
        assert not list(cold_cache.glob("search/*.sqlite"))
        local = json.loads(search("Karabakh", "--format", "json").stdout)
        assert [(h["iri"], h["snippet"], h["position"]) for h in remote["hits"]] == \
            [(h["iri"], h["snippet"], h["position"]) for h in local["hits"]]
    finally:
        stop_kzlod(proc)
