"""``kzlod vocab``: the project's classes, properties and concept schemes."""

from __future__ import annotations

import click

from kzlod.api.searching import vocabulary
from kzlod.cli.common import command, echo_json, emit, format_option
from kzlod.querying.terms import term_text, terms_text


@command("vocab")
@click.argument("name", required=False, metavar="[TERM | CLASS | SCHEME]")
@format_option(["text", "json"], default="text")
def vocab_command(obj, name, fmt):
    """The project's vocabulary: classes, properties and concept schemes.

    With no argument, every class, property and scheme the ontology declares.
    With a TERM (kz:aspect, or just aspect), its definition, domain and range,
    the shapes that constrain it and the values it may take; with a CLASS
    (kz:ToneAssessment), the properties its shapes require, recommend and
    allow, each with how many values and which; with a SCHEME
    (kz:AspectScheme), its concepts.

    \b
    Examples:
      kzlod vocab
      kzlod vocab kz:aspect
      kzlod vocab ToneAssessment
      kzlod vocab kz:ModalityScheme --format json
    """
    found = vocabulary(name, project=obj.project())
    if fmt == "json":
        echo_json(found.as_dict() if name else [t.as_dict() for t in found])
    else:
        emit(term_text(found) if name else terms_text(found), nl=False)
