"""kzlod's version and its build: one place, read by the package, the caches' keys and the build.

:func:`build` is what a cache entry (:func:`kzlod.files.cache.content_key`) and a kept answer
(:mod:`kzlod.cli.replay`) name as their maker: the version and a fingerprint of the package's code,
so an entry made by other code, an edited module in a checkout as much as another release, is never
read; :func:`package_version` gives the libraries' versions they name beside it. The standard library
only: the replay of an answer imports this module before anything else.
"""

import functools
import hashlib
import os

__version__ = "0.1.0"

#: Folders the fingerprint leaves out: the bundled project (its files are inputs, hashed by their
#: bytes where they are read) and compiled bytecode (it follows its source).
NOT_CODE = frozenset({"_bundled", "__pycache__"})


@functools.cache
def build() -> str:
    """The version and the fingerprint of this package's code, e.g. ``0.1.0+3f2a…``."""
    return f"{__version__}+{fingerprint(os.path.dirname(os.path.abspath(__file__)))}"


def fingerprint(root: str) -> str:
    """A digest of every file under ``root`` (but :data:`NOT_CODE`) by its path, size and modification
    time: an edit, a new or removed module, a reinstall give another. Reading the files' bytes would
    cost milliseconds on every run; their ``stat`` costs a fraction of one."""
    h = hashlib.sha256()
    _walk(root, "", h)
    return h.hexdigest()[:16]


def _walk(folder: str, rel: str, h) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return  # gone meanwhile: what is there is the code
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in NOT_CODE:
                _walk(entry.path, f"{rel}{entry.name}/", h)
            continue
        try:
            st = entry.stat()
        except OSError:
            continue
        h.update(f"{rel}{entry.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))


@functools.cache
def package_version(name: str) -> str:
    """An installed distribution's version ("-" when it is not installed), without importing it.

    Read from the name of its ``<name>-<version>.dist-info`` folder beside the package, which
    costs a file listing; :mod:`importlib.metadata` (tens of milliseconds at start-up) only where
    that folder is not found once."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin:
        where = os.path.dirname(os.path.dirname(spec.origin))
        try:
            found = [n[: -len(".dist-info")] for n in os.listdir(where) if n.endswith(".dist-info")]
        except OSError:
            found = []
        found = [n.split("-")[1] for n in found if n.count("-") == 1 and _dist(n.split("-")[0]) == _dist(name)]
        if len(found) == 1:
            return found[0]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def _dist(name: str) -> str:
    """A distribution's name as its dist-info folder writes it (PEP 503 normalised, with underscores)."""
    name = name.lower().replace("-", "_").replace(".", "_")
    while "__" in name:
        name = name.replace("__", "_")
    return name
