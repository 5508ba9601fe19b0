"""Where a release is written: the output folder checked, normalised, and written into in place.

* The path is normalised before anything is created (``missing/../out`` is ``out``: ``missing``
  is never made), and a symbolic link is followed: the release goes into the link's target and
  the link stays.
* A folder inside the project's ``data/``, ``ontology/`` or ``shapes/`` is refused: the release
  would be read back as the project's own files.
* The release is made in a staging folder *inside* the output folder, then moved into place a
  file at a time, so an empty mount point takes a release: the output folder itself is never
  renamed or removed.
* Only what the previous release listed in its ``SHA256SUMS``, and still holds as it wrote it, is
  replaced or removed; anything else (a publisher's ``.git``, ``CNAME``, ``.nojekyll``, files of
  their own) stays, and a release file that would replace one is refused.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from kzlod.errors import InputError, UsageError
from kzlod.project import FOLDERS, Project

SUMS = "SHA256SUMS"
STAGING = ".kzlod-staging-"
#: Names a publisher keeps beside a release (a release never writes them, nor any dot-file).
KEPT = frozenset({"CNAME"})


def resolve_outdir(outdir, project: Project | None = None) -> Path:
    """The folder a release goes into: normalised, symbolic links followed, refused inside the
    project's own folders (exit 2). Nothing is created."""
    path = Path(os.path.abspath(os.fspath(outdir)))
    real = Path(os.path.realpath(path))
    if project is not None:
        for name in FOLDERS:
            folder = Path(os.path.realpath(project.root / name))
            if real == folder or folder in real.parents:
                raise UsageError(f"{outdir}: is inside the project's {name}/ folder, whose files are read as "
                                 "the project's own; publish into a folder outside it")
    return real


def _kept(name: str) -> bool:
    return name.startswith(".") or name in KEPT


def is_release(folder: Path) -> bool:
    return (folder / SUMS).is_file() and (folder / "void.ttl").is_file()


def check_outdir(outdir: Path, *, force: bool = False) -> None:
    """Refuse an output folder that cannot take a release: not a folder, or holding files (other
    than a publisher's dot-files and ``CNAME``) without ``force`` or without an earlier release."""
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"{outdir}: exists and is not a folder")
    taken = outdir.is_dir() and any(not _kept(entry.name) for entry in outdir.iterdir())
    if taken and not force:
        raise UsageError(f"{outdir}: folder is not empty; give --force to replace an earlier release")
    if taken and not is_release(outdir):
        raise UsageError(f"{outdir}: not an earlier kzlod release (no SHA256SUMS and void.ttl); refusing to replace it")


def previous_release(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of what the release in ``folder`` listed in its ``SHA256SUMS``; a
    path that is absolute, climbs out (``..``) or names a dot-file or ``CNAME`` is never taken."""
    try:
        lines = (folder / SUMS).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    listed = {}
    for line in lines:
        digest, _, name = line.partition("  ")
        parts = PurePosixPath(name).parts
        if (len(digest) != 64 or not name or name.startswith("/") or "\\" in name or "\0" in name
                or any(p in ("..", ".") or _kept(p) for p in parts) or name == SUMS):
            continue
        listed[PurePosixPath(name).as_posix()] = digest.lower()
    return listed


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _inside(folder: Path, path: Path) -> bool:
    real = Path(os.path.realpath(path))
    return real == folder or folder in real.parents


def install(staging: Path, outdir: Path) -> None:
    """Move a finished release from ``staging`` into ``outdir``: refuse first if it would replace
    a file no earlier release wrote; then every file, ``SHA256SUMS`` last; then remove what the
    previous release listed, holds unchanged, and this one no longer has."""
    old = previous_release(outdir)
    new = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
    for name in new:
        target = outdir / name
        if not (target.exists() or target.is_symlink()) or name == SUMS and is_release(outdir):
            continue
        if target.is_symlink() or not target.is_file() or not _inside(outdir, target):
            raise UsageError(f"{target}: is in the way of the release (not a file of the folder); "
                             "refusing to replace it")
        if name not in old and _sha256(target) != _sha256(staging / name):
            raise UsageError(f"{target}: not written by an earlier release (not in its SHA256SUMS); "
                             "refusing to replace it")
    for name in [n for n in new if n != SUMS] + [SUMS]:
        target = outdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)
    gone = set(new)
    for name, digest in sorted(old.items()):
        target = outdir / name
        if name in gone or target.is_symlink() or not target.is_file() or not _inside(outdir, target):
            continue
        if _sha256(target) == digest:  # as the earlier release wrote it: a file a publisher changed stays
            target.unlink()
            for parent in target.parents:
                if parent == outdir or not _inside(outdir, parent):
                    break
                try:
                    parent.rmdir()  # only if the removal left it empty
                except OSError:
                    break


@contextmanager
def staged_release(outdir: Path, *, force: bool = False):
    """Yield a fresh staging folder inside ``outdir`` to write a release into; then
    :func:`install` it. If anything fails, ``outdir`` is left as it was (a folder this made is
    removed again)."""
    check_outdir(outdir, force=force)
    made = not outdir.exists()
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{exc.filename or outdir}: cannot create folder: {exc.strerror or exc}") from None
    for left in outdir.glob(STAGING + "*"):  # an interrupted publish's
        shutil.rmtree(left, ignore_errors=True)
    staging = outdir / f"{STAGING}{os.getpid()}"
    done = False
    try:
        staging.mkdir()
        yield staging
        install(staging, outdir)
        done = True
    except OSError as exc:
        raise InputError(f"{outdir}: cannot write the release: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if made and not done:
            try:
                outdir.rmdir()
            except OSError:
                pass


def check_same_version(outdir: Path, version: str, digests: dict[str, str]) -> None:
    """Refuse to replace a release of ``version`` whose dumps hold other content: a version names one content."""
    sums = Path(outdir) / "SHA256SUMS"
    try:
        lines = sums.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return
    prefix = f"dumps/kzlod-{version}."
    for line in lines:
        digest, _, name = line.partition("  ")
        if name.startswith(prefix) and name.endswith(".nq") and name in digests and digests[name] != digest:
            raise UsageError(f"{outdir}: holds release {version} with other content ({name} differs); "
                             "a version names one content: give another --version, or publish into another folder")
