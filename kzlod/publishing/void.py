"""The dataset description of a release: VoID, DCAT and DCTERMS in ``void.ttl``.

Two datasets are described: the asserted graph
``<https://w3id.org/kzlod/dataset/V>`` and the same graph with its OWL RL
inferences ``<https://w3id.org/kzlod/dataset/V/closure>``. For each:

* ``void:triples`` — distinct triples;
* ``void:entities`` — distinct IRIs in ``void:uriSpace``
  (``https://w3id.org/kzlod/id/``) that are the subject of a triple;
* ``void:distinctSubjects`` / ``void:distinctObjects`` — distinct subjects
  and objects (blank nodes included); ``void:properties`` — distinct
  predicates; ``void:classes`` — distinct objects of ``rdf:type``;
* ``void:classPartition [ void:class C ; void:entities n ]`` — n distinct
  subjects typed C (blank nodes included);
* ``void:propertyPartition [ void:property P ; void:triples n ]``;
* one ``dcat:Distribution`` per dump file, with its media type, byte size,
  SHA-256 checksum (``spdx:checksum``), licence and a download URL relative
  to ``void.ttl``;
* ``dcterms:license`` — the ontology's licence (CC BY 4.0 for the bundled
  graph), on each dataset and each distribution, and ``dcterms:rights`` — a
  statement that the source texts the claims quote stay their authors' works.

Relative IRIs are written as such: read ``void.ttl`` with its own location
as the base IRI.
"""

from __future__ import annotations

import pyoxigraph as ox

from kzlod.files.turtle import serialize
from kzlod.vocab import DCT, FOAF, NAMESPACES, ONTOLOGY, OWL, PROV, RDF_TYPE, RDFS_LABEL, XSD

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
IANA = "https://www.iana.org/assignments/media-types/"

DATASET = "https://w3id.org/kzlod/dataset"
URI_SPACE = NAMESPACES["kzd"]
TITLE = "kzlod: an evidence-backed knowledge graph of Kazakhstan's foreign relations"
DESCRIPTION = (
    "States, organisations, people and offices, and the claims sources make about Kazakhstan's foreign "
    "relations (relations and their tone, cooperation, trade, memberships, agreements, stances, events), each "
    "claim with its evidence down to the verbatim quote and its position in the source text. Published as "
    "dumps of the asserted graph and of the graph with its OWL 2 RL inferences; the N-Quads dumps hold one "
    "named graph per source document, plus graphs for the ontology, the entities and the inferences."
)
RIGHTS = (
    "The graph's own statements are under the licence given by dcterms:license. The source texts its claims "
    "quote (kz:text, and the quotes of the evidence) are the works of their authors, included as evidence; "
    "that licence does not cover them."
)

#: Base of relative IRIs while the description is built; written as relative IRIs.
RELATIVE = "https://release.kzlod.invalid/"
PREFIXES = dict(NAMESPACES) | {"void": VOID, "dcat": DCAT, "spdx": SPDX, "prov": PROV}


def N(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def lit(value, datatype: str | None = None, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(str(value), language=lang)
    if isinstance(value, int) and datatype is None:
        datatype = XSD + "integer"
    return ox.Literal(str(value), datatype=N(datatype)) if datatype else ox.Literal(str(value))


def namespace(iri: str) -> str:
    """The vocabulary an IRI belongs to: the longest project prefix, else up to the last # or /."""
    best = ""
    for ns in NAMESPACES.values():
        if iri.startswith(ns) and len(ns) > len(best):
            best = ns
    if best:
        return best
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1] if cut > 0 else iri


def statistics(graphs, *, closure: bool = False) -> dict:
    """The VoID numbers of a release's asserted graph or closure (definitions in the module's docstring).

    Counted by SPARQL in the release's store (:class:`kzlod.publishing.release.Graphs`), so
    a million triples are never Python objects.
    """
    def rows(q):
        return list(graphs.query(q, closure=closure))

    def number(q):
        return int(rows(q)[0]["n"].value)

    distinct = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    classes = {r["c"].value: int(r["n"].value) for r in rows(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDF_TYPE}> ?c FILTER(isIRI(?c)) }} GROUP BY ?c")}
    properties = {r["p"].value: int(r["n"].value) for r in rows(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {distinct} GROUP BY ?p")}
    return {
        "triples": graphs.count(closure=closure),
        "entities": number(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o "
                           f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), \"{URI_SPACE}\")) }}"),
        "distinctSubjects": number("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "distinctObjects": number("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        "properties": len(properties),
        "classes": number(f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?s <{RDF_TYPE}> ?c }}"),
        "classPartition": dict(sorted(classes.items())),
        "propertyPartition": dict(sorted(properties.items())),
        "vocabularies": sorted({namespace(p) for p in properties} | {namespace(c) for c in classes}),
    }


def _ontology_values(graphs, predicate: str) -> list:
    return graphs.ontology_values(predicate)


class _Builder:
    def __init__(self):
        self.triples: list = []
        self.n = 0

    def add(self, s, p: str, o) -> None:
        self.triples.append(ox.Triple(s, N(p), o))

    def bnode(self) -> ox.BlankNode:
        self.n += 1
        return ox.BlankNode(f"v{self.n}")


def _dataset(b: _Builder, graphs, node, stats: dict, *, title: str, description: str, version: str, date: str,
             dumps: list[dict], sparql_endpoint: str | None) -> None:
    add = b.add
    add(node, RDF_TYPE, N(VOID + "Dataset"))
    add(node, RDF_TYPE, N(DCAT + "Dataset"))
    add(node, DCT + "title", lit(title, lang="en"))
    add(node, DCT + "description", lit(description, lang="en"))
    licences = _ontology_values(graphs, DCT + "license")
    for value in licences:
        add(node, DCT + "license", value)
    for value in _ontology_values(graphs, DCT + "creator"):
        add(node, DCT + "creator", value)
    rights = b.bnode()
    add(node, DCT + "rights", rights)
    add(rights, RDF_TYPE, N(DCT + "RightsStatement"))
    add(rights, RDFS_LABEL, lit(RIGHTS, lang="en"))
    add(node, DCAT + "version", lit(version))
    add(node, OWL + "versionInfo", lit(version))
    add(node, DCT + "isVersionOf", N(DATASET))
    add(node, DCT + "issued", lit(date, XSD + "date"))
    add(node, DCT + "modified", lit(date, XSD + "date"))
    add(node, DCT + "conformsTo", N(ONTOLOGY))
    add(node, DCAT + "landingPage", N(RELATIVE + "index.html"))
    for source in graphs.sources():
        add(node, DCT + "source", N(source))
    add(node, VOID + "uriSpace", lit(URI_SPACE))
    for vocab in stats["vocabularies"]:
        add(node, VOID + "vocabulary", N(vocab))
    for key in ("triples", "entities", "distinctSubjects", "distinctObjects", "properties", "classes"):
        add(node, VOID + key, lit(stats[key]))
    for cls, count in stats["classPartition"].items():
        part = b.bnode()
        add(node, VOID + "classPartition", part)
        add(part, VOID + "class", N(cls))
        add(part, VOID + "entities", lit(count))
    for prop, count in stats["propertyPartition"].items():
        part = b.bnode()
        add(node, VOID + "propertyPartition", part)
        add(part, VOID + "property", N(prop))
        add(part, VOID + "triples", lit(count))
    if sparql_endpoint:
        add(node, VOID + "sparqlEndpoint", N(sparql_endpoint))
    for d in dumps:
        url = N(RELATIVE + d["path"])
        if not d["compressed"]:
            add(node, VOID + "dataDump", url)
        dist = b.bnode()
        add(node, DCAT + "distribution", dist)
        add(dist, RDF_TYPE, N(DCAT + "Distribution"))
        add(dist, DCT + "title", lit(d["format"] + (", gzip" if d["compressed"] else ""), lang="en"))
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "mediaType", N(IANA + d["media_type"]))
        if d["compressed"]:
            add(dist, DCAT + "compressFormat", N(IANA + "application/gzip"))
        add(dist, DCAT + "byteSize", lit(d["bytes"], XSD + "nonNegativeInteger"))
        add(dist, DCT + "issued", lit(date, XSD + "date"))
        for value in licences:
            add(dist, DCT + "license", value)
        checksum = b.bnode()
        add(dist, SPDX + "checksum", checksum)
        add(checksum, RDF_TYPE, N(SPDX + "Checksum"))
        add(checksum, SPDX + "algorithm", N(SPDX + "checksumAlgorithm_sha256"))
        add(checksum, SPDX + "checksumValue", lit(d["sha256"], XSD + "hexBinary"))


def description_triples(graphs, *, version: str, date: str, dumps: list[dict],
                        sparql_endpoint: str | None = None) -> list:
    """The description as triples; relative IRIs start with :data:`RELATIVE`."""
    b = _Builder()
    asserted, closure = N(f"{DATASET}/{version}"), N(f"{DATASET}/{version}/closure")
    doc = N(RELATIVE + "void.ttl")
    b.add(doc, RDF_TYPE, N(VOID + "DatasetDescription"))
    b.add(doc, DCT + "title", lit(f"Description of the kzlod release {version}", lang="en"))
    b.add(doc, FOAF + "primaryTopic", asserted)
    b.add(doc, FOAF + "topic", closure)
    _dataset(b, graphs, asserted, statistics(graphs), title=TITLE, description=DESCRIPTION,
             version=version, date=date, dumps=[d for d in dumps if not d["closure"]], sparql_endpoint=sparql_endpoint)
    _dataset(b, graphs, closure, statistics(graphs, closure=True), title=TITLE + ", with OWL 2 RL inferences",
             description="The asserted graph of this release together with what OWL 2 RL reasoning (owlrl) infers "
                         "from it; in the N-Quads dump the inferred triples are in the named graph "
                         "<https://w3id.org/kzlod/graph/inferred>.",
             version=version, date=date, dumps=[d for d in dumps if d["closure"]], sparql_endpoint=None)
    b.add(closure, PROV + "wasDerivedFrom", asserted)
    return b.triples


def describe_release(graphs, *, version: str, date: str, dumps: list[dict], sparql_endpoint: str | None = None) -> str:
    """``void.ttl``: canonical Turtle with download URLs relative to the file."""

    triples = description_triples(graphs, version=version, date=date, dumps=dumps, sparql_endpoint=sparql_endpoint)
    iris = {t.value for tr in triples for t in (tr.subject, tr.predicate, tr.object) if isinstance(t, ox.NamedNode)}
    iris |= {tr.object.datatype.value for tr in triples if isinstance(tr.object, ox.Literal)}
    prefixes = {p: ns for p, ns in sorted(PREFIXES.items()) if any(i.startswith(ns) for i in iris)}
    return serialize(triples, prefixes).replace("<" + RELATIVE, "<")
