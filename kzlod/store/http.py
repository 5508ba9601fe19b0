"""HTTP as ``kzlod push`` and ``--endpoint`` speak it: credentials, redirects, deadlines, errors.

One client, over httpx (imported when the first request is made), for every request kzlod
sends to a triple store or a SPARQL endpoint:

* **Credentials** (found by :mod:`kzlod.store.credentials`) are sent to their **origin**
  only: the scheme, host and port of the URL they were found for. Basic and bearer go with
  every request there; digest (RFC 7616, SHA-256 included, by httpx) answers the first
  challenge, then every later request at once; a read-only endpoint answers the challenge it
  gets (digest, else basic) and sends nothing before.
* **Redirects**: a read (``GET``, a SPARQL query sent by ``POST``) follows up to
  :data:`MAX_REDIRECTS` (301, 302, 307, 308 keep the method and body; 303 becomes a
  ``GET``); a write (``PUT``, ``POST`` of data or of an update, ``DELETE``) follows none,
  and a redirect answer is an error naming where it pointed. ``Authorization`` is never
  sent to another origin, by a redirect or otherwise (curl's and httpx's rule).
* **Time**: connecting gets at most :data:`CONNECT_TIMEOUT` seconds, and the whole exchange
  (connecting, sending, waiting, receiving, the authentication round and the redirects)
  ``timeout`` seconds: past it a watchdog shuts the connection, so a store that sends its
  answer a byte at a time is stopped too. A request that passes it is not retried.
* **Retries**: a 5xx answer or a dropped connection is retried after ``backoff``, twice
  that, … ``retries`` times; a 4xx answer, a timeout, a TLS failure is final.
* **Answers** are read as they arrive, decompressed, and refused past ``max_response``
  bytes; no cookie is kept; each request has a connection of its own.
* **Every failure** is one line of the caller's error class (exit 1): the request, the URL
  without credentials or query string, what went wrong; text from the server with its
  control characters escaped; any secret that could still appear replaced by ``***``.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.parse

from kzlod.errors import KzlodError
from kzlod.store.credentials import (
    AUTO,
    SCHEMES,
    Credentials,
    check_url,
    choose_scheme,
    environment,
    find_credentials,
    netrc_lookup,
    origin,
    printable,
    public_url,
    split_userinfo,
)

__all__ = ["AUTO", "CONNECT_TIMEOUT", "MAX_REDIRECTS", "MAX_RESPONSE_BYTES", "SCHEMES", "Credentials", "HttpClient",
           "RemoteError", "check_url", "choose_scheme", "environment", "find_credentials", "netrc_lookup",
           "origin", "printable", "public_url", "split_userinfo"]

#: Seconds to connect at most (within the request's own deadline).
CONNECT_TIMEOUT = 10.0
#: Redirects a read follows at most.
MAX_REDIRECTS = 5
#: The largest answer read, after decompression.
MAX_RESPONSE_BYTES = 1 << 30
REDIRECTS = (301, 302, 303, 307, 308)
#: Digest algorithms kzlod answers (RFC 7616 and RFC 2617), as httpx computes them.
DIGEST_ALGORITHMS = ("MD5", "MD5-SESS", "SHA", "SHA-SESS", "SHA-256", "SHA-256-SESS", "SHA-512", "SHA-512-SESS")


class RemoteError(KzlodError):
    """A store or endpoint refused, failed or could not be reached (exit 1)."""


# --- challenges ---------------------------------------------------------------------------------

class _AuthProblem(Exception):
    """The server asks for authentication kzlod cannot answer (its message says why)."""


def _challenges(values: list[str]) -> list[tuple[str, str]] | None:
    """[(scheme in lower case, its parameters)] of the challenges in WWW-Authenticate values
    (several may share a value, comma-separated); None when a value is not made of challenges."""
    import urllib.request

    found: list[list[str]] = []
    for value in values:
        for item in urllib.request.parse_http_list(value):
            item = item.strip()
            m = re.match(r"([A-Za-z][\w!#$%&'*+.^`|~-]*)(?:\s+(.*))?$", item, re.S)
            if m:
                found.append([m.group(1).lower(), m.group(2) or ""])
            elif "=" in item and found:
                found[-1][1] += ", " + item
            elif item:
                return None
    return [(scheme, rest) for scheme, rest in found]


def digest_problem(value: str) -> str | None:
    """Why a ``Digest`` challenge cannot be answered, as "a … challenge …" (None: it can)."""
    import urllib.request

    _scheme, _, fields = value.strip().partition(" ")
    params = {}
    for item in urllib.request.parse_http_list(fields):
        key, eq, val = item.strip().partition("=")
        if not eq:
            return f"a malformed Digest challenge ('{printable(value, 80)}')"
        params[key.strip().lower()] = val.strip().strip('"')
    missing = [k for k in ("realm", "nonce") if k not in params]
    if missing:
        return f"a Digest challenge without {' and '.join(missing)}"
    algorithm = params.get("algorithm", "MD5").upper()
    if algorithm not in DIGEST_ALGORITHMS:
        return (f"a Digest challenge for algorithm {printable(params['algorithm'], 40)}, which kzlod does not "
                f"support (it does {', '.join(a for a in DIGEST_ALGORITHMS if 'SESS' not in a)} and their -sess forms)")
    qops = [q.strip().lower() for q in params.get("qop", "auth").split(",")]
    if "auth" not in qops:
        return f"a Digest challenge for qop={printable(params['qop'], 40)}, which kzlod does not support (it does auth)"
    return None


def challenge_note(values: list[str], scheme: str | None) -> str:
    """What a 401's challenges say to the user, in parentheses (or ""); ``scheme``: the one used,
    "auto" for the one the challenge asked for."""
    offered = _challenges(values)
    if offered is None or (values and not offered):
        return f" (its WWW-Authenticate header is malformed: '{printable(values[0], 80)}')"
    names = [s for s, _ in offered]
    if not names:
        return ""
    shown = ", ".join(dict.fromkeys(printable(n.capitalize(), 30) for n in names))
    if not set(names) & set(SCHEMES):
        return f" (it asks for {shown} authentication, which kzlod does not support)"
    if scheme is None:
        return f" (it asks for {shown} authentication; no credentials were given)"
    if scheme not in names and scheme != "auto":
        usable = next(n for n in names if n in SCHEMES)
        return f" (it asks for {shown} authentication, not {scheme}: try --auth {usable})"
    return ""


# --- authentication handlers (httpx's, defined when first needed) --------------------------------

def _empty_body(response) -> None:
    """Close a 401's body unread: httpx reads it before answering the challenge."""
    import httpx

    response.stream.close()
    response.stream = httpx.ByteStream(b"")


def _auth_handler(credentials: Credentials, scheme: str | None):
    """An httpx.Auth for the scheme ("auto": digest or basic, as the first challenge asks), or None."""
    import httpx

    if scheme is None:
        return None
    if scheme == "bearer":
        class Bearer(httpx.Auth):
            def auth_flow(self, request):
                request.headers["Authorization"] = f"Bearer {credentials.token}"
                yield request

        return Bearer()
    if scheme == "basic":
        return httpx.BasicAuth(credentials.user, credentials.password or "")

    class Digest(httpx.Auth):
        """httpx's DigestAuth (RFC 7616/2617), its challenge checked first: a malformed or
        unsupported one is one line, not a traceback; the 401's body is never read."""

        def __init__(self):
            self.inner = httpx.DigestAuth(credentials.user, credentials.password or "")

        def auth_flow(self, request):
            flow = self.inner.auth_flow(request)
            response = yield next(flow)
            if response.status_code != 401:
                return
            values = response.headers.get_list("www-authenticate")
            digests = [v for v in values if v.strip().lower().split(" ", 1)[0] == "digest"]
            if not digests:
                return  # no Digest challenge: the 401 stands, and its message says what was asked
            problems = [digest_problem(v) for v in digests]
            usable = [v for v, p in zip(digests, problems) if p is None]
            if not usable:
                raise _AuthProblem(f"answered HTTP 401 with {problems[0]}")
            response.headers["WWW-Authenticate"] = usable[0]  # the first challenge kzlod can answer
            _empty_body(response)
            try:
                retry = flow.send(response)
            except StopIteration:
                return
            except (httpx.ProtocolError, NotImplementedError, KeyError, ValueError) as exc:
                raise _AuthProblem(f"answered HTTP 401 with a Digest challenge kzlod cannot answer "
                                   f"({printable(str(exc), 80)})") from None
            yield retry

    if scheme == "digest":
        return Digest()

    class Auto(httpx.Auth):
        """No credentials until a 401 asks for them; then Digest if it offers it, else Basic, and
        the same scheme first on every later request."""

        def __init__(self):
            self.chosen = None

        def auth_flow(self, request):
            if self.chosen is not None:
                yield from self.chosen.auth_flow(request)
                return
            response = yield request
            names = [s for s, _ in _challenges(response.headers.get_list("www-authenticate")) or []]
            if response.status_code != 401 or not {"digest", "basic"} & set(names):
                return
            self.chosen = Digest() if "digest" in names else httpx.BasicAuth(credentials.user,
                                                                             credentials.password or "")
            flow = self.chosen.auth_flow(request)
            retry = next(flow)
            try:
                retry = flow.send(response) if isinstance(self.chosen, Digest) else retry
            except StopIteration:
                return
            _empty_body(response)
            yield retry

    return Auto()


# --- the deadline ------------------------------------------------------------------------------

class _Deadline:
    """Shuts every connection a request opened once ``seconds`` have passed (httpx's own read
    timeout starts again with every byte)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets: list = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()

    def left(self) -> float:
        return max(self.end - time.monotonic(), 0.001)

    def trace(self, event: str, info: dict) -> None:
        """httpcore's trace hook: note the socket of each connection made."""
        if event == "connection.connect_tcp.complete" and info.get("return_value") is not None:
            sock = info["return_value"].get_extra_info("socket")
            with self._lock:
                self._sockets.append(sock)
                if self.expired:
                    _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock) -> None:
    import socket  # here: a command that never connects does not import it

    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


# --- the client --------------------------------------------------------------------------------

class _Failure(Exception):
    def __init__(self, problem: str, *, retry: bool = False, url: str | None = None):
        super().__init__(problem)
        self.problem, self.retry, self.url = problem, retry, url


class _Replay:
    """A request body given as a function of an iterable of bytes: made afresh each time it is sent."""

    def __init__(self, make):
        self.make = make

    def __iter__(self):
        return iter(self.make())


class HttpClient:
    """Requests to one store or endpoint with credentials for one origin (module docstring)."""

    def __init__(self, credentials: Credentials | None = None, scheme: str | None = None, *,
                 credential_origin: str | None = None, timeout: float = 600, retries: int = 3,
                 backoff: float = 0.5, max_response: int = MAX_RESPONSE_BYTES, error=RemoteError):
        self.credentials = credentials or Credentials()
        self.scheme = scheme if self.credentials.given else None
        self.origin = origin(credential_origin) if credential_origin else None
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.max_response, self.error = max_response, error
        self.requests = 0
        self._client = self._auth = None

    def _httpx(self):
        if self._client is None:
            import http.cookiejar

            import httpx

            no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
            self._client = httpx.Client(follow_redirects=False, cookies=no_cookies,
                                        limits=httpx.Limits(max_keepalive_connections=0),
                                        headers={"User-Agent": "kzlod"})
            self._auth = _auth_handler(self.credentials, self.scheme)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def request(self, method: str, url: str, what: str, *, body=None, headers: dict | None = None,
                missing: bool = False, write: bool | None = None) -> tuple[int, bytes]:
        """Send one request, retried (module docstring); (status, body) of a 2xx answer, (404, b"")
        of a 404 when ``missing``. ``body``: bytes, or a function giving an iterable of bytes afresh
        for each attempt (sent in chunks, never held whole). ``write``: follow no redirect
        (default: for every method but GET)."""
        write = method != "GET" if write is None else write
        attempt = 0
        while True:
            self.requests += 1
            try:
                return self._attempt(method, url, body, dict(headers or {}), missing, write)
            except _Failure as failure:
                if not failure.retry or attempt >= self.retries:
                    message = printable(f"{what}: {public_url(failure.url or url)} {failure.problem}", 2000)
                    raise self.error(self._scrub(message)) from None
            time.sleep(self.backoff * 2 ** attempt)
            attempt += 1

    def _scrub(self, text: str) -> str:
        for secret in self.credentials.secrets():
            if len(secret) >= 3:
                text = text.replace(secret, "***")
        return text

    def _attempt(self, method, url, body, headers, missing, write) -> tuple[int, bytes]:
        import httpx

        client = self._httpx()
        with _Deadline(self.timeout) as deadline:
            try:
                response, url = self._send(client, method, url, body, headers, write, deadline)
                try:
                    return self._answer(response, missing)
                finally:
                    response.close()
            except _Failure as failure:
                failure.url = failure.url or url
                raise
            except _AuthProblem as exc:
                raise _Failure(str(exc), url=url) from None
            except (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL, OSError, UnicodeError) as exc:
                raise self._failure(exc, deadline, url) from None

    def _send(self, client, method, url, body, headers, write, deadline):
        """The answer at the end of the redirects a request may follow, and its URL."""
        import httpx

        url = split_userinfo(url)[0]
        for _hop in range(MAX_REDIRECTS + 1):
            ours = self.origin is None or origin(url) == self.origin
            content = _Replay(body) if callable(body) else body
            left = deadline.left()
            request = client.build_request(method, url, content=content, headers=headers,
                                           timeout=httpx.Timeout(left, connect=min(CONNECT_TIMEOUT, left)),
                                           extensions={"trace": deadline.trace})
            response = client.send(request, auth=self._auth if ours else None, stream=True)
            location = response.headers.get("location")
            if response.status_code not in REDIRECTS or not location:
                return response, url
            response.close()
            target = split_userinfo(str(response.url.join(location)))[0]
            code = response.status_code
            if write:
                raise _Failure(f"answered HTTP {code}, a redirect to {public_url(target)}: kzlod follows no "
                               "redirect for a write; give the URL it points to", url=url)
            if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
                raise _Failure(f"answered HTTP {code}, a redirect to a URL that is not http(s)", url=url)
            if code == 303:
                method, body = "GET", None
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            url = target
        raise _Failure(f"redirected more than {MAX_REDIRECTS} times", url=url)

    def _answer(self, response, missing: bool) -> tuple[int, bytes]:
        status = response.status_code
        if 200 <= status < 300:
            return status, self._read(response, self.max_response)
        if missing and status == 404:
            return 404, b""
        detail = self._read(response, 4096, cut=True).decode("utf-8", "replace").strip().splitlines()
        problem = f"answered HTTP {status}: {printable(detail[0]) if detail else response.reason_phrase}"
        if status == 401:
            if self.scheme and self.origin is not None and origin(str(response.url)) != self.origin:
                scheme, host, port = self.origin
                problem += f" (credentials are sent only to {scheme}://{host}:{port}, the origin they were given for)"
            else:
                problem += challenge_note(response.headers.get_list("www-authenticate"), self.scheme)
        raise _Failure(problem, retry=status >= 500)

    @staticmethod
    def _read(response, limit: int, *, cut: bool = False) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                if cut:
                    break
                raise _Failure(f"answered more than {limit:,} bytes (kzlod's limit for an answer)")
        return b"".join(chunks)

    def _failure(self, exc: Exception, deadline: _Deadline, url: str) -> _Failure:
        import ssl

        import httpx

        if isinstance(exc, httpx.ConnectTimeout) and not deadline.expired:
            return _Failure(f"timed out: no connection within {min(CONNECT_TIMEOUT, self.timeout):g} s", url=url)
        if deadline.expired or isinstance(exc, httpx.TimeoutException):
            return _Failure(f"timed out after {self.timeout:g} s", url=url)
        cause = exc
        while cause is not None and not isinstance(cause, ssl.SSLError):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            return _Failure(f"TLS failed: {printable(re.sub(r' *[(]_ssl[.]c:[0-9]+[)]', '', str(cause)), 160)}",
                            url=url)
        if isinstance(exc, httpx.DecodingError):
            return _Failure(f"answered a body that cannot be decompressed: {printable(str(exc), 120)}", url=url)
        reason = printable(str(exc) or type(exc).__name__, 160)
        if isinstance(exc, httpx.RemoteProtocolError) and "location header" in str(exc):
            return _Failure(f"answered a redirect to a malformed URL ({reason})", url=url)
        if isinstance(exc, (httpx.ConnectError, ConnectionRefusedError)):
            return _Failure(f"unreachable: {reason}", retry=True, url=url)
        if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, ConnectionError)):
            return _Failure(f"failed: the connection broke ({reason})", retry=True, url=url)
        return _Failure(f"failed: {reason}", url=url)
