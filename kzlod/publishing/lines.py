"""Lines of a dump: N-Triples written as N-Quads of one graph, lines sorted within a memory budget.

:class:`InGraph` takes a store's N-Triples as the store writes them (no Python quad for each);
:func:`write_sorted` sorts a file's lines and keeps each once, a run at a time."""

from __future__ import annotations

import heapq
import tempfile

import pyoxigraph as ox

#: Bytes of lines sorted in memory at a time (:func:`write_sorted`): a million statements' lines,
#: some 150 MB, are sorted in runs of this much and merged, rather than held in one list.
SORT_RUN = 48 << 20


def write_sorted(src, out, run: int = SORT_RUN) -> None:
    """The lines of the binary file ``src`` (each ending with a line break), sorted as bytes and each
    written once to ``out``. Up to ``run`` bytes of lines they are sorted in memory; more are sorted in
    runs of that much, each into a temporary file, and the runs merged: the same lines in the same
    order, with at most two runs' lines held at a time."""
    lines, more = src.readlines(run), src.readlines(run)
    if not more:
        lines.sort()
        _distinct(lines, out)
        return
    runs = []
    try:
        runs.append(_run(lines))
        lines = None
        while more:
            runs.append(_run(more))
            more = src.readlines(run)
        _distinct(heapq.merge(*runs), out)
    finally:
        for fh in runs:
            fh.close()


def _run(lines: list):
    """``lines`` sorted into a temporary file, which is returned open at its start."""
    lines.sort()
    fh = tempfile.TemporaryFile()
    fh.writelines(lines)
    fh.seek(0)
    return fh


def _distinct(lines, out) -> None:
    previous = None
    for line in lines:
        if line != previous:
            out.write(line)
            previous = line


class InGraph:
    """A file N-Triples are written to as N-Quads in ``graph``: every line ends with " .\\n" (a line
    break in a literal is escaped), so the graph goes before it, whole lines at a time."""

    def __init__(self, out, graph: ox.NamedNode):
        self.out, self.end, self.rest = out, f" {graph} .\n".encode(), b""

    def write(self, data) -> int:
        lines = self.rest + bytes(data)
        cut = lines.rfind(b"\n") + 1
        self.out.write(lines[:cut].replace(b" .\n", self.end))
        self.rest = lines[cut:]
        return len(data)

    def flush(self) -> None:
        pass

    def __enter__(self) -> InGraph:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None and self.rest:
            raise ValueError("N-Triples that do not end with a line break")
