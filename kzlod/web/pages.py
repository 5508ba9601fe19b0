"""HTML pages of the graph: one per entity (and per claim without a label), and the index.

Each page is read from a store (any :class:`kzlod.store.GraphStore`; only SPARQL is used,
through :mod:`kzlod.querying.descriptions`), made into plain data here, and laid out by its
template (``entity.html``, ``index.html``), so a static release (:mod:`kzlod.web.site`,
written by :mod:`kzlod.publishing.release`) and the web server share them. Where a page links
to another resource it asks its :class:`~kzlod.web.links.Site`, so each caller picks its own
URLs; the ontology's documentation is :mod:`kzlod.web.ontology`'s, the pages for browsing
(sources, claims, timeline, map, search) :mod:`kzlod.web.browse`'s.

A release's pages are self-contained: inline CSS, no JavaScript, no external assets, every
value escaped by the templates, and a Content-Security-Policy that forbids loading anything
but inline styles and same-origin or ``data:`` images. The only links leaving the site are to
Wikidata items (``skos:exactMatch``) and, on the ontology page, to the ontology's licence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from kzlod.querying.browse import Facets, claim_facets
from kzlod.querying.descriptions import entities_by_class, entity_data, sorted_terms, superclasses
from kzlod.vocab import DCT, FOAF, KZ, NAMESPACES, OA, PROV, RDF, RDFS, SKOS, compact
from kzlod.web.links import Site, anchor
from kzlod.web.shell import shell
from kzlod.web.templating import render
from kzlod.web.terms import Row, Term, Terms

WIKIDATA = re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")

# Properties shown in the page header rather than as facts.
HEADER_PROPS = {RDF + "type", RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "exactMatch",
                KZ + "iso3166Alpha2", KZ + "iso3166Alpha3", DCT + "identifier", KZ + "hasEvidence"}
IDENTIFIERS = (KZ + "iso3166Alpha2", KZ + "iso3166Alpha3", DCT + "identifier")
ORG = NAMESPACES["org"]
#: The kinds the index groups the entities' classes into, in its order, States first: (anchor, heading,
#: the classes a class of the kind is, or is a subclass of). A class of none of them is "Other".
KINDS = (("states", "States", {KZ + "State"}),
         ("organisations", "Organisations", {ORG + "FormalOrganization", ORG + "Organization", FOAF + "Organization"}),
         ("people", "People, groups and offices", {PROV + "Agent", FOAF + "Agent", ORG + "Post"}),
         ("places", "Places", {PROV + "Location"}),
         ("events", "Events", {KZ + "Event", PROV + "Activity"}),
         ("other", "Other", set()))
#: How many kinds and sources of claims the index counts (a release has a claims page for as many).
CLAIM_COUNTS_SHOWN = 30


# --- evidence -----------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """One line of a claim's evidence: a quoted sentence, the source it is from, or the evidence node itself.

    ``quote``: ``parts``, the sentence as (text, marked) pieces. ``source``: ``name`` (the source,
    linked, or ``cite``: its title), ``bits`` (author, citation), ``where`` ((text, href) of
    each sentence). ``term``: ``name``, the evidence as a term.
    """

    kind: str
    parts: tuple = ()
    name: Term | None = None
    cite: str = ""
    bits: tuple[str, ...] = ()
    where: tuple[tuple[str, str | None], ...] = ()


def marked(sentence: str, quote: str) -> tuple[tuple[str, bool], ...]:
    """The sentence in pieces, the first place of ``quote`` in it marked."""
    at = sentence.find(quote) if quote else -1
    if at < 0:
        return ((sentence, False),)
    return (sentence[:at], False), (quote, True), (sentence[at + len(quote):], False)


def evidence_blocks(terms: Terms, evidence_nodes, context: dict) -> list[Block]:
    """Each piece of evidence: the source sentence with the quote marked, and the source."""
    out = []
    for ev in sorted_terms(evidence_nodes):
        props = terms.desc.of(ev) if isinstance(ev, ox.BlankNode) else {}
        quotes = sorted(o2.value for sel in props.get(OA + "hasSelector", ())
                        for o2 in terms.desc.of(sel).get(OA + "exact", ()))
        sentences = sorted(o.value for o in props.get(KZ + "sentence", ()))
        sources = sorted(o.value for o in props.get(OA + "hasSource", ()))
        out += _quoted(sentences, quotes, context)
        out += [_source_block(terms, src, sentences, context) for src in sources]
        if not sources and not quotes:
            out.append(Block("term", name=terms.term(ev)))
    return out


def _quoted(sentences: list[str], quotes: list[str], context: dict) -> list[Block]:
    quote = quotes[0] if quotes else ""
    if not sentences:
        return [Block("quote", ((q, False),)) for q in quotes]
    blocks = []
    for s in sentences:
        text = context.get(s, {}).get(RDF + "value", "")
        blocks.append(Block("quote", marked(text, quote) if text else ((quote, False),)))
    return blocks


def _source_block(terms: Terms, src: str, sentences: list[str], context: dict) -> Block:
    info = context.get(src, {})
    who = info.get(DCT + "creator") or info.get(DCT + "publisher")
    title = info.get(DCT + "title")
    by_title = (title or "") if not terms.link(src) else ""  # a source without a page, by its title
    return Block("source", name=None if by_title else terms.iri(src), cite=by_title,
                 bits=tuple(b for b in (who, info.get(DCT + "bibliographicCitation")) if b),
                 where=tuple(_places(terms, src, sentences, context)))


def _places(terms: Terms, src: str, sentences: list[str], context: dict):
    """Each sentence's number, linked to its place on its source's page (#s17)."""
    for s in sentences:
        index = context.get(s, {}).get(KZ + "index")
        if index:
            on = terms.link(context.get(s, {}).get(DCT + "isPartOf") or src)
            yield f"sentence {index}", f"{on}#s{index}" if on else None


# --- entity page -----------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimSection:
    """A claim on an entity's page."""

    iri: str
    id: str  # its anchor on the page
    kinds: str
    name: str
    href: str | None  # its own page
    facts: list[Row]
    evidence: list[Block]


def render_entity(store, iri: str, site: Site, *, titles: dict | None = None) -> str:
    """The HTML page of one entity: names, types, identifiers, facts, and every
    claim about it (or about a claim that names it) with its evidence. ``titles``: every
    claim's title (:func:`kzlod.querying.browse.claim_info`), when a caller has them already."""
    d = entity_data(store, iri, titles)
    on_page = {c: "c-" + anchor(c) for c in d.claims}
    terms = Terms(d.labels, lambda target: "#" + on_page[target] if target in on_page else site.link(target), d.desc)
    props = d.desc.of(iri)
    labels = sorted(o.value for o in props.get(RDFS + "label", ()))
    title = labels[0] if labels else d.labels.get(iri) or compact(iri)
    page = {
        "title": title,
        "iri": iri,
        "types": terms.terms(props.get(RDF + "type", ())),
        "names": _names(terms, props, labels[1:]),
        "facts": terms.rows(props, skip=HEADER_PROPS),
        "evidence": evidence_blocks(terms, props.get(KZ + "hasEvidence", ()), d.context),
        "referrers": [(terms.iri(s), terms.name(p)) for s, p in d.referrers],
        "claims": [_claim(terms, c, on_page[c], site.link(c), d.context) for c in d.claims],
    }
    return render("entity.html", shell=shell(f"{title} · kzlod", served=site.served, root=site.root), page=page)


def _names(terms: Terms, props: dict, more_labels: list[str]) -> list[Row]:
    """The rows under an entity's heading: other names, identifiers, Wikidata and other matches."""
    rows = []
    alts = sorted(o.value for o in props.get(SKOS + "altLabel", ()))
    if more_labels or alts:
        rows.append(Row(Term("text", "Also called"), (Term("text", ", ".join(more_labels + alts)),)))
    for p in IDENTIFIERS:
        rows += [Row(terms.iri(p), (terms.term(o),)) for o in sorted_terms(props.get(p, ()))]
    for o in sorted_terms(props.get(SKOS + "exactMatch", ())):
        m = WIKIDATA.match(o.value) if isinstance(o, ox.NamedNode) else None
        if m:
            item = Term("external", m.group(1), href="https://www.wikidata.org/wiki/" + m.group(1))
            rows.append(Row(Term("text", "Wikidata"), (item,)))
        else:
            rows.append(Row(terms.iri(SKOS + "exactMatch"), (terms.term(o),)))
    return rows


def _claim(terms: Terms, claim: str, ident: str, own: str | None, context: dict) -> ClaimSection:
    cp = terms.desc.of(claim)
    kinds = ", ".join(terms.name(t.value) for t in sorted_terms(cp.get(RDF + "type", ())))
    return ClaimSection(claim, ident, kinds, terms.name(claim), own,
                        terms.rows(cp, skip={RDF + "type", KZ + "hasEvidence"}),
                        evidence_blocks(terms, cp.get(KZ + "hasEvidence", ()), context))


# --- index --------------------------------------------------------------------------------

def render_index(store, site: Site, *, downloads: Iterable[dict] = (), docs: Iterable[tuple] = (),
                 version: str | None = None, date: str | None = None, facets: Facets | None = None) -> str:
    """The index: entities grouped by kind (States first), then by class; how many claims there are
    of each kind and from each source (``facets``: :func:`kzlod.querying.browse.claim_facets`, when
    a caller has them); documentation and download links.

    ``downloads`` are dicts with ``path``, ``format``, ``compressed``,
    ``closure``, ``bytes`` (as :func:`kzlod.publishing.release.build_files` makes);
    ``docs`` are ``(href, text)`` pairs.
    """
    by_class, labels = entities_by_class(store)
    head = "kzlod: Kazakhstan's foreign relations"
    page = {
        "head": head,
        "sub": " · ".join(x for x in (f"release {version}" if version else "", date or "") if x),
        "docs": list(docs),
        "entities": len({e for es in by_class.values() for e in es}),
        "kinds": _kinds(Terms(labels, site.link), by_class, superclasses(store, by_class)),
        "claims": _claim_counts(facets if facets is not None else claim_facets(store), site),
        "downloads": _downloads(list(downloads)),
    }
    return render("index.html", shell=shell(head, served=site.served, root=site.root, current="entities"), page=page)


def _kinds(terms: Terms, by_class: dict[str, set[str]], supers: dict[str, set[str]]) -> list[dict]:
    """The kinds that have entities, in :data:`KINDS` order, each with its classes by name."""
    def kind_of(cls: str) -> str:
        return next((key for key, _, roots in KINDS if supers.get(cls, {cls}) & roots), "other")

    kinds = []
    for key, heading, _ in KINDS:
        classes = sorted((c for c in by_class if kind_of(c) == key), key=lambda c: (terms.name(c).casefold(), c))
        if classes:
            kinds.append({"id": "kind-" + key, "heading": heading, "classes": _classes(terms, by_class, classes),
                          "count": len({e for c in classes for e in by_class[c]})})
    return kinds


def _classes(terms: Terms, by_class: dict[str, set[str]], classes: list[str]) -> list[dict]:
    """The classes, each with its members by name."""
    out = []
    for cls in classes:
        members = sorted(by_class[cls], key=lambda e: (terms.name(e).casefold(), e))
        out.append({"id": "class-" + anchor(cls), "name": terms.iri(cls), "members": [terms.iri(e) for e in members]})
    return out


def _claim_counts(facets: Facets, site: Site) -> dict:
    """How many claims there are, of each kind and from each source, each count linked to its claims."""
    counts = facets.counts(facets.values)

    def rows(facet: str) -> list[dict]:
        return [{"name": facets.name(v), "count": n, "href": site.claims([(facet, v)])}
                for v, n in counts.get(facet, [])[:CLAIM_COUNTS_SHOWN]]

    return {"total": len(facets.values), "href": site.claims([]), "kinds": rows("kind"), "sources": rows("source"),
            "more_kinds": max(0, len(counts.get("kind", [])) - CLAIM_COUNTS_SHOWN),
            "more_sources": max(0, len(counts.get("source", [])) - CLAIM_COUNTS_SHOWN)}


def _downloads(downloads: list[dict]) -> list[tuple[str, list[dict]]]:
    """The dumps, the asserted graph's first, then the closure's: (heading, files)."""
    groups = [(title, [_download(d) for d in downloads if bool(d.get("closure")) == closure])
              for closure, title in ((False, "Asserted graph"), (True, "Asserted graph with OWL 2 RL inferences"))]
    return [(title, rows) for title, rows in groups if rows]


def _download(d: dict) -> dict:
    return {"href": d["path"], "name": d["path"].rsplit("/", 1)[-1],
            "format": d["format"] + (", gzip" if d.get("compressed") else ""), "bytes": int(d["bytes"])}
