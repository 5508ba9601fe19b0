"""A running ``kzlod serve`` under unlucky use: the files change under it, a worker is replaced,
a client asks the same thing again, a search box gets control characters.

The servers are real processes (``kzlod serve --port 0 --workers 2`` on 127.0.0.1) over a project
made with ``kzlod init`` in a temporary folder, changed by ``kzlod add`` and by copying a file back.

* after ``kzlod add``, every request sent after the first answer from the new graph sees the new
  fact, and no answer mixes versions: each version always gives the same answer (the issue: the
  server never showed the new fact; after a worker was replaced, alternate requests got old and new);
* the ETag follows the graph, and ``If-None-Match`` gets 304 until the graph changes;
* ``/search`` and ``/sparql`` answer from the same version, also after the data is reverted;
* ``--frozen`` keeps the graph it loaded, also in a worker started to replace one;
* ``kzlod search`` after reverting a data file does not find what the data no longer has, even when
  the file changed while a search was reading it;
* the search page shows no control character of ``q=`` raw.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from servers import start_kzlod, stop_kzlod

from kzlod import api
from kzlod.cli import cli
from kzlod.project import bundled

PREFIXES = ("@prefix kz: <https://w3id.org/kzlod/ontology#> .\n@prefix kzd: <https://w3id.org/kzlod/id/> .\n"
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n")
MONGOLIA = PREFIXES + ('kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ; '
                       'kz:iso3166Alpha2 "MN" ; kz:iso3166Alpha3 "MNG" .\n')
BHUTAN = PREFIXES + ('kzd:bhutan a kz:State ; rdfs:label "Bhutan"@en ; '
                     'kz:iso3166Alpha2 "BT" ; kz:iso3166Alpha3 "BTN" .\n')
ASK_BHUTAN = "ASK { <https://w3id.org/kzlod/id/bhutan> a <https://w3id.org/kzlod/ontology#State> }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
VERSION = "kzlod-graph-version"


@pytest.fixture
def project(tmp_path):
    """A project made by ``kzlod init``, holding Mongolia; ``bhutan.ttl`` beside it, to add."""
    root = tmp_path / "p"
    api.init(root)
    (tmp_path / "mongolia.ttl").write_text(MONGOLIA, encoding="utf-8")
    (tmp_path / "bhutan.ttl").write_text(BHUTAN, encoding="utf-8")
    api.add([tmp_path / "mongolia.ttl"], project=root)
    return root


def add(project: Path, name: str = "bhutan.ttl") -> None:
    res = subprocess.run([sys.executable, "-m", "kzlod", "-q", "add", str(project.parent / name),
                          "--project", str(project)], capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr


def serve(project: Path, *args):
    proc, base, _ = start_kzlod("--project", str(project), "--workers", "2", *args)
    return proc, base


def get(url: str, headers: dict | None = None, timeout: float = 30):
    """(status, headers with lower-case names, body) of a GET."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, {k.lower(): v for k, v in res.headers.items()}, res.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def ask(base: str, query: str = ASK_BHUTAN):
    """(version, the ASK's answer) from the server."""
    status, headers, body = get(base + "sparql?" + urllib.parse.urlencode({"query": query}),
                                {"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return headers[VERSION], json.loads(body)["boolean"]


def wait_for_version(base: str, old: str, limit: float = 30.0) -> str:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        version, _ = ask(base, "ASK {}")
        if version != old:
            return version
        time.sleep(0.1)
    raise AssertionError(f"the server still serves version {old} after {limit:g} s")


def hits(base: str, text: str):
    """(version, whether the search page finds an entity named ``text``)."""
    status, headers, body = get(base + "search?" + urllib.parse.urlencode({"q": text}))
    assert status == 200, body
    return headers[VERSION], b'href="/id/' + text.lower().encode() + b'"' in body


# --- after kzlod add -------------------------------------------------------------------------

@pytest.mark.slow
def test_after_add_every_later_request_sees_the_new_fact_and_none_the_old(project):
    proc, base = serve(project)
    try:
        old, answer = ask(base)
        assert answer is False
        seen: list[tuple[float, float, str, bool]] = []  # (sent, received, version, answer)
        stop_at = [float("inf")]

        def client():
            while time.monotonic() < stop_at[0]:
                sent = time.monotonic()
                version, value = ask(base)
                seen.append((sent, time.monotonic(), version, value))

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        add(project)
        new = wait_for_version(base, old)
        stop_at[0] = time.monotonic() + 2.0
        for t in threads:
            t.join(60)
        answers = {version: {value for _, _, v, value in seen if v == version} for _, _, version, _ in seen}
        assert answers == {old: {False}, new: {True}}, "each version always gives its own answer"
        first_new = min(received for _, received, v, _ in seen if v == new)
        later = [(v, value) for sent, _, v, value in seen if sent > first_new]
        assert later and all(item == (new, True) for item in later), "a request after the swap saw the old graph"
    finally:
        stop_kzlod(proc)


@pytest.mark.slow
def test_a_store_another_program_wrote_to_is_served_anew(tmp_path):
    """Regression: ``kzlod serve --store`` took the store's version from what ``kzlod load`` had
    recorded, so after another program wrote to the store (``oxigraph load``, an update through
    ``oxigraph serve``) it went on serving what the store held before, under the same ETag."""
    path = tmp_path / "store"
    api.load_store([], f"oxigraph:{path}", project=bundled())
    proc, base, _ = start_kzlod("--store", f"oxigraph:{path}", "--workers", "2")
    try:
        old, answer = ask(base)
        assert answer is False
        store = ox.Store(str(path))  # as another program writes to it: open for writing, add, close
        store.add(ox.Quad(ox.NamedNode("https://w3id.org/kzlod/id/bhutan"),
                          ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                          ox.NamedNode("https://w3id.org/kzlod/ontology#State"), ox.NamedNode("urn:example:other")))
        store.flush()
        del store
        new = wait_for_version(base, old)
        assert ask(base) == (new, True)
    finally:
        stop_kzlod(proc)


@pytest.mark.slow
def test_the_etag_follows_the_graph_and_if_none_match_gets_304(project):
    proc, base = serve(project)
    try:
        url = base + "sparql?" + urllib.parse.urlencode({"query": "SELECT ?s WHERE { ?s a kz:State } ORDER BY ?s"})
        status, headers, body = get(url)
        assert status == 200 and headers["etag"] and headers[VERSION]
        tag, old = headers["etag"], headers[VERSION]
        assert get(url, {"If-None-Match": tag})[0] == 304
        status, again, body304 = get(url, {"If-None-Match": f'"other", {tag}'})
        assert status == 304 and body304 == b"" and again["etag"] == tag and again[VERSION] == old
        assert get(url, {"Accept": "text/csv"})[1]["etag"] != tag, "another representation, another tag"
        add(project)
        wait_for_version(base, old)
        status, headers, body = get(url, {"If-None-Match": tag})
        assert status == 200 and b"bhutan" in body
        assert headers["etag"] != tag and headers[VERSION] != old
        assert get(url, {"If-None-Match": headers["etag"]})[0] == 304
    finally:
        stop_kzlod(proc)


def test_an_etag_names_the_build_of_kzlod_that_made_the_answer(monkeypatch):
    """Regression: the ETag named the graph's version and the request only, so after kzlod was upgraded
    (another page, another serializer) a client's If-None-Match on the same graph still got 304 and
    kept the old code's answer."""
    from kzlod.web import answers

    task = ("sparql", "SELECT ?s WHERE { ?s ?p ?o }", "application/sparql-results+json")
    tag = answers.etag("v1", task)
    assert answers.etag("v1", task) == tag and answers.etag("v2", task) != tag
    assert answers.etag("v1", (*task[:2], "text/csv")) != tag
    monkeypatch.setattr(answers, "build", lambda: "0.1.0+another")
    assert answers.etag("v1", task) != tag


@pytest.mark.slow
def test_search_and_sparql_answer_from_the_same_version_also_after_a_revert(project):
    entities = project / "data" / "entities.ttl"
    before = entities.read_bytes()
    proc, base = serve(project)
    try:
        old, _ = ask(base)
        assert hits(base, "Bhutan") == (old, False)
        add(project)
        new = wait_for_version(base, old)
        assert hits(base, "Bhutan") == (new, True) and ask(base) == (new, True)
        entities.write_bytes(before)  # reverted: the graph the server started with, again
        back = wait_for_version(base, new)
        assert back == old, "the same files make the same version"
        assert hits(base, "Bhutan") == (old, False) and ask(base) == (old, False)
        assert hits(base, "Mongolia") == (old, True)
    finally:
        stop_kzlod(proc)


@pytest.mark.slow
def test_frozen_keeps_its_graph_also_in_a_replaced_worker(project):
    proc, base = serve(project, "--frozen", "--timeout", "1")
    try:
        old, _ = ask(base)
        add(project)
        time.sleep(2.5)  # a watching server would have swapped by now
        assert get(base + "sparql?" + urllib.parse.urlencode({"query": SLOW}))[0] == 504  # a worker replaced
        answers = {ask(base) for _ in range(12)}  # alternate workers: the old one and the new one
        assert answers == {(old, False)}
    finally:
        stop_kzlod(proc)


@pytest.mark.slow
def test_a_replaced_worker_serves_the_graph_of_its_generation(project):
    """Regression: a worker started to replace one loaded the files as they were then, so alternate
    requests got old and new answers. Now it loads what the others were loaded from; a change of the
    files reaches every worker together."""
    proc, base = serve(project, "--timeout", "1")
    try:
        old, _ = ask(base)
        assert get(base + "sparql?" + urllib.parse.urlencode({"query": SLOW}))[0] == 504
        add(project)  # while the replacement starts
        new = wait_for_version(base, old)
        answers = {ask(base) for _ in range(12)}
        assert answers == {(new, True)}
    finally:
        stop_kzlod(proc)


# --- the search box -----------------------------------------------------------------------------

CONTROLS = [("NUL", "Mon\x00golia"), ("ESC", "\x1b]0;title\x07Mongolia"), ("C1 CSI", "\x9b2JMongolia"),
            ("DEL", "Mongolia\x7f"), ("a lone NUL", "\x00")]


@pytest.mark.slow
def test_the_search_page_never_echoes_a_control_character(project):
    proc, base = serve(project)
    try:
        for name, text in CONTROLS:
            status, _, body = get(base + "search?" + urllib.parse.urlencode({"q": text}))
            page = body.decode("utf-8")
            assert status in (200, 400), name
            assert not any(c in page for c in "\x00\x1b\x9b\x7f\x07"), name
    finally:
        stop_kzlod(proc)


# --- kzlod search -------------------------------------------------------------------------------

def _search(project: Path, text: str) -> str:
    res = CliRunner().invoke(cli, ["-q", "search", text, "--project", str(project)])
    assert res.exit_code == 0, res.output
    return res.output


def test_search_after_reverting_a_data_file_does_not_find_what_the_data_no_longer_has(project, cold_cache):
    entities = project / "data" / "entities.ttl"
    before = entities.read_bytes()
    assert "no hits" in _search(project, "Bhutan")
    api.add([project.parent / "bhutan.ttl"], project=project)
    assert "kzd:bhutan" in _search(project, "Bhutan")
    entities.write_bytes(before)
    assert "no hits" in _search(project, "Bhutan")


def test_a_file_changed_while_search_reads_it_never_files_the_new_facts_under_the_old_content(
        project, cold_cache, monkeypatch):
    """Regression: the index's key was hashed from the files, then the graph was read again from them;
    a writer between the two filed the new facts under the old content's key, and after a revert to
    that content search found an entity the data no longer had."""
    import kzlod.api.searching
    import kzlod.store.snapshot

    entities = project / "data" / "entities.ttl"
    before = entities.read_bytes()
    read = kzlod.store.snapshot.read_snapshot

    def read_then_a_writer_comes(*args, **kwargs):
        snapshot = read(*args, **kwargs)
        api.add([project.parent / "bhutan.ttl"], project=project)  # lands after the read
        monkeypatch.setattr(kzlod.api.searching, "read_snapshot", read)
        return snapshot

    monkeypatch.setattr(kzlod.api.searching, "read_snapshot", read_then_a_writer_comes)
    assert "no hits" in _search(project, "Bhutan"), "the index of what was read"
    assert "kzd:bhutan" in _search(project, "Bhutan"), "the new content: a new index"
    entities.write_bytes(before)
    assert "no hits" in _search(project, "Bhutan")


# --- the pool itself: a look at the files, a file half written -----------------------------------

def _pool(project: Path):
    from kzlod.project import resolve
    from kzlod.web.server import ServeConfig
    from kzlod.web.workers import WorkerPool

    return WorkerPool(ServeConfig(project=resolve(project), workers=1, timeout=20))


def _has_bhutan(pool) -> bool:
    import json as json_

    reply = pool.run(("query", ASK_BHUTAN, None, None, "json", None))
    return json_.loads(reply.body)["boolean"]


@pytest.mark.slow
def test_a_look_at_the_files_swaps_only_when_their_content_changed(project, capfd):
    with _pool(project) as pool:
        old = pool.version
        assert pool.check() is False and pool.version == old  # nothing changed: nothing loaded
        api.add([project.parent / "bhutan.ttl"], project=project)
        assert pool.version == old and _has_bhutan(pool) is False, "not watching: the graph loaded stays"
        old_workers = pool._all
        assert pool.check() is True and pool.version != old and _has_bhutan(pool) is True
        assert f"now serving graph version {pool.version}" in capfd.readouterr().err
        assert all(not w.process.is_alive() for w in old_workers), "the old generation's workers stopped"
        assert pool.check(force=True) is False, "read again, the same content: no swap"


@pytest.mark.slow
def test_a_file_half_written_is_not_served_and_the_graph_before_it_goes_on(project, capfd):
    entities = project / "data" / "entities.ttl"
    with _pool(project) as pool:
        old = pool.version
        entities.write_text(entities.read_text(encoding="utf-8") + "kzd:bhutan a kz:", encoding="utf-8")
        assert pool.check() is False and pool.check() is False
        assert pool.version == old and _has_bhutan(pool) is False
        said = [line for line in capfd.readouterr().err.splitlines() if "were not loaded" in line]
        assert len(said) == 1 and f"still serving graph version {old}" in said[0], "said once, on one line"
        entities.write_text(entities.read_text(encoding="utf-8") + "State .\n", encoding="utf-8")
        assert pool.check() is True and pool.version != old


# --- the answers kept -----------------------------------------------------------------------------

def test_answers_kept_stay_within_their_bounds_whatever_clients_ask():
    """A client sending distinct queries, long ones, or ones with big answers cannot grow the answers
    kept past their count and size; the keys are hashes, not the queries' text."""
    from kzlod.web.kept import ResultCache, cache_key
    from kzlod.web.replies import Reply

    kept = ResultCache(entries=8, size=16 * 1024)
    for i in range(100):
        kept.put(cache_key("v1", ("query", "x" * 100_000 + str(i))), Reply(b"a" * 500))
        assert len(kept) <= 8 and kept.used <= 16 * 1024
    assert all(len(key[1]) == 32 for key in kept._items)
    kept.put(cache_key("v1", ("query", "big")), Reply(b"a" * 2000))  # over size // 16: not kept
    assert kept.get(cache_key("v1", ("query", "big"))) is None
    recent = cache_key("v1", ("query", "x" * 100_000 + "99"))
    assert kept.get(recent) is not None and kept.get(cache_key("v2", ("query", "x" * 100_000 + "99"))) is None
    assert cache_key("v1", ("bind", "memberships", [])) is not None and cache_key("v1", ("stats",)) is None
