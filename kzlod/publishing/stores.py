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

Credentials (:func:`kzlod.store.http.find_credentials`): ``--user`` (the password given
with it, in the URL, in ``KZLOD_PASSWORD`` or in the host's ``~/.netrc`` entry whose login
it is), else the user in the URL, else ``KZLOD_PUSH_USER``, else a token in ``KZLOD_TOKEN``
for bearer authentication, else the host's ``~/.netrc`` entry. They are sent to the
``--endpoint``'s origin only, never shown, and no redirect is followed for a write
(:mod:`kzlod.store.http`). Requests that fail with a 5xx status or a dropped connection
are retried with exponential backoff.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass

from kzlod.errors import UsageError
from kzlod.store.credentials import (
    SCHEMES,
    Credentials,
    check_url,
    choose_scheme,
    find_credentials,
    public_url,
    split_userinfo,
)
from kzlod.store.http import HttpClient, RemoteError

__all__ = ["AUTH_SCHEMES", "PROFILES", "Credentials", "Profile", "PushError", "Remote", "base_url", "connect",
           "find_credentials", "public_url"]


class PushError(RemoteError):
    """The triple store refused, failed or could not be reached (exit 1)."""


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
AUTH_SCHEMES = SCHEMES
_SERVICE_TAILS = ("/query", "/sparql", "/update", "/store", "/sparql-auth", "/sparql-graph-crud-auth",
                  "/sparql-graph-crud")


def base_url(endpoint: str) -> str:
    """A store's base URL from itself or from one of its service URLs (``…/query``, ``…/sparql`` …)."""
    parts = urllib.parse.urlsplit(split_userinfo(check_url(endpoint, "--endpoint"))[0])
    path = parts.path.rstrip("/")
    for tail in sorted(_SERVICE_TAILS, key=len, reverse=True):
        if path.endswith(tail):
            path = path[: -len(tail)]
            break
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class Remote:
    """A triple store's services over HTTP: Graph Store Protocol, SPARQL Update and query.

    ``auth``: "basic", "digest" or "bearer" (None: basic for a user name, bearer for a token).
    Credentials go to the origin of ``credential_origin`` (default: the Graph Store's) only.
    Every request is retried ``retries`` times on a 5xx answer or a dropped connection, after
    0.5 s, 1 s, 2 s …; each must be done within ``timeout`` seconds (:mod:`kzlod.store.http`).
    Messages name the URL without credentials.
    """

    def __init__(self, graph_store: str, *, update: str | None = None, query: str | None = None,
                 credentials: Credentials | None = None, auth: str | None = None, timeout: float = 120,
                 retries: int = 3, backoff: float = 0.5, credential_origin: str | None = None,
                 max_response: int | None = None):
        for name, url in (("--graph-store", graph_store), ("--update", update), ("--endpoint", query)):
            if url is not None:
                check_url(url, name)
                if split_userinfo(url)[1] is not None:
                    raise UsageError(f"{name}: give credentials in --endpoint's URL, --user or ~/.netrc, "
                                     f"not in {public_url(url)}")
        self.graph_store, self.update_url, self.query_url = graph_store, update, query
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        credentials = credentials or Credentials()
        extra = {"max_response": max_response} if max_response else {}
        self.client = HttpClient(credentials, choose_scheme(credentials, auth),
                                 credential_origin=credential_origin or graph_store, timeout=timeout,
                                 retries=retries, backoff=backoff, error=PushError, **extra)

    @property
    def requests(self) -> int:
        """Requests sent so far (retries included)."""
        return self.client.requests

    def _request(self, method: str, url: str, what: str, body=None, headers: dict | None = None,
                 missing: bool = False, write: bool | None = None) -> tuple[int, bytes]:
        """One request, retried; ``body``: bytes, or a function giving an iterable of bytes afresh for
        each attempt (sent with chunked transfer encoding, never held whole)."""
        return self.client.request(method, url, what, body=body, headers=headers, missing=missing, write=write)

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
                                    "Accept": "application/sparql-results+json"}, write=False)
        try:
            return int(json.loads(payload)["results"]["bindings"][0]["n"]["value"])
        except (ValueError, KeyError, IndexError, TypeError, RecursionError) as exc:
            raise PushError(f"COUNT {graph}: {public_url(self.query_url)} answered no count: "
                            f"{type(exc).__name__}") from None


def connect(endpoint: str, *, server: str = "oxigraph", graph_store: str | None = None, update: str | None = None,
            user: str | None = None, password: str | None = None, auth: str | None = None,
            timeout: float = 600, retries: int = 3) -> tuple[Remote, Profile]:
    """A :class:`Remote` for a store's base URL (or a service URL of it), by its profile.

    Credentials are found for the ``endpoint`` (its user information included) and sent to its origin only.
    """
    if server not in PROFILES and not graph_store:
        raise UsageError(f"--server {server}: give --graph-store (and --update) URLs for a store kzlod has no "
                         f"profile of ({', '.join(PROFILES)})")
    profile = PROFILES.get(server) or Profile(server, "", "", "", "none", atomic_put=False, atomic_move=False,
                                              big_graphs="stage" if update else "chunks")
    base = base_url(endpoint)
    credentials = find_credentials(endpoint, user, password)
    scheme = choose_scheme(credentials, auth, profile.auth if profile.auth != "none" else "basic")
    remote = Remote(graph_store or base + profile.graph_store,
                    update=update or (base + profile.update if profile.update else None),
                    query=base + profile.query if profile.query else None,
                    credentials=credentials, auth=scheme, timeout=timeout, retries=retries, credential_origin=base)
    return remote, profile
