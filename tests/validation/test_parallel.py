"""pySHACL on two cores (kzlod.validation.parallel): the targeted shapes taken from one queue by this
process and a forked child (with the closure) give the report of one whole run, with faults and without."""

from __future__ import annotations

import itertools
import os

import pytest
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SH

from kzlod.project import resolve
from kzlod.reasoning.closure import cached_closure, compute, input_key
from kzlod.validation import parallel, shacl, sparqlengine

KZ = Namespace("https://w3id.org/kzlod/ontology#")
KZD = Namespace("https://w3id.org/kzlod/id/")


def _as_is(g):
    return g


def _faults(g):
    """A state without its ISO codes, an organisation typed as a state, a relation with one party."""
    g.add((KZD["nowhere-land"], RDF.type, KZ.State))
    g.add((KZD["nowhere-land"], RDFS.label, Literal("Nowhere Land", lang="en")))
    g.add((KZD.eaeu, RDF.type, KZ.State))
    g.add((KZD["lonely-relation"], RDF.type, KZ.BilateralRelation))
    g.add((KZD["lonely-relation"], URIRef(KZ.party), KZD.kazakhstan))
    return g


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    """The split, whatever the machine's load (which decides it otherwise)."""
    monkeypatch.setattr(parallel, "_two_cores", lambda: True)


@pytest.fixture(scope="module")
def graphs():
    project = resolve(None)
    return project, shacl._shapes_graph(project)


@pytest.mark.parametrize("change", [_as_is, _faults], ids=["bundled", "with-faults"])
def test_two_halves_give_the_whole_runs_report(graphs, change):
    project, shapes = graphs
    data = change(shacl._project_graph(project))
    whole = parallel.run_shacl(data, shapes)
    violations = set(whole.subjects(SH.resultSeverity, SH.Violation))
    assert bool(violations) is (change is _faults)
    targeted = parallel.targeted_shapes(shapes)
    for here, there in ((targeted[0::2], targeted[1::2]), (targeted[:1], targeted[1:])):
        halves = [parallel.run_shacl(data, shapes, part) for part in (here, there)]
        assert isomorphic(parallel.join_reports(*halves), whole)
    # two runs taking their shapes from one queue, as the two processes do: each shape taken once
    queue = parallel.Claims(targeted)
    try:
        first = parallel.run_shacl(data, shapes, itertools.islice(queue, 7))
        taken = list(queue.taken)
        second = parallel.run_shacl(data, shapes, queue)
    finally:
        queue.close()
    assert len(taken) == 7 and sorted(queue.taken) == sorted(targeted)
    assert isomorphic(parallel.join_reports(first, second), whole)
    results, clashes, extra = parallel.shacl_and_clashes(data, shapes, None, None, lambda: "meanwhile")
    assert isomorphic(results, whole) and clashes is None and extra == "meanwhile"


def test_the_child_computes_the_closure_and_its_clashes(graphs, cold_cache):
    project, shapes = graphs
    data = shacl._project_graph(project)
    key = input_key(project.graph_files(), "owlrl")
    _, clashes, _ = parallel.shacl_and_clashes(data, shapes, key, "owlrl")
    expected = compute(data, engine="owlrl").clashes
    assert clashes == expected
    assert cached_closure(key, lambda: pytest.fail("the child kept the closure in the cache")).cached


def test_a_child_that_fails_leaves_its_half_to_the_parent(graphs, monkeypatch):
    project, shapes = graphs
    data = _faults(shacl._project_graph(project))
    parent = os.getpid()
    real = parallel.run_shacl

    def failing_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return real(*args, **kwargs)

    monkeypatch.setattr(parallel, "run_shacl", failing_in_the_child)
    results, _, _ = parallel.shacl_and_clashes(data, shapes, None, None)
    assert isomorphic(results, real(data, shapes))


def test_shapes_a_failed_child_had_taken_are_validated_by_the_parent(graphs, monkeypatch):
    project, shapes = graphs
    data = _faults(shacl._project_graph(project))
    parent = os.getpid()
    real = parallel.Claims.__iter__

    def failing_after_three(self):
        for i, node in enumerate(real(self)):
            if os.getpid() != parent and i == 3:
                raise RuntimeError("the child fails")
            yield node

    monkeypatch.setattr(parallel.Claims, "__iter__", failing_after_three)
    results, _, _ = parallel.shacl_and_clashes(data, shapes, None, None)
    assert isomorphic(results, parallel.run_shacl(data, shapes))


def test_blank_nodes_the_childs_results_are_about_keep_their_labels(graphs, monkeypatch):
    """Regression: the child's results came back as N-Triples that rdflib read with new blank nodes, so
    a result about a selector (offsets that miss the quote) no longer named the data's selector, and
    ``kzlod validate`` printed it elsewhere than a run in one process did."""
    project, shapes = graphs
    data = shacl._project_graph(project)
    start = URIRef("http://www.w3.org/ns/oa#start")
    selector, value = next(iter(data.subject_objects(start)))
    data.set((selector, start, Literal(int(value) + 3)))
    parent = os.getpid()
    real = parallel.Claims.__iter__
    # this process takes no shape: the child validates them all
    monkeypatch.setattr(parallel.Claims, "__iter__", lambda self: real(self) if os.getpid() != parent else iter(()))
    results, _, _ = parallel.shacl_and_clashes(data, shapes, None, None)
    assert isomorphic(results, parallel.run_shacl(data, shapes))
    values = [v for v in results.objects(None, SH.value) if isinstance(v, BNode)]
    assert selector in values and all((v, None, None) in data for v in values)


def test_a_run_on_some_targets_gives_the_whole_runs_results_about_them(graphs):
    """``focus``: only those targets are validated (the rest of the graph is read), and the results
    about them are a whole run's, nested shapes' and SHACL-SPARQL checks' included; a blank target
    (evidence) is validated too."""
    from kzlod.validation.findings import kept_report

    project, shapes = graphs
    data = _faults(shacl._project_graph(project))
    evidence = next(o for o in data.objects(None, KZ.hasEvidence) if not isinstance(o, URIRef))
    source = next(data.subjects(KZ.text, None))
    focus = {KZD["nowhere-land"], KZD["lonely-relation"], KZD.kazakhstan, evidence, source}
    whole = parallel.run_shacl(data, shapes)
    some = parallel.run_shacl(data, shapes, focus=focus)
    assert KZD.eaeu in set(whole.objects(None, SH.focusNode))  # a fault outside the focus: not looked at
    assert set(some.objects(None, SH.focusNode)) == {KZD["nowhere-land"], KZD["lonely-relation"]}
    assert isomorphic(kept_report(some, focus), kept_report(whole, focus))
    # and the shapes graph is left as it was: a later run over every target finds every result
    assert isomorphic(parallel.run_shacl(data, shapes), whole)


@pytest.mark.parametrize("query, late", [
    ("SELECT * { ?a ?b ?c OPTIONAL { ?c ?d ?e FILTER (?e > ?a) } }", True),
    ("SELECT * { ?a ?b ?c OPTIONAL { ?c ?d ?e FILTER (?e > 1) } FILTER (?a != ?c) }", False),
    ("SELECT * { ?a ?b ?c OPTIONAL { ?c ?d ?e FILTER (STR(?e) != \"?a\") } }  # ?a in a comment", False),
    ("SELECT * { ?a ?b ?c OPTIONAL { ?c ?d ?e OPTIONAL { ?e ?f ?g FILTER (?g = ?c) } } }", True),
])
def test_an_optional_filtering_on_an_outer_variable_is_told(query, late):
    assert sparqlengine._filters_outer_variables(query) is late


def test_the_sparql_checks_on_oxigraph_give_rdflibs_results(graphs, monkeypatch):
    """The SHACL-SPARQL checks (a quote that is not in its source's text, offsets that do not point at
    it) answered by Oxigraph over a store of the same triples, with rdflib's results."""
    import pyoxigraph as ox

    from kzlod.store.rdfconv import from_rdflib
    from kzlod.validation.findings import kept_report

    project, shapes = graphs
    data = shacl._project_graph(project)
    exact = URIRef("http://www.w3.org/ns/oa#exact")
    selector, quote = next((s, o) for s, o in data.subject_objects(exact))
    data.remove((selector, exact, quote))
    data.add((selector, exact, Literal(str(quote) + " (not in the text)")))
    source = next(data.subjects(KZ.text, None))
    focus = set(data.subjects(KZ.text, None)) | {source}
    asked = []
    real = sparqlengine._on_oxigraph
    monkeypatch.setattr(sparqlengine, "_on_oxigraph", lambda *a: asked.append(a[1]) or real(*a))
    store = ox.Store()
    store.extend(ox.Quad(*(from_rdflib(t) for t in triple)) for triple in data)
    on_oxigraph = parallel.run_shacl(data, shapes, focus=focus, store=store)
    assert asked  # the checks did run there
    monkeypatch.setattr(parallel, "_sparql", lambda data, store, **_: sparqlengine.sparql_by_oxigraph())
    on_rdflib = parallel.run_shacl(data, shapes, focus=focus)
    assert set(on_rdflib.subjects(SH.resultSeverity, SH.Violation))  # the broken quote is found
    assert isomorphic(kept_report(on_oxigraph, focus), kept_report(on_rdflib, focus))


@pytest.mark.parametrize("query, fixed", [
    ("SELECT * { ?a ?b ?c OPTIONAL { ?c ?d ?e FILTER (?e != ?a) } }", True),
    ("SELECT * { ?a <urn:p> ?c . # a comment\n OPTIONAL { ?c ?d ?e FILTER (?e != ?a) } }", True),
    ("SELECT * { ?a ?b ?c OPTIONAL { ?c ?d ?e OPTIONAL { ?e ?f ?g FILTER (?g = ?c) } } }", False),  # nested
    ("SELECT * { ?a <urn:p>/<urn:q> ?c OPTIONAL { ?c ?d ?e FILTER (?e != ?a) } }", False),  # a path
    ("SELECT * { ?a ?b [] OPTIONAL { ?a ?d ?e FILTER (?e != ?b) } }", False),  # a blank node
    ("SELECT * { ?a ?b ?c OPTIONAL { ?c ?d ?x } OPTIONAL { ?a ?d ?e FILTER (?e != ?x) } }", False),  # ?x: not B's
])
def test_an_outer_filter_variables_patterns_go_into_the_optional_with_the_same_solutions(query, fixed):
    """_bound_inside copies the triple patterns opening the group into an OPTIONAL that filters on
    their variables: Oxigraph gives the same solutions, each as often; what it cannot copy is None."""
    import pyoxigraph as ox

    rewritten = sparqlengine._bound_inside(query)
    assert (rewritten is not None) is fixed
    if not fixed:
        return
    assert not sparqlengine._filters_outer_variables(rewritten)
    store = ox.Store()
    n = [ox.NamedNode(f"urn:{x}") for x in "pqrst"]
    store.extend(ox.Quad(s, p, o) for s, p, o in [(n[0], n[0], n[1]), (n[1], n[1], n[0]), (n[1], n[2], n[3]),
                                                   (n[1], n[2], n[1]), (n[3], n[0], n[4]), (n[4], n[0], n[1])])

    def solutions(text):
        found = store.query(text)
        names = found.variables
        return sorted(tuple(str(s[v]) for v in names) for s in found)

    assert solutions(rewritten) == solutions(query)
    assert len(solutions(query)) > 1


@pytest.mark.parametrize("fails", [False, True], ids=["child", "child-fails"])
def test_a_child_prepares_then_finishes_with_what_it_is_sent(monkeypatch, fails):
    """Child: prepare() runs in a forked child at once, finish(prepared, sent) there once sent; the
    answer comes back pickled. A child that fails leaves all of it to the parent; with threads
    running there is no child at all."""
    parent = os.getpid()

    def prepare():
        if fails and os.getpid() != parent:
            raise RuntimeError("the child fails")
        return {"pid": os.getpid()}

    def finish(prepared, sent):
        return prepared["pid"], os.getpid(), sent * 2

    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    child = parallel.Child(prepare, finish)
    assert child.pid is not None
    child.send([1, 2])
    prepared_in, finished_in, answer = child.answer()
    assert answer == [1, 2, 1, 2]
    assert (prepared_in == finished_in == parent) is fails
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 2)
    here = parallel.Child(prepare, finish)
    assert here.pid is None
    here.send("a")
    assert here.answer() == (parent, parent, "aa")


def test_a_child_never_answered_is_ended():
    child = parallel.Child(lambda: None, lambda prepared, sent: sent)
    child.close()
    assert child.pid is None


@pytest.mark.parametrize("some, busy", [("0.19", False), ("9.99", False), ("10.01", True), ("85.00", True)])
def test_cpu_pressure_decides_whether_the_machine_is_busy(some, busy, tmp_path, monkeypatch):
    """Where the kernel tells CPU pressure, a busy machine is one whose tasks waited for a processor
    (not one whose last minute's load average a kzlod run just before kept near 1)."""
    pressure = tmp_path / "cpu"
    pressure.write_text(f"some avg10={some} avg60=0.37 avg300=7.01 total=7246366924\n"
                        "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", encoding="ascii")
    assert parallel._pressure(str(pressure)) == float(some)
    monkeypatch.setattr(parallel, "_pressure", lambda: float(some))
    monkeypatch.setattr(parallel, "_running", lambda: 0.0)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.0, 1.0, 1.0))
    assert parallel._busy() == (float(os.cpu_count() or 1) if busy else 0.0)


def test_without_cpu_pressure_the_load_average_counts(tmp_path, monkeypatch):
    assert parallel._pressure(str(tmp_path / "none")) is None
    monkeypatch.setattr(parallel, "_pressure", lambda: None)
    monkeypatch.setattr(parallel, "_running", lambda: 0.0)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.75, 1.0, 1.0))
    assert parallel._busy() == 1.75
