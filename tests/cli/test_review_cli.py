"""``kzlod review``, and the grounding check's warnings in ``kzlod validate`` and ``kzlod add``."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import PREFIXES, ROOT, copy_project, graph_files

from kzlod.cli import cli

SOURCE = (ROOT / "data" / "sources" / "foreign-policy.txt").read_text(encoding="utf-8")
QUOTE = "Their strategic partnership spans energy, transportation, and defense"
START = SOURCE.index(QUOTE)
#: A tone whose word the quote does not hold: the case of the invented "close" of sentence 14.
FRIENDLY = PREFIXES + f"""
kzd:tone-kazakhstan-russia-test a kz:ToneAssessment ;
    kz:relation kzd:relation-kazakhstan-russia ;
    kz:tone kz:tone-friendly ;
    kz:modality kz:modality-asserted ;
    kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:foreign-policy ;
        kz:sentence <https://w3id.org/kzlod/id/source/foreign-policy/sentence/14> ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{QUOTE}" ] ,
            [ a oa:TextPositionSelector ; oa:start {START} ; oa:end {START + len(QUOTE)} ] ] .
"""
WARNING = ("kzd:tone-kazakhstan-russia-test kz:tone = kz:tone-friendly: tone 'friendly' is not worded in its "
           "evidence — quote: 'Their strategic partnership spans energy, transportation, and defense'; sentence 14: "
           "\"Their strategic partnership spans energy, transportation, and defense, though Kazakhstan's ties with "
           "the EU also hold significance.\". Labels and synonyms tried: 'friendly'. If the sentence does not state "
           "it, remove the value; if it words it otherwise, declare that synonym (skos:hiddenLabel) on "
           "kz:tone-friendly. [kzsh:Grounding]")


def run(*args):
    return CliRunner().invoke(cli, ["-q", *args], catch_exceptions=False)


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project")


@pytest.fixture
def friendly(tmp_path):
    path = tmp_path / "friendly.ttl"
    path.write_text(FRIENDLY, encoding="utf-8")
    return path


def test_validate_warns_of_a_tone_its_quote_does_not_word(project, friendly):
    res = run("--project", str(project), "validate", str(friendly))
    assert res.exit_code == 0, res.output  # a warning: the data conforms
    assert res.stdout.splitlines()[:2] == [f"{friendly}:10: kzd:tone-kazakhstan-russia-test",
                                           "  Warning " + WARNING.removeprefix("kzd:tone-kazakhstan-russia-test ")]
    report = json.loads(run("--project", str(project), "validate", str(friendly), "--format", "json").stdout)
    (result,) = report["results"]
    assert (result["severity"], result["shape"], result["line"]) == (
        "Warning", "https://w3id.org/kzlod/shapes#Grounding", 10)
    turtle = run("--project", str(project), "validate", str(friendly), "--format", "ttl").stdout
    results = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    shapes = {q.object.value for q in results if q.predicate.value == "http://www.w3.org/ns/shacl#sourceShape"}
    assert shapes == {"https://w3id.org/kzlod/shapes#Grounding"}


def test_add_merges_and_warns_of_the_same_tone(project, friendly):
    res = run("--project", str(project), "add", str(friendly))
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == ["added 15 triples to data/foreign-policy/russia.ttl",
                                       f"warning: {friendly}:10: {WARNING}"]


def test_review_shows_the_tone_not_worded_beside_its_sentence(project, friendly):
    assert run("--project", str(project), "add", str(friendly)).exit_code == 0
    res = run("--project", str(project), "review", "foreign-policy")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    at = lines.index("  kzd:tone-kazakhstan-russia-test  [Tone Assessment, asserted] — not worded")
    sentence = max(i for i in range(at) if lines[i].startswith("sentence "))
    assert lines[sentence].startswith("sentence 14: Their strategic partnership spans energy")
    assert lines[at + 1:at + 4] == [f"    quote: '{QUOTE}'", "    relation: Kazakhstan – Russia",
                                    "    tone: friendly  ← NOT WORDED in its evidence"]
    assert "1 not worded in their evidence" in lines[1]


def test_review_shows_every_claim_of_the_source_with_its_sentence():
    res = run("review", "foreign-policy")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == "kzsrc:foreign-policy — 6. Foreign Policy (Reiter)"
    sentences = [ln for ln in lines if ln.startswith("sentence ")]
    assert [int(ln.split(":")[0].split()[1]) for ln in sentences] == list(range(1, 30))
    store = ox.Store()
    for path in graph_files():
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    cited = {row["c"].value.rsplit("/", 1)[-1] for row in store.query(
        "SELECT DISTINCT ?c WHERE { ?c <https://w3id.org/kzlod/ontology#hasEvidence>/"
        "<http://www.w3.org/ns/oa#hasSource> <https://w3id.org/kzlod/id/source/foreign-policy> }")}
    shown = {ln.split()[0].removeprefix("kzd:") for ln in lines if ln.startswith("  kzd:")}
    assert shown == cited and len(cited) == 81
    assert "0 not worded in their evidence" in lines[1]
    # a claim the source only reports is shown, not checked
    feared = next(ln for ln in lines if ln.startswith("  kzd:support-kazakhstan-azerbaijan "))
    assert feared.endswith("[Support, feared by Armenia] — not checked (feared by Armenia)")


def test_review_json_and_html_say_the_same(tmp_path):
    data = json.loads(run("review", "foreign-policy", "--format", "json").stdout)
    (source,) = data["sources"]
    assert source["counts"]["claims"] == 81 and source["counts"]["notWorded"] == 0
    page = tmp_path / "review.html"
    res = run("review", "foreign-policy", "--html", str(page))
    assert res.exit_code == 0 and res.stdout == f"wrote {page}: 81 claims and events of 1 source\n"
    html = page.read_text(encoding="utf-8")
    assert html.count('<section class="sentence"') == 29 and html.count("<tr>\n<td><code>kzd:") == 81
    assert "<script" not in html and 'content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;' in html


@pytest.mark.parametrize("args, code, message", [
    (["review", "atlantis"], 2, "Error: no source 'atlantis' in the graph (sources with text: foreign-policy)\n"),
    (["review", "eur-lex-22016a0204-01"], 2,
     "Error: kzsrc:eur-lex-22016a0204-01 has no text in the graph, so it has no sentences to review\n"),
])
def test_review_of_a_source_that_cannot_be_reviewed(args, code, message):
    res = run(*args)
    assert (res.exit_code, res.stderr) == (code, message)
