"""``kzlod graph``: a picture of Kazakhstan's relations (an SVG or PNG file)."""

from __future__ import annotations

from pathlib import Path

import click

from kzlod.api.releasing import graph
from kzlod.cli.common import command, emit, graph_options, open_graph
from kzlod.publishing.relmap import output_format, require_plotting


@command("graph")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Picture to write: FILE.svg or FILE.png.")
@click.option("--focus", default="kzd:kazakhstan", show_default=True, metavar="ENTITY",
              help="Whose relations to draw: a label or IRI.")
@graph_options
def graph_command(obj, out, focus, data, store, endpoint, inferred):
    """Draw Kazakhstan's relations: partners, organisations, tone, memberships.

    Relations are edges coloured by the tone the sources give them (positive,
    mixed, strained, none recorded), memberships dashed edges to the
    organisations; the layout is fixed, so the same graph gives the same
    picture. Needs the plotting extra: pip install 'kzlod[graph]'.

    \b
    Examples:
      kzlod graph --out relations.svg
      kzlod graph --out relations.png --data new-facts.ttl
    """
    output_format(out)
    require_plotting()
    loaded = open_graph(obj, data, store, endpoint, inferred)
    with obj.step("drawing"):
        summary = graph(out, focus=focus, store=loaded)
    emit(f"wrote {out} ({summary['bytes']:,} bytes): {len(summary['partners'])} partners, "
               f"{len(summary['organisations'])} organisations, {summary['relations']} relations, "
               f"{summary['memberships']} memberships")
