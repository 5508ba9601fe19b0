"""The site: the same pages as files of a static release and as routes of ``kzlod serve``.

Pages (static file / served path):

==================================  ======================  ==========================================
static release                      served                  the page
==================================  ======================  ==========================================
``index.html``                      ``/entities``           entities by class (a release: downloads too)
``id/<name>.html``                  ``/id/<name>``          an entity (:func:`kzlod.web.pages.render_entity`)
``claim/<name>.html``               ``/id/<name>``          a claim without a label, the same renderer
``sources.html``                    ``/sources``            the sources
``source/<name>.html``              ``/source/<name>``      a source, its sentences numbered (``#s17``)
``claims.html``, ``claims/*.html``  ``/claims?kind=…``      claims with facets (a release: one value at a time)
``timeline.html``                   ``/timeline``           dated claims and events
``map.html``                        ``/map``                the relation map, linked
``ontology.html``                   ``/ontology``           the ontology's documentation
(none: no server)                   ``/search?q=…``         full-text search (:mod:`kzlod.querying.fulltext`)
==================================  ======================  ==========================================

:func:`render_site` makes a release's files; :data:`TASKS` are what the server's worker
processes run for these pages and :func:`routes` the server's routes to them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kzlod.errors import KzlodError
from kzlod.querying import browse as data
from kzlod.querying import fulltext
from kzlod.querying.relations import relation_map
from kzlod.querying.run import run_query
from kzlod.vocab import KZD, KZSRC, ONTOLOGY
from kzlod.web import browse, pages
from kzlod.web.browse import FACET_VALUES, Site
from kzlod.web.protocol import HttpError
from kzlod.web.shell import SERVED_PAGE_CSP

_LOCAL = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$")
_NAME = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,200}$")
SOURCES = "SELECT DISTINCT ?s WHERE { ?s a kz:SourceDocument . FILTER(isIRI(?s)) } ORDER BY ?s"
CLAIMS = "SELECT DISTINCT ?c WHERE { ?c kz:hasEvidence ?e . FILTER(isIRI(?c)) } ORDER BY ?c"


def served_link(iri: str) -> str | None:
    """The path on the served site that answers for an IRI (None: served elsewhere, shown as text):
    a source document's page, an entity's, the ontology's."""
    if iri.startswith(KZSRC) and _NAME.match(iri[len(KZSRC):]):
        return "/source/" + iri[len(KZSRC):]
    if iri.startswith(KZD) and _LOCAL.match(iri[len(KZD):]):
        return "/id/" + iri[len(KZD):]
    if iri == ONTOLOGY:
        return "/ontology"
    if iri.startswith(ONTOLOGY + "#") and len(iri) > len(ONTOLOGY) + 1:
        return "/ontology#" + pages.anchor(iri)
    return None


SERVED = Site(served_link, served=True)


# --- a release's files ------------------------------------------------------------------------

def render_site(store, *, downloads: Iterable[dict] = (), version: str | None = None,
                date: str | None = None) -> dict[str, str]:
    """Every HTML file of a static release by relative path (see the table above)."""
    return dict(iter_site(store, downloads=downloads, version=version, date=date))


def iter_site(store, *, downloads: Iterable[dict] = (), version: str | None = None,
              date: str | None = None) -> Iterator[tuple[str, str]]:
    """The HTML files of a static release, (relative path, text), one at a time: a million triples
    make some 45,000 pages, which a release writes as they come rather than holding them all."""
    entities = pages.entity_iris(store)
    names = pages.page_names(entities)
    source_iris = [row[0].value for row in run_query(store, SOURCES).rows]
    sources = pages.source_page_names(source_iris)
    claims = pages.page_names(c for (c,) in ((row[0].value,) for row in run_query(store, CLAIMS).rows)
                              if c not in names)

    def linker(folder: str):
        """Links from a page in ``folder`` ("" for the release's own folder)."""
        up = "../" if folder else ""
        return pages.static_linker(names, entities="" if folder == "id" else up + "id/", ontology=up + "ontology.html",
                                   sources=sources, source_dir="" if folder == "source" else up + "source/",
                                   claims=claims, claim_dir="" if folder == "claim" else up + "claim/")

    infos = data.claim_info(store)  # every claim's title, read once for all the pages
    titles = {c: info.title for c, info in infos.items()}
    for folder, items in (("id", names), ("claim", claims)):
        link = linker(folder)
        for iri, name in items.items():
            yield f"{folder}/{name}", pages.render_entity(store, iri, link=link, home="../index.html", titles=titles)
    top, nested = Site(linker(""), served=False), Site(linker("source"), served=False, root="../")
    listed = data.source_list(store)
    for iri, name in sources.items():
        doc = data.source_document(store, iri, infos)
        if doc is not None:
            yield "source/" + name, browse.render_source(doc, nested)
    yield "sources.html", browse.render_sources(listed, top)
    facets = data.claim_facets(store)
    evidence = data.evidence_of(store)
    yield "claims.html", browse.render_claims(facets, [], top, infos, evidence)
    in_claims = Site(linker("claims"), served=False, root="../")
    for facet, values in facets.counts(facets.values).items():  # a page for each value the claims page shows
        for value, _ in values[:FACET_VALUES]:
            yield "claims/" + browse.facet_page_name(facet, value), browse.render_claims(
                facets, [(facet, value)], in_claims, infos, evidence)
    yield "timeline.html", browse.render_timeline(data.timeline(store, infos, evidence), top)
    yield "map.html", browse.render_map(relation_map(store), top)
    docs = [("sources.html", "Sources, every sentence numbered, with the claims citing it"),
            ("claims.html", "Claims by kind, partner, tone, source and year"),
            ("timeline.html", "Timeline of dated claims and events"),
            ("map.html", "Map of Kazakhstan's relations"),
            ("ontology.html", "Ontology documentation (classes, properties, concept schemes)"),
            ("void.ttl", "Dataset description (VoID, DCAT) with counts and checksums"),
            ("SHA256SUMS", "SHA-256 checksums of every file (sha256sum -c SHA256SUMS)")]
    yield "index.html", pages.render_index(store, link=linker(""), downloads=downloads, docs=docs, version=version,
                                           date=date)
    yield "ontology.html", pages.render_ontology(store, home="index.html")


# --- the served site: what a worker runs -----------------------------------------------------------

def _html(text: str, status: int = 200) -> tuple:
    return ("ok", "text/html; charset=utf-8", text.encode("utf-8"), {"csp": SERVED_PAGE_CSP, "status": status})


_memo: dict = {}  # (store id, what) -> a page or data read once: a worker's store never changes


def _once(store, what: str, make):
    key = (id(store), what)
    if key not in _memo:
        _memo[key] = make()
    return _memo[key]


def task_entities(store):
    return _once(store, "entities", lambda: _html(pages.render_index(store, link=served_link, served=True)))


def task_sources(store):
    return _once(store, "sources", lambda: _html(browse.render_sources(data.source_list(store), SERVED)))


def task_source(store, name: str):
    doc = data.source_document(store, data.source_iri(name))
    if doc is None:
        raise HttpError(404, f"no source document {data.source_iri(name)} in the graph")
    return _html(browse.render_source(doc, SERVED))


def task_claims(store, chosen: list):
    facets = _once(store, "facets", lambda: data.claim_facets(store))  # seconds on a million triples
    matching = facets.matching(chosen)[:browse.CLAIMS_SHOWN]
    infos = data.claim_info(store, matching)
    return _html(browse.render_claims(facets, chosen, SERVED, infos, data.evidence_of(store, matching)))


def task_timeline(store):
    return _once(store, "timeline", lambda: _html(browse.render_timeline(data.timeline(store), SERVED)))


def task_map(store):
    return _once(store, "map", lambda: _html(browse.render_map(relation_map(store), SERVED)))


def task_search(store, text: str, limit: int, key: str | None):
    try:
        result = fulltext.search(store, text, key=key, limit=limit)
    except KzlodError as exc:
        return _html(browse.render_search(text, None, SERVED, error=exc.message), status=400)
    return _html(browse.render_search(text, result, SERVED))


#: The tasks a worker runs for these pages (added to :data:`kzlod.web.server.TASKS`).
TASKS = {"entities": task_entities, "sources": task_sources, "source": task_source, "claims": task_claims,
         "timeline": task_timeline, "map": task_map, "search": task_search}


# --- the served site: routes ------------------------------------------------------------------------

def routes(pool, config) -> list:
    """The server's routes to these pages, answered by ``pool``'s workers."""
    import anyio.to_thread
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    key = fulltext.index_key(config.project, config.store, config.data)

    def answer(reply) -> Response:
        _, ctype, body, meta = reply
        return Response(body, status_code=meta.get("status", 200), media_type=ctype,
                        headers={"Content-Security-Policy": meta.get("csp", SERVED_PAGE_CSP)})

    def error(exc: KzlodError) -> Response:
        status = exc.status if isinstance(exc, HttpError) else 400
        lines = [line.replace("\r", " ").replace("\n", " ") for line in [exc.message, *exc.details]]
        return PlainTextResponse("\n".join(lines) + "\n", status_code=status)

    def simple(task_name: str):
        async def handler(request):
            try:
                return answer(await pool.arun((task_name,)))
            except KzlodError as exc:
                return error(exc)
        return handler

    async def source(request):
        name = request.path_params["name"]
        try:
            if not _NAME.match(name):
                raise HttpError(404, "no such source: not a kzlod source name")
            return answer(await pool.arun(("source", name)))
        except KzlodError as exc:
            return error(exc)

    async def claims(request):
        try:
            chosen = []
            for facet, value in request.query_params.multi_items():
                if facet not in data.FACETS:
                    raise HttpError(400, f"unknown facet {facet[:40]!r}: use {', '.join(data.FACETS)}")
                if not value.strip() or len(value) > 300:
                    raise HttpError(400, f"facet {facet}: give a value (at most 300 characters)")
                chosen.append((facet, data.facet_value(facet, value)))
            if len(chosen) > 20:
                raise HttpError(400, "at most 20 facet values at once")
            return answer(await pool.arun(("claims", sorted(set(chosen)))))
        except KzlodError as exc:
            return error(exc)

    async def search(request):
        text = request.query_params.get("q", "").strip()
        try:
            limit = int(request.query_params.get("limit", "50"))
        except ValueError:
            limit = 0
        try:
            if not 1 <= limit <= 500:
                raise HttpError(400, "limit must be a whole number from 1 to 500")
            if not text:
                return answer(_html(browse.render_search("", None, SERVED)))
            if len(text) > fulltext.MAX_QUERY_CHARS:
                raise HttpError(400, f"search text too long: at most {fulltext.MAX_QUERY_CHARS} characters")
            # the first search builds the index (a million triples: some seconds); later ones open it
            fresh = key is None or not fulltext.index_path(key).is_file()
            timeout = max(config.timeout, 600.0) if fresh else config.timeout
            reply = await anyio.to_thread.run_sync(pool.run, ("search", text, limit, key), timeout)
            return answer(reply)
        except KzlodError as exc:
            return error(exc)

    return [
        Route("/entities", simple("entities"), methods=["GET"]),
        Route("/sources", simple("sources"), methods=["GET"]),
        Route("/source/{name}", source, methods=["GET"]),
        Route("/claims", claims, methods=["GET"]),
        Route("/timeline", simple("timeline"), methods=["GET"]),
        Route("/map", simple("map"), methods=["GET"]),
        Route("/search", search, methods=["GET"]),
    ]

