"""A bad setting stops every command with one line naming it, exit code 2; help still works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kzlod.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def invoke(args, env):
    return CliRunner().invoke(cli, args, env=env, prog_name="kzlod")


@pytest.mark.parametrize("env, value, line", [
    ("KZLOD_MAX_ROWS", "abc", "Error: KZLOD_MAX_ROWS='abc': must be a whole number of at least 1"),
    ("KZLOD_QUERY_TIMEOUT", "-3", "Error: KZLOD_QUERY_TIMEOUT='-3': must be a number of seconds greater than 0"),
    ("KZLOD_REASONER", "quick", "Error: KZLOD_REASONER='quick': must be one of owlrl, reasonable, auto"),
    ("KZLOD_MAX_FILE_BYTES", "1e6", "Error: KZLOD_MAX_FILE_BYTES='1e6': must be a whole number of at least 1"),
    ("KZLOD_CACHE_MAX_MB", "big", "Error: KZLOD_CACHE_MAX_MB='big': must be a whole number of at least 0"),
    ("KZLOD_MAX_NESTING", "6\n4", "Error: KZLOD_MAX_NESTING='6\\n4': must be a whole number of at least 1"),
])
def test_kzlod_query_with_a_bad_setting_exits_2_with_one_line(env, value, line):
    res = invoke(["query", "memberships"], {env: value})
    assert (res.exit_code, res.stdout, res.stderr) == (2, "", line + "\n")


def test_the_same_from_a_shell():
    """The issue's example, as a user types it: no traceback, one line, exit 2."""
    import os

    res = subprocess.run([sys.executable, "-m", "kzlod", "query", "memberships"], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "KZLOD_MAX_ROWS": "abc"})
    assert (res.returncode, res.stdout, res.stderr) == (
        2, "", "Error: KZLOD_MAX_ROWS='abc': must be a whole number of at least 1\n")


def leaf_commands():
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from ([name, sub] for sub in command.list_commands(ctx))
        else:
            yield [name]


#: Arguments each command would run with (the bad setting stops it first).
ARGS = {
    "add": ["new.ttl"], "cache info": [], "cache clear": [], "coverage": [], "describe": ["Armenia"],
    "diff": ["a.ttl", "b.ttl"], "fmt": ["--check"], "graph": ["--out", "map.svg"], "init": ["new-project"],
    "load": ["--store", "oxigraph:new-store"], "locate": ["foreign-policy", "a quote"],
    "mentions": ["foreign-policy"], "publish": ["release"], "push": ["--endpoint", "http://127.0.0.1:9/sparql"],
    "queries": [], "query": ["memberships"], "reason": [], "review": ["foreign-policy"], "search": ["Karabakh"],
    "serve": ["--port", "0"],
    "new": ["State"], "source add": ["text.txt", "--title", "A Title", "--author", "Someone"], "stats": [],
    "template": ["claims.tsv"], "validate": [], "vocab": [],
}


def test_the_table_has_every_command():
    assert sorted(" ".join(c) for c in leaf_commands()) == sorted(ARGS)


@pytest.mark.parametrize("command", sorted(ARGS))
def test_every_command_stops_at_a_bad_setting(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = "Error: KZLOD_MAX_LITERAL_CHARS='many': must be a whole number of at least 1\n"
    env = {"KZLOD_MAX_LITERAL_CHARS": "many", "KZLOD_CACHE_DIR": str(tmp_path / "cache")}
    if command == "serve":  # in a process of its own: a server that started would not return
        import os

        res = subprocess.run([sys.executable, "-m", "kzlod", "serve", *ARGS[command]], capture_output=True,
                             text=True, env={**os.environ, **env}, timeout=60)
        assert (res.returncode, res.stdout, res.stderr) == (2, "", line)
        return
    res = invoke([*command.split(), *ARGS[command]], env)
    assert (res.exit_code, res.stdout, res.stderr) == (2, "", line)
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing was made"


@pytest.mark.parametrize("args", [["--help"], ["query", "--help"], ["cache", "--help"], ["--version"]])
def test_help_works_whatever_the_settings(args):
    res = invoke(args, {"KZLOD_MAX_ROWS": "abc", "KZLOD_REASONER": "quick"})
    assert res.exit_code == 0 and res.stdout and not res.stderr
