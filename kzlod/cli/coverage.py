"""``kzlod coverage``: how many sentences of each source the claims cite."""

from __future__ import annotations

import sys

import click

from kzlod.api.curating import coverage
from kzlod.cli.common import command, echo_json, emit, format_option
from kzlod.curation.coverage import coverage_table
from kzlod.errors import EXIT_FAILED


@command("coverage")
@click.argument("source_ref", metavar="[SOURCE]", required=False)
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PCT",
              help="Exit 1 when fewer than PCT percent of the sentences shown are covered.")
@format_option(["table", "json"], default="table")
def coverage_command(obj, source_ref, fail_under, fmt):
    """Show how many sentences of each source the claims cite.

    Per source and section: sentences, sentences cited by at least one claim
    (through kz:hasEvidence / kz:sentence), the claims citing them and
    claims per sentence; then the uncovered sentences. With --fail-under,
    exit 1 when the total over the sources shown is below PCT.

    \b
    Example:
      kzlod coverage
      kzlod coverage foreign-policy --fail-under 100
      kzlod coverage --format json
    """

    result = coverage(source_ref, project=obj.project())
    if fmt == "json":
        echo_json(result)
    else:
        emit(coverage_table(result), nl=False)
    total = result["total"]["percent"]
    if fail_under is not None and total < fail_under:
        click.echo(f"Error: coverage {total:.1f}% is under {fail_under:g}%", err=True)
        sys.exit(EXIT_FAILED)
