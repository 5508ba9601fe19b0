"""What every command shares: the error handler, the context with its project, and the options.

One error handler maps each :class:`kzlod.errors.KzlodError` to its one-line
message and exit code; commands are thin functions over library calls.
"""

from __future__ import annotations

import functools
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from kzlod import project as projects
from kzlod import settings
from kzlod.errors import InputError, KzlodError
from kzlod.files.safewrite import recover_project
from kzlod.project import Project


def one_line(text: str) -> str:
    """A message on one line whatever it quotes: a file name with a newline in it stays on its line."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class CommandError(click.ClickException):
    """A KzlodError shown as a one-line click error with its own exit code."""

    def __init__(self, exc: KzlodError):
        super().__init__(one_line(exc.message))
        self.exit_code = exc.exit_code
        self.details = [one_line(d) for d in exc.details]

    def show(self, file=None):
        file = file or sys.stderr
        click.echo(f"Error: {self.format_message()}", file=file)
        for line in self.details:
            click.echo(f"Error: {line}", file=file)


def handle_errors(fn):
    """Run a command: its settings checked first (a bad one is a usage error, whatever the command
    reads), then each KzlodError turned into its one line and exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            settings.check_all()
            return fn(*args, **kwargs)
        except KzlodError as exc:
            raise CommandError(exc) from None
        except OSError as exc:  # the machine's, not the user's input: a full disk, a read-only folder …
            if exc.strerror is None:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise CommandError(InputError(f"{where}{exc.strerror} (errno {exc.errno})")) from None

    return wrapper


class Ctx:
    """The state of one ``kzlod`` run: quiet or not, and the project it works on."""

    def __init__(self, quiet: bool, project: Path | None = None):
        self.quiet = quiet
        self.project_dir = project
        self.tty = sys.stderr.isatty()
        self._noted_bundled = False

    def project(self, explicit: Path | None = None, *, write: bool = False) -> Project:
        """The project of this command: its own --project, else kzlod's --project, else
        $KZLOD_PROJECT, else the nearest kzlod.toml upward, else the bundled graph.

        A writing command is refused outside a project (exit 2); a reading one
        says in one stderr line that it reads the bundled graph.
        """
        found = projects.resolve(explicit or self.project_dir)
        for folder, outcome in recover_project(found):
            self.note(f"kzlod: {folder.name}/: an interrupted write was {outcome}")
        if write:
            return found.require_writable()
        if found.bundled and not self._noted_bundled:
            self._noted_bundled = True
            self.note("kzlod: no project here (no kzlod.toml up from the current folder); "
                      "reading the bundled graph, read-only")
        return found

    @contextmanager
    def step(self, what: str):
        """Report a long step and its time on stderr, on a terminal only."""
        show = self.tty and not self.quiet
        if show:
            click.echo(f"{what}…", err=True, nl=False)
        start = time.perf_counter()
        yield
        if show:
            click.echo(f" {time.perf_counter() - start:.2f} s", err=True)

    def note(self, message: str):
        if not self.quiet:
            click.echo(message, err=True)


def data_option(fn):
    return click.option("--data", "data", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                        metavar="FILE", help="Extra RDF file to add to the graph (repeatable).")(fn)


def store_option(fn):
    return click.option("--store", "store_spec", default="memory", show_default=True, metavar="STORE",
                        help="'memory' (the project's graph in memory) or 'oxigraph:DIR' (a store made by 'kzlod load').")(fn)


def graph_options(fn):
    """--data, --store, --endpoint, --inferred: where the graph comes from."""
    fn = click.option("--inferred", is_flag=True,
                      help="Include the OWL RL closure (in memory: computed once, then cached; with "
                           "--store oxigraph:DIR: the one 'kzlod reason --store' wrote).")(fn)
    fn = click.option("--endpoint", metavar="URL", help="Query a remote SPARQL 1.1 endpoint instead.")(fn)
    fn = store_option(fn)
    return data_option(fn)


def format_option(choices, default=None):
    def deco(fn):
        return click.option("--format", "-f", "fmt", type=click.Choice(choices), default=default,
                            help="Output format" + (f" (default: {default})." if default else
                                                    " (default: table on a terminal, else csv/ttl)."))(fn)
    return deco




def project_option(fn):
    """--project DIR on a command (the same as kzlod's own --project, given after the command)."""
    return click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
                        metavar="DIR", help="The project to work on (default: found from the current folder; "
                                            "see 'kzlod --help').")(fn)
