"""What a validation report shows: the new files' own results, at the severity asked for."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import PREFIXES, SOURCE, claim_with_quote

from kzlod.cli import cli


def run(*args):
    return CliRunner().invoke(cli, ["-q", *args])


def test_an_entity_the_new_file_only_mentions_is_not_reported(tmp_path):
    """Regression: 'validate china.ttl' reported the bundled kzd:belt-and-road-initiative's missing
    Wikidata link against china.ttl, which only mentioned it."""
    new = tmp_path / "visit.ttl"
    new.write_text(PREFIXES + 'kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ;\n'
                   '    kz:iso3166Alpha2 "MN" ; kz:iso3166Alpha3 "MNG" ; rdfs:seeAlso kzd:saint-petersburg .\n',
                   encoding="utf-8")
    report = json.loads(run("validate", str(new), "--format", "json", "--min-severity", "info").stdout)
    assert {r["focus"] for r in report["results"]} == {"https://w3id.org/kzlod/id/mongolia"}
    project = json.loads(run("validate", "--format", "json").stdout)
    assert "https://w3id.org/kzlod/id/saint-petersburg" in {r["focus"] for r in project["results"]}


def test_min_severity_filters_what_is_shown_not_the_verdict(tmp_path):
    everything = json.loads(run("validate", "--format", "json").stdout)["summary"]
    warnings = json.loads(run("validate", "--format", "json", "--min-severity", "warning").stdout)["summary"]
    violations = json.loads(run("validate", "--format", "json", "--min-severity", "violation").stdout)["summary"]
    assert everything["infos"] > 0 and warnings["infos"] == 0 and warnings["warnings"] == everything["warnings"]
    assert violations["warnings"] == violations["infos"] == 0
    bad = tmp_path / "bad.ttl"
    bad.write_text(PREFIXES + "kzd:mongolia a kz:State .\n", encoding="utf-8")
    res = run("validate", str(bad), "--min-severity", "violation")
    assert res.exit_code == 1 and "Violation" in res.stdout and "Warning" not in res.stdout


def test_new_files_show_violations_and_warnings_by_default(tmp_path):
    new = tmp_path / "m.ttl"
    new.write_text(PREFIXES + 'kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ;\n'
                   '    kz:iso3166Alpha2 "MN" ; kz:iso3166Alpha3 "MNG" .\n', encoding="utf-8")
    shown = json.loads(run("validate", str(new), "--format", "json").stdout)
    every = json.loads(run("validate", str(new), "--format", "json", "--min-severity", "info").stdout)
    assert shown["summary"]["warnings"] >= 1 and shown["summary"]["infos"] == 0
    assert every["summary"]["infos"] >= shown["summary"]["infos"]


def test_wrong_offsets_name_the_claim_the_selector_line_and_the_right_offsets(tmp_path):
    """Regression: wrong oa:start/oa:end were reported against the source, at the evidence's line,
    with SHACL's "(complex path)", and a second error said the quote was outside its sentence."""
    at = SOURCE.index("major oil producer")
    bad = tmp_path / "bad.ttl"
    bad.write_text(claim_with_quote("major oil producer", 3, start=at + 1000), encoding="utf-8")
    res = run("validate", str(bad), "--min-severity", "violation")
    assert res.exit_code == 1
    shown, verdict = res.stdout.rsplit("\n", 2)[0], res.stdout.splitlines()[-1]
    assert verdict.startswith("does not conform: 1 violations, 0 warnings, 0 infos, 0 inconsistencies (")
    assert shown + "\n" == (
        f"{bad}:20:13: kzd:characterisation-test kz:hasEvidence oa:hasSelector [2]\n"
        f"  Violation: oa:start {at + 1000} / oa:end {at + 1018} do not point at the quote; "
        f"it is at oa:start {at} / oa:end {at + 18} [kzsh:SourceText-quoteOffsets]\n")
