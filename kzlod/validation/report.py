"""The human validation report: grouped by focus node, with labels and file:line."""

from __future__ import annotations

from itertools import groupby

from kzlod.vocab import compact


def text(report) -> str:
    lines = []
    findings = sorted(report.findings, key=lambda f: (f.focus, f.severity != "Violation", f.shape, f.path, f.value))
    for focus, group in groupby(findings, key=lambda f: f.focus):
        group = list(group)
        first = group[0]
        where = f"{first.file}:{first.line}: " if first.file else ""
        label = f" ({first.focus_label})" if first.focus_label else ""
        lines.append(f"{where}{compact(focus) if focus != '[]' else 'blank node'}{label}")
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
