"""`kzlod locate`: where a quote is, and an evidence block that `kzlod add` accepts as it is."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import PREFIXES, copy_project

from kzlod.cli import cli


def run(*args):
    return CliRunner().invoke(cli, ["-q", *args])


def test_locate_names_section_sentence_and_offsets():
    res = run("locate", "foreign-policy", "benefiting from a shared border")
    assert res.exit_code == 0, res.output
    first = res.stdout.splitlines()[0]
    assert first == "foreign-policy: section 2 (Relationship with Russia), sentence 8, oa:start 1233, oa:end 1264"


def test_the_evidence_block_is_accepted_by_add_as_it_is(tmp_path):
    project = copy_project(tmp_path / "project")
    found = json.loads(run("locate", "foreign-policy", "benefiting from a shared border", "--format", "json").stdout)
    block = found["matches"][0]["evidence"]
    claim = tmp_path / "claim.ttl"
    claim.write_text(PREFIXES + "kzd:characterisation-shared-border a kz:Characterisation ;\n"
                     '    rdfs:comment "Kazakhstan and Russia share a border."@en ;\n'
                     "    kz:about kzd:kazakhstan ;\n    kz:modality kz:modality-asserted ;\n"
                     f"    {block} .\n", encoding="utf-8")
    res = run("--project", str(project), "add", str(claim))
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("added ") and "data/foreign-policy/russia.ttl" in res.stdout


def test_every_place_is_listed_when_the_quote_is_not_unique():
    found = json.loads(run("locate", "foreign-policy", "Kazakhstan and Kyrgyzstan", "--format", "json").stdout)
    assert [(m["sentence"], m["section"]) for m in found["matches"]] == [(25, 5)]
    many = json.loads(run("locate", "foreign-policy", "tensions", "--format", "json").stdout)
    assert len(many["matches"]) > 1 and len({m["start"] for m in many["matches"]}) == len(many["matches"])


def test_many_places_one_line_each_and_occurrence_picks_one():
    res = run("locate", "foreign-policy", "tensions")
    assert res.exit_code == 0
    assert res.stdout == (
        "4 places in foreign-policy; give --occurrence N for one's evidence block (or quote more words):\n"
        "  1  section 3, sentence 18, oa:start 2455: However, there have been tensions between Armenia and Kazakhsta…\n"
        "  2  section 3, sentence 19, oa:start 2610: This led to initial tensions and mistrust.\n"
        "  3  section 3, sentence 20, oa:start 2698: "
        "…gorno-Karabakh have increased tensions as Armenia fears Kazakhstan's…\n"
        "  4  section 5, sentence 29, oa:start 4113: …e border, which increased the tensions.\n")
    one = run("locate", "foreign-policy", "tensions", "--occurrence", "2")
    assert one.exit_code == 0 and one.stdout.startswith(
        "foreign-policy: section 3 (Relationship with Armenia), sentence 19, oa:start 2610, oa:end 2618\n")
    assert 'oa:start 2610 ; oa:end 2618' in one.stdout
    assert run("locate", "foreign-policy", "tensions", "--occurrence", "5").exit_code == 2


@pytest.mark.parametrize("args, code, message", [
    (["locate", "foreign-policy", "benefitting from a shared boarder"], 1,
     'Error: quote not found in foreign-policy: "benefitting from a shared boarder". '
     'Did you mean "benefiting from a shared border" (sentence 8)?'),
    (["locate", "no-such-source", "x"], 2, "Error: no source 'no-such-source' in the graph"),
    (["locate", "foreign-policy", "  "], 2, "Error: give the quote to find"),
])
def test_locate_refusals(args, code, message):
    res = run(*args)
    assert res.exit_code == code and message in res.output, res.output


def test_wrong_offsets_say_where_the_quote_is(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(PREFIXES + "kzd:c a kz:Characterisation ; kz:about kzd:kazakhstan ; "
                   "kz:modality kz:modality-asserted ;\n"
                   '  rdfs:comment "x"@en ; kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:foreign-policy ;\n'
                   "  kz:sentence <https://w3id.org/kzlod/id/source/foreign-policy/sentence/8> ;\n"
                   '  oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "benefiting from a shared border" ] ,\n'
                   "    [ a oa:TextPositionSelector ; oa:start 1200 ; oa:end 1231 ] ] .\n", encoding="utf-8")
    res = run("validate", str(bad))
    assert res.exit_code == 1
    assert "it is at oa:start 1233 / oa:end 1264" in res.stdout
