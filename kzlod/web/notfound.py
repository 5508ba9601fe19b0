"""What a browser gets for an address the served site does not have: a page saying what is missing,
with links to the nearest addresses that exist (did you mean…).

A request for HTML (a browser's ``GET``: HTML wanted over plain text) that ends in a 404 — an
entity or source the graph does not hold (a route raising :class:`~kzlod.web.protocol.HttpError`)
or a path no route answers — gets the page ``notfound.html``; any other client, and every other
error, the one plain-text line of :func:`kzlod.web.replies.error_reply`. The nearest addresses are
worked out in a worker (:func:`task_not_found`), from the pages the graph has: the site's own pages,
every labelled entity's (by its address and by its label) and every source's.
"""

from __future__ import annotations

import difflib
import re
import urllib.parse

import pyoxigraph as ox

from kzlod.errors import KzlodError
from kzlod.querying.descriptions import entity_iris
from kzlod.querying.documents import source_list
from kzlod.querying.entities import labels_for
from kzlod.web import replies
from kzlod.web.browse import page
from kzlod.web.links import SERVED, served_link
from kzlod.web.protocol import HttpError, prefers_html
from kzlod.web.shell import SERVED_NAV

#: How many addresses a not-found page suggests.
SUGGESTED = 5
_memo: dict = {}  # id(store) -> the addresses the site has: a worker's store never changes


def wants_html(request) -> bool:
    """A browser's request: a GET (or HEAD) that wants HTML more than plain text."""
    return request.method in ("GET", "HEAD") and prefers_html(request.headers.get("accept"), ["text/plain"])


async def on_error(request, exc: KzlodError):
    """The application's handler of every :class:`~kzlod.errors.KzlodError`: a browser's 404 as a page."""
    if isinstance(exc, HttpError) and exc.status == 404 and wants_html(request):
        return await _page(request, exc.message)
    return await replies.on_error(request, exc)


async def on_missing_route(request, exc):
    """The application's handler of a path no route answers (Starlette's 404)."""
    if wants_html(request):
        return await _page(request, f"no page at {request.url.path}")
    return replies.text("Not Found", 404).response()


async def _page(request, message: str):
    try:
        reply = await request.app.state.pool.arun(("not_found", request.url.path, message))
    except KzlodError:  # no worker to ask (busy, stopping): the plain answer
        return replies.error_reply(HttpError(404, message)).response()
    return reply.response()


# --- what a worker runs --------------------------------------------------------------------

def addresses(store) -> dict[str, tuple[str, str]]:
    """The addresses the site has, by the keys a mistyped one is compared with (lower case): each
    page's path, an entity's local name and its label -> (href, text to show)."""
    key = id(store)
    if key not in _memo:
        found: dict[str, tuple[str, str]] = {}
        for href, text in SERVED_NAV:
            found[href.casefold()] = (href, text)
        iris = entity_iris(store)
        labels = labels_for(store, [ox.NamedNode(i) for i in iris])
        titles = {s.iri: s.title for s in source_list(store)}
        for iri in [*iris, *sorted(titles)]:
            href = served_link(iri)
            if href is None:
                continue
            text = labels.get(iri) or titles.get(iri) or href
            found.setdefault(href.casefold(), (href, text))
            found.setdefault(href.rsplit("/", 1)[-1].casefold(), (href, text))
            found.setdefault(" ".join(text.split()).casefold(), (href, text))
        _memo[key] = found
    return _memo[key]


def suggestions(store, path: str) -> list[tuple[str, str]]:
    """The addresses nearest ``path``: (href, text), the nearest first, each once."""
    known = addresses(store)
    asked = urllib.parse.unquote(path)
    path = asked.casefold()
    last = path.rstrip("/").rsplit("/", 1)[-1]
    words = " ".join(re.split(r"[-_+\s]+", last)).strip()
    scored: dict[str, tuple[float, str]] = {}
    for wanted in {path, last, words} - {""}:
        for match in difflib.get_close_matches(wanted, list(known), n=SUGGESTED, cutoff=0.75):
            href, text = known[match]
            score = difflib.SequenceMatcher(None, wanted, match).ratio()
            if href not in scored or score > scored[href][0]:
                scored[href] = (score, text)
    best = sorted(scored.items(), key=lambda item: (-item[1][0], item[0]))[:SUGGESTED]
    return [(href, text) for href, (_, text) in best if href != asked]


def task_not_found(store, path: str, message: str) -> replies.Reply:
    """The not-found page of ``path``: ``message`` and the nearest addresses."""
    near = suggestions(store, path)
    text = page("notfound.html", "Not found · kzlod", SERVED, message=message, path=path, near=near,
                home=SERVED.href("entities"))
    return replies.page(text, status=404)


#: The tasks a worker runs for these pages (with :mod:`kzlod.web.workers`, through :mod:`kzlod.web.site`).
TASKS = {"not_found": task_not_found}
