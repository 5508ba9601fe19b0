"""``kzlod review``: every claim of a source beside its sentence, with its grounding verdict, for sign-off."""

from __future__ import annotations

from pathlib import Path

import click

from kzlod.api.curating import review, review_page
from kzlod.cli.common import command, echo_json, emit, format_option
from kzlod.curation.review import review_text
from kzlod.files.safewrite import write_text_atomic


@command("review")
@click.argument("source_ref", metavar="[SOURCE]", required=False)
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the review as one standalone HTML page to FILE instead of printing it.")
@format_option(["text", "json"], default="text")
def review_command(obj, source_ref, html_file, fmt):
    """Show every claim of a source beside the sentence it cites, for sign-off.

    SOURCE is a registered source (slug, IRI or its text file); without it,
    every source with text. Sentence by sentence: the claims and events
    citing it, how the source puts each (asserted, reported, feared, hedged)
    and by whom, its quotes, its values, and the grounding verdict: whether
    each tone, aspect, sector, relation type and participating state of an
    asserted claim is worded in its quote or sentence (by a label or a
    declared synonym). 'not worded' marks a value a curator should check;
    'kzlod validate' and 'kzlod add' warn about the same values.

    \b
    Examples:
      kzlod review foreign-policy
      kzlod review foreign-policy --html review.html
      kzlod review --format json
    """
    result = review(source_ref, project=obj.project())
    if html_file is not None:
        write_text_atomic(html_file, review_page(result), lock=False)
        claims = sum(len(s.claims()) for s in result.sources)
        emit(f"wrote {html_file}: {claims} claims and events of {len(result.sources)} "
             f"source{'s' * (len(result.sources) != 1)}")
    elif fmt == "json":
        echo_json(result.as_dict())
    else:
        emit(review_text(result))
