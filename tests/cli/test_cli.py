"""The command line, driven through click's CliRunner: real behaviour and every bad-input path."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kzlod.cli import cli

ROOT = Path(__file__).resolve().parents[2]
KZD = "https://w3id.org/kzlod/id/"

REQUIRED_QUERIES = {"memberships", "strained-relations", "eu-agreements", "competitors", "events",
                    "conflicts", "uncovered", "entity"}


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


# --- queries ------------------------------------------------------------------

def test_queries_json_lists_name_title_description():
    res = run("queries", "--format", "json")
    assert res.exit_code == 0
    items = json.loads(res.stdout)
    names = {q["name"] for q in items}
    assert REQUIRED_QUERIES <= names
    for q in items:
        assert q["title"] and q["description"], q["name"]


def test_queries_text_shows_titles():
    res = run("queries")
    assert res.exit_code == 0
    assert "memberships" in res.output and "--param entity" in res.output


def test_named_query_memberships_csv():
    res = run("query", "memberships", "--format", "csv")
    assert res.exit_code == 0, res.output
    text = res.stdout
    rows = csv_rows(text)
    assert rows
    armenia = {r[k] for r in rows for k in r if r[k] == KZD + "armenia"}
    assert armenia, "Armenia's memberships are stated in the source"
    orgs_of_armenia = {v for r in rows if KZD + "armenia" in r.values() for v in r.values() if v.startswith(KZD)}
    assert {KZD + "eaeu", KZD + "csto", KZD + "cis"} <= orgs_of_armenia


def test_query_string_json_results_format():
    res = run("query", "SELECT ?s WHERE { ?s a kz:State } ORDER BY ?s", "--format", "json")
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["head"]["vars"] == ["s"]
    states = [b["s"]["value"] for b in doc["results"]["bindings"]]
    assert KZD + "kazakhstan" in states and KZD + "armenia" in states
    assert all(b["s"]["type"] == "uri" for b in doc["results"]["bindings"])


def test_query_results_parse_in_pyoxigraph_in_every_format():
    q = "SELECT ?s ?label WHERE { ?s a kz:State ; rdfs:label ?label } ORDER BY ?s"
    counts = {}
    for fmt, oxfmt in (("json", ox.QueryResultsFormat.JSON), ("xml", ox.QueryResultsFormat.XML),
                       ("tsv", ox.QueryResultsFormat.TSV)):
        res = run("query", q, "--format", fmt)
        assert res.exit_code == 0
        counts[fmt] = len(list(ox.parse_query_results(res.stdout.encode(), format=oxfmt)))
    counts["csv"] = len(csv_rows(run("query", q, "--format", "csv").stdout))  # CSV results are lossy: no parser
    assert len(set(counts.values())) == 1 and counts["json"] >= 5


def test_xml_results_are_sparql_xml():
    res = run("query", "ASK { kzd:kazakhstan a kz:State }", "--format", "xml")
    root = ET.fromstring(res.stdout)
    assert root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"


def test_table_shows_labels_and_iris_on_request():
    res = run("query", "SELECT ?s WHERE { BIND(kzd:kazakhstan AS ?s) }", "--format", "table")
    assert res.exit_code == 0
    assert res.stdout.splitlines()[2].strip() == "Kazakhstan" and "kzd:kazakhstan" not in res.stdout
    assert "1 row" in res.output
    iris = run("query", "SELECT ?s WHERE { BIND(kzd:kazakhstan AS ?s) }", "--format", "table", "--iris")
    assert "kzd:kazakhstan (Kazakhstan)" in iris.stdout


def test_query_from_rq_file_and_stdin(tmp_path):
    q = "SELECT ?l WHERE { kzd:belarus rdfs:label ?l }"
    f = tmp_path / "q.rq"
    f.write_text(q, encoding="utf-8")
    a = run("query", str(f), "--format", "csv")
    b = run("query", "-", "--format", "csv", input=q)
    assert a.exit_code == b.exit_code == 0
    assert a.output == b.output
    assert "Belarus" in a.output


def test_param_binds_a_variable():
    q = "SELECT ?l WHERE { ?e rdfs:label ?l }"
    res = run("query", q, "--param", "e", "kzd:kyrgyzstan", "--format", "csv")
    assert res.exit_code == 0
    assert csv_rows(res.stdout) == [{"l": "Kyrgyzstan"}]


def test_entity_query_with_param():
    res = run("query", "entity", "--param", "entity", "kzd:belarus", "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["results"]["bindings"]


def test_construct_outputs_rdf_in_each_format():
    q = "CONSTRUCT { ?s a kz:State } WHERE { ?s a kz:State }"
    n = {}
    for fmt, oxfmt in (("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES), ("jsonld", ox.RdfFormat.JSON_LD)):
        res = run("query", q, "--format", fmt)
        assert res.exit_code == 0
        n[fmt] = len(list(ox.parse(res.stdout.encode(), format=oxfmt)))
    assert n["ttl"] == n["nt"] == n["jsonld"] >= 5


def test_data_option_adds_a_file(tmp_path):
    f = tmp_path / "extra.ttl"
    f.write_text('<https://example.org/x> <http://www.w3.org/2000/01/rdf-schema#label> "Extra thing"@en .\n')
    res = run("query", 'SELECT ?s WHERE { ?s rdfs:label "Extra thing"@en }', "--data", str(f), "--format", "csv")
    assert res.exit_code == 0
    assert "https://example.org/x" in res.output


def test_inferred_adds_the_owl_rl_closure():
    q = "ASK { kzd:kazakhstan a prov:Agent }"
    plain = run("query", q, "--format", "csv")
    inferred = run("query", q, "--format", "csv", "--inferred")
    assert plain.output.splitlines()[1] == "false"
    assert inferred.output.splitlines()[1] == "true"
    assert list(Path(os.environ["KZLOD_CACHE_DIR"]).glob("closure/*.nt")), "the closure is cached"


@pytest.mark.slow
def test_cold_cache_then_warm_closure_matches_blank_nodes_of_a_fresh_load(cold_cache):
    """The one cold-cache test of the command line: the first process computes the closure into an
    empty cache, the next ones read it. Evidence nodes are blank; their inferred types must survive
    the cache (a new process, a new parse)."""
    env = dict(os.environ, KZLOD_CACHE_DIR=str(cold_cache))
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?e a kz:Evidence , oa:SpecificResource }"
    asserted = "SELECT (COUNT(*) AS ?n) WHERE { ?e a kz:Evidence }"
    counts = []
    for query in (q, q, asserted):
        res = subprocess.run([sys.executable, "-m", "kzlod", "query", query, "--inferred", "--format", "csv"],
                             capture_output=True, text=True, cwd=ROOT, env=env)
        assert res.returncode == 0, res.stderr
        counts.append(int(res.stdout.splitlines()[1]))
    assert counts[0] == counts[1] == counts[2] > 0
    assert len(list(cold_cache.glob("closure/*.nt"))) == 1, "computed once, then read from the cache"


# --- query errors ---------------------------------------------------------------

@pytest.mark.parametrize("args, code, message", [
    (["query", "no-such-query"], 2, "unknown named query 'no-such-query'"),
    (["query", "membership"], 2, "Did you mean: memberships"),
    (["query", "SELECT ?s WHERE { ?s ?p }"], 1, "bad SPARQL at line 1"),
    (["query", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"], 1, "SERVICE is refused"),
    (["query", "INSERT DATA { <http://a> <http://b> <http://c> }"], 1, "updates are refused"),
    (["query", "missing-file.rq"], 3, "missing-file.rq: no such file"),
    (["query", "memberships", "--format", "ttl"], 2, "--format ttl is for CONSTRUCT/DESCRIBE"),
    (["query", "CONSTRUCT WHERE { ?s a kz:State }", "--format", "csv"], 2, "--format csv is for SELECT/ASK"),
    (["query", "entity", "--param", "nope", "x"], 2, "has no parameter 'nope'"),
    (["query", "memberships", "--data", "missing.ttl"], 3, "missing.ttl: no such file"),
    (["query", "memberships", "--store", "nowhere"], 2, "unknown store 'nowhere'"),
    (["query", "memberships", "--endpoint", "ftp://x"], 2, "endpoint must be an http(s) URL"),
    (["query", "-"], 3, "no query given on standard input"),
])
def test_query_errors(args, code, message):
    res = run(*args, input="")
    assert res.exit_code == code, res.output
    assert message in res.output
    assert "Traceback" not in res.output


def test_syntax_error_in_data_file_names_file_line_column(tmp_path):
    f = tmp_path / "bad.ttl"
    f.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b <bad iri> .\n")
    res = run("query", "memberships", "--data", str(f))
    assert res.exit_code == 3
    assert f"{f}:3:11:" in res.output and "syntax error" in res.output


def test_query_timeout_is_reported(tmp_path):
    q = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p1 ?b . ?c ?p2 ?d . ?e ?p3 ?f . ?g ?p4 ?h }")
    res = run("query", q, "--timeout", "0.2")
    assert res.exit_code == 1
    assert "timed out after 0.2 s" in res.output


def test_max_rows_caps_results():
    res = run("query", "SELECT ?s WHERE { ?s ?p ?o }", "--max-rows", "5", "--format", "csv")
    assert res.exit_code == 0
    assert len(csv_rows(res.stdout)) == 5
    assert "result cut at 5 rows" in res.stderr


# --- validate ---------------------------------------------------------------------

def test_validate_bundled_graph_conforms(tmp_path, monkeypatch):
    res = run("validate")
    assert res.exit_code == 0, res.output
    assert "conforms" in res.output.splitlines()[-1]


BAD_RELATION = """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

kzd:relation-kazakhstan-mongolia a kz:BilateralRelation ;
    rdfs:label "Kazakhstan–Mongolia relation"@en ;
    kz:party kzd:kazakhstan .
"""


def test_validate_new_file_reports_only_its_faults(tmp_path, monkeypatch):
    f = tmp_path / "new.ttl"
    f.write_text(BAD_RELATION)
    res = run("validate", str(f))
    assert res.exit_code == 1
    assert f"{f}:5: kzd:relation-kazakhstan-mongolia" in res.output
    assert "Violation" in res.output and "kz:party" in res.output
    assert "does not conform" in res.output
    data = json.loads(run("validate", str(f), "--format", "json").stdout)
    assert data["conforms"] is False
    assert {r["focus"] for r in data["results"]} == {KZD + "relation-kazakhstan-mongolia"}
    assert set(data["results"][0]) == {"severity", "focus", "focusLabel", "path", "value", "message", "shape",
                                       "file", "line"}


def test_validate_ttl_report_is_a_shacl_report(tmp_path, monkeypatch):
    f = tmp_path / "new.ttl"
    f.write_text(BAD_RELATION)
    res = run("validate", str(f), "--format", "ttl")
    g = list(ox.parse(res.stdout.encode(), format=ox.RdfFormat.TURTLE))
    assert any(q.object == ox.NamedNode("http://www.w3.org/ns/shacl#ValidationReport") for q in g)


def test_validate_output_is_deterministic(tmp_path, monkeypatch):
    f = tmp_path / "new.ttl"
    f.write_text(BAD_RELATION)
    assert run("validate", str(f)).output == run("validate", str(f)).output


def test_validate_reports_syntax_errors_of_every_file(tmp_path):
    a, b = tmp_path / "a.ttl", tmp_path / "b.nt"
    a.write_text("<http://a> <http://b> .\n")
    b.write_text('<http://a> <http://b> "x" .\n<http://a> <http://b> "unterminated .\n')
    res = run("validate", str(a), str(b))
    assert res.exit_code == 3
    assert f"{a}:1:" in res.output and f"{b}:2:" in res.output


CLASH = """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
kzd:kazakhstan a kz:Person .
"""


def test_reason_explains_a_clash(tmp_path, monkeypatch):
    f = tmp_path / "clash.ttl"
    f.write_text(CLASH)
    res = CliRunner().invoke(cli, ["reason", "--data", str(f)])
    assert res.exit_code == 1
    assert "inconsistent:" in res.output and "Kazakhstan" in res.output and "disjoint" in res.output


def test_reason_prints_only_inferred_triples(tmp_path, monkeypatch):
    out = tmp_path / "inferred.nt"
    res = run("reason", "--format", "nt", "--out", str(out))
    assert res.exit_code == 0, res.output
    inferred = {str(q.triple) for q in ox.parse(path=str(out), format=ox.RdfFormat.N_TRIPLES)}
    assert inferred
    asserted = run("query", "CONSTRUCT WHERE { ?s ?p ?o }", "--format", "nt").output
    asserted = {str(q.triple) for q in ox.parse(asserted.encode(), format=ox.RdfFormat.N_TRIPLES)}
    assert not inferred & {t for t in asserted if "_:" not in t}
    for q in ox.parse(path=str(out), format=ox.RdfFormat.N_TRIPLES):
        assert not isinstance(q.subject, ox.Literal)


# --- describe, stats ----------------------------------------------------------------

def test_describe_by_label_and_alt_label():
    by_label = run("describe", "Armenia")
    assert by_label.exit_code == 0, by_label.output
    assert "kz:State" in by_label.output and "Q399" in by_label.output
    assert '"' in by_label.output  # quotes from the source
    card = json.loads(run("describe", "CSTO", "--format", "json").stdout)
    assert card["iri"] == KZD + "csto"
    assert any(c["evidence"] for c in card["claims"])


def test_describe_unknown_entity():
    res = run("describe", "Atlantis")
    assert res.exit_code == 2
    assert "no entity named 'Atlantis'" in res.output


def test_stats_counts():
    res = run("stats", "--format", "json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["triples"] > 1000
    sections = {r["section"] for r in data["claims"] if r["section"]}
    assert len(sections) == 5
    states = [r for r in data["classes"] if r["class"] == "kz:State"]
    # Kazakhstan, Russia, Armenia, Belarus, Kyrgyzstan, China, Ukraine, Azerbaijan
    assert states and states[0]["entities"] == 8
    # every claim and event of the statement table, counted once, by kind and by source
    rows = csv_rows(run("query", "claims", "--format", "csv").stdout)
    assert data["claimCount"] + data["eventCount"] == len({r["claim"] for r in rows})
    assert sum(k["count"] for k in data["kinds"]) == data["claimCount"] + data["eventCount"]
    assert {s["source"] for s in data["sources"]} == {r["sourceTitle"] for r in rows}
    # the ontology's bookkeeping apart, after what the sources say
    assert not [c for c in data["classes"] if c["class"].startswith(("owl:", "skos:Concept"))]
    text = run("stats").stdout
    assert text.startswith(f"claims: {data['claimCount']}, events: {data['eventCount']}\n\nclaims by kind:\n")
    assert text.index("ontology: ") > text.index("entities by class:")


# --- help, module entry point --------------------------------------------------------

@pytest.mark.parametrize("command", ["query", "queries", "validate", "add", "reason", "describe", "fmt", "stats"])
def test_every_command_has_help_with_an_example(command):
    res = run(command, "--help")
    assert res.exit_code == 0
    assert "Example" in res.output and f"kzlod {command}" in res.output


def test_python_m_kzlod_runs():
    res = subprocess.run([sys.executable, "-m", "kzlod", "query", "ASK { ?s a kz:State }", "--format", "csv"],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0
    assert res.stdout.splitlines() == ["boolean", "true"]


def test_no_traceback_on_unreadable_input(tmp_path):
    f = tmp_path / "x.ttl"
    f.write_bytes(b"\xff\xfe<a> <b> <c> .")
    res = subprocess.run([sys.executable, "-m", "kzlod", "validate", str(f)], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 3
    assert "Traceback" not in res.stderr and "invalid UTF-8" in res.stderr


# --- fmt ----------------------------------------------------------------------------

def test_every_turtle_file_of_the_project_is_canonical():
    res = run("fmt", "--check", "--project", str(ROOT))
    assert res.exit_code == 0, res.output
    assert res.stdout == ""


def test_fmt_check_then_rewrite(tmp_path):
    f = tmp_path / "x.ttl"
    original = ('@prefix ex: <http://example.org/> .\n'
                'ex:b ex:p "0042"^^<http://www.w3.org/2001/XMLSchema#integer> . ex:a ex:p ex:b .\n')
    f.write_text(original)
    res = run("fmt", "--check", str(f))
    assert res.exit_code == 1 and "would reformat" in res.stdout
    assert f.read_text() == original
    assert run("fmt", str(f)).exit_code == 0
    text = f.read_text()
    assert text.index("ex:a") < text.index("ex:b ") and "0042" in text
    assert run("fmt", "--check", str(f)).exit_code == 0
    assert run("fmt", str(f)).stdout == ""


def test_fmt_refuses_bad_turtle_without_touching_it(tmp_path):
    f = tmp_path / "bad.ttl"
    f.write_text("@prefix ex: <http://example.org/> .\nex:a ex:p .\n")
    res = run("fmt", str(f))
    assert res.exit_code == 3
    assert str(f) in res.output and ":2:" in res.output
    assert f.read_text() == "@prefix ex: <http://example.org/> .\nex:a ex:p .\n"


@pytest.mark.slow
def test_the_whole_python_api_example_of_the_docs_runs(tmp_path):
    """The example of docs/python-api.md, run as it stands in a fresh interpreter, in a folder holding
    the new-facts.ttl and the kz-store it names (``kzlod.query`` stays the API function after other
    modules are imported: no submodule shadows it)."""
    import re

    doc = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
    code = re.search(r"^# Python API.*?^```python\n(.*?)^```", doc, re.M | re.S).group(1)
    (tmp_path / "new-facts.ttl").write_text(
        "@prefix kz: <https://w3id.org/kzlod/ontology#> .\n@prefix kzd: <https://w3id.org/kzlod/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ; kz:iso3166Alpha2 "MN" ; kz:iso3166Alpha3 "MNG" .\n')
    env = {k: v for k, v in os.environ.items() if k != "KZLOD_PROJECT"}
    subprocess.run([sys.executable, "-m", "kzlod", "-q", "load", "--store", "oxigraph:kz-store"], cwd=tmp_path,
                   env=env, check=True, capture_output=True)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert "Armenia Collective Security Treaty Organization" in lines and lines[-1] == "True"


def test_a_file_name_with_a_newline_keeps_its_error_on_one_line(tmp_path):
    """Regression: a file name containing a newline split the file:line error in two."""
    bad = tmp_path / "bad\nname.ttl"
    bad.write_text("@prefix kzd: <https://w3id.org/kzlod/id/> .\nkzd:x kzd:y .\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["-q", "validate", str(bad)])
    assert res.exit_code == 3
    assert res.stderr.splitlines() == [
        f"Error: {tmp_path}/bad\\nname.ttl:2:13: syntax error: . is not a valid RDF object"]


def test_describe_of_a_source_counts_its_parts_and_does_not_print_its_text():
    res = run("describe", "kzsrc:foreign-policy")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[2:4] == ["types:        kz:SourceDocument", "parts:        5 kz:Section, 29 kz:Sentence"]
    text = next(line for line in lines if line.startswith("  kz:text "))
    assert text.endswith(" characters)") and len(text) < 120
    assert "sentence/1 dcterms:isPartOf" not in res.stdout and len(lines) < 20
    whole = json.loads(run("describe", "kzsrc:foreign-policy", "--format", "json").stdout)
    assert whole["parts"] == {"kz:Section": 5, "kz:Sentence": 29}  # JSON keeps every value whole
    assert any(len(f["value"]) > 4000 for f in whole["out"] if f["property"] == "kz:text")
