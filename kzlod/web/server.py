"""``kzlod serve``: a read-only linked-data server (Starlette on uvicorn).

* ``/sparql`` — the SPARQL 1.1 Protocol (see :mod:`kzlod.web.protocol`); a bare
  ``GET`` gives the service description;
* ``/id/<local>`` — the entity ``https://w3id.org/kzlod/id/<local>``: HTML
  for browsers, its concise bounded description as Turtle, N-Triples or
  JSON-LD otherwise; ``/ontology`` — the ontology;
* ``/`` — the query page, a SPARQL workbench on YASGUI vendored in ``/static`` (no CDN):
  :mod:`kzlod.web.workbench`, with ``/queries.json`` and ``/complete``.

Queries never run in the web server's process: a pool of worker processes
(``spawn`` context), each holding its own copy of the store, runs them. A
query that outlives ``--timeout`` has its worker killed and replaced, so the
work really stops; a worker's memory is capped at what it holds after loading
the graph plus ``--max-memory`` (``RLIMIT_DATA``), and a query past that ends
its worker, which is replaced, and is answered with the memory message. Every
response carries ``X-Content-Type-Options: nosniff`` and a
Content-Security-Policy that allows only ``'self'``.

Connections: a client has ``header_timeout`` seconds to send a request's line
and headers (uvicorn has no such limit; :func:`_http_protocol` adds it), and
``body_timeout`` for its body; at most ``max_in_flight`` requests are answered
at once (:class:`InFlightLimit`), counting requests, not open connections, so
connections that stall before their headers cannot make other clients wait.
See docs/performance.md, "Limits of one query and of the server".
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import re
import signal
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from kzlod import settings
from kzlod.errors import EXIT_INPUT, EXIT_USAGE, InputError, KzlodError, QueryError, UsageError
from kzlod.gate.parse import parse_files
from kzlod.project import Project
from kzlod.querying.output import render
from kzlod.querying.run import (
    check_query,
    died_of_memory,
    limit_memory,
    memory_message,
    named_queries,
    run_query,
)
from kzlod.sparqltext import mask_sparql
from kzlod.store.backends import GraphStore, bind_values, query_kind
from kzlod.store.spec import StoreSpec
from kzlod.vocab import KZD, NAMESPACES, ONTOLOGY
from kzlod.web import pages, protocol, site, workbench
from kzlod.web.protocol import GRAPH_TYPES, RESULT_TYPES, HttpError
from kzlod.web.shell import SERVED_PAGE_CSP, STATIC_DIR

ID_BASE = KZD
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
#: The policy of every response: only this origin's scripts, styles and fetches; no inline code.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
ENTITY_TYPES = {"ttl": "text/turtle", "html": "text/html", "nt": "application/n-triples",
                "jsonld": "application/ld+json"}
QUEUE_GRACE = 15.0  # seconds a request may wait beyond the time limit for a free (or restarted) worker
_FROM = re.compile(r"(?<![:\w?$])FROM\b", re.I)
_LOCAL = site._LOCAL  # what a local name under /id/ may be


@dataclass(frozen=True)
class ServeConfig:
    """What ``kzlod serve`` serves, and its limits."""

    project: Project  # whose graph a memory store serves, and whose prefixes the pages use
    store: StoreSpec = StoreSpec()
    data: tuple[str, ...] = ()
    timeout: float = 30.0  # seconds a query may run before its worker is killed
    workers: int = 2
    cors: tuple[str, ...] = ()
    max_body: int = 1024 * 1024  # bytes of a POST body
    max_rows: int | None = None  # result rows (kzlod.querying.run default when None)
    # MB one query may take in a worker beyond the loaded graph (0: no limit; default: the setting)
    max_memory: int = field(default_factory=lambda: settings.get("max_query_memory"))
    header_timeout: float = 5.0  # seconds a client has to send a request's line and headers
    body_timeout: float = 30.0  # seconds a client has to send a request's body
    max_in_flight: int = 256  # requests answered at once (their headers received); more get 503
    start_timeout: float = 120.0

    def check(self) -> None:
        if self.timeout <= 0:
            raise UsageError("--timeout must be a positive number of seconds")
        if not 1 <= self.workers <= 64:
            raise UsageError("--workers must be between 1 and 64")
        if self.max_memory < 0:
            raise UsageError("--max-memory must be a number of MB, 0 for no limit")
        if self.header_timeout <= 0:
            raise UsageError("--header-timeout must be a positive number of seconds")
        if self.body_timeout <= 0:
            raise UsageError("the time limit of a request body must be a positive number of seconds")
        if self.max_in_flight < 1:
            raise UsageError("the limit of requests in flight must be at least 1")
        if self.store.is_endpoint:
            raise UsageError("kzlod serve serves a memory or oxigraph:DIR store, not an endpoint")
        if self.store.is_disk:
            self.store.existing_path()
        self.store.refuse_data(self.data)
        for origin in self.cors:
            if origin != "*" and not re.match(r"^https?://[^/\s]+$", origin):
                raise UsageError(f"--cors {origin!r}: give an origin like https://example.org (no path) or *")


# --- the worker process -----------------------------------------------------------

def open_store(config: ServeConfig):
    """The store a worker serves: the project's graph in memory (plus --data), or a disk store opened read-only."""

    return config.store.open(config.project, extra=parse_files([Path(p) for p in config.data]))


def _dataset_query(store, default_graphs, named_graphs, base_iri=None):
    """A store view over the protocol dataset (the store's union default graph when none was given)."""
    import pyoxigraph as ox

    if default_graphs is None and named_graphs is None:
        dataset = {"use_default_graph_as_union": True}  # FROM / FROM NAMED in the query take over (below)
    else:
        dataset = {"default_graph": [ox.NamedNode(g) for g in default_graphs],
                   "named_graphs": [ox.NamedNode(g) for g in named_graphs]}

    class DatasetView(GraphStore):
        name = store.name

        def query(self, sparql, substitutions=None):
            if substitutions:
                sparql = bind_values(sparql, substitutions)
            chosen = dataset
            if "use_default_graph_as_union" in dataset and _FROM.search(mask_sparql(sparql)):
                chosen = {}  # the query's own dataset
            return store.store.query(sparql, prefixes=NAMESPACES, base_iri=base_iri, **chosen)

    return DatasetView()


def _status_of(exc: KzlodError) -> int:
    if isinstance(exc, HttpError):
        return exc.status
    if isinstance(exc, QueryError):
        refused = ("bad SPARQL", "query too", "updates are refused", "SERVICE is refused", "cannot bind")
        return 400 if exc.message.startswith(refused) else 500
    return 400 if exc.exit_code == EXIT_USAGE else 500


def _render(result, fmt: str) -> tuple[str, bytes]:
    if result.kind == "graph" and fmt not in GRAPH_TYPES:
        fmt = "ttl"
    elif result.kind != "graph" and fmt not in RESULT_TYPES:
        fmt = "json"
    mtype = {**RESULT_TYPES, **GRAPH_TYPES}[fmt]
    charset = "" if fmt in ("json", "jsonld") else "; charset=utf-8"
    return mtype + charset, render(result, fmt).encode("utf-8")


def task_query(store, sparql, default_graphs, named_graphs, fmt, base_iri=None, max_rows=None):
    view = _dataset_query(store, default_graphs, named_graphs, base_iri)
    result = run_query(view, sparql, timeout=0, max_rows=max_rows)
    ctype, body = _render(result, fmt)
    return ("ok", ctype, body, {"truncated": result.truncated})


#: The path on this server that answers for an IRI (None: served elsewhere, shown as text).
link = site.served_link


def _html(text: str) -> tuple:
    """An HTML answer rendered by :mod:`kzlod.web.pages`, with the policy those pages need (no script)."""
    return ("ok", "text/html; charset=utf-8", text.encode("utf-8"), {"csp": SERVED_PAGE_CSP})


def task_entity(store, iri, fmt):
    import pyoxigraph as ox

    node = ox.NamedNode(iri)
    if not run_query(store, f"ASK {{ {node} ?p ?o }}", timeout=0).boolean:
        raise HttpError(404, f"no entity {iri} in the graph")
    if fmt == "html":

        return _html(pages.render_entity(store, iri, link=link, home="/", served=True))
    ctype, body = _render(run_query(store, f"DESCRIBE {node}", timeout=0), fmt)
    return ("ok", ctype, body, {})


ONTOLOGY_QUERY = """
CONSTRUCT { ?s ?p ?o } WHERE {
  GRAPH ?g { <https://w3id.org/kzlod/ontology> a <http://www.w3.org/2002/07/owl#Ontology> . ?s ?p ?o }
}"""


def task_ontology(store, fmt):
    if fmt == "html":

        if not run_query(store, f"ASK {{ <{ONTOLOGY}> ?p ?o }}", timeout=0).boolean:
            raise HttpError(404, "the served graph holds no ontology")
        return _html(pages.render_ontology(store, home="/", served=True))
    result = run_query(store, ONTOLOGY_QUERY, timeout=0)
    if not result.triples:
        raise HttpError(404, "the served graph holds no ontology")
    ctype, body = _render(result, fmt)
    return ("ok", ctype, body, {})


def store_info(store) -> dict:
    graphs = sorted(row[0].value for row in run_query(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }").rows)
    return {"graphs": graphs, "triples": len(store)}


TASKS = {"query": task_query, "entity": task_entity, "ontology": task_ontology}
TASKS.update(workbench.TASKS)  # the query page's: parameters bound, terms completed
TASKS.update(site.TASKS)  # the browsing pages': entities, sources, claims, timeline, map, search


def worker_main(conn, config: ServeConfig) -> None:
    """A worker: load the store once, then answer tasks until told to stop or the server goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    try:
        store = open_store(config)
        info = store_info(store)
    except KzlodError as exc:
        conn.send(("failed", exc.exit_code, exc.message))
        return
    except Exception as exc:  # pragma: no cover - reported, then the server stops
        conn.send(("failed", 1, f"cannot load the graph: {type(exc).__name__}: {exc}"))
        return
    limit_memory(config.max_memory)  # from here on, what a query allocates past the cap ends this process
    conn.send(("ready", info))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if task is None:
            return
        name, *args = task
        try:
            if name == "query":
                args.append(config.max_rows)
            reply = TASKS[name](store, *args)
        except KzlodError as exc:
            reply = ("error", _status_of(exc), exc.message, exc.details)
        except MemoryError:  # Python's allocations past the cap (rendering a huge result): the worker lives on
            reply = ("error", 500, memory_message(config.max_memory), [])
        except Exception as exc:  # noqa: BLE001 - a worker answers, never dies of a bad request
            import traceback

            traceback.print_exc(file=sys.stderr)  # for the operator; the client gets one line
            reply = ("error", 500, f"internal error: {type(exc).__name__}", [])
        try:
            try:
                conn.send(reply)
            except MemoryError:
                reply = None
                conn.send(("error", 500, memory_message(config.max_memory), []))
        except (OSError, ValueError):
            return


# --- the pool of workers ------------------------------------------------------------

class _Worker:
    def __init__(self, ctx, config: ServeConfig):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(child, config), daemon=True, name="kzlod-query-worker")
        self.process.start()
        child.close()

    def stop(self, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                kill = True
            self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        try:
            self.conn.close()
        except OSError:
            pass


class WorkerPool:
    """Worker processes that run queries, each with its own store; a worker past the timeout is replaced."""

    def __init__(self, config: ServeConfig):
        self.config = config
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue = queue.Queue()
        self._all: set = set()
        self._lock = threading.Lock()
        self._closed = False
        self.info: dict = {"graphs": [], "triples": None}
        self.replaced = 0

    def start(self) -> "WorkerPool":
        """Start every worker and wait until each has loaded the graph (raises the loading error)."""
        workers = [self._spawn() for _ in range(self.config.workers)]
        try:
            for worker in workers:
                self.info = self._await_ready(worker)
                self._idle.put(worker)
        except BaseException:
            self.close()
            raise
        return self

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self.config)
        with self._lock:
            self._all.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> dict:
        limit = self.config.start_timeout
        if not worker.conn.poll(limit):
            self._drop(worker)
            raise KzlodError(f"a query worker did not load the graph within {limit:g} s")
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            code = worker.process.exitcode
            self._drop(worker)
            raise KzlodError(f"a query worker exited while loading the graph (exit code {code})") from None
        if message[0] == "failed":
            self._drop(worker)
            _, exit_code, text = message
            cls = InputError if exit_code == EXIT_INPUT else UsageError if exit_code == EXIT_USAGE else KzlodError
            raise cls(text)
        return message[1]

    def _drop(self, worker: _Worker, kill: bool = True) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop(kill=kill)

    def _replace(self, worker: _Worker) -> None:
        self._drop(worker)
        self.replaced += 1
        for attempt in range(3):
            if self._closed:
                return
            try:
                fresh = self._spawn()
                self._await_ready(fresh)
            except KzlodError as exc:
                print(f"kzlod serve: cannot restart a query worker: {exc.message}", file=sys.stderr)
                time.sleep(1 + attempt)
                continue
            if self._closed:
                self._drop(fresh)
            else:
                self._idle.put(fresh)
            return

    def run(self, task: tuple, timeout: float | None = None) -> tuple:
        """Send a task to a free worker and wait for its answer (blocking; call from a thread)."""
        timeout = self.config.timeout if timeout is None else timeout
        if self._closed:
            raise HttpError(503, "the server is shutting down")
        try:
            # Every worker busy: wait at most for one query's time limit, plus a worker's restart.
            worker = self._idle.get(timeout=self.config.timeout + QUEUE_GRACE)
        except queue.Empty:
            raise HttpError(503, f"server busy: all {self.config.workers} query workers are occupied; try again",
                            headers={"Retry-After": "5"}) from None
        try:
            worker.conn.send(task)
            if not worker.conn.poll(timeout):
                threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
                raise HttpError(504, f"query stopped: it ran past the time limit of {timeout:g} s")
            reply = worker.conn.recv()
        except (EOFError, OSError, ValueError):
            worker.process.join(5)  # it has died (or is dying): its exit code says of what
            code = worker.process.exitcode
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
            raise HttpError(500, self._death_message(code)) from None
        self._idle.put(worker)
        if reply[0] == "error":
            raise HttpError(reply[1], reply[2], details=reply[3])
        return reply

    def _death_message(self, code: int | None) -> str:
        """What to answer for a worker that died while answering (exit code ``code``)."""
        if self._closed:
            return "the server is shutting down"
        if code is not None and code < 0 and died_of_memory(-code) and self.config.max_memory:
            print(f"kzlod serve: a query needed more than {self.config.max_memory} MB; its worker was stopped "
                  "and is being replaced", file=sys.stderr)
            return memory_message(self.config.max_memory)
        what = f"exit code {code}"
        if code is not None and code < 0:
            try:
                what = f"signal {signal.Signals(-code).name}"
            except ValueError:
                what = f"signal {-code}"
        return f"the query worker died while answering ({what}); it is being replaced"

    async def arun(self, task: tuple) -> tuple:
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.run, task)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


# --- the web application -------------------------------------------------------------

class SecurityHeaders:
    """ASGI middleware: the security headers on every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode("latin-1").lower() for k, _ in headers}
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class InFlightLimit:
    """ASGI middleware: at most ``limit`` requests answered at once; past it, 503 with Retry-After.

    It counts requests whose line and headers have arrived, as uvicorn's ``limit_concurrency`` counts
    its tasks, but not open connections, which uvicorn counts too: there, 256 connections that send
    half a request and stall made every other client get 503 (their heads are :func:`_http_protocol`'s
    to time out)."""

    def __init__(self, app, limit: int):
        self.app, self.limit, self.count = app, limit, 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.count >= self.limit:
            from starlette.responses import PlainTextResponse

            busy = PlainTextResponse(f"server busy: {self.limit} requests in flight; try again\n", status_code=503,
                                     headers={"Retry-After": "5"})
            return await busy(scope, receive, send)
        self.count += 1  # one event loop: no lock needed
        try:
            await self.app(scope, receive, send)
        finally:
            self.count -= 1


def _http_protocol(header_timeout: float):
    """uvicorn's h11 protocol plus a time limit on each request's line and headers.

    uvicorn (0.54) has none: its keep-alive timer stops at a connection's first byte, so a client that
    sends half a request line and stalls holds its connection open for ever (uvicorn issue #157 listed
    a "--timeout-request-start"; it was never added). Here a connection gets ``header_timeout`` seconds from its
    opening, or from the first byte of each later request on it, until the request's head is complete
    (h11's ``their_state`` leaves IDLE); then it is answered 408 and closed. Bodies are timed by
    :func:`read_body`, idle keep-alive connections by uvicorn's ``timeout_keep_alive``.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeadTimeoutH11Protocol(H11Protocol):
        head_timer = None

        def connection_made(self, transport):
            super().connection_made(transport)
            self._time_head()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._time_head()

        def connection_lost(self, exc):
            self._time_head(stop=True)
            super().connection_lost(exc)

        def _time_head(self, stop: bool = False) -> None:
            waiting = not stop and self.conn.their_state is h11.IDLE and not self.transport.is_closing()
            if waiting and self.head_timer is None:
                self.head_timer = self.loop.call_later(header_timeout, self._head_timed_out)
            elif not waiting and self.head_timer is not None:
                self.head_timer.cancel()
                self.head_timer = None

        def _head_timed_out(self) -> None:
            self.head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                text = f"request line and headers not received within {header_timeout:g} s\n".encode()
                self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                                     b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(text), text))
                self.transport.close()

    return HeadTimeoutH11Protocol


async def read_body(request, limit: int, timeout: float | None = None) -> bytes:
    """The request's body, refused past ``limit`` bytes (413) or when not all there within ``timeout`` s (408)."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.strip().isdigit():
            raise HttpError(400, "bad Content-Length header")
        if int(length) > limit:
            raise HttpError(413, f"request body too large: {int(length)} bytes, over the limit of {limit} bytes")
    import anyio

    chunks, size = [], 0
    try:
        with anyio.fail_after(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise HttpError(413, f"request body too large: over the limit of {limit} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise HttpError(408, f"request body not received within {timeout:g} s") from None
    return b"".join(chunks)


def create_app(pool: WorkerPool, config: ServeConfig | None = None):
    """The Starlette application answering from ``pool``'s workers."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.responses import PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route

    config = config or pool.config
    named = named_queries()
    import importlib.util

    has_pages = importlib.util.find_spec("kzlod.web.pages") is not None
    resource_types = {k: v for k, v in ENTITY_TYPES.items() if k != "html" or has_pages}
    static = {p.relative_to(STATIC_DIR).as_posix(): (p.read_bytes(), STATIC_TYPES[p.suffix])
              for p in sorted(STATIC_DIR.rglob("*")) if p.is_file() and p.suffix in STATIC_TYPES}

    def endpoint_iri(request) -> str | None:
        """This endpoint's IRI as the client addressed it (the base IRI of queries), if a valid IRI."""
        import pyoxigraph as ox

        url = str(request.url.replace(query="", fragment=""))
        try:
            ox.NamedNode(url)
        except ValueError:
            return None
        return url

    def error(exc: KzlodError) -> Response:
        status = exc.status if isinstance(exc, HttpError) else 400
        headers = exc.headers if isinstance(exc, HttpError) else {}
        # one line saying what is wrong; then, for a bad query, its line with a caret under the place
        lines = [line.replace("\r", " ").replace("\n", " ") for line in [exc.message, *exc.details]]
        return PlainTextResponse("\n".join(lines) + "\n", status_code=status, headers=headers)

    def answer(reply) -> Response:
        _, ctype, body, meta = reply
        headers = {"Vary": "Accept"}
        if meta.get("truncated"):
            headers["X-Kzlod-Truncated"] = "true"
        if meta.get("csp"):
            headers["Content-Security-Policy"] = meta["csp"]
        return Response(body, media_type=ctype, headers=headers)

    async def sparql(request):
        try:
            body = b""
            if request.method == "POST":
                body = await read_body(request, config.max_body, config.body_timeout)
            op = protocol.read_operation(request.method, request.url.query, request.headers.get("content-type"), body)
            accept = request.headers.get("accept")
            if op is None:
                return service_description(request, accept)
            try:
                check_query(op.query)
            except QueryError as exc:
                raise HttpError(400, exc.message, details=exc.details) from None
            kind = query_kind(op.query)
            table = GRAPH_TYPES if kind in ("construct", "describe") else RESULT_TYPES
            if request.method == "GET" and op.format is None and protocol.prefers_html(accept, list(table.values())):
                return RedirectResponse("/?" + urllib.parse.urlencode({"query": op.query}), status_code=303)
            fmt = protocol.choose_format(kind, accept, op.format)
            default_graphs, named_graphs = op.dataset
            base = endpoint_iri(request)
            return answer(await pool.arun(("query", op.query, default_graphs, named_graphs, fmt, base)))
        except KzlodError as exc:
            return error(exc)

    def service_description(request, accept):
        if request.method == "GET" and protocol.prefers_html(accept, list(GRAPH_TYPES.values())):
            return RedirectResponse("/", status_code=303)
        chosen = protocol.negotiate(accept, list(GRAPH_TYPES.values()))
        if chosen is None:
            raise HttpError(406, f"the service description is available as {', '.join(GRAPH_TYPES.values())}")
        endpoint = endpoint_iri(request)
        if endpoint is None:
            raise HttpError(400, "the request's Host header does not make a valid endpoint IRI")
        text = protocol.service_description(endpoint, pool.info["graphs"], pool.info["triples"])
        if chosen != GRAPH_TYPES["ttl"]:
            import pyoxigraph as ox

            fmt = ox.RdfFormat.N_TRIPLES if chosen == GRAPH_TYPES["nt"] else ox.RdfFormat.JSON_LD
            text = ox.serialize(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE), format=fmt).decode()
        return Response(text, media_type=chosen + ("; charset=utf-8" if chosen != GRAPH_TYPES["jsonld"] else ""),
                        headers={"Vary": "Accept"})

    def resource_format(request) -> str:
        explicit = request.query_params.get("format")
        if explicit is not None:
            if explicit not in resource_types:
                raise HttpError(400, f"unknown format {explicit[:40]!r}: use one of {', '.join(resource_types)}")
            return explicit
        chosen = protocol.negotiate(request.headers.get("accept"), list(resource_types.values()))
        if chosen is None:
            raise HttpError(406, f"this resource is available as {', '.join(resource_types.values())}")
        return next(k for k, v in resource_types.items() if v == chosen)

    async def entity(request):
        local = request.path_params["local"]
        try:
            if not _LOCAL.match(local) or len(local) > 512:
                raise HttpError(404, "no such entity: not a kzlod identifier")
            fmt = resource_format(request)
            return answer_resource(await pool.arun(("entity", ID_BASE + local, fmt)))
        except KzlodError as exc:
            return error(exc)

    async def ontology(request):
        try:
            fmt = resource_format(request)
            return answer_resource(await pool.arun(("ontology", fmt)))
        except KzlodError as exc:
            return error(exc)

    def answer_resource(reply):
        response = answer(reply)
        response.headers["Vary"] = "Accept"
        return response

    namespaces = config.project.namespaces

    async def home(request):
        return await workbench.home(request, pool, named, config.max_body)

    async def queries(request):
        return Response(json.dumps(workbench.queries_json(named, namespaces), ensure_ascii=False),
                        media_type="application/json")

    async def complete(request):
        return await workbench.complete(request, pool)

    async def static_file(request):
        name = request.path_params["name"]
        if name not in static:
            return PlainTextResponse("no such file\n", status_code=404)
        content, ctype = static[name]
        return Response(content, media_type=ctype, headers={"Cache-Control": "max-age=300"})

    async def favicon(request):
        return Response(status_code=204)

    routes = [
        Route("/", home, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Route("/queries.json", queries, methods=["GET"]),
        Route("/complete", complete, methods=["GET"]),
        Route("/sparql", sparql, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/id/{local:path}", entity, methods=["GET"]),
        Route("/ontology", ontology, methods=["GET"]),
        Route("/ontology/{version:path}", ontology, methods=["GET"]),
        Route("/static/{name:path}", static_file, methods=["GET"]),
        *site.routes(pool, config),  # /entities, /sources, /source/<name>, /claims, /timeline, /map, /search
    ]
    middleware = [Middleware(SecurityHeaders), Middleware(InFlightLimit, limit=config.max_in_flight)]
    if config.cors:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(config.cors), allow_methods=["GET", "POST"],
                                     allow_headers=["Accept", "Content-Type"], max_age=600))
    return Starlette(routes=routes, middleware=middleware)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def serve(config: ServeConfig, host: str = "127.0.0.1", port: int = 8000, *, on_ready=None) -> None:
    """Load the workers, bind, and serve until interrupted."""
    import socket

    import uvicorn

    config.check()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)  # uvicorn's own backlog
    pool = WorkerPool(config)
    try:
        pool.start()
        app = create_app(pool, config)
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        if on_ready:
            on_ready(f"http://{shown}:{bound}/")
        # No limit_concurrency: uvicorn counts open connections in it, stalled ones too (InFlightLimit instead).
        server = uvicorn.Server(uvicorn.Config(
            app, log_level="warning", access_log=False, http=_http_protocol(config.header_timeout),
            proxy_headers=False, server_header=False, h11_max_incomplete_event_size=config.max_body,
            timeout_graceful_shutdown=5,
        ))
        # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again: end quietly.
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    finally:
        pool.close()
        sock.close()
