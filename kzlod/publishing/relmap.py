"""A picture of Kazakhstan's relations: partners, organisations, tone and memberships.

:func:`relation_map` reads the graph (SPARQL only, any store) into nodes and
edges; :func:`render` draws them with matplotlib's Agg/SVG backends, so it
needs no system packages and no display.

* Nodes: the focus (Kazakhstan), every party of a ``kz:BilateralRelation``
  that is a state or an international organisation (people's personal
  relations are left out), and every organisation one of those is a member
  of (``kz:Membership``).
* Relation edges are coloured by the tone the sources give the relation:
  each ``kz:ToneAssessment`` tone is followed up ``skos:broader`` to
  ``kz:tone-positive`` or ``kz:tone-negative``; only positive tones make
  the edge *positive*, only negative ones *strained*, both *mixed*, none
  *no tone recorded*. Edges are labelled with the relation types and the
  tones.
* Membership edges are dashed, from member to organisation.

The layout is fixed, not random: the focus in the middle, partners on a
circle in label order starting at the top, each organisation outside the
circle at the mean direction of its members.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from kzlod.errors import InputError, UsageError
from kzlod.querying.entities import labels_for
from kzlod.querying.run import run_query
from kzlod.vocab import KZ

KAZAKHSTAN = "https://w3id.org/kzlod/id/kazakhstan"
POSITIVE, NEGATIVE = KZ + "tone-positive", KZ + "tone-negative"
OUTPUT_FORMATS = {".svg": "svg", ".png": "png"}

#: Tone category -> (legend label, colour); in legend order.
TONES = {
    "positive": ("positive", "#2e7d32"),
    "mixed": ("mixed (positive and negative)", "#e08600"),
    "strained": ("strained (negative)", "#c62828"),
    "none": ("no tone recorded", "#8a8a8a"),
}
MEMBERSHIP_LEGEND = "membership (member \u2192 organisation)"
COLOURS = {"focus": "#1d3f72", "partner": "#dbe8f7", "organisation": "#efe6f7"}

RELATIONS = """
SELECT ?rel ?a ?b ?type WHERE {
  ?rel a kz:BilateralRelation ; kz:party ?a, ?b .
  FILTER(isIRI(?a) && isIRI(?b) && STR(?a) < STR(?b))
  FILTER EXISTS { ?a a/rdfs:subClassOf* ?ka . VALUES ?ka { kz:State kz:InternationalOrganisation } }
  FILTER EXISTS { ?b a/rdfs:subClassOf* ?kb . VALUES ?kb { kz:State kz:InternationalOrganisation } }
  OPTIONAL { ?rel kz:relationType ?type }
} ORDER BY ?rel ?type
"""

TONE_QUERY = """
SELECT DISTINCT ?rel ?tone ?top WHERE {
  ?assessment a kz:ToneAssessment ; kz:relation ?rel ; kz:tone ?tone .
  OPTIONAL { ?tone skos:broader* ?top . VALUES ?top { kz:tone-positive kz:tone-negative } }
} ORDER BY ?rel ?tone
"""

MEMBERSHIPS = """
SELECT DISTINCT ?member ?org WHERE {
  ?m a kz:Membership ; org:member ?member ; org:organization ?org .
  FILTER(isIRI(?member) && isIRI(?org))
} ORDER BY ?member ?org
"""

SHORT = """
SELECT ?s ?alt WHERE { VALUES ?s { %s } ?s skos:altLabel ?alt . FILTER(LANGMATCHES(LANG(?alt), "en") || LANG(?alt) = "") }
ORDER BY ?s STRLEN(?alt) ?alt
"""


@dataclass
class Node:
    iri: str
    label: str
    kind: str  # focus, partner, organisation
    x: float = 0.0
    y: float = 0.0


@dataclass
class Edge:
    a: str
    b: str
    kind: str  # relation, membership
    tone: str = "none"  # positive, strained, mixed, none (relations only)
    label: str = ""


@dataclass
class RelationMap:
    focus: str
    nodes: dict = field(default_factory=dict)  # iri -> Node
    edges: list = field(default_factory=list)

    def legend(self) -> list[str]:
        """The legend's entries: tone categories present, then memberships if any."""
        present = {e.tone for e in self.edges if e.kind == "relation"}
        out = [TONES[t][0] for t in TONES if t in present]
        if any(e.kind == "membership" for e in self.edges):
            out.append(MEMBERSHIP_LEGEND)
        return out

    def partners(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "partner"]


def tone_category(tops: set[str]) -> str:
    """``positive``, ``strained``, ``mixed`` or ``none`` from the top tones of a relation's assessments."""
    pos, neg = POSITIVE in tops, NEGATIVE in tops
    return "mixed" if pos and neg else "positive" if pos else "strained" if neg else "none"


def relation_map(store, focus: str = KAZAKHSTAN) -> RelationMap:
    """Read partners, organisations, relations (with tone) and memberships from a store."""
    import pyoxigraph as ox

    rels: dict = {}
    for rel, a, b, typ in run_query(store, RELATIONS).rows:
        r = rels.setdefault(rel.value, {"a": a.value, "b": b.value, "types": set()})
        if typ is not None:
            r["types"].add(typ.value)
    tones: dict = {}
    for rel, tone, top in run_query(store, TONE_QUERY).rows:
        t = tones.setdefault(rel.value, {"tones": set(), "tops": set()})
        t["tones"].add(tone.value)
        if top is not None:
            t["tops"].add(top.value)
    members = [(m.value, o.value) for m, o in run_query(store, MEMBERSHIPS).rows]

    actors = {focus} | {r["a"] for r in rels.values()} | {r["b"] for r in rels.values()}
    orgs = {o for m, o in members if m in actors}
    iris = actors | orgs | {t for r in rels.values() for t in r["types"]} | {
        t for v in tones.values() for t in v["tones"]}
    labels = labels_for(store, [ox.NamedNode(i) for i in iris])
    short: dict = {}
    if orgs:
        for s, alt in run_query(store, SHORT % " ".join(f"<{o}>" for o in sorted(orgs))).rows:
            short.setdefault(s.value, alt.value)

    def name(iri: str) -> str:
        return labels.get(iri) or iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    m = RelationMap(focus=focus)
    m.nodes[focus] = Node(focus, name(focus), "focus")
    for iri in sorted(actors - {focus}, key=lambda i: (name(i).casefold(), i)):
        m.nodes[iri] = Node(iri, name(iri), "partner")
    for iri in sorted(orgs - actors, key=lambda i: (name(i).casefold(), i)):
        label = name(iri)
        m.nodes[iri] = Node(iri, short[iri] if len(label) > 18 and iri in short else label, "organisation")
    for rel in sorted(rels):
        r = rels[rel]
        t = tones.get(rel, {"tones": set(), "tops": set()})
        types = sorted(name(x) for x in r["types"])
        tone_words = sorted(name(x) for x in t["tones"])
        label = ", ".join(types) + (f"\n({', '.join(tone_words)})" if tone_words else "")
        m.edges.append(Edge(r["a"], r["b"], "relation", tone_category(t["tops"]), label))
    for member, org in members:
        if member in m.nodes and org in m.nodes:
            m.edges.append(Edge(member, org, "membership", label="member"))
    _layout(m)
    return m


def _arc(n: int, centre: float, spread: float) -> list[float]:
    """``n`` angles (radians) evenly spread over ``spread`` around ``centre``, top first."""
    if n == 1:
        return [centre]
    return [centre + spread / 2 - spread * i / (n - 1) for i in range(n)]


def _layout(m: RelationMap) -> None:
    """Fixed positions: the focus in the middle, partners on an arc to its right in
    label order, organisations on an arc to its left ordered by where their members are."""
    partners = m.partners()
    spread = math.radians(min(160, 40 * max(len(partners) - 1, 1)))
    for node, angle in zip(partners, _arc(len(partners), 0.0, spread)):
        node.x, node.y = 1.6 * math.cos(angle), 1.6 * math.sin(angle)
    orgs = [node for node in m.nodes.values() if node.kind == "organisation"]

    def height(node: Node) -> float:
        ys = [m.nodes[e.a].y for e in m.edges if e.kind == "membership" and e.b == node.iri
              and m.nodes[e.a].kind == "partner"]
        return sum(ys) / len(ys) if ys else 0.0

    orgs.sort(key=lambda node: (-height(node), node.label))
    spread = math.radians(min(140, 45 * max(len(orgs) - 1, 1)))
    for node, angle in zip(orgs, [math.pi - a for a in _arc(len(orgs), 0.0, spread)]):
        node.x, node.y = 1.6 * math.cos(angle), 1.6 * math.sin(angle)


def _bend(a: Node, b: Node, amount: float = 0.3) -> float:
    """arc3 ``rad`` that bows the edge a-b away from the centre."""
    dx, dy = b.x - a.x, b.y - a.y
    mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
    side = dy * mx - dx * my
    return amount if side >= 0 else -amount


def output_format(path) -> str:
    """``svg`` or ``png`` from the file name, or a usage error."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        known = ", ".join(sorted(OUTPUT_FORMATS))
        raise UsageError(f"{path}: cannot draw a {suffix or 'file without extension'!r} picture; use {known}")
    return OUTPUT_FORMATS[suffix]


def render(m: RelationMap, path) -> int:
    """Draw the map into ``path`` (.svg or .png); return the number of bytes written."""
    fmt = output_format(path)
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "kzlod", "font.family": "DejaVu Sans",
                                "path.simplify": False}):
        fig = Figure(figsize=(11, 9), dpi=110)
        ax = fig.add_axes((0, 0, 1, 0.93))
        ax.set_axis_off()
        ax.set_xlim(-2.3, 2.3)
        ax.set_ylim(-2.15, 1.95)
        ax.set_aspect("equal")
        for e in m.edges:
            a, b = m.nodes[e.a], m.nodes[e.b]
            if e.kind == "membership":
                rad = 0.0 if m.focus in (e.a, e.b) else _bend(a, b)
                ax.add_patch(FancyArrowPatch((a.x, a.y), (b.x, b.y), connectionstyle=f"arc3,rad={rad}",
                                             arrowstyle="-", linestyle=(0, (5, 4)), color="#7b5ea7",
                                             linewidth=1.2, zorder=1))
            else:
                colour = TONES[e.tone][1]
                ax.plot([a.x, b.x], [a.y, b.y], color=colour, linewidth=3.2, solid_capstyle="round", zorder=2)
                tx, ty = (a.x + b.x) / 2, (a.y + b.y) / 2
                text = "\n".join(textwrap.fill(line, 28) for line in e.label.split("\n"))
                ax.text(tx, ty, text, fontsize=7.5, color="#222", ha="center", va="center", zorder=3,
                        bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": colour, "lw": 0.8, "alpha": 0.92})
        for node in m.nodes.values():
            focus = node.kind == "focus"
            ax.text(node.x, node.y, textwrap.fill(node.label, 22), ha="center", va="center", zorder=4,
                    fontsize=13 if focus else 10, fontweight="bold" if node.kind != "organisation" else "normal",
                    color="white" if focus else "#1b1f23",
                    bbox={"boxstyle": "round,pad=0.45" if node.kind != "organisation" else "square,pad=0.4",
                          "fc": COLOURS[node.kind], "ec": "#1d3f72" if node.kind == "partner" else "#7b5ea7",
                          "lw": 1.2})
        handles = [Line2D([0], [0], color=TONES[t][1], linewidth=3.2, label=TONES[t][0])
                   for t in TONES if TONES[t][0] in m.legend()]
        if MEMBERSHIP_LEGEND in m.legend():
            handles.append(Line2D([0], [0], color="#7b5ea7", linestyle=(0, (5, 4)), linewidth=1.2,
                                  label=MEMBERSHIP_LEGEND))
        if handles:
            ax.legend(handles=handles, loc="lower left", fontsize=8.5, title="Edges", title_fontsize=9,
                      frameon=True, framealpha=0.95)
        focus = m.nodes[m.focus].label
        fig.suptitle(f"{focus}'s relations as the sources describe them", fontsize=15, y=0.985)
        fig.text(0.5, 0.935, "Relation edges coloured by the tone of the sources' tone assessments; "
                 "dashed edges are memberships.", ha="center", fontsize=9, color="#555")
        buf = _save(fig, fmt)
    try:
        Path(path).write_bytes(buf)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return len(buf)


def _save(fig, fmt: str) -> bytes:
    import io

    out = io.BytesIO()
    metadata = {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
    fig.savefig(out, format=fmt, metadata=metadata, facecolor="white")
    return out.getvalue()


def draw(store, out, *, focus: str = KAZAKHSTAN) -> dict:
    """Read the map from ``store`` and draw it into ``out``; return a summary."""
    output_format(out)
    m = relation_map(store, focus)
    size = render(m, out)
    return {"out": str(out), "bytes": size, "partners": sorted(n.label for n in m.partners()),
            "organisations": sorted(n.label for n in m.nodes.values() if n.kind == "organisation"),
            "relations": sum(1 for e in m.edges if e.kind == "relation"),
            "memberships": sum(1 for e in m.edges if e.kind == "membership"), "legend": m.legend()}
