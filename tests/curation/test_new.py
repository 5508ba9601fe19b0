"""``kzlod new``: a skeleton a curator fills in; with --quote, its evidence located; what it requires
is what validation requires."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import copy_project

from kzlod.cli import cli

QUOTE = "Belarus and Kazakhstan have good diplomatic relations"


def run(*args):
    return CliRunner().invoke(cli, ["-q", *args])


def test_the_skeleton_with_two_values_filled_in_is_added(tmp_path):
    project = copy_project(tmp_path / "project")
    res = run("--project", str(project), "new", "ToneAssessment", "--quote", QUOTE)
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert "oa:start 2787 ; oa:end 2840" in text
    assert "kz:sentence <https://w3id.org/kzlod/id/source/foreign-policy/sentence/21>" in text
    blanks = [line.strip() for line in text.splitlines() if "___" in line and not line.lstrip().startswith("#")]
    assert blanks == ["kz:relation ___ ;", "kz:tone ___ ;"]  # all else is filled in or a comment
    filled = text.replace("kz:relation ___", "kz:relation kzd:relation-belarus-kazakhstan").replace(
        "kz:tone ___", "kz:tone kz:tone-good")
    new = tmp_path / "tone.ttl"
    new.write_text(filled, encoding="utf-8")
    added = run("--project", str(project), "add", str(new))
    assert added.exit_code == 0, added.output
    assert "kzd:tone-assessment-1" in (project / "data" / "foreign-policy" / "belarus.ttl").read_text(encoding="utf-8")
    again = run("--project", str(project), "new", "ToneAssessment")
    assert "kzd:tone-assessment-2 a kz:ToneAssessment ;" in again.stdout  # the next free name


def test_an_unfilled_skeleton_is_refused_at_its_first_blank(tmp_path):
    project = copy_project(tmp_path / "project")
    new = tmp_path / "tone.ttl"
    new.write_text(run("--project", str(project), "new", "ToneAssessment", "--quote", QUOTE).stdout, encoding="utf-8")
    res = run("--project", str(project), "add", str(new))
    line = next(n for n, text in enumerate(new.read_text().splitlines(), 1) if "kz:relation ___" in text)
    assert res.exit_code == 3 and f"tone.ttl:{line}:" in res.output


@pytest.mark.parametrize("args, code, message", [
    (["new", "ToneAssessment", "--quote", "tensions"], 2,
     "the quote occurs 4 times in foreign-policy: give --occurrence N (or quote more words)"),
    (["new", "ToneAssessment", "--quote", "no such words anywhere"], 1, "quote not found in any source"),
    (["new", "kz:tone"], 2, "kz:tone is an object property, not a class"),
    (["new", "ToneAssesment"], 2, "Did you mean: kz:ToneAssessment"),
])
def test_new_refusals(args, code, message):
    res = run(*args)
    assert res.exit_code == code and message in res.output, res.output


def test_occurrence_picks_the_place_and_json_gives_it():
    res = json.loads(run("new", "ToneAssessment", "--quote", "tensions", "--occurrence", "2", "-f", "json").stdout)
    assert res["iri"].startswith("https://w3id.org/kzlod/id/tone-assessment-")
    assert [m["sentence"] for m in res["located"]["matches"]] == [19]
    assert "oa:start 2610 ; oa:end 2618" in res["turtle"]
