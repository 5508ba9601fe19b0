"""The ``kzlod`` command line: a thin layer over the library (:mod:`kzlod.api`).

One :func:`click.group`; each command lives in the module of its job and is
added here explicitly. Exit codes, for every command: 0 ok; 1 data does not
conform, graph inconsistent or query failed; 2 usage error; 3 unreadable input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kzlod.cli import curate, graph, load, project, publish, serve
from kzlod.cli.common import Ctx


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="kzlod")
@click.option("--quiet", "-q", is_flag=True, help="No progress or notes on stderr.")
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="The project to work on (default: $KZLOD_PROJECT, else the nearest folder with a "
                   "kzlod.toml from here upward, else the bundled graph, read-only).")
@click.pass_context
def cli(ctx, quiet, project_dir):
    """kzlod: an evidence-backed knowledge graph of Kazakhstan's foreign relations.

    Query it, validate and add assertions, reason over it, describe entities.
    Every command works on one project: a folder with ontology/, shapes/,
    data/ and a kzlod.toml ('kzlod init DIR' makes one).

    Exit codes: 0 ok; 1 data does not conform, inconsistent graph or query
    failed; 2 usage error; 3 unreadable input.
    """
    ctx.obj = Ctx(quiet, project_dir)


for command in (graph.query, graph.queries, graph.validate, graph.add, graph.reason, graph.describe, graph.fmt,
                graph.stats, publish.publish, publish.graph, serve.serve, serve.push, curate.source, curate.mentions,
                curate.template, curate.coverage, curate.diff, load.load_command, project.init):
    cli.add_command(command)


def main():
    try:
        cli(prog_name="kzlod")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
