"""Work in a forked child whose answer comes back through a pipe: a capped query, pySHACL on two cores.

:func:`fork` runs ``work()`` in a child of this process: the child shares what this process holds
(a loaded store, copy-on-write), writes the bytes ``work()`` returns into a pipe and exits, with
code 0, or 70 when ``work`` raised. The caller reads the pipe to its end, then reaps the child
(``os.waitpid``) and tells by its exit code whether the answer is whole: the memory-capped query
(:mod:`kzlod.querying.run`) and pySHACL on two cores (:mod:`kzlod.validation.parallel`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

#: A child's exit code when its work raised.
FAILED = 70


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


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to the file descriptor ``fd`` (a pipe takes it a part at a time)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
