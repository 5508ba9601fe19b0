"""What the curation commands share: the project's graph and its sources."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import UsageError
from kzlod.gate.reading import read_text
from kzlod.project import Project
from kzlod.querying.run import run_query
from kzlod.store.backends import memory_store
from kzlod.vocab import KZSRC, compact


def open_graph(project: Project):
    """The project's ontology and data in an in-memory store."""

    return memory_store(project)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class SentenceRow:
    index: int
    iri: str | None
    start: int
    end: int
    text: str
    section: int | None = None
    section_title: str = ""


@dataclass
class SourceRow:
    """A source document of the graph."""

    iri: str
    title: str = ""
    sha256: str = ""
    source_file: str = ""
    has_text: bool = False

    @property
    def id(self) -> str:
        return compact(self.iri)

    @property
    def slug(self) -> str:
        return self.iri[len(KZSRC):] if self.iri.startswith(KZSRC) else self.iri


SOURCES = """
SELECT ?s (SAMPLE(?t) AS ?title) (SAMPLE(?h) AS ?sha) (SAMPLE(?f) AS ?file) (COUNT(?text) AS ?texts) WHERE {
  ?s a kz:SourceDocument .
  OPTIONAL { ?s dcterms:title ?t }
  OPTIONAL { ?s kz:sha256 ?h }
  OPTIONAL { ?s kz:sourceFile ?f }
  OPTIONAL { ?s kz:text ?text }
} GROUP BY ?s ORDER BY ?s
"""

SENTENCES = """
SELECT ?sentence ?index ?start ?end ?text ?sectionIndex ?sectionTitle WHERE {
  ?sentence a kz:Sentence ;
      dcterms:isPartOf ?src ;
      kz:index ?index ;
      kz:start ?start ;
      kz:end ?end ;
      rdf:value ?text .
  OPTIONAL {
    ?sentence kz:inSection ?section .
    OPTIONAL { ?section kz:index ?sectionIndex }
    OPTIONAL { ?section dcterms:title ?sectionTitle }
  }
} ORDER BY ?index
"""

TEXT = "SELECT ?text WHERE { ?src kz:text ?text }"


def sources(store) -> list[SourceRow]:
    out = []
    for s, title, sha, file, texts in run_query(store, SOURCES).rows:
        if not isinstance(s, ox.NamedNode):
            continue
        out.append(SourceRow(s.value, title.value if title else "", sha.value if sha else "",
                             file.value if file else "", bool(texts and int(texts.value))))
    return out


def source_text(store, iri: str) -> str | None:
    rows = run_query(store, TEXT, {ox.Variable("src"): ox.NamedNode(iri)}).rows
    return rows[0][0].value if rows else None


def sentences(store, iri: str) -> list[SentenceRow]:
    out = []
    for sent, index, start, end, text, sec, sec_title in run_query(
            store, SENTENCES, {ox.Variable("src"): ox.NamedNode(iri)}).rows:
        out.append(SentenceRow(int(index.value), sent.value, int(start.value), int(end.value), text.value,
                               int(sec.value) if sec is not None else None,
                               sec_title.value if sec_title is not None else ""))
    return out


def source_iri(ref: str) -> str:
    """The IRI a user means by a slug, ``kzsrc:slug``, ``<IRI>`` or an absolute IRI."""
    ref = ref.strip()
    if ref.startswith("<") and ref.endswith(">"):
        return ref[1:-1]
    if ref.startswith("kzsrc:"):
        return KZSRC + ref[len("kzsrc:"):]
    if ref.startswith(("http://", "https://")):
        return ref
    return KZSRC + ref


@dataclass
class Resolved:
    """A SOURCE argument: a registered source, or the text of an unregistered file."""

    source: SourceRow | None
    path: Path | None = None
    text: str | None = None
    notes: list[str] = field(default_factory=list)


def resolve_source(store, ref: str, *, allow_file: bool = False) -> Resolved:
    """Find the source a user names by slug, IRI or (with ``allow_file``) its text file."""
    known = sources(store)
    path = Path(ref)
    if path.is_file():

        text = read_text(path)
        sha = sha256_text(text)
        for s in known:
            if s.sha256 == sha:
                return Resolved(s, path, text)
        if allow_file:
            return Resolved(None, path, text, [f"{path} is not a registered source; sentences have no IRIs "
                                               "(register it with 'kzlod source add')"])
        raise UsageError(f"{path}: not a registered source (no source has its SHA-256); "
                         "register it with 'kzlod source add'")
    iri = source_iri(ref)
    for s in known:
        if s.iri == iri:
            return Resolved(s)
    names = ", ".join(s.slug for s in known if s.has_text) or "none"
    raise UsageError(f"no source {ref!r} in the graph (sources with text: {names})")


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based column index: A … Z, AA …"""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(ord("A") + rem) + name
    return name
