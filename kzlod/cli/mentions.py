"""``kzlod mentions``: the known entities each sentence of a source mentions."""

from __future__ import annotations

import click

from kzlod.api.curating import mentions
from kzlod.cli.common import command, echo_json, emit, format_option
from kzlod.curation.mentions import mentions_table


@command("mentions")
@click.argument("source_ref", metavar="SOURCE")
@format_option(["table", "json"], default="table")
def mentions_command(obj, source_ref, fmt):
    """Show the known entities each sentence of a source mentions.

    SOURCE is a slug, a source IRI (kzsrc:slug) or a text file (registered or
    not). Entities are matched by their labels, alternative labels and
    preferred labels, tolerant of case, possessives, plurals and demonyms
    ("Kazakh", "Kazakhstan's" and "Belarusian" match Kazakhstan and Belarus);
    concepts (tones, sectors …) are listed apart. The sentences that mention
    no known entity are listed at the end.

    \b
    Example:
      kzlod mentions foreign-policy
      kzlod mentions kzsrc:foreign-policy --format json
      kzlod mentions examples/kazakhstan-uzbekistan.txt
    """

    result = mentions(source_ref, project=obj.project())
    for note in result["notes"]:
        obj.note(f"note: {note}")
    if fmt == "json":
        echo_json(result)
    else:
        emit(mentions_table(result), nl=False)
