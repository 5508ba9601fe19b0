"""The query page of ``kzlod serve``: a SPARQL workbench built on YASGUI.

YASGUI (``@zazuko/yasgui``, MIT) is vendored in ``static/vendor/yasgui/`` (see
docs/web.md and ``scripts/vendor_yasgui.py``), so the page needs no internet access;
``static/workbench.js`` sets it up: YASQE, the editor (SPARQL highlighting, syntax
check, completion of the project's prefixes and of its classes and properties), and
YASR, the results (a sortable, paged table whose terms show as labels linking to
their pages here).

What the server adds, here:

* the page (:func:`query_page`, laid out by ``query.html``): the named queries as
  examples with a form for their parameters, the query in a ``<textarea>`` that the
  editor takes over (the page, the form and the download links work without JavaScript);
* ``/?example=NAME&PARAM=VALUE…`` binds the parameters in a worker as ``kzlod query
  NAME --param`` does (:func:`task_bind`: values resolved by name, bound with a
  VALUES block), and the page runs the bound query at once; ``/?query=TEXT`` runs TEXT;
* ``/queries.json`` (:func:`queries_json`): the examples, the prefixes, the IRIs the
  pages answer for;
* ``/complete?q=TEXT[&kind=entity|concept|class|property]`` (:func:`task_complete`):
  the terms whose label, alternative label or prefixed name holds TEXT, for the
  parameter fields and the editor;
* ``/unknown?query=TEXT`` (:func:`task_unknown`): the terms of the project's namespaces the
  query names that the graph does not hold, each with the closest held ones and the query with
  each of them in its place (:mod:`kzlod.querying.unknown`), which the page says above the results.
"""

from __future__ import annotations

import difflib
import json
import urllib.parse

from kzlod.errors import KzlodError, QueryError, UsageError
from kzlod.querying.entities import find_entity, resolve_params
from kzlod.querying.run import bind_params, named_queries, run_query
from kzlod.querying.unknown import held_in, replace_term, unknown_terms
from kzlod.store.backends import bind_values, query_kind
from kzlod.vocab import KZ, KZD, NAMESPACES, ONTOLOGY, OWL, RDF, SKOS, compact
from kzlod.web import replies
from kzlod.web.protocol import GRAPH_TYPES, RESULT_TYPES, HttpError
from kzlod.web.replies import status_of
from kzlod.web.shell import shell
from kzlod.web.templating import render

#: The two stylesheets YASR's table (its column-resizer) adds as ``<style>`` elements: its handles'
#: rules and the cursor while a column is dragged. The page's policy allows these two by hash, no
#: other inline style (tests/web/test_workbench.py finds both texts in the vendored bundle).
RESIZER_STYLE_HASHES = ("'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
                        "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='")
#: The policy of the query page: the server's own (only this origin's scripts, styles and fetches;
#: no eval, no inline script) plus those two stylesheets. YASGUI runs under it: it sets element
#: styles through the DOM, which a policy does not restrict, and fetches nothing from elsewhere.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' " + " ".join(RESIZER_STYLE_HASHES) + "; "
            "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
VENDOR = "vendor/yasgui/"
DEFAULT_EXAMPLE = "memberships"
#: Names of the query string that are not parameters of a named query.
RESERVED = {"query", "example"}
FORMAT_NAMES = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV", "ttl": "Turtle", "nt": "N-Triples",
                "jsonld": "JSON-LD"}
COMPLETE_KINDS = ("entity", "concept", "class", "property")
#: The prefixes the page says the endpoint predeclares (it gives every query all of NAMESPACES, which the
#: editor knows too: /queries.json's "predeclared").
PREDECLARED = ", ".join(f"{p}:" for p in ("kz", "kzd", "kzsrc", "rdfs", "skos", "org", "oa", "dcterms"))
_SCHEMA_TYPES = {OWL + "Class", RDF + "Property", OWL + "ObjectProperty", OWL + "DatatypeProperty",
                 OWL + "AnnotationProperty", OWL + "Ontology", SKOS + "ConceptScheme", "http://www.w3.org/ns/shacl#NodeShape",
                 "http://www.w3.org/ns/shacl#PropertyShape"}


# --- the page -------------------------------------------------------------------------

def download_links(query: str, kind: str) -> list[tuple[str, str, str]]:
    """Links to the query's results in every format the endpoint answers it in: (format, href, name)."""
    table = GRAPH_TYPES if kind in ("construct", "describe") else RESULT_TYPES
    return [(key, "/sparql?" + urllib.parse.urlencode({"query": query, "format": key}), FORMAT_NAMES[key])
            for key in table]


def _first(named: dict) -> str | None:
    """The example the page shows when none is asked for."""
    return DEFAULT_EXAMPLE if DEFAULT_EXAMPLE in named else next(iter(named), None)


def _param_fields(q, values: dict, missing: set) -> list[dict]:
    return [{"name": name, "help": description, "value": values.get(name, ""), "kind": q.kinds.get(name, ""),
             "required": name in q.required, "missing": name in missing} for name, description in q.params.items()]


def query_page(named: dict, *, text: str, example: str | None, values: dict | None = None, run: bool = False,
               error: str = "", missing: set | None = None, near: list | None = None) -> str:
    """The page: the examples and their parameters, the editor holding ``text``, downloads, results.

    ``example`` is the named query the form shows (None: ``text`` is the user's own query);
    ``run``: the page runs ``text`` when it opens; ``error``: why the example was not run, and
    ``near``: what may have been meant, (text, href) pairs.
    """
    shown = example if example in named else _first(named)
    form = {
        "own": example is None,
        "examples": [(name, q.title, q.description, name == example) for name, q in named.items()],
        "description": named[shown].description if shown and example is not None else "",
        "fields": _param_fields(named[example], values or {}, missing or set()) if example in named else [],
        "error": error,
        "near": near or [],
        "prefixes": PREDECLARED,
        "run": run,
        "text": text,
        "downloads": download_links(text, query_kind(text)),
    }
    return render("query.html", form=form, shell=shell(
        "kzlod: SPARQL query", served=True, script="workbench.js", current="query", scripts=(VENDOR + "yasgui.min.js",),
        stylesheets=(VENDOR + "yasgui.min.css", "style.css", "workbench.css")))


def queries_json(named: dict, namespaces: dict | None = None) -> dict:
    """The examples and what the page needs to show terms: prefixes, the IRIs this server has pages for."""
    return {
        "queries": [{**q.as_dict(), "text": q.text} for q in named.values()],
        "prefixes": namespaces or NAMESPACES,
        "predeclared": NAMESPACES,  # what kzlod.web.endpoint gives every query: declared or not, these work
        "idBase": KZD,
        "ontology": ONTOLOGY,
    }


def _web_message(message: str) -> str:
    """A parameter error as the page says it (the library's words name the command-line option)."""
    return message.replace("needs --param ", "needs the parameter ").replace("--param: ", "").replace("--param ", "")


# --- the routes -------------------------------------------------------------------------

async def home(request):
    """``/``: the page; ``?example=NAME&PARAM=VALUE…`` bound in a worker and run, ``?query=TEXT`` run."""
    state, params = request.app.state, request.query_params
    named, query, example = state.named, params.get("query"), params.get("example")
    if query is not None and len(query) > state.config.max_body:
        raise HttpError(413, f"query too long for the page: over {state.config.max_body} characters")
    given = [(k, v) for k, v in params.multi_items() if k not in RESERVED]
    page = {"values": dict(given), "run": False, "error": "", "missing": set(), "near": []}
    status = 200
    if query is not None:
        page.update(text=query, example=None, run=True)
    elif example is None:
        example = _first(named)
        page.update(example=example, text=named[example].text if example else "SELECT * WHERE { ?s ?p ?o } LIMIT 10")
    elif example not in named:
        status, example = 404, _first(named)
        page.update(example=example, text=named[example].text if example else "",
                    error=f"no example query named {params.get('example')[:80]!r}; pick one from the list",
                    near=[(name, example_href(name, given)) for name in
                          difflib.get_close_matches(params.get("example")[:80], list(named), n=3, cutoff=0.6)])
    else:
        status = await _bind(state.pool, named[example], given, page)
        page["example"] = example
    return replies.page(query_page(named, **page), status, PAGE_CSP).response()


async def _bind(pool, q, given: list, page: dict) -> int:
    """Bind an example's parameters in a worker (into ``page``); the page's status."""
    page["text"] = q.text
    filled = [(k, v) for k, v in given if v.strip()]
    page["missing"] = {p for p in q.required if p not in dict(filled)}
    if page["missing"]:
        page["error"] = "Give " + ", ".join(sorted(page["missing"])) + " to run this example."
        return 200 if not given else 400
    try:
        page["text"], page["run"] = await pool.arun(("bind", q.name, filled)), True
    except KzlodError as exc:  # the page shows what is wrong with the parameters, and what may have been meant
        page["near"] = await pool.arun(("near", q.name, filled)) if status_of(exc) == 400 else []
        page["error"] = exc.message.split(" Did you mean")[0] if page["near"] else exc.message
        return status_of(exc)
    return 200


def example_href(name: str, params: list) -> str:
    """The address that binds and runs the example ``name`` with ``params``."""
    return "/?" + urllib.parse.urlencode([("example", name), *params])


async def complete(request):
    """``/complete?q=TEXT&kind=KIND``: up to ``limit`` terms named like TEXT, as JSON."""
    q = request.query_params.get("q", "")
    kind = request.query_params.get("kind", "entity")
    if kind not in COMPLETE_KINDS:
        raise HttpError(400, f"unknown kind {kind[:40]!r}: use one of {', '.join(COMPLETE_KINDS)}")
    try:
        limit = max(1, min(50, int(request.query_params.get("limit", "12"))))
    except ValueError:
        raise HttpError(400, "limit must be a number") from None
    if len(q) > 200:
        raise HttpError(400, "q too long: at most 200 characters")
    found = await request.app.state.pool.arun(("complete", q, kind, limit))
    return replies.data({"q": q, "kind": kind, "results": found}, {"Cache-Control": "max-age=60"}).response()


async def unknown(request):
    """``/unknown?query=TEXT``: the project's terms TEXT names that the graph does not hold, as JSON."""
    query = request.query_params.get("query", "")
    if len(query) > request.app.state.config.max_body:
        raise HttpError(413, f"query too long: over {request.app.state.config.max_body} characters")
    found = await request.app.state.pool.arun(("unknown", query)) if query.strip() else []
    return replies.data({"unknown": found}).response()


async def queries(request):
    """``/queries.json``: the examples, the prefixes, the IRIs the pages answer for."""
    state = request.app.state
    body = json.dumps(queries_json(state.named, state.namespaces), ensure_ascii=False).encode("utf-8")
    return replies.Reply(body, "application/json").response()


def routes() -> list:
    from starlette.routing import Route

    return [
        Route("/", home, methods=["GET"]),
        Route("/queries.json", queries, methods=["GET"]),
        Route("/complete", complete, methods=["GET"]),
        Route("/unknown", unknown, methods=["GET"]),
    ]


# --- tasks run in a worker (the store is the worker's) -------------------------------------

def task_bind(store, name: str, params: list) -> str:
    """The named query with its parameters bound as ``kzlod query NAME --param`` binds them."""
    named = named_queries()
    if name not in named:
        raise HttpError(404, f"no example query named {name!r}")
    try:
        bound = resolve_params(store, bind_params(params, named[name]), named[name])
        text = bind_values(named[name].text, bound) if bound else named[name].text
    except (UsageError, QueryError) as exc:
        raise HttpError(400, _web_message(exc.message)) from None
    return text


def task_near(store, name: str, params: list) -> list[tuple[str, str]]:
    """For each entity or concept a parameter names that the graph does not have, the closest names it
    has, each with the address of the example run with it: (label, href)."""
    q = named_queries()[name]
    global _index
    if _index is None:
        _index = term_index(store)
    near = []
    for param, value in params:
        if param not in q.kinds:
            continue
        try:
            find_entity(store, value)
            continue
        except (UsageError, QueryError, ValueError):  # ValueError: no IRI at all (<a b>)
            pass
        keys = {key: entry for entry in _index if entry["kind"] in ("entity", "concept") for key in entry["keys"]}
        for key in difflib.get_close_matches(" ".join(value.split()).casefold(), list(keys), n=3, cutoff=0.6):
            entry = keys[key]
            option = (entry["label"], example_href(name, [(p, entry["id"] if p == param else v) for p, v in params]))
            if option not in near:
                near.append(option)
    return near


INDEX_QUERY = """
SELECT ?s ?name ?label ?type WHERE {
  ?s rdfs:label|skos:prefLabel|skos:altLabel ?name .
  FILTER (isIRI(?s))
  OPTIONAL { ?s rdfs:label|skos:prefLabel ?label FILTER (LANG(?label) = "" || LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL { ?s a ?type FILTER (isIRI(?type)) }
}"""
_index: list | None = None  # a worker's store is read-only: its index is made once


def _kind(types: set) -> str:
    if types & {OWL + "Class"}:
        return "class"
    if types & {RDF + "Property", OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"}:
        return "property"
    if SKOS + "Concept" in types:
        return "concept"
    if types & _SCHEMA_TYPES:
        return "schema"
    return "entity"


def term_index(store) -> list[dict]:
    """Every IRI with a label: its names (labels, alternative labels, prefixed name), kind and type."""
    found: dict[str, dict] = {}
    for s, name, label, rdf_type in run_query(store, INDEX_QUERY, timeout=0).rows:
        entry = found.setdefault(s.value, {"iri": s.value, "id": compact(s.value), "label": "", "names": set(),
                                           "types": set()})
        entry["names"].add(name.value)
        if label is not None and (not entry["label"] or label.value < entry["label"]):
            entry["label"] = label.value
        if rdf_type is not None:
            entry["types"].add(rdf_type.value)
    out = []
    for entry in found.values():
        types = entry.pop("types")
        own = sorted(t for t in types if t.startswith(KZ)) or sorted(types)
        entry.update(kind=_kind(types), type=compact(own[0]) if own else "",
                     label=entry["label"] or min(entry["names"]))
        entry["keys"] = sorted({n.casefold() for n in entry.pop("names")} | {entry["id"].casefold()})
        out.append(entry)
    return out


def matches(index: list[dict], q: str, kind: str, limit: int) -> list[dict]:
    """Terms of ``kind`` named like ``q``: whole name first, then names that start with it, then the rest."""
    wanted = " ".join(q.split()).casefold()
    scored = []
    for entry in index:
        if entry["kind"] != kind:
            continue
        best = None
        for key in entry["keys"]:
            local = key.split(":", 1)[1] if ":" in key else key
            if not wanted:
                score = 3
            elif key == wanted or local == wanted:
                score = 0
            elif key.startswith(wanted) or local.startswith(wanted):
                score = 1
            elif any(word.startswith(wanted) for word in key.replace("-", " ").split()):
                score = 2
            elif wanted in key:
                score = 3
            else:
                continue
            best = score if best is None else min(best, score)
        if best is not None:
            scored.append((best, not entry["iri"].startswith(KZD), entry["label"].casefold(), entry["iri"], entry))
    scored.sort(key=lambda item: item[:4])
    return [{k: e[k] for k in ("iri", "id", "label", "type")} for *_, e in scored[:limit]]


def task_complete(store, q: str, kind: str, limit: int) -> list[dict]:
    global _index
    if _index is None:
        _index = term_index(store)
    return matches(_index, q, kind, limit)


_held: dict = {}  # namespace -> the IRIs of it the worker's store holds (read once)


def task_unknown(store, query: str) -> list[dict]:
    """The terms of the project's namespaces ``query`` names that the store does not hold: each with
    the closest held terms and, for each, the query with it in the term's place."""
    def held(ns: str) -> list[str]:
        if ns not in _held:
            _held[ns] = held_in(store, ns)
        return _held[ns]

    return [{**u.as_dict(), "fixed": [replace_term(query, u.written, c) for c in u.closest]}
            for u in unknown_terms(store, query, held=held)]


#: The tasks a worker runs for this page (with :mod:`kzlod.web.workers`).
TASKS = {"bind": task_bind, "complete": task_complete, "unknown": task_unknown, "near": task_near}
