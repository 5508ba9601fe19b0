"""The public Python API, mirroring the command line.

>>> import kzlod
>>> store = kzlod.load()
>>> result = kzlod.query("memberships", store=store)
>>> result.records()[0]["organisation"]  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from kzlod import resources
from kzlod.describe import card_text, describe, labels_for, stats  # noqa: F401  (re-exported)
from kzlod.errors import UsageError
from kzlod.loading import parse_files
from kzlod.output import GRAPH_FORMATS, render  # noqa: F401
from kzlod.querying import QueryResult, bind_params, named_queries, resolve_query, run_query  # noqa: F401
from kzlod.store import GraphStore, open_store

run = run_query


def _closure_for(parsed, root: Path | None = None):
    """The cached OWL RL closure of the bundled graph plus parsed extra files."""
    from kzlod import reasoning

    paths = resources.graph_files(root)
    chunks = [p.read_bytes() for p in paths] + [pf.text.encode("utf-8") for pf in parsed]

    def build():
        from kzlod.loading import parse_trusted
        from kzlod.rdfconv import graph_of

        g = None
        for p in paths:
            g = graph_of(parse_trusted(p), g)
        for pf in parsed:
            g = graph_of(pf.quads, g, fresh_bnodes=True)
        return reasoning.compute(g)

    return reasoning.cached_closure(reasoning.input_key(chunks), build)


def load(data=(), *, store: str | None = "memory", endpoint: str | None = None, inferred: bool = False,
         user: str | None = None, password: str | None = None) -> GraphStore:
    """Open the graph: the bundled ontology and data (plus ``data`` files), a store, or an endpoint."""
    parsed = parse_files(data) if data else []
    closure = None
    if inferred:
        if endpoint:
            raise UsageError("--inferred cannot be used with --endpoint: the endpoint decides what it infers")
        if store and store.startswith("oxigraph:"):
            return open_store(store, extra=parsed, inferred=True)  # the closure 'kzlod reason --store' wrote
        closure = _closure_for(parsed).inferred
    return open_store(store, extra=parsed, endpoint=endpoint, inferred=closure, user=user, password=password)


def query(query: str, *, store: GraphStore | None = None, params: dict | None = None, **limits) -> QueryResult:
    """Run a query (SPARQL text, .rq file or named query) on a store (default: the bundled graph)."""
    text, named = resolve_query(query)
    return run_query(store or load(), text, bind_params(params, named), **limits)


def reason(data=(), *, engine: str | None = None):
    """The OWL RL closure of the bundled graph (plus ``data`` files): inferred triples and clashes.

    ``engine``: ``owlrl``, ``reasonable`` or ``auto`` (reasonable for large graphs).
    """
    from kzlod import reasoning

    with reasoning.use_engine(engine):
        return _closure_for(parse_files(data) if data else [])


def reason_store(store: str, *, engine: str | None = None, progress=None):
    """The OWL RL closure of an ``oxigraph:DIR`` store, written beside it (see :func:`kzlod.reasoning.reason_store`).

    Then ``load(store=..., inferred=True)`` queries the store with it.
    """
    from kzlod import reasoning
    from kzlod.store import store_path

    return reasoning.reason_store(store_path(store), engine=engine, progress=progress)


def write_inferred(store: str, out, fmt: str = "ttl") -> None:
    """Write the closure :func:`reason_store` made for a store to a file (path or binary stream)."""
    from kzlod import reasoning
    from kzlod.store import store_path

    reasoning.dump_inferred(store_path(store), str(out) if isinstance(out, Path) else out, fmt)


def render_triples(triples, fmt: str = "ttl") -> str:
    import pyoxigraph as ox

    return ox.serialize(sorted(triples, key=str), format=GRAPH_FORMATS[fmt],
                        prefixes=resources.NAMESPACES if fmt == "ttl" else None).decode("utf-8")


def validate(files=(), *, reason: bool = True, store: str | None = None):
    """Validate the bundled graph, or new files together with it (see :mod:`kzlod.validation`).

    ``store``: ``memory`` (the default) or ``oxigraph:DIR``, a store made by
    :func:`kzlod.bulk.load` to check the new files against, incrementally.
    """
    from kzlod.validation import validate as _validate

    if store in (None, "", "memory"):
        return _validate([Path(f) for f in files], reason=reason)
    if not files:
        raise UsageError(f"give the new files to check against {store} (a whole large store is "
                         "validated by loading it with 'kzlod load', which checks every file)")
    from kzlod.store import store_path

    return _validate([Path(f) for f in files], store=store_path(store), reason=reason)


def report_text(report) -> str:
    from kzlod.report import text

    return text(report)


def report_turtle(report) -> str:
    return report.report_graph.serialize(format="turtle")


def find_project(start: Path | None = None) -> Path:
    """The kzlod checkout containing ``start`` (default: the current directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        toml = folder / "pyproject.toml"
        if toml.is_file() and (folder / "data").is_dir() and 'name = "kzlod"' in toml.read_text(encoding="utf-8"):
            return folder
    raise UsageError(f"{here} is not inside a kzlod project checkout; give --project DIR")


def project_dir(project: Path | None) -> Path:
    if project is None:
        return find_project()
    project = Path(project)
    if not (project / "data").is_dir():
        raise UsageError(f"{project}: not a kzlod project (no data/ folder)")
    return project


def project_turtle_files(project: Path) -> list[Path]:
    return resources.ontology_files(project) + resources.shapes_files(project) + resources.data_files(project)


def fmt(files=(), *, check: bool = False, project: Path | None = None) -> list[Path]:
    """Canonically format Turtle files; return those that were (or, with check, would be) changed."""
    from kzlod.errors import InputError
    from kzlod.loading import parse_file
    from kzlod.turtle import TurtleError, format_file

    paths = [Path(f) for f in files] or project_turtle_files(project_dir(project))
    changed = []
    for path in paths:
        if path.suffix.lower() not in (".ttl", ".turtle"):
            raise InputError(f"{path}: kzlod fmt formats Turtle files (.ttl) only")
        parse_file(path)  # the strict gate: file:line:col errors, nothing touched
        try:
            if format_file(path, check=check):
                changed.append(_relative(path))
        except TurtleError as exc:
            raise InputError(str(exc)) from None
    return changed


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def add(files, *, project: Path | None = None, dry_run: bool = False):
    """Validate new assertions, then merge them into the project's data files."""
    from kzlod.curate import add as _add

    return _add([Path(f) for f in files], project=project_dir(project), dry_run=dry_run)
