"""Text from data, made safe to show: control characters made visible.

Labels, quotes, file names and values come from strangers. Written raw to a
terminal, an escape sequence in one of them could set the window's title,
write to the clipboard (OSC 52), clear the screen or hide what follows; a
bidirectional override could reorder what the reader sees. :func:`visible`
writes every such character as an escape the reader can see (``\\x1b``,
``\\x9b``, ``\\u202e``), keeping tabs and newlines; :func:`one_line` also
writes the line breaks, for messages that must stay on their line.
"""

from __future__ import annotations

import re

#: C0 controls but tab and newline, DEL, C1 controls, the bidirectional marks, embeddings, overrides
#: and isolates, and lone surrogates (bytes a decoder could not read).
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\r\n\u2028\u2029\x85]")


class LazyPattern:
    """A regular expression compiled when it is first used, and then used as the compiled pattern
    is (``.match``, ``.search``, ``.finditer``, ``.pattern`` …): a module that defines many (the
    gate's checks, the Turtle writer's) stays cheap to import, and a command that never runs them
    (a named query of the bundled graph) never compiles them."""

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str):  # once per attribute: the compiled pattern's is kept on the instance
        if name in ("pattern", "_flags"):
            raise AttributeError(name)
        value = getattr(re.compile(self.pattern, self._flags), name)
        setattr(self, name, value)
        return value


def _escape(m: re.Match) -> str:
    code = ord(m.group())
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character, bidirectional override and lone surrogate written
    as a visible escape; tabs and newlines are kept."""
    return UNSAFE.sub(_escape, text) if UNSAFE.search(text) else text


def one_line(text: str) -> str:
    """``text`` on one line and visible: line breaks written as ``\\n`` (``\\r`` …) too."""
    text = _LINE_BREAKS.sub(lambda m: {"\n": "\\n", "\r": "\\r"}.get(m.group(), f"\\u{ord(m.group()):04x}"), text)
    return visible(text)



#: Control characters (C0 but tab and newline, DEL, C1).
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def spaced(text: str) -> str:
    """``text`` with every control character (C0 but tab and newline, DEL, C1) made a space, and
    stripped: words typed into a search box, fit to search and to show on a page."""
    return CONTROLS.sub(" ", text).strip()
