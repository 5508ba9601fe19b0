"""The query page of ``kzlod serve``: a SPARQL workbench built on YASGUI.

YASGUI (``@zazuko/yasgui``, MIT) is vendored in ``static/vendor/yasgui/`` (see
docs/web.md and ``scripts/vendor_yasgui.py``), so the page needs no internet access;
``static/workbench.js`` sets it up: YASQE, the editor (SPARQL highlighting, syntax
check, completion of the project's prefixes and of its classes and properties), and
YASR, the results (a sortable, paged table whose terms show as labels linking to
their pages here).

What the server adds, here:

* the page (:func:`query_page`): the named queries as examples with a form for
  their parameters, the query in a ``<textarea>`` that the editor takes over (the
  page, the form and the download links work without JavaScript);
* ``/?example=NAME&PARAM=VALUE…`` binds the parameters in a worker as ``kzlod query
  NAME --param`` does (:func:`task_bind`: values resolved by name, bound with a
  VALUES block), and the page runs the bound query at once; ``/?query=TEXT`` runs TEXT;
* ``/queries.json`` (:func:`queries_json`): the examples, the prefixes, the IRIs the
  pages answer for;
* ``/complete?q=TEXT[&kind=entity|concept|class|property]`` (:func:`task_complete`):
  the terms whose label, alternative label or prefixed name holds TEXT, for the
  parameter fields and the editor.
"""

from __future__ import annotations

import urllib.parse

from kzlod.errors import KzlodError, QueryError, UsageError
from kzlod.querying.entities import resolve_params
from kzlod.querying.run import bind_params, named_queries, run_query
from kzlod.store.backends import bind_values, query_kind
from kzlod.vocab import KZ, KZD, NAMESPACES, ONTOLOGY, OWL, RDF, SKOS, compact
from kzlod.web.protocol import GRAPH_TYPES, RESULT_TYPES, HttpError
from kzlod.web.shell import esc, page

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
_SCHEMA_TYPES = {OWL + "Class", RDF + "Property", OWL + "ObjectProperty", OWL + "DatatypeProperty",
                 OWL + "AnnotationProperty", OWL + "Ontology", SKOS + "ConceptScheme", "http://www.w3.org/ns/shacl#NodeShape",
                 "http://www.w3.org/ns/shacl#PropertyShape"}


# --- the page -------------------------------------------------------------------------

def download_links(query: str, kind: str) -> str:
    """Links to the query's results in every format the endpoint answers it in."""
    table = GRAPH_TYPES if kind in ("construct", "describe") else RESULT_TYPES
    links = []
    for key in table:
        href = "/sparql?" + urllib.parse.urlencode({"query": query, "format": key})
        links.append(f'<a data-format="{key}" href="{esc(href)}" download>{FORMAT_NAMES[key]}</a>')
    return " ".join(links)


def _param_fields(q, values: dict, missing: set) -> str:
    fields = []
    for name, description in q.params.items():
        required = name in q.required
        kind = q.kinds.get(name, "")
        attrs = [f'id="param-{esc(name)}"', f'name="{esc(name)}"', f'value="{esc(values.get(name, ""))}"',
                 'autocomplete="off"', 'spellcheck="false"']
        if kind:
            attrs.append(f'data-kind="{esc(kind)}"')
        if required:
            attrs.append("required")
        if name in missing:
            attrs.append('aria-invalid="true"')
        flag = " (required)" if required else ""
        fields.append(f'<p class="param"><label for="param-{esc(name)}">{esc(name)}{flag}</label> '
                      f'<input {" ".join(attrs)}> <span class="param-help">{esc(description)}</span></p>')
    return "\n".join(fields)


def query_page(named: dict, *, text: str, example: str | None, values: dict | None = None, run: bool = False,
               error: str = "", missing: set | None = None) -> str:
    """The page: the examples and their parameters, the editor holding ``text``, downloads, results.

    ``example`` is the named query the form shows (None: ``text`` is the user's own query);
    ``run``: the page runs ``text`` when it opens; ``error``: why the example was not run.
    """
    values, missing = values or {}, missing or set()
    shown = example if example in named else (DEFAULT_EXAMPLE if DEFAULT_EXAMPLE in named else next(iter(named), None))
    options = []
    if example is None:
        options.append('<option value="" selected>(your query)</option>')
    for name, q in named.items():
        selected = " selected" if name == example else ""
        options.append(f'<option value="{esc(name)}" title="{esc(q.description)}"{selected}>{esc(q.title)}</option>')
    description = named[shown].description if shown and example is not None else ""
    fields = _param_fields(named[example], values, missing) if example in named else ""
    problem = f'<div id="error" class="error" role="alert">{esc(error)}</div>' if error else \
        '<div id="error" class="error" role="alert" hidden></div>'
    prefixes = ", ".join(f"{p}:" for p in ("kz", "kzd", "kzsrc", "rdfs", "skos", "org", "oa", "dcterms"))
    body = f"""
<h1>Query the kzlod graph</h1>
<form id="example-form" method="get" action="/">
<p><label for="example">Example</label>
<select id="example" name="example">{''.join(options)}</select></p>
<p id="example-description">{esc(description)}</p>
<div id="params">{fields}</div>
<p><button type="submit" id="run-example">Run example</button></p>
</form>
{problem}
<form id="query-form" method="get" action="/">
<p class="editor-label"><label for="query">SPARQL</label> <span class="hint">({prefixes}… are predeclared;
Ctrl+Space completes, Ctrl+Enter runs)</span></p>
<div id="workbench" data-run="{'true' if run else 'false'}">
<textarea id="query" name="query" rows="18" cols="100" spellcheck="false" autocomplete="off">{esc(text)}</textarea>
</div>
<p><button type="submit" id="run">Run</button> <span id="status" role="status"></span></p>
</form>
<noscript><p>Showing results here needs JavaScript; the download links below work without it.</p></noscript>
<p id="downloads">Download: <span id="download-links">{download_links(text, query_kind(text))}</span></p>
<div id="results"></div>
"""
    return page("kzlod: SPARQL query", body, served=True, script="workbench.js", current="query",
                scripts=(VENDOR + "yasgui.min.js",),
                stylesheets=(VENDOR + "yasgui.min.css", "style.css", "workbench.css"))


def queries_json(named: dict, namespaces: dict | None = None) -> dict:
    """The examples and what the page needs to show terms: prefixes, the IRIs this server has pages for."""
    return {
        "queries": [{**q.as_dict(), "text": q.text} for q in named.values()],
        "prefixes": namespaces or NAMESPACES,
        "idBase": KZD,
        "ontology": ONTOLOGY,
    }


def _web_message(message: str) -> str:
    """A parameter error as the page says it (the library's words name the command-line option)."""
    return message.replace("needs --param ", "needs the parameter ").replace("--param: ", "").replace("--param ", "")


async def home(request, pool, named: dict, max_body: int):
    """``/``: the page; ``?example=NAME&PARAM=VALUE…`` bound in a worker and run, ``?query=TEXT`` run."""
    from starlette.responses import PlainTextResponse, Response

    params = request.query_params
    query, example = params.get("query"), params.get("example")
    if query is not None and len(query) > max_body:
        return PlainTextResponse(f"query too long for the page: over {max_body} characters\n", status_code=413)
    status, error, run, missing = 200, "", False, set()
    given = [(k, v) for k, v in params.multi_items() if k not in RESERVED]
    values = {k: v for k, v in given}
    if query is not None:
        text, example, run = query, None, True
    elif example is None:
        example = DEFAULT_EXAMPLE if DEFAULT_EXAMPLE in named else next(iter(named), None)
        text = named[example].text if example else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    elif example not in named:
        status, error = 404, f"no example query named {example[:80]!r}; pick one from the list"
        example = DEFAULT_EXAMPLE if DEFAULT_EXAMPLE in named else next(iter(named), None)
        text = named[example].text if example else ""
    else:
        text = named[example].text
        filled = [(k, v) for k, v in given if v.strip()]
        missing = {p for p in named[example].required if p not in dict(filled)}
        if missing:
            error = "Give " + ", ".join(sorted(missing)) + " to run this example."
            status = 200 if not given else 400
        else:
            try:
                text = (await pool.arun(("bind", example, filled)))[1]
                run = True
            except KzlodError as exc:
                status = exc.status if isinstance(exc, HttpError) else 400
                error = exc.message
    html = query_page(named, text=text, example=example, values=values, run=run, error=error, missing=missing)
    return Response(html, status_code=status, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": PAGE_CSP})


async def complete(request, pool):
    """``/complete?q=TEXT&kind=KIND``: up to ``limit`` terms named like TEXT, as JSON."""
    from starlette.responses import JSONResponse, PlainTextResponse

    q = request.query_params.get("q", "")
    kind = request.query_params.get("kind", "entity")
    if kind not in COMPLETE_KINDS:
        return PlainTextResponse(f"unknown kind {kind[:40]!r}: use one of {', '.join(COMPLETE_KINDS)}\n",
                                 status_code=400)
    try:
        limit = max(1, min(50, int(request.query_params.get("limit", "12"))))
    except ValueError:
        return PlainTextResponse("limit must be a number\n", status_code=400)
    if len(q) > 200:
        return PlainTextResponse("q too long: at most 200 characters\n", status_code=400)
    try:
        found = (await pool.arun(("complete", q, kind, limit)))[1]
    except HttpError as exc:
        return PlainTextResponse(exc.message + "\n", status_code=exc.status)
    return JSONResponse({"q": q, "kind": kind, "results": found}, headers={"Cache-Control": "max-age=60"})


# --- tasks run in a worker (the store is the worker's) -------------------------------------

def task_bind(store, name: str, params: list) -> tuple:
    """The named query with its parameters bound as ``kzlod query NAME --param`` binds them."""
    named = named_queries()
    if name not in named:
        raise HttpError(404, f"no example query named {name!r}")
    try:
        bound = resolve_params(store, bind_params(params, named[name]), named[name])
        text = bind_values(named[name].text, bound) if bound else named[name].text
    except (UsageError, QueryError) as exc:
        raise HttpError(400, _web_message(exc.message)) from None
    return ("ok", text)


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


def task_complete(store, q: str, kind: str, limit: int) -> tuple:
    global _index
    if _index is None:
        _index = term_index(store)
    return ("ok", matches(_index, q, kind, limit))


#: The tasks a worker runs for this page (added to :data:`kzlod.web.server.TASKS`).
TASKS = {"bind": task_bind, "complete": task_complete}
