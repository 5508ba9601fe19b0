"""The cache (``kzlod cache``): what it holds, and emptying it (see :mod:`kzlod.files.cache`)."""

from __future__ import annotations

from kzlod.files import cache
from kzlod.files.cache import CacheInfo

__all__ = ["cache_info", "cache_clear", "CacheInfo"]


def cache_info() -> CacheInfo:
    """What the cache holds: its folder, its entries by kind with their sizes, and the size it is
    kept to (``KZLOD_CACHE_MAX_MB``)."""
    return cache.info()


def cache_clear() -> CacheInfo:
    """Remove every entry of the cache (nothing else in its folder); returns what was removed."""
    return cache.clear()
