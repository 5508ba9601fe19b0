"""Commands for curating new sources: ``source add``, ``mentions``, ``template``, ``coverage``, ``diff``.

Thin wrappers over :mod:`kzlod.curation`; heavy libraries are imported only
when a command runs, so that ``kzlod query`` starts quickly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kzlod.cli.common import Ctx, format_option, handle_errors
from kzlod.curation.coverage import coverage as measure
from kzlod.curation.coverage import coverage_table
from kzlod.curation.diff import diff as compare
from kzlod.curation.diff import diff_json, diff_markdown, diff_text
from kzlod.curation.locate import locate as find_quote
from kzlod.curation.mentions import mentions as find
from kzlod.curation.mentions import mentions_table
from kzlod.curation.register import add_source
from kzlod.curation.template import apply_template
from kzlod.errors import EXIT_FAILED

PROJECT_HELP_WRITE = "Project to change (default: found from the current directory; see 'kzlod --help')."
PROJECT_HELP_READ = ("Project to read (default: found from the current directory, "
                     "else the graph bundled with kzlod).")


def project_option(help_text: str):
    return click.option("--project", type=click.Path(file_okay=False, path_type=Path), metavar="DIR", help=help_text)


def _root(project: Path | None, *, write: bool = False) -> Path:
    """The folder of the project this command works on (see :meth:`kzlod.cli.common.Ctx.project`)."""
    ctx = click.get_current_context()
    obj = ctx.find_object(Ctx) or Ctx(False)
    return obj.project(project, write=write).root


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _note(message: str) -> None:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(Ctx) if ctx else None
    if not (obj and obj.quiet):
        click.echo(message, err=True)


@click.group()
def source():
    """Register the texts that claims quote.

    \b
    Example:
      kzlod source add report.txt --title "Foreign Policy 2024" --author "A. Author"
    """


@source.command("add")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--title", required=True, help="The document's title (English).")
@click.option("--author", required=True, help="Its author or publisher.")
@click.option("--date", help="Publication date: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--slug", help="Kebab-case name of the source (default: from the file name).")
@project_option(PROJECT_HELP_WRITE)
@format_option(["text", "json"], default="text")
@handle_errors
def source_add(file, title, author, date, slug, project, fmt):
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
    """

    result = add_source(file, title=title, author=author, date=date, slug=slug, project=_root(project, write=True))
    if fmt == "json":
        _echo_json(result.as_dict())
        return
    click.echo(f"registered kzsrc:{result.slug}: {result.sections} section{'s' * (result.sections != 1)}, "
               f"{result.sentences} sentence{'s' * (result.sentences != 1)}")
    for rel in result.files:
        click.echo(f"  wrote {rel}")


@click.command()
@click.argument("source_ref", metavar="SOURCE")
@project_option(PROJECT_HELP_READ)
@format_option(["table", "json"], default="table")
@handle_errors
def mentions(source_ref, project, fmt):
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

    result = find(source_ref, project=_root(project))
    for note in result["notes"]:
        _note(f"note: {note}")
    if fmt == "json":
        _echo_json(result)
    else:
        click.echo(mentions_table(result), nl=False)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@project_option(PROJECT_HELP_WRITE)
@click.option("--dry-run", is_flag=True, help="Show what would be added, change nothing.")
@format_option(["text", "json"], default="text")
@handle_errors
def template(file, project, dry_run, fmt):
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

    result = apply_template(file, project=_root(project, write=not dry_run), dry_run=dry_run)
    if fmt == "json":
        _echo_json(result.as_dict())
    else:
        click.echo(result.text(), nl=False)


@click.command()
@click.argument("source_ref", metavar="[SOURCE]", required=False)
@project_option(PROJECT_HELP_READ)
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PCT",
              help="Exit 1 when fewer than PCT percent of the sentences shown are covered.")
@format_option(["table", "json"], default="table")
@handle_errors
def coverage(source_ref, project, fail_under, fmt):
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

    result = measure(source_ref, project=_root(project))
    if fmt == "json":
        _echo_json(result)
    else:
        click.echo(coverage_table(result), nl=False)
    total = result["total"]["percent"]
    if fail_under is not None and total < fail_under:
        click.echo(f"Error: coverage {total:.1f}% is under {fail_under:g}%", err=True)
        sys.exit(EXIT_FAILED)


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path),
              metavar="DIR", help="Project whose git history revisions refer to (default: found from here).")
@format_option(["text", "markdown", "json"], default="text")
@handle_errors
def diff(old, new, project, fmt):
    """Show the facts added, removed and changed between two versions of the data.

    OLD and NEW are files, folders (a project folder stands for its data/)
    or git revisions of the project's data/ (HEAD~1, or git:REV to say it
    is one). Facts are grouped by subject, with labels; blank-node trees
    (evidence, times) are compared by their canonical content; subjects per
    class are counted on both sides.

    \b
    Example:
      kzlod diff HEAD~1 .
      kzlod diff git:v0.1.0 data --format markdown
      kzlod diff old/entities.ttl data/entities.ttl --format json
    """

    obj = click.get_current_context().find_object(Ctx)
    result = compare(old, new, project=project or (obj.project_dir if obj else None))
    render = {"text": diff_text, "markdown": diff_markdown, "json": diff_json}[fmt]
    click.echo(render(result), nl=False)



@click.command()
@click.argument("source_ref", metavar="SOURCE")
@click.argument("quote")
@project_option(PROJECT_HELP_READ)
@format_option(["text", "json"], default="text")
@handle_errors
def locate(source_ref, quote, project, fmt):
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
    found = find_quote(source_ref, quote, project=_root(project))
    if fmt == "json":
        _echo_json(found.as_dict())
    else:
        click.echo(found.text(), nl=False)
