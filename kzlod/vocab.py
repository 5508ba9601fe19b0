"""The vocabulary every layer shares: namespaces, well-known IRIs and ``compact``.

Nothing here reads a file or imports another kzlod module; it is the bottom
of the package, with :mod:`kzlod.errors` and :mod:`kzlod.sparqltext`.
"""

from __future__ import annotations

import functools

NAMESPACES = {
    "kz": "https://w3id.org/kzlod/ontology#",
    "kzd": "https://w3id.org/kzlod/id/",
    "kzsrc": "https://w3id.org/kzlod/id/source/",
    "kzsh": "https://w3id.org/kzlod/shapes#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "oa": "http://www.w3.org/ns/oa#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": "http://www.wikidata.org/entity/",
}

KZ = NAMESPACES["kz"]
KZD = NAMESPACES["kzd"]
KZSRC = NAMESPACES["kzsrc"]
RDF = NAMESPACES["rdf"]
RDFS = NAMESPACES["rdfs"]
OWL = NAMESPACES["owl"]
XSD = NAMESPACES["xsd"]
SKOS = NAMESPACES["skos"]
SH = NAMESPACES["sh"]
OA = NAMESPACES["oa"]
DCT = NAMESPACES["dcterms"]
TIME = NAMESPACES["time"]
PROV = NAMESPACES["prov"]
FOAF = NAMESPACES["foaf"]

RDF_TYPE = RDF + "type"
RDF_LANGSTRING = RDF + "langString"
RDFS_LABEL = RDFS + "label"
XSD_STRING = XSD + "string"

#: The ontology's own IRI (its owl:Ontology node and release graph).
ONTOLOGY = "https://w3id.org/kzlod/ontology"


def compact(iri: str, namespaces: dict | None = None) -> str:
    """``kzd:russia`` for a project or well-known IRI, else the IRI itself (for display only)."""
    if not namespaces:
        return _compact_known(iri)
    return _compact(iri, namespaces)


@functools.lru_cache(maxsize=1 << 16)
def _compact_known(iri: str) -> str:
    """:func:`compact` with the project's namespaces, remembered: a release's pages write some IRIs
    tens of thousands of times."""
    return _compact(iri, NAMESPACES)


def _compact(iri: str, namespaces: dict) -> str:
    best = None
    for prefix, ns in namespaces.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(namespaces[best])):
            local = iri[len(ns):]
            if local and all(c.isalnum() or c in "-_./" for c in local):
                best = prefix
    return f"{best}:{iri[len(namespaces[best]):]}" if best else iri
