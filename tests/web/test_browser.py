"""The query page and entity pages in a real headless Chromium (Debian's, driven by Playwright).

Starts ``kzlod serve`` on a free 127.0.0.1 port, picks a named query, runs it,
reads the table, follows links between entities, and checks that hostile
values stay text. Skipped when Chromium or Playwright is missing here;
``.ci/run`` installs both.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KZLOD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
KZD = "https://w3id.org/kzlod/id/"
ORG = "http://www.w3.org/ns/org#"
EVIL = '<img src=x onerror="window.__owned=1">'

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
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.problems = []
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(msg.text))
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("dialog", lambda dialog: (page.problems.append("dialog: " + dialog.message), dialog.dismiss()))
    yield page
    context.close()


def open_query_page(page, url):
    page.goto(url)
    page.wait_for_selector("#query-form[data-ready=true]")


def table_rows(page) -> list[list[dict]]:
    """Each row's cells: their text and their links."""
    return page.eval_on_selector_all("#results table tbody tr", """rows => rows.map(tr =>
        Array.from(tr.cells).map(td => ({text: td.textContent,
            links: Array.from(td.querySelectorAll('a')).map(a => a.getAttribute('href'))})))""")


def test_pick_a_named_query_run_it_and_see_the_rows(page, server):
    open_query_page(page, server)
    page.select_option("#example", "conflicts")
    assert "SELECT" in page.input_value("#query")
    page.select_option("#example", "memberships")
    assert "kz:Membership" in page.input_value("#query")
    assert page.text_content("#example-description").strip()
    page.click("#run")
    page.wait_for_selector("#results table tbody tr")
    rows = table_rows(page)
    headers = page.eval_on_selector_all("#results table thead th", "ths => ths.map(th => th.textContent)")
    member, organisation = headers.index("member"), headers.index("organisation")
    shown = {(row[member]["links"][0], row[organisation]["links"][0]) for row in rows}
    expected = {("/id/" + m[len(KZD):], "/id/" + o[len(KZD):]) for m, o in memberships_in_files()}
    assert expected and shown == expected
    assert ("/id/armenia", "/id/csto") in shown  # Armenia's memberships include the CSTO
    assert re.match(rf"{len(rows)} rows? in", page.text_content("#status"))
    csv_link = page.get_attribute("#download-links a[data-format=csv]", "href")
    assert csv_link.startswith("/sparql?") and "format=csv" in csv_link
    assert "query=" in page.url  # the URL now holds the query: a link to these results
    assert not page.problems, page.problems


def test_follow_links_from_results_to_entities(page, server):
    open_query_page(page, server)
    page.click("#run")  # the prefilled memberships query
    page.wait_for_selector("#results table tbody tr")
    page.click("#results a[href='/id/armenia']")
    page.wait_for_url(re.compile(r"/id/armenia$"))
    assert page.text_content("h1") == "Armenia"
    page.click("a[href='/id/csto']")
    page.wait_for_url(re.compile(r"/id/csto$"))
    assert page.text_content("h1") == "Collective Security Treaty Organization"
    assert page.locator("a[href='/id/armenia']").count() >= 1, "the CSTO's page names its member Armenia"
    assert not page.problems, page.problems


def test_values_and_errors_stay_text(page, server):
    open_query_page(page, server)
    page.fill("#query", f"SELECT ?label WHERE {{ <{KZD}evil> rdfs:label ?label }}")
    page.click("#run")
    page.wait_for_selector("#results table tbody tr")
    assert table_rows(page)[0][0]["text"].startswith(EVIL)
    assert page.locator("#results img").count() == 0
    assert page.evaluate("window.__owned === undefined")
    page.fill("#query", "SELECT ?x WHERE { <oops")
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])")
    assert page.text_content("#error").startswith("Error 400: bad SPARQL")
    page.goto(server + "?query=" + "%3C%2Ftextarea%3E%3Cscript%3Ewindow.__owned%3D2%3C%2Fscript%3E")
    page.wait_for_selector("#query-form[data-ready=true]")
    assert page.input_value("#query") == "</textarea><script>window.__owned=2</script>"
    assert page.evaluate("window.__owned === undefined")
    unexpected = [p for p in page.problems if "400" not in p]  # the failed fetch of the bad query is logged
    assert not unexpected, unexpected


def test_a_shared_link_runs_its_query(page, server):
    page.goto(server + "sparql?query=" + "ASK%20%7B%20kzd%3Aarmenia%20a%20kz%3AState%20%7D")  # a browser at the endpoint
    page.wait_for_selector("#results .boolean")
    assert page.text_content("#results .boolean") == "yes"
    assert not page.problems, page.problems
