import random
import subprocess
import sys
import textwrap

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzlod.files.turtle import (
    TurtleError,
    format_file,
    format_text,
    is_isomorphic,
    parse_turtle,
    serialize,
)

PREFIXES = textwrap.dedent(
    """\
    @prefix kz: <https://w3id.org/kzlod/ontology#> .
    @prefix kzd: <https://w3id.org/kzlod/id/> .
    @prefix kzsrc: <https://w3id.org/kzlod/id/source/> .
    @prefix oa: <http://www.w3.org/ns/oa#> .
    @prefix owl: <http://www.w3.org/2002/07/owl#> .
    @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix sh: <http://www.w3.org/ns/shacl#> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    """
)

XSD = "http://www.w3.org/2001/XMLSchema#"
KZ = "https://w3id.org/kzlod/ontology#"
KZD = "https://w3id.org/kzlod/id/"

GRAPHS = {
    "nested": """
        kzd:m a kz:Membership ;
            kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:fp ;
                oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "quote" ] ,
                               [ a oa:TextPositionSelector ; oa:start 10 ; oa:end 15 ] ] .
    """,
    "lists": """
        kz:A owl:unionOf ( kz:B kz:C ( 1 2 ( ) ) [ kz:p "in list" ] ) .
        kz:D owl:members ( ) .
        [] a owl:AllDisjointClasses ; owl:members ( kz:A kz:B ) .
        kz:E kz:notAList [ rdf:first 1 ; rdf:rest rdf:nil ; kz:extra 2 ] .
        kz:F kz:p _:l . kz:G kz:p _:l . _:l rdf:first 1 ; rdf:rest ( 2 3 ) .
    """,
    "cycles": """
        _:a kz:next _:b . _:b kz:next _:c . _:c kz:next _:a .
        _:self kz:me _:self .
        kzd:x kz:p _:d . _:d kz:q _:e . _:e kz:back _:d .
    """,
    "shared": """
        kzd:x kz:p _:s . kzd:y kz:p _:s . _:s kz:q [ kz:r "deep" ] .
        kzd:x kz:p2 _:t . kzd:y kz:p2 _:t .
        _:u kz:p _:s .
    """,
    "strings": '''
        kzd:x rdfs:comment """Line one
with "quotes" and a trailing quote\\"""" ,
            "tab\\there \\\\ backslash \\"q\\"" ,
            "ctrl \\u0001 \\u007F \\r" ,
            """long with triple \\"\\"\\" inside
and CRLF \\r
and ""two"" """ ,
            "" , """
""" ,
            "unicode ü 🙂 \\u2028" .
    ''',
    "languages": """
        kzd:kz rdfs:label "Kazakhstan"@en , "Казахстан"@ru , "Qazaqstan"@kk-latn , "Kasachstan"@de .
    """,
    "odd-lexical": """
        kzd:x kz:v "0042"^^xsd:integer , "abc"^^xsd:boolean , "1.50"^^xsd:decimal ,
            "1e3"^^xsd:double , "1.0"^^xsd:double , " 7"^^xsd:integer , "TRUE"^^xsd:boolean ,
            "1."^^xsd:decimal , "+.5"^^xsd:decimal , "-0"^^xsd:integer , "1.E-2"^^xsd:double ,
            "2020"^^xsd:gYear , "x"^^kz:custom , "plain"^^xsd:string , true , false , 12 , -3.25 , 6.02e23 .
    """,
    "empty-bnodes": """
        kzd:x kz:p [] , [ ] . kzd:y kz:p [ kz:q [] ] .
    """,
}


def parse(body: str):
    return parse_turtle(PREFIXES + textwrap.dedent(body))


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_fixed_point_and_isomorphism(name):
    triples, prefixes = parse(GRAPHS[name])
    assert triples
    out = serialize(triples, prefixes)
    assert out.endswith("\n") and not out.endswith("\n\n") and "\r\n" not in out
    again, again_prefixes = parse_turtle(out)
    assert again_prefixes == prefixes
    assert is_isomorphic(again, triples)
    assert serialize(again, again_prefixes) == out
    assert format_text(out) == out


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_output_does_not_depend_on_input_order_or_blank_node_names(name):
    triples, prefixes = parse(GRAPHS[name])
    rng = random.Random(7)
    rename = {}

    def fresh(t):
        if isinstance(t, ox.BlankNode):
            return rename.setdefault(t, ox.BlankNode(f"z{rng.randrange(10**9)}"))
        return t

    shuffled = [ox.Triple(fresh(t.subject), t.predicate, fresh(t.object)) for t in triples]
    rng.shuffle(shuffled)
    reordered_prefixes = dict(reversed(list(prefixes.items())))
    assert serialize(shuffled, reordered_prefixes) == serialize(triples, prefixes)


def test_is_isomorphic_detects_differences():
    a, _ = parse("_:x kz:p _:y . _:y kz:p _:x .")
    b, _ = parse("_:x kz:p _:x . _:y kz:p _:y .")
    c, _ = parse("_:m kz:p _:n . _:n kz:p _:m .")
    assert is_isomorphic(a, c)
    assert not is_isomorphic(a, b)
    d, _ = parse('kzd:x kz:p "0042"^^xsd:integer .')
    e, _ = parse("kzd:x kz:p 42 .")
    assert not is_isomorphic(d, e)
    assert not is_isomorphic(d, d + e)


def test_canonical_layout_and_ordering():
    triples, prefixes = parse(
        """
        kzd:zz kz:p kzd:b , kzd:a ; rdfs:label "z" .
        kzsh:Shape a sh:PropertyShape .
        kz:NodeShape a sh:NodeShape .
        kz:c2 a skos:Concept ; skos:prefLabel "c2"@en .
        kz:scheme a skos:ConceptScheme .
        kz:prop a owl:ObjectProperty ; rdfs:comment "c" ; rdfs:label "p" ; skos:definition "d" ;
            skos:altLabel "alt" ; kz:zeta 1 ; a rdf:Property .
        kz:Class a owl:Class .
        kz:Bclass a rdfs:Class .
        <https://w3id.org/kzlod/ontology> a owl:Ontology .
        """.replace("kzsh:Shape", "<https://w3id.org/kzlod/shapes#Shape>")
    )
    out = serialize(triples, prefixes)
    body = out.split("\n\n", 1)[1]
    assert body == textwrap.dedent(
        """\
        <https://w3id.org/kzlod/ontology> a owl:Ontology .

        kz:Bclass a rdfs:Class .

        kz:Class a owl:Class .

        kz:prop a owl:ObjectProperty, rdf:Property ;
            rdfs:label "p" ;
            skos:altLabel "alt" ;
            skos:definition "d" ;
            rdfs:comment "c" ;
            kz:zeta 1 .

        kz:scheme a skos:ConceptScheme .

        kz:c2 a skos:Concept ;
            skos:prefLabel "c2"@en .

        kz:NodeShape a sh:NodeShape .

        <https://w3id.org/kzlod/shapes#Shape> a sh:PropertyShape .

        kzd:zz rdfs:label "z" ;
            kz:p kzd:a, kzd:b .
        """
    )


def test_prefix_lines_sorted_and_all_kept():
    triples, _ = parse("kzd:x kz:p 1 .")
    prefixes = {"zz": "http://unused.example/", "kz": KZ, "kzd": KZD, "a": "http://a.example/"}
    out = serialize(triples, prefixes)
    head = out.split("\n\n")[0].splitlines()
    assert head == [
        "@prefix a: <http://a.example/> .",
        "@prefix kz: <https://w3id.org/kzlod/ontology#> .",
        "@prefix kzd: <https://w3id.org/kzlod/id/> .",
        "@prefix zz: <http://unused.example/> .",
    ]
    assert out.endswith("kzd:x kz:p 1 .\n")


def test_empty_prefix_and_empty_graph():
    assert serialize([], {}) == ""
    assert serialize([], {"kz": KZ}) == "@prefix kz: <https://w3id.org/kzlod/ontology#> .\n"
    triples, prefixes = parse_turtle("@prefix : <http://e.example/> . :s :p :o .")
    assert serialize(triples, prefixes) == "@prefix : <http://e.example/> .\n\n:s :p :o .\n"


def write_one(iri: str, prefixes: dict) -> str:
    t = ox.Triple(ox.NamedNode(iri), ox.NamedNode(KZ + "p"), ox.Literal("v"))
    return serialize([t], prefixes).rsplit("\n\n", 1)[-1].split(" ")[0]


def test_prefix_choice():
    prefixes = {"kzd": KZD, "kzsrc": KZD + "source/", "kz": KZ}
    # the longer namespace gives the shorter name
    assert write_one(KZD + "source/foreign-policy", prefixes) == "kzsrc:foreign-policy"
    assert write_one(KZD + "kazakhstan", prefixes) == "kzd:kazakhstan"
    # a local part that would need escapes falls back to the full IRI
    assert write_one(KZD + "source/fp/section/1", prefixes) == "<https://w3id.org/kzlod/id/source/fp/section/1>"
    assert write_one(KZD + "ends.with.dot.", prefixes) == "<https://w3id.org/kzlod/id/ends.with.dot.>"
    assert write_one(KZD + "-dash-first", prefixes) == "<https://w3id.org/kzlod/id/-dash-first>"
    assert write_one(KZD + "has%20pct", prefixes) == "kzd:has%20pct"
    assert write_one(KZD + "0digits", prefixes) == "kzd:0digits"
    assert write_one(KZD + "a.b:c", prefixes) == "kzd:a.b:c"
    assert write_one(KZD, prefixes) == "kzd:"
    assert write_one("http://other.example/x", prefixes) == "<http://other.example/x>"
    # equal length: the prefix name decides
    assert write_one("http://t.example/x", {"b": "http://t.example/", "a": "http://t.example/"}) == "a:x"


def test_invalid_prefix_name_is_refused():
    with pytest.raises(TurtleError):
        serialize([], {"1bad": KZ})


def literal_text(lit: ox.Literal) -> str:
    t = ox.Triple(ox.NamedNode(KZD + "x"), ox.NamedNode(KZ + "p"), lit)
    out = serialize([t], {"kz": KZ, "kzd": KZD, "xsd": XSD})
    body = out.rsplit("\n\n", 1)[-1]
    assert body.startswith("kzd:x kz:p ") and body.endswith(" .\n")
    again, _ = parse_turtle(out)
    assert again == [t], "literal did not survive the round trip"
    return body[len("kzd:x kz:p ") : -3]


def typed(lex, local):
    return ox.Literal(lex, datatype=ox.NamedNode(XSD + local))


@pytest.mark.parametrize(
    "lit, text",
    [
        (typed("0042", "integer"), "0042"),
        (typed("-7", "integer"), "-7"),
        (typed(" 7", "integer"), '" 7"^^xsd:integer'),
        (typed("abc", "boolean"), '"abc"^^xsd:boolean'),
        (typed("true", "boolean"), "true"),
        (typed("TRUE", "boolean"), '"TRUE"^^xsd:boolean'),
        (typed("1.50", "decimal"), "1.50"),
        (typed(".5", "decimal"), ".5"),
        (typed("1.", "decimal"), '"1."^^xsd:decimal'),
        (typed("1", "decimal"), '"1"^^xsd:decimal'),
        (typed("1e3", "double"), "1e3"),
        (typed("1.E-2", "double"), "1.E-2"),
        (typed("1.0", "double"), '"1.0"^^xsd:double'),
        (typed("INF", "double"), '"INF"^^xsd:double'),
        (typed("1e3", "float"), '"1e3"^^xsd:float'),
        (typed("2020", "gYear"), '"2020"^^xsd:gYear'),
        (ox.Literal("plain"), '"plain"'),
        (ox.Literal("x", datatype=ox.NamedNode("http://other.example/dt")), '"x"^^<http://other.example/dt>'),
        (ox.Literal("Qazaqstan", language="kk-Latn"), '"Qazaqstan"@kk-latn'),
        (ox.Literal('say "hi"\\'), '"say \\"hi\\"\\\\"'),
        (ox.Literal("a\tb\rc\x01\x7f"), '"a\\tb\\rc\\u0001\\u007F"'),
        (ox.Literal("line\u2028sep\x85nel\ufeff"), '"line\\u2028sep\\u0085nel\\uFEFF"'),
        (ox.Literal("two\nlines"), '"""two\nlines"""'),
        (ox.Literal('ends with "\n"'), '"""ends with "\n\\""""'),
        (ox.Literal('a """ b\n'), '"""a \\"\\"" b\n"""'),
        (ox.Literal("\r\n"), '"""\\r\n"""'),
        (ox.Literal(""), '""'),
    ],
)
def test_literal_forms(lit, text):
    assert literal_text(lit) == text


def test_directional_language_literal():
    triples, prefixes = parse_turtle('<http://e.example/s> <http://e.example/p> "x"@ar--rtl .')
    out = serialize(triples, prefixes)
    assert '"x"@ar--rtl' in out
    assert parse_turtle(out)[0] == triples


def test_nested_blank_nodes_and_lists_are_written_inline():
    out = serialize(*parse(GRAPHS["nested"] + GRAPHS["lists"]))
    assert 'owl:unionOf ( kz:B kz:C ( 1 2 () ) [ kz:p "in list" ] )' in out
    assert "kz:D owl:members () ." in out
    assert "[ a owl:AllDisjointClasses ; owl:members ( kz:A kz:B ) ] ." in out
    # a list node with an extra property is not a collection
    assert "kz:E kz:notAList [ kz:extra 2 ; rdf:first 1 ; rdf:rest () ] ." in out
    # a list referenced twice gets a label, its tail is still a collection
    labels = {w for w in out.split() if w.startswith("_:")}
    assert len(labels) == 1
    (label,) = labels
    assert f"{label} rdf:first 1 ;\n    rdf:rest ( 2 3 ) ." in out
    assert "kz:hasEvidence [\n        a kz:Evidence ;" in out


def test_shared_and_cyclic_blank_nodes_get_labels():
    out = serialize(*parse(GRAPHS["cycles"] + GRAPHS["shared"]))
    labels = sorted({w.strip(",;.") for w in out.split() if w.startswith("_:")})
    # a, b, c (cycle), self, d (referenced by kzd:x and by e), s and t (shared)
    assert len(labels) == 7
    # e is referenced once (by d), so it is nested under d although it points back
    assert "kz:q [ kz:back _:b" in out
    for label in labels:
        assert label.startswith("_:b")
    # the blank node nested under the shared one stays nested
    assert '[ kz:r "deep" ]' in out
    # _:u is referenced by nobody: an anonymous statement
    assert "[ kz:p _:b" in out


def test_labels_are_stable_when_unrelated_data_changes():
    base = GRAPHS["shared"]
    first = serialize(*parse(base))
    second = serialize(*parse(base + 'kzd:other kz:p "unrelated" .'))
    labels_first = {w.strip(",;.") for w in first.split() if w.startswith("_:")}
    labels_second = {w.strip(",;.") for w in second.split() if w.startswith("_:")}
    assert labels_first == labels_second
    # blank nodes with different surroundings get plain hash labels, no tie suffix
    assert len(labels_first) == 2
    assert all("-" not in label for label in labels_first)


def test_blocks_are_separated_by_one_blank_line():
    out = serialize(*parse(GRAPHS["nested"] + GRAPHS["shared"]))
    assert "\n\n\n" not in out
    blocks = out.split("\n\n")
    assert blocks[0].startswith("@prefix")
    for b in blocks[1:]:
        assert b.rstrip("\n").endswith(" .")
        assert not b.startswith(" ")


def test_parse_errors_are_clear():
    with pytest.raises(TurtleError, match="broken.ttl"):
        parse_turtle("@prefix : <http://e.example/> . :s :p", path="broken.ttl")
    with pytest.raises(TurtleError):
        parse_turtle("<http://e.example/g> { <http://e.example/s> <http://e.example/p> 1 . }")
    with pytest.raises(TurtleError):
        parse_turtle("<relative> <http://e.example/p> 1 .")
    triples, _ = parse_turtle("<relative> <http://e.example/p> 1 .", base_iri="http://e.example/")
    assert triples[0].subject == ox.NamedNode("http://e.example/relative")
    with pytest.raises(TurtleError):
        parse_turtle(b"<http://e.example/s> <http://e.example/p> \"\xff\" .")


def test_parse_reads_path(tmp_path):
    f = tmp_path / "a.ttl"
    f.write_text(PREFIXES + "kzd:x kz:p 1 .\n")
    triples, prefixes = parse_turtle(path=f)
    assert len(triples) == 1 and prefixes["kzd"] == KZD


def test_format_file(tmp_path):
    f = tmp_path / "a.ttl"
    messy = PREFIXES + "kzd:x kz:p 1 ; a kz:T .   kzd:a kz:p [ kz:q 2 ] .\n"
    f.write_text(messy)
    assert format_file(f, check=True) is True
    assert f.read_text() == messy
    assert format_file(f) is True
    formatted = f.read_text()
    assert formatted == format_text(messy)
    assert is_isomorphic(parse_turtle(formatted)[0], parse_turtle(messy)[0])
    assert format_file(f) is False
    assert format_file(f, check=True) is False
    assert f.read_text() == formatted


def test_format_file_refuses_when_verification_fails(tmp_path, monkeypatch):
    from kzlod.files import turtle
    from kzlod.files.safewrite import VerificationError

    f = tmp_path / "a.ttl"
    messy = PREFIXES + "kzd:x kz:p 1 ; a kz:T .\n"
    f.write_text(messy)
    monkeypatch.setattr(turtle, "is_isomorphic", lambda a, b: False)
    with pytest.raises(VerificationError):
        format_file(f)
    assert f.read_text() == messy


def test_import_does_not_load_rdflib():
    code = "import sys, kzlod.files.turtle; print('rdflib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def big_graph(n_claims: int) -> str:
    parts = [PREFIXES]
    for i in range(n_claims):
        parts.append(
            f"""kzd:claim-{i} a kz:Membership ; rdfs:label "Claim {i}"@en ;
              kz:member kzd:state-{i % 50} ; kz:organization kzd:org-{i % 17} ;
              kz:hasEvidence [ a kz:Evidence ; oa:hasSource kzsrc:fp ;
                oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "quoted text {i}" ] ,
                  [ a oa:TextPositionSelector ; oa:start {i * 10} ; oa:end {i * 10 + 9} ] ] ;
              kz:related _:shared{i % 40} .
            _:shared{i % 40} kz:n {i % 40} .
            """
        )
    return "\n".join(parts)


def test_five_thousand_triples_format_to_a_fixed_point():
    text = big_graph(340)
    triples, prefixes = parse_turtle(text)
    assert len(triples) >= 5000
    out = format_text(text)
    assert format_text(out) == out
    assert is_isomorphic(parse_turtle(out)[0], triples)


# ---------------------------------------------------------------- property test

IRIS = [ox.NamedNode(KZD + n) for n in ("a", "b", "c")] + [
    ox.NamedNode("http://other.example/x/y"),
    ox.NamedNode(KZ + "Class"),
]
PREDICATES = [
    ox.NamedNode(KZ + "p"),
    ox.NamedNode(KZ + "q"),
    ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
    ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#first"),
    ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"),
    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
]
NIL = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil")
BNODES = [ox.BlankNode(f"n{i}") for i in range(6)]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
LEXICAL = st.sampled_from(["0042", "1", "-1", "1.50", ".5", "1.", "1e3", "1.0", "true", "abc", " 3", "+0"])
DATATYPES = st.sampled_from(["integer", "decimal", "double", "boolean", "string", "date"]).map(
    lambda local: ox.NamedNode(XSD + local)
)
LITERALS = st.one_of(
    TEXT.map(ox.Literal),
    st.builds(lambda v, lang: ox.Literal(v, language=lang), TEXT, st.sampled_from(["en", "ru", "kk-latn"])),
    st.builds(lambda v, dt: ox.Literal(v, datatype=dt), st.one_of(LEXICAL, TEXT), DATATYPES),
)
SUBJECTS = st.sampled_from(IRIS + BNODES)
OBJECTS = st.one_of(st.sampled_from(IRIS + BNODES + [NIL]), LITERALS)


@st.composite
def graphs(draw):
    triples = draw(
        st.lists(
            st.builds(ox.Triple, SUBJECTS, st.sampled_from(PREDICATES), OBJECTS),
            max_size=14,
        )
    )
    # add a well-formed list now and then
    if draw(st.booleans()):
        items = draw(st.lists(OBJECTS, min_size=1, max_size=3))
        nodes = [ox.BlankNode(f"l{i}") for i in range(len(items))]
        for i, (node, item) in enumerate(zip(nodes, items)):
            triples.append(ox.Triple(node, PREDICATES[3], item))
            triples.append(ox.Triple(node, PREDICATES[4], nodes[i + 1] if i + 1 < len(nodes) else NIL))
        triples.append(ox.Triple(draw(SUBJECTS), PREDICATES[0], nodes[0]))
    return triples


PROPERTY_PREFIXES = {"kz": KZ, "kzd": KZD, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "xsd": XSD}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.randoms(use_true_random=False))
def test_property_round_trip(triples, rnd):
    out = serialize(triples, PROPERTY_PREFIXES)
    again, prefixes = parse_turtle(out)
    assert prefixes == PROPERTY_PREFIXES
    assert is_isomorphic(again, triples)
    assert serialize(again, prefixes) == out
    # the text depends on the graph only
    shuffled = list(triples)
    rnd.shuffle(shuffled)
    names = {b: ox.BlankNode(f"r{rnd.randrange(10**6)}x{i}") for i, b in enumerate(BNODES)}
    renamed = [
        ox.Triple(names.get(t.subject, t.subject), t.predicate, names.get(t.object, t.object))
        for t in shuffled
    ]
    assert serialize(renamed, PROPERTY_PREFIXES) == out
