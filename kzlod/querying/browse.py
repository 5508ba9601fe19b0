"""What the browsing pages show, read from any store by SPARQL.

* :func:`claim_info` — a short title for each claim (claims have no labels): its kind and
  the things it names, e.g. "Tone Assessment: Armenia – Kazakhstan, tense";
* :func:`claim_facets` — every claim's kind, partners, tone, source and years, to filter
  and count claims by (:class:`Facets`);
* :func:`timeline` — dated claims and events in time order, with the pairs of claims whose
  sources give conflicting dates (the ``conflicts`` named query).

A source's sentences and the claims citing each are in :mod:`kzlod.querying.documents`.
Everything here is data (dataclasses, dicts); :mod:`kzlod.web.browse` renders it.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from kzlod.querying.direct import reader_for
from kzlod.querying.entities import labels_for
from kzlod.querying.relations import KAZAKHSTAN
from kzlod.querying.run import named_queries, run_query
from kzlod.vocab import KZ, KZD, NAMESPACES, PROV, RDF, TIME, compact

ORG = NAMESPACES["org"]
DATE_PROPS = "time:inXSDDate|time:inXSDgYear|time:inXSDgYearMonth|time:inXSDDateTimeStamp"


def rows_of(store, sparql: str) -> list[tuple]:
    """Every row of a query of the pages' own (no row cap, no time limit: a big graph has many claims)."""
    return run_query(store, sparql, timeout=0, max_rows=sys.maxsize).rows


def _values(iris) -> str:
    return " ".join(f"<{i}>" for i in sorted(set(iris)))


def _chunks(items, size: int = 200):  # a query has a length limit (MAX_QUERY_CHARS)
    items = sorted(set(items))
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _int(term) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except ValueError:
        return None


# --- names ---------------------------------------------------------------------------------

TITLES = """SELECT ?s ?t WHERE { VALUES ?s { %s } ?s dcterms:title ?t .
  FILTER(LANG(?t) = "" || LANGMATCHES(LANG(?t), "en")) } ORDER BY ?s ?t"""


def names_for(store, iris) -> dict[str, str]:
    """A readable name for each IRI: its English label, else its ``dcterms:title`` (sources, sections)."""
    iris = {i.value if isinstance(i, ox.NamedNode) else i for i in iris
            if isinstance(i, (str, ox.NamedNode))}
    # A fixed store (a release being written) remembers each IRI's name, None for none: the same whatever
    # IRIs it is asked with, so each page of a release asks only for the IRIs no page asked for before.
    known = store.__dict__.setdefault("_known_names", {}) if getattr(store, "fixed", False) else None
    todo = {i for i in iris if i not in known} if known is not None else iris
    reader = reader_for(store)
    direct, queried = reader.names(sorted(todo)) if reader is not None else ({}, todo)
    names = labels_for(store, [ox.NamedNode(i) for i in queried])
    for chunk in _chunks(set(queried) - set(names)):
        for s, title in rows_of(store, TITLES % _values(chunk)):
            names.setdefault(s.value, title.value)
    names.update(direct)
    if known is None:
        return names
    known.update({i: names.get(i) for i in todo})
    return {i: known[i] for i in sorted(iris) if known[i] is not None}


# --- claim titles ------------------------------------------------------------------------------

#: Properties a claim's title leaves out: how, when and why it is said, and links to other claims.
TITLE_SKIP = {RDF + "type", KZ + "hasEvidence", KZ + "modality", TIME + "hasTime", KZ + "temporalQualifier",
              KZ + "cause", KZ + "conflictsWith", KZ + "reinforces", KZ + "exampleOf", KZ + "statedAt",
              KZ + "occasion", PROV + "wasAttributedTo", KZ + "advantagedCompetitor", KZ + "signatory"}
#: The order of the things a title names: who first, then what about, then how.
TITLE_ORDER = [KZ + p for p in ("party",)] + [ORG + "member"] + [KZ + p for p in (
    "holder", "provider", "reporter", "pursuedBy", "competitor", "about", "productOrigin", "participatingState",
    "participant", "relation", "agreement", "policy")] + [ORG + "organization"] + [KZ + p for p in (
    "office", "recipient", "partner", "region", "place", "stanceOn", "tone", "toneChange", "relationType",
    "sector", "milestone", "position", "objective", "aspect", "supportKind", "advantage", "product")]
ASSERTED = KZ + "modality-asserted"


@dataclass
class ClaimInfo:
    """A claim (or event) as a list names it."""

    iri: str
    kind: str = ""  # its class (the first kz: class, by IRI)
    kind_label: str = ""
    title: str = ""
    modality: str = ""  # its kz:modality, when not kz:modality-asserted
    modality_label: str = ""


CLAIM_PROPS = """SELECT DISTINCT ?c ?p ?o WHERE { %s ?c kz:hasEvidence ?ev . ?c ?p ?o . FILTER(isIRI(?o)) }"""
NODE_PROPS = """SELECT DISTINCT ?c ?p ?o WHERE { VALUES ?c { %s } ?c ?p ?o . FILTER(isIRI(?o)) }"""
CLAIM_LABELS = """SELECT ?c ?l WHERE { %s ?c kz:hasEvidence ?ev ; rdfs:label ?l .
  FILTER(LANG(?l) = "" || LANGMATCHES(LANG(?l), "en")) } ORDER BY ?c ?l"""


def claim_info(store, claims=None) -> dict[str, ClaimInfo]:
    """Titles of the given claims (IRIs; None: every claim and event of the graph).

    A labelled claim (an event) is titled by its label; any other by its kind and the names of
    what it names, in :data:`TITLE_ORDER`: a relation as its two parties ("Armenia – Kazakhstan"),
    another claim without a label by its own kind and names ("Support (Kazakhstan, Azerbaijan)").
    """
    wanted = None if claims is None else sorted(set(claims))
    blocks = [""] if wanted is None else [f"VALUES ?c {{ {_values(chunk)} }}" for chunk in _chunks(wanted)]
    props: dict = defaultdict(lambda: defaultdict(set))
    labelled: dict[str, str] = {}
    found: set[str] = set()
    for block in blocks:
        for c, p, o in rows_of(store, CLAIM_PROPS % block):
            props[c.value][p.value].add(o.value)
            found.add(c.value)
        for c, label in rows_of(store, CLAIM_LABELS % block):
            labelled.setdefault(c.value, label.value)

    def objects(ps) -> set[str]:
        return {o for p, os_ in ps.items() if p not in TITLE_SKIP or p in (RDF + "type", KZ + "modality") for o in os_}

    names = names_for(store, {o for ps in props.values() for o in objects(ps)})
    # what the claims name that has no name of its own (a relation, another claim): its own names, one level down
    for _ in range(2):
        unnamed = {o for ps in list(props.values()) for o in objects(ps)
                   if o.startswith(KZD) and o not in names and o not in props}
        for chunk in _chunks(unnamed):
            for c, p, o in rows_of(store, NODE_PROPS % _values(chunk)):
                props[c.value][p.value].add(o.value)
        names.update(names_for(store, {o for c in unnamed for o in objects(props.get(c, {})) if o not in names}))

    def name(iri: str) -> str:
        return names.get(iri) or compact(iri)

    def pair(iris) -> str:
        return " – ".join(sorted((name(i) for i in iris), key=str.casefold))

    order = {p: i for i, p in enumerate(TITLE_ORDER)}

    def parts_of(ps, depth: int) -> list[str]:
        parts: list[str] = []
        for p in sorted((p for p in ps if p not in TITLE_SKIP), key=lambda p: (order.get(p, len(order)), p)):
            values = sorted(ps[p])
            if p == KZ + "party":
                parts.append(pair(values))
                continue
            for v in values:
                if v in names or depth > 0 or v not in props:
                    parts.append(name(v))
                    continue
                inner = props[v]
                if inner.get(KZ + "party"):
                    parts.append(pair(inner[KZ + "party"]))
                elif (len(inner.get(KZ + "relation", ())) == 1
                      and props.get(next(iter(inner[KZ + "relation"])), {}).get(KZ + "party")):
                    parts.append(pair(props[next(iter(inner[KZ + "relation"]))][KZ + "party"]))
                else:
                    kinds = sorted(t for t in inner.get(RDF + "type", ()) if t.startswith(KZ))
                    sub = parts_of(inner, depth + 1)
                    head = name(kinds[0]) if kinds else compact(v)
                    parts.append(f"{head} ({', '.join(sub[:4])})" if sub else head)
        seen: list[str] = []
        for part in parts:
            if part not in seen:
                seen.append(part)
        return seen

    out = {}
    for c in (wanted if wanted is not None else sorted(found | set(labelled))):
        ps = props.get(c, {})
        kinds = sorted(t for t in ps.get(RDF + "type", ()) if t.startswith(KZ))
        info = ClaimInfo(c, kind=kinds[0] if kinds else "", kind_label=name(kinds[0]) if kinds else "")
        modality = sorted(ps.get(KZ + "modality", ()))
        if modality and modality[0] != ASSERTED:
            info.modality, info.modality_label = modality[0], name(modality[0])
        if c in labelled:
            info.title = labelled[c]
        else:
            parts = parts_of(ps, 0)
            head = info.kind_label or "Claim"
            info.title = f"{head}: {', '.join(parts[:6])}" if parts else head
        out[c] = info
    return out


# --- facets ---------------------------------------------------------------------------------------

#: The facets of claims, in page order, with their headings.
FACETS = {"kind": "Kind", "partner": "Partner", "tone": "Tone", "source": "Source", "year": "Year"}

#: Each facet's (claim, value) pairs, one simple query each, joined here: on a million triples one query
#: with a UNION per facet took Oxigraph minutes, these take seconds.
FACET_QUERIES = {
    "kind": f'SELECT ?c ?v WHERE {{ ?c a ?v . FILTER(STRSTARTS(STR(?v), "{KZ}")) }}',
    "tone": "SELECT ?c ?v WHERE { ?c kz:tone ?v }",
    "source": "SELECT ?c ?v WHERE { ?c kz:hasEvidence ?ev . ?ev oa:hasSource ?v }",
    "partner": """SELECT ?c ?v WHERE { VALUES ?k { kz:State kz:InternationalOrganisation kz:SupranationalUnion }
      ?v a ?k . ?c ?p ?v . FILTER(isIRI(?c)) }""",
    "partner-relation": "SELECT ?c ?v WHERE { ?c kz:relation ?r . ?r kz:party ?v }",
    "partner-participant": "SELECT ?c ?v WHERE { ?c kz:participant ?x . ?x kz:actsFor|org:postIn ?v }",
    "year": f"SELECT ?c ?v WHERE {{ ?c time:hasTime ?t . ?t {DATE_PROPS} ?v }}",
    "year-interval":
        f"SELECT ?c ?v WHERE {{ ?c time:hasTime ?t . ?t (time:hasBeginning|time:hasEnd)/({DATE_PROPS}) ?v }}",
}
PARTNER_KINDS = """SELECT ?v WHERE { VALUES ?k { kz:State kz:InternationalOrganisation kz:SupranationalUnion }
  ?v a ?k }"""
CLAIMS = "SELECT DISTINCT ?c WHERE { ?c kz:hasEvidence ?e . FILTER(isIRI(?c)) }"


@dataclass
class Facets:
    """Every claim's facet values: ``values[claim][facet]`` is a set of IRIs (years as text)."""

    values: dict
    names: dict  # value -> its readable name

    def matching(self, chosen) -> list[str]:
        """The claims that have every chosen ``(facet, value)``, in IRI order."""
        chosen = list(chosen)
        return sorted(c for c, fs in self.values.items() if all(v in fs.get(f, ()) for f, v in chosen))

    def counts(self, claims) -> dict[str, list[tuple[str, int]]]:
        """For each facet, its values among ``claims`` with how many of them have each, most first."""
        tally: dict = {f: defaultdict(int) for f in FACETS}
        for c in claims:
            for f, vs in self.values.get(c, {}).items():
                for v in vs:
                    tally[f][v] += 1
        out = {}
        for f, counts in tally.items():
            key = (lambda kv: (-int(kv[0]) if kv[0].lstrip("-").isdigit() else 0, kv[0])) if f == "year" else \
                (lambda kv: (-kv[1], self.name(kv[0]).casefold(), kv[0]))
            out[f] = sorted(counts.items(), key=key)
        return out

    def name(self, value: str) -> str:
        return self.names.get(value) or compact(value)


def claim_facets(store) -> Facets:
    """Every claim's kinds (its kz: classes), partners (the states and organisations it names, directly,
    as a relation's parties or through a participant acting for them; Kazakhstan left out), tones,
    sources and years (of its time: an instant's date, an interval's beginning and end)."""
    claims = {c.value for (c,) in rows_of(store, CLAIMS)}
    partners = {v.value for (v,) in rows_of(store, PARTNER_KINDS)} - {KAZAKHSTAN}
    values: dict = {c: defaultdict(set) for c in claims}
    for name, query in FACET_QUERIES.items():
        facet = name.split("-")[0]
        for c, v in rows_of(store, query):
            if c.value not in values:
                continue
            if facet == "partner" and v.value not in partners:
                continue
            value = re.sub(r"^(-?\d+).*$", r"\1", v.value) if facet == "year" else v.value
            values[c.value][facet].add(value)
    iris = {v for fs in values.values() for f, vs in fs.items() if f != "year" for v in vs}
    return Facets({c: dict(fs) for c, fs in values.items()}, names_for(store, iris))


def facet_value(facet: str, text: str) -> str:
    """A facet value as a URL gives it (a prefixed name, an IRI, or a year) as :class:`Facets` keeps it."""
    text = text.strip()
    if facet == "year":
        return text
    prefix, colon, local = text.partition(":")
    if colon and prefix in NAMESPACES and not local.startswith("//"):
        return NAMESPACES[prefix] + local
    return text


# --- timeline ---------------------------------------------------------------------------------------

@dataclass
class Dated:
    """A claim or event on the timeline."""

    claim: str
    title: str
    kind_label: str
    start: str  # ISO date, year-month or year: the sort key
    end: str = ""  # for an interval with an end
    when: str = ""  # as shown: "2015", "2020-03-01", "2015 – 2022", "… – 2023-06"
    evidence: list = field(default_factory=list)  # of Evidence
    modality_label: str = ""


@dataclass
class Timeline:
    items: list[Dated]
    conflicts: list[list[str]]  # groups of claims whose sources give conflicting dates (each group's IRIs sorted)
    relative: int = 0  # claims and events dated only relative to a source's time

    def group_of(self, claim: str) -> list[str] | None:
        return next((g for g in self.conflicts if claim in g), None)


#: A claim's times: an instant's date, an interval's beginning and end; and any time at all (one query each:
#: with OPTIONALs, Oxigraph took far longer on a million triples).
TIMELINE_QUERIES = {
    "date": f"SELECT ?c ?v WHERE {{ ?c time:hasTime ?t . ?t {DATE_PROPS} ?v . FILTER(isIRI(?c)) }}",
    "begin":
        f"SELECT ?c ?v WHERE {{ ?c time:hasTime ?t . ?t time:hasBeginning/({DATE_PROPS}) ?v . FILTER(isIRI(?c)) }}",
    "end": f"SELECT ?c ?v WHERE {{ ?c time:hasTime ?t . ?t time:hasEnd/({DATE_PROPS}) ?v . FILTER(isIRI(?c)) }}",
}
TIMED = "SELECT DISTINCT ?c WHERE { ?c time:hasTime ?t ; kz:hasEvidence ?e . FILTER(isIRI(?c)) }"
EVIDENCE_QUERY = """SELECT DISTINCT ?claim ?src ?sentence ?i ?field WHERE { %s
  ?claim kz:hasEvidence ?ev . ?ev oa:hasSource ?src . FILTER(isIRI(?claim))
  OPTIONAL { ?ev kz:sentence ?sentence . OPTIONAL { ?sentence kz:index ?i } }
  OPTIONAL { ?ev kz:sourceField ?field } } ORDER BY ?claim ?src ?i ?field"""


@dataclass(frozen=True)
class Evidence:
    """Where a claim's evidence is: its source, and the sentence (with its number) or the record's field."""

    source: str
    source_title: str
    sentence: str = ""
    index: int | None = None
    field: str = ""


def evidence_of(store, claims=None) -> dict[str, list[Evidence]]:
    """The evidence of the given claims (None: of every claim), each claim's in source and sentence order."""
    blocks = [""] if claims is None else [f"VALUES ?claim {{ {_values(c)} }}" for c in _chunks(claims)]
    rows = [row for block in blocks for row in rows_of(store, EVIDENCE_QUERY % block)]
    titles = names_for(store, {row[1].value for row in rows})
    out: dict = defaultdict(list)
    for claim, src, sentence, i, fld in rows:
        ev = Evidence(src.value, titles.get(src.value, compact(src.value)),
                      sentence.value if sentence is not None else "", _int(i), fld.value if fld is not None else "")
        if ev not in out[claim.value]:
            out[claim.value].append(ev)
    return dict(out)


def _date(term) -> str:
    return re.sub(r"(Z|[+-]\d\d:\d\d)$", "", term.value) if term is not None else ""


def timeline(store, infos: dict | None = None, evidence: dict | None = None) -> Timeline:
    """Dated claims and events in time order (instants by their date; intervals by their
    beginning, else their end), and the groups of claims whose sources' dates conflict."""
    timed = {c.value for (c,) in rows_of(store, TIMED)}
    times: dict = defaultdict(dict)
    for what, query in TIMELINE_QUERIES.items():
        for c, v in rows_of(store, query):
            if c.value in timed and v is not None:
                times[c.value].setdefault(what, set()).add(_date(v))
    found: dict[str, tuple[str, str, str]] = {
        c: tuple(min(t[w]) if t.get(w) else "" for w in ("date", "begin", "end")) for c, t in times.items()}
    relative = timed - set(found)
    if infos is None or not found.keys() <= infos.keys():  # a release passes every claim's, read once
        infos = claim_info(store, found)
    if evidence is None:
        evidence = evidence_of(store, found)
    items = []
    for claim, (d, b, e) in found.items():
        info = infos[claim]
        if d:
            start, end, when = d, "", d
        else:
            start, end = b or e, e if b else ""
            when = f"{b or '…'} – {e or '…'}"
        items.append(Dated(claim, info.title, info.kind_label, start, end, when, evidence.get(claim, []),
                           info.modality_label))
    items.sort(key=lambda x: (x.start, x.end, x.title.casefold(), x.claim))
    # conflicting dates: the 'conflicts' named query's pairs, joined into groups
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for row in run_query(store, named_queries()["conflicts"].text).records():
        a, b = row["claim1"], row["claim2"]
        if a in found and b in found:
            parent.setdefault(a, a)
            parent.setdefault(b, b)
            parent[root(a)] = root(b)
    groups: dict = defaultdict(list)
    for x in parent:
        groups[root(x)].append(x)
    return Timeline(items, sorted(sorted(g) for g in groups.values()), len(relative))
