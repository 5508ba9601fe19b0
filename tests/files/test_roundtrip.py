"""Property: any graph survives dump → parse unchanged, in every output format kzlod writes."""

from __future__ import annotations

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzlod.files.turtle import is_isomorphic, parse_turtle, serialize
from kzlod.querying.output import render
from kzlod.querying.run import QueryResult
from kzlod.vocab import NAMESPACES

XSD = "http://www.w3.org/2001/XMLSchema#"

local = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", min_size=1, max_size=8)
base = st.sampled_from(["http://example.org/", NAMESPACES["kzd"], NAMESPACES["kz"], "urn:x:"])
iris = st.builds(lambda b, loc: ox.NamedNode(b + loc), base, local)
# predicates end in a letter so RDF/XML can write them as element names
predicates = st.builds(lambda loc: ox.NamedNode("http://example.org/p/" + loc), local)
bnodes = st.builds(lambda n: ox.BlankNode(f"b{n}"), st.integers(0, 5))
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
typed = st.one_of(
    st.builds(lambda v: ox.Literal(v), text),
    st.builds(lambda v, lang: ox.Literal(v, language=lang), text, st.sampled_from(["en", "kk", "ru", "en-gb"])),
    st.builds(lambda v: ox.Literal(str(v), datatype=ox.NamedNode(XSD + "integer")), st.integers(-10**12, 10**12)),
    st.builds(lambda v: ox.Literal(v, datatype=ox.NamedNode(XSD + "integer")),
              st.from_regex(r"\A[+-]?0*[0-9]{1,5}\Z")),  # lexical forms such as "0042" are kept
    st.builds(lambda v: ox.Literal(v, datatype=ox.NamedNode(XSD + "decimal")),
              st.from_regex(r"\A-?[0-9]{1,4}\.[0-9]{1,3}\Z")),
    st.builds(lambda v: ox.Literal(v, datatype=ox.NamedNode(XSD + "boolean")),
              st.sampled_from(["true", "false", "1", "0"])),
    st.builds(lambda y: ox.Literal(f"{y:04d}", datatype=ox.NamedNode(XSD + "gYear")), st.integers(1000, 2999)),
    st.builds(lambda v: ox.Literal(v, datatype=ox.NamedNode("http://example.org/dt")), text),
)
triples = st.lists(
    st.builds(ox.Triple, st.one_of(iris, bnodes), predicates, st.one_of(iris, bnodes, typed)),
    min_size=1, max_size=25,
)

FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def parse(data: str | bytes, fmt) -> list:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return [q.triple for q in ox.parse(raw, format=fmt)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(triples)
def test_query_output_formats_round_trip(graph):
    result = QueryResult("graph", triples=graph)
    for name, fmt in FORMATS.items():
        back = parse(render(result, name), fmt)
        assert is_isomorphic(back, graph), name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(triples)
def test_dump_formats_round_trip(graph):
    for fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.RDF_XML, ox.RdfFormat.TRIG):
        back = parse(ox.serialize(graph, format=fmt if fmt != ox.RdfFormat.N_QUADS else ox.RdfFormat.N_TRIPLES), fmt)
        assert is_isomorphic(back, graph), fmt


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(triples)
def test_canonical_turtle_round_trips_and_is_stable(graph):
    text = serialize(graph, NAMESPACES)
    back, prefixes = parse_turtle(text)
    assert is_isomorphic(back, graph)
    assert serialize(back, prefixes) == text
