"""Terms of the project's namespaces that a query names and the graph does not hold, with the
closest terms it does hold: ``kz:Stat`` → ``kz:State``; and near misses of the W3C vocabularies
the graph uses: ``rdfs:lable`` → ``rdfs:label``.

A query naming a misspelt class, property or entity returns no rows and says nothing; this is
what the query page tells its user above the results. The query is read lightly (strings and
comments masked, :mod:`kzlod.sparqltext`): its ``PREFIX`` declarations and the predeclared
prefixes give the prefixed names their IRIs, and ``<…>`` IRIs count too. A term is held when it
is a subject, predicate or object anywhere in the store (every graph). A term of a shared
vocabulary (RDFS, OWL, SKOS, ORG, PROV, OWL-Time, Web Annotation, …) that the graph does not hold
is reported only when the graph holds one close to it: the graph need not use every term of
those vocabularies, but ``rdfs:lable`` is a slip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from kzlod.files.lexical import PN_LOCAL
from kzlod.querying.run import run_query
from kzlod.sparqltext import iri_tokens, mask_sparql
from kzlod.text import LazyPattern
from kzlod.vocab import KZ, KZD, KZSRC, NAMESPACES

#: The project's own namespaces, whose terms the graph should hold (not rdfs:, skos: …).
OWN = (KZ, KZD, KZSRC)
#: Shared vocabularies whose terms a query may misspell: reported only when a held term is close.
#: Not xsd: (datatypes are no subjects or objects) nor wd: (Wikidata's items are many and alike).
SHARED = tuple(ns for prefix, ns in NAMESPACES.items()
               if ns not in OWN and prefix not in ("kzsh", "xsd", "wd"))
#: How many close terms are offered for each unknown one.
CLOSEST = 3
_PREFIX = LazyPattern(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\"{}|^`\\\s]*)>", re.IGNORECASE)
_PNAME = LazyPattern(r"(?<![\w?$:.<-])([A-Za-z][\w.-]*)?:((?:[\w-]|\.(?=[\w-]))+)")
HELD = "ASK { { ?t ?p ?o } UNION { ?s ?t ?o } UNION { ?s ?p ?t } UNION { GRAPH ?g { ?t ?p ?o } } }"
IN_NAMESPACE = """SELECT DISTINCT ?x WHERE {
  { ?x ?p ?o } UNION { ?s ?x ?o } UNION { ?s ?p ?x }
  FILTER (isIRI(?x) && STRSTARTS(STR(?x), "%s"))
}"""


@dataclass
class Unknown:
    """A term the query names that the graph does not hold."""

    written: str  # as the query writes it: kz:Stat, or <https://…>
    iri: str
    closest: list[str] = field(default_factory=list)  # the nearest held terms, as a query may write them

    def as_dict(self) -> dict:
        return {"written": self.written, "iri": self.iri, "closest": self.closest}


def named_terms(sparql: str, namespaces: dict | None = None) -> dict[str, str]:
    """The IRIs of the project's namespaces a query names: written form -> IRI, in the query's order."""
    prefixes = dict(namespaces or NAMESPACES)
    masked = mask_sparql(sparql)
    for m in _PREFIX.finditer(sparql):
        if masked[m.start():m.start() + 6].upper() == "PREFIX":
            prefixes[m.group(1) or ""] = m.group(2)
    declarations = [(m.start(), m.end()) for m in _PREFIX.finditer(sparql)]
    found: dict[str, str] = {}
    for m in _PNAME.finditer(masked):
        if any(a <= m.start() < b for a, b in declarations):
            continue
        ns = prefixes.get(m.group(1) or "")
        if ns is not None:
            found.setdefault(m.group(), ns + m.group(2))
    for at, iri in iri_tokens(sparql):
        if not any(a <= at < b for a, b in declarations):
            found.setdefault(f"<{iri}>", iri)
    return {written: iri for written, iri in found.items() if iri.startswith(OWN + SHARED)}


def written(iri: str, namespaces: dict | None = None) -> str:
    """``iri`` as a query may write it: the shortest prefixed name needing no escape, else ``<iri>``."""
    names = [f"{p}:{iri[len(ns):]}" for p, ns in (namespaces or NAMESPACES).items()
             if iri.startswith(ns) and PN_LOCAL.fullmatch(iri[len(ns):])]
    return min(names, key=lambda n: (len(n), n)) if names else f"<{iri}>"


def is_held(store, iri: str) -> bool:
    return run_query(store, HELD, {ox.Variable("t"): ox.NamedNode(iri)}, timeout=0).boolean


def held_in(store, namespace: str) -> list[str]:
    """Every IRI of ``namespace`` the store holds."""
    return sorted(row[0].value for row in run_query(store, IN_NAMESPACE % namespace, timeout=0).rows)


def closest(iri: str, held: list[str], n: int = CLOSEST) -> list[str]:
    """The held IRIs whose names are nearest ``iri``'s (its namespace's, compared by their local names)."""
    import difflib  # here: a query's start does not load it
    ns = _namespace(iri)
    by_name: dict[str, list[str]] = {}  # compared without case: kz:state is a near miss of kz:State
    for h in held:
        if h.startswith(ns):
            by_name.setdefault(h[len(ns):].casefold(), []).append(h)
    near = difflib.get_close_matches(iri[len(ns):].casefold(), list(by_name), n=n, cutoff=0.7)
    return [h for name in near for h in sorted(by_name[name])][:n]


def unknown_terms(store, sparql: str, namespaces: dict | None = None, held=None) -> list[Unknown]:
    """The terms of the project's namespaces ``sparql`` names that ``store`` does not hold, each with
    the closest ones it holds. ``held``: a function giving the held IRIs of a namespace (by default
    :func:`held_in`; a server keeps them)."""
    held = held or (lambda ns: held_in(store, ns))
    out = []
    for form, iri in named_terms(sparql, namespaces).items():
        try:
            ox.NamedNode(iri)
        except ValueError:
            continue
        if is_held(store, iri):
            continue
        near = closest(iri, held(_namespace(iri)))
        if near or iri.startswith(OWN):
            out.append(Unknown(form, iri, [written(c, namespaces) for c in near]))
    return out


def _namespace(iri: str) -> str:
    """The longest of the checked namespaces ``iri`` is in."""
    return next((ns for ns in sorted(OWN + SHARED, key=len, reverse=True) if iri.startswith(ns)), "")


def replace_term(sparql: str, form: str, replacement: str) -> str:
    """``sparql`` with every ``form`` it names (a prefixed name or ``<IRI>``, outside strings and comments)
    written ``replacement`` instead."""
    masked = mask_sparql(sparql)
    if form.startswith("<"):
        spans = [(at, at + len(form)) for at, iri in iri_tokens(sparql) if f"<{iri}>" == form]
    else:
        spans = [m.span() for m in _PNAME.finditer(masked) if m.group() == form]
    for a, b in reversed(spans):
        sparql = sparql[:a] + replacement + sparql[b:]
    return sparql
