"""Work in a forked child whose answer comes back through a pipe: a capped query, pySHACL on two cores.

:func:`fork` runs ``work()`` in a child of this process: the child shares what this process holds
(a loaded store, copy-on-write), writes the bytes ``work()`` returns into a pipe and exits, with
code 0, or 70 when ``work`` raised. The caller reads the pipe to its end, then reaps the child
(``os.waitpid``) and tells by its exit code whether the answer is whole (:func:`answer`, for work
whose answer is pickled: :func:`fork_pickled`): the memory-capped query (:mod:`kzlod.querying.run`),
pySHACL on two cores (:mod:`kzlod.validation.parallel`), a release's pages
(:mod:`kzlod.publishing.pages`) and the strict gate of its extra files
(:mod:`kzlod.publishing.inputs`). :class:`Claims` is a queue of work the two processes share.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable

#: A child's exit code when its work raised.
FAILED = 70


def cores() -> int:
    """How many processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def forkable() -> bool:
    """Whether a forked child can work beside this process: the system forks, no other thread runs
    (a child forked beside running threads would inherit the locks they hold), two processors are ours."""
    return hasattr(os, "fork") and threading.active_count() == 1 and cores() >= 2


def fork(work: Callable[[], bytes]) -> tuple[int, int]:
    """Run ``work()`` in a forked child that writes what it returns into a pipe; return the child's
    pid and the pipe's end to read that from. Nothing this process buffered for its output is
    written twice: the streams are flushed first, and the child leaves with ``os._exit``."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(read_end)
            write_all(write_end, work())
        except BaseException:  # noqa: BLE001 - the parent sees the exit code
            code = FAILED
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def fork_pickled(work: Callable[[], object]) -> tuple[int, int]:
    """:func:`fork` of ``work``, what it returns pickled: read it back with :func:`answer`."""
    return fork(lambda: pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL))


class ChildFailed(Exception):
    """A forked child gave no whole answer: its work raised, a signal ended it, or what it wrote does
    not unpickle."""


def answer(pid: int, read_end: int):
    """What the child ``pid`` of :func:`fork` wrote into the pipe ``read_end``, read to its end and
    unpickled once the child is reaped; :class:`ChildFailed` when it did not exit with 0 or its answer
    does not read. The pipe is closed and the child reaped in any case."""
    try:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise ChildFailed(f"the process exited with {code}")
    try:
        return pickle.loads(payload)
    except Exception as exc:  # noqa: BLE001 - a cut or damaged answer
        raise ChildFailed(f"its answer does not read: {exc}") from None


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to the file descriptor ``fd`` (a pipe takes it a part at a time)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Claims:
    """Items of work as a queue that this process and a forked child share (a pipe holding each
    item's number, two bytes, written before the fork): iterating takes the next item no process
    has taken, until none is left. A pipe's reads of two bytes are atomic, so no item is taken twice;
    ``taken`` lists those this process took. At most :attr:`LIMIT` items: their numbers must fit in
    the pipe before anyone reads it, and Linux gives a pipe at least a page (4 KiB)."""

    LIMIT = 2048

    def __init__(self, targeted: list):
        if len(targeted) > self.LIMIT:
            raise ValueError(f"at most {self.LIMIT} items in a queue")
        self.targeted, self.taken = targeted, []
        self.fd, write = os.pipe()
        try:
            write_all(write, b"".join(i.to_bytes(2, "big") for i in range(len(targeted))))
        finally:
            os.close(write)  # once the numbers are read, a read finds the end

    def __iter__(self):
        while True:
            number = os.read(self.fd, 2)
            if len(number) < 2:
                return
            node = self.targeted[int.from_bytes(number, "big")]
            self.taken.append(node)
            yield node

    def close(self) -> None:
        os.close(self.fd)
