"""The one HTML shell of every page, static (a release read from disk) or served (``kzlod serve``).

A static page inlines its stylesheet and carries its own Content-Security-Policy
(no script, nothing fetched); a served page links the server's stylesheets and,
where it has one, its script, under the server's policy. Both have the same head,
the same header with its navigation, and the body in ``<main>``.
"""

from __future__ import annotations

from html import escape
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


def search_box(text: str = "") -> str:
    """The search form of the served site's navigation (a release has no server to search with)."""
    return ('<form class="search" role="search" method="get" action="/search">'
            f'<input type="search" name="q" value="{esc(text)}" maxlength="500" aria-label="Search the graph" '
            'placeholder="Search labels, quotes, sentences"> <button type="submit">Search</button></form>')


def esc(value) -> str:
    """Text or an attribute value, escaped for HTML."""
    return escape(str(value), quote=True)


def page(title: str, body: str, *, home: str | None = None, served: bool = False, script: str | None = None,
         stylesheets: tuple[str, ...] = ("pages.css",), scripts: tuple[str, ...] = (), root: str | None = None,
         current: str | None = None, search: str = "") -> str:
    """A complete HTML document.

    Static (``served=False``): inline CSS, a strict CSP of its own, and the release's
    navigation relative to ``root`` (the way up to the release's folder: ``""`` or ``"../"``;
    by default read off ``home``, the release's index). Served: the server's stylesheets and
    ``script`` from /static/ (after ``scripts``, the libraries it uses), and the same
    navigation plus the query page, the endpoint and the search box (holding ``search``).
    ``current``: the key (:data:`NAV`) of the page this is, marked in the navigation.
    """
    head = ['<meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">', f"<title>{esc(title)}</title>"]
    if root is None:
        root = home[: -len("index.html")] if home and home.endswith("index.html") else ""
    nav = SERVED_NAV if served else tuple((site_href(key, served=False, root=root), text) for key, text in NAV)
    here = site_href(current, served=served, root=root) if current in (SERVED_PATHS if served else STATIC_PATHS) \
        else None
    if served:
        head.append('<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">')
        head += [f'<link rel="stylesheet" href="/static/{esc(name)}">' for name in stylesheets]
        for name in (*scripts, script) if script else ():
            head.append(f'<script src="/static/{esc(name)}" defer></script>')
        brand = '<a class="home" href="/entities">kzlod</a> '
    else:
        head.insert(1, f'<meta http-equiv="Content-Security-Policy" content="{esc(STATIC_CSP)}">')
        head.append(f"<style>\n{PAGES_CSS}</style>")
        brand = f'<a class="home" href="{esc(root)}index.html">kzlod</a> '
    mark = ' aria-current="page"'
    links = " ".join(f'<a href="{esc(href)}"{mark if href == here else ""}>{esc(label)}</a>' for href, label in nav)
    header = f"<header>{brand}<nav>{links}</nav>{search_box(search) if served else ''}</header>\n"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n" + "\n".join(head) + "\n</head>\n<body>\n"
            f"{header}<main>\n{body}\n</main>\n</body>\n</html>\n")
