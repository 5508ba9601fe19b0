"""The public Python API: one function for every command, over the library.

Every function works on a *project* (see :mod:`kzlod.api.context`): ``project=`` names a
folder or a :class:`~kzlod.project.Project`; without it, the project found from the working
directory upward, else the bundled graph, read-only. A store is named as the command line
names it (``"memory"``, ``"oxigraph:DIR"``, an endpoint URL) or by a
:class:`~kzlod.store.spec.StoreSpec`.

The functions live in modules by what they do (:mod:`.reading`, :mod:`.searching`, :mod:`.checking`,
:mod:`.writing`, :mod:`.curating`, :mod:`.releasing`, :mod:`.caching`); this package gives them all by name,
imported when one is first asked for. A command imports the module it uses, so that
``kzlod query`` loads neither the server nor the curation tools.

>>> import kzlod
>>> store = kzlod.load()
>>> result = kzlod.query("memberships", store=store)
>>> result.records()[0]["organisation"]  # doctest: +SKIP
"""

from __future__ import annotations

#: Every public name and the module of :mod:`kzlod.api` that defines it.
API = {
    "open_project": "context",
    "load": "reading", "query": "reading", "search": "searching", "vocabulary": "searching", "describe": "reading",
    "card_text": "reading", "stats": "reading", "stats_text": "reading", "labels_for": "reading",
    "find_entity": "reading",
    "named_queries": "reading", "resolve_query": "reading", "bind_params": "reading", "resolve_params": "reading",
    "run_query": "reading", "render": "reading", "table": "reading",
    "unknown_terms": "reading", "QueryResult": "reading",
    "reason": "checking", "reason_store": "checking", "write_inferred": "checking", "render_triples": "checking",
    "validate": "checking", "report_text": "checking", "report_turtle": "checking",
    "init": "writing", "add": "writing", "fmt": "writing", "load_store": "writing",
    "source_add": "curating", "mentions": "curating", "template": "curating", "coverage": "curating",
    "locate": "curating", "diff": "curating", "review": "curating", "review_page": "curating", "new": "curating",
    "publish": "releasing", "graph": "releasing", "push": "releasing", "serve": "releasing",
    "cache_info": "caching", "cache_clear": "caching",
}

__all__ = sorted(API)


def __getattr__(name: str):
    if name in API:
        from kzlod.api import caching, checking, context, curating, reading, releasing, searching, writing

        modules = {"caching": caching, "checking": checking, "context": context, "curating": curating,
                   "reading": reading, "releasing": releasing, "searching": searching,
                   "writing": writing}
        return getattr(modules[API[name]], name)
    raise AttributeError(f"module 'kzlod.api' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(API))
