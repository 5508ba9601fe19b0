"""``kzlod locate``: where a quote is in a source, and the evidence block to paste."""

from __future__ import annotations

import click

from kzlod.api.curating import locate
from kzlod.cli.common import command, echo_json, emit, format_option


@command("locate")
@click.argument("source_ref", metavar="SOURCE")
@click.argument("quote")
@click.option("--occurrence", "-n", type=click.IntRange(min=1), default=None, metavar="N",
              help="Where the quote occurs more than once: the N-th place (from 1) only.")
@format_option(["text", "json"], default="text")
def locate_command(obj, source_ref, quote, occurrence, fmt):
    """Find a quote in a source: its section, sentence and offsets, and the evidence block.

    SOURCE is a registered source (slug or IRI). The quote must be verbatim.
    Found once, it is shown with the kz:hasEvidence block to paste into a
    claim; found more than once, every place is listed on one line, and
    --occurrence N gives the N-th place's block. A quote that is not in the
    text exits 1 and names the closest passage.

    \b
    Examples:
      kzlod locate foreign-policy "benefiting from a shared border"
      kzlod locate foreign-policy "Kazakhstan" --occurrence 3
    """
    found = locate(source_ref, quote, project=obj.project()).pick(occurrence)
    if fmt == "json":
        echo_json(found.as_dict())
    else:
        emit(found.text(), nl=False)
