"""Running SPARQL: named queries, parameters, limits.

A query is a SPARQL string, a ``.rq`` file, the name of a bundled query, or
``-`` for standard input. Queries run with a wall-clock timeout and a cap on
result rows, and never reach out to other servers (``SERVICE`` is refused).
A user's query can also be given a memory limit (``max_memory``): it then runs
in a forked child process whose data segment is capped (``RLIMIT_DATA``), so
that a query needing gigabytes is stopped with a one-line message instead of
taking the machine's memory (docs/performance.md, "Limits of one query and of
the server").
"""

from __future__ import annotations

import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod import settings
from kzlod.errors import InputError, KzlodError, QueryError, UsageError
from kzlod.forking import fork
from kzlod.gate.reading import read_bytes
from kzlod.sparqltext import is_update, mask_sparql, nesting_depth, prefixed_query, read_header, uses_service  # noqa: F401
from kzlod.store.backends import query_kind
from kzlod.vocab import NAMESPACES

#: The named queries, one .rq file each.
QUERIES_DIR = Path(__file__).resolve().parent / "queries"

# The query limits (query_timeout, max_rows, max_query_chars, max_query_nesting, max_query_memory)
# are settings, read when a query runs: see kzlod.settings and docs/limits.md.


@dataclass
class NamedQuery:
    name: str
    title: str
    description: str
    params: dict
    text: str
    path: Path
    required: list = field(default_factory=list)  # parameters that must be given
    kinds: dict = field(default_factory=dict)  # parameter -> "entity" or "concept": values named as describe names them

    def as_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "description": self.description, "params": self.params,
                "required": self.required, "kinds": self.kinds}


@dataclass
class QueryResult:
    """What a query returned, fully read."""

    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    triples: list = field(default_factory=list)
    truncated: bool = False
    #: The whole result already written as SPARQL CSV by the store's own serializer (see
    #: :func:`run_query`'s ``written``): no Python object per row; ``rows`` is then empty.
    csv: bytes | None = None

    def records(self) -> list[dict]:
        """Rows as dicts of plain strings (IRIs, lexical forms), unbound values left out."""
        return [
            {v: t.value for v, t in zip(self.variables, row) if t is not None}
            for row in self.rows
        ]

    def __len__(self) -> int:
        if self.csv is not None:
            return max(self.csv.count(b"\r\n") - 1, 0)  # an upper bound: a value may hold a line break
        return len(self.rows) if self.kind == "select" else len(self.triples)


def named_queries() -> dict[str, NamedQuery]:
    """The bundled named queries by name."""
    return {path.stem: _named(path) for path in sorted(QUERIES_DIR.glob("*.rq"))}


def _named(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    meta = read_header(text)
    return NamedQuery(path.stem, meta["title"], meta["description"], meta["params"], text, path,
                      meta["required"], meta["kinds"])


def resolve_query(query: str, *, stdin=None) -> tuple[str, NamedQuery | None]:
    """Turn the QUERY argument into SPARQL text (and the named query, if it was one)."""
    if query == "-":
        text = (stdin or sys.stdin).read()
        if not text.strip():
            raise InputError("<stdin>: no query given on standard input")
        return text, None
    one = QUERIES_DIR / f"{query}.rq"
    if re.fullmatch(r"[\w-]+", query) and one.is_file():  # a named query: only its file is read
        named_query = _named(one)
        return named_query.text, named_query
    named = named_queries()
    path = Path(query)
    if query.endswith(".rq") or _is_file(path):
        try:
            return read_bytes(path, settings.get("max_query_chars") * 4).decode("utf-8"), None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{query}: cannot read: {exc}") from None
    if re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE|PREFIX|BASE|INSERT|DELETE|LOAD|CLEAR|DROP)\b|\{", query, re.I):
        return query, None
    import difflib  # here: only a name not found needs it

    close = difflib.get_close_matches(query, named, n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else " 'kzlod queries' lists them."
    raise UsageError(f"unknown named query {query!r}.{hint}")


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a long query string is no file name
        return False


def parse_param(value: str) -> ox.NamedNode | ox.Literal:
    """A parameter value: ``<iri>``, ``prefix:name``, an absolute IRI, a number, or a plain string."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return ox.NamedNode(value[1:-1])
    m = re.match(r"^([A-Za-z][\w-]*):([\w.-]*)$", value)
    if m and m.group(1) in NAMESPACES:
        return ox.NamedNode(NAMESPACES[m.group(1)] + m.group(2))
    if re.match(r"^[a-z][a-z0-9+.-]*://\S+$", value, re.I):
        return ox.NamedNode(value)
    if re.match(r"^[+-]?\d+$", value):
        return ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    return ox.Literal(value)


def bind_params(params: list[tuple[str, str]] | dict | None, named: NamedQuery | None = None) -> dict:
    items = list(params.items()) if isinstance(params, dict) else list(params or [])
    out = {}
    for name, value in items:
        name = name.lstrip("?$")
        if not re.match(r"^\w+$", name):
            raise UsageError(f"--param: {name!r} is not a variable name")
        if named is not None and name not in named.params:
            has = f"it has: {', '.join(named.params)}" if named.params else "it takes none"
            raise UsageError(f"--param: query {named.name!r} has no parameter {name!r} ({has})")
        try:
            out[ox.Variable(name)] = parse_param(value) if isinstance(value, str) else value
        except ValueError as exc:
            raise UsageError(f"--param {name}: {exc}") from None
    missing = [p for p in (named.required if named else []) if ox.Variable(p) not in out]
    if missing:
        name, what = missing[0], named.params.get(missing[0], "")
        raise UsageError(f"query {named.name!r} needs --param {name} VALUE" + (f": {what}" if what else ""))
    return out


def check_query(sparql: str) -> str:
    """Refuse what kzlod never runs: updates, SERVICE calls, and queries past the size limits; the
    query's form (:func:`~kzlod.store.backends.query_kind`) when it passes."""
    max_chars, max_nesting = settings.get("max_query_chars"), settings.get("max_query_nesting")
    if len(sparql) > max_chars:
        raise QueryError(f"query too long: {len(sparql)} characters, over the limit of {max_chars} "
                         "(KZLOD_MAX_QUERY_CHARS)")
    masked = mask_sparql(sparql)  # once, for the looks below
    opening = masked.count("{") + masked.count("(") + masked.count("[")  # fewer cannot nest deeper than the limit
    depth = nesting_depth(masked, masked=True) if opening > max_nesting else 0
    if depth > max_nesting:
        raise QueryError(f"query too complex: brackets nested {depth} deep, over the limit of {max_nesting} "
                         "(KZLOD_MAX_QUERY_NESTING)")
    if is_update(masked, masked=True):
        raise QueryError("updates are refused: kzlod queries are read-only (use 'kzlod add' to change data)")
    if uses_service(masked, masked=True):
        raise QueryError("SERVICE is refused: kzlod never contacts other servers from a query")
    return query_kind(masked, masked=True)


_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
#: What Oxigraph's parser may say it expected that is no SPARQL 1.1 / RDF 1.1 (RDF 1.2 triple terms
#: and annotations, SPARQL 1.2 drafts, Oxigraph's own extensions): never offered to a user.
NOT_SPARQL_11 = {"LATERAL", "ADJUST", "VERSION", "TRIPLE", "SUBJECT", "PREDICATE", "OBJECT", "isTRIPLE", "LANGDIR",
                 "STRLANGDIR", "hasLANG", "hasLANGDIR", "<<", ">>", "<<(", ")>>", "{|", "|}", "~"}


def _syntax(exc: SyntaxError, sparql: str = "") -> QueryError:
    """A SPARQL syntax error as a person reads it: one line saying what is wrong and where,
    then the query's line with a caret under the place."""
    msg = str(exc)
    m = re.match(r"error at (\d+):(\d+): (.*)", msg, re.S)
    if not m:
        return QueryError(f"bad SPARQL: {msg.splitlines()[0] if msg else exc!r}")
    line, column, what = int(m.group(1)), int(m.group(2)), " ".join(m.group(3).split())
    lines = sparql.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if "Prefix not found" in what:
        declared = set(re.findall(r"PREFIX\s+([\w-]*):", sparql, re.I)) | set(NAMESPACES)
        used = [u for u in re.findall(r"(?<![\w<:/#?$])([A-Za-z][\w-]*):(?=[\w])", mask_sparql(sparql))
                if u not in declared]
        prefix = used[0] if used else "?"
        at = text.find(prefix + ":")
        column = at + 1 if at >= 0 else column
        what = f"unknown prefix {prefix}: (known: {', '.join(sorted(declared))})"
    else:
        words = re.findall(r"[A-Za-z]+", mask_sparql(sparql))
        body = [w for w in words if w.upper() not in ("PREFIX", "BASE")]
        first = re.search(r"\b([A-Za-z]+)\b", _after_prologue(sparql))
        if first and first.group(1).upper() not in _FORMS + ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE",
                                                              "ADD", "MOVE", "COPY", "WITH") and body:
            what = f"expected SELECT, CONSTRUCT, ASK or DESCRIBE, found {first.group(1)!r}"
            word = re.search(rf"\b{re.escape(first.group(1))}\b", text)
            column = word.start() + 1 if word else column
        elif what.startswith("expected"):
            # keep the tokens (quoted or keywords), drop the character classes
            listed = re.sub(r"\[[^\]]*\]", "", what.split("expected", 1)[1].replace("one of", ""))
            tokens = [tok.strip().strip('"') for tok in listed.split(",") if tok.strip().strip('"')]
            kept = [tok for tok in tokens if tok not in NOT_SPARQL_11]
            # a list that named tokens no SPARQL 1.1 query can hold, cut to one, would mislead: none
            tokens = kept if len(kept) == len(tokens) or len(kept) > 1 else []
            rest = text[column - 1:].split() if 0 < column <= len(text) else []
            what = (f"unexpected {rest[0]!r}" if rest else "unexpected end of the line") + (
                f" (expected {' or '.join(tokens) if len(tokens) < 3 else 'one of ' + ', '.join(tokens)})"
                if tokens else "")
    caret = " " * max(column - 1, 0) + "^"
    return QueryError(f"bad SPARQL at line {line}, column {column}: {what}", details=[text, caret] if text else [])


def _after_prologue(sparql: str) -> str:
    """The query after its PREFIX and BASE declarations and comments."""
    rest = mask_sparql(sparql)
    while True:
        m = re.match(r"\s*(?:PREFIX\s+[\w-]*:\s*<\s*>|BASE\s*<\s*>|PREFIX\s+[\w-]*:\s*\S+|BASE\s+\S+)", rest, re.I)
        if not m:
            return rest
        rest = rest[m.end():]


def _collect(results, max_rows: int) -> QueryResult:
    if isinstance(results, ox.QueryBoolean) or isinstance(results, bool):
        return QueryResult("ask", boolean=bool(results))
    if isinstance(results, ox.QuerySolutions):
        variables = [v.value for v in results.variables]
        rows, truncated = [], False
        width = range(len(variables))
        for sol in results:
            if len(rows) >= max_rows:
                truncated = True
                break
            rows.append(tuple([sol[i] for i in width]))  # a list, not a generator holding the solution
        sol = None  # the last solution goes with this thread, not with a later collection elsewhere
        return QueryResult("select", variables=variables, rows=rows, truncated=truncated)
    triples, truncated = [], False
    for t in results:
        if len(triples) >= max_rows:
            truncated = True
            break
        triples.append(t)
    return QueryResult("graph", triples=triples, truncated=truncated)


def memory_message(limit_mb: int) -> str:
    """The one line that says a query was stopped for its memory."""
    return (f"query stopped: it needed more than {limit_mb} MB "
            "(raise the limit with --max-memory or KZLOD_MAX_QUERY_MEMORY)")


def died_of_memory(signum: int) -> bool:
    """Whether a query process capped by :func:`limit_memory` and killed by this signal ran out of memory:
    Rust aborts (SIGABRT) when an allocation fails, as it does past the cap. (SIGKILL is not taken for
    it: under the cap the kernel's OOM killer has other causes, and people send it too.)"""
    import signal

    return signum == signal.SIGABRT


def _vm_data() -> int | None:
    """This process's data segment in bytes (what ``RLIMIT_DATA`` counts), from /proc; None elsewhere."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def limit_memory(limit_mb: int, held: int | None = None) -> bool:
    """Cap this process's data segment (``RLIMIT_DATA``: heap and private mappings, where Rust's and
    Python's allocations go) at what it holds (``held`` bytes, else read now) plus ``limit_mb`` MB;
    False where that cannot be done.

    Past the cap an allocation fails at once, before the memory is touched: Python raises MemoryError,
    Rust (pyoxigraph) aborts the process. So only a process that can die for it is capped: the child
    of :func:`run_query` and ``kzlod serve``'s query workers.
    """
    if not limit_mb or limit_mb <= 0:
        return False
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return False
    held = _vm_data() if held is None else held
    if held is None:
        return False
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = held + limit_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    _CAPPED["mb"] = limit_mb
    return True


_CAPPED: dict = {}  # the cap limit_memory set on this process, for the message of a MemoryError


def _written(results, store, sparql: str, params: dict | None, max_rows: int) -> QueryResult:
    """SELECT results written as SPARQL CSV by pyoxigraph itself, the bytes ``to_csv`` writes, without a
    Python object per row. Past ``max_rows`` line breaks (a value may hold some) the query runs again
    and is collected, so a cut result is cut exactly where :func:`_collect` cuts it."""
    variables = [v.value for v in results.variables]
    data = results.serialize(format=ox.QueryResultsFormat.CSV)
    if data.count(b"\r\n") - 1 <= max_rows:
        return QueryResult("select", variables=variables, csv=data)
    data = results = None
    return _collect(store.query(sparql, params or None), max_rows)


def _evaluate(store, sparql: str, params: dict | None, max_rows: int, limit_mb: int | None = None,
              written: str | None = None) -> QueryResult:
    """Run and collect a query on this thread; every failure a QueryError (or the store's KzlodError)."""
    results = None
    try:
        results = store.query(sparql, params or None)
        if written == "csv" and isinstance(results, ox.QuerySolutions):
            return _written(results, store, sparql, params, max_rows)
        return _collect(results, max_rows)
    except SyntaxError as exc:
        error = _syntax(exc, sparql)
    except RecursionError:
        error = QueryError("query too complex: nesting or path depth beyond what can be evaluated")
    except KzlodError as exc:
        error = exc
    except MemoryError:
        results = None
        limit_mb = limit_mb or _CAPPED.get("mb")
        error = QueryError(memory_message(limit_mb) if limit_mb else "query stopped: out of memory")
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        error = QueryError(f"query failed: {exc}")
    finally:
        results = None  # dropped here, on the thread that made it
    # The error goes to the caller; its traceback would take the query's pyoxigraph
    # solutions along, which must be dropped on the thread that made them.
    error.__traceback__ = error.__context__ = error.__cause__ = None
    raise error


def run_query(store, sparql: str, params: dict | None = None, *, timeout: float | None = None,
              max_rows: int | None = None, max_memory: int | None = None, written: str | None = None) -> QueryResult:
    """Run SPARQL on a store, within the time and row limits.

    ``written="csv"``: SELECT results come back already written as SPARQL CSV by the store's own
    serializer (:attr:`QueryResult.csv`: the same bytes :func:`kzlod.querying.output.to_csv` writes),
    for a caller that only prints them; ASK and graph results are collected as always.

    ``max_memory`` (MB, None or 0: no limit) is for queries users write: the query then runs in a
    forked child process capped at that much memory beyond what this process holds (see
    :func:`limit_memory`), and a query past it raises a QueryError saying so. Where a process cannot
    fork or be capped (Windows, no /proc), it runs here without the memory limit.
    """
    check_query(sparql)
    if getattr(store, "fixed", False):
        timeout = 0
    timeout = settings.get("query_timeout") if timeout is None else timeout
    max_rows = settings.get("max_rows") if max_rows is None else max_rows
    if max_memory and max_memory > 0 and hasattr(os, "fork"):
        held = _vm_data()  # the child's at its start: the same mappings
        if held is not None:
            return _run_in_child(store, sparql, params, timeout, max_rows, max_memory, held, written)
    if timeout <= 0:  # no time limit: no watchdog either (a thread per query doubled the wall time of publish)
        return _evaluate(store, sparql, params, max_rows, written=written)
    box: dict = {}

    def work():
        try:
            box["result"] = _evaluate(store, sparql, params, max_rows, written=written)
        except KzlodError as exc:
            box["error"] = exc

    worker = threading.Thread(target=work, name="kzlod-query", daemon=True)
    worker.start()
    worker.join(timeout if timeout > 0 else None)
    if worker.is_alive():
        raise QueryError(_timeout_message(timeout))
    if "error" in box:
        raise box["error"]
    return box["result"]


def _timeout_message(timeout: float) -> str:
    return f"query timed out after {timeout:g} s (raise it with --timeout or KZLOD_QUERY_TIMEOUT)"


def _run_in_child(store, sparql: str, params: dict | None, timeout: float, max_rows: int,
                  limit_mb: int, held: int, written: str | None = None) -> QueryResult:
    """:func:`run_query` in a forked child capped at ``limit_mb`` MB more than it starts with.

    The child shares the loaded store copy-on-write (forking costs about a millisecond), evaluates,
    and sends the pickled result or error back through a pipe. Killed by its allocation failure
    (pyoxigraph aborts), it becomes the memory message here; past ``timeout`` it is killed, so the
    work really stops. Its stderr goes to /dev/null: Rust's own "memory allocation … failed" line
    would otherwise come before the one-line error.
    """
    import pickle
    import resource  # noqa: F401 - imported once here, not in every child
    import select
    import signal
    import time

    def child() -> bytes:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C stops it at once, even inside Rust
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        limit_memory(limit_mb, held)
        try:
            reply = ("ok", _evaluate(store, sparql, params, max_rows, limit_mb, written))
        except KzlodError as exc:
            reply = ("error", exc)
        except Exception as exc:  # noqa: BLE001 - said to the parent in one line
            reply = ("error", QueryError(f"query failed: {type(exc).__name__}: {exc}"))
        try:
            return pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            reply = None
            return pickle.dumps(("error", QueryError(memory_message(limit_mb))))
        except Exception as exc:  # noqa: BLE001 - what does not pickle is said in one line
            what = reply[1].message if reply[0] == "error" else f"query failed: cannot pass its result on: {exc}"
            return pickle.dumps(("error", QueryError(what)))

    pid, read_end = fork(child)
    chunks, done = [], False
    deadline = time.monotonic() + timeout if timeout > 0 else None
    poller = select.poll()
    poller.register(read_end, select.POLLIN)
    try:
        while True:
            wait = None if deadline is None else max(deadline - time.monotonic(), 0) * 1000
            if not poller.poll(wait):
                raise QueryError(_timeout_message(timeout))
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        done = True
    finally:
        os.close(read_end)
        if not done:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        if died_of_memory(signum):
            raise QueryError(memory_message(limit_mb))
        name = signal.Signals(signum).name if signum in signal.Signals._value2member_map_ else f"signal {signum}"
        raise QueryError(f"query failed: evaluating it crashed ({name})")
    try:
        kind, value = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - an empty or cut reply: the child failed before answering
        raise QueryError(f"query failed: the query process ended without an answer (exit code "
                         f"{os.waitstatus_to_exitcode(status)})") from None
    if kind == "error":
        raise value
    return value
