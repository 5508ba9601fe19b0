"""Commands for large graphs: ``kzlod load``, and the store options of ``reason`` and ``validate``.

``kzlod load`` fills an Oxigraph store on disk. The commands that already
exist gain what a store on disk needs, by extending the click commands of
:mod:`kzlod.cli` in place (their own options and code stay as they are):

* ``kzlod reason --store oxigraph:DIR [--engine owlrl|reasonable|auto]``
  writes the closure beside the store, ``--engine`` also works in memory;
* ``kzlod validate NEW.ttl --store oxigraph:DIR`` validates new assertions
  against the store, looking only at what they touch;
* ``kzlod query/describe/stats --store oxigraph:DIR --inferred`` read the
  closure ``kzlod reason --store`` made.

Module-level imports stay light: ``kzlod query`` must start fast.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from kzlod.cli import cli, handle_errors
from kzlod.errors import EXIT_FAILED


def _quiet() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().obj is not None and getattr(ctx.find_root().obj, "quiet", False))


def _show_progress() -> bool:
    return sys.stderr.isatty() and not _quiet()


class LoadProgress:
    """Per-file progress on stderr: triples so far and triples/s (a terminal only)."""

    BUNDLED = "bundled ontology and data"

    def __init__(self):
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}", style="bold"),
            TextColumn("{task.fields[triples]:>11,} triples", justify="right"),
            TextColumn("{task.fields[rate]:>9,.0f} triples/s", justify="right"),
            TimeElapsedColumn(), console=Console(stderr=True), transient=False)
        self.tasks: dict = {}
        self.started: dict = {}
        self.bundled = 0

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def __call__(self, event: str, **info):
        import time

        bundled = info.get("bundled", False)
        name = self.BUNDLED if bundled else info.get("file", "")
        if event == "start":
            if name not in self.tasks:
                self.started[name] = time.perf_counter()
                label = name if bundled or len(name) <= 40 else "…" + name[-39:]
                self.tasks[name] = self.progress.add_task(label, total=None, triples=0, rate=0.0)
            return
        elapsed = time.perf_counter() - self.started.get(name, time.perf_counter())
        triples = info["triples"]
        if bundled:
            if event != "done":
                return
            self.bundled += triples
            triples = self.bundled
        rate = triples / elapsed if elapsed > 0 else 0.0
        self.progress.update(self.tasks[name], triples=triples, rate=rate)
        if event == "done" and not bundled:
            self.progress.update(self.tasks[name], total=1, completed=1)

    def finish(self):
        if self.BUNDLED in self.tasks:
            self.progress.update(self.tasks[self.BUNDLED], total=1, completed=1)


@click.command("load")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--store", "store_spec", required=True, metavar="oxigraph:DIR",
              help="The Oxigraph store to load into (created if missing).")
@click.option("--bundled/--no-bundled", default=True, show_default=True,
              help="Also load the bundled ontology and data.")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="Output format (default: text).")
@click.pass_obj
@handle_errors
def load_command(obj, files, store_spec, bundled, fmt):
    """Load RDF files into an Oxigraph store on disk, through the strict input gate.

    Each file goes into its own named graph (loading a file again replaces
    it); the bundled ontology and data come along unless --no-bundled. Every
    file is checked as 'kzlod validate' checks syntax (file:line:col),
    literals and limits; if one is refused, the store stays as it was.
    Progress (triples, triples/s) is shown on a terminal.

    \b
    Examples:
      kzlod load big-graph.nt --store oxigraph:kz-store
      kzlod load more-facts.ttl --store oxigraph:kz-store --no-bundled
      kzlod query memberships --store oxigraph:kz-store
    """
    from kzlod import bulk
    from kzlod.store import store_path

    path = store_path(store_spec, must_exist=False)
    if _show_progress():
        with LoadProgress() as progress:
            report = bulk.load(files, path, bundled=bundled, progress=progress)
            progress.finish()
    else:
        report = bulk.load(files, path, bundled=bundled)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    n = len(files)
    also = " and the bundled ontology and data" if bundled else ""
    click.echo(f"loaded {report.loaded} triples from {n} file{'s' * (n != 1)}{also} into {store_spec}; "
               f"it holds {report.total} triples")
    if _show_progress():
        rate = report.loaded / report.seconds if report.seconds > 0 else 0
        click.echo(f"{report.seconds:.2f} s, {rate:,.0f} triples/s", err=True)


# --- extending the existing commands ---------------------------------------------------------------

STORE_OPTION_HELP = "'memory' (bundled graph in memory) or 'oxigraph:DIR' (a store made by 'kzlod load')."


def _extend(name: str, options: list[click.Option], wrap, help_add: str = "", examples=()) -> click.Command:
    """Add options to an existing command and wrap its callback (its own code still runs)."""
    command = cli.commands[name]
    if getattr(command, "_kzlod_scale", False):
        return command
    have = {p.name for p in command.params}
    command.params.extend(o for o in options if o.name not in have)
    command.callback = wrap(command.callback)
    if help_add or examples:
        command.help = _insert_help(command.help or "", help_add, examples)
    command._kzlod_scale = True
    return command


def _insert_help(text: str, addition: str, examples=()) -> str:
    """Put a paragraph before the examples of a command's help, and more examples after them."""
    import inspect

    text = inspect.cleandoc(text)
    marker = "\n\b\n"
    head, tail = text.split(marker, 1) if marker in text else (text, "")
    if addition:
        head = f"{head.rstrip()}\n\n{addition}"
    if examples:
        tail = tail.rstrip() or "Examples:"
        tail = tail.replace("Example:", "Examples:", 1) if tail.startswith("Example:") else tail
        tail += "".join(f"\n  {e}" for e in examples)
    return f"{head}\n{marker}{tail}\n" if tail else f"{head}\n"


def _reason_wrap(original):
    @functools.wraps(original)
    def reason(store_spec="memory", engine="auto", **kwargs):
        from kzlod import reasoning

        if store_spec in (None, "", "memory"):
            with reasoning.use_engine(engine):
                return original(**kwargs)
        return _reason_store(store_spec, engine, kwargs)

    return reason


@handle_errors
def _reason_store(store_spec: str, engine: str, kwargs: dict):
    from kzlod import reasoning
    from kzlod.errors import UsageError
    from kzlod.store import store_path

    if kwargs.get("data"):
        raise UsageError(f"--data cannot be used with --store {store_spec}; add the files with 'kzlod load' first")
    path = store_path(store_spec)
    note = (lambda *a, **k: None)
    if _show_progress():
        def note(event, **info):
            extra = f" ({info['engine']}, {info['triples']:,} triples)" if "engine" in info else ""
            click.echo(f"{event}{extra}…", err=True)
    with reasoning.use_engine(engine):
        result = reasoning.reason_store(path, engine=engine, progress=note)
    out = kwargs.get("out")
    if out:
        reasoning.dump_inferred(path, str(out), kwargs.get("fmt") or "ttl")
    if not _quiet():
        click.echo(f"{result.inferred} inferred triples in graph urn:kzlod:inferred of {store_spec} "
                   f"({result.engine}" + (", cached" if result.cached else "")
                   + (f", {result.dropped} malformed triples dropped" if result.dropped else "") + ")", err=True)
        if _show_progress():
            click.echo(f"{result.seconds:.2f} s", err=True)
    if result.clashes:
        for clash in result.clashes:
            click.echo(f"inconsistent: {clash}", err=True)
        sys.exit(EXIT_FAILED)


def _validate_wrap(original):
    @functools.wraps(original)
    def validate(store_spec="memory", **kwargs):
        if store_spec in (None, "", "memory"):
            return original(**kwargs)
        return _validate_store(store_spec, kwargs)

    return validate


@handle_errors
def _validate_store(store_spec: str, kwargs: dict):
    from kzlod import api
    from kzlod.errors import UsageError
    from kzlod.store import store_path
    from kzlod.validation import validate

    files = kwargs.get("files") or ()
    if not files:
        raise UsageError(f"give the new files to check against {store_spec} (a whole large store is "
                         "validated by loading it with 'kzlod load', which checks every file)")
    path = store_path(store_spec)
    report = validate([Path(f) for f in files], store=path, reason=not kwargs.get("no_reason"))
    fmt = kwargs.get("fmt") or "text"
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    elif fmt == "ttl":
        click.echo(api.report_turtle(report), nl=False)
    else:
        click.echo(api.report_text(report), nl=False)
    if not report.conforms:
        sys.exit(EXIT_FAILED)


def _inferred_wrap(original):
    """``--store oxigraph:DIR --inferred``: read the closure 'kzlod reason --store' made."""

    @functools.wraps(original)
    def command(**kwargs):
        spec = kwargs.get("store_spec") or ""
        if kwargs.get("inferred") and spec.startswith("oxigraph:") and not kwargs.get("endpoint"):
            from kzlod.store import USE_INFERRED

            token = USE_INFERRED.set(True)
            try:
                return original(**{**kwargs, "inferred": False})
            finally:
                USE_INFERRED.reset(token)
        return original(**kwargs)

    return command


def _commands() -> list[click.Command]:
    store = click.Option(["--store", "store_spec"], default="memory", show_default=True, metavar="STORE",
                         help=STORE_OPTION_HELP)
    engine = click.Option(["--engine"], type=click.Choice(["owlrl", "reasonable", "auto"]), default="auto",
                          show_default=True,
                          help="Reasoner: owlrl, reasonable (fast, Rust), or auto (reasonable for large graphs).")
    extended = [
        _extend("reason", [store, engine], _reason_wrap,
                "With --store oxigraph:DIR the closure is written beside the store (graph "
                "urn:kzlod:inferred of a sub-store, never into the asserted graphs) for 'query --inferred'; "
                "it is cached by the content of what 'kzlod load' loaded. --engine reasonable (or auto, "
                "for large graphs) computes the same instance-level entailments as owlrl, much faster.",
                ["kzlod reason --engine reasonable --format nt",
                 "kzlod reason --store oxigraph:kz-store"]),
        _extend("validate", [click.Option(["--store", "store_spec"], default="memory", show_default=True,
                                          metavar="STORE", help=STORE_OPTION_HELP)], _validate_wrap,
                "With --store oxigraph:DIR the new files are checked against that store (made by 'kzlod "
                "load'). New files are always checked incrementally: only the nodes they touch, and what the "
                "shapes reach from them, are validated, with the verdict of a full run.",
                ["kzlod validate new-facts.ttl --store oxigraph:kz-store"]),
    ]
    for name in ("query", "describe", "stats"):
        if name in cli.commands:
            extended.append(_extend(name, [], _inferred_wrap))
    return [load_command, *extended]


COMMANDS = _commands()
