"""``kzlod serve``: the graph on the web: SPARQL endpoint, entity pages, browsing pages, a query page."""

from __future__ import annotations

from pathlib import Path

import click

from kzlod import settings
from kzlod.api.releasing import serve
from kzlod.cli.common import StoreType, command


@command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port; the address is printed).")
@click.option("--store", type=StoreType(), default="memory", show_default=True, metavar="STORE",
              help="'memory' (the project's graph) or 'oxigraph:DIR' (a store made by 'kzlod load'), opened read-only.")
@click.option("--data", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Extra RDF file to serve with the project's graph (repeatable).")
@click.option("--cors", multiple=True, metavar="ORIGIN",
              help="Allow cross-origin requests from ORIGIN (repeatable; * for any). Off by default.")
@click.option("--timeout", type=float, default=30.0, show_default=True, metavar="SECONDS",
              help="Time limit of one query; its worker process is killed and replaced past it.")
@click.option("--workers", type=int, default=None, metavar="N",
              help="Query worker processes, each with its own copy of the store (default: one more than the "
                   "processors, at most 8).")
@click.option("--max-memory", type=click.IntRange(min=0), default=None, metavar="MB",
              help=f"Memory one query may take in its worker beyond the loaded graph; past it the query is stopped "
                   f"(HTTP 500) and the worker replaced (default {settings.default('max_query_memory')}, "
                   f"or KZLOD_MAX_QUERY_MEMORY; 0: no limit).")
@click.option("--header-timeout", type=click.FloatRange(min=0, min_open=True), default=5.0, show_default=True,
              metavar="SECONDS", help="Time a client has to send a request's line and headers; then 408 and closed.")
@click.option("--frozen", is_flag=True,
              help="Serve the graph as loaded at the start; never look at the files again (by default changed "
                   "files are noticed within a second, or at once on SIGHUP, and served from then on).")
def serve_command(obj, host, port, store, data, cors, timeout, workers, max_memory, header_timeout, frozen):
    """Serve the graph read-only: SPARQL endpoint, entity pages and a query page.

    /sparql is a SPARQL 1.1 Protocol endpoint (GET, POST form or direct;
    JSON, XML, CSV, TSV results; Turtle, N-Triples, JSON-LD graphs); a GET
    without a query gives the service description. /id/NAME answers for
    https://w3id.org/kzlod/id/NAME (HTML or RDF by Accept), /ontology for the
    ontology. The query page at / is a SPARQL workbench (YASGUI, shipped in the
    package) with the named queries as examples; /?example=NAME&PARAM=VALUE
    binds and runs one, as 'kzlod query NAME --param PARAM VALUE' does. The
    pages of a release are served too, each with a search box: /entities,
    /sources, /source/NAME (every sentence numbered, with the claims citing it),
    /claims (with facets), /timeline, /map, and /search?q=TEXT. Updates
    and SERVICE are refused; a query past --timeout is stopped (HTTP 504), one
    past --max-memory too (HTTP 500). Changed files are served within a second
    (or at once after SIGHUP), all workers together; every answer names its
    graph's version (KZLOD-Graph-Version, ETag; If-None-Match gives 304).

    \b
    Examples:
      kzlod serve
      kzlod serve --port 8080 --timeout 10 --cors https://example.org
      kzlod serve --frozen --workers 4
      curl -H 'Accept: text/csv' 'http://127.0.0.1:8000/sparql?query=SELECT%20*%20%7B%3Fs%20a%20kz:State%7D'
    """
    def ready(url):
        click.echo(f"kzlod: serving {url} (SPARQL endpoint {url}sparql); Ctrl-C stops", err=True)

    given = {"workers": workers} if workers is not None else {}  # else ServeConfig's default
    serve(host=host, port=port, store=store, data=data, project=obj.project(), on_ready=ready, timeout=timeout,
          cors=tuple(cors), header_timeout=header_timeout, frozen=frozen,
          max_memory=settings.get("max_query_memory") if max_memory is None else max_memory, **given)
