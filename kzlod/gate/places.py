"""Where a blank node of a user file is written, and the path to it from a named subject.

The gate names every blank node ``salt`` + ``n`` + its order of first appearance
(:func:`kzlod.gate.parse.relabel_blank_nodes`), the salt a hash of the file's path and content;
so a validation that finds ``b0123456789abn7`` can take the bytes of the file it read (a
:class:`Source`), parse them again to the same names, and say
``data.ttl:16:7: kzd:x kz:hasEvidence [2] oa:hasSelector`` (the second evidence
block of ``kzd:x`` in file order, its selector) in place of an internal name.

pyoxigraph reports no positions, so for Turtle and TriG the text is parsed once more with a
marker statement inserted after each ``[`` (``[ <urn:x-kzlod:at> <urn:x-kzlod:at:OFFSET> ;``):
the markers name the bracket each blank node opens with, and every other statement lines up one
to one with the file's own (they are checked to). A ``_:label`` is found by its label; in
N-Triples every blank node has one; in RDF/XML and JSON-LD the named subject's line is given.
Only run when a finding is about a blank node: it costs a parse of the file's bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kzlod.gate.parse import blank_salt, iter_relabelled
from kzlod.gate.reading import FORMATS, position
from kzlod.gate.scan import bracket_offsets
from kzlod.vocab import NAMESPACES, compact

#: A blank node name the gate gives: salt (``b`` + 12 hex digits) + ``n`` + a number.
BLANK_ID = re.compile(r"(?:_:)?\b(b[0-9a-f]{12})n([0-9]+)\b")
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
FIRST, REST = RDF + "first", RDF + "rest"
MARK = "urn:x-kzlod:at"


@dataclass
class Place:
    file: str
    line: int
    col: int
    path: str  # from the named subject: "kzd:x kz:hasEvidence [2] oa:hasSelector"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Source:
    """A file a validation read, as it read it: the name reports give it, its path (for its
    syntax), its bytes, and the salt its blank nodes were named with."""

    name: str
    path: Path
    raw: bytes
    salt: str


def source_of(name: str, path: Path, raw: bytes, *, salted_by_path: bool = True) -> Source:
    """The :class:`Source` of a file the gate read: a user's file is salted by its full path
    (:func:`kzlod.gate.parse.parse_file`), a project file by its name (``parse_trusted``)."""
    return Source(name, Path(path), raw, blank_salt(str(Path(path).resolve()) if salted_by_path else Path(path).name,
                                                   raw))


def blank_places(sources: list[Source], ids) -> dict[str, Place]:
    """The place of each blank node named in ``ids`` (the gate's names) that one of ``sources``
    holds, from the bytes the validation read (no file is opened again); others are left out."""
    wanted: dict[str, set] = {}
    for i in ids:
        m = BLANK_ID.fullmatch(i)
        if m:
            wanted.setdefault(m.group(1), set()).add(m.group(1) + "n" + m.group(2))
    out: dict[str, Place] = {}
    for source in sources:
        if source.salt in wanted and source.path.suffix.lower() in FORMATS:
            try:
                out.update(_file_places(source, wanted[source.salt]))
            except (SyntaxError, ValueError, MemoryError):  # not RDF the gate would have let through
                pass
    return out


def _file_places(source: Source, ids: set) -> dict[str, Place]:
    path, raw, salt = source.path, source.raw, source.salt
    fmt = FORMATS[path.suffix.lower()]
    text = raw.decode("utf-8", "replace")
    parser = ox.parse(raw, format=fmt)
    quads = list(iter_relabelled(parser, salt))
    prefixes = dict(getattr(parser, "prefixes", {}) or {})
    offsets = _offsets(text, fmt, quads)

    parent: dict = {}  # blank node -> (subject, predicate) of its first incoming statement
    children: dict = {}  # (subject, predicate) -> its blank objects, in stream order
    for q in quads:
        o = q.object
        if isinstance(o, ox.BlankNode):
            if o not in parent:
                parent[o] = (q.subject, q.predicate.value)
            children.setdefault((q.subject, q.predicate.value), []).append(o)
    rest_of = {}  # list cell -> the cell before it
    for node, (s, p) in parent.items():
        if p == REST and isinstance(s, ox.BlankNode):
            rest_of[node] = s

    def short(iri: str) -> str:
        shown = compact(iri)
        if shown == iri:
            shown = compact(iri, prefixes) if prefixes else iri
        return shown if shown != iri else f"<{iri}>"

    def index_in(node, key) -> str:
        siblings = [b for b in dict.fromkeys(children.get(key, [])) if parent.get(b) == key]
        if len(siblings) < 2:
            return ""
        order = sorted(range(len(siblings)), key=lambda i: (offsets.get(siblings[i], 1 << 62), i))
        return f" [{order.index(siblings.index(node)) + 1}]"

    def describe(node) -> tuple[str, object]:
        """The path to ``node`` and its root (a named node, or a blank node nothing points at)."""
        steps, seen = [], set()
        while isinstance(node, ox.BlankNode) and node in parent and node not in seen:
            seen.add(node)
            s, p = parent[node]
            if p in (FIRST, REST):  # an item of a list: count the cells back to its head
                cell = s if p == FIRST else node
                n = 1
                while cell in rest_of and cell not in seen:
                    seen.add(cell)
                    cell = rest_of[cell]
                    n += 1
                if cell not in parent:
                    break
                s, p = parent[cell]
                steps.append(f"{short(p)} item {n}")
                node = s
                continue
            steps.append(short(p) + index_in(node, (s, p)))
            node = s
        if isinstance(node, ox.NamedNode):
            root = short(node.value)
        else:
            root = "[ ]"
        return " ".join([root, *reversed(steps)]), node

    out = {}
    for b in {ox.BlankNode(i) for i in ids}:
        where, root = describe(b)
        offset, x, seen = offsets.get(b), b, set()
        while offset is None and isinstance(x, ox.BlankNode) and x in parent and x not in seen:
            seen.add(x)
            x = parent[x][0]
            offset = offsets.get(x)
        if offset is None and isinstance(root, ox.NamedNode):
            offset = _subject_at(text, root.value, prefixes)
        line, col = position(text, offset or 0)
        out[b.value] = Place(source.name, line, col, where)
    return out


def _offsets(text: str, fmt, quads: list) -> dict:
    """Offset in ``text`` of the blank nodes whose place the text shows: the ``[`` each opens with
    (Turtle, TriG), the first ``_:label`` (every syntax that has labels)."""
    marked_quads = None
    marks: dict = {}
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        brackets = bracket_offsets(text)
        if brackets:
            parts, last = [], 0
            for at in brackets:
                parts.append(text[last:at + 1])
                parts.append(f" <{MARK}> <{MARK}:{at}> ;")
                last = at + 1
            parts.append(text[last:])
            try:
                marked_quads = list(ox.parse("".join(parts).encode("utf-8"), format=fmt))
            except (SyntaxError, ValueError):
                marked_quads = None  # e.g. a TriG graph named by [ ]: no bracket places then
            if marked_quads is not None:
                kept = []
                for q in marked_quads:
                    if q.predicate.value == MARK:
                        marks[q.subject] = int(q.object.value.rsplit(":", 1)[1])
                    else:
                        kept.append(q)
                marked_quads = kept
    if marked_quads is None:
        try:
            marked_quads = list(ox.parse(text.encode("utf-8"), format=fmt))
        except (SyntaxError, ValueError):
            return {}
    if len(marked_quads) != len(quads):
        return {}
    names: dict = {}  # the file's blank node (as parsed again) -> the gate's name
    for mine, theirs in zip(marked_quads, quads):
        if mine.predicate != theirs.predicate:
            return {}
        for a, b in ((mine.subject, theirs.subject), (mine.object, theirs.object)):
            if isinstance(a, ox.BlankNode):
                if names.setdefault(a, b) != b:
                    return {}
            elif a != b:
                return {}
    out = {}
    for node, name in names.items():
        if node in marks:
            out[name] = marks[node]
        else:
            m = re.search(r"_:" + re.escape(node.value) + r"(?![\w.-]*[\w-])", text)
            if m:
                out[name] = m.start()
    return out


def _subject_at(text: str, iri: str, prefixes: dict) -> int | None:
    spellings = [f"<{iri}>"] + [f"{p}:{iri[len(ns):]}" for p, ns in {**NAMESPACES, **prefixes}.items()
                                if iri.startswith(ns) and iri != ns]
    for pattern in (r"^[ \t]*{}(?=[\s;,.])", r"(?<![\w:]){}(?![\w-])"):
        for sp in spellings:
            m = re.search(pattern.format(re.escape(sp)), text, re.MULTILINE)
            if m:
                return m.start() + len(m.group()) - len(m.group().lstrip())
    for needle in (f'"{iri}"', iri):
        i = text.find(needle)
        if i >= 0:
            return i
    return None
