"""What the browser tests share: ``kzlod serve`` on a free 127.0.0.1 port, Debian's Chromium driven by
Playwright, a page that records every problem (script errors, dialogs, requests to other servers,
anything the Content-Security-Policy blocks), and helpers for the query page.

A plain helper module (not a conftest): a test module makes its fixtures with
``server, browser, page = fixtures()`` and takes ``BROWSER_MARKS`` as its ``pytestmark`` (skipped
where Chromium or Playwright is missing). The server serves a copy of this checkout's project
whose ``kzlod.toml`` adds a prefix of its own, ``ex:``, which the endpoint does not predeclare,
and a label that is markup (``EVIL``).
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import copy_project
from servers import start_kzlod, stop_kzlod

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KZLOD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
KZD = "https://w3id.org/kzlod/id/"
ORG = "http://www.w3.org/ns/org#"
EVIL = '<img src=x onerror="window.__owned=1">'
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
STATES = "SELECT ?s WHERE { ?s a kz:State } ORDER BY ?s"
#: The served project's own prefix, not one the endpoint predeclares.
EX = ("ex", "http://example.org/ns#")

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

BROWSER_MARKS = [
    pytest.mark.browser,
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


@pytest.fixture(scope="module", name="server")
def _server(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("project"))
    toml = project / "kzlod.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[prefixes]\n", f'[prefixes]\n{EX[0]} = "{EX[1]}"\n'),
                    encoding="utf-8")
    evil = tmp_path_factory.mktemp("data") / "evil.ttl"
    label = EVIL.replace(chr(34), chr(92) + chr(34))
    evil.write_text(f'<{KZD}evil> <http://www.w3.org/2000/01/rdf-schema#label> "{label}"@en .\n', encoding="utf-8")
    proc, url, _port = start_kzlod("--project", str(project), "--data", str(evil))
    yield url
    stop_kzlod(proc)


@pytest.fixture(scope="module", name="browser")
def _browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture(name="page")
def _page(browser):
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


def fixtures():
    """The fixtures ``server``, ``browser`` and ``page``, for a test module to hold."""
    return _server, _browser, _page


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
