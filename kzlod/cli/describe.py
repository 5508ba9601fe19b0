"""``kzlod describe``: an entity's card, found by label, alternative label or IRI."""

from __future__ import annotations

import click

from kzlod.api.reading import card_text, describe
from kzlod.cli.common import command, echo_json, emit, format_option, graph_options, open_graph


@command("describe")
@click.argument("name")
@graph_options
@format_option(["text", "json"], default="text")
def describe_command(obj, name, data, store, endpoint, inferred, fmt):
    """Show an entity card: by label, alternative label or IRI.

    \b
    Examples:
      kzlod describe Armenia
      kzlod describe EAEU --format json
      kzlod describe kzd:kazakhstan
    """
    card = describe(open_graph(obj, data, store, endpoint, inferred), name)
    if fmt == "json":
        echo_json(card)
    else:
        emit(card_text(card), nl=False)
