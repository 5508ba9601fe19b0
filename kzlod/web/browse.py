"""The pages for browsing the graph, shared by the static release and the served site.

* :func:`render_source` — a source document: its title and author, its sections as headings,
  every sentence numbered and anchored (``#s17``), the quoted spans marked, and under each
  sentence the claims citing it, linked; a sentence no claim cites is marked as such;
  :func:`render_sources` lists the sources;
* :func:`render_claims` — claims with facets in the manner of Datasette: kind, partner, tone,
  source and year, each value with its count and a link that adds it, each chosen value removable;
* :func:`render_timeline` — dated claims and events in time order, claims whose sources give
  conflicting dates side by side;
* :func:`render_map` — the relation map of ``kzlod graph`` as an SVG whose nodes and edges
  link to their pages (no script);
* :func:`render_search` — the hits of the search box (served only: a release has no server).

Each renders HTML from data (:mod:`kzlod.querying.browse`, :mod:`kzlod.querying.fulltext`,
:mod:`kzlod.querying.relations`) and a :class:`Site`, which knows where the pages are: absolute
paths on the served site, relative files in a release. Every value is escaped.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from kzlod.querying.browse import FACETS, ClaimInfo, Evidence, Facets, SourceDocument, SourceSummary, Timeline
from kzlod.querying.relations import MEMBERSHIP_LEGEND, TONES, RelationMap
from kzlod.vocab import NAMESPACES, compact
from kzlod.web.shell import esc, page, site_href

Link = Callable[[str], "str | None"]
#: How many values of a facet the claims page shows (the chosen ones always).
FACET_VALUES = 30
#: How many claims a claims page lists.
CLAIMS_SHOWN = 200


@dataclass
class Site:
    """Where the pages are: ``link(iri)`` for resources, :meth:`href` for the site's own pages."""

    link: Link
    served: bool
    root: str = ""  # a release: the way up to its folder from the page being made ("" or "../")

    def href(self, key: str) -> str:
        return site_href(key, served=self.served, root=self.root)

    def at(self, source: str, anchor: str) -> str | None:
        """The place ``#anchor`` on a source's page."""
        on = self.link(source)
        return f"{on}#{anchor}" if on else None

    def claims(self, chosen) -> str | None:
        """The claims page with these ``(facet, value)`` chosen; None where a release has no such page."""
        chosen = sorted(set(chosen))
        if self.served:
            query = urllib.parse.urlencode([(f, facet_text(f, v)) for f, v in chosen])
            return "/claims" + (f"?{query}" if query else "")
        if not chosen:
            return self.root + "claims.html"
        if len(chosen) == 1:
            return self.root + "claims/" + facet_page_name(*chosen[0])
        return None

    def page(self, title: str, body: str, current: str | None = None, search: str = "") -> str:
        return page(title, body, served=self.served, root=self.root, current=current, search=search)


def facet_text(facet: str, value: str) -> str:
    """A facet value as a URL or a file name shows it: a prefixed name where there is one."""
    return value if facet == "year" else compact(value)


def facet_page_name(facet: str, value: str) -> str:
    """The file of a release's claims page with one facet value chosen: ``kind-ToneAssessment.html``."""
    text = facet_text(facet, value)
    local = text.split(":", 1)[1] if ":" in text and text.split(":", 1)[0] in NAMESPACES else text
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", local).strip("-")[:80]
    if clean != local or not clean:
        clean = f"{clean or 'value'}-{hashlib.sha256(value.encode('utf-8')).hexdigest()[:10]}"
    return f"{facet}-{clean}.html"


def _a(href: str | None, text: str, cls: str = "") -> str:
    """A link, or the text alone when there is nowhere to go (both escaped)."""
    c = f' class="{esc(cls)}"' if cls else ""
    return f'<a href="{esc(href)}"{c}>{esc(text)}</a>' if href else f"<span{c}>{esc(text)}</span>"


def _marked(text: str, spans) -> str:
    """``text`` escaped, the ``spans`` (offsets) in ``<mark>``."""
    out, at = [], 0
    for a, b in spans:
        out.append(esc(text[at:a]) + "<mark>" + esc(text[a:b]) + "</mark>")
        at = b
    return "".join(out) + esc(text[at:])


def _where(site: Site, evidence: list[Evidence]) -> str:
    """Where a claim's evidence is, linked: "6. Foreign Policy, sentence 4"."""
    parts = []
    for ev in evidence:
        text = _a(site.link(ev.source), ev.source_title)
        if ev.index is not None:
            text += ", " + _a(site.at(ev.source, f"s{ev.index}"), f"sentence {ev.index}", "sentence-link")
        elif ev.field:
            text += f", field “{esc(ev.field)}”"
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)


def _claim_item(site: Site, info: ClaimInfo, evidence: list[Evidence]) -> str:
    kind = f' <span class="kind">{esc(info.kind_label)}</span>' if info.kind_label else ""
    how = f' <span class="modality">({esc(info.modality_label)})</span>' if info.modality_label else ""
    where = _where(site, evidence)
    return (f'<li class="claim-item">{_a(site.link(info.iri), info.title)}{kind}{how}'
            + (f'<br><span class="source">{where}</span>' if where else "") + "</li>")


# --- sources ---------------------------------------------------------------------------------

def render_source(doc: SourceDocument, site: Site) -> str:
    """A source document's page: sections as headings, every sentence numbered and anchored, quoted
    spans marked, the claims citing each sentence linked, the sentences no claim cites marked."""
    title = doc.title or compact(doc.iri)
    body = [f"<h1>{esc(title)}</h1>", f'<p class="muted"><code>{esc(doc.iri)}</code></p>']
    meta = [(name, value) for name, value in (("Author", doc.creator), ("Publisher", doc.publisher),
                                              ("Identifier", doc.identifier), ("Citation", doc.citation)) if value]
    if meta:
        body.append('<dl class="props">' + "".join(f"<dt>{esc(n)}</dt><dd>{esc(v)}</dd>" for n, v in meta) + "</dl>")
    if doc.comment:
        body.append(f"<p>{esc(doc.comment)}</p>")
    sentences = doc.sentences()
    if sentences:
        cited = [s for s in sentences if s.citations]
        claims = {c.claim for s in sentences for c in s.citations}
        sections = len(doc.sections)
        body.append(f'<p class="coverage">{len(sentences)} sentence{"s" if len(sentences) != 1 else ""} in '
                    f'{sections} section{"s" if sections != 1 else ""}; {len(cited)} cited by '
                    f'{len(claims)} claim{"s" if len(claims) != 1 else ""}'
                    + (f'; <span class="uncited-count">{len(sentences) - len(cited)} cited by none</span>, marked '
                       '“no claim yet”' if len(cited) < len(sentences) else "") + ".</p>")
    if doc.sections:
        body.append('<nav class="toc"><ol>' + "".join(
            f'<li><a href="#{esc(sec.anchor)}">{esc(sec.title or compact(sec.iri))}</a> '
            f'<span class="muted">({len(sec.sentences)})</span></li>' for sec in doc.sections) + "</ol></nav>")

    def sentence_list(items) -> str:
        lis = []
        for s in items:
            cites = s.claims()
            number = s.index if s.index is not None else "?"
            cls = "sentence" + ("" if cites else " uncited")
            head = (f'<p class="text"><a class="num" href="#{esc(s.anchor)}">{esc(number)}</a> '
                    f"{_marked(s.text, s.spans())}</p>")
            if cites:
                rest = '<ul class="cites">' + "".join(
                    f'<li>{_a(site.link(c.claim), c.title, "claim-link")}'
                    + (f' <span class="modality">({esc(c.modality_label)})</span>' if c.modality_label else "")
                    + "</li>" for c in cites) + "</ul>"
            else:
                rest = '<p class="no-claim">No claim yet cites this sentence.</p>'
            lis.append(f'<li class="{cls}" id="{esc(s.anchor)}">{head}{rest}</li>')
        return '<ol class="sentences">' + "".join(lis) + "</ol>"

    for sec in doc.sections:
        number = f"{sec.index}. " if sec.index is not None else ""
        body.append(f'<section class="source-section" id="{esc(sec.anchor)}"><h2>{esc(number)}'
                    f"{esc(sec.title or compact(sec.iri))}</h2>{sentence_list(sec.sentences)}</section>")
    if doc.loose:
        body.append(f'<section class="source-section"><h2>{"Outside the sections" if doc.sections else "Sentences"}'
                    f"</h2>{sentence_list(doc.loose)}</section>")
    if doc.records:
        body.append("<h2>Claims citing this record</h2>")
        body.append('<p class="muted">The graph holds no text of this source; these claims cite its fields.</p>')
        body.append('<ul class="cites">' + "".join(
            f'<li>{_a(site.link(c.claim), c.title, "claim-link")}'
            + (f' <span class="muted">field “{esc(c.field)}”</span>' if c.field else "") + "</li>"
            for c in doc.records) + "</ul>")
    if not sentences and not doc.records:
        body.append('<p class="muted">No claim cites this source, and the graph holds none of its text.</p>')
    return site.page(f"{title} · kzlod", "\n".join(body), current="sources")


def render_sources(sources: list[SourceSummary], site: Site) -> str:
    rows = "".join(
        f"<tr><td>{_a(site.link(s.iri), s.title)}</td><td>{esc(s.creator)}</td>"
        f'<td class="num">{s.sentences:,}</td><td class="num">{s.claims:,}</td></tr>' for s in sources)
    body = ["<h1>Sources</h1>",
            ("<p>The documents the claims rest on. A source with text has a page with every sentence numbered "
            "and the claims citing it; a record without text lists the claims citing its fields.</p>"),
            "<table><tr><th>source</th><th>author or publisher</th><th>sentences</th><th>claims</th></tr>"
            + rows + "</table>"]
    return site.page("Sources · kzlod", "\n".join(body), current="sources")


# --- claims and their facets -------------------------------------------------------------------

def render_claims(facets: Facets, chosen, site: Site, infos: dict[str, ClaimInfo],
                  evidence: dict[str, list[Evidence]], *, shown: int = CLAIMS_SHOWN,
                  facet_values: int = FACET_VALUES) -> str:
    """Claims with facets: the claims having every chosen ``(facet, value)``, and for each facet its
    values among them with their counts, each linked to the claims page with that value added;
    the chosen values are listed first, each with a link that removes it."""
    chosen = sorted(set(chosen))
    matching = facets.matching(chosen)
    counts = facets.counts(matching)
    body = ["<h1>Claims</h1>"]
    total = len(facets.values)
    if chosen:
        pills = []
        for f, v in chosen:
            rest = [c for c in chosen if c != (f, v)]
            remove = site.claims(rest)
            label = f"{FACETS.get(f, f)}: {facets.name(v) if f != 'year' else v}"
            pills.append(f'<li class="chosen">{esc(label)} '
                         + (f'<a class="remove" href="{esc(remove)}" title="remove this filter" '
                            f'aria-label="remove {esc(label)}">×</a>' if remove else "") + "</li>")
        body.append(f'<p class="count"><strong>{len(matching):,}</strong> of {total:,} claims have</p>'
                    f'<ul class="chosen-facets">{"".join(pills)}</ul>')
        everything = site.claims([])
        body.append(f'<p>{_a(everything, "Show all claims")}</p>')
    else:
        body.append(f'<p class="count"><strong>{total:,}</strong> claims and events, each resting on a source. '
                    "Choose a value of a facet to see only the claims that have it.</p>")
    facet_html = []
    for f, heading in FACETS.items():
        values = counts.get(f, [])
        picked = [v for ff, v in chosen if ff == f]
        if not values and not picked:
            continue
        items = []
        listed = [(v, n) for v, n in values if v in picked] + [(v, n) for v, n in values if v not in picked][:facet_values]
        for v, n in listed:
            name = v if f == "year" else facets.name(v)
            if v in picked:
                remove = site.claims([c for c in chosen if c != (f, v)])
                items.append(f'<li class="chosen"><strong>{esc(name)}</strong> <span class="count">{n:,}</span>'
                             + (f' <a class="remove" href="{esc(remove)}" aria-label="remove {esc(name)}">×</a>'
                                if remove else "") + "</li>")
            else:
                href = site.claims([*chosen, (f, v)])
                items.append(f"<li>{_a(href, name)} <span class=\"count\">{n:,}</span></li>")
        more = len([v for v, _ in values if v not in picked]) - facet_values
        if more > 0:
            items.append(f'<li class="muted">… and {more:,} more</li>')
        facet_html.append(f'<section class="facet" id="facet-{esc(f)}"><h2>{esc(heading)}</h2>'
                          f'<ul>{"".join(items)}</ul></section>')
    if not site.served and chosen:
        facet_html.append('<p class="muted">In a release each facet value has a page of its own; the served site '
                          "(<code>kzlod serve</code>) combines them.</p>")
    body.append('<div class="browse"><aside class="facets">' + "".join(facet_html) + "</aside>")
    # the first ``shown`` by IRI (so a release and the server, which reads titles for those only, show the
    # same claims), listed by kind and title
    listed_claims = sorted(matching[:shown], key=lambda c: (infos[c].kind_label.casefold() if c in infos else "",
                                                            infos[c].title.casefold() if c in infos else "", c))
    items = "".join(_claim_item(site, infos.get(c) or ClaimInfo(c, title=compact(c)), evidence.get(c, []))
                    for c in listed_claims)
    note = (f'<p class="muted">{shown:,} of the {len(matching):,} (the first by IRI), by kind and title; '
            "choose facet values to see the others.</p>" if len(matching) > shown else "")
    body.append(f'<div class="claims-list">{note}<ol class="claims">{items}</ol></div></div>')
    title = "Claims" + (" · " + ", ".join(facets.name(v) if f != "year" else v for f, v in chosen) if chosen else "")
    return site.page(f"{title} · kzlod", "\n".join(body), current="claims")


# --- timeline ------------------------------------------------------------------------------------

def render_timeline(tl: Timeline, site: Site) -> str:
    """Dated claims and events in time order; claims whose sources give conflicting dates together,
    side by side, where the earliest of them falls."""
    body = ["<h1>Timeline</h1>",
            f"<p>{len(tl.items):,} dated claims and events in time order (a time instant by its date; an interval "
            "by its beginning, else its end), each with the source it rests on."
            + (f" {tl.relative:,} more are dated only relative to their source (before, up to or at its time of "
               "writing); their pages say how." if tl.relative else "") + "</p>"]
    by_claim = {item.claim: item for item in tl.items}
    rows, done = [], set()
    for item in tl.items:
        if item.claim in done:
            continue
        group = tl.group_of(item.claim)
        if group and all(c in by_claim for c in group):
            members = sorted((by_claim[c] for c in group), key=lambda x: (x.start, x.claim))
            done.update(group)
            cells = "".join(
                f'<div class="side"><p class="when">{esc(m.when)}</p>'
                f"<p>{_a(site.link(m.claim), m.title)}</p>"
                f'<p class="source">according to {_where(site, m.evidence)}</p></div>' for m in members)
            rows.append(f'<tr class="conflict" id="conflict-{esc(_slug(members[0].claim))}">'
                        f'<td class="when">{" / ".join(esc(m.when) for m in members)}</td>'
                        f'<td colspan="2"><p><strong>The sources disagree</strong> on this date:</p>'
                        f'<div class="side-by-side">{cells}</div></td></tr>')
            continue
        done.add(item.claim)
        kind = f' <span class="kind">{esc(item.kind_label)}</span>' if item.kind_label else ""
        how = f' <span class="modality">({esc(item.modality_label)})</span>' if item.modality_label else ""
        rows.append(f'<tr><td class="when">{esc(item.when)}</td><td>{_a(site.link(item.claim), item.title)}{kind}{how}'
                    f'</td><td class="source">{_where(site, item.evidence)}</td></tr>')
    if rows:
        body.append('<table class="timeline"><thead><tr><th>when</th><th>what</th><th>according to</th></tr></thead>'
                    f"<tbody>{''.join(rows)}</tbody></table>")
    else:
        body.append('<p class="muted">No claim or event in the graph has a date.</p>')
    return site.page("Timeline · kzlod", "\n".join(body), current="timeline")


def _slug(iri: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", iri.rsplit("/", 1)[-1])[:60] or "x"


# --- the relation map ---------------------------------------------------------------------------

#: The map's drawing area, in the units of :mod:`kzlod.querying.relations`' layout.
X_RANGE, Y_RANGE, SCALE = (-2.3, 2.3), (-2.15, 1.95), 200


def render_map(m: RelationMap, site: Site) -> str:
    """The relation map as an SVG in the page: each node links to its entity's page, each edge to
    the relation (or membership) it shows; the same links listed below it."""
    width, height = (X_RANGE[1] - X_RANGE[0]) * SCALE, (Y_RANGE[1] - Y_RANGE[0]) * SCALE

    def xy(node) -> tuple[float, float]:
        return round((node.x - X_RANGE[0]) * SCALE, 1), round((Y_RANGE[1] - node.y) * SCALE, 1)

    lines, labels, nodes = [], [], []
    for e in m.edges:
        (x1, y1), (x2, y2) = xy(m.nodes[e.a]), xy(m.nodes[e.b])
        href = site.link(e.iri) if e.iri else None
        what = f"{m.nodes[e.a].label} – {m.nodes[e.b].label}: " + e.label.replace("\n", " ")
        if e.kind == "membership":
            shape = (f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#7b5ea7" stroke-width="1.6" '
                     f'stroke-dasharray="6 5"/>')
            what = f"{m.nodes[e.a].label} is a member of {m.nodes[e.b].label}"
        else:
            shape = (f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{TONES[e.tone][1]}" stroke-width="5" '
                     'stroke-linecap="round"/>')
            t = 0.47 if e.a == m.focus else 0.53 if e.b == m.focus else 0.5  # a little nearer the focus
            tx, ty = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
            text_lines = [w for line in e.label.split("\n") if line for w in textwrap.wrap(line, 28)][:3]
            w = max((len(t) for t in text_lines), default=0) * 6.2 + 12
            h = 15 * len(text_lines) + 6
            label = (f'<rect x="{tx - w / 2:.1f}" y="{ty - h / 2:.1f}" width="{w:.1f}" height="{h}" rx="4" '
                     f'fill="#ffffff" stroke="{TONES[e.tone][1]}" stroke-width="0.8"/>'
                     + "".join(f'<text x="{tx:.1f}" y="{ty - h / 2 + 15 * (i + 1) - 2:.1f}" text-anchor="middle" '
                               f'font-size="11" fill="#222222">{esc(t)}</text>' for i, t in enumerate(text_lines)))
            labels.append(f'<a href="{esc(href)}">{label}<title>{esc(what)}</title></a>' if href else label)
        lines.append(f'<a href="{esc(href)}">{shape}<title>{esc(what)}</title></a>' if href
                     else f"<g>{shape}<title>{esc(what)}</title></g>")
    for node in m.nodes.values():
        x, y = xy(node)
        focus = node.kind == "focus"
        w = len(node.label) * (8.4 if focus else 7.4) + 22
        fill = {"focus": "#1d3f72", "partner": "#dbe8f7", "organisation": "#efe6f7"}[node.kind]
        stroke = "#7b5ea7" if node.kind == "organisation" else "#1d3f72"
        shape = (f'<rect x="{x - w / 2:.1f}" y="{y - 15:.1f}" width="{w:.1f}" height="30" rx="{4 if node.kind == "organisation" else 14}" '
                 f'fill="{fill}" stroke="{stroke}" stroke-width="1.4"/>'
                 f'<text x="{x}" y="{y + 5:.1f}" text-anchor="middle" font-size="{15 if focus else 13}" '
                 f'font-weight="{"bold" if node.kind != "organisation" else "normal"}" '
                 f'fill="{"#ffffff" if focus else "#1b1f23"}">{esc(node.label)}</text><title>{esc(node.label)}</title>')
        href = site.link(node.iri)
        nodes.append(f'<a href="{esc(href)}">{shape}</a>' if href else f"<g>{shape}</g>")
    focus = m.nodes[m.focus].label
    svg = (f'<svg class="relmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="100%" role="img" aria-labelledby="map-title"><title id="map-title">'
           f"{esc(focus)}'s relations as the sources describe them</title>"
           f'<g class="edges">{"".join(lines)}</g><g class="edge-labels">{"".join(labels)}</g>'
           f'<g class="nodes">{"".join(nodes)}</g></svg>')
    legend = []
    for (text, colour) in TONES.values():
        if text in m.legend():
            legend.append(f'<li><svg width="28" height="10" aria-hidden="true"><line x1="2" y1="5" x2="26" y2="5" '
                          f'stroke="{colour}" stroke-width="5"/></svg> {esc(text)}</li>')
    if MEMBERSHIP_LEGEND in m.legend():
        legend.append('<li><svg width="28" height="10" aria-hidden="true"><line x1="2" y1="5" x2="26" y2="5" '
                      f'stroke="#7b5ea7" stroke-width="1.6" stroke-dasharray="6 5"/></svg> {esc(MEMBERSHIP_LEGEND)}</li>')
    relations = [e for e in m.edges if e.kind == "relation"]
    memberships = [e for e in m.edges if e.kind == "membership"]
    listing = ['<h2>Relations</h2><ul class="map-list">'] + [
        f'<li>{_a(site.link(m.nodes[e.a].iri), m.nodes[e.a].label)} – {_a(site.link(m.nodes[e.b].iri), m.nodes[e.b].label)}: '
        f'{_a(site.link(e.iri) if e.iri else None, e.label.replace(chr(10), " "))} '
        f'<span class="muted">({esc(TONES[e.tone][0])})</span></li>' for e in relations] + ["</ul>"]
    if memberships:
        listing += ['<h2>Memberships</h2><ul class="map-list">'] + [
            f'<li>{_a(site.link(m.nodes[e.a].iri), m.nodes[e.a].label)} in '
            f'{_a(site.link(m.nodes[e.b].iri), m.nodes[e.b].label)} '
            f'({_a(site.link(e.iri) if e.iri else None, "the claim")})</li>' for e in memberships] + ["</ul>"]
    body = [f"<h1>{esc(focus)}'s relations</h1>",
            ("<p>Partners and organisations as the sources describe them: relations coloured by the tone of the "
            "sources' assessments, memberships dashed. Every node and edge links to its page.</p>"),
            f'<figure class="map">{svg}<figcaption><ul class="legend">{"".join(legend)}</ul></figcaption></figure>',
            *listing]
    return site.page("Relation map · kzlod", "\n".join(body), current="map")


# --- search ------------------------------------------------------------------------------------------

def hit_href(hit, site: Site) -> str | None:
    """Where a search hit is: an entity's or claim's page, a sentence or section on its source's page."""
    if hit.kind == "sentence":
        return site.at(hit.source, f"s{hit.position}") if hit.source and hit.position is not None else None
    if hit.kind == "section":
        return site.at(hit.source, f"section-{hit.position}") if hit.source and hit.position is not None else None
    return site.link(hit.iri)


def render_search(text: str, result, site: Site, *, error: str = "") -> str:
    """The search page: the hits for ``text`` (``result``: a :class:`~kzlod.querying.fulltext.SearchResult`
    or None), each with its kind, a link, the snippet with the match marked, and where it is."""
    body = ["<h1>Search</h1>"]
    if error:
        body.append(f'<p class="error" role="alert">{esc(error)}</p>')
    elif result is None:
        body.append("<p>Search the labels, alternative labels, quotes and sentences of the graph: type words in the "
                    "box above. Every word must occur; a hyphenated word or “quoted words” is a phrase.</p>")
    elif not result.hits:
        body.append(f"<p>No hits for “{esc(text)}”.</p>")
    else:
        more = f" (the best {len(result.hits):,})" if len(result.hits) < result.total else ""
        body.append(f'<p class="count"><strong>{result.total:,}</strong> hit{"s" if result.total != 1 else ""} for '
                    f"“{esc(text)}”{more}</p>")
        items = []
        for hit in result.hits:
            snippet = "".join(f"<mark>{esc(t)}</mark>" if m else esc(t) for t, m in hit.parts)
            kind = hit.kind_label or hit.kind
            where = ""
            if hit.kind == "claim" and hit.source:
                where = _where(site, [Evidence(hit.source, hit.source_title, hit.sentence, hit.position)])
            items.append(f'<li class="hit hit-{esc(hit.kind)}"><p>{_a(hit_href(hit, site), hit.title, "hit-title")} '
                         f'<span class="kind">{esc(kind)}</span></p>'
                         f'<p class="snippet"><span class="muted">{esc(hit.field)}:</span> {snippet}</p>'
                         + (f'<p class="source">in {where}</p>' if where else "") + "</li>")
        body.append(f'<ol class="hits">{"".join(items)}</ol>')
    title = f"{text} · search · kzlod" if text else "Search · kzlod"
    return site.page(title, "\n".join(body), search=text)
