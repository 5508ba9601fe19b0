"""How a route gets its answer: from the workers (or the answers kept), with the graph's version.

Every answer a worker makes carries the version of the graph that made it, as
``KZLOD-Graph-Version`` and in its ``ETag`` (the version and a hash of the task, which names all
the answer depends on besides the graph: the query, its dataset, the format chosen from Accept; and
of kzlod's build, :func:`kzlod.version.build`, so a page an older kzlod made is never taken for
current after an upgrade).
A ``GET`` whose ``If-None-Match`` names the ETag of the graph served now is answered
``304 Not Modified`` without asking a worker. Answers of other routes (static files, the query
page) get the version served when they were made (:class:`~kzlod.web.middleware.SecurityHeaders`).
"""

from __future__ import annotations

import hashlib

from kzlod.version import build
from kzlod.web.replies import VERSION_HEADER, Reply


def etag(version: str, task: tuple) -> str:
    """The entity tag of the answer to ``task`` from the graph of ``version`` by this build of kzlod (a
    strong tag, quoted)."""
    made = hashlib.sha256(repr((build(), task)).encode("utf-8")).hexdigest()[:16]
    return f'"{version[:20]}-{made}"'


def matches(header: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``tag`` (or is ``*``); weak tags compare weakly."""
    if not header:
        return False
    for item in header.split(","):
        item = item.strip()
        if item == "*" or item.removeprefix("W/") == tag:
            return True
    return False


def not_modified(tag: str, version: str, headers: dict | None = None) -> Reply:
    return Reply(status=304, headers=((VERSION_HEADER, version), ("ETag", tag), *(headers or {}).items()))


async def answer(request, task: tuple, *, timeout: float | None = None, headers: dict | None = None):
    """The response to ``request``: the worker's answer to ``task`` with the version and ETag, or 304."""
    pool = request.app.state.pool
    version, tag = pool.version, None
    if request.method in ("GET", "HEAD"):
        tag = etag(version, task)
        if matches(request.headers.get("if-none-match"), tag):
            return not_modified(tag, version, headers).response()
    reply, answered = await pool.aanswer(task, timeout)
    extra = {VERSION_HEADER: answered, **(headers or {})}
    if reply.status == 200:
        extra["ETag"] = tag if tag is not None and answered == version else etag(answered, task)
    return reply.with_headers(extra).response()
