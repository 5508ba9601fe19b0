"""The project's canonical, human-ordered Turtle.

Every Turtle file in the repository is kept in the form :func:`serialize`
writes, so that diffs show what changed in the graph and nothing else.
It works on pyoxigraph terms because pyoxigraph keeps every literal's lexical
form exactly as written (``"0042"^^xsd:integer`` stays ``0042``).

The canonical form:

* ``@prefix`` lines for exactly the given prefixes, sorted by name;
* one block per subject, blocks separated by one blank line, in groups:
  ontologies, classes, properties, SKOS concept schemes, SKOS concepts,
  SHACL node shapes, SHACL property shapes, everything else; within a group
  IRIs (sorted by their written form), then labelled blank nodes (by label),
  then anonymous ``[ ... ] .`` statements (by their text);
* predicates: ``a`` first, then ``rdfs:label``, ``skos:prefLabel``,
  ``skos:altLabel``, ``skos:definition``, ``rdfs:comment``, then the rest by
  written form; objects sorted by kind (IRI, literal, labelled blank node,
  nested blank node) and written form;
* a blank node that is the object of exactly one triple and not on a cycle
  of such nodes is written nested, ``[ ... ]``, or as a collection
  ``( ... )`` when it is a well-formed RDF list; a blank node that is the
  object of no triple is written as an anonymous statement ``[ ... ] .``;
  every other blank node gets a label ``_:b`` + 8 hex digits of a hash of
  its surroundings (colour refinement, 3 rounds), with ``-1``, ``-2`` …
  appended when several nodes share a hash (ordered by further refinement
  and, if that does not separate them, by RDF canonicalization, RDFC-1.0);
* literals keep their lexical form; the bare forms ``42``, ``1.5``,
  ``1e3``, ``true`` are used only when they denote exactly the same lexical
  form and datatype; strings containing a line feed use ``\"\"\"...\"\"\"`` with
  the line feeds written as such, all other strings ``"..."``; ``\\``,
  ``\\"`` (in long strings only where needed), ``\\n`` (short strings),
  ``\\r``, ``\\t`` are escaped and other control characters (and U+2028,
  U+2029, U+FEFF) written ``\\uXXXX``; ``rdf:nil`` as an object is ``()``;
* an IRI is written as the shortest prefixed name whose local part is a
  PN_LOCAL needing no escapes, otherwise as ``<IRI>``;
* 4 spaces per nesting level, LF line ends, a final newline, UTF-8.

``serialize(parse_turtle(serialize(g)))`` equals ``serialize(g)`` byte for
byte, and ``parse_turtle(serialize(g))`` is isomorphic to ``g``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError
from kzlod.files.lexical import DECIMAL, DOUBLE, INTEGER, LANGTAG, PN_LOCAL, PN_PREFIX, iriref, quote
from kzlod.files.safewrite import lock_folder_of, project_lock, recover, write_text_atomic
from kzlod.vocab import OWL, RDF, RDF_TYPE, RDFS, SH, SKOS, XSD, XSD_STRING

__all__ = [
    "TurtleError",
    "parse_turtle",
    "serialize",
    "format_text",
    "format_file",
    "is_isomorphic",
]


RDF_FIRST = RDF + "first"
RDF_REST = RDF + "rest"
RDF_NIL = RDF + "nil"
RDF_DIRLANGSTRING = RDF + "dirLangString"

INDENT = "    "
WIDTH = 88  # longest line a group of objects or a nested node is joined into

_TYPE_GROUPS: dict[str, int] = {OWL + "Ontology": 0}
for _t in ("Class", "Restriction"):
    _TYPE_GROUPS[OWL + _t] = 1
_TYPE_GROUPS[RDFS + "Class"] = 1
_TYPE_GROUPS[RDFS + "Datatype"] = 1
for _t in (
    "ObjectProperty",
    "DatatypeProperty",
    "AnnotationProperty",
    "OntologyProperty",
    "FunctionalProperty",
    "InverseFunctionalProperty",
    "SymmetricProperty",
    "AsymmetricProperty",
    "TransitiveProperty",
    "ReflexiveProperty",
    "IrreflexiveProperty",
):
    _TYPE_GROUPS[OWL + _t] = 2
_TYPE_GROUPS[RDF + "Property"] = 2
_TYPE_GROUPS[SKOS + "ConceptScheme"] = 3
_TYPE_GROUPS[SKOS + "Concept"] = 4
_TYPE_GROUPS[SKOS + "Collection"] = 4
_TYPE_GROUPS[SKOS + "OrderedCollection"] = 4
_TYPE_GROUPS[SH + "NodeShape"] = 5
_TYPE_GROUPS[SH + "PropertyShape"] = 6
_OTHER_GROUP = 7

_PREDICATE_ORDER = {
    RDF_TYPE: 0,
    RDFS + "label": 1,
    SKOS + "prefLabel": 2,
    SKOS + "altLabel": 3,
    SKOS + "definition": 4,
    RDFS + "comment": 5,
}

class TurtleError(InputError, ValueError):
    """Turtle that cannot be read, or a graph that cannot be written (exit 3, wherever it is raised)."""


# --------------------------------------------------------------------------
# reading


def parse_turtle(
    data: bytes | str | None = None,
    *,
    path: str | Path | None = None,
    base_iri: str | None = None,
) -> tuple[list[ox.Triple], dict[str, str]]:
    """Parse Turtle strictly; return its triples and its prefixes as given.

    ``data`` is the text (``bytes`` are read as UTF-8); without it the file
    at ``path`` is read. ``path`` also names the input in error messages.
    Raises :class:`TurtleError` on a syntax error or a named graph.
    """
    where = str(path) if path is not None else "<text>"
    if data is None:
        if path is None:
            raise TypeError("parse_turtle needs data or path")
        data = Path(path).read_bytes()
    triples: list[ox.Triple] = []
    try:
        parser = ox.parse(data, ox.RdfFormat.TURTLE, base_iri=base_iri)
        for quad in parser:
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                raise TurtleError(f"{where}: named graphs are not allowed in Turtle files")
            triples.append(quad.triple)
        prefixes = dict(parser.prefixes)
    except SyntaxError as exc:
        raise TurtleError(f"{where}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise TurtleError(f"{where}: not UTF-8: {exc}") from exc
    return triples, prefixes


# --------------------------------------------------------------------------
# writing


def _is_bnode(term) -> bool:
    return isinstance(term, ox.BlankNode)


class _Writer:
    def __init__(self, triples: Iterable, prefixes: dict[str, str], canonical: bool = False):
        self.canonical = canonical
        self.prefixes = dict(prefixes)
        for name, ns in self.prefixes.items():
            if name and not PN_PREFIX.fullmatch(name):
                raise TurtleError(f"invalid prefix name {name!r}")
            if not isinstance(ns, str):
                raise TurtleError(f"prefix {name!r} must map to a string")
        # longest namespaces first is irrelevant: every candidate is tried
        self._ns = sorted(self.prefixes.items(), key=lambda kv: (kv[0], kv[1]))
        self._iri_cache: dict[str, str] = {}
        self.used: set[str] = set()  # the prefixes written

        out: dict = defaultdict(list)
        inc: dict = defaultdict(list)
        seen = set()
        for t in triples:
            if isinstance(t, ox.Triple) or isinstance(t, ox.Quad):
                s, p, o = t.subject, t.predicate, t.object
            else:
                s, p, o = t
            key = (s, p, o)
            if key in seen:
                continue
            seen.add(key)
            for term in key:
                if isinstance(term, ox.Triple):
                    raise TurtleError("triple terms (RDF 1.2) are not supported")
            if not isinstance(p, ox.NamedNode):
                raise TurtleError(f"predicate must be an IRI: {p}")
            if isinstance(s, ox.Literal):
                raise TurtleError(f"subject cannot be a literal: {s}")
            out[s].append((p, o))
            if _is_bnode(o):
                inc[o].append((s, p))
        self.triples = seen
        self.out = out
        self.inc = inc
        self.bnodes = {t for t in out if _is_bnode(t)} | set(inc)

        self._find_nested()
        self.labels = self._make_labels()
        self._lines_cache: dict = {}

    # ---------------------------------------------------------------- terms

    def iri(self, iri: str) -> str:
        cached = self._iri_cache.get(iri)
        if cached is not None:
            return cached
        best = None
        for name, ns in self._ns:
            if iri.startswith(ns):
                local = iri[len(ns) :]
                if local == "" or PN_LOCAL.fullmatch(local):
                    cand = f"{name}:{local}"
                    if best is None or len(cand) < len(best):
                        best = cand
        if best is None:
            best = iriref(iri)
        else:
            self.used.add(best.split(":", 1)[0])
        self._iri_cache[iri] = best
        return best

    def literal(self, lit: ox.Literal) -> str:
        lex = lit.value
        lang = lit.language
        if lang:
            if not LANGTAG.fullmatch(lang):
                raise TurtleError(f"invalid language tag {lang!r}")
            text = quote(lex) + "@" + lang
            if lit.direction is not None:
                text += "--" + str(lit.direction)
            return text
        dt = lit.datatype.value
        if dt == XSD_STRING:
            return quote(lex)
        if dt == XSD + "integer" and INTEGER.fullmatch(lex):
            return lex
        if dt == XSD + "decimal" and DECIMAL.fullmatch(lex):
            return lex
        if dt == XSD + "double" and DOUBLE.fullmatch(lex):
            return lex
        if dt == XSD + "boolean" and lex in ("true", "false"):
            return lex
        return quote(lex) + "^^" + self.iri(dt)

    def term(self, t) -> str:
        if isinstance(t, ox.NamedNode):
            return self.iri(t.value)
        if isinstance(t, ox.Literal):
            return self.literal(t)
        if _is_bnode(t):
            return "_:" + self.labels[t]
        raise TurtleError(f"cannot write term {t!r}")

    def predicate(self, p: ox.NamedNode) -> str:
        return "a" if p.value == RDF_TYPE else self.iri(p.value)

    # ---------------------------------------------------------------- structure

    def _find_nested(self) -> None:
        """Decide which blank nodes are nested, which are lists, which get labels."""
        candidates = {b for b, refs in self.inc.items() if len(refs) == 1}
        parent = {b: self.inc[b][0][0] for b in candidates}
        state: dict = {}
        on_cycle = set()
        for b in candidates:
            path = []
            x = b
            while x in candidates and x not in state:
                state[x] = 1
                path.append(x)
                x = parent[x]
            if x in candidates and state.get(x) == 1:
                on_cycle.update(path[path.index(x) :])
            for y in path:
                state[y] = 2
        self.nested = candidates - on_cycle
        self.labelled = {b for b in self.bnodes if b not in self.nested and self.inc.get(b)}
        self.anonymous = {b for b in self.bnodes if b in self.out and not self.inc.get(b)}
        self._list_cache: dict = {}

    def list_items(self, head) -> list | None:
        """The items of the well-formed, nested RDF list starting at ``head``."""
        if head in self._list_cache:
            return self._list_cache[head]
        items: list = []
        x = head
        seen = set()
        result = None
        while True:
            if isinstance(x, ox.NamedNode) and x.value == RDF_NIL:
                result = items
                break
            if not _is_bnode(x) or x not in self.nested or x in seen:
                break
            props = self.out.get(x, [])
            if len(props) != 2:
                break
            first = [o for p, o in props if p.value == RDF_FIRST]
            rest = [o for p, o in props if p.value == RDF_REST]
            if len(first) != 1 or len(rest) != 1:
                break
            seen.add(x)
            items.append(first[0])
            x = rest[0]
        self._list_cache[head] = result
        return result

    # ---------------------------------------------------------------- labels

    def _make_labels(self) -> dict:
        if not self.labelled:
            return {}
        adj: dict = defaultdict(list)  # bnode -> [(tag, other)]
        for s, po in self.out.items():
            for p, o in po:
                if _is_bnode(s):
                    adj[s].append(("o" + p.value, o))
                if _is_bnode(o):
                    adj[o].append(("i" + p.value, s))
        ntriples = {}

        def plain(t):
            r = ntriples.get(t)
            if r is None:
                r = ntriples[t] = str(t)
            return r

        bnodes = list(self.bnodes)
        colour = {b: "" for b in bnodes}

        def refine(colour):
            new = {}
            for b in bnodes:
                parts = sorted(
                    tag + " " + (colour[o] if _is_bnode(o) else plain(o)) for tag, o in adj[b]
                )
                h = hashlib.sha256()
                h.update(colour[b].encode())
                h.update("\n".join(parts).encode("utf-8"))
                new[b] = h.hexdigest()
            return new

        for _ in range(3):
            colour = refine(colour)
        base = {b: "b" + colour[b][:8] for b in self.labelled}
        groups: dict = defaultdict(list)
        for b, name in base.items():
            groups[name].append(b)
        labels = {}
        ties = [g for g in groups.values() if len(g) > 1]
        for name, members in groups.items():
            if len(members) == 1:
                labels[members[0]] = name
        if ties:
            # refine until the partition is stable, then fall back to RDFC-1.0
            full = colour
            classes = len(set(full.values()))
            for _ in range(len(bnodes)):
                nxt = refine(full)
                n = len(set(nxt.values()))
                full = nxt
                if n == classes:
                    break
                classes = n
            for members in ties:
                keys = [full[b] for b in members]
                if len(set(keys)) != len(keys) and not self.canonical:
                    raise _NeedCanonical
                if len(set(keys)) != len(keys):
                    order = sorted(members, key=lambda b: (full[b], _c14n_index(b)))
                else:
                    order = sorted(members, key=lambda b: full[b])
                for i, b in enumerate(order, 1):
                    labels[b] = f"{base[b]}-{i}"
        return labels

    # ---------------------------------------------------------------- layout

    def object_lines(self, o) -> list[str]:
        """Lines of an object, relative to the line it starts on."""
        if not (_is_bnode(o) and o in self.nested):
            if isinstance(o, ox.NamedNode) and o.value == RDF_NIL:
                return ["()"]
            return [self.term(o)]
        cached = self._lines_cache.get(o)
        if cached is not None:
            return cached
        items = self.list_items(o)
        if items is not None:
            parts = [self.object_lines(i) for i in items]
            one = "( " + " ".join(p[0] for p in parts) + " )"
            if all(len(p) == 1 for p in parts) and len(one) <= WIDTH:
                lines = [one]
            else:
                lines = ["("] + [INDENT + line for p in parts for line in p] + [")"]
        else:
            lines = self.node_lines(o)
        self._lines_cache[o] = lines
        return lines

    def node_lines(self, b) -> list[str]:
        """A blank node written as ``[ ... ]``."""
        groups = self.predicate_groups(b)
        if not groups:
            return ["[]"]
        if all(len(g) == 1 for g in groups):
            one = "[ " + " ; ".join(g[0] for g in groups) + " ]"
            if len(one) <= WIDTH:
                return [one]
        return ["["] + [INDENT + line for line in _join_groups(groups)] + ["]"]

    def object_key(self, o):
        if isinstance(o, ox.NamedNode):
            return (0, "()" if o.value == RDF_NIL else self.iri(o.value))
        if isinstance(o, ox.Literal):
            return (1, self.literal(o))
        if o in self.nested:
            return (3, "\n".join(self.object_lines(o)))
        return (2, self.labels[o])

    def predicate_key(self, p):
        rank = _PREDICATE_ORDER.get(p.value)
        if rank is not None:
            return (rank, "")
        return (len(_PREDICATE_ORDER), self.iri(p.value))

    def predicate_groups(self, s) -> list[list[str]]:
        by_pred: dict = defaultdict(list)
        for p, o in self.out.get(s, []):
            by_pred[p].append(o)
        groups = []
        for p in sorted(by_pred, key=self.predicate_key):
            objs = sorted(((self.object_key(o), o) for o in by_pred[p]), key=lambda ko: ko[0])
            rendered = [self.object_lines(o) for _, o in objs]
            pw = self.predicate(p)
            one = pw + " " + ", ".join(r[0] for r in rendered)
            if all(len(r) == 1 for r in rendered) and len(one) <= WIDTH:
                groups.append([one])
                continue
            lines: list[str] = []
            for i, r in enumerate(rendered):
                if i == 0:
                    lines = [pw + " " + r[0]] + r[1:]
                elif lines[-1] in ("]", ")") and r[0].startswith(("[", "(")):
                    lines[-1] += ", " + r[0]
                    lines.extend(r[1:])
                else:
                    lines[-1] += ","
                    lines.extend(INDENT + line for line in r)
            groups.append(lines)
        return groups

    def subject_group(self, s) -> int:
        g = _OTHER_GROUP
        for p, o in self.out.get(s, []):
            if p.value == RDF_TYPE and isinstance(o, ox.NamedNode):
                g = min(g, _TYPE_GROUPS.get(o.value, _OTHER_GROUP))
        return g

    def block(self, s) -> tuple[tuple, str]:
        if _is_bnode(s) and s in self.anonymous:
            lines = self.node_lines(s)
            lines[-1] += " ."
            text = "\n".join(lines)
            return (self.subject_group(s), 2, text), text
        groups = self.predicate_groups(s)
        lines = _join_groups(groups)
        subject = self.term(s)
        first, rest = lines[0], lines[1:]
        out = [subject + " " + first] + [INDENT + line for line in rest]
        out[-1] += " ."
        kind = 1 if _is_bnode(s) else 0
        return (self.subject_group(s), kind, subject), "\n".join(out)

    def run(self) -> str:
        head = [f"@prefix {name}: {iriref(ns)} ." for name, ns in sorted(self.prefixes.items())]
        subjects = [s for s in self.out if not (_is_bnode(s) and s in self.nested)]
        blocks = sorted(self.block(s) for s in subjects)
        parts = []
        if head:
            parts.append("\n".join(head))
        parts.extend(text for _, text in blocks)
        return "\n\n".join(parts) + "\n" if parts else ""


def _join_groups(groups: list[list[str]]) -> list[str]:
    lines: list[str] = []
    for i, g in enumerate(groups):
        if i:
            lines[-1] += " ;"
        lines.extend(g)
    return lines


class _NeedCanonical(Exception):
    """Blank nodes that refinement cannot tell apart: canonicalize and retry."""


def _c14n_index(b: ox.BlankNode) -> int:
    value = b.value
    if not value.startswith("c14n"):
        raise AssertionError("expected canonical blank node labels")
    return int(value[4:])


def _canonical_triples(triples: Iterable) -> list[tuple]:
    ds = ox.Dataset(ox.Quad(s, p, o) for s, p, o in _as_tuples(triples))
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return [(q.subject, q.predicate, q.object) for q in ds]


def _as_tuples(triples: Iterable) -> Iterable[tuple]:
    for t in triples:
        if isinstance(t, (ox.Triple, ox.Quad)):
            yield (t.subject, t.predicate, t.object)
        else:
            yield tuple(t)


def serialize(triples: Iterable, prefixes: dict[str, str], *, only_used: bool = False) -> str:
    """The canonical Turtle text of ``triples`` with exactly ``prefixes``.

    ``triples`` are :class:`pyoxigraph.Triple` (or ``Quad`` of the default
    graph, or ``(s, p, o)`` tuples of pyoxigraph terms). ``only_used``: declare
    only the prefixes the text writes (each IRI is written the same either way).
    """
    triples = list(_as_tuples(triples))
    try:
        writer = _Writer(triples, prefixes)
    except _NeedCanonical:
        triples = _canonical_triples(triples)
        writer = _Writer(triples, prefixes, canonical=True)
    text = writer.run()
    if only_used and writer.used != set(prefixes):
        used = {k: v for k, v in prefixes.items() if k in writer.used}
        return _Writer(triples, used, canonical=writer.canonical).run()
    return text


def format_text(text: str | bytes, *, path: str | Path | None = None, base_iri: str | None = None) -> str:
    """Parse Turtle text and write it back in canonical form."""
    return serialize(*parse_turtle(text, path=path, base_iri=base_iri))


def format_file(path: str | Path, *, check: bool = False, base_iri: str | None = None) -> bool:
    """Bring a Turtle file into canonical form.

    Returns True if the file was not canonical. With ``check`` nothing is
    written; otherwise the file is read, formatted and rewritten under the lock
    of its project folder (:func:`kzlod.files.safewrite.lock_folder_of`), so
    that no other writer's change made meanwhile is lost, through
    :func:`kzlod.files.safewrite.write_text_atomic`, which refuses the new text
    unless it parses back to the same graph and prefixes.
    """
    path = Path(path)
    if check:
        raw = path.read_bytes()
        return serialize(*parse_turtle(raw, path=path, base_iri=base_iri)).encode("utf-8") != raw
    folder = lock_folder_of(path)
    with project_lock(folder):
        recover(folder, lock=False, sweep=False)  # an interrupted write first: finished or undone
        raw = path.read_bytes()
        triples, prefixes = parse_turtle(raw, path=path, base_iri=base_iri)
        new = serialize(triples, prefixes)
        changed = new.encode("utf-8") != raw
        if changed:

            def verify(text: str) -> bool:
                again, again_prefixes = parse_turtle(text, path=path, base_iri=base_iri)
                return again_prefixes == prefixes and is_isomorphic(again, triples)

            write_text_atomic(path, new, verify=verify, lock_dir=folder)
    return changed


def is_isomorphic(triples_a: Iterable, triples_b: Iterable) -> bool:
    """Whether two sets of triples are the same graph up to blank node names."""
    a = set(_as_tuples(triples_a))
    b = set(_as_tuples(triples_b))
    if len(a) != len(b):
        return False

    def ground(ts):
        return {t for t in ts if not any(_is_bnode(x) for x in t)}

    if ground(a) != ground(b):
        return False
    if ground(a) == a:
        return True
    return set(_canonical_triples(a)) == set(_canonical_triples(b))
