"""What the cog blocks of README.md and docs/*.md call: a command's output as a console block, and
the lists and tables generated from the package.

cog puts the folder of the file it processes on ``sys.path``: a page of docs/ imports this module
as ``cogutil``, README.md as ``docs.cogutil``. A block is then one line, for example::

    <!-- [[[cog from cogutil import show; show("kzlod stats", lines=14) ]]] -->

Commands run in this process with click's CliRunner, on this repository's project (or on a
throw-away copy of it, see :func:`project_copy`); regenerate with ``cog -r README.md docs/*.md``.
A test (tests/cli/test_readme.py) checks that every block is current.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_folders = [ROOT]  # where commands run: the repository, or the copy project_copy made


def _out(text: str) -> None:
    import cog

    cog.outl(text)


@contextlib.contextmanager
def _working_in(folder: Path):
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def run(command: str, *, width: int = 110):
    """Run ``kzlod ARGS…`` (a shell-quoted line) in the current folder, on a terminal ``width``
    columns wide (help and tables); the CliRunner result."""
    from click.testing import CliRunner

    from kzlod.cli import cli

    args = shlex.split(command)
    assert args[0] == "kzlod", command
    with _working_in(_folders[-1]):
        return CliRunner().invoke(cli, args[1:], terminal_width=width, prog_name="kzlod",
                                env={"COLUMNS": str(width)})


def show(command: str, *, width: int = 110, lines: int | None = None, tail: int | None = None,
         before: str = "") -> None:
    """``$ command`` and what it prints (stdout, then stderr) in a console block, cut to its first
    ``lines`` or last ``tail`` lines (an ellipsis says so); a non-zero exit code as ``$ echo $?``.
    ``before`` is shown first (a ``$ cat FILE`` and the file, say)."""
    res = run(command, width=width)
    out = (res.stdout + res.stderr).rstrip("\n").splitlines()
    if lines is not None and len(out) > lines:
        out = out[:lines] + ["…"]
    if tail is not None and len(out) > tail:
        out = ["…"] + out[-tail:]
    _out("```console")
    if before:
        _out(before.rstrip())
    _out(f"$ {command}")
    for line in out:
        _out(line.rstrip())
    if res.exit_code:
        _out(f"$ echo $?\n{res.exit_code}")
    _out("```")


@contextlib.contextmanager
def project_copy(*extra: str):
    """A throw-away copy of the project (ontology/, shapes/, data/, kzlod.toml and the ``extra``
    folders, such as ``examples``), where :func:`show` runs its commands until the block ends."""
    work = Path(tempfile.mkdtemp())
    for name in ("ontology", "shapes", "data", *extra):
        shutil.copytree(ROOT / name, work / name)
    shutil.copy(ROOT / "kzlod.toml", work)
    _folders.append(work)
    try:
        yield work
    finally:
        _folders.pop()
        shutil.rmtree(work)


def show_file(name: str, text: str, command: str) -> None:
    """Write ``text`` to ``name`` in the current folder, then show ``$ cat name`` and ``command``."""
    (_folders[-1] / name).write_text(text, encoding="utf-8")
    show(command, before=f"$ cat {name}\n{text}")


def named_queries() -> None:
    """One bullet per named query: its name, parameters, title and description."""
    from kzlod import api

    for q in api.named_queries().values():
        params = "".join(f" --param {p} IRI" for p in q.params)
        _out(f"- `{q.name}`{params} — **{q.title}.** {q.description}")


def limits_table() -> None:
    """The limits of queries and of the input gate: what each limits, its default, how to set it."""
    from kzlod import settings

    def set_with(s):
        option = f"`{s.option.split(' (')[0]}`, " if s.option else ""
        return f"{option}`{s.env}`"

    _out("| limit | default | set with |")
    _out("|---|---|---|")
    for s in settings.SETTINGS.values():
        if s.group in settings.LIMIT_GROUPS:
            _out(f"| {s.help} | {settings.shown_default(s)} | {set_with(s)} |")


def publish(date: str = "2026-11-30") -> None:
    """``kzlod publish release``, the release's first files, and ``sha256sum -c`` on it."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "release"
        res = run(f"kzlod publish {out} --date {date}")
        text = res.stdout.replace(str(out), "release")
        text = re.sub(r"\n  seconds .*", "", text).replace(" (cached)", "")
        names = (["release:"] + sorted(p.name for p in out.iterdir())
                 + ["", "release/dumps:"] + sorted(p.name for p in (out / "dumps").iterdir()))
        check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True,
                               check=True)
    _out("```console")
    _out(f"$ kzlod publish release --date {date}")
    _out(text.rstrip())
    _out("$ ls release release/dumps | head -12")
    _out("\n".join(names[:12]))
    _out("$ cd release && sha256sum -c SHA256SUMS | tail -2")
    _out("\n".join(check.stdout.splitlines()[-2:]))
    _out("```")
