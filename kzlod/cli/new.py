"""``kzlod new``: a Turtle skeleton of a new instance of a class, evidence block included."""

from __future__ import annotations

import click

from kzlod.api.curating import new
from kzlod.cli.common import command, echo_json, emit, format_option


@command("new")
@click.argument("name", metavar="CLASS")
@click.option("--quote", help="A verbatim quote of a source: the evidence block is filled in from where it is.")
@click.option("--source", "source_ref", metavar="SOURCE", help="The source to find the quote in (default: any).")
@click.option("--occurrence", "-n", type=click.IntRange(min=1), default=None, metavar="N",
              help="Where the quote occurs more than once: the N-th place (from 1).")
@format_option(["ttl", "json"], default="ttl")
def new_command(obj, name, quote, source_ref, occurrence, fmt):
    """Print a Turtle skeleton of a new CLASS instance to fill in.

    Every property the class's shapes require is written with ___ for its
    value, the others as comments, each with how many values it takes and
    which ('kzlod vocab CLASS' lists the same); the evidence block is filled
    in from the place --quote is in the project's sources. Write the values,
    then 'kzlod add FILE'.

    \b
    Examples:
      kzlod new ToneAssessment --quote "their interactions have generally been friendly" > tone.ttl
      kzlod new kz:Membership
    """
    found = new(name, quote=quote, source=source_ref, occurrence=occurrence, project=obj.project())
    if fmt == "json":
        echo_json(found.as_dict())
    else:
        emit(found.text, nl=False)
