"""A release's pages made on two cores (kzlod.publishing.pages): the same bytes as made in one process,
and a child that fails changes nothing, or fails the release as one process would."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzlod.cli import cli
from kzlod.errors import DataError, KzlodError
from kzlod.forking import Claims
from kzlod.project import bundled
from kzlod.publishing import pages as sitepages
from kzlod.publishing import release as publishing
from kzlod.web.site import ReleasePages

OPTIONS = {"version": "9.9.9", "date": "2026-01-01"}


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def one_process(tmp_path_factory) -> tuple[dict, dict]:
    """A release of the bundled graph made without a child: its summary and its files."""
    out = tmp_path_factory.mktemp("one") / "rel"
    summary = publishing.publish(bundled(), out, **OPTIONS)
    return summary, files_of(out)


@pytest.fixture
def forks(monkeypatch) -> list:
    """A child for any number of pages, whatever the machine; the children forked are listed."""
    forked, real = [], sitepages.fork_pickled

    def fork_pickled(work):
        forked.append(work)
        return real(work)

    monkeypatch.setattr(sitepages, "fork_pickled", fork_pickled)
    monkeypatch.setattr(sitepages, "PARALLEL_MIN", 1)
    monkeypatch.setattr(sitepages, "forkable", lambda: True)
    return forked


def same_release(out: Path, summary: dict, one_process) -> None:
    expected_summary, expected = one_process
    assert files_of(out) == expected
    for key in ("files", "bytes", "entity_pages"):
        assert summary[key] == expected_summary[key]


def test_pages_shared_with_a_child_are_the_same_bytes(tmp_path, one_process, forks):
    summary = publishing.publish(bundled(), tmp_path / "rel", **OPTIONS)
    assert len(forks) == 1
    same_release(tmp_path / "rel", summary, one_process)


def test_pages_the_child_made_alone_are_the_same_bytes(tmp_path, monkeypatch, one_process, forks):
    parent = os.getpid()
    made = []

    class ChildTakesAll(Claims):
        def __iter__(self):
            return iter(()) if os.getpid() == parent else super().__iter__()

    class Recorded(sitepages.SitePages):
        def shared(self):
            yield from super().shared()
            made.append(self.theirs)

    monkeypatch.setattr(sitepages, "Claims", ChildTakesAll)
    monkeypatch.setattr(publishing, "SitePages", Recorded)
    summary = publishing.publish(bundled(), tmp_path / "rel", **OPTIONS)
    jobs = ReleasePages(publishing.pages_store(publishing.read_graphs(bundled()))).jobs()
    assert len(made[0]) == summary["entity_pages"] + sum(1 for folder, _, _ in jobs if folder != "id")
    same_release(tmp_path / "rel", summary, one_process)


def test_a_child_that_dies_leaves_its_pages_to_the_parent(tmp_path, monkeypatch, one_process, forks):
    parent, page = os.getpid(), ReleasePages.page

    def dying(self, job):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return page(self, job)

    monkeypatch.setattr(ReleasePages, "page", dying)
    summary = publishing.publish(bundled(), tmp_path / "rel", **OPTIONS)
    assert len(forks) == 1
    same_release(tmp_path / "rel", summary, one_process)


def test_a_page_that_cannot_be_made_fails_the_release_in_one_line(tmp_path, monkeypatch, forks):
    page = ReleasePages.page

    def failing(self, job):
        if job[0] == "claim":  # whichever process takes it
            raise DataError(f"cannot make the page of {job[1]}")
        return page(self, job)

    monkeypatch.setattr(ReleasePages, "page", failing)
    out = tmp_path / "rel"
    res = CliRunner().invoke(cli, ["publish", str(out), "--version", "9.9.9", "--date", "2026-01-01"])
    assert res.exit_code != 0
    assert len(forks) == 1
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "cannot make the page of https://w3id.org/kzlod/id/" in lines[0], res.output
    assert not out.exists()


def test_names_read_again_that_differ_fail_the_release(tmp_path, monkeypatch, forks):
    """This process reads the pages' names again after the dumps (the child keeps the first reading):
    were they to differ, no page could be trusted to be made, and nothing is published."""
    jobs, calls = ReleasePages.jobs, []

    def changing(self):
        calls.append(1)
        found = jobs(self)
        return found if len(calls) == 1 else found[:-1]

    monkeypatch.setattr(ReleasePages, "jobs", changing)
    out = tmp_path / "rel"
    with pytest.raises(KzlodError, match="the graph changed while its release was made"):
        publishing.publish(bundled(), out, **OPTIONS)
    assert len(forks) == 1 and not out.exists()
