"""The cache (kzlod.files.cache): one folder, one content key, atomic entries, a size limit kept by
removing the entries used longest ago."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kzlod import version
from kzlod.files import cache
from kzlod.project import bundled
from kzlod.reasoning.closure import cached_closure
from kzlod.reasoning.engines import Closure
from kzlod.validation import shacl

FORK = multiprocessing.get_context("fork")
KB = 1024


def key(n: int) -> str:
    return f"{n:064x}"


def age(path: Path, seconds: float) -> None:
    """Make a file look used ``seconds`` ago."""
    then = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(then, then))


def names(found) -> list[str]:
    return [f"{e.kind}/{e.path.name}" for e in found]


# --- in and out -------------------------------------------------------------------------------

def test_an_entry_goes_in_whole_and_comes_out_the_same(cold_cache):
    assert cache.get("report", key(1)) is None and cache.read("report", key(1)) is None
    path = cache.put_bytes("report", key(1), b'{"x": 1}')
    assert path == cold_cache / "report" / f"{key(1)}.json"
    assert cache.read("report", key(1)) == b'{"x": 1}'
    assert cache.put("closure", key(2), lambda tmp: tmp.write_text("<a> <b> <c> .\n")) == \
        cold_cache / "closure" / f"{key(2)}.nt"
    assert sorted(p.relative_to(cold_cache).as_posix() for p in cold_cache.rglob("*") if p.is_file()) == \
        [f"closure/{key(2)}.nt", f"report/{key(1)}.json"]


def test_an_entry_replaced_is_read_whole_and_no_temporary_file_stays(cold_cache):
    cache.put_bytes("search", key(3), b"first")
    cache.put_bytes("search", key(3), b"second, longer")
    assert cache.read("search", key(3)) == b"second, longer"
    assert [p.name for p in (cold_cache / "search").iterdir()] == [f"{key(3)}.sqlite"]


def test_a_failed_fill_leaves_nothing_and_the_old_entry_stays(cold_cache):
    cache.put_bytes("report", key(4), b"old")

    def fail(tmp):
        tmp.write_bytes(b"half of it")
        raise RuntimeError("the build failed")

    with pytest.raises(RuntimeError):
        cache.put("report", key(4), fail)
    assert cache.read("report", key(4)) == b"old"
    assert [p.name for p in (cold_cache / "report").iterdir()] == [f"{key(4)}.json"]


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("KZLOD_CACHE_DIR", str(blocked))
    assert cache.put_bytes("report", key(5), b"x") is None
    assert cache.read("report", key(5)) is None


def test_unknown_kinds_and_malformed_keys_are_refused(cold_cache):
    for kind, k in (("nope", key(1)), ("report", "../../etc/passwd"), ("report", "ABC")):
        with pytest.raises(ValueError):
            cache.path_of(kind, k)


def test_the_folder_is_the_setting_read_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("KZLOD_CACHE_DIR", str(tmp_path / "one"))
    assert cache.folder() == tmp_path / "one"
    monkeypatch.delenv("KZLOD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.folder() == tmp_path / "xdg" / "kzlod"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.folder() == tmp_path / "home" / ".cache" / "kzlod"


# --- damaged entries --------------------------------------------------------------------------

@pytest.mark.parametrize("damage", [b"", b"# kzlod closure {not json\n", b"<a> <b> <c> .\n",
                                    b'# kzlod closure {"dropped": 0, "trivial": 0, "clashes": []}\n<a> <b',
                                    b'# kzlod closure {"dropped": "x", "trivial": 0, "clashes": []}\n'])
def test_a_damaged_closure_entry_is_built_again(cold_cache, damage):
    triples = [ox.Triple(ox.NamedNode("http://e.org/a"), ox.NamedNode("http://e.org/p"), ox.BlankNode("b1")),
               ox.Triple(ox.NamedNode("http://e.org/a"), ox.NamedNode("http://e.org/q"), ox.Literal("x\ny"))]
    builds = []

    def build():
        builds.append(1)
        return Closure(inferred=list(triples), clashes=["a clash, with\na newline"], dropped=1, trivial=2)

    k = key(7)
    assert not cached_closure(k, build).cached
    kept = cached_closure(k, build)
    assert kept.cached and len(builds) == 1
    assert (sorted(map(str, kept.inferred)), kept.clashes, kept.dropped, kept.trivial) == \
        (sorted(map(str, triples)), ["a clash, with\na newline"], 1, 2)
    (cold_cache / "closure" / f"{k}.nt").write_bytes(damage)
    again = cached_closure(k, build)
    assert not again.cached and len(builds) == 2
    assert cached_closure(k, build).cached and len(builds) == 2  # and written anew


@pytest.mark.parametrize("damage", [b"", b"[]", b'{"files": []}'])
def test_a_damaged_report_entry_is_built_again(cold_cache, damage):
    first = shacl.validate(bundled(), reason=False)
    [entry] = (cold_cache / "report").iterdir()
    entry.write_bytes(damage)
    again = shacl.validate(bundled(), reason=False)
    assert not again.cached and [f.as_dict() for f in again.findings] == [f.as_dict() for f in first.findings]
    assert shacl.validate(bundled(), reason=False).cached


# --- the key ----------------------------------------------------------------------------------

def test_the_key_follows_the_content_not_the_name(tmp_path):
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text("same")
    b.write_text("same")
    assert cache.content_key("closure", [a]) == cache.content_key("closure", [b])
    assert cache.content_key("closure", [a]) != cache.content_key("report", [a])
    assert cache.content_key("closure", [a], versions="x 1") != cache.content_key("closure", [a], versions="x 2")
    assert cache.content_key("closure", [a, b]) != cache.content_key("closure", [a])
    b.write_text("other")
    assert cache.content_key("closure", [a]) != cache.content_key("closure", [b])
    assert cache.content_key("closure", ["same"]) != cache.content_key("closure", [b"same"])
    with pytest.raises(TypeError):
        cache.content_key("closure", [1])


def test_an_entry_made_by_other_code_of_kzlod_is_a_miss(tmp_path, monkeypatch):
    """Regression: the key held kzlod's version only, so a closure or report made before a module of a
    checkout was edited (or by another build of the same version) was read as if this code made it."""
    data = tmp_path / "a.ttl"
    data.write_text("same")
    before = cache.content_key("report", [data])
    monkeypatch.setattr(cache, "build", lambda: version.__version__ + "+another")
    assert cache.content_key("report", [data]) != before


def test_the_code_fingerprint_follows_the_code_and_nothing_else(tmp_path):
    package = tmp_path / "kzlod"
    for name, text in {"a.py": "A = 1\n", "sub/b.py": "B = 2\n", "web/page.html": "<p>\n",
                       "__pycache__/a.cpython-311.pyc": "x", "_bundled/data/x.ttl": "<a:b> <a:c> <a:d> .\n"}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    first = version.fingerprint(str(package))
    assert version.fingerprint(str(package)) == first
    (package / "__pycache__" / "a.cpython-311.pyc").write_text("compiled again")
    (package / "_bundled" / "data" / "x.ttl").write_text("<a:b> <a:c> <a:e> .\n")  # an input, keyed by its bytes
    assert version.fingerprint(str(package)) == first
    seen = {first}
    for change in (lambda: (package / "sub" / "b.py").write_text("B = 3\n# edited\n"),
                   lambda: (package / "web" / "page.html").write_text("<p>edited\n"),
                   lambda: (package / "new.py").write_text(""),
                   lambda: (package / "a.py").unlink()):
        change()
        now = version.fingerprint(str(package))
        assert now not in seen
        seen.add(now)
    assert version.build() == f"{version.__version__}+{version.fingerprint(os.path.dirname(version.__file__))}"


def test_a_file_is_hashed_once_while_it_is_unchanged(tmp_path, monkeypatch):
    path = tmp_path / "data.ttl"
    path.write_text("one")
    age(path, 10)
    opened = []
    real_open = open

    def counting_open(name, *args, **kwargs):
        opened.append(str(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    first = cache.file_digest(path)
    assert cache.file_digest(path) == first and opened.count(str(path)) == 1
    path.write_text("two")  # changed now: hashed again, and again while the change is this recent
    age(path, 0)
    second = cache.file_digest(path)
    assert second != first and cache.file_digest(path) == second and opened.count(str(path)) == 3


def test_a_file_changed_within_one_clock_tick_is_not_taken_for_unchanged(tmp_path):
    """Regression guard: the same size, inode and time stamp can hide a second write in the same tick;
    a file changed in the last seconds is hashed every time."""
    path = tmp_path / "data.ttl"
    path.write_text("aaaa")
    st = path.stat()
    first = cache.file_digest(path)
    path.write_text("bbbb")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cache.file_digest(path) != first


# --- trimming ---------------------------------------------------------------------------------

def test_entries_used_longest_ago_go_first(cold_cache):
    for n in range(1, 5):
        age(cache.put_bytes("report", key(n), b"x" * 100 * KB), 100 - n)  # 1 oldest … 4 newest
    assert cache.get("report", key(1))  # used now (not read: the cache's own record): the newest
    removed = cache.trim(250 * KB)
    assert names(removed) == [f"report/{key(2)}.json", f"report/{key(3)}.json"]
    assert names(cache.entries()) == [f"report/{key(4)}.json", f"report/{key(1)}.json"]


def test_a_put_keeps_the_cache_under_its_limit_and_keeps_the_new_entry(cold_cache, monkeypatch):
    monkeypatch.setenv("KZLOD_CACHE_MAX_MB", "1")
    for n in range(1, 4):
        age(cache.put_bytes("closure", key(n), b"x" * 400 * KB), 100 - n)
    assert names(cache.entries()) == [f"closure/{key(2)}.nt", f"closure/{key(3)}.nt"]
    big = cache.put_bytes("search", key(9), b"x" * 1200 * KB)  # alone over the limit: kept, all else goes
    assert names(cache.entries()) == [f"search/{key(9)}.sqlite"] and big.is_file()
    monkeypatch.setenv("KZLOD_CACHE_MAX_MB", "0")
    cache.put_bytes("report", key(10), b"{}")
    assert names(cache.entries()) == [f"report/{key(10)}.json"]


def test_the_default_limit_is_512_mb(cold_cache):
    assert cache.info().limit == 512 << 20


def test_files_an_earlier_kzlod_left_go_first_and_with_clear(cold_cache):
    cold_cache.mkdir()
    old = [cold_cache / f"closure-{key(1)}.nt", cold_cache / f"closure-{key(1)}.meta",
           cold_cache / f"search-{key(2)}.sqlite"]
    for path in old:
        path.write_bytes(b"x" * 100 * KB)
    mine = cold_cache / "notes.txt"
    mine.write_text("not the cache's")
    age(cache.put_bytes("report", key(3), b"x" * 100 * KB), 1000)  # used long before the old files
    assert cache.info().kinds["old"] == [3, 300 * KB]
    assert sorted(names(cache.trim(150 * KB))) == sorted(f"old/{p.name}" for p in old)
    for path in old:
        path.write_bytes(b"x")
    assert cache.clear().entries == 4
    assert [p.name for p in cold_cache.rglob("*") if p.is_file()] == ["notes.txt"]


def test_temporary_files_a_crash_left_are_removed_when_stale(cold_cache):
    cache.put_bytes("report", key(1), b"{}")
    stale = cold_cache / "report" / f".{key(2)}.json.0123456789ab.kzlod-tmp"
    fresh = cold_cache / "report" / f".{key(3)}.json.ba9876543210.kzlod-tmp"
    for path in (stale, fresh):
        path.write_bytes(b"half")
    age(stale, cache.STALE_TEMP + 60)
    cache.trim()
    assert not stale.exists() and fresh.exists()
    assert cache.info().entries == 1  # a temporary file is no entry
    cache.clear()
    assert not fresh.exists()


# --- two processes at once -----------------------------------------------------------------------

def _writer(n: int, rounds: int) -> None:
    payload = bytes([n]) * (256 * KB + n)
    for _ in range(rounds):
        cache.put_bytes("closure", key(1), payload)
        cache.put_bytes("report", key(100 + n), payload)


def test_concurrent_writers_and_readers_see_whole_entries(cold_cache):
    payloads = {bytes([n]) * (256 * KB + n) for n in range(1, 5)}
    writers = [FORK.Process(target=_writer, args=(n, 30)) for n in range(1, 5)]
    for w in writers:
        w.start()
    seen = 0
    while any(w.is_alive() for w in writers):
        data = cache.read("closure", key(1))
        if data is not None:
            assert data in payloads, f"a partial entry of {len(data)} bytes was read"
            seen += 1
    for w in writers:
        w.join()
        assert w.exitcode == 0
    last = cache.read("closure", key(1))
    assert seen > 0 and last in payloads
    assert cache.info().kinds == {"closure": [1, len(last)], "graph": [0, 0], "report": [4, sum(map(len, payloads))],
                                  "search": [0, 0], "gate": [0, 0], "stats": [0, 0],
                                  "answer": [0, 0]}
    assert not [p for p in cold_cache.rglob(".*") if p.is_file()], "no temporary file is left"


@pytest.mark.parametrize("name", ["pyshacl", "pyoxigraph", "rdflib", "owlrl", "click", "not-installed-here"])
def test_package_version_is_the_installed_metadatas(name):
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        expected = installed(name)
    except PackageNotFoundError:
        expected = "-"
    assert version.package_version(name) == expected


def test_a_cache_key_does_not_import_importlib_metadata():
    """Regression: the key of a cached report read pySHACL's version with importlib.metadata, a
    tenth of a cached 'kzlod validate'."""
    import subprocess
    import sys

    code = ("import sys\nfrom kzlod.files import cache\nfrom kzlod.version import package_version\n"
            "cache.content_key('report', [], versions=package_version('pyshacl'))\n"
            "print('importlib.metadata' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stdout.strip() == "False", res.stderr
