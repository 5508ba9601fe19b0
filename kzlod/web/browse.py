"""The pages for browsing the graph, shared by the static release and the served site.

* :func:`render_source` — a source document: its title and author, its sections as headings,
  every sentence numbered and anchored (``#s17``), the quoted spans marked, and under each
  sentence the claims citing it, linked; a sentence no claim cites is marked as such;
  :func:`render_sources` lists the sources;
* :func:`render_claims` — claims with facets in the manner of Datasette: kind, partner, tone,
  source and year, each value with its count and a link that adds it, each chosen value removable;
* :func:`render_timeline` — dated claims and events in time order, claims whose sources give
  conflicting dates side by side;
* :func:`render_search` — the hits of the search box (served only: a release has no server);
* the relation map is :mod:`kzlod.web.svgmap`'s.

Each takes data (:mod:`kzlod.querying.browse`, :mod:`kzlod.querying.fulltext`) and a
:class:`~kzlod.web.links.Site`, which knows where the pages are: absolute paths on the served
site, relative files in a release. What a page shows is worked out here, as plain data; its
template (``source.html``, ``sources.html``, ``claims.html``, ``timeline.html``,
``search.html``) lays it out, escaping every value.
"""

from __future__ import annotations

import re
import urllib.parse

from kzlod.querying.browse import FACETS, ClaimInfo, Evidence, Facets, Timeline
from kzlod.querying.documents import Sentence, SourceDocument, SourceSummary
from kzlod.vocab import compact
from kzlod.web.links import Site
from kzlod.web.shell import SERVED_PATHS, shell
from kzlod.web.templating import render

#: How many values of a facet the claims page shows (the chosen ones always).
FACET_VALUES = 30
#: How many claims a claims page lists.
CLAIMS_SHOWN = 200


def page(template: str, title: str, site: Site, current: str | None = None, search: str = "", **context) -> str:
    """A browsing page: ``template`` in the site's shell."""
    return render(template, shell=shell(title, served=site.served, root=site.root, current=current, search=search),
                  **context)


def where(site: Site, evidence: list[Evidence]) -> list[dict]:
    """Where a claim's evidence is, linked: "6. Foreign Policy, sentence 4" (each place once)."""
    places = []
    for ev in evidence:
        place = {"href": site.link(ev.source), "title": ev.source_title, "sentence": None, "field": ""}
        if ev.index is not None:
            place["sentence"] = (site.at(ev.source, f"s{ev.index}"), f"sentence {ev.index}")
        elif ev.field:
            place["field"] = ev.field
        if place not in places:
            places.append(place)
    return places


def _claim_item(site: Site, info: ClaimInfo, evidence: list[Evidence]) -> dict:
    return {"href": site.link(info.iri), "title": info.title, "kind": info.kind_label,
            "modality": info.modality_label, "where": where(site, evidence)}


# --- sources ---------------------------------------------------------------------------------

def marked(text: str, spans) -> list[tuple[str, bool]]:
    """``text`` in (text, marked) pieces, the ``spans`` (offsets) marked."""
    out, at = [], 0
    for a, b in spans:
        out += [(text[at:a], False), (text[a:b], True)]
        at = b
    return out + [(text[at:], False)]


def _sentences(site: Site, items: list[Sentence]) -> list[dict]:
    return [{"anchor": s.anchor, "number": s.index if s.index is not None else "?", "parts": marked(s.text, s.spans()),
             "cites": [(site.link(c.claim), c.title, c.modality_label) for c in s.claims()]} for s in items]


def _coverage(doc: SourceDocument) -> dict | None:
    sentences = doc.sentences()
    if not sentences:
        return None
    cited = [s for s in sentences if s.citations]
    return {"sentences": len(sentences), "sections": len(doc.sections), "cited": len(cited),
            "claims": len({c.claim for s in sentences for c in s.citations})}


def render_source(doc: SourceDocument, site: Site) -> str:
    """A source document's page: sections as headings, every sentence numbered and anchored, quoted
    spans marked, the claims citing each sentence linked, the sentences no claim cites marked."""
    title = doc.title or compact(doc.iri)
    sections = [{"anchor": sec.anchor, "title": sec.title or compact(sec.iri), "count": len(sec.sentences),
                 "number": f"{sec.index}. " if sec.index is not None else "",
                 "sentences": _sentences(site, sec.sentences)} for sec in doc.sections]
    source = {
        "title": title,
        "iri": doc.iri,
        "meta": [(name, value) for name, value in (("Author", doc.creator), ("Publisher", doc.publisher),
                                                   ("Identifier", doc.identifier), ("Citation", doc.citation))
                 if value],
        "comment": doc.comment,
        "coverage": _coverage(doc),
        "sections": sections,
        "loose": _sentences(site, doc.loose),
        "loose_heading": "Outside the sections" if doc.sections else "Sentences",
        "records": [(site.link(c.claim), c.title, c.field) for c in doc.records],
    }
    return page("source.html", f"{title} · kzlod", site, "sources", source=source)


def render_sources(sources: list[SourceSummary], site: Site) -> str:
    rows = [{"href": site.link(s.iri), "title": s.title, "creator": s.creator, "sentences": s.sentences,
             "claims": s.claims} for s in sources]
    return page("sources.html", "Sources · kzlod", site, "sources", rows=rows)


# --- claims and their facets -------------------------------------------------------------------

def _value_name(facets: Facets, facet: str, value: str) -> str:
    return value if facet == "year" else facets.name(value)


def _chosen(facets: Facets, chosen: list, site: Site) -> list[dict]:
    """The chosen values, each with the claims page without it."""
    return [{"label": f"{FACETS.get(f, f)}: {_value_name(facets, f, v)}",
             "remove": site.claims([c for c in chosen if c != (f, v)])} for f, v in chosen]


def _facet(facets: Facets, facet: str, values: list, chosen: list, site: Site, limit: int) -> dict:
    """One facet: its chosen values, then up to ``limit`` others, each with its count and link."""
    picked = [v for f, v in chosen if f == facet]
    others = [(v, n) for v, n in values if v not in picked]
    items = []
    for v, n in [(v, n) for v, n in values if v in picked] + others[:limit]:
        item = {"name": _value_name(facets, facet, v), "count": n, "chosen": v in picked}
        if item["chosen"]:
            item["href"] = site.claims([c for c in chosen if c != (facet, v)])
        else:
            item["href"] = site.claims([*chosen, (facet, v)])
        items.append(item)
    return {"id": facet, "heading": FACETS[facet], "entries": items, "more": len(others) - limit,
            "shown": bool(values or picked)}


def _listed(matching: list[str], shown: int, infos: dict[str, ClaimInfo], evidence: dict, site: Site) -> list[dict]:
    """The first ``shown`` claims by IRI (so a release and the server, which reads titles for those only,
    show the same claims), listed by kind and title."""
    ordered = sorted(matching[:shown], key=lambda c: (infos[c].kind_label.casefold() if c in infos else "",
                                                      infos[c].title.casefold() if c in infos else "", c))
    return [_claim_item(site, infos.get(c) or ClaimInfo(c, title=compact(c)), evidence.get(c, [])) for c in ordered]


def render_claims(facets: Facets, chosen, site: Site, infos: dict[str, ClaimInfo],
                  evidence: dict[str, list[Evidence]], *, shown: int = CLAIMS_SHOWN,
                  facet_values: int = FACET_VALUES) -> str:
    """Claims with facets: the claims having every chosen ``(facet, value)``, and for each facet its
    values among them with their counts, each linked to the claims page with that value added;
    the chosen values are listed first, each with a link that removes it."""
    chosen = sorted(set(chosen))
    matching = facets.matching(chosen)
    counts = facets.counts(matching)
    claims = {
        "total": len(facets.values),
        "matching": len(matching),
        "chosen": _chosen(facets, chosen, site),
        "everything": site.claims([]),
        "facets": [_facet(facets, f, counts.get(f, []), chosen, site, facet_values) for f in FACETS],
        "combined_elsewhere": not site.served and bool(chosen),
        "listed": _listed(matching, shown, infos, evidence, site),
        "shown": shown,
    }
    title = "Claims" + (" · " + ", ".join(_value_name(facets, f, v) for f, v in chosen) if chosen else "")
    return page("claims.html", f"{title} · kzlod", site, "claims", claims=claims)


# --- timeline ------------------------------------------------------------------------------------

def _slug(iri: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", iri.rsplit("/", 1)[-1])[:60] or "x"


def _timeline_rows(tl: Timeline, site: Site) -> list[dict]:
    """The rows: a claim each, or the claims whose sources disagree on its date, side by side."""
    by_claim = {item.claim: item for item in tl.items}
    rows, done = [], set()
    for item in tl.items:
        if item.claim in done:
            continue
        group = tl.group_of(item.claim)
        if group and all(c in by_claim for c in group):
            members = sorted((by_claim[c] for c in group), key=lambda x: (x.start, x.claim))
            done.update(group)
            rows.append({"conflict": "conflict-" + _slug(members[0].claim), "when": " / ".join(m.when for m in members),
                         "sides": [{"when": m.when, "href": site.link(m.claim), "title": m.title,
                                    "where": where(site, m.evidence)} for m in members]})
            continue
        done.add(item.claim)
        rows.append({"conflict": "", "when": item.when, "href": site.link(item.claim), "title": item.title,
                     "kind": item.kind_label, "modality": item.modality_label, "where": where(site, item.evidence)})
    return rows


def render_timeline(tl: Timeline, site: Site) -> str:
    """Dated claims and events in time order; claims whose sources give conflicting dates together,
    side by side, where the earliest of them falls."""
    timeline = {"dated": len(tl.items), "relative": tl.relative, "rows": _timeline_rows(tl, site)}
    return page("timeline.html", "Timeline · kzlod", site, "timeline", timeline=timeline)


# --- search ------------------------------------------------------------------------------------------

def hit_href(hit, site: Site) -> str | None:
    """Where a search hit is: an entity's or claim's page, a sentence or section on its source's page."""
    if hit.kind == "sentence":
        return site.at(hit.source, f"s{hit.position}") if hit.source and hit.position is not None else None
    if hit.kind == "section":
        return site.at(hit.source, f"section-{hit.position}") if hit.source and hit.position is not None else None
    return site.link(hit.iri)


def _hit(hit, site: Site) -> dict:
    place = []
    if hit.kind == "claim" and hit.source:
        place = where(site, [Evidence(hit.source, hit.source_title, hit.sentence, hit.position)])
    once = hit.repeats_title  # a label that matched is the title, marked, and no snippet under it
    return {"kind": hit.kind, "kind_label": hit.kind_label or hit.kind, "href": hit_href(hit, site), "title": hit.title,
            "title_parts": hit.parts if once else [(hit.title, False)], "field": "" if once else hit.field,
            "parts": [] if once else hit.parts, "where": place}


def search_href(text: str) -> str:
    """The served search page's address for ``text``."""
    return SERVED_PATHS["search"] + "?" + urllib.parse.urlencode({"q": text})


def render_search(text: str, result, site: Site, *, error: str = "") -> str:
    """The search page: the hits for ``text`` (``result``: a :class:`~kzlod.querying.fulltext.SearchResult`
    or None), each with its kind, a link, the snippet with the match marked (the title itself, marked,
    when the snippet would repeat it), and where it is; no hits: the searches that would find something."""
    search = {"text": text, "error": error, "asked": result is not None}
    if result is not None:
        search.update(total=result.total, hits=[_hit(hit, site) for hit in result.hits],
                      suggestions=[(s, search_href(s)) for s in result.suggestions])
    title = f"{text} · search · kzlod" if text else "Search · kzlod"
    return page("search.html", title, site, search=text, find=search)
