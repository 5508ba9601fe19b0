"""Credentials and URLs for kzlod's HTTP client (:mod:`kzlod.store.http`): where a secret comes
from, and how a URL or a server's text is shown without one.

Credentials (:func:`find_credentials`) come from, first to last:

1. the command's user name (``--user``), with the password given with it, else the URL's,
   else ``KZLOD_PASSWORD``, else the ``~/.netrc`` entry of the host whose ``login`` it is
   (curl's rule);
2. the user information of the URL (``http://user:password@host/``, percent-decoded, taken
   out of the URL and never printed), the password found as in 1 when the URL has none;
3. ``KZLOD_PUSH_USER``, its password found as in 1;
4. a token in ``KZLOD_TOKEN``, for bearer authentication;
5. the first ``~/.netrc`` (or ``$NETRC``) entry of the host, with its own password.

The environment (3, 4 and ``KZLOD_PASSWORD``) is ``kzlod push``'s only: a query to an
endpoint never sends it. A ``default`` netrc entry is never used, and a user name without a
password anywhere is a usage error. :func:`environment` is the one place these variables
are read.
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from kzlod import settings
from kzlod.errors import UsageError
from kzlod.text import one_line

#: The largest netrc file read.
MAX_NETRC_BYTES = 1 << 20
SCHEMES = ("basic", "digest", "bearer")
#: How a read-only endpoint is authenticated: as its first 401 asks (digest, else basic).
AUTO = "auto"


# --- text that can be printed -----------------------------------------------------------------

def printable(text: str, limit: int = 200) -> str:
    """Text from a server, for a one-line message: control characters escaped, cut at ``limit``."""
    text = one_line(text.strip())
    return text if len(text) <= limit else text[:limit] + "…"


def public_url(url: str) -> str:
    """A URL for messages: no user information, query string or fragment, control characters escaped."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(a malformed URL)"
    if ":" in host:
        host = f"[{host}]"
    if port:
        host += f":{port}"
    return printable(urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", "")), 300)


def split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """(the URL without user information, its user, its password), percent-decoded; None where absent."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    clean = urllib.parse.urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return (clean, urllib.parse.unquote(user) or None,
            urllib.parse.unquote(password) if colon else None)


def check_url(url: str, option: str) -> str:
    """An http(s) URL with a host, or a usage error naming the option (the URL shown without credentials)."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise UsageError(f"{option} must be an http(s) URL, got '{public_url(url)}'") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{option} must be an http(s) URL, got '{public_url(url)}'")
    return url


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL, the port filled in."""
    parts = urllib.parse.urlsplit(str(url))
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


# --- credentials --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Credentials:
    user: str | None = None
    password: str | None = None
    token: str | None = None

    @property
    def given(self) -> bool:
        return bool(self.user or self.token)

    def secrets(self) -> list[str]:
        """The password and token, and the forms they take in a URL and a Basic header."""
        import base64

        found = [s for s in (self.password, self.token) if s]
        if self.password:
            found.append(urllib.parse.quote(self.password, safe=""))
            found.append(base64.b64encode(f"{self.user or ''}:{self.password}".encode()).decode())
        return found


def environment() -> dict[str, str | None]:
    """The settings kzlod's HTTP client reads (:mod:`kzlod.settings`; the one place it reads them):
    ``KZLOD_PUSH_USER``, ``KZLOD_PASSWORD``, ``KZLOD_TOKEN``, ``NETRC``; unset is None."""
    found = {key: settings.get(name) for key, name in
             {"user": "push_user", "password": "password", "token": "token", "netrc": "netrc"}.items()}
    found["netrc"] = str(found["netrc"]) if found["netrc"] else None
    found["home"] = os.path.expanduser("~")
    return found


def netrc_entries(path: Path) -> list[dict]:
    """The ``machine`` entries of a netrc file ({"machine", "login", "password"}), in order.

    Tokens are separated by white space; a token may be quoted ("…", with backslash escapes);
    ``#`` starts a comment; ``macdef`` bodies and the ``default`` entry are skipped. A file that is
    missing, not a regular file or bigger than :data:`MAX_NETRC_BYTES` has no entries.
    """
    try:
        if not path.is_file() or path.stat().st_size > MAX_NETRC_BYTES:
            return []
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    tokens = iter(_netrc_tokens(text))
    entries: list[dict] = []
    current = None
    for token in tokens:
        if token == "machine":
            current = {"machine": next(tokens, "").lower(), "login": None, "password": None}
            entries.append(current)
        elif token == "default":
            current = None
        elif token in ("login", "password", "account"):
            value = next(tokens, None)
            if current is not None and token != "account":
                current[token] = value
        elif token.startswith("\0macdef"):
            current = None
    return entries


def _netrc_tokens(text: str):
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
        elif text[i] == "#":
            i = text.find("\n", i) if "\n" in text[i:] else n
        elif text[i] == '"':
            out, i = [], i + 1
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                out.append(text[i])
                i += 1
            i += 1
            yield "".join(out)
        else:
            j = i
            while j < n and not text[j].isspace():
                j += 1
            token = text[i:j]
            i = j
            if token == "macdef":
                end = text.find("\n\n", i)
                i = n if end < 0 else end + 2
                yield "\0macdef"
            else:
                yield token


def netrc_lookup(host: str, login: str | None = None, *, env: dict | None = None) -> tuple[str, str | None] | None:
    """(login, password) of the netrc entry for ``host`` whose login is ``login`` (any login if None)."""
    env = env if env is not None else environment()
    path = Path(env["netrc"]) if env.get("netrc") else Path(env["home"]) / ".netrc"
    for entry in netrc_entries(path):
        if entry["machine"] == host.lower() and entry["login"] and (login is None or entry["login"] == login):
            return entry["login"], entry["password"]
    return None


def find_credentials(url: str, user: str | None = None, password: str | None = None, *,
                     use_environment: bool = True) -> Credentials:
    """The credentials for ``url`` (see the module's docstring for the order of the sources).

    A user name without a password anywhere is a usage error, which names where to put it.
    """
    env = environment()
    _, url_user, url_password = split_userinfo(url)
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    token = env["token"] if use_environment else None
    if not user:
        user = url_user or (env["user"] if use_environment else None)
    if not user and not token:
        entry = netrc_lookup(host, env=env)
        if entry:  # the host's entry: its own password
            user, password = entry
    if not user:
        return Credentials(token=token)
    if password is None and url_user == user:
        password = url_password
    if password is None and use_environment:
        password = env["password"]
    if password is None:
        entry = netrc_lookup(host, user, env=env)
        password = entry[1] if entry else None
    if password is None:
        where = "KZLOD_PASSWORD, the URL" if use_environment else "the URL"
        raise UsageError(f"no password for user '{printable(user, 60)}' at {printable(host, 100)}: give it in "
                         f"{where} or a line 'machine {printable(host, 100)} login … password …' in ~/.netrc")
    return Credentials(user=user, password=password, token=token)


def choose_scheme(credentials: Credentials, auth: str | None = None, default: str = "basic") -> str | None:
    """The authentication scheme to use: ``auth`` if given (checked against the credentials), else
    ``default`` for a user name, else "bearer" for a token, else None."""
    if auth is not None and auth not in SCHEMES:
        raise UsageError(f"--auth {printable(auth, 40)}: use {', '.join(SCHEMES)}")
    if auth == "bearer":
        if not credentials.token:
            raise UsageError("--auth bearer needs a token in KZLOD_TOKEN")
        return auth
    if auth:
        if not credentials.user:
            raise UsageError(f"--auth {auth} needs a user name (--user NAME, the URL or ~/.netrc)")
        return auth
    if credentials.user:
        return default
    return "bearer" if credentials.token else None
