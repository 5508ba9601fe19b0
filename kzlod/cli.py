"""The ``kzlod`` command line: a thin layer over the library.

Exit codes, for every command: 0 ok; 1 data does not conform, graph
inconsistent or query failed; 2 usage error; 3 unreadable input.
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from kzlod import api
from kzlod.errors import EXIT_FAILED, KzlodError


class CommandError(click.ClickException):
    """A KzlodError shown as a one-line click error with its own exit code."""

    def __init__(self, exc: KzlodError):
        super().__init__(exc.message)
        self.exit_code = exc.exit_code
        self.details = exc.details

    def show(self, file=None):
        file = file or sys.stderr
        click.echo(f"Error: {self.format_message()}", file=file)
        for line in self.details:
            click.echo(f"Error: {line}", file=file)


def handle_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KzlodError as exc:
            raise CommandError(exc) from None

    return wrapper


class Ctx:
    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.tty = sys.stderr.isatty()

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
                        help="'memory' (bundled graph in memory) or 'oxigraph:DIR' (a store made by 'kzlod load').")(fn)


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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="kzlod")
@click.option("--quiet", "-q", is_flag=True, help="No progress or notes on stderr.")
@click.pass_context
def cli(ctx, quiet):
    """kzlod: an evidence-backed knowledge graph of Kazakhstan's foreign relations.

    Query it, validate and add assertions, reason over it, describe entities.

    Exit codes: 0 ok; 1 data does not conform, inconsistent graph or query
    failed; 2 usage error; 3 unreadable input.
    """
    ctx.obj = Ctx(quiet)


def _open(obj: Ctx, data, store_spec, endpoint, inferred):
    with obj.step("loading graph"):
        return api.load(data=data, store=store_spec, endpoint=endpoint, inferred=inferred)


@cli.command()
@click.argument("query")
@graph_options
@click.option("--param", "-p", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="Bind ?NAME to VALUE (an IRI, prefixed name like kzd:russia, number or string).")
@format_option(["table", "csv", "tsv", "json", "xml", "ttl", "nt", "jsonld"])
@click.option("--timeout", type=float, default=None, metavar="SECONDS", help="Wall-clock limit (default 30).")
@click.option("--max-rows", type=int, default=None, metavar="N", help="Result row cap (default 100000).")
@click.pass_obj
@handle_errors
def query(obj, query, data, store_spec, endpoint, inferred, params, fmt, timeout, max_rows):
    """Run a SPARQL query: a string, a .rq file, a named query, or - for stdin.

    \b
    Examples:
      kzlod query memberships
      kzlod query entity --param entity kzd:russia --format json
      kzlod query 'SELECT ?s WHERE { ?s a kz:State }' --format csv
      kzlod query my-query.rq --data new-facts.ttl
    """
    text, named = api.resolve_query(query)
    store = _open(obj, data, store_spec, endpoint, inferred)
    with obj.step("querying"):
        result = api.run(store, text, params=api.bind_params(params, named), timeout=timeout, max_rows=max_rows)
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else ("csv" if result.kind != "graph" else "ttl")
    labels = api.labels_for(store, [t for row in result.rows for t in row]) if fmt == "table" else None
    tty = sys.stdout.isatty()
    width = shutil.get_terminal_size((160, 24)).columns if tty else None
    click.echo(api.render(result, fmt, labels, color=tty, width=width), nl=False)
    if result.truncated:
        obj.note(f"note: result cut at {len(result)} rows (raise --max-rows)")


@cli.command()
@format_option(["table", "json"], default="table")
@handle_errors
def queries(fmt):
    """List the named queries with their titles and descriptions.

    \b
    Example:
      kzlod queries --format json
    """
    items = [q.as_dict() for q in api.named_queries().values()]
    if fmt == "json":
        click.echo(json.dumps(items, indent=2, ensure_ascii=False))
        return
    for q in items:
        params = "".join(f" --param {p} VALUE" for p in q["params"])
        click.echo(f"{q['name']}{params}\n    {q['title']}\n    {q['description']}\n")


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@format_option(["text", "json", "ttl"], default="text")
@click.option("--no-reason", is_flag=True, help="Skip the OWL RL consistency check.")
@store_option
@click.pass_obj
@handle_errors
def validate(obj, files, fmt, no_reason, store_spec):
    """Validate the bundled graph, or new assertions together with it.

    Strict syntax first (file:line:col), then SHACL shapes with inference
    off, then OWL RL consistency. Exit 1 if anything does not conform.

    With --store oxigraph:DIR the new files are checked against that store
    (made by 'kzlod load'). New files are always checked incrementally: only
    the nodes they touch, and what the shapes reach from them, are validated,
    with the verdict of a full run.

    \b
    Examples:
      kzlod validate
      kzlod validate new-facts.ttl --format json
      kzlod validate new-facts.ttl --store oxigraph:kz-store
    """
    with obj.step("validating"):
        report = api.validate(files, reason=not no_reason, store=store_spec)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    elif fmt == "ttl":
        click.echo(api.report_turtle(report), nl=False)
    else:
        click.echo(api.report_text(report), nl=False)
    if not report.conforms:
        sys.exit(EXIT_FAILED)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--project", type=click.Path(file_okay=False, path_type=Path),
              help="Project checkout to add to (default: found from the current directory).")
@click.option("--dry-run", is_flag=True, help="Show what would change, change nothing.")
@click.pass_obj
@handle_errors
def add(obj, files, project, dry_run):
    """Validate new assertions, then merge them into the project's data/.

    Each subject goes to the file that already describes it, or to the file
    of its evidence's source section; files are written canonically and
    atomically. Nothing changes when the assertions do not validate.

    \b
    Examples:
      kzlod add new-facts.ttl --dry-run
      kzlod add new-facts.ttl --project ~/src/kzlod
    """
    with obj.step("validating and merging"):
        plan = api.add(files, project=project, dry_run=dry_run)
    click.echo(plan.text(), nl=False)


@cli.command()
@data_option
@format_option(["ttl", "nt", "jsonld"], default="ttl")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the inferred triples here.")
@store_option
@click.option("--engine", type=click.Choice(["owlrl", "reasonable", "auto"]), default="auto", show_default=True,
              help="Reasoner: owlrl, reasonable (fast, Rust), or auto (reasonable for large graphs).")
@click.pass_obj
@handle_errors
def reason(obj, data, fmt, out, store_spec, engine):
    """Compute the OWL RL closure and check consistency.

    Prints only the inferred triples (never written into data/), and
    explains each clash. Exit 1 if the graph is inconsistent. The closure is
    cached by the content hash of its inputs.

    With --store oxigraph:DIR the closure is written beside the store (graph
    urn:kzlod:inferred of a sub-store, never into the asserted graphs) for
    'query --inferred'; it is cached by the content of what 'kzlod load'
    loaded. --engine reasonable (or auto, for large graphs) computes the same
    instance-level entailments as owlrl, much faster.

    \b
    Examples:
      kzlod reason --format nt --out inferred.nt
      kzlod reason --engine reasonable --format nt
      kzlod reason --store oxigraph:kz-store
    """
    if store_spec not in (None, "", "memory"):
        return _reason_store(obj, store_spec, engine, data, fmt, out)
    with obj.step("reasoning"):
        closure = api.reason(data=data, engine=engine)
    text = api.render_triples(closure.inferred, fmt)
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    obj.note(f"{len(closure.inferred)} inferred triples"
             + (f", {closure.dropped} malformed triples dropped" if closure.dropped else "")
             + (" (cached)" if closure.cached else ""))
    _exit_on_clashes(closure.clashes)


def _reason_store(obj: Ctx, store_spec: str, engine: str, data, fmt: str, out):
    from kzlod.errors import UsageError

    if data:
        raise UsageError(f"--data cannot be used with --store {store_spec}; add the files with 'kzlod load' first")
    show = obj.tty and not obj.quiet

    def progress(event, **info):
        if show:
            extra = f" ({info['engine']}, {info['triples']:,} triples)" if "engine" in info else ""
            click.echo(f"{event}{extra}…", err=True)

    result = api.reason_store(store_spec, engine=engine, progress=progress)
    if out:
        api.write_inferred(store_spec, out, fmt)
    obj.note(f"{result.inferred} inferred triples in graph urn:kzlod:inferred of {store_spec} ({result.engine}"
             + (", cached" if result.cached else "")
             + (f", {result.dropped} malformed triples dropped" if result.dropped else "") + ")")
    if show:
        click.echo(f"{result.seconds:.2f} s", err=True)
    _exit_on_clashes(result.clashes)


def _exit_on_clashes(clashes):
    if clashes:
        for clash in clashes:
            click.echo(f"inconsistent: {clash}", err=True)
        sys.exit(EXIT_FAILED)


@cli.command()
@click.argument("name")
@graph_options
@format_option(["text", "json"], default="text")
@click.pass_obj
@handle_errors
def describe(obj, name, data, store_spec, endpoint, inferred, fmt):
    """Show an entity card: by label, alternative label or IRI.

    \b
    Examples:
      kzlod describe Armenia
      kzlod describe EAEU --format json
      kzlod describe kzd:kazakhstan
    """
    store = _open(obj, data, store_spec, endpoint, inferred)
    card = api.describe(store, name)
    if fmt == "json":
        click.echo(json.dumps(card, indent=2, ensure_ascii=False))
    else:
        click.echo(api.card_text(card), nl=False)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if a file is not canonical.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), help="Project checkout (default: found from here).")
@click.pass_obj
@handle_errors
def fmt(obj, files, check, project):
    """Rewrite Turtle files in the project's canonical, human order.

    With no files, every Turtle file of the project's ontology/, shapes/
    and data/.

    \b
    Examples:
      kzlod fmt --check
      kzlod fmt data/entities.ttl
    """
    changed = api.fmt(files, check=check, project=project)
    for path in changed:
        click.echo(f"{'would reformat' if check else 'reformatted'} {path}")
    if check and changed:
        sys.exit(EXIT_FAILED)


@cli.command()
@graph_options
@format_option(["text", "json"], default="text")
@click.pass_obj
@handle_errors
def stats(obj, data, store_spec, endpoint, inferred, fmt):
    """Count triples, entities by class, and claims by source and section.

    \b
    Example:
      kzlod stats --format json
    """
    store = _open(obj, data, store_spec, endpoint, inferred)
    result = api.stats(store)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    click.echo(f"triples: {result['triples']}\n\nentities by class:")
    for row in result["classes"]:
        click.echo(f"  {row['entities']:6d}  {row['class']}")
    click.echo("\nclaims by source and section:")
    for row in result["claims"]:
        click.echo(f"  {row['claims']:6d}  {row['source']}" + (f" / {row['section']}" if row["section"] else ""))


# Commands of other jobs live in their own modules, each listing its click
# commands in COMMANDS; those present are added here.
PLUGINS = ("kzlod.cli_publish", "kzlod.cli_serve", "kzlod.cli_curate", "kzlod.cli_scale")


def _add_plugins() -> None:
    import importlib

    for name in PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for command in module.COMMANDS:
            cli.add_command(command)


_add_plugins()


def main():
    try:
        cli(prog_name="kzlod")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
