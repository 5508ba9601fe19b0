"""An entity's or the ontology's RDF as the server sends it: Turtle, N-Triples, JSON-LD or RDF/XML.

Turtle is the project's canonical form (:func:`kzlod.files.turtle.serialize`): it declares only
the prefixes it uses, and writes an IRI as a prefixed name only where the local name needs no
escape (``kzsrc:foreign-policy``, but ``<https://w3id.org/kzlod/id/source/foreign-policy/sentence/27>``
in full, never ``kzsrc:foreign-policy\\/sentence\\/27``). RDF/XML names the namespaces of the
predicates it writes, no others.
"""

from __future__ import annotations

import re

from kzlod.files.turtle import serialize
from kzlod.vocab import NAMESPACES
from kzlod.web.replies import Reply

#: The formats of a resource: key (``?format=``) -> media type, in order of preference.
FORMATS = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
           "rdf": "application/rdf+xml"}
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def predicate_prefixes(triples, namespaces: dict) -> dict:
    """The prefixes RDF/XML writes its predicates with: each predicate's longest namespace whose
    rest is an XML name."""
    used = {}
    for iri in {t.predicate.value for t in triples}:
        fits = [(p, ns) for p, ns in namespaces.items() if iri.startswith(ns) and _XML_NAME.match(iri[len(ns):])]
        if fits:
            p, ns = max(fits, key=lambda item: len(item[1]))
            used[p] = ns
    return used


def rdf_text(triples, fmt: str, namespaces: dict | None = None) -> str:
    """``triples`` in the format ``fmt`` (a key of :data:`FORMATS`)."""
    import pyoxigraph as ox

    namespaces = namespaces or NAMESPACES
    triples = list(triples)
    if fmt == "ttl":
        return serialize(triples, namespaces, only_used=True)
    if fmt == "rdf":
        return ox.serialize(triples, format=ox.RdfFormat.RDF_XML,
                            prefixes=predicate_prefixes(triples, namespaces)).decode("utf-8")
    formats = {"nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
    return ox.serialize(triples, format=formats[fmt]).decode("utf-8")


def reply(triples, fmt: str) -> Reply:
    """The answer carrying ``triples`` in ``fmt``."""
    charset = "" if fmt == "jsonld" else "; charset=utf-8"
    return Reply(rdf_text(triples, fmt).encode("utf-8"), FORMATS[fmt] + charset)
