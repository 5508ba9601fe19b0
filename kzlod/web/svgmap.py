"""The relation map page: the map of ``kzlod graph`` as an SVG whose nodes and edges link to their pages.

:func:`kzlod.querying.relations.relation_map` lays the map out (nodes and their places, edges
and their tones); here its shapes are placed and sized in the SVG's units and linked, as plain
data, and ``map.html`` draws them (no script). The same links are listed below the map.
"""

from __future__ import annotations

import textwrap

from kzlod.querying.relations import MEMBERSHIP_LEGEND, TONES, RelationMap
from kzlod.web.links import Site
from kzlod.web.shell import shell
from kzlod.web.templating import render

#: The map's drawing area, in the units of :mod:`kzlod.querying.relations`' layout.
X_RANGE, Y_RANGE, SCALE = (-2.3, 2.3), (-2.15, 1.95), 200
MEMBERSHIP_COLOUR = "#7b5ea7"
#: An edge's label: characters to a line, the width (SVG units) allowed for each character at font-size 11
#: (a sans-serif averages about 5.5), the height of a line. Every line is drawn: the box grows with them.
LABEL_WRAP, LABEL_CHAR, LABEL_LINE = 28, 6.2, 15
NODE_FILL = {"focus": "#1d3f72", "partner": "#dbe8f7", "organisation": "#efe6f7"}


def _xy(node) -> tuple[float, float]:
    return round((node.x - X_RANGE[0]) * SCALE, 1), round((Y_RANGE[1] - node.y) * SCALE, 1)


def _edge(m: RelationMap, e, site: Site) -> dict:
    """An edge: its line, the box with its label (relations), its link and what it says."""
    a, b = m.nodes[e.a], m.nodes[e.b]
    (x1, y1), (x2, y2) = _xy(a), _xy(b)
    edge = {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "href": site.link(e.iri) if e.iri else None,
            "membership": e.kind == "membership", "colour": MEMBERSHIP_COLOUR, "label": None,
            "what": f"{a.label} – {b.label}: " + e.label.replace("\n", " ")}
    if edge["membership"]:
        edge["what"] = f"{a.label} is a member of {b.label}"
        return edge
    edge["colour"] = TONES[e.tone][1]
    t = 0.47 if e.a == m.focus else 0.53 if e.b == m.focus else 0.5  # a little nearer the focus
    tx, ty = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
    lines = [w for line in e.label.split("\n") if line for w in textwrap.wrap(line, LABEL_WRAP)]  # every line
    w, h = max((len(t) for t in lines), default=0) * LABEL_CHAR + 12, LABEL_LINE * len(lines) + 6
    edge["label"] = {"x": tx - w / 2, "y": ty - h / 2, "width": w, "height": h, "cx": tx,
                     "lines": [(ty - h / 2 + LABEL_LINE * (i + 1) - 2, text) for i, text in enumerate(lines)]}
    return edge


def _node(node, site: Site) -> dict:
    x, y = _xy(node)
    focus, organisation = node.kind == "focus", node.kind == "organisation"
    w = len(node.label) * (8.4 if focus else 7.4) + 22
    return {"x": x, "y": y, "left": x - w / 2, "top": y - 15, "width": w, "baseline": y + 5,
            "rx": 4 if organisation else 14, "fill": NODE_FILL[node.kind],
            "stroke": MEMBERSHIP_COLOUR if organisation else "#1d3f72",
            "size": 15 if focus else 13, "weight": "normal" if organisation else "bold",
            "ink": "#ffffff" if focus else "#1b1f23", "label": node.label, "href": site.link(node.iri)}


def _listing(m: RelationMap, site: Site, kind: str) -> list[dict]:
    """The map's relations (or memberships) as a list: both ends and the edge, linked."""
    def end(key):
        return {"href": site.link(m.nodes[key].iri), "label": m.nodes[key].label}
    return [{"a": end(e.a), "b": end(e.b), "href": site.link(e.iri) if e.iri else None,
             "label": e.label.replace("\n", " "), "tone": TONES[e.tone][0] if e.tone in TONES else ""}
            for e in m.edges if e.kind == kind]


def render_map(m: RelationMap, site: Site) -> str:
    """The relation map as an SVG in the page: each node links to its entity's page, each edge to
    the relation (or membership) it shows; the same links listed below it."""
    legend = m.legend()
    relmap = {
        "focus": m.nodes[m.focus].label,
        "width": (X_RANGE[1] - X_RANGE[0]) * SCALE,
        "height": (Y_RANGE[1] - Y_RANGE[0]) * SCALE,
        "edges": [_edge(m, e, site) for e in m.edges],
        "nodes": [_node(node, site) for node in m.nodes.values()],
        "legend": [(text, colour) for text, colour in TONES.values() if text in legend],
        "memberships_shown": MEMBERSHIP_LEGEND in legend,
        "membership_legend": MEMBERSHIP_LEGEND,
        "membership_colour": MEMBERSHIP_COLOUR,
        "relations": _listing(m, site, "relation"),
        "memberships": _listing(m, site, "membership"),
    }
    return render("map.html", shell=shell("Relation map · kzlod", served=site.served, root=site.root, current="map"),
                  map=relmap)
