"""A release's files by size and SHA-256, its dumps gzipped, and ``SHA256SUMS``."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from kzlod import settings


def gzip_file(path: Path) -> Path:
    """``path``.gz with no file name and mtime 0 (equal input and level, equal bytes), compressed in chunks
    at the level ``KZLOD_GZIP_LEVEL`` says."""
    target = path.with_name(path.name + ".gz")
    level = int(settings.get("gzip_level"))
    with open(path, "rb") as src, open(target, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=level) as gz:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                gz.write(chunk)
    return target


def sha256sums(digests: dict[str, str]) -> str:
    """``SHA256SUMS`` text (the format ``sha256sum -c`` reads) from {path: hex digest}, sorted by path."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(digests.items()))


def digest_file(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in chunks (hashlib lets other threads run meanwhile)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return path.stat().st_size, h.hexdigest()


def digest_and_gzip(folder: Path, target: Path) -> dict:
    """{relative path: (size, sha256)} of a dump and of its gzip, which this writes."""
    return {path.relative_to(folder).as_posix(): digest_file(path) for path in (target, gzip_file(target))}


class Downloads:
    """The dumps' descriptions for the index and VoID, made when first read: by then the dumps'
    gzips (compressed on a thread of their own while the pages are made) are written and hashed."""

    def __init__(self, make):
        self._make, self._list = make, None

    def __iter__(self):
        if self._list is None:
            self._list = self._make()
        return iter(self._list)
