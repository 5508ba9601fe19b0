"""The public Python API, mirroring the command line.

Every function works on a *project* (see :mod:`kzlod.project`): the one given
as ``project=`` (a folder or a :class:`~kzlod.project.Project`), else the one
found from the working directory upward, else the bundled graph, read-only.

>>> import kzlod
>>> store = kzlod.load()
>>> result = kzlod.query("memberships", store=store)
>>> result.records()[0]["organisation"]  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from kzlod import project as projects
from kzlod.curation.merge import add as _add
from kzlod.curation.review import Review
from kzlod.curation.review import review as _review
from kzlod.errors import InputError, UsageError
from kzlod.files.safewrite import recover_project
from kzlod.files.turtle import TurtleError, format_file
from kzlod.gate.parse import GRAPH_FORMATS, LIMITS, parse_file, parse_files
from kzlod.project import Project
from kzlod.querying import fulltext
from kzlod.querying.entities import card_text, describe, labels_for, resolve_params, stats  # noqa: F401
from kzlod.querying.output import render  # noqa: F401
from kzlod.querying.run import QueryResult, bind_params, named_queries, resolve_query, run_query  # noqa: F401
from kzlod.reasoning import closure as reasoning
from kzlod.store.backends import GraphStore, open_store, store_path
from kzlod.validation import grounding
from kzlod.validation import report as reports
from kzlod.validation.shacl import validate as _validate
from kzlod.vocab import NAMESPACES

run = run_query


def open_project(project: Path | str | Project | None = None) -> Project:
    """The project a call works on (see the module docstring), after recovering it from a crash."""
    if not isinstance(project, Project):
        project = projects.resolve(project)
    recover_project(project)
    return project


def load(data=(), *, store: str | None = "memory", endpoint: str | None = None, inferred: bool = False,
         user: str | None = None, password: str | None = None,
         project: Path | str | Project | None = None) -> GraphStore:
    """Open the graph: the project's ontology and data (plus ``data`` files), a store, or an endpoint."""
    parsed = parse_files(data) if data else []
    root = open_project(project).root
    closure = None
    if inferred:
        if endpoint:
            raise UsageError("--inferred cannot be used with --endpoint: the endpoint decides what it infers")
        if store and store.startswith("oxigraph:"):
            return open_store(store, extra=parsed, inferred=True)  # the closure 'kzlod reason --store' wrote
        closure = reasoning.project_closure(parsed, root).inferred
    return open_store(store, root=root, extra=parsed, endpoint=endpoint, inferred=closure, user=user,
                      password=password)


def query(query: str, *, store: GraphStore | None = None, params: dict | None = None,
          project: Path | str | Project | None = None, **limits) -> QueryResult:
    """Run a query (SPARQL text, .rq file or named query) on a store (default: the project's graph)."""
    text, named = resolve_query(query)
    bound = bind_params(params, named)
    store = store or load(project=project)
    return run_query(store, text, resolve_params(store, bound, named), **limits)


def search(text: str, *, limit: int = 20, kinds=None, data=(), store: str | None = "memory",
           endpoint: str | None = None, project: Path | str | Project | None = None):
    """Full-text search of the graph's labels, alternative labels, quotes and sentences, best first
    (see :mod:`kzlod.querying.fulltext`): a :class:`~kzlod.querying.fulltext.SearchResult` whose
    ``hits`` each name an entity, claim, sentence, source or term with a snippet of what matched.

    The index is kept in the cache folder under a hash of the graph's content, so the graph is
    read only when the project changed since the last search. ``kinds``: only these kinds of hit.
    """
    fulltext.match_expression(text)  # a usage error before anything is read
    in_memory = store in (None, "", "memory") and not endpoint
    if data and not in_memory:
        raise UsageError(f"--data cannot be used with {'--endpoint' if endpoint else '--store ' + str(store)}")
    if not in_memory and not endpoint:
        store_path(store)  # a store that is not there is told as such
    root = open_project(project).root if in_memory else None
    key = None if endpoint else fulltext.index_key(store=store, root=root, data=data)

    def opener():
        return load(data=data, store=store, endpoint=endpoint, project=project)

    conn, _ = fulltext.open_index(opener if key is not None else opener(), key)
    return fulltext.search_index(conn, text, limit=limit, kinds=kinds)


def reason(data=(), *, engine: str | None = None, project: Path | str | Project | None = None):
    """The OWL RL closure of the project's graph (plus ``data`` files): inferred triples and clashes.

    ``engine``: ``owlrl``, ``reasonable`` or ``auto`` (reasonable for large graphs).
    """
    root = open_project(project).root
    with reasoning.use_engine(engine):
        return reasoning.project_closure(parse_files(data) if data else [], root)


def reason_store(store: str, *, engine: str | None = None, progress=None):
    """The OWL RL closure of an ``oxigraph:DIR`` store, written beside it (see :func:`kzlod.reasoning.reason_store`).

    Then ``load(store=..., inferred=True)`` queries the store with it.
    """
    return reasoning.reason_store(store_path(store), engine=engine, progress=progress)


def write_inferred(store: str, out, fmt: str = "ttl") -> None:
    """Write the closure :func:`reason_store` made for a store to a file (path or binary stream)."""
    reasoning.dump_inferred(store_path(store), str(out) if isinstance(out, Path) else out, fmt)


def render_triples(triples, fmt: str = "ttl", *, namespaces: dict | None = None) -> str:
    import pyoxigraph as ox

    return ox.serialize(sorted(triples, key=str), format=GRAPH_FORMATS[fmt],
                        prefixes=(namespaces or NAMESPACES) if fmt == "ttl" else None).decode("utf-8")


def validate(files=(), *, reason: bool = True, store: str | None = None,
             project: Path | str | Project | None = None):
    """Validate the project's graph, or new files together with it (see :mod:`kzlod.validation`).

    ``store``: ``memory`` (the default) or ``oxigraph:DIR``, a store made by
    :func:`kzlod.store.bulk.load` to check the new files against, incrementally.
    """
    root = open_project(project).root
    memory = store in (None, "", "memory")
    if not memory and not files:
        raise UsageError(f"give the new files to check against {store} (a whole large store is "
                         "validated by loading it with 'kzlod load', which checks every file)")
    parsed = parse_files([Path(f) for f in files], max_statements=LIMITS["statements"]) if files else []
    disk = None if memory else store_path(store)
    report = _validate(parsed=parsed, root=root, reason=reason, store=disk)
    # the grounding check's warnings, beside the shapes' results (kzlod.validation.grounding)
    report.findings += grounding.check_new(parsed, root=root, store=disk) if parsed else grounding.check_project(root)
    return report


def report_text(report) -> str:
    return reports.text(report)


def report_turtle(report) -> str:
    found = [f for f in report.findings if f.shape == grounding.GROUNDING]
    graph = grounding.with_results(report.report_graph, found) if found else report.report_graph
    return graph.serialize(format="turtle")


def fmt(files=(), *, check: bool = False, project: Path | str | Project | None = None) -> list[Path]:
    """Canonically format Turtle files; return those that were (or, with check, would be) changed.

    With no files, every Turtle file of the project (which must be writable unless ``check``).
    """
    if files:
        paths = [Path(f) for f in files]
    else:
        proj = open_project(project)
        paths = (proj if check else proj.require_writable()).turtle_files()
    changed = []
    for path in paths:
        if path.suffix.lower() not in (".ttl", ".turtle"):
            raise InputError(f"{path}: kzlod fmt formats Turtle files (.ttl) only")
        parse_file(path, strict_chars=True)  # the strict gate: file:line:col errors, nothing touched
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


def add(files, *, project: Path | str | Project | None = None, dry_run: bool = False):
    """Validate new assertions, then merge them into the project's data files.

    Refused (exit 2) outside a project: the bundled graph is read-only.
    """
    proj = open_project(project).require_writable()
    return _add([Path(f) for f in files], project=proj.root, dry_run=dry_run)


def init(folder: Path | str, *, with_data: bool = False, name: str | None = None) -> Project:
    """Start a project in ``folder`` from the bundled ontology and shapes (and data, ``with_data``)."""
    return projects.init(Path(folder), with_data=with_data, name=name)


def review(source: str | None = None, *, project: Path | str | Project | None = None) -> Review:
    """Every claim and event of a source (slug, IRI or its text file; default: every source with text)
    beside the sentence it cites, with its values and the grounding verdict of
    :mod:`kzlod.validation.grounding`, for a curator's sign-off (see :mod:`kzlod.curation.review`):
    a :class:`~kzlod.curation.review.Review`, ``as_dict()`` for JSON; ``kzlod.web.review.review_page``
    renders it as one HTML page."""
    return _review(source, project=open_project(project).root)

