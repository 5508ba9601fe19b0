"""The ``kzlod`` click group: every command, loaded when it runs, and the run of a command line.

One :func:`click.group`; each command lives in the module named after it (:data:`COMMANDS`) and is
a thin function over :mod:`kzlod.api`. :func:`run` runs a command line with kzlod's error handling,
and keeps its answer when :mod:`kzlod.cli.replay` may write it again.
"""

from __future__ import annotations

import importlib
import signal
import sys
from pathlib import Path

import click

from kzlod.cli import replay
from kzlod.cli.common import PROJECT_HELP, Ctx
from kzlod.text import visible

#: Every command: its name and where it lives ("module:function", a module named after the command).
#: A command's module is imported when the command runs (or its help is shown), so that 'kzlod query'
#: loads neither the web server nor the curation tools.
COMMANDS = {
    "add": "kzlod.cli.add:add_command",
    "cache": "kzlod.cli.cache:cache_command",
    "coverage": "kzlod.cli.coverage:coverage_command",
    "describe": "kzlod.cli.describe:describe_command",
    "diff": "kzlod.cli.diff:diff_command",
    "fmt": "kzlod.cli.fmt:fmt_command",
    "graph": "kzlod.cli.graph:graph_command",
    "init": "kzlod.cli.init:init_command",
    "load": "kzlod.cli.load:load_command",
    "locate": "kzlod.cli.locate:locate_command",
    "mentions": "kzlod.cli.mentions:mentions_command",
    "new": "kzlod.cli.new:new_command",
    "publish": "kzlod.cli.publish:publish_command",
    "push": "kzlod.cli.push:push_command",
    "queries": "kzlod.cli.query:queries_command",
    "query": "kzlod.cli.query:query_command",
    "reason": "kzlod.cli.reason:reason_command",
    "review": "kzlod.cli.review:review_command",
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


class Interrupted(BaseException):
    """Ctrl-C: raised by kzlod's SIGINT handler where Python would raise KeyboardInterrupt, which
    click catches to print "Aborted!" and exit 1; this passes through to :func:`main`."""


def _interrupt(signum, frame):
    raise Interrupted


def run(plan: replay.Plan | None = None):
    """Run the command line: every error one visible line and its exit code; Ctrl-C exit 130, silently.
    With a ``plan``, what the command writes is recorded, and kept when it ends well (:func:`replay.keep`)."""
    previous = signal.signal(signal.SIGINT, _interrupt)
    replay.current = plan
    try:
        try:
            cli.main(prog_name="kzlod", standalone_mode=False)
        except SystemExit as exc:  # a command's own exit code (validate: 1 when the data does not conform)
            replay.keep(plan, exc.code)
            raise
        replay.keep(plan, 0)
    except (Interrupted, KeyboardInterrupt, click.exceptions.Abort):
        sys.exit(130)  # the shell's code for SIGINT, and no traceback or message
    except click.ClickException as exc:  # a usage error of click's, or a KzlodError (CommandError)
        exc.show(file=VisibleStream(sys.stderr))
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    finally:
        replay.current = None
        signal.signal(signal.SIGINT, previous)


class VisibleStream:
    """A stream that writes its text with every control character made visible: click's own
    messages quote what the user typed (an option's value, a file name)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(visible(text))

    def flush(self) -> None:
        self.stream.flush()
