"""The served pages as a person meets them in Debian's Chromium (Playwright): each fix of the web polish
pass (issue 23) seen in the browser, with the page watched for script errors, requests to other
servers and anything its Content-Security-Policy blocks.

The editor knows the predeclared prefixes; "Service description" is a page; the map's edge labels
fit their boxes; the results table has whole headers, padded cells, numbers right-aligned, a term
and its label in one link, one run control; a 404 is a page linking what was meant; entity RDF
declares only the prefixes it writes; the entities are grouped by kind, States first, and the
claims counted; a search shows each snippet once and suggests for a misspelling; the query page
says which terms of the project the graph lacks. Expected values come from the data files or from
the endpoint itself, outside the browser.
"""

from __future__ import annotations

import csv
import io
import re
import urllib.parse

import pyoxigraph as ox
from browserkit import (
    BROWSER_MARKS,
    EX,
    KZD,
    editor_text,
    fixtures,
    open_page,
    result_rows,
    run_and_wait,
    states_in_files,
    type_query,
    wait_for_results,
)

pytestmark = BROWSER_MARKS
server, browser, page = fixtures()


def quoted(query: str) -> str:
    return urllib.parse.quote(query, safe="")


def endpoint_csv(page, server, query: str) -> list[dict]:
    """The rows the endpoint itself gives for ``query``, as CSV."""
    res = page.request.get(server + "sparql?" + urllib.parse.urlencode({"query": query, "format": "csv"}))
    assert res.status == 200, res.text()
    return list(csv.DictReader(io.StringIO(res.text())))


# --- the editor -----------------------------------------------------------------------------------

def test_a_query_using_a_predeclared_prefix_shows_no_error_marker(page, server):
    """Regression: a valid query using kz: without a PREFIX line showed a red error marker."""
    open_page(page, server + "?query="
              + quoted("SELECT * WHERE { ?s a kz:State ; rdfs:label ?l ; skos:exactMatch ?w }"))
    wait_for_results(page)
    page.wait_for_timeout(300)  # the syntax check runs after a change
    assert page.locator("#workbench .parseErrorIcon").count() == 0
    # a prefix neither declared nor predeclared is marked, as before
    type_query(page, "SELECT * WHERE { ?s a nope:State }")
    page.wait_for_selector("#workbench .parseErrorIcon")
    # the project's own prefix, which the endpoint does not predeclare, is marked until declared
    type_query(page, f"SELECT * WHERE {{ ?s a {EX[0]}:Thing }}")
    page.wait_for_selector("#workbench .parseErrorIcon")
    type_query(page, f"PREFIX {EX[0]}: <{EX[1]}>\nSELECT * WHERE {{ ?s a {EX[0]}:Thing }}")
    page.wait_for_function("() => !document.querySelector('#workbench .parseErrorIcon')")
    assert not page.problems, page.problems


# --- the service description ------------------------------------------------------------------------

def test_the_service_description_in_the_navigation_is_a_page_of_its_own(page, server):
    """Regression: "Service description" landed back on the query page."""
    page.goto(server + "entities")
    page.click("header nav a:has-text('Service description')")
    page.wait_for_url(server + "sparql")
    assert page.text_content("h1") == "The SPARQL endpoint"
    assert page.locator("#workbench").count() == 0
    turtle = page.text_content("pre.turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoints = [t.object.value for t in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)
                 if t.predicate.value == sd + "endpoint"]
    assert endpoints == [server + "sparql"]
    assert page.get_attribute("header nav a[href='/sparql']", "aria-current") == "page"
    assert not page.problems, page.problems


# --- the map ------------------------------------------------------------------------------------------

def test_every_map_label_fits_its_box_and_loses_no_line(page, server):
    """Regression: an edge label's last line was dropped ("…mistrustful," without "tense)")."""
    page.goto(server + "map")
    boxes = page.evaluate("""() => Array.from(
        document.querySelectorAll('svg.relmap .edge-labels > *, svg.relmap .nodes > *'))
      .map(g => {
        const rect = g.querySelector('rect').getBBox();
        const texts = Array.from(g.querySelectorAll('text'));
        return {href: g.getAttribute('href'), text: texts.map(t => t.textContent).join(' '),
                rect: [rect.x, rect.y, rect.width, rect.height],
                lines: texts.map(t => { const b = t.getBBox(); return [b.x, b.y, b.width, b.height]; })};
      })""")
    assert len(boxes) > 10
    for box in boxes:
        x, y, w, h = box["rect"]
        for lx, ly, lw, lh in box["lines"]:
            assert x <= lx and lx + lw <= x + w, (box["text"], "wider than its box")
            assert y <= ly + 1 and ly + lh <= y + h + 1, (box["text"], "outside its box")
    listed = {a.get_attribute("href"): a.text_content() for a in page.locator("ul.map-list li a:nth-of-type(3)").all()}
    edges = [box for box in boxes if box["href"] in listed]
    assert edges and all(box["text"] == listed[box["href"]] for box in edges)  # every word of every label
    assert any(box["text"].endswith("mistrustful, tense)") for box in edges)
    assert not page.problems, page.problems


# --- the results table ----------------------------------------------------------------------------------

def gaps(page, left: str, right: str) -> list[float]:
    """For each row, the room between the end of column ``left``'s text and the start of ``right``'s."""
    return page.evaluate("""([left, right]) => {
        const heads = Array.from(document.querySelectorAll('#results table.dataTable thead th'))
            .map(th => th.textContent.trim());
        const [a, b] = [heads.indexOf(left), heads.indexOf(right)];
        const extent = (cell) => { const r = document.createRange(); r.selectNodeContents(cell.firstChild || cell);
                                   return r.getBoundingClientRect(); };
        return Array.from(document.querySelectorAll('#results table.dataTable tbody tr'))
          .filter(tr => tr.cells[a].textContent && tr.cells[b].textContent)
          .map(tr => extent(tr.cells[b]).left - extent(tr.cells[a]).right);
    }""", [left, right])


def test_the_results_table_has_whole_headers_padded_cells_and_one_link_per_term(page, server):
    open_page(page, server + "?example=memberships")
    wait_for_results(page)
    if page.locator("#results select.tableSizer").count():
        page.select_option("#results select.tableSizer", "-1")
    heads = page.eval_on_selector_all("#results table.dataTable thead th", """ths => ths.map(th => {
        const r = document.createRange(); r.selectNodeContents(th); const text = r.getBoundingClientRect();
        const box = th.getBoundingClientRect();
        return {text: th.textContent.trim(),
                clipped: th.scrollWidth > th.clientWidth + 1 || text.right > box.right + 1};
    })""")
    # ?memberLabel and ?organisationLabel are the text of the member's and organisation's links, not columns
    assert [h["text"] for h in heads] == [
        "", "member", "organisation", "abbreviation", "sourceTitle", "sentence", "quote"]
    assert not [h["text"] for h in heads if h["clipped"]], "headers cut"
    expected = endpoint_csv(page, server, page.evaluate("() => document.getElementById('query').value"))
    rows = result_rows(page)
    assert len(rows) == len(expected)
    for row in rows:
        for column in ("member", "organisation"):
            cell = row[column]
            assert len(cell["links"]) == 1 and cell["links"][0].startswith("/id/")
            iri = KZD + cell["links"][0][len("/id/"):]
            assert {e[column + "Label"] for e in expected if e[column] == iri} == {cell["text"]}
    padding = page.eval_on_selector("#results table.dataTable tbody td:nth-child(2)",
                                    "td => [getComputedStyle(td).paddingLeft, getComputedStyle(td).paddingRight]")
    assert all(float(p.rstrip("px")) >= 6 for p in padding)
    aligned = page.eval_on_selector_all("#results table.dataTable tbody td:nth-child(6)",
                                        "tds => tds.map(td => getComputedStyle(td).textAlign)")
    assert set(aligned) == {"right"}  # ?sentence: numbers
    assert min(gaps(page, "sentence", "quote")) >= 8 and min(gaps(page, "", "member")) >= 8
    assert not page.problems, page.problems


def test_a_year_does_not_run_into_the_next_column(page, server):
    """Regression: "2017worsened" — a year right against the text of the column after it."""
    open_page(page, server + "?example=strained-relations")
    wait_for_results(page)
    if page.locator("#results select.tableSizer").count():
        page.select_option("#results select.tableSizer", "-1")
    room = gaps(page, "date", "change")
    assert room and min(room) >= 8
    assert not page.problems, page.problems


def test_one_run_control(page, server):
    """Regression: "Run example", "Run" and YASQE's own button, three controls for one thing."""
    open_page(page, server + "?example=entity&entity=kzd:russia")
    wait_for_results(page)
    controls = page.eval_on_selector_all("main button, main input[type=submit]", """bs => bs
        .filter(b => b.offsetParent !== null)
        .filter(b => /run|execute/i.test(b.textContent + ' ' + (b.title || '') + ' ' +
                                         (b.getAttribute('aria-label') || ''))
                     || b.classList.contains('yasqe_queryButton'))
        .map(b => b.id || b.className)""")
    assert controls == ["run"]
    assert page.locator("#workbench .yasqe_queryButton").count() == 0 and page.is_hidden("#run-example")
    page.fill("#param-entity", "kzd:armenia")
    page.click("#run")  # an example with a parameter: bound by the server
    page.wait_for_url(re.compile(r"\?example=entity&entity=kzd%3Aarmenia$"))
    page.wait_for_selector("#workbench[data-ready=true]")
    wait_for_results(page)
    assert all(row["entity"]["text"] == "Armenia" for row in result_rows(page))
    type_query(page, "SELECT ?s WHERE { ?s a kz:State }")
    page.keyboard.press("Control+Enter")  # anything else: run as it stands
    page.wait_for_url(re.compile(r"\?query="))
    wait_for_results(page)
    assert len(result_rows(page)) == len(states_in_files())
    assert not page.problems, page.problems


# --- what was meant -------------------------------------------------------------------------------------

def test_the_query_page_names_the_terms_the_graph_lacks_and_mends_the_query(page, server):
    open_page(page, server)
    type_query(page, "SELECT ?s WHERE { ?s a kz:Stat }")
    run_and_wait(page)
    page.wait_for_selector("#unknown-terms:not([hidden])")
    said = page.text_content("#unknown-terms")
    assert said.startswith("kz:Stat is not in the graph. Did you mean kz:State")
    assert page.text_content("#status").startswith("0 rows")
    page.click("#unknown-terms a.fix:has-text('kz:State')")
    page.wait_for_function("() => document.getElementById('query').value === 'SELECT ?s WHERE { ?s a kz:State }'")
    wait_for_results(page)
    page.wait_for_selector("#unknown-terms[hidden]", state="attached")
    assert {row["s"]["links"][0] for row in result_rows(page)} == {"/id/" + s[len(KZD):] for s in states_in_files()}
    assert not page.problems, page.problems


def test_a_misspelt_parameter_links_what_was_meant(page, server):
    page.goto(server + "?example=entity&entity=Rusia")
    page.wait_for_selector("#workbench[data-ready=true]")
    assert page.text_content("#error").startswith("entity: no entity named 'Rusia'. Did you mean Russia")
    page.click("#near a:has-text('Russia')")
    page.wait_for_url(re.compile(r"entity=kzd%3Arussia$"))
    page.wait_for_selector("#workbench[data-ready=true]")
    wait_for_results(page)
    assert all(row["entity"]["text"] == "Russia" for row in result_rows(page))
    assert f"(<{KZD}russia>)" in editor_text(page)
    unexpected = [p for p in page.problems if "400" not in p]  # the first page's answer was 400
    assert not unexpected, unexpected


def test_a_browsers_404_is_a_page_linking_what_was_meant(page, server):
    response = page.goto(server + "id/russi")
    assert response.status == 404 and response.headers["content-type"].startswith("text/html")
    assert page.text_content("h1") == "Not found"
    page.click("ul.did-you-mean a:has-text('Russia')")
    page.wait_for_url(server + "id/russia")
    assert page.text_content("h1") == "Russia"
    response = page.goto(server + "entitis")
    assert response.status == 404 and page.get_attribute("ul.did-you-mean a", "href") == "/entities"
    unexpected = [p for p in page.problems if "404" not in p]
    assert not unexpected, unexpected


def test_search_shows_each_snippet_once_and_suggests_for_a_misspelling(page, server):
    page.goto(server + "entities")
    page.fill("header form.search input", "Karabahk")
    page.press("header form.search input", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=Karabahk"))
    assert "No hits" in page.text_content("p.no-hits")
    page.click("span.did-you-mean a:has-text('Karabakh')")
    page.wait_for_url(re.compile(r"/search\?q=Karabakh$"))
    hits = page.locator("ol.hits li.hit")
    assert hits.count() == 9
    first = hits.nth(0)
    assert first.locator("a.hit-title mark").text_content() == "Karabakh"
    assert first.locator("p.snippet").count() == 0  # its label matched: shown once, as the title
    texts = [hits.nth(i).inner_text() for i in range(hits.count())]
    for text in texts:
        title = text.split("\n")[0]
        assert text.count(title) == 1, text  # no snippet repeats its title
    assert not page.problems, page.problems


# --- the entities page and entity RDF ---------------------------------------------------------------------

def test_the_entities_page_lists_states_first_and_counts_the_claims(page, server):
    page.goto(server + "entities")
    kinds = page.eval_on_selector_all("main h3[id^='kind-']", "hs => hs.map(h => h.id)")
    assert kinds[0] == "kind-states"
    states = page.eval_on_selector_all("#class-State a", "as => as.map(a => a.getAttribute('href'))")
    assert {"/id/" + s[len(KZD):] for s in states_in_files()} <= set(states)  # kzd:evil is a label only
    rows = page.locator("#claims-by-kind tbody tr")
    assert rows.count() > 5
    name, count = rows.nth(0).locator("td").nth(0).text_content(), int(rows.nth(0).locator("a").text_content())
    rows.nth(0).locator("a").click()
    page.wait_for_url(re.compile(r"/claims\?kind="))
    assert page.locator("ol.claims li.claim-item").count() == count, name
    assert not page.problems, page.problems


def test_entity_rdf_declares_only_what_it_writes_and_speaks_rdf_xml(page, server):
    res = page.request.get(server + "id/source/foreign-policy/sentence/27", headers={"Accept": "text/turtle"})
    text = res.text()
    assert res.status == 200 and "\\/" not in text
    declared = re.findall(r"^@prefix (\w+):", text, re.M)
    body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix"))
    assert declared and all(re.search(rf"(?<![\w<]){p}:", body) for p in declared) and len(declared) < 17
    xml = page.request.get(server + "id/csto", headers={"Accept": "application/rdf+xml"})
    assert xml.status == 200 and xml.headers["content-type"].startswith("application/rdf+xml")
    assert any(t.predicate.value == "http://www.w3.org/ns/org#purpose" or t.subject.value == KZD + "csto"
               for t in ox.parse(xml.body(), format=ox.RdfFormat.RDF_XML))
