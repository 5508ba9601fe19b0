"""The human validation report: grouped by focus node, with labels and file:line."""

from __future__ import annotations

from itertools import groupby

from kzlod.vocab import compact


def _order(f):
    return (f.focus, f.severity != "Violation", f.shape, f.path, f.value)


def _focus(f) -> str:
    return compact(f.focus) if f.focus != "[]" else "blank node"


def problem_lines(report) -> list[str]:
    """One line per violation and clash, as ``kzlod add`` prints its refusal and ``kzlod validate``
    reports the same problems: ``file:line: focus (label) path = value: message [shape]``."""
    lines = []
    for f in sorted((f for f in report.findings if f.severity == "Violation"), key=_order):
        where = f"{f.file}:{f.line}: " if f.file else ""
        label = f" ({f.focus_label})" if f.focus_label else ""
        path = f" {compact(f.path)}" if f.path else ""
        value = f" = {compact(f.value)}" if f.value else ""
        shape = f" [{compact(f.shape)}]" if f.shape else ""
        lines.append(f"{where}{_focus(f)}{label}{path}{value}: {f.message}{shape}")
    return lines + [f"inconsistent: {clash}" for clash in report.clashes]


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
    lines = []
    findings = sorted(report.findings, key=_order)
    for focus, group in groupby(findings, key=lambda f: f.focus):
        group = list(group)
        first = group[0]
        where = f"{first.file}:{first.line}: " if first.file else ""
        label = f" ({first.focus_label})" if first.focus_label else ""
        lines.append(f"{where}{_focus(first)}{label}")
        for f in group:
            path = f" {compact(f.path)}" if f.path else ""
            value = f" = {compact(f.value)}" if f.value else ""
            shape = f" [{compact(f.shape)}]" if f.shape else ""
            lines.append(f"  {f.severity}{path}{value}: {f.message}{shape}")
    for clash in report.clashes:
        lines.append(f"inconsistent: {clash}")
    summary = (f"{report.count('Violation')} violations, {report.count('Warning')} warnings, "
               f"{report.count('Info')} infos, {len(report.clashes)} inconsistencies")
    verdict = "conforms" if report.conforms else "does not conform"
    lines.append(f"{verdict}: {summary} ({report.triples} triples checked)")
    return "\n".join(lines) + "\n"
