"""Publishing a versioned release of the graph: dumps, VoID, HTML pages, checksums.

``publish(outdir)`` writes, for the bundled ontology and data (plus any
``data`` files)::

    OUTDIR/
      index.html                 entities by class, links to everything below
      ontology.html              the ontology's documentation
      id/<name>.html             one page per kzd: IRI with an rdfs:label
      claim/<name>.html          one page per claim without a label
      source/<name>.html         one page per source document, its sentences numbered (#s17)
      sources.html, claims.html, claims/<facet>-<value>.html, timeline.html, map.html
                                 the browsing pages (kzlod.web.site has the list)
      void.ttl                   VoID + DCAT description of the release
      SHA256SUMS                 checksums of every other file (sha256sum -c)
      dumps/kzlod-V.{ttl,nt,nq,jsonld,rdf}[.gz]           asserted graph
      dumps/kzlod-V-closure.{ttl,nt,nq,jsonld,rdf}[.gz]   asserted + OWL RL inferences

Every byte is a function of the input files, the version and the date:
blank nodes are relabelled by RDF canonicalization (RDFC-1.0), or, above
:data:`RDFC_MAX` statements, keep labels made of their file's hash and
their position in it; N-Triples and N-Quads lines are sorted; Turtle is
kzlod's canonical form (:func:`kzlod.files.turtle.serialize`), or above
:data:`TURTLE_HUMAN_MAX` triples pyoxigraph's, subjects grouped in
N-Triples order; gzip members carry no file name and mtime 0. The version
defaults to the ontology's ``owl:versionInfo`` plus a short hash of the
input files' contents (``0.1.0+3f2a9c1d``), so a changed graph gets a new
version, and ``publish`` refuses to replace a release of the same version
whose dumps differ. The date defaults to ``SOURCE_DATE_EPOCH`` when set,
else to the later of the ontology's ``dcterms:modified`` and the day the
newest input file changed.

The graph sits in an in-memory Oxigraph store while a release is made, and
every file is written as soon as it is made: a million triples publish
within 2 GB (``benchmarks/bench_scale.py``).

Named graphs of the N-Quads dumps (one rule, applied per input file):

* a file under ``ontology/`` goes to ``<https://w3id.org/kzlod/ontology>``;
* a data file goes to the graph named by the IRI of the source document its
  evidence cites (``oa:hasSource``); if it cites several it goes whole to
  the most cited one (ties: the first IRI in order), so claims keep their
  evidence nodes in one graph. A file that cites none but describes a
  source (a ``kz:SourceDocument`` subject, else the ``dcterms:isPartOf`` of
  its sections and sentences) goes to that source's graph. This is the
  split ``kzlod push`` uses;
* a data file that cites no source (``data/entities.ttl``) goes to
  ``<https://w3id.org/kzlod/graph/entities>``;
* in the closure dump the inferred triples are in
  ``<https://w3id.org/kzlod/graph/inferred>``.

The union of the named graphs is the dumped graph.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod import settings
from kzlod.errors import DataError, InputError, KzlodError, UsageError
from kzlod.files import cache
from kzlod.files.turtle import serialize
from kzlod.gate.reading import rdf_format
from kzlod.project import Project
from kzlod.publishing import void
from kzlod.publishing.checksums import Downloads, digest_and_gzip, sha256sums
from kzlod.publishing.inputs import Gate, read_into_store
from kzlod.publishing.lines import InGraph, write_sorted
from kzlod.publishing.outdir import check_outdir, check_same_version, resolve_outdir, staged_release
from kzlod.publishing.pages import SitePages, pages_store
from kzlod.reasoning.closure import closure_in_store, input_key
from kzlod.store.backends import INFERRED_GRAPH
from kzlod.vocab import NAMESPACES, ONTOLOGY, RDF_TYPE

ONTOLOGY_GRAPH = ONTOLOGY  # the ontology's own graph is named by its IRI
ENTITIES_GRAPH = "https://w3id.org/kzlod/graph/entities"
RELEASED_INFERRED_GRAPH = "https://w3id.org/kzlod/graph/inferred"

OA_HAS_SOURCE = "http://www.w3.org/ns/oa#hasSource"
DCT_IS_PART_OF = "http://purl.org/dc/terms/isPartOf"
DCT_MODIFIED = "http://purl.org/dc/terms/modified"
DCT_CREATED = "http://purl.org/dc/terms/created"
OWL_VERSION_INFO = "http://www.w3.org/2002/07/owl#versionInfo"
KZ_SOURCE_DOCUMENT = "https://w3id.org/kzlod/ontology#SourceDocument"

#: Dump formats: file extension, pyoxigraph format, media type, title.
FORMATS = [
    ("ttl", ox.RdfFormat.TURTLE, "text/turtle", "Turtle"),
    ("nt", ox.RdfFormat.N_TRIPLES, "application/n-triples", "N-Triples"),
    ("nq", ox.RdfFormat.N_QUADS, "application/n-quads", "N-Quads (one named graph per source)"),
    ("jsonld", ox.RdfFormat.JSON_LD, "application/ld+json", "JSON-LD"),
    ("rdf", ox.RdfFormat.RDF_XML, "application/rdf+xml", "RDF/XML"),
]
MEDIA_TYPES = {ext: media for ext, _, media, _ in FORMATS} | {
    "html": "text/html", "ttl": "text/turtle", "txt": "text/plain", "gz": "application/gzip",
}
#: Salt of the closure cache key: blank nodes here are labelled per file, not at random.
_CLOSURE_SALT = b"kzlod publish: blank nodes labelled by file and position, v2\n"
_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class InputFile:
    """One input file: where it is, its content hash, its triple count and its named graph."""

    label: str  # path relative to the bundled root, or as given for extra files
    digest: bytes  # SHA-256 of its bytes
    ontology: bool = False  # a bundled file under ontology/
    graph: str = ""
    triples: int = 0
    mtime: float = 0.0  # when the file last changed (seconds since the epoch)


@dataclass
class Graphs:
    """What a release is made of, held in an in-memory Oxigraph store (not in Python objects).

    Each input file's triples are in the store's graph named as in the N-Quads
    dump; the inferred triples are in :data:`kzlod.store.backends.INFERRED_GRAPH`.
    """

    files: list[InputFile]
    store: ox.Store
    closure_cached: bool = False
    _counts: dict = field(default_factory=dict)

    @property
    def asserted_graphs(self) -> list[ox.NamedNode]:
        return [ox.NamedNode(g) for g in sorted({f.graph for f in self.files})]

    def default_graphs(self, *, closure: bool = False) -> list[ox.NamedNode]:
        return self.asserted_graphs + ([INFERRED_GRAPH] if closure else [])

    def query(self, sparql: str, *, closure: bool = False):
        """SPARQL over the asserted graph (or the closure), as one default graph."""
        return self.store.query(sparql, default_graph=self.default_graphs(closure=closure),
                                prefixes=NAMESPACES)

    def count(self, *, closure: bool = False) -> int:
        """Distinct triples of the asserted graph (or of the closure)."""
        if closure not in self._counts:
            q = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
            self._counts[closure] = int(next(iter(self.query(q, closure=closure)))["n"].value)
        return self._counts[closure]

    @property
    def inferred_count(self) -> int:
        """Triples reasoning added (none of them is asserted)."""
        return self.count(closure=True) - self.count()

    def quad_count(self) -> int:
        """Quads of the asserted N-Quads dump (a triple in two graphs counts twice)."""
        q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != <{INFERRED_GRAPH.value}>) }}"
        return int(next(iter(self.store.query(q)))["n"].value)

    def triples(self, *, closure: bool = False):
        """The triples of the asserted graph (or the closure), a triple that is in two files twice."""
        for g in self.default_graphs(closure=closure):
            for q in self.store.quads_for_pattern(None, None, None, g):
                yield ox.Quad(q.subject, q.predicate, q.object)

    def quads(self, *, inferred: bool = False):
        """The quads of the N-Quads dump, in the named graphs of the module's docstring."""
        for g in self.asserted_graphs:
            yield from self.store.quads_for_pattern(None, None, None, g)
        if inferred:
            g = ox.NamedNode(RELEASED_INFERRED_GRAPH)
            for q in self.store.quads_for_pattern(None, None, None, INFERRED_GRAPH):
                yield ox.Quad(q.subject, q.predicate, q.object, g)

    def dump_quads(self, out, *, closure: bool = False, graphs: bool = True) -> None:
        """The lines of :meth:`quads` (``inferred=closure``), or of :meth:`triples` if not ``graphs``, written
        to ``out`` by the store graph by graph: pyoxigraph's serializer's lines, no Python quad for each."""
        for g in self.default_graphs(closure=closure):
            name = ox.NamedNode(RELEASED_INFERRED_GRAPH) if g == INFERRED_GRAPH else g
            if graphs:
                with InGraph(out, name) as named:
                    self.store.dump(named, format=ox.RdfFormat.N_TRIPLES, from_graph=g)
            else:
                self.store.dump(out, format=ox.RdfFormat.N_TRIPLES, from_graph=g)

    def sources(self) -> list[str]:
        """Source documents: subjects typed kz:SourceDocument and objects of oa:hasSource."""
        q = f"""SELECT DISTINCT ?s WHERE {{
          {{ ?e <{OA_HAS_SOURCE}> ?s }} UNION {{ ?s a <{KZ_SOURCE_DOCUMENT}> }}
          FILTER(isIRI(?s))
        }}"""
        return sorted(r["s"].value for r in self.query(q))

    def content_hash(self) -> str:
        """A short hash of what the release is made of: the input files' contents, whatever their names."""
        h = hashlib.sha256()
        for digest in sorted(f.digest for f in self.files):
            h.update(digest)
        return h.hexdigest()[:8]

    def last_change(self) -> float:
        """When the newest input file last changed (seconds since the epoch)."""
        return max((f.mtime for f in self.files), default=0.0)

    def ontology_values(self, predicate: str) -> list:
        """Objects of the ontology header's ``predicate``, sorted."""
        return sorted((q.object for g in self.asserted_graphs
                       for q in self.store.quads_for_pattern(ox.NamedNode(ONTOLOGY_GRAPH), ox.NamedNode(predicate),
                                                             None, g)), key=str)


# --- reading ------------------------------------------------------------------

def release_graph(triples, *, ontology: bool = False) -> str:
    """The named graph of one file's triples (see the module's docstring); one pass over them."""
    if ontology:
        return ONTOLOGY_GRAPH
    cited: Counter = Counter()
    described: set[str] = set()
    parents: set[str] = set()
    for t in triples:
        p, s, o = t.predicate.value, t.subject, t.object
        if not isinstance(o, ox.NamedNode):
            continue
        if p == OA_HAS_SOURCE:
            cited[o.value] += 1
        elif p == RDF_TYPE and o.value == KZ_SOURCE_DOCUMENT and isinstance(s, ox.NamedNode):
            described.add(s.value)
        elif p == DCT_IS_PART_OF and isinstance(s, ox.NamedNode):
            parents.add(o.value)
    if cited:
        return min(cited, key=lambda iri: (-cited[iri], iri))
    if described:
        return min(described)
    return min(parents) if parents else ENTITIES_GRAPH


def read_graphs(project: Project, data=()) -> Graphs:
    """Read the project's ontology and data (plus extra files) and the OWL RL closure into a store.

    Extra files pass the strict input gate as ``kzlod load`` checks them, streaming, in a
    child process while this one reads them (:mod:`kzlod.publishing.inputs`). The closure is
    cached like ``kzlod reason``'s, under a key of its own (its blank nodes are labelled per file); see
    :func:`kzlod.reasoning.closure.closure_in_store`.
    """

    root = project.root
    sources = []  # (InputFile, a function that parses it again)
    for path in project.graph_files():
        raw = path.read_bytes()
        label = path.relative_to(root).as_posix()
        fmt = rdf_format(path)
        sources.append((InputFile(label, hashlib.sha256(raw).digest(), ontology=label.startswith("ontology/"),
                                  mtime=path.stat().st_mtime),
                        lambda raw=raw, fmt=fmt: ox.parse(raw, format=fmt)))
    extra, seen = [], set()
    for path in (Path(d) for d in data):
        if path.resolve() not in seen:
            seen.add(path.resolve())
            extra.append(path)
    checked = Gate(extra)  # the strict gate, in a child process while the files are read here
    try:
        try:
            for path in extra:
                fmt = rdf_format(path)
                sources.append((InputFile(str(path), bytes.fromhex(cache.file_digest(path)),
                                          mtime=path.stat().st_mtime),
                                lambda path=path, fmt=fmt: ox.parse(path=str(path), format=fmt)))
            store, files = read_into_store(sources, release_graph)
        except BaseException:
            checked.wait()  # a file the gate refuses: the gate's own error
            raise
        for path, f, (_count, digest) in zip(extra, files[len(files) - len(extra):], checked.wait(), strict=True):
            if f.digest.hex() != digest:
                raise InputError(f"{path}: the file changed while it was read; publish again")
    finally:
        checked.close()
    key = input_key([_CLOSURE_SALT] + [f.digest for f in files])
    closure = closure_in_store(store, key)
    if closure.clashes:
        raise DataError(f"the graph is inconsistent ({len(closure.clashes)} clashes); nothing was published",
                        details=closure.clashes)
    return Graphs(files=files, store=store, closure_cached=closure.cached)


# --- serialising --------------------------------------------------------------

#: Up to this many statements a dump's blank nodes are labelled by RDFC-1.0; above, they
#: keep the labels read_graphs gave them (file and position: as stable from run to run),
#: since pyoxigraph's canonicalization holds about 1 kB per statement.
RDFC_MAX = 200_000


def _canonical_lines(quads, *, rdfc: bool = True) -> bytes:
    """N-Quads, one statement per line, lines sorted and distinct; blank nodes by RDFC-1.0 if ``rdfc``."""
    import io

    out = io.BytesIO()
    _write_canonical_lines(quads, out, rdfc=rdfc)
    return out.getvalue()


def _write_canonical_lines(quads, fh, *, rdfc: bool = True) -> None:
    """:func:`_canonical_lines` written to ``fh``.

    Sorted as bytes, so a million statements cost lists of lines, not a
    million Python quads; the lines come from a temporary file and are sorted
    in runs (:func:`kzlod.publishing.lines.write_sorted`), so neither the whole
    serialization nor all its lines are held at once. Without ``rdfc``, ``quads``
    may be a function that writes their N-Quads lines to the file it is given
    (:meth:`Graphs.dump_quads`: the store writes them, not Python quad by quad).
    """
    import tempfile

    with tempfile.TemporaryFile() as tmp:
        if rdfc:
            if callable(quads):
                raise ValueError("RDF canonicalization needs the quads themselves")
            ds = ox.Dataset(quads)
            ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
            ox.serialize(ds, output=tmp, format=ox.RdfFormat.N_QUADS)
            del ds
        elif callable(quads):
            quads(tmp)
        else:
            ox.serialize(quads, output=tmp, format=ox.RdfFormat.N_QUADS)
        tmp.seek(0)
        write_sorted(tmp, fh)


def used_prefixes(terms_of) -> dict[str, str]:
    """The project prefixes whose namespace some IRI in ``terms_of`` starts with."""
    iris = {t.value for t in terms_of if isinstance(t, ox.NamedNode)}
    return {p: ns for p, ns in sorted(NAMESPACES.items()) if any(i.startswith(ns) for i in iris)}


def _terms(triples):
    for t in triples:
        yield t.subject
        yield t.predicate
        yield t.object
        if isinstance(t.object, ox.Literal):
            yield t.object.datatype


#: Above this many triples a Turtle dump is written by pyoxigraph (subjects grouped,
#: in N-Triples order) rather than in kzlod's human order, which holds the graph in Python.
TURTLE_HUMAN_MAX = 200_000


def turtle_from_nt(nt: bytes) -> bytes:
    """Turtle of sorted, canonical N-Triples: kzlod's canonical form, or pyoxigraph's for big graphs."""

    if nt.count(b"\n") <= TURTLE_HUMAN_MAX:
        triples = [q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)]
        return serialize(triples, used_prefixes(_terms(triples))).encode("utf-8")
    prefixes = used_prefixes(_terms(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)))
    return ox.serialize(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def write_turtle_from_nt(nt_path: Path, out_path: Path, prefixes: dict | None = None) -> None:
    """:func:`turtle_from_nt` from file to file: a big graph's Turtle is streamed, never held.
    ``prefixes``: :func:`used_prefixes` of the file's terms, when the caller has them."""
    with open(nt_path, "rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    if lines <= TURTLE_HUMAN_MAX:
        out_path.write_bytes(turtle_from_nt(nt_path.read_bytes()))
        return
    if prefixes is None:
        prefixes = used_prefixes(_terms(ox.parse(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES)))
    with open(out_path, "wb") as fh:
        ox.serialize(ox.parse(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES), output=fh,
                     format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def write_from_nt(nt_path: Path, out_path: Path, fmt: str, prefixes: dict | None = None) -> None:
    """JSON-LD or RDF/XML of a sorted, canonical N-Triples file, streamed from file to file
    (``prefixes``, RDF/XML's: :func:`used_prefixes` of the file's terms, when the caller has them)."""
    formats = {"jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML}
    if fmt not in formats:
        raise UsageError(f"unknown graph format {fmt!r}")
    if fmt != "rdf":
        prefixes = None
    elif prefixes is None:
        prefixes = used_prefixes(_terms(ox.parse(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES)))
    with open(out_path, "wb") as fh:
        ox.serialize(ox.parse(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES), output=fh,
                     format=formats[fmt], prefixes=prefixes)
        if fmt == "jsonld":
            fh.write(b"\n")


def serialize_quads(quads, *, rdfc: bool = True) -> bytes:
    """N-Quads with sorted lines, blank nodes by RDFC-1.0 if ``rdfc``."""
    return _canonical_lines(quads, rdfc=rdfc)


# --- release metadata ---------------------------------------------------------

def _ontology_value(graphs: Graphs, predicate: str) -> str | None:
    values = sorted(o.value for o in graphs.ontology_values(predicate) if isinstance(o, ox.Literal))
    return values[-1] if values else None


def release_version(graphs: Graphs | None, version: str | None) -> str:
    """``version`` as given, or the ontology's ``owl:versionInfo`` plus ``+`` and the short content hash
    (:meth:`Graphs.content_hash`): a changed graph never publishes under an earlier release's version."""
    if version is None and graphs is not None:
        base = _ontology_value(graphs, OWL_VERSION_INFO)
        if not base:
            raise UsageError("the ontology has no owl:versionInfo; give --version")
        version = f"{base}+{graphs.content_hash()}"
    if not _VERSION_RE.match(version or ""):
        raise UsageError(f"--version {version!r}: use letters, digits and . + _ - only (it names files and IRIs)")
    return version


def release_date(graphs: Graphs | None, date: str | None) -> str:
    """``date`` as given; else the day of ``SOURCE_DATE_EPOCH`` (reproducible builds) when it is set;
    else the later of the ontology's ``dcterms:modified`` and the day (UTC) the newest input file changed."""
    import datetime

    if date is None and graphs is not None:
        epoch = settings.get("source_date_epoch")
        if epoch is not None:
            return datetime.datetime.fromtimestamp(epoch, datetime.UTC).date().isoformat()
        stated = _ontology_value(graphs, DCT_MODIFIED) or _ontology_value(graphs, DCT_CREATED)
        changed = datetime.datetime.fromtimestamp(graphs.last_change(), datetime.UTC).date().isoformat()
        date = max(filter(None, (stated, changed)))
    try:
        if not _DATE_RE.match(date or ""):
            raise ValueError
        datetime.date.fromisoformat(date)
    except ValueError:
        raise UsageError(f"--date {date!r}: not a date of the form YYYY-MM-DD") from None
    return date


def dump_name(version: str, closure: bool, ext: str) -> str:
    return f"dumps/kzlod-{version}{'-closure' if closure else ''}.{ext}"


# --- writing ------------------------------------------------------------------

@dataclass
class Written:
    """What :func:`build_files` wrote: {relative path: (bytes, sha256 hex)}."""

    files: dict = field(default_factory=dict)

    def sizes(self) -> int:
        return sum(size for size, _ in self.files.values())


def build_files(graphs: Graphs, folder: Path, *, version: str, date: str,
                sparql_endpoint: str | None = None) -> Written:
    """Write every file of the release into ``folder``, one at a time (a big dump never waits in memory).

    Each dump is hashed and gzipped from disk on a second thread (zlib and hashlib let the
    interpreter run meanwhile) while the next dump and the pages are made; a big graph's pages are
    made by a child too, from the start (:mod:`kzlod.publishing.pages`). The index and VoID, which
    give the dumps' sizes and checksums, come after the dumps, and the pages made one at a time last.
    """
    written = Written()
    pending = []

    def put(name: str, data: bytes) -> None:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.files[name] = (len(data), hashlib.sha256(data).hexdigest())

    def put_file(name: str, write) -> None:
        """``write(path)`` makes the file; it is then hashed and gzipped from disk, in chunks, on the thread."""
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            write(target)
        except SyntaxError as exc:  # a dump kzlod wrote and could not read back: not the user's input
            raise KzlodError(f"{target}: this release's own dump could not be read back: {exc}") from None
        pending.append(gzipper.submit(digest_and_gzip, folder, target))

    def downloads() -> list[dict]:
        for job in pending:
            written.files.update(job.result())
        pending.clear()
        by_name: dict[str, dict] = {}
        for closure in (False, True):
            for ext, _, media, title in FORMATS:
                name = dump_name(version, closure, ext)
                for fname, compressed in ((name, False), (name + ".gz", True)):
                    size, digest = written.files[fname]
                    by_name[fname] = {"path": fname, "closure": closure, "media_type": media, "format": title,
                                      "compressed": compressed, "bytes": size, "sha256": digest}
        return [by_name[dump_name(version, closure, ext) + gz] for closure in (False, True)
                for ext, *_ in FORMATS for gz in ("", ".gz")]

    site = SitePages(pages_store(graphs), folder)  # a child may start on the pages now, before the thread
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kzlod-gzip") as gzipper:
        try:
            for closure in (False, True):
                rdfc = graphs.count(closure=closure) <= RDFC_MAX
                # put_file calls each writer at once; the defaults bind this pass's values all the same
                put_file(dump_name(version, closure, "nq"),
                         lambda path, closure=closure, rdfc=rdfc: _write_to(path, _statements(graphs, closure, rdfc),
                                                                            rdfc))
                nt_path = folder / dump_name(version, closure, "nt")
                put_file(nt_path.relative_to(folder).as_posix(),
                         lambda path, closure=closure, rdfc=rdfc: _write_to(
                             path, _statements(graphs, closure, rdfc, named=False), rdfc))
                # the prefixes of the Turtle and the RDF/XML, read once
                prefixes = used_prefixes(_terms(ox.parse(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES)))
                put_file(dump_name(version, closure, "ttl"),
                         lambda path, nt_path=nt_path, prefixes=prefixes: write_turtle_from_nt(nt_path, path,
                                                                                               prefixes))
                for ext in ("jsonld", "rdf"):
                    put_file(dump_name(version, closure, ext),
                             lambda path, ext=ext, nt_path=nt_path, prefixes=prefixes: write_from_nt(
                                 nt_path, path, ext, prefixes))
            dumps = Downloads(downloads)
            # VoID's counts first: their queries' peak is not on top of what the listing pages hold
            put("void.ttl", void.describe_release(graphs, version=version, date=date, dumps=list(dumps),
                                                  sparql_endpoint=sparql_endpoint).encode("utf-8"))
            for name, text in site.own(downloads=dumps, version=version, date=date):
                put(name, text.encode("utf-8"))
            for name, text in site.shared():  # last: the pages a child takes its share of meanwhile
                put(name, text.encode("utf-8"))
            written.files.update(site.theirs)
        finally:
            site.close()
            for job in pending:  # on an error, nothing is left writing into the folder
                job.cancel()
    return written


def _statements(graphs: Graphs, closure: bool, rdfc: bool, *, named: bool = True):
    """What a dump's sorted lines are made of: the quads (in their graphs if ``named``) when their blank
    nodes are to be canonicalized, else a function that has the store write their lines."""
    if rdfc:
        return graphs.quads(inferred=closure) if named else graphs.triples(closure=closure)
    return lambda out: graphs.dump_quads(out, closure=closure, graphs=named)


def _write_to(path: Path, quads, rdfc: bool) -> None:
    with open(path, "wb") as fh:
        _write_canonical_lines(quads, fh, rdfc=rdfc)


def publish(project: Project, outdir, *, version: str | None = None, date: str | None = None, data=(),
            force: bool = False, sparql_endpoint: str | None = None) -> dict:
    """Publish a release of the graph into ``outdir``; return a summary.

    The summary: ``outdir``, ``version``, ``date``, ``files`` (count),
    ``bytes`` (total), ``triples`` (asserted), ``inferred``,
    ``closure_triples``, ``quads`` (asserted, in named graphs),
    ``entity_pages``, ``closure_cached`` and ``seconds`` (wall time).
    """
    start = time.perf_counter()
    if sparql_endpoint is not None and not re.match(r"^https?://\S+$", sparql_endpoint):
        raise UsageError(f"--sparql-endpoint must be an http(s) URL, got {sparql_endpoint!r}")
    folder = resolve_outdir(outdir, project)
    check_outdir(folder, force=force)
    if version is not None:
        release_version(None, version)
    if date is not None:
        release_date(None, date)
    graphs = read_graphs(project, data)
    version = release_version(graphs, version)
    date = release_date(graphs, date)
    with staged_release(folder, force=force) as staging:
        written = build_files(graphs, staging, version=version, date=date, sparql_endpoint=sparql_endpoint)
        digests = {name: digest for name, (_, digest) in written.files.items()}
        check_same_version(folder, version, digests)
        sums = sha256sums(digests).encode("utf-8")
        (staging / "SHA256SUMS").write_bytes(sums)
    return {
        "outdir": str(outdir),
        "version": version,
        "date": date,
        "files": len(written.files) + 1,
        "bytes": written.sizes() + len(sums),
        "triples": graphs.count(),
        "inferred": graphs.inferred_count,
        "closure_triples": graphs.count(closure=True),
        "quads": graphs.quad_count(),
        "entity_pages": sum(1 for name in written.files if name.startswith("id/")),
        "closure_cached": graphs.closure_cached,
        "seconds": round(time.perf_counter() - start, 3),
    }
