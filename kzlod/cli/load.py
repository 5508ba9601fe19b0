"""``kzlod load``: fill an Oxigraph store on disk for large graphs, with progress.

The other commands take the store it makes with ``--store oxigraph:DIR``
(``query``, ``describe``, ``stats``, ``reason``, ``validate``).

Module-level imports stay light: ``kzlod query`` must start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kzlod.api.writing import load_store
from kzlod.cli.common import command, echo_json, emit


def _show_progress(obj) -> bool:
    return sys.stderr.isatty() and not obj.quiet


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


@command("load")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--store", "store_spec", required=True, metavar="oxigraph:DIR",
              help="The Oxigraph store to load into (created if missing).")
@click.option("--bundled/--no-bundled", default=True, show_default=True,
              help="Also load the project's ontology and data (outside a project: the bundled ones).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="Output format (default: text).")
def load_command(obj, files, store_spec, bundled, fmt):
    """Load RDF files into an Oxigraph store on disk, through the strict input gate.

    Each file goes into its own named graph (loading a file again replaces
    it); the project's ontology and data come along unless --no-bundled. Every
    file is checked as 'kzlod validate' checks syntax (file:line:col),
    literals and limits; if one is refused, the store stays as it was.
    Progress (triples, triples/s) is shown on a terminal.

    \b
    Examples:
      kzlod load big-graph.nt --store oxigraph:kz-store
      kzlod load more-facts.ttl --store oxigraph:kz-store --no-bundled
      kzlod query memberships --store oxigraph:kz-store
    """
    project = obj.project(note=bundled)
    if _show_progress(obj):
        with LoadProgress() as progress:
            report = load_store(files, store_spec, bundled=bundled, project=project, progress=progress)
            progress.finish()
    else:
        report = load_store(files, store_spec, bundled=bundled, project=project)
    if fmt == "json":
        echo_json(report.as_dict())
        return
    n = len(files)
    also = " and the project's ontology and data" if bundled else ""
    emit(f"loaded {report.loaded} triples from {n} file{'s' * (n != 1)}{also} into {store_spec}; "
               f"it holds {report.total} triples")
    if _show_progress(obj):
        rate = report.loaded / report.seconds if report.seconds > 0 else 0
        click.echo(f"{report.seconds:.2f} s, {rate:,.0f} triples/s", err=True)

