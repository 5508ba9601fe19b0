"""The graph commands: query, queries, validate, add, reason, describe, fmt, stats."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import click

from kzlod import api
from kzlod.cli.common import (
    Ctx,
    data_option,
    format_option,
    graph_options,
    handle_errors,
    project_option,
    store_option,
)
from kzlod.errors import EXIT_FAILED, UsageError
from kzlod.querying import terms
from kzlod.querying.run import DEFAULT_MAX_MEMORY
from kzlod.reasoning.closure import left_out_text
from kzlod.validation import report as reports


def _in_memory(store_spec, endpoint=None) -> bool:
    return store_spec in (None, "", "memory") and not endpoint


def _open(obj: Ctx, data, store_spec, endpoint, inferred):
    """The graph a reading command asked for: the project's, a disk store's or an endpoint's."""
    project = obj.project() if _in_memory(store_spec, endpoint) else None
    with obj.step("loading graph"):
        return api.load(data=data, store=store_spec, endpoint=endpoint, inferred=inferred, project=project)


@click.command()
@click.argument("query")
@graph_options
@click.option("--param", "-p", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="Bind ?NAME to VALUE (an IRI, prefixed name like kzd:russia, number or string).")
@format_option(["table", "csv", "tsv", "json", "xml", "ttl", "nt", "jsonld"])
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Wall-clock limit, more than 0 (default 30).")
@click.option("--max-rows", type=int, default=None, metavar="N", help="Result row cap (default 100000).")
@click.option("--max-memory", type=click.IntRange(min=0), default=None, metavar="MB",
              help=f"Memory the query may take, in MB; past it the query is stopped "
                   f"(default {DEFAULT_MAX_MEMORY}, or KZLOD_MAX_QUERY_MEMORY; 0: no limit).")
@click.option("--iris", is_flag=True, help="Table: show IRIs (compact, with their labels) and every column.")
@click.option("--full", is_flag=True, help="Table: wrap long text instead of cutting it with an ellipsis.")
@click.pass_obj
@handle_errors
def query(obj, query, data, store_spec, endpoint, inferred, params, fmt, timeout, max_rows, max_memory, iris, full):
    """Run a SPARQL query: a string, a .rq file, a named query, or - for stdin.

    \b
    Examples:
      kzlod query memberships
      kzlod query entity --param entity kzd:russia --format json
      kzlod query 'SELECT ?s WHERE { ?s a kz:State }' --format csv
      kzlod query my-query.rq --data new-facts.ttl
    """
    text, named = api.resolve_query(query)
    bound = api.bind_params(params, named)
    store = _open(obj, data, store_spec, endpoint, inferred)
    with obj.step("querying"):
        bound = api.resolve_params(store, bound, named)
        result = api.run(store, text, params=bound, timeout=timeout, max_rows=max_rows,
                         max_memory=DEFAULT_MAX_MEMORY if max_memory is None else max_memory)
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else ("csv" if result.kind != "graph" else "ttl")
    labels = api.labels_for(store, [t for row in result.rows for t in row]) if fmt == "table" else None
    tty = sys.stdout.isatty()
    width = shutil.get_terminal_size((160, 24)).columns if tty else None
    click.echo(api.render(result, fmt, labels, color=tty, width=width, iris=iris, full=full), nl=False)
    if result.truncated:
        obj.note(f"note: result cut at {len(result)} rows (raise --max-rows)")


@click.command()
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


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@format_option(["text", "json", "ttl"], default="text")
@click.option("--no-reason", is_flag=True, help="Skip the OWL RL consistency check.")
@click.option("--min-severity", type=click.Choice(["violation", "warning", "info"]), default=None,
              help="Report only results this grave or graver (default: all for the project's graph; "
                   "violations and warnings for new files).")
@store_option
@click.pass_obj
@handle_errors
def validate(obj, files, fmt, no_reason, min_severity, store_spec):
    """Validate the project's graph, or new assertions together with it.

    Strict syntax first (file:line:col), then SHACL shapes with inference
    off, then OWL RL consistency. Exit 1 if anything does not conform. The
    grounding check adds a warning for each tone, aspect, sector, relation
    type or participating state of an asserted claim that its quote and
    sentence do not word (see 'kzlod review').

    With --store oxigraph:DIR the new files are checked against that store
    (made by 'kzlod load'). New files are always checked incrementally: only
    the nodes they touch, and what the shapes reach from them, are validated,
    with the verdict of a full run.

    \b
    Examples:
      kzlod validate
      kzlod validate new-facts.ttl --format json
      kzlod validate new-facts.ttl --store oxigraph:kz-store
      kzlod validate new-facts.ttl --min-severity violation
    """
    with obj.step("validating"):
        report = api.validate(files, reason=not no_reason, store=store_spec,
                              project=obj.project() if _in_memory(store_spec) else None)
    report = reports.at_least(report, min_severity or ("warning" if files else None))
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    elif fmt == "ttl":
        click.echo(api.report_turtle(report), nl=False)
    else:
        click.echo(api.report_text(report), nl=False)
    if not report.conforms:
        sys.exit(EXIT_FAILED)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@project_option
@click.option("--dry-run", is_flag=True, help="Show what would change, change nothing.")
@click.pass_obj
@handle_errors
def add(obj, files, project_dir, dry_run):
    """Validate new assertions, then merge them into the project's data/.

    Each subject goes to the file that already describes it, or to the file
    of its evidence's source section; files are written canonically and
    atomically. Nothing changes when the assertions do not validate. A value
    of an asserted claim that its evidence does not word is added with a
    warning (the grounding check, as in 'kzlod validate').

    \b
    Examples:
      kzlod add new-facts.ttl --dry-run
      kzlod add new-facts.ttl --project ~/my-graph
    """
    with obj.step("validating and merging"):
        plan = api.add(files, project=obj.project(project_dir, write=True), dry_run=dry_run)
    click.echo(plan.text(), nl=False)


@click.command()
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
        closure = api.reason(data=data, engine=engine, project=obj.project())
    text = api.render_triples(closure.inferred, fmt)
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    obj.note(f"{len(closure.inferred)} inferred triples" + (" (cached)" if closure.cached else "")
             + left_out_text(closure.dropped, closure.trivial))
    _exit_on_clashes(closure.clashes)


def _reason_store(obj: Ctx, store_spec: str, engine: str, data, fmt: str, out):
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
             + (", cached" if result.cached else "") + ")" + left_out_text(result.dropped, result.trivial))
    if show:
        click.echo(f"{result.seconds:.2f} s", err=True)
    _exit_on_clashes(result.clashes)


def _exit_on_clashes(clashes):
    if clashes:
        for clash in clashes:
            click.echo(f"inconsistent: {clash}", err=True)
        sys.exit(EXIT_FAILED)


@click.command()
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


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if a file is not canonical.")
@project_option
@click.pass_obj
@handle_errors
def fmt(obj, files, check, project_dir):
    """Rewrite Turtle files in the project's canonical, human order.

    With no files, every Turtle file of the project's ontology/, shapes/
    and data/.

    \b
    Examples:
      kzlod fmt --check
      kzlod fmt data/entities.ttl
    """
    project = None if files else obj.project(project_dir, write=not check)
    changed = api.fmt(files, check=check, project=project)
    for path in changed:
        click.echo(f"{'would reformat' if check else 'reformatted'} {path}")
    if check and changed:
        sys.exit(EXIT_FAILED)


@click.command()
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




@click.command()
@click.argument("name", required=False, metavar="[TERM | SCHEME]")
@format_option(["text", "json"], default="text")
@click.pass_obj
@handle_errors
def vocab(obj, name, fmt):
    """The project's vocabulary: classes, properties and concept schemes.

    With no argument, every class, property and scheme the ontology declares.
    With a TERM (kz:aspect, or just aspect), its definition, domain and range,
    the shapes that constrain it and the values it may take; with a SCHEME
    (kz:AspectScheme), its concepts.

    \b
    Examples:
      kzlod vocab
      kzlod vocab kz:aspect
      kzlod vocab kz:ModalityScheme --format json
    """
    root = obj.project().root
    if name:
        found = terms.term(name, root)
        click.echo(json.dumps(found.as_dict(), indent=2, ensure_ascii=False) if fmt == "json"
                   else terms.term_text(found), nl=fmt != "text")
    else:
        every = terms.terms(root)
        click.echo(json.dumps([t.as_dict() for t in every], indent=2, ensure_ascii=False) if fmt == "json"
                   else terms.terms_text(every), nl=fmt != "text")
