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
import re
import urllib.parse

import pyoxigraph as ox
from browserkit import (
    BROWSER_MARKS,
    EVIL,
    EX,
    KZD,
    STATES,
    editor_text,
    endpoint_answer,
    fixtures,
    memberships_in_files,
    open_page,
    result_rows,
    run_and_wait,
    states_in_files,
    type_query,
    wait_for_results,
)

pytestmark = BROWSER_MARKS
server, browser, page = fixtures()


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
    # sortable: by a column (its terms by the labels shown), then the other way
    page.click("#results table.dataTable thead th:has-text('organisation')")
    labels = [row["organisation"]["text"] for row in result_rows(page)]
    assert labels == sorted(labels)
    page.click("#results table.dataTable thead th:has-text('organisation')")
    labels = [row["organisation"]["text"] for row in result_rows(page)]
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
    links = page.eval_on_selector_all("#download-links a",
                                      "as => as.map(a => [a.dataset.format, a.getAttribute('href')])")
    assert [f for f, _ in links] == ["csv", "tsv", "json", "xml"]
    res = page.request.get(server + dict(links)["csv"].lstrip("/"))
    assert res.status == 200 and res.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(res.text())))
    assert {(r["member"], r["organisation"]) for r in table} == memberships_in_files()
    type_query(page, "CONSTRUCT { ?s a kz:State } WHERE { ?s a kz:State }")
    run_and_wait(page)
    links = page.eval_on_selector_all("#download-links a",
                                      "as => as.map(a => [a.dataset.format, a.getAttribute('href')])")
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
    # the project's own prefix, which the endpoint does not predeclare, gets a declaration when used
    page.keyboard.press("Enter")
    page.keyboard.type(f"SELECT * WHERE {{ ?claim {EX[0]}:")
    page.wait_for_function(f"() => document.getElementById('query').value.includes('PREFIX {EX[0]}: <{EX[1]}>')")
    # a predeclared one needs none
    type_query(page, "SELECT * WHERE { ?claim oa:")
    page.wait_for_timeout(500)
    assert editor_text(page) == "SELECT * WHERE { ?claim oa:"
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
    page.click("#run")  # the one run control binds the example's parameter
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
    # a browser at the endpoint
    page.goto(server + "sparql?query=" + "ASK%20%7B%20kzd%3Aarmenia%20a%20kz%3AState%20%7D")
    wait_for_results(page)
    assert page.text_content("#results .booleanResult") == "True"
    assert page.text_content("#status").startswith("yes in")
    assert not page.problems, page.problems
