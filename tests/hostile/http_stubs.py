"""Hostile and unlucky HTTP servers on 127.0.0.1 for the push and endpoint tests.

A plain helper module. :func:`serve` runs an ``http.server`` in a thread whose every request
(method, path, headers, body) is recorded and answered by a function the test gives; the
answering functions here: a Graph Store Protocol store (:class:`GraphStore`) behind basic,
bearer or RFC 7616 digest authentication (:class:`DigestChecker`, written from the RFC, not
from the client's code), redirects, fixed answers. :func:`raw_server` runs a socket server
whose connections a function handles byte by byte (trickling, silent, not HTTP).
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import os
import socket
import sys
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field


@dataclass
class Seen:
    method: str
    path: str
    headers: dict
    body: bytes = b""

    @property
    def auth(self) -> str | None:
        return self.headers.get("authorization")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _any(self):
        seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        self.server.seen.append(seen)
        seen.body = self._body()
        self.server.answer(self, seen)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

    def reply(self, status: int, body: bytes = b"", headers: dict | list | None = None):
        self.send_response(status)
        items = headers.items() if isinstance(headers, dict) else headers or []
        for name, value in items:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client that hangs up (as kzlod does on a 401 it answers) is no error of the test's:
        noted, not printed into the output a test reads."""
        self.errors.append(sys.exc_info()[1])


class Server:
    """An ``http.server`` on 127.0.0.1 in a thread; ``seen``: every request it got."""

    def __init__(self, answer):
        self.httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.errors = []
        self.httpd.daemon_threads = True
        self.httpd.seen = self.seen = []
        self.httpd.answer = answer
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def serve(answer) -> Server:
    """A server whose requests ``answer(handler, seen)`` answers (``handler.reply(status, body, headers)``)."""
    return Server(answer)


# --- answers --------------------------------------------------------------------------------

def redirect_to(target_base: str, status: int, *, after=None):
    """Answer every request with a redirect to the same path and query at ``target_base``; with
    ``after``, only the requests ``after(seen)`` accepts (``after`` answers the others)."""

    def answer(handler, seen):
        if after is not None and not after(handler, seen):
            return
        handler.reply(status, b"moved\n", {"Location": target_base + seen.path})

    return answer


def fixed(status: int, body: bytes = b"", headers: dict | list | None = None):
    def answer(handler, seen):
        handler.reply(status, body, headers)

    return answer


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class GraphStore:
    """A Graph Store Protocol store (PUT, POST, GET, DELETE of N-Triples by ``?graph=``) whose
    requests must carry one of ``accept`` as Authorization (or pass ``digest``'s check)."""

    accept: tuple = ()
    digest: DigestChecker | None = None
    challenge: str = 'Basic realm="kz"'
    graphs: dict = field(default_factory=dict)

    def __call__(self, handler, seen):
        if not self.authorised(handler, seen):
            return
        graph = urllib.parse.parse_qs(urllib.parse.urlsplit(seen.path).query).get("graph", [""])[0]
        if seen.method == "PUT":
            created = graph not in self.graphs
            self.graphs[graph] = seen.body
            handler.reply(201 if created else 204)
        elif seen.method == "POST":
            self.graphs[graph] = self.graphs.get(graph, b"") + seen.body
            handler.reply(204)
        elif seen.method == "GET":
            if graph in self.graphs:
                handler.reply(200, self.graphs[graph], {"Content-Type": "application/n-triples"})
            else:
                handler.reply(404, b"no such graph\n")
        elif seen.method == "DELETE":
            handler.reply(204 if self.graphs.pop(graph, None) is not None else 404)
        else:
            handler.reply(405)

    def authorised(self, handler, seen) -> bool:
        if self.digest is not None:
            if self.digest.check(seen):
                return True
            handler.reply(401, b"authentication required\n", self.digest.challenges())
            return False
        if not self.accept or seen.auth in self.accept:
            return True
        handler.reply(401, b"authentication required\n", {"WWW-Authenticate": self.challenge})
        return False


_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256, "SHA-512-256": None}


@dataclass
class DigestChecker:
    """HTTP Digest access authentication as RFC 7616 section 3.4 computes it (qop=auth)."""

    user: str
    password: str
    algorithms: tuple = ("SHA-256",)
    realm: str = "kzlod-test@127.0.0.1"
    nonce: str = field(default_factory=lambda: base64.b64encode(os.urandom(18)).decode())
    opaque: str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
    accepted: list = field(default_factory=list)

    def challenges(self) -> list:
        return [("WWW-Authenticate", f'Digest realm="{self.realm}", qop="auth", algorithm={alg}, '
                                     f'nonce="{self.nonce}", opaque="{self.opaque}"') for alg in self.algorithms]

    def check(self, seen: Seen) -> bool:
        header = seen.auth or ""
        if not header.lower().startswith("digest "):
            return False
        p = {}
        for item in urllib.request.parse_http_list(header[7:]):
            key, _, value = item.strip().partition("=")
            p[key.strip()] = value.strip().strip('"')
        algorithm = p.get("algorithm", "MD5")
        base = algorithm.upper().removesuffix("-SESS")
        if base not in self.algorithms or _HASHES.get(base) is None:
            return False

        def h(text: str) -> str:
            return _HASHES[base](text.encode()).hexdigest()

        ha1 = h(f"{self.user}:{self.realm}:{self.password}")
        if algorithm.upper().endswith("-SESS"):
            ha1 = h(f"{ha1}:{self.nonce}:{p.get('cnonce', '')}")
        ha2 = h(f"{seen.method}:{p.get('uri', '')}")
        expected = h(f"{ha1}:{self.nonce}:{p.get('nc', '')}:{p.get('cnonce', '')}:auth:{ha2}")
        good = (p.get("username") == self.user and p.get("realm") == self.realm and p.get("nonce") == self.nonce
                and p.get("uri") == seen.path and p.get("qop") == "auth" and p.get("response") == expected
                and p.get("opaque") == self.opaque)
        if good:
            self.accepted.append(algorithm)
        return good


# --- raw sockets ----------------------------------------------------------------------------

class RawServer:
    """A TCP server on 127.0.0.1 whose connections ``handle(conn, stop)`` handles, each in a thread."""

    def __init__(self, handle):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.stop = threading.Event()
        self.connections = 0
        self.handle = handle
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        with conn:
            try:
                self.handle(conn, self.stop)
            except OSError:
                pass

    def close(self):
        self.stop.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread: the port is closed at once
        except OSError:
            pass
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_head(conn) -> bytes:
    """The request line and headers of the request on ``conn``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def trickle(data: bytes, every: float):
    """A handler sending ``data`` a byte every ``every`` seconds once the request's head arrived."""

    def handle(conn, stop):
        read_head(conn)
        for i in range(len(data)):
            if stop.wait(every):
                return
            conn.sendall(data[i:i + 1])

    return handle


def silent(conn, stop):
    """Accept, read nothing, answer nothing."""
    stop.wait(60)
