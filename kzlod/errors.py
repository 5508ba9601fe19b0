"""Errors with the exit code each stands for.

The one exit-code contract of every kzlod command:

====  =====================================================================
code  meaning
====  =====================================================================
0     success
1     the data does not conform, the graph is inconsistent, a query failed
2     usage error: bad option, unknown named query, bad parameter
3     unreadable input: missing file, syntax error, refused content
====  =====================================================================
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INPUT = 3


class KzlodError(Exception):
    """Base class: a user-facing error with a one-line message."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, *, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class InputError(KzlodError):
    """A file cannot be read or is not acceptable RDF (exit 3)."""

    exit_code = EXIT_INPUT


class UsageError(KzlodError):
    """The command was asked something it cannot do (exit 2)."""

    exit_code = EXIT_USAGE


class QueryError(KzlodError):
    """A query is malformed, refused, too slow or failed (exit 1)."""

    exit_code = EXIT_FAILED


class DataError(KzlodError):
    """The data does not conform or is inconsistent (exit 1)."""

    exit_code = EXIT_FAILED
