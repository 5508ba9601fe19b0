"""The project's vocabulary at hand (``kzlod vocab``): classes and properties with their
definitions, domains, ranges and the shapes that constrain them; concept schemes with their values."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import pyoxigraph as ox

from kzlod.errors import UsageError
from kzlod.gate.parse import parse_trusted
from kzlod.project import Project
from kzlod.querying.properties import Property, class_properties
from kzlod.querying.run import parse_param
from kzlod.vocab import KZ, NAMESPACES, compact

TERMS = """
SELECT ?term ?kind ?label ?definition WHERE {
  VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty skos:ConceptScheme }
  ?term a ?kind .
  FILTER (isIRI(?term))
  OPTIONAL { ?term rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL { ?term skos:definition ?definition FILTER (LANGMATCHES(LANG(?definition), "en")) }
} ORDER BY ?term ?kind
"""
LINKS = ("SELECT ?p ?o WHERE { ?term ?p ?o . FILTER (isIRI(?o)) "
         "VALUES ?p { rdfs:domain rdfs:range rdfs:subClassOf rdfs:subPropertyOf owl:inverseOf } } ORDER BY ?p ?o")
CONCEPTS = """
SELECT ?concept ?label ?definition WHERE {
  ?concept skos:inScheme ?scheme .
  OPTIONAL { ?concept skos:prefLabel ?label FILTER (LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL { ?concept skos:definition ?definition FILTER (LANGMATCHES(LANG(?definition), "en")) }
} ORDER BY ?concept
"""
# property shapes on a path, with their message, and the scheme they keep values in
SHAPES = """
SELECT ?shape ?name ?message ?scheme WHERE {
  ?shape sh:path ?term .
  OPTIONAL { ?shape sh:name ?name }
  OPTIONAL { ?shape sh:message ?message }
  OPTIONAL { ?shape sh:node/sh:property [ sh:path skos:inScheme ; sh:hasValue ?scheme ] }
} ORDER BY ?shape
"""
TARGETS = ("SELECT ?shape ?comment WHERE { ?shape sh:targetClass ?term . OPTIONAL { ?shape rdfs:comment ?comment } } "
           "ORDER BY ?shape")
KINDS = {"Class": "class", "ObjectProperty": "object property", "DatatypeProperty": "datatype property",
         "ConceptScheme": "concept scheme"}


@dataclass
class Term:
    iri: str
    kind: str
    label: str = ""
    definition: str = ""
    links: dict = field(default_factory=dict)  # domain, range, subClassOf … -> [iri]
    shapes: list = field(default_factory=list)  # {"shape", "name", "message"}
    scheme: str | None = None  # the scheme a property's values come from
    values: list = field(default_factory=list)  # a scheme's concepts: {"iri", "label", "definition"}
    properties: list[Property] = field(default_factory=list)  # a class's, from the shapes
    rules: list[str] = field(default_factory=list)  # what a class's shapes say of a whole instance

    def as_dict(self) -> dict:
        return {"iri": self.iri, "id": compact(self.iri), "kind": self.kind, "label": self.label,
                "definition": self.definition, "links": {k: [compact(v) for v in vs] for k, vs in self.links.items()},
                "shapes": self.shapes, "scheme": compact(self.scheme) if self.scheme else None,
                "values": self.values, "properties": [p.as_dict() for p in self.properties], "rules": self.rules}


def _store(files) -> ox.Store:
    store = ox.Store()
    for path in files:
        store.extend(parse_trusted(path))
    return store


def _query(store, sparql: str, **bind):
    for name, value in bind.items():  # IRIs written in (Oxigraph substitutes only projected variables)
        sparql = sparql.replace(f"?{name} ", f"{value} ").replace(f"?{name} .", f"{value} .")
    return store.query(sparql, prefixes=NAMESPACES)


def terms(project: Project) -> list[Term]:
    """Every class, property and concept scheme the project's ontology declares (no details)."""
    onto = _store(project.ontology_files())
    found: dict[str, Term] = {}
    for row in _query(onto, TERMS):
        iri = row["term"].value
        kind = KINDS[row["kind"].value.rsplit("#", 1)[-1]]
        if iri in found:
            continue
        found[iri] = Term(iri, kind, row["label"].value if row["label"] else "",
                          row["definition"].value if row["definition"] else "")
    return sorted(found.values(), key=lambda t: (list(KINDS.values()).index(t.kind), t.iri))


def term(project: Project, name: str) -> Term:
    """One term in full: its definition and links, the shapes that constrain it, and the values
    it takes (a scheme's concepts, or those of the scheme a property's shapes keep it in)."""
    all_terms = {t.iri: t for t in terms(project)}
    value = parse_param(name if ":" in name or name.startswith("<") else f"kz:{name}")
    if not isinstance(value, ox.NamedNode) or value.value not in all_terms:
        known = [compact(i) for i in all_terms]
        close = difflib.get_close_matches(compact(value.value) if isinstance(value, ox.NamedNode) else name,
                                          known, n=3, cutoff=0.6)
        hint = f" Did you mean: {', '.join(close)}?" if close else " ('kzlod vocab' lists them)"
        raise UsageError(f"no class, property or concept scheme {name!r} in the ontology.{hint}")
    found = all_terms[value.value]
    onto, shapes = _store(project.ontology_files()), _store(project.shapes_files())
    for row in _query(onto, LINKS, term=value):
        found.links.setdefault(compact(row["p"].value), []).append(row["o"].value)
    if found.kind == "class":
        for row in _query(shapes, TARGETS, term=value):
            found.shapes.append({"shape": compact(row["shape"].value),
                                 "comment": row["comment"].value if row["comment"] else ""})
        found.properties, found.rules = class_properties(onto, shapes, value.value)
    elif found.kind != "concept scheme":
        for row in _query(shapes, SHAPES, term=value):
            found.shapes.append({"shape": compact(row["shape"].value),
                                 "name": row["name"].value if row["name"] else "",
                                 "message": row["message"].value if row["message"] else ""})
            if row["scheme"] is not None:
                found.scheme = row["scheme"].value
    scheme = value.value if found.kind == "concept scheme" else found.scheme
    if scheme:
        for row in _query(onto, CONCEPTS, scheme=ox.NamedNode(scheme)):
            found.values.append({"iri": row["concept"].value, "id": compact(row["concept"].value),
                                 "label": row["label"].value if row["label"] else "",
                                 "definition": row["definition"].value if row["definition"] else ""})
    return found


def term_text(t: Term) -> str:
    out = [f"{compact(t.iri)} ({t.label}) — {t.kind}" if t.label else f"{compact(t.iri)} — {t.kind}"]
    if t.definition:
        out.append(f"  {t.definition}")
    for key, values in t.links.items():
        out.append(f"  {key}: {', '.join(compact(v) for v in values)}")
    for s in t.shapes:
        out.append(f"  shape {s['shape']}: {s.get('message') or s.get('comment') or s.get('name', '')}")
    out += properties_text(t.properties, t.rules)
    if t.values:
        out.append(f"  values{f' ({compact(t.scheme)})' if t.scheme else ''}:")
        width = max(len(v["id"]) for v in t.values)
        out += [f"    {v['id']:<{width}}  {v['label']}" + (f" — {v['definition']}" if v["definition"] else "")
                for v in t.values]
    return "\n".join(out) + "\n"


def properties_text(props: list[Property], rules: list[str]) -> list[str]:
    """A class's properties by level: each with how many values and which (a scheme's concepts on
    the lines under it), and the class whose shape says so when it is a class above."""
    import textwrap

    out = []
    width = max((len(compact(p.path)) for p in props), default=0)
    counts = max((len(p.count) for p in props), default=0)
    for level in ("required", "recommended", "optional"):
        chosen = [p for p in props if p.level == level]
        if not chosen:
            continue
        out.append(f"  {level}:")
        for p in chosen:
            line = f"    {compact(p.path):<{width}}  {p.count:<{counts}}  {p.allowed}"
            out.append(line.rstrip())
            if p.concepts:
                out += textwrap.wrap(", ".join(compact(c) for c in p.concepts), 100,
                                     initial_indent=" " * (width + 6), subsequent_indent=" " * (width + 6),
                                     break_on_hyphens=False)
    out += [f"  also: {rule}" for rule in rules]
    return out


def terms_text(found: list[Term]) -> str:
    out, kind = [], None
    for t in found:
        if t.kind != kind:
            kind = t.kind
            out.append(("\n" if out else "") + {"class": "Classes", "object property": "Object properties",
                                                  "datatype property": "Datatype properties",
                                                  "concept scheme": "Concept schemes"}[kind] + ":")
        own = t.iri.startswith(KZ)
        out.append(f"  {compact(t.iri):<34} {t.label}" if own else f"  {compact(t.iri)}")
    return "\n".join(out) + "\n"
