"""Incremental validation of new files against a graph (memory or a disk store) has the verdict of
a full pySHACL run; the project's report is cached by content."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.generate import Generator, write
from kzlod.cli import cli
from kzlod.gate.parse import parse_files, parse_trusted
from kzlod.project import bundled
from kzlod.store import bulk
from kzlod.store.rdfconv import graph_of
from kzlod.store.spec import StoreSpec
from kzlod.validation import parallel
from kzlod.validation import shacl as validation
from kzlod.validation.findings import kept_report


def run(*args, **kw):
    return CliRunner().invoke(cli, list(args), **kw)


def focus_key(graph, node, seen=()):
    """A blank node named by the path from an IRI and its own non-blank values (the same in both runs)."""
    from rdflib import BNode

    if not isinstance(node, BNode):
        return str(node)
    if node in seen:
        return "cycle"
    parents = tuple(sorted((focus_key(graph, s, seen + (node,)), str(p)) for s, p in graph.subject_predicates(node)))
    own = tuple(sorted((str(p), str(o)) for p, o in graph.predicate_objects(node) if not isinstance(o, BNode)))
    return parents, own


def verdict(report) -> set:
    from rdflib import RDF
    from rdflib.namespace import SH

    g, data = report.report_graph, report.data_graph
    return {(focus_key(data, g.value(r, SH.focusNode)), str(g.value(r, SH.sourceShape)),
             str(g.value(r, SH.resultSeverity))) for r in g.subjects(RDF.type, SH.ValidationResult)}


def full_verdict(base: Path, delta: Path) -> set:
    """The reference: pySHACL over the whole graph, results about the touched nodes."""
    parsed = parse_files([delta])
    data = validation._project_graph(bundled())
    graph_of(parse_trusted(base), data)
    for pf in parsed:
        graph_of(pf.quads, data, fresh_bnodes=True)
    keep = validation._touched(parsed, data)
    report = validation.ValidationReport(files=[])
    report.report_graph = kept_report(validation._run_shacl(data, validation._shapes_graph(bundled())), keep)
    report.data_graph = data
    return verdict(report)


def disk(folder) -> StoreSpec:
    return StoreSpec.parse(f"oxigraph:{folder}")


@pytest.fixture(scope="module")
def faulty(work):
    """A generated graph with injected faults, in a store, and a delta with one fault of each kind."""
    gen = Generator(6000, seed=5, faults=True)
    base = work / "faulty.nt"
    write(gen.triples(), base)
    delta = work / "faulty-delta.ttl"
    delta.write_text(gen.faulty_delta(), encoding="utf-8")
    store = work / "faulty-store"
    bulk.load(bundled(), [base], store)
    return base, delta, store


@pytest.mark.slow
def test_incremental_validation_has_the_verdict_of_a_full_run(faulty):
    base, delta, store = faulty
    report = validation.validate(bundled(), [delta], store=disk(store), reason=False)
    mine, reference = verdict(report), full_verdict(base, delta)
    assert mine == reference
    shapes = {shape.rsplit("#", 1)[-1] for _, shape, _ in reference}
    for expected in ("SourceText-quote", "SourceText-quoteOffsets", "SourceText-quoteSentence",
                     "SourceText-sentenceText", "Membership-organization", "BilateralRelation-party",
                     "ToneAssessment-tone", "EvidenceShape", "Instant-inXSDDate", "Claim-conflictsWith",
                     "Meeting-participant", "Event-label", "State-iso3166Alpha2"):
        assert expected in shapes, f"the fault for {expected} was not caught"
    assert report.extracted < 0.5 * report.triples


@pytest.mark.slow
def test_incremental_validation_of_a_valid_delta(work, faulty):
    gen = Generator(6000, seed=5, faults=True)
    list(gen.triples())
    delta = work / "valid-delta.ttl"
    write(gen.delta(60), delta)
    report = validation.validate(bundled(), [delta], store=disk(faulty[2]))
    assert verdict(report) == full_verdict(faulty[0], delta)
    injected = {"https://w3id.org/kzlod/id/source/gen-2", "https://w3id.org/kzlod/id/gen-state-1"}
    assert {f.focus for f in report.findings if f.severity == "Violation"} <= injected
    assert not report.clashes


@pytest.mark.slow
def test_validate_against_a_store_on_the_command_line(faulty):
    _, delta, store = faulty
    res = run("validate", str(delta), "--store", f"oxigraph:{store}", "--format", "json")
    assert res.exit_code == 1
    report = json.loads(res.stdout)
    assert report["summary"]["violations"] >= 12 and report["clashes"], "a state said to be a claim is a clash"
    text = run("validate", str(delta), "--store", f"oxigraph:{store}")
    assert f"{delta}:" in text.stdout and "does not conform" in text.stdout
    res = run("validate", "--store", f"oxigraph:{store}")
    assert res.exit_code == 2


BUNDLED_CASES = {
    "one-party": """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
kzd:relation-kazakhstan-mongolia a kz:BilateralRelation ; kz:party kzd:kazakhstan .
""",
    "bad-quote": """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
@prefix kzsrc: <https://w3id.org/kzlod/id/source/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix org: <http://www.w3.org/ns/org#> .
kzd:membership-test a kz:Membership ; org:member kzd:armenia ; org:organization kzd:eaeu ;
  kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:foreign-policy ;
    kz:sentence <https://w3id.org/kzlod/id/source/foreign-policy/sentence/8> ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "not in the text" ] ,
      [ a oa:TextPositionSelector ; oa:start 1 ; oa:end 5 ] ] .
""",
    "concept": """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
kz:tone-tense skos:inScheme kz:SectorScheme .
""",
}


@pytest.mark.parametrize("case", sorted(BUNDLED_CASES))
def test_incremental_and_full_agree_on_the_bundled_graph(tmp_path, case):
    f = tmp_path / f"{case}.ttl"
    f.write_text(BUNDLED_CASES[case], encoding="utf-8")
    fast = validation.validate(bundled(), [f], reason=False)
    full = validation.validate(bundled(), [f], reason=False, full=True)
    assert fast.incremental and not full.incremental

    def findings(report):  # messages name a blank node: placed (incremental) or by a fresh label (full)
        return [{**x.as_dict(), "message": re.sub(r"^Evidence .*?: ", "Evidence _: ", x.message)}
                for x in report.findings]

    assert findings(fast) == findings(full)
    assert verdict(fast) == verdict(full)


def test_the_bundled_report_is_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("KZLOD_CACHE_DIR", str(tmp_path))
    first = validation.validate(bundled())
    second = validation.validate(bundled())
    assert not first.cached and second.cached
    assert [f.as_dict() for f in first.findings] == [f.as_dict() for f in second.findings]
    assert first.clashes == second.clashes and first.triples == second.triples
    assert len(second.report_graph) == len(first.report_graph)
    res = run("validate", "--format", "ttl")
    assert res.exit_code == 0 and "sh:ValidationReport" in res.stdout


# --- the generator ---------------------------------------------------------------------------------



def _quotes_broken(data):
    """Two quotes no longer verbatim and one offset moved: faults only the SHACL-SPARQL checks see."""
    from rdflib import Literal
    from rdflib.namespace import Namespace

    oa = Namespace("http://www.w3.org/ns/oa#")
    exact = sorted(data.subject_objects(oa.exact))[:2]
    for node, text in exact:
        data.set((node, oa.exact, Literal(str(text) + " (sic)")))
    node, start = sorted(data.subject_objects(oa.start))[0]
    data.set((node, oa.start, Literal(int(start) + 3)))
    return data


@pytest.mark.parametrize("broken", [False, True], ids=["bundled", "quotes-broken"])
def test_shacl_sparql_runs_on_oxigraph_with_rdflibs_report_and_rdflib_is_left_as_it_was(monkeypatch, broken):
    """pySHACL's SPARQL goes to Oxigraph (kzlod.validation.sparqlengine); the report is the one
    rdflib's engine gives, faults or none; each text rdflib still gets is parsed once."""
    from rdflib.namespace import SH
    from rdflib.plugins.sparql import processor

    from kzlod.validation import sparqlengine

    original = processor.SPARQLProcessor.query
    answered = []
    on_oxigraph = sparqlengine._on_oxigraph

    def spied(*args):
        answered.append(on_oxigraph(*args))
        return answered[-1]

    monkeypatch.setattr(sparqlengine, "_on_oxigraph", spied)
    data = validation._project_graph(bundled())
    if broken:
        data = _quotes_broken(data)
    shapes = None
    for path in bundled().shapes_files():
        shapes = graph_of(parse_trusted(path), shapes)
    fast = validation._run_shacl(data, shapes)
    assert processor.SPARQLProcessor.query is original
    assert any(a is not None for a in answered)  # SHACL-SPARQL checks ran on Oxigraph
    texts = []
    prepare = processor.prepareQuery
    monkeypatch.setattr(processor, "prepareQuery", lambda text, *a: texts.append(text) or prepare(text, *a))
    monkeypatch.setattr(parallel, "_sparql", lambda data, store, **_: sparqlengine.sparql_by_oxigraph())
    slow = validation._run_shacl(data, shapes)
    assert texts and len(texts) == len(set(texts))  # rdflib's engine, each text parsed once
    assert fast.isomorphic(slow)
    failing = {str(s) for s in slow.objects(None, SH.sourceShape)}
    assert any(s.endswith("SourceText-quote") for s in failing) is broken
