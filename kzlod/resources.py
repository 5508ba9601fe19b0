"""Where the bundled ontology, data, shapes and named queries live.

An installed wheel carries them under ``kzlod/_bundled``; a source checkout
has them beside the package. Nothing here is ever written to.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
QUERIES_DIR = PACKAGE_DIR / "queries"

NAMESPACES = {
    "kz": "https://w3id.org/kzlod/ontology#",
    "kzd": "https://w3id.org/kzlod/id/",
    "kzsrc": "https://w3id.org/kzlod/id/source/",
    "kzsh": "https://w3id.org/kzlod/shapes#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "oa": "http://www.w3.org/ns/oa#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": "http://www.wikidata.org/entity/",
}


def bundled_root() -> Path:
    """The folder holding ``ontology/``, ``data/`` and ``shapes/``."""
    packaged = PACKAGE_DIR / "_bundled"
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent


def _turtle_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.ttl")) if folder.is_dir() else []


def ontology_files(root: Path | None = None) -> list[Path]:
    return _turtle_files((root or bundled_root()) / "ontology")


def data_files(root: Path | None = None) -> list[Path]:
    return _turtle_files((root or bundled_root()) / "data")


def shapes_files(root: Path | None = None) -> list[Path]:
    return _turtle_files((root or bundled_root()) / "shapes")


def graph_files(root: Path | None = None) -> list[Path]:
    """Ontology and data: what a query runs over by default."""
    return ontology_files(root) + data_files(root)
