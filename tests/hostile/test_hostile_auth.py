"""Authentication under hostile and unlucky use: malformed or unsupported challenges, RFC 7616 digest
with SHA-256, credentials from ~/.netrc by login, and a release whose gzip dump is a bomb.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from http_stubs import DigestChecker, GraphStore, basic, fixed, serve

from kzlod.cli import cli
from kzlod.errors import UsageError
from kzlod.project import bundled
from kzlod.publishing import push as pushing
from kzlod.store.backends import EndpointStore
from kzlod.store.credentials import Credentials, find_credentials

ROOT = Path(__file__).resolve().parents[2]
RECORD = pushing.record_graph("kzlod")


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch, tmp_path):
    """No test reads the machine's ~/.netrc or a KZLOD_* credential of the environment."""
    for name in ("KZLOD_PUSH_USER", "KZLOD_PASSWORD", "KZLOD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


def run(*args, env=None):
    return CliRunner(env=env).invoke(cli, ["-q", *args], catch_exceptions=False)


def one_error_line(res) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.output
    assert "Traceback" not in res.output and "\x1b" not in res.output
    return lines[0]


# --- malformed or unsupported WWW-Authenticate --------------------------------------------------

DIGEST_ARGS = ["--user", "curator", "--auth", "digest"]
BASIC_ARGS = ["--user", "curator", "--auth", "basic"]
CHALLENGES = [  # (WWW-Authenticate values, arguments, the message's end after "answered HTTP 401")
    (["Digest"], DIGEST_ARGS, " with a Digest challenge without realm and nonce"),
    (['Digest realm="kz"'], DIGEST_ARGS, " with a Digest challenge without nonce"),
    (['Digest nonce="abc"'], DIGEST_ARGS, " with a Digest challenge without realm"),
    (['Digest realm="kz", nonce'], DIGEST_ARGS, """ with a malformed Digest challenge ('Digest realm="kz", nonce')"""),
    (['Digest realm="kz", nonce="n", algorithm=SHA-512-256'], DIGEST_ARGS,
     " with a Digest challenge for algorithm SHA-512-256, which kzlod does not support (it does MD5, SHA, SHA-256, "
     "SHA-512 and their -sess forms)"),
    (['Digest realm="kz", nonce="n", algorithm=ROT13'], DIGEST_ARGS,
     " with a Digest challenge for algorithm ROT13, which kzlod does not support (it does MD5, SHA, SHA-256, "
     "SHA-512 and their -sess forms)"),
    (['Digest realm="kz", nonce="n", qop="auth-int"'], DIGEST_ARGS,
     " with a Digest challenge for qop=auth-int, which kzlod does not support (it does auth)"),
    (["Negotiate"], DIGEST_ARGS, ": denied (it asks for Negotiate authentication, which kzlod does not support)"),
    (["Negotiate", "NTLM"], BASIC_ARGS,
     ": denied (it asks for Negotiate, Ntlm authentication, which kzlod does not support)"),
    (['Negotiate, Basic realm="kz"'], DIGEST_ARGS,
     ": denied (it asks for Negotiate, Basic authentication, not digest: try --auth basic)"),
    (['Digest realm="kz", nonce="n"'], BASIC_ARGS,
     ": denied (it asks for Digest authentication, not basic: try --auth digest)"),
    (['Basic realm="kz"'], [], ": denied (it asks for Basic authentication; no credentials were given)"),
    (["@@@ ==="], BASIC_ARGS, ": denied (its WWW-Authenticate header is malformed: '@@@ ===')"),
    (['\x1b]52;c;aGk=\x07 realm'], DIGEST_ARGS,
     r": denied (its WWW-Authenticate header is malformed: '\x1b]52;c;aGk=\x07 realm')"),
    ([], DIGEST_ARGS, ": denied"),
]


@pytest.mark.parametrize("values, args, message", CHALLENGES, ids=[repr(v)[:60] for v, _, _ in CHALLENGES])
def test_a_challenge_kzlod_cannot_answer_is_one_line(values, args, message):
    with serve(fixed(401, b"denied\n", [("WWW-Authenticate", v) for v in values])) as store:
        res = run("push", "--endpoint", store.url, "--retries", "0", *args, env={"KZLOD_PASSWORD": "pw"})
    assert res.exit_code == 1, res.output
    assert one_error_line(res) == f"Error: GET {RECORD}: {store.url}/store answered HTTP 401{message}"
    assert len(store.seen) == 1  # never answered, never retried


@pytest.mark.parametrize("values, message", [(v, m) for v, a, m in CHALLENGES if a == DIGEST_ARGS and "try" not in m],
                         ids=[repr(v)[:60] for v, a, m in CHALLENGES if a == DIGEST_ARGS and "try" not in m])
def test_an_endpoint_given_a_challenge_it_cannot_answer_says_so(values, message):
    """``--endpoint`` answers the challenge it is given (digest or basic): the same messages."""
    with serve(fixed(401, b"denied\n", [("WWW-Authenticate", v) for v in values])) as endpoint:
        res = run("query", "ASK {}", "--endpoint", f"http://curator:pw@127.0.0.1:{endpoint.port}/sparql")
    assert res.exit_code == 1, res.output
    assert one_error_line(res) == f"Error: endpoint: {endpoint.url}/sparql answered HTTP 401{message}"


# --- digest per RFC 7616, SHA-256 included -------------------------------------------------------

@pytest.mark.parametrize("offered, used", [
    (("SHA-256",), "SHA-256"),
    (("MD5",), "MD5"),  # Virtuoso's
    (("SHA-512-256", "SHA-256"), "SHA-256"),  # the first challenge kzlod can answer
    (("SHA-256", "MD5"), "SHA-256"),  # RFC 7616: the server's preference first
])
def test_push_with_rfc_7616_digest(offered, used):
    checker = DigestChecker("curator", "a long s3cret", algorithms=offered)
    store = GraphStore(digest=checker)
    with serve(store) as server:
        res = run("push", "--endpoint", server.url, "--server", "other", "--graph-store", server.url + "/gsp",
                  "--user", "curator", "--auth", "digest", env={"KZLOD_PASSWORD": "a long s3cret"})
    assert res.exit_code == 0, res.output
    assert set(store.graphs) == {g.iri for g in pushing.project_graphs(bundled())} | {RECORD}
    assert checker.accepted and set(checker.accepted) == {used}
    unanswered = [s for s in server.seen if not checker.check(s)]
    assert [(s.method, s.body) for s in unanswered] == [("GET", b"")]  # one challenge, then answered each time


def test_a_wrong_digest_password_is_one_line():
    with serve(GraphStore(digest=DigestChecker("curator", "right", algorithms=("SHA-256",)))) as server:
        res = run("push", "--endpoint", server.url, "--server", "other", "--graph-store", server.url + "/gsp",
                  "--user", "curator", "--auth", "digest", env={"KZLOD_PASSWORD": "wr0ng"})
    assert res.exit_code == 1
    assert one_error_line(res) == f"Error: GET {RECORD}: {server.url}/gsp answered HTTP 401: authentication required"
    assert "wr0ng" not in res.output


def test_an_endpoint_behind_sha_256_digest_answers():
    checker = DigestChecker("reader", "s3cret", algorithms=("SHA-256",))

    def answer(handler, seen):
        if checker.check(seen):
            handler.reply(200, b'{"head": {}, "boolean": true}', {"Content-Type": "application/sparql-results+json"})
        else:
            handler.reply(401, b"", checker.challenges())

    with serve(answer) as endpoint:
        store = EndpointStore(f"http://reader:s3cret@127.0.0.1:{endpoint.port}/sparql")
        assert bool(store.query("ASK {}")) is True
        assert bool(store.query("ASK { ?s ?p ?o }")) is True
    assert [s.auth is None for s in endpoint.seen] == [True, False, False]  # asked once, then answered at once
    assert checker.accepted == ["SHA-256", "SHA-256"]


# --- ~/.netrc, by login --------------------------------------------------------------------------

NETRC = """\
# the store's accounts
machine 127.0.0.1 login alice password alice-pw
machine 127.0.0.1
    login bob
    password "bob's pw \\"quoted\\""
macdef init
machine 127.0.0.1 login mallory password from-a-macro

machine other.example login carol password carol-pw
default login anyone password default-pw
"""
HOST = "http://127.0.0.1:7878/"
NETRC_CASES = [  # (netrc, url, --user, environment, the credentials, or the error)
    (NETRC, HOST, "bob", {}, Credentials("bob", 'bob\'s pw "quoted"')),
    (NETRC, HOST, "alice", {}, Credentials("alice", "alice-pw")),
    (NETRC, HOST, None, {}, Credentials("alice", "alice-pw")),  # the host's first entry
    (NETRC, HOST, None, {"KZLOD_PASSWORD": "env-pw"}, Credentials("alice", "alice-pw")),  # with its own password
    (NETRC, HOST, "mallory", {}, "no password for user 'mallory' at 127.0.0.1"),  # in a macro: not an entry
    (NETRC, HOST, "carol", {}, "no password for user 'carol' at 127.0.0.1"),  # another host's
    (NETRC, "http://elsewhere.example/", None, {}, Credentials()),  # the default entry is never used
    (NETRC, "http://OTHER.example/", None, {}, Credentials("carol", "carol-pw")),  # host names in any case
    (NETRC, HOST, "bob", {"KZLOD_PASSWORD": "env-pw"}, Credentials("bob", "env-pw")),
    (NETRC, HOST, None, {"KZLOD_PUSH_USER": "bob"}, Credentials("bob", 'bob\'s pw "quoted"')),
    (NETRC, "http://bob@127.0.0.1:7878/", None, {}, Credentials("bob", 'bob\'s pw "quoted"')),
    (NETRC, "http://bob:url-pw@127.0.0.1:7878/", None, {"KZLOD_PASSWORD": "env-pw"}, Credentials("bob", "url-pw")),
    (NETRC, "http://bob:url-pw@127.0.0.1:7878/", "alice", {}, Credentials("alice", "alice-pw")),
    (NETRC, HOST, None, {"KZLOD_TOKEN": "t0ken"}, Credentials(token="t0ken")),
    (NETRC, HOST, "alice", {"KZLOD_TOKEN": "t0ken"}, Credentials("alice", "alice-pw", "t0ken")),
    ("machine 127.0.0.1 login alice", HOST, None, {}, "no password for user 'alice' at 127.0.0.1"),
    ("machine 127.0.0.1 password orphan", HOST, None, {}, Credentials()),
    ('machine 127.0.0.1 login "al ice" password "unterminated', HOST, "al ice", {},
     Credentials("al ice", "unterminated")),
    ("fifo", HOST, None, {}, Credentials()),  # a FIFO is not read (it would hang)
]


@pytest.mark.parametrize("text, url, user, env, expected", NETRC_CASES)
def test_credentials_from_netrc_by_login(tmp_path, monkeypatch, text, url, user, env, expected):
    path = tmp_path / "netrc"
    if text == "fifo":
        os.mkfifo(path)
    else:
        path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("NETRC", str(path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if isinstance(expected, str):
        with pytest.raises(UsageError, match="^" + expected):
            find_credentials(url, user)
    else:
        assert find_credentials(url, user) == expected


def test_push_sends_the_password_of_the_netrc_entry_whose_login_is_the_user(tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text(NETRC, encoding="utf-8")
    bob = basic("bob", 'bob\'s pw "quoted"')
    store = GraphStore(accept=(bob,))
    with serve(store) as server:
        res = run("push", "--endpoint", server.url, "--server", "other", "--graph-store", server.url + "/gsp",
                  "--user", "bob", env={"NETRC": str(netrc)})
    assert res.exit_code == 0, res.output
    assert {s.auth for s in server.seen} == {bob} and RECORD in store.graphs


def test_an_endpoint_never_reads_the_push_environment(monkeypatch):
    """KZLOD_TOKEN and KZLOD_PASSWORD are push's: a query to another endpoint never sends them."""
    monkeypatch.setenv("KZLOD_TOKEN", "push-t0ken")
    monkeypatch.setenv("KZLOD_PUSH_USER", "curator")
    monkeypatch.setenv("KZLOD_PASSWORD", "push-pw")
    with serve(fixed(401, b"who?\n", {"WWW-Authenticate": 'Basic realm="x"'})) as endpoint:
        res = run("query", "ASK {}", "--endpoint", endpoint.url + "/sparql")
    assert res.exit_code == 1
    assert [s.auth for s in endpoint.seen] == [None]


# --- a release whose dump is a bomb ------------------------------------------------------------

def _release(tmp_path: Path, name: str, data: bytes | None) -> Path:
    folder = tmp_path / "release"
    (folder / "dumps").mkdir(parents=True)
    if data is None:
        os.mkfifo(folder / "dumps" / name)
    else:
        (folder / "dumps" / name).write_bytes(data)
    return folder


QUAD = b"<urn:a> <urn:b> <urn:c> <urn:g> .\n"
BOMBS = [  # (file name, its bytes, exit code, the message after the file's path)
    ("kzlod-1.nq.gz", gzip.compress(b"\n" * (16 << 20), 9), 3,
     "decompresses to more than 1 MiB, the limit of any file (KZLOD_MAX_LOAD_FILE_BYTES)"),
    ("kzlod-1.nq.gz", gzip.compress(QUAD * (1 << 19), 9), 3,
     "decompresses to more than 1 MiB, the limit of any file (KZLOD_MAX_LOAD_FILE_BYTES)"),
    ("kzlod-1.nq", QUAD * 40_000, 3,
     f"{len(QUAD) * 40_000:,} bytes is over the limit of 1 MiB for any file (KZLOD_MAX_LOAD_FILE_BYTES)"),
    ("kzlod-1.nq.gz", gzip.compress(QUAD * 1000)[:-20], 3, "cannot read: Compressed file ended before the "
                                                           "end-of-stream marker was reached"),
    ("kzlod-1.nq.gz", QUAD, 3, "cannot read: Not a gzipped file (b'<u')"),
    ("kzlod-1.nq.gz", None, 3, "not a regular file"),
]


@pytest.mark.parametrize("name, data, code, message", BOMBS, ids=["newlines", "quads", "plain", "truncated",
                                                                   "not-gzip", "fifo"])
def test_a_release_dump_past_the_size_limit_is_refused_while_it_inflates(tmp_path, monkeypatch, name, data, code,
                                                                         message):
    monkeypatch.setenv("KZLOD_MAX_LOAD_FILE_BYTES", str(1 << 20))
    folder = _release(tmp_path, name, data)
    res = run("push", "--endpoint", "http://127.0.0.1:9", "--release", str(folder))
    assert res.exit_code == code, res.output
    assert one_error_line(res) == f"Error: {folder / 'dumps' / name}: {message}"


def test_a_gzip_dump_within_the_limit_is_pushed(tmp_path):
    folder = _release(tmp_path, "kzlod-1.nq.gz", gzip.compress(QUAD * 3 + b"<urn:x> <urn:y> \"z\" <urn:h> .\n"))
    store = GraphStore()
    with serve(store) as server:
        res = run("push", "--endpoint", server.url, "--server", "other", "--graph-store", server.url + "/gsp",
                  "--release", str(folder))
    assert res.exit_code == 0, res.output
    assert store.graphs["urn:g"] == QUAD.replace(b" <urn:g>", b"") and "urn:h" in store.graphs


@pytest.mark.slow
def test_a_real_process_stops_a_gzip_bomb_at_the_limit_of_the_environment(tmp_path):
    folder = _release(tmp_path, "kzlod-1.nq.gz", gzip.compress(b"\n" * (64 << 20), 9))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZLOD_")}
    env.update(KZLOD_MAX_LOAD_FILE_BYTES=str(4 << 20), NETRC=str(tmp_path / "none"))
    done = subprocess.run([sys.executable, "-m", "kzlod", "push", "--endpoint", "http://127.0.0.1:9", "--release",
                           str(folder)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert done.stderr.strip().splitlines()[-1] == (
        f"Error: {folder}/dumps/kzlod-1.nq.gz: decompresses to more than 4 MiB, the limit of any file "
        "(KZLOD_MAX_LOAD_FILE_BYTES)")


def test_the_url_quoted_password_is_the_password():
    assert find_credentials("http://a%40b:p%3Aw%2F%25@127.0.0.1/") == Credentials("a@b", "p:w/%")
    assert urllib.parse.quote("p:w/%", safe="") == "p%3Aw%2F%25"
