"""Releasing the graph: a versioned release, a picture, a push into a triple store, a server."""

from __future__ import annotations

from pathlib import Path

import kzlod.publishing.push
import kzlod.web.server
from kzlod.api.context import ProjectLike, open_project
from kzlod.api.reading import find_entity, load
from kzlod.errors import UsageError
from kzlod.publishing import release, relmap, stores
from kzlod.store.backends import GraphStore
from kzlod.store.spec import StoreSpec

__all__ = ["publish", "graph", "push", "serve"]


def publish(outdir, *, version: str | None = None, date: str | None = None, data=(), force: bool = False,
            sparql_endpoint: str | None = None, project: ProjectLike = None) -> dict:
    """Publish a versioned release of the graph into ``outdir``; a summary (``kzlod publish``)."""
    return release.publish(open_project(project), outdir, version=version, date=date, data=data, force=force,
                           sparql_endpoint=sparql_endpoint)


def graph(out, *, focus: str = "kzd:kazakhstan", store: GraphStore | None = None, project: ProjectLike = None) -> dict:
    """Draw Kazakhstan's relations into ``out`` (SVG or PNG); a summary (``kzlod graph``)."""
    relmap.output_format(out)
    store = store or load(project=project)
    return relmap.draw(store, out, focus=find_entity(store, focus).value)


def push(endpoint: str, *, server: str = "oxigraph", graph_store: str | None = None, update: str | None = None,
         release_dir: Path | None = None, closure: bool = False, user: str | None = None,
         password: str | None = None, auth: str | None = None, prune: bool = False, force: bool = False,
         dry_run: bool = False, chunk: int = kzlod.publishing.push.CHUNK_TRIPLES, retries: int = 3,
         timeout: float = 600.0,
         on_step=None, project: ProjectLike = None):
    """Bring a triple store up to date with the graph, one named graph per source (``kzlod push``).

    Returns ``(remote, steps)``: where the graphs went, and what was sent, kept and removed.
    """
    if closure and not release_dir:
        raise UsageError("--closure needs --release DIR (a release folder holds the closure dump)")
    proj = open_project(project)
    remote, profile = stores.connect(endpoint, server=server, graph_store=graph_store, update=update, user=user,
                                     password=password, auth=auth, timeout=timeout, retries=retries)
    pushing = kzlod.publishing.push
    graphs = pushing.release_graphs(release_dir, closure=closure) if release_dir else pushing.project_graphs(proj)
    steps = pushing.push(graphs, remote, record=pushing.record_graph(proj.name), prune=prune, force=force,
                         dry_run=dry_run, chunk=chunk, big_graphs=profile.big_graphs, on_step=on_step)
    return remote, steps


def serve(*, host: str = "127.0.0.1", port: int = 8000, store: StoreSpec | str | None = "memory", data=(),
          project: ProjectLike = None, on_ready=None, **limits) -> None:
    """Serve the graph read-only until interrupted (``kzlod serve``); ``limits``: the fields of
    :class:`kzlod.web.server.ServeConfig` (``timeout``, ``workers``, ``cors``, ``max_memory`` …)."""
    config = kzlod.web.server.ServeConfig(project=open_project(project), store=StoreSpec.parse(store),
                                          data=tuple(str(p) for p in data), **limits)
    kzlod.web.server.serve(config, host, port, on_ready=on_ready)
