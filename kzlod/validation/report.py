"""The human validation report: grouped by focus node, with labels and file:line.

A result about a blank node of a new file (an evidence block, its selector, a time) is placed
where that node is written — ``file:line:col`` of its opening bracket — and named by the path to
it from its named subject (``kzd:x kz:hasEvidence [2] oa:hasSelector``), as
:mod:`kzlod.gate.places` finds them when the validation places its findings
(:func:`kzlod.validation.findings.place`); this module only formats, and the gate's internal blank
node names never show.
"""

from __future__ import annotations

from itertools import groupby

from kzlod.text import one_line
from kzlod.vocab import compact


def _focus(f) -> str:
    return compact(f.focus) if f.focus != "[]" else "blank node"


class _Shown:
    """How each finding is shown: where, focus and value, its blank nodes as validation placed them
    (:func:`kzlod.validation.findings.place`)."""

    def order(self, f):
        place = f.focus_place or f.value_place
        at = (place.file, place.line, place.col) if place else (f.file, f.line, 0)
        return (f.focus, at, f.severity != "Violation", f.shape, f.path, f.value)

    def where(self, f) -> str:
        place = f.focus_place or f.value_place
        if place:
            return place.where + ": "
        return f"{f.file}:{f.line}: " if f.file else ""

    @staticmethod
    def about_value(f) -> bool:
        """A finding on a path from a named node (a source, by ``^oa:hasSource``) about a value
        written as a blank node of a file (the evidence's selector): shown as that value's, where
        it is written and by the path to it from its claim."""
        return f.path == "(complex path)" and f.value_place is not None and f.focus_place is None

    def focus(self, f) -> str:
        if self.about_value(f):
            return f.value_place.path
        return f.focus_place.path if f.focus_place else _focus(f)

    def label(self, f) -> str:
        return f" ({f.focus_label})" if f.focus_label and not self.about_value(f) else ""

    def path(self, f) -> str:
        return f" {compact(f.path)}" if f.path and not self.about_value(f) else ""

    def value(self, f) -> str:
        if not f.value or self.about_value(f):
            return ""
        place = f.value_place
        if place is None:
            return f" = {compact(f.value)}"
        if place == f.focus_place:  # the node itself (sh:value of a node shape)
            return ""
        head = f"{self.focus(f)} {compact(f.path)}" if f.path else ""
        shown = place.path
        if head and (shown == head or shown.startswith(head + " [")):
            shown = shown[len(head):].strip() or "[ ]"
        return f" = {shown}"

    def message(self, f) -> str:
        return f.message


def problem_lines(report, severity: str = "Violation") -> list[str]:
    """One line per finding of ``severity`` (and, for violations, per clash), as ``kzlod add`` prints
    its refusal (and its warnings) and ``kzlod validate`` reports the same problems:
    ``file:line: focus (label) path = value: message [shape]`` (``file:line:col`` of the opening
    bracket for a blank node). Data text in them is made visible (:func:`kzlod.text.one_line`)."""
    shown = _Shown()
    lines = []
    for f in sorted((f for f in report.findings if f.severity == severity), key=shown.order):
        shape = f" [{compact(f.shape)}]" if f.shape else ""
        lines.append(one_line(f"{shown.where(f)}{shown.focus(f)}{shown.label(f)}{shown.path(f)}{shown.value(f)}: "
                               f"{shown.message(f)}{shape}"))
    clashes = [f"inconsistent: {one_line(clash)}" for clash in report.clashes] if severity == "Violation" else []
    return lines + clashes


SEVERITIES = ("violation", "warning", "info")


def at_least(report, severity: str | None):
    """The report with only the findings of ``severity`` or graver (None: all of them); the
    verdict (conforms or not) is the report's own and never changes."""
    if not severity:
        return report
    keep = SEVERITIES[: SEVERITIES.index(severity.lower()) + 1]
    report.findings = [f for f in report.findings if f.severity.lower() in keep]
    return report


def text(report) -> str:
    shown = _Shown()
    lines = []
    findings = sorted(report.findings, key=shown.order)
    for _key, group in groupby(findings, key=lambda f: (shown.where(f), shown.focus(f))):
        group = list(group)
        first = group[0]
        lines.append(one_line(f"{shown.where(first)}{shown.focus(first)}{shown.label(first)}"))
        for f in group:
            shape = f" [{compact(f.shape)}]" if f.shape else ""
            lines.append(one_line(f"  {f.severity}{shown.path(f)}{shown.value(f)}: {shown.message(f)}{shape}"))
    for clash in report.clashes:
        lines.append(f"inconsistent: {one_line(clash)}")
    summary = (f"{report.count('Violation')} violations, {report.count('Warning')} warnings, "
               f"{report.count('Info')} infos, {len(report.clashes)} inconsistencies")
    verdict = "conforms" if report.conforms else "does not conform"
    lines.append(f"{verdict}: {summary} ({report.triples} triples checked)")
    return "\n".join(lines) + "\n"
