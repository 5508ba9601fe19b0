"""kzlod: an evidence-backed knowledge graph of Kazakhstan's foreign relations.

The public API mirrors the command line::

    import kzlod
    store = kzlod.load()                       # the project's ontology + data (or the bundled graph)
    result = kzlod.query("memberships", store=store)
    report = kzlod.validate(["new-facts.ttl"])
    card = kzlod.describe(store, "Armenia")
    kzlod.reason_store("oxigraph:kz-store")     # the closure of a store made by 'kzlod load'

Heavy libraries (rdflib, pySHACL, owlrl) are imported only when needed.
"""

__version__ = "0.1.0"

__all__ = [
    "load", "query", "search", "validate", "reason", "reason_store", "write_inferred", "describe", "stats", "add",
    "fmt", "init", "open_project", "named_queries", "review", "KzlodError",
]


def __getattr__(name):
    # The API is imported on first use, so that 'import kzlod' stays cheap.
    if name in __all__:
        if name == "KzlodError":
            from kzlod.errors import KzlodError

            return KzlodError
        from kzlod import api

        return getattr(api, name)
    raise AttributeError(f"module 'kzlod' has no attribute {name!r}")
