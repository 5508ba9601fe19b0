"""A release's pages read their data from the store's quads (kzlod.querying.direct): the same as the queries."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from benchmarks.generate import Generator, write
from kzlod.project import bundled
from kzlod.publishing.release import pages_store, read_graphs
from kzlod.querying import descriptions
from kzlod.querying.descriptions import entity_data, entity_iris
from kzlod.querying.direct import reader_for
from kzlod.store.backends import OxigraphStore
from kzlod.web import pages, site
from kzlod.web.links import Site


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """A release's graph (bundled plus generated, closure included) and its pages' store."""
    folder = tmp_path_factory.mktemp("direct")
    path = folder / "generated.nt"
    write(Generator(6000, seed=3).triples(), path)
    with pytest.MonkeyPatch.context() as mp:  # the Rust engine: owlrl takes a minute here
        mp.setenv("KZLOD_REASONABLE_ABOVE", "0")
        mp.setenv("KZLOD_CACHE_DIR", str(folder / "cache"))
        graphs = read_graphs(bundled(), [path])
    fixed = pages_store(graphs)
    queried = OxigraphStore.wrap(graphs.store, default_graphs=graphs.asserted_graphs)  # not fixed: by SPARQL
    return fixed, queried


def _pages(store) -> list[str]:
    iris = entity_iris(store)
    claims = [row[0].value for row in descriptions.run_query(store, site.CLAIMS).rows]
    return iris + [c for c in claims if c not in set(iris)]


def test_only_a_fixed_oxigraph_store_is_read_directly(release):
    fixed, queried = release
    assert reader_for(fixed) is reader_for(fixed) is not None
    assert reader_for(queried) is None


def test_every_page_reads_what_the_queries_read(release):
    fixed, queried = release
    reader = reader_for(fixed)
    iris = _pages(fixed)
    assert len(iris) > 300
    for iri in iris:
        assert reader.claims_about(iri) == descriptions.claims_about(queried, iri)
        assert reader.referrers(iri) == descriptions.referrers(queried, iri)
        a, b = entity_data(fixed, iri), entity_data(queried, iri)
        assert a.claims == b.claims and a.referrers == b.referrers and a.labels == b.labels
        assert {k: {p: set(o) for p, o in v.items()} for k, v in a.desc.props.items() if v} == \
               {k: {p: set(o) for p, o in v.items()} for k, v in b.desc.props.items() if v}
        assert dict(a.context) == dict(b.context)


def test_the_pages_are_the_same(release):
    fixed, queried = release
    iris = _pages(fixed)[::7]
    link = Site(lambda iri: None, served=False)
    for iri in iris:
        assert pages.render_entity(fixed, iri, link) == pages.render_entity(queried, iri, link)


def test_two_values_of_a_context_property_are_left_to_the_query():
    store = ox.Store()
    s, title = ox.NamedNode("https://w3id.org/kzlod/id/source/x"), ox.NamedNode("http://purl.org/dc/terms/title")
    store.extend([ox.Quad(s, title, ox.Literal("B")), ox.Quad(s, title, ox.Literal("A"))])
    reader = reader_for(OxigraphStore.wrap(store, fixed=True))
    assert reader.context([s.value], descriptions.CONTEXT_PROPS) == ({}, [s.value])
    store.remove(ox.Quad(s, title, ox.Literal("B")))
    reader = reader_for(OxigraphStore.wrap(store, fixed=True))
    assert reader.context([s.value], descriptions.CONTEXT_PROPS) == ({s.value: {title.value: "A"}}, [])


def test_names_are_english_labels_else_titles_and_two_are_left_to_the_queries():
    store = ox.Store()
    label, title = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.NamedNode(
        "http://purl.org/dc/terms/title")
    a, b, c, d = (ox.NamedNode(f"https://w3id.org/kzlod/id/{x}") for x in "abcd")
    store.extend([ox.Quad(a, label, ox.Literal("A", language="en-GB")),
                  ox.Quad(a, label, ox.Literal("Ä", language="de")),
                  ox.Quad(a, title, ox.Literal("not this")), ox.Quad(b, title, ox.Literal("B")),
                  ox.Quad(c, label, ox.Literal("C1")), ox.Quad(c, label, ox.Literal("C2", language="en")),
                  ox.Quad(d, label, ox.NamedNode("https://w3id.org/kzlod/id/x"))])
    reader = reader_for(OxigraphStore.wrap(store, fixed=True))
    assert reader.names([x.value for x in (a, b, c, d)]) == ({a.value: "A", b.value: "B"}, [c.value])
