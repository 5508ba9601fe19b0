"""Escape sequences in data never reach a terminal raw.

A label or quote may hold what a terminal obeys: OSC 52 (write the clipboard), OSC 0 (set the
window title), CSI 2J (clear the screen), the 8-bit CSI (C1 ``\\x9b``), a bidirectional override.
Each command that prints data is run on a pseudo-terminal over a project whose data holds them;
every sequence must come out as its visible escape (``\\x1b``, ``\\x9b``, ``\\u202e``), never raw.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzlod.cli import cli
from kzlod.text import one_line, visible

ROOT = Path(__file__).resolve().parents[2]

#: name -> (the sequence as Turtle writes it in a string, the raw characters, how it must show)
SEQUENCES = {
    "clipboard (OSC 52)": ("\\u001B]52;c;ZXZpbA==\\u0007", "\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07"),
    "window title (OSC 0)": ("\\u001B]0;pwned\\u0007", "\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),
    "clear screen (CSI 2J)": ("\\u001B[2J", "\x1b[2J", "\\x1b[2J"),
    "8-bit CSI (C1)": ("\\u009B31m", "\x9b31m", "\\x9b31m"),
    "bidi override": ("\\u202Eevil", "\u202eevil", "\\u202eevil"),
}
EVIL = "Trojan " + " ".join(turtle for turtle, _, _ in SEQUENCES.values())


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project whose data names a region by the evil label and quotes it as a sentence would."""
    folder = tmp_path_factory.mktemp("evil")
    for name in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / name, folder / name)
    shutil.copy(ROOT / "kzlod.toml", folder / "kzlod.toml")
    with (folder / "data" / "entities.ttl").open("a", encoding="utf-8") as fh:
        fh.write(f'\nkzd:trojan a kz:Region ;\n    rdfs:label "{EVIL}"@en .\n')
    return folder


def on_a_terminal(args: list[str], cwd: Path, *, timeout: float = 60) -> bytes:
    """What ``kzlod ARGS`` writes to a pseudo-terminal (stdout and stderr both)."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "COLUMNS": "200", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "kzlod", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=terminal, stderr=terminal, env=env, close_fds=True)
    os.close(terminal)
    out, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the process has ended
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(controller)
    return out


COMMANDS = {
    "describe": ["describe", "kzd:trojan"],
    "search": ["search", "Trojan"],
    "query table": ["query", "SELECT ?label WHERE { kzd:trojan rdfs:label ?label }", "--format", "table"],
    "query csv": ["query", "SELECT ?label WHERE { kzd:trojan rdfs:label ?label }", "--format", "csv"],
    "query json": ["query", "SELECT ?label WHERE { kzd:trojan rdfs:label ?label }", "--format", "json"],
    "query turtle": ["query", "CONSTRUCT { kzd:trojan rdfs:label ?l } WHERE { kzd:trojan rdfs:label ?l }"],
    "validate": ["validate", "--no-reason"],
    "an error message": ["describe", "Trojan \u001b]0;pwned\u0007 \u001b[2J \x9b31m \u202eevil"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_escape_sequence_from_data_reaches_a_terminal_raw(project, command):
    out = on_a_terminal(COMMANDS[command], project).decode("utf-8", "replace")
    assert "Trojan" in out, out[-500:]
    for name, (_, raw, shown) in SEQUENCES.items():
        if command == "an error message" and name == "clipboard (OSC 52)":
            continue  # not in the name asked for
        assert raw not in out, f"{command}: {name} reached the terminal raw"
        as_u = re.sub(r"\\x([0-9a-f]{2})", r"\\u00\1", shown)  # how JSON and Turtle write C0 themselves
        escaped = {shown, as_u, re.sub(r"\\u00([0-9a-f]{2})", lambda m: "\\u00" + m.group(1).upper(), as_u)}
        assert any(e in out for e in escaped), f"{command}: {name} is not shown as {shown!r}:\n{out[-800:]}"


def test_every_error_message_is_one_visible_line():
    res = CliRunner().invoke(cli, ["describe", "no such \x1b]0;title\x07 thing\nsecond line"])
    assert res.exit_code == 2
    assert "\x1b" not in res.output and "\\x1b]0;title\\x07" in res.output
    assert res.output.count("\n") == 1


@pytest.mark.parametrize("raw,shown", [
    ("\x1b[31m", "\\x1b[31m"), ("\x07", "\\x07"), ("\x9b", "\\x9b"), ("\x7f", "\\x7f"), ("\u202e", "\\u202e"),
    ("\u2066", "\\u2066"), ("\ud800", "\ufffd"), ("tab\tand\nnewline", "tab\tand\nnewline"), ("Алматы", "Алматы"),
])
def test_visible_escapes_what_a_terminal_obeys_and_keeps_text(raw, shown):
    assert visible(raw) == shown


def test_one_line_also_writes_line_breaks():
    assert one_line("a\nb\rc\u2028d") == "a\\nb\\rc\\u2028d"
