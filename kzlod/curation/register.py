"""``kzlod source add``: register a new source document in a project.

The text is copied verbatim to ``data/sources/<slug>.txt``; its metadata,
sections and sentences (with code-point offsets, from
:func:`kzlod.curation.sources.document_turtle`) go to ``data/sources/<slug>.ttl`` in
canonical Turtle. The generated Turtle is validated together with the
project's graph first; both files are then written in one atomic multi-file
write. A text already registered (same SHA-256) or a slug already taken is
refused, and nothing is written.
"""

from __future__ import annotations

import datetime
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.curation.common import KZSRC, open_graph, sha256_text, sources
from kzlod.curation.sources import document_turtle, split_document
from kzlod.errors import DataError, InputError, UsageError
from kzlod.files.safewrite import project_lock, recover, write_many_atomic
from kzlod.files.turtle import format_text
from kzlod.gate.reading import read_text
from kzlod.project import Project
from kzlod.querying.run import run_query
from kzlod.validation.shacl import validate
from kzlod.vocab import compact

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Registered:
    slug: str
    iri: str
    title: str
    sha256: str
    sections: int
    sentences: int
    files: list[str] = field(default_factory=list)  # relative to the project

    def as_dict(self) -> dict:
        return {"slug": self.slug, "iri": self.iri, "title": self.title, "sha256": self.sha256,
                "sections": self.sections, "sentences": self.sentences, "files": self.files}


def slug_from(path: Path) -> str:
    """A kebab-case slug from a file name: ``Foreign Policy 2024.txt`` → ``foreign-policy-2024``."""
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")


def check_date(date: str, what: str = "--date") -> str:
    """A publication date at the precision given: YYYY, YYYY-MM or YYYY-MM-DD, and a real one."""
    date = date.strip()
    try:
        if re.fullmatch(r"\d{4}", date):
            return date
        if re.fullmatch(r"\d{4}-\d{2}", date):
            datetime.date(int(date[:4]), int(date[5:7]), 1)
            return date
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            datetime.date.fromisoformat(date)
            return date
    except ValueError:
        pass
    raise UsageError(f"{what}: {date!r} is not a date: give YYYY, YYYY-MM or YYYY-MM-DD")


def _one_line(value: str | None, option: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise UsageError(f"{option}: must not be empty")
    return text


def read_source_text(path: Path) -> str:
    """The text of a source file: UTF-8 without BOM, no control characters, some body text."""

    path = Path(path)
    text = read_text(path)
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise InputError(f"{path}:{line}:{col}: control character U+{ord(bad.group()):04X} in the text; "
                         "a source must be plain UTF-8 text")
    if not text.strip():
        raise InputError(f"{path}:1:1: file is empty: there is no text to register")
    return text


def add_source(project: Project, path, *, title: str, author: str, date: str | None = None,
               slug: str | None = None) -> Registered:
    """Register the text file ``path`` as a new source of ``project``; return what was written."""

    root = project.require_writable().root
    path = Path(path)
    title = _one_line(title, "--title")
    author = _one_line(author, "--author")
    if date is not None:
        date = check_date(date)
    if slug is not None:
        if not SLUG.fullmatch(slug):
            raise UsageError(f"--slug: {slug!r} is not a slug: use lower-case letters, digits and single "
                             "hyphens, e.g. foreign-policy-2024")
    text = read_source_text(path)
    if slug is None:
        slug = slug_from(path)
        if not SLUG.fullmatch(slug):
            raise UsageError(f"{path}: cannot make a slug from the file name; give --slug")
    doc = split_document(text)
    if not doc.sentences:
        raise InputError(f"{path}: no body sentences found (only headings); a source needs paragraphs of text")

    data = root / "data"
    txt_target = data / "sources" / f"{slug}.txt"
    ttl_target = data / "sources" / f"{slug}.ttl"
    sha = sha256_text(text)
    ttl = format_text(document_turtle(slug, text, title, author, date))
    rel_ttl = ttl_target.relative_to(root).as_posix()
    recover(data)
    with project_lock(data):  # what is registered is read under the lock: no other writer's source is missed
        _refuse_duplicates(path, project, slug, sha, (txt_target, ttl_target))
        _check_valid(project, path, slug, ttl, rel_ttl)
        txt_target.parent.mkdir(parents=True, exist_ok=True)
        write_many_atomic({txt_target: text, ttl_target: ttl}, root=data)
    return Registered(slug, KZSRC + slug, title, sha, len(doc.sections), len(doc.sentences),
                      [txt_target.relative_to(root).as_posix(), rel_ttl])


def _check_valid(project: Project, path: Path, slug: str, ttl: str, rel_ttl: str) -> None:
    """The generated description validates against the project, or nothing is written."""
    with tempfile.TemporaryDirectory(prefix="kzlod-source-") as tmp:
        candidate = Path(tmp) / f"{slug}.ttl"
        candidate.write_text(ttl, encoding="utf-8")
        report = validate(project, [candidate])
        if not report.conforms:
            problems = [f for f in report.findings if f.severity == "Violation"]
            details = [f"{rel_ttl}:{f.line}: {compact(f.focus)}{' ' + compact(f.path) if f.path else ''}: {f.message}"
                       for f in problems] + [f"inconsistent: {c}" for c in report.clashes]
            n = len(details)
            raise DataError(f"{path}: the generated {rel_ttl} does not validate ({n} problem{'s' * (n != 1)}); "
                            "nothing was written", details=details)


def _refuse_duplicates(path: Path, project: Project, slug: str, sha: str, targets) -> None:
    root = project.root
    store = open_graph(project)
    known = sources(store)
    for s in known:
        if s.sha256 == sha:
            raise InputError(f"{path}: this text is already registered as {s.id} "
                             f"(same SHA-256{', ' + repr(s.title) if s.title else ''}); nothing was written")
    taken = [s.id for s in known if s.iri == KZSRC + slug]
    if not taken and run_query(store, "ASK { { ?src ?p ?o } UNION { ?s ?p ?src } }",
                               {ox.Variable("src"): ox.NamedNode(KZSRC + slug)}).boolean:
        taken = [f"kzsrc:{slug}"]
    existing = [t for t in targets if t.exists()]
    if taken or existing:
        where = existing[0].relative_to(root).as_posix() if existing else f"{taken[0]} in the graph"
        raise InputError(f"{path}: the slug {slug!r} is already taken ({where}); choose another with --slug; "
                         "nothing was written")
