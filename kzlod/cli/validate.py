"""``kzlod validate``: the project's graph, or new assertions together with it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kzlod.api.checking import report_text, report_turtle, validate
from kzlod.cli.common import command, echo_json, emit, format_option, store_option
from kzlod.errors import EXIT_FAILED
from kzlod.validation.report import at_least


@command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@format_option(["text", "json", "ttl"], default="text")
@click.option("--no-reason", is_flag=True, help="Skip the OWL RL consistency check.")
@click.option("--min-severity", type=click.Choice(["violation", "warning", "info"]), default=None,
              help="Report only results this grave or graver (default: all for the project's graph; "
                   "violations and warnings for new files).")
@store_option
def validate_command(obj, files, fmt, no_reason, min_severity, store):
    """Validate the project's graph, or new assertions together with it.

    Strict syntax first (file:line:col), then SHACL shapes with inference
    off, then OWL RL consistency. Exit 1 if anything does not conform. A
    folder among FILES stands for the RDF files in it.

    With --store oxigraph:DIR the new files are checked against that store
    (made by 'kzlod load'). New files are always checked incrementally: only
    the nodes they touch, and what the shapes reach from them, are validated,
    with the verdict of a full run. The project's own validation into a file or a
    pipe is kept in the cache and written again, at once, while its files are
    unchanged (KZLOD_ANSWERS=off: never).

    \b
    Examples:
      kzlod validate
      kzlod validate new-facts.ttl --format json
      kzlod validate new-facts.ttl --store oxigraph:kz-store
      kzlod validate new-facts.ttl --min-severity violation
    """
    with obj.step("validating"):
        report = validate(files, reason=not no_reason, store=store, project=obj.project())
    report = at_least(report, min_severity or ("warning" if files else None))
    if fmt == "json":
        echo_json(report.as_dict())
    elif fmt == "ttl":
        emit(report_turtle(report), nl=False)
    else:
        emit(report_text(report), nl=False)
    if not report.conforms:
        sys.exit(EXIT_FAILED)
