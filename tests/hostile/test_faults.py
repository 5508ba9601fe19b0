"""Every error is a kzlod error: one line on stderr, a documented exit code, no traceback, no data
file changed, whatever fails under a command (a full disk, a held lock, a dropped connection, a
parser's exception)."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from click.testing import CliRunner
from conftest import PREFIXES, copy_project, snapshot

from kzlod.cli import cli
from kzlod.files.safewrite import project_lock

FORK = multiprocessing.get_context("fork")

MONGOLIA = PREFIXES + """
kzd:mongolia a kz:State ;
    rdfs:label "Mongolia"@en ;
    kz:iso3166Alpha2 "MN" ;
    kz:iso3166Alpha3 "MNG" .
"""


def _hold_lock(folder, ready, done):
    with project_lock(folder):
        ready.set()
        done.wait(20)


def test_add_waiting_for_another_writers_lock_ends_in_one_line_naming_lock_and_holder(tmp_path, monkeypatch):
    project = copy_project(tmp_path / "project")
    new = tmp_path / "mongolia.ttl"
    new.write_text(MONGOLIA, encoding="utf-8")
    before = snapshot(project)
    monkeypatch.setenv("KZLOD_LOCK_TIMEOUT", "0.3")
    ready, done = FORK.Event(), FORK.Event()
    holder = FORK.Process(target=_hold_lock, args=(str(project / "data"), ready, done))
    holder.start()
    try:
        assert ready.wait(10)
        res = CliRunner().invoke(cli, ["-q", "add", str(new), "--project", str(project)])
    finally:
        done.set()
        holder.join(10)
    lock = os.path.realpath(project / "data") + "/.kzlod.lock"
    assert res.exit_code == 1, res.output
    assert res.stderr == (f"Error: {lock}: another writer held this lock (process {holder.pid}) for more than 0.3 s "
                          "(KZLOD_LOCK_TIMEOUT); nothing was changed, try again when it is done\n")
    assert snapshot(project) == before
