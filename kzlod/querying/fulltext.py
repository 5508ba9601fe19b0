"""Full-text search over the graph: ``kzlod search`` and the web pages' search box.

The index is an SQLite FTS5 table (the standard library's :mod:`sqlite3`) with one row per
thing that can be found:

* an entity, a source document, a section or an ontology term, by its labels
  (``rdfs:label``, ``skos:prefLabel``, ``dcterms:title``) and alternative labels (``skos:altLabel``);
* a claim or event, by the quotes of its evidence (``oa:exact``) and its label if it has one;
* a sentence of a source, by its text (``rdf:value``);
* and each of them by its notes (``kz:reason``, ``rdfs:comment``, ``skos:definition``).

It is built from the store by SPARQL, so any store will do, and kept in the cache
(:mod:`kzlod.files.cache`, ``$KZLOD_CACHE_DIR``) as ``search/<key>.sqlite``, where the key is a
hash of the graph's content (:func:`index_key`: the project's files and ``--data`` files, by their
names and bytes, or the file hashes ``kzlod load`` recorded in a disk store); a memory store's index
is built from the same bytes its key names (:mod:`kzlod.store.snapshot`), so reverting a file never
brings back an index holding facts of a later version. A changed project
gets a new index; an unchanged one is opened in a millisecond. A graph whose content cannot be
named (an endpoint) gets an index in memory, built once per process.

Hits are ranked by BM25 with a weight per column (:data:`WEIGHTS`: a match in a label counts
more than one in a sentence), then by their order in the index; each hit comes with a snippet
of the matching text, the match marked (:attr:`Hit.parts`). A search without hits suggests what
may have been meant (:func:`suggestions`): each word the index does not hold replaced by the
closest words it does (its FTS5 vocabulary), where that finds something.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kzlod.errors import KzlodError, UsageError
from kzlod.files import cache
from kzlod.project import Project
from kzlod.querying.browse import _int, claim_info, rows_of
from kzlod.store.backends import OxigraphStore, store_key
from kzlod.store.snapshot import current_version
from kzlod.store.spec import StoreSpec
from kzlod.vocab import KZ, ONTOLOGY, compact

#: Bumped when the index's tables or what goes into them change: older files are not read.
INDEX_FORMAT = 3
COLUMNS = ("label", "alt", "quote", "sentence", "note")
#: BM25 weight of each column, in :data:`COLUMNS` order.
WEIGHTS = (10.0, 8.0, 2.0, 1.0, 0.5)
#: Kinds of hit, in the order the index is built (ties of rank keep it).
KINDS = ("entity", "source", "section", "claim", "sentence", "term")
MAX_QUERY_CHARS = 500
MAX_TERMS = 20
SNIPPET_TOKENS = 24
OPEN, CLOSE = "\x02", "\x03"  # snippet markers (removed from the indexed text)

TEXTS = """SELECT ?s ?p ?text WHERE {
  VALUES ?p { rdfs:label skos:prefLabel dcterms:title skos:altLabel kz:reason rdfs:comment skos:definition }
  ?s ?p ?text . FILTER(isIRI(?s) && isLiteral(?text))
}"""
TYPES = "SELECT ?s ?t WHERE { ?s a ?t }"
SENTENCES = """SELECT ?s ?text ?src ?i WHERE { ?s a kz:Sentence .
  OPTIONAL { ?s rdf:value ?text } OPTIONAL { ?s dcterms:isPartOf ?src } OPTIONAL { ?s kz:index ?i } }"""
SECTIONS = """SELECT ?s ?src ?i WHERE { ?s a kz:Section .
  OPTIONAL { ?s dcterms:isPartOf ?src } OPTIONAL { ?s kz:index ?i } }"""
# A claim's evidence, one property at a time and joined here on the evidence node: on a million
# triples a few seconds faster than one query with OPTIONALs.
EVIDENCE = "SELECT ?c ?ev WHERE { ?c kz:hasEvidence ?ev . FILTER(isIRI(?c)) }"
QUOTES = "SELECT ?ev ?quote WHERE { ?ev oa:hasSelector ?sel . ?sel oa:exact ?quote }"
CITED = "SELECT ?ev ?sentence WHERE { ?ev kz:sentence ?sentence }"
SOURCED = "SELECT ?ev ?src WHERE { ?ev oa:hasSource ?src }"
# The same in one query, for an endpoint (whose blank-node labels hold within one result only).
EVIDENCE_JOINED = """SELECT ?c ?ev ?what ?value WHERE { ?c kz:hasEvidence ?ev . FILTER(isIRI(?c))
  { ?ev oa:hasSelector/oa:exact ?value BIND("quote" AS ?what) }
  UNION { ?ev kz:sentence ?value BIND("sentence" AS ?what) }
  UNION { ?ev oa:hasSource ?value BIND("source" AS ?what) } }"""

LABEL_PROPS = {"rdfs:label", "skos:prefLabel", "dcterms:title"}
NOTE_PROPS = {"kz:reason", "rdfs:comment", "skos:definition"}


class SearchError(KzlodError):
    """The index cannot be built or read (no FTS5 in this SQLite)."""


@dataclass
class Hit:
    """One thing found: what it is, and the snippet of its text that matched."""

    rank: int
    iri: str
    kind: str  # entity, source, section, claim, sentence or term
    title: str  # its label, a claim's title, "6. Foreign Policy, sentence 18"
    kind_label: str  # its class ("State", "Tone Assessment"), "" for sentences
    field: str  # the column the snippet comes from: label, alt, quote, sentence or note
    parts: list  # the snippet: (text, matched) pairs
    score: float  # BM25, lower is better
    source: str = ""  # a sentence's or section's source, a claim's first source
    source_title: str = ""
    sentence: str = ""  # a claim's first cited sentence (a sentence: itself)
    position: int | None = None  # that sentence's kz:index (a section: its own)

    @property
    def text(self) -> str:
        """The snippet without marks."""
        return "".join(t for t, _ in self.parts)

    @property
    def repeats_title(self) -> bool:
        """Whether the snippet is the hit's title itself (a label that matched): shown once, not twice."""
        return self.field == "label" and self.text == self.title

    def marked(self, before: str = "«", after: str = "»") -> str:
        return "".join(f"{before}{t}{after}" if m else t for t, m in self.parts)

    def highlights(self) -> list[tuple[int, int]]:
        """Where the matches are in :attr:`text` (code-point offsets, end exclusive)."""
        out, at = [], 0
        for t, m in self.parts:
            if m:
                out.append((at, at + len(t)))
            at += len(t)
        return out

    def as_dict(self) -> dict:
        return {"rank": self.rank, "kind": self.kind, "iri": self.iri, "id": compact(self.iri), "title": self.title,
                "kindLabel": self.kind_label, "field": self.field, "snippet": self.marked(), "text": self.text,
                "highlights": [list(h) for h in self.highlights()], "source": self.source,
                "sourceTitle": self.source_title, "sentence": self.sentence, "position": self.position,
                "score": round(self.score, 6)}


@dataclass
class SearchResult:
    query: str  # as asked
    match: str  # the FTS5 query it became
    hits: list[Hit] = field(default_factory=list)
    total: int = 0  # every match, not only those shown
    seconds: float = 0.0  # the search itself, not opening or building the index
    suggestions: list[str] = field(default_factory=list)  # no hits: searches that would find something

    def as_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "shown": len(self.hits),
                "hits": [h.as_dict() for h in self.hits], "suggestions": self.suggestions}


# --- the key and the file -------------------------------------------------------------------

def index_key(project: Project, store: StoreSpec, data=()) -> str | None:
    """The content hash an index is kept under, or None where the content cannot be named.

    A memory store: the project's ontology and data files plus the ``--data`` files, by
    content. An ``oxigraph:DIR`` store: its key (:func:`kzlod.store.backends.store_key`).
    An endpoint: None.
    """
    versions = f"format {INDEX_FORMAT} sqlite {sqlite3.sqlite_version}"
    if store.is_disk:
        key = store_key(store.path)
        if key is None:
            return None
        return cache.content_key("search", [f"store {key}"], versions=versions)
    if store.is_endpoint:
        return None
    try:
        return graph_key(current_version(project, data))
    except OSError:
        return None


def graph_key(version: str) -> str:
    """The key of the index of a memory store whose files make ``version``
    (the version of a :class:`kzlod.store.snapshot.Snapshot`: the bytes the store was built from, and their names)."""
    return cache.content_key("search", [f"graph {version}"],
                             versions=f"format {INDEX_FORMAT} sqlite {sqlite3.sqlite_version}")


def index_path(key: str) -> Path:
    """Where the index of this key is kept in the cache."""
    return cache.path_of("search", key)


def has_fts5() -> bool:
    try:
        conn = sqlite3.connect(":memory:")
        try:
            return bool(conn.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return False


# --- building ------------------------------------------------------------------------------------

def _clean(text: str) -> str:
    return text.replace(OPEN, " ").replace(CLOSE, " ")


def collect(store) -> list[dict]:
    """What the index holds, read from the store: one dict per thing, in index order."""
    docs: dict[str, dict] = {}

    def doc(iri: str) -> dict:
        d = docs.get(iri)
        if d is None:
            d = docs[iri] = {"iri": iri, "kind": "", "title": "", "kind_label": "", "source": "", "sentence": "",
                             "position": None, "text": {c: [] for c in COLUMNS}}
        return d

    names: dict[str, list[str]] = {}
    for s, p, text in rows_of(store, TEXTS):
        prop = compact(p.value)
        column = "label" if prop in LABEL_PROPS else "alt" if prop == "skos:altLabel" else "note"
        doc(s.value)["text"][column].append(_clean(text.value))
        if column == "label" and (not text.language or text.language.startswith("en")):
            names.setdefault(s.value, []).append(text.value)
    types: dict[str, set] = {}
    for s, t in rows_of(store, TYPES):
        types.setdefault(s.value, set()).add(t.value)
    for s, text, src, i in rows_of(store, SENTENCES):
        d = doc(s.value)
        d["kind"], d["source"] = "sentence", src.value if src is not None else ""
        d["sentence"], d["position"] = s.value, _int(i)
        if text is not None:
            d["text"]["sentence"] = [_clean(text.value)]
    for s, src, i in rows_of(store, SECTIONS):
        d = doc(s.value)
        d["kind"], d["source"], d["position"] = "section", src.value if src is not None else "", _int(i)
    claims = set()
    of_evidence: dict = {}
    if isinstance(store, OxigraphStore):
        for query, what in ((QUOTES, "quote"), (CITED, "sentence"), (SOURCED, "source")):
            for ev, value in rows_of(store, query):
                of_evidence.setdefault(str(ev), {}).setdefault(what, []).append(value.value)
        evidence = rows_of(store, EVIDENCE)
    else:
        evidence = []
        for c, ev, what, value in rows_of(store, EVIDENCE_JOINED):
            of_evidence.setdefault(str(ev), {}).setdefault(what.value, []).append(value.value)
            evidence.append((c, ev))
    for c, ev in evidence:
        d = doc(c.value)
        claims.add(c.value)
        found = of_evidence.get(str(ev), {})
        for quote in sorted(found.get("quote", ())):
            if _clean(quote) not in d["text"]["quote"]:
                d["text"]["quote"].append(_clean(quote))
        for what in ("sentence", "source"):
            for value in found.get(what, ()):
                if not d[what] or value < d[what]:
                    d[what] = value
    infos = claim_info(store) if claims else {}
    kind_of = {s: min(ts) for s, ts in ((s, [t for t in ts if t.startswith(KZ)]) for s, ts in types.items()) if ts}
    labels_of = {t: min(names.get(t, [compact(t)])) for t in set(kind_of.values())}
    positions = {d["iri"]: d["position"] for d in docs.values() if d["kind"] == "sentence"}
    source_titles = {s: min(v) for s, v in names.items()}
    out = []
    for iri in sorted(docs):
        d = docs[iri]
        if not d["kind"]:
            if iri in claims:
                d["kind"] = "claim"
            elif KZ + "SourceDocument" in types.get(iri, ()):
                d["kind"] = "source"
            elif iri.startswith((KZ, ONTOLOGY)) or not iri.startswith("https://w3id.org/kzlod/id/"):
                d["kind"] = "term"
            else:
                d["kind"] = "entity"
        if not any(d["text"].values()):
            continue
        source_title = source_titles.get(d["source"], compact(d["source"])) if d["source"] else ""
        if d["kind"] == "claim":
            info = infos.get(iri)
            d["title"] = info.title if info else compact(iri)
            d["kind_label"] = info.kind_label if info else ""
            d["position"] = positions.get(d["sentence"])
        elif d["kind"] == "sentence":
            d["title"] = f"{source_title}, sentence {d['position']}" if d["position"] is not None else \
                f"{source_title}, {compact(iri)}"
        elif d["kind"] == "section":
            title = min(names.get(iri, [compact(iri)]))
            d["title"] = f"{title} ({source_title})" if source_title else title
        else:
            d["title"] = min(names.get(iri, [compact(iri)]))
        if d["kind"] != "sentence":
            d["kind_label"] = d["kind_label"] or (labels_of.get(kind_of.get(iri, ""), "") if iri in kind_of else "")
        d["source_title"] = source_title
        out.append(d)
    order = {k: i for i, k in enumerate(KINDS)}
    out.sort(key=lambda d: (order[d["kind"]], d["position"] is None, d["source"], d["position"] or 0, d["iri"]))
    return out


SCHEMA = f"""
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(id INTEGER PRIMARY KEY, iri TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL,
                  kind_label TEXT NOT NULL, source TEXT NOT NULL, source_title TEXT NOT NULL,
                  sentence TEXT NOT NULL, position INTEGER);
CREATE VIRTUAL TABLE fts USING fts5({", ".join(COLUMNS)}, tokenize = "unicode61 remove_diacritics 2", prefix = '2 3');
INSERT INTO fts(fts, rank) VALUES('rank', 'bm25({", ".join(str(w) for w in WEIGHTS)})');
CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, 'row');
"""


def build(store, path: str | Path = ":memory:") -> sqlite3.Connection:
    """Build the index of ``store`` into ``path`` (a new file, or memory); return it open."""
    if not has_fts5():
        raise SearchError(f"this Python's SQLite ({sqlite3.sqlite_version}) has no FTS5, which kzlod search needs")
    start = time.perf_counter()
    docs = collect(store)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    try:
        conn.executescript(SCHEMA)
        conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (i, d["iri"], d["kind"], d["title"], d["kind_label"], d["source"], d["source_title"], d["sentence"],
             d["position"]) for i, d in enumerate(docs, 1)])
        conn.executemany(f"INSERT INTO fts(rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)", [
            (i, *("\n".join(d["text"][c]) for c in COLUMNS)) for i, d in enumerate(docs, 1)])
        conn.execute("INSERT INTO fts(fts) VALUES('optimize')")
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [("format", str(INDEX_FORMAT)), ("rows", str(len(docs))),
                                                           ("seconds", f"{time.perf_counter() - start:.3f}")])
        conn.commit()
    except BaseException:
        conn.close()
        raise
    return conn


_lock = threading.Lock()
_open: dict = {}  # the index's file (or the store's id) -> connection, for this process


def _readable(path: Path) -> sqlite3.Connection | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        fmt = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if fmt and fmt[0] == str(INDEX_FORMAT):
            return conn
        conn.close()
    except sqlite3.Error:
        pass
    return None


def open_index(store, key: str | None) -> tuple[sqlite3.Connection, bool]:
    """The index of ``store`` under ``key``: from this process, from the cache, or built now.

    ``store`` may be a callable that opens the store: it is called only when the index has to
    be built. Returns the connection and whether it was built by this call. A key of None builds
    the index in memory once for this store (an endpoint's graph). A cache folder that cannot be
    written is no error: the index is then kept in memory.
    """
    handle = str(index_path(key)) if key is not None else f"store-{id(store)}"
    with _lock:
        entry = _open.get(handle)
        if entry is not None and (key is not None or entry[1] is store):
            return entry[0], False
        opened = []

        def the_store():
            if not opened:
                opened.append(store() if callable(store) and not hasattr(store, "query") else store)
            return opened[0]

        built = False
        if key is None:
            conn, built = build(the_store()), True
        else:
            path = cache.get("search", key)
            conn = _readable(path) if path is not None else None
            if conn is None:
                built = True
                try:
                    path = cache.put("search", key, lambda tmp: build(the_store(), tmp).close())
                    conn = _readable(path) if path is not None else None
                except sqlite3.Error:  # the cache folder cannot take it: kept in memory instead
                    conn = None
                if conn is None:
                    conn = build(the_store())
        if key is None:  # indexes in memory: the store kept with its index (its id is not reused), the last few only
            for old in [h for h in _open if h.startswith("store-")][:-3]:
                _open.pop(old)[0].close()
        _open[handle] = (conn, store if key is None else None)
        return conn, built


# --- searching -------------------------------------------------------------------------------------

_PART = re.compile(r'"([^"]*)"?|([^\s"]+)')
_TOKEN = re.compile(r"[^\W_]+")


def match_expression(text: str) -> str:
    """The FTS5 query for what a user typed: every word must occur; a hyphenated or quoted
    group of words as a phrase; the last word, of three letters or more, also as a prefix
    ("Karab" finds Karabakh; "of" does not look for every word starting with "of")."""
    if len(text) > MAX_QUERY_CHARS:
        raise UsageError(f"search text too long: {len(text)} characters, at most {MAX_QUERY_CHARS}")
    groups = []
    for quoted, word in _PART.findall(text):
        tokens = _TOKEN.findall(quoted if quoted else word)
        if tokens:
            groups.append((tokens, bool(quoted) or (word and word.endswith('"'))))
    if not groups:
        raise UsageError("give a word to search for (letters or digits)")
    if sum(len(t) for t, _ in groups) > MAX_TERMS:
        raise UsageError(f"too many words to search for: at most {MAX_TERMS}")
    parts = []
    for i, (tokens, quoted) in enumerate(groups):
        phrase = '"' + " ".join(tokens) + '"'
        last = i == len(groups) - 1 and not quoted and not text.rstrip().endswith('"') and len(tokens[-1]) >= 3
        parts.append(phrase + " *" if last else phrase)
    return " AND ".join(parts)


def _parts(snippet: str) -> list[tuple[str, bool]]:
    out = []
    snippet = re.sub(r"\s*\n\s*", " · ", snippet.strip())  # a column's values are kept one a line
    for piece in re.split(f"({OPEN}[^{CLOSE}]*{CLOSE})", snippet):
        if not piece:
            continue
        if piece.startswith(OPEN):
            out.append((piece[1:-1], True))
        else:
            out.append((piece, False))
    merged: list[tuple[str, bool]] = []
    for t, m in out:  # adjacent marks (a phrase) as one
        if merged and merged[-1][1] == m:
            merged[-1] = (merged[-1][0] + t, m)
        else:
            merged.append((t, m))
    return merged


def _column_of(conn, rowid: int, snippet: str) -> str:
    """The column a snippet came from: the first whose text holds the snippet's first line."""
    plain = snippet.replace(OPEN, "").replace(CLOSE, "")
    line = next((x.strip("…").strip() for x in plain.split("\n") if x.strip("…").strip()), "")
    row = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM fts WHERE rowid = ?", (rowid,)).fetchone() or ()
    for name, value in zip(COLUMNS, row):
        if value and line and line in value:
            return name
    return next((name for name, value in zip(COLUMNS, row) if value), "")


def search_index(conn: sqlite3.Connection, text: str, *, limit: int = 20, kinds=None,
                 suggest: bool = True) -> SearchResult:
    """The hits for ``text`` in an open index, best first; none: with :func:`suggestions` (``suggest``)."""
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    match = match_expression(text)
    start = time.perf_counter()
    where, params = "fts MATCH ?", [match]
    if kinds:
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise UsageError(f"unknown kind {unknown[0]!r}: use {', '.join(KINDS)}")
        where += f" AND fts.rowid IN (SELECT id FROM docs WHERE kind IN ({', '.join('?' * len(kinds))}))"
        params += list(kinds)
    try:
        # the best rows first, then the snippets of those only (in one query SQLite makes one for every match)
        rows = conn.execute(f"SELECT fts.rowid, fts.rank FROM fts WHERE {where} ORDER BY fts.rank, fts.rowid LIMIT ?",
                            (*params, limit)).fetchall()
        total = conn.execute(f"SELECT count(*) FROM fts WHERE {where}", params).fetchone()[0] \
            if len(rows) == limit else len(rows)
        snippets = [conn.execute(f"SELECT snippet(fts, -1, '{OPEN}', '{CLOSE}', '…', {SNIPPET_TOKENS}) FROM fts "
                                 "WHERE fts MATCH ? AND rowid = ?", (match, rowid)).fetchone()[0] for rowid, _ in rows]
    except sqlite3.OperationalError as exc:
        raise UsageError(f"cannot search for {text!r}: {exc}") from None
    result = SearchResult(text, match, total=total)
    for n, ((rowid, score), snippet) in enumerate(zip(rows, snippets), 1):
        iri, kind, title, kind_label, source, source_title, sentence, position = conn.execute(
            "SELECT iri, kind, title, kind_label, source, source_title, sentence, position FROM docs WHERE id = ?",
            (rowid,)).fetchone()
        parts = _parts(snippet)
        result.hits.append(Hit(n, iri, kind, title, kind_label, _column_of(conn, rowid, snippet), parts, score,
                               source, source_title, sentence, position))
    result.seconds = time.perf_counter() - start
    if not total and suggest:
        result.suggestions = suggestions(conn, text, kinds=kinds)
    return result


def _fold(word: str) -> str:
    """A word as the index keeps it: lower case, without diacritics (the tokenizer's ``remove_diacritics 2``)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _known(conn, word: str, prefix: bool) -> bool:
    if prefix:
        return conn.execute("SELECT 1 FROM vocab WHERE term >= ? AND term < ? LIMIT 1",
                            (word, word + "\U0010ffff")).fetchone() is not None
    return conn.execute("SELECT 1 FROM vocab WHERE term = ?", (word,)).fetchone() is not None


def _closest(conn, word: str, n: int) -> list[str]:
    """The words of the index nearest ``word``: of its first letter if any are near, else of any."""
    for where, params in (("substr(term, 1, 1) = ? AND ", (word[:1],)), ("", ())):
        terms = [t for (t,) in conn.execute(f"SELECT term FROM vocab WHERE {where}length(term) BETWEEN ? AND ?",
                                            (*params, len(word) - 2, len(word) + 2))]
        close = difflib.get_close_matches(word, terms, n=n, cutoff=0.75)
        if close:
            return close
    return []


def _cased(like: str, word: str) -> str:
    """``word`` written in the case of ``like`` (Karabahk -> Karabakh)."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def suggestions(conn: sqlite3.Connection, text: str, *, kinds=None, limit: int = 3) -> list[str]:
    """What ``text`` may have meant: each word the index does not hold (the last one, of three letters or
    more, may be the start of one) replaced by one of the closest words it holds; only the searches
    that find something, the closest first."""
    words = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    if not words or len(words) > MAX_TERMS:
        return []
    options = []
    for i, (start, end, word) in enumerate(words):
        folded = _fold(word)
        last = i == len(words) - 1 and len(folded) >= 3 and not text.rstrip().endswith('"')
        if _known(conn, folded, last):
            continue
        options.append((start, end, word, _closest(conn, folded, limit)))
    if not options or any(not close for *_, close in options):
        return []
    found = []
    for k in range(limit):
        fixed, at = [], 0
        for start, end, word, close in options:
            fixed += [text[at:start], _cased(word, close[min(k, len(close) - 1)])]
            at = end
        candidate = "".join(fixed) + text[at:]
        if candidate not in found and candidate != text:
            try:
                if search_index(conn, candidate, limit=1, kinds=kinds, suggest=False).total:
                    found.append(candidate)
            except UsageError:
                continue
    return found


def search(store, text: str, *, key: str | None = None, limit: int = 20, kinds=None) -> SearchResult:
    """Search ``store``'s index (kept under ``key``, see :func:`index_key`) for ``text``."""
    conn, _ = open_index(store, key)
    return search_index(conn, text, limit=limit, kinds=kinds)
