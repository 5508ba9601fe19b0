"""Special files and caps: only regular files are read, every cap holds while a file streams
(regressions: a FIFO named ``.ttl`` given to a command or lying in ``data/`` hung forever; a link to
``/dev/zero`` ended in MemoryError; a file with a million prefixes ran past a minute; 10,000 unused
prefixes of an added file were copied into ``data/entities.ttl``).

Every case runs in a process of its own with a timeout, so a hang fails the test instead of
blocking the suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PREFIXES, copy_project

from kzlod.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def fifo(path: Path) -> str:
    os.mkfifo(path)
    return "a FIFO (named pipe)"


def zero(path: Path) -> str:
    path.symlink_to("/dev/zero")
    return "a character device"


def urandom(path: Path) -> str:
    path.symlink_to("/dev/urandom")
    return "a character device"


def folder(path: Path) -> str:
    path.mkdir()
    return "a directory"


KINDS = {"fifo": fifo, "/dev/zero": zero, "/dev/urandom": urandom, "directory": folder}

#: command -> (the special file's name, the arguments naming it)
COMMANDS = {
    "add": ("x.ttl", lambda f: ["add", f]),
    "validate": ("x.ttl", lambda f: ["validate", f]),
    "query --data": ("x.ttl", lambda f: ["query", "--data", f, "ASK {}"]),
    "source add": ("x.txt", lambda f: ["source", "add", f, "--title", "T", "--author", "A"]),
    "template": ("x.csv", lambda f: ["template", f]),
    "query FILE.rq": ("x.rq", lambda f: ["query", f]),
}

#: reading commands, with the special file lying in data/
READERS = {
    "stats": ["stats"],
    "query": ["query", "ASK {}"],
    "validate": ["validate"],
    "describe": ["describe", "kzd:kazakhstan"],
    "search": ["search", "oil"],
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("special") / "p")


def kzlod(project: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, KZLOD_PROJECT=str(project))
    try:
        return subprocess.run([sys.executable, "-m", "kzlod", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"kzlod {' '.join(args)} hung on a special file")


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_special_file_given_to_a_command_is_refused_by_name(project, tmp_path, command, kind):
    name, args = COMMANDS[command]
    what = KINDS[kind](tmp_path / name)
    res = kzlod(project, args(name), tmp_path)
    if (command, kind) == ("validate", "directory"):  # a folder given to validate stands for its RDF files
        assert res.returncode == 2, res.stderr
        assert res.stderr.startswith(f"Error: {name}: a folder without RDF files (none named *.json")
        return
    assert res.returncode == 3, res.stderr
    assert res.stderr == f"Error: {name}: is {what}, not a regular file; kzlod reads only regular files\n"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "directory"])
@pytest.mark.parametrize("command", sorted(READERS))
def test_a_special_file_in_data_is_refused_by_name(tmp_path, command, kind):
    project = copy_project(tmp_path / "p")
    special = project / "data" / "special.ttl"
    what = KINDS[kind](special)
    res = kzlod(project, READERS[command], tmp_path)
    assert res.returncode == 3, res.stderr
    assert res.stderr == f"Error: {special}: is {what}, not a regular file; kzlod reads only regular files\n"


def run(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("syntax, declaration", [
    ("ttl", "@prefix p{i}: <x:{i}> .\n"),
    ("ttl", "PREFIX p{i}: <x:{i}>\n"),
    ("rdf", ' xmlns:p{i}="x:{i}"\n'),
])
def test_a_file_with_a_million_prefixes_is_refused_at_the_first_past_the_limit(tmp_path, syntax, declaration):
    """Refused by the text scan at the 20,001st declaration (before the parser reads any)."""
    n = 1_000_000
    path = tmp_path / f"many.{syntax}"
    body = "".join(declaration.format(i=i) for i in range(n))
    if syntax == "ttl":
        path.write_text(body + "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    else:
        path.write_text('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n' + body + "/>\n")
    res = run("--project", str(ROOT), "validate", str(path))
    assert res.exit_code == 3, res.output
    line = 20_001  # RDF/XML: xmlns:rdf is the first
    assert res.stderr.startswith(f"Error: {path}:{line}:")
    assert res.stderr.rstrip("\n").endswith(
        "more than 20,000 prefixes is over the limit of 20,000 (KZLOD_MAX_PREFIXES)")


def test_unused_prefixes_of_an_added_file_are_not_copied(tmp_path):
    project = copy_project(tmp_path / "p")
    unused = "".join(f"@prefix unused{i}: <http://example.org/unused/{i}#> .\n" for i in range(10_000))
    new = tmp_path / "new.ttl"
    new.write_text(PREFIXES + unused + "@prefix geo: <http://example.org/geo#> .\n"
                   'kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ; kz:iso3166Alpha2 "MN" ; '
                   'kz:iso3166Alpha3 "MNG" .\n', encoding="utf-8")
    res = run("--project", str(project), "add", str(new))
    assert res.exit_code == 0, res.output
    data = "".join(p.read_text(encoding="utf-8") for p in (project / "data").rglob("*.ttl"))
    assert "unused" not in data and "example.org/geo" not in data
    assert '"Mongolia"@en' in data
