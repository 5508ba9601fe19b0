"""The project: the folder whose ontology, shapes and data every command reads.

A project is a folder holding ``ontology/``, ``shapes/``, ``data/`` and a
small ``kzlod.toml``::

    [project]
    name = "kzlod"
    title = "…"
    base = "https://w3id.org/kzlod/"
    version = "0.1.0"

    [prefixes]
    ex = "https://example.org/"

Commands find it as git finds a repository: ``--project DIR``, else the
``KZLOD_PROJECT`` environment variable, else the nearest folder from the
working directory upward that holds a ``kzlod.toml``. Outside any project
they read the *bundled* graph that ships inside the package, read-only.
``kzlod init DIR`` starts a new project from the bundled ontology and shapes.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from kzlod.errors import InputError, UsageError
from kzlod.vocab import NAMESPACES

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_FILE = "kzlod.toml"
#: The writers' lock file a project folder holds (:func:`kzlod.files.safewrite.project_lock`).
LOCK_FILE = ".kzlod.lock"
ENV_VAR = "KZLOD_PROJECT"
FOLDERS = ("ontology", "shapes", "data")
NO_PROJECT = "no kzlod project here: run `kzlod init DIR` or cd into one"
DEFAULT_BASE = "https://w3id.org/kzlod/"
DEFAULT_VOCABULARIES = ("rdf", "rdfs", "owl", "xsd", "skos", "org", "prov", "time", "oa", "dcterms", "foaf")


def bundled_root() -> Path:
    """The folder holding the bundled ``ontology/``, ``data/`` and ``shapes/`` (never written to)."""
    packaged = PACKAGE_DIR / "_bundled"
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent


def _turtle_files(folder: Path) -> list[Path]:
    """The Turtle files under ``folder``; a FIFO, device or folder named ``*.ttl`` is refused at
    once, by its name (reading it would hang or never end)."""
    found = sorted(folder.rglob("*.ttl")) if folder.is_dir() else []
    for path in found:
        require_regular(path)
    return found


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def special_file_message(path, mode: int) -> str | None:
    """Why a file of this mode is not read (None: a regular file): kzlod reads only regular files."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"{path}: is {kind}, not a regular file; kzlod reads only regular files"


def require_regular(path) -> os.stat_result:
    """The status of ``path`` (symbolic links followed), which must be a regular file (else
    :class:`InputError`, exit 3). Looking never blocks: nothing is opened."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    problem = special_file_message(path, st.st_mode)
    if problem:
        raise InputError(problem)
    return st


@dataclass(frozen=True)
class Project:
    """A project folder and what its ``kzlod.toml`` says."""

    root: Path
    name: str = "kzlod"
    title: str = ""
    base: str = DEFAULT_BASE
    version: str | None = None
    prefixes: dict = field(default_factory=dict)
    bundled: bool = False  # the read-only graph inside the package: nothing may be written to it
    #: vocabularies data may use besides the ontology: prefixes rdflib knows, or namespace IRIs
    vocabularies: list = field(default_factory=lambda: list(DEFAULT_VOCABULARIES))

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def ontology_files(self) -> list[Path]:
        return _turtle_files(self.root / "ontology")

    def shapes_files(self) -> list[Path]:
        return _turtle_files(self.root / "shapes")

    def data_files(self) -> list[Path]:
        return _turtle_files(self.data_dir)

    def graph_files(self) -> list[Path]:
        """Ontology and data: what a query runs over by default."""
        return self.ontology_files() + self.data_files()

    def turtle_files(self) -> list[Path]:
        return self.ontology_files() + self.shapes_files() + self.data_files()

    def display(self, path: Path | str) -> str:
        """A file's name as messages show it: relative to the project's folder when it is inside it."""
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    @property
    def namespaces(self) -> dict:
        """The well-known prefixes with the project's own added (or overriding)."""
        return NAMESPACES | self.prefixes

    def require_writable(self) -> Project:
        """This project, or a usage error (exit 2) when it is the read-only bundled graph."""
        if self.bundled:
            raise UsageError(NO_PROJECT)
        return self



def bundled() -> Project:
    """The graph that ships inside the package, read-only."""
    root = bundled_root()
    toml = root / PROJECT_FILE
    project = read(root) if toml.is_file() else Project(root=root)
    return Project(**{**project.__dict__, "bundled": True})


def find(start: Path | None = None) -> Project | None:
    """The nearest project from ``start`` (default: the working directory) upward, or None."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return read(folder)
    return None


def resolve(explicit: Path | str | None = None, *, start: Path | None = None) -> Project:
    """The project a command works on: ``explicit``, else ``$KZLOD_PROJECT``, else found upward,
    else the bundled graph (check :attr:`Project.bundled` before writing)."""
    chosen = explicit or os.environ.get(ENV_VAR) or None
    if chosen:
        root = Path(chosen).expanduser()
        if not (root / PROJECT_FILE).is_file():
            origin = "--project" if explicit else ENV_VAR
            raise UsageError(f"{root}: not a kzlod project (no {PROJECT_FILE}; given by {origin}); "
                             "run `kzlod init DIR` to make one")
        return read(root)
    return find(start) or bundled()


def read(root: Path) -> Project:
    """Read a project's ``kzlod.toml`` (a clear file:line error when it is not valid TOML)."""
    import tomllib  # here: the bundled graph has no kzlod.toml to read

    root = Path(root).resolve()
    toml = root / PROJECT_FILE
    try:
        doc = tomllib.loads(toml.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{toml}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{toml}:1: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_of_toml_error(str(exc))
        raise InputError(f"{toml}:{line}: {str(exc).split(' (at line')[0]}") from None
    meta = doc.get("project", {})
    prefixes = doc.get("prefixes", {})
    if not isinstance(meta, dict) or not isinstance(prefixes, dict):
        raise InputError(f"{toml}: [project] and [prefixes] must be tables")
    for key in ("name", "title", "base", "version"):
        if key in meta and not isinstance(meta[key], str):
            raise InputError(f"{toml}: project.{key} must be a string")
    for prefix, iri in prefixes.items():
        if not isinstance(iri, str) or not iri.startswith(("http://", "https://", "urn:")):
            raise InputError(f"{toml}: prefix {prefix!r} must be an absolute IRI string")
    vocabulary = doc.get("vocabulary", {})
    uses = vocabulary.get("use", list(DEFAULT_VOCABULARIES)) if isinstance(vocabulary, dict) else None
    if not isinstance(uses, list) or not all(isinstance(u, str) for u in uses):
        raise InputError(f"{toml}: [vocabulary] use must be a list of strings (prefixes like \"skos\", or "
                         "namespace IRIs)")
    return Project(root=root, name=meta.get("name", root.name), title=meta.get("title", ""),
                   base=meta.get("base", DEFAULT_BASE), version=meta.get("version"), prefixes=dict(prefixes),
                   vocabularies=uses)


def _line_of_toml_error(message: str) -> int:
    import re

    m = re.search(r"at line (\d+)", message)
    return int(m.group(1)) if m else 1


def toml_text(name: str, *, title: str = "", base: str = DEFAULT_BASE, version: str = "0.1.0") -> str:
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return (f"# A kzlod project: its ontology/, shapes/ and data/ live beside this file.\n"
            f"[project]\nname = {q(name)}\n" + (f"title = {q(title)}\n" if title else "")
            + f"base = {q(base)}\nversion = {q(version)}\n\n"
            "# Prefixes of your own, added to kzlod's (kz, kzd, kzsrc, rdf, rdfs, owl, skos, ...).\n[prefixes]\n\n"
            "# Vocabularies whose terms data may use besides the ontology's: prefixes rdflib knows, or\n"
            "# namespace IRIs (every name in them is admitted).\n[vocabulary]\n"
            f"use = [{', '.join(q(v) for v in DEFAULT_VOCABULARIES)}]\n")


#: A new project's .gitignore: what kzlod's writes leave beside the data, which is no data.
GITIGNORE = """# What kzlod's writes leave beside the data: the lock writers share, and (after a crash,
# until the next command recovers) the journal, temporary and backup files.
.kzlod.lock
.kzlod-journal.json
*.kzlod-tmp
*.kzlod-bak
"""


def check_base(base: str) -> str:
    """A project's base IRI: an absolute http(s) IRI ending in / or #."""
    if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+[/#]", base):
        raise UsageError(f"--base {base!r}: give an absolute http(s) IRI ending in / or #, "
                         "e.g. https://example.org/my-graph/")
    return base


def init(dest: Path, *, with_data: bool = False, name: str | None = None, base: str | None = None) -> Project:
    """Start a project in ``dest`` from the bundled ontology and shapes (and data, ``with_data``),
    with a .gitignore; its base IRI ``base`` (default: kzlod's own, :data:`DEFAULT_BASE`)."""
    import shutil  # here: a query's start does not load it
    dest = Path(dest).expanduser()
    base = check_base(base) if base is not None else DEFAULT_BASE
    if (dest / PROJECT_FILE).exists():
        raise UsageError(f"{dest}: already a kzlod project ({PROJECT_FILE} exists)")
    taken = [f for f in FOLDERS if (dest / f).exists() and any(p.name != LOCK_FILE for p in (dest / f).iterdir())]
    if taken:
        raise UsageError(f"{dest}: {', '.join(f + '/' for f in taken)} already exist and are not empty; "
                         "choose an empty folder")
    source = bundled()
    dest.mkdir(parents=True, exist_ok=True)
    for folder in FOLDERS:
        (dest / folder).mkdir(exist_ok=True)
    for path in source.ontology_files() + source.shapes_files() + (source.data_files() if with_data else []):
        target = dest / path.relative_to(source.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    if with_data:
        for text in (source.root / "data").rglob("*.txt"):  # source documents the data quote
            target = dest / text.relative_to(source.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(text, target)
    name = name or dest.resolve().name
    (dest / PROJECT_FILE).write_text(toml_text(name, base=base, version="0.1.0"), encoding="utf-8")
    if not (dest / ".gitignore").exists():
        (dest / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    return read(dest)
