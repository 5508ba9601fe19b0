"""kzlod: an evidence-backed knowledge graph of Kazakhstan's foreign relations.

The public API mirrors the command line (:mod:`kzlod.api`)::

    import kzlod
    store = kzlod.load()                       # the project's ontology + data (or the bundled graph)
    result = kzlod.query("memberships", store=store)
    report = kzlod.validate(["new-facts.ttl"])
    card = kzlod.describe(store, "Armenia")
    kzlod.reason_store("oxigraph:kz-store")     # the closure of a store made by 'kzlod load'

Each name is imported on first use, so that 'import kzlod' stays cheap.
"""

from kzlod.version import __version__  # noqa: F401 - kzlod.__version__

__all__ = [
    "load", "query", "search", "vocabulary", "validate", "reason", "reason_store", "write_inferred", "describe",
    "stats", "add", "fmt", "init", "load_store", "source_add", "mentions", "template", "coverage", "locate",
    "diff", "review", "publish", "graph", "push", "serve", "cache_info", "cache_clear", "open_project", "named_queries",
    "KzlodError",
]


def __getattr__(name):
    if name == "KzlodError":
        from kzlod.errors import KzlodError

        return KzlodError
    if name in __all__:
        from kzlod import api

        return getattr(api, name)
    raise AttributeError(f"module 'kzlod' has no attribute {name!r}")
