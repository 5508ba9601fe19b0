"""The closed vocabulary: valid RDF that is wrong for this graph is refused by validate and add alike.

Each case is a new file (after the shared prefixes) with the line and the message it must get; every
one is refused by ``validate`` (exit 1) and by ``add`` (exit 1, no data file changed). Valid
counterparts pass both.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PREFIXES, copy_project, snapshot

from kzlod.cli import cli
from kzlod.gate.parse import parse_file
from kzlod.project import bundled
from kzlod.validation import vocabulary

HEADER_LINES = PREFIXES.count("\n")
OWL = "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
MONGOLIA = 'kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ; kz:iso3166Alpha2 "MN" ; kz:iso3166Alpha3 "MNG"'

REFUSED = [
    # (name, body after PREFIXES, line within the body, message)
    ("foreign-predicate", "<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n", 1,
     "unknown property http://example.org/p: not declared in the ontology or in a vocabulary kzlod.toml uses"),
    ("class-typo", "kzd:mongolia a kz:Stat ;\n  rdfs:label \"Mongolia\"@en .\n", 1,
     ("unknown class kz:Stat: not declared in the ontology or in a vocabulary kzlod.toml uses; "
     "did you mean kz:State")),
    ("undeclared-property", MONGOLIA + ' ;\n  kz:iso3166Alpha4 "MNGL" .\n', 2,
     ("unknown property kz:iso3166Alpha4: not declared in the ontology or in a vocabulary kzlod.toml uses; "
     "did you mean kz:iso3166Alpha3 or kz:iso3166Alpha2?")),
    ("vocabulary-typo", MONGOLIA + ' ;\n  skos:prefLabl "Mongolia"@en .\n', 2,
     ("unknown property skos:prefLabl: not declared in the ontology or in a vocabulary kzlod.toml uses; "
     "did you mean skos:prefLabel")),
    ("rebound-kz", "@prefix kz: <http://example.org/evil#> .\nkzd:mongolia a kz:State .\n", 1,
     ("prefix kz: is bound to <http://example.org/evil#>, but in this project kz: is "
     "<https://w3id.org/kzlod/ontology#>: bind it to that, or choose another prefix name")),
    ("rebound-kzd", "@prefix kzd: <https://w3id.org/kzlod/id/other/> .\n" + MONGOLIA + " .\n", 1,
     ("prefix kzd: is bound to <https://w3id.org/kzlod/id/other/>, but in this project kzd: is "
     "<https://w3id.org/kzlod/id/>")),
    ("same-as", OWL + "kzd:russia owl:sameAs kzd:kazakhstan .\n", 2,
     ("identity statements merge or split entities under reasoning and belong in ontology/; "
     "to link an entity to an outside resource use skos:exactMatch")),
    ("different-from", OWL + "kzd:russia owl:differentFrom kzd:kazakhstan .\n", 2,
     "identity statements merge or split entities under reasoning and belong in ontology/"),
    ("new-class", OWL + "kzd:Thing a owl:Class .\n", 2,
     "new classes and properties are declared in ontology/, not in data"),
    ("new-property", "kzd:neighbourOf a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Property> .\n", 1,
     "new classes and properties are declared in ontology/, not in data"),
    ("axiom", "kzd:kazakhstan rdfs:subClassOf kz:State .\n", 1,
     "a schema statement (an axiom) belongs in ontology/, not in data"),
    ("about-an-ontology-term", 'kz:State rdfs:label "Country"@en .\n', 1,
     "kz:State is a term of the ontology: statements about it belong in ontology/, not in data"),
    ("in-the-ontology-namespace", 'kz:Novelty rdfs:label "Novelty"@en .\n', 1,
     "kz:Novelty is in the ontology's namespace: statements about it belong in ontology/, not in data"),
    ("javascript-link", MONGOLIA + " ;\n  skos:exactMatch <javascript:alert(1)> .\n", 2,
     "IRI <javascript:alert(1)> has the scheme 'javascript:'; data IRIs are http, https, urn or mailto"),
    ("file-iri", MONGOLIA + " ;\n  rdfs:seeAlso <file:///etc/passwd> .\n", 2,
     "IRI <file:///etc/passwd> has the scheme 'file:'"),
    ("literal-link", MONGOLIA + ' ;\n  skos:exactMatch "Q711" .\n', 2,
     'skos:exactMatch links to the outside: its value must be an http or https IRI, not "Q711"'),
    ("urn-link", MONGOLIA + " ;\n  skos:closeMatch <urn:isbn:0451450523> .\n", 2,
     "skos:closeMatch links to the outside: its value must be an http or https IRI, not urn:isbn:0451450523"),
]

ACCEPTED = [
    ("a-state", MONGOLIA + " ;\n  skos:exactMatch <http://www.wikidata.org/entity/Q711> .\n"),
    ("vocabulary-terms", MONGOLIA + ' ;\n  skos:altLabel "MGL"@en ;\n  rdfs:seeAlso <https://www.gov.mn/> .\n'),
    ("same-prefix-another-name", ("@prefix kzont: <https://w3id.org/kzlod/ontology#> .\n"
                                 'kzd:mongolia a kzont:State ; rdfs:label "Mongolia"@en ; '
                                 'kzont:iso3166Alpha2 "MN" ; kzont:iso3166Alpha3 "MNG" .\n')),
]


def run(*args):
    return CliRunner().invoke(cli, ["-q", *args])


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.mark.parametrize("name, body, line, message", REFUSED, ids=[c[0] for c in REFUSED])
def test_validate_refuses(tmp_path, name, body, line, message):
    new = tmp_path / f"{name}.ttl"
    new.write_text(PREFIXES + body, encoding="utf-8")
    res = run("validate", str(new))
    assert res.exit_code == 1, res.output
    assert f"{new}:{HEADER_LINES + line}: " in res.stdout
    assert message in res.stdout


@pytest.mark.parametrize("name, body, line, message", REFUSED, ids=[c[0] for c in REFUSED])
def test_add_refuses_and_changes_nothing(project, tmp_path, name, body, line, message):
    new = tmp_path / f"{name}.ttl"
    new.write_text(PREFIXES + body, encoding="utf-8")
    before = snapshot(project)
    res = run("--project", str(project), "add", str(new))
    assert res.exit_code == 1, res.output
    refusal = [x for x in res.stderr.splitlines() if x.lstrip().startswith(f"{new}:{HEADER_LINES + line}: ")]
    assert refusal and message in refusal[0], res.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize("name, body", ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_valid_files_pass_validate_and_add(project, tmp_path, name, body):
    new = tmp_path / f"{name}.ttl"
    new.write_text(PREFIXES + body, encoding="utf-8")
    assert run("validate", str(new)).exit_code == 0
    res = run("--project", str(project), "add", str(new))
    assert res.exit_code == 0, res.output
    ask = run("--project", str(project), "query", "ASK { kzd:mongolia a kz:State }", "--format", "json")
    assert '"boolean": true' in ask.stdout


def test_the_bundled_data_uses_only_the_closed_vocabulary():
    parsed = [parse_file(p) for p in bundled().data_files()]
    assert parsed and vocabulary.check(parsed, bundled()) == []


def test_a_hand_edited_data_file_is_reported_by_project_validate(project):
    (project / "data" / "extra.ttl").write_text(PREFIXES + "kzd:kazakhstan a kz:Stat .\n", encoding="utf-8")
    res = run("--project", str(project), "validate")
    assert res.exit_code == 1
    assert f"data/extra.ttl:{HEADER_LINES + 1}: kzd:kazakhstan" in res.stdout
    assert "unknown class kz:Stat" in res.stdout


def test_a_namespace_the_project_lists_admits_its_terms(project, tmp_path):
    new = tmp_path / "schema.ttl"
    new.write_text(PREFIXES + "@prefix schema: <https://schema.org/> .\n"
                   + MONGOLIA + ' ;\n  schema:population "3300000" .\n', encoding="utf-8")
    assert "unknown property schema:population" in run("--project", str(project), "validate", str(new)).stdout
    toml = project / "kzlod.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"foaf"]', '"foaf", "https://schema.org/"]'),
                    encoding="utf-8")
    assert run("--project", str(project), "validate", str(new)).exit_code == 0


def test_an_unknown_vocabulary_name_is_a_clear_error(project, tmp_path):
    toml = project / "kzlod.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"foaf"]', '"foaf", "nosuch"]'), encoding="utf-8")
    new = tmp_path / "m.ttl"
    new.write_text(PREFIXES + MONGOLIA + " .\n", encoding="utf-8")
    res = run("--project", str(project), "validate", str(new))
    assert res.exit_code == 3
    assert res.stderr.startswith("Error: kzlod.toml: [vocabulary] use: unknown vocabulary 'nosuch'")
