"""The bad-input suite: hostile or broken files, queries and options.

Each case asserts the exit code, the message, and that no file of the
project's ontology/, shapes/ or data/ changed. Outbound access is checked
with a listener on 127.0.0.1 that must never see a connection.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzlod.cli import cli

ROOT = Path(__file__).resolve().parents[2]
XSD = "http://www.w3.org/2001/XMLSchema#"


def snapshot() -> dict:
    return {p: p.read_bytes() for d in ("ontology", "shapes", "data") for p in sorted((ROOT / d).rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


@pytest.fixture(autouse=True)
def data_untouched(tmp_path, monkeypatch):
    before = snapshot()
    yield
    assert snapshot() == before, "a data file changed"


class Listener:
    """A TCP listener on 127.0.0.1 that counts connection attempts."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def write(tmp_path, name, content) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


P = "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"

# (file name, content, expected message fragment, expected line:col or line prefix)
BAD_FILES = [
    ("space-in-iri.ttl", P + "ex:a ex:b <http://example.org/a b> .\n", "Invalid IRI code point", ":3:"),
    ("literal-subject.ttl", P + '"lit" ex:b ex:c .\n', "syntax error", ":3:"),
    ("bad-escape.ttl", P + 'ex:a ex:b "bad \\q escape" .\n', "syntax error", ":3:"),
    ("unterminated.ttl", P + 'ex:a ex:b "never closed .\n', "syntax error", ":3:"),
    ("missing-dot.ttl", P + "ex:a ex:b ex:c\nex:d ex:e ex:f .\n", "syntax error", ":4:"),
    ("undefined-prefix.ttl", P + "nope:a ex:b ex:c .\n", "prefix", ":3:"),
    ("relative-iri.ttl", P + "<relative> ex:b ex:c .\n", "absolute IRI", ":3:"),
    ("bad-lang.ttl", P + 'ex:a ex:b "x"@-en .\n', "syntax error", ":3:"),
    ("bad-integer.ttl", P + 'ex:a ex:b "abc"^^xsd:integer .\n', 'ill-typed literal "abc" is not a valid xsd:integer',
     ":3:"),
    ("bad-boolean.ttl", P + 'ex:a ex:b "yes"^^xsd:boolean .\n', "not a valid xsd:boolean", ":3:"),
    ("bad-date.ttl", P + 'ex:a ex:b "2023-13-01"^^xsd:date .\n', "not a valid xsd:date", ":3:"),
    ("bad-gyear.ttl", P + 'ex:a ex:b "23"^^xsd:gYear .\n', "not a valid xsd:gYear", ":3:"),
    ("bad-gyearmonth.ttl", P + 'ex:a ex:b "2023-6"^^xsd:gYearMonth .\n', "not a valid xsd:gYearMonth", ":3:"),
    ("bad-decimal.ttl", P + 'ex:a ex:b "4,5"^^xsd:decimal .\n', "not a valid xsd:decimal", ":3:"),
    ("bad-double.ttl", P + 'ex:a ex:b "1e"^^xsd:double .\n', "not a valid xsd:double", ":3:"),
    ("bom.ttl", b"\xef\xbb\xbf" + P.encode() + b"ex:a ex:b ex:c .\n", "byte-order mark", ":1:1:"),
    ("latin1.ttl", P.encode() + b'ex:a ex:b "caf\xe9" .\n', "invalid UTF-8 byte 0xe9", ":3:"),
    ("control.ttl", P + "ex:a ex:b \x01ex:c .\n", "control character U+0001", ":3:"),
    ("binary.ttl", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "invalid UTF-8", ":1:"),
    ("prefixed-in-nt.nt", "ex:a ex:b ex:c .\n", "syntax error", ":1:"),
    ("nt-relative.nt", "<a> <http://example.org/b> <http://example.org/c> .\n", "allow only absolute IRIs", ":1:"),
    ("deep.ttl", P + "ex:a ex:b " + "[ ex:b " * 100 + "ex:c" + " ]" * 100 + " .\n", "nesting deeper than 64 levels",
     ":3:"),
    ("doctype.rdf", '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY a "aaaaaaaaaa">]>\n'
     '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n', "DOCTYPE declaration is refused", ":2:"),
    ("laughs.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
     '<!ENTITY lol "lol">\n</rdf:RDF>\n', "ENTITY declaration is refused", ":3:"),
    ("broken.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
     '<rdf:Description rdf:about="http://example.org/a">\n', "syntax error", ":"),
    ("broken.jsonld", '{"@id": "http://example.org/a", ', "syntax error", ":1:"),
    ("unknown.txt", "hello", "unknown RDF file extension '.txt'", ""),
    # literals in their datatype's value space, not only its lexical space
    ("byte-300.ttl", P + 'ex:a ex:b "300"^^xsd:byte .\n',
     'ill-typed literal "300" is not a valid xsd:byte (must be between -128 and 127)', ":3:11:"),
    ("short.ttl", P + 'ex:a ex:b "32768"^^xsd:short .\n', "not a valid xsd:short (must be between -32,768 and",
     ":3:11:"),
    ("int.ttl", P + 'ex:a ex:b "-2147483649"^^xsd:int .\n', "not a valid xsd:int", ":3:11:"),
    ("long.ttl", P + 'ex:a ex:b "9223372036854775808"^^xsd:long .\n', "not a valid xsd:long", ":3:11:"),
    ("unsigned-byte.ttl", P + 'ex:a ex:b "256"^^xsd:unsignedByte .\n',
     "not a valid xsd:unsignedByte (must be between 0 and 255)", ":3:11:"),
    ("unsigned-short.ttl", P + 'ex:a ex:b "-1"^^xsd:unsignedShort .\n', "not a valid xsd:unsignedShort", ":3:11:"),
    ("unsigned-int.ttl", P + 'ex:a ex:b "4294967296"^^xsd:unsignedInt .\n', "not a valid xsd:unsignedInt", ":3:11:"),
    ("unsigned-long.ttl", P + 'ex:a ex:b "18446744073709551616"^^xsd:unsignedLong .\n',
     "not a valid xsd:unsignedLong", ":3:11:"),
    ("non-negative.ttl", P + 'ex:a ex:b "-1"^^xsd:nonNegativeInteger .\n', "(must be at least 0)", ":3:11:"),
    ("positive.ttl", P + 'ex:a ex:b "0"^^xsd:positiveInteger .\n', "(must be at least 1)", ":3:11:"),
    ("negative.ttl", P + 'ex:a ex:b "0"^^xsd:negativeInteger .\n', "(must be at most -1)", ":3:11:"),
    ("non-positive.ttl", P + 'ex:a ex:b "1"^^xsd:nonPositiveInteger .\n', "(must be at most 0)", ":3:11:"),
    ("feb-30.ttl", P + 'ex:a ex:b "2020-02-30"^^xsd:date .\n',
     'ill-typed literal "2020-02-30" is not a valid xsd:date (February 2020 has 29 days)', ":3:11:"),
    ("feb-29-2019.ttl", P + 'ex:a ex:b "2019-02-29"^^xsd:date .\n', "(February 2019 has 28 days)", ":3:11:"),
    ("feb-29-1900.ttl", P + 'ex:a ex:b "1900-02-29"^^xsd:date .\n', "(February 1900 has 28 days)", ":3:11:"),
    ("april-31.ttl", P + 'ex:a ex:b "2021-04-31"^^xsd:date .\n', "(April 2021 has 30 days)", ":3:11:"),
    ("datetime.ttl", P + 'ex:a ex:b\n  "2021-02-29T10:00:00Z"^^xsd:dateTime .\n',
     "not a valid xsd:dateTime (February 2021 has 28 days)", ":4:3:"),
    ("datetime-24.ttl", P + 'ex:a ex:b "2021-01-01T24:00:01"^^xsd:dateTime .\n', "not a valid xsd:dateTime", ":3:"),
    ("datetime-tz.ttl", P + 'ex:a ex:b "2021-01-01T10:00:00+15:00"^^xsd:dateTime .\n', "not a valid xsd:dateTime",
     ":3:"),
    ("time.ttl", P + 'ex:a ex:b "25:00:00"^^xsd:time .\n', "not a valid xsd:time", ":3:11:"),
    ("gyearmonth-13.ttl", P + 'ex:a ex:b "2023-13"^^xsd:gYearMonth .\n', "not a valid xsd:gYearMonth", ":3:"),
    ("gmonthday.ttl", P + 'ex:a ex:b "--02-30"^^xsd:gMonthDay .\n', "(February has 29 days)", ":3:"),
    ("boolean-upper.ttl", P + 'ex:a ex:b "TRUE"^^xsd:boolean .\n', "not a valid xsd:boolean", ":3:"),
    ("decimal-exp.ttl", P + 'ex:a ex:b "1e3"^^xsd:decimal .\n', "not a valid xsd:decimal", ":3:"),
    ("float-inf.ttl", P + 'ex:a ex:b "inf"^^xsd:float .\n', "not a valid xsd:float", ":3:"),
    ("double-2dots.ttl", P + 'ex:a ex:b "1.0.0"^^xsd:double .\n', "not a valid xsd:double", ":3:"),
    ("duration-empty.ttl", P + 'ex:a ex:b "P"^^xsd:duration .\n', 'ill-typed literal "P" is not a valid xsd:duration',
     ":3:"),
    ("duration-t.ttl", P + 'ex:a ex:b "P1YT"^^xsd:duration .\n', "not a valid xsd:duration", ":3:"),
    ("duration-order.ttl", P + 'ex:a ex:b "P1D2Y"^^xsd:duration .\n', "not a valid xsd:duration", ":3:"),
    ("daytime-years.ttl", P + 'ex:a ex:b "P1Y"^^xsd:dayTimeDuration .\n', "not a valid xsd:dayTimeDuration", ":3:"),
    ("yearmonth-days.ttl", P + 'ex:a ex:b "P1D"^^xsd:yearMonthDuration .\n', "not a valid xsd:yearMonthDuration",
     ":3:"),
    ("nt-byte.nt", '<http://e.org/a> <http://e.org/b> "-129"^^<http://www.w3.org/2001/XMLSchema#byte> .\n',
     "not a valid xsd:byte", ":1:35:"),
    ("jsonld-date.jsonld", '{"@id": "http://e.org/a", "http://e.org/b": {"@value": "2020-02-30", '
     '"@type": "http://www.w3.org/2001/XMLSchema#date"}}', "(February 2020 has 29 days)", ":1:"),
    ("rdfxml-byte.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'xmlns:e="http://e.org/">\n<rdf:Description rdf:about="http://e.org/a">\n'
     '<e:b rdf:datatype="http://www.w3.org/2001/XMLSchema#byte">300</e:b></rdf:Description></rdf:RDF>\n',
     "not a valid xsd:byte", ":4:"),
    # no NUL, no noncharacters, raw or escaped, in any syntax
    ("nul-escape.ttl", P + 'ex:a ex:b "a\\u0000b" .\n',
     "U+0000 (NUL) is not allowed in a literal or an IRI, raw or escaped", ":3:13:"),
    ("nul-raw.ttl", P + 'ex:a ex:b "a\x00b" .\n', "U+0000 (NUL) is not allowed", ":3:13:"),
    ("nul-long-string.ttl", P + 'ex:a ex:b """a\n\\U00000000""" .\n', "U+0000 (NUL)", ":4:1:"),
    ("fffe-escape.ttl", P + 'ex:a ex:b "a\\uFFFE" .\n', "U+FFFE (a noncharacter)", ":3:13:"),
    ("ffff-raw.ttl", P + 'ex:a ex:b "a\uffff" .\n', "U+FFFF (a noncharacter)", ":3:13:"),
    ("fdd0.ttl", P + 'ex:a ex:b "\\uFDD0" .\n', "U+FDD0 (a noncharacter)", ":3:12:"),
    ("plane-16.ttl", P + 'ex:a ex:b "\\U0010FFFF" .\n', "U+10FFFF (a noncharacter)", ":3:12:"),
    ("plane-1-raw.ttl", P + 'ex:a ex:b "\U0001FFFE" .\n', "U+1FFFE (a noncharacter)", ":3:12:"),
    ("nul-iri.ttl", P + "ex:a ex:b <http://example.org/\\u0000> .\n", "Invalid IRI code point", ":3:"),
    ("nonchar-iri.ttl", P + "ex:a ex:b <http://example.org/\\uFDEF> .\n", "Invalid IRI code point", ":3:11:"),
    ("nul.nt", '<http://e.org/a> <http://e.org/b> "\\u0000" .\n', "U+0000 (NUL)", ":1:36:"),
    ("nul-graph.trig", P + 'ex:g { ex:a ex:b "\\u0000" }\n', "U+0000 (NUL)", ":3:19:"),
    ("nul.jsonld", '{"@id": "http://e.org/a",\n "http://e.org/b": "a\\u0000"}', "U+0000 (NUL)", ":2:22:"),
    ("nul-iri.jsonld", '{"@id": "http://e.org/a",\n "http://e.org/b": {"@id": "http://e.org/\\u0000"}}',
     "U+0000 (NUL)", ":2:"),
    ("surrogates.jsonld", '{"@id": "http://e.org/a", "http://e.org/b": "\\ud83f\\udffe"}', "U+1FFFE (a noncharacter)",
     ":1:"),
    ("nul.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'xmlns:e="http://e.org/">\n<rdf:Description rdf:about="http://e.org/a"><e:b>&#0;</e:b></rdf:Description>'
     '</rdf:RDF>\n', "reference to invalid character number", ":3:"),
    ("nonchar.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'xmlns:e="http://e.org/">\n<rdf:Description rdf:about="http://e.org/a"><e:b>a&#xFDD0;</e:b></rdf:Description>'
     '</rdf:RDF>\n', "U+FDD0 (a noncharacter)", ":3:"),
    # language tags: well-formed BCP 47, no base direction
    ("rtl.ttl", P + 'ex:a ex:b "x"@en--rtl .\n',
     "base direction (--rtl) is not supported; use a plain language tag", ":3:14:"),
    ("ltr.nt", '<http://e.org/a> <http://e.org/b> "x"@ar--ltr .\n', "base direction (--ltr) is not supported", ":1:"),
    ("lang-underscore.ttl", P + 'ex:a ex:b "x"@en_GB .\n', "syntax error", ":3:"),
    ("lang-long.ttl", P + 'ex:a ex:b "x"@englishlanguage .\n', "syntax error", ":3:"),
    ("lang-region-twice.ttl", P + 'ex:a ex:b "x"@en-GB-GB .\n', "syntax error", ":3:"),
    ("lang.jsonld", '{"@id": "http://e.org/a", "http://e.org/b": {"@value": "x", "@language": "en_GB"}}',
     "language tag @en_GB is not a well-formed BCP 47 tag", ":1:"),
    ("lang-context.jsonld", '{"@context": {"@language": "123"}, "@id": "http://e.org/a", "http://e.org/b": "x"}',
     "language tag @123 is not a well-formed BCP 47 tag", ":1:"),
    ("direction.jsonld", '{"@id": "http://e.org/a", "http://e.org/b": {"@value": "x", "@language": "en", '
     '"@direction": "rtl"}}', "base direction (--rtl) is not supported", ":1:"),
    ("direction.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'xmlns:its="http://www.w3.org/2005/11/its" its:version="2.0" rdf:version="1.2" xmlns:e="http://e.org/">\n'
     '<rdf:Description rdf:about="http://e.org/a"><e:b xml:lang="en" its:dir="rtl">x</e:b></rdf:Description>'
     '</rdf:RDF>\n', "base direction (--rtl) is not supported", ":3:"),
    # RDF 1.2 triple terms, reifiers and annotations
    ("star-object.ttl", P + "ex:a ex:b << ex:a ex:b ex:c >> .\n", "RDF 1.2 triple terms and reifiers", ":3:11:"),
    ("star-subject.ttl", P + '<< ex:a ex:b ex:c >> ex:b "x" .\n', "are not supported", ":3:1:"),
    ("triple-term.ttl", P + "ex:a ex:b <<( ex:a ex:b ex:c )>> .\n", "triple terms", ":3:11:"),
    ("annotation.ttl", P + "ex:a ex:b ex:c {| ex:d ex:e |} .\n", "triple terms", ":3:16:"),
    ("reifier.ttl", P + "ex:a ex:b ex:c ~ ex:r .\n", "triple terms", ":3:16:"),
    ("star.nt", "<http://e.org/a> <http://e.org/b> <<( <http://e.org/a> <http://e.org/b> <http://e.org/c> )>> .\n",
     "triple terms", ":1:35:"),
    ("star.trig", P + "ex:g { ex:a ex:b << ex:a ex:b ex:c >> }\n", "triple terms", ":3:18:"),
    ("star.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'rdf:version="1.2" xmlns:e="http://e.org/">\n<rdf:Description rdf:about="http://e.org/a">'
     '<e:b rdf:parseType="Triple"><rdf:Description rdf:about="http://e.org/a"><e:b rdf:resource="http://e.org/c"/>'
     '</rdf:Description></e:b></rdf:Description></rdf:RDF>\n', "triple terms", ":3:"),
    ("annotation.jsonld", '{"@id": "http://e.org/a", "http://e.org/b": {"@id": "http://e.org/c", '
     '"@annotation": {"http://e.org/d": "x"}}}', "triple terms", ":1:"),
    # nesting in any syntax: a chain of blank nodes nests as deep as brackets do
    ("chain.nt", "".join(f"_:n{i} <http://e.org/b> _:n{i + 1} .\n" for i in range(100)),
     "blank nodes nested deeper than 64 levels (KZLOD_MAX_NESTING)", ":"),
    ("deep-list.ttl", P + "ex:a ex:b " + "( " * 70 + ")" * 70 + " .\n", "nesting deeper than 64 levels", ":3:"),
]


@pytest.mark.parametrize("name, content, message, where", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_file_is_refused_with_file_line_and_message(tmp_path, name, content, message, where):
    path = write(tmp_path, name, content)
    for args in (["validate", path], ["query", "ASK {}", "--data", path]):
        res = invoke(*args)
        assert res.exit_code == 3, res.output
        assert message in res.output
        assert f"{path}{where}" in res.output
        assert "Traceback" not in res.output


def test_missing_file_and_directory(tmp_path):
    res = invoke("validate", tmp_path / "missing.ttl")
    assert res.exit_code == 3 and "missing.ttl: no such file" in res.output
    folder = tmp_path / "folder.ttl"
    folder.mkdir()
    res = invoke("query", "ASK {}", "--data", folder)
    assert res.exit_code == 3 and f"{folder}: is a directory, not a regular file" in res.output
    res = invoke("validate", folder)  # a folder given to validate stands for its RDF files: here none
    assert res.exit_code == 2 and f"{folder}: a folder without RDF files" in res.output


def test_file_size_limit_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("KZLOD_MAX_FILE_BYTES", "50")
    path = write(tmp_path, "big.ttl", P + "ex:a ex:b ex:c .\n")
    res = invoke("validate", path)
    assert res.exit_code == 3
    assert (f"{path}: 104 bytes is over the limit of 50 bytes for validate and add (KZLOD_MAX_FILE_BYTES); "
            "load bigger graphs with 'kzlod load'") in res.output


def test_literal_size_limit_is_named(tmp_path, monkeypatch):
    import pyoxigraph as ox

    from kzlod.project import resolve

    here = resolve()  # the project's own files pass the same gate: the limit stays above their literals
    longest = max((len(q.object.value) for f in here.graph_files() + here.shapes_files()
                   for q in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE) if isinstance(q.object, ox.Literal)),
                  default=0)
    limit = max(100, longest)
    monkeypatch.setenv("KZLOD_MAX_LITERAL_CHARS", str(limit))
    path = write(tmp_path, "long.ttl", P + 'ex:a ex:b "' + "x" * (limit + 400) + '" .\n')
    res = invoke("validate", path)
    assert res.exit_code == 3, res.output
    assert f"literal of {limit + 400:,} characters is over the limit of {limit:,}" in res.output


def test_every_syntax_error_of_a_file_is_reported(tmp_path):
    path = write(tmp_path, "many.ttl", P + "ex:a ex:b <bad iri> .\nex:c ex:d ex:e .\nex:f ex:g \"x\"@@ .\n")
    res = invoke("validate", path)
    assert res.exit_code == 3
    assert f"{path}:3:" in res.output and f"{path}:5:" in res.output


def test_empty_file_is_valid_rdf_but_nothing_to_add(tmp_path):
    path = write(tmp_path, "empty.ttl", "")
    assert invoke("query", "ASK {}", "--data", path).exit_code == 0
    project = tmp_path / "project"
    project.mkdir()
    (project / "data").mkdir()
    (project / "kzlod.toml").write_text('[project]\nname = "kzlod"\n')
    res = invoke("add", path, "--project", project)
    assert res.exit_code == 3 and "file is empty: there is nothing to add" in res.output


def test_named_graphs_cannot_be_added(tmp_path):
    path = write(tmp_path, "g.nq", "<http://example.org/a> <http://example.org/b> <http://example.org/c> "
                                    "<http://example.org/g> .\n")
    res = invoke("add", path, "--project", ROOT, "--dry-run")
    assert res.exit_code == 3 and "named graphs cannot be added" in res.output


# --- no outbound access ---------------------------------------------------------------

def test_remote_jsonld_context_is_refused_without_a_connection(tmp_path, listener):
    path = write(tmp_path, "ctx.jsonld", f'{{"@context": "http://127.0.0.1:{listener.port}/ctx", '
                                         '"@id": "http://example.org/a", "name": "x"}')
    res = invoke("validate", path)
    assert res.exit_code == 3 and "remote @context is refused" in res.output
    assert listener.connections == 0


def test_owl_imports_are_never_fetched(tmp_path, listener):
    path = write(tmp_path, "imports.ttl", P + f"ex:onto a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
                                               "  <http://www.w3.org/2002/07/owl#imports> "
                                               f"<http://127.0.0.1:{listener.port}/o.ttl> .\n")
    assert invoke("validate", path).exit_code in (0, 1)  # 1: schema statements belong in ontology/
    assert invoke("reason", "--data", path, "--format", "nt").exit_code == 0
    assert listener.connections == 0


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "LOAD <http://127.0.0.1:{port}/data.ttl>",
])
def test_queries_never_reach_out(listener, template):
    res = invoke("query", template.format(port=listener.port))
    assert res.exit_code == 1
    assert "refused" in res.output
    assert listener.connections == 0


def test_from_clause_does_not_fetch(listener):
    res = invoke("query", f"SELECT * FROM <http://127.0.0.1:{listener.port}/x.ttl> WHERE {{ ?s ?p ?o }} LIMIT 1",
                 "--format", "csv")
    assert res.exit_code == 0
    assert listener.connections == 0


# --- hostile and broken queries ---------------------------------------------------------

BAD_QUERIES = [
    ("SELECT ?s WHERE { ?s ?p }", 1, "bad SPARQL at line 1"),
    ("SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(\n}", 1, "bad SPARQL at line 4"),
    ("INSERT DATA { <http://a> <http://b> <http://c> }", 1, "updates are refused"),
    ("DELETE WHERE { ?s ?p ?o }", 1, "updates are refused"),
    ("CLEAR ALL", 1, "updates are refused"),
    ("DROP GRAPH <http://example.org/g>", 1, "updates are refused"),
    ("PREFIX ex: <http://example.org/> INSERT { ex:a ex:b ex:c } WHERE {}", 1, "updates are refused"),
    ("SELECT * WHERE " + "{" * 500 + " ?s ?p ?o " + "}" * 500, 1, "query too complex: brackets nested 500 deep"),
    ("SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 300 + "true" + ")" * 300 + ") }", 1, "query too complex"),
    ("SELECT ?x WHERE { BIND(1/0 AS ?x) }", 0, "x"),
    ("no-such-named-query", 2, "unknown named query"),
]


@pytest.mark.parametrize("text, code, message", BAD_QUERIES)
def test_bad_query(text, code, message):
    res = invoke("query", text, "--format", "csv")
    assert res.exit_code == code, res.output
    assert message in res.output
    assert "Traceback" not in res.output


def test_query_length_limit(monkeypatch):
    monkeypatch.setenv("KZLOD_MAX_QUERY_CHARS", "200")
    res = invoke("query", "SELECT * WHERE { ?s ?p ?o }" + " " * 300)
    assert res.exit_code == 1 and "query too long" in res.output and "KZLOD_MAX_QUERY_CHARS" in res.output


@pytest.mark.parametrize("text", [
    # catastrophic backtracking regex over every literal
    'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?a ?b ?c FILTER(REGEX(CONCAT(STR(?o), STR(?c)), "^(a+)+$")) }',
    # an unbounded cartesian product
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    # property paths over everything
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (<http://x/p>|!<http://x/q>)* ?b . ?c ?d ?e }",
])
def test_runaway_queries_time_out(text):
    res = invoke("query", text, "--timeout", "0.5")
    assert res.exit_code == 1
    assert "timed out after 0.5 s" in res.output


def test_query_file_errors(tmp_path):
    bad = write(tmp_path, "latin.rq", b"SELECT * WHERE { ?s ?p \"caf\xe9\" }")
    res = invoke("query", bad)
    assert res.exit_code == 3 and "latin.rq: cannot read" in res.output
    res = invoke("query", tmp_path / "absent.rq")
    assert res.exit_code == 3 and "absent.rq: no such file" in res.output
    res = invoke("query", "-", input="   \n")
    assert res.exit_code == 3 and "no query given on standard input" in res.output


@pytest.mark.parametrize("args, code, message", [
    (["query", "SELECT * WHERE { ?s ?p ?o }", "--param", "bad name", "x"], 2, "is not a variable name"),
    (["query", "memberships", "--param", "entity", "kzd:x"], 2, "has no parameter 'entity'"),
    (["query", "CONSTRUCT WHERE { ?s ?p ?o }", "--format", "xml"], 2, "is for SELECT/ASK"),
    (["query", "memberships", "--format", "nt"], 2, "is for CONSTRUCT/DESCRIBE"),
    (["query", "memberships", "--format", "yaml"], 2, "Invalid value for '--format'"),
    (["query", "memberships", "--store", "oxigraph:/nonexistent/store"], 3, "no Oxigraph store here"),
    (["query", "memberships", "--store", "postgres://x"], 2, "unknown store"),
    (["query", "memberships", "--timeout", "abc"], 2, "Invalid value for '--timeout'"),
    (["describe", "Atlantis"], 2, "no entity named 'Atlantis'"),
    (["describe", "kzd:atlantis"], 2, "no entity 'kzd:atlantis'"),
    (["validate", "--format", "html"], 2, "Invalid value for '--format'"),
    (["nonsense-command"], 2, "No such command"),
])
def test_usage_errors(args, code, message):
    res = invoke(*args)
    assert res.exit_code == code, res.output
    assert message in res.output


def test_unreachable_endpoint_is_a_clean_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    res = invoke("query", "memberships", "--endpoint", f"http://127.0.0.1:{port}/sparql")
    assert res.exit_code == 1 and "unreachable" in res.output


def test_inconsistent_new_data_is_explained(tmp_path):
    path = write(tmp_path, "clash.ttl", "@prefix kz: <https://w3id.org/kzlod/ontology#> .\n"
                                        "@prefix kzd: <https://w3id.org/kzlod/id/> .\n"
                                        "kzd:armenia a kz:Person .\n")
    res = invoke("validate", path)
    assert res.exit_code == 1
    assert "inconsistent:" in res.output and "disjoint" in res.output


def test_fmt_refuses_non_turtle(tmp_path):
    path = write(tmp_path, "x.nt", "<http://a> <http://b> <http://c> .\n")
    res = invoke("fmt", path)
    assert res.exit_code == 3 and "formats Turtle files (.ttl) only" in res.output
