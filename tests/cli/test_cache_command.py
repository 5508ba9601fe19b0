"""``kzlod cache info`` and ``kzlod cache clear``, with their exact output."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kzlod.cli import cli
from kzlod.files import cache


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, prog_name="kzlod")


def fill(folder):
    cache.put_bytes("closure", "a" * 64, b"x" * 1500)
    cache.put_bytes("closure", "b" * 64, b"x" * 2_000_000)
    cache.put_bytes("search", "c" * 64, b"x" * 700)
    (folder / f"report-{'d' * 64}.json").write_bytes(b"x" * 10)  # left by an earlier kzlod


def test_info_shows_the_folder_the_entries_by_kind_and_their_size(cold_cache):
    fill(cold_cache)
    res = run("cache", "info")
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.stdout == (
        f"cache: {cold_cache}\n"
        "4 entries, 1.9 MB (limit 512 MB: KZLOD_CACHE_MAX_MB)\n"
        "  closure  2 entries        1.9 MB\n"
        "  graph    0 entries       0 bytes\n"
        "  report   0 entries       0 bytes\n"
        "  search   1 entry       700 bytes\n"
        "  gate     0 entries       0 bytes\n"
        "  stats    0 entries       0 bytes\n"
        "  answer   0 entries       0 bytes\n"
        "  old      1 entry        10 bytes (left by an earlier kzlod, never read)\n")
    assert run("cache").stdout == res.stdout  # no command: info


def test_info_as_json(cold_cache):
    fill(cold_cache)
    res = run("cache", "info", "--format", "json", env={"KZLOD_CACHE_MAX_MB": "3"})
    assert json.loads(res.stdout) == {
        "folder": str(cold_cache), "entries": 4, "bytes": 2_002_210, "limit": 3 << 20,
        "kinds": {"closure": {"entries": 2, "bytes": 2_001_500}, "graph": {"entries": 0, "bytes": 0},
                  "report": {"entries": 0, "bytes": 0},
                  "search": {"entries": 1, "bytes": 700}, "gate": {"entries": 0, "bytes": 0},
                  "stats": {"entries": 0, "bytes": 0},
                  "answer": {"entries": 0, "bytes": 0},
                  "old": {"entries": 1, "bytes": 10}}}


def test_clear_empties_the_cache_and_nothing_else(cold_cache):
    fill(cold_cache)
    (cold_cache / "notes.txt").write_text("mine")
    res = run("cache", "clear")
    assert (res.exit_code, res.stdout, res.stderr) == (0, f"removed 4 entries (1.9 MB) from {cold_cache}\n", "")
    assert [p.name for p in cold_cache.rglob("*") if p.is_file()] == ["notes.txt"]
    assert run("cache", "info").stdout == (
        f"cache: {cold_cache}\n"
        "0 entries, 0 bytes (limit 512 MB: KZLOD_CACHE_MAX_MB)\n"
        "  closure  0 entries       0 bytes\n"
        "  graph    0 entries       0 bytes\n"
        "  report   0 entries       0 bytes\n"
        "  search   0 entries       0 bytes\n"
        "  gate     0 entries       0 bytes\n"
        "  stats    0 entries       0 bytes\n"
        "  answer   0 entries       0 bytes\n")
    assert run("cache", "clear").stdout == f"removed 0 entries (0 bytes) from {cold_cache}\n"


def test_a_cache_folder_not_made_yet_is_an_empty_cache(tmp_path):
    folder = tmp_path / "never-made"
    res = run("cache", "info", "--format", "json", env={"KZLOD_CACHE_DIR": str(folder)})
    assert (res.exit_code, json.loads(res.stdout)["entries"]) == (0, 0)
    assert not folder.exists()


def test_what_a_command_computes_shows_in_info_and_goes_with_clear(cold_cache):
    assert run("-q", "search", "Karabakh", "--limit", "1").exit_code == 0
    assert run("-q", "reason", "--format", "nt").exit_code == 0
    info = json.loads(run("cache", "info", "--format", "json").stdout)
    from kzlod.project import resolve

    here = resolve()  # the gate's verdict on each of the project's own files (none for the bundled graph)
    gated = 0 if here.bundled else len(here.ontology_files() + here.shapes_files() + here.data_files())
    assert {k: v["entries"] for k, v in info["kinds"].items()} == {"closure": 1, "graph": 0, "report": 0,
                                                                   "search": 1, "gate": gated,
                                                                   "stats": 0, "answer": 0}
    assert run("cache", "clear").stdout.startswith(f"removed {2 + gated} entries (")
    assert json.loads(run("cache", "info", "--format", "json").stdout)["entries"] == 0
