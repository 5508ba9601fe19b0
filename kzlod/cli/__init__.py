"""The ``kzlod`` command line: a thin layer over the library (:mod:`kzlod.api`).

One :func:`click.group`; each command lives in the module of its job and is
added here explicitly. Exit codes, for every command: 0 ok; 1 data does not
conform, graph inconsistent or query failed; 2 usage error; 3 unreadable input.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from kzlod.cli.common import Ctx

#: Every command: its name and where it lives ("module:function"). A command's module is imported
#: when the command runs (or its help is shown), so that 'kzlod query' loads neither the web server
#: nor the curation tools.
COMMANDS = {
    "add": "kzlod.cli.graph:add",
    "coverage": "kzlod.cli.curate:coverage",
    "describe": "kzlod.cli.graph:describe",
    "diff": "kzlod.cli.curate:diff",
    "fmt": "kzlod.cli.graph:fmt",
    "graph": "kzlod.cli.publish:graph",
    "init": "kzlod.cli.project:init",
    "load": "kzlod.cli.load:load_command",
    "locate": "kzlod.cli.curate:locate",
    "mentions": "kzlod.cli.curate:mentions",
    "publish": "kzlod.cli.publish:publish",
    "push": "kzlod.cli.serve:push",
    "queries": "kzlod.cli.graph:queries",
    "query": "kzlod.cli.graph:query",
    "reason": "kzlod.cli.graph:reason",
    "review": "kzlod.cli.review:review",
    "search": "kzlod.cli.search:search",
    "serve": "kzlod.cli.serve:serve",
    "source": "kzlod.cli.curate:source",
    "stats": "kzlod.cli.graph:stats",
    "template": "kzlod.cli.curate:template",
    "validate": "kzlod.cli.graph:validate",
    "vocab": "kzlod.cli.graph:vocab",
}


class Commands(click.Group):
    """The group of :data:`COMMANDS`, each imported when it is asked for (click's lazy loading)."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


def main():
    try:
        cli(prog_name="kzlod")
    except KeyboardInterrupt:  # Ctrl-C: the shell's exit code for SIGINT, and no traceback or message
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
