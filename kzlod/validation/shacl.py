"""Validation in three steps: strict syntax, SHACL (inference off), OWL RL consistency.

With no files, the project's graph is validated whole; its report is cached by
the content hash of the shapes and data (like the OWL RL closure), so an
unchanged graph is not validated twice.

With files, the new assertions are checked together with a graph — the
project's in memory, or an Oxigraph store on disk of any size — and
reported only where they are at fault (results whose focus node the new
files mention, and the blank nodes hanging from those). The check is
*incremental*: only the focus nodes the new triples touch, and their
neighbours as far as the shapes reach (the values whose classes and schemes
are checked, the evidence trees and selectors, the source document with its
sentences and every quote of it for the SHACL-SPARQL text checks, targets
of inverse paths, the class hierarchy) are copied into a small rdflib graph,
and pySHACL runs on that, in a forked child that imported pySHACL while this
process read the store (:mod:`kzlod.validation.neighbourhood`). The verdict on the touched nodes is the same as a
full run's; tests compare the two on generated graphs with injected faults.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import re
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError, UsageError
from kzlod.files import cache
from kzlod.gate.parse import ParsedFile, parse_file, parse_files, parse_trusted
from kzlod.gate.places import Place, source_of
from kzlod.gate.reading import LIMITS
from kzlod.project import Project
from kzlod.reasoning.closure import cached_clashes, cached_closure, input_key
from kzlod.reasoning.engines import clashes_of, compute, reasonable_available
from kzlod.store.backends import INFERRED_DIR, inferred_current, memory_store, read_meta, store_stats, store_subjects
from kzlod.store.rdfconv import graph_of
from kzlod.store.spec import StoreSpec
from kzlod.validation import grounding, neighbourhood, vocabulary
from kzlod.validation.findings import Finding, LazyGraph, Locator, ValidationReport, findings_of, kept_report, place
from kzlod.validation.parallel import Child, run_shacl, shacl_and_clashes
from kzlod.validation.reach import Union, extract, shape_reach
from kzlod.version import package_version
from kzlod.vocab import KZ, KZD, KZSRC, NAMESPACES, RDF_TYPE, compact


def _project_graph(project: Project, store=None):
    """The project's graph in rdflib, from its memory store (``store``, else the graph's snapshot,
    :func:`kzlod.store.backends.memory_store`): the files as :func:`parse_trusted` reads them."""
    return graph_of((store or memory_store(project)).store)


def _shapes_graph(project: Project):
    g = None
    for path in project.shapes_files():
        g = graph_of(parse_trusted(path), g)
    return g


def _run_shacl(data, shapes, focus=None, store=None):
    return run_shacl(data, shapes, focus=focus, store=store)


def validate(project: Project, files=(), *, reason: bool = True, store: StoreSpec = StoreSpec(),
             full: bool = False, parsed: list[ParsedFile] | None = None) -> ValidationReport:
    """Validate the project's graph, or new files together with it (or with a disk store): the
    shapes' results, the closed vocabulary's, and the grounding check's warnings
    (:mod:`kzlod.validation.grounding`).

    ``store``: the project's graph in memory (the default), or an Oxigraph store on disk
    (made by ``kzlod load``) to check the new files against. ``full=True`` validates the
    whole graph with pySHACL and then keeps the touched nodes' results (the
    reference the incremental check is tested against; memory only).
    ``parsed``: the new files as the gate already read them (``add`` reads them once for both).
    Raises InputError on bad syntax.
    """
    if parsed is None:
        parsed = parse_files(files, max_statements=LIMITS["statements"]) if files else []
    check_assertions(parsed)
    if store.is_endpoint:
        raise UsageError("validation against an endpoint is not offered; load its data with 'kzlod load'")
    if not parsed and store.is_memory:
        return _validate_project(project, reason)
    if not parsed:
        raise UsageError(f"give the new files to check against {store} (a whole large store is "
                         "validated by loading it with 'kzlod load', which checks every file)")
    if full:
        if not store.is_memory:
            raise UsageError("a full validation of a disk store is not offered; validate new files against it")
        report, base = _validate_full(parsed, project, reason), None
    else:
        report, base = _validate_incremental(parsed, project, reason, store)
    # values their evidence does not word
    report.findings += grounding.check_new(parsed, project, store, base=base)
    place(report.findings, [source_of(str(pf.path), pf.path, pf.text.encode("utf-8")) for pf in parsed])
    return report


def check_assertions(parsed: list[ParsedFile]) -> None:
    """What new assertions must be beyond valid RDF, for ``validate`` and ``add`` alike: plain
    triples (a named graph would be dropped on merging)."""
    for pf in parsed:
        for q in pf.quads:
            if not isinstance(q.graph_name, ox.DefaultGraph):
                name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
                line = _locator([pf]).find(name)[1] if name else 0
                raise InputError(f"{pf.path}:{line or 1}: named graphs cannot be added; give plain triples "
                                 f"(graph {q.graph_name} here)")


# --- the project's whole graph, cached ---------------------------------------------------------

def _project_file(project: Project) -> list[Path]:
    """The project's kzlod.toml, if any: the vocabularies it lets data use change the report."""
    toml = project.root / "kzlod.toml"
    return [toml] if toml.is_file() else []


#: Bumped whenever what a cached report keeps changes, so older entries are not read.
REPORT_FORMAT = 6  # 5: with the grounding check's warnings; 6: findings placed


def _report_key(project: Project) -> str:
    """The cache key of the project's report: its shapes, graph and kzlod.toml by content, and
    pySHACL's version (from the installed metadata, without importing it)."""
    return cache.content_key("report", project.shapes_files() + project.graph_files() + _project_file(project),
                             versions=f"format {REPORT_FORMAT} pyshacl {package_version('pyshacl')}")


def _validate_project(project: Project, reason: bool) -> ValidationReport:
    key = _report_key(project)
    cached = _read_cached_report(key)
    built = []  # the project's graph, parsed at most once for both checks
    clashes = None  # the closure's, when worked out beside the shapes
    store = []  # … and its memory store

    def whole():
        if not built:
            store.append(memory_store(project))
            built.append(_project_graph(project, store[0]))
        return built[0]

    if cached is not None:
        report = cached
    else:
        data = whole()
        engine = consistency_engine() if reason else None
        closure_key = input_key(project.graph_files(), engine) if reason else None

        def beside_the_shapes():  # what needs neither the shapes' results nor the closure
            texts, sources = [], []
            for path in project.graph_files():
                raw = path.read_bytes()
                text = raw.decode("utf-8")
                prefixes = dict(re.findall(r"@prefix\s+([\w-]*):\s*<([^>]*)>", text))
                texts.append((project.display(path), text, prefixes))
                # the shapes ran on the files as parse_trusted read them, the closed vocabulary as parse_file
                sources += [source_of(project.display(path), path, raw, salted_by_path=by) for by in (False, True)]
            own = [parse_file(p) for p in project.data_files()]
            return (texts, sources,
                    [dataclasses.replace(f, file=project.display(f.file)) for f in vocabulary_findings(own, project)],
                    grounding.check_project(store[0], Locator(texts)))

        results_graph, clashes, (texts, sources, closed, grounded) = shacl_and_clashes(
            data, _shapes_graph(project), closure_key, engine, beside_the_shapes, store=store[0].store)
        report = ValidationReport(files=[project.display(p) for p in project.graph_files()])
        report.findings = findings_of(results_graph, data, Locator(texts)) + closed + grounded
        place(report.findings, sources)
        report.report_graph = results_graph
        report.triples = len(data)
        _write_cached_report(key, report)
    if reason and clashes is not None:
        report.clashes = clashes
    elif reason:
        engine = consistency_engine()
        report.clashes = cached_clashes(input_key(project.graph_files(), engine),
                                        lambda: compute(whole(), engine=engine))
    return report


def _read_cached_report(key: str) -> ValidationReport | None:
    """The project's report from the cache (its SHACL results graph parsed when first used); None if none."""
    try:
        entry = json.loads(cache.read("report", key) or b"null")
        report = ValidationReport(files=entry["files"], triples=entry["triples"], cached=True)
        report.findings = [Finding(**{k: f[k] for k in ("severity", "focus", "path", "value", "message", "shape",
                                                         "file", "line")}, focus_label=f["focusLabel"],
                                   focus_id=f["focusId"], value_id=f["valueId"],
                                   focus_place=Place(**f["focusPlace"]) if f["focusPlace"] else None,
                                   value_place=Place(**f["valuePlace"]) if f["valuePlace"] else None)
                           for f in entry["results"]]
        report.report_graph = LazyGraph(entry["graph"])
        return report
    except (ValueError, KeyError, TypeError):
        return None


def _write_cached_report(key: str, report: ValidationReport) -> None:
    """Keep the project's report in the cache: its findings and its results graph (N-Triples), one file."""
    entry = {"files": report.files, "triples": report.triples,
             "results": [{**f.as_dict(), "focusId": f.focus_id, "valueId": f.value_id,
                          "focusPlace": f.focus_place and dataclasses.asdict(f.focus_place),
                          "valuePlace": f.value_place and dataclasses.asdict(f.value_place)} for f in report.findings],
             "graph": report.report_graph.serialize(format="nt")}
    cache.put_bytes("report", key, json.dumps(entry).encode("utf-8"))


# --- new files, with the whole graph (the reference) ----------------------------------------

def _validate_full(parsed: list[ParsedFile], project: Project, reason: bool) -> ValidationReport:
    data = _project_graph(project)
    for pf in parsed:
        graph_of(pf.quads, data, fresh_bnodes=True)
    keep = _touched(parsed, data)
    results_graph = _run_shacl(data, _shapes_graph(project))
    report = ValidationReport(files=[str(pf.path) for pf in parsed])
    report.findings = vocabulary_findings(parsed, project) + findings_of(results_graph, data, _locator(parsed),
                                                                         keep=keep)
    report.report_graph = kept_report(results_graph, keep)
    report.triples = len(data)
    report.focus_nodes = len(keep)
    report.data_graph = data
    if reason:
        inputs = [*project.graph_files(), *(pf.text for pf in parsed)]
        closure = cached_closure(input_key(inputs), lambda: compute(data))
        report.clashes = closure.clashes
    return report


def _locator(parsed: list[ParsedFile]) -> Locator:
    return Locator([(str(pf.path), pf.text, pf.prefixes) for pf in parsed])


def _touched(parsed: list[ParsedFile], data) -> set:
    """Nodes the new files mention, and the blank nodes hanging from them (evidence, selectors, times)."""
    from rdflib import BNode, URIRef

    keep = {URIRef(t.value) for pf in parsed for q in pf.quads for t in (q.subject, q.object)
            if isinstance(t, ox.NamedNode)}
    frontier = list(keep)
    while frontier:
        for o in data.objects(frontier.pop(), None):
            if isinstance(o, BNode) and o not in keep:
                keep.add(o)
                frontier.append(o)
    return keep


# --- new files, incrementally ----------------------------------------------------------------

_SHAPES_CACHE: dict = {}


def _shapes(project: Project) -> dict:
    """The shapes' triples (pyoxigraph quads) and what they reach, read once per process; the rdflib
    graph of them under ``"graph"`` once :func:`_shapes_graph_of` asked for it."""
    key = tuple((str(p), p.stat().st_mtime_ns) for p in project.shapes_files())
    if key not in _SHAPES_CACHE:
        quads = [q for path in project.shapes_files() for q in parse_trusted(path)]
        _SHAPES_CACHE.clear()
        _SHAPES_CACHE[key] = {"quads": quads, "reach": shape_reach(quads)}
    return _SHAPES_CACHE[key]


def _shapes_graph_of(project: Project):
    """The shapes graph (rdflib) of :func:`_shapes`, made once."""
    shapes = _shapes(project)
    if "graph" not in shapes:
        shapes["graph"] = graph_of(shapes["quads"])
    return shapes["graph"]


def _validate_incremental(parsed: list[ParsedFile], project: Project, reason: bool,
                          store: StoreSpec) -> tuple[ValidationReport, object]:
    """The report on the new files, and the store they were checked against (open)."""
    reach = _shapes(project)["reach"]
    # pySHACL's part begins in a child at once (imports, the shapes graph), before the store is opened
    child = Child(functools.partial(neighbourhood.prepare, functools.partial(_shapes_graph_of, project)),
                  functools.partial(neighbourhood.check, also=functools.partial(vocabulary_findings, parsed, project)))
    try:
        base = store.open(project)
        delta = ox.Store()
        for pf in parsed:
            delta.extend(ox.Quad(q.subject, q.predicate, q.object) for q in pf.quads)
        graph = Union([base.store, delta])
        triples, touched = extract(graph, parsed, reach)
        text = neighbourhood.neighbourhood_text(triples)
        child.send((text, [str(t) for t in touched], [(str(pf.path), pf.text, pf.prefixes) for pf in parsed]))
        # meanwhile, what needs the store: the consistency check, the unknown names, the count
        clashes = _clashes(parsed, project, store, triples, touched, base) if reason else []
        described = _described(parsed)
        unknown = unknown_terms(parsed, graph, _locator(parsed), described, subjects=None if store.is_memory else
                                functools.partial(_subjects_of, base.store, store.path, delta))
        if store.is_memory:
            # read at once: solutions kept in this frame would go wherever a later exception's traceback goes
            count = int(next(iter(base.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                                   use_default_graph_as_union=True)))["n"].value)
        else:
            stats = store_stats(base.store, store.path)
            count = stats["quads"] if stats else len(base.store)
        found, kept, extracted, closed = child.answer()  # the closed vocabulary's findings too: rdflib's lists
    finally:
        child.close()
    unknown = closed + unknown
    report = ValidationReport(files=[str(pf.path) for pf in parsed], incremental=True)
    report.findings = found
    if unknown:  # one clear line for a misspelt name, in place of the shapes' results about the same value
        said = {(f.focus, f.value) for f in unknown}
        names = {f.value for f in unknown}
        report.findings = unknown + [f for f in report.findings
                                     if (f.focus, f.value) not in said and f.focus not in names]
    report.findings = [f for f in report.findings if f in closed or _about_new_files(f, described)]
    if any(f.shape and f.value and f.value != "[]" for f in report.findings):
        _name_allowed_values(report.findings, _shapes_graph_of(project), graph)
    report.report_graph = kept
    report.focus_nodes, report.extracted = len(touched), extracted
    report.data_graph = neighbourhood.DataGraph(text)
    report.triples = count + len(delta)
    report.clashes = clashes
    return report, base


def _described(parsed: list[ParsedFile]) -> set[str]:
    """The IRIs the new files describe (subjects of their statements)."""
    return {q.subject.value for pf in parsed for q in pf.quads if isinstance(q.subject, ox.NamedNode)}


def _about_new_files(finding: Finding, described: set[str]) -> bool:
    """Whether a result is about what the new files say: its focus (or its value) is a subject they
    describe (``described``), or a blank node of theirs (evidence, selectors). An entity they merely
    mention, with warnings of its own in the graph, is not their fault and is not reported with them."""
    return finding.focus in described or "[]" in (finding.focus, finding.value) or finding.value in described


def _name_allowed_values(findings: list[Finding], shapes, graph) -> None:
    """A value outside the scheme a shape keeps it in: say which values are allowed (the closest
    ones when the scheme is long), as ``kzlod vocab`` lists them."""
    from rdflib import URIRef
    from rdflib.namespace import SH as SHNS
    from rdflib.namespace import SKOS

    schemes: dict[str, list[str]] = {}
    for f in findings:
        if not f.shape or not f.value or f.value == "[]":
            continue
        scheme = None
        for node in shapes.objects(URIRef(f.shape), SHNS.node):
            for prop in shapes.objects(node, SHNS.property):
                if shapes.value(prop, SHNS.path) == SKOS.inScheme:
                    scheme = shapes.value(prop, SHNS.hasValue)
        if scheme is None:
            continue
        if str(scheme) not in schemes:
            query = f"SELECT ?c WHERE {{ ?c <{SKOS.inScheme}> <{scheme}> }}"
            schemes[str(scheme)] = sorted({compact(row["c"].value) for st in graph.stores
                                           for row in st.query(query, use_default_graph_as_union=True)})
        allowed = schemes[str(scheme)]
        if not allowed or compact(f.value) in allowed:
            continue
        shown = allowed if len(allowed) <= 12 else \
            difflib.get_close_matches(compact(f.value), allowed, n=5, cutoff=0) + ["…"]
        f.message = f"{f.message} {compact(f.value)} is not in {compact(str(scheme))}; allowed: {', '.join(shown)}."


#: Namespaces whose names must exist in the graph (declared in the ontology, or described in the data).
CLOSED_NAMESPACES = (KZ, KZD, KZSRC)


def vocabulary_findings(parsed: list[ParsedFile], project: Project) -> list[Finding]:
    """What the closed vocabulary refuses in data files (:mod:`kzlod.validation.vocabulary`), as violations."""
    return [Finding(severity="Violation", focus=p.focus, focus_label="", path=p.path, value=p.value,
                    message=p.message, shape="", file=p.file, line=p.line, focus_id=p.focus_id)
            for p in vocabulary.check(parsed, project)]


def unknown_terms(parsed: list[ParsedFile], graph, locator, described: set[str], *, subjects=None) -> list[Finding]:
    """Names of the project's namespaces that new files use as a predicate, a class or a value, but
    that neither the graph nor the files declare or describe: a misspelt term or entity, with the
    closest known names (``kz:aspect-conectivity`` → did you mean ``kz:aspect-connectivity``).

    ``subjects(namespace)``: the graph's subjects in a namespace, if the caller has them cheaper
    than ``graph`` finds them (a disk store's, cached: :func:`_subjects_of`)."""
    uses = []  # (subject, predicate, the name)
    for pf in parsed:
        for q in pf.quads:
            # predicates and classes are the closed vocabulary's to check (kzlod.validation.vocabulary)
            for term, role in ((q.object, "value"),) if q.predicate.value != RDF_TYPE else ():
                if isinstance(term, ox.NamedNode) and term.value.startswith(CLOSED_NAMESPACES) \
                        and term.value not in described:
                    uses.append((q.subject, q.predicate, term, role))
    missing = sorted({u[2].value for u in uses if not graph.has_subject(u[2])})
    if not missing:
        return []
    needed = [ns for ns in CLOSED_NAMESPACES if any(m.startswith(ns) for m in missing)]
    known = {ns: (subjects or graph.subjects_in)(ns) for ns in needed}
    findings, seen, names = [], set(), {}
    for subject, predicate, term, role in uses:
        if term.value not in missing or (subject, predicate, term) in seen:
            continue
        seen.add((subject, predicate, term))
        ns = next(n for n in CLOSED_NAMESPACES if term.value.startswith(n))
        if ns not in names:  # compact() with the namespaces an IRI of ns can start with: the same, faster
            related = {p: n for p, n in NAMESPACES.items() if n.startswith(ns) or ns.startswith(n)}
            names[ns] = list({compact(iri, related) for iri in known[ns] | described if iri.startswith(ns)})
        close = difflib.get_close_matches(compact(term.value), names[ns], n=3, cutoff=0.75)
        what = "term" if ns == KZ else ("source" if ns == KZSRC else "entity")
        hint = f"; did you mean {' or '.join(close)}?" if close else \
            ("; declare it in ontology/ or use a declared one ('kzlod vocab' lists them)" if ns == KZ else
             "; describe it (a type and a label) or use a known one")
        focus = subject.value if isinstance(subject, ox.NamedNode) else "[]"
        file, line = locator.find(focus) if focus != "[]" else ("", 0)
        findings.append(Finding(
            severity="Violation", focus=focus, focus_label="", path=predicate.value if role == "value" else "",
            value=term.value, message=f"unknown {what} {compact(term.value)} (not in the ontology or the data){hint}",
            shape="", file=file, line=line, focus_id=subject.value if isinstance(subject, ox.BlankNode) else ""))
    return findings


def _subjects_of(store, path: Path, delta, namespace: str) -> set[str]:
    """The subjects in ``namespace`` of a disk store (cached by its content:
    :func:`kzlod.store.backends.store_subjects`) and of the new triples."""
    kept = store_subjects(store, path, CLOSED_NAMESPACES)
    found = set(kept[namespace]) if kept is not None else Union([store]).subjects_in(namespace)
    return found | Union([delta]).subjects_in(namespace)


def _clashes(parsed, project: Project, store: StoreSpec, triples, touched, base) -> list[str]:
    """OWL RL consistency: the whole graph's cached closure in memory; around the new triples for a store."""

    if store.is_memory:

        def build():
            g = _project_graph(project)
            for pf in parsed:
                graph_of(pf.quads, g, fresh_bnodes=True)
            return compute(g, engine=engine)

        engine = consistency_engine()
        inputs = [*project.graph_files(), *(pf.text for pf in parsed)]
        return cached_clashes(input_key(inputs, engine), build)
    return _local_clashes(store.path, triples, touched, base, project)


def _local_clashes(path: Path, triples, touched, base, project: Project) -> list[str]:
    """Clashes of the closure of the ontology, the extracted neighbourhood (``triples``) and every
    triple into a touched node.

    OWL RL entailment is monotone, so every clash found in part of the graph is
    a clash of the whole. The touched nodes' types the store's own closure holds
    (``kzlod reason --store``) are added when it is current.
    """

    found = set(triples)
    for path_ in project.ontology_files():
        found.update((q.subject, q.predicate, q.object) for q in parse_trusted(path_))
    rdf_type = ox.NamedNode(RDF_TYPE)
    stats = store_stats(base.store, path)
    for node in touched:  # what triples into a node entail about it depends on their predicate only
        # the first triple of each predicate into it (the least subject, as a scan of the triples into the
        # node would meet it first): no Python object for every triple into it (a class, a modality: 100,000)
        for predicate in _predicates_into(base.store, node, stats):
            if predicate == rdf_type:
                continue
            q = next(iter(base.store.quads_for_pattern(None, predicate, node, None)), None)
            if q is not None:
                found.add((q.subject, q.predicate, q.object))
    if inferred_current(path, read_meta(path)):
        sub = ox.Store.read_only(str(path / INFERRED_DIR))
        for node in touched:
            found.update((q.subject, q.predicate, q.object) for q in sub.quads_for_pattern(node, rdf_type, None, None))
    return clashes_of(found, engine=consistency_engine())


def _predicates_into(store, node, stats: dict | None) -> list:
    """The predicates to look for triples into ``node`` with: the store's every predicate when known
    (``stats``: :func:`kzlod.store.backends.store_stats`; a look-up each is cheaper than reading every
    triple into a node many triples point at), else those of the triples into it, found by SPARQL."""
    if stats is not None:
        return [ox.NamedNode(p) for p in stats["predicates"]]
    into = "SELECT DISTINCT ?p WHERE { ?s ?p ?node }"
    return [row["p"] for row in store.query(into, substitutions={ox.Variable("node"): node},
                                            use_default_graph_as_union=True)]


def consistency_engine() -> str:
    """The engine for validation's consistency check: the fastest installed.

    Clashes are found by the same checks over either engine's closure, so the
    verdict does not depend on it; reasonable takes 0.1 s where owlrl takes 2 s
    on the bundled graph (owlrl also words each clash its own way, once more).
    """

    return "reasonable" if reasonable_available() else "owlrl"
