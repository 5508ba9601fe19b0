"""The linked-data endpoint of ``kzlod serve``: ``/sparql``, ``/id/<local>`` and ``/ontology``.

* ``/sparql`` — the SPARQL 1.1 Protocol (what a request asks: :mod:`kzlod.web.protocol`); a bare
  ``GET`` gives the service description (a browser: as a page, :mod:`kzlod.web.service`); a
  browser's query is sent to the query page;
* ``/id/<local>`` — the entity ``https://w3id.org/kzlod/id/<local>``: HTML for browsers
  (:func:`kzlod.web.pages.render_entity`), its concise bounded description as Turtle,
  N-Triples, JSON-LD or RDF/XML otherwise (:mod:`kzlod.web.rdftext`); ``/ontology`` — the ontology, the same way.

The routes read the request and hand the work to a worker (:data:`TASKS`, run by
:mod:`kzlod.web.workers`), whose :class:`~kzlod.web.replies.Reply` they answer with; an error
is raised, and answered by the application's handler.
"""

from __future__ import annotations

import re
import urllib.parse

from kzlod import settings
from kzlod.errors import QueryError
from kzlod.querying.output import render
from kzlod.querying.run import check_query, run_query
from kzlod.sparqltext import mask_sparql
from kzlod.store.backends import GraphStore, bind_values
from kzlod.vocab import KZD, NAMESPACES, ONTOLOGY
from kzlod.web import answers, pages, protocol, rdftext, replies, service
from kzlod.web.links import LOCAL, SERVED, Site, ontology_link
from kzlod.web.middleware import read_body
from kzlod.web.ontology import render_ontology
from kzlod.web.protocol import GRAPH_FORMATS, GRAPH_TYPES, MEDIA_TYPES, RESULT_TYPES, RESULTS_FORMATS, HttpError
from kzlod.web.replies import Reply

ENTITY_TYPES = {"ttl": "text/turtle", "html": "text/html", "nt": "application/n-triples",
                "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}
VARY = {"Vary": "Accept"}
_FROM = re.compile(r"(?<![:\w?$])FROM\b", re.IGNORECASE)
ONTOLOGY_QUERY = """
CONSTRUCT { ?s ?p ?o } WHERE {
  GRAPH ?g { <https://w3id.org/kzlod/ontology> a <http://www.w3.org/2002/07/owl#Ontology> . ?s ?p ?o }
}"""


# --- the routes ----------------------------------------------------------------------

async def sparql(request):
    """``/sparql``: a query by the protocol, run in a worker; no query: the service description."""
    config, pool = request.app.state.config, request.app.state.pool
    body = await read_body(request, config.max_body, config.body_timeout) if request.method == "POST" else b""
    op = protocol.read_operation(request.method, request.url.query, request.headers.get("content-type"), body)
    accept = request.headers.get("accept")
    if op is None:
        return service_description(request, accept, pool.info).response()
    try:
        kind = check_query(op.query)
    except QueryError as exc:
        raise HttpError(400, exc.message, details=exc.details) from None
    table = GRAPH_TYPES if kind in ("construct", "describe") else RESULT_TYPES
    if request.method == "GET" and op.format is None and protocol.prefers_html(accept, list(table.values())):
        return replies.redirect("/?" + urllib.parse.urlencode({"query": op.query})).response()
    fmt = protocol.choose_format(kind, accept, op.format)
    default_graphs, named_graphs = op.dataset
    task = ("query", op.query, _frozen(default_graphs), _frozen(named_graphs), fmt, endpoint_iri(request))
    return await answers.answer(request, task, headers=VARY)


def _frozen(graphs: list | None) -> tuple | None:
    return None if graphs is None else tuple(graphs)


def service_description(request, accept: str | None, info: dict) -> Reply:
    html = request.method == "GET" and protocol.prefers_html(accept, list(GRAPH_TYPES.values()))
    chosen = None if html else protocol.negotiate(accept, list(GRAPH_TYPES.values()))
    if chosen is None and not html:
        raise HttpError(406, f"the service description is available as {', '.join(GRAPH_TYPES.values())}")
    endpoint = endpoint_iri(request)
    if endpoint is None:
        raise HttpError(400, "the request's Host header does not make a valid endpoint IRI")
    text = protocol.service_description(endpoint, info["graphs"], info["triples"])
    if html:  # a browser: the same description as a page
        return service.service_page(endpoint, text, info).with_headers(VARY)
    if chosen != GRAPH_TYPES["ttl"]:
        import pyoxigraph as ox

        fmt = ox.RdfFormat.N_TRIPLES if chosen == GRAPH_TYPES["nt"] else ox.RdfFormat.JSON_LD
        text = ox.serialize(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE), format=fmt).decode()
    media = chosen + ("; charset=utf-8" if chosen != GRAPH_TYPES["jsonld"] else "")
    return Reply(text.encode("utf-8"), media, headers=tuple(VARY.items()))


def endpoint_iri(request) -> str | None:
    """This endpoint's IRI as the client addressed it (the base IRI of queries), if a valid IRI."""
    import pyoxigraph as ox

    url = str(request.url.replace(query="", fragment=""))
    try:
        ox.NamedNode(url)
    except ValueError:
        return None
    return url


def resource_format(request) -> str:
    """The format a resource is asked for: ``?format=``, else by the Accept header."""
    explicit = request.query_params.get("format")
    if explicit is not None:
        if explicit not in ENTITY_TYPES:
            raise HttpError(400, f"unknown format {explicit[:40]!r}: use one of {', '.join(ENTITY_TYPES)}")
        return explicit
    chosen = protocol.negotiate(request.headers.get("accept"), list(ENTITY_TYPES.values()))
    if chosen is None:
        raise HttpError(406, f"this resource is available as {', '.join(ENTITY_TYPES.values())}")
    return next(k for k, v in ENTITY_TYPES.items() if v == chosen)


async def entity(request):
    """``/id/<local>``: an entity's page or description."""
    local = request.path_params["local"]
    if not LOCAL.match(local) or len(local) > 512:
        raise HttpError(404, "no such entity: not a kzlod identifier")
    return await answers.answer(request, ("entity", KZD + local, resource_format(request)), headers=VARY)


async def ontology(request):
    """``/ontology``: the ontology's documentation or its triples."""
    return await answers.answer(request, ("ontology", resource_format(request)), headers=VARY)


def routes() -> list:
    from starlette.routing import Route

    return [
        Route("/sparql", sparql, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/id/{local:path}", entity, methods=["GET"]),
        Route("/ontology", ontology, methods=["GET"]),
        Route("/ontology/{version:path}", ontology, methods=["GET"]),
    ]


# --- what a worker runs ----------------------------------------------------------------

class DatasetView(GraphStore):
    """A store seen through the protocol dataset (the store's union default graph when none was given;
    then FROM / FROM NAMED in the query take over)."""

    def __init__(self, store, default_graphs, named_graphs, base_iri=None):
        import pyoxigraph as ox

        self.store, self.name, self.base_iri = store, store.name, base_iri
        if default_graphs is None and named_graphs is None:
            self.dataset = {"use_default_graph_as_union": True}
        else:
            self.dataset = {"default_graph": [ox.NamedNode(g) for g in default_graphs],  # tuples from the route
                            "named_graphs": [ox.NamedNode(g) for g in named_graphs]}

    def query(self, sparql, substitutions=None):
        if substitutions:
            sparql = bind_values(sparql, substitutions)
        chosen = self.dataset
        if "use_default_graph_as_union" in chosen and "from" in sparql.lower() and _FROM.search(mask_sparql(sparql)):
            chosen = {}  # the query's own dataset
        return self.store.store.query(sparql, prefixes=NAMESPACES, base_iri=self.base_iri, **chosen)


def _dataset_query(store, default_graphs, named_graphs, base_iri=None):
    """A store view over the protocol dataset (the store's union default graph when none was given)."""
    return DatasetView(store, default_graphs, named_graphs, base_iri)


def _result(result, fmt: str) -> Reply:
    """A query's result in ``fmt`` (or the first format its kind has)."""
    if result.kind == "graph" and fmt not in GRAPH_TYPES:
        fmt = "ttl"
    elif result.kind != "graph" and fmt not in RESULT_TYPES:
        fmt = "json"
    mtype = {**RESULT_TYPES, **GRAPH_TYPES}[fmt]
    charset = "" if fmt in ("json", "jsonld") else "; charset=utf-8"
    return Reply(render(result, fmt).encode("utf-8"), mtype + charset)


#: The fewest bytes one row (a solution, a triple) takes in each format as pyoxigraph writes it: a
#: serialization shorter than ``rows * MIN_ROW_BYTES`` holds fewer than ``rows`` rows.
MIN_ROW_BYTES = {"json": 3, "xml": 17, "csv": 2, "tsv": 1, "ttl": 4, "nt": 8, "jsonld": 8}


def serialized(view, sparql: str, fmt: str, max_rows: int) -> Reply | None:
    """The answer written by pyoxigraph itself, with no Python work per row; None when this cannot
    give it: an error (said by :func:`run_query`'s way), an ASK as CSV/TSV, or a result that may hold
    more than ``max_rows`` rows (cut by :func:`run_query`'s way, and flagged)."""
    import pyoxigraph as ox

    try:
        results = view.query(sparql)
        if isinstance(results, ox.QueryTriples):
            fmt = fmt if fmt in GRAPH_TYPES else "ttl"
            body = ox.serialize(results, format=GRAPH_FORMATS[fmt], prefixes=NAMESPACES if fmt == "ttl" else None)
        else:
            fmt = fmt if fmt in RESULT_TYPES else "json"
            if isinstance(results, ox.QueryBoolean) and fmt in ("csv", "tsv"):
                return None
            body = results.serialize(format=RESULTS_FORMATS[fmt])
    except (SyntaxError, ValueError, OSError, RuntimeError, TypeError, RecursionError):
        return None  # run again by run_query, which says what is wrong as the CLI does
    finally:
        results = None
    if len(body) >= max_rows * MIN_ROW_BYTES[fmt]:
        return None
    charset = "" if fmt in ("json", "jsonld") else "; charset=utf-8"
    return Reply(body, MEDIA_TYPES[fmt] + charset)


def task_query(store, sparql, default_graphs, named_graphs, fmt, base_iri=None, max_rows=None) -> Reply:
    view = _dataset_query(store, default_graphs, named_graphs, base_iri)
    max_rows = settings.get("max_rows") if max_rows is None else max_rows
    # The route has checked the query (check_query) before making this task, the only way one is made.
    fast = serialized(view, sparql, fmt, max_rows)
    if fast is not None:
        return fast
    result = run_query(view, sparql, timeout=0, max_rows=max_rows)
    reply = _result(result, fmt)
    return reply.with_headers({"X-Kzlod-Truncated": "true"}) if result.truncated else reply


def task_entity(store, iri, fmt) -> Reply:
    import pyoxigraph as ox

    node = ox.NamedNode(iri)
    if not run_query(store, f"ASK {{ {node} ?p ?o }}", timeout=0).boolean:
        raise HttpError(404, f"no entity {iri} in the graph")
    if fmt == "html":
        return replies.page(pages.render_entity(store, iri, SERVED))
    return rdftext.reply(run_query(store, f"DESCRIBE {node}", timeout=0).triples, fmt)


def task_ontology(store, fmt) -> Reply:
    if fmt == "html":
        if not run_query(store, f"ASK {{ <{ONTOLOGY}> ?p ?o }}", timeout=0).boolean:
            raise HttpError(404, "the served graph holds no ontology")
        return replies.page(render_ontology(store, Site(ontology_link, served=True)))
    result = run_query(store, ONTOLOGY_QUERY, timeout=0)
    if not result.triples:
        raise HttpError(404, "the served graph holds no ontology")
    return rdftext.reply(result.triples, fmt)


#: The tasks a worker runs for these routes (with :mod:`kzlod.web.workers`).
TASKS = {"query": task_query, "entity": task_entity, "ontology": task_ontology}
