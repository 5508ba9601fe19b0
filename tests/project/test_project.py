"""One project, one graph: every command reads the project it is run in, and sees what was just added.

The subprocess tests run ``python -m kzlod`` from inside a project folder, so
they use the installed package (in CI: ``pip install .``, not editable), as
a user does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_project

from kzlod import project as projects
from kzlod.cli import cli

ROOT = Path(__file__).resolve().parents[2]
NO_PROJECT = "Error: no kzlod project here: run `kzlod init DIR` or cd into one"
MONGOLIA = """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

kzd:mongolia a kz:State ;
    rdfs:label "Mongolia"@en ;
    kz:iso3166Alpha2 "MN" ;
    kz:iso3166Alpha3 "MNG" .
"""
ASK_MONGOLIA = "ASK { kzd:mongolia a kz:State }"


def kzlod(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """The installed kzlod, run as a user runs it, from ``cwd``."""
    environment = {k: v for k, v in os.environ.items() if k != projects.ENV_VAR} | (env or {})
    return subprocess.run([sys.executable, "-m", "kzlod", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=environment, timeout=300)


@pytest.fixture
def outside(tmp_path, monkeypatch) -> Path:
    """A folder inside no project."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv(projects.ENV_VAR, raising=False)
    return folder


# --- finding the project ---------------------------------------------------------------------------

def test_this_checkout_is_a_project():
    found = projects.find(ROOT / "data" / "foreign-policy")
    assert found is not None and found.root == ROOT and not found.bundled
    assert found.name == "kzlod" and found.base == "https://w3id.org/kzlod/"


def test_found_upward_like_git(tmp_path):
    project = projects.init(tmp_path / "g")
    (project.root / "data" / "deep" / "er").mkdir(parents=True)
    assert projects.find(project.root / "data" / "deep" / "er").root == project.root.resolve()
    assert projects.find(tmp_path) is None


def test_explicit_then_environment_then_upward(tmp_path, monkeypatch):
    a, b = projects.init(tmp_path / "a"), projects.init(tmp_path / "b")
    monkeypatch.chdir(a.root)
    assert projects.resolve().root == a.root
    monkeypatch.setenv(projects.ENV_VAR, str(b.root))
    assert projects.resolve().root == b.root
    assert projects.resolve(a.root).root == a.root


def test_outside_any_project_the_bundled_graph_is_read_only(outside):
    found = projects.resolve()
    assert found.bundled and found.graph_files()
    with pytest.raises(Exception) as err:
        found.require_writable()
    assert str(err.value) == NO_PROJECT.removeprefix("Error: ")


@pytest.mark.parametrize("text, message", [
    ("[project\nname = 'x'\n", "kzlod.toml:1: "),
    ("[project]\nname = 3\n", "project.name must be a string"),
    ("[prefixes]\nex = 'not an iri'\n", "prefix 'ex' must be an absolute IRI string"),
])
def test_a_broken_kzlod_toml_is_named_with_its_line(tmp_path, monkeypatch, text, message):
    (tmp_path / "kzlod.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["query", "memberships"])
    assert res.exit_code == 3 and message in res.output and "Traceback" not in res.output


def test_project_option_must_name_a_project(tmp_path):
    res = CliRunner().invoke(cli, ["--project", str(tmp_path), "stats"])
    assert res.exit_code == 2
    assert f"{tmp_path}: not a kzlod project (no kzlod.toml; given by --project)" in res.output


# --- outside any project ---------------------------------------------------------------------------

def test_outside_a_project_add_exits_2_and_reading_still_works(outside):
    new = outside / "mongolia.ttl"
    new.write_text(MONGOLIA)
    res = CliRunner().invoke(cli, ["add", str(new)])
    assert res.exit_code == 2 and res.output == NO_PROJECT + "\n"
    for args in (["source", "add", str(new), "--title", "T", "--author", "A"], ["fmt"]):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 2 and NO_PROJECT in res.output, args
    res = CliRunner().invoke(cli, ["query", "memberships", "--format", "csv"])
    assert res.exit_code == 0 and "kzlod: no project here" in res.stderr
    assert res.stdout.splitlines()[0].startswith("member,memberLabel,organisation")
    quiet = CliRunner().invoke(cli, ["-q", "query", "memberships", "--format", "csv"])
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == res.stdout


# --- init ------------------------------------------------------------------------------------------

def test_init_makes_a_project_from_the_bundled_ontology_and_shapes(tmp_path):
    res = CliRunner().invoke(cli, ["init", str(tmp_path / "my-graph")])
    assert res.exit_code == 0, res.output
    root = tmp_path / "my-graph"
    assert (root / "kzlod.toml").is_file() and not list((root / "data").rglob("*.ttl"))
    assert sorted(p.name for p in (root / "ontology").glob("*.ttl")) == \
        sorted(p.name for p in (ROOT / "ontology").glob("*.ttl"))
    assert projects.read(root).name == "my-graph"
    again = CliRunner().invoke(cli, ["init", str(root)])
    assert again.exit_code == 2 and "already a kzlod project" in again.output


def test_init_says_whose_base_iri_it_wrote_and_ignores_what_writes_leave(tmp_path):
    res = CliRunner().invoke(cli, ["init", str(tmp_path / "mine")])
    assert res.exit_code == 0
    assert res.stderr == (f"warning: {tmp_path / 'mine' / 'kzlod.toml'} names kzlod's own base IRI "
                          "(https://w3id.org/kzlod/) as this project's; give --base IRI (or edit kzlod.toml) to "
                          "name your own\n")
    ignored = (tmp_path / "mine" / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {".kzlod.lock", ".kzlod-journal.json"} <= set(ignored)
    assert not [p for p in (tmp_path / "mine").rglob(".kzlod*")]  # init leaves no lock behind
    own = CliRunner().invoke(cli, ["init", str(tmp_path / "own"), "--base", "https://example.org/g/"])
    assert own.exit_code == 0 and own.stderr == ""
    assert projects.read(tmp_path / "own").base == "https://example.org/g/"
    bad = CliRunner().invoke(cli, ["init", str(tmp_path / "bad"), "--base", "example.org"])
    assert bad.exit_code == 2 and "--base 'example.org'" in bad.stderr and not (tmp_path / "bad").exists()


def test_init_with_data_copies_the_bundled_data(tmp_path):
    res = CliRunner().invoke(cli, ["init", str(tmp_path / "g"), "--with-data"])
    assert res.exit_code == 0, res.output
    def files(root: Path) -> list[str]:  # the writers' lock file (init takes it too) is not data
        return sorted(p.relative_to(root).as_posix() for p in (root / "data").rglob("*") if p.name != ".kzlod.lock")

    assert files(tmp_path / "g") == files(ROOT)


# --- what was added is seen by every command -------------------------------------------------------

def check_every_command_sees_the_addition(project: Path):
    new = project.parent / "mongolia.ttl"
    new.write_text(MONGOLIA)
    before = json.loads(kzlod("stats", "--format", "json", cwd=project).stdout)["triples"]
    assert kzlod("query", ASK_MONGOLIA, "--format", "csv", cwd=project).stdout.splitlines()[1] == "false"

    add = kzlod("add", new, cwd=project)
    assert add.returncode == 0, add.stderr
    assert add.stdout == "added 4 triples to data/entities.ttl\n"

    ask = kzlod("query", ASK_MONGOLIA, "--format", "csv", cwd=project)
    assert ask.returncode == 0 and ask.stdout.splitlines()[1] == "true", ask.stderr
    describe = kzlod("describe", "Mongolia", "--format", "json", cwd=project)
    assert describe.returncode == 0 and json.loads(describe.stdout)["iri"] == "https://w3id.org/kzlod/id/mongolia"
    after = json.loads(kzlod("stats", "--format", "json", cwd=project).stdout)["triples"]
    assert after == before + 4
    validate = kzlod("validate", "--format", "json", cwd=project)
    assert validate.returncode == 0 and json.loads(validate.stdout)["triples"] == after
    release = kzlod("publish", project.parent / "release", "--format", "json", cwd=project)
    assert release.returncode == 0, release.stderr
    assert json.loads(release.stdout)["triples"] == after
    # from a subfolder, as git finds its repository
    assert kzlod("query", ASK_MONGOLIA, "--format", "csv", cwd=project / "data").stdout.splitlines()[1] == "true"
    # and with KZLOD_PROJECT from anywhere
    env = {projects.ENV_VAR: str(project)}
    assert kzlod("query", ASK_MONGOLIA, "--format", "csv", cwd=project.parent, env=env).stdout.splitlines()[1] == "true"


@pytest.mark.slow
def test_after_add_in_a_checkout_every_command_sees_the_new_facts(tmp_path):
    """Regression: query, describe, stats, validate and publish read the copy frozen into the installed
    package, so facts that 'kzlod add' wrote to data/ appeared only after a re-install."""
    check_every_command_sees_the_addition(copy_project(tmp_path / "checkout"))


@pytest.mark.slow
def test_after_add_in_a_project_made_by_init_every_command_sees_the_new_facts(tmp_path):
    res = kzlod("init", "my-graph", "--with-data", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    check_every_command_sees_the_addition(tmp_path / "my-graph")


def test_an_empty_project_made_by_init_takes_its_first_facts(tmp_path, monkeypatch):
    projects.init(tmp_path / "g")
    monkeypatch.chdir(tmp_path / "g")
    new = tmp_path / "mongolia.ttl"
    new.write_text(MONGOLIA)
    runner = CliRunner()
    assert runner.invoke(cli, ["add", str(new)]).exit_code == 0
    ask = runner.invoke(cli, ["query", ASK_MONGOLIA, "--format", "csv"])
    assert ask.stdout.splitlines()[1] == "true"
    stats = json.loads(runner.invoke(cli, ["stats", "--format", "json"]).stdout)
    ontology = json.loads(runner.invoke(cli, ["--project", str(ROOT), "stats", "--format", "json"]).stdout)
    assert stats["triples"] < ontology["triples"]
