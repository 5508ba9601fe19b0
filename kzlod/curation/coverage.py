"""``kzlod coverage``: how much of each source's text the claims cite.

A sentence is covered when at least one claim or event cites it:
``?claim kz:hasEvidence ?evidence . ?evidence kz:sentence ?sentence``.
Per source and per section: sentences, covered sentences, their share in
percent, the distinct claims citing them and the mean number of claims per
sentence; and the list of uncovered sentences. Sources without text in the
graph have no sentences and are left out.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from kzlod.curation.common import open_graph, resolve_source, sources
from kzlod.errors import UsageError
from kzlod.project import Project
from kzlod.querying.run import run_query

CITATIONS = """
SELECT ?source ?sentence ?index ?text ?sectionIndex ?sectionTitle ?claim WHERE {
  ?sentence a kz:Sentence ;
      dcterms:isPartOf ?source ;
      kz:index ?index ;
      rdf:value ?text .
  OPTIONAL {
    ?sentence kz:inSection ?section .
    OPTIONAL { ?section kz:index ?sectionIndex }
    OPTIONAL { ?section dcterms:title ?sectionTitle }
  }
  OPTIONAL { ?evidence kz:sentence ?sentence . ?claim kz:hasEvidence ?evidence . }
}
"""


def _percent(covered: int, total: int) -> float:
    return round(100.0 * covered / total, 1) if total else 100.0


def _tally(rows: list[dict]) -> dict:
    n = len(rows)
    covered = sum(1 for r in rows if r["claims"])
    claims = set().union(*(r["claimIris"] for r in rows)) if rows else set()
    return {"sentences": n, "covered": covered, "percent": _percent(covered, n), "claims": len(claims),
            "claimsPerSentence": round(sum(r["claims"] for r in rows) / n, 2) if n else 0.0}


def coverage(project: Project, source: str | None = None) -> dict:
    """Coverage of one source (slug, IRI or its text file) or of every source with text."""
    store = open_graph(project)
    known = {s.iri: s for s in sources(store)}
    wanted = None
    if source is not None:
        wanted = resolve_source(store, source).source
        if not wanted.has_text:
            raise UsageError(f"{wanted.id} has no text in the graph, so it has no sentences to cover")
    bind = {ox.Variable("source"): ox.NamedNode(wanted.iri)} if wanted else None
    sentences: dict[str, dict] = {}
    for src, sent, index, text, sec_index, sec_title, claim in run_query(store, CITATIONS, bind).rows:
        row = sentences.setdefault(sent.value, {
            "source": src.value, "index": int(index.value), "sentence": sent.value, "text": text.value,
            "section": int(sec_index.value) if sec_index is not None else None,
            "sectionTitle": sec_title.value if sec_title is not None else "", "claimIris": set(),
        })
        if claim is not None:
            row["claimIris"].add(claim.value)
    by_source: dict[str, list] = defaultdict(list)
    for row in sentences.values():
        row["claims"] = len(row["claimIris"])
        by_source[row["source"]].append(row)
    out_sources = []
    for iri in sorted(by_source, key=lambda i: (known[i].id if i in known else i)):
        rows = sorted(by_source[iri], key=lambda r: r["index"])
        info = known.get(iri)
        sections = []
        by_section: dict = defaultdict(list)
        for r in rows:
            by_section[r["section"]].append(r)
        for sec in sorted(by_section, key=lambda s: (s is None, s or 0)):
            sec_rows = by_section[sec]
            sections.append({"index": sec, "title": sec_rows[0]["sectionTitle"], **_tally(sec_rows)})
        out_sources.append({
            "source": iri, "id": info.id if info else iri, "title": info.title if info else "",
            **_tally(rows), "sections": sections,
            "uncovered": [{"index": r["index"], "sentence": r["sentence"], "section": r["section"], "text": r["text"]}
                          for r in rows if not r["claims"]],
            "perSentence": [{"index": r["index"], "sentence": r["sentence"], "claims": r["claims"]} for r in rows],
        })
    total_n = sum(s["sentences"] for s in out_sources)
    total_c = sum(s["covered"] for s in out_sources)
    return {"sources": out_sources,
            "total": {"sentences": total_n, "covered": total_c, "percent": _percent(total_c, total_n)}}


def coverage_table(result: dict, width: int = 100) -> str:
    import textwrap

    head = f"{'':<4}{'section':<44}{'sentences':>10}{'covered':>9}{'%':>8}{'claims':>8}{'per sentence':>14}"
    lines = []
    for s in result["sources"]:
        lines.append(f"{s['id']}" + (f" — {s['title']}" if s["title"] else ""))
        lines.append(head)
        for sec in s["sections"]:
            name = f"{sec['index']}. {sec['title']}" if sec["index"] is not None else "(no section)"
            lines.append(f"{'':<4}{textwrap.shorten(name, 42, placeholder='…'):<44}{sec['sentences']:>10}"
                         f"{sec['covered']:>9}{sec['percent']:>7.1f}%{sec['claims']:>8}{sec['claimsPerSentence']:>14.2f}")
        lines.append(f"{'':<4}{'all sections':<44}{s['sentences']:>10}{s['covered']:>9}{s['percent']:>7.1f}%"
                     f"{s['claims']:>8}{s['claimsPerSentence']:>14.2f}")
        if s["uncovered"]:
            lines.append(f"    uncovered sentences ({len(s['uncovered'])}):")
            for u in s["uncovered"]:
                lines.append(f"    {u['index']:4d}  " + textwrap.shorten(u["text"], width - 10, placeholder=" …"))
        lines.append("")
    t = result["total"]
    lines.append(f"total: {t['covered']} of {t['sentences']} sentences covered ({t['percent']:.1f}%)")
    return "\n".join(lines) + "\n"
