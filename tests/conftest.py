"""Shared fixtures: the bundled graph, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def graph_files() -> list[Path]:
    return sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").rglob("*.ttl"))


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
