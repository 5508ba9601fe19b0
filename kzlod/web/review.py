"""The review of ``kzlod review --html``: one standalone HTML page, rendered with Jinja2.

The page is :mod:`kzlod.curation.review`'s report as it is: every claim of the source beside the
sentence it cites, its values and their grounding verdicts, for a curator's sign-off. It stands
alone (its style inline, a Content-Security-Policy of its own, no script, nothing fetched), so
that it can be mailed or archived with the sign-off. Jinja2 escapes every value (autoescape), and
data text has its control characters written as escapes first
(:func:`kzlod.text.one_line`), so a stranger's text is shown, never obeyed.
"""

from __future__ import annotations

from pathlib import Path

from kzlod.curation.review import Review
from kzlod.text import one_line
from kzlod.vocab import compact

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: What the page may load: its own inline style, nothing else.
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
VERDICT_CLASS = {"grounded": "grounded", "not worded": "not-worded", "nothing to check": "nothing"}


def _shown(value):
    """Every value the template prints, as text with its control characters escaped."""
    return one_line(value) if isinstance(value, str) else value


def environment():
    """The Jinja2 environment of kzlod's templates: autoescaped, every printed value made printable."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, finalize=_shown,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def review_page(result: Review) -> str:
    """The review as one HTML page."""
    sources = []
    for s in result.sources:
        sources.append({
            "id": s.id, "slug": s.iri.rstrip("/").rsplit("/", 1)[-1], "title": s.title, "creator": s.creator,
            "counts": s.counts(),
            "sentences": [{
                "index": sent.index, "section": sent.section, "text": sent.text,
                "claims": [{
                    "id": compact(c.iri), "kind": c.kind, "verdict": c.verdict,
                    "css": VERDICT_CLASS.get(c.verdict, "unchecked"),
                    "how": (c.modality_label + (f" by {c.holder}" if c.holder else "")
                            + (f", {c.time}" if c.time else "")),
                    "quotes": [{"sentence": i, "quote": q} for i, q in c.quotes],
                    "values": [{"property_label": v.property_label, "label": v.label, "verdict": v.verdict,
                                "wording": v.wording} for v in c.values],
                } for c in sent.claims],
            } for sent in s.sentences],
        })
    return environment().get_template("review.html").render(sources=sources, csp=CSP)
