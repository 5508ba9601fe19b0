"""Light, dependency-free looks at SPARQL text (no full parse: pyoxigraph does that)."""

from __future__ import annotations

import re

from kzlod.vocab import NAMESPACES

_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
)


def mask_sparql(text: str) -> str:
    """The query with strings, IRIs and comments blanked out (same length, same offsets)."""
    return _TOKENS.sub(lambda m: " " * len(m.group()), text)


def without_comments(text: str) -> str:
    """The query with its comments blanked out (same length, same offsets; strings and IRIs kept)."""
    return _TOKENS.sub(lambda m: " " * len(m.group()) if m.group().startswith("#") else m.group(), text)


def iri_tokens(text: str) -> list[tuple[int, str]]:
    """The ``<IRI>`` tokens of a query outside its strings and comments: (offset, the IRI's text)."""
    return [(m.start(), m.group()[1:-1]) for m in _TOKENS.finditer(text) if m.group().startswith("<")]


def strip_sparql(text: str) -> str:
    return mask_sparql(text)


#: A query form's keyword: the first one after the prologue says what the query is.
FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I)
_SERVICE = re.compile(r"(?<![:\w?$])SERVICE\b", re.I)
_UPDATE_WORDS = ("insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy")
_UPDATE = re.compile(r"(?<![:\w?$])(" + "|".join(_UPDATE_WORDS) + r")\b", re.I)


def uses_service(text: str, *, masked: bool = False) -> bool:
    """Whether the query calls SERVICE (``masked``: ``text`` is :func:`mask_sparql`'s already)."""
    if "service" not in text.lower():  # the common case, without the regular expression's look-behind at every place
        return False
    return bool(_SERVICE.search(text if masked else mask_sparql(text)))


def is_update(text: str, *, masked: bool = False) -> bool:
    """Whether the text is an update (``masked``: ``text`` is :func:`mask_sparql`'s already)."""
    lowered = text.lower()
    if not any(word in lowered for word in _UPDATE_WORDS):  # the common case, as above
        return False
    masked = text if masked else mask_sparql(text)
    head = FORM.search(masked)
    upd = _UPDATE.search(masked)
    return bool(upd) and (head is None or upd.start() < head.start())


def read_header(text: str) -> dict:
    """``# title:``, ``# description:`` and ``# param:`` lines at the top of a named query.

    ``# param: NAME (required, entity) description``: the flags in brackets say whether the
    parameter must be given, and whether its value names an entity or a concept (then a label,
    an alternative label, a prefixed name or an IRI, resolved as ``kzlod describe`` does).
    """
    meta: dict = {"title": "", "description": "", "params": {}, "required": [], "kinds": {}}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break
        m = re.match(r"#\s*(title|description|param)\s*:\s*(.*)$", line, re.I)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key == "param":
            name, _, desc = value.partition(" ")
            name, desc = name.lstrip("?$"), desc.strip()
            flags = re.match(r"\(([\w ,]*)\)\s*", desc)  # "(required, entity) The entity's IRI or name"
            words = {w.strip().lower() for w in flags.group(1).split(",")} if flags else set()
            meta["params"][name] = desc[flags.end():] if flags else desc
            if "required" in words:
                meta["required"].append(name)
            kind = next((w for w in ("entity", "concept") if w in words), None)
            if kind:
                meta["kinds"][name] = kind
        elif meta[key]:
            meta[key] += " " + value
        else:
            meta[key] = value
    return meta


_BRACKETS = re.compile(r"[{}()\[\]]")


def nesting_depth(text: str, *, masked: bool = False) -> int:
    """The deepest nesting of ``{ ( [`` brackets outside strings, IRIs and comments (``masked``: ``text``
    is :func:`mask_sparql`'s already)."""
    depth = deepest = 0
    for m in _BRACKETS.finditer(text if masked else mask_sparql(text)):  # the brackets only, not every character
        if m.group() in "{([":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


_WORD = r"(?<![\w?$:])"


def inline_constants(text: str, constants: dict[str, str]) -> str | None:
    """The query with each variable of ``constants`` (name -> term in SPARQL syntax) written as that constant.

    Oxigraph plans a query before it sees pre-bound variables, so a constant
    in the text can be a hundred times faster. The projection keeps the
    variable's name (``(<iri> AS ?v)``) and ORDER BY / GROUP BY drop it. None
    when the rewrite would not mean the same: a sub-select (another scope), the
    variable as a BIND or VALUES target, or ``SELECT *``.
    """
    masked = mask_sparql(text)
    if len(re.findall(_WORD + r"SELECT\b", masked, re.I)) > 1:
        return None
    for name in constants:
        var = rf"[?$]{re.escape(name)}\b"
        if re.search(rf"\bAS\s+{var}", masked, re.I) or re.search(rf"\bVALUES\b[^{{]*{var}", masked, re.I):
            return None
    select = re.search(_WORD + r"SELECT\b", masked, re.I)
    where = re.search(_WORD + r"WHERE\b|\{", masked[select.end():] if select else masked, re.I)
    if select and (where is None or re.match(r"\s*(DISTINCT|REDUCED)?\s*\*", masked[select.end():], re.I)):
        return None
    if select:
        head_end = select.end() + where.start()
        body_end = _closing_brace(masked, masked.find("{", head_end))
    else:  # ASK, DESCRIBE, CONSTRUCT: the pattern opens after WHERE (or is the only group)
        head_end, keyword = 0, re.search(_WORD + r"WHERE\b", masked, re.I)
        body_end = _closing_brace(masked, masked.find("{", keyword.end()) if keyword else masked.find("{"))
        if keyword is None and re.search(_WORD + r"CONSTRUCT\s*\{", masked, re.I):
            return None
    if body_end < 0:
        return None
    pattern = re.compile("|".join(rf"[?$]{re.escape(n)}\b" for n in constants))
    out, pos = [], 0
    modifiers_dropped = False
    for m in pattern.finditer(masked):
        name = m.group()[1:]
        term = constants[name]
        depth = masked[:m.start()].count("(") - masked[:m.start()].count(")")
        if select and select.end() <= m.start() < head_end and depth == 0:
            replacement = f"({term} AS ?{name})"
        elif m.start() > body_end and depth == 0:
            replacement, modifiers_dropped = "", True
        else:
            replacement = term
        out.append(text[pos:m.start()] + replacement)
        pos = m.end()
    result = "".join(out) + text[pos:]
    if modifiers_dropped:  # "ORDER BY" or "GROUP BY" with nothing left after it
        result = re.sub(r"\b(ORDER|GROUP)\s+BY\s*(?=$|LIMIT\b|OFFSET\b|HAVING\b|ORDER\b|VALUES\b)", "", result,
                        flags=re.I)
    return result


def _closing_brace(masked: str, start: int) -> int:
    """The offset of the brace that closes the one at ``start`` (-1 if none)."""
    if start < 0:
        return -1
    depth = 0
    for i in range(start, len(masked)):
        if masked[i] == "{":
            depth += 1
        elif masked[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def prefixed_query(sparql: str, namespaces: dict | None = None) -> str:
    """Prepend PREFIX declarations for the project's prefixes the query uses but does not declare."""
    declared = set(re.findall(r"PREFIX\s+([\w-]*):", sparql, re.I))
    used = set(re.findall(r"(?<![\w<])([A-Za-z][\w-]*):[\w]", sparql))
    lines = [f"PREFIX {p}: <{iri}>" for p, iri in sorted((namespaces or NAMESPACES).items()) if p in used - declared]
    return "\n".join(lines + [sparql]) if lines else sparql
