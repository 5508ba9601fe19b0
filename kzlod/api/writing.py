"""Changing a project: start one, add assertions, format its files, load a store on disk."""

from __future__ import annotations

from pathlib import Path

import kzlod.curation.merge
import kzlod.project
import kzlod.store.bulk
from kzlod.api.context import ProjectLike, open_project
from kzlod.errors import InputError
from kzlod.files.safewrite import project_lock
from kzlod.files.turtle import TurtleError, format_file
from kzlod.gate.parse import parse_file
from kzlod.project import Project
from kzlod.store.spec import StoreSpec

__all__ = ["init", "add", "fmt", "load_store"]


def init(folder: Path | str, *, with_data: bool = False, name: str | None = None,
         base: str | None = None) -> Project:
    """Start a project in ``folder`` from the bundled ontology and shapes, and ``with_data`` its data
    (``kzlod init``); ``base``: its base IRI (default: kzlod's own).

    Under the lock of the new project's ``data/`` folder, which every writer takes: two inits, or an
    init and an add, never write into one folder at once."""
    if base is not None:
        kzlod.project.check_base(base)  # before anything is made
    data = Path(folder).expanduser() / "data"
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{exc.filename or data}: cannot create: {exc.strerror or exc}") from None
    with project_lock(data):
        return kzlod.project.init(Path(folder), with_data=with_data, name=name, base=base)


def add(files, *, project: ProjectLike = None, dry_run: bool = False):
    """Validate new assertions, then merge them into the project's data files (``kzlod add``).

    Refused (exit 2) outside a project: the bundled graph is read-only.
    """
    return kzlod.curation.merge.add(open_project(project).require_writable(), [Path(f) for f in files],
                                    dry_run=dry_run)


def fmt(files=(), *, check: bool = False, project: ProjectLike = None) -> list[Path]:
    """Canonically format Turtle files; return those that were (or, with check, would be) changed (``kzlod fmt``).

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


def load_store(files, store: StoreSpec | str, *, bundled: bool = True, project: ProjectLike = None,
               progress=None):
    """Load RDF files (and, with ``bundled``, the project's ontology and data) into an ``oxigraph:DIR``
    store through the strict gate (``kzlod load``); a :class:`~kzlod.store.bulk.LoadReport`."""
    path = StoreSpec.parse(store).path
    extra = {"progress": progress} if progress else {}
    return kzlod.store.bulk.load(open_project(project), files, path, bundled=bundled, **extra)
