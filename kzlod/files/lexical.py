"""Turtle's lexical rules as the canonical writer needs them: which names may be written as
prefixed names, which numbers and language tags bare, and how strings and IRIs are escaped."""

from __future__ import annotations

import re

from kzlod.text import LazyPattern

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf"
    "\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS_U = _BASE + "_"
_CHARS = _CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PCT = "%[0-9A-Fa-f]{2}"


# PN_LOCAL's and PN_PREFIX's classes span all of Unicode and take about 10 ms each to compile: a
# command that never writes Turtle nor checks a name (``kzlod query NAME``) does not pay for them.
PN_LOCAL = LazyPattern(f"(?:[{_CHARS_U}:0-9]|{_PCT})(?:(?:[{_CHARS}.:]|{_PCT})*(?:[{_CHARS}:]|{_PCT}))?")
PN_PREFIX = LazyPattern(f"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?")
INTEGER = LazyPattern(r"[+-]?[0-9]+")
DECIMAL = LazyPattern(r"[+-]?[0-9]*\.[0-9]+")
DOUBLE = LazyPattern(r"[+-]?(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+)")
LANGTAG = LazyPattern(r"[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")

_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# control characters, C1 controls and the invisible separators are written \uXXXX
_SHORT_SPECIAL = LazyPattern('[\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]')
_LONG_SPECIAL = LazyPattern('[\\\\\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]|"(?="|\\Z)')
_IRI_SPECIAL = LazyPattern('[\x00-\x20<>"{}|^`\\\\]')


def _escape_char(m: re.Match) -> str:
    c = m.group(0)
    return _SHORT_ESCAPES.get(c) or f"\\u{ord(c):04X}"


def quote(lex: str) -> str:
    if "\n" in lex:
        return '"""' + _LONG_SPECIAL.sub(_escape_char, lex) + '"""'
    return '"' + _SHORT_SPECIAL.sub(_escape_char, lex) + '"'


def string_literal(text: str) -> str:
    """A Turtle string literal for ``text``, escaped as the canonical writer escapes it."""
    return quote(text)


def iriref(iri: str) -> str:
    return "<" + _IRI_SPECIAL.sub(lambda m: f"\\u{ord(m.group(0)):04X}", iri) + ">"
