"""A curator's spreadsheet (``kzlod template``): its rows and cells read as what their column holds,
and the problems found, each named by its cell (``file.csv:B7``)."""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from kzlod.curation.common import column_letter
from kzlod.errors import DataError, InputError, KzlodError, UsageError
from kzlod.gate.reading import LIMITS, check_size, read_bytes
from kzlod.vocab import compact

COLUMNS = ("id", "type", "subject", "relation", "object", "value", "datatype", "lang", "date",
           "source", "quote", "label", "comment")
LANG = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*")


def clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# --------------------------------------------------------------------------- problems


@dataclass(order=True)
class Problem:
    row: int
    col: int
    message: str = field(compare=False)
    code: int = field(compare=False, default=3)


class Problems:
    """Every problem found, each at a cell; raised together, the first as the message."""

    MAX = 50

    def __init__(self, name: str):
        self.name = name
        self.items: list[Problem] = []

    def add(self, row: int, col: int, message: str, *, code: int) -> None:
        self.items.append(Problem(row, col, message, code))

    def where(self, p: Problem) -> str:
        return f"{self.name}:{column_letter(p.col)}{p.row}" if p.col >= 0 else f"{self.name}:{p.row}"

    def raise_if_any(self) -> None:
        if not self.items:
            return
        items = sorted(self.items)
        lines = [f"{self.where(p)}: {p.message}" for p in items[: self.MAX]]
        if len(items) > self.MAX:
            lines.append(f"{self.name}: … and {len(items) - self.MAX} more problems")
        cls = InputError if any(p.code == 3 for p in items) else DataError
        raise cls(lines[0], details=lines[1:])


# --------------------------------------------------------------------------- reading the sheet


@dataclass
class Row:
    number: int  # the spreadsheet row (the header is row 1)
    cells: dict  # column name -> stripped text (only non-empty cells)


@dataclass
class Sheet:
    name: str
    columns: dict  # column name -> 0-based index
    rows: list[Row]

    def col(self, name: str) -> int:
        return self.columns.get(name, -1)


def read_sheet(path: Path) -> Sheet:
    """Read a CSV (RFC 4180 quoting) or TSV (no quoting) template; the first row names the columns."""
    path = Path(path)
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".tsv"):
        raise UsageError(f"{name}: a template is a .csv or .tsv file, not {suffix or 'a file without extension'}")
    check_size(path, whole=True)  # a FIFO or device is refused by its name, a big file before it is read
    raw = read_bytes(path, LIMITS["whole_file_bytes"])
    if raw.startswith(b"\xef\xbb\xbf"):  # spreadsheet programs often write one
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{name}:{line}: invalid UTF-8 byte 0x{raw[exc.start]:02x}; save the sheet as UTF-8") from None
    if "\x00" in text:
        raise InputError(f"{name}:{text[:text.index(chr(0))].count(chr(10)) + 1}: NUL byte; "
                         "this is not a CSV/TSV text file")
    if suffix == ".tsv":
        reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=",", strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise InputError(f"{name}:{reader.line_num}: cannot read the sheet: {exc}") from None
    if not records or not any(c.strip() for c in records[0]):
        raise InputError(f"{name}:1: no header row: the first row names the columns ({', '.join(COLUMNS)})")
    problems = Problems(name)
    header = [c.strip().lower() for c in records[0]]
    columns: dict[str, int] = {}
    for i, col in enumerate(header):
        if not col:
            if any(i < len(r) and r[i].strip() for r in records[1:]):
                problems.add(1, i, "this column has values but no name", code=3)
            continue
        if col not in COLUMNS:
            close = difflib.get_close_matches(col, COLUMNS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.add(1, i, f"unknown column {records[0][i].strip()!r} (columns: {', '.join(COLUMNS)}){hint}",
                         code=3)
        elif col in columns:
            problems.add(1, i, f"column {col!r} appears twice (first in {column_letter(columns[col])}1)", code=3)
        else:
            columns[col] = i
    if "id" not in columns:
        problems.add(1, -1, "no 'id' column: every row names the claim or entity it describes", code=3)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue
        cells = {}
        for i, value in enumerate(record):
            value = value.strip()
            if not value:
                continue
            if i >= len(header):
                problems.add(number, i, "value outside the named columns", code=3)
            elif header[i] in columns and columns[header[i]] == i:
                cells[header[i]] = value
        rows.append(Row(number, cells))
    problems.raise_if_any()
    if not rows:
        raise InputError(f"{name}:2: the sheet has a header but no rows: there is nothing to add")
    return Sheet(name, columns, rows)


# --------------------------------------------------------------------------- problems of add, at their cells

def pointed(exc: KzlodError, ttl: Path, text: str, sheet: Sheet, subjects: dict) -> KzlodError:
    """The error of ``kzlod add`` on the temporary file of the sheet's triples, pointed at the rows
    the problems come from (``subjects``: the sheet's subjects by IRI, with their rows and cells)."""
    name, tmp, point = sheet.name, str(ttl), pointer(ttl, text, sheet, subjects)
    message = exc.message.replace(tmp, name)
    if isinstance(exc, DataError) and "nothing was changed" in exc.message:
        message = f"{name}: {exc.message.replace('the new assertions', 'the rows')}"
    details = [point(d) for d in exc.details]
    if re.match(rf"{re.escape(tmp)}:\d+", exc.message):
        message = point(exc.message)
    return type(exc)(message, details=details)


def pointer(ttl: Path, text: str, sheet: Sheet, subjects: dict):
    """A function that points a line of ``kzlod add`` about the temporary file at the sheet's cell."""
    name = sheet.name
    prefixes = dict(re.findall(r"@prefix\s+([\w-]*):\s*<([^>]*)>", text))
    by_line: dict[int, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if line and not line[0].isspace() and not line.startswith(("@prefix", "[", "_:")):
            token = line.split(" ", 1)[0]
            iri = token[1:-1] if token.startswith("<") else (
                prefixes.get(token.split(":", 1)[0], "") + token.split(":", 1)[1]
                                                              if ":" in token else "")
            by_line[n] = iri
    tmp = str(ttl)

    def point(line: str) -> str:
        m = re.match(rf"{re.escape(tmp)}:(\d+):\s*(.*)$", line)
        if not m:
            return f"{name}: " + line.replace(tmp, name)
        iri = by_line.get(int(m.group(1)))
        rest = m.group(2)
        subject = subjects.get(iri) if iri else None
        if subject is None:
            return f"{name}: {rest}"
        row, col = subject.rows[0], sheet.col("id")
        after = rest[len(compact(iri)):].lstrip() if rest.startswith(compact(iri)) else ""
        after = re.sub(r"^\((?:[^()]|\([^()]*\))*\)\s*", "", after)  # the focus node's label
        pm = re.match(r"(\S+)(?: = \S+)?: ", after)
        if pm:
            for pred, cell in subject.cells.items():
                if compact(pred) == pm.group(1):
                    row, col = cell
                    break
        return f"{name}:{column_letter(col)}{row}: {rest}" if col >= 0 else f"{name}:{row}: {rest}"

    return point
