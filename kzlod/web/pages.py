"""HTML pages of the graph: one per entity, an index, and the ontology's documentation.

Every function renders a page as a string from a store (any
:class:`kzlod.store.GraphStore`; only SPARQL is used), so a static release
(:mod:`kzlod.web.site`, written by :mod:`kzlod.publishing.release`) and the web
server share them; the pages for browsing (sources, claims, timeline, map, search)
are :mod:`kzlod.web.browse`'s. Where a page
links to another resource it asks a ``link(iri)`` callback for the href
(``None``: no page, shown as text), so each caller picks its own URLs.

Pages are self-contained: inline CSS, no JavaScript, no external assets,
every value HTML-escaped, and a Content-Security-Policy that forbids
loading anything but inline styles and same-origin or ``data:`` images.
The only links leaving the site are to Wikidata items (``skos:exactMatch``)
and, on the ontology page, to the ontology's licence.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Callable, Iterable

import pyoxigraph as ox

from kzlod.querying.browse import _values, claim_info, names_for
from kzlod.querying.entities import labels_for
from kzlod.querying.run import run_query
from kzlod.vocab import DCT, KZ, KZD, KZSRC, OA, ONTOLOGY, OWL, RDF, RDFS, SKOS, TIME, compact
from kzlod.web.shell import esc, page

Link = Callable[[str], "str | None"]

WIKIDATA = re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")

# Properties shown in the page header rather than as facts.
HEADER_PROPS = {RDF + "type", RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "exactMatch",
                KZ + "iso3166Alpha2", KZ + "iso3166Alpha3", DCT + "identifier", KZ + "hasEvidence"}


# --- names and links ------------------------------------------------------------

def page_name(iri: str) -> str:
    """The file name of an entity's page: its local name, or a sanitised name plus a hash."""
    local = iri[len(KZD):] if iri.startswith(KZD) else iri
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,120}", local):
        return local + ".html"
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", local).strip("-")[:80] or "entity"
    return f"{clean}-{hashlib.sha256(iri.encode('utf-8')).hexdigest()[:10]}.html"


def anchor(iri: str) -> str:
    """An HTML id for a resource shown inside a page."""
    local = re.split(r"[#/]", iri)[-1] or "x"
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", local)
    return clean if clean == local else f"{clean}-{hashlib.sha256(iri.encode('utf-8')).hexdigest()[:8]}"


def page_names(iris: Iterable[str]) -> dict[str, str]:
    """File names of entity pages, unique even on a case-insensitive file system."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for iri in sorted(set(iris)):
        name = page_name(iri)
        if name.casefold() in taken:
            name = f"{name[:-5]}-{hashlib.sha256(iri.encode('utf-8')).hexdigest()[:10]}.html"
        taken.add(name.casefold())
        names[iri] = name
    return names


def source_page_names(iris: Iterable[str]) -> dict[str, str]:
    """File names of source pages: the local name under kzsrc: (``foreign-policy.html``), or a sanitised one plus a hash."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for iri in sorted(set(iris)):
        local = iri[len(KZSRC):] if iri.startswith(KZSRC) else iri
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,120}", local) and (local + ".html").casefold() not in taken:
            name = local + ".html"
        else:
            clean = re.sub(r"[^A-Za-z0-9_-]+", "-", local).strip("-")[:80] or "source"
            name = f"{clean}-{hashlib.sha256(iri.encode('utf-8')).hexdigest()[:10]}.html"
        taken.add(name.casefold())
        names[iri] = name
    return names


def static_linker(pages: Iterable[str], *, entities: str = "", ontology: str = "ontology.html",
                  sources: dict | None = None, source_dir: str = "source/", claims: dict | None = None,
                  claim_dir: str = "claim/") -> Link:
    """Links of a static site: ``entities`` + page name for entities with a page, ``source_dir``
    + page name for sources (``sources``: IRI -> file name), ``claim_dir`` + page name for claims
    without a label (``claims``), ``ontology#anchor`` for ontology terms, nothing for the rest."""
    names = pages if isinstance(pages, dict) else page_names(pages)
    sources = sources or {}
    claims = claims or {}

    def link(iri: str) -> str | None:
        if iri in names:
            return entities + names[iri]
        if iri in sources:
            return source_dir + sources[iri]
        if iri in claims:
            return claim_dir + claims[iri]
        if iri.startswith(KZ) and len(iri) > len(KZ):
            return f"{ontology}#{anchor(iri)}"
        if iri == ONTOLOGY:
            return ontology
        return None

    return link


def entity_iris(store) -> list[str]:
    """Every kzd: IRI with an rdfs:label: the resources that get a page."""
    q = f"""SELECT DISTINCT ?e WHERE {{ ?e rdfs:label ?l . FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{KZD}")) }}
            ORDER BY ?e"""
    return [row[0].value for row in run_query(store, q).rows]


# --- reading descriptions -----------------------------------------------------------

class Descriptions:
    """Outgoing triples of some subjects, blank-node objects followed two levels deep."""

    def __init__(self, store, subjects: Iterable[str]):
        self.props: dict = defaultdict(lambda: defaultdict(set))  # subject key -> predicate -> {terms}
        subjects = sorted(set(subjects))
        for i in range(0, len(subjects), 200):
            q = f"""SELECT ?s ?p ?o ?p2 ?o2 ?p3 ?o3 WHERE {{
              VALUES ?s {{ {_values(subjects[i:i + 200])} }}
              ?s ?p ?o .
              OPTIONAL {{ ?o ?p2 ?o2 . FILTER(isBlank(?o))
                OPTIONAL {{ ?o2 ?p3 ?o3 . FILTER(isBlank(?o2)) }} }}
            }}"""
            for s, p, o, p2, o2, p3, o3 in run_query(store, q).rows:
                self.props[self.key(s)][p.value].add(o)
                if p2 is not None:
                    self.props[self.key(o)][p2.value].add(o2)
                if p3 is not None:
                    self.props[self.key(o2)][p3.value].add(o3)

    @staticmethod
    def key(term) -> str:
        return ("_:" + term.value) if isinstance(term, ox.BlankNode) else term.value

    def of(self, term) -> dict:
        return self.props.get(self.key(term) if not isinstance(term, str) else term, {})

    def iris(self) -> set[str]:
        out = set()
        for props in self.props.values():
            for p, objects in props.items():
                out.add(p)
                out.update(o.value for o in objects if isinstance(o, ox.NamedNode))
        return out


def _sorted_terms(terms) -> list:
    return sorted(terms, key=lambda t: (not isinstance(t, ox.NamedNode), isinstance(t, ox.BlankNode), str(t)))


# --- rendering values -----------------------------------------------------------------

class Renderer:
    """Terms as HTML, with labels and links."""

    def __init__(self, labels: dict[str, str], link: Link, desc: Descriptions | None = None):
        self.labels = labels
        self.link = link
        self.desc = desc

    def name(self, iri: str) -> str:
        return self.labels.get(iri) or compact(iri)

    def iri(self, iri: str) -> str:
        href = self.link(iri)
        text = esc(self.name(iri))
        if href is not None:
            return f'<a href="{esc(href)}">{text}</a>'
        return f'<span title="{esc(iri)}">{text}</span>' if text != esc(iri) else f"<code>{text}</code>"

    def literal(self, lit: ox.Literal) -> str:
        return esc(lit.value)

    def term(self, term, depth: int = 0) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.Literal):
            return self.literal(term)
        if isinstance(term, ox.BlankNode):
            return self.blank(term, depth)
        return esc(str(term))

    def blank(self, node: ox.BlankNode, depth: int) -> str:
        props = self.desc.of(node) if self.desc else {}
        if not props or depth > 2:
            return '<span class="muted">(unnamed node)</span>'
        times = [o for p, objs in props.items() if p.startswith(TIME + "inXSD") for o in objs]
        if times and len(props) <= 2:
            return ", ".join(self.term(o) for o in _sorted_terms(times))
        parts = []
        for p in sorted(props):
            if p == RDF + "type":
                continue
            parts.append(f"{esc(self.name(p))}: " + ", ".join(self.term(o, depth + 1) for o in _sorted_terms(props[p])))
        kinds = ", ".join(esc(self.name(t.value)) for t in _sorted_terms(props.get(RDF + "type", ())))
        return (f"{kinds} " if kinds else "") + "[" + "; ".join(parts) + "]"

    def props(self, props: dict, skip: Iterable[str] = ()) -> str:
        skip = set(skip)
        rows = []
        for p in sorted(props, key=lambda p: (self.name(p).casefold(), p)):
            if p in skip:
                continue
            values = ", ".join(self.term(o) for o in _sorted_terms(props[p]))
            rows.append(f"<dt>{self.iri(p)}</dt><dd>{values}</dd>")
        return f'<dl class="props">{"".join(rows)}</dl>' if rows else ""


# --- evidence -----------------------------------------------------------------------

def _evidence_context(store, desc: Descriptions) -> dict:
    """Sentences' text and index, sources' title and citation, for the evidence in ``desc``."""
    wanted = set()
    for props in list(desc.props.values()):
        for p in (OA + "hasSource", KZ + "sentence"):
            wanted.update(o.value for o in props.get(p, ()) if isinstance(o, ox.NamedNode))
    info: dict = defaultdict(dict)
    if not wanted:
        return info
    wanted = sorted(wanted)
    for i in range(0, len(wanted), 200):  # in chunks, as Descriptions reads: a query has a length limit
        q = f"""SELECT ?x ?p ?o WHERE {{
          VALUES ?x {{ {_values(wanted[i:i + 200])} }}
          ?x ?p ?o .
          FILTER(?p IN (rdf:value, kz:index, dcterms:title, dcterms:creator, dcterms:bibliographicCitation,
                        dcterms:publisher, dcterms:isPartOf))
        }} ORDER BY ?x ?p ?o"""
        for x, p, o in run_query(store, q).rows:
            info[x.value].setdefault(p.value, o.value)
    return info


def _highlight(sentence: str, quote: str) -> str:
    at = sentence.find(quote) if quote else -1
    if at < 0:
        return esc(sentence)
    return esc(sentence[:at]) + "<mark>" + esc(quote) + "</mark>" + esc(sentence[at + len(quote):])


def render_evidence(r: Renderer, evidence_nodes, context: dict) -> str:
    """Each piece of evidence: the source sentence with the quote marked, and the source."""
    out = []
    for ev in _sorted_terms(evidence_nodes):
        props = r.desc.of(ev) if isinstance(ev, ox.BlankNode) else {}
        quotes = sorted(o2.value for sel in props.get(OA + "hasSelector", ())
                        for o2 in r.desc.of(sel).get(OA + "exact", ()))
        sentences = sorted(o.value for o in props.get(KZ + "sentence", ()))
        sources = sorted(o.value for o in props.get(OA + "hasSource", ()))
        quote = quotes[0] if quotes else ""
        if sentences:
            for s in sentences:
                text = context.get(s, {}).get(RDF + "value", "")
                out.append(f"<blockquote>{_highlight(text, quote) if text else esc(quote)}</blockquote>")
        elif quotes:
            out.extend(f"<blockquote>{esc(q)}</blockquote>" for q in quotes)
        for src in sources:
            info = context.get(src, {})
            who = info.get(DCT + "creator") or info.get(DCT + "publisher")
            cite = info.get(DCT + "bibliographicCitation")
            title = info.get(DCT + "title")
            name = r.iri(src) if r.link(src) else (f"<cite>{esc(title)}</cite>" if title else r.iri(src))
            bits = [name] + ([esc(who)] if who else []) + ([esc(cite)] if cite else [])
            where = []
            for s in sentences:  # each sentence linked to its place on its source's page (#s17)
                index = context.get(s, {}).get(KZ + "index")
                if not index:
                    continue
                on = r.link(context.get(s, {}).get(DCT + "isPartOf") or src)
                text = f"sentence {esc(index)}"
                where.append(f'<a class="sentence-link" href="{esc(on)}#s{esc(index)}">{text}</a>' if on else text)
            out.append(f'<p class="source">Source: {", ".join(bits)}{"; " + ", ".join(where) if where else ""}</p>')
        if not sources and not quotes:
            out.append(f'<p class="source">{r.term(ev)}</p>')
    return "\n".join(out)


# --- entity page -----------------------------------------------------------------------

def _claims_about(store, iri: str) -> list[str]:
    # Each branch starts from the entity, so the planner walks out from it.
    q = f"""SELECT DISTINCT ?claim WHERE {{
      {{ ?claim ?p <{iri}> . ?claim kz:hasEvidence ?x . }}
      UNION
      {{ ?other ?q <{iri}> . ?other kz:hasEvidence ?x2 . FILTER(isIRI(?other))
         ?claim ?p ?other . ?claim kz:hasEvidence ?x . }}
      FILTER(isIRI(?claim) && ?claim != <{iri}>)
    }} ORDER BY ?claim"""
    return [row[0].value for row in run_query(store, q).rows]


def _referrers(store, iri: str) -> list[tuple]:
    q = f"""SELECT DISTINCT ?s ?p WHERE {{
      ?s ?p <{iri}> .
      FILTER(isIRI(?s) && ?s != <{iri}>)
      FILTER NOT EXISTS {{ ?s kz:hasEvidence ?x }}
    }} ORDER BY ?p ?s"""
    return [(s.value, p.value) for s, p in run_query(store, q).rows]


def entity_data(store, iri: str, titles: dict | None = None) -> dict:
    """What an entity page shows, read from the store (``titles``: the claims' titles, when known already)."""
    claims = _claims_about(store, iri)
    desc = Descriptions(store, [iri] + claims)
    referrers = _referrers(store, iri)
    context = _evidence_context(store, desc)
    iris = desc.iris() | {s for s, _ in referrers} | {p for _, p in referrers} | {iri}
    labels = names_for(store, iris)  # labels, else titles (a source's, a section's)
    unnamed = [i for i in iris if i not in labels and i.startswith(KZD)]
    if titles is None:
        titles = {c: info.title for c, info in claim_info(store, unnamed).items() if info.kind}
    labels.update({c: titles[c] for c in unnamed if c in titles})  # claims by their titles
    return {"iri": iri, "claims": claims, "desc": desc, "referrers": referrers, "context": context, "labels": labels}


def render_entity(store, iri: str, *, link: Link, home: str | None = "../index.html", served: bool = False,
                  root: str | None = None, titles: dict | None = None) -> str:
    """The HTML page of one entity: names, types, identifiers, facts, and every
    claim about it (or about a claim that names it) with its evidence. ``titles``: every
    claim's title (:func:`kzlod.querying.browse.claim_info`), when a caller has them already."""
    d = entity_data(store, iri, titles)
    desc: Descriptions = d["desc"]
    on_page = {c: "c-" + anchor(c) for c in d["claims"]}

    def page_link(target: str) -> str | None:
        if target in on_page:
            return "#" + on_page[target]
        return link(target)

    r = Renderer(d["labels"], page_link, desc)
    props = desc.of(iri)
    labels = sorted(o.value for o in props.get(RDFS + "label", ()))
    title = labels[0] if labels else d["labels"].get(iri) or compact(iri)
    body = [f"<h1>{esc(title)}</h1>", f'<p class="muted"><code>{esc(iri)}</code></p>']
    types = _sorted_terms(props.get(RDF + "type", ()))
    if types:
        body.append('<p><span class="kind">Type</span> ' + ", ".join(r.term(t) for t in types) + "</p>")
    names = []
    more = sorted(o.value for o in props.get(RDFS + "label", ())) [1:]
    alts = sorted(o.value for o in props.get(SKOS + "altLabel", ()))
    if more or alts:
        names.append(f"<dt>Also called</dt><dd>{esc(', '.join(more + alts))}</dd>")
    for p in (KZ + "iso3166Alpha2", KZ + "iso3166Alpha3", DCT + "identifier"):
        for o in _sorted_terms(props.get(p, ())):
            names.append(f"<dt>{r.iri(p)}</dt><dd>{r.term(o)}</dd>")
    for o in _sorted_terms(props.get(SKOS + "exactMatch", ())):
        m = WIKIDATA.match(o.value) if isinstance(o, ox.NamedNode) else None
        if m:
            names.append(f'<dt>Wikidata</dt><dd><a href="https://www.wikidata.org/wiki/{esc(m.group(1))}" '
                         f'rel="external noopener">{esc(m.group(1))}</a></dd>')
        else:
            names.append(f"<dt>{r.iri(SKOS + 'exactMatch')}</dt><dd>{r.term(o)}</dd>")
    if names:
        body.append(f'<dl class="props">{"".join(names)}</dl>')
    facts = r.props(props, skip=HEADER_PROPS)
    if facts:
        body.append("<h2>Facts</h2>" + facts)
    if props.get(KZ + "hasEvidence"):
        body.append("<h2>Evidence</h2>" + render_evidence(r, props[KZ + "hasEvidence"], d["context"]))
    if d["referrers"]:
        items = "".join(f"<li>{r.iri(s)} <span class=\"muted\">{esc(r.name(p))}</span></li>" for s, p in d["referrers"])
        body.append(f"<h2>Referred to by</h2><ul>{items}</ul>")
    if d["claims"]:
        body.append(f"<h2>Claims ({len(d['claims'])})</h2>")
        body.append('<p class="muted">What the sources say that names this entity, directly or through another '
                    "claim; each with the sentence it rests on, the quote marked.</p>")
        for claim in d["claims"]:
            cp = desc.of(claim)
            kinds = ", ".join(esc(r.name(t.value)) for t in _sorted_terms(cp.get(RDF + "type", ())))
            own = link(claim)  # the claim's own page
            name = f'<a href="{esc(own)}">{esc(r.name(claim))}</a>' if own else esc(r.name(claim))
            body.append(f'<section class="claim" id="{esc(on_page[claim])}">'
                        f'<h3><span class="kind">{kinds}</span> {name} <code>{esc(compact(claim))}</code></h3>'
                        + r.props(cp, skip={RDF + "type", KZ + "hasEvidence"})
                        + render_evidence(r, cp.get(KZ + "hasEvidence", ()), d["context"])
                        + "</section>")
    return page(f"{title} · kzlod", "\n".join(body), home=home, served=served, root=root)


# --- index --------------------------------------------------------------------------------

def render_index(store, *, link: Link, downloads: Iterable[dict] = (), docs: Iterable[tuple] = (),
                 version: str | None = None, date: str | None = None, served: bool = False) -> str:
    """The index: entities grouped by class, then documentation and download links.

    ``downloads`` are dicts with ``path``, ``format``, ``compressed``,
    ``closure``, ``bytes`` (as :func:`kzlod.publishing.release.build_files` makes);
    ``docs`` are ``(href, text)`` pairs.
    """
    q = f"""SELECT DISTINCT ?e ?class WHERE {{
      ?e rdfs:label ?l ; a ?class . FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{KZD}"))
    }}"""
    rows = run_query(store, q).rows
    labels = labels_for(store, [t for row in rows for t in row])
    r = Renderer(labels, link)
    by_class: dict = defaultdict(set)
    for e, cls in rows:
        by_class[cls.value].add(e.value)
    head = "kzlod: Kazakhstan's foreign relations"
    sub = " · ".join(x for x in (f"release {version}" if version else "", date or "") if x)
    body = [f"<h1>{esc(head)}</h1>"]
    if sub:
        body.append(f'<p class="muted">{esc(sub)}</p>')
    body.append("<p>An evidence-backed knowledge graph: every claim links to the sentence of the source it "
                "rests on. Pick an entity to see what the sources say about it.</p>")
    docs = list(docs)
    if docs:
        body.append("<h2>Documentation</h2><ul>"
                    + "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for h, t in docs) + "</ul>")
    body.append(f"<h2>Entities ({len({e for es in by_class.values() for e in es})})</h2>")
    for cls in sorted(by_class, key=lambda c: (r.name(c).casefold(), c)):
        members = sorted(by_class[cls], key=lambda e: (r.name(e).casefold(), e))
        body.append(f'<h3 id="{esc("class-" + anchor(cls))}">{r.iri(cls)} <span class="muted">({len(members)})</span></h3>')
        body.append('<ul class="cols">' + "".join(f"<li>{r.iri(e)}</li>" for e in members) + "</ul>")
    downloads = list(downloads)
    if downloads:
        body.append("<h2>Downloads</h2>")
        for closure in (False, True):
            rows_ = [d for d in downloads if bool(d.get("closure")) == closure]
            if not rows_:
                continue
            body.append(f"<h3>{'Asserted graph with OWL 2 RL inferences' if closure else 'Asserted graph'}</h3>")
            body.append("<table><tr><th>file</th><th>format</th><th>bytes</th></tr>" + "".join(
                f'<tr><td><a href="{esc(d["path"])}">{esc(d["path"].rsplit("/", 1)[-1])}</a></td>'
                f'<td>{esc(d["format"])}{", gzip" if d.get("compressed") else ""}</td>'
                f'<td class="num">{int(d["bytes"]):,}</td></tr>' for d in rows_) + "</table>")
    return page(head, "\n".join(body), served=served, current="entities")


# --- ontology documentation ---------------------------------------------------------------

PROPERTY_KINDS = [(OWL + "ObjectProperty", "Object properties"), (OWL + "DatatypeProperty", "Datatype properties"),
                  (OWL + "AnnotationProperty", "Annotation properties")]
CHARACTERISTICS = ["FunctionalProperty", "InverseFunctionalProperty", "TransitiveProperty", "SymmetricProperty",
                   "AsymmetricProperty", "ReflexiveProperty", "IrreflexiveProperty"]


def ontology_link(iri: str) -> str | None:
    """Links inside the ontology page: its own terms by anchor."""
    if iri.startswith(KZ) and len(iri) > len(KZ):
        return "#" + anchor(iri)
    return None


def render_ontology(store, *, link: Link = ontology_link, home: str | None = "index.html", served: bool = False) -> str:
    """The ontology's documentation: metadata, classes, properties and concept schemes,
    with labels, definitions, super- and sub-classes, domains and ranges."""
    q = f"""SELECT ?s ?p ?o WHERE {{
      ?s ?p ?o .
      FILTER(isIRI(?s) && (STRSTARTS(STR(?s), "{KZ}") || STR(?s) = "{ONTOLOGY}"))
    }}"""
    props: dict = defaultdict(lambda: defaultdict(set))
    for s, p, o in run_query(store, q).rows:
        props[s.value][p.value].add(o)
    disjoint: dict = defaultdict(set)
    q = """SELECT DISTINCT ?a ?b WHERE {
      { ?x a owl:AllDisjointClasses ; owl:members ?l . ?l rdf:rest*/rdf:first ?a . ?l rdf:rest*/rdf:first ?b }
      UNION { ?a owl:disjointWith ?b } UNION { ?b owl:disjointWith ?a }
      FILTER(?a != ?b && isIRI(?a) && isIRI(?b))
    }"""
    for a, b in run_query(store, q).rows:
        disjoint[a.value].add(b)
    iris = set(props) | {p for ps in props.values() for p in ps} | {
        o.value for ps in props.values() for os_ in ps.values() for o in os_ if isinstance(o, ox.NamedNode)}
    labels = labels_for(store, [ox.NamedNode(i) for i in iris])
    r = Renderer(labels, link)

    def typed(cls: str) -> list[str]:
        return sorted((s for s, ps in props.items() if ox.NamedNode(cls) in ps.get(RDF + "type", ())),
                      key=lambda s: (r.name(s).casefold(), s))

    def inverse(prop: str, target: str) -> list:
        return [ox.NamedNode(s) for s in sorted(props) if ox.NamedNode(target) in props[s].get(prop, ())]

    def text_of(s: str, p: str) -> str:
        values = sorted(o.value for o in props[s].get(p, ()))
        return " ".join(values)

    def row(name: str, terms) -> str:
        terms = _sorted_terms(terms)
        return f"<dt>{esc(name)}</dt><dd>{', '.join(r.term(t) for t in terms)}</dd>" if terms else ""

    def header(s: str, kind: str) -> str:
        out = [f'<div class="term" id="{esc(anchor(s))}"><h3>{esc(r.name(s))} <span class="kind">{esc(kind)}</span></h3>',
               f'<p class="muted"><code>{esc(s)}</code></p>']
        for p in (SKOS + "definition", RDFS + "comment"):
            if props[s].get(p):
                out.append(f"<p>{esc(text_of(s, p))}</p>")
        return "".join(out)

    ont = props.get(ONTOLOGY, {})
    title = text_of(ONTOLOGY, DCT + "title") if ont else "kzlod ontology"
    body = [f"<h1>{esc(title)}</h1>"]
    if ont:
        meta = []
        for p, name in ((OWL + "versionInfo", "Version"), (OWL + "versionIRI", "Version IRI"),
                        (DCT + "created", "Created"), (DCT + "modified", "Modified"), (DCT + "creator", "Creator"),
                        ("http://purl.org/vocab/vann/preferredNamespacePrefix", "Prefix"),
                        ("http://purl.org/vocab/vann/preferredNamespaceUri", "Namespace")):
            values = _sorted_terms(ont.get(p, ()))
            if values:
                meta.append(f"<dt>{esc(name)}</dt><dd>" + ", ".join(
                    f"<code>{esc(v.value)}</code>" if isinstance(v, ox.NamedNode) else esc(v.value) for v in values)
                    + "</dd>")
        for lic in _sorted_terms(ont.get(DCT + "license", ())):
            if isinstance(lic, ox.NamedNode) and re.match(r"^https?://", lic.value):
                meta.append(f'<dt>Licence</dt><dd><a href="{esc(lic.value)}" rel="license external noopener">'
                            f"{esc(lic.value)}</a></dd>")
        body.append(f'<p class="muted"><code>{esc(ONTOLOGY)}</code></p>')
        body.append(f'<dl class="props">{"".join(meta)}</dl>')
        if ont.get(DCT + "description"):
            body.append(f"<p>{esc(text_of(ONTOLOGY, DCT + 'description'))}</p>")
    classes = [c for c in typed(OWL + "Class") if c.startswith(KZ)]
    properties = [(kind, name, [p for p in typed(kind) if p.startswith(KZ)]) for kind, name in PROPERTY_KINDS]
    schemes = typed(SKOS + "ConceptScheme")
    concepts = set(typed(SKOS + "Concept"))
    toc = [f'<li><a href="#classes">Classes</a> ({len(classes)})</li>']
    toc += [f'<li><a href="#{esc(anchor(kind))}">{esc(name)}</a> ({len(ps)})</li>' for kind, name, ps in properties if ps]
    toc.append(f'<li><a href="#schemes">Concept schemes</a> ({len(schemes)})</li>')
    body.append("<h2>Contents</h2><ul>" + "".join(toc) + "</ul>")
    body.append('<h2 id="classes">Classes</h2><ul class="cols">'
                + "".join(f"<li>{r.iri(c)}</li>" for c in classes) + "</ul>")
    for c in classes:
        dl = "".join([
            row("Super-classes", props[c].get(RDFS + "subClassOf", ())),
            row("Sub-classes", inverse(RDFS + "subClassOf", c)),
            row("Equivalent to", props[c].get(OWL + "equivalentClass", ())),
            row("Disjoint with", disjoint.get(c, ())),
            row("In the domain of", inverse(RDFS + "domain", c)),
            row("In the range of", inverse(RDFS + "range", c)),
        ])
        body.append(header(c, "class") + (f'<dl class="props">{dl}</dl>' if dl else "") + "</div>")
    for kind, name, ps in properties:
        if not ps:
            continue
        body.append(f'<h2 id="{esc(anchor(kind))}">{esc(name)}</h2>')
        for p in ps:
            chars = [ox.NamedNode(OWL + c) for c in CHARACTERISTICS if ox.NamedNode(OWL + c) in props[p].get(RDF + "type", ())]
            dl = "".join([
                row("Domain", props[p].get(RDFS + "domain", ())),
                row("Range", props[p].get(RDFS + "range", ())),
                row("Super-properties", props[p].get(RDFS + "subPropertyOf", ())),
                row("Sub-properties", inverse(RDFS + "subPropertyOf", p)),
                row("Inverse of", props[p].get(OWL + "inverseOf", ())),
                row("Characteristics", chars),
            ])
            body.append(header(p, name.rstrip("s").lower()) + (f'<dl class="props">{dl}</dl>' if dl else "") + "</div>")
    body.append('<h2 id="schemes">Concept schemes</h2>')
    for scheme in schemes:
        members = {c for c in concepts if ox.NamedNode(scheme) in props[c].get(SKOS + "inScheme", ())}
        narrower: dict = defaultdict(set)
        for c in members:
            for b in props[c].get(SKOS + "broader", ()):
                narrower[b.value].add(c)
            for n in props[c].get(SKOS + "narrower", ()):
                if n.value in members:
                    narrower[c].add(n.value)
        has_broader = {n for ns in narrower.values() for n in ns}
        tops = {o.value for o in props[scheme].get(SKOS + "hasTopConcept", ())} | (members - has_broader)

        def tree(items, seen) -> str:
            lis = []
            for c in sorted(items, key=lambda c: (r.name(c).casefold(), c)):
                if c in seen:
                    continue
                alt = sorted(o.value for o in props[c].get(SKOS + "altLabel", ()))
                defin = text_of(c, SKOS + "definition")
                sub = tree(narrower.get(c, ()), seen | {c})
                lis.append(f'<li id="{esc(anchor(c))}"><strong>{esc(r.name(c))}</strong>'
                           + (f' <span class="muted">(also: {esc(", ".join(alt))})</span>' if alt else "")
                           + f' <code>{esc(compact(c))}</code>'
                           + (f"<br>{esc(defin)}" if defin else "") + sub + "</li>")
            return f"<ul>{''.join(lis)}</ul>" if lis else ""

        body.append(header(scheme, "concept scheme") + tree(tops, set()) + "</div>")
    return page(f"{title} · documentation", "\n".join(body), home=home, served=served, current="ontology")
