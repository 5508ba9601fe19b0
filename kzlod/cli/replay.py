"""Answers kept: a named query's or a validation's output, written again at the interpreter's floor.

``kzlod query NAME`` and ``kzlod validate`` print the same bytes, and exit with the same code,
whenever the project's files, the named query and the command line are the same. So when such a run
writes into a file or a pipe and ends well (a query: exit 0; a validation: 0 or 1), what it wrote is
kept in the cache (kind ``answer``), and the next run of the same command line on the same bytes
finds it before it imports click, rdflib or pyoxigraph: no graph loaded, no query run, the same
output and exit code. Anything else, or any doubt, runs the command as usual:

* the command line is ``query NAME`` (NAME one of the package's named queries) with at most
  ``--format/-f csv|tsv|json|xml``, ``--param/-p NAME VALUE``, ``--inferred``; or ``validate`` with at most
  ``--format/-f text|json|ttl``, ``--min-severity LEVEL``, ``--no-reason``; either with
  ``--quiet/-q`` and ``--project DIR`` before or after the command's name;
* standard output is not a terminal and writes UTF-8 (a table's layout depends on the terminal);
* no ``KZLOD_*`` setting is set but the cache's own and ``KZLOD_PROJECT`` (a setting can change an
  answer: the cap on rows, a limit of the gate), and ``KZLOD_ANSWERS`` is not ``off``;
* the project has no interrupted write to finish (a journal in ``ontology/``, ``shapes/`` or
  ``data/``) and every ``*.ttl`` file of those folders is a regular file.

The key is a SHA-256 of kzlod's build (its version and a fingerprint of its code:
:func:`kzlod.version.build`), the versions of the libraries an answer comes from (:data:`LIBRARIES`),
the command line as read, the project's folder, the bytes of its ``kzlod.toml``, of the named query
and of every ``*.ttl`` file under ``ontology/``, ``shapes/`` and ``data/`` (each read whole, each
time). A run that finds no answer works out the key before and after it runs and keeps its output
only when both agree: a file changed meanwhile leaves nothing under a key its bytes do not give.
Progress lines on a terminal's stderr are not written again (there was no graph to load); notes are.

This module runs before anything else of the command line is imported: it imports nothing but
the standard library's ``os``, ``sys``, ``hashlib``, ``stat`` and ``time``, and :mod:`kzlod.version` (a test
checks it; the settings and the cache, to keep an answer, once the command has run), and reads the
environment itself for that reason (:mod:`kzlod.settings` and :mod:`kzlod.project` hold the same
rules; tests check that both agree).
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import time

from kzlod.version import build, package_version

#: Bumped when what an answer holds, or its key's recipe, changes.
FORMAT = 2
#: The libraries whose versions a key holds: what reads the graph and runs a query (pyoxigraph),
#: and what a validation's verdict comes from (pySHACL on rdflib, the OWL RL engines).
LIBRARIES = ("pyoxigraph", "pyshacl", "rdflib", "owlrl", "reasonable")
#: The cache's kind for answers (:data:`kzlod.files.cache.KINDS`) and its files' extension.
KIND, EXT = "answer", ".out"
#: The settings that change no answer and take any text: the cache's folder and the project
#: (the cache's size, a whole number, is read too: :func:`_settings_harmless`).
HARMLESS = frozenset({"KZLOD_CACHE_DIR", "KZLOD_PROJECT"})
PROJECT_FILE = "kzlod.toml"  # kzlod.project.PROJECT_FILE
FOLDERS = ("ontology", "shapes", "data")  # kzlod.project.FOLDERS
JOURNAL = ".kzlod-journal.json"  # kzlod.files.safewrite.JOURNAL_NAME
FORMATS = {"query": ("csv", "tsv", "json", "xml"), "validate": ("text", "json", "ttl")}
SEVERITIES = ("violation", "warning", "info")
_HEAD = b"kzlod answer %d exit %d stderr %d stdout %d\n"

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
QUERIES_DIR = os.path.join(PACKAGE_DIR, "querying", "queries")  # kzlod.querying.run.QUERIES_DIR


class Plan:
    """A command line that may be answered from the cache: what it asks and the key of its answer."""

    def __init__(self, words: tuple, root: str, bundled: bool):
        self.words = words  # the command line as read: (command, name, format, params, options, quiet)
        self.root = root
        self.bundled = bundled
        self.key = key(self)
        self.stdout: list[bytes] | None = []  # what the run wrote (None: something that cannot be kept)
        self.stderr: list[bytes] = []


def plan(argv: list[str]) -> Plan | None:
    """The plan for this command line, or None when it is not one an answer can be kept for."""
    read = _read(argv)
    if read is None or _terminal_or_not_utf8() or not _settings_harmless():
        return None
    words, project = read
    found = _root(project)
    if found is None:
        return None
    try:
        return Plan(words, *found)
    except (OSError, ValueError):  # a file that cannot be read, a FIFO: the command says what it is
        return None


def answer(p: Plan) -> int | None:
    """Write the kept answer of ``p`` and return its exit code; None when there is none."""
    path = os.path.join(cache_dir(), KIND, p.key + EXT)
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                return None
            raw = fh.read()
    except OSError:
        return None
    head, _, body = raw.partition(b"\n")
    try:
        fmt, code, n_err, n_out = (int(w) for w in head.split()[2::2])
    except ValueError:
        return None
    if head + b"\n" != _HEAD % (fmt, code, n_err, n_out) or fmt != FORMAT or len(body) != n_err + n_out:
        return None  # damaged: a miss
    try:
        os.utime(path, ns=(time.time_ns(), st.st_mtime_ns))  # its use recorded, as the cache does
    except OSError:
        pass
    if n_err:
        sys.stderr.flush()
        sys.stderr.buffer.write(body[:n_err])
        sys.stderr.flush()
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(body[n_err:])
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (| head): exit 1 in silence, as click does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


def entry(p: Plan, code: int) -> bytes | None:
    """What the cache keeps of a finished run of ``p``; None when it wrote what cannot be kept."""
    if p.stdout is None:
        return None
    err, out = b"".join(p.stderr), b"".join(p.stdout)
    return _HEAD % (FORMAT, code, len(err), len(out)) + err + out


def keep(p: Plan | None, code) -> None:
    """Keep the answer of a run of ``p`` that ended with ``code``: when it is one that ends well
    (a query: 0; a validation: 0 or 1), what it wrote can be kept, it takes at most a quarter of the
    cache's size limit, and the project's files hold the bytes they held when it started."""
    if p is None or code not in ((0, 1) if p.words[0] == "validate" else (0,)):
        return
    data = entry(p, code)
    if data is None:
        return
    from kzlod import settings
    from kzlod.files import cache

    try:
        unchanged = key(p) == p.key
    except (OSError, ValueError):
        return
    if unchanged and len(data) <= settings.get("cache_max_mb") * settings.MiB // 4:
        cache.put_bytes(KIND, p.key, data)


# --- what the run writes ----------------------------------------------------------------------------

#: The plan of the run under way, when its output may be kept (set by :func:`kzlod.cli.main`).
current: Plan | None = None


def wrote(data: bytes | str) -> None:
    """Record what the command wrote to standard output, as written."""
    if current is not None and current.stdout is not None:
        if isinstance(data, str):
            if "\x1b" in data:  # click strips escape sequences off a terminal: not kept
                current.stdout = None
                return
            data = data.encode("utf-8", "surrogateescape")
        current.stdout.append(data)


def noted(line: str) -> None:
    """Record a note the command wrote to stderr (a line)."""
    if current is not None:
        current.stderr.append((line + "\n").encode("utf-8", "surrogateescape"))


# --- the command line ---------------------------------------------------------------------------------

def _read(argv: list[str]):
    """(what it asks, its --project) for a command line this module answers, else None."""
    command = name = fmt = severity = project = None
    params, quiet, no_reason, inferred = [], False, False, False
    i = 0
    while i < len(argv):
        a = argv[i]
        value = argv[i + 1] if i + 1 < len(argv) else None
        if a in ("-q", "--quiet"):
            quiet = True
        elif a == "--project" and value is not None and project is None:
            project, i = value, i + 1
        elif command is None:
            if a not in FORMATS:
                return None
            command = a
        elif a in ("-f", "--format") and value in FORMATS[command] and fmt is None:
            fmt, i = value, i + 1
        elif command == "query" and a in ("-p", "--param") and i + 2 < len(argv):
            pair = (argv[i + 1], argv[i + 2])
            if any(v.startswith("-") or not v for v in pair):
                return None
            params.append(pair)
            i += 2
        elif command == "validate" and a == "--min-severity" and value in SEVERITIES and severity is None:
            severity, i = value, i + 1
        elif command == "validate" and a == "--no-reason":
            no_reason = True
        elif command == "query" and a == "--inferred":
            inferred = True
        elif command == "query" and name is None and _named(a):
            name = a
        else:
            return None
        i += 1
    if command is None or (command == "query" and name is None):
        return None
    return (command, name, fmt, tuple(params), (severity, no_reason, inferred), quiet), project


def _named(word: str) -> bool:
    """Whether ``word`` names a query of the package (as kzlod.querying.run.resolve_query reads it)."""
    bare = word.replace("-", "").replace("_", "")
    return bare.isascii() and bare.isalnum() and os.path.isfile(os.path.join(QUERIES_DIR, word + ".rq"))


def _terminal_or_not_utf8() -> bool:
    out = sys.stdout
    encoding = (getattr(out, "encoding", None) or "").lower().replace("_", "-")
    return out.isatty() or encoding not in ("utf-8", "utf8") or not hasattr(out, "buffer")


def _settings_harmless() -> bool:
    """Whether every ``KZLOD_*`` variable set leaves answers as they are, with a value the command
    takes (a bad one is the command's usage error to give)."""
    def harmless(name: str, value: str) -> bool:
        value = value.strip()
        return (not value or name in HARMLESS or (name == "KZLOD_ANSWERS" and value == "on")
                or (name == "KZLOD_CACHE_MAX_MB" and value.isascii() and value.isdigit()))

    return all(harmless(name, value) for name, value in os.environ.items() if name.startswith("KZLOD_"))


def _root(explicit: str | None) -> tuple[str, bool] | None:
    """(folder, bundled) of the project the command works on, as kzlod.project.resolve finds it;
    None where that would be an error (the command says what it is)."""
    chosen = explicit or os.environ.get("KZLOD_PROJECT") or None
    if chosen:
        root = os.path.expanduser(chosen)
        return (os.path.abspath(root), False) if os.path.isfile(os.path.join(root, PROJECT_FILE)) else None
    here = os.path.realpath(os.getcwd())
    while True:
        if os.path.isfile(os.path.join(here, PROJECT_FILE)):
            return here, False
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    bundled = os.path.join(PACKAGE_DIR, "_bundled")
    return (bundled if os.path.isdir(bundled) else os.path.dirname(PACKAGE_DIR)), True


def cache_dir() -> str:
    """The cache folder, as the ``cache_dir`` setting gives it."""
    chosen = os.environ.get("KZLOD_CACHE_DIR")
    if chosen:
        return os.path.expanduser(chosen)
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kzlod")


# --- the key --------------------------------------------------------------------------------------------

def key(p: Plan) -> str:
    """The key of ``p``'s answer (OSError when a file cannot be read, ValueError for a special file
    or an interrupted write)."""
    h = hashlib.sha256(f"kzlod-answer {FORMAT} kzlod {build()} {_libraries()}\n".encode())
    h.update(repr((p.words, p.root, p.bundled)).encode("utf-8", "surrogateescape"))
    files = [os.path.join(p.root, PROJECT_FILE)] if not p.bundled or os.path.isfile(
        os.path.join(p.root, PROJECT_FILE)) else []
    if p.words[1] is not None:
        files.append(os.path.join(QUERIES_DIR, p.words[1] + ".rq"))
    for folder in FOLDERS:
        top = os.path.join(p.root, folder)
        if os.path.lexists(os.path.join(top, JOURNAL)):
            raise ValueError(f"{top}: an interrupted write to finish")
        found = []
        for where, _, names in os.walk(top):
            found += [os.path.join(where, n) for n in names if n.endswith(".ttl")]
        files += sorted(found)
    for path in files:
        h.update(b"\0" + os.path.relpath(path, p.root).encode("utf-8", "surrogateescape") + b"\0")
        h.update(_digest(path))
    return h.hexdigest()


def _digest(path: str) -> bytes:
    if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would never end: the command refuses it
        raise ValueError(f"{path}: not a regular file")
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).digest()


def _libraries() -> str:
    """The versions of the libraries an answer depends on (:data:`LIBRARIES`), as the caches read them
    (:func:`kzlod.version.package_version`: without importing them); ValueError when one is not
    installed: then no answer is kept, and none is read."""
    found = {name: package_version(name) for name in LIBRARIES}
    missing = [name for name, version in found.items() if version == "-"]
    if missing:
        raise ValueError(f"no version found for {', '.join(missing)}")
    return " ".join(f"{name} {version}" for name, version in found.items())
