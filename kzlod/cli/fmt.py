"""``kzlod fmt``: Turtle files in the project's canonical, human order."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kzlod.api.writing import fmt
from kzlod.cli.common import command, emit
from kzlod.errors import EXIT_FAILED


@command("fmt")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if a file is not canonical.")
def fmt_command(obj, files, check):
    """Rewrite Turtle files in the project's canonical, human order.

    With no files, every Turtle file of the project's ontology/, shapes/
    and data/.

    \b
    Examples:
      kzlod fmt --check
      kzlod fmt data/entities.ttl
    """
    project = None if files else obj.project(write=not check)
    changed = fmt(files, check=check, project=project)
    for path in changed:
        emit(f"{'would reformat' if check else 'reformatted'} {path}")
    if check and changed:
        sys.exit(EXIT_FAILED)
