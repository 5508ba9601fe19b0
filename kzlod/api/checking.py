"""Checking the graph: its OWL RL closure and consistency, and validation against the shapes."""

from __future__ import annotations

from pathlib import Path

from kzlod.api.context import ProjectLike, open_project
from kzlod.gate.folders import rdf_files
from kzlod.gate.parse import parse_files
from kzlod.gate.reading import GRAPH_FORMATS
from kzlod.reasoning import disk
from kzlod.reasoning.closure import project_closure
from kzlod.reasoning.engines import use_engine
from kzlod.store.spec import StoreSpec
from kzlod.validation import grounding, report, shacl
from kzlod.vocab import NAMESPACES

__all__ = ["reason", "reason_store", "write_inferred", "render_triples", "validate", "report_text", "report_turtle"]


def reason(data=(), *, engine: str | None = None, project: ProjectLike = None):
    """The OWL RL closure of the project's graph (plus ``data`` files): inferred triples and clashes
    (``kzlod reason``). ``engine``: ``owlrl``, ``reasonable`` or ``auto`` (reasonable for large graphs)."""
    proj = open_project(project)
    with use_engine(engine):
        return project_closure(proj, parse_files(data) if data else [])


def reason_store(store: StoreSpec | str, *, engine: str | None = None, progress=None):
    """The OWL RL closure of an ``oxigraph:DIR`` store, written beside it (``kzlod reason --store``;
    see :func:`kzlod.reasoning.disk.reason_store`). Then ``load(store=..., inferred=True)`` queries it."""
    return disk.reason_store(StoreSpec.parse(store).existing_path(), engine=engine, progress=progress)


def write_inferred(store: StoreSpec | str, out, fmt: str = "ttl") -> None:
    """Write the closure :func:`reason_store` made for a store to a file (path or binary stream)."""
    path = StoreSpec.parse(store).existing_path()
    disk.dump_inferred(path, str(out) if isinstance(out, Path) else out, fmt)


def render_triples(triples, fmt: str = "ttl", *, namespaces: dict | None = None) -> str:
    """Triples as Turtle (with prefixes), N-Triples or JSON-LD text."""
    import pyoxigraph as ox

    return ox.serialize(sorted(triples, key=str), format=GRAPH_FORMATS[fmt],
                        prefixes=(namespaces or NAMESPACES) if fmt == "ttl" else None).decode("utf-8")


def validate(files=(), *, reason: bool = True, store: StoreSpec | str | None = None,
             project: ProjectLike = None):
    """Validate the project's graph, or new files together with it (``kzlod validate``; see
    :mod:`kzlod.validation`). ``store``: ``memory`` (the default) or ``oxigraph:DIR``, a store made by
    :func:`load_store` to check the new files against, incrementally. A folder among ``files`` stands
    for the RDF files in it."""
    return shacl.validate(open_project(project), rdf_files(files), reason=reason, store=StoreSpec.parse(store))


def report_text(validation) -> str:
    """A validation report as ``kzlod validate`` prints it: grouped by focus node, with labels and file:line."""
    return report.text(validation)


def report_turtle(validation) -> str:
    """A validation report as a SHACL report graph in Turtle: pySHACL's results, and the grounding
    check's (``sh:sourceShape kzsh:Grounding``)."""
    found = [f for f in validation.findings if f.shape == grounding.GROUNDING]
    graph = grounding.with_results(validation.report_graph, found) if found else validation.report_graph
    return graph.serialize(format="turtle")
