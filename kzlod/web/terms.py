"""RDF terms as the pages show them: a name, a link where there is a page, a blank node spelled out.

:class:`Terms` turns pyoxigraph terms into :class:`Term` values, plain data that the ``term``
macro of ``macros.html`` lays out; it knows the names (labels) and the links of one page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from kzlod.querying.descriptions import Descriptions, sorted_terms
from kzlod.vocab import RDF, TIME, compact

Link = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Term:
    """One term as a page shows it.

    ``kind``: ``link`` (``text`` linked to ``href``), ``external`` (a link leaving the site, ``rel``
    its relation), ``named`` (a name, the IRI in its tooltip), ``code`` (an IRI without a name),
    ``text`` (a literal's value), ``unnamed`` (a blank node not followed), ``list`` (``parts``:
    terms, comma-separated), ``node`` (a blank node: ``text`` its kinds, ``parts`` its (property
    name, terms) pairs).
    """

    kind: str
    text: str = ""
    href: str = ""
    iri: str = ""
    parts: tuple = ()
    rel: str = "external noopener"


@dataclass(frozen=True)
class Row:
    """A property and its values: a ``<dt>`` and its ``<dd>``."""

    name: Term
    values: tuple[Term, ...]


class Terms:
    """Terms as :class:`Term` values, named by ``labels`` and linked by ``link``; blank nodes read from ``desc``."""

    def __init__(self, labels: dict[str, str], link: Link, desc: Descriptions | None = None):
        self.labels = labels
        self.link = link
        self.desc = desc

    def name(self, iri: str) -> str:
        return self.labels.get(iri) or compact(iri)

    def iri(self, iri: str) -> Term:
        href = self.link(iri)
        text = self.name(iri)
        if href is not None:
            return Term("link", text, href=href)
        return Term("named", text, iri=iri) if text != iri else Term("code", text)

    def term(self, term, depth: int = 0) -> Term:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.Literal):
            return Term("text", term.value)
        if isinstance(term, ox.BlankNode):
            return self.blank(term, depth)
        return Term("text", str(term))

    def terms(self, terms, depth: int = 0) -> tuple[Term, ...]:
        return tuple(self.term(t, depth) for t in sorted_terms(terms))

    def blank(self, node: ox.BlankNode, depth: int) -> Term:
        props = self.desc.of(node) if self.desc else {}
        if not props or depth > 2:
            return Term("unnamed")
        times = [o for p, objs in props.items() if p.startswith(TIME + "inXSD") for o in objs]
        if times and len(props) <= 2:
            return Term("list", parts=self.terms(times))
        parts = tuple((self.name(p), self.terms(props[p], depth + 1)) for p in sorted(props) if p != RDF + "type")
        kinds = ", ".join(self.name(t.value) for t in sorted_terms(props.get(RDF + "type", ())))
        return Term("node", kinds, parts=parts)

    def rows(self, props: dict, skip: Iterable[str] = ()) -> list[Row]:
        """The facts of ``props`` (predicate -> terms) by the predicates' names, ``skip`` left out."""
        skip = set(skip)
        ordered = sorted(props, key=lambda p: (self.name(p).casefold(), p))
        return [Row(self.iri(p), self.terms(props[p])) for p in ordered if p not in skip]
