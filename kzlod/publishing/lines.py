"""A store's N-Triples written as N-Quads of one graph, as the store writes them (no Python quad for each)."""

from __future__ import annotations

import pyoxigraph as ox


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
