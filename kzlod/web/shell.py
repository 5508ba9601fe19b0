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
#: The policy of a served page without a script (entity and ontology pages): its stylesheets, nothing else.
SERVED_PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
                   "frame-ancestors 'none'")
#: The navigation of the served site.
SERVED_NAV = (("/", "Query"), ("/id/kazakhstan", "Kazakhstan"), ("/ontology", "Ontology"),
              ("/sparql", "Service description"))


def esc(value) -> str:
    """Text or an attribute value, escaped for HTML."""
    return escape(str(value), quote=True)


def page(title: str, body: str, *, home: str | None = None, served: bool = False, script: str | None = None,
         stylesheets: tuple[str, ...] = ("pages.css",)) -> str:
    """A complete HTML document.

    Static (``served=False``): inline CSS, a strict CSP of its own, and a link to ``home``
    (the release's index) when given. Served: the server's stylesheets and ``script``
    from /static/, and the server's navigation.
    """
    head = ['<meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">', f"<title>{esc(title)}</title>"]
    if served:
        nav = SERVED_NAV
        head.append('<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">')
        head += [f'<link rel="stylesheet" href="/static/{esc(name)}">' for name in stylesheets]
        if script:
            head.append(f'<script src="/static/{esc(script)}" defer></script>')
        brand = '<a class="home" href="/">kzlod</a> '
    else:
        nav = ((home, "kzlod index"),) if home else ()
        head.insert(1, f'<meta http-equiv="Content-Security-Policy" content="{esc(STATIC_CSP)}">')
        head.append(f"<style>\n{PAGES_CSS}</style>")
        brand = ""
    links = " ".join(f'<a href="{esc(href)}">{esc(label)}</a>' for href, label in nav)
    header = f"<header>{brand}<nav>{links}</nav></header>\n" if nav else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n" + "\n".join(head) + "\n</head>\n<body>\n"
            f"{header}<main>\n{body}\n</main>\n</body>\n</html>\n")
