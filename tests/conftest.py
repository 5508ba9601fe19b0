"""Shared fixtures: the bundled graph, loaded once per test session, and one cache for the session.

Every test (and every ``kzlod`` process a test starts) shares one cache folder,
made new for the session: the OWL RL closure and the validation report of the
project's graph are computed once, not once per test. The tests that are about
a cold cache give themselves an empty one, and say so.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SESSION_CACHE: str | None = None

#: The prefixes the tests' Turtle snippets use.
PREFIXES = """@prefix kz: <https://w3id.org/kzlod/ontology#> .
@prefix kzd: <https://w3id.org/kzlod/id/> .
@prefix kzsrc: <https://w3id.org/kzlod/id/source/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

#: The bundled source's text, which the tests' quotes are taken from.
SOURCE = (ROOT / "data" / "sources" / "foreign-policy.txt").read_text(encoding="utf-8")


def sentence_iri(index: int) -> str:
    return f"https://w3id.org/kzlod/id/source/foreign-policy/sentence/{index}"


def claim_with_quote(quote: str, sentence: int, claim="kzd:characterisation-test", start: int | None = None) -> str:
    """A characterisation quoting ``quote`` from the bundled source's sentence ``sentence``, at its
    offsets (or at ``start``, for a test of wrong offsets)."""
    start = SOURCE.index(quote) if start is None else start
    return PREFIXES + f"""
{claim} a kz:Characterisation ;
    rdfs:label "Test characterisation"@en ;
    kz:about kzd:kazakhstan ;
    kz:modality kz:modality-asserted ;
    rdfs:comment "Kazakhstan is a major oil producer."@en ;
    kz:hasEvidence [
        a kz:Evidence ;
        oa:hasSource kzsrc:foreign-policy ;
        kz:sentence <{sentence_iri(sentence)}> ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{quote}" ] ,
            [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {start + len(quote)} ]
    ] .
"""


def pytest_configure(config):
    global _SESSION_CACHE
    if "KZLOD_CACHE_DIR" not in os.environ:
        _SESSION_CACHE = tempfile.mkdtemp(prefix="kzlod-test-cache-")
        os.environ["KZLOD_CACHE_DIR"] = _SESSION_CACHE


def pytest_unconfigure(config):
    if _SESSION_CACHE:
        shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@pytest.fixture
def cold_cache(tmp_path, monkeypatch) -> Path:
    """An empty cache folder for this test alone (for tests about computing and caching)."""
    folder = tmp_path / "cold-cache"
    monkeypatch.setenv("KZLOD_CACHE_DIR", str(folder))
    return folder


def copy_project(dest: Path) -> Path:
    """A copy of this checkout's project (kzlod.toml, ontology, shapes, data): a curator's working
    project that a test may change."""
    for name in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns(".kzlod.lock"))
    shutil.copy(ROOT / "kzlod.toml", dest / "kzlod.toml")
    return dest


def documented_exit_codes() -> dict[int, str]:
    """The exit-code contract as docs/cli.md writes it down (its one place): code -> meaning."""
    import re

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = re.search(r"^## Exit codes\n(.*?)^## ", text, re.M | re.S)
    assert section, "docs/cli.md has an Exit codes section"
    return {int(code): meaning for code, meaning in re.findall(r"^\| (\d+) \| (.+?) \|$", section.group(1), re.M)}


def snapshot(folder: Path) -> dict:
    """Every file's bytes below ``folder``; the writers' lock file is not data and is left out."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".kzlod.lock"}


def graph_files() -> list[Path]:
    return sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").rglob("*.ttl"))


def graph_store():
    """The bundled ontology and data in a plain pyoxigraph store, a named graph per file (no kzlod code
    in between: the data tests read the files as any SPARQL engine would)."""
    import pyoxigraph as ox

    store = ox.Store()
    for path in graph_files():
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(path.as_uri()))
    return store


def select_rows(store, query: str) -> list[dict]:
    """A SELECT's rows over every graph, each a dict of variable name -> value (None where unbound)."""
    rows = store.query(query, use_default_graph_as_union=True)
    return [{v.value: (row[v].value if row[v] is not None else None) for v in rows.variables} for row in rows]


def ask_union(store, query: str) -> bool:
    """An ASK's answer over every graph."""
    return bool(store.query(query, use_default_graph_as_union=True))


@pytest.fixture(scope="session")
def ontology_graph():
    from rdflib import Graph

    graph = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="session")
def bundled_graph():
    """Ontology and data together, as rdflib sees them."""
    from rdflib import Graph

    graph = Graph()
    for path in graph_files():
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="session")
def shapes_graph():
    from rdflib import Graph

    return Graph().parse(ROOT / "shapes" / "kzlod-shapes.ttl", format="turtle")


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A work folder for one test module (the scale tests' stores and generated files)."""
    return tmp_path_factory.mktemp("scale")


@pytest.fixture(scope="module")
def generated(work):
    """A 3k-triple generated graph, its generator, and its file (benchmarks/generate.py)."""
    from benchmarks.generate import Generator, write

    gen = Generator(3000, seed=11)
    path = work / "generated.nt"
    write(gen.triples(), path)
    return gen, path
