"""Production triple stores as ``kzlod push`` and ``--endpoint`` reach them.

Each tested store has a profile: where its SPARQL query, SPARQL Update and
Graph Store Protocol services are below its base URL, the authentication its
writing services expect, and whether a Graph Store ``PUT`` and an Update
``MOVE`` replace a graph atomically (docs/production.md says what each does):

============  ==================  ==============  ===========================  ========
store         query               update          graph store                  auth
============  ==================  ==============  ===========================  ========
oxigraph      ``/query``          ``/update``     ``/store``                   none
virtuoso      ``/sparql``         ``/sparql-auth``  ``/sparql-graph-crud-auth``  digest
============  ==================  ==============  ===========================  ========

Any other store is reached with ``--graph-store`` (and ``--update``) URLs.

Credentials are never taken from the command line's output or echoed:
``--user`` (or ``KZLOD_PUSH_USER``) with the password in ``KZLOD_PASSWORD``,
a token in ``KZLOD_TOKEN`` for bearer authentication, or the store host's
entry in ``~/.netrc``. Requests that fail with a 5xx status or a dropped
connection are retried with exponential backoff.
"""

from __future__ import annotations

import base64
import http.client
import json
import netrc
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from kzlod import settings
from kzlod.errors import KzlodError, UsageError


class PushError(KzlodError):
    """The triple store refused or could not be reached (exit 1)."""


@dataclass(frozen=True)
class Profile:
    """Where a kind of store keeps its services, below its base URL, and how it behaves."""

    name: str
    query: str
    update: str
    graph_store: str
    auth: str  # the scheme its writing services use: "none", "basic", "digest"
    atomic_put: bool  # a Graph Store PUT replaces a graph in one transaction
    atomic_move: bool  # a SPARQL Update MOVE does
    #: how a graph too big for one request body is replaced: "stream" (one PUT, its body sent in
    #: chunks: atomic where PUT is), "stage" (chunks into a staging graph, then MOVE) or "chunks"
    big_graphs: str = "stage"


PROFILES = {
    "oxigraph": Profile("oxigraph", "/query", "/update", "/store", "none", atomic_put=True, atomic_move=True,
                        big_graphs="stream"),
    "virtuoso": Profile("virtuoso", "/sparql", "/sparql-auth", "/sparql-graph-crud-auth", "digest",
                        atomic_put=False, atomic_move=False),
}
AUTH_SCHEMES = ("basic", "digest", "bearer")
_SERVICE_TAILS = ("/query", "/sparql", "/update", "/store", "/sparql-auth", "/sparql-graph-crud-auth",
                  "/sparql-graph-crud")


def base_url(endpoint: str) -> str:
    """A store's base URL from itself or from one of its service URLs (``…/query``, ``…/sparql`` …)."""
    if not endpoint.startswith(("http://", "https://")):
        raise UsageError(f"--endpoint must be an http(s) URL, got {endpoint!r}")
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    for tail in sorted(_SERVICE_TAILS, key=len, reverse=True):
        if path.endswith(tail):
            path = path[: -len(tail)]
            break
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@dataclass
class Credentials:
    user: str | None = None
    password: str | None = None
    token: str | None = None

    @property
    def given(self) -> bool:
        return bool(self.user or self.token)


def find_credentials(url: str, user: str | None = None, password: str | None = None) -> Credentials:
    """Credentials for ``url``: the arguments, else ``KZLOD_PUSH_USER``/``KZLOD_PASSWORD``/``KZLOD_TOKEN``,
    else the host's entry in ``~/.netrc`` (or ``$NETRC``)."""
    user = user or settings.get("push_user")
    password = password if password is not None else settings.get("password")
    token = settings.get("token")
    if not user and not token:
        host = urllib.parse.urlsplit(url).hostname or ""
        try:
            entry = netrc.netrc(settings.get("netrc")).authenticators(host)
        except (OSError, netrc.NetrcParseError):
            entry = None
        if entry:
            user, _account, password = entry
    return Credentials(user=user, password=password, token=token)


class Remote:
    """A triple store's services over HTTP: Graph Store Protocol, SPARQL Update and query.

    ``auth``: "basic", "digest" or "bearer" (None: the profile's, when credentials are given).
    Every request is retried ``retries`` times on a 5xx answer or a dropped connection, after
    0.5 s, 1 s, 2 s … Messages name the URL without credentials.
    """

    def __init__(self, graph_store: str, *, update: str | None = None, query: str | None = None,
                 credentials: Credentials | None = None, auth: str | None = None, timeout: float = 120,
                 retries: int = 3, backoff: float = 0.5):
        for name, url in (("--graph-store", graph_store), ("--update", update), ("--endpoint", query)):
            if url is not None and not url.startswith(("http://", "https://")):
                raise UsageError(f"{name} must be an http(s) URL, got {url!r}")
        self.graph_store, self.update_url, self.query_url = graph_store, update, query
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.requests = 0
        credentials = credentials or Credentials()
        handlers: list = []
        self._header = None
        if credentials.token and auth in (None, "bearer"):
            self._header = "Bearer " + credentials.token
        elif credentials.user:
            auth = auth or "basic"
            if auth == "digest":
                manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
                for url in filter(None, (graph_store, update, query)):
                    manager.add_password(None, url, credentials.user, credentials.password or "")
                handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
            elif auth == "basic":
                raw = f"{credentials.user}:{credentials.password or ''}".encode()
                self._header = "Basic " + base64.b64encode(raw).decode()
            else:
                raise UsageError(f"--auth {auth}: a token goes in KZLOD_TOKEN, not --user")
        self._opener = urllib.request.build_opener(*handlers)

    # --- one request, retried -------------------------------------------------------------------

    def _request(self, method: str, url: str, what: str, body=None,
                 headers: dict | None = None, missing: bool = False) -> tuple[int, bytes]:
        """One request, retried; ``body``: bytes, or a function giving an iterable of bytes afresh for
        each attempt (sent with chunked transfer encoding, never held whole)."""
        attempt = 0
        while True:
            data = body() if callable(body) else body
            req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
            if self._header:
                req.add_header("Authorization", self._header)
            self.requests += 1
            try:
                with self._opener.open(req, timeout=self.timeout) as resp:
                    return resp.status, resp.read()
            except urllib.error.HTTPError as exc:
                if missing and exc.code == 404:
                    return 404, b""
                detail = exc.read(300).decode("utf-8", "replace").strip().splitlines()
                problem = f"answered HTTP {exc.code}: {detail[0] if detail else exc.reason}"
                if exc.code < 500 or attempt >= self.retries:
                    raise PushError(f"{what}: {_public(url)} {problem}") from None
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                problem = f"unreachable: {getattr(exc, 'reason', None) or exc}"
                if attempt >= self.retries:
                    raise PushError(f"{what}: {_public(url)} {problem}") from None
            time.sleep(self.backoff * 2 ** attempt)
            attempt += 1

    def _graph_url(self, graph: str) -> str:
        sep = "&" if urllib.parse.urlsplit(self.graph_store).query else "?"
        return self.graph_store + sep + urllib.parse.urlencode({"graph": graph})

    # --- the Graph Store Protocol --------------------------------------------------------------

    def put(self, graph: str, body) -> int:
        """Replace a graph with these N-Triples, bytes or a function giving them in parts (HTTP status:
        201 created, 200 or 204 replaced)."""
        status, _ = self._request("PUT", self._graph_url(graph), f"PUT {graph}", body,
                                  {"Content-Type": "application/n-triples"})
        return status

    def post(self, graph: str, body: bytes) -> None:
        """Add these N-Triples to a graph."""
        self._request("POST", self._graph_url(graph), f"POST {graph}", body, {"Content-Type": "application/n-triples"})

    def get(self, graph: str) -> bytes | None:
        """A graph's N-Triples, or None when the store has no such graph."""
        status, body = self._request("GET", self._graph_url(graph), f"GET {graph}",
                                     headers={"Accept": "application/n-triples"}, missing=True)
        return None if status == 404 else body

    def delete(self, graph: str) -> bool:
        """Remove a graph; False when it was not there."""
        status, _ = self._request("DELETE", self._graph_url(graph), f"DELETE {graph}", missing=True)
        return status != 404

    # --- SPARQL --------------------------------------------------------------------------------

    def update(self, sparql: str, what: str) -> None:
        if not self.update_url:
            raise PushError(f"{what}: no SPARQL Update service known for this store; give --update URL")
        body = urllib.parse.urlencode({"update": sparql}).encode()
        self._request("POST", self.update_url, what, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def count(self, graph: str) -> int | None:
        """The triples of a graph by a SPARQL COUNT (None when no query service is known)."""
        if not self.query_url:
            return None
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        body = urllib.parse.urlencode({"query": query}).encode()
        _, payload = self._request("POST", self.query_url, f"COUNT {graph}", body,
                                   {"Content-Type": "application/x-www-form-urlencoded",
                                    "Accept": "application/sparql-results+json"})
        try:
            return int(json.loads(payload)["results"]["bindings"][0]["n"]["value"])
        except (ValueError, KeyError, IndexError) as exc:
            raise PushError(f"COUNT {graph}: {_public(self.query_url)} answered no count: {exc}") from None


def _public(url: str) -> str:
    """A URL without user information or query string, for messages."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def connect(endpoint: str, *, server: str = "oxigraph", graph_store: str | None = None, update: str | None = None,
            user: str | None = None, password: str | None = None, auth: str | None = None,
            timeout: float = 600, retries: int = 3) -> tuple[Remote, Profile]:
    """A :class:`Remote` for a store's base URL (or a service URL of it), by its profile."""
    if server not in PROFILES and not graph_store:
        raise UsageError(f"--server {server}: give --graph-store (and --update) URLs for a store kzlod has no "
                         f"profile of ({', '.join(PROFILES)})")
    profile = PROFILES.get(server) or Profile(server, "", "", "", "none", atomic_put=False, atomic_move=False,
                                              big_graphs="stage" if update else "chunks")
    base = base_url(endpoint)
    if auth is not None and auth not in AUTH_SCHEMES:
        raise UsageError(f"--auth {auth}: use {', '.join(AUTH_SCHEMES)}")
    credentials = find_credentials(base, user, password)
    scheme = auth or ("bearer" if credentials.token and not credentials.user else
                      profile.auth if profile.auth != "none" else None)
    remote = Remote(graph_store or base + profile.graph_store,
                    update=update or (base + profile.update if profile.update else None),
                    query=base + profile.query if profile.query else None,
                    credentials=credentials, auth=scheme, timeout=timeout, retries=retries)
    return remote, profile
