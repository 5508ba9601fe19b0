"""``kzlod serve`` and ``kzlod query`` against hostile load: stalled connections and a query that eats memory.

* Connections that send half a request and stall must not make other clients wait or get 503
  (uvicorn's ``limit_concurrency`` counted them), and the server closes them after
  ``--header-timeout`` even when they trickle bytes.
* A query doubling a string 26 times (1.2 KB of SPARQL, gigabytes of memory) is stopped with one
  line naming the limit (``--max-memory``, ``KZLOD_MAX_QUERY_MEMORY``, 512 MB by default), the
  server's processes stay under 1 GB, and the server goes on answering; ``kzlod query`` exits 1
  with one ``Error:`` line, also under 1 GB.

The servers are real (``kzlod serve --port 0`` on 127.0.0.1, as in ``test_serve.py``).
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from servers import start_kzlod, stop_kzlod

from kzlod import api
from kzlod.querying.run import run_query
from kzlod.web.middleware import InFlightLimit, read_body
from kzlod.web.protocol import HttpError

ROOT = Path(__file__).resolve().parents[2]
GB = 1024 ** 3
MEMORY_MESSAGE = "query stopped: it needed more than 512 MB"


def doubling_query(doublings: int = 26, seed: str = "0123456789abcdef") -> str:
    """A 16-character string doubled ``doublings`` times, each step a BIND: 16 B * 2**26 = 1 GiB for the
    last value alone (with the ones before it and copies, several GB); the query text stays about 1 KB."""
    binds = [f'BIND("{seed}" AS ?s0)']
    binds += [f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(doublings)]
    body = "\n  ".join(binds)
    return f"SELECT (STRLEN(?s{doublings}) AS ?length) WHERE {{\n  {body}\n}}\n"


def start_server(*args, timeout=60):
    return start_kzlod(*args, timeout=timeout)


def http_get(url, timeout=60):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def ask(base):
    """A normal query: its status, and how long it took."""
    start = time.monotonic()
    status, _ = http_get(base + "sparql?query=ASK%20%7B%7D", timeout=30)
    return status, time.monotonic() - start


def closed_by_server(sock: socket.socket) -> bytes | None:
    """What the server sent before closing the connection (None: still open, nothing sent)."""
    sock.setblocking(False)
    chunks = []
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    except BlockingIOError:
        return b"".join(chunks) + b"(open)" if chunks else None
    except OSError:
        return b"".join(chunks)


# --- stalled connections -------------------------------------------------------------------

STALLS = [
    b"GET /sparql?query=ASK",  # half a request line
    b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # the line, headers not ended
    b"",  # connected, nothing sent
]


@pytest.mark.slow
def test_stalled_connections_neither_block_nor_refuse_other_clients():
    proc, base, port = start_server("--header-timeout", "3")
    socks = []
    try:
        assert ask(base)[0] == 200
        opened = time.monotonic()
        for i in range(300):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(STALLS[i % len(STALLS)])
            socks.append(sock)
        # uvicorn's limit_concurrency=256 counted these 300 connections: every other client got 503
        answers = [ask(base) for _ in range(3)]
        assert [status for status, _ in answers] == [200, 200, 200], answers
        assert max(took for _, took in answers) < 1.0, answers
        assert time.monotonic() - opened < 3, "the stalled connections were still open while the queries ran"
        assert all(closed_by_server(s) is None for s in socks[:30]), "nothing closed before the header timeout"

        # a client trickling its headers a byte at a time is timed out too: the limit is on the whole head
        trickler = socket.create_connection(("127.0.0.1", port), timeout=10)
        socks.append(trickler)
        start = time.monotonic()
        for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1":
            try:
                trickler.sendall(bytes([byte]))
            except OSError:
                break
            if closed_by_server(trickler) is not None:
                break
            trickler.setblocking(True)
            time.sleep(0.25)
        trickled = time.monotonic() - start
        answer = closed_by_server(trickler)
        assert answer is not None and trickled < 3 + 2, (answer, trickled)
        assert answer.startswith(b"HTTP/1.1 408") or answer == b""

        # after the header timeout every stalled connection is closed, with a 408
        time.sleep(max(0.0, opened + 3 + 1.5 - time.monotonic()))
        answers = [closed_by_server(s) for s in socks[:300]]
        assert all(a is not None and not a.endswith(b"(open)") for a in answers), "every stalled connection closed"
        assert sum(a.startswith(b"HTTP/1.1 408 Request Timeout") for a in answers) >= 290
        assert b"not received within 3 s" in answers[0]
        assert ask(base)[0] == 200
    finally:
        for sock in socks:
            sock.close()
        stop_kzlod(proc)


def read_until_closed(sock: socket.socket, limit: float = 10) -> bytes:
    sock.settimeout(limit)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except OSError:
        pass
    return b"".join(chunks)


def test_the_head_of_a_request_is_limited_in_size_and_read_whole_however_it_arrives():
    """The request line and headers: past ServeConfig.max_body (1 MiB) 431 and closed (llhttp takes a head of any
    length, and uvicorn gathers it); a malformed one 400; one sent a few bytes at a time, and a second
    sent with its last bytes, both answered."""
    proc, base, port = start_server("--header-timeout", "5")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            try:
                for _ in range(40):  # 40 headers of 64 KiB, never ended
                    sock.sendall(b"X-Filler: " + b"a" * 65536 + b"\r\n")
            except OSError:
                pass  # closed by the server part-way: what it said is read below
            answer = read_until_closed(sock)
        assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large"), answer[:200]
        assert answer.endswith(b"request line and headers over 1048576 bytes\n")

        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /sparql?query=ASK HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n")  # a header without its colon
            assert read_until_closed(sock).startswith(b"HTTP/1.1 400")

        request = b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/csv\r\n\r\n"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            for at in range(0, len(request) - 7, 7):  # a few bytes at a time, within the header timeout
                sock.sendall(request[at:at + 7])
                time.sleep(0.01)
            # its last bytes and a second request in one packet: the second is read after the first is answered
            sock.sendall(request[at + 7:] + request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
            answers = read_until_closed(sock)
        assert answers.count(b"HTTP/1.1 200 OK") == 2, answers
        assert answers.count(b"\r\n\r\nboolean\r\ntrue\r\n") == 2, answers
        assert ask(base)[0] == 200
    finally:
        stop_kzlod(proc)


def read_response(sock: socket.socket) -> bytes:
    """One response, its head and as many bytes of body as its Content-Length says."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, f"closed after {len(body)} of {length} bytes of body"
        body += chunk
    return head + b"\r\n\r\n" + body


def test_a_request_asking_for_a_websocket_is_answered_as_http_and_logs_nothing(tmp_path):
    """kzlod serve speaks HTTP only, whatever is installed beside it: an Upgrade header is answered as
    a plain request, and no client can make it write uvicorn's advice to install a WebSocket library."""
    log = tmp_path / "stderr"
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "kzlod", "serve", "--port", "0"], cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 60
        while not (m := re.search(r"serving http://127\.0\.0\.1:(\d+)/", log.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        with socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=10) as sock:
            for _ in range(3):
                sock.sendall(b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/csv\r\n"
                             b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                answer = read_response(sock)
                assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"boolean\r\ntrue\r\n"), answer
    finally:
        stop_kzlod(proc)
    lines = log.read_text().splitlines()
    assert [line for line in lines if "serving" not in line and "no project here" not in line] == []


def test_in_flight_limit_counts_requests_and_refuses_past_it():
    """Past ``limit`` requests being answered, 503 with Retry-After; finished ones free their place."""
    release = asyncio.Event()
    statuses = []

    async def app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = InFlightLimit(app, limit=2)

    async def request():
        sent = []

        async def send(message):
            sent.append(message)

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        await limited({"type": "http", "method": "GET", "path": "/", "headers": []}, receive, send)
        statuses.append((sent[0]["status"], dict(sent[0]["headers"]).get(b"retry-after")))

    async def main():
        first = [asyncio.create_task(request()) for _ in range(2)]
        await asyncio.sleep(0.01)
        await request()  # a third while two are in flight
        release.set()
        await asyncio.gather(*first)
        await request()  # places freed

    asyncio.run(main())
    assert statuses == [(503, b"5"), (200, None), (200, None), (200, None)]


def test_a_body_that_stalls_is_refused_with_408():
    from starlette.requests import Request

    sent = []

    async def stalling():  # the first 9 bytes of 100, then nothing
        if not sent:
            sent.append(1)
            return {"type": "http.request", "body": b"query=ASK", "more_body": True}
        await asyncio.sleep(3600)

    scope = {"type": "http", "method": "POST", "path": "/sparql", "headers": [(b"content-length", b"100")]}
    start = time.monotonic()
    with pytest.raises(HttpError) as caught:
        asyncio.run(read_body(Request(scope, stalling), 1024, timeout=0.3))
    assert caught.value.status == 408 and "not received within 0.3 s" in caught.value.message
    assert time.monotonic() - start < 5


# --- memory ----------------------------------------------------------------------------------

def tree(pid: int) -> list[int]:
    """The process and its descendants."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found


def status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads memory from /proc")
def test_a_query_eating_memory_is_stopped_and_the_server_stays_small():
    proc, base, _ = start_server()
    try:
        assert ask(base)[0] == 200
        workers_before = set(tree(proc.pid)) - {proc.pid}
        peak = {"tree": 0, "hwm": 0}
        done = threading.Event()

        def watch():
            while not done.is_set():
                pids = tree(proc.pid)
                peak["tree"] = max(peak["tree"], sum(status_kb(p, "VmRSS") for p in pids))
                peak["hwm"] = max([peak["hwm"]] + [status_kb(p, "VmHWM") for p in pids])
                time.sleep(0.005)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        status, body = http_get(base + "sparql?" + urllib.parse.urlencode({"query": doubling_query()}), timeout=120)
        done.set()
        watcher.join(5)

        text = body.decode()
        assert status == 500, text
        assert text.startswith(MEMORY_MESSAGE) and "KZLOD_MAX_QUERY_MEMORY" in text
        assert len(text.strip().splitlines()) == 1, "one line, no traceback"
        assert peak["tree"] < GB / 1024, f"the server's processes held {peak['tree'] // 1024} MB at once"
        assert peak["hwm"] < GB / 1024, f"a worker peaked at {peak['hwm'] // 1024} MB"
        assert peak["hwm"] > 200 * 1024, "the query did grow its worker before it was stopped"
        # the worker that died is replaced, and the server goes on answering
        assert ask(base)[0] == 200
        assert set(tree(proc.pid)) - {proc.pid} != workers_before
        status, body = http_get(base + "sparql?" + urllib.parse.urlencode({"query": doubling_query(10)}))
        assert status == 200 and b"16384" in body
    finally:
        stop_kzlod(proc)


@pytest.mark.slow
def test_kzlod_query_stops_a_query_eating_memory_in_one_line():
    query = doubling_query()
    assert len(query) < 1300
    proc = subprocess.Popen([sys.executable, "-m", "kzlod", "query", query, "--format", "csv"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = {}
    readers = [threading.Thread(target=lambda name, f: out.__setitem__(name, f.read()), args=(name, f))
               for name, f in (("stdout", proc.stdout), ("stderr", proc.stderr))]
    for reader in readers:
        reader.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)  # the peak of the process and of the children it waited for
    finally:
        if proc.returncode is None and proc.poll() is None:
            proc.kill()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(10)
    proc.stdout.close()
    proc.stderr.close()
    errors = [line for line in out["stderr"].decode().splitlines() if not line.startswith("kzlod: no project")]
    assert proc.returncode == 1, out
    assert errors == [f"Error: {MEMORY_MESSAGE} (raise the limit with --max-memory or KZLOD_MAX_QUERY_MEMORY)"]
    assert out["stdout"] == b""
    assert usage.ru_maxrss * 1024 < GB, f"kzlod query peaked at {usage.ru_maxrss // 1024} MB"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the memory limit runs queries in a forked child")
def test_a_query_under_the_memory_limit_gives_the_same_answer():
    store = api.load()
    for name, query in api.named_queries().items():
        if query.required:
            continue
        plain = run_query(store, query.text)
        limited = run_query(store, query.text, max_memory=512)
        assert (limited.kind, limited.variables, limited.rows, limited.truncated) == (
            plain.kind, plain.variables, plain.rows, plain.truncated), name
    small = run_query(store, doubling_query(10), max_memory=64)
    assert small.rows[0][0].value == "16384"
