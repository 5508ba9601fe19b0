"""Writing query results: terminal tables, CSV/TSV, SPARQL JSON/XML, RDF.

SELECT/ASK results follow the W3C SPARQL 1.1 result formats (JSON, XML,
CSV, TSV); graphs are written by pyoxigraph's serialisers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyoxigraph as ox

from kzlod.errors import UsageError
from kzlod.gate.reading import GRAPH_FORMATS
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
        return {"type": "triple",
                "value": {k: _json_term(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def to_json(result: QueryResult) -> str:
    import json  # here: a query's start does not load it
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
    if result.csv is not None:  # written by the store, byte for byte what follows would write
        return result.csv.decode("utf-8")
    import csv  # here: CSV the store wrote needs no csv module

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if result.kind == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return buf.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else (f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value)
                         for t in row])
    return buf.getvalue()


def to_tsv(result: QueryResult) -> str:
    if result.kind == "ask":
        return "?boolean\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return "\n".join(lines) + "\n"


@dataclass
class TableText:
    """A result laid out for a terminal: its text, and whether any value was cut to fit."""

    text: str
    cut: bool = False
    records: bool = False  # one block a row, ``name: value`` lines: the columns did not fit


#: No column of a table is narrower than this (or its header, or its widest value if less);
#: where the columns cannot all have that much, the rows are shown as records.
LEAST_WIDTH = 12
#: Between two columns of a table: their padding and the rule.
GAP = 3


def _columns(result: QueryResult, labels: dict | None, iris: bool) -> tuple[list[str], list[list[str]]]:
    """The names and cells of a table. A ``?x`` beside an ``?xLabel`` is one column, ``x``: its
    label where it has one, else its value (a literal, or an IRI by its label or compact form); a
    lone ``?xLabel`` is headed ``x``;
    ``iris``: every column, IRIs in compact form with their labels."""
    variables = result.variables
    if iris:
        return list(variables), [[visible(term_text(t, labels)) for t in row] for row in result.rows]
    merged = {variables.index(v): variables.index(f"{v}Label") for v in variables if f"{v}Label" in variables}
    shown = [i for i in range(len(variables)) if i not in merged.values()]
    cells = []
    for row in result.rows:
        line = []
        for i in shown:
            label = row[merged[i]] if i in merged else None
            if label is None or (row[i] is not None and label.value == row[i].value):  # no label but the IRI
                line.append(visible(_readable(row[i], labels)))
            else:
                line.append(visible(label.value))
        cells.append(line)
    return [_name(variables[i], variables) for i in shown], cells


def _name(variable: str, variables: list[str]) -> str:
    """A column's header: ``?xLabel`` without an ``?x`` beside it is headed ``x`` too."""
    base = variable.removesuffix("Label")
    return base if base and base != variable and base not in variables else variable


def table(result: QueryResult, labels: dict | None = None, *, color: bool = False, width: int | None = None,
          iris: bool = False, full: bool = False) -> TableText:
    """A terminal table people read: one header line; terms by their labels (:func:`_columns`); the
    spare width to the columns of long text; each row on one line, long text cut with an ellipsis
    (``full``: wrapped at word boundaries instead). Where the columns do not fit in ``width`` even
    at :data:`LEAST_WIDTH`, one block a row of ``name: value`` lines (:func:`_records`)."""
    from rich.cells import cell_len

    if result.kind == "ask":
        return TableText(("yes" if result.boolean else "no") + "\n")
    width = width or 160
    names, cells = _columns(result, labels, iris)
    needed = [max([cell_len(n)] + [cell_len(c[j]) for c in cells]) for j, n in enumerate(names)]
    least = [min(need, max(cell_len(n), LEAST_WIDTH)) for n, need in zip(names, needed)]
    room = width - GAP * len(names) + 1
    n = len(result.rows)
    footer = f"{n} row{'s' if n != 1 else ''}" + (" (truncated)" if result.truncated else "") + "\n"
    if sum(least) > room:
        text, cut = _records(names, cells, width, color=color, full=full)
        return TableText(text + ("\n" if cells else "") + footer, cut, records=True)
    widths = _share(needed, least, room)
    return TableText(_grid(names, cells, widths, color=color, full=full) + footer,
                     cut=not full and any(w < need for w, need in zip(widths, needed)))


def to_table(result: QueryResult, labels: dict | None = None, *, color: bool = False, width: int | None = None,
             iris: bool = False, full: bool = False) -> str:
    """The text of :func:`table`."""
    return table(result, labels, color=color, width=width, iris=iris, full=full).text


def _share(needed: list[int], least: list[int], room: int) -> list[int]:
    """Column widths within ``room``, each at least its ``least``: the columns whose text fits in an
    even share of what is left get all they need; the rest of the room goes to the columns of long
    text, each in proportion to what it lacks (a quote gets more than a title)."""
    widths = list(least)
    spare = room - sum(widths)
    wanting = [j for j in range(len(widths)) if needed[j] > widths[j]]
    while wanting and spare > 0:
        share = spare / len(wanting)
        small = [j for j in wanting if needed[j] - widths[j] <= share]
        if not small:
            lacking = {j: needed[j] - widths[j] for j in wanting}
            total = sum(lacking.values())
            given = {j: spare * lack // total for j, lack in lacking.items()}
            for j in sorted(wanting, key=lambda k: -lacking[k])[:spare - sum(given.values())]:
                given[j] += 1  # what rounding left, to the columns lacking most
            for j, extra in given.items():
                widths[j] += extra
            break
        for j in small:
            spare -= needed[j] - widths[j]
            widths[j] = needed[j]
        wanting = [j for j in wanting if j not in small]
    return widths


def _grid(names: list[str], cells: list[list[str]], widths: list[int], *, color: bool, full: bool) -> str:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=box.SIMPLE_HEAD, show_lines=False, show_edge=False, header_style="bold" if color else "")
    for name, w in zip(names, widths):
        grid.add_column(name, width=w, no_wrap=not full, overflow="ellipsis")
    for row in cells:
        grid.add_row(*map(Text, row))  # data as plain text: a "[red]" in a label is no markup
    return _print(grid, sum(widths) + GAP * len(widths) - 1, color)


def _records(names: list[str], cells: list[list[str]], width: int, *, color: bool, full: bool) -> tuple[str, bool]:
    """One block a row, a line a bound value (``name: value``), blocks a blank line apart; a value
    longer than its line cut with an ellipsis (``full``: wrapped, its lines under its first)."""
    from rich.cells import cell_len
    from rich.console import Console
    from rich.text import Text

    indent = max(cell_len(n) for n in names) + 2
    room = max(width - indent, 10)
    console = Console(width=room, color_system=None)
    out = Text()
    cut = False
    for k, row in enumerate(cells):
        if k:
            out.append("\n")
        for name, value in zip(names, row):
            if not value:
                continue
            out.append(f"{name}:", style="bold" if color else "")
            out.append(" " * (indent - cell_len(name) - 1))
            text = Text(value)
            if cell_len(value) <= room:
                lines = [text]
            elif full:
                lines = list(text.wrap(console, room))
            else:
                text.truncate(room, overflow="ellipsis")
                lines, cut = [text], True
            for i, line in enumerate(lines):
                if i:
                    out.append(" " * indent)
                out.append(line)
                out.append("\n")
    return _print(out, max(width, indent + room), color), cut


def _print(renderable, width: int, color: bool) -> str:
    """A renderable as text ``width`` wide, each line without its trailing spaces."""
    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system="auto" if color else None,
                      force_terminal=color, highlight=False, soft_wrap=False)
    console.print(renderable, end="")
    text = console.file.getvalue()
    return "".join(line.rstrip(" ") + "\n" for line in text.splitlines())


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
    writers = {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv}
    return writers.get(fmt, lambda r: to_table(r, labels, color=color, width=width, iris=iris, full=full))(result)
