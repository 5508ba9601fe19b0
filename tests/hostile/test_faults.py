"""Every error is a kzlod error: whatever fails under a command (a full disk, a held lock, a dropped
connection, a parser's exception), it ends in one line on stderr and a documented exit code, with no
traceback and no data file of the project changed.

:func:`test_a_fault_at_every_external_call_is_one_line` walks every command of the click group (a new
command fails it until it has its arguments in :data:`ARGS`). Each command runs once as given, with
every external call it makes counted (:class:`Faults`); then once for each fault of :data:`FAULTS` at
a point the command reached: at its first call there, or at its last (with another errno). A fault is
injected in-process, by monkeypatch, where kzlod meets the outside world: the file system (open,
write, rename, fsync, mkdir, SQLite), the project's lock, the network (httpx's transport) and the
parsers (pyoxigraph, rdflib, pySHACL). A fault that the command survives (a cache it could not
write, a folder it could not fsync) must leave it saying and writing exactly what it does without
the fault.
"""

from __future__ import annotations

import builtins
import dataclasses
import errno
import fcntl
import gzip
import io
import json
import multiprocessing
import os
import re
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import PREFIXES, copy_project, documented_exit_codes, snapshot
from http_stubs import GraphStore, serve

from kzlod.cli import cli
from kzlod.files.safewrite import project_lock

ROOT = Path(__file__).resolve().parents[2]
FORK = multiprocessing.get_context("fork")

MONGOLIA = PREFIXES + """
kzd:mongolia a kz:State ;
    rdfs:label "Mongolia"@en ;
    kz:iso3166Alpha2 "MN" ;
    kz:iso3166Alpha3 "MNG" .
"""

#: The least each command needs to do its work, by its path in the click group. {project}: the project
#: (a copy of the checkout's, with the example source registered); {tmp}: an empty folder; {new}: a file
#: with a new entity; {messy}: a Turtle file of the project out of canonical order; {sheet}: a template
#: for the example source; {text}: a new source text; {store}: a Graph Store Protocol store;
#: {endpoint}: a SPARQL endpoint; {release}: a release of the project whose dumps are gzipped only.
ARGS: dict[str, list[str]] = {
    "add": ["{new}"],
    "cache clear": [],
    "cache info": [],
    "coverage": [],
    "describe": ["Armenia"],
    "diff": ["{project}/data/entities.ttl", "{new}"],
    "fmt": ["{messy}"],
    "graph": ["--out", "{tmp}/map.svg"],
    "init": ["{tmp}/new-project"],
    "load": ["--store", "oxigraph:{tmp}/store"],
    "locate": ["foreign-policy", "Kazakhstan was once a vital partner for Russia"],
    "mentions": ["foreign-policy"],
    "new": ["ToneAssessment", "--quote", "Kazakhstan was once a vital partner for Russia"],
    "publish": ["{tmp}/release", "--date", "2024-01-01"],
    "push": ["--endpoint", "{store}", "--server", "other", "--graph-store", "{store}/gsp", "--retries", "0",
             "--timeout", "5"],
    "queries": [],
    "query": ["SELECT ?s WHERE { ?s a kz:State } LIMIT 2", "--format", "csv"],
    "reason": ["--out", "{tmp}/closure.ttl"],
    "review": ["foreign-policy"],
    "search": ["Armenia"],
    "serve": ["--port", "0", "--workers", "1"],
    "source add": ["{text}", "--slug", "report", "--title", "A test report", "--author", "A test desk",
                   "--date", "2024"],
    "stats": [],
    "template": ["{sheet}"],
    "validate": [],
    "vocab": [],
}
#: Commands once more in another way that reaches other external calls.
VARIANTS: dict[str, list[str]] = {
    "query --endpoint": ["query", "ASK { ?s ?p ?o }", "--endpoint", "{endpoint}/sparql", "--format", "json",
                         "--timeout", "5", "--max-memory", "0"],
    "validate FILE": ["validate", "{new}"],
    "push --release": ["push", "--release", "{release}", "--endpoint", "{store}", "--server", "other", "--graph-store",
                       "{store}/gsp", "--retries", "0", "--timeout", "5"],
}


def _commands(group: click.Group, ctx: click.Context, prefix: str = "") -> list[str]:
    names = []
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if isinstance(sub, click.Group):
            names += _commands(sub, click.Context(sub, info_name=name, parent=ctx), f"{prefix}{name} ")
        else:
            names.append(prefix + name)
    return names


COMMANDS = _commands(cli, click.Context(cli, info_name="kzlod"))
CASES = {**{name: name.split() + ARGS.get(name, []) for name in COMMANDS}, **VARIANTS}
#: The cases whose every run takes a second or more (a whole release, the whole graph validated,
#: a store on disk, the closure), or that start a worker process: marked slow.
SLOW = {"load", "publish", "push --release", "reason", "serve", "source add", "template", "validate"}


# --- the faults --------------------------------------------------------------------------------

def _oserror(code: int):
    return lambda where: OSError(code, os.strerror(code), where)


def _httpx(name: str):
    def make(where):
        import httpx

        return getattr(httpx, name)(f"fault injected: {name}")
    return make


def _syntax(where):
    return SyntaxError("fault injected: a syntax error at line 1 column 1")


def _rdflib(where):
    from rdflib.exceptions import ParserError

    return ParserError("fault injected")


def _pyshacl(where):
    from pyshacl.errors import ReportableRuntimeError

    return ReportableRuntimeError("fault injected")


def _gzip(kind):
    def make(where):
        import gzip

        return {"bad": gzip.BadGzipFile("Not a gzipped file (b'kz')"),
                "cut": EOFError("Compressed file ended before the end-of-stream marker was reached")}[kind]
    return make


def _sqlite(where):
    return sqlite3.OperationalError("unable to open database file")


@dataclass(frozen=True)
class Fault:
    point: str  # where it is injected (Faults.install)
    make: object  # the exception, given what the call was about (a file name, a URL …)
    at: str = "first"  # at the point's first call in the command, or at its last


#: Every fault, by name: each point's faults at its first call and at its last, with another errno.
FAULTS: dict[str, Fault] = {
    "open for reading: EACCES": Fault("read", _oserror(errno.EACCES)),
    "open for reading: EIO": Fault("read", _oserror(errno.EIO), "last"),
    "open for writing: EACCES": Fault("create", _oserror(errno.EACCES)),
    "open for writing: ENOSPC": Fault("create", _oserror(errno.ENOSPC), "last"),
    "write: ENOSPC": Fault("write", _oserror(errno.ENOSPC)),
    "write: EIO": Fault("write", _oserror(errno.EIO), "last"),
    "rename: EACCES": Fault("rename", _oserror(errno.EACCES)),
    "rename: EIO": Fault("rename", _oserror(errno.EIO), "last"),
    "fsync: EIO": Fault("fsync", _oserror(errno.EIO)),
    "fsync: ENOSPC": Fault("fsync", _oserror(errno.ENOSPC), "last"),
    "mkdir: EACCES": Fault("mkdir", _oserror(errno.EACCES)),
    "mkdir: ENOSPC": Fault("mkdir", _oserror(errno.ENOSPC), "last"),
    "SQLite cannot open its file": Fault("sqlite", _sqlite),
    "gzip: not gzip": Fault("gunzip", _gzip("bad")),
    "gzip: cut short": Fault("gunzip", _gzip("cut"), "last"),
    "lock: not supported here (ENOLCK)": Fault("lock", _oserror(errno.ENOLCK)),
    "lock: held by another writer": Fault("held", None),
    "network: connection refused": Fault("http", _httpx("ConnectError")),
    "network: connect timeout": Fault("http", _httpx("ConnectTimeout"), "last"),
    "network: read error": Fault("http", _httpx("ReadError"), "last"),
    "network: read timeout": Fault("http", _httpx("ReadTimeout")),
    "network: protocol error": Fault("http", _httpx("RemoteProtocolError"), "last"),
    "pyoxigraph: syntax error": Fault("oxparse", _syntax),
    "pyoxigraph: syntax error, later": Fault("oxparse", _syntax, "last"),
    "rdflib: parser error": Fault("rdflib", _rdflib),
    "rdflib: parser error, later": Fault("rdflib", _rdflib, "last"),
    "pySHACL: runtime error": Fault("shacl", _pyshacl),
}


class _Writes:
    """A file open for writing whose writes are counted (and fail when the fault is at them)."""

    def __init__(self, fh, faults: Faults, where: str):
        self._fh, self._faults, self._where = fh, faults, where

    def write(self, data):
        self._faults.hit("write", self._where)
        return self._fh.write(data)

    def writelines(self, lines):
        self._faults.hit("write", self._where)
        return self._fh.writelines(lines)

    def __enter__(self):
        self._fh.__enter__()
        return self

    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)

    def __iter__(self):
        return iter(self._fh)

    def __getattr__(self, name):
        return getattr(self._fh, name)


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class Faults:
    """Counts each external call of a command and raises the fault at the chosen one."""

    def __init__(self, fault: Fault | None = None, at: int = 0):
        self.fault, self.at = fault, at
        self.calls: dict[str, int] = {}
        self.raised: list[str] = []
        self.locks: set[str] = set()
    def hit(self, point: str, where="") -> None:
        if threading.current_thread().name.endswith(("(process_request_thread)", "(serve_forever)")):
            return  # a stub server's thread
        n = self.calls[point] = self.calls.get(point, 0) + 1
        if self.fault is not None and self.fault.point == point and n == self.at and self.fault.make:
            self.raised.append(f"{point} #{n} ({where})")
            raise self.fault.make(str(where))

    def install(self, monkeypatch) -> None:
        real_open, real_os_open = builtins.open, os.open

        def fake_open(file, mode="r", *args, **kwargs):
            writing = any(c in mode for c in "wax+")
            if not isinstance(file, int):
                self.hit("create" if writing else "read", os.fspath(file))
            fh = real_open(file, mode, *args, **kwargs)
            return _Writes(fh, self, str(file)) if writing else fh

        def fake_os_open(path, flags, *args, **kwargs):
            if str(path).endswith(".kzlod.lock"):
                self.locks.add(os.path.dirname(os.path.realpath(path)))
            self.hit("create" if flags & _WRITE_FLAGS else "read", os.fspath(path))
            return real_os_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", fake_open)
        monkeypatch.setattr(io, "open", fake_open)
        monkeypatch.setattr(os, "open", fake_os_open)
        self._wrap(monkeypatch, os, "write", "write", lambda fd, data: fd)
        for name in ("replace", "rename"):
            self._wrap(monkeypatch, os, name, "rename", lambda src, dst, *a, **k: dst)
        self._wrap(monkeypatch, os, "fsync", "fsync", lambda fd: fd)
        self._wrap(monkeypatch, os, "mkdir", "mkdir", lambda path, *a, **k: path)
        self._wrap(monkeypatch, sqlite3, "connect", "sqlite", lambda path, *a, **k: path)
        self._wrap(monkeypatch, gzip.GzipFile, "read", "gunzip", lambda fh, *a: fh.name)
        self._wrap(monkeypatch, fcntl, "flock", "lock", lambda fd, op: fd,
                   when=lambda fd, op: op & fcntl.LOCK_EX)

        import httpx
        import pyoxigraph
        import pyshacl
        import rdflib

        self._wrap(monkeypatch, httpx.HTTPTransport, "handle_request", "http", lambda tp, request: request.url)
        self._wrap(monkeypatch, pyoxigraph, "parse", "oxparse", lambda *a, **k: k.get("path", ""))
        self._wrap(monkeypatch, rdflib.Graph, "parse", "rdflib", lambda g, source=None, *a, **k: source)
        self._wrap(monkeypatch, pyshacl, "validate", "shacl", lambda *a, **k: "")

    def _wrap(self, monkeypatch, owner, name, point, where, when=None):
        real = getattr(owner, name)

        def fake(*args, **kwargs):
            if when is None or when(*args, **kwargs):
                self.hit(point, where(*args, **kwargs))
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, fake)


# --- the command's world -------------------------------------------------------------------------

MESSY = PREFIXES + """
kzd:tuvalu kz:iso3166Alpha2 "TV" ; rdfs:label "Tuvalu"@en ; a kz:State ; kz:iso3166Alpha3 "TUV" .
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The project every run starts from: the checkout's, with the example source registered."""
    base = tmp_path_factory.mktemp("faults")
    project = copy_project(base / "project")
    res = CliRunner().invoke(cli, ["-q", "source", "add", str(ROOT / "examples" / "kazakhstan-uzbekistan.txt"),
                                   "--title", "Kazakhstan and Uzbekistan", "--author", "Editorial Test Desk",
                                   "--date", "2024", "--project", str(project)])
    assert res.exit_code == 0, res.output
    return project


@pytest.fixture(scope="module")
def release(template, tmp_path_factory):
    """A release of the project, its dumps gzipped only (as a publisher may keep them)."""
    folder = tmp_path_factory.mktemp("release") / "release"
    res = CliRunner().invoke(cli, ["-q", "publish", str(folder), "--date", "2024-01-01", "--project", str(template)])
    assert res.exit_code == 0, res.output
    for plain in (folder / "dumps").glob("*.nq"):
        plain.unlink()
    return folder


class Endpoint:
    """A SPARQL endpoint answering every query with an empty yes (json)."""

    def __call__(self, handler, seen):
        handler.reply(200, json.dumps({"head": {}, "boolean": True}).encode(),
                      {"Content-Type": "application/sparql-results+json"})


@pytest.fixture(scope="module")
def servers():
    graphs = GraphStore()
    with serve(graphs) as store, serve(Endpoint()) as endpoint:
        yield {"store": store.url, "endpoint": endpoint.url, "graphs": graphs}


class World:
    """One run's fresh copy of the project, its files and folders, and how to run a command in it."""

    def __init__(self, template: Path, base: Path, servers: dict):
        servers = dict(servers)
        servers.pop("graphs").graphs.clear()  # every run pushes to an empty store
        self.base = base
        self.project = base / "project"
        shutil.copytree(template, self.project)
        tmp = base / "tmp"
        tmp.mkdir()
        (base / "new.ttl").write_text(MONGOLIA, encoding="utf-8")
        (self.project / "data" / "messy.ttl").write_text(MESSY, encoding="utf-8")
        example = (ROOT / "examples" / "kazakhstan-uzbekistan.txt").read_text(encoding="utf-8")
        (base / "report.txt").write_text(example.replace("A Fictional Test Report", "A Second Report"),
                                         encoding="utf-8")
        shutil.copy(ROOT / "examples" / "template.csv", base / "template.csv")
        self.names = {"project": str(self.project), "tmp": str(tmp), "new": str(base / "new.ttl"),
                      "messy": str(self.project / "data" / "messy.ttl"), "sheet": str(base / "template.csv"),
                      "text": str(base / "report.txt"), **servers}
        self.before = snapshot(self.project)

    def named(self, arg: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.names.get(m.group(1), m.group(0)), arg)

    def same(self, text: str) -> str:
        """Text as any run would say it: this run's folder, a served port and times put by name, and
        whether a result came from the cache left out."""
        text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text.replace(str(self.base), "BASE"))
        return re.sub(r"\d+\.\d+ s\b|seconds +\d+\.\d+", "TIME", text).replace(" (cached)", "")

    def run(self, args: list[str], faults: Faults, monkeypatch, *, cold: bool = False):
        """Run a command in this world under ``faults``: with the case's cache, or with an empty one."""
        argv = ["-q", *[self.named(a) for a in args], "--project", str(self.project)]
        with monkeypatch.context() as patched:
            patched.setenv("KZLOD_CACHE_DIR", str(self.base / "cache" if cold else self.base.parent / "cache"))
            patched.setenv("KZLOD_LOCK_TIMEOUT", "0.2")
            import uvicorn

            patched.setattr(uvicorn.Server, "run", lambda server, sockets=None: None)  # serve: bound, then done
            faults.install(patched)
            return CliRunner().invoke(cli, argv)


def _lock_held(folders):
    """Hold the project lock of each folder in another process, until the returned event is set."""
    ready, done = FORK.Event(), FORK.Event()
    proc = FORK.Process(target=_hold_locks, args=(sorted(folders), ready, done))
    proc.start()
    assert ready.wait(10)
    return proc, done


def _hold_locks(folders, ready, done):
    from contextlib import ExitStack

    with ExitStack() as stack:
        for folder in folders:
            Path(folder).mkdir(parents=True, exist_ok=True)  # init locks the data/ folder it is about to fill
            stack.enter_context(project_lock(folder))
        ready.set()
        done.wait(30)


#: owlrl's closures by their input's triples, for :func:`owlrl_once`.
_OWLRL: dict = {}


@pytest.fixture
def owlrl_once(monkeypatch):
    """owlrl's closure of a graph computed once for the whole walk, then given again. owlrl makes no
    external call, so nothing the walk injects is passed by; without it, every run that starts from
    an empty cache (most of them, for ``reason`` and ``publish``) spent seconds on the same closure."""
    from kzlod.reasoning import engines, instore

    real = engines.compute_owlrl

    def once(graph):
        key = frozenset(graph)
        if key not in _OWLRL:
            _OWLRL[key] = real(graph)
        kept = _OWLRL[key]
        return dataclasses.replace(kept, inferred=list(kept.inferred), clashes=list(kept.clashes))

    monkeypatch.setattr(engines, "compute_owlrl", once)
    monkeypatch.setattr(instore, "compute_owlrl", once)


# --- the walk ------------------------------------------------------------------------------------

def test_every_command_has_its_arguments():
    assert not set(COMMANDS) - set(ARGS), "give these commands their arguments in ARGS"
    assert not set(ARGS) - set(COMMANDS), "ARGS names commands the group does not have"


def _problems(res, world: World, baseline, codes) -> list[str]:
    """What is wrong with a faulted run's outcome (nothing, when it is one line and a documented code,
    or when it did all it does without the fault)."""
    problems = []
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        problems.append(f"raised {type(res.exception).__name__}: {res.exception}")
    if "Traceback" in res.output:
        problems.append("printed a traceback")
    if res.exit_code == 0:  # survived the fault: then it said and did what it does without it
        if (world.same(res.stdout), world.same(res.stderr)) != baseline.said:
            problems.append(f"exit 0 with another output: {world.same(res.output)[-300:]!r}, "
                            f"not {baseline.said[0][-300:]!r}")
        if snapshot(world.project) != baseline.made:
            problems.append("exit 0 with other files in the project")
        return problems
    else:
        if res.exit_code not in codes:
            problems.append(f"exit {res.exit_code}, not a documented code")
        lines = res.stderr.splitlines()
        if len(lines) != 1 or not lines[0].startswith("Error: "):
            problems.append(f"stderr is not one 'Error:' line: {res.stderr!r}")
    if snapshot(world.project) != world.before:
        changed = sorted(set(world.before).symmetric_difference(snapshot(world.project)) or
                         [name for name, data in snapshot(world.project).items() if world.before[name] != data])
        problems.append(f"changed the project's files: {changed[:3]}")
    return problems


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c in SLOW else c for c in sorted(CASES)])
def test_a_fault_at_every_external_call_is_one_line(case, template, servers, tmp_path, monkeypatch, request,
                                                    owlrl_once):
    assert case in VARIANTS or case in ARGS, f"'kzlod {case}' has no arguments in ARGS"
    codes = set(documented_exit_codes()) - {0}
    args = CASES[case]
    if any("{release}" in a for a in args):
        servers = {**servers, "release": str(request.getfixturevalue("release"))}
    world = World(template, tmp_path / "baseline", servers)
    cold = Faults()  # the calls of a first run, whose cache is empty
    baseline = world.run(args, cold, monkeypatch)
    assert baseline.exit_code == 0 and baseline.exception is None, (baseline.output, baseline.exception)
    baseline.said = (world.same(baseline.stdout), world.same(baseline.stderr))
    baseline.made = snapshot(world.project)
    warm = Faults()  # the calls of a run that finds the cache filled (some points are reached cold only)
    World(template, tmp_path / "warm", servers).run(args, warm, monkeypatch)
    if any("{store}" in a or "{endpoint}" in a for a in args):
        assert cold.calls.get("http"), "a command given a server talks to it through httpx"
    runs, problems = 0, []
    for name, fault in FAULTS.items():
        probe = warm if warm.calls.get(fault.point) or fault.point == "held" else cold
        count = (1 if probe.locks else 0) if fault.point == "held" else probe.calls.get(fault.point, 0)
        if not count or (fault.at == "last" and count == 1):  # a single call: its first fault is enough
            continue
        at = 1 if fault.at == "first" else count
        runs += 1
        world = World(template, tmp_path / f"run{runs}", servers)
        faults = Faults(fault, at)
        holder = None
        if fault.point == "held":
            holder = _lock_held({lock.replace(str(tmp_path / "warm"), str(world.base)) for lock in probe.locks})
        try:
            res = world.run(args, faults, monkeypatch, cold=probe is cold)
        finally:
            if holder:
                holder[1].set()
                holder[0].join(10)
        if not faults.raised and fault.point != "held":
            continue  # this run took another path (matplotlib makes its folder once a process)
        found = _problems(res, world, baseline, codes)
        if fault.point == "held" and res.exit_code != 1:
            found.append(f"exit {res.exit_code} waiting for a held lock")
        where = "cold cache" if probe is cold else "warm cache"
        problems += [f"{name} at call {at} of {count} ({where}) {faults.raised}: {p}" for p in found]
    assert not problems, "\n".join(problems)


# --- the last resort and the lock's message --------------------------------------------------------

#: An OSError that no layer below said more of: one line, exit 3, whatever it carries.
LAST_RESORT = {
    "with errno and file": (PermissionError(errno.EACCES, "Permission denied", "/x/data/a.ttl"),
                            "Error: /x/data/a.ttl: Permission denied (errno 13)\n"),
    "with errno, no file": (OSError(errno.EIO, "Input/output error"), "Error: Input/output error (errno 5)\n"),
    "a message only": (OSError("the device went away"), "Error: the device went away\n"),
    "nothing at all": (TimeoutError(), "Error: TimeoutError\n"),
    "a file name with a newline": (OSError(errno.ENOSPC, "No space left on device", "/x/a\nb.ttl"),
                                   "Error: /x/a\\nb.ttl: No space left on device (errno 28)\n"),
}


@pytest.mark.parametrize("case", sorted(LAST_RESORT))
def test_an_oserror_no_layer_mapped_is_one_line_and_exit_3(case):
    from kzlod.cli.common import command

    exc, expected = LAST_RESORT[case]

    @command("boom")
    def boom(obj):
        raise exc

    res = CliRunner().invoke(boom, [])
    assert (res.exit_code, res.stderr, res.stdout) == (3, expected, "")


def test_add_waiting_for_another_writers_lock_ends_in_one_line_naming_lock_and_holder(tmp_path, monkeypatch):
    project = copy_project(tmp_path / "project")
    new = tmp_path / "mongolia.ttl"
    new.write_text(MONGOLIA, encoding="utf-8")
    before = snapshot(project)
    monkeypatch.setenv("KZLOD_LOCK_TIMEOUT", "0.3")
    holder, done = _lock_held({str(project / "data")})
    try:
        res = CliRunner().invoke(cli, ["-q", "add", str(new), "--project", str(project)])
    finally:
        done.set()
        holder.join(10)
    lock = os.path.realpath(project / "data") + "/.kzlod.lock"
    assert res.exit_code == 1, res.output
    assert res.stderr == (f"Error: {lock}: another writer held this lock (process {holder.pid}) for more than 0.3 s "
                          "(KZLOD_LOCK_TIMEOUT); nothing was changed, try again when it is done\n")
    assert snapshot(project) == before


def test_a_query_on_an_endpoint_reads_the_project_it_is_given_not_the_one_it_is_in(tmp_path, monkeypatch, servers):
    """Regression: with --endpoint (or --store), --project was ignored and the project of the current
    folder read instead (the fault walk saw the wrong kzlod.toml opened)."""
    project = copy_project(tmp_path / "project")
    here = tmp_path / "elsewhere"
    here.mkdir()
    (here / "kzlod.toml").write_text("this is [not toml\n", encoding="utf-8")
    monkeypatch.chdir(here)
    res = CliRunner().invoke(cli, ["-q", "query", "ASK { ?s ?p ?o }", "--format", "json", "--max-memory", "0",
                                   "--endpoint", servers["endpoint"] + "/sparql", "--project", str(project)])
    assert (res.exit_code, res.stderr) == (0, ""), res.output
    assert json.loads(res.stdout)["boolean"] is True
