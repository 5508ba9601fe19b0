"""``kzlod diff``: the facts added, removed and changed between two versions of the data."""

from __future__ import annotations

import click

from kzlod.api.curating import diff
from kzlod.cli.common import command, emit, format_option
from kzlod.curation.diff import diff_json, diff_markdown, diff_text


@command("diff")
@click.argument("old")
@click.argument("new")
@format_option(["text", "markdown", "json"], default="text")
def diff_command(obj, old, new, fmt):
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

    result = diff(old, new, project=obj.project(note=False))
    render = {"text": diff_text, "markdown": diff_markdown, "json": diff_json}[fmt]
    emit(render(result), nl=False)
