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
@click.option("--base", metavar="IRI", help="The project's base IRI in kzlod.toml, an http(s) IRI ending in / or # "
                                           "(default: kzlod's own, with a warning).")
def init_command(obj, folder, with_data, name, base):
    """Start a new project in FOLDER from the bundled ontology and shapes.

    FOLDER gets ontology/, shapes/, data/, a kzlod.toml (name, base IRI,
    version, prefixes) and a .gitignore for the lock and journal kzlod's
    writes leave beside the data. Every kzlod command run inside it (or given
    --project FOLDER, or KZLOD_PROJECT=FOLDER) reads and writes that
    project: 'kzlod add' merges into its data/, 'kzlod query' and 'kzlod
    publish' see what was added at once.

    \b
    Examples:
      kzlod init my-graph
      kzlod init my-graph --base https://example.org/my-graph/
      kzlod init my-graph --with-data --name kz-extended
    """
    project = init(folder, with_data=with_data, name=name, base=base)
    if base is None:
        obj.note(f"warning: {folder / 'kzlod.toml'} names kzlod's own base IRI ({project.base}) as this "
                 f"project's; give --base IRI (or edit kzlod.toml) to name your own")
    n = len(project.turtle_files())
    emit(f"initialised project {project.name} in {folder} ({n} Turtle file{'s' * (n != 1)}); "
               f"next: cd {folder} && kzlod add FILE.ttl")
