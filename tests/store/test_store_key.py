"""A disk store's key (kzlod.store.backends.store_key): what it holds, for its caches, its closure
and a server's version. The key of the files ``kzlod load`` put in it while RocksDB's files are
those it left; once another program has written to the store, a key of its files, which any write
changes.

Regression: the key was read from the hashes ``kzlod load`` recorded in ``kzlod.json`` alone, so
after another program wrote to the store (``oxigraph load``, a SPARQL update through ``oxigraph
serve``) its counts came from the cache, ``--inferred`` read the closure of what it held before,
and ``kzlod serve --store`` never saw the new triples.
"""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kzlod import api
from kzlod.cli import cli
from kzlod.project import bundled
from kzlod.store.backends import META_FILE, read_meta, store_files, store_key, store_stats

BHUTAN = ox.Quad(ox.NamedNode("https://w3id.org/kzlod/id/bhutan"),
                 ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                 ox.NamedNode("https://w3id.org/kzlod/ontology#State"),
                 ox.NamedNode("urn:example:another-program"))
ASK_AGENT = "ASK { kzd:bhutan a prov:Agent }"


def run(*args):
    return CliRunner().invoke(cli, ["-q", *args])


def write_as_another_program(path) -> None:
    """What ``oxigraph load`` does to a store: open it for writing, add, close."""
    store = ox.Store(str(path))
    store.add(BHUTAN)
    store.flush()
    del store


@pytest.fixture
def store_dir(tmp_path, cold_cache):
    path = tmp_path / "store"
    api.load_store([], f"oxigraph:{path}", project=bundled())
    return path


def test_reading_or_copying_a_store_keeps_its_key_and_the_same_files_loaded_give_the_same(store_dir, tmp_path):
    key = store_key(store_dir)
    assert read_meta(store_dir)["files"] == store_files(store_dir)
    res = run("query", "ASK { ?s ?p ?o }", "--store", f"oxigraph:{store_dir}", "--format", "csv")
    assert res.exit_code == 0 and res.stdout.splitlines()[1] == "true"
    assert store_key(store_dir) == key  # a read-only open writes nothing
    copy = tmp_path / "copy"
    shutil.copytree(store_dir, copy)
    assert store_key(copy) == key
    again = tmp_path / "again"
    api.load_store([], f"oxigraph:{again}", project=bundled())
    assert store_key(again) == key


def test_a_write_by_another_program_gives_the_store_another_key_and_its_counts_follow(store_dir):
    before = store_stats(ox.Store.read_only(str(store_dir)), store_dir)
    key = store_key(store_dir)
    write_as_another_program(store_dir)
    assert store_key(store_dir) != key
    after = store_stats(ox.Store.read_only(str(store_dir)), store_dir)
    assert after["quads"] == before["quads"] + 1


def test_after_another_programs_write_the_closure_is_out_of_date_until_reasoned_again(store_dir):
    spec = f"oxigraph:{store_dir}"
    assert run("reason", "--store", spec, "--engine", "reasonable").exit_code == 0
    res = run("query", ASK_AGENT, "--store", spec, "--inferred", "--format", "csv")
    assert (res.exit_code, res.stdout.splitlines()[1]) == (0, "false")
    write_as_another_program(store_dir)
    res = run("query", ASK_AGENT, "--store", spec, "--inferred", "--format", "csv")
    assert res.exit_code == 2
    assert f"the inferred triples are out of date; run 'kzlod reason --store {spec}' again" in res.stderr
    res = CliRunner().invoke(cli, ["reason", "--store", spec, "--engine", "reasonable"])
    assert res.exit_code == 0 and "cached" not in res.output and "inferred triples" in res.output
    res = run("query", ASK_AGENT, "--store", spec, "--inferred", "--format", "csv")
    assert (res.exit_code, res.stdout.splitlines()[1]) == (0, "true")
    assert "cached" in CliRunner().invoke(cli, ["reason", "--store", spec]).output  # and now current


def test_a_load_into_a_store_another_program_wrote_to_does_not_name_it_by_the_files_loaded(store_dir, tmp_path):
    """Its key stays a key of its files: it holds more than the files recorded say, and shares no cached
    counts or closure with a store that holds only them."""
    extra = tmp_path / "mongolia.ttl"
    extra.write_text("@prefix kz: <https://w3id.org/kzlod/ontology#> .\n@prefix kzd: <https://w3id.org/kzlod/id/> .\n"
                     "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                     'kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en .\n', encoding="utf-8")
    clean = tmp_path / "clean"
    api.load_store([extra], f"oxigraph:{clean}", project=bundled())
    write_as_another_program(store_dir)
    api.load_store([extra], f"oxigraph:{store_dir}", project=bundled())
    assert read_meta(store_dir)["unknown_content"] is True
    assert store_key(store_dir) != store_key(clean)
    assert store_stats(ox.Store.read_only(str(store_dir)), store_dir)["quads"] == \
        store_stats(ox.Store.read_only(str(clean)), clean)["quads"] + 1


def test_a_store_kzlod_did_not_load_has_a_key_that_follows_its_files(tmp_path, cold_cache):
    path = tmp_path / "plain"
    store = ox.Store(str(path))
    store.add(ox.Quad(BHUTAN.subject, BHUTAN.predicate, BHUTAN.object))
    store.flush()
    del store
    assert not (path / META_FILE).exists()
    key = store_key(path)
    assert key is not None and store_key(path) == key
    write_as_another_program(path)
    assert store_key(path) != key


def test_a_store_folder_that_cannot_be_listed_has_no_key(tmp_path):
    assert store_key(tmp_path / "missing") is None


def test_a_closure_another_build_or_engine_made_is_computed_again_and_read_meanwhile(store_dir, monkeypatch):
    """Regression: a store's closure was taken as done whatever kzlod or engine computed it, while the
    cache of a closure in memory names both."""
    from kzlod.reasoning import disk

    spec = f"oxigraph:{store_dir}"
    assert "cached" not in CliRunner().invoke(cli, ["reason", "--store", spec, "--engine", "reasonable"]).output
    assert "cached" in CliRunner().invoke(cli, ["reason", "--store", spec]).output
    monkeypatch.setattr(disk, "build", lambda: "0.1.0+another")
    res = run("query", "ASK { kzd:kazakhstan a prov:Agent }", "--store", spec, "--inferred", "--format", "csv")
    assert (res.exit_code, res.stdout.splitlines()[1]) == (0, "true")  # still read until computed again
    res = CliRunner().invoke(cli, ["reason", "--store", spec])
    assert res.exit_code == 0 and "cached" not in res.output and "inferred triples" in res.output
    assert "cached" in CliRunner().invoke(cli, ["reason", "--store", spec]).output
