"""Progress lines on a terminal never run into a note or an error: the line is cleared first."""

from __future__ import annotations

import pytest

from kzlod.cli.common import Ctx

CLEAR = "\r\x1b[K"


def terminal() -> Ctx:
    ctx = Ctx()
    ctx.tty = True
    return ctx


def test_a_note_clears_the_progress_line(capsys):
    ctx = terminal()
    with ctx.step("loading graph"):
        ctx.note("kzlod: no project here")
    assert capsys.readouterr().err == f"loading graph…{CLEAR}kzlod: no project here\n"


def test_an_error_clears_the_progress_line(capsys):
    ctx = terminal()
    with pytest.raises(ValueError), ctx.step("querying"):
        raise ValueError("bad SPARQL")
    assert capsys.readouterr().err == f"querying…{CLEAR}"  # the error's message starts the line


def test_a_step_that_ends_says_its_time_and_quiet_says_nothing(capsys):
    ctx = terminal()
    with ctx.step("querying"):
        pass
    err = capsys.readouterr().err
    assert err.startswith("querying… ") and err.endswith(" s\n")
    quiet = terminal()
    quiet.quiet = True
    with quiet.step("querying"):
        quiet.note("note")
    assert capsys.readouterr().err == ""
