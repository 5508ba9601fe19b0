"""Validation in three steps: strict syntax, SHACL (inference off), OWL RL consistency.

With no files, the bundled graph is validated. With files, the new
assertions are checked together with the bundled graph and reported only
where they are at fault (results whose focus node the new files mention).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kzlod import resources
from kzlod.loading import ParsedFile, parse_files, parse_trusted

SH = "http://www.w3.org/ns/shacl#"
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

    def as_dict(self) -> dict:
        return {
            "severity": self.severity, "focus": self.focus, "focusLabel": self.focus_label,
            "path": self.path, "value": self.value, "message": self.message, "shape": self.shape,
            "file": self.file, "line": self.line,
        }


@dataclass
class ValidationReport:
    files: list[str]
    findings: list[Finding] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)
    report_graph: object = None
    triples: int = 0

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


def _bundled_graph(root: Path | None):
    from kzlod.rdfconv import graph_of

    g = None
    for path in resources.graph_files(root):
        g = graph_of(parse_trusted(path), g)
    return g


def _shapes_graph(root: Path | None):
    from kzlod.rdfconv import graph_of

    g = None
    for path in resources.shapes_files(root):
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


def _findings(results_graph, data_graph, locator: Locator, keep=None) -> list[Finding]:
    from rdflib import RDF, RDFS, URIRef
    from rdflib.namespace import SH as SHNS

    out = []
    for res in results_graph.subjects(RDF.type, SHNS.ValidationResult):
        focus = results_graph.value(res, SHNS.focusNode)
        if keep is not None and focus not in keep:
            continue
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
        ))
    out.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.focus, f.shape, f.path, f.value, f.message))
    return out


def validate(files=(), *, root: Path | None = None, reason: bool = True) -> ValidationReport:
    """Validate the bundled graph, or new files together with it. Raises InputError on bad syntax."""
    import pyshacl

    from kzlod import reasoning
    from kzlod.rdfconv import graph_of

    parsed: list[ParsedFile] = parse_files(files) if files else []
    data = _bundled_graph(root)
    shapes = _shapes_graph(root)
    for pf in parsed:
        graph_of(pf.quads, data, fresh_bnodes=True)
    keep = _touched(parsed, data) if parsed else None
    conforms, results_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
        do_owl_imports=False, abort_on_first=False, meta_shacl=False,
    )
    texts = [(str(pf.path), pf.text, pf.prefixes) for pf in parsed]
    if not parsed:
        for path in resources.graph_files(root):
            text = path.read_text(encoding="utf-8")
            prefixes = dict(re.findall(r"@prefix\s+([\w-]*):\s*<([^>]*)>", text))
            texts.append((_display(path, root), text, prefixes))
    report = ValidationReport(files=[str(pf.path) for pf in parsed] or [_display(p, root) for p in resources.graph_files(root)])
    report.findings = _findings(results_graph, data, Locator(texts), keep=keep)
    report.report_graph = results_graph
    report.triples = len(data)
    if reason:
        chunks = [p.read_bytes() for p in resources.graph_files(root)] + [pf.text.encode() for pf in parsed]
        closure = reasoning.cached_closure(reasoning.input_key(chunks), lambda: reasoning.compute(data))
        report.clashes = closure.clashes
    return report


def _touched(parsed: list[ParsedFile], data) -> set:
    """Nodes the new files mention, and the blank nodes hanging from them (evidence, selectors, times)."""
    from rdflib import BNode, URIRef

    import pyoxigraph as ox

    keep = {URIRef(t.value) for pf in parsed for q in pf.quads for t in (q.subject, q.object)
            if isinstance(t, ox.NamedNode)}
    frontier = list(keep)
    while frontier:
        for o in data.objects(frontier.pop(), None):
            if isinstance(o, BNode) and o not in keep:
                keep.add(o)
                frontier.append(o)
    return keep


def _display(path: Path, root: Path | None) -> str:
    try:
        return path.resolve().relative_to((root or resources.bundled_root()).resolve()).as_posix()
    except ValueError:
        return str(path)
