"""``kzlod locate``: where a quote is in a source, and the evidence block to paste."""

from __future__ import annotations

import click

from kzlod.api.curating import locate
from kzlod.cli.common import command, echo_json, emit, format_option


@command("locate")
@click.argument("source_ref", metavar="SOURCE")
@click.argument("quote")
@format_option(["text", "json"], default="text")
def locate_command(obj, source_ref, quote, fmt):
    """Find a quote in a source: its section, sentence and offsets, and the evidence block.

    SOURCE is a registered source (slug or IRI). The quote must be verbatim;
    every place it occurs is listed, each with a kz:hasEvidence block to paste
    into a claim. A quote that is not in the text exits 1 and names the
    closest passage.

    \b
    Examples:
      kzlod locate foreign-policy "benefiting from a shared border"
      kzlod locate foreign-policy "Kazakhstan" --format json
    """
    found = locate(source_ref, quote, project=obj.project())
    if fmt == "json":
        echo_json(found.as_dict())
    else:
        emit(found.text(), nl=False)
