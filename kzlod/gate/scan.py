"""A light scan of Turtle and TriG text, outside strings, IRIs and comments: brackets and their
nesting, string tokens and their length, and the RDF 1.2 tokens (``<<``, ``{|``, ``~``).

It runs before the parser (which reports no positions of its own beyond syntax errors), over
the whole text or over consecutive chunks of it (``kzlod load``); every regex is possessive, so
a string token of many megabytes costs no backtracking memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kzlod.text import LazyPattern

# A long string is Turtle's grammar: ('"' | '""')? before each character or escape. No lookaround
# inside a possessive repeat: Python 3.11.2 (Debian 12's) then fails to match '"""a"""' at all.
TOKEN = LazyPattern(
    r'(?P<long>"""(?:"{0,2}(?:[^"\\]++|\\[\s\S]))*+"""'
    r"|'''(?:'{0,2}(?:[^'\\]++|\\[\s\S]))*+''')"
    r"|(?P<unclosed>\"\"\"|''')"  # a long string that does not end (in this chunk)
    r'|(?P<short>"(?:[^"\\\n\r]++|\\[\s\S])*+"'
    r"|'(?:[^'\\\n\r]++|\\[\s\S])*+')"
    r'|(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]++|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>)'
    r"|(?P<comment>#[^\n\r]*+)"
    r"|(?P<esc>\\[\s\S])"
    r"|(?P<star><<\(?|\)?>>|\{\||\|\}|~)"
    r"|(?P<open>[\[(])"
    r"|(?P<close>[\])])"
)


@dataclass
class TurtleScan:
    """The state of a scan, fed the text once (:meth:`feed`) or chunk by chunk (``final=False``)."""

    max_depth: int
    max_string: int
    depth: int = 0
    deep_at: int = -1  # offset of the first bracket past max_depth
    long_string: tuple = ()  # (offset, characters between the quotes) of the first over-long string
    star_at: int = -1  # offset of the first RDF 1.2 token
    star_token: str = ""
    brackets: list | None = None  # offsets of every '[' (when asked for)
    done: bool = False  # a problem was found: nothing more to learn
    _carry: str = field(default="", repr=False)
    _carry_at: int = field(default=0, repr=False)

    def feed(self, text: str, offset: int = 0, *, final: bool = True) -> None:
        """Scan ``text``, which starts at ``offset`` of the file. With ``final=False`` the end of
        the text after its last line break (or an unclosed long string) waits for the next chunk."""
        if self.done:
            return
        if self._carry:
            text, offset = self._carry + text, self._carry_at
            self._carry = ""
        end = len(text)
        if not final:
            cut = max(text.rfind("\n"), text.rfind("\r"))
            end = cut + 1 if cut >= 0 else 0
        pos = self._scan(text, offset, end, final)
        if not final and not self.done:
            self._carry, self._carry_at = text[pos:], offset + pos
            if len(self._carry) > 4 * self.max_string + (1 << 20):  # a string that never ends
                self.long_string = (offset + pos, len(self._carry))
                self.done = True

    def _scan(self, text: str, offset: int, end: int, final: bool) -> int:
        max_depth, brackets = self.max_depth, self.brackets
        for m in TOKEN.finditer(text, 0, end):
            kind = m.lastgroup
            if kind == "open":
                self.depth += 1
                if brackets is not None and m.group() == "[":
                    brackets.append(offset + m.start())
                if self.depth > max_depth and self.deep_at < 0:
                    self.deep_at = offset + m.start()
                    self.done = True
                    return end
            elif kind == "close":
                self.depth -= 1
            elif kind in ("long", "short"):
                quotes = 3 if kind == "long" else 1
                length = m.end() - m.start() - 2 * quotes
                if length > self.max_string and not self.long_string:
                    self.long_string = (offset + m.start(), length)
                    self.done = True
                    return end
            elif kind == "star":
                if self.star_at < 0:
                    self.star_at, self.star_token = offset + m.start(), m.group()
                    self.done = True
                    return end
            elif kind == "unclosed":
                if final:
                    return end  # an unterminated string: the parser reports it
                return m.start()
        return end


def scan_turtle(text: str, *, max_depth: int, max_string: int, brackets: bool = False) -> TurtleScan:
    scan = TurtleScan(max_depth=max_depth, max_string=max_string, brackets=[] if brackets else None)
    scan.feed(text)
    return scan


def bracket_offsets(text: str) -> list[int]:
    """The offset of every ``[`` of a Turtle or TriG text (outside strings, IRIs and comments), in order."""
    scan = TurtleScan(max_depth=1 << 62, max_string=1 << 62, brackets=[])
    scan.feed(text)
    return scan.brackets or []


def longest_gap(text: str, delimiters: str = "\"'<>") -> tuple[int, int]:
    """(offset, length) of the longest run of ``text`` holding none of ``delimiters``: no string,
    IRI or XML text can be longer than it. Linear, in C."""
    pattern = re.compile("[" + re.escape(delimiters) + "]")
    best, best_at, at = -1, 0, 0
    for part in pattern.split(text):
        if len(part) > best:
            best, best_at = len(part), at
        at += len(part) + 1
    return best_at, max(best, 0)
