"""``kzlod push``: bring a production triple store up to date with the graph, one named graph per source."""

from __future__ import annotations

from pathlib import Path

import click

from kzlod.api.releasing import push
from kzlod.cli.common import command, emit
from kzlod.publishing.push import CHUNK_TRIPLES
from kzlod.publishing.stores import public_url
from kzlod.store.credentials import printable


@command("push")
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
@click.option("--chunk", type=click.IntRange(min=1), default=CHUNK_TRIPLES, show_default=True,
              metavar="TRIPLES", help="Triples per request body; a bigger graph goes in parts (docs/production.md).")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Retries of a request that gets a 5xx answer or a dropped connection (backoff 0.5 s, 1 s, 2 s …).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=600.0, show_default=True,
              metavar="SECONDS", help="Deadline of each HTTP request, from connecting to the answer's last byte "
                                      "(a store may take minutes to replace a big graph); not retried.")
def push_command(obj, endpoint, server, graph_store, update_url, release, closure, user, password, auth, prune, force,
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
    def said(step):
        if step.action != "unchanged":
            obj.note(f"{'sent' if step.action == 'send' else 'removed'} {printable(step.iri, 300)} "
                     f"({step.triples} triples)")

    remote, steps = push(endpoint, server=server, graph_store=graph_store, update=update_url, release_dir=release,
                         closure=closure, user=user, password=password, auth=auth, prune=prune, force=force,
                         dry_run=dry_run, chunk=chunk, retries=retries, timeout=timeout, on_step=said,
                         project=obj.project())
    if dry_run:
        for step in steps:
            emit(f"{step.action:9s} {step.triples:8d}  {printable(step.iri, 300)}")
        return
    sent = [s for s in steps if s.action == "send"]
    removed = [s for s in steps if s.action == "remove"]
    emit(f"pushed to {public_url(remote.graph_store)}: {len(sent)} graph{'' if len(sent) == 1 else 's'} sent "
               f"({sum(s.triples for s in sent)} triples), "
               f"{len(steps) - len(sent) - len(removed)} unchanged, {len(removed)} removed")
