"""The two reasoning engines give the same instance-level entailments and find the same clashes,
in memory and over a disk store (generated graphs of a few thousand triples)."""

from __future__ import annotations

import json
from collections import Counter

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from benchmarks.generate import Generator, write
from kzlod import settings
from kzlod.cli import cli
from kzlod.gate.parse import parse_files, parse_trusted
from kzlod.project import bundled
from kzlod.reasoning import engines
from kzlod.reasoning.closure import project_closure
from kzlod.store import bulk
from kzlod.store.backends import INFERRED_DIR, INFERRED_GRAPH
from kzlod.store.rdfconv import graph_of
from kzlod.validation import shacl as validation
from kzlod.vocab import NAMESPACES, OWL, RDF_TYPE


def run(*args, **kw):
    return CliRunner().invoke(cli, list(args), **kw)


VOCAB = tuple(v for k, v in NAMESPACES.items() if k not in ("kzd", "kzsrc", "wd"))


def instance_level(triples, ontology_subjects) -> set:
    """Inferred triples about the data: subjects that are not ontology or vocabulary terms, less the
    two trivial families (x owl:sameAs x; x rdf:type owl:Thing) that the engines produce differently."""
    out = set()
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        if s in ontology_subjects or (isinstance(s, ox.NamedNode) and s.value.startswith(VOCAB)):
            continue
        if (p.value == OWL + "sameAs" and s == o) or (p.value == RDF_TYPE and o.value == OWL + "Thing"):
            continue
        out.add(t)
    return out


@pytest.fixture(scope="module")
def ontology_subjects():
    return {q.subject for p in bundled().ontology_files() for q in parse_trusted(p)}


@pytest.mark.slow
@pytest.mark.parametrize("size", [0, 1500])
def test_both_engines_give_the_same_instance_level_entailments(work, ontology_subjects, size):
    graph = validation._project_graph(bundled())
    if size:
        path = work / f"engines-{size}.nt"
        write(Generator(size, seed=5).triples(), path)
        graph_of(parse_trusted(path), graph)
    fast = engines.compute(graph, engine="reasonable")
    slow = engines.compute(graph, engine="owlrl")
    a, b = instance_level(fast.inferred, ontology_subjects), instance_level(slow.inferred, ontology_subjects)
    assert a == b and len(a) > 400
    assert fast.clashes == slow.clashes == []


CLASH = """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
kzd:kazakhstan a kz:InternationalOrganisation .
"""


@pytest.mark.parametrize("engine", ["owlrl", "reasonable"])
def test_both_engines_find_a_clash(work, engine):
    f = work / "clash.ttl"
    f.write_text(CLASH, encoding="utf-8")
    graph = validation._project_graph(bundled())
    for pf in parse_files([f]):
        graph_of(pf.quads, graph, fresh_bnodes=True)
    closure = engines.compute(graph, engine=engine)
    assert any("Kazakhstan <https://w3id.org/kzlod/id/kazakhstan> is both" in c and "disjoint" in c
               for c in closure.clashes), closure.clashes


def test_auto_uses_the_fast_engine_only_for_large_graphs():
    assert engines.choose_engine("auto", 1000) == "owlrl"
    assert engines.choose_engine("auto", settings.get("reasonable_above") + 1) == "reasonable"


def test_reason_engine_option_in_memory():
    res = run("reason", "--engine", "reasonable", "--format", "nt")
    assert res.exit_code == 0, res.output
    assert "<https://w3id.org/kzlod/id/kazakhstan> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " \
           "<http://www.w3.org/ns/prov#Agent> ." in res.stdout


@pytest.mark.slow
def test_reason_store_writes_a_separate_graph_and_query_inferred_reads_it(work, generated, ontology_subjects):
    path = work / "reasoned"
    bulk.load(bundled(), [generated[1]], path)
    spec = f"oxigraph:{path}"
    res = run("query", "ASK { kzd:kazakhstan a prov:Agent }", "--store", spec, "--inferred")
    assert res.exit_code == 2 and "kzlod reason --store" in res.output
    res = run("reason", "--store", spec, "--engine", "reasonable")
    assert res.exit_code == 0, res.output
    main = ox.Store.read_only(str(path))
    assert INFERRED_GRAPH not in set(main.named_graphs()), "never into the asserted store"
    sub = ox.Store.read_only(str(path / INFERRED_DIR))
    inferred = [q.triple for q in sub.quads_for_pattern(None, None, None, INFERRED_GRAPH)]
    assert inferred and not any(next(iter(main.quads_for_pattern(t.subject, t.predicate, t.object, None)), None)
                                for t in inferred[:500]), "only what reasoning added"
    del main, sub
    ask = "ASK { kzd:kazakhstan a prov:Agent }"
    assert run("query", ask, "--store", spec, "--format", "csv").stdout.splitlines()[1] == "false"
    assert run("query", ask, "--store", spec, "--inferred", "--format", "csv").stdout.splitlines()[1] == "true"
    # evidence nodes are blank: their inferred types meet them in the store
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?e a kz:Evidence , oa:SpecificResource }"
    evidence = "SELECT (COUNT(*) AS ?n) WHERE { ?e a kz:Evidence }"
    assert run("query", count, "--store", spec, "--inferred", "--format", "csv").stdout == \
        run("query", evidence, "--store", spec, "--format", "csv").stdout
    # the same entailments as owlrl in memory, about every IRI of the data
    with engines.use_engine("owlrl"):
        graph = validation._project_graph(bundled())
        graph_of(parse_trusted(generated[1]), graph)
        reference = instance_level(engines.compute(graph).inferred, ontology_subjects)
    mine = instance_level(inferred, ontology_subjects)
    def plain(t):  # blank nodes have other labels in the store than in rdflib
        return "_:b" if isinstance(t, ox.BlankNode) else t

    def about(ts, kind):
        return Counter((plain(t.subject), t.predicate, plain(t.object)) for t in ts if isinstance(t.subject, kind))

    assert about(mine, ox.NamedNode) == about(reference, ox.NamedNode)
    assert about(mine, ox.BlankNode) == about(reference, ox.BlankNode)
    res = run("reason", "--store", spec)
    assert res.exit_code == 0 and "cached" in res.output
    card = json.loads(run("describe", "kzd:kazakhstan", "--store", spec, "--inferred", "--format", "json").stdout)
    assert "prov:Agent" in card["types"]
    bulk.load(bundled(), [generated[1]], path)  # new content: the old closure no longer answers
    res = run("query", ask, "--store", spec, "--inferred")
    assert res.exit_code == 2 and "kzlod reason --store" in res.output


def test_reason_store_reports_clashes(work, generated):
    path = work / "clashing"
    clash = work / "clash.ttl"
    clash.write_text(CLASH, encoding="utf-8")
    bulk.load(bundled(), [generated[1], clash], path)
    res = run("reason", "--store", f"oxigraph:{path}", "--engine", "reasonable")
    assert res.exit_code == 1
    assert "inconsistent: Kazakhstan <https://w3id.org/kzlod/id/kazakhstan> is both" in res.output


@pytest.mark.parametrize("clashing", [False, True])
def test_clashes_of_pyoxigraph_triples_are_computes(clashing):
    """clashes_of (the incremental validation's consistency check, no rdflib graph) finds the clashes
    compute finds over an rdflib graph of the same triples, a blank node's and a literal's included."""
    triples = {(q.subject, q.predicate, q.object) for path in bundled().ontology_files() + bundled().graph_files()
               for q in parse_trusted(path)}
    if clashing:
        triples |= {(q.subject, q.predicate, q.object) for q in ox.parse(CLASH, format=ox.RdfFormat.TURTLE)}
    expected = engines.compute(graph_of([ox.Triple(*t) for t in triples]), engine="reasonable").clashes
    assert bool(expected) is clashing
    assert engines.clashes_of(triples, engine="reasonable") == expected
    assert engines.clashes_of(triples, engine="owlrl") == engines.compute(
        graph_of([ox.Triple(*t) for t in triples]), engine="owlrl").clashes


def test_clashes_of_needs_no_rdflib():
    """In a process that has not imported rdflib, clashes_of gives the engine stand-in terms and
    reads its answer without importing it, with the same clashes."""
    import subprocess
    import sys

    code = (
        "import json, sys, pyoxigraph as ox\n"
        "from kzlod.gate.parse import parse_trusted\n"
        "from kzlod.project import bundled\n"
        "from kzlod.reasoning import engines\n"
        "t = {(q.subject, q.predicate, q.object) for p in bundled().ontology_files() + [bundled().root / 'data'\n"
        "     / 'entities.ttl'] for q in parse_trusted(p)}\n"
        f"t |= {{(q.subject, q.predicate, q.object) for q in ox.parse({CLASH!r}, format=ox.RdfFormat.TURTLE)}}\n"
        "print(json.dumps([engines.clashes_of(t, engine='reasonable'), 'rdflib' in sys.modules]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    clashes, imported = json.loads(out)
    triples = {(q.subject, q.predicate, q.object) for path in bundled().ontology_files() + [bundled().root / "data"
               / "entities.ttl"] for q in parse_trusted(path)} | {(q.subject, q.predicate, q.object)
                                                                   for q in ox.parse(CLASH, format=ox.RdfFormat.TURTLE)}
    assert not imported
    assert clashes == engines.compute(graph_of([ox.Triple(*t) for t in triples]), engine="reasonable").clashes
    assert clashes


# --- incremental validation ---------------------------------------------------------------------------



# --- what the closure leaves out ----------------------------------------------------------------

@pytest.mark.parametrize("engine", ["owlrl", "reasonable"])
def test_closure_has_no_reflexive_same_as(engine):
    with engines.use_engine(engine):
        closure = project_closure(bundled())
    same_as = [t for t in closure.inferred if t.predicate.value == OWL + "sameAs"]
    assert not [t for t in same_as if t.subject == t.object]
    assert all(not isinstance(t.subject, ox.Literal) for t in closure.inferred)


def test_reason_says_what_it_left_out_and_why():
    res = run("reason", "--engine", "owlrl", "--format", "nt")
    assert res.exit_code == 0, res.output
    closure = engines.compute(validation._project_graph(bundled()), engine="owlrl")
    assert closure.trivial > 0 and closure.dropped > 0
    assert res.stderr.strip().endswith(
        f"; left out {closure.trivial} 'x owl:sameAs x' (true of every term)"
        f" and {closure.dropped} with a literal as subject (not RDF)")
    assert "malformed" not in res.stderr


def test_left_out_counts_survive_the_cache(cold_cache):
    first = project_closure(bundled())
    again = project_closure(bundled())
    assert again.cached and not first.cached
    assert (again.trivial, again.dropped, len(again.inferred)) == (first.trivial, first.dropped, len(first.inferred))
