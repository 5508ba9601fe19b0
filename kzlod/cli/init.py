"""``kzlod init``: start a project of one's own."""

from __future__ import annotations

from pathlib import Path

import click

from kzlod.api.writing import init
from kzlod.cli.common import command, emit


@command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--with-data", is_flag=True, help="Copy the bundled data too (otherwise data/ starts empty).")
@click.option("--name", metavar="NAME", help="The project's name in kzlod.toml (default: the folder's name).")
def init_command(obj, folder, with_data, name):
    """Start a new project in FOLDER from the bundled ontology and shapes.

    FOLDER gets ontology/, shapes/, data/ and a kzlod.toml (name, base IRI,
    version, prefixes). Every kzlod command run inside it (or given
    --project FOLDER, or KZLOD_PROJECT=FOLDER) reads and writes that
    project: 'kzlod add' merges into its data/, 'kzlod query' and 'kzlod
    publish' see what was added at once.

    \b
    Examples:
      kzlod init my-graph
      kzlod init my-graph --with-data --name kz-extended
    """
    project = init(folder, with_data=with_data, name=name)
    n = len(project.turtle_files())
    emit(f"initialised project {project.name} in {folder} ({n} Turtle file{'s' * (n != 1)}); "
               f"next: cd {folder} && kzlod add FILE.ttl")
