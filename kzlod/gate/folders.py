"""The RDF files a user names: a folder stands for the RDF files in it (``kzlod validate DIR``)."""

from __future__ import annotations

from pathlib import Path

from kzlod.errors import UsageError
from kzlod.gate.reading import FORMATS


def rdf_files(paths) -> list[Path]:
    """``paths`` with each folder replaced by the RDF files under it (by their extensions, in name
    order, hidden ones left out); a folder without any is a usage error (exit 2)."""
    out = []
    for path in map(Path, paths):
        if not path.is_dir():
            out.append(path)
            continue
        found = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in FORMATS
                       and not any(part.startswith(".") for part in f.relative_to(path).parts))
        if not found:
            raise UsageError(f"{path}: a folder without RDF files (none named *{', *'.join(sorted(FORMATS))})")
        out += found
    return out
