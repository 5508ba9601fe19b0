"""Where ``kzlod publish`` writes: into a symlink's target, into an empty mount point, never deleting
or replacing what no earlier release wrote, never creating a folder a path only passes through, never
inside the project's own folders (regressions: ``publish --force`` deleted ``.git``, ``CNAME`` and
``.nojekyll``; a symlinked folder was replaced by a plain one; ``publish missing/../out`` created
``missing``; a release into ``data/release`` was read back as the project's data)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_project

from kzlod.cli import cli
from kzlod.errors import UsageError
from kzlod.publishing.outdir import resolve_outdir, staged_release


def sums(files: dict[str, bytes]) -> bytes:
    return "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in sorted(files)).encode()


def fake_publish(outdir: Path, files: dict[str, bytes], *, force: bool = True) -> None:
    """A release of these files (and void.ttl), made as ``publish`` makes one."""
    files = {"void.ttl": b"# void\n", **files}
    with staged_release(resolve_outdir(outdir), force=force) as staging:
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        (staging / "SHA256SUMS").write_bytes(sums(files))


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


OLD = {"index.html": b"old index", "id/gone.html": b"a page the new release drops", "dumps/kzlod-1.nq": b"1"}
NEW = {"index.html": b"new index", "dumps/kzlod-2.nq": b"2"}
KEPT = {".git/config": b"[core]", ".git/HEAD": b"ref: main", "CNAME": b"example.org", ".nojekyll": b""}


def setup_kept(out: Path) -> None:
    fake_publish(out, OLD)
    for name, data in KEPT.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)


def check_kept(out: Path, err) -> None:
    assert err is None
    got = tree(out)
    assert {n: got.get(n) for n in KEPT} == KEPT
    assert "id/gone.html" not in got and "dumps/kzlod-1.nq" not in got  # listed, unchanged: replaced
    assert got["index.html"] == b"new index" and got["dumps/kzlod-2.nq"] == b"2"


def setup_changed(out: Path) -> None:
    fake_publish(out, OLD)
    (out / "id" / "gone.html").write_bytes(b"the publisher's own edit")


def check_changed(out: Path, err) -> None:
    assert err is None and (out / "id" / "gone.html").read_bytes() == b"the publisher's own edit"


def setup_unlisted(out: Path) -> None:
    fake_publish(out, OLD)
    (out / "dumps" / "kzlod-2.nq").write_bytes(b"the publisher's file of that name")


def check_unlisted(out: Path, err) -> None:
    assert isinstance(err, UsageError) and "not written by an earlier release" in err.message
    assert (out / "dumps" / "kzlod-2.nq").read_bytes() == b"the publisher's file of that name"
    assert (out / "index.html").read_bytes() == b"old index"  # refused before anything moved
    assert not list(out.glob(".kzlod-staging-*"))


def setup_hostile_sums(out: Path) -> None:
    fake_publish(out, OLD)
    (out.parent / "outside.txt").write_bytes(b"x")
    (out / ".git").mkdir()
    (out / ".git" / "config").write_bytes(b"x")
    digest = hashlib.sha256(b"x").hexdigest()
    with (out / "SHA256SUMS").open("a") as fh:
        fh.write(f"{digest}  ../outside.txt\n{digest}  .git/config\n{digest}  /{out.parent / 'outside.txt'}\n")


def check_hostile_sums(out: Path, err) -> None:
    assert err is None
    assert (out.parent / "outside.txt").read_bytes() == b"x" and (out / ".git" / "config").read_bytes() == b"x"


def setup_symlink(out: Path) -> None:
    target = out.parent / "target"
    target.mkdir()
    out.symlink_to(target)


def check_symlink(out: Path, err) -> None:
    assert err is None and out.is_symlink()
    assert tree(out.parent / "target")["index.html"] == b"new index"


def setup_mount_point(out: Path) -> None:
    out.mkdir()
    out.parent.joinpath("before").write_text(str(out.stat().st_ino))


def check_mount_point(out: Path, err) -> None:
    """The folder itself is never renamed (a mount point cannot be): same inode, nothing beside it."""
    assert err is None
    assert str(out.stat().st_ino) == out.parent.joinpath("before").read_text()
    assert sorted(p.name for p in out.parent.iterdir()) == ["before", "out"]


CASES = {
    "--force keeps .git, CNAME, .nojekyll and removes what the last release listed": (setup_kept, check_kept),
    "a listed file the publisher changed stays": (setup_changed, check_changed),
    "a file no release wrote is not replaced": (setup_unlisted, check_unlisted),
    "a hostile SHA256SUMS deletes nothing outside the release": (setup_hostile_sums, check_hostile_sums),
    "a symlinked folder is written through, the link stays": (setup_symlink, check_symlink),
    "an empty mount point is written into, never renamed": (setup_mount_point, check_mount_point),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_publish_writes_only_what_it_owns(tmp_path, case):
    setup, check = CASES[case]
    base = tmp_path / "base"
    base.mkdir()
    out = base / "out"
    setup(out)
    try:
        fake_publish(out, NEW)
        err = None
    except UsageError as exc:
        err = exc
    check(out, err)


def run(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("outdir") / "p")


@pytest.mark.parametrize("inside", ["data/release", "data", "ontology/site", "shapes/x/y"])
def test_a_folder_inside_the_projects_own_folders_is_refused(project, inside):
    before = tree(project)
    res = run("--project", str(project), "publish", str(project / inside))
    folder = inside.split("/")[0]
    assert res.exit_code == 2, res.output
    assert res.stderr == (f"Error: {project / inside}: is inside the project's {folder}/ folder, whose files are "
                          "read as the project's own; publish into a folder outside it\n")
    assert tree(project) == before


def test_a_path_through_a_missing_folder_creates_nothing_on_the_way(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run("--project", str(project), "publish", os.path.join("missing", "..", "out"))
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "missing").exists()
    assert (tmp_path / "out" / "SHA256SUMS").is_file()
