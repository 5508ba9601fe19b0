"""What every command shares: the error handler, the context with its project, and the options.

One error handler maps each :class:`kzlod.errors.KzlodError` to its one-line
message and exit code; commands are thin functions over :mod:`kzlod.api`.
Every command takes the global options ``--project DIR`` and ``--quiet``
after its name too (:func:`command`), so ``kzlod query --project p NAME`` and
``kzlod --project p query NAME`` mean the same.
"""

from __future__ import annotations

import functools
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from kzlod import settings
from kzlod.api.context import check_project
from kzlod.api.reading import load
from kzlod.cli import replay
from kzlod.errors import InputError, KzlodError
from kzlod.files.safewrite import recover_project
from kzlod.project import Project, resolve
from kzlod.store.spec import StoreSpec
from kzlod.text import one_line, visible


class CommandError(click.ClickException):
    """A KzlodError shown as a one-line click error with its own exit code."""

    def __init__(self, exc: KzlodError):
        super().__init__(one_line(exc.message))
        self.exit_code = exc.exit_code
        self.details = [one_line(d) for d in exc.details]

    def show(self, file=None):
        """``Error:`` and the message, then each detail on a line of its own, indented as far
        (a query's line and the caret under the place it goes wrong stay aligned)."""
        file = file or sys.stderr
        click.echo(f"Error: {self.format_message()}", file=file)
        for line in self.details:
            click.echo(f"       {line}".rstrip(), file=file)


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
        except OSError as exc:  # the last resort for the machine's errors: a full disk, a read-only folder …
            where = f"{exc.filename}: " if exc.filename else ""
            what = f"{exc.strerror} (errno {exc.errno})" if exc.strerror else (str(exc) or type(exc).__name__)
            raise CommandError(InputError(f"{where}{what}")) from None

    return wrapper


class Ctx:
    """The state of one ``kzlod`` run: quiet or not, and the project it works on (resolved once)."""

    def __init__(self, quiet: bool = False, project: Path | None = None):
        self.quiet = quiet
        self.project_dir = project
        self.tty = sys.stderr.isatty()
        self._project: Project | None = None
        self._progress: str | None = None  # the step whose progress line is open on stderr

    def project(self, *, write: bool = False, note: bool = True) -> Project:
        """The project of this command: ``--project``, else ``$KZLOD_PROJECT``, else the nearest
        kzlod.toml upward, else the bundled graph. Resolved, and recovered from an interrupted
        write, once per command.

        A writing command is refused outside a project (exit 2); a reading one
        says in one stderr line that it reads the bundled graph (unless ``note`` is false:
        a command that reads no graph files).
        """
        if self._project is None:
            found = resolve(self.project_dir)
            for folder, outcome in recover_project(found):
                self.note(f"kzlod: {folder.name}/: an interrupted write was {outcome}")
            check_project(found)  # the project's own files through the strict gate (verdicts cached)
            if found.bundled and not write and note:
                self.note("kzlod: no project here (no kzlod.toml up from the current folder); "
                          "reading the bundled graph, read-only")
            self._project = found
        return self._project.require_writable() if write else self._project

    @contextmanager
    def step(self, what: str):
        """Report a long step and its time on stderr, on a terminal only. Its line is cleared before
        any note or error (:meth:`note`, :meth:`end_progress`): nothing runs into it."""
        show = self.tty and not self.quiet
        if show:
            click.echo(f"{what}…", err=True, nl=False)
            self._progress = what
        start = time.perf_counter()
        try:
            yield
        except BaseException:
            self.end_progress()  # the error starts a line of its own
            raise
        if show and self._progress:
            click.echo(f" {time.perf_counter() - start:.2f} s", err=True)
        self._progress = None

    def end_progress(self) -> None:
        """Clear the progress line of a step, if one is open, so that a message starts a line."""
        if getattr(self, "_progress", None):
            sys.stderr.write("\r\x1b[K")  # back to the line's start, erase it (not echo: it drops escapes off a tty)
            sys.stderr.flush()
            self._progress = None

    def note(self, message: str):
        if not self.quiet:
            self.end_progress()
            click.echo(visible(message), err=True)
            replay.noted(visible(message))


pass_ctx = click.make_pass_decorator(Ctx, ensure=True)


def _set_project(ctx, param, value):
    if value is not None:
        ctx.ensure_object(Ctx).project_dir = value
    return value


def _set_quiet(ctx, param, value):
    if value:
        ctx.ensure_object(Ctx).quiet = True
    return value


PROJECT_HELP = ("The project to work on (default: $KZLOD_PROJECT, else the nearest folder with a kzlod.toml "
                "from here upward, else the bundled graph, read-only).")


def global_options(fn):
    """``--project DIR`` and ``--quiet``, as kzlod's own options, given after a command's name."""
    fn = click.option("--quiet", "-q", is_flag=True, expose_value=False, is_eager=True, callback=_set_quiet,
                      help="No progress or notes on stderr.")(fn)
    return click.option("--project", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
                        expose_value=False, is_eager=True, callback=_set_project,
                        help="The project to work on (see 'kzlod --help').")(fn)


def command(name: str, **attrs):
    """A kzlod command: a click command that takes the global options, passes the :class:`Ctx`
    as its first argument and turns every :class:`KzlodError` into its message and exit code."""

    def deco(fn):
        return click.command(name, **attrs)(global_options(pass_ctx(handle_errors(fn))))

    return deco


class StoreType(click.ParamType):
    """``--store``: ``memory`` or ``oxigraph:DIR``, parsed once into a :class:`StoreSpec`."""

    name = "STORE"

    def convert(self, value, param, ctx):
        if isinstance(value, StoreSpec):
            return value
        try:
            return StoreSpec.parse(value)
        except KzlodError as exc:
            self.fail(exc.message, param, ctx)


def data_option(fn):
    return click.option("--data", "data", multiple=True, type=click.Path(path_type=Path),
                        metavar="FILE", help="Extra RDF file to add to the graph (repeatable).")(fn)


def store_option(fn):
    return click.option("--store", "store", type=StoreType(), default="memory", show_default=True, metavar="STORE",
                        help="'memory' (the project's graph in memory) or 'oxigraph:DIR' (a store made by "
                             "'kzlod load').")(fn)


def graph_options(fn):
    """--data, --store, --endpoint, --inferred: where the graph comes from."""
    fn = click.option("--inferred", is_flag=True,
                      help="Include the OWL RL closure (in memory: computed once, then cached; with "
                           "--store oxigraph:DIR: the one 'kzlod reason --store' wrote).")(fn)
    fn = click.option("--endpoint", metavar="URL", help="Query a remote SPARQL 1.1 endpoint instead.")(fn)
    fn = store_option(fn)
    return data_option(fn)


def open_graph(obj: Ctx, data, store: StoreSpec, endpoint: str | None, inferred: bool):
    """The graph a reading command asked for (:func:`kzlod.api.load`): the project's, a disk store's
    or an endpoint's."""
    spec = StoreSpec.parse(store, endpoint)
    with obj.step("loading graph"):
        return load(data=data, store=spec, inferred=inferred,
                    project=obj.project(note=spec.is_memory))


def format_option(choices, default=None):
    def deco(fn):
        return click.option("--format", "-f", "fmt", type=click.Choice(choices), default=default,
                            help="Output format" + (f" (default: {default})." if default else
                                                    " (default: table on a terminal, else csv/ttl)."))(fn)
    return deco


def emit(text: str, *, nl: bool = True) -> None:
    """Write a command's output: on a terminal, with every control character of the data made
    visible (:func:`kzlod.text.visible`); to a file or a pipe, as it is."""
    text = visible(text) if sys.stdout.isatty() else text
    click.echo(text, nl=nl)
    replay.wrote(text + "\n" if nl else text)


def emit_utf8(data: bytes) -> None:
    """Write output that is UTF-8 text already (CSV the store wrote) as its bytes where they are what
    :func:`emit` would write: off a terminal (there control characters are made visible), into a
    UTF-8 stream, and with no escape character (click strips ANSI sequences from what it writes off a
    terminal). Else through :func:`emit`. No copy of a result of millions of rows as text, twice."""
    stream = sys.stdout
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
    if stream.isatty() or encoding not in ("utf-8", "utf8") or not hasattr(stream, "buffer") or b"\x1b" in data:
        emit(data.decode("utf-8"), nl=False)
        return
    stream.flush()
    stream.buffer.write(data)
    stream.buffer.flush()
    replay.wrote(data)


def echo_json(data) -> None:
    import json  # here: a query's start needs no JSON

    emit(json.dumps(data, indent=2, ensure_ascii=False))
