"""Kazakhstan's relations as nodes and edges: partners, organisations, tone and memberships.

:func:`relation_map` reads them from the graph (SPARQL only, any store) with a
fixed layout; :mod:`kzlod.publishing.relmap` draws them as a picture
(``kzlod graph``) and :mod:`kzlod.web.svgmap` as the linked map of the web pages.

* Nodes: the focus (Kazakhstan), every party of a ``kz:BilateralRelation``
  that is a state or an international organisation (people's personal
  relations are left out), and every organisation one of those is a member
  of (``kz:Membership``).
* Relation edges are coloured by the tone the sources give the relation:
  each ``kz:ToneAssessment`` tone is followed up ``skos:broader`` to
  ``kz:tone-positive`` or ``kz:tone-negative``; only positive tones make
  the edge *positive*, only negative ones *strained*, both *mixed*, none
  *no tone recorded*. Edges are labelled with the relation types and the
  tones, and carry the IRI of the relation (or membership) they show.
* Membership edges are dashed, from member to organisation.

The layout is fixed, not random: the focus in the middle, partners on an
arc to its right in label order, each organisation on an arc to its left at
the height of its members.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

from kzlod.querying.entities import labels_for
from kzlod.querying.run import run_query
from kzlod.vocab import KZ, KZD

KAZAKHSTAN = KZD + "kazakhstan"
POSITIVE, NEGATIVE = KZ + "tone-positive", KZ + "tone-negative"

#: Tone category -> (legend label, colour); in legend order.
TONES = {
    "positive": ("positive", "#2e7d32"),
    "mixed": ("mixed (positive and negative)", "#e08600"),
    "strained": ("strained (negative)", "#c62828"),
    "none": ("no tone recorded", "#8a8a8a"),
}
MEMBERSHIP_LEGEND = "membership (member \u2192 organisation)"
COLOURS = {"focus": "#1d3f72", "partner": "#dbe8f7", "organisation": "#efe6f7"}

# One simple query each, joined here: on a million triples Oxigraph took minutes over the FILTER EXISTS
# with a property path and the OPTIONALs these replace.
RELATIONS = """
SELECT ?rel ?a ?b WHERE {
  ?rel a kz:BilateralRelation ; kz:party ?a, ?b .
  FILTER(isIRI(?a) && isIRI(?b) && STR(?a) < STR(?b))
}
"""
RELATION_TYPES = "SELECT ?rel ?type WHERE { ?rel a kz:BilateralRelation ; kz:relationType ?type }"
#: States and international organisations, by any sub-class: the actors a relation is drawn between.
ACTORS = """
SELECT DISTINCT ?x WHERE { VALUES ?top { kz:State kz:InternationalOrganisation } ?k rdfs:subClassOf* ?top . ?x a ?k }
"""

TONE_QUERY = """
SELECT DISTINCT ?rel ?tone WHERE { ?assessment a kz:ToneAssessment ; kz:relation ?rel ; kz:tone ?tone . }
"""
TONE_TOPS = """
SELECT ?tone ?top WHERE { VALUES ?top { kz:tone-positive kz:tone-negative } ?tone skos:broader* ?top }
"""

MEMBERSHIPS = """
SELECT DISTINCT ?member ?org ?m WHERE {
  ?m a kz:Membership ; org:member ?member ; org:organization ?org .
  FILTER(isIRI(?member) && isIRI(?org))
} ORDER BY ?member ?org ?m
"""

SHORT = """
SELECT ?s ?alt WHERE { VALUES ?s { %s } ?s skos:altLabel ?alt .
  FILTER(LANGMATCHES(LANG(?alt), "en") || LANG(?alt) = "") }
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
    iri: str = ""  # the claim the edge shows: the kz:BilateralRelation or the kz:Membership


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

    def rows(q: str) -> list:  # the map's own queries: no row cap, no time limit
        return run_query(store, q, timeout=0, max_rows=sys.maxsize).rows

    actors_of = {x.value for (x,) in rows(ACTORS)}
    rels: dict = {}
    for rel, a, b in sorted(rows(RELATIONS), key=lambda r: (r[0].value, r[1].value, r[2].value)):
        if a.value in actors_of and b.value in actors_of:
            rels.setdefault(rel.value, {"a": a.value, "b": b.value, "types": set()})
    for rel, typ in rows(RELATION_TYPES):
        if rel.value in rels:
            rels[rel.value]["types"].add(typ.value)
    tops: dict = {}
    for tone, top in rows(TONE_TOPS):
        tops.setdefault(tone.value, set()).add(top.value)
    tones: dict = {}
    for rel, tone in rows(TONE_QUERY):
        t = tones.setdefault(rel.value, {"tones": set(), "tops": set()})
        t["tones"].add(tone.value)
        t["tops"] |= tops.get(tone.value, set())
    members: dict = {}  # (member, organisation) -> the first membership claim naming them
    for member, org, claim in rows(MEMBERSHIPS):
        members.setdefault((member.value, org.value), claim.value)

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
        m.edges.append(Edge(r["a"], r["b"], "relation", tone_category(t["tops"]), label, iri=rel))
    for (member, org), claim in members.items():
        if member in m.nodes and org in m.nodes:
            m.edges.append(Edge(member, org, "membership", label="member", iri=claim))
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
