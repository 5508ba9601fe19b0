"""Entity cards and graph statistics, answered by SPARQL on any store."""

from __future__ import annotations

import pyoxigraph as ox

from kzlod.errors import UsageError
from kzlod.querying.run import parse_param, run_query
from kzlod.text import one_line
from kzlod.vocab import compact

LABELS = """
SELECT ?s ?label WHERE {
  VALUES ?s { %s }
  ?s rdfs:label|skos:prefLabel ?label .
  FILTER(LANG(?label) = "" || LANGMATCHES(LANG(?label), "en"))
} ORDER BY ?s ?label
"""

FIND = """
SELECT DISTINCT ?s ?label WHERE {
  ?s rdfs:label|skos:altLabel|skos:prefLabel ?label .
} ORDER BY ?s
"""

OUT = """
SELECT ?p ?o ?olabel WHERE {
  ?e ?p ?o .
  OPTIONAL { ?o rdfs:label|skos:prefLabel ?olabel FILTER(LANG(?olabel) = "" || LANGMATCHES(LANG(?olabel), "en")) }
} ORDER BY ?p ?o
"""

# Claims that mention the entity, or mention a claim that mentions it (the tone of a
# relation it is a party to), with what they say and the evidence behind them.
CLAIMS = """
SELECT ?claim ?type ?p ?o ?olabel ?quote ?source ?sourceTitle WHERE {
  { ?claim ?r ?e } UNION { ?claim ?r1 ?mid . ?mid ?r2 ?e . FILTER EXISTS { ?mid kz:hasEvidence ?midEvidence } }
  ?claim a ?type .
  FILTER EXISTS { ?claim kz:hasEvidence ?anyEvidence }
  ?claim ?p ?o .
  FILTER(?p NOT IN (kz:hasEvidence, rdf:type))
  FILTER(!isBlank(?o))
  OPTIONAL { ?o rdfs:label|skos:prefLabel ?olabel FILTER(LANG(?olabel) = "" || LANGMATCHES(LANG(?olabel), "en")) }
  OPTIONAL {
    ?claim kz:hasEvidence ?ev .
    ?ev oa:hasSource ?source .
    OPTIONAL { ?source dcterms:title ?sourceTitle }
    OPTIONAL { ?ev oa:hasSelector ?sel . ?sel a oa:TextQuoteSelector ; oa:exact ?quote }
  }
} ORDER BY ?claim ?p ?o ?quote
"""

#: The parts of a whole (a source's sentences and sections), by kind.
PARTS = ("SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s dcterms:isPartOf ?e ; a ?type } "
         "GROUP BY ?type ORDER BY ?type")
#: A literal longer than this is shown by its beginning and its length on a card (a source's text).
CARD_TEXT = 200
IN = """
SELECT ?s ?p ?slabel WHERE {
  ?s ?p ?e .
  FILTER(!isBlank(?s))
  FILTER NOT EXISTS { ?s kz:hasEvidence ?x }
  OPTIONAL { ?s rdfs:label|skos:prefLabel ?slabel FILTER(LANG(?slabel) = "" || LANGMATCHES(LANG(?slabel), "en")) }
} ORDER BY ?p ?s
"""


def labels_for(store, terms) -> dict[str, str]:
    """English labels of the IRIs among ``terms``."""
    iris = sorted({t.value for t in terms if isinstance(t, ox.NamedNode)})
    out: dict[str, str] = {}
    for i in range(0, len(iris), 500):
        chunk = " ".join(f"<{iri}>" for iri in iris[i:i + 500])
        for s, label in run_query(store, LABELS % chunk).rows:
            out.setdefault(s.value, label.value)
    return out


def find_entity(store, name: str) -> ox.NamedNode:
    """An entity by IRI, prefixed name, label or alternative label (case-insensitive)."""
    term = parse_param(name)
    if isinstance(term, ox.NamedNode):
        if run_query(store, "ASK { { ?e ?p ?o } UNION { ?s ?p ?e } }", {ox.Variable("e"): term}).boolean:
            return term
        known = sorted({compact(s.value) for s, _ in run_query(store, FIND).rows})
        import difflib  # here: only a name not found needs it

        close = difflib.get_close_matches(compact(term.value), known, n=3, cutoff=0.7)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UsageError(f"no entity {name!r} in the graph.{hint}")
    rows = run_query(store, FIND).rows
    wanted = " ".join(name.split()).casefold()
    hits = sorted({s.value for s, label in rows if label.value.casefold() == wanted})
    if len(hits) == 1:
        return ox.NamedNode(hits[0])
    if len(hits) > 1:
        raise UsageError(f"{name!r} names several entities: {', '.join(compact(h) for h in hits)}; give the IRI")
    names = sorted({label.value for _, label in rows})
    import difflib  # here: only a name not found needs it

    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UsageError(f"no entity named {name!r}.{hint}")


def describe(store, name: str) -> dict:
    """Everything the graph says about one entity, each claim with its source quote."""
    entity = find_entity(store, name)
    bind = {ox.Variable("e"): entity}
    card: dict = {"iri": entity.value, "id": compact(entity.value), "types": [], "labels": [], "altLabels": [],
                  "identifiers": [], "out": [], "in": [], "claims": []}
    for p, o, olabel in run_query(store, OUT, bind).rows:
        pc = compact(p.value)
        if pc == "rdf:type":
            card["types"].append(compact(o.value))
        elif pc in ("rdfs:label", "skos:prefLabel"):
            card["labels"].append(o.value)
        elif pc == "skos:altLabel":
            card["altLabels"].append(o.value)
        elif pc in ("skos:exactMatch", "kz:iso3166Alpha2", "kz:iso3166Alpha3", "dcterms:identifier"):
            value = o.value if isinstance(o, ox.Literal) else compact(o.value)
            card["identifiers"].append({"property": pc, "value": value})
        elif not isinstance(o, ox.BlankNode):
            card["out"].append({"property": pc, "value": _show(o), "label": olabel.value if olabel else ""})
    card["parts"] = {compact(t.value): int(n.value) for t, n in run_query(store, PARTS, bind).rows}
    for s, p, slabel in run_query(store, IN, bind).rows:
        card["in"].append({"subject": compact(s.value), "property": compact(p.value),
                           "label": slabel.value if slabel else ""})
    claims: dict = {}
    for claim, typ, p, o, olabel, quote, source, title in run_query(store, CLAIMS, bind).rows:
        c = claims.setdefault(claim.value, {"claim": compact(claim.value), "types": set(), "says": {},
                                            "evidence": set()})
        c["types"].add(compact(typ.value))
        c["says"].setdefault(compact(p.value), set()).add(_show(o) + (f" ({olabel.value})" if olabel else ""))
        if source is not None:
            c["evidence"].add(((title.value if title else compact(source.value)), quote.value if quote else ""))
    for c in claims.values():
        card["claims"].append({
            "claim": c["claim"], "types": sorted(c["types"]),
            "says": {k: sorted(v) for k, v in sorted(c["says"].items())},
            "evidence": [{"source": s, "quote": q} for s, q in sorted(c["evidence"])],
        })
    for key in ("types", "labels", "altLabels"):
        card[key] = sorted(set(card[key]))
    return card


def _show(term) -> str:
    return compact(term.value) if isinstance(term, ox.NamedNode) else term.value


def card_text(card: dict) -> str:
    """A readable entity card."""
    title = card["labels"][0] if card["labels"] else card["id"]
    lines = [f"{title}  <{card['iri']}>", "=" * min(78, len(title) + len(card["iri"]) + 4)]
    lines.append("types:        " + ", ".join(card["types"]))
    if card["altLabels"]:
        lines.append("also called:  " + ", ".join(card["altLabels"]))
    for ident in card["identifiers"]:
        lines.append(f"{ident['property']}: {ident['value']}")
    parts = card.get("parts") or {}
    if parts:  # a source's sentences and sections: counted, not listed
        lines.append("parts:        " + ", ".join(f"{n} {t}" for t, n in parts.items()))
    if card["out"]:
        lines.append("")
        lines.append("facts:")
        for f in card["out"]:
            value = f["value"]
            if len(value) > CARD_TEXT:  # a source's whole text: its beginning and its length
                value = one_line(value[:80]).rstrip() + f"… ({len(value)} characters)"
            lines.append(f"  {f['property']} {value}" + (f" ({f['label']})" if f["label"] else ""))
    referrers = [f for f in card["in"] if not (parts and f["property"] == "dcterms:isPartOf")]
    if referrers:
        lines.append("")
        lines.append("referred to by:")
        for f in referrers:
            lines.append(f"  {f['subject']}" + (f" ({f['label']})" if f["label"] else "") + f" {f['property']}")
    if card["claims"]:
        lines.append("")
        lines.append(f"claims ({len(card['claims'])}):")
        for c in card["claims"]:
            lines.append(f"  {c['claim']}  [{', '.join(c['types'])}]")
            for p, values in c["says"].items():
                lines.append(f"    {p}: {'; '.join(values)}")
            for ev in c["evidence"]:
                quote = f' "{ev["quote"]}"' if ev["quote"] else ""
                lines.append(f"    source: {ev['source']}{quote}")
    return "\n".join(lines) + "\n"


# a triple in two graphs counts once
STATS_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
STATS_CLASSES = """
SELECT ?class (COUNT(DISTINCT ?e) AS ?entities) WHERE { ?e a ?class . FILTER(!isBlank(?e)) }
GROUP BY ?class ORDER BY DESC(?entities) ?class
"""
STATS_FACTS = """
SELECT ?source ?section (COUNT(DISTINCT ?claim) AS ?claims) WHERE {
  ?claim kz:hasEvidence ?ev . ?ev oa:hasSource ?src .
  OPTIONAL { ?src dcterms:title ?t }
  OPTIONAL { ?ev kz:sentence ?sent . ?sent kz:inSection ?sec . OPTIONAL { ?sec dcterms:title ?st } }
  BIND(COALESCE(STR(?t), STR(?src)) AS ?source)
  BIND(COALESCE(STR(?st), "") AS ?section)
} GROUP BY ?source ?section ORDER BY ?source ?section
"""


#: Claims and events by kind: each counted under its most specific class below kz:Claim or kz:Event.
STATS_KINDS = """
SELECT ?top ?class (SAMPLE(?label) AS ?kind) (COUNT(DISTINCT ?c) AS ?n) WHERE {
  VALUES ?top { kz:Claim kz:Event }
  ?c a ?class . ?class rdfs:subClassOf+ ?top .
  FILTER NOT EXISTS { ?c a ?narrower . ?narrower rdfs:subClassOf+ ?class . FILTER (?narrower != ?class) }
  OPTIONAL { ?class rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en")) }
} GROUP BY ?top ?class ORDER BY ?top DESC(?n) ?class
"""
STATS_TOTALS = """
SELECT ?top (COUNT(DISTINCT ?c) AS ?n) WHERE {
  VALUES ?top { kz:Claim kz:Event } ?c a ?class . ?class rdfs:subClassOf+ ?top .
} GROUP BY ?top
"""
STATS_SOURCES = """
SELECT ?source (COUNT(DISTINCT ?claim) AS ?claims) WHERE {
  ?claim kz:hasEvidence ?ev . ?ev oa:hasSource ?src .
  OPTIONAL { ?src dcterms:title ?t }
  BIND(COALESCE(STR(?t), STR(?src)) AS ?source)
} GROUP BY ?source ORDER BY DESC(?claims) ?source
"""
#: Classes of the ontology's own bookkeeping (its classes, properties, schemes), not of the data.
SCHEMA = ("owl:", "rdfs:", "rdf:", "sh:", "skos:ConceptScheme", "skos:Concept")


def stats(store) -> dict:
    """What the graph holds: claims and events (in all, by kind, by source and by section), the
    entities of each class (the ontology's own terms apart), and its triples."""
    triples = int(run_query(store, STATS_TRIPLES).rows[0][0].value)
    classes = [{"class": compact(c.value), "entities": int(n.value)} for c, n in run_query(store, STATS_CLASSES).rows]
    facts = [{"source": s.value, "section": sec.value, "claims": int(n.value)}
             for s, sec, n in run_query(store, STATS_FACTS).rows]
    totals = {compact(top.value): int(n.value) for top, n in run_query(store, STATS_TOTALS).rows}
    kinds = [{"of": compact(top.value), "class": compact(c.value), "kind": kind.value if kind else compact(c.value),
              "count": int(n.value)} for top, c, kind, n in run_query(store, STATS_KINDS).rows]
    sources = [{"source": s.value, "claims": int(n.value)} for s, n in run_query(store, STATS_SOURCES).rows]
    return {"claimCount": totals.get("kz:Claim", 0), "eventCount": totals.get("kz:Event", 0), "kinds": kinds,
            "sources": sources, "claims": facts,
            "classes": [c for c in classes if not c["class"].startswith(SCHEMA)],
            "schema": [c for c in classes if c["class"].startswith(SCHEMA)], "triples": triples}


def stats_text(result: dict) -> str:
    """The statistics as ``kzlod stats`` prints them: what the sources say first, the bookkeeping last."""
    out = [f"claims: {result['claimCount']}, events: {result['eventCount']}"]
    for top, heading in (("kz:Claim", "claims by kind"), ("kz:Event", "events by kind")):
        rows = [k for k in result["kinds"] if k["of"] == top]
        if rows:
            out += ["", f"{heading}:"] + [f"  {k['count']:6d}  {k['kind']}" for k in rows]
    out += ["", "claims and events by source:"] + [f"  {r['claims']:6d}  {r['source']}" for r in result["sources"]]
    out += ["", "by source and section:"]
    out += [f"  {r['claims']:6d}  {r['source']}" + (f" / {r['section']}" if r["section"] else "")
            for r in result["claims"]]
    out += ["", "entities by class:"] + [f"  {r['entities']:6d}  {r['class']}" for r in result["classes"]]
    schema = ", ".join(f"{r['entities']} {r['class']}" for r in result["schema"])
    out += ["", f"ontology: {schema}" if schema else "ontology: none", f"triples: {result['triples']}"]
    return "\n".join(out) + "\n"


def resolve_params(store, bound: dict, named) -> dict:
    """Parameters of a named query whose values name an entity or a concept, resolved as
    :func:`find_entity` resolves names (label, alternative label, prefixed name, IRI). An
    unknown value is a usage error (exit 2) with the closest names."""
    if named is None or not named.kinds:
        return bound
    out = dict(bound)
    for variable, value in bound.items():
        if variable.value not in named.kinds:
            continue
        text = value.value if isinstance(value, ox.Literal) else compact(value.value)
        try:
            out[variable] = find_entity(store, text)
        except UsageError as exc:
            raise UsageError(f"--param {variable.value}: {exc.message}") from None
    return out
