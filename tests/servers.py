"""Throw-away triple stores on 127.0.0.1 for the tests: OpenLink Virtuoso and Oxigraph.

A plain helper module (not a conftest). A test module makes its fixture with

    from tests.servers import server_fixture, start_virtuoso

    virtuoso = server_fixture(start_virtuoso, "virtuoso")  # module-scoped; skipped if not installed

or calls ``start_virtuoso(folder)`` / ``start_oxigraph(folder)`` itself (both
return objects usable as context managers). A test is skipped, with the reason,
where the server's executable is not on PATH (``virtuoso-t`` and ``isql-vt``
from Debian's ``virtuoso-opensource``; ``oxigraph`` from ``pip install oxigraph``).

Virtuoso gets a new database in the folder (2-3.5 s to create and answer; 4 s
with a cold disk cache; 2 s to restart on it), its SQL and HTTP ports on 127.0.0.1 only, small
buffers, and the built-in ``dba``/``dba`` account, which needs no grant to
write. Anonymous ``/sparql`` stays read-only (user ``SPARQL``: no
SPARQL_UPDATE); ``dba`` writes over HTTP *digest* authentication (basic is
refused with 401): the Graph Store Protocol at ``/sparql-graph-crud-auth`` and
SPARQL Update at ``/sparql-auth``. Another writer needs only
``GRANT SPARQL_UPDATE`` (which includes SPARQL_SPONGE): :meth:`VirtuosoServer.add_writer`.
Its default graph (no FROM) is the union of every graph, Virtuoso's own
system graphs included (about 2,500 triples).
"""

from __future__ import annotations

import functools
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self, TypeVar

import pytest

#: How long a server may take to answer its first query.
START_TIMEOUT = 60.0
#: Attempts at starting a server whose free port another process took meanwhile (xdist workers).
START_ATTEMPTS = 3


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now; the server binds it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def executable(name: str) -> str:
    """The path of ``name`` beside this interpreter's scripts (where the test extras put ``oxigraph``,
    also when the venv is not activated: ``.venv/bin/pytest``), else on PATH; or skip the test saying
    what is missing."""
    found = shutil.which(name, path=sysconfig.get_path("scripts")) or shutil.which(name)
    if found is None:
        hint = {"virtuoso-t": "apt-get install virtuoso-opensource", "isql-vt": "apt-get install virtuoso-opensource",
                "oxigraph": "pip install oxigraph"}.get(name, "")
        pytest.skip(f"the {name!r} server executable is not on PATH" + (f" ({hint})" if hint else ""))
    return found


def _answers(url: str) -> bool:
    """Whether a SPARQL endpoint answers ``ASK {}`` with HTTP 200."""
    query = urllib.parse.urlencode({"query": "ASK {}"})
    req = urllib.request.Request(f"{url}?{query}", headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as res:
            res.read()
            return res.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


def _wait(proc: subprocess.Popen, url: str, what: str, log: Callable[[], str]) -> None:
    """Wait until ``url`` answers. Fails the test, with the log's tail, if the server exits first
    (:class:`_Exited`, for the caller to retry on a taken port) or stays silent for START_TIMEOUT seconds."""
    start = time.monotonic()
    while time.monotonic() - start < START_TIMEOUT:
        if _answers(url):
            return
        if proc.poll() is not None:
            raise _Exited(f"{what} exited with status {proc.returncode} before answering:\n{log()}")
        time.sleep(0.1)
    _terminate(proc)
    pytest.fail(f"{what} did not answer {url} within {START_TIMEOUT:g} s:\n{log()}")


class _Exited(Exception):
    """The server exited before it answered (its log tail is the message)."""


def _terminate(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM (Virtuoso checkpoints and exits), then SIGKILL after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


# --- Virtuoso --------------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {folder}/virtuoso.db
ErrorLogFile       = {folder}/virtuoso.log
LockFile           = {folder}/virtuoso.lck
TransactionFile    = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {folder}/virtuoso-temp.db
TransactionFile    = {folder}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 10
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
AllowOSCalls             = 0
DirsAllowed              = ., {folder}
NumberOfBuffers          = 10000
MaxDirtyBuffers          = 6000
MaxQueryMem              = 500M
ThreadsPerQuery          = 2
AsyncQueueMaxThreads     = 4
VADInstallDir            = {folder}/vad

[HTTPServer]
ServerPort                  = 127.0.0.1:{http_port}
ServerRoot                  = {folder}/vsp
MaxClientConnections        = 10
DavRoot                     = DAV
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
ServerThreads               = 10
MaxKeepAlives               = 10
KeepAliveTimeout            = 10
HTTPThreadSize              = 280000
Charset                     = UTF-8
EnabledGzipContent          = 0

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[SPARQL]
ResultSetMaxRows           = 1000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 120
"""


@dataclass
class VirtuosoServer:
    """A running ``virtuoso-t`` with its database in ``folder``."""

    folder: Path
    sql_port: int
    http_port: int
    process: subprocess.Popen
    startup_seconds: float = 0.0
    user: str = "dba"
    password: str = "dba"
    isql_path: str = field(default="isql-vt")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        """The anonymous, read-only SPARQL 1.1 Protocol endpoint."""
        return self.base_url + "/sparql"

    @property
    def sparql_auth_url(self) -> str:
        """The SPARQL endpoint behind digest authentication: queries and SPARQL Update as ``dba``."""
        return self.base_url + "/sparql-auth"

    @property
    def graph_store_url(self) -> str:
        """The Graph Store Protocol endpoint that writes (digest authentication): ``?graph=IRI``."""
        return self.base_url + "/sparql-graph-crud-auth"

    @property
    def log_path(self) -> Path:
        return self.folder / "virtuoso.log"

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)

    def opener(self, user: str | None = None, password: str | None = None) -> urllib.request.OpenerDirector:
        """A urllib opener that answers Virtuoso's digest challenge (as ``dba`` unless told).

        urllib sends a request's body once without credentials, gets the 401 challenge, then sends it
        again: Virtuoso resets the connection on an unauthenticated body of more than about 2 MB, so
        send large bodies with a precomputed ``Authorization: Digest`` header instead.
        """
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, self.base_url, user or self.user,
                               self.password if user is None else password or "")
        return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))

    def add_writer(self, user: str, password: str) -> None:
        """A SQL/HTTP user who may write graphs (GSP and SPARQL Update over digest auth), not a dba."""
        self.isql(f"DB.DBA.USER_CREATE('{user}', '{password}'); GRANT SPARQL_UPDATE TO \"{user}\";")

    def isql(self, sql: str, timeout: float = 120) -> str:
        """Run SQL statements (``;``-separated) as ``dba`` with ``isql-vt``; their output. RuntimeError on an error."""
        done = subprocess.run([self.isql_path, f"127.0.0.1:{self.sql_port}", self.user, self.password,
                               "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ERRORS=STDOUT", f"exec={sql}"],
                              check=False, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        out = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in out:
            raise RuntimeError(f"isql {sql!r} failed (exit {done.returncode}):\n{out}")
        return out

    def stop(self) -> None:
        """Shut down: SIGTERM (Virtuoso checkpoints and exits), SIGKILL if it lingers."""
        _terminate(self.process)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_virtuoso(folder: Path) -> VirtuosoServer:
    """Start a new Virtuoso with its database, ini and log in ``folder``; return once /sparql answers.

    Skips the test when ``virtuoso-t`` or ``isql-vt`` is not installed.
    """
    binary = executable("virtuoso-t")
    isql = executable("isql-vt")
    folder = Path(folder).resolve()
    (folder / "vsp").mkdir(parents=True, exist_ok=True)
    (folder / "vad").mkdir(exist_ok=True)
    started = time.monotonic()
    for attempt in range(1, START_ATTEMPTS + 1):
        sql_port, http_port = free_port(), free_port()
        while http_port == sql_port:
            http_port = free_port()
        ini = folder / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port), encoding="utf-8")
        with open(folder / "virtuoso.out", "ab") as console:  # +foreground: the log also goes to stdout
            proc = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=folder,
                                    stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        server = VirtuosoServer(folder, sql_port, http_port, proc, isql_path=isql)
        try:
            _wait(proc, server.sparql_url, "virtuoso-t", server.log_tail)
        except _Exited as exc:
            # a port taken between free_port() and the bind: again with others (the database is kept)
            if attempt < START_ATTEMPTS and "Failed to start listening" in str(exc):
                continue
            pytest.fail(str(exc))
        server.startup_seconds = time.monotonic() - started
        return server
    raise AssertionError("unreachable")


# --- Oxigraph --------------------------------------------------------------------------------

@dataclass
class OxigraphServer:
    """A running ``oxigraph serve --union-default-graph`` with its store in ``folder``."""

    folder: Path
    port: int
    process: subprocess.Popen
    startup_seconds: float = 0.0

    @property
    def url(self) -> str:
        """The server's base URL (what ``kzlod push --endpoint`` takes)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def sparql_url(self) -> str:
        return self.url + "/query"

    @property
    def update_url(self) -> str:
        return self.url + "/update"

    @property
    def graph_store_url(self) -> str:
        return self.url + "/store"

    def stop(self) -> None:
        _terminate(self.process, grace=10)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_oxigraph(folder: Path) -> OxigraphServer:
    """Start ``oxigraph serve`` on a store in ``folder`` whose default graph is the union of its named
    graphs (as kzlod's own store); return once it answers. Skips the test when ``oxigraph`` is not installed."""
    binary = executable("oxigraph")
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder.parent / f"{folder.name}.log"  # beside the store: oxigraph wants its folder to itself
    started = time.monotonic()
    for attempt in range(1, START_ATTEMPTS + 1):
        port = free_port()
        with open(log_path, "ab") as log_file:
            proc = subprocess.Popen([binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}",
                                     "--union-default-graph"], stdin=subprocess.DEVNULL, stdout=log_file,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        server = OxigraphServer(folder, port, proc)
        try:
            _wait(proc, server.sparql_url, "oxigraph serve", functools.partial(_tail, log_path))
        except _Exited as exc:
            if attempt < START_ATTEMPTS and "in use" in str(exc).lower():
                continue
            pytest.fail(str(exc))
        server.startup_seconds = time.monotonic() - started
        return server
    raise AssertionError("unreachable")


# --- kzlod serve ------------------------------------------------------------------------------

ROOT_DIR = Path(__file__).resolve().parents[1]


def start_kzlod(*args, timeout=60):
    """``kzlod serve --port 0`` in a subprocess; returns (process, base URL, port) once it listens."""
    proc = subprocess.Popen([sys.executable, "-m", "kzlod", "serve", "--port", "0", *args], cwd=ROOT_DIR,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"serving (http://127\.0\.0\.1:(\d+)/)", line)
        if m:
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, m.group(1), int(m.group(2))
    proc.kill()
    raise AssertionError("server did not start: " + "".join(lines))


def stop_kzlod(proc, sig=signal.SIGINT) -> int:
    """Stop a server :func:`start_kzlod` started, as a user would (Ctrl-C by default); its exit code."""
    proc.send_signal(sig)
    try:
        return proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(5)


# --- pytest -----------------------------------------------------------------------------------

Server = TypeVar("Server", VirtuosoServer, OxigraphServer)


def server_fixture(start: Callable[[Path], Server], name: str, *, scope: str = "module"):
    """A pytest fixture ``name`` that starts a server in a new temporary folder and stops it afterwards:

        virtuoso = server_fixture(start_virtuoso, "virtuoso")

    at a test module's top level. Tests using it are skipped when the server is not installed.
    """

    @pytest.fixture(scope=scope, name=name)
    def fixture(tmp_path_factory):
        server = start(tmp_path_factory.mktemp(name))
        try:
            yield server
        finally:
            server.stop()

    return fixture
