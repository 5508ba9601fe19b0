"""Writing query results: terminal tables, CSV/TSV, SPARQL JSON/XML, RDF.

SELECT/ASK results follow the W3C SPARQL 1.1 result formats (JSON, XML,
CSV, TSV); graphs are written by pyoxigraph's serialisers.
"""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox

from kzlod.errors import UsageError
from kzlod.gate.parse import GRAPH_FORMATS
from kzlod.querying.run import QueryResult
from kzlod.text import visible
from kzlod.vocab import NAMESPACES, XSD_STRING, compact

TABLE_FORMATS = ("table", "csv", "tsv", "json", "xml")


def term_text(term, labels: dict | None = None) -> str:
    """A term as a person reads it: compact IRI with its label, or the literal's value."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        text = compact(term.value)
        label = (labels or {}).get(term.value)
        return f"{text} ({label})" if label else text
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


# --- SPARQL 1.1 result formats ---------------------------------------------

def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {k: _json_term(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def to_json(result: QueryResult) -> str:
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": result.boolean}, indent=2) + "\n"
    bindings = [
        {v: _json_term(t) for v, t in zip(result.variables, row) if t is not None} for row in result.rows
    ]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}},
                      indent=2, ensure_ascii=False) + "\n"


def _xml_term(term) -> str:
    from xml.sax.saxutils import escape, quoteattr  # here: it imports urllib.request, which a table never needs

    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype.value != XSD_STRING:
        attrs = f" datatype={quoteattr(term.datatype.value)}"
    return f"<literal{attrs}>{escape(term.value)}</literal>"


def to_xml(result: QueryResult) -> str:
    from xml.sax.saxutils import quoteattr

    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "  <head>"]
    out += [f"    <variable name={quoteattr(v)}/>" for v in result.variables]
    out.append("  </head>")
    if result.kind == "ask":
        out.append(f"  <boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        out.append("  <results>")
        for row in result.rows:
            out.append("    <result>")
            for v, t in zip(result.variables, row):
                if t is not None:
                    out.append(f"      <binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
            out.append("    </result>")
        out.append("  </results>")
    out.append("</sparql>")
    return "\n".join(out) + "\n"


def to_csv(result: QueryResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if result.kind == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return buf.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else (f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value) for t in row])
    return buf.getvalue()


def to_tsv(result: QueryResult) -> str:
    if result.kind == "ask":
        return "?boolean\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return "\n".join(lines) + "\n"


def _hidden_iri_columns(variables: list[str]) -> set[str]:
    """IRI columns a ``<name>Label`` column already names (``member`` beside ``memberLabel``)."""
    return {v for v in variables if f"{v}Label" in variables}


def to_table(result: QueryResult, labels: dict | None = None, *, color: bool = False, width: int | None = None,
             iris: bool = False, full: bool = False) -> str:
    """A terminal table (rich) people read: one header line; terms by their labels (``iris``: the
    compact IRI with its label, and every column); each row on one line, long text cut with an
    ellipsis to fit (``full``: wrapped at word boundaries instead); no word is broken."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if result.kind == "ask":
        return ("yes" if result.boolean else "no") + "\n"
    hidden = set() if iris else _hidden_iri_columns(result.variables)
    shown = [i for i, v in enumerate(result.variables) if v not in hidden]
    cells = [[visible(term_text(row[i], labels) if iris else _readable(row[i], labels)) for i in shown]
             for row in result.rows]
    names = [result.variables[i] for i in shown]
    widths = _fit([max([len(n)] + [len(c[j]) for c in cells]) for j, n in enumerate(names)],
                  [len(n) for n in names], (width or 160) - 3 * len(names) - 1)
    table = Table(box=box.SIMPLE_HEAD, show_lines=False, show_edge=False, header_style="bold" if color else "")
    for name, w in zip(names, widths):
        table.add_column(name, width=w, no_wrap=not full, overflow="ellipsis")
    for row in cells:
        table.add_row(*map(Text, row))  # data as plain text: a "[red]" in a label is no markup
    console = Console(file=io.StringIO(), width=width or 160, color_system="auto" if color else None,
                      force_terminal=color, highlight=False)
    console.print(table)
    n = len(result.rows)
    console.print(f"{n} row{'s' if n != 1 else ''}" + (" (truncated)" if result.truncated else ""))
    return console.file.getvalue()


def _fit(needed: list[int], least: list[int], room: int) -> list[int]:
    """Column widths within ``room``: the widest columns give way first, none below its header."""
    widths = list(needed)
    floor = [max(n, 3) for n in least]
    excess = sum(widths) - room
    while excess > 0:
        shrinkable = [k for k in range(len(widths)) if widths[k] > floor[k]]
        if not shrinkable:
            break  # as narrow as the headers allow: the terminal cuts the rest
        j = max(shrinkable, key=lambda k: widths[k])  # the widest gives way, one character at a time
        widths[j] -= 1
        excess -= 1
    return widths


def _readable(term, labels: dict | None) -> str:
    """A term by its label where it has one, else as :func:`term_text` writes it."""
    if isinstance(term, ox.NamedNode) and (labels or {}).get(term.value):
        return labels[term.value]
    return term_text(term, None)


def render(result: QueryResult, fmt: str, labels: dict | None = None, *, color: bool = False,
           width: int | None = None, iris: bool = False, full: bool = False) -> str:
    """Text of a query result in an output format."""
    if result.kind == "graph":
        if fmt in ("table", None):
            fmt = "ttl"
        if fmt not in GRAPH_FORMATS:

            raise UsageError(f"--format {fmt} is for SELECT/ASK results; graphs are written as ttl, nt or jsonld")
        return ox.serialize(result.triples, format=GRAPH_FORMATS[fmt],
                            prefixes=NAMESPACES if fmt == "ttl" else None).decode("utf-8")
    if fmt in GRAPH_FORMATS:

        raise UsageError(f"--format {fmt} is for CONSTRUCT/DESCRIBE results; use table, csv, tsv, json or xml")
    return {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv}.get(fmt, lambda r: to_table(r, labels, color=color, width=width, iris=iris, full=full))(result)
