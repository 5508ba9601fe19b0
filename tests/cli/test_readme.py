"""README and docs/: the Quick start is two commands and CI runs the second, the tour runs, the generated
parts are current, every link resolves, and the exit codes are written down in one place."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import documented_exit_codes

from kzlod import api

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start() -> list[str]:
    m = re.search(r"^## Quick start.*?^```\w*\n(.*?)^```", README, re.M | re.S)
    assert m, "README has a Quick start code block"
    return [ln.strip() for ln in m.group(1).splitlines() if ln.strip() and not ln.strip().startswith("#")]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    """Two lines to paste on a fresh Debian or Ubuntu (where pip refuses to install outside a venv): the
    first makes a venv, installs the package as a user gets it (no -e) and runs a named query; the
    second installs the test extras into the same venv and runs the tests, and is what CI runs."""
    lines = quick_start()
    assert len(lines) == 2, lines
    first, second = lines
    steps = [shlex.split(step) for step in first.split("&&")]
    assert steps[0][:3] == ["python3", "-m", "venv"] and len(steps[0]) == 4, first
    venv = steps[0][3]
    assert steps[1] == [f"{venv}/bin/pip", "install", "."], first
    assert steps[2][:2] == [f"{venv}/bin/kzlod", "query"] and steps[2][2] in api.named_queries(), first
    assert [shlex.split(step) for step in second.split("&&")] == [[f"{venv}/bin/pip", "install", ".[test]"],
                                                                  [f"{venv}/bin/pytest"]], second
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert second in ci.splitlines(), "CI runs the second line as it is written"
    # CI starts from a fresh clone: it makes the venv itself before that line when the first has not run.
    make = f"[ -x {venv}/bin/pip ] || python3 -m venv {venv}"
    assert make in ci.splitlines() and ci.index(make) < ci.index(second)
    assert f"/{venv}/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split(), "the venv is not committed"


def test_the_tour_is_ten_commands_that_run():
    """The README's tour, as a reader types it after the Quick start: every kzlod command in it
    succeeds on the project (the server is left out: tests/web starts it)."""
    from click.testing import CliRunner

    from kzlod.cli import cli

    m = re.search(r"^## A tour in ten commands\n+```bash\n(.*?)^```", README, re.M | re.S)
    assert m, "README has the tour right after the Quick start"
    lines = m.group(1).splitlines()
    assert len(lines) == 10
    commands = [shlex.split(line, comments=True) for line in lines]
    assert commands[0] == ["source", ".venv/bin/activate"] and commands[-2] == ["kzlod", "serve"]
    for args in commands[1:-2]:
        assert args[0] == "kzlod", args
        args = args[1:args.index(">")] if ">" in args else args[1:]  # the shell's redirection
        res = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert res.exit_code == 0, (args, res.output)
        assert res.stdout.strip(), args


GENERATED = ["README.md"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")
                                   if "[[[cog" in p.read_text(encoding="utf-8"))


def test_the_command_reference_and_the_api_reference_are_generated():
    assert {"README.md", "docs/cli.md", "docs/python-api.md"} <= set(GENERATED)


@pytest.mark.parametrize("doc", GENERATED)
def test_generated_parts_are_current(doc):
    """`cog --check` fails when an output, the command reference or the API reference is stale."""
    res = subprocess.run([sys.executable, "-m", "cogapp", "--check", doc], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, (res.stdout + res.stderr)[-2000:] + f"\nrun: cog -r {doc}"


def test_the_architecture_names_every_part_of_the_package():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    parts = sorted(p.relative_to(ROOT).as_posix() + ("/" if p.is_dir() else "")
                   for p in (ROOT / "kzlod").iterdir()
                   if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.stem[0] != "_"))
    missing = [part for part in parts if f"`{part}`" not in text and f"`{part.rstrip('/')}" not in text]
    assert not missing, f"docs/architecture.md does not place: {missing}"


def anchors(text: str) -> set[str]:
    """The anchors GitHub makes of a Markdown page's headings (lower case, punctuation dropped,
    spaces as hyphens), code blocks left out."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", text, re.M)}


DOCS = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS)
def test_docs_link_to_files_and_headings_that_exist(doc):
    """Every relative link of the README and docs/ (pages, images, files of the repository) leads to
    a file that exists, and a link to a heading of a page to a heading that page has."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    prose = re.sub(r"^```.*?^```|<!-- \[\[\[cog.*?\]\]\] -->|`[^`\n]*`", "", text, flags=re.M | re.S)
    links = re.findall(r"\]\(([^)\s]+)\)", prose)
    for link in links:
        if re.match(r"[a-z]+:", link):
            continue  # https://…, mailto: …
        path, _, anchor = link.partition("#")
        target = ((ROOT / doc).parent / path).resolve() if path else ROOT / doc
        assert target.exists(), f"{doc} links to {link}: no such file"
        if anchor:
            assert anchor in anchors(target.read_text(encoding="utf-8")), f"{doc} links to {link}: no such heading"


def test_the_exit_codes_are_written_down_once_and_the_errors_carry_them():
    """docs/cli.md's table is the contract: every error class carries one of its codes, the top-level
    help sums up the same codes, and no other page has a table of its own to drift from it."""
    from click.testing import CliRunner

    from kzlod import errors
    from kzlod.cli import cli

    table = documented_exit_codes()
    assert sorted(table) == [0, 1, 2, 3, 130]
    assert "usage" in table[2] and "unreadable input" in table[3] and "interrupted" in table[130]
    classes, todo = set(), [errors.KzlodError]
    while todo:
        cls = todo.pop()
        classes.add(cls)
        todo.extend(cls.__subclasses__())
    assert {cls.exit_code for cls in classes} == {1, 2, 3}, "every error's code is in the table"
    summary = " ".join(CliRunner().invoke(cli, ["--help"], terminal_width=200).stdout.split())
    assert re.search(r"Exit codes: 0 ok; 1 .*; 2 usage error; 3 unreadable input\.", summary)
    for doc in ["README.md", *(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]:
        if doc != "docs/cli.md":
            assert "| code | meaning |" not in (ROOT / doc).read_text(encoding="utf-8"), doc
