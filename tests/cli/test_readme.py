"""README: the Quick start is two commands, CI runs the second, and the generated parts are current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start() -> list[str]:
    m = re.search(r"^## Quick start.*?^```\w*\n(.*?)^```", README, re.M | re.S)
    assert m, "README has a Quick start code block"
    return [ln.strip() for ln in m.group(1).splitlines() if ln.strip() and not ln.strip().startswith("#")]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    lines = quick_start()
    assert len(lines) == 2
    assert "kzlod query" in lines[0] and lines[0].startswith("pip install .")
    assert "pytest" in lines[1]
    assert lines[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


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
