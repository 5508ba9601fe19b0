"""`kzlod vocab`: the vocabulary at hand, and the same names in the errors about new files."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kzlod.cli import cli


def run(*args):
    return CliRunner().invoke(cli, ["-q", *args])


def test_a_property_lists_the_values_its_shapes_allow():
    res = run("vocab", "kz:aspect", "--format", "json")
    assert res.exit_code == 0, res.output
    aspect = json.loads(res.stdout)
    assert aspect["kind"] == "object property" and aspect["scheme"] == "kz:AspectScheme"
    assert "kz:aspect-connectivity" in {v["id"] for v in aspect["values"]}
    assert aspect["links"]["rdfs:domain"] == ["kz:Characterisation"]
    assert "kzsh:Characterisation-aspect" in {s["shape"] for s in aspect["shapes"]}


def test_a_scheme_lists_its_concepts_and_a_short_name_finds_the_term():
    res = run("vocab", "ModalityScheme")
    assert res.exit_code == 0
    assert res.stdout.splitlines()[0] == "kz:ModalityScheme (Modality Scheme) — concept scheme"
    assert "    kz:modality-feared    feared — " in res.stdout


def test_the_whole_vocabulary_by_kind():
    listing = json.loads(run("vocab", "--format", "json").stdout)
    kinds = {t["kind"] for t in listing}
    assert kinds == {"class", "object property", "datatype property", "concept scheme"}
    assert {"kz:State", "kz:modality", "kz:TemporalQualifierScheme"} <= {t["id"] for t in listing}


def test_an_unknown_term_has_a_did_you_mean():
    res = run("vocab", "kz:aspct")
    assert res.exit_code == 2
    assert ("Error: no class, property or concept scheme 'kz:aspct' in the ontology. "
            "Did you mean: kz:aspect") in res.output


@pytest.mark.parametrize("value, message", [
    ("kz:aspect kz:aspect-conectivity", "unknown term kz:aspect-conectivity (not in the ontology or the data); "
                                        "did you mean kz:aspect-connectivity?"),
    ("kz:about kzd:kazakhstn", "unknown entity kzd:kazakhstn (not in the ontology or the data); "
                               "did you mean kzd:kazakhstan?"),
])
def test_a_misspelt_name_in_a_new_file_is_named_once_without_shacl_text(tmp_path, value, message):
    new = tmp_path / "typo.ttl"
    new.write_text("@prefix kz: <https://w3id.org/kzlod/ontology#> .\n@prefix kzd: <https://w3id.org/kzlod/id/> .\n"
                   "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                   'kzd:c a kz:Characterisation ; rdfs:comment "x"@en ; kz:modality kz:modality-asserted ;\n'
                   f"    kz:about kzd:kazakhstan ; {value} .\n", encoding="utf-8")
    for args in (["validate", str(new)], ["add", "--dry-run", str(new)]):
        res = run(*args)
        assert res.exit_code == 1
        assert res.output.count(message) == 1, res.output
        assert "does not contain a value in the set" not in res.output and "Node <" not in res.output


def test_a_value_from_the_wrong_scheme_is_told_the_allowed_values(tmp_path):
    new = tmp_path / "scheme.ttl"
    new.write_text("@prefix kz: <https://w3id.org/kzlod/ontology#> .\n@prefix kzd: <https://w3id.org/kzlod/id/> .\n"
                   "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                   'kzd:c a kz:Characterisation ; rdfs:comment "x"@en ; kz:modality kz:modality-asserted ;\n'
                   "    kz:about kzd:kazakhstan ; kz:aspect kz:tone-tense .\n", encoding="utf-8")
    res = run("validate", str(new))
    assert res.exit_code == 1
    line = next(ln for ln in res.stdout.splitlines() if "kz:aspect = kz:tone-tense" in ln)
    # the scheme is long: the closest of its concepts, then "…"
    allowed = line.split("kz:tone-tense is not in kz:AspectScheme; allowed: ", 1)[1].split(". [")[0].split(", ")
    assert len(allowed) == 6 and allowed[-1] == "…" and all(a.startswith("kz:aspect-") for a in allowed[:-1])
    assert "Node <" not in res.stdout


@pytest.mark.parametrize("name", ["kz:ToneAssessment", "ToneAssessment"])
def test_a_class_lists_what_its_shapes_require_and_allow(name):
    res = run("vocab", name)
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    required = lines[lines.index("  required:") + 1:lines.index("  optional:")]
    assert required == [
        "    kz:relation           exactly 1   kz:BilateralRelation",
        "    kz:tone               1 or more   a concept of kz:ToneScheme",
        "                          kz:tone-close, kz:tone-cooperative, kz:tone-faltering, kz:tone-frayed,",
        "                          kz:tone-frictional, kz:tone-friendly, kz:tone-good, kz:tone-mistrustful,",
        "                          kz:tone-negative, kz:tone-positive, kz:tone-strained, kz:tone-tense",
        "    kz:hasEvidence        1 or more   kz:Evidence",
        "    kz:modality           exactly 1   a concept of kz:ModalityScheme",
        "                          kz:modality-asserted, kz:modality-expected, kz:modality-feared,",
        "                          kz:modality-hedged, kz:modality-hoped, kz:modality-reported",
    ]
    assert "    kz:toneChange         at most 1   a concept of kz:ToneChangeScheme" in lines
    assert "    kz:cause              any number  kz:Claim or kz:Event" in lines


def test_a_class_s_properties_in_json_say_whose_shape_gives_them():
    props = {p["path"]: p for p in json.loads(run("vocab", "kz:TradeFigure", "--format", "json").stdout)["properties"]}
    assert {p for p, v in props.items() if v["level"] == "required"} == {
        "kz:partner", "kz:reporter", "kz:hasEvidence", "kz:modality"}
    assert props["kz:rank"]["allowed"] == "xsd:integer" and props["kz:rank"]["count"] == "at most 1"
    assert props["kz:modality"]["of"] == "kz:Claim" and props["kz:partner"]["of"] == "kz:TradeFigure"
