"""What a validation report shows: the new files' own results, at the severity asked for."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import PREFIXES

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
