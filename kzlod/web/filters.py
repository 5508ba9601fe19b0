"""The filters every template may use: how numbers, IRIs, counts and coordinates are written.

One module for the release and the server alike (registered by :mod:`kzlod.web.templating`),
so a number or a prefixed name reads the same on every page. Each takes plain values and
returns text; escaping is the template's (autoescape).
"""

from __future__ import annotations

from kzlod.vocab import compact


def number(value) -> str:
    """A count with thousands separators: ``12,345``."""
    return f"{int(value):,}"


def plural(count, suffix: str = "s") -> str:
    """``suffix`` unless ``count`` is one: ``sentence{{ n|plural }}``."""
    return "" if count == 1 else suffix


def fixed(value, digits: int = 1) -> str:
    """A coordinate with ``digits`` decimals: ``12.5``."""
    return f"{value:.{digits}f}"


def curie(iri: str) -> str:
    """An IRI as a prefixed name where kzlod knows the prefix (``kzd:armenia``), else the IRI."""
    return compact(iri)


FILTERS = {"number": number, "plural": plural, "fixed": fixed, "curie": curie}
