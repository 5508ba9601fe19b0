"""The SPARQL 1.1 Protocol, read-only: what a request asks, and in which format to answer.

Pure functions over the parts of an HTTP request (method, query string,
content type, body, Accept), with no web framework: :mod:`kzlod.web.server`
calls them and turns :class:`HttpError` into a response.

* ``GET ?query=``, ``POST`` form (``application/x-www-form-urlencoded``) and
  ``POST`` direct (``application/sparql-query``), UTF-8 only;
* ``default-graph-uri`` / ``named-graph-uri`` select graphs of the store:
  they are names, never fetched; a graph the store lacks is empty;
* updates (``update=``, ``application/sparql-update``) are refused with 403;
* results by Accept (or ``format=``): SPARQL JSON, XML, CSV, TSV for
  SELECT/ASK; Turtle, N-Triples, JSON-LD for CONSTRUCT/DESCRIBE.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field

from kzlod.errors import KzlodError

#: Result formats: key (as in ``kzlod query --format``) -> media type, in order of preference.
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
MEDIA_TYPES = {**RESULT_TYPES, **GRAPH_TYPES}


class _Formats(dict):
    """pyoxigraph's format of each key, looked up when first asked (pyoxigraph is imported late)."""

    def __init__(self, names: dict[str, str], kind: str):
        super().__init__()
        self.names, self.kind = names, kind

    def __missing__(self, key: str):
        import pyoxigraph as ox

        value = getattr(getattr(ox, self.kind), self.names[key])
        self[key] = value
        return value


#: pyoxigraph's serializers of each result format and each graph format.
RESULTS_FORMATS = _Formats({"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV"}, "QueryResultsFormat")
GRAPH_FORMATS = _Formats({"ttl": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD"}, "RdfFormat")
#: W3C format IRIs (https://www.w3.org/ns/formats/) of each result format, for the service description.
FORMAT_IRIS = {
    "json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "tsv": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "ttl": "http://www.w3.org/ns/formats/Turtle",
    "nt": "http://www.w3.org/ns/formats/N-Triples",
    "jsonld": "http://www.w3.org/ns/formats/JSON-LD",
}

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")
KNOWN_PARAMS = {"query", "update", "format", *DATASET_PARAMS, "using-graph-uri", "using-named-graph-uri"}


class HttpError(KzlodError):
    """A request the server refuses: an HTTP status and a one-line message."""

    def __init__(self, status: int, message: str, *, headers: dict | None = None, details: list[str] | None = None):
        super().__init__(message, details=details)
        self.status = status
        self.headers = headers or {}


@dataclass
class Operation:
    """A query operation read from a request."""

    query: str
    default_graphs: list[str] | None = None  # None: not given by the protocol
    named_graphs: list[str] | None = None
    format: str | None = None  # an explicit format= parameter
    params: dict = field(default_factory=dict)

    @property
    def dataset(self) -> tuple[list[str] | None, list[str] | None]:
        """The protocol dataset: both None when the request named no graph."""
        if self.default_graphs is None and self.named_graphs is None:
            return None, None
        return list(self.default_graphs or []), list(self.named_graphs or [])


def media_type(header: str | None) -> tuple[str, dict]:
    """``type/subtype`` (lower case) and its parameters, from a Content-Type header."""
    if not header:
        return "", {}
    parts = header.split(";")
    params = {}
    for part in parts[1:]:
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return parts[0].strip().lower(), params


def _check_charset(params: dict, what: str) -> None:
    charset = params.get("charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise HttpError(415, f"{what} must be UTF-8, not {charset!r}")


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, f"{what} is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None


def parse_pairs(text: str, what: str) -> list[tuple[str, str]]:
    """Name/value pairs of a query string or form body, strictly UTF-8."""
    try:
        return urllib.parse.parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                                      max_num_fields=1000)
    except UnicodeDecodeError:
        raise HttpError(400, f"{what} is not valid UTF-8 once percent-decoded") from None
    except ValueError as exc:
        raise HttpError(400, f"{what}: {exc}") from None


def _group(pairs) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def _one(params: dict, name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise HttpError(400, f"more than one {name!r} parameter: give exactly one")
    return values[0] if values else None


def _refuse_update() -> HttpError:
    return HttpError(403, "updates are refused: this SPARQL endpoint is read-only")


def read_operation(method: str, query_string: str, content_type: str | None, body: bytes) -> Operation | None:
    """The query operation of a request to the endpoint, or None for a bare GET (the service description).

    Raises :class:`HttpError` for every request the protocol does not allow.
    """
    method = method.upper()
    url_params = _group(parse_pairs(query_string, "query string"))
    if method in ("GET", "HEAD"):
        if "update" in url_params or "using-graph-uri" in url_params or "using-named-graph-uri" in url_params:
            raise HttpError(403, "updates are refused: this SPARQL endpoint is read-only (and never by GET)")
        if "query" not in url_params:
            if any(k in url_params for k in DATASET_PARAMS):
                raise HttpError(400, "a dataset was given but no 'query' parameter")
            return None
        return _operation(url_params)
    if method != "POST":
        raise HttpError(405, f"method {method} is not allowed: use GET or POST", headers={"Allow": "GET, HEAD, POST"})
    mtype, ctparams = media_type(content_type)
    if mtype == FORM:
        _check_charset(ctparams, "a form body")
        text = _decode(body, "the form body")
        form = _group(parse_pairs(text, "form body"))
        if "update" in form or "update" in url_params:
            if len(form.get("update", [])) > 1:
                raise HttpError(403, "updates are refused (and more than one 'update' parameter was given)")
            raise _refuse_update()
        if "query" in form and "query" in url_params:
            raise HttpError(400, "more than one 'query' parameter: give it in the body or the URL, not both")
        params = {**url_params}
        for key, values in form.items():
            params[key] = params.get(key, []) + values if key in DATASET_PARAMS or key == "format" else values
        if "query" not in params:
            raise HttpError(400, "no 'query' parameter in the form body")
        return _operation(params)
    if mtype == DIRECT:
        _check_charset(ctparams, "a query")
        if "query" in url_params:
            raise HttpError(400, "a query body and a 'query' parameter: give one query")
        if "update" in url_params:
            raise _refuse_update()
        return _operation({**url_params, "query": [_decode(body, "the query")]})
    if mtype == UPDATE:
        raise _refuse_update()
    if not mtype:
        raise HttpError(415, f"a POST needs a Content-Type: {FORM} or {DIRECT}")
    raise HttpError(415, f"unsupported Content-Type {mtype!r}: use {FORM} or {DIRECT}")


def _operation(params: dict) -> Operation:
    query = _one(params, "query")
    if query is None or not query.strip():
        raise HttpError(400, "the 'query' parameter is empty")
    fmt = _one(params, "format")
    if fmt is not None:
        fmt = format_key(fmt)
    defaults = params.get("default-graph-uri")
    named = params.get("named-graph-uri")
    for iri in (defaults or []) + (named or []):
        check_graph_iri(iri)
    return Operation(query=query, default_graphs=defaults, named_graphs=named, format=fmt,
                     params={k: v for k, v in params.items() if k not in KNOWN_PARAMS})


_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


def check_graph_iri(iri: str) -> None:
    """A graph name must be an absolute IRI; it is only a name (never fetched)."""
    if not _IRI.match(iri) or len(iri) > 4096:
        raise HttpError(400, f"graph name {iri[:80]!r} is not an absolute IRI")


def format_key(value: str) -> str:
    """A ``format=`` value: a short key (json, csv, ttl, …) or a media type."""
    value = value.strip().lower()
    if value in MEDIA_TYPES:
        return value
    for key, mtype in MEDIA_TYPES.items():
        if value == mtype:
            return key
    raise HttpError(400, f"unknown format {value[:40]!r}: use one of {', '.join(MEDIA_TYPES)}")


# --- Accept -----------------------------------------------------------------

def parse_accept(header: str | None) -> list[tuple[str, str, float]]:
    """The media ranges of an Accept header as (type, subtype, q); malformed ranges are skipped."""
    if header is None or not header.strip():
        return [("*", "*", 1.0)]
    ranges = []
    for part in header.split(",")[:64]:
        mtype, params = media_type(part)
        kind, slash, sub = mtype.partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        q = 1.0
        if "q" in params:
            try:
                q = float(params["q"])
            except ValueError:
                continue
            if not 0 <= q <= 1:
                continue
        ranges.append((kind, sub, q))
    return ranges


def quality(ranges, offer: str) -> float:
    """How much an Accept header wants one media type: the q of its most specific matching range."""
    kind, _, sub = offer.partition("/")
    best, best_q = -1, 0.0
    for rkind, rsub, q in ranges:
        if rkind == kind and rsub == sub:
            spec = 2
        elif rkind == kind and rsub == "*":
            spec = 1
        elif rkind == "*" and rsub == "*":
            spec = 0
        else:
            continue
        if spec > best:
            best, best_q = spec, q
    return best_q


def negotiate(header: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers (ties: the first offer), or None if it accepts none."""
    ranges = parse_accept(header)
    best, best_q = None, 0.0
    for offer in offers:
        q = quality(ranges, offer)
        if q > best_q:
            best, best_q = offer, q
    return best


def prefers_html(header: str | None, offers: list[str]) -> bool:
    """True when a client (a browser) wants HTML more than any of the offers."""
    if not header:
        return False
    ranges = parse_accept(header)
    html = quality(ranges, "text/html")
    return html > 0 and html > max((quality(ranges, o) for o in offers), default=0.0)


def choose_format(kind: str, accept: str | None, explicit: str | None = None) -> str:
    """The format key of the answer to a query of ``kind`` (select, ask, construct or describe)."""
    table = GRAPH_TYPES if kind in ("construct", "describe") else RESULT_TYPES
    if explicit is not None:
        if explicit not in table:
            what = "CONSTRUCT/DESCRIBE" if table is GRAPH_TYPES else "SELECT/ASK"
            raise HttpError(400, f"format {explicit!r} does not fit a {what} query: use one of {', '.join(table)}")
        return explicit
    chosen = negotiate(accept, list(table.values()))
    if chosen is None:
        raise HttpError(406, f"none of the accepted media types can be given; available: {', '.join(table.values())}")
    return next(k for k, v in table.items() if v == chosen)


# --- service description --------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"


def service_description(endpoint: str, graphs: list[str], triples: int | None = None) -> str:
    """A SPARQL 1.1 Service Description of the endpoint, in Turtle."""
    import pyoxigraph as ox

    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(name):
        return ox.NamedNode(SD + name)

    try:
        service = ox.NamedNode(endpoint)
    except ValueError:
        raise HttpError(400, "the request's Host does not make a valid endpoint IRI") from None
    dataset, default = ox.BlankNode("dataset"), ox.BlankNode("default")
    out = [
        ox.Triple(service, rdf_type, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, rdf_type, sd("Graph")),
    ]
    for key in MEDIA_TYPES:
        out.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMAT_IRIS[key])))
    if triples is not None:
        out.append(ox.Triple(default, ox.NamedNode("http://rdfs.org/ns/void#triples"), ox.Literal(str(triples), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
    for i, name in enumerate(graphs):
        node = ox.BlankNode(f"g{i}")
        out += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, rdf_type, sd("NamedGraph")),
            ox.Triple(node, sd("name"), ox.NamedNode(name)),
        ]
    out.sort(key=lambda t: (isinstance(t.subject, ox.BlankNode), str(t.subject)))  # one block per resource
    prefixes = {"sd": SD, "void": "http://rdfs.org/ns/void#", "formats": "http://www.w3.org/ns/formats/"}
    return ox.serialize(out, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")
