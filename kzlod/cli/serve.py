"""``kzlod serve`` and ``kzlod push``: the graph on the web, served here or uploaded to a triple store.

Kept light at import time: the web server and HTTP code load only when a
command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from kzlod.cli.common import handle_errors
from kzlod.errors import UsageError
from kzlod.publishing import push as pushing
from kzlod.querying.run import DEFAULT_MAX_MEMORY
from kzlod.web.server import ServeConfig
from kzlod.web.server import serve as run_server


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port; the address is printed).")
@click.option("--store", "store_spec", default="memory", show_default=True, metavar="STORE",
              help="'memory' (the project's graph) or 'oxigraph:DIR' (a store made by 'kzlod load'), opened read-only.")
@click.option("--data", multiple=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Extra RDF file to serve with the project's graph (repeatable).")
@click.option("--cors", multiple=True, metavar="ORIGIN",
              help="Allow cross-origin requests from ORIGIN (repeatable; * for any). Off by default.")
@click.option("--timeout", type=float, default=30.0, show_default=True, metavar="SECONDS",
              help="Time limit of one query; its worker process is killed and replaced past it.")
@click.option("--workers", type=int, default=2, show_default=True, metavar="N",
              help="Query worker processes, each with its own copy of the store.")
@click.option("--max-memory", type=click.IntRange(min=0), default=None, metavar="MB",
              help=f"Memory one query may take in its worker beyond the loaded graph; past it the query is stopped "
                   f"(HTTP 500) and the worker replaced (default {DEFAULT_MAX_MEMORY}, or KZLOD_MAX_QUERY_MEMORY; "
                   f"0: no limit).")
@click.option("--header-timeout", type=click.FloatRange(min=0, min_open=True), default=5.0, show_default=True,
              metavar="SECONDS", help="Time a client has to send a request's line and headers; then 408 and closed.")
@click.pass_obj
@handle_errors
def serve(obj, host, port, store_spec, data, cors, timeout, workers, max_memory, header_timeout):
    """Serve the graph read-only: SPARQL endpoint, entity pages and a query page.

    /sparql is a SPARQL 1.1 Protocol endpoint (GET, POST form or direct;
    JSON, XML, CSV, TSV results; Turtle, N-Triples, JSON-LD graphs); a GET
    without a query gives the service description. /id/NAME answers for
    https://w3id.org/kzlod/id/NAME (HTML or RDF by Accept), /ontology for the
    ontology, / is a query page. Updates and SERVICE are refused; a query past
    --timeout is stopped (HTTP 504), one past --max-memory too (HTTP 500).

    \b
    Examples:
      kzlod serve
      kzlod serve --port 8080 --timeout 10 --cors https://example.org
      curl -H 'Accept: text/csv' 'http://127.0.0.1:8000/sparql?query=SELECT%20*%20%7B%3Fs%20a%20kz:State%7D'
    """
    root = obj.project().root if store_spec in (None, "", "memory") else None
    config = ServeConfig(store=store_spec, data=tuple(str(p) for p in data), timeout=timeout, workers=workers,
                         cors=tuple(cors), root=str(root) if root else None, header_timeout=header_timeout,
                         max_memory=DEFAULT_MAX_MEMORY if max_memory is None else max_memory)

    def ready(url):
        click.echo(f"kzlod: serving {url} (SPARQL endpoint {url}sparql); Ctrl-C stops", err=True)

    run_server(config, host, port, on_ready=ready)


@click.command()
@click.option("--endpoint", required=True, metavar="URL",
              help="Base URL of the triple store, e.g. http://127.0.0.1:7878 for 'oxigraph serve'.")
@click.option("--graph-store", metavar="URL",
              help="Its SPARQL 1.1 Graph Store Protocol URL (default: ENDPOINT/store, as Oxigraph has it).")
@click.option("--release", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Upload a 'kzlod publish' release folder's N-Quads instead of the project's graph.")
@click.option("--closure", is_flag=True, help="With --release: push its closure dump (asserted + inferred triples).")
@click.option("--user", metavar="USER", help="User name for HTTP basic authentication.")
@click.option("--password", metavar="PASSWORD", envvar="KZLOD_PASSWORD",
              help="Password for basic authentication (or KZLOD_PASSWORD).")
@click.option("--timeout", type=float, default=120.0, show_default=True, metavar="SECONDS",
              help="Time limit of each HTTP request.")
@click.option("--dry-run", is_flag=True, help="List the graphs and their triple counts; upload nothing.")
@click.pass_obj
@handle_errors
def push(obj, endpoint, graph_store, release, closure, user, password, timeout, dry_run):
    """Upload the graph into a triple store, one named graph per source.

    Each graph is replaced whole by an HTTP PUT (SPARQL 1.1 Graph Store
    Protocol), so pushing again replaces rather than duplicates. Graphs are
    those of a release's N-Quads dump: the ontology, the entities, and one
    per source (its text, metadata and the claims citing it). Each is read
    back to check its size. Then query the store, e.g. 'kzlod query NAME
    --endpoint ENDPOINT/query' (start Oxigraph with --union-default-graph
    so that queries see every graph, as kzlod does locally).

    \b
    Examples:
      kzlod push --endpoint http://127.0.0.1:7878
      kzlod push --endpoint https://db.example.org/ds --graph-store https://db.example.org/ds/data --user admin
      kzlod push --endpoint http://127.0.0.1:7878 --release out/release-0.1.0
    """
    if closure and not release:
        raise UsageError("--closure needs --release DIR (a release folder holds the closure dump)")
    graphs = pushing.release_graphs(release, closure=closure) if release else pushing.bundled_graphs(obj.project().root)
    if dry_run:
        for graph in graphs:
            click.echo(f"{len(graph.triples):6d}  {graph.iri}")
        return
    target = pushing.GraphStoreClient(graph_store or pushing.default_graph_store(endpoint), user=user,
                                      password=password, timeout=timeout)
    for graph, status in pushing.push(graphs, target):
        obj.note(f"{status} {graph.iri} ({len(graph.triples)} triples)")
    click.echo(f"pushed {len(graphs)} graphs, {sum(len(g.triples) for g in graphs)} triples to {target.url}")

