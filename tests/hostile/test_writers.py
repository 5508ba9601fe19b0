"""Writers under unlucky timing: no write is based on a stale read (regression: ``kzlod fmt`` running
while ``kzlod add`` wrote lost the facts ``add`` reported as added, 9 rounds of 12), and reading
commands sweep an interrupted write's leftovers, but never a running writer's files."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import PREFIXES, copy_project

from kzlod.files.safewrite import project_lock

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 20


def kzlod(project: Path, *args: str, cache: Path) -> subprocess.Popen:
    env = dict(os.environ, KZLOD_CACHE_DIR=str(cache))
    return subprocess.Popen([sys.executable, "-m", "kzlod", "--quiet", *args, "--project", str(project)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def data_text(project: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((project / "data").rglob("*.ttl")))


@pytest.mark.slow
def test_fmt_racing_add_loses_no_fact_add_reported(tmp_path):
    project = copy_project(tmp_path / "p")
    entities = project / "data" / "entities.ttl"
    rng = random.Random(21)
    reported = []
    for n in range(ROUNDS):
        with entities.open("a", encoding="utf-8") as fh:
            fh.write("\n\n")  # not canonical: fmt has a file to rewrite
        new = tmp_path / f"new-{n}.ttl"
        label = f"Race State {n}"
        code = chr(ord("A") + n)
        new.write_text(PREFIXES + f'kzd:race-state-{n} a kz:State ; rdfs:label "{label}"@en ; '
                       f'kz:iso3166Alpha2 "Q{code}" ; kz:iso3166Alpha3 "QQ{code}" .\n', encoding="utf-8")
        add = kzlod(project, "add", str(new), cache=tmp_path / "cache")
        time.sleep(rng.uniform(0.0, 1.2))  # fmt reads before, while or after add writes
        fmt = kzlod(project, "fmt", cache=tmp_path / "cache")
        add_out, add_err = add.communicate(timeout=120)
        fmt_out, fmt_err = fmt.communicate(timeout=120)
        assert add.returncode == 0, add_err
        assert fmt.returncode == 0, fmt_err
        assert "added 4 triples" in add_out.lower(), add_out
        reported.append(label)
        text = data_text(project)
        missing = [x for x in reported if f'"{x}"@en' not in text]
        assert not missing, f"round {n}: facts add reported are gone: {missing}"


LEFTOVERS = (".entities.ttl.0123456789ab.kzlod-tmp", ".entities.ttl.0123456789ab.kzlod-bak")


@pytest.mark.parametrize("leftover", LEFTOVERS)
def test_a_reading_command_sweeps_an_interrupted_writes_leftovers(tmp_path, leftover):
    from kzlod.api.context import open_project

    project = copy_project(tmp_path / "p")
    stray = project / "data" / leftover
    stray.write_text("half a file", encoding="utf-8")
    open_project(project)  # what every command does first
    assert not stray.exists()


@pytest.mark.parametrize("leftover", LEFTOVERS)
def test_a_running_writers_files_are_left_alone(tmp_path, leftover):
    from kzlod.api.context import open_project

    project = copy_project(tmp_path / "p")
    stray = project / "data" / leftover
    stray.write_text("a writer at work", encoding="utf-8")
    held, release = threading.Event(), threading.Event()

    def writer():
        with project_lock(project / "data"):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert held.wait(30)
        open_project(project)
        assert stray.exists()
    finally:
        release.set()
        thread.join()
