"""The service description as a page: what a browser gets at ``/sparql`` without a query.

The endpoint describes itself in RDF (SPARQL 1.1 Service Description,
:func:`kzlod.web.protocol.service_description`) to a client that asks for RDF; a browser asking for
HTML gets this page instead (``service.html``): the endpoint's address, what it answers and in which
formats, the prefixes it predeclares, its graphs, how to ask it, and the same description in Turtle.
"""

from __future__ import annotations

from kzlod.vocab import NAMESPACES
from kzlod.web import replies
from kzlod.web.browse import page
from kzlod.web.links import SERVED
from kzlod.web.protocol import FORMAT_IRIS, GRAPH_TYPES, RESULT_TYPES

FORMAT_NAMES = {"json": "SPARQL Results JSON", "xml": "SPARQL Results XML", "csv": "CSV", "tsv": "TSV",
                "ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD"}


def service_page(endpoint: str, turtle: str, info: dict) -> replies.Reply:
    """The page describing the endpoint at ``endpoint``; ``turtle``: its description in RDF;
    ``info``: its graphs and triples (:func:`kzlod.web.workers.store_info`)."""
    formats = [{"key": key, "name": FORMAT_NAMES[key], "media": media, "iri": FORMAT_IRIS[key], "for": what}
               for table, what in ((RESULT_TYPES, "SELECT, ASK"), (GRAPH_TYPES, "CONSTRUCT, DESCRIBE"))
               for key, media in table.items()]
    service = {
        "endpoint": endpoint,
        "triples": info.get("triples"),
        "graphs": list(info.get("graphs", [])),
        "formats": formats,
        "prefixes": sorted(NAMESPACES.items()),  # what every query here is given (kzlod.web.endpoint)
        "example": "SELECT ?state WHERE { ?state a kz:State } LIMIT 5",
        "turtle": turtle,
        "query_page": SERVED.href("query"),
    }
    return replies.page(page("service.html", "SPARQL endpoint · kzlod", SERVED, "sparql", service=service))
