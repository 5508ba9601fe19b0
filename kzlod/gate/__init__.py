"""The strict input gate: every file a user gives passes here before anything else sees it.

:mod:`.parse` reads a file whole (syntax with file:line:col, ill-typed literals,
limits, refused content); :mod:`.stream` checks a file of any size the same way,
streaming, for ``kzlod load``.
"""

from kzlod.gate.parse import ParsedFile, parse_file, parse_files, parse_trusted, rdf_format, read_text
from kzlod.gate.stream import gate

__all__ = ["ParsedFile", "gate", "parse_file", "parse_files", "parse_trusted", "rdf_format", "read_text"]
