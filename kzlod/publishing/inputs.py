"""A release's input files: read into its store, and checked by the strict gate in a child process meanwhile.

:func:`read_into_store` puts each file into its named graph, blank nodes relabelled by file
and position.

``kzlod publish --data FILE`` checks each extra file as ``kzlod load`` does
(:func:`kzlod.gate.stream.gate`: syntax with file:line:col, ill-typed literals, limits),
streaming it through pyoxigraph's parser in Python; on a million triples that is a pass
as long as the release's own reading of the file. :class:`Gate` runs it in a process
forked before the release holds anything (so the child is small), on the second core,
while the parent reads the same files into its store; :meth:`Gate.wait` gives the gate's
answer, or raises the gate's own error (the same class, message and details). The
release waits for it before it reasons or writes anything, and when its own reading
fails: a file the gate refuses is reported in the gate's words, as before.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError, KzlodError
from kzlod.forking import ChildFailed, answer, fork_pickled
from kzlod.gate.parse import iter_relabelled
from kzlod.gate.stream import gate


def _verdict(paths: list[Path], *, in_child: bool = False) -> tuple:
    """The gate's answer on ``paths``: ("ok", what it returns for each) or ("refused", its error's
    class, message and details); in a child, any other failure as ("failed", what it was), which the
    parent raises."""
    try:
        return ("ok", [gate(path) for path in paths])
    except KzlodError as exc:
        return ("refused", type(exc), exc.message, exc.details)
    except Exception as exc:  # noqa: BLE001 - said by the parent
        if not in_child:
            raise
        return ("failed", repr(exc))


class Gate:
    """The gate of ``paths`` (each a file as :func:`kzlod.gate.stream.gate` takes it), started at once."""

    def __init__(self, paths):
        self.paths = [Path(p) for p in paths]
        self._pid = self._answer_end = self._answer = None
        if not self.paths:
            self._answer = ("ok", [])
        elif not hasattr(os, "fork"):  # no fork: in this process, now
            self._answer = _verdict(self.paths)
        else:
            self._pid, self._answer_end = fork_pickled(lambda: _verdict(self.paths, in_child=True))

    def wait(self) -> list[tuple[int, str]]:
        """(triples, sha256 hex) of each file, as :func:`kzlod.gate.stream.gate` returns them; or its error."""
        if self._answer is None:
            try:
                self._answer = answer(self._pid, self._answer_end)
            except ChildFailed as exc:  # killed (out of memory), or its answer did not come whole
                self._answer = ("failed", str(exc))
            finally:
                self._pid = self._answer_end = None  # reaped, its pipe closed
        kind, *rest = self._answer
        if kind == "refused":
            cls, message, details = rest
            raise cls(message, details=details)
        if kind == "failed":
            raise KzlodError(f"checking the input files failed: {rest[0]}")
        return rest[0]

    def close(self) -> None:
        """Stop the child if it still runs (the release failed first) and reap it."""
        if self._pid is not None:
            pid, end, self._pid, self._answer_end = self._pid, self._answer_end, None, None
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            os.close(end)
            os.waitpid(pid, 0)


def read_into_store(sources, graph_of) -> tuple[ox.Store, list]:
    """A new store with each of ``sources`` ((input file, a function that parses it)) in the named graph
    ``graph_of(triples, ontology=…)`` gives it, blank nodes relabelled by file and position."""
    store = ox.Store()
    files = []
    for i, (f, parse) in enumerate(sources):
        try:
            f.graph = graph_of(parse(), ontology=f.ontology)
            before = len(store)
            graph = ox.NamedNode(f.graph)
            store.bulk_extend(iter_relabelled(parse(), f"f{i}h{f.digest.hex()[:10]}", graph))
        except SyntaxError as exc:
            raise InputError(f"{f.label}: {exc}") from None
        f.triples = len(store) - before
        files.append(f)
    return store, files
