"""``kzlod push`` into real production stores, Oxigraph and Virtuoso, and the named queries answered there.

Each store runs on 127.0.0.1 with a throw-away database (tests/servers.py); a store that is not
installed is skipped, with the reason. CI installs both (.ci/run).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_project
from servers import start_oxigraph, start_virtuoso

from kzlod.cli import cli
from kzlod.project import read
from kzlod.publishing import push as pushing
from kzlod.publishing.stores import PushError, connect
from kzlod.querying.run import named_queries

ROOT = Path(__file__).resolve().parents[2]
PARAMS = {"entity": ["--param", "entity", "kzd:kazakhstan"]}
EXTRA_CASES = [("events", ["--param", "state", "kzd:kyrgyzstan"]), ("claims", ["--param", "modality", "feared"])]
STORES = ["oxigraph", "virtuoso"]
ENTITIES = "https://w3id.org/kzlod/graph/entities"
EUR_LEX = "https://w3id.org/kzlod/id/source/eur-lex-22016a0204-01"
FOREIGN_POLICY = "https://w3id.org/kzlod/id/source/foreign-policy"
MONGOLIA = """
kzd:mongolia a kz:State ; rdfs:label "Mongolia"@en ; kz:iso3166Alpha2 "MN" ; kz:iso3166Alpha3 "MNG" .
"""


class Store:
    """A running store and how kzlod reaches it."""

    def __init__(self, kind: str, folder: Path):
        self.kind, self.folder = kind, folder
        self.server = None
        self.start()

    def start(self):
        self.server = (start_oxigraph if self.kind == "oxigraph" else start_virtuoso)(self.folder)

    def stop(self):
        self.server.stop()

    @property
    def base(self) -> str:
        return self.server.url if self.kind == "oxigraph" else self.server.base_url

    @property
    def query_url(self) -> str:
        return self.server.sparql_url

    def push_args(self) -> list[str]:
        if self.kind == "oxigraph":
            return ["--endpoint", self.base]
        return ["--endpoint", self.base, "--server", "virtuoso", "--user", "dba"]

    def connect(self, retries: int = 3):
        """(Remote, Profile) of this store, as ``kzlod push`` makes them."""
        if self.kind == "oxigraph":
            return connect(self.base, retries=retries)
        return connect(self.base, server="virtuoso", user="dba", password="dba", retries=retries)

    def remote(self, retries: int = 3):
        return self.connect(retries)[0]

    def counts(self) -> dict[str, int]:
        """Triples per graph of ours (Virtuoso's own system graphs left out)."""
        found = self.sparql("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                            "FILTER (STRSTARTS(STR(?g), 'https://w3id.org/kzlod/')) } GROUP BY ?g")
        return {b["g"]["value"]: int(b["n"]["value"]) for b in found}

    def sparql(self, query: str) -> list[dict]:
        res = run("query", query, "--endpoint", self.query_url, "--format", "json")
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)["results"]["bindings"]


def run(*args, env=None):
    return CliRunner(env={"KZLOD_PASSWORD": "dba", **(env or {})}).invoke(cli, ["-q", *args],
                                                                         catch_exceptions=False)


def push(project: Path, store: Store, *extra: str):
    res = run("--project", str(project), "push", *store.push_args(), *extra)
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.fixture(scope="module", params=STORES)
def store(request, tmp_path_factory):
    s = Store(request.param, tmp_path_factory.mktemp(request.param))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def pushed(store):
    push(ROOT, store)
    return store


def rows(stdout: str) -> Counter:
    """Result rows as a multiset of exact terms; blank nodes all alike (their labels are the store's)."""
    out = []
    for binding in json.loads(stdout)["results"]["bindings"]:
        out.append(tuple(sorted((var, "_:" if term["type"] == "bnode" else
                                 (term["type"], term["value"], term.get("datatype"), term.get("xml:lang")))
                                for var, term in binding.items())))
    return Counter(out)


CASES = [(name, PARAMS.get(name, [])) for name in sorted(named_queries())] + EXTRA_CASES


@pytest.mark.parametrize("name, extra", CASES, ids=[f"{n}{'-' + e[-1] if e else ''}" for n, e in CASES])
def test_every_named_query_gives_the_local_rows(pushed, name, extra):
    local = run("query", name, "--format", "json", *extra)
    remote = run("query", name, "--endpoint", pushed.query_url, "--format", "json", *extra)
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert rows(remote.stdout) == rows(local.stdout)
    if name != "uncovered":  # every sentence of the bundled source is covered by a claim
        assert rows(local.stdout), f"{name} has answers on the bundled graph"


def test_one_graph_per_source_plus_ontology_and_entities(pushed):
    counts = pushed.counts()
    expected = {g.iri: len(g) for g in pushing.project_graphs(read(ROOT))}
    assert {g: n for g, n in counts.items() if g in expected} == expected
    assert set(counts) - set(expected) == {pushing.record_graph("kzlod")}
    cited = pushed.sparql("SELECT DISTINCT ?g ?src WHERE { GRAPH ?g { ?ev <http://www.w3.org/ns/oa#hasSource> ?src } }")
    assert cited and all(b["g"]["value"] == b["src"]["value"] for b in cited)


def test_push_again_change_one_file_then_prune(store, tmp_path):
    """The sequence a publisher runs: push, push again (nothing sent), change one file (one graph
    sent), delete a source and --prune (its graph gone); the triple counts follow each step."""
    project = copy_project(tmp_path / "project")
    toml = project / "kzlod.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('name = "kzlod"', 'name = "sequence"'), encoding="utf-8")
    graphs = {g.iri: len(g) for g in pushing.project_graphs(read(project))}

    first = push(project, store, "--force")
    assert first.startswith(f"pushed to {store.remote().graph_store}: {len(graphs)} graphs sent")
    assert {g: n for g, n in store.counts().items() if g in graphs} == graphs

    again = push(project, store)
    assert f": 0 graphs sent (0 triples), {len(graphs)} unchanged, 0 removed" in again
    assert {g: n for g, n in store.counts().items() if g in graphs} == graphs

    with open(project / "data" / "entities.ttl", "a", encoding="utf-8") as fh:
        fh.write(MONGOLIA)
    dry = run("--project", str(project), "push", *store.push_args(), "--dry-run").stdout
    assert [line.split()[0] for line in dry.splitlines() if line.split()[-1] == ENTITIES] == ["send"]
    changed = push(project, store)
    assert f": 1 graph sent ({graphs[ENTITIES] + 4} triples), {len(graphs) - 1} unchanged, 0 removed" in changed
    assert store.counts()[ENTITIES] == graphs[ENTITIES] + 4

    (project / "data" / "eur-lex-22016a0204-01.ttl").unlink()
    pruned = push(project, store, "--prune")
    assert pruned.endswith(f": 0 graphs sent (0 triples), {len(graphs) - 1} unchanged, 1 removed\n")
    assert EUR_LEX not in store.counts()


def test_a_store_stopped_mid_push_leaves_each_graph_old_or_new_and_the_next_push_completes(store, tmp_path):
    project = copy_project(tmp_path / "project")
    toml = project / "kzlod.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('name = "kzlod"', 'name = "interrupted"'),
                    encoding="utf-8")
    push(project, store, "--force")
    old = {g.iri: len(g) for g in pushing.project_graphs(read(project))}
    # a new entity and a changed source: two graphs to send, the second one big enough to be staged
    with open(project / "data" / "entities.ttl", "a", encoding="utf-8") as fh:
        fh.write(MONGOLIA)
    source = project / "data" / "foreign-policy" / "eu.ttl"
    if not source.exists():
        source = next(p for p in sorted((project / "data").rglob("*.ttl")) if "foreign-policy" in p.as_posix())
    with open(source, "a", encoding="utf-8") as fh:
        fh.write('\nkzsrc:foreign-policy rdfs:comment "pushed in chunks"@en .\n')
    graphs = pushing.project_graphs(read(project))
    new = {g.iri: len(g) for g in graphs}
    assert new[ENTITIES] != old[ENTITIES] and new[FOREIGN_POLICY] != old[FOREIGN_POLICY]

    def stop_the_store(graph, staging):
        if graph.iri == FOREIGN_POLICY:
            store.stop()

    remote, profile = store.connect(retries=1)
    with pytest.raises(PushError, match="unreachable"):
        pushing.push(graphs, remote, record=pushing.record_graph("interrupted"), chunk=400,
                     big_graphs=profile.big_graphs, on_chunk=stop_the_store)
    store.start()
    counts = store.counts()
    for iri in new:
        assert counts.get(iri) in (old[iri], new[iri]), f"{iri} is neither old nor new after the stop"
    assert counts[ENTITIES] == new[ENTITIES]  # sent before the stop
    assert counts[FOREIGN_POLICY] == old[FOREIGN_POLICY]  # was being sent in parts: still the old one
    done = push(project, store, "--chunk", "400")
    assert ": 1 graph sent" in done  # only what the record does not have yet
    assert {g: n for g, n in store.counts().items() if g in new} == new


def test_push_a_release_with_its_description(store, tmp_path):
    release = tmp_path / "release"
    res = run("publish", str(release))
    assert res.exit_code == 0, res.output
    graphs = pushing.release_graphs(release)
    assert pushing.VOID_GRAPH in {g.iri for g in graphs}
    res = run("push", *store.push_args(), "--release", str(release), "--force")
    assert res.exit_code == 0, res.output
    counts = store.counts()
    for graph in graphs:
        assert counts[graph.iri] == len(graph)
    described = store.sparql("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/kzlod/graph/void> "
                             "{ ?d a <http://rdfs.org/ns/void#Dataset> } }")
    assert int(described[0]["n"]["value"]) >= 1


def test_the_closure_keeps_blank_nodes_in_the_graph_that_holds_them(tmp_path):
    """Regression: the closure's inferred triples about a claim's blank nodes (its time, its evidence)
    went to the inferred graph; sent apart, the store split each such blank node in two."""
    release = tmp_path / "release"
    assert run("publish", str(release)).exit_code == 0
    graphs = pushing.release_graphs(release, closure=True)
    homes: dict = {}
    for graph in graphs:
        for t in graph.triples():
            for term in (t.subject, t.object):
                if type(term).__name__ == "BlankNode":
                    homes.setdefault(term, set()).add(graph.iri)
    assert homes and all(len(where) == 1 for where in homes.values())


def test_virtuoso_needs_its_digest_credentials(tmp_path):
    """Virtuoso's Graph Store answers only digest authentication; a wrong password is one clear line."""
    if shutil.which("virtuoso-t") is None:
        pytest.skip("the 'virtuoso-t' server executable is not on PATH (apt-get install virtuoso-opensource)")
    store = Store("virtuoso", tmp_path / "v")
    try:
        res = run("push", *store.push_args(), env={"KZLOD_PASSWORD": "wrong"})
        assert res.exit_code == 1
        assert res.stderr.strip().splitlines() == [
            f"Error: GET {pushing.record_graph('kzlod')}: {store.base}/sparql-graph-crud-auth answered HTTP 401: "
            + res.stderr.split("answered HTTP 401: ", 1)[1].strip()]
        assert "wrong" not in res.stderr and "dba" not in res.stderr
    finally:
        store.stop()
