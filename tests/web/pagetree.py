"""A small HTML tree for the tests of the web pages: elements by tag and class, their text and links.

Built with the standard library's parser, independently of the code that writes the pages.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ROOT = Path(__file__).resolve().parents[2]
KZ = "https://w3id.org/kzlod/ontology#"
KZD = "https://w3id.org/kzlod/id/"
KZSRC = "https://w3id.org/kzlod/id/source/"
OA = "http://www.w3.org/ns/oa#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCT = "http://purl.org/dc/terms/"


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None = None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[Node]:
        return [n for n in self.walk() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes())
                and all(n.get(k) == v for k, v in attrs.items())]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> Node | None:
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def links(self) -> list[str]:
        return [a.get("href") for a in self.find_all("a") if a.get("href") is not None]

    def by_id(self, ident: str) -> Node | None:
        return next((n for n in self.walk() if n.get("id") == ident), None)


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(text: str) -> Node:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


def data_graph(*extra: Path) -> list:
    """Every triple of the project's data files (and ``extra`` files), read straight from disk."""
    triples = []
    for path in [*sorted((ROOT / "data").rglob("*.ttl")), *extra]:
        triples += [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    return triples


def claims_citing(triples) -> dict[str, set[str]]:
    """sentence IRI -> the claims whose evidence cites it (kz:hasEvidence/kz:sentence), from raw triples."""
    evidence_of: dict = {}
    cites: dict = {}
    for t in triples:
        if t.predicate.value == KZ + "hasEvidence":
            evidence_of.setdefault(t.object, set()).add(t.subject.value)
        elif t.predicate.value == KZ + "sentence":
            cites.setdefault(t.subject, set()).add(t.object.value)
    out: dict = {}
    for ev, sentences in cites.items():
        for claim in evidence_of.get(ev, ()):
            for s in sentences:
                out.setdefault(s, set()).add(claim)
    return out


def quotes_of(triples) -> dict[str, set[str]]:
    """sentence IRI -> the quotes (oa:exact) of the evidence citing it, from raw triples."""
    selectors: dict = {}
    exact: dict = {}
    cites: dict = {}
    for t in triples:
        p = t.predicate.value
        if p == OA + "hasSelector":
            selectors.setdefault(t.subject, set()).add(t.object)
        elif p == OA + "exact":
            exact[t.subject] = t.object.value
        elif p == KZ + "sentence":
            cites.setdefault(t.subject, set()).add(t.object.value)
    out: dict = {}
    for ev, sentences in cites.items():
        for sel in selectors.get(ev, ()):
            if sel in exact:
                for s in sentences:
                    out.setdefault(s, set()).add(exact[sel])
    return out
