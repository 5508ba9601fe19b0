"""Where the pages are: file names of a release's pages, and the links between pages.

A page links to a resource by asking its :class:`Site`: ``link(iri)`` gives the href of the
resource's page (``None``: no page, shown as text), :meth:`Site.href` the site's own pages
(:data:`kzlod.web.shell.NAV`). A static release links by relative file names
(:func:`static_linker`), the served site by absolute paths (:func:`served_link`).
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kzlod.vocab import KZ, KZD, KZSRC, NAMESPACES, ONTOLOGY, compact
from kzlod.web.shell import site_href

Link = Callable[[str], "str | None"]
LOCAL = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$")
SOURCE_NAME = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,200}$")


def page_name(iri: str) -> str:
    """The file name of an entity's page: its local name, or a sanitised name plus a hash."""
    local = iri.removeprefix(KZD)
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,120}", local):
        return local + ".html"
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", local).strip("-")[:80] or "entity"
    return f"{clean}-{hashlib.sha256(iri.encode('utf-8')).hexdigest()[:10]}.html"


def anchor(iri: str) -> str:
    """An HTML id for a resource shown inside a page."""
    local = re.split(r"[#/]", iri)[-1] or "x"
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", local)
    return clean if clean == local else f"{clean}-{hashlib.sha256(iri.encode('utf-8')).hexdigest()[:8]}"


def page_names(iris: Iterable[str]) -> dict[str, str]:
    """File names of entity pages, unique even on a case-insensitive file system."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for iri in sorted(set(iris)):
        name = page_name(iri)
        if name.casefold() in taken:
            name = f"{name[:-5]}-{hashlib.sha256(iri.encode('utf-8')).hexdigest()[:10]}.html"
        taken.add(name.casefold())
        names[iri] = name
    return names


def source_page_names(iris: Iterable[str]) -> dict[str, str]:
    """File names of source pages: the local name under kzsrc: (``foreign-policy.html``), or a sanitised
    one plus a hash."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for iri in sorted(set(iris)):
        local = iri.removeprefix(KZSRC)
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,120}", local) and (local + ".html").casefold() not in taken:
            name = local + ".html"
        else:
            clean = re.sub(r"[^A-Za-z0-9_-]+", "-", local).strip("-")[:80] or "source"
            name = f"{clean}-{hashlib.sha256(iri.encode('utf-8')).hexdigest()[:10]}.html"
        taken.add(name.casefold())
        names[iri] = name
    return names


def static_linker(pages: Iterable[str], *, entities: str = "", ontology: str = "ontology.html",
                  sources: dict | None = None, source_dir: str = "source/", claims: dict | None = None,
                  claim_dir: str = "claim/") -> Link:
    """Links of a static site: ``entities`` + page name for entities with a page, ``source_dir``
    + page name for sources (``sources``: IRI -> file name), ``claim_dir`` + page name for claims
    without a label (``claims``), ``ontology#anchor`` for ontology terms, nothing for the rest."""
    names = pages if isinstance(pages, dict) else page_names(pages)
    sources = sources or {}
    claims = claims or {}

    def link(iri: str) -> str | None:
        if iri in names:
            return entities + names[iri]
        if iri in sources:
            return source_dir + sources[iri]
        if iri in claims:
            return claim_dir + claims[iri]
        if iri.startswith(KZ) and len(iri) > len(KZ):
            return f"{ontology}#{anchor(iri)}"
        if iri == ONTOLOGY:
            return ontology
        return None

    return link


def served_link(iri: str) -> str | None:
    """The path on the served site that answers for an IRI (None: served elsewhere, shown as text):
    a source document's page, an entity's, the ontology's."""
    if iri.startswith(KZSRC) and SOURCE_NAME.match(iri[len(KZSRC):]):
        return "/source/" + iri[len(KZSRC):]
    if iri.startswith(KZD) and LOCAL.match(iri[len(KZD):]):
        return "/id/" + iri[len(KZD):]
    if iri == ONTOLOGY:
        return "/ontology"
    if iri.startswith(ONTOLOGY + "#") and len(iri) > len(ONTOLOGY) + 1:
        return "/ontology#" + anchor(iri)
    return None


def ontology_link(iri: str) -> str | None:
    """Links inside the ontology page: its own terms by anchor."""
    if iri.startswith(KZ) and len(iri) > len(KZ):
        return "#" + anchor(iri)
    return None


def facet_text(facet: str, value: str) -> str:
    """A facet value as a URL or a file name shows it: a prefixed name where there is one."""
    return value if facet == "year" else compact(value)


def facet_page_name(facet: str, value: str) -> str:
    """The file of a release's claims page with one facet value chosen: ``kind-ToneAssessment.html``."""
    text = facet_text(facet, value)
    local = text.split(":", 1)[1] if ":" in text and text.split(":", 1)[0] in NAMESPACES else text
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", local).strip("-")[:80]
    if clean != local or not clean:
        clean = f"{clean or 'value'}-{hashlib.sha256(value.encode('utf-8')).hexdigest()[:10]}"
    return f"{facet}-{clean}.html"


@dataclass
class Site:
    """Where the pages are: ``link(iri)`` for resources, :meth:`href` for the site's own pages."""

    link: Link
    served: bool
    root: str = ""  # a release: the way up to its folder from the page being made ("" or "../")

    def href(self, key: str) -> str:
        return site_href(key, served=self.served, root=self.root)

    def at(self, source: str, anchor: str) -> str | None:
        """The place ``#anchor`` on a source's page."""
        on = self.link(source)
        return f"{on}#{anchor}" if on else None

    def claims(self, chosen) -> str | None:
        """The claims page with these ``(facet, value)`` chosen; None where a release has no such page."""
        chosen = sorted(set(chosen))
        if self.served:
            query = urllib.parse.urlencode([(f, facet_text(f, v)) for f, v in chosen])
            return "/claims" + (f"?{query}" if query else "")
        if not chosen:
            return self.root + "claims.html"
        if len(chosen) == 1:
            return self.root + "claims/" + facet_page_name(*chosen[0])
        return None

    def with_link(self, link: Link) -> Site:
        """The same site with another ``link`` (a page that links some resources to places on itself)."""
        return Site(link, self.served, self.root)


#: The served site.
SERVED = Site(served_link, served=True)

