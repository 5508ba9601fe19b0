"""Light, dependency-free looks at SPARQL text (no full parse: pyoxigraph does that)."""

from __future__ import annotations

import re

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


def strip_sparql(text: str) -> str:
    return mask_sparql(text)


_SERVICE = re.compile(r"(?<![:\w?$])SERVICE\b", re.I)
_UPDATE = re.compile(r"(?<![:\w?$])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b", re.I)


def uses_service(text: str) -> bool:
    return bool(_SERVICE.search(mask_sparql(text)))


def is_update(text: str) -> bool:
    masked = mask_sparql(text)
    head = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", masked, re.I)
    upd = _UPDATE.search(masked)
    return bool(upd) and (head is None or upd.start() < head.start())


def read_header(text: str) -> dict:
    """``# title:``, ``# description:`` and ``# param:`` lines at the top of a named query."""
    meta: dict = {"title": "", "description": "", "params": {}}
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
            meta["params"][name.lstrip("?$")] = desc.strip()
        elif meta[key]:
            meta[key] += " " + value
        else:
            meta[key] = value
    return meta


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``{ ( [`` brackets outside strings, IRIs and comments."""
    depth = deepest = 0
    for ch in mask_sparql(text):
        if ch in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})]":
            depth -= 1
    return deepest
