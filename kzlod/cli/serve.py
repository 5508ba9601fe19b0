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
from kzlod.publishing.stores import connect, public_url
from kzlod.querying.run import DEFAULT_MAX_MEMORY
from kzlod.store.credentials import printable
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
    ontology. The query page at / is a SPARQL workbench (YASGUI, shipped in the
    package) with the named queries as examples; /?example=NAME&PARAM=VALUE
    binds and runs one, as 'kzlod query NAME --param PARAM VALUE' does. The
    pages of a release are served too, each with a search box: /entities,
    /sources, /source/NAME (every sentence numbered, with the claims citing it),
    /claims (with facets), /timeline, /map, and /search?q=TEXT. Updates
    and SERVICE are refused; a query past --timeout is stopped (HTTP 504), one
    past --max-memory too (HTTP 500).

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
              help="Base URL of the triple store (or its query URL), e.g. http://127.0.0.1:7878 for 'oxigraph "
                   "serve', http://127.0.0.1:8890 for Virtuoso.")
@click.option("--server", type=click.Choice(["oxigraph", "virtuoso", "other"]), default="oxigraph", show_default=True,
              help="The kind of store: where its services are and how it authenticates (docs/production.md).")
@click.option("--graph-store", metavar="URL",
              help="Its SPARQL 1.1 Graph Store Protocol URL (default: the server's, e.g. ENDPOINT/store).")
@click.option("--update", "update_url", metavar="URL",
              help="Its SPARQL 1.1 Update URL, for staging big graphs (default: the server's).")
@click.option("--release", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Push a 'kzlod publish' release folder (its N-Quads dump and VoID) instead of the project.")
@click.option("--closure", is_flag=True, help="With --release: push its closure dump (asserted + inferred triples).")
@click.option("--user", metavar="USER",
              help="User name (else the URL's user, KZLOD_PUSH_USER, or the host's ~/.netrc entry); its password "
                   "comes from the URL, KZLOD_PASSWORD or the ~/.netrc entry with that login.")
@click.option("--password", metavar="PASSWORD", hidden=True)
@click.option("--auth", type=click.Choice(["basic", "digest", "bearer"]),
              help="HTTP authentication (default: the server's, digest for Virtuoso, else basic for a user; "
                   "bearer with a token in KZLOD_TOKEN). Credentials go to the --endpoint's origin only.")
@click.option("--prune", is_flag=True, help="Remove the graphs this project pushed before and no longer has.")
@click.option("--force", is_flag=True, help="Send every graph, changed or not.")
@click.option("--dry-run", is_flag=True, help="List what would be sent, kept and removed; change nothing.")
@click.option("--chunk", type=click.IntRange(min=1), default=pushing.CHUNK_TRIPLES, show_default=True,
              metavar="TRIPLES", help="Triples per request body; a bigger graph goes in parts (docs/production.md).")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Retries of a request that gets a 5xx answer or a dropped connection (backoff 0.5 s, 1 s, 2 s …).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=600.0, show_default=True,
              metavar="SECONDS", help="Deadline of each HTTP request, from connecting to the answer's last byte "
                                      "(a store may take minutes to replace a big graph); not retried.")
@click.pass_obj
@handle_errors
def push(obj, endpoint, server, graph_store, update_url, release, closure, user, password, auth, prune, force,
         dry_run, chunk, retries, timeout):
    """Bring a triple store up to date with the graph, one named graph per source.

    Only graphs whose content changed since the last push are sent (the store
    keeps a record of their hashes, so two machines pushing agree); --prune
    removes the graphs this project pushed and no longer has. A graph is
    replaced by one Graph Store PUT, or, above --chunk triples, loaded into a
    staging graph and moved into place; each is counted back. Graphs are
    those of a release's N-Quads dump: the ontology, the entities, one per
    source. Then query the store with 'kzlod query NAME --endpoint URL'.

    \b
    Examples:
      kzlod push --endpoint http://127.0.0.1:7878
      KZLOD_PASSWORD=dba kzlod push --endpoint http://127.0.0.1:8890 --server virtuoso --user dba --prune
      kzlod push --endpoint http://127.0.0.1:7878 --release dist/ --dry-run
    """
    if closure and not release:
        raise UsageError("--closure needs --release DIR (a release folder holds the closure dump)")
    project = obj.project()
    remote, profile = connect(endpoint, server=server, graph_store=graph_store, update=update_url, user=user,
                              password=password, auth=auth, timeout=timeout, retries=retries)
    graphs = pushing.release_graphs(release, closure=closure) if release else pushing.project_graphs(project.root)

    def said(step):
        if step.action != "unchanged":
            obj.note(f"{'sent' if step.action == 'send' else 'removed'} {printable(step.iri, 300)} "
                     f"({step.triples} triples)")

    steps = pushing.push(graphs, remote, record=pushing.record_graph(project.name), prune=prune, force=force,
                         dry_run=dry_run, chunk=chunk, big_graphs=profile.big_graphs, on_step=said)
    if dry_run:
        for step in steps:
            click.echo(f"{step.action:9s} {step.triples:8d}  {printable(step.iri, 300)}")
        return
    sent = [s for s in steps if s.action == "send"]
    removed = [s for s in steps if s.action == "remove"]
    click.echo(f"pushed to {public_url(remote.graph_store)}: {len(sent)} graph{'' if len(sent) == 1 else 's'} sent "
               f"({sum(s.triples for s in sent)} triples), "
               f"{len(steps) - len(sent) - len(removed)} unchanged, {len(removed)} removed")

