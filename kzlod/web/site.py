"""The site: the same pages as files of a static release and as routes of ``kzlod serve``.

Pages (static file / served path):

==================================  ======================  ==========================================
static release                      served                  the page
==================================  ======================  ==========================================
``index.html``                      ``/entities``           entities by kind, claims counted (a release: downloads)
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
processes run for these pages (:mod:`kzlod.web.workers`) and :func:`routes` the server's routes
to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cached_property

from kzlod.errors import KzlodError
from kzlod.querying import fulltext
from kzlod.querying.browse import FACETS, claim_facets, claim_info, evidence_of, facet_value, timeline
from kzlod.querying.descriptions import entity_iris
from kzlod.querying.documents import source_document, source_iri, source_list
from kzlod.querying.relations import relation_map
from kzlod.querying.run import run_query
from kzlod.text import spaced
from kzlod.web import answers, browse, notfound, pages, replies
from kzlod.web.browse import FACET_VALUES
from kzlod.web.links import SERVED, SOURCE_NAME, Site, facet_page_name, page_names, source_page_names, static_linker
from kzlod.web.ontology import render_ontology
from kzlod.web.protocol import HttpError
from kzlod.web.svgmap import render_map

SOURCES = "SELECT DISTINCT ?s WHERE { ?s a kz:SourceDocument . FILTER(isIRI(?s)) } ORDER BY ?s"
CLAIMS = "SELECT DISTINCT ?c WHERE { ?c kz:hasEvidence ?e . FILTER(isIRI(?c)) } ORDER BY ?c"
#: The release's documentation, linked from its index: (file, text).
DOCS = [("sources.html", "Sources, every sentence numbered, with the claims citing it"),
        ("claims.html", "Claims by kind, partner, tone, source and year"),
        ("timeline.html", "Timeline of dated claims and events"),
        ("map.html", "Map of Kazakhstan's relations"),
        ("ontology.html", "Ontology documentation (classes, properties, concept schemes)"),
        ("void.ttl", "Dataset description (VoID, DCAT) with counts and checksums"),
        ("SHA256SUMS", "SHA-256 checksums of every file (sha256sum -c SHA256SUMS)")]


# --- a release's files ------------------------------------------------------------------------

def render_site(store, *, downloads: Iterable[dict] = (), version: str | None = None,
                date: str | None = None) -> dict[str, str]:
    """Every HTML file of a static release by relative path (see the table above)."""
    return dict(iter_site(store, downloads=downloads, version=version, date=date))


class _Release:
    """The file names of a release's pages, and the links from a page in one of its folders."""

    def __init__(self, store):
        self.names = page_names(entity_iris(store))
        self.sources = source_page_names(row[0].value for row in run_query(store, SOURCES).rows)
        self.claims = page_names(row[0].value for row in run_query(store, CLAIMS).rows
                                 if row[0].value not in self.names)

    def site(self, folder: str = "") -> Site:
        """Where the pages are from a page in ``folder`` ("" for the release's own folder)."""
        up = "../" if folder else ""
        link = static_linker(self.names, entities="" if folder == "id" else up + "id/", ontology=up + "ontology.html",
                             sources=self.sources, source_dir="" if folder == "source" else up + "source/",
                             claims=self.claims, claim_dir="" if folder == "claim" else up + "claim/")
        return Site(link, served=False, root=up)


def iter_site(store, *, downloads: Iterable[dict] = (), version: str | None = None,
              date: str | None = None) -> Iterator[tuple[str, str]]:
    """The HTML files of a static release, (relative path, text), one at a time: a million triples
    make some 45,000 pages, which a release writes as they come rather than holding them all."""
    made = ReleasePages(store)
    for job in made.jobs():
        page = made.page(job)
        if page is not None:
            yield page
    yield from made.browsing()
    yield "index.html", made.index(downloads=downloads, version=version, date=date)
    yield "ontology.html", render_ontology(store)


class ReleasePages:
    """A release's pages in parts that can be made apart (:mod:`kzlod.publishing.pages` makes them on two
    cores): :meth:`jobs`, one page each (an entity, a claim, a source), made by :meth:`page` in any order
    and any process; :meth:`browsing`, the pages that list many things; :meth:`index`, which gives the
    downloads, last. The file names are read at once; every claim's title, which every page reads,
    when the first page needs it (a forked child reads its own, and this process holds none meanwhile)."""

    def __init__(self, store):
        self.store = store
        self.release = _Release(store)
        self._sites: dict[str, Site] = {}

    @cached_property
    def infos(self) -> dict:
        return claim_info(self.store)  # every claim's title, read once for all the pages

    @cached_property
    def titles(self) -> dict:
        return {c: info.title for c, info in self.infos.items()}

    @cached_property
    def facets(self):
        return claim_facets(self.store)

    def site(self, folder: str = "") -> Site:
        if folder not in self._sites:
            self._sites[folder] = self.release.site(folder)
        return self._sites[folder]

    def jobs(self) -> list[tuple[str, str, str]]:
        """(folder, IRI, file name) of each page made on its own: entities, claims, then sources."""
        return [(folder, iri, name) for folder, items in (("id", self.release.names), ("claim", self.release.claims),
                                                          ("source", self.release.sources))
                for iri, name in items.items()]

    def page(self, job: tuple[str, str, str]) -> tuple[str, str] | None:
        """(relative path, text) of a job's page; None for a source the graph does not describe."""
        folder, iri, name = job
        if folder == "source":
            doc = source_document(self.store, iri, self.infos)
            return None if doc is None else ("source/" + name, browse.render_source(doc, self.site("source")))
        return f"{folder}/{name}", pages.render_entity(self.store, iri, self.site(folder), titles=self.titles)

    def browsing(self) -> Iterator[tuple[str, str]]:
        """The sources' list, the claims' pages, the timeline and the map."""
        store, top = self.store, self.site()
        yield "sources.html", browse.render_sources(source_list(store), top)
        evidence = evidence_of(store)
        yield from _claims_pages(self.facets, self.release, self.infos, evidence)
        yield "timeline.html", browse.render_timeline(timeline(store, self.infos, evidence), top)
        yield "map.html", render_map(relation_map(store), top)

    def index(self, *, downloads: Iterable[dict] = (), version: str | None = None, date: str | None = None) -> str:
        return pages.render_index(self.store, self.site(), downloads=downloads, docs=DOCS, version=version,
                                  date=date, facets=self.facets)


def _claims_pages(facets, release: _Release, infos: dict, evidence: dict) -> Iterator[tuple[str, str]]:
    """``claims.html``, and a page for each facet value the claims page shows."""
    yield "claims.html", browse.render_claims(facets, [], release.site(), infos, evidence)
    in_claims = release.site("claims")
    for facet, values in facets.counts(facets.values).items():
        for value, _ in values[:FACET_VALUES]:
            yield "claims/" + facet_page_name(facet, value), browse.render_claims(
                facets, [(facet, value)], in_claims, infos, evidence)


# --- the served site: what a worker runs -----------------------------------------------------------

_memo: dict = {}  # (store id, what) -> a page or data read once: a worker's store never changes


def _once(store, what: str, make):
    key = (id(store), what)
    if key not in _memo:
        _memo[key] = make()
    return _memo[key]


def task_entities(store):
    facets = _once(store, "facets", lambda: claim_facets(store))
    return _once(store, "entities", lambda: replies.page(pages.render_index(store, SERVED, facets=facets)))


def task_sources(store):
    return _once(store, "sources", lambda: replies.page(browse.render_sources(source_list(store), SERVED)))


def task_source(store, name: str):
    doc = source_document(store, source_iri(name))
    if doc is None:
        raise HttpError(404, f"no source document {source_iri(name)} in the graph")
    return replies.page(browse.render_source(doc, SERVED))


def task_claims(store, chosen: tuple):
    chosen = list(chosen)
    facets = _once(store, "facets", lambda: claim_facets(store))  # seconds on a million triples
    matching = facets.matching(chosen)[:browse.CLAIMS_SHOWN]
    infos = claim_info(store, matching)
    return replies.page(browse.render_claims(facets, chosen, SERVED, infos, evidence_of(store, matching)))


def task_timeline(store):
    return _once(store, "timeline", lambda: replies.page(browse.render_timeline(timeline(store), SERVED)))


def task_map(store):
    return _once(store, "map", lambda: replies.page(render_map(relation_map(store), SERVED)))


def task_search(store, text: str, limit: int):
    """A search of the worker's own graph, in the index of its version (``store.search_key``, set by the worker)."""
    try:
        result = fulltext.search(store, text, key=getattr(store, "search_key", None), limit=limit)
    except KzlodError as exc:  # the search page says what is wrong with the words
        return replies.page(browse.render_search(text, None, SERVED, error=exc.message), status=400)
    return replies.page(browse.render_search(text, result, SERVED))


#: The tasks a worker runs for these pages (with :mod:`kzlod.web.workers`).
TASKS = {"entities": task_entities, "sources": task_sources, "source": task_source, "claims": task_claims,
         "timeline": task_timeline, "map": task_map, "search": task_search, **notfound.TASKS}


# --- the served site: routes ------------------------------------------------------------------------

def _page(task: str):
    """A route to a page made by ``task`` alone."""
    async def page(request):
        return await answers.answer(request, (task,))
    return page


async def source(request):
    name = request.path_params["name"]
    if not SOURCE_NAME.match(name):
        raise HttpError(404, "no such source: not a kzlod source name")
    return await answers.answer(request, ("source", name))


def chosen_facets(items) -> list[tuple[str, str]]:
    """The ``(facet, value)`` pairs of a claims page's query string, checked."""
    chosen = []
    for facet, value in items:
        if facet not in FACETS:
            raise HttpError(400, f"unknown facet {facet[:40]!r}: use {', '.join(FACETS)}")
        if not value.strip() or len(value) > 300:
            raise HttpError(400, f"facet {facet}: give a value (at most 300 characters)")
        chosen.append((facet, facet_value(facet, value)))
    if len(chosen) > 20:
        raise HttpError(400, "at most 20 facet values at once")
    return sorted(set(chosen))


async def claims(request):
    chosen = chosen_facets(request.query_params.multi_items())
    return await answers.answer(request, ("claims", tuple(chosen)))


def _limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 500:
        raise HttpError(400, "limit must be a whole number from 1 to 500")
    return limit


async def search(request):
    text = spaced(request.query_params.get("q", ""))  # no NUL or escape from the address is shown raw
    limit = _limit(request.query_params.get("limit", "50"))
    if not text:
        return replies.page(browse.render_search("", None, SERVED)).response()
    if len(text) > fulltext.MAX_QUERY_CHARS:
        raise HttpError(400, f"search text too long: at most {fulltext.MAX_QUERY_CHARS} characters")
    # the first search builds the index (a million triples: some seconds); later ones open it. The key is
    # the served graph's (its version): /search answers from the graph /sparql answers from.
    state = request.app.state
    key = state.pool.search_key
    fresh = key is None or not fulltext.index_path(key).is_file()
    timeout = max(state.config.timeout, 600.0) if fresh else state.config.timeout
    return await answers.answer(request, ("search", text, limit), timeout=timeout)


def routes() -> list:
    """The server's routes to these pages, answered by the application's pool of workers."""
    from starlette.routing import Route

    return [
        Route("/entities", _page("entities"), methods=["GET"]),
        Route("/sources", _page("sources"), methods=["GET"]),
        Route("/source/{name}", source, methods=["GET"]),
        Route("/claims", claims, methods=["GET"]),
        Route("/timeline", _page("timeline"), methods=["GET"]),
        Route("/map", _page("map"), methods=["GET"]),
        Route("/search", search, methods=["GET"]),
    ]
