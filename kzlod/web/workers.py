"""The worker processes of ``kzlod serve``: each holds its own copy of the store and runs the tasks.

Queries never run in the web server's process: a pool of worker processes (``spawn`` context)
runs them, each with the graph loaded once (:func:`open_store`). A task is a tuple, its name
first (:data:`TASKS`: the endpoint's, the query page's, the browsing pages'); a worker answers
``("ok", value)`` or ``("error", status, message, details)``, which :meth:`WorkerPool.run`
returns or raises as an :class:`~kzlod.web.protocol.HttpError`. A task that outlives the time
limit has its worker killed and replaced, so the work really stops; a worker's memory is capped
at what it holds after loading the graph plus ``--max-memory`` (``RLIMIT_DATA``), and a query
past that ends its worker, which is replaced, and is answered with the memory message.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import sys
import threading
import time
from pathlib import Path

from kzlod.errors import EXIT_INPUT, EXIT_USAGE, InputError, KzlodError, UsageError
from kzlod.gate.parse import parse_files
from kzlod.querying.run import died_of_memory, limit_memory, memory_message, run_query
from kzlod.web import endpoint, site, workbench
from kzlod.web.protocol import HttpError
from kzlod.web.replies import status_of

QUEUE_GRACE = 15.0  # seconds a request may wait beyond the time limit for a free (or restarted) worker
#: What a worker runs, by name: the endpoint's tasks, the query page's, the browsing pages'.
TASKS = {**endpoint.TASKS, **workbench.TASKS, **site.TASKS}


# --- the worker process -----------------------------------------------------------

def open_store(config):
    """The store a worker serves: the project's graph in memory (plus --data), or a disk store opened read-only."""
    return config.store.open(config.project, extra=parse_files([Path(p) for p in config.data]))


def store_info(store) -> dict:
    graphs = sorted(row[0].value for row in run_query(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }").rows)
    return {"graphs": graphs, "triples": len(store)}


def worker_main(conn, config) -> None:
    """A worker: load the store once, then answer tasks until told to stop or the server goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    try:
        store = open_store(config)
        info = store_info(store)
    except KzlodError as exc:
        conn.send(("failed", exc.exit_code, exc.message))
        return
    except Exception as exc:  # noqa: BLE001  # pragma: no cover - reported, then the server stops
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
        try:
            try:
                conn.send(answer(store, config, task))
            except MemoryError:
                conn.send(("error", 500, memory_message(config.max_memory), []))
        except (OSError, ValueError):
            return


def answer(store, config, task: tuple) -> tuple:
    """A task's answer: ``("ok", value)``, or ``("error", status, message, details)``."""
    name, *args = task
    try:
        if name == "query":
            args.append(config.max_rows)
        return ("ok", TASKS[name](store, *args))
    except KzlodError as exc:
        return ("error", status_of(exc), exc.message, exc.details)
    except MemoryError:  # Python's allocations past the cap (rendering a huge result): the worker lives on
        return ("error", 500, memory_message(config.max_memory), [])
    except Exception as exc:  # noqa: BLE001 - a worker answers, never dies of a bad request
        import traceback

        traceback.print_exc(file=sys.stderr)  # for the operator; the client gets one line
        return ("error", 500, f"internal error: {type(exc).__name__}", [])


# --- the pool of workers ------------------------------------------------------------

class _Worker:
    def __init__(self, ctx, config):
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

    def __init__(self, config):
        self.config = config
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue = queue.Queue()
        self._all: set = set()
        self._lock = threading.Lock()
        self._closed = False
        self.info: dict = {"graphs": [], "triples": None}
        self.replaced = 0

    def start(self) -> WorkerPool:
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

    def run(self, task: tuple, timeout: float | None = None):
        """Send a task to a free worker and wait for its answer (blocking; call from a thread): the task's value,
        or its error raised as an :class:`~kzlod.web.protocol.HttpError`."""
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
        return reply[1]

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

    async def arun(self, task: tuple, timeout: float | None = None):
        """:meth:`run` in a thread, for a route."""
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.run, task, timeout)

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
