"""``kzlod serve``: a read-only linked-data server (Starlette on uvicorn), and what it serves.

:class:`ServeConfig` is what the command asks for; :func:`serve` loads the workers
(:mod:`kzlod.web.workers`), makes the application (:mod:`kzlod.web.app`) and serves it until
interrupted. Every response carries ``X-Content-Type-Options: nosniff`` and a
Content-Security-Policy that allows only ``'self'``.

Connections: a client has ``header_timeout`` seconds to send a request's line and headers
(uvicorn has no such limit; :func:`kzlod.web.middleware.head_timeout_protocol` adds it), and
``body_timeout`` for its body; at most ``max_in_flight`` requests are answered at once
(:class:`kzlod.web.middleware.InFlightLimit`), counting requests, not open connections, so
connections that stall before their headers cannot make other clients wait.
See docs/performance.md, "Limits of one query and of the server".

Freshness: the server looks at the project's files at most once a second (``check_every``) and at
once on SIGHUP; when their content changed it loads the new graph into new workers and swaps to it
for every later request (:class:`kzlod.web.workers.WorkerPool`). Every answer names the version of
the graph that made it (``KZLOD-Graph-Version``, and in its ``ETag``; :mod:`kzlod.web.answers`).
``frozen`` (``--frozen``) serves the graph loaded at the start until stopped.
"""

from __future__ import annotations

import os
import re
import signal
import threading
from dataclasses import dataclass, field

from kzlod import settings
from kzlod.errors import UsageError
from kzlod.project import Project
from kzlod.store.spec import StoreSpec
from kzlod.web.app import create_app
from kzlod.web.middleware import head_timeout_protocol
from kzlod.web.workers import WorkerPool

#: The most query workers started by default (each holds its own copy of an in-memory graph).
MOST_WORKERS = 8


def default_workers() -> int:
    """One query worker more than the processors this process may run on, at most :data:`MOST_WORKERS`.

    As many workers as processors would keep them busy only if a worker that answers got its next
    query at once; the extra one works while another's answer travels through the server's process
    (measured on 2 processors: the distinct mix of ``benchmarks/bench_serve.py`` at 0.87–0.89×
    Oxigraph's throughput with 2 workers, 0.98–1.13× with 3)."""
    try:
        processors = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        processors = os.cpu_count() or 1
    return min(processors + 1, MOST_WORKERS)


@dataclass(frozen=True)
class ServeConfig:
    """What ``kzlod serve`` serves, and its limits."""

    project: Project  # whose graph a memory store serves, and whose prefixes the pages use
    store: StoreSpec = StoreSpec()
    data: tuple[str, ...] = ()
    timeout: float = 30.0  # seconds a query may run before its worker is killed
    workers: int = field(default_factory=default_workers)  # query worker processes
    cors: tuple[str, ...] = ()
    max_body: int = 1024 * 1024  # bytes of a POST body
    max_rows: int | None = None  # result rows (kzlod.querying.run default when None)
    #: MB one query may take in a worker beyond the loaded graph (0: no limit)
    max_memory: int = field(default_factory=lambda: settings.get("max_query_memory"))
    header_timeout: float = 5.0  # seconds a client has to send a request's line and headers
    body_timeout: float = 30.0  # seconds a client has to send a request's body
    max_in_flight: int = 256  # requests answered at once (their headers received); more get 503
    start_timeout: float = 120.0
    #: never look at the files again: serve the graph loaded at the start until stopped (``--frozen``)
    frozen: bool = False
    check_every: float = 1.0  # seconds between looks at the files (at most once a second by default)

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




def _interrupt(signum, frame):
    raise KeyboardInterrupt


def listen(host: str, port: int):
    """The server's listening socket on ``host``:``port`` (0: any free port), a usage error when it cannot be had."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets whose protocol
    # says TCP, and with it on, a response's head and body, written apart, waited for the client's delayed ACK:
    # 40 ms a request on a keep-alive connection.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)  # uvicorn's own backlog
    return sock


def serve(config: ServeConfig, host: str = "127.0.0.1", port: int = 8000, *, on_ready=None) -> None:
    """Load the workers, bind, and serve until interrupted."""
    import uvicorn

    config.check()
    sock = listen(host, port)
    pool = WorkerPool(config)
    try:
        pool.start()
        if not config.frozen:
            pool.watch(config.check_every)
        app = create_app(pool, config)
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        if on_ready:
            on_ready(f"http://{shown}:{bound}/")
        # No limit_concurrency: uvicorn counts open connections in it, stalled ones too (InFlightLimit instead).
        server = uvicorn.Server(uvicorn.Config(
            app, log_level="warning", access_log=False,
            http=head_timeout_protocol(config.header_timeout, config.max_body),
            loop="asyncio",  # the loop kzlod is tested with, installed uvloop or not (uvloop measured no faster here)
            ws="none",  # HTTP only, installed websockets or not: an Upgrade header is answered as a plain request
            proxy_headers=False, server_header=False,
            timeout_graceful_shutdown=5,
        ))
        # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again: end quietly.
        previous = {}
        if threading.current_thread() is threading.main_thread():
            previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, _interrupt)
            if hasattr(signal, "SIGHUP"):  # look at the files now (--frozen: ignored, as a daemon would)
                previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, signal.SIG_IGN if config.frozen else pool.wake)
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    finally:
        pool.close()
        sock.close()
