"""README: the Quick start is two commands, CI runs the second, and the generated parts are current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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


def test_generated_parts_are_current():
    """`cog --check` fails when an output or the command reference in README is stale."""
    res = subprocess.run([sys.executable, "-m", "cogapp", "--check", "README.md"], cwd=ROOT,
                         capture_output=True, text=True)
    assert res.returncode == 0, (res.stdout + res.stderr)[-2000:] + "\nrun: cog -r README.md"
