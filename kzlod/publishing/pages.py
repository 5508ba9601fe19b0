"""A release's HTML pages, made on two cores: this process and a forked child share the pages made one
at a time (entities, claims, sources; :meth:`kzlod.web.site.ReleasePages.jobs`).

:class:`SitePages` forks the child as soon as it is made, before the release's other threads start (a
child forked beside running threads would inherit their locks): the child makes pages while this
process writes the dumps. The pages go out in small runs from a queue the two share
(:class:`kzlod.forking.Claims`): whichever process is free takes the next, so neither waits for the
other while pages are left. The child writes each page straight into the release's staging folder
and, when the queue is empty, sends back ``{relative path: (bytes, sha256 hex)}`` of what it wrote;
this process makes the pages that list many things and the index (and the release its VoID), then
takes pages from the queue too. Every page is a function of the graph alone, so which process made
it changes no byte.

If the child fails (it raised, was killed, or its answer is not whole), this process makes the
child's pages again itself, overwriting whatever the child left: a page that cannot be made fails
here as it would have without the child, and a release is whole or not made
(:func:`kzlod.publishing.outdir.staged_release`). When this process stops on an error or Ctrl-C, the
child is killed and reaped (:meth:`SitePages.close`).

No child is forked where the process cannot fork, where fewer than two processors are ours, where
threads run already, or below :data:`PARALLEL_MIN` pages (the bundled graph makes some hundreds: a
fork would cost more than it saves); then every page is made here, one after the other.
"""

from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import Iterable, Iterator
from pathlib import Path

from kzlod.errors import KzlodError
from kzlod.forking import ChildFailed, Claims, answer, fork_pickled, forkable
from kzlod.reasoning.engines import release_memory
from kzlod.store.backends import OxigraphStore
from kzlod.web.ontology import render_ontology
from kzlod.web.site import ReleasePages

#: From this many pages made one at a time a child makes some of them (a million triples make
#: some 45,000; the bundled graph some hundreds).
PARALLEL_MIN = 2000
#: Pages taken from the queue at a time, at least (more when there are more than
#: :attr:`kzlod.forking.Claims.LIMIT` runs of this many).
RUN = 16


def pages_store(graphs):
    """The asserted graph of a :class:`kzlod.publishing.release.Graphs` as a :class:`kzlod.store.GraphStore`,
    for the HTML pages (no copy)."""

    return OxigraphStore.wrap(graphs.store, default_graphs=graphs.asserted_graphs, fixed=True)


def _digest(jobs: list) -> bytes:
    return hashlib.sha256("\n".join("\t".join(job) for job in jobs).encode("utf-8")).digest()


def runs_of(jobs: list, size: int = RUN) -> list[list]:
    """``jobs`` in runs of ``size`` or more, at most :attr:`Claims.LIMIT` runs."""
    size = max(size, -(-len(jobs) // Claims.LIMIT))
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


class SitePages:
    """The pages of a release from ``store`` into ``folder``; a child starts on them at once when it pays."""

    def __init__(self, store, folder: Path):
        self.store, self.folder = store, folder
        self.theirs: dict[str, tuple[int, str]] = {}  # what the child wrote, once it answered
        self.pid = self._answer = self._queue = self._digest = None
        self._made = ReleasePages(store)
        self._jobs = self._made.jobs()
        if len(self._jobs) >= PARALLEL_MIN and forkable():
            release_memory()  # what reasoning freed: a child's copy of this process does not hold it
            for sub in {folder for folder, _, _ in self._jobs}:
                (self.folder / sub).mkdir(parents=True, exist_ok=True)
            self._queue = Claims(runs_of(self._jobs))
            self.pid, self._answer = fork_pickled(self._child)
            # the child has its own copy; this process reads the names again after the dumps, where its peak is
            self._digest = _digest(self._jobs)
            self._made = self._jobs = self._queue.targeted = None

    @property
    def made(self) -> ReleasePages:
        if self._made is None:
            self._made = ReleasePages(self.store)
            self._jobs = self._made.jobs()
            if _digest(self._jobs) != self._digest:  # the store is fixed: never, unless it was changed meanwhile
                raise KzlodError("the graph changed while its release was made; nothing was published")
            if self._queue is not None:
                self._queue.targeted = runs_of(self._jobs)
        return self._made

    def _child(self) -> dict[str, tuple[int, str]]:
        """The child's work: pages from the queue into the folder; their sizes and digests."""
        wrote = {}
        for run in self._queue:
            for job in run:
                page = self.made.page(job)
                if page is not None:
                    data = page[1].encode("utf-8")
                    (self.folder / page[0]).write_bytes(data)
                    wrote[page[0]] = (len(data), hashlib.sha256(data).hexdigest())
        return wrote

    def own(self, *, downloads: Iterable[dict] = (), version: str | None = None,
            date: str | None = None) -> Iterator[tuple[str, str]]:
        """(relative path, text) of the pages only this process makes: those that list many things
        and ``index.html``, which waits for the dumps' digests (``downloads``)."""
        yield from self.made.browsing()
        yield "ontology.html", render_ontology(self.made.store)
        yield "index.html", self.made.index(downloads=downloads, version=version, date=date)

    def shared(self) -> Iterator[tuple[str, str]]:
        """(relative path, text) of the pages made one at a time that this process makes: all of them
        without a child; with one, those left in the queue, and the child's if it failed. What the
        child wrote is in :attr:`theirs` once this is exhausted. Made last, so that the child's
        share is what this process's other work leaves it."""
        made = self.made
        if self._queue is None:
            mine: Iterable = self._jobs
        else:
            mine = (job for run in self._queue for job in run)
        for job in mine:
            page = made.page(job)
            if page is not None:
                yield page
        if self._queue is not None:
            yield from self._collect()

    def _collect(self) -> Iterator[tuple[str, str]]:
        """Wait for the child's answer; if it failed, its pages, made here."""
        try:
            self.theirs, failed = answer(self.pid, self._answer), False
        except ChildFailed:
            failed = True
        finally:
            self.pid = self._answer = None  # reaped, its pipe closed
        queue, self._queue = self._queue, None
        queue.close()
        if failed:  # the pages the child took are made again here
            self.theirs = {}
            mine = {id(run) for run in queue.taken}
            for run in queue.targeted:
                if id(run) not in mine:
                    for job in run:
                        page = self.made.page(job)
                        if page is not None:
                            yield page

    def close(self) -> None:
        """Kill the child if it still runs (this process stopped first) and reap it."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.pid = None
        if self._answer is not None:
            os.close(self._answer)
            self._answer = None
        if self._queue is not None:
            self._queue.close()
            self._queue = None
