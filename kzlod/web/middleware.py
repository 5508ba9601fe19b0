"""What every request meets before a route: the security headers, the limit of requests in flight,
and time limits on a request's head and body.

* :class:`SecurityHeaders` — ASGI middleware: :data:`~kzlod.web.replies.SECURITY_HEADERS` on every
  response a route did not make with them (Starlette's own 404s and 405s, CORS preflights, 500s),
  and ``KZLOD-Graph-Version`` where a route did not set it;
* :class:`InFlightLimit` — ASGI middleware: at most so many requests answered at once, 503 past it;
* :func:`head_timeout_protocol` — uvicorn's httptools protocol with a time and a size limit on a
  request's line and headers (uvicorn has neither);
* :func:`read_body` — a request's body, with a size limit and a time limit.

See docs/performance.md, "Limits of one query and of the server".
"""

from __future__ import annotations

import asyncio

from kzlod.web import replies
from kzlod.web.protocol import HttpError

#: The graph's version on every response (a worker's answer carries the version that made it).
VERSION_KEY = replies.VERSION_HEADER.lower()


class SecurityHeaders:
    """ASGI middleware: the security headers on every response, and the version of the graph served."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        pool = getattr(getattr(scope.get("app"), "state", None), "pool", None)
        version = getattr(pool, "version", "")  # the graph served as the request came in

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode("latin-1").lower() for k, _ in headers}
                headers += [(k.encode(), v.encode()) for k, v in replies.SECURITY_HEADERS.items() if k not in present]
                if VERSION_KEY not in present and version:
                    headers.append((VERSION_KEY.encode(), version.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class InFlightLimit:
    """ASGI middleware: at most ``limit`` requests answered at once; past it, 503 with Retry-After.

    It counts requests whose line and headers have arrived, as uvicorn's ``limit_concurrency`` counts
    its tasks, but not open connections, which uvicorn counts too: there, 256 connections that send
    half a request and stall made every other client get 503 (their heads are :func:`head_timeout_protocol`'s
    to time out)."""

    def __init__(self, app, limit: int):
        self.app, self.limit, self.count = app, limit, 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.count >= self.limit:
            busy = replies.text(f"server busy: {self.limit} requests in flight; try again\n", 503, {"Retry-After": "5"})
            return await busy.response()(scope, receive, send)
        self.count += 1  # one event loop: no lock needed
        try:
            await self.app(scope, receive, send)
        finally:
            self.count -= 1


def head_timeout_protocol(header_timeout: float, max_head: int):
    """uvicorn's httptools protocol plus a time limit and a size limit on each request's line and headers.

    uvicorn (0.55) has neither: its keep-alive timer stops at a connection's first byte, so a client that
    sends half a request line and stalls holds its connection open for ever (uvicorn issue #157 listed
    a "--timeout-request-start"; it was never added), and llhttp takes headers of any length, which
    uvicorn gathers. Here a connection gets ``header_timeout`` seconds from its opening, or from the
    first byte of each later request on it, until the request's head is complete; then it is answered
    408 and closed. A head past ``max_head`` bytes is answered 431 and closed (414 while still in the
    request line). Bodies are timed by :func:`read_body`, idle keep-alive connections by uvicorn's
    ``timeout_keep_alive``. httptools (llhttp, in C) rather than h11: the server's process spends a
    fifth less processor time on a request.
    """
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HeadLimitProtocol(HttpToolsProtocol):
        head_timer = None
        in_head = True  # from the opening, and from the first byte of each request, until its head is complete
        head_bytes = 0  # bytes received while in a head (a chunk counts whole: a bound, not a measure)

        def connection_made(self, transport):
            super().connection_made(transport)
            self._time_head()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)  # the parser's callbacks below say where the head begins and ends
            if self.in_head and not self.transport.is_closing():
                self.head_bytes += len(data)
                if self.head_bytes > max_head:
                    if getattr(self, "headers", None):  # uvicorn's list of the headers read so far
                        self._refuse(431, "Request Header Fields Too Large",
                                     f"request line and headers over {max_head} bytes")
                    else:
                        self._refuse(414, "URI Too Long", f"request line over {max_head} bytes")
                    return
            self._time_head()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.in_head, self.head_bytes = True, 0

        def on_headers_complete(self) -> None:
            self.in_head, self.head_bytes = False, 0
            self._time_head()
            super().on_headers_complete()

        def connection_lost(self, exc):
            self._time_head(stop=True)
            super().connection_lost(exc)

        def _time_head(self, stop: bool = False) -> None:
            waiting = not stop and self.in_head and not self.transport.is_closing()
            if waiting and self.head_timer is None:
                self.head_timer = self.loop.call_later(header_timeout, self._head_timed_out)
            elif not waiting and self.head_timer is not None:
                self.head_timer.cancel()
                self.head_timer = None

        def _head_timed_out(self) -> None:
            self.head_timer = None
            if self.in_head and not self.transport.is_closing():
                self._refuse(408, "Request Timeout",
                             f"request line and headers not received within {header_timeout:g} s")

        def _unsupported_upgrade_warning(self) -> None:
            """Silent: the server speaks HTTP only (uvicorn's ``ws="none"``), so a request asking for a
            WebSocket is answered as a plain one, not logged as a fault of the server's set-up."""

        def _refuse(self, status: int, reason: str, message: str) -> None:
            text = f"{message}\n".encode()
            self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
                                 b"connection: close\r\ncontent-length: %d\r\n\r\n%s"
                                 % (status, reason.encode(), len(text), text))
            self.transport.close()
            self._time_head(stop=True)

    return HeadLimitProtocol


async def read_body(request, limit: int, timeout: float | None = None) -> bytes:
    """The request's body, refused past ``limit`` bytes (413) or when not all there within ``timeout`` s (408)."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.strip().isdigit():
            raise HttpError(400, "bad Content-Length header")
        if int(length) > limit:
            raise HttpError(413, f"request body too large: {int(length)} bytes, over the limit of {limit} bytes")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(timeout):  # a third of anyio.fail_after's cost, on every request
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise HttpError(413, f"request body too large: over the limit of {limit} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise HttpError(408, f"request body not received within {timeout:g} s") from None
    return b"".join(chunks)
