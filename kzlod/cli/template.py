"""``kzlod template``: the rows of a spreadsheet become claims with their evidence."""

from __future__ import annotations

from pathlib import Path

import click

from kzlod.api.curating import template
from kzlod.cli.common import command, echo_json, emit, format_option


@command("template")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be added, change nothing.")
@format_option(["text", "json"], default="text")
def template_command(obj, file, dry_run, fmt):
    """Turn the rows of a CSV/TSV template into claims with evidence, and add them.

    Columns (see docs/template.md): id, type, subject, relation, object,
    value, datatype, lang, date, source, quote, label, comment. Rows with the
    same id build one claim; each quote is located verbatim in its source,
    its offsets and sentence computed. The assertions are then validated and
    merged exactly as by 'kzlod add'. Problems name their cell (file.csv:F7);
    nothing is written unless every row is right. Exit 3 when a cell cannot
    be read, 1 when the rows do not hold against the graph or the shapes.

    \b
    Example:
      kzlod template examples/template.csv --dry-run
      kzlod template claims.tsv --project ~/my-graph
    """

    result = template(file, project=obj.project(write=not dry_run), dry_run=dry_run)
    if fmt == "json":
        echo_json(result.as_dict())
    else:
        emit(result.text(), nl=False)
