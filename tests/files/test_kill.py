"""`kzlod add` killed at several points leaves data/ unchanged or fully updated; concurrent adds serialise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_project, snapshot

from kzlod.files.safewrite import recover

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SOURCE = (ROOT / "data" / "sources" / "foreign-policy.txt").read_text(encoding="utf-8")
QUOTE = "As a major oil producer"
START = SOURCE.index(QUOTE)

PREFIXES = """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
@prefix kzsrc: <https://w3id.org/kzlod/id/source/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

# Two subjects that go to two different files: an entity and a claim of the EU section.
TWO_FILES = PREFIXES + f"""
kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ; kz:iso3166Alpha2 "MN" ; kz:iso3166Alpha3 "MNG" .

kzd:characterisation-kill-test a kz:Characterisation ;
    rdfs:comment "Kazakhstan is a major oil producer."@en ;
    kz:about kzd:kazakhstan ;
    kz:modality kz:modality-asserted ;
    kz:aspect kz:aspect-oil-production ;
    kz:hasEvidence [
        a kz:Evidence ;
        oa:hasSource kzsrc:foreign-policy ;
        kz:sentence <https://w3id.org/kzlod/id/source/foreign-policy/sentence/3> ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{QUOTE}" ] ,
            [ a oa:TextPositionSelector ; oa:start {START} ; oa:end {START + len(QUOTE)} ]
    ] .
"""


make_project = copy_project


def kzlod_add(project: Path, new: Path, env_extra: dict | None = None, cache: Path | None = None):
    env = dict(os.environ, KZLOD_CACHE_DIR=str(cache or project.parent / "cache"), **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-m", "kzlod", "--quiet", "add", str(new), "--project", str(project)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """data/ before and after a complete add."""
    base = tmp_path_factory.mktemp("reference")
    project = make_project(base / "project")
    new = base / "new.ttl"
    new.write_text(TWO_FILES, encoding="utf-8")
    before = snapshot(project / "data")
    proc = kzlod_add(project, new)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    after = snapshot(project / "data")
    changed = {k for k in after if before.get(k) != after[k]}
    assert len(changed) == 2, changed  # the test needs an add that touches two files
    return before, after


@pytest.mark.parametrize("point", ["journal-written", "before-rename", "after-rename-1", "after-rename-2"])
def test_killed_add_leaves_data_old_or_new(reference, tmp_path, point):
    before, after = reference
    project = make_project(tmp_path / "project")
    new = tmp_path / "new.ttl"
    new.write_text(TWO_FILES, encoding="utf-8")
    proc = kzlod_add(project, new, {"KZLOD_FAULT": point})
    proc.communicate(timeout=120)
    assert proc.returncode == -9, f"the add was not killed at {point}"
    # Whatever moment it died, no file is ever half-written: each is its old or its new version.
    for name, data in snapshot(project / "data").items():
        if Path(name).name.startswith("."):
            continue  # the writer's own hidden temp, backup and journal files
        assert data in (before.get(name), after.get(name)), f"{name} is neither old nor new after a kill at {point}"
    # The next writer (or start-up) recovers: all old or all new, no leftovers.
    recover(project / "data")
    state = snapshot(project / "data")
    assert state in (before, after), f"data/ is mixed after a kill at {point} and recovery"
    assert not any(name.startswith(".kzlod-journal") for name in state)


@pytest.mark.parametrize("point", ["after-rename-1", "after-rename-2"])
def test_a_read_after_a_kill_between_renames_sees_all_old_or_all_new(reference, tmp_path, point):
    """Regression: after a crash between renames, query and serve read a mix of old and new
    facts until the next add; now every command recovers first."""
    before, after = reference
    project = make_project(tmp_path / "project")
    new = tmp_path / "new.ttl"
    new.write_text(TWO_FILES, encoding="utf-8")
    proc = kzlod_add(project, new, {"KZLOD_FAULT": point})
    proc.communicate(timeout=120)
    assert proc.returncode == -9
    assert (project / "data" / ".kzlod-journal.json").exists()
    ask = ("ASK { kzd:mongolia a kz:State }", "ASK { kzd:characterisation-kill-test a kz:Characterisation }")
    env = dict(os.environ, KZLOD_CACHE_DIR=str(tmp_path / "cache"))
    answers, notes = [], []
    for query in ask:
        res = subprocess.run([sys.executable, "-m", "kzlod", "--project", str(project), "query", query,
                              "--format", "json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        answers.append('"boolean": true' in res.stdout)
        # what recovery says (a rolled-back fact is also named as a term the graph lacks: another note)
        notes.append("\n".join(ln for ln in res.stderr.splitlines() if not ln.startswith("note: ")).strip())
    assert notes[0] in ("kzlod: data/: an interrupted write was completed",
                        "kzlod: data/: an interrupted write was rolled back")
    assert notes[1] == ""  # recovered once, by the first read
    assert answers in ([True, True], [False, False]), f"a mix of old and new facts after a kill at {point}"
    assert snapshot(project / "data") in (before, after)


def test_concurrent_adds_serialise(tmp_path):
    project = make_project(tmp_path / "project")
    files = []
    for code2, code3, name in (("MN", "MNG", "Mongolia"), ("UZ", "UZB", "Uzbekistan"), ("TM", "TKM", "Turkmenistan")):
        f = tmp_path / f"{name}.ttl"
        f.write_text(PREFIXES + f'\nkzd:{name.lower()} a kz:State ; rdfs:label "{name}"@en ; '
                     f'kz:iso3166Alpha2 "{code2}" ; kz:iso3166Alpha3 "{code3}" .\n', encoding="utf-8")
        files.append(f)
    procs = [kzlod_add(project, f, cache=tmp_path / "cache") for f in files]
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    text = (project / "data" / "entities.ttl").read_text(encoding="utf-8")
    for name in ("mongolia", "uzbekistan", "turkmenistan"):
        assert f"kzd:{name} a kz:State" in text, f"{name} was lost by a concurrent add"


def test_a_full_disk_during_add_is_one_line_and_changes_nothing(tmp_path, monkeypatch):
    """Regression: an OSError (ENOSPC) while writing gave a traceback."""
    import errno

    from click.testing import CliRunner

    from kzlod.cli import cli
    from kzlod.files import safewrite

    project = make_project(tmp_path / "project")
    new = tmp_path / "new.ttl"
    new.write_text(TWO_FILES, encoding="utf-8")
    before = snapshot(project)

    def full(target, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(safewrite, "_write_temp", full)
    res = CliRunner().invoke(cli, ["-q", "--project", str(project), "add", str(new)])
    assert res.exit_code == 3, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {project}/data/")
    assert lines[0].endswith(": cannot write: No space left on device; nothing was changed")
    assert snapshot(project) == before
