"""The answers ``kzlod serve`` keeps: by the graph's version and the task, bounded in count and bytes.

A worker's answer to a task (:mod:`kzlod.web.workers`) depends on the graph and the task alone, so
it is kept under the graph's version and a hash of the task, and a repeated request is answered
by the server's process without a worker. The answers of an older version are never given for a
newer one (the version is in the key) and go when the graph changes (:meth:`ResultCache.clear`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict


class ResultCache:
    """Answers already given, by graph version and task: at most ``entries`` of them and ``size`` bytes,
    the least recently used going first; an answer over ``size // 16`` bytes is not kept."""

    def __init__(self, entries: int = 2048, size: int = 64 * 1024 * 1024):
        self.entries, self.size, self.used = entries, size, 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                return item[0]
        return None

    def put(self, key, value) -> None:
        if not hasattr(value, "body"):  # replies only: what else a task gives is not measured
            return
        size = len(value.body) + 200
        if size > self.size // 16:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, size)
            self.used += size
            while len(self._items) > self.entries or self.used > self.size:
                _, (_, old) = self._items.popitem(last=False)
                self.used -= old

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.used = 0

    def __len__(self) -> int:
        return len(self._items)


#: Tasks whose answer depends only on the graph and the task: kept in the :class:`ResultCache`.
CACHED = {"query", "entity", "ontology", "entities", "sources", "source", "claims", "timeline", "map", "search",
          "not_found", "bind", "complete", "unknown", "near"}


def cache_key(version: str, task: tuple):
    """The key an answer is kept under: the graph's version and a hash of the task (a query of 100,000
    characters makes a key of 32 bytes, not of its own size), or None for a task whose answer is not kept."""
    if task[0] not in CACHED:
        return None
    return version, hashlib.sha256(repr(task).encode("utf-8", "surrogatepass")).digest()
