"""``kzlod publish``: a versioned release of the graph, with its dataset description and pages."""

from __future__ import annotations

from pathlib import Path

import click

from kzlod.api.releasing import publish
from kzlod.cli.common import command, echo_json, emit, format_option


@command("publish")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--version", "release_version", metavar="V",
              help="Release version (default: the ontology's owl:versionInfo + a short content hash, "
                   "e.g. 0.1.0+d90d2aaa).")
@click.option("--date", "release_date", metavar="YYYY-MM-DD",
              help="Release date (default: SOURCE_DATE_EPOCH's day, else the later of the ontology's "
                   "dcterms:modified and the day the newest input file changed).")
@click.option("--data", "data", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Extra RDF file to publish with the project's graph (repeatable).")
@click.option("--sparql-endpoint", metavar="URL", help="Name this SPARQL endpoint in void.ttl (void:sparqlEndpoint).")
@click.option("--force", is_flag=True, help="Replace OUTDIR if it holds an earlier release.")
@format_option(["text", "json"], default="text")
def publish_command(obj, outdir, release_version, release_date, data, sparql_endpoint, force, fmt):
    """Publish a versioned release of the graph into OUTDIR.

    Dumps of the asserted graph and of the graph with its OWL RL inferences
    (Turtle, N-Triples, N-Quads with one named graph per source, JSON-LD,
    RDF/XML, each also gzipped), void.ttl (VoID + DCAT: counts, partitions,
    checksums), SHA256SUMS, the ontology's documentation and one HTML page
    per entity with an index, readable straight from disk. The same input,
    version and date give the same bytes. A changed graph gets a new default
    version; a release of the same version with other content is never
    replaced (exit 2).

    \b
    Examples:
      kzlod publish dist/
      kzlod publish dist/0.2.0 --version 0.2.0 --date 2026-12-01
      kzlod publish dist/ --force --format json
    """
    with obj.step("publishing"):
        summary = publish(outdir, version=release_version, date=release_date, data=data, force=force,
                          sparql_endpoint=sparql_endpoint, project=obj.project())
    if fmt == "json":
        echo_json(summary)
        return
    emit(summary_text(summary), nl=False)


def summary_text(s: dict) -> str:
    rows = [
        ("files", f"{s['files']:,}", ""),
        ("bytes", f"{s['bytes']:,}", ""),
        ("triples", f"{s['triples']:,}", "asserted"),
        ("inferred", f"{s['inferred']:,}", "OWL RL" + (" (cached)" if s["closure_cached"] else "")),
        ("entity pages", f"{s['entity_pages']:,}", ""),
        ("seconds", f"{s['seconds']:.2f}", ""),
    ]
    width = max(len(v) for _, v, _ in rows)
    lines = [f"published release {s['version']} ({s['date']}) into {s['outdir']}"]
    lines += [f"  {name:<13}{value:>{width}}  {note}".rstrip() for name, value, note in rows]
    return "\n".join(lines) + "\n"
