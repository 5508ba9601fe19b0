"""The worker processes of ``kzlod serve``: each holds its own copy of the store and runs the tasks.

Queries never run in the web server's process: a pool of worker processes (``spawn`` context)
runs them, each with the graph loaded once (:func:`open_store`) from one
:class:`~kzlod.store.snapshot.Snapshot` of the project's files, read by the server: every worker
of a :class:`Generation`, and every worker started later to replace one, holds the same graph, of
one version. When the files change (:meth:`WorkerPool.check`, at most once a second, and on
SIGHUP) a new generation is loaded beside the old one and then takes over at once, for every
request that starts after it (:meth:`WorkerPool.swap`); the old one finishes what it holds and
stops. Each answer comes with the version of the graph that made it, and a successful one is kept
(:class:`ResultCache`: by version and task, bounded). A task is a tuple, its name
first (:data:`TASKS`: the endpoint's, the query page's, the browsing pages'); a worker answers
``("ok", value)`` or ``("error", status, message, details)``, which :meth:`WorkerPool.run`
returns or raises as an :class:`~kzlod.web.protocol.HttpError`. A task that outlives the time
limit has its worker killed and replaced, so the work really stops; a worker's memory is capped
at what it holds after loading the graph plus ``--max-memory`` (``RLIMIT_DATA``), and a query
past that ends its worker, which is replaced, and is answered with the memory message.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections import deque
from pathlib import Path

from kzlod.errors import EXIT_INPUT, EXIT_USAGE, InputError, KzlodError, UsageError
from kzlod.gate.parse import parse_files
from kzlod.querying import fulltext
from kzlod.querying.run import died_of_memory, limit_memory, memory_message, run_query
from kzlod.store.backends import store_key
from kzlod.store.snapshot import current_version, read_snapshot
from kzlod.text import one_line
from kzlod.web import endpoint, site, workbench
from kzlod.web.kept import ResultCache, cache_key
from kzlod.web.protocol import HttpError
from kzlod.web.replies import VERSION_HEADER, status_of

QUEUE_GRACE = 15.0  # seconds a request may wait beyond the time limit for a free (or restarted) worker
#: What a worker runs, by name: the endpoint's tasks, the query page's, the browsing pages'.
TASKS = {**endpoint.TASKS, **workbench.TASKS, **site.TASKS}


# --- the worker process -----------------------------------------------------------

def open_store(config, snapshot=None):
    """The store a worker serves: the snapshot's graph in memory, or a disk store opened read-only."""
    if snapshot is not None:
        store = snapshot.open()
        store.search_key = fulltext.graph_key(snapshot.version)  # the index of this very graph
        return store
    store = config.store.open(config.project, extra=parse_files([Path(p) for p in config.data]))
    store.search_key = fulltext.index_key(config.project, config.store, config.data)
    return store


def store_info(store) -> dict:
    graphs = sorted(row[0].value for row in run_query(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }").rows)
    return {"graphs": graphs, "triples": len(store)}


def worker_main(conn, config, snapshot=None) -> None:
    """A worker: load the store once, then answer tasks until told to stop or the server goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # the server's: look at the files again
    try:
        store = open_store(config, snapshot)
        info = store_info(store)
    except KzlodError as exc:
        conn.send(("failed", exc.exit_code, exc.message))
        return
    except Exception as exc:  # noqa: BLE001  # pragma: no cover - reported, then the server stops
        conn.send(("failed", 1, f"cannot load the graph: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}"))
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

def _running_loop():
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _set_done(future) -> None:
    if not future.done():
        future.set_result(None)


class _Worker:
    def __init__(self, ctx, config, snapshot=None):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(child, config, snapshot), daemon=True,
                                   name="kzlod-query-worker")
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


class Generation:
    """The workers that hold one version of the graph, and what they were loaded from."""

    def __init__(self, version: str, snapshot=None, search_key: str | None = None):
        self.version, self.snapshot, self.search_key = version, snapshot, search_key
        self.idle: queue.Queue = queue.Queue()
        self.waiters: deque = deque()  # (event loop, future) of requests waiting for a free worker
        self.workers: set = set()
        self.retired = False
        self.info: dict = {"graphs": [], "triples": None}


def graph_version(config) -> str:
    """The version the served files make now (without reading unchanged files): a memory store's
    files (:func:`kzlod.store.snapshot.current_version`), or what ``kzlod load`` recorded in a disk store."""
    if config.store.is_disk:
        return "store-" + (store_key(config.store.path) or "unknown")[:26]
    return current_version(config.project, config.data)


class WorkerPool:
    """Worker processes that run queries, each with its own store; a worker past the timeout is replaced.

    ``watch`` (the default of :func:`kzlod.web.server.serve` unless ``--frozen``): a thread looks at the
    files at most once a ``interval`` seconds and loads a new generation when they changed."""

    def __init__(self, config):
        self.config = config
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._closed = False
        self.current: Generation | None = None
        self.replaced = 0
        self.reloads = 0
        self.cache = ResultCache()
        self._failed_version: str | None = None
        self._wake = threading.Event()
        self._reloading = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._live: set = set()  # every worker of every generation not yet stopped

    # what the tests and routes look at: the current generation's
    @property
    def info(self) -> dict:
        return self.current.info if self.current else {"graphs": [], "triples": None}

    @property
    def version(self) -> str:
        return self.current.version if self.current else ""

    @property
    def search_key(self) -> str | None:
        return self.current.search_key if self.current else None

    @property
    def _idle(self) -> queue.Queue:
        return self.current.idle

    @property
    def _all(self) -> set:
        with self._lock:
            return set(self.current.workers) if self.current else set()

    def start(self) -> WorkerPool:
        """Start every worker and wait until each has loaded the graph (raises the loading error)."""
        self.current = self._load()
        return self

    def _snapshot(self) -> Generation:
        """A new generation's version and snapshot (its workers not started yet)."""
        if self.config.store.is_disk:
            return Generation(graph_version(self.config), None, fulltext.index_key(self.config.project,
                                                                                   self.config.store))
        snap = read_snapshot(self.config.project, self.config.data)
        return Generation(snap.version, snap, fulltext.graph_key(snap.version))

    def _load(self) -> Generation:
        gen = self._snapshot()
        workers = [self._spawn(gen) for _ in range(self.config.workers)]
        try:
            for worker in workers:
                gen.info = self._await_ready(worker)
                gen.idle.put(worker)
        except BaseException:
            self._retire(gen)
            raise
        return gen

    def _spawn(self, gen: Generation) -> _Worker:
        worker = _Worker(self._ctx, self.config, gen.snapshot)
        worker.generation = gen
        with self._lock:
            gen.workers.add(worker)
            self._live.add(worker)
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
            worker.generation.workers.discard(worker)
            self._live.discard(worker)
        worker.stop(kill=kill)

    def _retire(self, gen: Generation) -> None:
        """Stop a generation's idle workers; its busy ones stop when they answer (:meth:`_release`); the
        requests waiting for one of its workers turn to the generation now served."""
        with self._lock:
            gen.retired = True
            waiters, gen.waiters = list(gen.waiters), deque()
        for loop, future in waiters:
            loop.call_soon_threadsafe(_set_done, future)  # None: ask again
        while True:
            try:
                worker = gen.idle.get_nowait()
            except queue.Empty:
                return
            self._drop(worker, kill=False)

    def _release(self, worker: _Worker) -> None:
        """A worker free again: to the request that waited longest for one, else to the idle queue."""
        gen = worker.generation
        with self._lock:
            if not (gen.retired or self._closed):
                if gen.waiters:
                    loop, future = gen.waiters.popleft()
                else:
                    gen.idle.put(worker)
                    return
            else:
                loop = None
        if loop is None:
            self._drop(worker, kill=False)
        elif _running_loop() is loop:  # on the waiter's own loop (a worker just answered): at once
            self._hand(future, worker)
        else:
            loop.call_soon_threadsafe(self._hand, future, worker)

    def _hand(self, future, worker: _Worker) -> None:
        """Give a free worker to a waiting request (on its event loop); one that stopped waiting passes it on."""
        if future.done():
            self._release(worker)
        else:
            future.set_result(worker)

    def _replace(self, worker: _Worker) -> None:
        self._drop(worker)
        self.replaced += 1
        gen = worker.generation
        for attempt in range(3):
            if self._closed or gen.retired:
                return
            try:
                fresh = self._spawn(gen)  # the same snapshot: the same graph as the others of its generation
                self._await_ready(fresh)
            except KzlodError as exc:
                print(f"kzlod serve: cannot restart a query worker: {exc.message}", file=sys.stderr)
                time.sleep(1 + attempt)
                continue
            self._release(fresh)
            return

    # --- freshness ----------------------------------------------------------------------------

    def check(self, force: bool = False) -> bool:
        """Load the graph again if its files changed (``force``: read them even if they seem not to);
        True when a new generation took over. A graph that does not load is told on stderr, once,
        and the current one goes on being served."""
        with self._reloading:
            if self._closed or self.current is None:
                return False
            try:
                version = graph_version(self.config)
            except OSError as exc:
                version = f"unreadable {exc}"
            if not force and version in (self.current.version, self._failed_version):
                return False
            try:
                gen = self._load()
            except KzlodError as exc:
                if version != self._failed_version:
                    print(f"kzlod serve: the changed files were not loaded ({one_line(exc.message)}); "
                          f"still serving graph version {self.current.version}", file=sys.stderr)
                self._failed_version = version
                return False
            if gen.version == self.current.version:
                self._retire(gen)
                return False
            self.swap(gen)
            print(f"kzlod serve: the files changed; now serving graph version {gen.version}", file=sys.stderr)
            return True

    def swap(self, gen: Generation) -> None:
        """Make ``gen`` the generation every request from now on is answered by; retire the old one."""
        with self._lock:
            old, self.current = self.current, gen
        self._failed_version = None
        self.reloads += 1
        self.cache.clear()
        if old is not None:
            self._retire(old)

    def watch(self, interval: float = 1.0) -> None:
        """Look at the files every ``interval`` seconds (and at once after :meth:`wake`), in a thread."""
        def loop():
            while not self._closed:
                woken = self._wake.wait(interval)
                self._wake.clear()
                if self._closed:
                    return
                try:
                    self.check(force=woken)
                except Exception as exc:  # noqa: BLE001 - the watcher must outlive any surprise
                    print(f"kzlod serve: cannot look at the files: {type(exc).__name__}", file=sys.stderr)

        self._watcher = threading.Thread(target=loop, daemon=True, name="kzlod-watch")
        self._watcher.start()

    def wake(self, *_args) -> None:
        """Look at the files now (SIGHUP's handler)."""
        self._wake.set()

    # --- running tasks --------------------------------------------------------------------------

    def run(self, task: tuple, timeout: float | None = None):
        """Send a task to a free worker and wait for its answer (blocking; call from a thread): the task's value,
        or its error raised as an :class:`~kzlod.web.protocol.HttpError`."""
        return self.answer(task, timeout)[0]

    def answer(self, task: tuple, timeout: float | None = None):
        """:meth:`run`, with the version of the graph that answered: ``(value, version)``."""
        timeout = self.config.timeout if timeout is None else timeout
        if self._closed:
            raise HttpError(503, "the server is shutting down")
        gen = self.current
        key = cache_key(gen.version, task)
        if key is not None:
            kept = self.cache.get(key)
            if kept is not None:
                return kept, gen.version
        try:
            # Every worker busy: wait at most for one query's time limit, plus a worker's restart.
            worker = gen.idle.get(timeout=self.config.timeout + QUEUE_GRACE)
        except queue.Empty:
            raise HttpError(503, f"server busy: all {self.config.workers} query workers are occupied; try again",
                            headers={"Retry-After": "5"}) from None
        try:
            worker.conn.send(task)
            if not worker.conn.poll(timeout):
                threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
                raise HttpError(504, f"query stopped: it ran past the time limit of {timeout:g} s")
        except (OSError, ValueError):
            self._died(worker)
        return self._received(worker, gen, key)

    def _died(self, worker: _Worker):
        """A worker whose pipe broke: replaced, and the error said (raised)."""
        worker.process.join(5)  # it has died (or is dying): its exit code says of what
        code = worker.process.exitcode
        threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
        raise HttpError(500, self._death_message(code)) from None

    def _received(self, worker: _Worker, gen: Generation, key):
        """The answer a worker has ready: its value and version, or its error raised; the worker freed."""
        try:
            reply = worker.conn.recv()
        except (EOFError, OSError, ValueError):
            self._died(worker)
        self._release(worker)
        if reply[0] == "error":
            raise HttpError(reply[1], reply[2], details=reply[3], headers={VERSION_HEADER: gen.version})
        if key is not None:
            self.cache.put(key, reply[1])
        return reply[1], gen.version

    def _collect(self, worker: _Worker, timeout: float) -> None:
        """Read and drop the answer of a task nobody waits for any more, then free its worker (a thread's work)."""
        try:
            if worker.conn.poll(timeout):
                worker.conn.recv()
                self._release(worker)
                return
        except (EOFError, OSError, ValueError):
            pass
        self._replace(worker)

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
        return (await self.aanswer(task, timeout))[0]

    async def aanswer(self, task: tuple, timeout: float | None = None):
        """:meth:`answer`, for a route, without a thread: an answer already kept at once; else a free worker
        (waited for on the event loop while every one is busy) is sent the task, and the loop watches its pipe."""
        import asyncio

        timeout = self.config.timeout if timeout is None else timeout
        while True:
            gen = self.current
            if self._closed or gen is None:
                raise HttpError(503, "the server is shutting down")
            key = cache_key(gen.version, task)
            if key is not None:
                kept = self.cache.get(key)
                if kept is not None:
                    return kept, gen.version
            with self._lock:
                try:
                    worker = gen.idle.get_nowait()
                except queue.Empty:
                    worker, waiting = None, asyncio.get_running_loop().create_future()
                    gen.waiters.append((asyncio.get_running_loop(), waiting))
            if worker is None:
                try:
                    # Every worker busy: wait at most for one query's time limit, plus a worker's restart.
                    worker = await asyncio.wait_for(waiting, self.config.timeout + QUEUE_GRACE)
                except TimeoutError:
                    raise HttpError(503, f"server busy: all {self.config.workers} query workers are occupied; "
                                         "try again", headers={"Retry-After": "5"}) from None
                except asyncio.CancelledError:  # the client went away just as a worker was handed over: pass it on
                    if waiting.done() and not waiting.cancelled() and waiting.result() is not None:
                        self._release(waiting.result())
                    raise
                if worker is None:  # its generation was retired meanwhile: ask the one served now
                    continue
            return await self._exchange(worker, worker.generation, key, task, timeout)

    async def _exchange(self, worker: _Worker, gen: Generation, key, task: tuple, timeout: float):
        import asyncio

        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        try:
            worker.conn.send(task)
            fd = worker.conn.fileno()
        except (OSError, ValueError):
            self._died(worker)
        loop.add_reader(fd, _set_done, ready)
        outcome = None
        try:
            await asyncio.wait_for(ready, timeout)
            outcome = "answered"
        except TimeoutError:
            outcome = "timed out"
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
            raise HttpError(504, f"query stopped: it ran past the time limit of {timeout:g} s") from None
        finally:
            loop.remove_reader(fd)
            if outcome != "timed out":  # (timed out, the worker is being replaced and its pipe closed)
                # uvloop's add_reader (libuv's uv_poll_init) leaves the pipe non-blocking, and the Connection's
                # whole-message reads and writes then fail half-way (a "dead" worker): the pipe is blocking again
                os.set_blocking(fd, True)
            if outcome is None:  # the request was cancelled (its client went away): the answer is read, then dropped
                threading.Thread(target=self._collect, args=(worker, timeout), daemon=True).start()
        value = self._received(worker, gen, key)
        # The worker was handed to the request that waited longest: let it send its task now, so that the
        # worker works while this answer is written out, rather than idle until then.
        await asyncio.sleep(0)
        return value

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        with self._lock:
            workers = list(self._live)
            self._live.clear()
            if self.current is not None:
                self.current.retired = True
        for worker in workers:
            worker.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
