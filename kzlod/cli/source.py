"""``kzlod source add``: register a text that claims quote."""

from __future__ import annotations

from pathlib import Path

import click

from kzlod.api.curating import source_add
from kzlod.cli.common import echo_json, emit, format_option, global_options, handle_errors, pass_ctx


@click.group("source")
@global_options
def source_command():
    """Register the texts that claims quote.

    \b
    Example:
      kzlod source add report.txt --title "Foreign Policy 2024" --author "A. Author"
    """


@source_command.command("add")
@global_options
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--title", required=True, help="The document's title (English).")
@click.option("--author", required=True, help="Its author or publisher.")
@click.option("--date", help="Publication date: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--slug", help="Kebab-case name of the source (default: from the file name).")
@format_option(["text", "json"], default="text")
@pass_ctx
@handle_errors
def source_add_command(obj, file, title, author, date, slug, fmt):
    """Register a text file as a new source document of the project.

    Copies the text verbatim to data/sources/SLUG.txt and writes
    data/sources/SLUG.ttl: the document's metadata, its sections and its
    sentences with stable IRIs and code-point offsets, in canonical Turtle.
    The Turtle is validated with the project's graph first; both files are
    written in one atomic step. A text already registered (same SHA-256) or
    a slug already taken is refused (exit 3) and nothing is written.

    \b
    Example:
      kzlod source add examples/kazakhstan-uzbekistan.txt --title "Kazakhstan and Uzbekistan: A Fictional Test Report" --author "Editorial Test Desk" --date 2024
    """  # noqa: E501 (the example command is shown verbatim in the help)

    result = source_add(file, title=title, author=author, date=date, slug=slug, project=obj.project(write=True))
    if fmt == "json":
        echo_json(result.as_dict())
        return
    emit(f"registered kzsrc:{result.slug}: {result.sections} section{'s' * (result.sections != 1)}, "
               f"{result.sentences} sentence{'s' * (result.sentences != 1)}")
    for rel in result.files:
        emit(f"  wrote {rel}")
