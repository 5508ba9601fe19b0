"""What a validation finds, and the report it makes: findings of SHACL results, placed in their files.

A :class:`Finding` is one result as kzlod reports it (severity, focus and its label, path, value,
message, shape, file and line); a :class:`ValidationReport` holds them with the clashes, the
triple count and pySHACL's report graph. :func:`findings_of` reads a pySHACL results graph into
findings, :class:`Locator` finds the line where a subject is described, :func:`kept_report` keeps
the results about the nodes a check is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kzlod.gate.places import BLANK_ID, Place, Source, blank_places
from kzlod.vocab import NAMESPACES, SH

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
    focus_place: Place | None = None  # where the focus, a blank node, is written (placed by :func:`place`)
    value_place: Place | None = None  # … and the value

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


def place(findings: list[Finding], sources: list[Source]) -> None:
    """Place the blank nodes the findings are about (their focus, their value, those their messages
    name) in the files the validation read (``sources``: the bytes it read), once, so that a report
    only formats: ``focus_place``/``value_place`` set, blank-node names in messages replaced by the
    path to the node (``kzd:x kz:hasEvidence [2] oa:hasSelector``)."""
    ids = {i for f in findings for i in (f.focus_id, f.value_id) if i}
    ids |= {m.group(1) + "n" + m.group(2) for f in findings for m in BLANK_ID.finditer(f.message)}
    places = blank_places(sources, ids) if ids else {}

    def named(m: re.Match) -> str:
        found = places.get(m.group(1) + "n" + m.group(2))
        return found.path if found else "a blank node"

    for f in findings:
        f.focus_place = places.get(f.focus_id) if f.focus_id else None
        f.value_place = places.get(f.value_id) if f.value_id else None
        f.message = BLANK_ID.sub(named, f.message)


def node_text(g, node) -> str:
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


def results_of(results_graph, keep=None):
    from rdflib import RDF
    from rdflib.namespace import SH as SHNS

    for res in results_graph.subjects(RDF.type, SHNS.ValidationResult):
        focus = results_graph.value(res, SHNS.focusNode)
        if keep is None or focus in keep:
            yield res, focus


def findings_of(results_graph, data_graph, locator: Locator, keep=None) -> list[Finding]:
    from rdflib import RDFS, BNode, URIRef
    from rdflib.namespace import SH as SHNS

    out = []
    for res, focus in results_of(results_graph, keep):
        sev = results_graph.value(res, SHNS.resultSeverity)
        shape = results_graph.value(res, SHNS.sourceShape)
        messages = sorted(str(m) for m in results_graph.objects(res, SHNS.resultMessage))
        path = results_graph.value(res, SHNS.resultPath)
        value = results_graph.value(res, SHNS.value)
        label = data_graph.value(focus, RDFS.label) if focus is not None else None
        file, line = locator.find(str(focus)) if isinstance(focus, URIRef) else ("", 0)
        out.append(Finding(
            severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation",
            focus=node_text(data_graph, focus), focus_label=str(label) if label else "",
            path=(node_text(data_graph, path) if isinstance(path, URIRef)
                  else ("" if path is None else "(complex path)")),
            value=node_text(data_graph, value) if not hasattr(value, "language") else str(value),
            message=" ".join(messages) or "constraint not met",
            shape=node_text(data_graph, shape) if isinstance(shape, URIRef) else "",
            file=file, line=line,
            focus_id=str(focus) if isinstance(focus, BNode) else "",
            value_id=str(value) if isinstance(value, BNode) else "",
        ))
    out.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.focus, f.shape, f.path, f.value, f.message))
    return out


def kept_report(results_graph, keep):
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
    for res, _ in results_of(results_graph, keep):
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
