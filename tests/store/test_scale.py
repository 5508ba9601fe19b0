"""Scale: one graph, three places (memory, an Oxigraph store, a SPARQL endpoint), the same answers;
loading through the strict gate; the Python API over a disk store.

Generated graphs here are small (a few thousand triples); benchmarks/bench_scale.py measures 100k and 1M.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from servers import executable

from benchmarks.generate import Generator, parse_size, write
from kzlod.cli import cli
from kzlod.gate.parse import parse_files
from kzlod.project import bundled
from kzlod.querying.run import named_queries, run_query
from kzlod.store import bulk
from kzlod.store.backends import EndpointStore, OxigraphStore, read_meta
from kzlod.store.spec import StoreSpec

PARAMS = {"entity": {"entity": "kzd:kazakhstan"}}
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def run(*args, **kw):
    res = CliRunner().invoke(cli, list(args), **kw)
    return res


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def store_dir(work, generated):
    """An Oxigraph store made by `kzlod load` (the bundled graph and the generated one)."""
    path = work / "store"
    res = run("load", str(generated[1]), "--store", f"oxigraph:{path}", "--format", "json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["loaded"] == report["total"] > 3000
    return path


@pytest.fixture(scope="module")
def endpoint(work, generated):
    """A real `oxigraph serve` over a store made by `kzlod load`, on 127.0.0.1."""
    exe = executable("oxigraph")
    path = work / "served"
    bulk.load(bundled(), [generated[1]], path)
    port = free_port()
    proc = subprocess.Popen([exe, "serve", "--location", str(path), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("oxigraph serve did not start")
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def concatenated(sparql: str) -> dict:
    """Columns made by GROUP_CONCAT, and their separators."""
    found = re.findall(r'GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)',
                       sparql, re.I | re.S)
    return {var: sep for sep, var in found}


def rows(result, concat: dict = {}) -> Counter:  # noqa: B006 - read only
    """Result rows as a multiset; blank nodes all alike (their labels differ between stores), and
    GROUP_CONCAT values as sets (SPARQL leaves the order of the concatenated values to the store)."""
    def norm(var, t):
        if t is None:
            return None
        if isinstance(t, ox.BlankNode):
            return "_:b"
        if isinstance(t, ox.Literal):
            value = "\x00".join(sorted(t.value.split(concat[var]))) if var in concat else t.value
            return (value, t.datatype.value, t.language)
        return t.value

    return Counter(tuple(norm(v, t) for v, t in zip(result.variables, row)) for row in result.rows)


def answer(store, name):
    from kzlod.querying.run import bind_params

    q = named_queries()[name]
    return rows(run_query(store, q.text, bind_params(PARAMS.get(name, {}), q), timeout=120), concatenated(q.text))


# --- one graph, three places ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stores(generated, store_dir, endpoint):
    memory = StoreSpec().open(bundled(), extra=parse_files([generated[1]]))
    return {"memory": memory, "oxigraph": StoreSpec.parse(f"oxigraph:{store_dir}").open(bundled()),
            "endpoint": EndpointStore(endpoint)}


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_query_gives_the_same_rows_on_every_store(stores, name):
    answers = {kind: answer(store, name) for kind, store in stores.items()}
    assert answers["memory"] == answers["oxigraph"] == answers["endpoint"]
    if name not in ("uncovered",):
        assert sum(answers["memory"].values()) > 0, f"{name} found nothing to compare"


@pytest.mark.parametrize("entity", ["kzd:kazakhstan", "kzd:russia", "kzd:european-union"])
def test_a_parameter_written_in_bound_or_in_values_gives_the_same_rows(stores, entity):
    """The store writes parameters into the query as constants; pre-binding and VALUES must agree."""
    from kzlod.querying.run import bind_params, prefixed_query
    from kzlod.sparqltext import inline_constants
    from kzlod.store.backends import bind_values

    q = named_queries()["entity"]
    subs = bind_params({"entity": entity}, q)
    text = prefixed_query(q.text)
    inlined = inline_constants(text, {k.value: str(v) for k, v in subs.items()})
    assert inlined is not None and "?entity" not in inlined.split("WHERE", 1)[1]
    store = stores["memory"].store

    def norm(results):
        return Counter(tuple(None if t is None else str(t) for t in row) for row in results)

    written = norm(store.query(inlined, use_default_graph_as_union=True))
    bound = norm(store.query(text, use_default_graph_as_union=True, substitutions=subs))
    values = norm(store.query(bind_values(text, subs), use_default_graph_as_union=True))
    assert written == bound == values
    assert sum(written.values()) > 0


@pytest.mark.parametrize("query, expected", [
    ("SELECT ?x ?y WHERE { ?x ?p ?y } ORDER BY ?x", "SELECT (<a:b> AS ?x) ?y WHERE { <a:b> ?p ?y } "),
    ("SELECT (STR(?x) AS ?s) WHERE { ?x ?p ?xy } ORDER BY DESC(?x) LIMIT 3",
     "SELECT (STR(<a:b>) AS ?s) WHERE { <a:b> ?p ?xy } ORDER BY DESC(<a:b>) LIMIT 3"),
    ("SELECT ?p (COUNT(*) AS ?n) WHERE { ?x ?p ?o } GROUP BY ?p ?x",
     "SELECT ?p (COUNT(*) AS ?n) WHERE { <a:b> ?p ?o } GROUP BY ?p "),
    ('ASK { ?x <a:label> "?x" }', 'ASK { <a:b> <a:label> "?x" }'),
    ("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }", "CONSTRUCT { <a:b> ?p ?o } WHERE { <a:b> ?p ?o }"),
    ("SELECT ?x WHERE { BIND(<a:c> AS ?x) }", None),
    ("SELECT ?y WHERE { VALUES ?x { <a:c> } ?x ?p ?y }", None),
    ("SELECT * WHERE { ?x ?p ?y }", None),
    ("SELECT ?y WHERE { { SELECT ?y WHERE { ?x ?p ?y } } }", None),
])
def test_inline_constants_keeps_the_meaning_or_declines(query, expected):
    from kzlod.sparqltext import inline_constants

    assert inline_constants(query, {"x": "<a:b>"}) == expected


def test_generated_graph_reaches_the_named_queries(stores):
    """The generated claims mention Kazakhstan and the EU, so the scale runs exercise the queries."""
    assert (sum(answer(stores["oxigraph"], "entity").values())
            > sum(answer(StoreSpec().open(bundled()), "entity").values()))


def test_describe_and_stats_agree_between_memory_and_store(generated, store_dir):
    data = ["--data", str(generated[1])]
    where = ["--store", f"oxigraph:{store_dir}"]
    for args in (["describe", "Kazakhstan", "--format", "json"], ["stats", "--format", "json"]):
        a, b = run(*args, *data), run(*args, *where)
        assert a.exit_code == b.exit_code == 0, a.output + b.output
        assert json.loads(a.stdout) == json.loads(b.stdout)


def test_a_stores_length_and_predicates_are_counted_once_per_content(store_dir, cold_cache):
    """store_stats: len() and the predicates of a store kzlod load made, kept in the cache by the
    store's key."""
    from kzlod.files import cache
    from kzlod.store.backends import store_key, store_stats

    store = OxigraphStore(store_dir, read_only=True).store
    predicates = {q.predicate.value for q in store}
    assert store_stats(store, store_dir) == {"quads": len(store), "predicates": sorted(predicates)}
    key = cache.content_key("stats", [store_key(store_dir)])
    assert json.loads(cache.read("stats", key)) == {"quads": len(store), "predicates": sorted(predicates)}
    cache.put_bytes("stats", key, b'{"quads": 12, "predicates": []}')  # what the cache says is what is read
    assert store_stats(store, store_dir) == {"quads": 12, "predicates": []}


def test_a_stores_subjects_by_namespace_are_found_once_per_content(store_dir, cold_cache):
    """store_subjects: the subjects of each namespace (kzsrc's in kzd's too), as a SPARQL filter
    finds them, kept in the cache by the store's content key."""
    from kzlod.store.backends import store_subjects
    from kzlod.validation.reach import Union
    from kzlod.vocab import KZ, KZD, KZSRC

    store = OxigraphStore(store_dir, read_only=True).store
    found = store_subjects(store, store_dir, (KZ, KZD, KZSRC))
    for ns in (KZ, KZD, KZSRC):
        assert set(found[ns]) == Union([store]).subjects_in(ns) and found[ns]
    assert store_subjects(store, store_dir, (KZ, KZD, KZSRC)) == found  # from the cache


def test_a_store_opens_read_only_so_many_readers_can_share_it(store_dir):
    a, b = OxigraphStore(store_dir, read_only=True), OxigraphStore(store_dir, read_only=True)
    assert len(a) == len(b) > 0


# --- kzlod load ------------------------------------------------------------------------------------

def test_load_puts_each_file_in_its_own_graph_and_records_it(store_dir, generated):
    meta = read_meta(store_dir)
    graphs = {ox.NamedNode(g) for g in meta["graphs"]}
    assert ox.NamedNode("urn:kzlod:file:generated.nt") in graphs
    assert ox.NamedNode("urn:kzlod:file:ontology/kzlod.ttl") in graphs
    store = ox.Store.read_only(str(store_dir))
    assert set(store.named_graphs()) == graphs
    assert meta["graphs"]["urn:kzlod:file:generated.nt"]["triples"] == generated[0].count


def test_loading_a_file_again_replaces_its_graph(work, generated):
    path = work / "twice"
    first = bulk.load(bundled(), [generated[1]], path)
    second = bulk.load(bundled(), [generated[1]], path)
    assert first.total == second.total


def snapshot(path: Path) -> tuple:
    store = ox.Store.read_only(str(path))
    return sorted(g.value for g in store.named_graphs()), len(store), (path / "kzlod.json").read_text()


BAD = [
    ("syntax.ttl", "@prefix kzd: <https://w3id.org/kzlod/id/> .\nkzd:a kzd:b kzd:c .\nkzd:a kzd:b .\n",
     "syntax.ttl:3:"),
    ("typed.nt", '<https://w3id.org/kzlod/id/a> <https://w3id.org/kzlod/id/p> '
                 '"soon"^^<http://www.w3.org/2001/XMLSchema#integer> .\n', 'ill-typed literal "soon"'),
    ("doctype.rdf", '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY x "y">]>\n'
                    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n', "DOCTYPE"),
    ("remote.jsonld", '{"@context": "https://example.org/context.jsonld", "@id": "https://w3id.org/kzlod/id/a"}\n',
     "remote @context"),
]


@pytest.mark.parametrize("name, content, message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_leaves_the_store_as_it_was(work, generated, name, content, message):
    path = work / "guarded"
    if not path.exists():
        bulk.load(bundled(), [generated[1]], path)
    before = snapshot(path)
    bad = work / name
    bad.write_text(content, encoding="utf-8")
    res = run("load", str(generated[1]), str(bad), "--store", f"oxigraph:{path}", "--no-bundled")
    assert res.exit_code == 3, res.output
    assert message in res.output and str(bad) in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) <= 3
    assert snapshot(path) == before
    assert not [p for p in work.iterdir() if ".kzlod-staging" in p.name], "the staging copy is cleaned up"


def test_load_refuses_a_directory_that_is_not_a_store(work):
    other = work / "not-a-store"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    res = run("load", "--store", f"oxigraph:{other}")
    assert res.exit_code == 2 and "not an Oxigraph store" in res.output
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


def test_load_streaming_gate_says_what_the_gate_says(work):
    """The streaming check words every refusal exactly as kzlod validate does."""
    cases = {"a.ttl": "@prefix x: <https://example.org/> .\nx:a x:b 1 ;\n x:c .\n",
             "b.nt": '<https://e.org/a> <https://e.org/b> "x"^^<http://www.w3.org/2001/XMLSchema#date> .\n'}
    for name, text in cases.items():
        f = work / name
        f.write_text(text, encoding="utf-8")
        with pytest.raises(Exception) as streamed:
            bulk.gate(f)
        with pytest.raises(Exception) as gated:
            parse_files([f])
        assert streamed.value.message == gated.value.message


def test_load_output_is_quiet_about_timings_off_a_terminal(work, generated):
    res = run("load", str(generated[1]), "--store", f"oxigraph:{work / 'quiet'}")
    assert res.exit_code == 0
    assert res.stdout.startswith("loaded ") and "triples/s" not in res.output




def test_generator_is_seeded_and_sized(tmp_path):
    a, b, c = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt"
    write(Generator(2000, seed=1).triples(), a)
    write(Generator(2000, seed=1).triples(), b)
    write(Generator(2000, seed=2).triples(), c)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    n = sum(1 for _ in ox.parse(path=str(a)))
    assert 2000 <= n < 2600
    assert parse_size("10k") == 10_000 and parse_size("1M") == 1_000_000


def test_an_entity_page_with_hundreds_of_sources_and_sentences_renders(work, monkeypatch):
    """Pages read evidence context in chunks: one query for all of it would pass the length limit
    (here lowered to 26,000 characters: every chunk stays under it, all the context at once does not)."""
    from kzlod.querying.descriptions import entity_data
    from kzlod.store.backends import OxigraphStore
    from kzlod.web import pages
    from kzlod.web.links import Site

    monkeypatch.setenv("KZLOD_MAX_QUERY_CHARS", "26000")

    gen = Generator(100000, seed=5)
    path = work / "generated-100k.nt"
    write(gen.triples(), path)
    store = StoreSpec().open(bundled(), extra=parse_files([path]))
    data = entity_data(store, "https://w3id.org/kzlod/id/kazakhstan")
    assert len(data.context) > 200, "the page should need more than one chunk of evidence context"
    html = pages.render_entity(store, "https://w3id.org/kzlod/id/kazakhstan", Site(lambda iri: None, served=False))
    assert html.count('<section class="claim"') == len(data.claims) > 100
    assert isinstance(store, OxigraphStore)


@pytest.mark.slow
def test_the_python_api_mirrors_the_store_commands(work, generated):
    import kzlod

    spec = f"oxigraph:{work / 'api-store'}"
    bulk.load(bundled(), [generated[1]], work / "api-store")
    closure = kzlod.reason_store(spec, engine="reasonable")
    assert closure.inferred > 0 and not closure.clashes and closure.engine == "reasonable"
    out = work / "api-inferred.nt"
    kzlod.write_inferred(spec, out, "nt")
    written = list(ox.parse(path=str(out), format=ox.RdfFormat.N_TRIPLES))
    assert len(written) == closure.inferred
    plain, closed = kzlod.load(store=spec), kzlod.load(store=spec, inferred=True)
    assert len(closed) == len(plain) + closure.inferred
    ask = f"ASK {{ {written[0].subject} {written[0].predicate} {written[0].object} }}"
    assert kzlod.query(ask, store=closed).boolean and not kzlod.query(ask, store=plain).boolean
    report = kzlod.validate([generated[1]], store=spec, reason=False)
    res = run("validate", str(generated[1]), "--store", spec, "--no-reason", "--format", "json",
              "--min-severity", "info")
    assert json.loads(res.stdout)["summary"] == report.as_dict()["summary"]
    assert res.exit_code == (0 if report.conforms else 1)
