"""``kzlod add``: validate new assertions, then merge them into the project's data."""

from __future__ import annotations

from pathlib import Path

import click

from kzlod.api.writing import add
from kzlod.cli.common import command, emit


@command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change, change nothing.")
def add_command(obj, files, dry_run):
    """Validate new assertions, then merge them into the project's data/.

    Each subject goes to the file that already describes it, or to the file
    of its evidence's source section; files are written canonically and
    atomically. Nothing changes when the assertions do not validate.

    \b
    Examples:
      kzlod add new-facts.ttl --dry-run
      kzlod add new-facts.ttl --project ~/my-graph
    """
    with obj.step("validating and merging"):
        plan = add(files, project=obj.project(write=True), dry_run=dry_run)
    emit(plan.text(), nl=False)
