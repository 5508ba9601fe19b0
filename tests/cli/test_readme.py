"""README: the Quick start is two commands, CI runs the second, and the generated parts are current."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_docs_link_to_files_that_exist():
    import re

    for doc in ["README.md", *(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]:
        base = (ROOT / doc).parent
        for target in re.findall(r"\]\(([^)#:]+\.md)\)", (ROOT / doc).read_text(encoding="utf-8")):
            assert (base / target).is_file(), f"{doc} links to {target}, which does not exist"
