"""The ``kzlod`` command line: a thin layer over the library (:mod:`kzlod.api`).

One :func:`click.group`; each command lives in the module named after it
(:data:`COMMANDS`) and is a thin function over :mod:`kzlod.api`. Exit codes, for every command: 0 ok; 1 data does not
conform, graph inconsistent or query failed; 2 usage error; 3 unreadable input.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from kzlod.cli.common import PROJECT_HELP, Ctx

#: Every command: its name and where it lives ("module:function", a module named after the command).
#: A command's module is imported when the command runs (or its help is shown), so that 'kzlod query'
#: loads neither the web server nor the curation tools.
COMMANDS = {
    "add": "kzlod.cli.add:add_command",
    "coverage": "kzlod.cli.coverage:coverage_command",
    "describe": "kzlod.cli.describe:describe_command",
    "diff": "kzlod.cli.diff:diff_command",
    "fmt": "kzlod.cli.fmt:fmt_command",
    "graph": "kzlod.cli.graph:graph_command",
    "init": "kzlod.cli.init:init_command",
    "load": "kzlod.cli.load:load_command",
    "locate": "kzlod.cli.locate:locate_command",
    "mentions": "kzlod.cli.mentions:mentions_command",
    "publish": "kzlod.cli.publish:publish_command",
    "push": "kzlod.cli.push:push_command",
    "queries": "kzlod.cli.query:queries_command",
    "query": "kzlod.cli.query:query_command",
    "reason": "kzlod.cli.reason:reason_command",
    "search": "kzlod.cli.search:search_command",
    "serve": "kzlod.cli.serve:serve_command",
    "source": "kzlod.cli.source:source_command",
    "stats": "kzlod.cli.stats:stats_command",
    "template": "kzlod.cli.template:template_command",
    "validate": "kzlod.cli.validate:validate_command",
    "vocab": "kzlod.cli.vocab:vocab_command",
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
              help=PROJECT_HELP)
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
