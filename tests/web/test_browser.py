"""The query page (the YASGUI workbench) and entity pages in a real headless Chromium (Debian's, driven by Playwright).

Starts ``kzlod serve`` on a free 127.0.0.1 port, then: the editor highlights and
completes SPARQL, an example runs from its link with its parameter bound, runs are
URLs that Back and Forward move through, results are sortable, paged, shown by label
and downloadable in every format, errors read as the endpoint words them, links lead
between entities, and hostile values stay text. Every page is watched for script
errors, requests to other servers and anything its Content-Security-Policy blocks.
Skipped when Chromium or Playwright is missing here; ``.ci/run`` installs both.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
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

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KZLOD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
KZD = "https://w3id.org/kzlod/id/"
ORG = "http://www.w3.org/ns/org#"
EVIL = '<img src=x onerror="window.__owned=1">'
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
STATES = "SELECT ?s WHERE { ?s a kz:State } ORDER BY ?s"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

pytestmark = [
    pytest.mark.skipif(sync_playwright is None, reason="Playwright is not installed (pip install playwright)"),
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"),
]


def memberships_in_files() -> set[tuple[str, str]]:
    """(member, organisation) of every kz:Membership, read from the data files directly."""
    member, org = {}, {}
    for path in (ROOT / "data").rglob("*.ttl"):
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if q.predicate.value == ORG + "member":
                member[q.subject.value] = q.object.value
            elif q.predicate.value == ORG + "organization":
                org[q.subject.value] = q.object.value
    return {(member[m], org[m]) for m in member if m in org}


def states_in_files() -> set[str]:
    found = set()
    for path in (ROOT / "data").rglob("*.ttl"):
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if q.predicate.value == RDF_TYPE and q.object.value == "https://w3id.org/kzlod/ontology#State":
                found.add(q.subject.value)
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    evil = tmp_path_factory.mktemp("data") / "evil.ttl"
    evil.write_text(f'<{KZD}evil> <http://www.w3.org/2000/01/rdf-schema#label> "{EVIL.replace(chr(34), chr(92) + chr(34))}"@en .\n',
                    encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kzlod", "serve", "--port", "0", "--data", str(evil)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline, url = time.monotonic() + 60, None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
        if m:
            url = m.group(1)
            break
    if url is None:
        proc.kill()
        pytest.fail("kzlod serve did not start")
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    yield url
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that records what should never happen: script errors, dialogs, requests to
    other servers, and anything the Content-Security-Policy blocks."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.problems = []
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(msg.text))
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("dialog", lambda dialog: (page.problems.append("dialog: " + dialog.message), dialog.dismiss()))
    page.on("request", lambda req: urllib.parse.urlsplit(req.url).hostname != "127.0.0.1"
            and page.problems.append("request to another server: " + req.url))
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
    yield page
    context.close()


def open_page(page, url):
    page.goto(url)
    page.wait_for_selector("#workbench[data-ready=true]")


def wait_for_results(page, state="done"):
    page.wait_for_selector(f"#results[data-state={state}]")


def editor_text(page) -> str:
    return page.evaluate("() => document.getElementById('query').value")  # the editor keeps it in step


def type_query(page, text):
    """Replace the editor's text as a user does: select all, then type."""
    page.click("#workbench .CodeMirror-code")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def run_and_wait(page, state="done"):
    page.evaluate("() => { document.getElementById('results').dataset.state = 'asked'; }")
    page.click("#run")
    wait_for_results(page, state)


def result_rows(page) -> list[dict]:
    """The table's rows (all of them: the page size set to All), each cell's text and links by column."""
    if page.locator("#results select.tableSizer").count():
        page.select_option("#results select.tableSizer", "-1")
    return page.evaluate("""() => {
        const table = document.querySelector('#results table.dataTable');
        const heads = Array.from(table.querySelectorAll('thead th')).map(th => th.textContent.trim());
        return Array.from(table.querySelectorAll('tbody tr')).filter(tr => !tr.querySelector('.dt-empty'))
          .map(tr => Object.fromEntries(Array.from(tr.cells).map((td, i) => [heads[i] || '#',
            {text: td.textContent, links: Array.from(td.querySelectorAll('a')).map(a => a.getAttribute('href')),
             titles: Array.from(td.querySelectorAll('[title]')).map(a => a.getAttribute('title'))}])));
    }""")


def endpoint_answer(server, query) -> tuple[int, str, str]:
    """What /sparql itself answers to ``query`` (status, content type, text), outside the browser."""
    data = urllib.parse.urlencode({"query": query}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(server + "sparql", data=data), timeout=30) as res:
            return res.status, res.headers["Content-Type"], res.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def test_the_editor_highlights_and_checks_sparql(page, server):
    open_page(page, server)
    assert page.locator("#query").is_hidden() and page.locator("#workbench .CodeMirror").is_visible()
    tokens = page.eval_on_selector_all("#workbench .CodeMirror-code span[class^='cm-']",
                                       "els => els.map(e => [e.className, e.textContent])")
    kinds = {}
    for cls, text in tokens:
        kinds.setdefault(text, set()).add(cls)
    assert {"SELECT", "DISTINCT", "WHERE"} <= {t for t, c in kinds.items() if "cm-keyword" in c}
    assert "cm-atom" in kinds["?member"]  # a variable
    assert "cm-string-2" in kinds["kz:Membership"]  # a prefixed name
    assert any("cm-comment" in c and t.startswith("# title:") for t, c in kinds.items())
    assert page.locator("#workbench .parseErrorIcon").count() == 0
    type_query(page, "SELECT ?x WHERE { ?x ?y ?z } }")
    page.wait_for_selector("#workbench .parseErrorIcon")  # the syntax check marks the line
    assert not page.problems, page.problems


def test_pick_an_example_run_it_sort_and_page_the_rows(page, server):
    open_page(page, server)
    page.select_option("#example", "conflicts")
    assert "SELECT" in editor_text(page) and "conflict" in page.text_content("#example-description")
    page.select_option("#example", "memberships")
    assert "kz:Membership" in editor_text(page)
    run_and_wait(page)
    assert page.url == server + "?example=memberships"  # an example run as it is has the short URL
    rows = result_rows(page)
    shown = {(row["member"]["links"][0], row["organisation"]["links"][0]) for row in rows}
    expected = {("/id/" + m[len(KZD):], "/id/" + o[len(KZD):]) for m, o in memberships_in_files()}
    assert expected and shown == expected
    armenia = next(row for row in rows if row["member"]["links"] == ["/id/armenia"])
    assert armenia["member"]["text"] == "Armenia"  # a term shows as its label, linked to its page
    assert "kzd:armenia" in armenia["member"]["titles"][0] and KZD + "armenia" in armenia["member"]["titles"][0]
    assert re.match(rf"{len(rows)} rows? in", page.text_content("#status"))
    # sortable: by a column, then the other way
    page.click("#results table.dataTable thead th:has-text('organisationLabel')")
    labels = [row["organisationLabel"]["text"] for row in result_rows(page)]
    assert labels == sorted(labels)
    page.click("#results table.dataTable thead th:has-text('organisationLabel')")
    labels = [row["organisationLabel"]["text"] for row in result_rows(page)]
    assert labels == sorted(labels, reverse=True)
    # paged: 10 to a page
    page.select_option("#results select.tableSizer", "10")
    assert page.locator("#results table.dataTable tbody tr").count() == 10 < len(rows)
    page.click("#results .dt-paging button:has-text('>'):not(:has-text('>>'))")
    assert page.locator("#results table.dataTable tbody tr").count() == len(rows) - 10
    assert not page.problems, page.problems


def test_an_example_link_binds_its_parameter_and_runs_at_once(page, server):
    open_page(page, server + "?example=entity&entity=kzd:russia")
    wait_for_results(page)
    from kzlod.project import bundled
    from kzlod.querying.entities import resolve_params
    from kzlod.querying.run import bind_params, named_queries, run_query
    from kzlod.store.backends import memory_store

    store, named = memory_store(bundled()), named_queries()["entity"]
    expected = run_query(store, named.text, resolve_params(store, bind_params({"entity": "kzd:russia"}, named), named))
    rows = result_rows(page)
    assert expected.rows and len(rows) == len(expected.rows)  # kzlod query entity --param entity kzd:russia
    assert all(row["entity"]["text"] == "Russia" and row["entity"]["links"] == ["/id/russia"] for row in rows)
    assert page.input_value("#param-entity") == "kzd:russia"
    assert f"VALUES (?entity) {{ (<{KZD}russia>) }}" in editor_text(page)
    assert not page.problems, page.problems


def test_back_and_forward_move_through_the_runs(page, server):
    first = server + "?example=entity&entity=kzd%3Arussia"
    open_page(page, first)
    wait_for_results(page)
    run_and_wait(page)  # the same query again: the same entry, the same URL
    assert page.url == first
    type_query(page, STATES)
    run_and_wait(page)
    assert "query=" in page.url and editor_text(page).endswith(STATES)
    states = {row["s"]["links"][0] for row in result_rows(page)}
    assert states == {"/id/" + s[len(KZD):] for s in states_in_files()}
    page.go_back()
    page.wait_for_url(first)
    wait_for_results(page)
    assert f"VALUES (?entity) {{ (<{KZD}russia>) }}" in editor_text(page)
    rows = result_rows(page)
    assert rows and all(row["entity"]["text"] == "Russia" for row in rows)
    page.go_forward()
    page.wait_for_url(re.compile(r"\?query="))
    wait_for_results(page)
    assert editor_text(page).endswith(STATES)
    assert {row["s"]["links"][0] for row in result_rows(page)} == states
    page.reload()  # the URL alone reproduces the result
    page.wait_for_selector("#workbench[data-ready=true]")
    wait_for_results(page)
    assert {row["s"]["links"][0] for row in result_rows(page)} == states
    assert not page.problems, page.problems


def test_a_bad_query_shows_the_endpoints_readable_error(page, server):
    open_page(page, server)
    bad = "SELECT ?x WHERE { <oops"
    type_query(page, bad)
    run_and_wait(page, "error")
    status, ctype, text = endpoint_answer(server, bad)
    assert status == 400 and ctype.startswith("text/plain")
    lines = text.rstrip("\n").split("\n")
    assert lines[0].startswith("bad SPARQL at line 1") and lines[1] == bad and lines[2].strip() == "^"
    assert page.text_content("#results .query-error .error-text") == text.rstrip("\n")
    assert "400" in page.text_content("#results .query-error .error-status")
    assert page.text_content("#status") == "error 400"
    unexpected = [p for p in page.problems if "400" not in p]  # the browser logs the failed request
    assert not unexpected, unexpected


def test_the_download_links_give_every_format(page, server):
    open_page(page, server + "?example=memberships")
    wait_for_results(page)
    links = page.eval_on_selector_all("#download-links a", "as => as.map(a => [a.dataset.format, a.getAttribute('href')])")
    assert [f for f, _ in links] == ["csv", "tsv", "json", "xml"]
    res = page.request.get(server + dict(links)["csv"].lstrip("/"))
    assert res.status == 200 and res.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(res.text())))
    assert {(r["member"], r["organisation"]) for r in table} == memberships_in_files()
    type_query(page, "CONSTRUCT { ?s a kz:State } WHERE { ?s a kz:State }")
    run_and_wait(page)
    links = page.eval_on_selector_all("#download-links a", "as => as.map(a => [a.dataset.format, a.getAttribute('href')])")
    assert [f for f, _ in links] == ["ttl", "nt", "jsonld"]
    res = page.request.get(server + dict(links)["ttl"].lstrip("/"))
    assert res.headers["content-type"].startswith("text/turtle")
    assert {t.subject.value for t in ox.parse(res.body(), format=ox.RdfFormat.TURTLE)} == states_in_files()
    assert not page.problems, page.problems


def test_prefix_completion_offers_the_projects_prefixes(page, server):
    open_page(page, server)
    type_query(page, "")
    page.keyboard.type("PREFIX kz")
    page.wait_for_selector(".CodeMirror-hints li")
    hints = page.eval_on_selector_all(".CodeMirror-hints li", "els => els.map(e => e.textContent)")
    assert hints[0] == "kz: <https://w3id.org/kzlod/ontology#>"
    assert "kzsrc: <https://w3id.org/kzlod/id/source/>" in hints and all(h.startswith("kz") for h in hints)
    page.keyboard.press("Enter")
    assert editor_text(page) == "PREFIX kz: <https://w3id.org/kzlod/ontology#>"
    # a prefix used without its declaration gets one
    page.keyboard.press("Enter")
    page.keyboard.type("SELECT * WHERE { ?claim oa:")
    page.wait_for_function("() => document.getElementById('query').value.includes('PREFIX oa: <http://www.w3.org/ns/oa#>')")
    assert not page.problems, page.problems


def test_a_parameter_completes_by_label(page, server):
    open_page(page, server + "?example=entity")
    assert page.get_attribute("#results", "data-state") is None  # a required parameter is missing: nothing ran
    assert "Give entity" in page.text_content("#error")
    page.click("#param-entity")
    page.keyboard.type("Kazak")
    page.wait_for_selector("#param-entity-options li[data-id='kzd:kazakhstan']")
    first = page.locator("#param-entity-options li").first
    assert first.get_attribute("data-id") == "kzd:kazakhstan" and "Kazakhstan" in first.text_content()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#param-entity") == "kzd:kazakhstan"
    page.click("#run-example")
    page.wait_for_url(re.compile(r"\?example=entity&entity=kzd%3Akazakhstan$"))
    page.wait_for_selector("#workbench[data-ready=true]")
    wait_for_results(page)
    rows = result_rows(page)
    assert rows and all(row["entity"]["links"] == ["/id/kazakhstan"] for row in rows)
    assert not page.problems, page.problems


def test_follow_links_from_results_to_entities(page, server):
    open_page(page, server + "?example=memberships")
    wait_for_results(page)
    page.click("#results a[href='/id/armenia']")
    page.wait_for_url(re.compile(r"/id/armenia$"))
    assert page.text_content("h1") == "Armenia"
    page.click("a[href='/id/csto']")
    page.wait_for_url(re.compile(r"/id/csto$"))
    assert page.text_content("h1") == "Collective Security Treaty Organization"
    assert page.locator("a[href='/id/armenia']").count() >= 1, "the CSTO's page names its member Armenia"
    assert not page.problems, page.problems


def test_values_and_labels_stay_text(page, server):
    open_page(page, server)
    type_query(page, f"SELECT ?s ?label WHERE {{ BIND (<{KZD}evil> AS ?s) ?s rdfs:label ?label }}")
    run_and_wait(page)
    row = result_rows(page)[0]
    assert row["label"]["text"].startswith(EVIL)  # a literal
    assert row["s"]["text"] == EVIL and row["s"]["links"] == ["/id/evil"]  # a term shown by its label
    assert page.locator("#results img").count() == 0
    assert page.evaluate("() => window.__owned === undefined")
    page.goto(server + "?query=" + urllib.parse.quote("</textarea><script>window.__owned=2</script>"))
    page.wait_for_selector("#workbench[data-ready=true]")
    assert editor_text(page) == "</textarea><script>window.__owned=2</script>"
    assert page.evaluate("() => window.__owned === undefined")
    unexpected = [p for p in page.problems if "400" not in p]  # that text is no query: the endpoint says 400
    assert not unexpected, unexpected


def test_a_shared_link_runs_its_query(page, server):
    page.goto(server + "sparql?query=" + "ASK%20%7B%20kzd%3Aarmenia%20a%20kz%3AState%20%7D")  # a browser at the endpoint
    wait_for_results(page)
    assert page.text_content("#results .booleanResult") == "True"
    assert page.text_content("#status").startswith("yes in")
    assert not page.problems, page.problems
