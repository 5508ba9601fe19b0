"""What a literal must be beyond its syntax: in its datatype's lexical *and* value space, with a
well-formed language tag and no base direction, and (in user files) without NUL or Unicode
noncharacters.

Every check is a plain function of the literal's lexical form, looked up by datatype IRI in
:data:`CHECKS` (one table: a datatype is checked here or not at all), and the verdict for a
(datatype, lexical form) pair is cached, so a million-triple ``kzlod load`` pays for each
distinct value once.
"""

from __future__ import annotations

import functools
import re

from kzlod.text import LazyPattern
from kzlod.vocab import XSD

# --- characters -------------------------------------------------------------------------------

#: NUL and the 66 Unicode noncharacters (U+FDD0..U+FDEF, and U+xFFFE, U+xFFFF in every plane).
BAD_CHARS = LazyPattern(
    "[\x00\ufdd0-\ufdef"
    + "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17))
    + "]"
)


def char_name(c: str) -> str:
    """``U+0000 (NUL)``, ``U+FFFE (a noncharacter)``."""
    return f"U+{ord(c):04X} ({'NUL' if c == chr(0) else 'a noncharacter'})"


def bad_char_message(c: str) -> str:
    return f"{char_name(c)} is not allowed in a literal or an IRI, raw or escaped (no NUL, no noncharacters)"


#: Escapes of each syntax that may stand for a character: (regex, how to decode a match).
#: Each regex consumes any other backslash escape as a whole, so ``\\u0000`` is not an escape.
_TURTLE_ESCAPE = LazyPattern(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|.)", re.DOTALL)
_JSON_ESCAPE = LazyPattern(r"\\(?:u([0-9A-Fa-f]{4})(?:\\u([dD][c-fC-F][0-9A-Fa-f]{2}))?|.)", re.DOTALL)
_XML_ESCAPE = LazyPattern(r"&#(?:([0-9]{1,10})|x([0-9A-Fa-f]{1,8}));")


def _turtle_char(m) -> str | None:
    code = m.group(1) or m.group(2)
    return _chr(int(code, 16)) if code else None


def _json_char(m) -> str | None:
    if not m.group(1):
        return None
    high = int(m.group(1), 16)
    if 0xD800 <= high <= 0xDBFF and m.group(2):
        return _chr(0x10000 + ((high - 0xD800) << 10) + (int(m.group(2), 16) - 0xDC00))
    return _chr(high)


def _xml_char(m) -> str | None:
    return _chr(int(m.group(1)) if m.group(1) else int(m.group(2), 16))


def _chr(code: int) -> str | None:
    return chr(code) if code <= 0x10FFFF else None


ESCAPES = {"turtle": (_TURTLE_ESCAPE, _turtle_char), "json": (_JSON_ESCAPE, _json_char),
           "xml": (_XML_ESCAPE, _xml_char)}


def bad_escapes(text: str, kind: str, start: int = 0):
    """(offset, character) of every escape in ``text`` that stands for NUL or a noncharacter."""
    pattern, decode = ESCAPES[kind]
    if "\\" not in text and "&#" not in text:
        return
    for m in pattern.finditer(text, start):
        c = decode(m)
        if c is not None and BAD_CHARS.match(c):
            yield m.start(), c


# --- language tags (BCP 47, RFC 5646 section 2.1: well-formed) ------------------------------------

_A = "[a-zA-Z0-9]"
_GRANDFATHERED = ("en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|"
                  "i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|"
                  "zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang")
LANGTAG = (
    "(?:"
    "(?:[a-zA-Z]{2,3}(?:-[a-zA-Z]{3}){0,3}|[a-zA-Z]{4}|[a-zA-Z]{5,8})"  # language, extlangs
    "(?:-[a-zA-Z]{4})?"  # script
    "(?:-(?:[a-zA-Z]{2}|[0-9]{3}))?"  # region
    f"(?:-(?:{_A}{{5,8}}|[0-9]{_A}{{3}}))*"  # variants
    f"(?:-[0-9a-wyzA-WYZ](?:-{_A}{{2,8}})+)*"  # extensions
    f"(?:-[xX](?:-{_A}{{1,8}})+)?"  # private use
    f"|[xX](?:-{_A}{{1,8}})+"
    f"|(?i:{_GRANDFATHERED})"
    r")\Z"
)


@functools.cache
def _langtag() -> re.Pattern:
    return re.compile(LANGTAG)


@functools.lru_cache(maxsize=4096)
def language_problem(tag: str) -> str | None:
    if _langtag().match(tag):
        return None
    return f"language tag @{tag} is not a well-formed BCP 47 tag (like en, en-GB, zh-Hant-TW)"


def direction_message(direction: str) -> str:
    return f"base direction (--{direction}) is not supported; use a plain language tag"


# --- datatypes --------------------------------------------------------------------------------

_INT = LazyPattern(r"([+-]?)([0-9]+)\Z")
_INTEGER_RANGES = {
    "integer": (None, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "nonNegativeInteger": (0, None),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
    "positiveInteger": (1, None),
}


def _integer(lo, hi):
    def check(lex: str) -> str | None:
        m = _INT.match(lex)
        if not m:
            return ""
        digits = m.group(2).lstrip("0") or "0"
        # past 40 digits only the sign matters (and int() of 4,300+ digits is refused by Python)
        value = int(digits) if len(digits) <= 40 else 10**41
        if m.group(1) == "-":
            value = -value
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            if lo is None:
                return f"must be at most {hi:,}"
            if hi is None:
                return f"must be at least {lo:,}"
            return f"must be between {lo:,} and {hi:,}"
        return None

    return check


def _pattern(regex: str):
    compiled = []  # compiled on first use: importing the gate stays cheap

    def check(lex: str) -> str | None:
        if not compiled:
            compiled.append(re.compile(f"(?:{regex})\\Z"))
        return None if compiled[0].match(lex) else ""

    return check


_YEAR = r"(?P<year>-?(?:[1-9][0-9]{3,}|0[0-9]{3}))"
_MONTH = r"(?P<month>0[1-9]|1[0-2])"
_DAY = r"(?P<day>0[1-9]|[12][0-9]|3[01])"
_TIME = r"(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
_TZ = r"(?P<tz>Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_DATE = f"{_YEAR}-{_MONTH}-{_DAY}"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def _leap(year: str) -> bool:
    digits = year.lstrip("-")
    y = int(digits[-4:])  # leap years repeat every 400 years: the last four digits decide
    if year.startswith("-"):
        y = -y
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _days_in(month: int, year: str | None) -> int:
    if month == 2:
        return 29 if year is None or _leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _calendar(regex: str, *, tz_required: bool = False):
    """A date or time: its lexical form, then a day that exists in its month (and year)."""
    compiled = []

    def check(lex: str) -> str | None:
        if not compiled:
            compiled.append(re.compile(regex + "\\Z"))
        m = compiled[0].match(lex)
        if not m:
            return ""
        groups = m.groupdict()
        if tz_required and not groups.get("tz"):
            return "a timezone is required"
        if groups.get("day") and groups.get("month"):
            year, month = groups.get("year"), int(groups["month"])
            days = _days_in(month, year)
            if int(groups["day"]) > days:
                return f"{MONTHS[month - 1]}{' ' + year if year else ''} has {days} days"
        return None

    return check


# durations: at least one component, and a T only before a time component
_YM = r"(?:[0-9]+Y)?(?:[0-9]+M)?"
_DT = r"(?:[0-9]+D)?(?:T(?!\Z)(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?"
_DURATION = rf"-?P(?!\Z){_YM}{_DT}"
_DAYTIME = rf"-?P(?!\Z){_DT}"
_YEARMONTH = rf"-?P(?!\Z){_YM}"
_DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_FLOAT = rf"{_DECIMAL}(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN"
_B64 = (r"(?:(?:[A-Za-z0-9+/] ?){4})*(?:(?:[A-Za-z0-9+/] ?){3}[A-Za-z0-9+/]|(?:[A-Za-z0-9+/] ?){2}"
        r"[AEIMQUYcgkosw048] ?=|[A-Za-z0-9+/] ?[AQgw] ?= ?=)?")


def _token(lex: str) -> str | None:
    if re.search(r"[\r\n\t]", lex):
        return "no tabs or line breaks"
    if lex != lex.strip(" ") or "  " in lex:
        return "no leading, trailing or double spaces"
    return None


def _normalized(lex: str) -> str | None:
    return "no tabs or line breaks" if re.search(r"[\r\n\t]", lex) else None


def _language(lex: str) -> str | None:
    return None if re.fullmatch(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*", lex) else ""


#: Datatype IRI -> check(lexical form) returning None (valid), "" (not in the lexical space) or a
#: reason (in the lexical space, not in the value space).
CHECKS = {XSD + name: _integer(lo, hi) for name, (lo, hi) in _INTEGER_RANGES.items()}
CHECKS.update({
    XSD + "decimal": _pattern(_DECIMAL),
    XSD + "double": _pattern(_FLOAT),
    XSD + "float": _pattern(_FLOAT),
    XSD + "boolean": _pattern("true|false|1|0"),
    XSD + "date": _calendar(_DATE + _TZ),
    XSD + "dateTime": _calendar(f"{_DATE}T{_TIME}{_TZ}"),
    XSD + "dateTimeStamp": _calendar(f"{_DATE}T{_TIME}{_TZ}", tz_required=True),
    XSD + "time": _calendar(_TIME + _TZ),
    XSD + "gYear": _calendar(_YEAR + _TZ),
    XSD + "gYearMonth": _calendar(f"{_YEAR}-{_MONTH}{_TZ}"),
    XSD + "gMonthDay": _calendar(f"--{_MONTH}-{_DAY}{_TZ}"),
    XSD + "gMonth": _calendar(f"--{_MONTH}{_TZ}"),
    XSD + "gDay": _calendar(f"---{_DAY}{_TZ}"),
    XSD + "duration": _pattern(_DURATION),
    XSD + "dayTimeDuration": _pattern(_DAYTIME),
    XSD + "yearMonthDuration": _pattern(_YEARMONTH),
    XSD + "hexBinary": _pattern("(?:[0-9a-fA-F]{2})*"),
    XSD + "base64Binary": _pattern(_B64),
    XSD + "anyURI": _pattern(r"[^\s]*"),
    XSD + "normalizedString": _normalized,
    XSD + "token": _token,
    XSD + "language": _language,
})

_cache: dict = {}
_CACHE_MAX = 100_000


def literal_problem(value: str, datatype: str) -> str | None:
    """Why ``value`` is not a valid literal of ``datatype`` (an IRI), or None.

    The answer is the whole sentence after the file's position, e.g.
    ``ill-typed literal "300" is not a valid xsd:byte (must be between -128 and 127)``.
    """
    check = CHECKS.get(datatype)
    if check is None:
        return None
    key = (datatype, value)
    try:
        return _cache[key]
    except KeyError:
        pass
    reason = check(value)
    if reason is None:
        problem = None
    else:
        short = datatype.removeprefix(XSD)
        shown = value if len(value) <= 60 else value[:57] + "..."
        problem = f'ill-typed literal "{shown}" is not a valid xsd:{short}' + (f" ({reason})" if reason else "")
    if len(_cache) >= _CACHE_MAX:
        _cache.clear()
    _cache[key] = problem
    return problem


class _Matcher:
    """A check with the ``match`` method of the compiled patterns this table replaced
    (:data:`MATCHERS`): truthy when the literal is valid."""

    def __init__(self, datatype: str):
        self.datatype = datatype

    def match(self, value: str):
        return literal_problem(value, self.datatype) is None or None


MATCHERS = {dt: _Matcher(dt) for dt in CHECKS}
