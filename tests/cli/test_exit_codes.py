"""One contract for every command: the exit codes docs/cli.md#exit-codes writes down, and the global
options (--project, --quiet) before or after the command's name."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PREFIXES, copy_project, documented_exit_codes

from kzlod.cli import cli

ROOT = Path(__file__).resolve().parents[2]
BAD_SHAPE = PREFIXES + "kzd:mongolia a kz:State .\n"  # no label, no ISO codes: does not conform
BAD_SYNTAX = PREFIXES + "kzd:mongolia a kz:State\n"  # no final dot

#: (command line, exit code): every command, and each code it can give that a test can reach
#: without a server or the network. {bad}: a file that does not conform, {broken}: one that does
#: not parse, {missing}: one that is not there, {project}: a copy of the project, {tmp}: a folder.
CASES = [
    ("add {bad}", 1), ("add {broken}", 3), ("add {missing}", 3), ("add", 2), ("add --dry-run {good}", 0),
    ("cache info", 0), ("cache nonesuch", 2),
    ("coverage", 0), ("coverage no-such-source", 2),
    ("describe Armenia", 0), ("describe Atlantis", 2), ("describe Armenia --data {missing}", 3),
    ("diff {good} {good}", 0), ("diff {good} {missing}", 2),  # no file, and no git revision either
    ("fmt --check {project}/data/entities.ttl", 0), ("fmt --check {good}", 1), ("fmt --check {broken}", 3),
    ("fmt --nonesuch", 2),
    ("graph --nonesuch", 2),
    ("init {tmp}/new", 0), ("init {project}", 2),
    ("load --nonesuch", 2),
    ("locate foreign-policy 'benefiting from a shared border'", 0), ("locate foreign-policy 'no such words'", 1),
    ("locate no-such-source x", 2),
    ("mentions foreign-policy", 0), ("mentions no-such-source", 2),
    ("new ToneAssessment", 0), ("new NoSuchClass", 2), ("new ToneAssessment --quote 'no such words'", 1),
    ("publish", 2),
    ("push --nonesuch", 2),
    ("queries", 0), ("queries --format nonesuch", 2),
    ("query memberships -f csv", 0), ("query 'SELECT ?s WHERE {{ ?s ?p }}'", 1), ("query no-such-query", 2),
    ("query entity --param entity Atlantis", 2), ("query entity --param nope x", 2), ("query {tmp}/missing.rq", 3),
    ("reason --data {missing}", 3), ("reason --nonesuch", 2),
    ("review foreign-policy", 0), ("review no-such-source", 2),
    ("search Armenia", 0), ("search", 2),
    ("serve --port nonesuch", 2),
    ("source add {missing} --title T --author A", 3), ("source add", 2),
    ("stats", 0), ("stats --data {broken}", 3),
    ("template {tmp}/missing.csv", 3), ("template", 2),
    ("validate {good}", 0), ("validate {bad}", 1), ("validate {broken}", 3), ("validate {missing}", 3),
    ("validate {tmp}/empty", 2),
    ("vocab kz:State", 0), ("vocab kz:Nonesuch", 2),
]


@pytest.fixture(scope="module")
def where(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("codes")
    (tmp / "good.ttl").write_text(PREFIXES + 'kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ;\n'
                                  '    kz:iso3166Alpha2 "MN" ; kz:iso3166Alpha3 "MNG" .\n', encoding="utf-8")
    (tmp / "bad.ttl").write_text(BAD_SHAPE, encoding="utf-8")
    (tmp / "broken.ttl").write_text(BAD_SYNTAX, encoding="utf-8")
    (tmp / "empty").mkdir()
    project = copy_project(tmp / "project")
    return {"good": tmp / "good.ttl", "bad": tmp / "bad.ttl", "broken": tmp / "broken.ttl",
            "missing": tmp / "missing.ttl", "project": project, "tmp": tmp}


def test_every_command_is_in_the_table():
    from kzlod.cli import COMMANDS

    assert {line.split()[0] for line, _ in CASES} == set(COMMANDS)


@pytest.mark.parametrize("line, code", CASES)
def test_exit_code(where, line, code):
    import shlex

    assert code in documented_exit_codes()
    args = [a.format(**where) for a in shlex.split(line)]
    res = CliRunner().invoke(cli, ["--quiet", "--project", str(where["project"]), *args])
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output


#: Commands with what they read, run with the global options after their name and before it.
GLOBAL = [
    ["query", "memberships", "-f", "csv"], ["describe", "Armenia"], ["stats"], ["queries"], ["vocab", "kz:State"],
    ["locate", "foreign-policy", "shared border"], ["coverage"], ["search", "Armenia"], ["cache", "info"],
    ["new", "State"], ["review", "foreign-policy"], ["validate", "{good}"], ["add", "--dry-run", "{good}"],
    ["source", "add", "{missing}", "--title", "T", "--author", "A"],
]


@pytest.mark.parametrize("args", GLOBAL, ids=lambda a: a[0])
def test_global_options_before_or_after_the_command(where, args):
    args = [a.format(**where) for a in args]
    options = ["--project", str(where["project"]), "--quiet"]
    before = CliRunner().invoke(cli, [*options, *args])
    after = CliRunner().invoke(cli, [*args, *options])
    inside = CliRunner().invoke(cli, [*args[:1], *options, *args[1:]])  # a group's options, before its command
    assert before.exit_code == after.exit_code == inside.exit_code
    assert before.stdout == after.stdout == inside.stdout
    assert before.stderr == after.stderr == inside.stderr
