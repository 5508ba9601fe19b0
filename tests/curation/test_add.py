"""`kzlod add`: validated merges into a project's data/, or no change at all."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import PREFIXES, claim_with_quote, copy_project, sentence_iri, snapshot

from kzlod.cli import cli

ROOT = Path(__file__).resolve().parents[2]


MONGOLIA = PREFIXES + """
kzd:mongolia a kz:State ;
    rdfs:label "Mongolia"@en ;
    kz:iso3166Alpha2 "MN" ;
    kz:iso3166Alpha3 "MNG" .
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the checkout's graph files, as a curator's working project."""
    return copy_project(tmp_path / "project")


def invoke(*args, cwd=None, monkeypatch=None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_add_entity_goes_to_entities_file(project, tmp_path):
    new = tmp_path / "mongolia.ttl"
    new.write_text(MONGOLIA)
    before = snapshot(project / "data")
    res = invoke("add", str(new), "--project", str(project))
    assert res.exit_code == 0, res.output
    assert "to data/entities.ttl" in res.output
    after = snapshot(project / "data")
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed == {"entities.ttl"}
    triples = list(ox.parse(path=str(project / "data" / "entities.ttl"), format=ox.RdfFormat.TURTLE))
    assert ox.NamedNode("https://w3id.org/kzlod/id/mongolia") in {q.subject for q in triples}
    # the written file is canonical
    assert invoke("fmt", "--check", str(project / "data" / "entities.ttl")).exit_code == 0


def test_add_claim_goes_to_its_section_file(project, tmp_path):
    new = tmp_path / "claim.ttl"
    new.write_text(claim_with_quote("As a major oil producer", 3))
    res = invoke("add", str(new), "--project", str(project))
    assert res.exit_code == 0, res.output
    target = res.output.split(" to ", 1)[1].split()[0]
    assert target.startswith("data/foreign-policy/")
    text = (project / target).read_text(encoding="utf-8")
    assert "kzd:characterisation-test" in text


def test_add_is_idempotent(project, tmp_path):
    new = tmp_path / "mongolia.ttl"
    new.write_text(MONGOLIA)
    assert invoke("add", str(new), "--project", str(project)).exit_code == 0
    once = snapshot(project / "data")
    res = invoke("add", str(new), "--project", str(project))
    assert res.exit_code == 0
    assert "nothing to add" in res.output
    assert snapshot(project / "data") == once


def test_dry_run_changes_nothing_and_shows_a_diff_by_subject(project, tmp_path):
    new = tmp_path / "mongolia.ttl"
    new.write_text(MONGOLIA)
    before = snapshot(project / "data")
    res = invoke("add", str(new), "--project", str(project), "--dry-run")
    assert res.exit_code == 0, res.output
    assert "would add 4 triples to data/entities.ttl" in res.output
    assert "  kzd:mongolia" in res.output and '+ ' in res.output and "Mongolia" in res.output
    assert snapshot(project / "data") == before


@pytest.mark.parametrize("content, code, message", [
    (PREFIXES + "\nkzd:x a kz:State ;\n    rdfs:label \"X\"@en ;\n    kz:iso3166Alpha2 \"xx1\" .\n", 1,
     "nothing was changed"),
    (PREFIXES + "\nkzd:x a kz:State .\n", 1, "nothing was changed"),
    (PREFIXES + "\nkzd:x a kz:State ;\n    rdfs:label \"X\"@en\n", 3, "syntax error"),
    (PREFIXES + '\nkzd:relation-kazakhstan-russia kz:party kzd:armenia .\n', 1, "nothing was changed"),
    (PREFIXES + '\nkzd:x a kz:State ; rdfs:label "X"@en ; kz:shareOfTotalTrade "abc"^^xsd:decimal .\n', 3,
     "ill-typed literal"),
    (PREFIXES + '\n[] a kz:State ; rdfs:label "Nowhere"@en .\n', 3, "not attached to any named subject"),
])
def test_refused_add_leaves_data_byte_for_byte_unchanged(project, tmp_path, content, code, message):
    new = tmp_path / "new.ttl"
    new.write_text(content)
    before = snapshot(project / "data")
    res = invoke("add", str(new), "--project", str(project))
    assert res.exit_code == code, res.output
    assert message in res.output
    assert "Traceback" not in res.output
    assert snapshot(project / "data") == before


def test_refused_claim_with_a_quote_not_in_the_source(project, tmp_path):
    text = claim_with_quote("As a major oil producer", 3).replace(
        'oa:exact "As a major oil producer"', 'oa:exact "As a major gas producer"')
    new = tmp_path / "claim.ttl"
    new.write_text(text)
    before = snapshot(project / "data")
    res = invoke("add", str(new), "--project", str(project))
    assert res.exit_code == 1
    assert "nothing was changed" in res.output
    assert f"{new}:" in res.output
    assert snapshot(project / "data") == before


def test_add_missing_file_and_not_a_project(project, tmp_path, monkeypatch):
    res = invoke("add", str(tmp_path / "nope.ttl"), "--project", str(project))
    assert res.exit_code == 3 and "no such file" in res.output
    monkeypatch.chdir(tmp_path)
    new = tmp_path / "m.ttl"
    new.write_text(MONGOLIA)
    res = invoke("add", str(new))
    assert res.exit_code == 2 and "no kzlod project here: run `kzlod init DIR` or cd into one" in res.output


def test_add_finds_the_project_from_the_current_directory(project, tmp_path, monkeypatch):
    new = tmp_path / "m.ttl"
    new.write_text(MONGOLIA)
    monkeypatch.chdir(project / "data")
    res = invoke("add", str(new))
    assert res.exit_code == 0, res.output
    assert "kzd:mongolia" in (project / "data" / "entities.ttl").read_text(encoding="utf-8")


def test_adding_a_claim_twice_does_not_duplicate_its_evidence(project, tmp_path):
    new = tmp_path / "claim.ttl"
    new.write_text(claim_with_quote("As a major oil producer", 3))
    first = invoke("add", str(new), "--project", str(project))
    assert first.exit_code == 0, first.output
    once = snapshot(project / "data")
    again = invoke("add", str(new), "--project", str(project))
    assert again.exit_code == 0
    assert "nothing to add" in again.output
    assert snapshot(project / "data") == once


def test_a_second_piece_of_evidence_is_added(project, tmp_path):
    first = tmp_path / "claim.ttl"
    first.write_text(claim_with_quote("As a major oil producer", 3))
    assert invoke("add", str(first), "--project", str(project)).exit_code == 0
    second = tmp_path / "claim2.ttl"
    second.write_text(claim_with_quote("particularly in energy matters", 3))
    res = invoke("add", str(second), "--project", str(project))
    assert res.exit_code == 0, res.output
    target = res.output.split(" to ", 1)[1].split()[0]
    text = (project / target).read_text(encoding="utf-8")
    block = text[text.index("kzd:characterisation-test a"):].split("\n\n")[0]
    assert block.count("a kz:Evidence") == 2


def _section_sentences() -> dict[str, tuple[int, str]]:
    """Section title -> (index, text) of its first sentence, read from the source's Turtle."""
    store = ox.Store()
    store.load(path=str(ROOT / "data" / "sources" / "foreign-policy.ttl"), format=ox.RdfFormat.TURTLE)
    rows = store.query("""
        PREFIX kz: <https://w3id.org/kzlod/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?title (MIN(?i) AS ?first) WHERE {
          ?s kz:inSection ?section ; kz:index ?i . ?section dcterms:title ?title }
        GROUP BY ?title""")
    out = {}
    for row in rows:
        index = int(row["first"].value)
        text = store.query(f"""PREFIX kz: <https://w3id.org/kzlod/ontology#>
            SELECT ?t WHERE {{ <{sentence_iri(index)}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#value> ?t }}""")
        out[row["title"].value] = (index, next(iter(text))["t"].value)
    return out


@pytest.mark.parametrize("section, expected", [
    ("Relationship with the EU", "data/foreign-policy/eu.ttl"),
    ("Relationship with Russia", "data/foreign-policy/russia.ttl"),
    ("Relationship with Armenia", "data/foreign-policy/armenia.ttl"),
    ("Relationship with Belarus", "data/foreign-policy/belarus.ttl"),
    ("Relationship with Kyrgyzstan", "data/foreign-policy/kyrgyzstan.ttl"),
])
def test_router_sends_a_new_claim_to_the_file_of_the_section_it_cites(project, tmp_path, section, expected):
    """Regression: a claim citing sentence 17 went to a new section-3.ttl, because the router learnt
    sentence -> section links from data/sources/ only after routing the section files."""
    index, text = _section_sentences()[section]
    quote = text.split(",")[0][:60].rstrip()
    new = tmp_path / "claim.ttl"
    new.write_text(claim_with_quote(quote, index))
    res = invoke("add", str(new), "--project", str(project), "--dry-run")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == f"would add 16 triples to {expected}", res.output
