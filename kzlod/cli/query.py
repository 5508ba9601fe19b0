"""``kzlod query`` and ``kzlod queries``: run SPARQL or a named query; list the named queries."""

from __future__ import annotations

import sys

import click

from kzlod import settings
from kzlod.api.reading import (
    bind_params,
    labels_for,
    named_queries,
    render,
    resolve_params,
    resolve_query,
    run_query,
    table,
    unknown_terms,
)
from kzlod.cli.common import command, echo_json, emit, emit_utf8, format_option, graph_options, open_graph


@command("query")
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
                   f"(default for a query you write {settings.default('max_query_memory')}, or "
                   f"KZLOD_MAX_QUERY_MEMORY; a named query has none unless given; 0: no limit).")
@click.option("--iris", is_flag=True, help="Table: show IRIs (compact, with their labels) and every column.")
@click.option("--full", is_flag=True, help="Table: wrap long text instead of cutting it with an ellipsis.")
def query_command(obj, query, data, store, endpoint, inferred, params, fmt, timeout, max_rows, max_memory, iris,
                  full):
    """Run a SPARQL query: a string, a .rq file, a named query, or - for stdin.

    A table fits the terminal's width: the spare width goes to the columns of long text,
    ?x and ?xLabel are one column, and where the columns do not fit each row is a block of
    'name: value' lines. Where text was cut, a note on stderr says so (--full wraps it,
    -f csv gives every value whole). A term of the project's namespaces (kz:, kzd:, kzsrc:)
    that the graph does not hold is named on stderr with the closest terms it holds, and so is
    a near miss of a shared vocabulary's term (rdfs:lable: did you mean rdfs:label?).
    A named query's answer into a file or a pipe is kept in the cache and written
    again, at once, while the project's files are unchanged (KZLOD_ANSWERS=off: never).

    \b
    Examples:
      kzlod query memberships
      kzlod query entity --param entity kzd:russia --format json
      kzlod query 'SELECT ?s WHERE { ?s a kz:State }' --format csv
      kzlod query my-query.rq --data new-facts.ttl
    """
    text, named = resolve_query(query)
    bound = bind_params(params, named)
    graph = open_graph(obj, data, store, endpoint, inferred)
    with obj.step("querying"):
        bound = resolve_params(graph, bound, named)
        if max_memory is None:  # kzlod's own named queries, like its pages' queries, run uncapped
            max_memory = 0 if named is not None else settings.get("max_query_memory")
        # CSV (asked for, or by default into a pipe) is written by the store itself, not row by row
        written = "csv" if fmt == "csv" or (fmt is None and not sys.stdout.isatty()) else None
        result = run_query(graph, text, params=bound, timeout=timeout, max_rows=max_rows, max_memory=max_memory,
                           written=written)
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else ("csv" if result.kind != "graph" else "ttl")
    if fmt == "table" and result.kind != "graph":
        labels = labels_for(graph, [t for row in result.rows for t in row])
        import shutil  # here: a query into a pipe lays out no table

        width = shutil.get_terminal_size((160, 24)).columns
        laid = table(result, labels, color=sys.stdout.isatty(), width=width, iris=iris, full=full)
        click.echo(laid.text, nl=False)  # its cells are made visible as the table is laid out
        if laid.cut:
            obj.note(f"note: text cut to fit {width} columns; --full shows it whole, -f csv gives every value")
    elif fmt == "csv" and result.csv is not None:
        emit_utf8(result.csv)  # the bytes the store wrote
    else:
        emit(render(result, fmt), nl=False)
    if result.truncated:
        obj.note(f"note: result cut at {len(result)} rows (raise --max-rows)")
    if named is None:  # a query of one's own: a misspelt term of the project's gives no rows and no error
        for term in unknown_terms(graph, text):
            near = f"; did you mean {' or '.join(term.closest)}?" if term.closest else " (nor anything close)"
            obj.note(f"note: {term.written} is not in the graph{near}")


@command("queries")
@format_option(["table", "json"], default="table")
def queries_command(obj, fmt):
    """List the named queries with their titles and descriptions.

    \b
    Example:
      kzlod queries --format json
    """
    items = [q.as_dict() for q in named_queries().values()]
    if fmt == "json":
        echo_json(items)
        return
    for q in items:
        params = "".join(f" --param {p} VALUE" for p in q["params"])
        emit(f"{q['name']}{params}\n    {q['title']}\n    {q['description']}\n")
