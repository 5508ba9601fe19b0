"""What an instance of a class must say and may say, read from the project's shapes: each
property with how many values it takes and which (a class, a datatype, a concept scheme's
concepts), required, recommended or optional. ``kzlod vocab CLASS`` lists them and ``kzlod new
CLASS`` writes them as a skeleton, so neither can drift from what validation checks."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kzlod.vocab import NAMESPACES, compact

#: The class and every class above it (rdfs:subClassOf*), nearest first.
SUPERCLASSES = """
SELECT ?class (COUNT(?mid) AS ?depth) WHERE {
  ?term rdfs:subClassOf* ?mid . ?mid rdfs:subClassOf* ?class .
} GROUP BY ?class ORDER BY ?depth ?class
"""
#: Every property shape of a node shape targeting ?target, with a plain path.
PROPERTY_SHAPES = """
SELECT ?shape ?path ?class ?value ?name ?description ?min ?max ?qmin ?datatype ?nodeKind ?severity ?scheme WHERE {
  ?node sh:targetClass ?target ; sh:property ?shape .
  ?shape sh:path ?path . FILTER (isIRI(?path))
  OPTIONAL { ?shape sh:name ?name FILTER (LANGMATCHES(LANG(?name), "en")) }
  OPTIONAL { ?shape sh:description ?description FILTER (LANGMATCHES(LANG(?description), "en")) }
  OPTIONAL { ?shape sh:minCount ?min }
  OPTIONAL { ?shape sh:maxCount ?max }
  OPTIONAL { ?shape sh:qualifiedMinCount ?qmin }
  OPTIONAL { ?shape sh:datatype|sh:qualifiedValueShape/sh:datatype ?datatype }
  OPTIONAL { ?shape sh:nodeKind|sh:qualifiedValueShape/sh:nodeKind ?nodeKind }
  OPTIONAL { ?shape sh:severity ?severity }
  OPTIONAL { ?shape sh:node/sh:property ?inScheme . ?inScheme sh:path skos:inScheme ; sh:hasValue ?scheme }
  # the classes its values may have (sh:class, or each of an sh:or's)
  OPTIONAL { { ?shape sh:class ?class } UNION { ?shape sh:or/rdf:rest*/rdf:first/sh:class ?class } }
  # the values it allows, listed (sh:in) or fixed (sh:hasValue)
  OPTIONAL { { ?shape sh:in/rdf:rest*/rdf:first ?value } UNION { ?shape sh:hasValue ?value } }
} ORDER BY ?shape
"""
#: What a node shape targeting ?target says of the whole node (its message), beyond its properties.
NODE_RULES = """
SELECT DISTINCT ?message WHERE {
  ?node sh:targetClass ?target ; sh:message ?message . FILTER (LANGMATCHES(LANG(?message), "en"))
} ORDER BY ?message
"""
CONCEPTS = "SELECT ?concept WHERE { ?concept skos:inScheme ?scheme } ORDER BY ?concept"
LEVELS = ("required", "recommended", "optional")


@dataclass
class Property:
    """One property an instance of a class may have, as the shapes constrain it."""

    path: str  # its IRI
    level: str  # required (a violation without it), recommended (a warning or note), optional
    name: str = ""
    description: str = ""
    least: int = 0
    most: int | None = None
    classes: list[str] = field(default_factory=list)  # IRIs
    datatype: str | None = None
    node_kind: str | None = None
    scheme: str | None = None
    concepts: list[str] = field(default_factory=list)  # the scheme's, IRIs
    values: list[str] = field(default_factory=list)  # sh:in / sh:hasValue, as written in Turtle
    of: str = ""  # the class whose shape says it (the class itself or one above it)

    @property
    def count(self) -> str:
        least, most = self.least, self.most
        if most is None:
            return f"{least} or more" if least else "any number"
        if least == most:
            return f"exactly {least}"
        return f"at most {most}" if not least else f"{least} to {most}"

    @property
    def allowed(self) -> str:
        """The values it takes, in a few words."""
        if self.values:
            return "one of " + ", ".join(self.values)
        if self.scheme:
            return f"a concept of {compact(self.scheme)}"
        if self.classes:
            return " or ".join(compact(c) for c in self.classes)
        if self.datatype:
            return compact(self.datatype)
        if self.node_kind:
            return {"IRI": "an IRI", "Literal": "a literal", "BlankNode": "a blank node"}.get(
                self.node_kind.rsplit("#", 1)[-1], compact(self.node_kind))
        return ""

    def as_dict(self) -> dict:
        return {"path": compact(self.path), "level": self.level, "name": self.name,
                "description": self.description, "count": self.count, "min": self.least, "max": self.most,
                "allowed": self.allowed, "classes": [compact(c) for c in self.classes],
                "datatype": compact(self.datatype) if self.datatype else None,
                "scheme": compact(self.scheme) if self.scheme else None,
                "concepts": [compact(c) for c in self.concepts], "values": self.values, "of": compact(self.of)}


def class_properties(onto, shapes, iri: str) -> tuple[list[Property], list[str]]:
    """The properties the shapes give instances of class ``iri`` (its own shapes', then those of the
    classes above it), required first; and what the shapes say of the whole instance (messages of
    node-level constraints). ``onto`` and ``shapes``: pyoxigraph stores of the ontology and shapes."""
    def query(store, sparql, **bind):  # the IRIs bound by a VALUES clause (Oxigraph substitutes projected ones only)
        values = " ".join(f"VALUES ?{k} {{ {v} }}" for k, v in bind.items())
        return store.query(sparql.replace("WHERE {", "WHERE { " + values, 1), prefixes=NAMESPACES)

    lineage = [row["class"].value for row in query(onto, SUPERCLASSES, term=ox.NamedNode(iri))]
    by_path: dict[str, Property] = {}
    rules: list[str] = []
    for target in lineage or [iri]:
        node = ox.NamedNode(target)
        rules += [row["message"].value for row in query(shapes, NODE_RULES, target=node)]
        for row in query(shapes, PROPERTY_SHAPES, target=node):
            path = row["path"].value
            least = max(int(row["min"].value) if row["min"] else 0, int(row["qmin"].value) if row["qmin"] else 0)
            severity = row["severity"].value.rsplit("#", 1)[-1] if row["severity"] else "Violation"
            level = "optional" if not least else ("required" if severity == "Violation" else "recommended")
            found = by_path.get(path)
            if found is None:
                found = by_path[path] = Property(path, level, of=target)
            found.level = min(found.level, level, key=LEVELS.index)
            found.least = max(found.least, least if level == "required" else 0)
            if row["max"] is not None:
                most = int(row["max"].value)
                found.most = most if found.most is None else min(found.most, most)
            found.name = found.name or (row["name"].value if row["name"] else "")
            found.description = found.description or (row["description"].value if row["description"] else "")
            found.datatype = found.datatype or (row["datatype"].value if row["datatype"] else None)
            found.node_kind = found.node_kind or (row["nodeKind"].value if row["nodeKind"] else None)
            if row["scheme"] is not None and not found.scheme:
                found.scheme = row["scheme"].value
                found.concepts = [r["concept"].value for r in query(onto, CONCEPTS, scheme=row["scheme"])]
            if row["class"] is not None and row["class"].value not in found.classes:
                found.classes.append(row["class"].value)
            if row["value"] is not None:
                value = row["value"]
                text = compact(value.value) if isinstance(value, ox.NamedNode) else str(value)
                if text not in found.values:
                    found.values.append(text)
    for found in by_path.values():
        found.classes.sort()  # an sh:or list's order is not the order its members are read in
    props = sorted(by_path.values(), key=lambda p: LEVELS.index(p.level))  # stable: own shapes first
    return props, list(dict.fromkeys(rules))
