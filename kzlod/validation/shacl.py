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
and pySHACL runs on that. The verdict on the touched nodes is the same as a
full run's; tests compare the two on generated graphs with injected faults.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlod.errors import InputError, UsageError
from kzlod.files import cache
from kzlod.gate.parse import LIMITS, ParsedFile, parse_file, parse_files, parse_trusted
from kzlod.project import Project
from kzlod.reasoning import closure as reasoning
from kzlod.store.backends import INFERRED_DIR, content_key, read_meta
from kzlod.store.rdfconv import graph_of, to_rdflib
from kzlod.store.spec import StoreSpec
from kzlod.validation import vocabulary as closed_vocabulary
from kzlod.vocab import KZ, KZD, KZSRC, NAMESPACES, RDF_TYPE, SH, compact

RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass
class Finding:
    severity: str
    focus: str
    focus_label: str
    path: str
    value: str
    message: str
    shape: str
    file: str = ""
    line: int = 0
    focus_id: str = ""  # a blank node's id, for placing it in its file (kzlod.gate.places)
    value_id: str = ""

    def as_dict(self) -> dict:
        return {
            "severity": self.severity, "focus": self.focus, "focusLabel": self.focus_label,
            "path": self.path, "value": self.value, "message": self.message, "shape": self.shape,
            "file": self.file, "line": self.line,
        }


class LazyGraph:
    """An rdflib graph parsed from N-Triples the first time it is used (a cached report's)."""

    def __init__(self, ntriples: str):
        self._nt = ntriples
        self._graph = None

    def _load(self):
        if self._graph is None:
            from rdflib import Graph

            self._graph = Graph().parse(data=self._nt, format="nt")
            for prefix, iri in NAMESPACES.items():
                self._graph.bind(prefix, iri)
            self._graph.bind("sh", SH)
        return self._graph

    def __getattr__(self, name):
        return getattr(self._load(), name)

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())


@dataclass
class ValidationReport:
    files: list[str]
    findings: list[Finding] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)
    report_graph: object = None
    triples: int = 0
    cached: bool = False
    incremental: bool = False
    focus_nodes: int = 0
    extracted: int = 0
    data_graph: object = field(default=None, repr=False)  # the rdflib graph pySHACL ran on

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def conforms(self) -> bool:
        return self.count("Violation") == 0 and not self.clashes

    def as_dict(self) -> dict:
        return {
            "conforms": self.conforms,
            "files": self.files,
            "triples": self.triples,
            "summary": {"violations": self.count("Violation"), "warnings": self.count("Warning"),
                        "infos": self.count("Info"), "clashes": len(self.clashes)},
            "results": [f.as_dict() for f in self.findings],
            "clashes": self.clashes,
        }


def _project_graph(project: Project):
    g = None
    for path in project.graph_files():
        g = graph_of(parse_trusted(path), g)
    return g


def _shapes_graph(project: Project):
    g = None
    for path in project.shapes_files():
        g = graph_of(parse_trusted(path), g)
    return g


def _node_text(g, node) -> str:
    from rdflib import BNode

    if node is None:
        return ""
    if isinstance(node, BNode):
        return "[]"
    return str(node)


class Locator:
    """Find the file and line where a subject is described."""

    def __init__(self, files: list[tuple[str, str, dict]]):
        self.files = files  # (display name, text, prefixes)

    def find(self, iri: str) -> tuple[str, int]:
        for name, text, prefixes in self.files:
            for sp in self._spellings(iri, prefixes):
                m = re.search(rf"^[ \t]*{re.escape(sp)}(?=[\s;,.])", text, re.M)
                if m:
                    return name, text.count("\n", 0, m.start()) + 1
        for name, text, prefixes in self.files:
            for sp in self._spellings(iri, prefixes):
                m = re.search(rf"(?<![\w:]){re.escape(sp)}(?![\w-])", text)
                if m:
                    return name, text.count("\n", 0, m.start()) + 1
        return "", 0

    @staticmethod
    def _spellings(iri: str, prefixes: dict) -> list[str]:
        out = [f"<{iri}>"]
        for p, ns in prefixes.items():
            if iri.startswith(ns) and iri != ns:
                out.append(f"{p}:{iri[len(ns):]}")
        return out


def _results(results_graph, keep=None):
    from rdflib import RDF
    from rdflib.namespace import SH as SHNS

    for res in results_graph.subjects(RDF.type, SHNS.ValidationResult):
        focus = results_graph.value(res, SHNS.focusNode)
        if keep is None or focus in keep:
            yield res, focus


def _findings(results_graph, data_graph, locator: Locator, keep=None) -> list[Finding]:
    from rdflib import RDFS, BNode, URIRef
    from rdflib.namespace import SH as SHNS

    out = []
    for res, focus in _results(results_graph, keep):
        sev = results_graph.value(res, SHNS.resultSeverity)
        shape = results_graph.value(res, SHNS.sourceShape)
        messages = sorted(str(m) for m in results_graph.objects(res, SHNS.resultMessage))
        path = results_graph.value(res, SHNS.resultPath)
        value = results_graph.value(res, SHNS.value)
        label = data_graph.value(focus, RDFS.label) if focus is not None else None
        file, line = locator.find(str(focus)) if isinstance(focus, URIRef) else ("", 0)
        out.append(Finding(
            severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation",
            focus=_node_text(data_graph, focus), focus_label=str(label) if label else "",
            path=_node_text(data_graph, path) if isinstance(path, URIRef) else ("" if path is None else "(complex path)"),
            value=_node_text(data_graph, value) if not hasattr(value, "language") else str(value),
            message=" ".join(messages) or "constraint not met",
            shape=_node_text(data_graph, shape) if isinstance(shape, URIRef) else "",
            file=file, line=line,
            focus_id=str(focus) if isinstance(focus, BNode) else "",
            value_id=str(value) if isinstance(value, BNode) else "",
        ))
    out.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.focus, f.shape, f.path, f.value, f.message))
    return out


def _kept_report(results_graph, keep):
    """A SHACL report graph of only the results about the kept focus nodes."""
    from rdflib import BNode, Graph, Literal
    from rdflib.namespace import RDF
    from rdflib.namespace import SH as SHNS

    g = Graph()
    for prefix, ns in results_graph.namespaces():
        g.bind(prefix, ns)
    report = BNode()
    g.add((report, RDF.type, SHNS.ValidationReport))
    conforms = True
    for res, _ in _results(results_graph, keep):
        g.add((report, SHNS.result, res))
        if results_graph.value(res, SHNS.resultSeverity) == SHNS.Violation:
            conforms = False
        todo = [res]
        while todo:
            node = todo.pop()
            for p, o in results_graph.predicate_objects(node):
                g.add((node, p, o))
                if isinstance(o, BNode) and (o, None, None) not in g:
                    todo.append(o)
    g.add((report, SHNS.conforms, Literal(conforms)))
    return g


def _run_shacl(data, shapes):
    import pyshacl

    _conforms, results_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True,
        do_owl_imports=False, abort_on_first=False, meta_shacl=False,
    )
    return results_graph


def validate(project: Project, files=(), *, reason: bool = True, store: StoreSpec = StoreSpec(),
             full: bool = False, parsed: list[ParsedFile] | None = None) -> ValidationReport:
    """Validate the project's graph, or new files together with it (or with a disk store).

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
        return _validate_full(parsed, project, reason)
    return _validate_incremental(parsed, project, reason, store)


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
REPORT_FORMAT = 4


def _report_key(project: Project) -> str:
    """The cache key of the project's report: its shapes, graph and kzlod.toml by content, and
    pySHACL's version (from the installed metadata, without importing it)."""
    return cache.content_key("report", project.shapes_files() + project.graph_files() + _project_file(project),
                             versions=f"format {REPORT_FORMAT} pyshacl {cache.package_version('pyshacl')}")


def _validate_project(project: Project, reason: bool) -> ValidationReport:
    key = _report_key(project)
    cached = _read_cached_report(key)
    built = []  # the project's graph, parsed at most once for both checks

    def whole():
        if not built:
            built.append(_project_graph(project))
        return built[0]

    if cached is not None:
        report = cached
    else:
        data = whole()
        results_graph = _run_shacl(data, _shapes_graph(project))
        texts = []
        for path in project.graph_files():
            text = path.read_text(encoding="utf-8")
            prefixes = dict(re.findall(r"@prefix\s+([\w-]*):\s*<([^>]*)>", text))
            texts.append((project.display(path), text, prefixes))
        report = ValidationReport(files=[project.display(p) for p in project.graph_files()])
        own = [parse_file(p) for p in project.data_files()]
        report.findings = _findings(results_graph, data, Locator(texts)) + [
            dataclasses.replace(f, file=project.display(f.file)) for f in vocabulary_findings(own, project)]
        report.report_graph = results_graph
        report.triples = len(data)
        _write_cached_report(key, report)
    if reason:
        engine = consistency_engine()
        closure = reasoning.cached_closure(reasoning.input_key(project.graph_files(), engine),
                                           lambda: reasoning.compute(whole(), engine=engine))
        report.clashes = closure.clashes
    return report


def _read_cached_report(key: str) -> ValidationReport | None:
    """The project's report from the cache (its SHACL results graph parsed when first used); None if none."""
    try:
        entry = json.loads(cache.read("report", key) or b"null")
        report = ValidationReport(files=entry["files"], triples=entry["triples"], cached=True)
        report.findings = [Finding(**{k: f[k] for k in ("severity", "focus", "path", "value", "message", "shape",
                                                         "file", "line")}, focus_label=f["focusLabel"],
                                   focus_id=f.get("focusId", ""), value_id=f.get("valueId", ""))
                           for f in entry["results"]]
        report.report_graph = LazyGraph(entry["graph"])
        return report
    except (ValueError, KeyError, TypeError):
        return None


def _write_cached_report(key: str, report: ValidationReport) -> None:
    """Keep the project's report in the cache: its findings and its results graph (N-Triples), one file."""
    entry = {"files": report.files, "triples": report.triples,
             "results": [{**f.as_dict(), "focusId": f.focus_id, "valueId": f.value_id} for f in report.findings],
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
    report.findings = vocabulary_findings(parsed, project) + _findings(results_graph, data, _locator(parsed), keep=keep)
    report.report_graph = _kept_report(results_graph, keep)
    report.triples = len(data)
    report.focus_nodes = len(keep)
    report.data_graph = data
    if reason:
        inputs = [*project.graph_files(), *(pf.text for pf in parsed)]
        closure = reasoning.cached_closure(reasoning.input_key(inputs), lambda: reasoning.compute(data))
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

@dataclass
class ShapeReach:
    """What the shapes look at beyond a focus node's own triples, read from the shapes graph."""

    inverse: set  # predicates followed backwards (inverse paths, sh:targetObjectsOf)
    sparql_subjects_of: set  # focus nodes with these predicates are targets of SHACL-SPARQL shapes
    sparql_classes: set  # … or of these classes
    sparql_predicates: set  # predicates the SHACL-SPARQL queries mention


def shape_reach(shapes) -> ShapeReach:
    from rdflib import URIRef
    from rdflib.namespace import SH as SHNS

    inverse = {o for o in shapes.objects(None, SHNS.inversePath) if isinstance(o, URIRef)}
    inverse |= {o for o in shapes.objects(None, SHNS.targetObjectsOf) if isinstance(o, URIRef)}
    sparql_shapes = set()
    for prop_shape in shapes.subjects(SHNS.sparql, None):
        sparql_shapes.add(prop_shape)
        sparql_shapes.update(shapes.subjects(SHNS.property, prop_shape))
    subjects_of, classes = set(), set()
    for s in sparql_shapes:
        subjects_of.update(shapes.objects(s, SHNS.targetSubjectsOf))
        classes.update(shapes.objects(s, SHNS.targetClass))
    prefixes = {str(p): str(n) for d in shapes.objects(None, SHNS.declare)
                for p in shapes.objects(d, SHNS.prefix) for n in shapes.objects(d, SHNS.namespace)}
    mentioned = set()
    for sparql in shapes.objects(None, SHNS.sparql):
        for text in list(shapes.objects(sparql, SHNS.select)) + list(shapes.objects(sparql, SHNS.ask)):
            text = str(text)
            mentioned.update(re.findall(r"<([^<>\s]+)>", text))
            for prefix, local in re.findall(r"(?<![\w?$<])([A-Za-z][\w-]*):([A-Za-z_][\w-]*)", text):
                if prefix in prefixes:
                    mentioned.add(prefixes[prefix] + local)
    mentioned.discard(RDF_TYPE)  # never walk rdf:type backwards: that is every instance of a class
    return ShapeReach(inverse={str(p) for p in inverse}, sparql_subjects_of={str(p) for p in subjects_of},
                      sparql_classes={str(c) for c in classes}, sparql_predicates=mentioned)


class Union:
    """The graph being validated: a store (memory or disk) plus the new triples, as one."""

    def __init__(self, stores):
        self.stores = stores

    def out(self, node) -> set:
        return {(q.subject, q.predicate, q.object) for st in self.stores
                for q in st.quads_for_pattern(node, None, None, None)}

    def has_subject(self, node) -> bool:
        return any(next(iter(st.quads_for_pattern(node, None, None, None)), None) is not None for st in self.stores)

    def subjects_in(self, namespace: str) -> set[str]:
        """The IRIs of one namespace that are described (subjects) in the graph."""
        query = f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"{namespace}\")) }}"
        return {row["s"].value for st in self.stores for row in st.query(query, use_default_graph_as_union=True)}

    def into(self, node, predicate=None) -> set:
        return {(q.subject, q.predicate, q.object) for st in self.stores
                for q in st.quads_for_pattern(None, predicate, node, None)}

    def with_predicate(self, predicate) -> set:
        return {(q.subject, q.predicate, q.object) for st in self.stores
                for q in st.quads_for_pattern(None, predicate, None, None)}


def _is_node(t) -> bool:
    return isinstance(t, (ox.NamedNode, ox.BlankNode))


def extract(graph: Union, parsed: list[ParsedFile], reach: ShapeReach) -> tuple[set, set]:
    """The triples pySHACL needs to judge the touched nodes, and the touched nodes (pyoxigraph terms)."""
    touched = {t for pf in parsed for q in pf.quads for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
    frontier = list(touched)
    triples: set = set()
    outgoing: dict = {}

    def out(node):
        if node not in outgoing:
            outgoing[node] = graph.out(node)
            triples.update(outgoing[node])
        return outgoing[node]

    while frontier:  # the touched nodes: the IRIs of the new files and the blank nodes hanging from them
        for _, _, o in out(frontier.pop()):
            if isinstance(o, ox.BlankNode) and o not in touched:
                touched.add(o)
                frontier.append(o)
    inverse = [ox.NamedNode(p) for p in sorted(reach.inverse)]
    neighbours = set()
    for node in touched:
        for s, _, o in out(node):
            if _is_node(o):
                neighbours.add(o)
        for p in inverse:
            found = graph.into(node, p)
            triples.update(found)
            neighbours.update(s for s, _, _ in found)
    for node in neighbours - touched:
        out(node)
    sparql_subjects = {ox.NamedNode(p) for p in reach.sparql_subjects_of}
    sparql_classes = {ox.NamedNode(c) for c in reach.sparql_classes}
    walk = [ox.NamedNode(p) for p in sorted(reach.sparql_predicates)]
    for node in touched:
        own = outgoing[node]
        if not any(p in sparql_subjects or (p.value == RDF_TYPE and o in sparql_classes) for _, p, o in own):
            continue
        reached, layer = {node}, {node}
        for _ in range(2):  # two hops each way along what the SHACL-SPARQL queries mention
            nxt = set()
            for n in layer:
                for s, p, o in out(n):
                    if p in walk and _is_node(o):
                        nxt.add(o)
                for p in walk:
                    found = graph.into(n, p)
                    triples.update(found)
                    nxt.update(s for s, _, _ in found)
            layer = nxt - reached
            reached |= nxt
        for n in reached:
            out(n)
    triples.update(graph.with_predicate(ox.NamedNode(RDFS_SUBCLASS)))
    return triples, touched


_SHAPES_CACHE: dict = {}


def _shapes(project: Project):
    key = tuple((str(p), p.stat().st_mtime_ns) for p in project.shapes_files())
    if key not in _SHAPES_CACHE:
        shapes = _shapes_graph(project)
        _SHAPES_CACHE.clear()
        _SHAPES_CACHE[key] = (shapes, shape_reach(shapes))
    return _SHAPES_CACHE[key]


def _validate_incremental(parsed: list[ParsedFile], project: Project, reason: bool,
                          store: StoreSpec) -> ValidationReport:
    base = store.open(project)
    delta = ox.Store()
    for pf in parsed:
        delta.extend(ox.Quad(q.subject, q.predicate, q.object) for q in pf.quads)
    shapes, reach = _shapes(project)
    graph = Union([base.store, delta])
    triples, touched = extract(graph, parsed, reach)
    from rdflib import Graph

    data = Graph()
    add = data.add
    for s, p, o in triples:
        add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    keep = {to_rdflib(t) for t in touched}
    results_graph = _run_shacl(data, shapes)
    report = ValidationReport(files=[str(pf.path) for pf in parsed], incremental=True)
    report.findings = _findings(results_graph, data, _locator(parsed), keep=keep)
    closed = vocabulary_findings(parsed, project)
    described = _described(parsed)
    unknown = closed + unknown_terms(parsed, graph, _locator(parsed), described)
    if unknown:  # one clear line for a misspelt name, in place of the shapes' results about the same value
        said = {(f.focus, f.value) for f in unknown}
        names = {f.value for f in unknown}
        report.findings = unknown + [f for f in report.findings
                                     if (f.focus, f.value) not in said and f.focus not in names]
    report.findings = [f for f in report.findings if f in closed or _about_new_files(f, described)]
    _name_allowed_values(report.findings, shapes, graph)
    report.report_graph = _kept_report(results_graph, keep)
    report.focus_nodes, report.extracted = len(touched), len(data)
    report.data_graph = data
    if store.is_memory:
        # read at once: solutions kept in this frame would go wherever a later exception's traceback goes
        report.triples = int(next(iter(base.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                                         use_default_graph_as_union=True)))["n"].value) + len(delta)
    else:
        report.triples = len(base.store) + len(delta)
    if reason:
        report.clashes = _clashes(parsed, project, store, data, touched, base)
    return report


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
            for p in closed_vocabulary.check(parsed, project)]


def unknown_terms(parsed: list[ParsedFile], graph, locator, described: set[str]) -> list[Finding]:
    """Names of the project's namespaces that new files use as a predicate, a class or a value, but
    that neither the graph nor the files declare or describe: a misspelt term or entity, with the
    closest known names (``kz:aspect-conectivity`` → did you mean ``kz:aspect-connectivity``)."""
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
    known = {ns: graph.subjects_in(ns) for ns in CLOSED_NAMESPACES}
    findings, seen = [], set()
    for subject, predicate, term, role in uses:
        if term.value not in missing or (subject, predicate, term) in seen:
            continue
        seen.add((subject, predicate, term))
        ns = next(n for n in CLOSED_NAMESPACES if term.value.startswith(n))
        names = {compact(iri): iri for iri in known[ns] | described if iri.startswith(ns)}
        close = difflib.get_close_matches(compact(term.value), list(names), n=3, cutoff=0.75)
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


def _clashes(parsed, project: Project, store: StoreSpec, data, touched, base) -> list[str]:
    """OWL RL consistency: the whole graph's cached closure in memory; around the new triples for a store."""

    if store.is_memory:

        def build():
            g = _project_graph(project)
            for pf in parsed:
                graph_of(pf.quads, g, fresh_bnodes=True)
            return reasoning.compute(g, engine=engine)

        engine = consistency_engine()
        inputs = [*project.graph_files(), *(pf.text for pf in parsed)]
        return reasoning.cached_closure(reasoning.input_key(inputs, engine), build).clashes
    return _local_clashes(store.path, data, touched, base, project)


def _local_clashes(path: Path, data, touched, base, project: Project) -> list[str]:
    """Clashes of the closure of the ontology, the extracted neighbourhood and every triple into a touched node.

    OWL RL entailment is monotone, so every clash found in part of the graph is
    a clash of the whole. The touched nodes' types the store's own closure holds
    (``kzlod reason --store``) are added when it is current.
    """

    g = data.__class__()
    for t in data:
        g.add(t)
    for path_ in project.ontology_files():
        graph_of(parse_trusted(path_), g)
    rdf_type = ox.NamedNode(RDF_TYPE)
    for node in touched:  # what triples into a node entail about it depends on their predicate only
        seen = set()
        for q in base.store.quads_for_pattern(None, None, node, None):
            if q.predicate != rdf_type and q.predicate not in seen:
                seen.add(q.predicate)
                g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    meta = read_meta(path)
    done = meta.get("inferred") or {}
    if done and (path / INFERRED_DIR).is_dir() and done.get("content") == content_key(meta):
        sub = ox.Store.read_only(str(path / INFERRED_DIR))
        for node in touched:
            for q in sub.quads_for_pattern(node, rdf_type, None, None):
                g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return reasoning.compute(g, engine=consistency_engine()).clashes


def consistency_engine() -> str:
    """The engine for validation's consistency check: the fastest installed.

    Clashes are found by the same checks over either engine's closure, so the
    verdict does not depend on it; reasonable takes 0.1 s where owlrl takes 2 s
    on the bundled graph (owlrl also words each clash its own way, once more).
    """

    return "reasonable" if reasoning.reasonable_available() else "owlrl"
