"""``kzlod push`` and ``--endpoint`` against hostile and unlucky servers on 127.0.0.1: redirects that
try to take the credentials to another port, secrets in URLs, stores that trickle or never answer,
and every kind of failure as one line with its exit code.
"""

from __future__ import annotations

import base64
import gzip
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from http_stubs import (
    DigestChecker,
    GraphStore,
    RawServer,
    basic,
    fixed,
    read_head,
    redirect_to,
    serve,
    silent,
    trickle,
)

from kzlod.cli import cli
from kzlod.project import bundled
from kzlod.publishing import push as pushing
from kzlod.publishing.stores import Credentials, PushError, Remote
from kzlod.store.backends import EndpointStore
from kzlod.store.http import RemoteError

ROOT = Path(__file__).resolve().parents[2]
RECORD = pushing.record_graph("kzlod")
NT = b"<urn:a> <urn:b> <urn:c> .\n"


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch, tmp_path):
    """No test reads the machine's ~/.netrc or a KZLOD_* credential of the environment."""
    for name in ("KZLOD_PUSH_USER", "KZLOD_PASSWORD", "KZLOD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


def run(*args, env=None):
    return CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)


def one_error_line(res) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.output
    assert "Traceback" not in res.output
    return lines[0]


# --- redirects: credentials never go to another origin ----------------------------------------

SCHEMES = {  # scheme: (credentials, the other port's challenge, tempting the client to answer it)
    "basic": (Credentials(user="curator", password="s3cret-pw"), 'Basic realm="elsewhere"'),
    "bearer": (Credentials(token="t0ken-s3cret"), 'Bearer realm="elsewhere"'),
    "digest": (Credentials(user="curator", password="s3cret-pw"), None),
}
#: Each request a push or a query makes, and whether it is a read (a redirect is followed) or a write.
REQUESTS = {
    "GET graph": (lambda r: r.get("urn:g"), "read"),
    "POST query": (lambda r: r.count("urn:g"), "read"),
    "POST data": (lambda r: r.post("urn:g", NT), "write"),
    "POST update": (lambda r: r.update("DROP SILENT GRAPH <urn:g>", "DROP urn:g"), "write"),
    "PUT": (lambda r: r.put("urn:g", NT), "write"),
    "PUT streamed": (lambda r: r.put("urn:g", lambda: iter([NT, NT])), "write"),
    "DELETE": (lambda r: r.delete("urn:g"), "write"),
}
REDIRECT_CASES = [(status, name, scheme) for status in (301, 302, 303, 307, 308) for name in REQUESTS
                  for scheme in SCHEMES]


def remote_at(base: str, scheme: str) -> Remote:
    credentials, _ = SCHEMES[scheme]
    return Remote(base + "/gsp", update=base + "/update", query=base + "/query", credentials=credentials,
                  auth=scheme, retries=0, credential_origin=base)


@pytest.mark.parametrize("status, name, scheme", REDIRECT_CASES)
def test_a_redirect_to_another_port_never_carries_the_credentials(status, name, scheme):
    other_digest = DigestChecker("curator", "s3cret-pw", algorithms=("MD5",), realm="elsewhere")
    challenge = SCHEMES[scheme][1]
    other_answer = fixed(401, b"who are you?\n", other_digest.challenges() if challenge is None
                         else {"WWW-Authenticate": challenge})
    with serve(other_answer) as other:
        if scheme == "digest":  # the origin challenges first, and redirects the answered request
            checker = DigestChecker("curator", "s3cret-pw", algorithms=("SHA-256",))

            def after(handler, seen):
                if checker.check(seen):
                    return True
                handler.reply(401, b"", checker.challenges())
                return False

            origin_answer = redirect_to(other.url, status, after=after)
        else:
            origin_answer = redirect_to(other.url, status)
        with serve(origin_answer) as origin:
            call, kind = REQUESTS[name]
            with pytest.raises(PushError) as caught:
                call(remote_at(origin.url, scheme))
            assert [s.auth for s in origin.seen if s.auth], "the origin got the credentials"
            assert [s for s in other.seen if s.auth] == []
            if kind == "write":
                assert other.seen == []
                assert f"answered HTTP {status}, a redirect to {other.url}/" in caught.value.message
                assert "kzlod follows no redirect for a write" in caught.value.message
            else:
                assert other.seen, "a read follows the redirect"
                assert caught.value.message.endswith(
                    f"answered HTTP 401: who are you? (credentials are sent only to {origin.url}, "
                    "the origin they were given for)"), caught.value.message


@pytest.mark.parametrize("name", ["GET graph", "POST query"])
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_within_the_origin_keeps_the_credentials(status, name):
    """The other side of the table above: the same server, another path, the credentials still sent."""
    token = basic("curator", "s3cret-pw")

    def answer(handler, seen):
        if not seen.path.startswith("/moved"):
            handler.reply(status, b"", {"Location": "/moved" + seen.path})
        elif seen.path.startswith("/moved/query"):
            handler.reply(200, b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", '
                               b'"value": "1"}}]}}')
        else:
            handler.reply(200, NT)

    with serve(answer) as store:
        call, _ = REQUESTS[name]
        assert call(remote_at(store.url, "basic")) in (NT, 1)
        assert [s.path.startswith("/moved") for s in store.seen] == [False, True]
        assert [s.auth for s in store.seen] == [token, token]


HOSTILE_LOCATIONS = [  # (Location, given the origin's and the other port's base URLs; the message's end)
    (lambda origin, other: origin + "/again", "redirected more than 5 times"),
    (lambda origin, other: "file:///etc/passwd", "answered HTTP 302, a redirect to a URL that is not http(s)"),
    (lambda origin, other: other.replace("http://", "http://curator:s3cret-pw@") + "/x",
     "answered HTTP 401: who are you? (credentials are sent only to {origin}, the origin they were given for)"),
    (lambda origin, other: "http://[::1", "answered a redirect to a malformed URL (Invalid URL in location header: "
                                          "Invalid port: ':1'.)"),
    (lambda origin, other: origin.replace("http:", "https:") + "/x", "TLS failed: [SSL: WRONG_VERSION_NUMBER] wrong "
                                                                    "version number"),
]


@pytest.mark.parametrize("location, message", HOSTILE_LOCATIONS, ids=["loop", "file", "userinfo", "malformed",
                                                                       "https"])
def test_a_hostile_redirect_is_one_line_and_takes_nothing(location, message):
    with serve(fixed(401, b"who are you?\n", {"WWW-Authenticate": 'Basic realm="x"'})) as other:
        with serve(fixed(200)) as origin:
            origin.httpd.answer = lambda handler, seen: handler.reply(302, b"", {"Location": location(origin.url,
                                                                                                       other.url)})
            with pytest.raises(PushError) as caught:
                remote_at(origin.url, "basic").get("urn:g")
    assert caught.value.message.endswith(message.format(origin=origin.url)), caught.value.message
    assert [s.auth for s in other.seen] in ([], [None])
    assert "s3cret" not in caught.value.message


def test_credentials_never_go_to_a_graph_store_on_another_origin():
    with serve(GraphStore()) as elsewhere, serve(GraphStore(accept=(basic("curator", "s3cret-pw"),))) as origin:
        res = run("push", "--endpoint", f"http://curator:s3cret-pw@127.0.0.1:{origin.port}", "--server", "other",
                  "--graph-store", elsewhere.url + "/gsp", "--retries", "0")
    assert res.exit_code == 0, res.output
    assert elsewhere.seen and {s.auth for s in elsewhere.seen} == {None} and origin.seen == []


def test_push_redirected_to_another_port_sends_it_nothing_secret():
    """The CLI end to end: the record's GET is redirected to another port, which gets it without the
    credentials (and says there is no record); the first PUT is redirected too, and refused."""
    first = pushing.project_graphs(bundled())[0].iri
    with serve(fixed(404, b"no such graph\n")) as other, serve(redirect_to(other.url, 302)) as origin:
        res = run("push", "--endpoint", f"http://curator:s3cret-pw@127.0.0.1:{origin.port}", "--server", "other",
                  "--graph-store", origin.url + "/gsp", "--retries", "0")
    assert res.exit_code == 1
    assert one_error_line(res) == (f"Error: PUT {first}: {origin.url}/gsp answered HTTP 302, a redirect to "
                                   f"{other.url}/gsp: kzlod follows no redirect for a write; give the URL it points to")
    assert [(s.method, s.auth) for s in origin.seen] == [("GET", basic("curator", "s3cret-pw")),
                                                          ("PUT", basic("curator", "s3cret-pw"))]
    assert [(s.method, s.auth) for s in other.seen] == [("GET", None)]
    assert "s3cret" not in res.output


# --- secrets in URLs are credentials, never printed -------------------------------------------

SECRETS = ["s3cret-Pa55", "p@ss:w/rd%"]


def _secret_forms(secret: str) -> list[str]:
    return [secret, urllib.parse.quote(secret, safe=""), base64.b64encode(f"u:{secret}".encode()).decode()]


def _store_with(behaviour: str, store: GraphStore):
    def answer(handler, seen):
        if behaviour == "accepts":
            store(handler, seen)
        elif behaviour == "401":
            handler.reply(401, b"no entry\n", {"WWW-Authenticate": 'Basic realm="kz"'})
        elif behaviour == "500":
            handler.reply(500, b"it broke\n")
        elif behaviour == "malformed challenge":
            handler.reply(401, b"", {"WWW-Authenticate": 'Digest realm="kz", n0nce'})
        elif behaviour == "write redirected":
            if seen.method == "GET":
                store(handler, seen)
            else:
                handler.reply(307, b"", {"Location": "http://127.0.0.1:9/elsewhere"})
        elif behaviour == "redirect elsewhere":
            handler.reply(302, b"", {"Location": "http://127.0.0.1:9/elsewhere"})
        elif behaviour == "not JSON":
            handler.reply(200, b"<html>not results</html>")
        elif behaviour == "echoes the secret":  # a hostile server quoting what it was sent
            if seen.auth is None:
                handler.reply(401, b"", {"WWW-Authenticate": 'Basic realm="kz"'})
            else:
                secret = base64.b64decode(seen.auth.split()[1]).decode().split(":", 1)[1]
                quoted = urllib.parse.quote(secret, safe="")
                handler.reply(403, f"you sent {seen.auth}, {secret}, {quoted}".encode())

    return answer


PUSH_BEHAVIOURS = [("accepts", 0), ("401", 1), ("500", 1), ("malformed challenge", 1), ("write redirected", 1),
                   ("redirect elsewhere", 1), ("echoes the secret", 1), ("refused", 1), ("silent", 1)]
QUERY_BEHAVIOURS = [("accepts", 0), ("401", 1), ("500", 1), ("malformed challenge", 1), ("redirect elsewhere", 1),
                    ("not JSON", 1), ("echoes the secret", 1), ("refused", 1), ("silent", 1)]


class _Target:
    """A server behaving as told (or a closed port, or a silent one), its URL with ``u:SECRET@``."""

    def __init__(self, behaviour: str, secret: str, path: str):
        self.store = GraphStore(accept=(basic("u", secret),))
        self.server = None
        if behaviour == "refused":
            with RawServer(silent) as gone:
                port = gone.port
        elif behaviour == "silent":
            self.server = RawServer(silent)
            port = self.server.port
        else:
            self.server = serve(_store_with(behaviour, self.store))
            port = self.server.port
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"http://u:{urllib.parse.quote(secret, safe='')}@127.0.0.1:{port}{path}"

    def close(self):
        if self.server is not None:
            self.server.close()


def _push_args(target: _Target) -> list[str]:
    return ["push", "--endpoint", target.url, "--server", "other", "--graph-store", target.base + "/gsp",
            "--retries", "0", "--timeout", "1"]


def _query_args(target: _Target) -> list[str]:
    return ["query", "ASK {}", "--endpoint", target.url, "--format", "json", "--timeout", "2"]


def _check_secret_kept(output: str, target: _Target, secret: str, code: int, expected: int, *, asked: bool = True):
    """Neither the password nor its encodings printed or stored; sent as the credentials (when asked)."""
    assert code == expected, output
    for form in _secret_forms(secret):
        assert form not in output
    assert "Traceback" not in output
    for graph, body in target.store.graphs.items():  # the push record and every graph sent
        for form in _secret_forms(secret):
            assert form not in graph and form.encode() not in body
    if asked and target.server is not None and hasattr(target.server, "seen") and target.server.seen:
        assert basic("u", secret) in [s.auth for s in target.server.seen]  # taken as the credentials


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize("behaviour, code", PUSH_BEHAVIOURS)
def test_push_never_prints_the_password_in_the_url(behaviour, code, secret):
    target = _Target(behaviour, secret, "/")
    try:
        res = run(*_push_args(target))
    finally:
        target.close()
    _check_secret_kept(res.output, target, secret, res.exit_code, code)
    if code == 0:
        assert RECORD in target.store.graphs and res.stdout.startswith(f"pushed to {target.base}/gsp: ")
        assert "sent https://w3id.org/kzlod/" in res.stderr  # the progress lines were written, and checked
    else:
        one_error_line(res)


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize("behaviour, code", QUERY_BEHAVIOURS)
def test_query_never_prints_the_password_in_the_url(behaviour, code, secret):
    target = _Target(behaviour, secret, "/sparql")
    if behaviour == "accepts":
        target.server.httpd.answer = _ask_true(secret)
    try:
        res = run(*_query_args(target))
    finally:
        target.close()
    # an endpoint gets the credentials only once it asks for them (a 401)
    _check_secret_kept(res.output, target, secret, res.exit_code, code,
                       asked=behaviour in ("accepts", "401", "echoes the secret"))
    if code == 0:
        assert '"boolean": true' in res.stdout.replace('"boolean":true', '"boolean": true')
    else:
        one_error_line(res)


def _ask_true(secret):
    def answer(handler, seen):
        if seen.auth != basic("u", secret):
            handler.reply(401, b"", {"WWW-Authenticate": 'Basic realm="kz"'})
        else:
            handler.reply(200, b'{"head": {}, "boolean": true}', {"Content-Type": "application/sparql-results+json"})

    return answer


@pytest.mark.parametrize("url, message", [
    ("http://u:s3cret-Pa55@127.0.0.1:99999/", "--endpoint must be an http(s) URL, got '(a malformed URL)'"),
    ("ftp://u:s3cret-Pa55@127.0.0.1/x", "--endpoint must be an http(s) URL, got 'ftp://127.0.0.1/x'"),
    ("http://u:s3cret-Pa55@/x", "--endpoint must be an http(s) URL, got 'http:///x'"),
])
def test_a_bad_url_with_a_password_is_refused_without_showing_it(url, message):
    for args in (["push", "--endpoint", url], ["query", "ASK {}", "--endpoint", url]):
        res = run(*args)
        assert res.exit_code == 2
        assert one_error_line(res) == f"Error: {message}"
        assert "s3cret" not in res.output


@pytest.mark.slow
@pytest.mark.parametrize("command, behaviour, code", [("push", "accepts", 0), ("push", "401", 1),
                                                      ("push", "refused", 1), ("push", "write redirected", 1),
                                                      ("push", "echoes the secret", 1), ("query", "accepts", 0),
                                                      ("query", "401", 1), ("query", "echoes the secret", 1)])
def test_a_real_process_never_prints_the_password_in_the_url(tmp_path, command, behaviour, code):
    secret = SECRETS[1]
    target = _Target(behaviour, secret, "/" if command == "push" else "/sparql")
    if command == "query" and behaviour == "accepts":
        target.server.httpd.answer = _ask_true(secret)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZLOD_")}
    env.update(NETRC=str(tmp_path / "none"), KZLOD_CACHE_DIR=os.environ.get("KZLOD_CACHE_DIR", str(tmp_path)))
    try:
        done = subprocess.run([sys.executable, "-m", "kzlod", *(_push_args(target) if command == "push"
                                                                 else _query_args(target))],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    finally:
        target.close()
    _check_secret_kept(done.stdout + done.stderr, target, secret, done.returncode, code,
                       asked=command == "push" or behaviour in ("accepts", "401", "echoes the secret"))


# --- time: connect, read, and a deadline the trickling store cannot stretch ---------------------

def _body_trickle(conn, stop):
    read_head(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    for _ in range(100):
        if stop.wait(0.2):
            return
        conn.sendall(b"x")


TRICKLES = {
    "status line a byte every 0.2 s": (trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0.2), "GET"),
    "body a byte every 0.2 s": (_body_trickle, "GET"),
    "no answer at all": (silent, "GET"),
    "a streamed PUT body never read": (silent, "PUT"),
}


def _big_body():
    for _ in range(2000):
        yield b"<urn:a> <urn:b> \"" + b"x" * 65536 + b"\" .\n"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TRICKLES))
def test_a_store_that_trickles_is_stopped_at_the_timeout(name):
    handle, method = TRICKLES[name]
    with RawServer(handle) as server:
        remote = Remote(server.url + "/gsp", credentials=Credentials(token="t0ken"), timeout=1.5, retries=2,
                        backoff=0.1)
        start = time.monotonic()
        with pytest.raises(PushError, match=r"timed out after 1\.5 s") as caught:
            remote.get("urn:g") if method == "GET" else remote.put("urn:g", _big_body)
        took = time.monotonic() - start
    assert 1.4 < took < 3.0, took
    assert server.connections == 1  # a timed-out request is not retried
    assert caught.value.message.startswith(f"{method} urn:g: {server.url}/gsp timed out")


@pytest.mark.slow
def test_push_and_query_stop_at_their_timeouts():
    with RawServer(trickle(b"HTTP/1.1 200 OK\r\n" * 50, 0.2)) as server:
        start = time.monotonic()
        res = run("push", "--endpoint", server.url, "--timeout", "1.5")
        took = time.monotonic() - start
        assert res.exit_code == 1 and took < 4.0
        assert one_error_line(res) == (f"Error: GET {RECORD}: {server.url}/store timed out after 1.5 s")
        with pytest.raises(RemoteError, match=r"^endpoint: .* timed out after 1\.5 s$"):
            EndpointStore(server.url + "/sparql", timeout=1.5).query("ASK {}")


# --- every failure of the client: one line, its exit code ---------------------------------------

def _tls_server(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make a test certificate with (apt-get install openssl)")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def handle(conn, stop):
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                read_head(tls)
        except (ssl.SSLError, OSError):
            pass

    return RawServer(handle)


def _not_http(conn, stop):
    read_head(conn)
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")


def _gzip_garbage(handler, seen):
    handler.reply(200, b"this is not gzip", {"Content-Encoding": "gzip"})


FAILURES = [  # (name, how to make the server, extra arguments, exit code, the message's end)
    ("connection refused", "refused", [], 1, "unreachable: [Errno 111] Connection refused"),
    ("plain HTTP spoken to TLS", "plain-for-tls", [], 1,
     "TLS failed: [SSL: WRONG_VERSION_NUMBER] wrong version number"),
    ("a self-signed certificate", "tls", [], 1, "certificate verify failed: self-signed certificate"),
    ("not HTTP", "not-http", [], 1, "failed: the connection broke"),
    ("403", "403", [], 1, "answered HTTP 403: go away"),
    ("401 without credentials", "401", [], 1,
     "answered HTTP 401: who are you? (it asks for Basic authentication; no credentials were given)"),
    ("a record that is not N-Triples", "garbage record", [], 1, "the store answered something that is not N-Triples"),
    ("a body that does not decompress", "bad gzip", [], 1, "answered a body that cannot be decompressed"),
    ("503 until the retries run out", "503", ["--retries", "1"], 1, "answered HTTP 503: busy"),
    ("--auth bearer without a token", "refused", ["--auth", "bearer"], 2, "--auth bearer needs a token in KZLOD_TOKEN"),
    ("--user without a password", "refused", ["--user", "nobody"], 2, "no password for user 'nobody' at 127.0.0.1"),
    ("credentials in --graph-store", "refused", ["--graph-store", "http://a:b@127.0.0.1:9/gsp"], 2,
     "--graph-store: give credentials in --endpoint's URL, --user or ~/.netrc, not in http://127.0.0.1:9/gsp"),
]


@pytest.mark.parametrize("name, kind, extra, code, message", FAILURES, ids=[f[0] for f in FAILURES])
def test_every_client_failure_is_one_line_with_its_exit_code(tmp_path, name, kind, extra, code, message):
    answers = {"403": fixed(403, b"go away\n"),
               "401": fixed(401, b"who are you?\n", {"WWW-Authenticate": 'Basic realm="x"'}),
               "garbage record": fixed(200, b"<<< not n-triples"), "bad gzip": _gzip_garbage,
               "503": fixed(503, b"busy\n"), "plain-for-tls": fixed(200, b"")}
    if kind == "refused":
        with RawServer(silent) as gone:
            server, url = None, gone.url
    elif kind == "tls":
        server = _tls_server(tmp_path)
        url = server.url.replace("http:", "https:")
    elif kind == "not-http":
        server = RawServer(_not_http)
        url = server.url
    else:
        server = serve(answers[kind])
        url = server.url.replace("http:", "https:") if kind == "plain-for-tls" else server.url
    try:
        res = run("push", "--endpoint", url, "--retries", "0", *extra, env={"KZLOD_TOKEN": None})
    finally:
        if server is not None:
            server.close()
    assert res.exit_code == code, res.output
    line = one_error_line(res)
    assert message in line, line


RECORD_WITH_A_BAD_COUNT = (f'<{RECORD}/x> <http://www.w3.org/ns/sparql-service-description#name> <urn:gone> .\n'
                           f'<{RECORD}/x> <https://w3id.org/kzlod/ontology#contentHash> "00" .\n'
                           f'<{RECORD}/x> <http://rdfs.org/ns/void#triples> "many" .\n').encode()
READS = [  # (what the store answers to what push reads, arguments, exit code, the message's end)
    ("a record whose count is not a number", {"GET record": RECORD_WITH_A_BAD_COUNT}, ["--prune", "--server", "other"],
     0, ""),
    ("a graph read back that is not N-Triples", {"GET graph": b"\x1b[2J<<<"}, ["--server", "other"], 1,
     "the store answered something that is not N-Triples: Parser error at line 1 column 1: '\\x1b' is not allowed "
     "at the beginning of a prefix name (line 1)"),
    ("a count that is a list", {"COUNT": b"[1, 2]"}, [], 1, "answered no count: TypeError"),
    ("a count nested 100,000 deep", {"COUNT": b"[" * 100_000}, [], 1, "answered no count: RecursionError"),
    ("a count that is not JSON", {"COUNT": b"\xff\xfe"}, [], 1, "answered no count: JSONDecodeError"),
    ("a count of the wrong size", {"COUNT": b'{"results": {"bindings": [{"n": {"value": "7"}}]}}'}, [], 1,
     "triples, the store holds 7"),
]


@pytest.mark.parametrize("name, answers, extra, code, message", READS, ids=[r[0] for r in READS])
def test_what_push_reads_back_is_checked_and_never_a_traceback(name, answers, extra, code, message):
    store = GraphStore()

    def answer(handler, seen):
        if seen.path.startswith("/query") and "COUNT" in answers:
            handler.reply(200, answers["COUNT"])
        elif seen.method == "GET" and RECORD_GRAPH_QUERY in seen.path and "GET record" in answers:
            handler.reply(200, answers["GET record"])
        elif seen.method == "GET" and "GET graph" in answers and RECORD_GRAPH_QUERY not in seen.path:
            handler.reply(200, answers["GET graph"])
        else:
            store(handler, seen)

    with serve(answer) as server:
        args = ["--graph-store", server.url + "/store"] if "other" in extra else []
        res = run("push", "--endpoint", server.url, "--retries", "0", *args, *extra)
    assert res.exit_code == code, res.output
    if code:
        line = one_error_line(res)
        assert line.endswith(message) and "\x1b" not in line.replace("\\x1b", ""), line
    else:
        assert "1 removed" in res.stdout
        assert set(store.graphs) == {g.iri for g in pushing.project_graphs(bundled())} | {RECORD}


RECORD_GRAPH_QUERY = urllib.parse.urlencode({"graph": RECORD})
HOSTILE_IRI = "urn:x\u202egnp.exe\u2066"  # what an N-Triples IRI may hold: bidi controls (C0, C1: refused)
RECORD_WITH_A_HOSTILE_NAME = (f'<{RECORD}/x> <http://www.w3.org/ns/sparql-service-description#name> '
                              f'<{HOSTILE_IRI}> .\n<{RECORD}/x> <https://w3id.org/kzlod/ontology#contentHash> "00" .\n'
                              f'<{RECORD}/x> <http://rdfs.org/ns/void#triples> "1" .\n').encode()


@pytest.mark.parametrize("extra", [["--dry-run"], []], ids=["dry-run", "push"])
def test_a_graph_name_from_the_store_is_printed_with_its_controls_escaped(extra):
    """The record's graph names are the store's text: --prune lists and removes them, escaped."""
    store = GraphStore(graphs={RECORD: RECORD_WITH_A_HOSTILE_NAME})
    with serve(store) as server:
        res = run("push", "--endpoint", server.url, "--server", "other", "--graph-store", server.url + "/gsp",
                  "--prune", *extra)
    assert res.exit_code == 0, res.output
    assert not set(res.output) & {"\u202e", "\u2066"}
    shown = "urn:x\\u202egnp.exe\\u2066"
    assert (f"remove           1  {shown}" in res.stdout) if extra else (f"removed {shown} (1 triples)" in res.stderr)


def test_an_answer_past_the_limit_is_refused_as_it_arrives():
    bomb = gzip.compress(b"\n" * (16 << 20), 9)
    with serve(fixed(200, bomb, {"Content-Encoding": "gzip"})) as server:
        remote = Remote(server.url + "/gsp", retries=0, max_response=1 << 20)
        with pytest.raises(PushError, match=r"answered more than 1,048,576 bytes \(kzlod's limit for an answer\)$"):
            remote.get("urn:g")


@pytest.mark.parametrize("body", [b"<html>hello</html>", b"[" * 100_000, b'{"head": {"vars": ["x"]}, "results": '
                                  b'{"bindings": [{"x": {"type": "uri", "value": "urn:a"}}, {"x": 1}]}}'],
                         ids=["html", "nested", "a bad second row"])
def test_an_endpoint_answering_no_results_is_one_line(body):
    with serve(fixed(200, body)) as server:
        with pytest.raises(RemoteError, match=r"^endpoint: http://127\.0\.0\.1:\d+/sparql answered something that "
                                              r"is not SPARQL JSON results: "):
            EndpointStore(server.url + "/sparql").query("SELECT * WHERE { ?s ?p ?o }")
        res = run("describe", "Armenia", "--endpoint", server.url + "/sparql")
        assert res.exit_code == 1 and one_error_line(res).startswith(f"Error: endpoint: {server.url}/sparql answered")
