"""The writers' lock: one exclusive lock per project folder, ``<folder>/.kzlod.lock``.

Every writer of a project file takes it (:mod:`kzlod.files.safewrite`), and so does a reader
that sweeps an interrupted write's leftovers (without waiting). A holder writes its process id
into the lock file, so a writer that gives up after ``KZLOD_LOCK_TIMEOUT`` says who held it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kzlod import settings
from kzlod.errors import KzlodError
from kzlod.project import FOLDERS, LOCK_FILE, PROJECT_FILE

LOCK_NAME = LOCK_FILE

__all__ = ["LOCK_NAME", "LockTimeout", "project_lock", "lock_folder_of"]


class LockTimeout(KzlodError):
    """The project lock could not be taken in time: another writer held it past the timeout
    (``KZLOD_LOCK_TIMEOUT``). Exit code 1; the message names the lock and its holder, if known."""



_held: dict[str, list] = {}  # lock path -> [fd, depth, thread id, pid]
_held_guard = threading.Lock()


@contextmanager
def project_lock(folder: str | os.PathLike, *, timeout: float | None = None) -> Iterator[Path]:
    """Hold the exclusive lock ``<folder>/.kzlod.lock``.

    The lock file is there only while the lock is held: its holder removes it as it lets go, so a
    project holds no lock file between commands. Blocks until the lock is free or ``timeout``
    seconds (default: the setting ``lock_timeout``, ``KZLOD_LOCK_TIMEOUT``) have passed, then raises
    :class:`LockTimeout`, naming the process that holds it: a holder writes its
    process id into the lock file while it holds it. Re-entrant within one
    thread, so a function holding the lock may call :func:`write_text_atomic`
    on the same folder. Yields the path of the lock file.
    """
    if timeout is None:
        timeout = settings.get("lock_timeout")
    lock_path = Path(os.path.realpath(folder)) / LOCK_NAME
    key = str(lock_path)
    me = (threading.get_ident(), os.getpid())
    with _held_guard:
        entry = _held.get(key)
        if entry is not None and (entry[2], entry[3]) == me:
            entry[1] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield lock_path
        finally:
            with _held_guard:
                _held[key][1] -= 1
        return

    deadline = time.monotonic() + timeout
    fd = _take(lock_path, deadline, timeout)
    try:
        with _held_guard:
            _held[key] = [fd, 1, me[0], me[1]]
        _say_holder(fd, f"{os.getpid()}\n")
        try:
            yield lock_path
        finally:
            with _held_guard:
                _held.pop(key, None)
            _say_holder(fd, "")
            # removed while still held, so no lock file is left behind; a writer that opened it
            # meanwhile sees, once it holds it, that it is no longer the file at that path (_take)
            if _same_file(fd, lock_path):
                try:
                    os.unlink(lock_path)
                except OSError:
                    pass
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _take(lock_path: Path, deadline: float, timeout: float) -> int:
    """An open descriptor of the lock file at ``lock_path``, exclusively locked: opened (made if
    need be) and locked until the file locked is the one at that path (its holder may have
    removed it between our open and our lock)."""
    delay = 0.005
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _holder(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() >= deadline:
                raise LockTimeout(f"{lock_path}: another writer held this lock{holder} for more than "
                                  f"{timeout:g} s (KZLOD_LOCK_TIMEOUT); nothing was changed, try again "
                                  f"when it is done") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
            continue
        if _same_file(fd, lock_path):
            return fd
        os.close(fd)  # a file its holder removed as it let go: lock the one at the path now


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``fd`` is still the file at ``path`` (it was not removed, nor replaced)."""
    try:
        here, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def lock_folder_of(path: str | os.PathLike) -> Path:
    """The folder whose lock guards ``path``: the project folder (``data/``, ``ontology/``,
    ``shapes/``) that holds it, however deep, so that every writer of one project folder takes
    one lock; outside a project, the file's own folder."""
    target = Path(os.path.realpath(path))
    for folder in target.parents:
        if folder.name in FOLDERS and (folder.parent / PROJECT_FILE).is_file():
            return folder
    return target.parent


def _say_holder(fd: int, text: str) -> None:
    """Write who holds the lock into the lock file (best effort: the lock works without it)."""
    try:
        os.ftruncate(fd, 0)
        if text:
            os.pwrite(fd, text.encode("ascii"), 0)
    except OSError:
        pass


def _holder(fd: int) -> str:
    """Who holds the lock, as the lock file says: " (process N)", or "" when it does not say."""
    try:
        pid = int(os.pread(fd, 32, 0).split()[0])
    except (OSError, ValueError, IndexError):
        return ""
    return f" (process {pid})" if pid > 0 else ""
