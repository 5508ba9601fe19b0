"""The Starlette application of ``kzlod serve``: its routes, middleware and error handler.

* ``/`` — the query page, a SPARQL workbench on YASGUI vendored in ``/static`` (no CDN), with
  ``/queries.json`` and ``/complete`` (:mod:`kzlod.web.workbench`);
* ``/sparql``, ``/id/<local>``, ``/ontology`` — the linked-data endpoint (:mod:`kzlod.web.endpoint`);
* ``/entities``, ``/sources``, ``/source/<name>``, ``/claims``, ``/timeline``, ``/map``,
  ``/search`` — the browsing pages (:mod:`kzlod.web.site`);
* ``/static/<file>`` — the pages' stylesheets and scripts, read once.

Routes are small functions of the request; what they share (the pool of workers, the
configuration, the named queries) is in the application's ``state``.
A :class:`~kzlod.errors.KzlodError` raised in a route is answered by one handler
(:func:`kzlod.web.replies.on_error`; a browser's 404 by a page, :mod:`kzlod.web.notfound`).
Every response carries the security headers (:class:`~kzlod.web.middleware.SecurityHeaders`).
"""

from __future__ import annotations

from kzlod.errors import KzlodError
from kzlod.querying.run import named_queries
from kzlod.web import endpoint, notfound, site, workbench
from kzlod.web.middleware import InFlightLimit, SecurityHeaders
from kzlod.web.protocol import HttpError
from kzlod.web.replies import Reply
from kzlod.web.shell import STATIC_DIR

STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}


def static_files() -> dict[str, tuple[bytes, str]]:
    """The files under ``static/`` the server answers for: relative path -> (bytes, media type)."""
    return {p.relative_to(STATIC_DIR).as_posix(): (p.read_bytes(), STATIC_TYPES[p.suffix])
            for p in sorted(STATIC_DIR.rglob("*")) if p.is_file() and p.suffix in STATIC_TYPES}


async def static_file(request):
    name = request.path_params["name"]
    if name not in request.app.state.static:
        raise HttpError(404, "no such file")
    content, ctype = request.app.state.static[name]
    return Reply(content, ctype, headers=(("Cache-Control", "max-age=300"),)).response()


async def favicon(request):
    return Reply(status=204).response()


def middleware(config) -> list:
    """The security headers, the limit of requests in flight, and CORS when asked for."""
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware

    stack = [Middleware(SecurityHeaders), Middleware(InFlightLimit, limit=config.max_in_flight)]
    if config.cors:
        stack.append(Middleware(CORSMiddleware, allow_origins=list(config.cors), allow_methods=["GET", "POST"],
                                allow_headers=["Accept", "Content-Type"], max_age=600))
    return stack


def create_app(pool, config=None):
    """The Starlette application answering from ``pool``'s workers (``config``: the pool's by default)."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    config = config or pool.config
    routes = [*workbench.routes(), *endpoint.routes(), *site.routes(),
              Route("/favicon.ico", favicon, methods=["GET"]),
              Route("/static/{name:path}", static_file, methods=["GET"])]
    handlers = {KzlodError: notfound.on_error, 404: notfound.on_missing_route}  # a browser's 404: a page
    app = Starlette(routes=routes, middleware=middleware(config), exception_handlers=handlers)
    app.state.pool, app.state.config = pool, config
    app.state.named, app.state.namespaces = named_queries(), config.project.namespaces
    app.state.static = static_files()
    return app
