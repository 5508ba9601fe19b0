"""The strict input gate: every file a user gives passes here before anything else sees it.

:mod:`.parse` reads a file whole (syntax with file:line:col, ill-typed literals,
limits, refused content), through :mod:`.reading` (format, size, UTF-8), :mod:`.syntax`
(what its text may not hold, syntax errors) and :mod:`.terms` (what its terms may not be);
:mod:`.stream` checks a file of any size the same way, streaming, for ``kzlod load``.
"""

from kzlod.gate.parse import ParsedFile, parse_file, parse_files, parse_trusted
from kzlod.gate.reading import rdf_format, read_text
from kzlod.gate.stream import gate

__all__ = ["ParsedFile", "gate", "parse_file", "parse_files", "parse_trusted", "rdf_format", "read_text"]
