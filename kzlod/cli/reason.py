"""``kzlod reason``: the OWL RL closure and its consistency, in memory or beside a disk store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kzlod.api.checking import reason, reason_store, render_triples, write_inferred
from kzlod.cli.common import Ctx, command, data_option, emit, format_option, store_option
from kzlod.errors import EXIT_FAILED
from kzlod.reasoning.engines import left_out_text


@command("reason")
@data_option
@format_option(["ttl", "nt", "jsonld"], default="ttl")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the inferred triples here.")
@store_option
@click.option("--engine", type=click.Choice(["owlrl", "reasonable", "auto"]), default=None,
              help="Reasoner: owlrl, reasonable (fast, Rust), or auto (reasonable for large graphs; the default, "
                   "or KZLOD_REASONER).")
def reason_command(obj, data, fmt, out, store, engine):
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
    if not store.is_memory:
        store.refuse_data(data)
        return _reason_store(obj, store, engine, fmt, out)
    with obj.step("reasoning"):
        closure = reason(data=data, engine=engine, project=obj.project())
    text = render_triples(closure.inferred, fmt)
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        emit(text, nl=False)
    obj.note(f"{len(closure.inferred)} inferred triples" + (" (cached)" if closure.cached else "")
             + left_out_text(closure.dropped, closure.trivial))
    _exit_on_clashes(closure.clashes)


def _reason_store(obj: Ctx, store, engine: str, fmt: str, out):
    show = obj.tty and not obj.quiet

    def progress(event, **info):
        if show:
            extra = f" ({info['engine']}, {info['triples']:,} triples)" if "engine" in info else ""
            click.echo(f"{event}{extra}…", err=True)

    result = reason_store(store, engine=engine, progress=progress)
    if out:
        write_inferred(store, out, fmt)
    obj.note(f"{result.inferred} inferred triples in graph urn:kzlod:inferred of {store} ({result.engine}"
             + (", cached" if result.cached else "") + ")" + left_out_text(result.dropped, result.trivial))
    if show:
        click.echo(f"{result.seconds:.2f} s", err=True)
    _exit_on_clashes(result.clashes)


def _exit_on_clashes(clashes):
    if clashes:
        for clash in clashes:
            click.echo(f"inconsistent: {clash}", err=True)
        sys.exit(EXIT_FAILED)
