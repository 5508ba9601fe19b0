"""The project's graph kept in the cache as a snapshot (N-Quads), read by the next command instead
of the Turtle files: the same quads as a fresh parse, and never a stale one."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from conftest import copy_project

from kzlod.cli import cli
from kzlod.files import cache
from kzlod.project import resolve
from kzlod.store.backends import memory_store, project_store, snapshot_key

LABEL = "SELECT ?l WHERE { kzd:armenia rdfs:label ?l }"


def quads(store) -> set[str]:
    return {str(q) for q in store.store}


def labels(folder) -> list[str]:
    res = CliRunner().invoke(cli, ["-q", "--project", str(folder), "query", LABEL, "--format", "csv"])
    assert res.exit_code == 0, res.output
    return sorted(res.stdout.splitlines()[1:])


def test_the_snapshot_holds_the_quads_a_parse_gives_blank_node_labels_too(cold_cache, tmp_path):
    project = resolve(copy_project(tmp_path / "p"))
    parsed = project_store(project)  # no snapshot yet: parsed, and the snapshot written
    assert cache.get("graph", snapshot_key(project)) is not None
    read = project_store(project)
    assert quads(read) == quads(parsed) and len(read) == len(parsed) > 3000


def _edit(folder):
    path = folder / "data" / "entities.ttl"
    path.write_text(path.read_text(encoding="utf-8").replace('"Armenia"@en', '"Armenia (edited)"@en'),
                    encoding="utf-8")


def _add(folder):
    (folder / "data" / "extra.ttl").write_text(
        '@prefix kzd: <https://w3id.org/kzlod/id/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
        'kzd:armenia rdfs:label "Hayastan"@hy .\n', encoding="utf-8")


def _remove(folder):
    (folder / "data" / "entities.ttl").unlink()


def _rename(folder):
    shutil.move(folder / "data" / "entities.ttl", folder / "data" / "foreign-policy" / "entities-moved.ttl")


#: (what is done to the project's files after its snapshot was made, the labels a query then sees)
CHANGES = [
    (_edit, ["Armenia (edited)"]),
    (_add, ["Armenia", "Hayastan"]),
    (_remove, []),
    (_rename, ["Armenia"]),
]


@pytest.mark.parametrize("change,expected", CHANGES, ids=[c[0].__name__.strip("_") for c in CHANGES])
def test_a_changed_file_is_read_never_a_stale_snapshot(cold_cache, tmp_path, change, expected):
    folder = copy_project(tmp_path / "p")
    assert labels(folder) == ["Armenia"]
    before = snapshot_key(resolve(folder))
    assert cache.get("graph", before) is not None
    change(folder)
    project = resolve(folder)
    assert snapshot_key(project) != before
    assert labels(folder) == expected
    assert quads(memory_store(project)) == quads(_parsed(project))


def _parsed(project):
    """The project's graph parsed from its files, as if there were no cache."""
    from kzlod.gate.parse import parse_trusted
    from kzlod.store.backends import OxigraphStore, file_graph

    store = OxigraphStore()
    for path in project.graph_files():
        store.add_quads(parse_trusted(path), file_graph(path, project.root))
    return store


def _cut_at_a_line(raw: bytes) -> bytes:
    return raw[: raw.rindex(b"\n", 0, len(raw) // 2) + 1]


#: What a damaged snapshot may hold, from the good one's bytes.
DAMAGES = [lambda raw: b"", lambda raw: b"not n-quads at all\n", lambda raw: raw[: len(raw) // 2],
           _cut_at_a_line, lambda raw: raw.split(b"\n", 1)[1]]


@pytest.mark.parametrize("damage", DAMAGES, ids=["empty", "not-n-quads", "cut", "cut-at-a-line", "no-head"])
def test_a_damaged_snapshot_is_a_miss_and_is_made_again(cold_cache, tmp_path, damage):
    project = resolve(copy_project(tmp_path / "p"))
    good = quads(project_store(project))
    path = cache.get("graph", snapshot_key(project))
    damaged = damage(path.read_bytes())
    path.write_bytes(damaged)
    assert quads(project_store(project)) == good
    assert quads(project_store(project)) == good and path.read_bytes() != damaged


#: (the cache's size limit in MB, whether the bundled graph's snapshot, about 0.6 MB, is kept)
LIMITS = [("512", True), ("3", True), ("2", False), ("1", False)]


@pytest.mark.parametrize("limit,kept", LIMITS, ids=[f"{lim}MB" for lim, _ in LIMITS])
def test_a_snapshot_is_kept_only_within_a_quarter_of_the_cache_limit(cold_cache, tmp_path, monkeypatch, limit,
                                                                    kept):
    monkeypatch.setenv("KZLOD_CACHE_MAX_MB", limit)
    project = resolve(copy_project(tmp_path / "p"))
    assert len(project_store(project)) > 3000
    assert (cache.get("graph", snapshot_key(project)) is not None) is kept


#: Queries whose rows SPARQL leaves unordered: they come in the store's order.
UNORDERED = ["SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 50", "SELECT ?s WHERE { ?s a kz:State }"]


@pytest.mark.parametrize("query", UNORDERED)
def test_the_first_command_and_the_next_give_rows_in_the_same_order(cold_cache, tmp_path, query):
    """Regression: the first command, which parsed the files and made the snapshot, gave an unordered
    query's rows in another order than the next ones, which read the snapshot."""
    folder = copy_project(tmp_path / "p")
    runs = [CliRunner().invoke(cli, ["-q", "--project", str(folder), "query", query, "--format", "csv"])
            for _ in range(2)]
    assert [r.exit_code for r in runs] == [0, 0]
    assert runs[0].stdout == runs[1].stdout and len(runs[0].stdout.splitlines()) > 5


def test_a_file_replaced_between_the_look_up_and_the_parse_is_kept_under_its_own_content(cold_cache, tmp_path,
                                                                                         monkeypatch):
    """Regression: the snapshot was kept under the key of the bytes hashed at the look-up, though
    the store was parsed from the file read again: a writer's rename between the two put the
    edited graph under the old content's key."""
    from kzlod.store import backends

    folder = copy_project(tmp_path / "p")
    project = resolve(folder)
    before = snapshot_key(project)
    real = backends.read_bytes

    def edited_meanwhile(path):
        if path.name == "entities.ttl":
            _edit(folder)
        return real(path)

    monkeypatch.setattr(backends, "read_bytes", edited_meanwhile)
    store = project_store(project)
    assert '"Armenia (edited)"@en' in {str(q.object) for q in store.store}
    assert cache.get("graph", before) is None  # nothing under the content it does not hold
    assert cache.get("graph", snapshot_key(resolve(folder))) is not None
