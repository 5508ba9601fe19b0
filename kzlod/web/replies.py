"""What ``kzlod serve`` answers: one reply type, and the one reply for every error.

A :class:`Reply` is plain data (a worker process makes it and sends it through a pipe); its
:meth:`~Reply.response` is the Starlette response, with the security headers every answer
carries and the policy of the page it is. An error is a :class:`~kzlod.errors.KzlodError`
raised anywhere in a route: the application's exception handler (:func:`on_error`) answers it
with :func:`error_reply`, the status :func:`status_of` gives for its class, and its message in
plain text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from kzlod.errors import EXIT_USAGE, KzlodError, QueryError
from kzlod.web.protocol import HttpError
from kzlod.web.shell import SERVED_PAGE_CSP

#: The policy of every response: only this origin's scripts, styles and fetches; no inline code.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
#: The header every answer carries: the version of the graph that made it (:mod:`kzlod.web.answers`).
VERSION_HEADER = "KZLOD-Graph-Version"
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
#: The start of a query error's message that says the query was refused, not that it failed.
REFUSED = ("bad SPARQL", "query too", "updates are refused", "SERVICE is refused", "cannot bind")


@dataclass(frozen=True)
class Reply:
    """An answer: its body, media type (None: no body to type), status, policy and further headers."""

    body: bytes = b""
    media_type: str | None = None
    status: int = 200
    csp: str = CSP
    headers: tuple[tuple[str, str], ...] = ()
    location: str | None = None  # a redirect's target

    def with_headers(self, headers: dict[str, str]) -> Reply:
        return replace(self, headers=self.headers + tuple(headers.items()))

    def response(self):
        """The Starlette response, with :data:`SECURITY_HEADERS` (the policy this reply's own)."""
        from starlette.responses import RedirectResponse, Response

        headers = {**SECURITY_HEADERS, "content-security-policy": self.csp, **dict(self.headers)}
        if self.location is not None:
            return RedirectResponse(self.location, status_code=self.status, headers=headers)
        return Response(self.body, status_code=self.status, media_type=self.media_type, headers=headers)


def page(text: str, status: int = 200, csp: str = SERVED_PAGE_CSP) -> Reply:
    """An HTML page (by default under the policy of a page without a script)."""
    return Reply(text.encode("utf-8"), HTML, status, csp)


def text(message: str, status: int = 200, headers: dict | None = None) -> Reply:
    return Reply(message.encode("utf-8"), TEXT, status, headers=tuple((headers or {}).items()))


def data(value, headers: dict | None = None) -> Reply:
    """JSON, as Starlette writes it (UTF-8, compact)."""
    body = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    return Reply(body, "application/json", headers=tuple((headers or {}).items()))


def redirect(url: str) -> Reply:
    """303 See Other to ``url``."""
    return Reply(status=303, location=url)


def status_of(exc: KzlodError) -> int:
    """The HTTP status of an error: its own (:class:`HttpError`); 400 for a refused query or bad usage; else 500."""
    if isinstance(exc, HttpError):
        return exc.status
    if isinstance(exc, QueryError):
        return 400 if exc.message.startswith(REFUSED) else 500
    return 400 if exc.exit_code == EXIT_USAGE else 500


def error_reply(exc: KzlodError) -> Reply:
    """One line saying what is wrong; then, for a bad query, its line with a caret under the place."""
    lines = [line.replace("\r", " ").replace("\n", " ") for line in [exc.message, *exc.details]]
    return text("\n".join(lines) + "\n", status_of(exc), exc.headers if isinstance(exc, HttpError) else None)


async def on_error(request, exc: KzlodError):
    """The application's handler of every :class:`~kzlod.errors.KzlodError` a route raises."""
    return error_reply(exc).response()
