"""Curating sources: register a text, see what it mentions, turn a template into claims,
find quotes, measure coverage, compare versions."""

from __future__ import annotations

import kzlod.curation.coverage
import kzlod.curation.diff
import kzlod.curation.locate
import kzlod.curation.mentions
import kzlod.curation.review
import kzlod.curation.skeleton
import kzlod.curation.template
from kzlod.api.context import ProjectLike, open_project
from kzlod.curation.register import add_source
from kzlod.web.review import review_page

__all__ = ["source_add", "mentions", "template", "coverage", "locate", "diff", "review", "review_page", "new"]


def source_add(path, *, title: str, author: str, date: str | None = None, slug: str | None = None,
               project: ProjectLike = None):
    """Register a text file as a new source document of the project (``kzlod source add``)."""
    return add_source(open_project(project).require_writable(), path, title=title, author=author,
                               date=date, slug=slug)


def mentions(source: str, *, project: ProjectLike = None) -> dict:
    """The known entities and concepts each sentence of a source mentions (``kzlod mentions``)."""
    return kzlod.curation.mentions.mentions(open_project(project), source)


def template(path, *, project: ProjectLike = None, dry_run: bool = False):
    """Turn the rows of a CSV/TSV template into claims with evidence, and add them (``kzlod template``)."""
    proj = open_project(project)
    return kzlod.curation.template.apply_template(proj if dry_run else proj.require_writable(), path, dry_run=dry_run)


def coverage(source: str | None = None, *, project: ProjectLike = None) -> dict:
    """How many sentences of each source (or of one) the claims cite (``kzlod coverage``)."""
    return kzlod.curation.coverage.coverage(open_project(project), source)


def locate(source: str, quote: str, *, project: ProjectLike = None):
    """Every place a quote occurs verbatim in a source, with its evidence block (``kzlod locate``)."""
    return kzlod.curation.locate.locate(open_project(project), source, quote)


def new(name: str, *, quote: str | None = None, source: str | None = None, occurrence: int | None = None,
        project: ProjectLike = None):
    """A Turtle skeleton of a new instance of a class to fill in, with its evidence block located
    when a quote is given (``kzlod new``; see :mod:`kzlod.curation.skeleton`)."""
    return kzlod.curation.skeleton.skeleton(open_project(project), name, quote, source, occurrence)


def diff(old: str, new: str, *, project: ProjectLike = None) -> dict:
    """The facts added, removed and changed between two versions of the data (``kzlod diff``)."""
    return kzlod.curation.diff.diff(open_project(project), old, new)


def review(source: str | None = None, *, project: ProjectLike = None):
    """Every claim and event of a source (slug, IRI or its text file; default: every source with text)
    beside the sentence it cites, with its values and the grounding verdict of
    :mod:`kzlod.validation.grounding`, for a curator's sign-off (``kzlod review``; see
    :mod:`kzlod.curation.review`): a :class:`~kzlod.curation.review.Review`, ``as_dict()`` for JSON;
    :func:`review_page` renders it as one HTML page."""
    return kzlod.curation.review.review(open_project(project), source)
