"""``kzlod search``: full-text search of labels, quotes and sentences (:func:`kzlod.api.search`)."""

from __future__ import annotations

import csv
import io
import sys

import click

from kzlod.api.searching import search
from kzlod.cli.common import command, data_option, echo_json, emit, format_option, store_option
from kzlod.querying.fulltext import KINDS
from kzlod.text import visible
from kzlod.vocab import compact


@command("search")
@click.argument("text", nargs=-1, required=True)
@click.option("--limit", "-n", type=click.IntRange(min=1, max=10_000), default=20, show_default=True, metavar="N",
              help="Show the N best hits.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS), metavar="KIND",
              help=f"Only hits of this kind (repeatable): {', '.join(KINDS)}.")
@format_option(["table", "json", "csv"], default="table")
@data_option
@store_option
@click.option("--endpoint", metavar="URL", help="Search a remote SPARQL 1.1 endpoint's graph (indexed anew each time).")
def search_command(obj, text, limit, kinds, fmt, data, store, endpoint):
    """Search the graph's labels, alternative labels, quotes and sentences.

    Every word must occur (a hyphenated word or "quoted words" as a phrase;
    the last word also as the start of a longer one). Hits are entities,
    sources, sections, claims, sentences and ontology terms, best first
    (BM25; a match in a label counts most), each with a snippet of what
    matched, «marked». The index is kept in the cache folder under a hash of
    the graph's content, so a search after the first takes milliseconds.

    \b
    Examples:
      kzlod search Karabakh
      kzlod search '"close ties"' --format json
      kzlod search tensions Armenia --kind claim --limit 5
      kzlod search Karabakh --store oxigraph:kz-store
    """
    query = " ".join(text)
    in_memory = store.is_memory and not endpoint
    with obj.step("searching"):
        result = search(query, limit=limit, kinds=list(kinds) or None, data=data, store=store, endpoint=endpoint,
                        project=obj.project(note=in_memory))
    if fmt == "json":
        echo_json(result.as_dict())
    elif fmt == "csv":
        emit(to_csv(result), nl=False)
    else:
        click.echo(to_table(result, color=sys.stdout.isatty()), nl=False)


CSV_COLUMNS = ["rank", "kind", "iri", "title", "kindLabel", "field", "snippet", "sourceTitle", "position", "source",
               "sentence"]


def to_csv(result) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for hit in result.hits:
        d = hit.as_dict()
        writer.writerow(["" if d[c] is None else d[c] for c in CSV_COLUMNS])
    return out.getvalue()


def where(hit) -> str:
    """Where a claim's or section's text is: "6. Foreign Policy, sentence 18"."""
    if hit.kind == "claim" and hit.source_title:
        return hit.source_title + (f", sentence {hit.position}" if hit.position is not None else "")
    return ""


def to_table(result, *, color: bool = False) -> str:
    """Hits as a person reads them; every piece of data made visible (:func:`kzlod.text.visible`),
    the matches «marked» (bold on a terminal)."""
    shown, total = len(result.hits), result.total
    if not total:
        also = f"; did you mean {' or '.join(repr(s) for s in result.suggestions)}?" if result.suggestions else ""
        return visible(f"no hits for {result.query!r}{also}\n")
    head = f"{total} hit{'s' if total != 1 else ''} for {result.query!r}"
    if shown < total:
        head += f" (the best {shown})"
    lines = [visible(head)]
    width = len(str(shown))
    before, after = (click.style("", bold=True, reset=False), "\x1b[0m") if color else ("«", "»")
    for hit in result.hits:
        kind = hit.kind_label if hit.kind in ("entity", "claim", "term") and hit.kind_label else hit.kind
        lines.append(visible(f"{hit.rank:>{width}}. {hit.title}  [{kind}] {compact(hit.iri)}"))
        snippet = "".join(f"{before}{visible(t)}{after}" if m else visible(t) for t, m in hit.parts)
        lines.append(f"{' ' * (width + 2)}{visible(hit.field)}: {snippet}")
        if where(hit):
            lines.append(visible(f"{' ' * (width + 2)}in {where(hit)}"))
    return "\n".join(lines) + "\n"
