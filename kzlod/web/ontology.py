"""The ontology's documentation page: its metadata, classes, properties and concept schemes.

:func:`kzlod.querying.ontology.ontology_doc` reads what the page shows; this module names and
links it (a term of the ontology by its anchor on the page) and ``ontology.html`` lays it out.
"""

from __future__ import annotations

import pyoxigraph as ox

from kzlod.querying.ontology import Concept, OntologyDoc, TermDoc, ontology_doc
from kzlod.vocab import ONTOLOGY
from kzlod.web.links import Site, anchor, ontology_link
from kzlod.web.shell import shell
from kzlod.web.templating import render
from kzlod.web.terms import Row, Term, Terms


def render_ontology(store, site: Site | None = None) -> str:
    """The ontology's documentation: metadata, classes, properties and concept schemes,
    with labels, definitions, super- and sub-classes, domains and ranges. ``site``: where the
    page is (its ``link`` names the ontology's terms; by default, anchors on the page)."""
    site = site or Site(ontology_link, served=False)
    doc = ontology_doc(store)
    terms = Terms(doc.labels, site.link)
    page = {
        "doc": doc,
        "iri": ONTOLOGY,
        "meta": _metadata(doc),
        "classes": [_term(terms, c) for c in doc.classes],
        "groups": [{"id": anchor(kind), "heading": heading, "terms": [_term(terms, p) for p in ps]}
                   for kind, heading, ps in doc.groups if ps],
        "schemes": [(_term(terms, s), [_concept(terms, c) for c in tops]) for s, tops in doc.schemes],
    }
    title = f"{doc.title} · documentation"
    return render("ontology.html", shell=shell(title, served=site.served, root=site.root, current="ontology"),
                  page=page)


def _metadata(doc: OntologyDoc) -> list[Row]:
    rows = [Row(Term("text", name), tuple(Term("code" if isinstance(v, ox.NamedNode) else "text", v.value)
                                          for v in values)) for name, values in doc.meta]
    return rows + [Row(Term("text", "Licence"), (Term("external", iri, href=iri, rel="license external noopener"),))
                   for iri in doc.licences]


def _term(terms: Terms, t: TermDoc) -> dict:
    return {"id": anchor(t.iri), "iri": t.iri, "name": terms.name(t.iri), "link": terms.iri(t.iri), "kind": t.kind,
            "notes": t.notes, "rows": [Row(Term("text", heading), terms.terms(values)) for heading, values in t.rows]}


def _concept(terms: Terms, c: Concept) -> dict:
    return {"id": anchor(c.iri), "iri": c.iri, "name": terms.name(c.iri), "alt": ", ".join(c.alt),
            "definition": c.definition, "narrower": [_concept(terms, n) for n in c.narrower]}
