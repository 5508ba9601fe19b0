"""Crash-safe writing of data files.

Every write to a file under ``ontology/``, ``data/`` or ``shapes/`` goes
through :func:`write_text_atomic` (one file) or :func:`write_many_atomic`
(several files that must change together).

The guarantees:

* the text is serialised in memory by the caller and may be checked by a
  ``verify`` callback before anything touches the disk;
* writers in the same folder are serialised by an exclusive lock on
  ``<folder>/.kzlod.lock`` (:func:`project_lock`);
* the new content goes to a temporary file in the target's folder, which is
  flushed and ``fsync``-ed, then renamed over the target with
  :func:`os.replace`, and the folder is ``fsync``-ed; a reader therefore sees
  either the old or the new file, never a mix;
* the target's permission bits are kept;
* on any error the temporary file is removed and the target is left as it
  was.

:func:`write_many_atomic` extends this to several files with a small journal
(``.kzlod-journal.json``), so that a crash leaves either all old or all new
contents; :func:`recover` finishes or undoes an interrupted journal and is
meant to be called on start-up.

:func:`replace_atomically` (and :func:`write_bytes_atomic`) is the same
temporary file, ``fsync`` and rename without the lock, for files that are not
data: the cache's entries (:mod:`kzlod.files.cache`) and a disk store's
``kzlod.json``. Nothing else in kzlod renames a file over another.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from pathlib import Path

from kzlod import settings
from kzlod.errors import InputError
from kzlod.files.lock import LOCK_NAME, LockTimeout, lock_folder_of, project_lock
from kzlod.project import FOLDERS

JOURNAL_NAME = ".kzlod-journal.json"
TEMP_SUFFIX = ".kzlod-tmp"
BACKUP_SUFFIX = ".kzlod-bak"

__all__ = [
    "LOCK_NAME",
    "JOURNAL_NAME",
    "LockTimeout",
    "VerificationError",
    "project_lock",
    "write_text_atomic",
    "write_many_atomic",
    "replace_atomically",
    "write_bytes_atomic",
    "recover",
    "recover_interrupted",
    "recover_project",
    "lock_folder_of",
    "sweep_leftovers",
]


class VerificationError(ValueError):
    """The ``verify`` callback rejected the text; nothing was written."""


# --------------------------------------------------------------------------
# low-level helpers


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _target_mode(path: Path) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return _default_mode()


def _resolve_target(path: str | os.PathLike) -> Path:
    """The file to replace: symbolic links are followed, so the link stays."""
    path = Path(path)
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path.absolute()


def _write_temp(target: Path, data: bytes) -> Path:
    """Write ``data`` to a fresh, fsync-ed temporary file beside ``target``."""
    folder = target.parent
    name = f".{target.name}.{os.urandom(6).hex()}{TEMP_SUFFIX}"
    tmp = folder / name
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            os.fchmod(fd, _target_mode(target))
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _check(text: str, verify: Callable[[str], object] | None, path: Path) -> bytes:
    if not isinstance(text, str):
        raise TypeError(f"text for {path} must be str, not {type(text).__name__}")
    if verify is not None and not verify(text):
        raise VerificationError(f"refusing to write {path}: the new text failed verification")
    return text.encode("utf-8")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _commit(tmp: Path, target: Path) -> None:
    """Rename a finished temporary file over ``target`` and make the rename durable; on an
    error the temporary file goes and the target stays as it was."""
    try:
        os.replace(tmp, target)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _fsync_dir(target.parent)


def replace_atomically(path: str | os.PathLike, fill: Callable[[Path], object]) -> None:
    """Make ``path`` anew, all at once: ``fill(tmp)`` writes a temporary file beside it (by any
    means: bytes, a stream, an SQLite database), which is then ``fsync``-ed and renamed over
    ``path``. A reader sees the old file or the new one, never a part; on any error the
    temporary file is removed and ``path`` is left as it was. No lock is taken: for files that
    any writer makes alike (the cache's entries, a store's metadata under its own lock)."""
    target = Path(path)
    tmp = target.parent / f".{target.name}.{os.urandom(6).hex()}{TEMP_SUFFIX}"
    try:
        fill(tmp)
        _fsync_file(tmp)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _commit(tmp, target)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """:func:`replace_atomically` with these bytes."""
    replace_atomically(path, lambda tmp: tmp.write_bytes(data))


# --------------------------------------------------------------------------
# one file


def write_text_atomic(
    path: str | os.PathLike,
    text: str,
    *,
    verify: Callable[[str], object] | None = None,
    lock: bool = True,
    lock_dir: str | os.PathLike | None = None,
    timeout: float | None = None,
) -> None:
    """Replace the content of ``path`` by ``text`` (UTF-8, written as given).

    ``verify(text)`` is called first; if it returns a false value
    :class:`VerificationError` is raised and nothing is written. With
    ``lock`` the write holds :func:`project_lock` on ``lock_dir`` (default:
    the project folder that holds the file, :func:`lock_folder_of`). The file's
    permission bits are kept.
    """
    target = _resolve_target(path)
    data = _check(text, verify, target)
    guard = project_lock(lock_dir or lock_folder_of(target), timeout=timeout) if lock else nullcontext()
    with guard:
        _commit(_write_temp(target, data), target)


# --------------------------------------------------------------------------
# several files


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str | None:
    try:
        return _sha256(path.read_bytes())
    except FileNotFoundError:
        return None


def _make_backup(target: Path) -> Path | None:
    """A hard link (or, failing that, a copy) of the current target."""
    import shutil  # here: a query's start does not load it
    if not target.exists():
        return None
    backup = target.parent / f".{target.name}.{os.urandom(6).hex()}{BACKUP_SUFFIX}"
    try:
        os.link(target, backup)
    except OSError:
        shutil.copy2(target, backup)
        with open(backup, "rb+") as fh:
            os.fsync(fh.fileno())
    return backup


def _rel(root: Path, path: Path | None) -> str | None:
    return None if path is None else os.path.relpath(path, root)


def _write_journal(root: Path, entries: list[dict]) -> Path:
    import json  # here: a query's start does not load it
    journal = root / JOURNAL_NAME
    payload = json.dumps({"version": 1, "entries": entries}, indent=1, sort_keys=True) + "\n"
    _commit(_write_temp(journal, payload.encode("utf-8")), journal)
    return journal


def write_many_atomic(
    mapping: Mapping[str | os.PathLike, str],
    *,
    root: str | os.PathLike | None = None,
    verify: Callable[[Path, str], object] | None = None,
    lock: bool = True,
    timeout: float | None = None,
) -> None:
    """Replace several files so that a crash leaves all old or all new.

    ``root`` is the folder holding the lock and the journal (default: the
    deepest folder containing every target); all targets must lie under it.
    ``verify(path, text)`` is called for each file before anything is
    written. Steps: write and fsync every temporary file, link a backup of
    every existing target, write the journal, rename, delete the journal and
    the backups. An error during the renames restores the old contents.
    """
    if not mapping:
        return
    items = [(_resolve_target(p), t) for p, t in mapping.items()]
    if len({p for p, _ in items}) != len(items):
        raise ValueError("the same file is named twice")
    folder = Path(root).absolute() if root is not None else Path(
        os.path.commonpath([str(p.parent) for p, _ in items])
    )
    for target, _ in items:
        if os.path.commonpath([str(folder), str(target)]) != str(folder):
            raise ValueError(f"{target} is not under {folder}")
    blobs = []
    for target, text in items:
        blobs.append(_check(text, None, target))
        if verify is not None and not verify(target, text):
            raise VerificationError(f"refusing to write {target}: the new text failed verification")

    guard = project_lock(folder, timeout=timeout) if lock else nullcontext()
    with guard:
        recover(folder, lock=False, sweep=False)
        temps: list[Path] = []
        backups: list[Path | None] = []
        journal: Path | None = None
        try:
            for (target, _), data in zip(items, blobs):
                temps.append(_write_temp(target, data))
            for target, _ in items:
                backups.append(_make_backup(target))
            for d in {t.parent for t, _ in items}:
                _fsync_dir(d)
            entries = [
                {
                    "temp": _rel(folder, tmp),
                    "target": _rel(folder, target),
                    "backup": _rel(folder, backup),
                    "sha256": _sha256(data),
                }
                for (target, _), tmp, backup, data in zip(items, temps, backups, blobs)
            ]
            _fault("journal-written")
            journal = _write_journal(folder, entries)
            _fault("before-rename")
        except BaseException:
            for p in temps + [b for b in backups if b is not None]:
                _unlink_quietly(p)
            raise
        try:
            for n, ((target, _), tmp) in enumerate(zip(items, temps), start=1):
                os.replace(tmp, target)
                _fault(f"after-rename-{n}")
            for d in {t.parent for t, _ in items}:
                _fsync_dir(d)
        except Exception:
            _rollback(folder, _read_journal(journal))
            raise
        _finish(folder, journal, entries)


def _fault(point: str) -> None:
    """Crash-test hook: ``KZLOD_FAULT=<point>`` kills the process there (SIGKILL, no clean-up)."""
    if settings.get("fault") == point:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


# --------------------------------------------------------------------------
# recovery


def _read_journal(journal: Path) -> list[dict] | None:
    import json  # here: a query's start does not load it
    try:
        payload = json.loads(journal.read_text(encoding="utf-8"))
        return list(payload["entries"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _finish(folder: Path, journal: Path, entries: list[dict]) -> None:
    os.unlink(journal)
    _fsync_dir(folder)
    for e in entries:
        if e.get("backup"):
            _unlink_quietly(folder / e["backup"])


def _rollback(folder: Path, entries: list[dict] | None) -> None:
    journal = folder / JOURNAL_NAME
    for e in entries or []:
        target = folder / e["target"]
        _unlink_quietly(folder / e["temp"])
        if e.get("backup"):
            backup = folder / e["backup"]
            if backup.exists():
                if target.exists() and os.path.samefile(backup, target):
                    # never renamed: the backup is a second link to the old file
                    # (and rename() between two links of one file does nothing)
                    os.unlink(backup)
                else:
                    os.replace(backup, target)
        elif _file_sha256(target) == e.get("sha256"):
            # the file did not exist before; it was created by this update
            _unlink_quietly(target)
        _fsync_dir(target.parent)
    _unlink_quietly(journal)
    _fsync_dir(folder)


def _leftovers(folder: Path) -> list[Path]:
    """The temporary and backup files an interrupted write left in ``folder`` (however deep)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in {".git", "__pycache__"}]
        for name in filenames:
            if name.startswith(".") and (name.endswith(TEMP_SUFFIX) or name.endswith(BACKUP_SUFFIX)):
                found.append(Path(dirpath) / name)
    return found


def _sweep(folder: Path) -> list[Path]:
    """Remove temporary and backup files left by a crash before a journal (the lock held)."""
    removed = _leftovers(folder)
    for p in removed:
        _unlink_quietly(p)
    return removed


def sweep_leftovers(folders) -> list[Path]:
    """What a reading command does with an interrupted write's leftovers: remove them, but only
    when no writer holds the folder's lock (a running writer's temporary files are its own) and
    no journal waits (:func:`recover` decides about those). A folder with no leftovers is not
    locked at all, so reading a read-only project costs one walk of its folders."""
    removed = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir() or not _leftovers(folder):
            continue
        try:
            with project_lock(folder, timeout=0):
                if not (folder / JOURNAL_NAME).exists():
                    removed += _sweep(folder)
        except (LockTimeout, OSError):
            continue  # a writer is at work (it sweeps when done), or the folder is read-only
    return removed


def recover(
    folder: str | os.PathLike,
    *,
    lock: bool = True,
    sweep: bool = True,
    timeout: float | None = None,
) -> str | None:
    """Finish or undo an interrupted :func:`write_many_atomic` in ``folder``.

    If the journal lists temporary files that all still exist with the
    intended content, the update is completed (renamed into place);
    otherwise every target is restored from its backup. Stray temporary and
    backup files are removed unless ``sweep`` is false (call it on start-up,
    when no other writer is running). Returns ``"completed"``,
    ``"rolled back"`` or ``None`` when there was nothing to do.
    """
    folder = Path(folder).absolute()
    guard = project_lock(folder, timeout=timeout) if lock else nullcontext()
    with guard:
        journal = folder / JOURNAL_NAME
        outcome = None
        if journal.exists():
            entries = _read_journal(journal)
            complete = bool(entries) and all(
                _file_sha256(folder / e["temp"]) == e.get("sha256") for e in entries
            )
            if complete:
                for e in entries:
                    os.replace(folder / e["temp"], folder / e["target"])
                for d in {(folder / e["target"]).parent for e in entries}:
                    _fsync_dir(d)
                _finish(folder, journal, entries)
                outcome = "completed"
            else:
                _rollback(folder, entries)
                outcome = "rolled back"
        if sweep:
            _sweep(folder)
        return outcome


def recover_project(project) -> list[tuple[Path, str]]:
    """Finish or undo a write that a crash interrupted in a project (``kzlod add`` killed between its
    renames), so that every read sees all the old facts or all the new ones, never a mix; then
    sweep the temporary and backup files a crash left, if no writer is at work
    (:func:`sweep_leftovers`)."""
    if project.bundled:
        return []
    folders = [project.root / name for name in FOLDERS]
    try:
        done = recover_interrupted(folders)
    except OSError as exc:
        stuck = next((f for f in folders if (f / JOURNAL_NAME).exists()), project.root)
        raise InputError(f"{stuck}: a write was interrupted ({JOURNAL_NAME}) and cannot be finished here "
                         f"({exc.strerror or exc}); run any kzlod command where the project is writable") from None
    sweep_leftovers(folders)
    return done


def recover_interrupted(folders) -> list[tuple[Path, str]]:
    """Before anything reads them: finish or undo the writes a crash interrupted in ``folders``.

    Only a folder holding a journal is touched (a file test each otherwise), so
    this is cheap enough to run on every command. Returns (folder, outcome)
    for each recovered folder.
    """
    done = []
    for folder in folders:
        if (Path(folder) / JOURNAL_NAME).exists():
            outcome = recover(folder, sweep=False)
            if outcome:
                done.append((Path(folder), outcome))
    return done
