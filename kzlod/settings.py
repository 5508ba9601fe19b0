"""Every setting kzlod takes from the environment, in one table, read when asked.

:data:`SETTINGS` lists each one: its name, the environment variable that sets it, its type and
default, what it is for, and the command-line option that overrides it, if any. A value is read
from the environment each time :func:`get` asks for it (never when a module is imported), so a
test can change it with ``monkeypatch.setenv`` and see the effect at once, and it is checked: a
bad one (``KZLOD_MAX_ROWS=abc``) raises a :class:`~kzlod.errors.UsageError` that names the
variable, the value and what it must be — one line and exit code 2 on the command line, where
every command checks them all before it starts (:func:`check_all`). An empty variable counts as
unset. Secrets (a password, a token) are read here too, marked ``secret``: their values are never
shown, and the tables of settings the docs are generated from give none.

Nothing else in kzlod reads the environment (a test in ``tests/package`` checks it), except
:mod:`kzlod.project`, for ``KZLOD_PROJECT``, which is listed here all the same.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from kzlod.errors import UsageError

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class Setting:
    """One setting: where it comes from, what it may be, what it is for."""

    name: str  # what kzlod calls it: settings.get("max_rows")
    env: str  # the environment variable that sets it
    type: str  # "count" (a whole number), "seconds", "choice", "path" or "text"
    default: object  # None: unset (or, for cache_dir, worked out: see :func:`default`)
    help: str
    option: str = ""  # the command-line option that overrides it, if any
    minimum: int = 0  # the least a count may be
    choices: tuple[str, ...] = ()
    unit: str = ""  # how a count is shown: "bytes", "MB", "characters", …
    secret: bool = False  # never shown: neither its value nor a default
    group: str = ""  # query, gate, reasoning, cache, project, push or build

    def must(self) -> str:
        """What a value must be, as an error message says it."""
        if self.type == "count":
            return f"a whole number of at least {self.minimum:,}"
        if self.type == "seconds":
            return "a number of seconds greater than 0"
        if self.type == "choice":
            return "one of " + ", ".join(self.choices)
        return "text"

    def parse(self, raw: str):
        """The value of the variable's text, or UsageError."""
        if self.type == "count":
            try:
                value = int(raw.strip())
            except ValueError:
                value = None
            if value is not None and value >= self.minimum:
                return value
        elif self.type == "seconds":
            try:
                value = float(raw.strip())
            except ValueError:
                value = math.nan
            if math.isfinite(value) and value > 0:
                return value
        elif self.type == "choice":
            if raw.strip() in self.choices:
                return raw.strip()
        elif self.type == "path":
            return os.path.expanduser(raw)
        else:
            return raw
        raise UsageError(f"{self.env}={_shown(raw)}: must be {self.must()}")


def _shown(raw: str) -> str:
    """A bad value as a message quotes it: escaped, and cut when long (it is a stranger's text)."""
    text = raw if len(raw) <= 40 else raw[:40] + "…"
    return repr(text)


def _cache_home() -> str:
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kzlod")


#: Computed defaults (a function of other variables), by setting name.
_COMPUTED: dict[str, Callable[[], object]] = {"cache_dir": _cache_home}

def _table(groups: dict[str, list[Setting]]) -> dict[str, Setting]:
    return {s.name: replace(s, group=group) for group, items in groups.items() for s in items}


#: Every setting, by name, in groups: query and gate are the limits docs/limits.md lists.
SETTINGS: dict[str, Setting] = _table({
    "query": [
        Setting("query_timeout", "KZLOD_QUERY_TIMEOUT", "seconds", 30.0, "wall-clock time a query may run",
                option="--timeout (query)", unit="s"),
        Setting("max_query_memory", "KZLOD_MAX_QUERY_MEMORY", "count", 512,
                "memory one query may take beyond the loaded graph "
                "(0: no limit; kzlod query caps the queries users write)",
                option="--max-memory (query, serve)", unit="MB"),
        Setting("max_rows", "KZLOD_MAX_ROWS", "count", 100_000, "result rows a query returns at most",
                option="--max-rows (query)", minimum=1, unit="rows"),
        Setting("max_query_chars", "KZLOD_MAX_QUERY_CHARS", "count", 100_000, "length of a query",
                minimum=1, unit="characters"),
        Setting("max_query_nesting", "KZLOD_MAX_QUERY_NESTING", "count", 100, "bracket nesting of a query",
                minimum=1, unit="levels"),
    ],
    "gate": [
        Setting("max_file_bytes", "KZLOD_MAX_FILE_BYTES", "count", 32 * MiB,
                "size of a file read whole (validate, add, --data, a source's text)", minimum=1, unit="bytes"),
        Setting("max_statements", "KZLOD_MAX_STATEMENTS", "count", 12_000,
                "statements of a new file for validate and add (a list item counts once)", minimum=1,
                unit="statements"),
        Setting("max_load_file_bytes", "KZLOD_MAX_LOAD_FILE_BYTES", "count", 4 * GiB,
                "size of any file (kzlod load, and every command)", minimum=1, unit="bytes"),
        Setting("max_load_statements", "KZLOD_MAX_LOAD_STATEMENTS", "count", 100_000_000,
                "triples of a file kzlod load reads", minimum=1, unit="triples"),
        Setting("max_literal_chars", "KZLOD_MAX_LITERAL_CHARS", "count", 1_000_000, "length of a literal",
                minimum=1, unit="characters"),
        Setting("max_nesting", "KZLOD_MAX_NESTING", "count", 64,
                "nesting of brackets in Turtle and TriG, and of blank nodes in every syntax", minimum=1,
                unit="levels"),
        Setting("max_prefixes", "KZLOD_MAX_PREFIXES", "count", 20_000,
                "prefixes (namespace declarations) a file declares", minimum=1, unit="prefixes"),
    ],
    "reasoning": [
        Setting("reasoner", "KZLOD_REASONER", "choice", "auto",
                "the OWL RL engine: owlrl, reasonable, or auto (reasonable above KZLOD_REASONABLE_ABOVE triples)",
                option="--engine (reason)", choices=("owlrl", "reasonable", "auto")),
        Setting("reasonable_above", "KZLOD_REASONABLE_ABOVE", "count", 20_000,
                "triples above which the auto engine uses reasonable", unit="triples"),
    ],
    "cache": [
        Setting("cache_dir", "KZLOD_CACHE_DIR", "path", None,
                "the cache folder: OWL RL closures, validation reports, search indexes, answers"),
        Setting("cache_max_mb", "KZLOD_CACHE_MAX_MB", "count", 512,
                "size of the cache; past it, the entries used longest ago are removed", unit="MB"),
        Setting("answers", "KZLOD_ANSWERS", "choice", "on",
                "keep what 'kzlod query NAME' or 'kzlod validate' writes into a file or pipe, and write it "
                "again while the project's files are unchanged (off: always compute it)", choices=("on", "off")),
    ],
    "project": [
        Setting("project", "KZLOD_PROJECT", "path", None,
                "the project to work on (else the nearest kzlod.toml upward, else the bundled graph)",
                option="--project"),
        Setting("lock_timeout", "KZLOD_LOCK_TIMEOUT", "seconds", 60.0,
                "how long a writer (add, fmt, source add, template) waits for another writer's project lock",
                unit="s"),
    ],
    "push": [
        Setting("push_user", "KZLOD_PUSH_USER", "text", None, "user name for kzlod push", option="--user (push)"),
        Setting("password", "KZLOD_PASSWORD", "text", None, "password for kzlod push", secret=True),
        Setting("token", "KZLOD_TOKEN", "text", None, "bearer token for kzlod push", secret=True),
        Setting("netrc", "NETRC", "path", None, "the .netrc file credentials are looked up in (default ~/.netrc)"),
    ],
    "build": [
        Setting("gzip_level", "KZLOD_GZIP_LEVEL", "choice", "6",
                "how hard kzlod publish compresses each dump's .gz: 1 fastest, 9 smallest (6, gzip's own default: "
                "a third of 9's time for a tenth more bytes)", choices=tuple("123456789")),
        Setting("source_date_epoch", "SOURCE_DATE_EPOCH", "count", None,
                "seconds since 1970 whose day dates a release (reproducible builds)", option="--date (publish)"),
        Setting("fault", "KZLOD_FAULT", "text", None,
                "tests only: kill the process (SIGKILL) at this point of a journalled write"),
    ],
})
#: The groups of limits, listed in docs/limits.md.
LIMIT_GROUPS = ("query", "gate")

_parsed: dict[tuple[str, str], object] = {}


def default(name: str):
    """A setting's default, whatever the environment says of it."""
    setting = SETTINGS[name]
    return _COMPUTED[name]() if name in _COMPUTED else setting.default


def get(name: str):
    """A setting's value now: its variable's, checked (UsageError if bad), else its default."""
    setting = SETTINGS[name]
    raw = os.environ.get(setting.env)
    if not raw:
        return default(name)
    if setting.type in ("text", "path"):
        return setting.parse(raw)
    key = (name, raw)
    if key not in _parsed:
        _parsed[key] = setting.parse(raw)
    return _parsed[key]


def check_all() -> None:
    """Read every setting once: the first bad one raises its UsageError (commands call this first)."""
    for name in SETTINGS:
        get(name)


class View(Mapping):
    """Some settings under names of their own, each read when it is looked up
    (``LIMITS["literal_chars"]`` is ``get("max_literal_chars")`` now)."""

    def __init__(self, **names: str):
        unknown = sorted(set(names.values()) - set(SETTINGS))
        if unknown:
            raise KeyError(unknown[0])
        self._names = names

    def __getitem__(self, key: str):
        return get(self._names[key])

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def shown_default(setting: Setting) -> str:
    """A setting's default as the docs show it: ``32 MiB``, ``30 s``, ``100,000``; "" when unset."""
    if setting.secret or setting.name in _COMPUTED:
        return {"cache_dir": "`$XDG_CACHE_HOME/kzlod`, else `~/.cache/kzlod`"}.get(setting.name, "")
    value = setting.default
    if value is None:
        return ""
    if setting.unit == "bytes":
        for unit, size in (("GiB", GiB), ("MiB", MiB)):
            if value >= size and value % size == 0:
                return f"{value // size} {unit}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,} {setting.unit}".rstrip()
    return str(value)
