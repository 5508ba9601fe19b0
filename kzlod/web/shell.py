"""The one shell of every page, static (a release read from disk) or served (``kzlod serve``).

A static page inlines its stylesheet and carries its own Content-Security-Policy
(no script, nothing fetched); a served page links the server's stylesheets and,
where it has one, its script, under the server's policy. Both have the same head,
the same header with its navigation, and the body in ``<main>``: the template
``base.html``, which every page extends, lays out what :func:`shell` says.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: The stylesheet of entity, index and ontology pages: inlined in a release, linked when served.
PAGES_CSS = (STATIC_DIR / "pages.css").read_text(encoding="utf-8")
#: The policy a static page declares for itself: inline CSS, images from the release, nothing else.
STATIC_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"
#: The policy of a served page without a script (entity and ontology pages): its stylesheets, nothing else;
#: forms (the search box) only to this site.
SERVED_PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; "
                   "frame-ancestors 'none'")
#: The pages every page's navigation links to, static or served, in order: (key, text).
NAV = (("entities", "Entities"), ("sources", "Sources"), ("claims", "Claims"), ("timeline", "Timeline"),
       ("map", "Map"), ("ontology", "Ontology"))
#: Where they are on the served site, with the served site's own pages (the query page, the endpoint, search).
SERVED_PATHS = {"entities": "/entities", "sources": "/sources", "claims": "/claims", "timeline": "/timeline",
                "map": "/map", "ontology": "/ontology", "query": "/", "sparql": "/sparql", "search": "/search"}
#: Where they are in a static release, relative to its root.
STATIC_PATHS = {"entities": "index.html", "sources": "sources.html", "claims": "claims.html",
                "timeline": "timeline.html", "map": "map.html", "ontology": "ontology.html"}
#: The navigation of the served site: the release's, then the query page and the SPARQL endpoint.
SERVED_NAV = tuple((SERVED_PATHS[key], text) for key, text in NAV) + (("/", "SPARQL query"),
                                                                     ("/sparql", "Service description"))


def site_href(key: str, *, served: bool, root: str = "") -> str:
    """The href of one of the site's pages (:data:`NAV`): absolute when served, relative to ``root`` in a release."""
    return SERVED_PATHS[key] if served else root + STATIC_PATHS[key]


def root_of(home: str | None) -> str:
    """The way up to a release's folder, read off the href of its index (``"../index.html"``: ``"../"``)."""
    return home[: -len("index.html")] if home and home.endswith("index.html") else ""


def shell(title: str, *, served: bool = False, root: str = "", current: str | None = None, search: str = "",
          stylesheets: tuple[str, ...] = ("pages.css",), scripts: tuple[str, ...] = (),
          script: str | None = None) -> dict:
    """What ``base.html`` shows around a page's body.

    Static (``served=False``): inline CSS, a strict CSP of its own, and the release's navigation
    relative to ``root`` (the way up to the release's folder: ``""`` or ``"../"``). Served: the
    server's stylesheets and ``script`` from /static/ (after ``scripts``, the libraries it uses),
    and the same navigation plus the query page, the endpoint and the search box (holding
    ``search``). ``current``: the key (:data:`NAV`) of the page this is, marked in the navigation.
    """
    nav = SERVED_NAV if served else tuple((site_href(key, served=False, root=root), text) for key, text in NAV)
    here = site_href(current, served=served, root=root) if current in (SERVED_PATHS if served else STATIC_PATHS) \
        else None
    return {
        "title": title,
        "served": served,
        "csp": STATIC_CSP,
        "css": _stylesheet() if not served else "",
        "stylesheets": stylesheets if served else (),
        "scripts": (*scripts, script) if served and script else (),
        "home": "/entities" if served else root + "index.html",
        "nav": [{"href": href, "text": text, "current": href == here} for href, text in nav],
        "search": search,
    }


def _stylesheet():
    """The release's inline stylesheet: the package's own file, the one text a page prints unescaped."""
    from markupsafe import Markup

    return Markup(PAGES_CSS)
